/* Vector entropy kernels, written once over a small set of primitives and
 * included by kernel_avx2.c (8 lanes, FMA, F16C) and kernel_sse2.c (4 lanes,
 * baseline x86-64). The includer defines: TGT (function attribute), W (lanes),
 * vf / vi (float / int32 vectors), the v_* and i_* operations used below,
 * dacc (a double accumulator of one vf) with dacc_zero/dacc_add/dacc_fma_i/
 * dacc_sum, ld_f32/ld_f16/ld_bf16 (W elements from memory as floats), and
 * vr (raw bits of a vector) with raw_zero/raw_max_ld/raw_to_vf: a per-lane
 * running maximum of loaded vectors, exact for non-negative values.
 * ENT_HAVE_PERM8 selects the table logarithm, ENT_MAX_SEES_SIGN says that the
 * maximum lets a negative value show in its sign bit.
 *
 * Probabilities, by blocks of BLK vectors. ln p = e ln 2 + ln m with m in
 * [sqrt(1/2), sqrt(2)), both from the bits of p with integer operations
 * (valid for every bit pattern, so zeros need no mask: 0 * finite = 0). ln m
 * is a table + degree-4 polynomial (AVX2) or the Cephes logf polynomial in f32
 * (|ln m| < 0.35, error < 3e-8). A first pass over the block (fused into the
 * previous block's loop, so memory streams while that one computes) takes
 * each lane's largest p; its exponent e0 is the lane's reference, and the
 * second pass (from L1) sums in f32 p (e - e0), p ln m and p. Where p is large,
 * e - e0 is small, so the rounding of these sums stays far below the 2e-6
 * budget whatever the scale of the row (and a row of equal values sums
 * p (e - e0) = 0 exactly). Each block's sums go into double, with e0 * sum p
 * added there: T = sum p ln p = ln 2 (sum p (e - e0) + e0 sum p) + sum p ln m.
 * The hot loop checks nothing per element: NaN and +Inf make the sums
 * non-finite, a negative value (or -0) shows in the sign bits, and f32/bf16
 * subnormals (whose bit split is wrong) can only matter when the run's total
 * mass is tiny; any of these hands the run to the portable kernel, which
 * counts bad entries exactly.
 *
 * Logits: a = (x - shift) / T, exp by the Cephes expf polynomial with 2^n put
 * into the exponent bits; sum exp(a) and exp(a) a in f32 blocks of 2 x LBLK
 * vectors, then double. A NaN or +Inf logit hands the run to the portable
 * kernel; -Inf (and a <= -86) contribute exact zeros. */

#define BLK 32 /* vectors per f32 accumulator between flushes into double */
#define LBLK 8 /* the same for logits (two accumulators) */

enum { DT_F32 = 1, DT_F16 = 2, DT_BF16 = 3 };

TGT __attribute__((always_inline)) static inline vf ld(const char *p, int dt)
{
    return dt == DT_F32 ? ld_f32(p) : dt == DT_F16 ? ld_f16(p) : ld_bf16(p);
}

/* ln m for m in [sqrt(1/2), sqrt(2)); tmp = bits(p) - bits(sqrt(1/2)). */
TGT __attribute__((always_inline)) static inline vf log_m(vf m, vi tmp)
{
#if defined(ENT_HAVE_PERM8)
    /* Eight intervals by the top 3 bits of tmp's mantissa; r = m / c - 1 with
     * |r| < 0.0568, ln m = ln c + ln(1 + r) by a degree-4 fit (|error| <
     * 1.6e-8) and ln c from the table (rounding < 1e-8). Interval j holds the
     * m whose bits are in [sqrt(1/2) + j 2^20, + 2^20); inv_c[j] = f32(2 /
     * (its ends' sum)), ln_c[j] = f32(-ln inv_c[j]) computed in double. */
    static const float inv_c[8] = {1.3543589f, 1.2486628f, 1.1582698f,  1.0800807f,
                                   1.0018433f, 0.907677f,  0.81518626f, 0.73980176f};
    static const float ln_c[8] = {-0.3033282160758972f, -0.2220732420682907f,   -0.14692731201648712f,
                                  -0.0770358070731163f, -0.001841636374592781f, 0.09686669707298279f,
                                  0.2043386548757553f,  0.3013730049133301f};
    vi idx = i_srli(tmp, 20); /* the permute reads the low 3 bits */
    vf r = v_fma(m, v_perm8(v_load(inv_c), idx), v_set(-1.0f));
    vf q = v_fma(v_fma(v_set(-0.25081852078437805f), r, v_set(0.33389389514923096f)), r, v_set(-0.49999910593032837f));
    return v_fma(r, v_fma(q, r, v_set(1.0f)), v_perm8(v_load(ln_c), idx)); /* ln c + r (1 + r q) */
#else
    (void)tmp;
    /* Cephes: x - x^2/2 + x^3 P(x), x = m - 1, P by Estrin's scheme (short chains) */
    vf x = v_sub(m, v_set(1.0f)), z = v_mul(x, x), z2 = v_mul(z, z);
    vf q01 = v_fma(v_set(-2.4999993993E-1f), x, v_set(3.3333331174E-1f));
    vf q23 = v_fma(v_set(-1.6668057665E-1f), x, v_set(2.0000714765E-1f));
    vf q45 = v_fma(v_set(-1.2420140846E-1f), x, v_set(1.4249322787E-1f));
    vf q67 = v_fma(v_set(-1.1514610310E-1f), x, v_set(1.1676998740E-1f));
    vf r03 = v_fma(q23, z, q01), r48 = v_fma(v_set(7.0376836292E-2f), z2, v_fma(q67, z, q45));
    vf y = v_fma(r48, z2, r03);
    return v_fma(v_fma(y, x, v_set(-0.5f)), z, x); /* x + z (x P - 1/2) */
#endif
}

/* One block of nv <= BLK vectors: a first pass takes each lane's largest
 * value, whose exponent e0 (per lane) becomes the reference: the second pass
 * (from L1) sums p (e - e0), which is small where p is large, so its f32
 * rounding stays far below the 2e-6 budget whatever the row's scale, and is 0
 * for rows of equal values; e0 * sum p is added in double at the flush. */
typedef struct {
    dacc e, e0s, lm, s; /* sum p (e - e0), e0 sum p, sum p ln m, sum p */
} pdacc;

/* Sums one block of nv vectors at r, whose per-lane maximum (raw bits) is
 * mxr. With fuse, it also loads the next block (nv vectors at r + nv vectors)
 * and returns that block's maximum: the next block streams in from memory
 * while this one computes, and its second pass then reads from L1. */
TGT __attribute__((always_inline)) static inline vr pblock(pdacc *d, const char *r, size_t nv, int dt, vf *sign, vr mxr,
                                                           int fuse)
{
    const size_t step = (dt == DT_F32 ? 4 : 2) * W;
    const vi k = i_set(0x3f3504f3); /* bits of sqrt(1/2) */
    vf mx = raw_to_vf(mxr, dt);
#if defined(ENT_MAX_SEES_SIGN)
    *sign = v_or(*sign, mx); /* the maximum took the sign into account */
#endif
    vi e0 = i_srai(i_sub(i_fromf(mx), k), 23), e0b = i_slli(e0, 23);
    vf ae = v_zero(), alm = v_zero(), as = v_zero();
    vr next = raw_zero();
    for (size_t j = 0; j < nv; j++) {
        if (fuse) next = raw_max_ld(next, r + (nv + j) * step, dt);
        vf p = ld(r + j * step, dt);
#if !defined(ENT_MAX_SEES_SIGN)
        *sign = v_or(*sign, p);
#endif
        vi bits = i_fromf(p);
        vi tmp = i_sub(bits, k);
        vf m = v_fromi(i_sub(bits, i_and(tmp, i_set((int)0xff800000u)))); /* p = m 2^e, e = tmp >> 23 */
        vf de = v_cvt(i_srai(i_sub(tmp, e0b), 23));                       /* e - e0 */
        alm = v_fma(p, log_m(m, tmp), alm);
        ae = v_fma(p, de, ae);
        as = v_add(as, p);
    }
    dacc_add(&d->e, ae);
    dacc_add(&d->lm, alm);
    dacc_add(&d->s, as);
    dacc_fma_i(&d->e0s, e0, as);
    return next;
}

TGT __attribute__((always_inline)) static inline vr raw_block_max(const char *r, size_t nv, int dt)
{
    const size_t step = (dt == DT_F32 ? 4 : 2) * W;
    vr m = raw_zero();
    for (size_t j = 0; j < nv; j++) m = raw_max_ld(m, r + j * step, dt);
    return m;
}

static inline float conv_scalar(const char *p, int dt)
{
    uint16_t h;
    float f;
    if (dt == DT_F32) {
        __builtin_memcpy(&f, p, 4);
        return f;
    }
    __builtin_memcpy(&h, p, 2);
    return dt == DT_F16 ? ent_f16_to_f32(h) : ent_bf16_to_f32(h);
}

/* Returns 0 when the run must go to the portable kernel instead. */
TGT __attribute__((always_inline)) static inline int prob_vec(const void *row, size_t n, ent_sums *acc, int dt)
{
    const char *r = (const char *)row;
    const size_t esz = dt == DT_F32 ? 4 : 2;
    pdacc d;
    d.e = d.e0s = d.lm = d.s = dacc_zero();
    vf sign = v_zero();
    const size_t nvec = n / W, nb = nvec / BLK, bbytes = BLK * W * esz;
    if (nb) {
        vr mx = raw_block_max(r, BLK, dt);
        for (size_t b = 0; b + 1 < nb; b++) mx = pblock(&d, r + b * bbytes, BLK, dt, &sign, mx, 1);
        pblock(&d, r + (nb - 1) * bbytes, BLK, dt, &sign, mx, 0);
    }
    if (nvec > nb * BLK)
        pblock(&d, r + nb * bbytes, nvec - nb * BLK, dt, &sign, raw_block_max(r + nb * bbytes, nvec - nb * BLK, dt), 0);
    size_t i = nvec * W;
    double s = dacc_sum(d.s);
    double t = 0.693147180559945309 * (dacc_sum(d.e) + dacc_sum(d.e0s)) + dacc_sum(d.lm);
    for (; i < n; i++) { /* tail */
        float p = conv_scalar(r + i * esz, dt);
        if (!(p >= 0 && p <= 3.40282347e38f)) return 0;
        if (p > 0) {
            s += p;
            t += (double)p * log((double)p);
        }
    }
    if (v_movemask(sign)) return 0;                                 /* a negative value (or -0) */
    if (!(s < INFINITY && t > -INFINITY && t < INFINITY)) return 0; /* NaN, +Inf or overflow */
    if (dt != DT_F16 && s > 0 && s < (double)n * 0x1p-95) return 0; /* subnormals could matter */
    acc->s += s;
    acc->t += t;
    return 1;
}

/* ---- logits ---- */

TGT __attribute__((always_inline)) static inline vf exp_neg(vf a)
{
    /* a in [-86, 0]: a = n ln 2 + r, |r| <= ln(2)/2, n by the 1.5 * 2^23
     * rounding trick (one fma with ln 2 in f32: its 2e-9 error times n only
     * matters for negligible terms). exp r = 1 + r + r^2 P(r) with the Cephes
     * expf coefficients in a short-chain order; 2^n goes into the exponent
     * bits (the result is normal). */
    vf t = v_fma(a, v_set(1.44269504088896341f), v_set(12582912.0f));
    vf r = v_fnma(v_sub(t, v_set(12582912.0f)), v_set(0.693147180559945309f), a), z = v_mul(r, r);
    vf q01 = v_fma(v_set(1.6666665459E-1f), r, v_set(5.0000001201E-1f));
    vf q23 = v_fma(v_set(8.3334519073E-3f), r, v_set(4.1665795894E-2f));
    vf q45 = v_fma(v_set(1.9875691500E-4f), r, v_set(1.3981999507E-3f));
    vf y = v_fma(v_fma(v_fma(q45, z, q23), z, q01), z, v_add(r, v_set(1.0f)));
    return v_fromi(i_add(i_fromf(y), i_slli(i_fromf(t), 23)));
}

TGT __attribute__((always_inline)) static inline float lmax_vec(const void *row, size_t n, int dt, int *ok)
{
    const char *r = (const char *)row;
    const size_t esz = dt == DT_F32 ? 4 : 2;
    const vf big = v_set(3.40282347e38f);
    vf m0 = v_set(-INFINITY), m1 = m0, bad = v_zero();
    size_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        vf x0 = ld(r + i * esz, dt), x1 = ld(r + (i + W) * esz, dt);
        bad = v_or(bad, v_or(v_nle(x0, big), v_nle(x1, big)));
        m0 = v_max(x0, m0); /* a NaN x keeps m */
        m1 = v_max(x1, m1);
    }
    for (; i + W <= n; i += W) {
        vf x0 = ld(r + i * esz, dt);
        bad = v_or(bad, v_nle(x0, big));
        m0 = v_max(x0, m0);
    }
    float best = v_hmax(v_max(m0, m1));
    for (; i < n; i++) {
        float x = conv_scalar(r + i * esz, dt);
        if (!(x <= 3.40282347e38f)) {
            if (!(x < 0)) *ok = 0; /* NaN or +Inf; -Inf is fine */
        } else if (x > best)
            best = x;
    }
    if (v_movemask(bad)) *ok = 0;
    return best;
}

typedef struct {
    vf s, t;
} lacc;

/* a = (x - shift) / T; exp(a) and exp(a) * a are summed, lanes with a <= -86
 * (including -Inf logits) as exact zeros. A NaN or +Inf logit makes the sums
 * NaN, which sends the run to the portable kernel. */
TGT __attribute__((always_inline)) static inline void lstep(lacc *acc, vf x, vf sh, vf it)
{
    const vf lo = v_set(-86.0f);
    vf a = v_mul(v_sub(x, sh), it);
    vf keep = v_nle(a, lo); /* a > -86 or NaN */
    vf ac = v_max(lo, a);   /* NaN stays NaN (second operand) */
    vf e = v_and(exp_neg(ac), keep);
    acc->s = v_add(acc->s, e);
    acc->t = v_fma(e, ac, acc->t);
}

/* With next != NULL, also takes the maximum of the next row (n elements at
 * next) while this one computes, so a row of logits is read from memory once
 * (its maximum was taken during the previous row) instead of twice; *next_ok
 * says whether that maximum is valid (no NaN or +Inf seen). */
TGT __attribute__((always_inline)) static inline void nstep(const char *next, vf *nm, vf *nbad, int dt)
{
    vf y = ld(next, dt);
    *nbad = v_or(*nbad, v_nle(y, v_set(3.40282347e38f)));
    *nm = v_max(y, *nm); /* a NaN y keeps the maximum */
}

TGT __attribute__((always_inline)) static inline int lexp_vec(const void *row, size_t n, float shift, float inv_t,
                                                              ent_sums *acc, int dt, const char *next, float *next_max,
                                                              int *next_ok)
{
    const char *r = (const char *)row;
    const size_t esz = dt == DT_F32 ? 4 : 2;
    const vf sh = v_set(shift), it = v_set(inv_t);
    lacc a0 = {v_zero(), v_zero()}, a1 = a0;
    dacc ds = dacc_zero(), dt_ = dacc_zero();
    vf nm = v_set(-INFINITY), nbad = v_zero();
    size_t i = 0;
    for (; i + 2 * LBLK * W <= n;) {
        for (int k = 0; k < LBLK; k++, i += 2 * W) {
            if (next) {
                nstep(next + i * esz, &nm, &nbad, dt);
                nstep(next + (i + W) * esz, &nm, &nbad, dt);
            }
            lstep(&a0, ld(r + i * esz, dt), sh, it);
            lstep(&a1, ld(r + (i + W) * esz, dt), sh, it);
        }
        dacc_add(&ds, v_add(a0.s, a1.s));
        dacc_add(&dt_, v_add(a0.t, a1.t));
        a0.s = a0.t = a1.s = a1.t = v_zero();
    }
    for (; i + W <= n; i += W) {
        if (next) nstep(next + i * esz, &nm, &nbad, dt);
        lstep(&a0, ld(r + i * esz, dt), sh, it);
    }
    if (next) {
        float best = v_hmax(nm);
        int ok = !v_movemask(nbad);
        for (size_t j = i; j < n; j++) {
            float x = conv_scalar(next + j * esz, dt);
            if (!(x <= 3.40282347e38f)) {
                if (!(x < 0)) ok = 0; /* NaN or +Inf; -Inf is fine */
            } else if (x > best)
                best = x;
        }
        *next_max = best;
        *next_ok = ok;
    }
    dacc_add(&ds, a0.s);
    dacc_add(&dt_, a0.t);
    double s = dacc_sum(ds), t = dacc_sum(dt_) / (double)inv_t; /* sum exp(a) (x - shift) */
    for (; i < n; i++) {
        float x = conv_scalar(r + i * esz, dt);
        if (!(x <= 3.40282347e38f)) {
            if (!(x < 0)) return 0;
            continue;
        }
        double dd = (double)x - (double)shift, e = exp(dd * (double)inv_t);
        if (e > 0) {
            s += e;
            t += e * dd;
        }
    }
    if (!(s < INFINITY && t > -INFINITY && t < INFINITY)) return 0;
    acc->s += s;
    acc->t += t;
    return 1;
}

#define ENT_DEFINE_KERNELS(sfx, dt)                                                                                    \
    TGT static void prob_##sfx(const void *row, size_t n, ent_sums *acc)                                               \
    {                                                                                                                  \
        if (!prob_vec(row, n, acc, dt)) mirs__ent_generic.prob[dt](row, n, acc);                                       \
    }                                                                                                                  \
    TGT static float lmax_##sfx(const void *row, size_t n, size_t *nbad)                                               \
    {                                                                                                                  \
        int ok = 1;                                                                                                    \
        float m = lmax_vec(row, n, dt, &ok);                                                                           \
        return ok ? m : mirs__ent_generic.lmax[dt](row, n, nbad);                                                      \
    }                                                                                                                  \
    TGT static void lexp_##sfx(const void *row, size_t n, float shift, float inv_t, ent_sums *acc)                     \
    {                                                                                                                  \
        if (!lexp_vec(row, n, shift, inv_t, acc, dt, NULL, NULL, NULL))                                                \
            mirs__ent_generic.lexp[dt](row, n, shift, inv_t, acc);                                                     \
    }                                                                                                                  \
    TGT static int lexpn_##sfx(const void *row, size_t n, float shift, float inv_t, ent_sums *acc, const void *next,   \
                               float *next_max)                                                                        \
    {                                                                                                                  \
        int ok = 0;                                                                                                    \
        if (!lexp_vec(row, n, shift, inv_t, acc, dt, (const char *)next, next_max, &ok))                               \
            mirs__ent_generic.lexp[dt](row, n, shift, inv_t, acc);                                                     \
        return ok;                                                                                                     \
    }
