/*
 * The library's one CPU-feature detector. Every module that has a vector
 * path asks mirs__cpu_features() and nothing else (no
 * __builtin_cpu_supports, no cpuid elsewhere), so the rule for "the CPU and
 * the OS support AVX2" (or AVX-512) is written once: CPUID feature bits plus
 * XGETBV showing that the OS saves the YMM (or opmask and ZMM) registers. The answer is a property of
 * the machine, computed on first use and stored in one atomic word (every
 * thread computes the same value, so a race only repeats the work).
 */
#include "util/util.h"

#include <stdatomic.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

static unsigned detect(void)
{
    unsigned f = 0;
#if defined(__x86_64__)
    f |= MIRS_CPU_SSE2; /* part of x86-64 */
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28), f16c = c & (1u << 29);
    bool ymm = false, zmm = false;
    if (osxsave) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        ymm = (lo & 6) == 6;       /* the OS saves XMM and YMM state */
        zmm = (lo & 0xe6) == 0xe6; /* ... and the opmask and all 512-bit registers */
    }
    if (ymm && fma) f |= MIRS_CPU_FMA;
    if (ymm && f16c) f |= MIRS_CPU_F16C;
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if (ymm && avx && (b & (1u << 5))) f |= MIRS_CPU_AVX2;
        if (b & (1u << 8)) f |= MIRS_CPU_BMI2;
        const unsigned avx512 = 1u << 16 | 1u << 17 | 1u << 30 | 1u << 31; /* F, DQ, BW, VL */
        if (zmm && (b & avx512) == avx512) f |= MIRS_CPU_AVX512;
    }
#endif
    return f;
}

unsigned mirs__cpu_features(void)
{
    static atomic_uint cached; /* 0: not yet known (MIRS_CPU_KNOWN is always set once known) */
    unsigned f = atomic_load_explicit(&cached, memory_order_relaxed);
    if (!f) {
        f = detect() | MIRS_CPU_KNOWN;
        atomic_store_explicit(&cached, f, memory_order_relaxed);
    }
    return f;
}
