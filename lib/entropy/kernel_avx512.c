/* AVX-512 kernels (16 lanes; F, BW, DQ, VL, plus the AVX2/FMA/F16C the
 * selection also requires), compiled with per-function target attributes so
 * the rest of the library stays baseline x86-64; entropy.c only calls them
 * after CPUID and XGETBV said yes. The algorithm is kernel_simd.h's, as the
 * AVX2 kernel's at twice the width, with a 32-entry table (vpermt2ps) and a
 * mantissa by one vpternlogd, so the logarithm needs one fma less: fewer
 * instructions per element, which is what a core that runs these kernels
 * compute-bound needs (Zen 4 runs a 512-bit operation as two 256-bit ones).
 * Conversions: f16 by AVX-512F's 16-lane vcvtph2ps (exact, subnormals
 * included); bf16 by widening the 16 bits into the top of each lane, which is
 * exact and is also all AVX512-BF16 offers in that direction (its
 * instructions convert f32 to bf16 and take bf16 dot products, neither of
 * which the entropy needs). AVX512-FP16 arithmetic is not used: computing in
 * binary16 would lose the 2e-6 accuracy, and its conversions do nothing
 * vcvtph2ps does not. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include <mirsafety/entropy.h>

#include "entropy/kernel.h"

#define TGT __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))
#define W 16
typedef __m512 vf;
typedef __m512i vi;
typedef struct {
    __m512d lo, hi;
} dacc;

#define AI __attribute__((always_inline)) static inline
TGT AI vf v_set(float f) { return _mm512_set1_ps(f); }
TGT AI vi i_set(int x) { return _mm512_set1_epi32(x); }
TGT AI vf v_zero(void) { return _mm512_setzero_ps(); }
TGT AI vf v_add(vf a, vf b) { return _mm512_add_ps(a, b); }
TGT AI vf v_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
TGT AI vf v_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
TGT AI vf v_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
TGT AI vf v_fnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); }
TGT AI vf v_max(vf a, vf b) { return _mm512_max_ps(a, b); }
TGT AI vf v_and(vf a, vf b) { return _mm512_and_ps(a, b); }
TGT AI vf v_or(vf a, vf b) { return _mm512_or_ps(a, b); }
/* Comparisons give all-ones lanes, as with AVX2, so kernel_simd.h can and/or
 * them with values (vpmovm2d from the mask register). */
TGT AI vf v_nle(vf a, vf b) { return _mm512_castsi512_ps(_mm512_movm_epi32(_mm512_cmp_ps_mask(a, b, _CMP_NLE_UQ))); }
TGT AI int v_movemask(vf a) { return (int)_mm512_movepi32_mask(_mm512_castps_si512(a)); }
TGT AI vi i_add(vi a, vi b) { return _mm512_add_epi32(a, b); }
TGT AI vi i_sub(vi a, vi b) { return _mm512_sub_epi32(a, b); }
TGT AI vi i_and(vi a, vi b) { return _mm512_and_si512(a, b); }
#define i_srai(a, k) _mm512_srai_epi32(a, k)
#define i_slli(a, k) _mm512_slli_epi32(a, k)
/* A 32-entry table in two registers (vpermt2ps picks entry i mod 32 in one
 * instruction), so r is small enough for a degree-3 polynomial; the mantissa
 * by one vpternlogd. */
#define ENT_TBITS 5
#define ENT_DEG 3
typedef struct {
    __m512 lo, hi;
} vtab;
TGT AI vtab tab_load(const float *p)
{
    vtab t = {_mm512_loadu_ps(p), _mm512_loadu_ps(p + 16)};
    return t;
}
TGT AI vf tab_look(vtab t, vi i) { return _mm512_permutex2var_ps(t.lo, i, t.hi); }
/* (a & m) | o: truth table 0xEA = (A & B) | C */
TGT AI vi i_andor(vi a, int m, int o)
{
    return _mm512_ternarylogic_epi32(a, _mm512_set1_epi32(m), _mm512_set1_epi32(o), 0xEA);
}
TGT AI vf v_fromi(vi a) { return _mm512_castsi512_ps(a); }
TGT AI vi i_fromf(vf a) { return _mm512_castps_si512(a); }
TGT AI vf v_cvt(vi a) { return _mm512_cvtepi32_ps(a); }
TGT AI float v_hmax(vf a) { return _mm512_reduce_max_ps(a); }
TGT AI dacc dacc_zero(void)
{
    dacc d = {_mm512_setzero_pd(), _mm512_setzero_pd()};
    return d;
}
TGT AI void dacc_add(dacc *d, vf a)
{
    d->lo = _mm512_add_pd(d->lo, _mm512_cvtps_pd(_mm512_castps512_ps256(a)));
    d->hi = _mm512_add_pd(d->hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(a, 1)));
}
TGT AI void dacc_fma_i(dacc *d, vi k, vf a) /* d += k * a */
{
    d->lo = _mm512_fmadd_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(k)), _mm512_cvtps_pd(_mm512_castps512_ps256(a)),
                            d->lo);
    d->hi = _mm512_fmadd_pd(_mm512_cvtepi32_pd(_mm512_extracti32x8_epi32(k, 1)),
                            _mm512_cvtps_pd(_mm512_extractf32x8_ps(a, 1)), d->hi);
}
TGT AI double dacc_sum(dacc d)
{
    /* ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) of a = lo + hi, in
     * registers (a store and eight loads cost more per row of 1,024) */
    __m512d a = _mm512_add_pd(d.lo, d.hi);
    __m512d b = _mm512_add_pd(a, _mm512_permute_pd(a, 0x55));       /* lane 2k: a2k + a2k+1 */
    __m512d c = _mm512_add_pd(b, _mm512_shuffle_f64x2(b, b, 0xB1)); /* lane 4k: a 4-lane sum */
    return _mm512_cvtsd_f64(_mm512_add_pd(c, _mm512_shuffle_f64x2(c, c, 0x4E)));
}
TGT AI vf ld_f32(const char *p) { return _mm512_loadu_ps((const float *)p); }
TGT AI vf ld_f16(const char *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
TGT AI vf ld_bf16(const char *p)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}

/* Running per-lane maximum of raw bits compared as unsigned integers (see
 * kernel_avx2.c): a negative value wins and shows in the sign of the result.
 * f16/bf16 use the low 256 bits. */
#define ENT_MAX_SEES_SIGN 1
typedef __m512i vr;
TGT AI vr raw_zero(void) { return _mm512_setzero_si512(); }
TGT AI vr raw_max_ld(vr m, const char *p, int dt)
{
    if (dt == 1) return _mm512_max_epu32(m, _mm512_loadu_si512((const void *)p));
    return _mm512_castsi256_si512(_mm256_max_epu16(_mm512_castsi512_si256(m), _mm256_loadu_si256((const __m256i *)p)));
}
TGT AI vf raw_to_vf(vr m, int dt)
{
    if (dt == 1) return _mm512_castsi512_ps(m);
    if (dt == 2) return _mm512_cvtph_ps(_mm512_castsi512_si256(m));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(m)), 16));
}

/* Prefetch into L2 (prefetcht1) rather than non-temporally: on the Zen 4
 * machine this kernel was tuned on, prefetchnta left f32 rows of 32768 at
 * 2.7 G el/s out of cache against 5.1 with prefetcht1 (in cache it runs at
 * 6.1); see docs/performance.md. */
#define ENT_PF_LOC 2
/* 5 KiB ahead rather than the 4 KiB of the other kernels. In interleaved A/B
 * runs on Zen 4 (f32, out of cache), 5 KiB ran 5-8% faster than 4 KiB on
 * 4 KiB pages and 4-8% faster on huge pages. 6 KiB gained more on huge pages
 * (7-13%) but less on 4 KiB pages (2-4%), and 7-8 KiB lost 3-22% on 4 KiB
 * pages. f16 and bf16 did not move. */
#define ENT_PF 5120
/* prob_rows_far's second stream, f32 only: 64 KiB ahead made f32 on huge
 * pages 6-14% faster (Zen 4, 256 MiB) and rows of 1,024 and 4,096 on 4 KiB
 * pages 15-25% slower, even with only one such prefetch per 4 KiB page;
 * f16 and bf16 gained nothing. entropy.c times both where it matters. */
#define ENT_PF_FAR 65536
/* pblock's loop pipelined by pairs of vectors (32 registers hold it) */
#define ENT_PIPELINE 1
#include "entropy/kernel_simd.h"

ENT_DEFINE_KERNELS(f32, DT_F32)
ENT_DEFINE_KERNELS(f16, DT_F16)
ENT_DEFINE_KERNELS(bf16, DT_BF16)
ENT_DEFINE_FAR(f32, DT_F32)

const ent_kernel mirs__ent_avx512 = {
    "avx512",
    {NULL, prob_f32, prob_f16, prob_bf16, NULL},
    {NULL, lmax_f32, lmax_f16, lmax_bf16, NULL},
    {NULL, lexp_f32, lexp_f16, lexp_bf16, NULL},
    {NULL, lexpn_f32, lexpn_f16, lexpn_bf16, NULL},
    {NULL, prob_rows_f32, prob_rows_f16, prob_rows_bf16, NULL},
    {NULL, prob_rows_far_f32, NULL, NULL, NULL},
};
#endif
