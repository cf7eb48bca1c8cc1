/* Vector entropy kernels, written once over a small set of primitives and
 * included by kernel_avx512.c (16 lanes), kernel_avx2.c (8 lanes, FMA, F16C)
 * and kernel_sse2.c (4 lanes, baseline x86-64). The includer defines: TGT
 * (function attribute), W (lanes), vf / vi (float / int32 vectors), the v_*
 * and i_* operations used below, dacc (a double accumulator of one vf) with
 * dacc_zero/dacc_add/dacc_fma_i/dacc_sum, ld_f32/ld_f16/ld_bf16 (W elements
 * from memory as floats), and vr (raw bits of a vector) with
 * raw_zero/raw_max_ld/raw_to_vf: a per-lane running maximum of loaded
 * vectors, exact for non-negative values. ENT_TBITS selects the table
 * logarithm (vtab with tab_load/tab_look: a table of 2^ENT_TBITS floats and
 * the lookup of entry i mod 2^ENT_TBITS; i_andor(a, m, o) = (a & m) | o);
 * ENT_MAX_SEES_SIGN says that the maximum lets a negative value show in its
 * sign bit.
 *
 * Probabilities, by blocks of BLK vectors. A first pass over a block (fused
 * into the previous block's loop, the previous row's last block included, so
 * memory streams while that one computes, with a software prefetch ENT_PF
 * bytes ahead) takes each lane's largest p; its biased exponent E0 is the
 * lane's reference, and the second pass (from L1) sums in f32 p ln(p / 2^e0)
 * (e0 = E0 - 127) and p. Where p is large, p / 2^e0 is near 1, so the
 * rounding of these sums stays far below the 2e-6 budget whatever the scale
 * of the row. Each block's sums go into double, with e0 sum p added there: T
 * = sum p ln p = sum p ln(p / 2^e0) + ln 2 e0 sum p.
 *
 * The table logarithm (AVX2, AVX-512), for p = 2^(E - 127) m, m in [1, 2):
 * the top ENT_TBITS bits of m's mantissa pick an interval j of NT = 2^TBITS
 * equal ones, whose centre c_j = 2^(j / NT) is geometric, so ln c_j = s j
 * with s = ln 2 / NT, and K = NT (E - E0) + j comes out of the bits of p
 * with one subtraction and one shift: ln(p / 2^e0) = s K + ln(1 + r), r = m
 * / c_j - 1 (one table lookup for 1 / c_j; 0 <= r < 0.157 for NT = 8,
 * < 0.085 for NT = 32). The kernel sums P = K + ln(1 + r) / s, a Horner
 * polynomial in r whose last step adds K, and multiplies by s in double at
 * the end: per element one subtraction, one shift, one and-or (m), one
 * conversion (K), one lookup, one fma for r, one addition and ENT_DEG - 1
 * fmas for P (scaled as below), one fma for sum p P and half an addition
 * for sum p. r = 0 exactly at m = 1, so a one-hot row sums to exactly 0 and
 * powers of two carry no polynomial error. ln(1 + r) = r Q(r) is a minimax
 * fit on r's range; with the rounding of the table and of the f32
 * evaluation, P's own rounding included, |s P - ln(p / 2^e0)| < 1.9e-7 (NT =
 * 32, degree 3) and < 1e-7 (NT = 8, degree 4) for p in the binade of the
 * maximum and the one below (every f32 mantissa checked in a scalar
 * emulation of these steps). test_log_every_mantissa measures 2.9e-7 and
 * 2.1e-7 nats end to end, the f32 sums included (budget 2e-6). The AVX-512 kernel
 * takes NT = 32 (two table registers) and degree 3: one fma less than NT =
 * 16 with degree 4, which ran 15% slower on Zen 4. Without a table (SSE2): m in
 * [sqrt(1/2), sqrt(2)), K = E - E0 and the Cephes logf polynomial gives ln m.
 *
 * The hot loop checks nothing per element: NaN and +Inf make the sums
 * non-finite, a negative value (or -0) shows in the sign bits, and f32/bf16
 * subnormals (whose bit split is wrong) can only matter when the run's total
 * mass is tiny; any of these hands the row to the portable kernel, which
 * counts bad entries exactly.
 *
 * Logits: a = (x - shift) / T, exp by the Cephes expf polynomial with 2^n put
 * into the exponent bits; sum exp(a) and exp(a) a in f32 blocks of 2 x LBLK
 * vectors, then double. A NaN or +Inf logit hands the run to the portable
 * kernel; -Inf (and a <= -86) contribute exact zeros. */

#define BLK 32 /* vectors per f32 accumulator between flushes into double */
_Static_assert(BLK >= 4 && BLK % 2 == 0, "pblock's pipelined loop takes a whole block, by pairs, four vectors ahead");
#define LBLK 8 /* the same for logits (two accumulators) */
#ifndef ENT_PF
#define ENT_PF 4096 /* software prefetch distance in bytes (probabilities) */
#endif
/* ENT_PF_FAR, where the includer defines it: the distance of a second
 * prefetch stream, in the prob_rows_far variant (see kernel.h) */
#ifndef ENT_PF_LOC
#define ENT_PF_LOC 0 /* its locality hint: prefetchnta, as the AVX2 kernel was tuned on Zen 3 */
#endif

enum { DT_F32 = 1, DT_F16 = 2, DT_BF16 = 3 };

TGT __attribute__((always_inline)) static inline vf ld(const char *p, int dt)
{
    return dt == DT_F32 ? ld_f32(p) : dt == DT_F16 ? ld_f16(p) : ld_bf16(p);
}

#if defined(ENT_TBITS)
#define ENT_NT (1 << ENT_TBITS)
#define ENT_S (0.693147180559945309 / ENT_NT) /* P is in units of s = ln 2 / NT */
/* ln(1 + r) = r (C1 + r (C2 + r (C3 [+ r C4]))): minimax on r's range for
 * this NT, coefficients in nats */
#if ENT_TBITS == 5 && ENT_DEG == 3
#define ENT_C1 0.999975880999298
#define ENT_C2 -0.498237807092004
#define ENT_C3 0.29622182716725853
#define ENT_ALPHA 2.3913722827559933 /* (C3 / s)^(1/3) */
#elif ENT_TBITS == 3 && ENT_DEG == 4
#define ENT_C1 0.9999940129465322
#define ENT_C2 -0.49961824883219835
#define ENT_C3 0.3256769722397122
#define ENT_C4 -0.1874492106575123
#define ENT_ALPHA 1.2127939881286183 /* (-C4 / s)^(1/4) */
#else
#error "no polynomial for this table size and degree"
#endif
/* The kernel evaluates the polynomial in w = a r, a = ENT_ALPHA rounded to
 * f32, which makes its leading coefficient +1 (degree 3) or -1 (degree 4):
 * ln(1 + r) / s = sum_k D_k w^k with D_k = C_k / (s a^k). The first Horner
 * step is then an addition (w + D2, or D3 - w) instead of an fma, which
 * takes an operation off the fma units and, like every step here, leaves its
 * inputs intact so the compiler needs no register copies. The table holds
 * a / c_j and w = m (a / c_j) - a, still exactly 0 at m = 1. */
#define ENT_AF ((double)(float)ENT_ALPHA)
#define ENT_D(c, k)                                                                                                    \
    v_set((float)((c) / ENT_S / ((k) == 1 ? ENT_AF : (k) == 2 ? ENT_AF * ENT_AF : ENT_AF * ENT_AF * ENT_AF)))
#else
#define ENT_S 1.0            /* P is in nats */
#define ENT_SPLIT 0x3f3504f3 /* bits of sqrt(1/2): m in [sqrt(1/2), sqrt(2)) */
#endif

/* Double sums of a run: sum p P (the f32 block sums), e0 sum p, sum p. */
typedef struct {
    dacc l, e0s, s;
} pdacc;

/* A block's f32 sums: sum p P in two sets (even and odd vectors) so that
 * neither accumulator's latency limits the loop, sum p in one (pstep2). */
typedef struct {
    vf al[2], as;
    vi kb; /* E0 << 23 (table), or (e0 << 23) + the bits of sqrt(1/2) */
#if defined(ENT_TBITS)
    vtab tab;
#endif
} pblk;

#if defined(ENT_TBITS)
/* One vector's step in two halves, so that a loop can issue the front of the
 * next vectors before the back of these (see pblock). */
typedef struct {
    vf p, w, kf;
} pfr;

/* The front: the bits of p, K, m, the lookup and w */
TGT __attribute__((always_inline)) static inline pfr pfront(const pblk *b, vf p, vf *sign)
{
#if !defined(ENT_MAX_SEES_SIGN)
    *sign = v_or(*sign, p);
#else
    (void)sign;
#endif
    /* t = bits - E0 << 23: K = NT (E - E0) + j in its top bits, m's mantissa
     * in its low 23 (those of p, as E0 << 23 has none) */
    pfr f;
    f.p = p;
    vi t = i_sub(i_fromf(p), b->kb);
    vi ki = i_srai(t, 23 - ENT_TBITS);
    f.kf = v_cvt(ki);
    vf m = v_fromi(i_andor(t, 0x7fffff, 0x3f800000));               /* m in [1, 2) */
    f.w = v_fma(m, tab_look(b->tab, ki), v_set(-(float)ENT_ALPHA)); /* a (m / c_j - 1) */
    return f;
}

/* The back: the polynomial and the sum p P into accumulator set u */
TGT __attribute__((always_inline)) static inline void pback(pblk *b, int u, pfr f)
{
#if ENT_DEG == 4
    vf q = v_fma(v_sub(ENT_D(ENT_C3, 3), f.w), f.w, ENT_D(ENT_C2, 2));
#else
    vf q = v_add(f.w, ENT_D(ENT_C2, 2));
#endif
    vf pp = v_fma(v_fma(q, f.w, ENT_D(ENT_C1, 1)), f.w, f.kf); /* P = K + ln(1 + r) / s */
    b->al[u] = v_fma(f.p, pp, b->al[u]);
}

TGT __attribute__((always_inline)) static inline void pstep(pblk *b, int u, vf p, vf *sign)
{
    pback(b, u, pfront(b, p, sign));
}
#else
TGT __attribute__((always_inline)) static inline void pstep(pblk *b, int u, vf p, vf *sign)
{
#if !defined(ENT_MAX_SEES_SIGN)
    *sign = v_or(*sign, p);
#else
    (void)sign;
#endif
    /* t = bits - sqrt(1/2) bits - e0 in the exponent: its top bits are K = E -
     * E0 (relative to the split), its low 23 bits m's offset from sqrt(1/2) */
    vi t = i_sub(i_fromf(p), b->kb);
    vf m = v_fromi(i_add(i_and(t, i_set(0x7fffff)), i_set(ENT_SPLIT)));
    vi ki = i_srai(t, 23);
    /* Cephes: x - x^2/2 + x^3 P(x), x = m - 1, P by Estrin's scheme (short chains) */
    vf x = v_sub(m, v_set(1.0f)), z = v_mul(x, x), z2 = v_mul(z, z);
    vf q01 = v_fma(v_set(-2.4999993993E-1f), x, v_set(3.3333331174E-1f));
    vf q23 = v_fma(v_set(-1.6668057665E-1f), x, v_set(2.0000714765E-1f));
    vf q45 = v_fma(v_set(-1.2420140846E-1f), x, v_set(1.4249322787E-1f));
    vf q67 = v_fma(v_set(-1.1514610310E-1f), x, v_set(1.1676998740E-1f));
    vf r03 = v_fma(q23, z, q01), r48 = v_fma(v_set(7.0376836292E-2f), z2, v_fma(q67, z, q45));
    vf y = v_fma(r48, z2, r03);
    vf pp = v_fma(v_fma(y, x, v_set(-0.5f)), z, v_fma(v_cvt(ki), v_set(0.693147180559945309f), x));
    b->al[u] = v_fma(p, pp, b->al[u]);
}
#endif

/* Two vectors. Sum p takes their sum: one addition into the accumulator
 * for two vectors, so each p goes through as many roundings as with two
 * accumulators of one vector each, and one register is free. */
TGT __attribute__((always_inline)) static inline void pstep2(pblk *b, vf p0, vf p1, vf *sign)
{
    pstep(b, 0, p0, sign);
    pstep(b, 1, p1, sign);
    b->as = v_add(b->as, v_add(p0, p1));
}

/* Sums one block of nv vectors at r, whose per-lane maximum (raw bits) is
 * mxr. With next, it also loads nv vectors at next (nv a multiple of a cache
 * line's vectors, and even) and returns their maximum: the next block streams
 * in from memory while this one computes, and its second pass then reads from
 * L1. */
TGT __attribute__((always_inline)) static inline vr pblock(pdacc *d, const char *r, size_t nv, int dt, vf *sign, vr mxr,
                                                           const char *next, size_t far)
{
    const size_t step = (dt == DT_F32 ? 4 : 2) * W, line = 64 / step; /* vectors per 64-byte line */
    vf mx = raw_to_vf(mxr, dt);
#if defined(ENT_MAX_SEES_SIGN)
    *sign = v_or(*sign, mx); /* the maximum took the sign into account */
#endif
#if defined(ENT_TBITS)
    /* a / c_j = a 2^(-j / NT), rounded to f32 */
#define T(x) (float)(ENT_AF * (x))
#if ENT_TBITS == 3
    static const float inv_c[ENT_NT] = {T(1.0),
                                        T(0.9170040432046712),
                                        T(0.8408964152537145),
                                        T(0.7711054127039704),
                                        T(0.7071067811865476),
                                        T(0.6484197773255048),
                                        T(0.5946035575013605),
                                        T(0.5452538663326288)};
#else
    static const float inv_c[ENT_NT] = {T(1.0),
                                        T(0.9785720620877001),
                                        T(0.9576032806985737),
                                        T(0.93708381705515),
                                        T(0.9170040432046712),
                                        T(0.8973545375015536),
                                        T(0.8781260801866497),
                                        T(0.859309649061239),
                                        T(0.8408964152537145),
                                        T(0.8228777390769825),
                                        T(0.8052451659746271),
                                        T(0.7879904225539432),
                                        T(0.7711054127039704),
                                        T(0.7545822137967114),
                                        T(0.7384130729697497),
                                        T(0.7225904034885233),
                                        T(0.7071067811865476),
                                        T(0.691954940981916),
                                        T(0.6771277734684463),
                                        T(0.6626183215798707),
                                        T(0.6484197773255048),
                                        T(0.6345254785958666),
                                        T(0.620928906036742),
                                        T(0.6076236799902345),
                                        T(0.5946035575013605),
                                        T(0.5818624293887887),
                                        T(0.5693943173783458),
                                        T(0.5571933712979462),
                                        T(0.5452538663326288),
                                        T(0.5335702003384118),
                                        T(0.5221368912137069),
                                        T(0.5109485743270583)};
#endif
#undef T
    /* E0 (biased) and e0 = E0 - 127; a negative maximum is caught by the sign */
    vi be0 = i_srai(i_fromf(mx), 23), e0 = i_sub(be0, i_set(127));
    pblk b = {{v_zero(), v_zero()}, v_zero(), i_slli(be0, 23), tab_load(inv_c)};
#else
    vi e0 = i_srai(i_sub(i_fromf(mx), i_set(ENT_SPLIT)), 23);
    pblk b = {{v_zero(), v_zero()}, v_zero(), i_add(i_slli(e0, 23), i_set(ENT_SPLIT))};
#endif
    vr nmx = raw_zero();
    size_t j = 0;
    if (next) {
#if defined(ENT_PIPELINE)
        /* By pairs of vectors (nv is even, and at least 4 pairs here: a whole
         * block), pipelined: the fronts of the pair two ahead are issued
         * before the backs of this one, so fewer operations wait in the
         * scheduler for their inputs. On Zen 4 (AVX-512), one pair ahead ran
         * 4-8% faster than no pipelining in L2 and 2-4% out of cache (f32),
         * 4-8% for bf16; two pairs ahead added 1-3% (docs/performance.md).
         * It needs AVX-512's 32 vector registers: the AVX2 kernel, with 16,
         * spilled and lost 15-30%. The prefetches go one per 64-byte line. */
        (void)line;
        pfr f0 = pfront(&b, ld(r, dt), sign), f1 = pfront(&b, ld(r + step, dt), sign);
        pfr f2 = pfront(&b, ld(r + 2 * step, dt), sign), f3 = pfront(&b, ld(r + 3 * step, dt), sign);
        for (; j < nv; j += 2) {
            for (size_t q = 0; q < 2 * step; q += 64)
                if ((j * step + q) % 64 == 0) {
                    __builtin_prefetch(next + j * step + q + ENT_PF, 0, ENT_PF_LOC);
                    if (far) __builtin_prefetch(next + j * step + q + far, 0, ENT_PF_LOC);
                }
            nmx = raw_max_ld(nmx, next + j * step, dt);
            nmx = raw_max_ld(nmx, next + (j + 1) * step, dt);
            pfr g0 = f0, g1 = f1; /* unused past the block's end */
            if (j + 4 < nv) {
                g0 = pfront(&b, ld(r + (j + 4) * step, dt), sign);
                g1 = pfront(&b, ld(r + (j + 5) * step, dt), sign);
            }
            pback(&b, 0, f0);
            pback(&b, 1, f1);
            b.as = v_add(b.as, v_add(f0.p, f1.p));
            f0 = f2;
            f1 = f3;
            f2 = g0;
            f3 = g1;
        }
#else
        /* by whole lines and at least two vectors, so that the accumulator
         * index is a constant and the sums stay in registers */
        const size_t un = line < 2 ? 2 : line;
        for (; j < nv; j += un) {
            for (size_t q = 0; q < un * step; q += 64) {
                __builtin_prefetch(next + j * step + q + ENT_PF, 0, ENT_PF_LOC);
                if (far) __builtin_prefetch(next + j * step + q + far, 0, ENT_PF_LOC);
            }
            for (size_t u = 0; u < un; u += 2) {
                nmx = raw_max_ld(nmx, next + (j + u) * step, dt);
                nmx = raw_max_ld(nmx, next + (j + u + 1) * step, dt);
                pstep2(&b, ld(r + (j + u) * step, dt), ld(r + (j + u + 1) * step, dt), sign);
            }
        }
#endif
    } else {
        for (; j + 2 <= nv; j += 2) {
            /* keeps the prefetch stream going past the end of the row */
            for (size_t q = 0; q < 2 * step; q += 64)
                if ((j * step + q) % 64 == 0) {
                    __builtin_prefetch(r + (nv + j) * step + q + ENT_PF, 0, ENT_PF_LOC);
                    if (far) __builtin_prefetch(r + (nv + j) * step + q + far, 0, ENT_PF_LOC);
                }
            pstep2(&b, ld(r + j * step, dt), ld(r + (j + 1) * step, dt), sign);
        }
        if (j < nv) {
            vf p = ld(r + j * step, dt);
            pstep(&b, 0, p, sign);
            b.as = v_add(b.as, p);
        }
    }
    vf as = b.as;
    dacc_add(&d->l, v_add(b.al[0], b.al[1]));
    dacc_add(&d->s, as);
    dacc_fma_i(&d->e0s, e0, as);
    return nmx;
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

/* One row of n probabilities into *acc; returns 0 when the row must go to
 * the portable kernel instead. *mx is the per-lane maximum of the row's first
 * block (when the row has a whole block); with next, the row's last block
 * also takes the maximum of the first block at next into *mx. far: the
 * second prefetch stream's distance (0: none; a constant in each caller). */
TGT __attribute__((always_inline)) static inline int prob_row(const char *r, size_t n, ent_sums *acc, int dt, vr *mx,
                                                              const char *next, size_t far)
{
    const size_t esz = dt == DT_F32 ? 4 : 2;
    pdacc d;
    d.l = d.e0s = d.s = dacc_zero();
    vf sign = v_zero();
    const size_t nvec = n / W, nb = nvec / BLK, bbytes = BLK * W * esz;
    if (nb) {
        vr m = *mx;
        for (size_t b = 0; b + 1 < nb; b++)
            m = pblock(&d, r + b * bbytes, BLK, dt, &sign, m, r + (b + 1) * bbytes, far);
        *mx = pblock(&d, r + (nb - 1) * bbytes, BLK, dt, &sign, m, next, far);
    }
    if (nvec > nb * BLK)
        pblock(&d, r + nb * bbytes, nvec - nb * BLK, dt, &sign, raw_block_max(r + nb * bbytes, nvec - nb * BLK, dt),
               NULL, far);
    size_t i = nvec * W;
    double s = dacc_sum(d.s);
    double t = ENT_S * dacc_sum(d.l) + 0.693147180559945309 * dacc_sum(d.e0s);
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

/* nrows rows of n probabilities, stride bytes apart, each into out[i]
 * (zeroed here); a row the vector path declines goes to the portable kernel.
 * Each row's last block takes the next row's first maximum, so the stream
 * does not stop between rows. */
TGT __attribute__((always_inline)) static inline void prob_rows_vec(const char *base, size_t nrows, ptrdiff_t stride,
                                                                    size_t n, ent_sums *out, int dt, size_t far)
{
    const size_t nb = n / W / BLK;
    vr mx = nb ? raw_block_max(base, BLK, dt) : raw_zero();
    for (size_t i = 0; i < nrows; i++) {
        const char *r = base + (ptrdiff_t)i * stride, *next = nb && i + 1 < nrows ? r + stride : NULL;
        ent_sums z = {0, 0, 0};
        out[i] = z;
        if (!prob_row(r, n, &out[i], dt, &mx, next, far)) mirs__ent_generic.prob[dt](r, n, &out[i]);
    }
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
        ent_sums o;                                                                                                    \
        prob_rows_vec((const char *)row, 1, 0, n, &o, dt, 0);                                                          \
        acc->s += o.s;                                                                                                 \
        acc->t += o.t;                                                                                                 \
        acc->nbad += o.nbad;                                                                                           \
    }                                                                                                                  \
    TGT static void prob_rows_##sfx(const void *base, size_t nrows, ptrdiff_t stride, size_t n, ent_sums *out)         \
    {                                                                                                                  \
        prob_rows_vec((const char *)base, nrows, stride, n, out, dt, 0);                                               \
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

/* prob_rows with the second prefetch stream ENT_PF_FAR bytes ahead */
#define ENT_DEFINE_FAR(sfx, dt)                                                                                        \
    TGT static void prob_rows_far_##sfx(const void *base, size_t nrows, ptrdiff_t stride, size_t n, ent_sums *out)     \
    {                                                                                                                  \
        prob_rows_vec((const char *)base, nrows, stride, n, out, dt, ENT_PF_FAR);                                      \
    }
