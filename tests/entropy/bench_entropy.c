/* Entropy benchmark: this machine's single-thread read bandwidth and the
 * kernels on rows that do not fit in cache. The read floor is measured by
 * several loops printed side by side (bench_entropy.py adds numpy's a.max()
 * and takes the best of all as the baseline): a sum of 64-bit words that the
 * compiler vectorises, and where the CPU has them AVX2 and AVX-512 sums with
 * 8 independent accumulators; each as the best of a plain loop and loops with
 * software prefetch at several distances and with both the non-temporal and
 * the L2 hint, so the kernels' own prefetch cannot make them look faster than
 * reading. Arrays default to more than twice the
 * last-level cache (read from sysfs), so out of cache is out of cache.
 * Every measurement is taken once per round over several rounds; the JSON
 * gives the best and the median round of each.
 * Usage: bench_entropy [million_elements (0: from the cache size)] [row_length]
 *        [kernel: auto|sse2|avx2|avx512] [pages: 4k|huge]
 * Built twice: as this program, whose arrays are 2 MiB aligned and either
 * plain (4 KiB pages) or advised to transparent huge pages as numpy does for
 * large arrays; and as a module (BENCH_MODULE, no main) that
 * bench_entropy.py loads with ctypes and hands numpy's own arrays, so numpy's
 * a.max() and every loop here read the very same memory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <mirsafety/mirsafety.h>

#include "bench_common.h"

#include <pthread.h>
#include <sys/mman.h>

static volatile uint64_t sink;

/* A software prefetch dist bytes ahead: dist's low bit picks the hint
 * (0: non-temporal, as prefetchnta; 1: into L2, as prefetcht1, the entropy
 * kernels' own). */
#define PF(p, dist)                                                                                                    \
    do {                                                                                                               \
        if ((dist)&1)                                                                                                  \
            __builtin_prefetch((const char *)(p) + ((dist) & ~(size_t)1), 0, 2);                                       \
        else                                                                                                           \
            __builtin_prefetch((const char *)(p) + (dist), 0, 0);                                                      \
    } while (0)

/* A sum of 64-bit words, with a software prefetch (PF) dist bytes ahead (one
 * per 64-byte line) unless dist is 0. */
__attribute__((noinline)) static uint64_t sum_words(const uint64_t *w, size_t n, size_t dist)
{
    uint64_t a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        if (dist) PF(w + i, dist);
        a += w[i], b += w[i + 1], c += w[i + 2], d += w[i + 3];
        e += w[i + 4], f += w[i + 5], g += w[i + 6], h += w[i + 7];
    }
    return a + b + c + d + e + f + g + h;
}

#if defined(__x86_64__)
/* Sums of 64-bit lanes with 8 independent vector accumulators (one load per
 * accumulator per iteration: the loop is bound by loads, not by add latency). */
__attribute__((target("avx2"), noinline)) static uint64_t sum_avx2(const uint64_t *w, size_t n, size_t dist)
{
    __m256i a[8];
    for (int k = 0; k < 8; k++) a[k] = _mm256_setzero_si256();
    for (size_t i = 0; i + 32 <= n; i += 32) {
        if (dist) {
            PF(w + i, dist);
            PF(w + i + 8, dist);
            PF(w + i + 16, dist);
            PF(w + i + 24, dist);
        }
        for (int k = 0; k < 8; k++) a[k] = _mm256_add_epi64(a[k], _mm256_loadu_si256((const __m256i *)(w + i + 4 * k)));
    }
    for (int k = 1; k < 8; k++) a[0] = _mm256_add_epi64(a[0], a[k]);
    uint64_t o[4];
    _mm256_storeu_si256((__m256i *)o, a[0]);
    return o[0] + o[1] + o[2] + o[3];
}

__attribute__((target("avx512f"), noinline)) static uint64_t sum_avx512(const uint64_t *w, size_t n, size_t dist)
{
    __m512i a[8];
    for (int k = 0; k < 8; k++) a[k] = _mm512_setzero_si512();
    for (size_t i = 0; i + 64 <= n; i += 64) {
        if (dist)
            for (int k = 0; k < 8; k++) PF(w + i + 8 * k, dist);
        for (int k = 0; k < 8; k++) a[k] = _mm512_add_epi64(a[k], _mm512_loadu_si512((const void *)(w + i + 8 * k)));
    }
    for (int k = 1; k < 8; k++) a[0] = _mm512_add_epi64(a[0], a[k]);
    return (uint64_t)_mm512_reduce_add_epi64(a[0]);
}
#endif

typedef struct {
    const void *data;
    size_t bytes;
    int32_t dtype;
    size_t rows, cols;
    mirs_entropy_options o;
    double *out;
} job;

typedef uint64_t (*sum_fn)(const uint64_t *, size_t, size_t);

/* No prefetch, then 0.5-16 KiB ahead with either hint (odd: prefetcht1). */
static const size_t dists[] = {0, 512, 1024, 2048, 4096, 8192, 16384, 513, 1025, 2049, 4097, 8193, 16385};

static double time_loop(job *j, sum_fn fn)
{
    double best = 1e30;
    for (size_t k = 0; k < sizeof dists / sizeof *dists; k++) {
        double t = now();
        sink += fn(j->data, j->bytes / 8, dists[k]);
        t = now() - t;
        if (t < best) best = t;
    }
    return best;
}

/* The same read loop on two threads, each over half of the array: what the
 * memory system gives two cores, the ceiling of any two-thread stream. */
typedef struct {
    sum_fn fn;
    const uint64_t *w;
    size_t n, dist;
    uint64_t out;
} half;

static void *half_run(void *arg)
{
    half *h = arg;
    h->out = h->fn(h->w, h->n, h->dist);
    return NULL;
}

static double time_loop2(job *j, sum_fn fn)
{
    double best = 1e30;
    size_t n = j->bytes / 8, first = n / 2 / 64 * 64;
    for (size_t k = 0; k < sizeof dists / sizeof *dists; k++) {
        half a = {fn, j->data, first, dists[k], 0}, b = {fn, (const uint64_t *)j->data + first, n - first, dists[k], 0};
        pthread_t t2;
        double t = now();
        if (pthread_create(&t2, NULL, half_run, &b) != 0) return 1e30;
        half_run(&a);
        pthread_join(t2, NULL);
        t = now() - t;
        sink += a.out + b.out;
        if (t < best) best = t;
    }
    return best;
}

static double time_sum(void *arg) { return time_loop(arg, sum_words); }
static double time_sum_2t(void *arg) { return time_loop2(arg, sum_words); }
#if defined(__x86_64__)
static double time_sum_avx2(void *arg) { return time_loop(arg, sum_avx2); }
static double time_sum_avx512(void *arg) { return time_loop(arg, sum_avx512); }
static double time_sum_avx2_2t(void *arg) { return time_loop2(arg, sum_avx2); }
static double time_sum_avx512_2t(void *arg) { return time_loop2(arg, sum_avx512); }
#endif

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double time_entropy(void *arg)
{
    job *j = arg;
    double t = now();
    if (mirs_entropy_rows(j->data, j->dtype, j->rows, j->cols, j->cols, &j->o, j->out) != MIRS_OK) {
        fprintf(stderr, "bench: %s\n", mirs_error_last());
        exit(1);
    }
    return now() - t;
}

#define ROUNDS 7

/* Number of elements: million (or, with 0, every array above twice the LLC
 * and at least 32 M elements), whole rows of cols. */
static size_t bench_elements(double million, size_t cols)
{
    size_t llc = llc_bytes(), n = (size_t)(million * 1e6);
    if (n == 0) {
        n = 32000000;
        if (llc && n < llc + llc / 4) n = llc + llc / 4;
    }
    return n / cols * cols;
}

/* Fills p (n f32 probabilities in rows of cols), h and b (the same as f16
 * and bf16), times every measurement and writes the JSON line to out. */
static int bench_run(float *p, uint16_t *h, uint16_t *b, size_t n, size_t cols, const char *kname, FILE *out)
{
    size_t llc = llc_bytes(), rows = n / cols;
    double *outv = malloc(rows * sizeof *outv);
    if (!outv) return 1;
    uint64_t x = 1;
    for (size_t r = 0; r < rows; r++) {
        double s = 0;
        for (size_t i = 0; i < cols; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            s += p[r * cols + i] = (float)((double)(x >> 40) / 16777216.0);
        }
        for (size_t i = 0; i < cols; i++) p[r * cols + i] = (float)(p[r * cols + i] / s);
    }
    /* f16 and bf16 copies of the same rows (entropy values are not compared here) */
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &p[i], 4);
        b[i] = (uint16_t)(u >> 16);
        float f = p[i] * 1.0f; /* to binary16 by hand: normal range only for these inputs */
        int e;
        float m = frexpf(f, &e);
        int he = e + 14;
        h[i] = he <= 0 ? (uint16_t)lrintf(ldexpf(f, 24))
                       : (uint16_t)((he << 10) | ((int)lrintf(ldexpf(m * 2 - 1, 10)) & 0x3ff));
    }
    job j = {p, n * 4, MIRS_ENTROPY_F32, rows, cols, MIRS_ENTROPY_OPTIONS_INIT, outv};
    j.o.policy = MIRS_ENTROPY_POLICY_RENORMALIZE;
    if (strcmp(kname, "sse2") == 0) j.o.kernel = MIRS_ENTROPY_KERNEL_SSE2;
    if (strcmp(kname, "avx2") == 0) j.o.kernel = MIRS_ENTROPY_KERNEL_AVX2;
    if (strcmp(kname, "avx512") == 0) j.o.kernel = MIRS_ENTROPY_KERNEL_AVX512;
    job j2 = j, jg = j, jh = j, jb = j, jh2, jl, jl2;
    j2.o.threads = 2;
    jg.o.kernel = MIRS_ENTROPY_KERNEL_GENERIC;
    jh.data = h, jh.dtype = MIRS_ENTROPY_F16, jh.bytes = n * 2;
    jb.data = b, jb.dtype = MIRS_ENTROPY_BF16, jb.bytes = n * 2;
    jh2 = jh;
    jh2.o.threads = 2;
    jl = j;
    jl.o.logits = 1;
    jl2 = jl;
    jl2.o.threads = 2;
    /* Rounds that each time every measurement once: a slow spell of a
     * shared machine then hits one round of everything rather than all
     * repetitions of one measurement. The best and the median round are kept. */
    struct {
        const char *name;
        double (*fn)(void *);
        job *arg;
        int rounds;
        double t[ROUNDS];
    } m[] = {
        {"read_words", time_sum, &j, 0, {0}},
#if defined(__x86_64__)
        {"read_avx2", time_sum_avx2, &j, 0, {0}},
        {"read_avx512", time_sum_avx512, &j, 0, {0}},
        {"read_avx2_2t", time_sum_avx2_2t, &j, 0, {0}},
        {"read_avx512_2t", time_sum_avx512_2t, &j, 0, {0}},
#endif
        {"read_words_2t", time_sum_2t, &j, 0, {0}},
        {"f32", time_entropy, &j, 0, {0}},
        {"f32_2t", time_entropy, &j2, 0, {0}},
        {"generic_f32", time_entropy, &jg, 0, {0}},
        {"f16", time_entropy, &jh, 0, {0}},
        {"f16_2t", time_entropy, &jh2, 0, {0}},
        {"bf16", time_entropy, &jb, 0, {0}},
        {"logits", time_entropy, &jl, 0, {0}},
        {"logits_2t", time_entropy, &jl2, 0, {0}},
    };
    const size_t nm = sizeof m / sizeof *m;
    for (int round = 0; round < ROUNDS; round++)
        for (size_t k = 0; k < nm; k++) {
            if (m[k].arg == &jg && round >= 2) continue; /* the portable kernel is slow: two rounds */
#if defined(__x86_64__)
            if ((m[k].fn == time_sum_avx2 || m[k].fn == time_sum_avx2_2t) && !__builtin_cpu_supports("avx2")) continue;
            if ((m[k].fn == time_sum_avx512 || m[k].fn == time_sum_avx512_2t) && !__builtin_cpu_supports("avx512f"))
                continue;
#endif
            m[k].t[m[k].rounds++] = m[k].fn(m[k].arg);
        }
    double ge = 1e-9 * (double)n;
    fprintf(out, "{\"kernel\":\"%s\",\"elements\":%zu,\"row\":%zu,\"llc_bytes\":%zu,\"f32_bytes\":%zu,\"rounds\":%d",
            mirs_entropy_kernel_name(mirs_entropy_auto_kernel()), n, cols, llc, n * 4, ROUNDS);
    /* read loops in GB/s of the f32 array, kernels in G elements/s */
    for (size_t k = 0; k < nm; k++) {
        if (!m[k].rounds) {
            fprintf(out, ",\"%s\":null", m[k].name);
            continue;
        }
        qsort(m[k].t, (size_t)m[k].rounds, sizeof(double), cmp_double);
        double best = m[k].t[0], med = m[k].t[m[k].rounds / 2], scale = m[k].fn == time_entropy ? ge : 4 * ge;
        fprintf(out, ",\"%s\":[%.4f,%.4f]", m[k].name, scale / best, scale / med);
    }
    fprintf(out, "}\n");
    free(outv);
    return 0;
}

#if defined(BENCH_MODULE)
size_t bench_entropy_elements(double million, size_t cols);
char *bench_entropy_json(float *p, uint16_t *h, uint16_t *b, size_t n, size_t cols, const char *kname);
void bench_entropy_free(char *s);

/* For bench_entropy.py (ctypes): the element count for million and cols, and
 * the JSON of bench_run over the caller's arrays (free it with
 * bench_entropy_free). */
__attribute__((visibility("default"))) size_t bench_entropy_elements(double million, size_t cols)
{
    return bench_elements(million, cols);
}

__attribute__((visibility("default"))) char *bench_entropy_json(float *p, uint16_t *h, uint16_t *b, size_t n,
                                                                size_t cols, const char *kname)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    int st = bench_run(p, h, b, n, cols, kname, f);
    fclose(f);
    if (st) {
        free(buf);
        return NULL;
    }
    return buf;
}

__attribute__((visibility("default"))) void bench_entropy_free(char *s) { free(s); }
#else
/* n bytes, 2 MiB aligned; with huge, advised to transparent huge pages (as
 * numpy's allocator does for arrays of 4 MiB and more). */
static void *big_alloc(size_t n, int huge)
{
    size_t al = (size_t)2 << 20, sz = (n + al - 1) / al * al;
    void *p = aligned_alloc(al, sz);
    if (p && huge) madvise(p, sz, MADV_HUGEPAGE);
    return p;
}

int main(int argc, char **argv)
{
    double million = argc > 1 ? atof(argv[1]) : 0;
    size_t cols = argc > 2 ? (size_t)atol(argv[2]) : 4096, n = bench_elements(million, cols);
    int huge = argc > 4 && strcmp(argv[4], "huge") == 0;
    float *p = big_alloc(n * sizeof *p, huge);
    uint16_t *h = big_alloc(n * 2, huge), *b = big_alloc(n * 2, huge);
    if (!p || !h || !b) return 1;
    int st = bench_run(p, h, b, n, cols, argc > 3 ? argv[3] : "auto", stdout);
    free(p);
    free(h);
    free(b);
    return st;
}
#endif
