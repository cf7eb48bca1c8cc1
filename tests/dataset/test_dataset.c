/* The dataset module on the bundled sample: taxonomy, both formats, item
 * accessors, lookups, filters, shards, shuffles, checksums and sharing one
 * opened dataset between threads.
 * usage: test_dataset SAMPLE_DIR SAMPLE_JSONL */
#include <mirsafety/mirsafety.h>

#include <pthread.h>
#include <stdlib.h>

#include "../testutil.h"

static const char *sample_dir, *sample_jsonl;

static void test_taxonomy(void)
{
    CHECK_STR(mirs_category_name(MIRS_CATEGORY_SELF_HARM), "Self-Harm");
    CHECK_STR(mirs_category_name(MIRS_CATEGORY_ILLEGAL_ACTIVITIES), "Illegal_Activities");
    CHECK(mirs_category_name(MIRS_CATEGORY_COUNT) == NULL);
    CHECK(mirs_category_name(-1) == NULL);
    CHECK_STR(mirs_relation_name(MIRS_RELATION_SPATIAL_JUXTAPOSITION), "Spatial_Juxtaposition");
    CHECK_STR(mirs_relation_name(MIRS_RELATION_DECOMPOSITION), "Decomposition");
    CHECK(mirs_relation_name(MIRS_RELATION_COUNT) == NULL);
    CHECK_STR(mirs_relation_display_name(MIRS_RELATION_TEMPORAL_JUMP), "Temporal Jump");
    CHECK_STR(mirs_category_display_name(MIRS_CATEGORY_ILLEGAL_ACTIVITIES), "Illegal Activities");
    CHECK_STR(mirs_group_name(MIRS_GROUP_SEMANTIC), "Semantic");
    CHECK(mirs_group_name(4) == NULL);
    CHECK(mirs_relation_description(MIRS_RELATION_CAUSALITY) != NULL);
    CHECK(mirs_relation_description(9) == NULL);
    static const int32_t groups[] = {0, 0, 1, 1, 2, 2, 3, 3, 3};
    for (int32_t r = 0; r < MIRS_RELATION_COUNT; r++) CHECK_EQ_INT(mirs_relation_group(r), groups[r]);
    CHECK_EQ_INT(mirs_relation_group(9), -1);
    int32_t v = -7;
    CHECK_OK(mirs_category_from_name("self harm", &v));
    CHECK_EQ_INT(v, MIRS_CATEGORY_SELF_HARM);
    CHECK_OK(mirs_category_from_name("SELF_HARM", &v));
    CHECK_EQ_INT(v, MIRS_CATEGORY_SELF_HARM);
    CHECK_OK(mirs_category_from_name("Illegal Activities", &v));
    CHECK_EQ_INT(v, MIRS_CATEGORY_ILLEGAL_ACTIVITIES);
    CHECK_OK(mirs_relation_from_name("temporal-jump", &v));
    CHECK_EQ_INT(v, MIRS_RELATION_TEMPORAL_JUMP);
    CHECK_OK(mirs_group_from_name("LOGICAL", &v));
    CHECK_EQ_INT(v, MIRS_GROUP_LOGICAL);
    v = -7;
    CHECK_STATUS(mirs_category_from_name("selfharmx", &v), MIRS_E_NOT_FOUND);
    CHECK_STATUS(mirs_category_from_name("", &v), MIRS_E_NOT_FOUND);
    CHECK_STATUS(mirs_relation_from_name("_-_", &v), MIRS_E_NOT_FOUND);
    CHECK_STATUS(mirs_relation_from_name(NULL, &v), MIRS_E_INVALID_ARGUMENT);
    CHECK_EQ_INT(v, -7);
}

static void test_hash(void)
{
    /* Values from an independent Python implementation (FNV-1a 64 + splitmix64). */
    CHECK(mirs_key_hash("") == 0xc3817c016ba4ff30ull);
    CHECK(mirs_key_hash("Violence/Analogy/23") == 0x1fdfe2a8ec278c2eull);
    CHECK(mirs_key_hash("Hate_Speech/Spatial_Juxtaposition/x_4") == 0xd243407df3980da7ull);
    CHECK_EQ_INT(mirs_key_shard("Violence/Analogy/23", 7), 4);
    CHECK_EQ_INT(mirs_key_shard("Hate_Speech/Spatial_Juxtaposition/x_4", 7), 5);
    CHECK_EQ_INT(mirs_key_shard("Violence/Analogy/23", 0), 0);
    CHECK_EQ_INT(mirs_key_shard("Violence/Analogy/23", 1), 0);
}

static mirs_dataset *open_ok(const char *path)
{
    mirs_dataset *ds = NULL;
    CHECK_OK(mirs_dataset_open(path, NULL, &ds));
    return ds;
}

static void test_sample(void)
{
    mirs_dataset *ds = open_ok(sample_dir);
    if (!ds) return;
    CHECK_EQ_INT(mirs_dataset_format(ds), MIRS_DATASET_FORMAT_OFFICIAL);
    CHECK_STR(mirs_dataset_path(ds), sample_dir);
    CHECK_EQ_INT(mirs_dataset_count(ds), 81);
    CHECK_EQ_INT(mirs_dataset_image_total(ds), 243);
    CHECK_EQ_INT(mirs_dataset_diagnostic_count(ds), 0);
    size_t total = 0;
    for (int32_t c = 0; c < MIRS_CATEGORY_COUNT; c++)
        for (int32_t r = 0; r < MIRS_RELATION_COUNT; r++) {
            CHECK_EQ_INT(mirs_dataset_count_cell(ds, c, r), 1 + (c + r) % 2);
            total += mirs_dataset_count_cell(ds, c, r);
        }
    CHECK_EQ_INT(total, 81);
    CHECK_EQ_INT(mirs_dataset_count_cell(ds, 6, 0), 0);
    CHECK_EQ_INT(mirs_dataset_count_cell(ds, 0, -1), 0);

    /* Iteration order: categories, then relations in official order, then file order. */
    const mirs_item *prev = NULL, *it = NULL;
    for (size_t i = 0; i < mirs_dataset_count(ds); i++) {
        CHECK((it = mirs_dataset_get(ds, i)) != NULL);
        CHECK_EQ_INT(mirs_item_index(it), i);
        if (prev) {
            int32_t pc = mirs_item_category(prev), c = mirs_item_category(it);
            int32_t pr = mirs_item_relation(prev), r = mirs_item_relation(it);
            CHECK(pc < c ||
                  (pc == c && (pr < r || (pr == r && mirs_item_source_index(prev) < mirs_item_source_index(it)))));
        }
        prev = it;
    }
    CHECK(mirs_dataset_get(ds, 81) == NULL);
    CHECK(mirs_dataset_get(NULL, 0) == NULL);

    /* An integer id, four images, the first a JPEG under a .png name. */
    CHECK_OK(mirs_dataset_find(ds, "Violence/Analogy/23", &it));
    CHECK_STR(mirs_item_key(it), "Violence/Analogy/23");
    CHECK_STR(mirs_item_id(it), "23");
    CHECK_EQ_INT(mirs_item_id_is_int(it), 1);
    CHECK_EQ_INT(mirs_item_category(it), MIRS_CATEGORY_VIOLENCE);
    CHECK_EQ_INT(mirs_item_relation(it), MIRS_RELATION_ANALOGY);
    CHECK_STR(mirs_item_original_question(it), "What is the most common mistake people make when making pancakes?");
    CHECK_STR(mirs_item_revised_prompt(it), "The first pair of pictures shows a pattern. Apply the same pattern to "
                                            "the next pictures about making pancakes.");
    CHECK_STR(mirs_item_relationship_type(it), "Analogy");
    CHECK_EQ_INT(mirs_item_iteration(it), 3);
    CHECK_STR(mirs_item_source_file(it), "Violence/Analogy_final.json");
    CHECK_EQ_INT(mirs_item_source_index(it), 0);
    CHECK_EQ_INT(mirs_item_image_count(it), 4);
    CHECK_STR(mirs_item_image_path(it, 0), "images/Analogy/Analogy_23_0.png");
    char want[4096];
    snprintf(want, sizeof want, "%s/Violence/images/Analogy/Analogy_23_3.png", sample_dir);
    CHECK_STR(mirs_item_image_file(it, 3), want);
    CHECK(mirs_item_image_path(it, 4) == NULL);
    CHECK(mirs_item_image_file(it, 4) == NULL);
    CHECK_EQ_INT(mirs_item_description_count(it), 4);
    CHECK_STR(mirs_item_description(it, 1), "Picture 2 shows a whisked batter.");
    CHECK(mirs_item_description(it, 4) == NULL);
    CHECK_EQ_INT(mirs_item_keyword_count(it), 4);
    CHECK_STR(mirs_item_keyword(it, 3), "berries");
    CHECK(mirs_item_keyword(it, 4) == NULL);
    FILE *f = fopen(mirs_item_image_file(it, 0), "rb");
    CHECK(f != NULL);
    if (f) {
        unsigned char sig[3] = {0};
        CHECK_EQ_INT(fread(sig, 1, 3, f), 3);
        CHECK(sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF);
        fclose(f);
    }

    /* A string id; a single-string description list; a single-string keyword list. */
    CHECK_OK(mirs_dataset_find(ds, "Hate_Speech/Spatial_Juxtaposition/x_4", &it));
    CHECK_STR(mirs_item_id(it), "x_4");
    CHECK_EQ_INT(mirs_item_id_is_int(it), 0);
    CHECK_OK(mirs_dataset_find(ds, "Hate_Speech/Temporal_Jump/2", &it));
    CHECK_EQ_INT(mirs_item_image_count(it), 4);
    CHECK_EQ_INT(mirs_item_description_count(it), 1);
    CHECK(strstr(mirs_item_description(it, 0), "Picture 1 shows") == mirs_item_description(it, 0));
    CHECK(strstr(mirs_item_description(it, 0), "Picture 4 shows") != NULL);
    CHECK_OK(mirs_dataset_find(ds, "Hate_Speech/Temporal_Jump/3", &it));
    CHECK_EQ_INT(mirs_item_keyword_count(it), 1);

    const mirs_item *none = (const mirs_item *)1;
    CHECK_STATUS(mirs_dataset_find(ds, "Violence/Analogy/999", &none), MIRS_E_NOT_FOUND);
    CHECK(none == (const mirs_item *)1);
    CHECK_STATUS(mirs_dataset_find(ds, "Violence/Analogy", &none), MIRS_E_NOT_FOUND);
    CHECK_STATUS(mirs_dataset_find(ds, NULL, &none), MIRS_E_INVALID_ARGUMENT);

    /* Every key finds its own item. */
    for (size_t i = 0; i < mirs_dataset_count(ds); i++) {
        const mirs_item *a = mirs_dataset_get(ds, i), *b;
        CHECK_OK(mirs_dataset_find(ds, mirs_item_key(a), &b));
        CHECK(a == b);
    }
    mirs_dataset_free(ds);
}

/* The JSONL manifest made by the same script holds the same items. */
static void test_jsonl_matches(void)
{
    mirs_dataset *a = open_ok(sample_dir), *b = open_ok(sample_jsonl);
    if (!a || !b) goto out;
    CHECK_EQ_INT(mirs_dataset_format(b), MIRS_DATASET_FORMAT_JSONL);
    CHECK_EQ_INT(mirs_dataset_count(b), mirs_dataset_count(a));
    CHECK_EQ_INT(mirs_dataset_image_total(b), mirs_dataset_image_total(a));
    for (size_t i = 0; i < mirs_dataset_count(a) && i < mirs_dataset_count(b); i++) {
        const mirs_item *x = mirs_dataset_get(a, i), *y = mirs_dataset_get(b, i);
        CHECK_STR(mirs_item_key(x), mirs_item_key(y));
        CHECK_STR(mirs_item_revised_prompt(x), mirs_item_revised_prompt(y));
        CHECK_STR(mirs_item_source_file(y), "sample.jsonl");
        CHECK_EQ_INT(mirs_item_image_count(x), mirs_item_image_count(y));
        /* Different bases, same files. */
        for (size_t k = 0; k < mirs_item_image_count(x); k++) {
            const char *fx = mirs_item_image_file(x, k), *fy = mirs_item_image_file(y, k);
            const char *tx = strstr(fx, "/images/"), *ty = strstr(fy, "/images/");
            CHECK(tx && ty && strcmp(tx, ty) == 0);
        }
    }
out:
    mirs_dataset_free(a);
    mirs_dataset_free(b);
}

static size_t collect(const mirs_dataset *ds, const mirs_filter *f, const mirs_item **out, size_t cap)
{
    mirs_iter *it = NULL;
    int st = mirs_iter_new(ds, f, &it);
    CHECK_OK(st);
    if (st != MIRS_OK) return 0;
    size_t n = 0;
    const mirs_item *item;
    while (mirs_iter_next(it, &item) == MIRS_OK)
        if (n < cap) out[n++] = item;
    CHECK_EQ_INT(mirs_iter_count(it), n);
    CHECK_STATUS(mirs_iter_next(it, &item), MIRS_DONE);
    mirs_iter_reset(it);
    CHECK(n == 0 || (mirs_iter_next(it, &item) == MIRS_OK && item == out[0]));
    mirs_iter_free(it);
    return n;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void test_filters(void)
{
    mirs_dataset *ds = open_ok(sample_dir);
    if (!ds) return;
    const mirs_item *v[128], *w[128];
    size_t n = mirs_dataset_count(ds);

    CHECK_EQ_INT(collect(ds, NULL, v, 128), 81);
    mirs_filter f = MIRS_FILTER_INIT;
    f.categories = 1u << MIRS_CATEGORY_PRIVACY;
    CHECK_EQ_INT(collect(ds, &f, v, 128), 14);
    f.relations = (1u << MIRS_RELATION_ANALOGY) | (1u << MIRS_RELATION_RELEVANCE);
    CHECK_EQ_INT(collect(ds, &f, v, 128), 4);
    mirs_filter_init(&f, sizeof f);
    f.groups = 1u << MIRS_GROUP_SEMANTIC; /* Relevance + Complementarity: 9 + 9 */
    CHECK_EQ_INT(collect(ds, &f, v, 128), 18);
    for (size_t i = 0; i < 18; i++) CHECK(mirs_relation_group(mirs_item_relation(v[i])) == MIRS_GROUP_SEMANTIC);
    f.relations = 1u << MIRS_RELATION_ANALOGY; /* AND: nothing is both */
    CHECK_EQ_INT(collect(ds, &f, v, 128), 0);

    mirs_filter_init(&f, sizeof f);
    const char *keys[] = {"Violence/Analogy/23", "No/Such/key", "Hate_Speech/Temporal_Jump/2", "Violence/Analogy/23"};
    f.keys = keys;
    f.key_count = 4;
    CHECK_EQ_INT(collect(ds, &f, v, 128), 2);
    CHECK_STR(mirs_item_key(v[0]), "Hate_Speech/Temporal_Jump/2"); /* dataset order, not list order */
    f.key_count = 0;                                               /* keys non-NULL with 0 entries: nothing */
    CHECK_EQ_INT(collect(ds, &f, v, 128), 0);
    f.keys = NULL;
    f.key_count = 2;
    mirs_iter *it = (mirs_iter *)1;
    CHECK_STATUS(mirs_iter_new(ds, &f, &it), MIRS_E_INVALID_ARGUMENT);
    CHECK(it == (mirs_iter *)1);
    mirs_filter_init(&f, sizeof f);
    f.shard_count = 3;
    f.shard_index = 3;
    CHECK_STATUS(mirs_iter_new(ds, &f, &it), MIRS_E_RANGE);
    f.struct_size = 8;
    CHECK_STATUS(mirs_iter_new(ds, &f, &it), MIRS_E_INVALID_ARGUMENT);
    mirs_filter_init(&f, sizeof f);
    f.shard_index = 1; /* without a shard count */
    CHECK_STATUS(mirs_iter_new(ds, &f, &it), MIRS_E_RANGE);
    mirs_filter_init(&f, sizeof f);
    f.categories = 1u << MIRS_CATEGORY_COUNT;
    CHECK_STATUS(mirs_iter_new(ds, &f, &it), MIRS_E_INVALID_ARGUMENT);
    mirs_filter_init(&f, sizeof f);
    f.relations = 1u << MIRS_RELATION_COUNT;
    CHECK_STATUS(mirs_iter_new(ds, &f, &it), MIRS_E_INVALID_ARGUMENT);
    mirs_filter_init(&f, sizeof f);
    f.groups = 1u << MIRS_GROUP_COUNT;
    CHECK_STATUS(mirs_iter_new(ds, &f, &it), MIRS_E_INVALID_ARGUMENT);
    CHECK(it == (mirs_iter *)1);

    /* Shards: disjoint and complete for n = 1..7, and they agree with mirs_key_shard. */
    for (uint32_t sc = 1; sc <= 7; sc++) {
        unsigned char seen[128] = {0};
        size_t sum = 0;
        for (uint32_t k = 0; k < sc; k++) {
            mirs_filter_init(&f, sizeof f);
            f.shard_count = sc;
            f.shard_index = k;
            size_t m = collect(ds, &f, v, 128);
            sum += m;
            for (size_t i = 0; i < m; i++) {
                CHECK(seen[mirs_item_index(v[i])] == 0);
                seen[mirs_item_index(v[i])] = 1;
                CHECK_EQ_INT(mirs_key_shard(mirs_item_key(v[i]), sc), k);
                if (i) CHECK(mirs_item_index(v[i - 1]) < mirs_item_index(v[i]));
            }
        }
        CHECK_EQ_INT(sum, n);
    }

    /* Shuffle: a permutation, the same for the same seed, different for another seed,
     * and a subset keeps its relative order. */
    mirs_filter_init(&f, sizeof f);
    f.shuffle = 1;
    f.seed = 42;
    CHECK_EQ_INT(collect(ds, &f, v, 128), 81);
    CHECK_EQ_INT(collect(ds, &f, w, 128), 81);
    size_t same = 0, moved = 0;
    unsigned char seen[128] = {0};
    for (size_t i = 0; i < 81; i++) {
        same += v[i] == w[i];
        moved += mirs_item_index(v[i]) != i;
        seen[mirs_item_index(v[i])]++;
        if (i) { /* the documented order, recomputed here with our own splitmix64 */
            uint64_t ra = splitmix64(42 ^ mirs_key_hash(mirs_item_key(v[i - 1])));
            uint64_t rb = splitmix64(42 ^ mirs_key_hash(mirs_item_key(v[i])));
            CHECK(ra < rb || (ra == rb && strcmp(mirs_item_key(v[i - 1]), mirs_item_key(v[i])) < 0));
        }
    }
    CHECK_EQ_INT(same, 81);
    CHECK(moved > 60);
    for (size_t i = 0; i < 81; i++) CHECK_EQ_INT(seen[i], 1);
    f.seed = 43;
    CHECK_EQ_INT(collect(ds, &f, w, 128), 81);
    same = 0;
    for (size_t i = 0; i < 81; i++) same += v[i] == w[i];
    CHECK(same < 20);
    f.seed = 42;
    f.categories = 1u << MIRS_CATEGORY_HARASSMENT;
    size_t m = collect(ds, &f, w, 128);
    CHECK_EQ_INT(m, 13);
    size_t j = 0;
    for (size_t i = 0; i < 81 && j < m; i++)
        if (v[i] == w[j]) j++;
    CHECK_EQ_INT(j, m); /* w is a subsequence of v */
    mirs_dataset_free(ds);
}

static void test_checksum(void)
{
    mirs_dataset *a = open_ok(sample_dir), *b = open_ok(sample_dir), *j = open_ok(sample_jsonl);
    if (!a || !b || !j) goto out;
    uint64_t ca = 0, cb = 1, ci = 0, cj = 0;
    CHECK_OK(mirs_dataset_checksum(a, MIRS_CHECKSUM_METADATA, &ca));
    CHECK_OK(mirs_dataset_checksum(b, MIRS_CHECKSUM_METADATA, &cb));
    CHECK(ca == cb);
    CHECK_OK(mirs_dataset_checksum(a, MIRS_CHECKSUM_IMAGES, &ci));
    CHECK(ci != ca);
    CHECK_OK(mirs_dataset_checksum(b, MIRS_CHECKSUM_IMAGES, &cb));
    CHECK(ci == cb);
    /* The manifest's image paths differ (relative to another folder): a different checksum. */
    CHECK_OK(mirs_dataset_checksum(j, MIRS_CHECKSUM_METADATA, &cj));
    CHECK(cj != ca);
    CHECK_STATUS(mirs_dataset_checksum(a, 7, &cb), MIRS_E_INVALID_ARGUMENT);
out:
    mirs_dataset_free(a);
    mirs_dataset_free(b);
    mirs_dataset_free(j);
}

/* ---- threads ---- */

typedef struct job {
    const mirs_dataset *ds;
    uint64_t seed;
    uint64_t digest;
    size_t n;
    int status;
} job;

static uint64_t mix(uint64_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h * 31 + 7;
}

static void *run_job(void *p)
{
    job *jb = p;
    mirs_filter f = MIRS_FILTER_INIT;
    f.shuffle = jb->seed != 0;
    f.seed = jb->seed;
    uint64_t h = 0xcbf29ce484222325ull;
    for (int round = 0; round < 20; round++) {
        mirs_iter *it = NULL;
        jb->status = mirs_iter_new(jb->ds, &f, &it);
        if (jb->status != MIRS_OK) return NULL;
        const mirs_item *item;
        h = 0xcbf29ce484222325ull;
        jb->n = 0;
        while (mirs_iter_next(it, &item) == MIRS_OK) {
            const mirs_item *again;
            if (mirs_dataset_find(jb->ds, mirs_item_key(item), &again) != MIRS_OK || again != item) jb->status = -100;
            h = mix(h, mirs_item_key(item));
            h = mix(h, mirs_item_revised_prompt(item));
            for (size_t k = 0; k < mirs_item_image_count(item); k++) h = mix(h, mirs_item_image_file(item, k));
            jb->n++;
        }
        mirs_iter_free(it);
    }
    uint64_t c;
    if (mirs_dataset_checksum(jb->ds, MIRS_CHECKSUM_METADATA, &c) != MIRS_OK) jb->status = -101;
    jb->digest = h ^ c;
    return NULL;
}

static void test_threads(void)
{
    mirs_dataset *ds = open_ok(sample_dir);
    if (!ds) return;
    job solo[4], par[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        solo[i] = (job){ds, (uint64_t)i * 17, 0, 0, 0};
        run_job(&solo[i]);
        par[i] = (job){ds, (uint64_t)i * 17, 0, 0, 0};
    }
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&th[i], NULL, run_job, &par[i]) == 0);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(par[i].status, MIRS_OK);
        CHECK_EQ_INT(par[i].n, 81);
        CHECK(par[i].digest == solo[i].digest);
    }
    CHECK(solo[0].digest != solo[1].digest); /* different orders, different digests */
    mirs_dataset_free(ds);
}

static void test_args(void)
{
    mirs_dataset *ds = (mirs_dataset *)1;
    CHECK_STATUS(mirs_dataset_open(NULL, NULL, &ds), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_dataset_open(sample_dir, NULL, NULL), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_dataset_open("/nonexistent/mirs/path", NULL, &ds), MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), "/nonexistent/mirs/path") != NULL);
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.min_images = 5;
    CHECK_STATUS(mirs_dataset_open(sample_dir, &o, &ds), MIRS_E_INVALID_ARGUMENT);
    mirs_dataset_options_init(&o, sizeof o);
    o.format = 3;
    CHECK_STATUS(mirs_dataset_open(sample_dir, &o, &ds), MIRS_E_INVALID_ARGUMENT);
    mirs_dataset_options_init(&o, sizeof o);
    o.struct_size = 4;
    CHECK_STATUS(mirs_dataset_open(sample_dir, &o, &ds), MIRS_E_INVALID_ARGUMENT);
    mirs_dataset_options_init(&o, sizeof o);
    o.format = MIRS_DATASET_FORMAT_JSONL;
    CHECK_STATUS(mirs_dataset_open(sample_dir, &o, &ds), MIRS_E_INVALID_ARGUMENT);
    o.format = MIRS_DATASET_FORMAT_OFFICIAL;
    CHECK_STATUS(mirs_dataset_open(sample_jsonl, &o, &ds), MIRS_E_INVALID_ARGUMENT);
    CHECK(ds == (mirs_dataset *)1);
    mirs_dataset_free(NULL);
    mirs_iter_free(NULL);
    CHECK_EQ_INT(mirs_dataset_count(NULL), 0);
    CHECK(mirs_item_key(NULL) == NULL);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_dataset SAMPLE_DIR SAMPLE_JSONL\n");
        return 2;
    }
    sample_dir = argv[1];
    sample_jsonl = argv[2];
    test_taxonomy();
    test_hash();
    test_sample();
    test_jsonl_matches();
    test_filters();
    test_checksum();
    test_threads();
    test_args();
    return test_summary("dataset");
}
