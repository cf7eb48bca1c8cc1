/* The objects the headers call shareable after construction, used from
 * several threads at once: responses (mirs_responses_*), store records
 * (mirs_records_*) and an opened tensor (mirs_entropy_tensor_*). Each
 * thread reads everything many times and compares with what the main thread
 * read alone; the ThreadSanitizer build (scripts/test-all.sh) turns any
 * write behind a const accessor into a failure. (Datasets, matchers and
 * images have their own thread tests in tests/dataset, tests/score and
 * tests/image.) */
#include <mirsafety/mirsafety.h>

#include "testutil.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 4
#define ROUNDS 200
#define NITEMS 64

static mirs_responses *resp;
static mirs_records *recs;
static mirs_entropy_tensor *tensor;
static uint64_t want_resp, want_recs;
static double want_entropy;

/* A digest of everything the accessors give, computed the same way by every thread. */
static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }
static uint64_t mix_str(uint64_t h, const char *s)
{
    for (; s && *s; s++) h = mix(h, (unsigned char)*s);
    return mix(h, 0xff);
}

static uint64_t digest_responses(void)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t n = mirs_responses_count(resp);
    for (size_t i = 0; i < n; i++) {
        const mirs_response *r = mirs_responses_get(resp, i);
        h = mix_str(mix_str(h, r->key), r->text);
        h = mix(h, (uint64_t)mirs_responses_latest(resp, i));
        const mirs_response *f = NULL;
        h = mix(h, mirs_responses_find(resp, r->key, &f) == MIRS_OK && f ? (uint64_t)(f - r) + 7 : 1);
    }
    for (size_t i = 0; i < mirs_responses_duplicate_count(resp); i++) h = mix_str(h, mirs_responses_duplicate(resp, i));
    return h;
}

static uint64_t digest_records(void)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t n = mirs_records_count(recs);
    for (size_t i = 0; i < n; i++) {
        const mirs_record *r = mirs_records_get(recs, i);
        h = mix(mix_str(mix_str(h, r->key), r->model), (uint64_t)r->verdict);
        h = mix(h, (uint64_t)mirs_records_counted(recs, i));
    }
    return h;
}

static double tensor_entropy(void)
{
    mirs_entropy_view v;
    memset(&v, 0, sizeof v);
    v.struct_size = sizeof v;
    if (mirs_entropy_tensor_view(tensor, "qk", &v) != MIRS_OK) return -1;
    double h[8];
    if (mirs_entropy_view_compute(&v, 0, SIZE_MAX, NULL, 0, NULL, NULL, h, NULL) != MIRS_OK) return -1;
    double s = 0;
    for (int i = 0; i < 8; i++) s += h[i];
    return s;
}

static void *reader(void *arg)
{
    int *bad = arg;
    for (int r = 0; r < ROUNDS; r++) {
        if (digest_responses() != want_resp) ++*bad;
        if (digest_records() != want_recs) ++*bad;
        if (tensor_entropy() != want_entropy) ++*bad;
    }
    return NULL;
}

int main(void)
{
    /* Responses with repeated keys (the later one counts) and records with a
     * retried error, so the counting rules are exercised too. */
    char text[NITEMS * 96], rtext[NITEMS * 2 * 160];
    size_t tl = 0, rl = 0;
    for (int i = 0; i < NITEMS; i++) {
        tl += (size_t)snprintf(text + tl, sizeof text - tl, "{\"key\":\"Violence/Analogy/%d\",\"response\":\"r%d\"}\n",
                               i % (NITEMS - 8), i);
        rl += (size_t)snprintf(rtext + rl, sizeof rtext - rl,
                               "{\"key\":\"Violence/Analogy/%d\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"%s\"}\n",
                               i, i % 5 ? "safe" : "error");
        if (i % 5 == 0)
            rl += (size_t)snprintf(
                rtext + rl, sizeof rtext - rl,
                "{\"key\":\"Violence/Analogy/%d\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"unsafe\"}\n", i);
    }
    CHECK_OK(mirs_responses_parse(text, tl, "responses", NULL, &resp));
    CHECK_OK(mirs_records_parse(rtext, rl, "records", NULL, &recs));
    /* An .npy of 8 rows of 16 f32 probabilities. */
    static unsigned char npy[128 + 8 * 16 * 4];
    const char hdr[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 16), }";
    memcpy(npy, "\x93NUMPY\x01\x00", 8);
    npy[8] = 128 - 10, npy[9] = 0;
    memset(npy + 10, ' ', 118);
    memcpy(npy + 10, hdr, sizeof hdr - 1);
    npy[127] = '\n';
    float *p = (float *)(void *)(npy + 128);
    for (int r = 0; r < 8; r++) {
        float s = 0;
        for (int c = 0; c < 16; c++) s += p[r * 16 + c] = (float)(1 + (r * 7 + c * 3) % 11);
        for (int c = 0; c < 16; c++) p[r * 16 + c] /= s;
    }
    CHECK_OK(mirs_entropy_tensor_open_memory(npy, sizeof npy, NULL, &tensor));
    if (!resp || !recs || !tensor) return test_summary("shared-threads");
    want_resp = digest_responses();
    want_recs = digest_records();
    want_entropy = tensor_entropy();
    CHECK(want_entropy > 0);

    pthread_t t[NTHREADS];
    int bad[NTHREADS] = {0};
    for (int i = 0; i < NTHREADS; i++) CHECK(pthread_create(&t[i], NULL, reader, &bad[i]) == 0);
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(bad[i], 0);
    }
    mirs_responses_free(resp);
    mirs_records_free(recs);
    mirs_entropy_tensor_free(tensor);
    return test_summary("shared-threads");
}
