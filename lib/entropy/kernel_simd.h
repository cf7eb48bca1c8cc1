/* Vector entropy kernels, written once over a small set of primitives and
 * included by kernel_avx2.c (8 lanes, FMA, F16C) and kernel_sse2.c (4 lanes,
 * baseline x86-64). The includer defines: TGT (function attribute), W (lanes),
 * vf / vi (float / int32 vectors), the v_* and i_* operations used below,
 * dacc (a double accumulator of one vf) with dacc_zero/dacc_add/dacc_fma_i/
 * dacc_sum, ld_f32/ld_f16/ld_bf16 (W elements from memory as floats), and
 * vr (raw bits of a vector) with raw_zero/raw_max_ld/raw_to_vf: a per-lane
 * running maximum of loaded vectors, exact for non-negative values.
 * ENT_HAVE_PERM8 selects the table logarithm (v_table8 loads its 8 entries
 * so that v_perm8 picks entry i mod 8), ENT_MAX_SEES_SIGN says that the
 * maximum lets a negative value show in its sign bit. kernel_avx512.c (16
 * lanes) includes it too.
 *
 * Probabilities, by blocks of BLK vectors. ln p = e ln 2 + ln m with m in
 * [m0, 2 m0), both from the bits of p with integer operations (valid for
 * every bit pattern, so zeros need no mask: 0 * finite = 0). With AVX2 the
 * top 3 bits of m's offset from m0 pick an interval j whose centre c_j =
 * 2^((j - J1) / 8) is geometric and exactly 1 for the interval J1 of m = 1,
 * so ln m = (j - J1) ln 2 / 8 + ln(1 + r), r = m / c_j - 1 (one table
 * permute for 1 / c_j, a degree-4 polynomial for ln(1 + r)), and K = 8 e + j
 * comes from a single shift of the bits: one integer carries both the
 * exponent and the table's logarithm. Without AVX2 (SSE2), K = e and the
 * Cephes logf polynomial gives ln m, m in [sqrt(1/2), sqrt(2)). A first pass
 * over the block (fused into the previous block's loop, so memory streams
 * while that one computes, with a software prefetch ENT_PF bytes ahead because
 * the hardware prefetcher alone leaves a single core short of the bandwidth)
 * takes each lane's largest p; its exponent e0 is the lane's reference (K0 =
 * 8 e0 + J1, or e0), and the second pass (from L1) sums in f32 p ln(p / 2^e0)
 * = p (s_K (K - K0) + ln(1 + r)) (s_K = ln 2 / 8, or ln 2 and ln m) and p.
 * Where p is large, p / 2^e0 is near 1, so the rounding of these sums stays
 * far below the 2e-6 budget whatever the scale of the row. Each block's sums
 * go into double, with e0 sum p added there: T = sum p ln p = sum p ln(p /
 * 2^e0) + ln 2 e0 sum p.
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

#define BLK 32      /* vectors per f32 accumulator between flushes into double */
#define LBLK 8      /* the same for logits (two accumulators) */
#define ENT_PF 4096 /* software prefetch distance in bytes (probabilities) */
#ifndef ENT_PF_LOC
#define ENT_PF_LOC 0 /* its locality hint: prefetchnta, as the AVX2 kernel was tuned on Zen 3 */
#endif

enum { DT_F32 = 1, DT_F16 = 2, DT_BF16 = 3 };

TGT __attribute__((always_inline)) static inline vf ld(const char *p, int dt)
{
    return dt == DT_F32 ? ld_f32(p) : dt == DT_F16 ? ld_f16(p) : ld_bf16(p);
}

#if defined(ENT_HAVE_PERM8)
#define ENT_SPLIT 0x3f260000              /* bits of m0 = 0.6484375: m in [m0, 2 m0) */
#define ENT_KSH 20                        /* K = 8 e + j, j = the interval of m */
#define ENT_J1 5                          /* the interval of m = 1 */
#define ENT_KSCALE 0.0866433975699931636f /* ln 2 / 8 */
#else
#define ENT_SPLIT 0x3f3504f3 /* bits of sqrt(1/2) */
#define ENT_KSH 23           /* K = e */
#define ENT_J1 0
#define ENT_KSCALE 0.693147180559945309f
#endif
#define ENT_MBASE (ENT_SPLIT + (ENT_J1 << ENT_KSH)) /* bits of m0 plus J1 intervals */

/* Returns s_K dk + ln(m / c_j), where dk = K - K0 as a float (so the sum is
 * ln(p / 2^e0)). With the table (AVX2): m in [m0, 2 m0) falls in interval j
 * and c_j = 2^((j - J1) / 8), exactly 1 for the interval of m = 1; ki's low 3
 * bits are (j - J1) mod 8 and m arrives doubled where j < J1 (see pstep), so
 * 1 / c_j is the table's 2^(-i/8) at i = ki mod 8. r = m / c_j - 1 (-0.040 <
 * r < 0.097), ln(1 + r) by a degree-4 fit (|error| < 7e-8 including the
 * rounding of the table); r = 0 exactly at m = 1, so a one-hot row sums to
 * exactly 0 and powers of two carry no polynomial error. Without (SSE2): m
 * in [sqrt(1/2), sqrt(2)), ln m by the Cephes logf polynomial (c = 1). The
 * exponent term is added where the polynomial's chain allows, so it costs
 * one fma. */
TGT __attribute__((always_inline)) static inline vf log_mk(vf m, vi ki, vf dk)
{
#if defined(ENT_HAVE_PERM8)
    static const float inv_c[8] = {1.0f,
                                   0.9170040488243103f,
                                   0.8408964276313782f,
                                   0.7711054086685181f,
                                   0.7071067690849304f,
                                   0.6484197974205017f,
                                   0.5946035385131836f,
                                   0.5452538728713989f};
    vf r = v_fma(m, v_perm8(v_table8(inv_c), ki), v_set(-1.0f));
    vf z = v_mul(r, r);
    vf q = v_fma(z, v_set(-0.22772017121315002f), v_fma(v_set(0.333251416683197f), r, v_set(-0.5000360608100891f)));
    return v_fma(z, q, v_fma(dk, v_set(ENT_KSCALE), r)); /* s_K dk + r + r^2 q */
#else
    (void)ki;
    /* Cephes: x - x^2/2 + x^3 P(x), x = m - 1, P by Estrin's scheme (short chains) */
    vf x = v_sub(m, v_set(1.0f)), z = v_mul(x, x), z2 = v_mul(z, z);
    vf q01 = v_fma(v_set(-2.4999993993E-1f), x, v_set(3.3333331174E-1f));
    vf q23 = v_fma(v_set(-1.6668057665E-1f), x, v_set(2.0000714765E-1f));
    vf q45 = v_fma(v_set(-1.2420140846E-1f), x, v_set(1.4249322787E-1f));
    vf q67 = v_fma(v_set(-1.1514610310E-1f), x, v_set(1.1676998740E-1f));
    vf r03 = v_fma(q23, z, q01), r48 = v_fma(v_set(7.0376836292E-2f), z2, v_fma(q67, z, q45));
    vf y = v_fma(r48, z2, r03);
    return v_fma(v_fma(y, x, v_set(-0.5f)), z, v_fma(dk, v_set(ENT_KSCALE), x)); /* s_K dk + x + z (x P - 1/2) */
#endif
}

/* Double sums of a run: sum p ln(p / 2^e0) (the f32 block sums), e0 sum p,
 * sum p. */
typedef struct {
    dacc l, e0s, s;
} pdacc;

/* A block's f32 sums, in two sets (even and odd vectors) so that neither
 * accumulator's latency limits the loop. */
typedef struct {
    vf al[2], as[2];
    vi kb; /* bits of m0 plus K0 in K's bit position: (e0 << 23) + (J1 << 20) */
} pblk;

TGT __attribute__((always_inline)) static inline void pstep(pblk *b, int u, vf p, vf *sign)
{
#if !defined(ENT_MAX_SEES_SIGN)
    *sign = v_or(*sign, p);
#else
    (void)sign;
#endif
    /* t = bits - m0 bits - K0 in K's bit position, K0 = 8 e0 + J1 (e0 with
     * SSE2): its top bits are K - K0, its low 23 bits m's offset from m0 less
     * J1 intervals (mod 2^23), so adding m0 + J1 intervals back gives m, or
     * 2 m where j < J1 (the table's entries there are halved to match). */
    vi t = i_sub(i_fromf(p), b->kb);
    vf m = v_fromi(i_add(i_and(t, i_set(0x7fffff)), i_set(ENT_MBASE)));
    vi ki = i_srai(t, ENT_KSH); /* K - K0 */
    b->al[u] = v_fma(p, log_mk(m, ki, v_cvt(ki)), b->al[u]);
    b->as[u] = v_add(b->as[u], p);
}

/* Sums one block of nv vectors at r, whose per-lane maximum (raw bits) is
 * mxr. With fuse, it also loads the next block (nv vectors at r + nv vectors,
 * nv a multiple of a cache line's vectors) and returns that block's maximum:
 * the next block streams in from memory while this one computes, and its
 * second pass then reads from L1. nv is even when fuse is set. */
TGT __attribute__((always_inline)) static inline vr pblock(pdacc *d, const char *r, size_t nv, int dt, vf *sign, vr mxr,
                                                           int fuse)
{
    const size_t step = (dt == DT_F32 ? 4 : 2) * W, line = 64 / step; /* vectors per 64-byte line */
    vf mx = raw_to_vf(mxr, dt);
#if defined(ENT_MAX_SEES_SIGN)
    *sign = v_or(*sign, mx); /* the maximum took the sign into account */
#endif
    vi e0 = i_srai(i_sub(i_fromf(mx), i_set(ENT_SPLIT)), 23);
    pblk b = {{v_zero(), v_zero()}, {v_zero(), v_zero()}, i_add(i_slli(e0, 23), i_set(ENT_MBASE))};
    vr next = raw_zero();
    size_t j = 0;
    if (fuse) {
        /* by whole lines and at least two vectors, so that the accumulator
         * index is a constant and the sums stay in registers (16 lanes of
         * f32 fill a line with one vector) */
        const size_t un = line < 2 ? 2 : line;
        for (; j < nv; j += un) {
            for (size_t q = 0; q < un * step; q += 64)
                __builtin_prefetch(r + (nv + j) * step + q + ENT_PF, 0, ENT_PF_LOC);
            for (size_t u = 0; u < un; u++) {
                next = raw_max_ld(next, r + (nv + j + u) * step, dt);
                pstep(&b, (int)(u & 1), ld(r + (j + u) * step, dt), sign);
            }
        }
    } else {
        for (; j + 2 <= nv; j += 2) {
            /* keeps the prefetch stream going into the next row or run */
            for (size_t q = 0; q < 2 * step; q += 64)
                if ((j * step + q) % 64 == 0) __builtin_prefetch(r + (nv + j) * step + q + ENT_PF, 0, ENT_PF_LOC);
            pstep(&b, 0, ld(r + j * step, dt), sign);
            pstep(&b, 1, ld(r + (j + 1) * step, dt), sign);
        }
        if (j < nv) pstep(&b, 0, ld(r + j * step, dt), sign);
    }
    vf as = v_add(b.as[0], b.as[1]);
    dacc_add(&d->l, v_add(b.al[0], b.al[1]));
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
    d.l = d.e0s = d.s = dacc_zero();
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
    double t = dacc_sum(d.l) + 0.693147180559945309 * dacc_sum(d.e0s);
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
