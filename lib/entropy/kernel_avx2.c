/* AVX2 + FMA + F16C kernels, compiled with per-function target attributes
 * so the rest of the library stays baseline x86-64; entropy.c only calls
 * them after __builtin_cpu_supports said yes.
 *
 * Accuracy (<= 2e-6 nats for rows up to 32k, tests/entropy): ln p is split
 * as e ln 2 + ln m with m in [sqrt(1/2), sqrt(2)). ln m (|ln m| < 0.35) comes
 * from the Cephes logf polynomial in f32 and p ln m is summed in f32 over
 * blocks of at most 64 elements per lane, then flushed into double. The
 * large part p * e and the sum of p are accumulated in double (p * e is
 * exact there), so long rows do not drift. Logits: exp from the Cephes expf
 * polynomial; sum s and sum s * d in double. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include <mirsafety/entropy.h>

#include "entropy/kernel.h"

#define TGT __attribute__((target("avx2,fma,f16c")))

TGT static inline __m256 load_f32(const void *p) { return _mm256_loadu_ps((const float *)p); }
TGT static inline __m256 load_f16(const void *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
TGT static inline __m256 load_bf16(const void *p)
{
    __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

/* Split x > 0 into e (as int32) and ln m, m in [sqrt(1/2), sqrt(2)). */
TGT static inline __m256 log_mant(__m256 x, __m256i *e_out)
{
    const __m256i bits = _mm256_castps_si256(x);
    __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(126));
    __m256 m = _mm256_castsi256_ps(
        _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f000000)));
    /* m in [0.5, 1): if m < sqrt(1/2): m = 2m, e -= 1 */
    __m256 lt = _mm256_cmp_ps(m, _mm256_set1_ps(0.707106781186547524f), _CMP_LT_OQ);
    e = _mm256_add_epi32(e, _mm256_castps_si256(lt)); /* lt lanes are -1 */
    __m256 xm = _mm256_sub_ps(_mm256_add_ps(m, _mm256_and_ps(lt, m)), _mm256_set1_ps(1.0f));
    __m256 z = _mm256_mul_ps(xm, xm);
    __m256 y = _mm256_set1_ps(7.0376836292E-2f);
    y = _mm256_fmadd_ps(y, xm, _mm256_set1_ps(-1.1514610310E-1f));
    y = _mm256_fmadd_ps(y, xm, _mm256_set1_ps(1.1676998740E-1f));
    y = _mm256_fmadd_ps(y, xm, _mm256_set1_ps(-1.2420140846E-1f));
    y = _mm256_fmadd_ps(y, xm, _mm256_set1_ps(1.4249322787E-1f));
    y = _mm256_fmadd_ps(y, xm, _mm256_set1_ps(-1.6668057665E-1f));
    y = _mm256_fmadd_ps(y, xm, _mm256_set1_ps(2.0000714765E-1f));
    y = _mm256_fmadd_ps(y, xm, _mm256_set1_ps(-2.4999993993E-1f));
    y = _mm256_fmadd_ps(y, xm, _mm256_set1_ps(3.3333331174E-1f));
    y = _mm256_mul_ps(_mm256_mul_ps(y, xm), z);
    y = _mm256_fmadd_ps(_mm256_set1_ps(-0.5f), z, y);
    *e_out = e;
    return _mm256_add_ps(xm, y);
}

/* Per-vector state of the probability kernel. */
typedef struct {
    __m256d s0, s1, e0, e1; /* sum p, sum p * e (double) */
    __m256 lm;              /* sum p ln m over the current block (f32) */
    __m256 bad;             /* any lane bad so far */
    __m256d l0, l1;         /* flushed sum p ln m */
} pstate;

TGT static inline void pstep(pstate *st, __m256 p)
{
    /* bad: NaN, negative or +Inf (also > FLT_MAX) */
    __m256 bad = _mm256_or_ps(_mm256_cmp_ps(p, _mm256_setzero_ps(), _CMP_LT_OQ),
                              _mm256_cmp_ps(p, _mm256_set1_ps(3.40282347e38f), _CMP_NLE_UQ));
    st->bad = _mm256_or_ps(st->bad, bad);
    p = _mm256_andnot_ps(bad, p);
    __m256i e;
    __m256 lm = log_mant(p, &e);
    st->lm = _mm256_fmadd_ps(p, lm, st->lm);
    /* p = 0 and subnormal p: lm is finite, p * lm and p * e are (almost) 0. */
    __m256d plo = _mm256_cvtps_pd(_mm256_castps256_ps128(p)), phi = _mm256_cvtps_pd(_mm256_extractf128_ps(p, 1));
    __m256d elo = _mm256_cvtepi32_pd(_mm256_castsi256_si128(e)),
            ehi = _mm256_cvtepi32_pd(_mm256_extracti128_si256(e, 1));
    st->s0 = _mm256_add_pd(st->s0, plo);
    st->s1 = _mm256_add_pd(st->s1, phi);
    st->e0 = _mm256_fmadd_pd(plo, elo, st->e0);
    st->e1 = _mm256_fmadd_pd(phi, ehi, st->e1);
}

TGT static inline void pflush(pstate *st)
{
    st->l0 = _mm256_add_pd(st->l0, _mm256_cvtps_pd(_mm256_castps256_ps128(st->lm)));
    st->l1 = _mm256_add_pd(st->l1, _mm256_cvtps_pd(_mm256_extractf128_ps(st->lm, 1)));
    st->lm = _mm256_setzero_ps();
}

TGT static inline double hsum_pd(__m256d v)
{
    double a[4];
    _mm256_storeu_pd(a, v);
    return (a[0] + a[1]) + (a[2] + a[3]);
}

static size_t count_bad_scalar(float p) { return !(p >= 0 && p <= 3.40282347e38f); }

#define PROB_KERNEL(name, LOAD, esz, CONV)                                                                             \
    TGT static void name(const void *row, size_t n, ent_sums *acc)                                                     \
    {                                                                                                                  \
        const char *r = (const char *)row;                                                                             \
        pstate st;                                                                                                     \
        st.s0 = st.s1 = st.e0 = st.e1 = st.l0 = st.l1 = _mm256_setzero_pd();                                           \
        st.lm = st.bad = _mm256_setzero_ps();                                                                          \
        size_t i = 0;                                                                                                  \
        while (i + 8 <= n) {                                                                                           \
            size_t end = i + 8 * 64 <= n ? i + 8 * 64 : n - (n - i) % 8;                                               \
            for (; i < end; i += 8) pstep(&st, LOAD(r + i * esz));                                                     \
            pflush(&st);                                                                                               \
        }                                                                                                              \
        double tail_s = 0, tail_t = 0;                                                                                 \
        size_t nbad = 0;                                                                                               \
        for (; i < n; i++) {                                                                                           \
            float p = CONV(r + i * esz);                                                                               \
            if (count_bad_scalar(p)) {                                                                                 \
                nbad++;                                                                                                \
                continue;                                                                                              \
            }                                                                                                          \
            if (p > 0) {                                                                                               \
                tail_s += p;                                                                                           \
                tail_t += (double)p * log((double)p);                                                                  \
            }                                                                                                          \
        }                                                                                                              \
        if (_mm256_movemask_ps(st.bad)) /* recount exactly on the slow path */                                         \
            for (size_t j = 0; j < n - n % 8; j++) nbad += count_bad_scalar(CONV(r + j * esz));                        \
        acc->s += hsum_pd(_mm256_add_pd(st.s0, st.s1)) + tail_s;                                                       \
        acc->t += hsum_pd(_mm256_add_pd(st.l0, st.l1)) + 0.693147180559945309 * hsum_pd(_mm256_add_pd(st.e0, st.e1)) + \
                  tail_t;                                                                                              \
        acc->nbad += nbad;                                                                                             \
    }

static inline float conv_f32(const void *p)
{
    float f;
    __builtin_memcpy(&f, p, 4);
    return f;
}
static inline float conv_f16(const void *p)
{
    uint16_t h;
    __builtin_memcpy(&h, p, 2);
    return ent_f16_to_f32(h);
}
static inline float conv_bf16(const void *p)
{
    uint16_t h;
    __builtin_memcpy(&h, p, 2);
    return ent_bf16_to_f32(h);
}

PROB_KERNEL(prob_f32, load_f32, 4, conv_f32)
PROB_KERNEL(prob_f16, load_f16, 2, conv_f16)
PROB_KERNEL(prob_bf16, load_bf16, 2, conv_bf16)

/* ---- logits ---- */

TGT static inline __m256 exp_ps(__m256 x)
{
    /* x in [-88, 0]; caller zeroes lanes below -87 */
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i pw = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(pw));
}

#define LOGIT_KERNELS(sfx, LOAD, esz, CONV)                                                                            \
    TGT static float lmax_##sfx(const void *row, size_t n, size_t *nbad)                                               \
    {                                                                                                                  \
        const char *r = (const char *)row;                                                                             \
        __m256 m = _mm256_set1_ps(-INFINITY), inf = _mm256_set1_ps(INFINITY);                                          \
        size_t i = 0, bad = 0;                                                                                         \
        for (; i + 8 <= n; i += 8) {                                                                                   \
            __m256 x = LOAD(r + i * esz);                                                                              \
            __m256 ok = _mm256_cmp_ps(x, inf, _CMP_LT_OQ);                                                             \
            if (_mm256_movemask_ps(ok) != 0xff) bad += 8 - (size_t)__builtin_popcount(_mm256_movemask_ps(ok));         \
            m = _mm256_max_ps(m, _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), x, ok));                                  \
        }                                                                                                              \
        float a[8];                                                                                                    \
        _mm256_storeu_ps(a, m);                                                                                        \
        float best = a[0];                                                                                             \
        for (int k = 1; k < 8; k++)                                                                                    \
            if (a[k] > best) best = a[k];                                                                              \
        for (; i < n; i++) {                                                                                           \
            float x = CONV(r + i * esz);                                                                               \
            if (!(x < INFINITY))                                                                                       \
                bad++;                                                                                                 \
            else if (x > best)                                                                                         \
                best = x;                                                                                              \
        }                                                                                                              \
        *nbad += bad;                                                                                                  \
        return best;                                                                                                   \
    }                                                                                                                  \
    TGT static void lexp_##sfx(const void *row, size_t n, float shift, float inv_t, ent_sums *acc)                     \
    {                                                                                                                  \
        const char *r = (const char *)row;                                                                             \
        const __m256 sh = _mm256_set1_ps(shift), it = _mm256_set1_ps(inv_t), inf = _mm256_set1_ps(INFINITY);           \
        const __m256 lo = _mm256_set1_ps(-88.0f), cut = _mm256_set1_ps(-87.0f);                                        \
        __m256d s0 = _mm256_setzero_pd(), s1 = s0, t0 = s0, t1 = s0;                                                   \
        size_t i = 0, bad = 0;                                                                                         \
        for (; i + 8 <= n; i += 8) {                                                                                   \
            __m256 x = LOAD(r + i * esz);                                                                              \
            __m256 ok = _mm256_cmp_ps(x, inf, _CMP_LT_OQ);                                                             \
            if (_mm256_movemask_ps(ok) != 0xff) bad += 8 - (size_t)__builtin_popcount(_mm256_movemask_ps(ok));         \
            __m256 d = _mm256_sub_ps(x, sh);                                                                           \
            __m256 a = _mm256_max_ps(_mm256_blendv_ps(lo, _mm256_mul_ps(d, it), ok), lo);                              \
            __m256 keep = _mm256_cmp_ps(a, cut, _CMP_GT_OQ);                                                           \
            __m256 e = _mm256_and_ps(exp_ps(a), keep);                                                                 \
            d = _mm256_and_ps(d, keep);                                                                                \
            __m256d elo = _mm256_cvtps_pd(_mm256_castps256_ps128(e)),                                                  \
                    ehi = _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1));                                                \
            s0 = _mm256_add_pd(s0, elo);                                                                               \
            s1 = _mm256_add_pd(s1, ehi);                                                                               \
            t0 = _mm256_fmadd_pd(elo, _mm256_cvtps_pd(_mm256_castps256_ps128(d)), t0);                                 \
            t1 = _mm256_fmadd_pd(ehi, _mm256_cvtps_pd(_mm256_extractf128_ps(d, 1)), t1);                               \
        }                                                                                                              \
        double ts = 0, tt = 0;                                                                                         \
        for (; i < n; i++) {                                                                                           \
            float x = CONV(r + i * esz);                                                                               \
            if (!(x < INFINITY)) {                                                                                     \
                bad++;                                                                                                 \
                continue;                                                                                              \
            }                                                                                                          \
            double d = (double)x - (double)shift, e = exp(d * (double)inv_t);                                          \
            if (e > 0) {                                                                                               \
                ts += e;                                                                                               \
                tt += e * d;                                                                                           \
            }                                                                                                          \
        }                                                                                                              \
        acc->s += hsum_pd(_mm256_add_pd(s0, s1)) + ts;                                                                 \
        acc->t += hsum_pd(_mm256_add_pd(t0, t1)) + tt;                                                                 \
        acc->nbad += bad;                                                                                              \
    }

LOGIT_KERNELS(f32, load_f32, 4, conv_f32)
LOGIT_KERNELS(f16, load_f16, 2, conv_f16)
LOGIT_KERNELS(bf16, load_bf16, 2, conv_bf16)

const ent_kernel mirs__ent_avx2 = {
    "avx2",
    {NULL, prob_f32, prob_f16, prob_bf16, NULL},
    {NULL, lmax_f32, lmax_f16, lmax_bf16, NULL},
    {NULL, lexp_f32, lexp_f16, lexp_bf16, NULL},
};
#endif
