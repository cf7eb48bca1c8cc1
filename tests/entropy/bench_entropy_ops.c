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
 * each vector (load, shift, lookup, an addition and three dependent fmas) costs; memory costs
 * come on top (bench_entropy). Skips with a message without AVX-512.
 * Usage: bench_entropy_ops [rounds] */
#include <stdint.h>
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
    return 0;
#else
    (void)argc;
    (void)argv;
    (void)now;
    printf("bench_entropy_ops: skipped: not x86-64\n");
    return 0;
#endif
}
