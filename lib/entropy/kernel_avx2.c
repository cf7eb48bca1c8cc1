/* AVX2 + FMA + F16C kernels (8 lanes), compiled with per-function target
 * attributes so the rest of the library stays baseline x86-64; entropy.c only
 * calls them after CPUID said yes. The algorithm is in kernel_simd.h. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include <mirsafety/entropy.h>

#include "entropy/kernel.h"

#define TGT __attribute__((target("avx2,fma,f16c")))
#define W 8
typedef __m256 vf;
typedef __m256i vi;
typedef struct {
    __m256d lo, hi;
} dacc;

#define AI __attribute__((always_inline)) static inline
TGT AI vf v_set(float f) { return _mm256_set1_ps(f); }
TGT AI vi i_set(int x) { return _mm256_set1_epi32(x); }
TGT AI vf v_zero(void) { return _mm256_setzero_ps(); }
TGT AI vf v_add(vf a, vf b) { return _mm256_add_ps(a, b); }
TGT AI vf v_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
TGT AI vf v_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
TGT AI vf v_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
TGT AI vf v_fnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); }
TGT AI vf v_max(vf a, vf b) { return _mm256_max_ps(a, b); }
TGT AI vf v_and(vf a, vf b) { return _mm256_and_ps(a, b); }
TGT AI vf v_or(vf a, vf b) { return _mm256_or_ps(a, b); }
TGT AI vf v_nle(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_NLE_UQ); }
TGT AI int v_movemask(vf a) { return _mm256_movemask_ps(a); }
TGT AI vi i_add(vi a, vi b) { return _mm256_add_epi32(a, b); }
TGT AI vi i_sub(vi a, vi b) { return _mm256_sub_epi32(a, b); }
TGT AI vi i_and(vi a, vi b) { return _mm256_and_si256(a, b); }
#define i_srai(a, k) _mm256_srai_epi32(a, k)
#define i_slli(a, k) _mm256_slli_epi32(a, k)
#define ENT_TBITS 3 /* an 8-entry table: one register, vpermps */
#define ENT_DEG 4
typedef __m256 vtab;
TGT AI vtab tab_load(const float *p) { return _mm256_loadu_ps(p); }
TGT AI vf tab_look(vtab t, vi i) { return _mm256_permutevar8x32_ps(t, i); }
TGT AI vi i_andor(vi a, int m, int o)
{
    return _mm256_or_si256(_mm256_and_si256(a, _mm256_set1_epi32(m)), _mm256_set1_epi32(o));
}
TGT AI vf v_fromi(vi a) { return _mm256_castsi256_ps(a); }
TGT AI vi i_fromf(vf a) { return _mm256_castps_si256(a); }
TGT AI vf v_cvt(vi a) { return _mm256_cvtepi32_ps(a); }
TGT AI float v_hmax(vf a)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}
TGT AI dacc dacc_zero(void)
{
    dacc d = {_mm256_setzero_pd(), _mm256_setzero_pd()};
    return d;
}
TGT AI void dacc_add(dacc *d, vf a)
{
    d->lo = _mm256_add_pd(d->lo, _mm256_cvtps_pd(_mm256_castps256_ps128(a)));
    d->hi = _mm256_add_pd(d->hi, _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)));
}
TGT AI void dacc_fma_i(dacc *d, vi k, vf a) /* d += k * a */
{
    d->lo = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(k)), _mm256_cvtps_pd(_mm256_castps256_ps128(a)),
                            d->lo);
    d->hi = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(k, 1)),
                            _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)), d->hi);
}
TGT AI double dacc_sum(dacc d)
{
    /* (a0 + a1) + (a2 + a3) of a = lo + hi, in registers */
    __m256d a = _mm256_add_pd(d.lo, d.hi);
    __m256d b = _mm256_add_pd(a, _mm256_permute_pd(a, 0x5)); /* lanes 0 and 2: a0 + a1, a2 + a3 */
    return _mm_cvtsd_f64(_mm_add_pd(_mm256_castpd256_pd128(b), _mm256_extractf128_pd(b, 1)));
}
TGT AI vf ld_f32(const char *p) { return _mm256_loadu_ps((const float *)p); }
TGT AI vf ld_f16(const char *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
TGT AI vf ld_bf16(const char *p)
{
    /* both 128-bit halves hold the 8 values; each lane takes its value into its high 16 bits */
    const __m256i pick = _mm256_setr_epi8(-1, -1, 0, 1, -1, -1, 2, 3, -1, -1, 4, 5, -1, -1, 6, 7, -1, -1, 8, 9, -1, -1,
                                          10, 11, -1, -1, 12, 13, -1, -1, 14, 15);
    return _mm256_castsi256_ps(
        _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p)), pick));
}

/* Running per-lane maximum of raw bits compared as unsigned integers: the
 * order of non-negative values, and a negative value (sign bit set) wins, so
 * it shows in the sign of the result. f16/bf16 use the low 128 bits. */
#define ENT_MAX_SEES_SIGN 1
typedef __m256i vr;
TGT AI vr raw_zero(void) { return _mm256_setzero_si256(); }
TGT AI vr raw_max_ld(vr m, const char *p, int dt)
{
    if (dt == 1) return _mm256_max_epu32(m, _mm256_loadu_si256((const __m256i *)p));
    return _mm256_castsi128_si256(_mm_max_epu16(_mm256_castsi256_si128(m), _mm_loadu_si128((const __m128i *)p)));
}
TGT AI vf raw_to_vf(vr m, int dt)
{
    if (dt == 1) return _mm256_castsi256_ps(m);
    if (dt == 2) return _mm256_cvtph_ps(_mm256_castsi256_si128(m));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(m)), 16));
}

#include "entropy/kernel_simd.h"

ENT_DEFINE_KERNELS(f32, DT_F32)
ENT_DEFINE_KERNELS(f16, DT_F16)
ENT_DEFINE_KERNELS(bf16, DT_BF16)

const ent_kernel mirs__ent_avx2 = {
    "avx2",
    {NULL, prob_f32, prob_f16, prob_bf16, NULL},
    {NULL, lmax_f32, lmax_f16, lmax_bf16, NULL},
    {NULL, lexp_f32, lexp_f16, lexp_bf16, NULL},
    {NULL, lexpn_f32, lexpn_f16, lexpn_bf16, NULL},
    {NULL, prob_rows_f32, prob_rows_f16, prob_rows_bf16, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
#endif
