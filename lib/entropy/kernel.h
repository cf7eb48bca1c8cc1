/* Entropy kernels (internal). A kernel adds one contiguous run of a row
 * into running sums; the row logic in entropy.c combines runs (spans),
 * applies the policy and the final H = ln S - T / S. */
#ifndef MIRS_ENTROPY_KERNEL_H
#define MIRS_ENTROPY_KERNEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ent_sums {
    double s;    /* probabilities: sum p; logits: sum exp((x - shift) / T) */
    double t;    /* probabilities: sum p ln p; logits: sum exp(...) * (x - shift) */
    size_t nbad; /* entries dropped: NaN, +Inf, negative (probabilities) */
} ent_sums;

typedef struct ent_kernel {
    const char *name;
    /* Adds n probabilities (bad entries count in nbad and are treated as 0). */
    void (*prob[5])(const void *row, size_t n, ent_sums *acc);
    /* Largest logit that is neither NaN nor +Inf (-Inf if none); counts bad. */
    float (*lmax[5])(const void *row, size_t n, size_t *nbad);
    /* Adds exp((x - shift) * inv_t) and exp(...) * (x - shift); bad as 0. */
    void (*lexp[5])(const void *row, size_t n, float shift, float inv_t, ent_sums *acc);
    /* Optional (NULL in the portable kernel): lexp, and meanwhile the largest
     * logit of the next row (n elements at next) into *next_max; returns 0
     * when that maximum is not valid (NaN or +Inf seen: call lmax then). */
    int (*lexp_next[5])(const void *row, size_t n, float shift, float inv_t, ent_sums *acc, const void *next,
                        float *next_max);
    /* Optional (NULL in the portable kernel): prob over nrows rows of n
     * elements, stride bytes apart, each row's sums into out[i] (set, not
     * added to); the stream of loads runs on from one row into the next. */
    void (*prob_rows[5])(const void *base, size_t nrows, ptrdiff_t stride, size_t n, ent_sums *out);
    /* Optional: prob_rows with a second software prefetch stream far ahead,
     * which pays on memory in huge pages and costs on 4 KiB pages (see
     * entropy.c's pf_pick); it sums the same values in the same order, so
     * its results are prob_rows' to the bit. */
    void (*prob_rows_far[5])(const void *base, size_t nrows, ptrdiff_t stride, size_t n, ent_sums *out);
} ent_kernel;

extern const ent_kernel mirs__ent_generic;
#if defined(__x86_64__) && defined(MIRS_ENTROPY_AVX2)
extern const ent_kernel mirs__ent_avx2;
#endif
#if defined(__x86_64__) && defined(MIRS_ENTROPY_AVX512)
extern const ent_kernel mirs__ent_avx512;
#endif
#if defined(__x86_64__) && defined(MIRS_ENTROPY_SSE2)
extern const ent_kernel mirs__ent_sse2;
#endif

static inline float ent_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0)
            bits = sign;
        else { /* subnormal: value man * 2^-24, exact in f32 */
            float f = (float)man * 5.9604644775390625e-8f;
            union {
                float f;
                uint32_t u;
            } c = {f};
            bits = c.u | sign;
        }
    } else if (exp == 31)
        bits = sign | 0x7f800000u | (man << 13);
    else
        bits = sign | ((exp + 112) << 23) | (man << 13);
    union {
        uint32_t u;
        float f;
    } c = {bits};
    return c.f;
}

static inline float ent_bf16_to_f32(uint16_t h)
{
    union {
        uint32_t u;
        float f;
    } c = {(uint32_t)h << 16};
    return c.f;
}

#endif
