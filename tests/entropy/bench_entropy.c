/* Entropy benchmark: this machine's single-thread read bandwidth (a sum of
 * 64-bit words over the same buffer size, which the compiler vectorises; the
 * best of a plain loop and loops with software prefetch at several distances,
 * so the kernels' own prefetch cannot make them look faster than reading) and
 * the kernels on rows that do not fit in cache. Prints one JSON object;
 * bench_entropy.py runs numpy on the same sizes and prints the ratios.
 * Usage: bench_entropy [million_elements] [row_length] [auto|sse2|avx2]
 * (the third names the kernel measured as "the" kernel; default auto). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mirsafety/mirsafety.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static volatile uint64_t sink;

/* A sum of 64-bit words, with a software prefetch dist bytes ahead (one per
 * 64-byte line) unless dist is 0. */
__attribute__((noinline)) static uint64_t sum_words(const uint64_t *w, size_t n, size_t dist)
{
    uint64_t a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        if (dist) __builtin_prefetch((const char *)(w + i) + dist, 0, 0);
        a += w[i], b += w[i + 1], c += w[i + 2], d += w[i + 3];
        e += w[i + 4], f += w[i + 5], g += w[i + 6], h += w[i + 7];
    }
    return a + b + c + d + e + f + g + h;
}

typedef struct {
    const void *data;
    size_t bytes;
    int32_t dtype;
    size_t rows, cols;
    mirs_entropy_options o;
    double *out;
} job;

static double time_sum(void *arg)
{
    job *j = arg;
    static const size_t dists[] = {0, 512, 1024, 2048, 4096, 8192};
    double best = 1e30;
    for (size_t k = 0; k < sizeof dists / sizeof *dists; k++) {
        double t = now();
        sink += sum_words(j->data, j->bytes / 8, dists[k]);
        t = now() - t;
        if (t < best) best = t;
    }
    return best;
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

int main(int argc, char **argv)
{
    size_t n = (size_t)((argc > 1 ? atof(argv[1]) : 32) * 1e6), cols = argc > 2 ? (size_t)atol(argv[2]) : 4096;
    n = n / cols * cols;
    size_t rows = n / cols;
    float *p = malloc(n * sizeof *p);
    uint16_t *h = malloc(n * 2), *b = malloc(n * 2);
    double *out = malloc(rows * sizeof *out);
    if (!p || !h || !b || !out) return 1;
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
    job j = {p, n * 4, MIRS_ENTROPY_F32, rows, cols, MIRS_ENTROPY_OPTIONS_INIT, out};
    j.o.policy = MIRS_ENTROPY_POLICY_RENORMALIZE;
    const char *kname = argc > 3 ? argv[3] : "auto";
    if (strcmp(kname, "sse2") == 0) j.o.kernel = MIRS_ENTROPY_KERNEL_SSE2;
    if (strcmp(kname, "avx2") == 0) j.o.kernel = MIRS_ENTROPY_KERNEL_AVX2;
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
    /* Rounds that each time every measurement once, keeping the best of each:
     * a slow spell of a shared machine then hits one round of everything
     * rather than all repetitions of one measurement. */
    struct {
        double (*fn)(void *);
        job *arg;
        double best;
    } m[] = {{time_sum, &j, 1e30},       {time_entropy, &j, 1e30},  {time_entropy, &j2, 1e30},
             {time_entropy, &jg, 1e30},  {time_entropy, &jh, 1e30}, {time_entropy, &jb, 1e30},
             {time_entropy, &jh2, 1e30}, {time_entropy, &jl, 1e30}, {time_entropy, &jl2, 1e30}};
    const size_t nm = sizeof m / sizeof *m;
    for (int round = 0; round < 7; round++)
        for (size_t k = 0; k < nm; k++) {
            if (m[k].arg == &jg && round >= 2) continue; /* the portable kernel is slow: two rounds */
            double t = m[k].fn(m[k].arg);
            if (t < m[k].best) m[k].best = t;
        }
    double t_bw = m[0].best, t_f32 = m[1].best, t_f32_2 = m[2].best, t_gen = m[3].best, t_f16 = m[4].best,
           t_bf16 = m[5].best, t_f16_2 = m[6].best, t_log = m[7].best, t_log_2 = m[8].best;
    double ge = 1e-9 * (double)n;
    printf("{\"kernel\":\"%s\",\"elements\":%zu,\"row\":%zu,\"read_gbps\":%.3f,\"f32_gbps\":%.3f,"
           "\"f32_geps\":%.4f,\"f32_2t_geps\":%.4f,\"generic_f32_geps\":%.4f,\"f16_geps\":%.4f,\"f16_2t_geps\":%.4f,"
           "\"bf16_geps\":%.4f,\"logits_geps\":%.4f,\"logits_2t_geps\":%.4f}\n",
           strcmp(kname, "auto") ? kname : mirs_entropy_kernel_name(), n, cols, 4 * ge / t_bw, 4 * ge / t_f32,
           ge / t_f32, ge / t_f32_2, ge / t_gen, ge / t_f16, ge / t_f16_2, ge / t_bf16, ge / t_log, ge / t_log_2);
    free(p);
    free(h);
    free(b);
    free(out);
    return 0;
}
