/* Where the AVX-512 probability kernel's time goes on this core, next to
 * bench_entropy (which measures it against memory). Prints, in core cycles
 * per 16 f32 elements (one 512-bit vector):
 *  - the core clock, from a chain of dependent integer adds (one per cycle on
 *    every x86-64 core of the last fifteen years);
 *  - the kernel's twelve vector operations per vector (lib/entropy/
 *    kernel_simd.h: an unsigned maximum from memory, a subtraction, a shift,
 *    a vpternlogd, a table permute, four fmas, a conversion and two
 *    additions) issued without dependencies between them: the most this core
 *    can do, with vmulps standing in for the fmas and vpermps for vpermi2ps
 *    (the same execution units, but no dependency on the destination);
 *  - the library's AVX-512 kernel on rows of 1,024 and of 32,768 that stay
 *    in L2 (256 and 512 KiB), called through mirs_entropy_rows.
 * The gap between the second and the third is what the dependency chain of
 * each vector (load, shift, lookup, an addition and three dependent fmas)
 * costs. Then, on an f32 array in huge pages larger than twice the last-level
 * cache (at least 256 MiB), what streaming adds, per 64-byte line:
 *  - the kernel's loop alone: its operations with their real dependencies,
 *    written out here with intrinsics as a model of the library's loop, on
 *    16 KiB that stay in L1, without the first pass's maximum (the model
 *    keeps the order of operations the library had before its AVX-512 loop
 *    was pipelined, and only the 5 KiB prefetch, not the far stream the
 *    library may choose for big calls);
 *  - the same loop with that maximum over 512 KiB that stay in L2, while the
 *    kernel's prefetches (prefetcht1, 5 KiB ahead) walk the big array: the
 *    whole loop, short of the stream;
 *  - the same loop with the maximum reading the big array, one line per
 *    vector: nothing in the loop waits for those loads;
 *  - a plain read of the big array (8 accumulators);
 *  - the library's kernel on the big array (rows of 32,768).
 * If the core overlapped the stream with the arithmetic, the third would
 * equal the second. Skips with a message without AVX-512.
 * Usage: bench_entropy_ops [rounds] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <mirsafety/mirsafety.h>

#include "bench_common.h"

#if defined(__x86_64__)
/* Seconds for n iterations of four dependent adds (4 n cycles). */
__attribute__((noinline)) static double time_adds(long n)
{
    uint64_t x = 0;
    double t0 = now();
    __asm__ volatile("mov %1, %%rcx\n"
                     "1:\n"
                     "add $1, %0\n"
                     "add $1, %0\n"
                     "add $1, %0\n"
                     "add $1, %0\n"
                     "sub $1, %%rcx\n"
                     "jnz 1b\n"
                     : "+r"(x)
                     : "r"(n)
                     : "rcx", "cc");
    return now() - t0;
}

/* One vector's operations with destinations that nothing reads back. */
#define OPS(a, b, c, off)                                                                                              \
    "vpmaxud " #off "(%1), %%zmm9, %%zmm" #a "\n"                                                                      \
    "vpsubd %%zmm0, %%zmm10, %%zmm" #b "\n"                                                                            \
    "vpsrad $18, %%zmm0, %%zmm" #c "\n"                                                                                \
    "vpternlogd $0xea, %%zmm10, %%zmm9, %%zmm" #a "\n"                                                                 \
    "vpermps %%zmm10, %%zmm0, %%zmm" #b "\n"                                                                           \
    "vmulps %%zmm0, %%zmm9, %%zmm" #c "\n"                                                                             \
    "vmulps %%zmm0, %%zmm9, %%zmm" #a "\n"                                                                             \
    "vcvtdq2ps %%zmm0, %%zmm" #b "\n"                                                                                  \
    "vmulps %%zmm0, %%zmm9, %%zmm" #c "\n"                                                                             \
    "vaddps %%zmm0, %%zmm9, %%zmm" #a "\n"                                                                             \
    "vaddps %%zmm0, %%zmm9, %%zmm" #b "\n"                                                                             \
    "vmulps %%zmm0, %%zmm9, %%zmm" #c "\n"

/* Seconds for n iterations of four vectors' operations. */
__attribute__((noinline, target("avx512f"))) static double time_ops(long n, const float *buf)
{
    double t0 = now();
    __asm__ volatile("vpxord %%zmm0, %%zmm0, %%zmm0\n"
                     "vpxord %%zmm9, %%zmm9, %%zmm9\n"
                     "vpxord %%zmm10, %%zmm10, %%zmm10\n"
                     "mov %0, %%rcx\n"
                     "1:\n" OPS(1, 2, 3, 0) OPS(4, 5, 6, 64) OPS(7, 8, 11, 128) OPS(12, 13, 14, 192) "sub $1, %%rcx\n"
                                                                                                     "jnz 1b\n"
                     :
                     : "r"(n), "r"(buf)
                     : "rcx", "cc", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14");
    return now() - t0;
}

#define TGT512 __attribute__((noinline, target("avx512f,avx512bw,avx512dq,avx512vl,fma")))

/* The library's per-vector work (kernel_simd.h, table path, f32, in the
 * unpipelined order: each vector's step whole, then the next) on
 * nvec vectors read cyclically from the 16 KiB at l1: 11 of the 12
 * operations. With stream, also the twelfth, the first pass's unsigned
 * maximum, over nvec vectors streamed from there with the kernel's prefetch;
 * nothing else in the loop depends on it, as in the library, where it takes
 * the next block while this one computes. With window (a power of two, in
 * elements), those loads wrap around the first window elements of stream,
 * which stay in L2, while the prefetches still walk the whole array. Returns
 * seconds; *sink keeps the results alive. */
TGT512 static double model_loop(const float *l1, const float *stream, size_t window, size_t nvec, float *sink)
{
    const size_t wmask = window ? window - 1 : ~(size_t)0;
    const __m512 tlo = _mm512_loadu_ps(l1), thi = _mm512_loadu_ps(l1 + 16);
    const __m512i kb = _mm512_set1_epi32(0x3a800000);
    __m512 al0 = _mm512_setzero_ps(), al1 = al0, as = al0;
    __m512i mx = _mm512_setzero_si512();
    double t0 = now();
    for (size_t j = 0; j < nvec; j += 2) {
        if (stream) {
            __builtin_prefetch((const char *)(stream + 16 * j) + 5120, 0, 2);
            __builtin_prefetch((const char *)(stream + 16 * j) + 5120 + 64, 0, 2);
            mx = _mm512_max_epu32(mx, _mm512_loadu_si512((const void *)(stream + ((16 * j) & wmask))));
            mx = _mm512_max_epu32(mx, _mm512_loadu_si512((const void *)(stream + ((16 * j + 16) & wmask))));
        }
        __m512 p[2];
        for (int u = 0; u < 2; u++) {
            p[u] = _mm512_loadu_ps(l1 + ((16 * (j + (size_t)u)) & 4095));
            __m512i t = _mm512_sub_epi32(_mm512_castps_si512(p[u]), kb);
            __m512i k = _mm512_srai_epi32(t, 18);
            __m512 kf = _mm512_cvtepi32_ps(k);
            __m512 m = _mm512_castsi512_ps(
                _mm512_ternarylogic_epi32(t, _mm512_set1_epi32(0x7fffff), _mm512_set1_epi32(0x3f800000), 0xEA));
            __m512 w = _mm512_fmadd_ps(m, _mm512_permutex2var_ps(tlo, k, thi), _mm512_set1_ps(-2.39f));
            __m512 q = _mm512_add_ps(w, _mm512_set1_ps(-4.02f));
            __m512 pp = _mm512_fmadd_ps(_mm512_fmadd_ps(q, w, _mm512_set1_ps(19.3f)), w, kf);
            if (u == 0)
                al0 = _mm512_fmadd_ps(p[u], pp, al0);
            else
                al1 = _mm512_fmadd_ps(p[u], pp, al1);
        }
        as = _mm512_add_ps(as, _mm512_add_ps(p[0], p[1]));
    }
    double t = now() - t0;
    *sink += _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(al0, al1), as)) + (float)_mm512_reduce_max_epu32(mx);
    return t;
}

/* Seconds to read n floats (a multiple of 128) with eight unsigned maxima. */
TGT512 static double read_loop(const float *a, size_t n, float *sink)
{
    __m512i m[8];
    for (int k = 0; k < 8; k++) m[k] = _mm512_setzero_si512();
    double t0 = now();
    for (size_t i = 0; i < n; i += 128)
        for (int k = 0; k < 8; k++) m[k] = _mm512_max_epu32(m[k], _mm512_loadu_si512((const void *)(a + i + 16 * k)));
    double t = now() - t0;
    for (int k = 1; k < 8; k++) m[0] = _mm512_max_epu32(m[0], m[k]);
    *sink += (float)_mm512_reduce_max_epu32(m[0]);
    return t;
}

/* Best seconds per call of the AVX-512 kernel over rows x cols f32. */
static double time_kernel(const float *p, size_t rows, size_t cols, int reps, int rounds, double *out)
{
    mirs_entropy_options o = MIRS_ENTROPY_OPTIONS_INIT;
    o.kernel = MIRS_ENTROPY_KERNEL_AVX512;
    double best = 1e30;
    for (int k = 0; k < rounds; k++) {
        double t0 = now();
        for (int i = 0; i < reps; i++)
            if (mirs_entropy_rows(p, MIRS_ENTROPY_F32, rows, cols, cols, &o, out) != MIRS_OK) {
                fprintf(stderr, "bench_entropy_ops: %s\n", mirs_error_last());
                exit(1);
            }
        double t = (now() - t0) / reps;
        if (t < best) best = t;
    }
    return best;
}
#endif

int main(int argc, char **argv)
{
#if defined(__x86_64__)
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (rounds < 1) rounds = 1;
    if (mirs_entropy_auto_kernel() != MIRS_ENTROPY_KERNEL_AVX512) {
        printf("bench_entropy_ops: skipped: this CPU or OS has no AVX-512 kernel\n");
        return 0;
    }
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                snprintf(model, sizeof model, "%s", strchr(line, ':') + 2);
                model[strcspn(model, "\n")] = 0;
                break;
            }
        fclose(f);
    }
    const long n_add = 100000000, n_ops = 20000000;
    static float buf[256] __attribute__((aligned(64)));
    double t_add = 1e30, t_ops = 1e30;
    for (int k = 0; k < rounds; k++) {
        double a = time_adds(n_add), b = time_ops(n_ops, buf);
        if (a < t_add) t_add = a;
        if (b < t_ops) t_ops = b;
    }
    const double hz = 4.0 * (double)n_add / t_add;
    const double c_ops = t_ops * hz / (4.0 * (double)n_ops);

    /* 64 Ki elements (256 KiB), as rows that sum to 1, from a fixed generator */
    const size_t n = 65536, lens[2] = {1024, 32768};
    float *p = malloc(n * sizeof *p);
    double *out = malloc(n / 1024 * sizeof *out);
    if (!p || !out) {
        free(p);
        free(out);
        return 1;
    }
    printf("cpu: %s\n", model);
    printf("core clock (dependent adds): %.2f GHz\n", hz / 1e9);
    printf("kernel operations without dependencies: %.2f cycles per 16 elements (%.2f G el/s): the ceiling\n", c_ops,
           16.0 * hz / c_ops / 1e9);
    for (int l = 0; l < 2; l++) {
        const size_t cols = lens[l], rows = n / cols;
        uint64_t x = 1;
        for (size_t r = 0; r < rows; r++) {
            double s = 0;
            for (size_t i = 0; i < cols; i++) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                s += p[r * cols + i] = (float)((double)(x >> 40) / 16777216.0 + 1e-3);
            }
            for (size_t i = 0; i < cols; i++) p[r * cols + i] = (float)(p[r * cols + i] / s);
        }
        double c = time_kernel(p, rows, cols, 1000, rounds, out) * hz / (double)(n / 16);
        printf("avx512 kernel, f32 rows of %zu, in L2 (256 KiB): %.2f cycles per 16 elements (%.2f G el/s, %.0f%% of "
               "the ceiling)\n",
               cols, c, 16.0 * hz / c / 1e9, 100.0 * c_ops / c);
    }
    free(p);
    free(out);

    /* Streaming: an array of at least 256 MiB and twice the last-level cache,
     * in huge pages (as numpy's large arrays), rows of 32,768 that sum to 1 */
    const size_t llc = llc_bytes(), bytes_min = llc * 2 > (256u << 20) ? llc * 2 : 256u << 20;
    const size_t cols = 32768, big = (bytes_min / 4 + cols - 1) / cols * cols, al = 2u << 20;
    const size_t sz = (big * 4 + al - 1) / al * al;
    float *a = aligned_alloc(al, sz), *l1 = aligned_alloc(64, 16384);
    double *bout = malloc(big / cols * sizeof *bout);
    if (!a || !l1 || !bout) {
        free(a);
        free(l1);
        free(bout);
        return 1;
    }
    madvise(a, sz, MADV_HUGEPAGE);
    for (size_t i = 0; i < 4096; i++) l1[i] = (float)(1.0 + (double)(i % 97)) / 65536.0f;
    for (size_t r = 0; r < big / cols; r++) {
        uint64_t x = r + 1;
        double s = 0;
        for (size_t i = 0; i < cols; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            s += a[r * cols + i] = (float)((double)(x >> 40) / 16777216.0 + 1e-3);
        }
        for (size_t i = 0; i < cols; i++) a[r * cols + i] = (float)(a[r * cols + i] / s);
    }
    const size_t nvec = big / 16;
    float sink = 0;
    double t_alone = 1e30, t_l2 = 1e30, t_stream = 1e30, t_read = 1e30, t_kernel;
    for (int k = 0; k < rounds; k++) {
        double t = model_loop(l1, NULL, 0, nvec, &sink);
        if (t < t_alone) t_alone = t;
        if ((t = model_loop(l1, a, 131072, nvec, &sink)) < t_l2) t_l2 = t;
        if ((t = model_loop(l1, a, 0, nvec, &sink)) < t_stream) t_stream = t;
        if ((t = read_loop(a, big, &sink)) < t_read) t_read = t;
    }
    t_kernel = time_kernel(a, big / cols, cols, 1, rounds, bout);
    const double per = hz / (double)nvec;
    printf("streaming %zu MiB in huge pages (last-level cache %zu KiB), cycles per 64-byte line:\n", big * 4 >> 20,
           llc >> 10);
    printf("  kernel loop from L1, without the maximum:          %.2f (%.2f G el/s)\n", t_alone * per,
           (double)big / t_alone / 1e9);
    printf("  with the maximum over 512 KiB in L2:               %.2f (%.2f G el/s)\n", t_l2 * per,
           (double)big / t_l2 / 1e9);
    printf("  with the maximum streaming the array:              %.2f (%.2f G el/s): the stream adds %.2f\n",
           t_stream * per, (double)big / t_stream / 1e9, (t_stream - t_l2) * per);
    printf("  plain read with 8 accumulators:                    %.2f (%.1f GB/s)\n", t_read * per,
           (double)big * 4 / t_read / 1e9);
    printf("  the library's avx512 kernel, rows of 32768:         %.2f (%.2f G el/s)\n", t_kernel * per,
           (double)big / t_kernel / 1e9);
    if (sink == 12345.0f) printf(" \n");
    free(a);
    free(l1);
    free(bout);
    return 0;
#else
    (void)argc;
    (void)argv;
    (void)now;
    printf("bench_entropy_ops: skipped: not x86-64\n");
    return 0;
#endif
}
