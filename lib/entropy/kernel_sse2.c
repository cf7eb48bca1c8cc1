/* SSE2 kernels (4 lanes): the vector path for x86-64 CPUs without AVX2, FMA
 * or F16C. SSE2 is part of baseline x86-64, so no target attribute is needed.
 * No FMA: v_fma is a multiply then an add (the Cephes polynomials were made
 * for that); f16 is converted with integer operations (DAZ-safe). The
 * algorithm is in kernel_simd.h. */
#if defined(__x86_64__)
#include <emmintrin.h>
#include <math.h>

#include <mirsafety/entropy.h>

#include "entropy/kernel.h"

#define TGT
#define W 4
typedef __m128 vf;
typedef __m128i vi;
typedef struct {
    __m128d lo, hi;
} dacc;

#define AI __attribute__((always_inline)) static inline
AI vf v_set(float f) { return _mm_set1_ps(f); }
AI vi i_set(int x) { return _mm_set1_epi32(x); }
AI vf v_zero(void) { return _mm_setzero_ps(); }
AI vf v_add(vf a, vf b) { return _mm_add_ps(a, b); }
AI vf v_sub(vf a, vf b) { return _mm_sub_ps(a, b); }
AI vf v_mul(vf a, vf b) { return _mm_mul_ps(a, b); }
AI vf v_fma(vf a, vf b, vf c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
AI vf v_fnma(vf a, vf b, vf c) { return _mm_sub_ps(c, _mm_mul_ps(a, b)); }
AI vf v_max(vf a, vf b) { return _mm_max_ps(a, b); }
AI vf v_and(vf a, vf b) { return _mm_and_ps(a, b); }
AI vf v_or(vf a, vf b) { return _mm_or_ps(a, b); }
AI vf v_nle(vf a, vf b) { return _mm_cmpnle_ps(a, b); }
AI int v_movemask(vf a) { return _mm_movemask_ps(a); }
AI vi i_add(vi a, vi b) { return _mm_add_epi32(a, b); }
AI vi i_sub(vi a, vi b) { return _mm_sub_epi32(a, b); }
AI vi i_and(vi a, vi b) { return _mm_and_si128(a, b); }
#define i_srai(a, k) _mm_srai_epi32(a, k)
#define i_slli(a, k) _mm_slli_epi32(a, k)
AI vf v_fromi(vi a) { return _mm_castsi128_ps(a); }
AI vi i_fromf(vf a) { return _mm_castps_si128(a); }
AI vf v_cvt(vi a) { return _mm_cvtepi32_ps(a); }
AI float v_hmax(vf a)
{
    vf m = _mm_max_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
}
AI dacc dacc_zero(void)
{
    dacc d = {_mm_setzero_pd(), _mm_setzero_pd()};
    return d;
}
AI void dacc_add(dacc *d, vf a)
{
    d->lo = _mm_add_pd(d->lo, _mm_cvtps_pd(a));
    d->hi = _mm_add_pd(d->hi, _mm_cvtps_pd(_mm_movehl_ps(a, a)));
}
AI void dacc_fma_i(dacc *d, vi k, vf a) /* d += k * a (exact products in double) */
{
    d->lo = _mm_add_pd(d->lo, _mm_mul_pd(_mm_cvtepi32_pd(k), _mm_cvtps_pd(a)));
    d->hi =
        _mm_add_pd(d->hi, _mm_mul_pd(_mm_cvtepi32_pd(_mm_shuffle_epi32(k, 0xee)), _mm_cvtps_pd(_mm_movehl_ps(a, a))));
}
AI double dacc_sum(dacc d)
{
    __m128d s = _mm_add_pd(d.lo, d.hi);
    return _mm_cvtsd_f64(s) + _mm_cvtsd_f64(_mm_unpackhi_pd(s, s));
}

/* binary16 in the low 16 bits of each lane -> f32, exactly */
AI vf cvt_f16(vi h)
{
    vi em = _mm_and_si128(h, _mm_set1_epi32(0x7fff));
    vi sign = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x8000)), 16);
    vi bits = _mm_add_epi32(_mm_slli_epi32(em, 13), _mm_set1_epi32(112 << 23)); /* normal: rebias 15 -> 127 */
    vi infnan = _mm_cmpgt_epi32(em, _mm_set1_epi32(0x7bff));
    bits = _mm_add_epi32(bits, _mm_and_si128(infnan, _mm_set1_epi32(112 << 23)));   /* exponent 31 -> 255 */
    vi sub = _mm_cmplt_epi32(em, _mm_set1_epi32(0x400));                            /* zero or subnormal */
    vf subv = _mm_mul_ps(_mm_cvtepi32_ps(em), _mm_set1_ps(5.9604644775390625e-8f)); /* em 2^-24, exact */
    vf r = _mm_or_ps(_mm_and_ps(_mm_castsi128_ps(sub), subv),
                     _mm_andnot_ps(_mm_castsi128_ps(sub), _mm_castsi128_ps(bits)));
    return _mm_or_ps(r, _mm_castsi128_ps(sign));
}
AI vf ld_f32(const char *p) { return _mm_loadu_ps((const float *)p); }
AI vf ld_f16(const char *p)
{
    return cvt_f16(_mm_unpacklo_epi16(_mm_loadl_epi64((const __m128i *)p), _mm_setzero_si128()));
}
AI vf ld_bf16(const char *p)
{
    return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), _mm_loadl_epi64((const __m128i *)p)));
}

/* Running per-lane maximum of non-negative values (a negative one is caught
 * by the sign test in the main pass): f32 as floats, f16/bf16 bits as signed
 * 16-bit integers in the low 64 bits. */
typedef __m128i vr;
AI vr raw_zero(void) { return _mm_setzero_si128(); }
AI vr raw_max_ld(vr m, const char *p, int dt)
{
    if (dt == 1) return _mm_castps_si128(_mm_max_ps(_mm_castsi128_ps(m), ld_f32(p)));
    return _mm_max_epi16(m, _mm_loadl_epi64((const __m128i *)p));
}
AI vf raw_to_vf(vr m, int dt)
{
    if (dt == 1) return _mm_castsi128_ps(m);
    if (dt == 2) return cvt_f16(_mm_unpacklo_epi16(m, _mm_setzero_si128()));
    return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), m));
}

#include "entropy/kernel_simd.h"

ENT_DEFINE_KERNELS(f32, DT_F32)
ENT_DEFINE_KERNELS(f16, DT_F16)
ENT_DEFINE_KERNELS(bf16, DT_BF16)

const ent_kernel mirs__ent_sse2 = {
    "sse2",
    {NULL, prob_f32, prob_f16, prob_bf16, NULL},
    {NULL, lmax_f32, lmax_f16, lmax_bf16, NULL},
    {NULL, lexp_f32, lexp_f16, lexp_bf16, NULL},
    {NULL, lexpn_f32, lexpn_f16, lexpn_bf16, NULL},
    {NULL, prob_rows_f32, prob_rows_f16, prob_rows_bf16, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
#endif
