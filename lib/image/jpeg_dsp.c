/*
 * The output stage of the two-thread JPEG decoder: dequantisation and ISLOW
 * IDCT, fancy upsampling and YCbCr -> RGB, equal byte for byte to what
 * libjpeg-turbo 2.1.5 produces (jidctint.c / its AVX2 asm, jdsample.c
 * h2v1/h2v2_fancy_upsample, jdcolor.c ycc_rgb_convert and gray_rgb_convert).
 *
 * One call walks its MCU rows: each row's blocks are transformed into small
 * strips (only the blocks libjpeg transforms: width_in_blocks x
 * height_in_blocks, not the dummy blocks that pad the last MCUs), then its
 * pixel rows are upsampled, converted and written straight to the caller's
 * rows. For 4:2:0 three chroma strips rotate (MCU rows r-1, r, r+1), so each
 * chroma MCU row is transformed once per call; of the MCU rows just outside
 * the call's range only the one chroma sample row next to it is computed
 * (the context of the upsampler). Upsampling reads only real samples: the row above chroma row 0 is
 * row 0, the row below the last real one is that row (jdmainct.c), the
 * column left of 0 is 0 and right of the last real column is that column
 * (what the C code's end cases and the asm's inserted dummy sample both
 * compute); chroma only 1 or 2 samples wide is upsampled by replication, as
 * libjpeg does there (jinit_upsampler wants downsampled_width > 2 for fancy).
 *
 * Exactness. jidctint.c is a fixed integer linear map per pass followed by a
 * rounding shift, so any regrouping of its sums gives the same numbers; the
 * AVX2 kernel uses the asm's data layout (16-bit lanes, pmaddwd pairs) with
 * the per-pass weights folded differently. libjpeg-turbo's AVX2 asm packs to
 * 16 bits where its C code keeps ints: the product coef * q (vpmullw), the
 * sums in0 +- in4, in1 + in5, in3 + in7 of each pass (vpaddw), and the
 * first-pass outputs (vpackssdw). The final clamp is a saturating pack in the
 * asm and range_limit[x & 1023] in C (jdmaster.c prepare_range_limit_table),
 * which equal each other exactly for x in [-512, 511]: the table gives 128 + x
 * for x in [-128, 127], 255 for [128, 511] and 0 for [-512, -129], but 255
 * again at -513 (index 511) and 0 at 512 (index 512).
 * So both kernels check, on the exact values: |coef * q| <= 16383 (the
 * pass-1 sums then fit 16 bits), pass-1 outputs in [-16384, 16383] (they fit
 * 16 bits and so do the pass-2 sums), final values in [-512, 511]; and every
 * 32-bit intermediate is then below 61214 * 16384 < 2^30, so nothing
 * overflows anywhere. Natural images stay near 4096 at pass 1 and within
 * [-128, 127] plus quantisation noise at the end. Any failed check makes the
 * call return -2 (AVX2 and C check the same values, so they agree).
 *
 * Colour: the AVX2 code computes the C tables' values with 16-bit products
 * (exact rewrites, checked against the tables for all 2^16 Cb, Cr pairs by
 * the test through whole images): Cr_r = cr + ((mulhi(2cr, 26345) + 1) >> 1),
 * Cb_b = 2cb + mulhrs(cb, -7471) (14942 = 2 * 7471), G from one pmaddwd.
 */
#include "jpeg_dsp.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define JDSP_X86 1
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2")))
#define AVX2_INL static inline __attribute__((always_inline, target("avx2")))
#else
#define JDSP_X86 0
#endif

/* ---- kernel selection ---- */

static atomic_int cpu_state; /* 0 unknown, 1 AVX2, 2 C */
static atomic_int forced_c;

static int detect(void)
{
    const char *e = getenv("MIRS_JDSP_KERNEL");
    if (e && strcmp(e, "c") == 0) return 2;
#if JDSP_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 2;
#else
    return 2;
#endif
}

int mirs__jdsp_have_avx2(void)
{
    int s = atomic_load_explicit(&cpu_state, memory_order_relaxed);
    if (!s) {
        s = detect();
        atomic_store_explicit(&cpu_state, s, memory_order_relaxed);
    }
    return s == 1 && !atomic_load_explicit(&forced_c, memory_order_relaxed);
}

void mirs__jdsp_force_c(int on) { atomic_store_explicit(&forced_c, on != 0, memory_order_relaxed); }

/* ---- shared definitions ---- */

enum { M_GRAY, M_444, M_422, M_420 };

#define P1_LO (-16384) /* pass-1 outputs must lie in [P1_LO, P1_HI] */
#define P1_HI 16383
#define OUT_LO (-512) /* final values (before +128 and clamping) in [OUT_LO, OUT_HI] */
#define OUT_HI 511
#define DEQ_MAX 16383 /* |coef * q| */
/* The AVX2 checks test bits: both ranges must be [-2^k, 2^k - 1]. */
_Static_assert(P1_LO == -P1_HI - 1 && (P1_HI & (P1_HI + 1)) == 0, "pass-1 range");
_Static_assert(OUT_LO == -OUT_HI - 1 && (OUT_HI & (OUT_HI + 1)) == 0, "output range");

typedef struct comp {
    _Alignas(32) int16_t q[64];   /* quantizers as a 16-bit multiply sees them */
    _Alignas(32) int16_t lim[64]; /* largest |coef| with |coef * q| <= DEQ_MAX */
    uint16_t qu[64];              /* the quantizers */
    int h, v;                     /* blocks per MCU across and down */
    int first;                    /* the component's first block in the MCU */
    uint32_t bw, bh;              /* blocks libjpeg transforms (width_in_blocks, height_in_blocks) */
    uint32_t w, hh;               /* real samples (downsampled_width, downsampled_height) */
    int32_t delta;
} comp;

/* The blocks of one MCU row to transform, taken MCU by MCU (the order they lie in memory):
 * slot k is block s[k].blk of every MCU m < s[k].nmcu. */
typedef struct slot {
    const comp *cp;
    int blk;       /* block index in the MCU */
    uint32_t nmcu; /* MCUs in which libjpeg transforms this block (0: none, a dummy block row) */
    uint8_t *dst;  /* its output in MCU 0 */
    size_t step;   /* output bytes from one MCU to the next (8 * h) */
    size_t stride;
    int32_t delta; /* DC correction */
} slot;

typedef struct rowjob {
    const int16_t *base; /* the row's first MCU */
    size_t mcu_step;     /* coefficients per MCU */
    int only;            /* -1: whole blocks; 0 or 7: only that sample row (4:2:0 context) */
    uint32_t nmcu;
    int nslots;
    slot s[6];
} rowjob;

static inline int32_t fsr(int32_t x, int n) { return x < 0 ? ~(~x >> n) : x >> n; } /* floor(x / 2^n) */

static inline int16_t wrap16(int32_t x)
{
    uint32_t u = (uint32_t)x & 0xFFFFu;
    return (int16_t)(u >= 0x8000u ? (int32_t)u - 0x10000 : (int32_t)u);
}

static inline uint8_t clamp255(int32_t v) { return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v; }

static uint32_t ceil_div(uint64_t a, uint32_t b) { return (uint32_t)((a + b - 1) / b); }

static size_t round_up(size_t a, size_t b) { return (a + b - 1) / b * b; }

/* A block whose AC coefficients are all zero: every sample is (dc * q + 4) >> 3, as the full
 * transform gives (pass 1: 4 * dc * q in column 0, zeros elsewhere). Returns 1 if a check fails. */
static int dc_block(int32_t dc, const comp *cp, uint8_t *dst, size_t stride)
{
    if ((dc < 0 ? -dc : dc) > cp->lim[0]) return 1;
    int32_t dq = dc * (int32_t)cp->qu[0];
    if (4 * dq < P1_LO || 4 * dq > P1_HI) return 1;
    int32_t v = fsr(dq + 4, 3);
    if (v < OUT_LO || v > OUT_HI) return 1;
    uint8_t px = clamp255(v + 128);
    for (int y = 0; y < 8; y++) memset(dst + (size_t)y * stride, px, 8);
    return 0;
}

/* ---- C kernels (the reference) ---- */

/* jidctint.c's 1-D transform before the rounding shift (its variable names): out[k] for
 * in[0..7] (stride is). */
static inline void idct8(const int32_t *in, int is, int32_t *out)
{
    int32_t z2 = in[2 * is], z3 = in[6 * is];
    int32_t z1 = (z2 + z3) * 4433;
    int32_t tmp2 = z1 - z3 * 15137, tmp3 = z1 + z2 * 6270;
    int32_t tmp0 = (in[0] + in[4 * is]) * 8192, tmp1 = (in[0] - in[4 * is]) * 8192;
    int32_t tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
    tmp0 = in[7 * is];
    tmp1 = in[5 * is];
    tmp2 = in[3 * is];
    tmp3 = in[is];
    z1 = tmp0 + tmp3;
    z2 = tmp1 + tmp2;
    z3 = tmp0 + tmp2;
    int32_t z4 = tmp1 + tmp3, z5 = (z3 + z4) * 9633;
    tmp0 *= 2446;
    tmp1 *= 16819;
    tmp2 *= 25172;
    tmp3 *= 12299;
    z1 *= -7373;
    z2 *= -20995;
    z3 = z3 * -16069 + z5;
    z4 = z4 * -3196 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    out[0] = tmp10 + tmp3;
    out[7] = tmp10 - tmp3;
    out[1] = tmp11 + tmp2;
    out[6] = tmp11 - tmp2;
    out[2] = tmp12 + tmp1;
    out[5] = tmp12 - tmp1;
    out[3] = tmp13 + tmp0;
    out[4] = tmp13 - tmp0;
}

/* d = the block dequantized, DC corrected by delta. 1 when some |coef * q| > DEQ_MAX, else 0
 * with *ac nonzero if an AC coefficient is. */
static int dequant_c(const int16_t *in, const comp *cp, int32_t delta, int32_t *d, int *ac)
{
    *ac = 0;
    for (int i = 0; i < 64; i++) {
        int32_t c = i ? in[i] : wrap16(in[0] + delta);
        if ((c < 0 ? -c : c) > cp->lim[i]) return 1;
        d[i] = c * (int32_t)cp->qu[i];
        *ac |= i ? in[i] : 0;
    }
    return 0;
}

static int idct_block_c(const int16_t *in, const comp *cp, int32_t delta, uint8_t *dst, size_t stride)
{
    int32_t d[64], ws[64], o[8];
    int ac;
    if (dequant_c(in, cp, delta, d, &ac)) return 1;
    if (!ac) return dc_block(wrap16(in[0] + delta), cp, dst, stride);
    for (int x = 0; x < 8; x++) {
        idct8(d + x, 8, o);
        for (int y = 0; y < 8; y++) {
            int32_t v = fsr(o[y] + 1024, 11);
            if (v < P1_LO || v > P1_HI) return 1;
            ws[y * 8 + x] = v;
        }
    }
    for (int y = 0; y < 8; y++) {
        idct8(ws + y * 8, 1, o);
        for (int x = 0; x < 8; x++) {
            int32_t v = fsr(o[x] + (1 << 17), 18);
            if (v < OUT_LO || v > OUT_HI) return 1;
            dst[(size_t)y * stride + (size_t)x] = clamp255(v + 128);
        }
    }
    return 0;
}

/* idct8 as a matrix: out[y] = sum over k of idct_w[y][k] * in[k] (its products and sums are
 * all exact, so the map is linear), for transforming a single row. */
static const int32_t idct_w[8][8] = {
    {8192, 11363, 10703, 9633, 8192, 6437, 4433, 2260},     {8192, 9633, 4433, -2259, -8192, -11362, -10704, -6436},
    {8192, 6437, -4433, -11362, -8192, 2261, 10704, 9633},  {8192, 2260, -10703, -6436, 8192, 9633, -4433, -11363},
    {8192, -2260, -10703, 6436, 8192, -9633, -4433, 11363}, {8192, -6437, -4433, 11362, -8192, -2261, 10704, -9633},
    {8192, -9633, 4433, 2259, -8192, 11362, -10704, 6436},  {8192, -11363, 10703, -9633, 8192, -6437, 4433, -2260}};

/* Sample row y only of a block (dst: the block's top left), checking what that row uses. */
static int idct_row_c(const int16_t *in, const comp *cp, int32_t delta, int y, uint8_t *dst, size_t stride)
{
    int32_t d[64], p[8];
    int ac;
    if (dequant_c(in, cp, delta, d, &ac)) return 1;
    if (!ac) return dc_block(wrap16(in[0] + delta), cp, dst, stride);
    for (int x = 0; x < 8; x++) {
        int32_t acc = 0;
        for (int k = 0; k < 8; k++) acc += idct_w[y][k] * d[k * 8 + x];
        p[x] = fsr(acc + 1024, 11);
        if (p[x] < P1_LO || p[x] > P1_HI) return 1;
    }
    for (int x = 0; x < 8; x++) {
        int32_t acc = 0;
        for (int k = 0; k < 8; k++) acc += idct_w[x][k] * p[k];
        int32_t v = fsr(acc + (1 << 17), 18);
        if (v < OUT_LO || v > OUT_HI) return 1;
        dst[(size_t)y * stride + (size_t)x] = clamp255(v + 128);
    }
    return 0;
}

static int idct_job_c(const rowjob *j)
{
    for (uint32_t m = 0; m < j->nmcu; m++) {
        const int16_t *mcu = j->base + (size_t)m * j->mcu_step;
        for (int k = 0; k < j->nslots; k++) {
            const slot *sl = &j->s[k];
            if (m >= sl->nmcu) continue;
            const int16_t *in = mcu + sl->blk * 64;
            uint8_t *d = sl->dst + m * sl->step;
            if (j->only < 0 ? idct_block_c(in, sl->cp, sl->delta, d, sl->stride)
                            : idct_row_c(in, sl->cp, sl->delta, j->only, d, sl->stride))
                return 1;
        }
    }
    return 0;
}

/* jdcolor.c ycc_rgb_convert, its tables written out: Cr_r, Cb_g + Cr_g, Cb_b. */
static inline void ycc_px(int32_t y, int32_t cb, int32_t cr, uint8_t *o)
{
    int32_t b = cb - 128, r = cr - 128;
    o[0] = clamp255(y + fsr(91881 * r + 32768, 16));
    o[1] = clamp255(y + fsr(-22554 * b - 46802 * r + 32768, 16));
    o[2] = clamp255(y + fsr(116130 * b + 32768, 16));
}

/* Two output pixels per entry of a (an int16 row with a[-1] = a[0] and a[n] = a[n-1]):
 * 2i <- (3a[i] + a[i-1] + kE) >> s, 2i+1 <- (3a[i] + a[i+1] + kO) >> s. */
static inline int32_t h2val(const int16_t *a, uint32_t p, int s, int kE, int kO)
{
    const int16_t *c = a + (p >> 1);
    return p & 1 ? (3 * c[0] + c[1] + kO) >> s : (3 * c[0] + c[-1] + kE) >> s;
}

static void h2row_c(const uint8_t *y, const int16_t *cb, const int16_t *cr, int s, int kE, int kO, uint32_t w,
                    uint8_t *out, int ch)
{
    for (uint32_t p = 0; p < w; p++, out += ch) {
        ycc_px(y[p], h2val(cb, p, s, kE, kO), h2val(cr, p, s, kE, kO), out);
        if (ch == 4) out[3] = 255;
    }
}

/* Chroma at full width (xs = 0) or replicated 2x (xs = 1, libjpeg's box upsampling). */
static void h1row_c(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, int xs, uint32_t w, uint8_t *out, int ch)
{
    for (uint32_t p = 0; p < w; p++, out += ch) {
        ycc_px(y[p], cb[p >> xs], cr[p >> xs], out);
        if (ch == 4) out[3] = 255;
    }
}

static void gray_row_c(const uint8_t *y, uint32_t w, uint8_t *out, int ch)
{
    for (uint32_t p = 0; p < w; p++, out += ch) {
        out[0] = out[1] = out[2] = y[p];
        if (ch == 4) out[3] = 255;
    }
}

/* dst[i] = 3 * cur[i] + adj[i] (h2v2's column sums) */
static void vsum_c(const uint8_t *cur, const uint8_t *adj, int16_t *dst, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) dst[i] = (int16_t)(3 * cur[i] + adj[i]);
}

static void widen_c(const uint8_t *src, int16_t *dst, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) dst[i] = src[i];
}

/* ---- AVX2 kernels ---- */
#if JDSP_X86

#define P4(a, b) a, b, a, b, a, b, a, b
#define R8(x) x, x, x, x, x, x, x, x
#define R16(x) R8(x), R8(x)

/* Vector constants, read through an opaque pointer (kc()) so that the compiler keeps them as
 * memory operands instead of rebuilding each one from a general register inside the loops. */
typedef struct kconst {
    _Alignas(32) int16_t acmask[16]; /* all but the DC coefficient */
    _Alignas(32) int16_t sign04[16]; /* +1 | -1: [r0 | r4] -> [r0 | -r4] */
    /* pmaddwd weights: (a, b) pairs in the low 128-bit lane, (c, d) in the high one */
    _Alignas(32) int16_t k26[16], kA[16], kB[16], kC[16], kD[16];
    _Alignas(32) int32_t rnd10[8], rnd17[8];
    _Alignas(32) int16_t p1bias[16], outbias[16], outhigh[16], x80[16];
    _Alignas(32) int16_t ff[16], c128[16], f0402[16], one[16], mf0228[16], kg[16];
    _Alignas(32) int32_t half[8];
    _Alignas(32) int8_t rgb[3][3][16]; /* pshufb: channel c, output chunk t (see color32) */
    _Alignas(32) int8_t gray3[3][16];
    _Alignas(32) int8_t natural[16];
    _Alignas(32) int8_t rowfix[16];
    _Alignas(32) int8_t ilv[16]; /* words 0-3 and 4-7 of a lane interleaved */
    /* single rows: pass-1 weights of (r0, r1) ... (r6, r7) for sample rows 0 and 7; pass-2
     * weights of (p0, p1) ... (p6, p7) for outputs 0-7 (lane x holds output x's pair) */
    _Alignas(32) int16_t w1[2][4][16];
    _Alignas(32) int16_t w2[4][16];
} kconst;

static const kconst kconsts = {
    .acmask = {0, R8(-1), -1, -1, -1, -1, -1, -1, -1},
    .sign04 = {R8(1), R8(-1)},
    /* even part: [tmp3 | tmp2] from (r2, r6) | (r6, r2) */
    .k26 = {P4(10703, 4433), P4(-10704, 4433)},
    /* odd part, jidctint.c's tmp0-3 as direct weights of r1, r3, r5, r7 (the odd columns of
     * idct_w): [tmp3 | tmp2] = (r1, r3) x kA + (r5, r7) x kB in the low lane, (r5, r7) x kA +
     * (r1, r3) x kB in the high one; [tmp0 | tmp1] likewise with kC, kD */
    .kA = {P4(11363, 9633), P4(-11362, -6436)},
    .kB = {P4(6437, 2260), P4(9633, -2259)},
    .kC = {P4(2260, -6436), P4(2261, 9633)},
    .kD = {P4(9633, -11363), P4(6437, -11362)},
    .rnd10 = {R8(1 << 10)},
    .rnd17 = {R8(1 << 17)},
    .p1bias = {R16(-P1_LO)},
    .outbias = {R16(-OUT_LO)},
    .outhigh = {R16(~(OUT_HI - OUT_LO))},
    .x80 = {R16(-32640)}, /* 0x8080 */
    .ff = {R16(0xFF)},
    .c128 = {R16(128)},
    .f0402 = {R16(26345)},
    .one = {R16(1)},
    .mf0228 = {R16(-7471)},
    .kg = {P4(-22554, 18734), P4(-22554, 18734)},
    .half = {R8(32768)},
    /* 16 RGB pixels (48 bytes, chunks t = 0-2) from a lane holding a channel's even pixels in
     * bytes 0-7 and odd ones in 8-15; -128 writes zero */
    .rgb = {{{0, -128, -128, 8, -128, -128, 1, -128, -128, 9, -128, -128, 2, -128, -128, 10},
             {-128, -128, 3, -128, -128, 11, -128, -128, 4, -128, -128, 12, -128, -128, 5, -128},
             {-128, 13, -128, -128, 6, -128, -128, 14, -128, -128, 7, -128, -128, 15, -128, -128}},
            {{-128, 0, -128, -128, 8, -128, -128, 1, -128, -128, 9, -128, -128, 2, -128, -128},
             {10, -128, -128, 3, -128, -128, 11, -128, -128, 4, -128, -128, 12, -128, -128, 5},
             {-128, -128, 13, -128, -128, 6, -128, -128, 14, -128, -128, 7, -128, -128, 15, -128}},
            {{-128, -128, 0, -128, -128, 8, -128, -128, 1, -128, -128, 9, -128, -128, 2, -128},
             {-128, 10, -128, -128, 3, -128, -128, 11, -128, -128, 4, -128, -128, 12, -128, -128},
             {5, -128, -128, 13, -128, -128, 6, -128, -128, 14, -128, -128, 7, -128, -128, 15}}},
    .gray3 = {{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5},
              {5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10},
              {10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15}},
    .natural = {0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15},
    .rowfix = {0, 4, 6, 2, 1, 5, 7, 3, 8, 12, 14, 10, 9, 13, 15, 11},
    .ilv = {0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15},
    .w1 = {{{P4(8192, 11363), P4(8192, 11363)},
            {P4(10703, 9633), P4(10703, 9633)},
            {P4(8192, 6437), P4(8192, 6437)},
            {P4(4433, 2260), P4(4433, 2260)}},
           {{P4(8192, -11363), P4(8192, -11363)},
            {P4(10703, -9633), P4(10703, -9633)},
            {P4(8192, -6437), P4(8192, -6437)},
            {P4(4433, -2260), P4(4433, -2260)}}},
    .w2 = {{8192, 11363, 8192, 9633, 8192, 6437, 8192, 2260, 8192, -2260, 8192, -6437, 8192, -9633, 8192, -11363},
           {10703, 9633, 4433, -2259, -4433, -11362, -10703, -6436, -10703, 6436, -4433, 11362, 4433, 2259, 10703,
            -9633},
           {8192, 6437, -8192, -11362, -8192, 2261, 8192, 9633, 8192, -9633, -8192, -2261, -8192, 11362, 8192, -6437},
           {4433, 2260, -10704, -6436, 10704, 9633, -4433, -11363, -4433, 11363, 10704, -9633, -10704, 6436, 4433,
            -2260}},
};

static inline const kconst *kc(void)
{
    const kconst *k = &kconsts;
    __asm__("" : "+r"(k));
    return k;
}

#define KL(x) _mm256_load_si256((const __m256i *)(x))
#define KB(x) _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(x))) /* 16-byte masks */

/* One 1-D pass over 8 columns at once. Inputs: rows (frequencies) in 16-bit lanes, [r0|r4],
 * [r1|r5], [r2|r6], [r3|r7]; outputs (saturated to 16 bits) [o0|o1], [o7|o6], [o3|o2], [o4|o5]
 * after adding 2^rb and shifting by rb + 1. */
AVX2_INL void idct_pass(__m256i s04, __m256i s15, __m256i s26, __m256i s37, const kconst *k, const int rb, __m256i *o01,
                        __m256i *o76, __m256i *o32, __m256i *o45)
{
    const __m256i zero = _mm256_setzero_si256(), rnd = rb == 10 ? KL(k->rnd10) : KL(k->rnd17);
    /* even part: [r0 + r4 | r0 - r4] << 13 (the word in the high half of a dword, shifted down),
     * plus [tmp3 | tmp2] from r2, r6 */
    __m256i e = _mm256_add_epi16(_mm256_permute2x128_si256(s04, s04, 0x01), _mm256_sign_epi16(s04, KL(k->sign04)));
    __m256i eL = _mm256_add_epi32(_mm256_srai_epi32(_mm256_unpacklo_epi16(zero, e), 3), rnd);
    __m256i eH = _mm256_add_epi32(_mm256_srai_epi32(_mm256_unpackhi_epi16(zero, e), 3), rnd);
    __m256i s62 = _mm256_permute2x128_si256(s26, s26, 0x01);
    __m256i mL = _mm256_madd_epi16(_mm256_unpacklo_epi16(s26, s62), KL(k->k26));
    __m256i mH = _mm256_madd_epi16(_mm256_unpackhi_epi16(s26, s62), KL(k->k26));
    __m256i t10L = _mm256_add_epi32(eL, mL), t10H = _mm256_add_epi32(eH, mH); /* [tmp10 | tmp11] */
    __m256i t13L = _mm256_sub_epi32(eL, mL), t13H = _mm256_sub_epi32(eH, mH); /* [tmp13 | tmp12] */
    /* odd part: a = (r1, r3) | (r5, r7) pairs, b = (r5, r7) | (r1, r3) */
    __m256i s51 = _mm256_permute2x128_si256(s15, s15, 0x01), s73 = _mm256_permute2x128_si256(s37, s37, 0x01);
    __m256i aL = _mm256_unpacklo_epi16(s15, s37), aH = _mm256_unpackhi_epi16(s15, s37);
    __m256i bL = _mm256_unpacklo_epi16(s51, s73), bH = _mm256_unpackhi_epi16(s51, s73);
    __m256i u32L = _mm256_add_epi32(_mm256_madd_epi16(aL, KL(k->kA)), _mm256_madd_epi16(bL, KL(k->kB)));
    __m256i u32H = _mm256_add_epi32(_mm256_madd_epi16(aH, KL(k->kA)), _mm256_madd_epi16(bH, KL(k->kB)));
    __m256i u01L = _mm256_add_epi32(_mm256_madd_epi16(aL, KL(k->kC)), _mm256_madd_epi16(bL, KL(k->kD)));
    __m256i u01H = _mm256_add_epi32(_mm256_madd_epi16(aH, KL(k->kC)), _mm256_madd_epi16(bH, KL(k->kD)));
    const int sh = rb + 1;
    *o01 = _mm256_packs_epi32(_mm256_srai_epi32(_mm256_add_epi32(t10L, u32L), sh),
                              _mm256_srai_epi32(_mm256_add_epi32(t10H, u32H), sh));
    *o76 = _mm256_packs_epi32(_mm256_srai_epi32(_mm256_sub_epi32(t10L, u32L), sh),
                              _mm256_srai_epi32(_mm256_sub_epi32(t10H, u32H), sh));
    *o32 = _mm256_packs_epi32(_mm256_srai_epi32(_mm256_add_epi32(t13L, u01L), sh),
                              _mm256_srai_epi32(_mm256_add_epi32(t13H, u01H), sh));
    *o45 = _mm256_packs_epi32(_mm256_srai_epi32(_mm256_sub_epi32(t13L, u01L), sh),
                              _mm256_srai_epi32(_mm256_sub_epi32(t13H, u01H), sh));
}

/* [y0|y1], [y7|y6], [y3|y2], [y4|y5] (rows of 8 words) -> columns [c0|c4], [c1|c5], [c2|c6], [c3|c7]. */
AVX2_INL void transpose(__m256i e01, __m256i e76, __m256i e32, __m256i e45, __m256i *t04, __m256i *t15, __m256i *t26,
                        __m256i *t37)
{
    __m256i f0 = _mm256_permute4x64_epi64(e01, 0xD8); /* y0 c0-3, y1 c0-3 | y0 c4-7, y1 c4-7 */
    __m256i f2 = _mm256_permute4x64_epi64(e32, 0x72); /* y2, y3 */
    __m256i f4 = _mm256_permute4x64_epi64(e45, 0xD8); /* y4, y5 */
    __m256i f6 = _mm256_permute4x64_epi64(e76, 0x72); /* y6, y7 */
    __m256i g0 = _mm256_unpacklo_epi16(f0, f2), g1 = _mm256_unpackhi_epi16(f0, f2);
    __m256i g2 = _mm256_unpacklo_epi16(f4, f6), g3 = _mm256_unpackhi_epi16(f4, f6);
    __m256i h0 = _mm256_unpacklo_epi16(g0, g1), h1 = _mm256_unpackhi_epi16(g0, g1); /* rows 0-3 */
    __m256i h2 = _mm256_unpacklo_epi16(g2, g3), h3 = _mm256_unpackhi_epi16(g2, g3); /* rows 4-7 */
    *t04 = _mm256_unpacklo_epi64(h0, h2);
    *t15 = _mm256_unpackhi_epi64(h0, h2);
    *t26 = _mm256_unpacklo_epi64(h1, h3);
    *t37 = _mm256_unpackhi_epi64(h1, h3);
}

/* A block's coefficients (the DC corrected by dv) as four vectors, and in *e their range check:
 * |c| <= lim, or a sign bit (abs(-32768) stays negative and fails too). Returns 1, leaving *e
 * unset, when every AC coefficient is zero: the caller takes the DC-only path. */
AVX2_INL int load_block(const int16_t *in, const comp *cp, __m256i dv, const kconst *k, __m256i *c01, __m256i *c23,
                        __m256i *c45, __m256i *c67, __m256i *e)
{
    const __m256i *lim = (const __m256i *)cp->lim;
    *c01 = _mm256_add_epi16(_mm256_loadu_si256((const __m256i *)in), dv);
    *c23 = _mm256_loadu_si256((const __m256i *)in + 1);
    *c45 = _mm256_loadu_si256((const __m256i *)in + 2);
    *c67 = _mm256_loadu_si256((const __m256i *)in + 3);
    __m256i any =
        _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(*c01, KL(k->acmask)), *c23), _mm256_or_si256(*c45, *c67));
    if (_mm256_testz_si256(any, any)) return 1;
    __m256i v = _mm256_or_si256(_mm256_sub_epi16(_mm256_load_si256(lim), _mm256_abs_epi16(*c01)),
                                _mm256_sub_epi16(_mm256_load_si256(lim + 1), _mm256_abs_epi16(*c23)));
    *e = _mm256_or_si256(v, _mm256_or_si256(_mm256_sub_epi16(_mm256_load_si256(lim + 2), _mm256_abs_epi16(*c45)),
                                            _mm256_sub_epi16(_mm256_load_si256(lim + 3), _mm256_abs_epi16(*c67))));
    return 0;
}

/* One block (the C kernel's arithmetic, 16 coefficients per vector). Range checks accumulate:
 * sign bits in *sgn (coefficients, pass 1), bits above 9 in *obits (outputs); returns 1 when a
 * DC-only block fails its checks. */
AVX2_INL int idct_block_avx2(const int16_t *in, const comp *cp, __m256i dv, uint8_t *d, size_t st, const kconst *k,
                             __m256i *sgn, __m256i *obits)
{
    const __m256i *q = (const __m256i *)cp->q;
    __m256i c01, c23, c45, c67, e;
    if (load_block(in, cp, dv, k, &c01, &c23, &c45, &c67, &e))
        return dc_block(wrap16(_mm_extract_epi16(_mm256_castsi256_si128(c01), 0)), cp, d, st);
    c01 = _mm256_mullo_epi16(c01, _mm256_load_si256(q));
    c23 = _mm256_mullo_epi16(c23, _mm256_load_si256(q + 1));
    c45 = _mm256_mullo_epi16(c45, _mm256_load_si256(q + 2));
    c67 = _mm256_mullo_epi16(c67, _mm256_load_si256(q + 3));
    __m256i e01, e76, e32, e45, t04, t15, t26, t37;
    idct_pass(_mm256_permute2x128_si256(c01, c45, 0x20), _mm256_permute2x128_si256(c01, c45, 0x31),
              _mm256_permute2x128_si256(c23, c67, 0x20), _mm256_permute2x128_si256(c23, c67, 0x31), k, 10, &e01, &e76,
              &e32, &e45);
    /* pass-1 outputs in [-16384, 16383]: v + 16384 keeps its sign bit clear */
    const __m256i p1b = KL(k->p1bias);
    e = _mm256_or_si256(e, _mm256_or_si256(_mm256_add_epi16(e01, p1b), _mm256_add_epi16(e76, p1b)));
    e = _mm256_or_si256(e, _mm256_or_si256(_mm256_add_epi16(e32, p1b), _mm256_add_epi16(e45, p1b)));
    *sgn = _mm256_or_si256(*sgn, e);
    transpose(e01, e76, e32, e45, &t04, &t15, &t26, &t37);
    idct_pass(t04, t15, t26, t37, k, 17, &e01, &e76, &e32, &e45);
    /* final values in [-512, 511]: v + 512 has no bit above 9 */
    const __m256i ob = KL(k->outbias);
    e = _mm256_or_si256(_mm256_add_epi16(e01, ob), _mm256_add_epi16(e76, ob));
    e = _mm256_or_si256(e, _mm256_or_si256(_mm256_add_epi16(e32, ob), _mm256_add_epi16(e45, ob)));
    *obits = _mm256_or_si256(*obits, e);
    /* to bytes (saturating, + 128), then an 8x8 byte transpose: columns x0 x3 | x1 x2 and
     * x4 x7 | x5 x6, interleaved to rows of x0 x4 x3 x7 x1 x5 x2 x6, put in order by pshufb */
    __m256i a = _mm256_xor_si256(_mm256_packs_epi16(e01, e32), KL(k->x80));
    __m256i b = _mm256_xor_si256(_mm256_packs_epi16(e45, e76), KL(k->x80));
    __m256i a8 = _mm256_unpacklo_epi8(a, b), b8 = _mm256_unpackhi_epi8(a, b);
    __m256i c16 = _mm256_unpacklo_epi16(a8, b8), d16 = _mm256_unpackhi_epi16(a8, b8); /* rows 0-3, 4-7 */
    __m256i f = _mm256_permute2x128_si256(c16, d16, 0x20), g = _mm256_permute2x128_si256(c16, d16, 0x31);
    __m256i p = _mm256_shuffle_epi8(_mm256_unpacklo_epi32(f, g), KB(k->rowfix)); /* rows 0, 1 | 4, 5 */
    __m256i r = _mm256_shuffle_epi8(_mm256_unpackhi_epi32(f, g), KB(k->rowfix)); /* rows 2, 3 | 6, 7 */
    __m128i p0 = _mm256_castsi256_si128(p), p1 = _mm256_extracti128_si256(p, 1);
    __m128i r0 = _mm256_castsi256_si128(r), r1 = _mm256_extracti128_si256(r, 1);
    _mm_storel_epi64((__m128i *)d, p0);
    _mm_storeh_pd((double *)(d + st), _mm_castsi128_pd(p0));
    _mm_storel_epi64((__m128i *)(d + 2 * st), r0);
    _mm_storeh_pd((double *)(d + 3 * st), _mm_castsi128_pd(r0));
    _mm_storel_epi64((__m128i *)(d + 4 * st), p1);
    _mm_storeh_pd((double *)(d + 5 * st), _mm_castsi128_pd(p1));
    _mm_storel_epi64((__m128i *)(d + 6 * st), r1);
    _mm_storeh_pd((double *)(d + 7 * st), _mm_castsi128_pd(r1));
    return 0;
}

/* Sample row y (0 or 7) only, as idct_row_c: pass 1 as four pmaddwd over (r0, r1) ... pairs of
 * the 8 columns, pass 2 as four pmaddwd of broadcast (p0, p1) ... pairs by each output's weights. */
AVX2_INL int idct_row_avx2(const int16_t *in, const comp *cp, __m256i dv, int y, uint8_t *d, size_t st, const kconst *k,
                           __m256i *sgn, __m256i *obits)
{
    const __m256i *q = (const __m256i *)cp->q;
    __m256i c01, c23, c45, c67, e;
    if (load_block(in, cp, dv, k, &c01, &c23, &c45, &c67, &e))
        return dc_block(wrap16(_mm_extract_epi16(_mm256_castsi256_si128(c01), 0)), cp, d, st);
    const __m256i ilv = KB(k->ilv);
    const int16_t(*w1)[16] = k->w1[y ? 1 : 0];
    /* [r0|r1] -> (r0, r1) pairs of columns 0-3 | 4-7 */
#define PAIRED(c, i)                                                                                                   \
    _mm256_madd_epi16(                                                                                                 \
        _mm256_shuffle_epi8(_mm256_permute4x64_epi64(_mm256_mullo_epi16(c, _mm256_load_si256(q + i)), 0xD8), ilv),     \
        KL(w1[i]))
    __m256i acc = _mm256_add_epi32(_mm256_add_epi32(PAIRED(c01, 0), PAIRED(c23, 1)),
                                   _mm256_add_epi32(PAIRED(c45, 2), PAIRED(c67, 3)));
#undef PAIRED
    acc = _mm256_srai_epi32(_mm256_add_epi32(acc, KL(k->rnd10)), 11);
    /* p0-p7 as words, in both lanes */
    __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(acc, acc), 0x88);
    e = _mm256_or_si256(e, _mm256_add_epi16(p, KL(k->p1bias)));
    *sgn = _mm256_or_si256(*sgn, e);
    __m256i o = _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(_mm256_shuffle_epi32(p, 0x00), KL(k->w2[0])),
                                                  _mm256_madd_epi16(_mm256_shuffle_epi32(p, 0x55), KL(k->w2[1]))),
                                 _mm256_add_epi32(_mm256_madd_epi16(_mm256_shuffle_epi32(p, 0xAA), KL(k->w2[2])),
                                                  _mm256_madd_epi16(_mm256_shuffle_epi32(p, 0xFF), KL(k->w2[3]))));
    o = _mm256_srai_epi32(_mm256_add_epi32(o, KL(k->rnd17)), 18);
    __m128i o16 = _mm_packs_epi32(_mm256_castsi256_si128(o), _mm256_extracti128_si256(o, 1)); /* outputs 0-7 */
    *obits =
        _mm256_or_si256(*obits, _mm256_castsi128_si256(_mm_add_epi16(o16, _mm256_castsi256_si128(KL(k->outbias)))));
    __m128i b = _mm_xor_si128(_mm_packs_epi16(o16, o16), _mm256_castsi256_si128(KL(k->x80)));
    _mm_storel_epi64((__m128i *)(d + (size_t)y * st), b);
    return 0;
}

AVX2 static int idct_job_avx2(const rowjob *j)
{
    const kconst *k = kc();
    __m256i sgn = _mm256_setzero_si256(), obits = _mm256_setzero_si256();
    __m256i dv[6];
    int bad = 0;
    for (int i = 0; i < j->nslots; i++)
        dv[i] = _mm256_setr_epi16(wrap16(j->s[i].delta), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    for (uint32_t m = 0; m < j->nmcu; m++) {
        const int16_t *mcu = j->base + (size_t)m * j->mcu_step;
        for (int i = 0; i < j->nslots; i++) {
            const slot *sl = &j->s[i];
            if (m >= sl->nmcu) continue;
            if (j->only < 0)
                bad |= idct_block_avx2(mcu + sl->blk * 64, sl->cp, dv[i], sl->dst + m * sl->step, sl->stride, k, &sgn,
                                       &obits);
            else
                bad |= idct_row_avx2(mcu + sl->blk * 64, sl->cp, dv[i], j->only, sl->dst + m * sl->step, sl->stride, k,
                                     &sgn, &obits);
        }
    }
    return bad || ((unsigned)_mm256_movemask_epi8(sgn) & 0xAAAAAAAAu) || !_mm256_testz_si256(obits, KL(k->outhigh));
}

/* Cr_r, Cb_g + Cr_g, Cb_b for centred chroma (cb - 128, cr - 128) in 16-bit lanes. */
AVX2_INL __m256i r_diff(__m256i cr, const kconst *k)
{
    __m256i m = _mm256_mulhi_epi16(_mm256_add_epi16(cr, cr), KL(k->f0402));
    return _mm256_add_epi16(cr, _mm256_srai_epi16(_mm256_add_epi16(m, KL(k->one)), 1));
}

AVX2_INL __m256i b_diff(__m256i cb, const kconst *k)
{
    return _mm256_add_epi16(_mm256_add_epi16(cb, cb), _mm256_mulhrs_epi16(cb, KL(k->mf0228)));
}

AVX2_INL __m256i g_diff(__m256i cb, __m256i cr, const kconst *k)
{
    __m256i lo = _mm256_madd_epi16(_mm256_unpacklo_epi16(cb, cr), KL(k->kg));
    __m256i hi = _mm256_madd_epi16(_mm256_unpackhi_epi16(cb, cr), KL(k->kg));
    lo = _mm256_srai_epi32(_mm256_add_epi32(lo, KL(k->half)), 16);
    hi = _mm256_srai_epi32(_mm256_add_epi32(hi, KL(k->half)), 16);
    return _mm256_sub_epi16(_mm256_packs_epi32(lo, hi), cr);
}

/* Three vectors, each [lane 0 chunk t | lane 1 chunk t], to 96 output bytes. */
AVX2_INL void store3(__m256i c0, __m256i c1, __m256i c2, uint8_t *o)
{
    _mm256_storeu_si256((__m256i *)o, _mm256_permute2x128_si256(c0, c1, 0x20));
    _mm256_storeu_si256((__m256i *)(o + 32), _mm256_permute2x128_si256(c2, c0, 0x30));
    _mm256_storeu_si256((__m256i *)(o + 64), _mm256_permute2x128_si256(c1, c2, 0x31));
}

/* 32 RGBA pixels from channels in natural order (lane 0 pixels 0-15, lane 1 pixels 16-31). */
AVX2_INL void store4(__m256i r, __m256i g, __m256i b, uint8_t *o)
{
    const __m256i ff = _mm256_cmpeq_epi8(r, r);
    __m256i rg0 = _mm256_unpacklo_epi8(r, g), rg1 = _mm256_unpackhi_epi8(r, g);
    __m256i ba0 = _mm256_unpacklo_epi8(b, ff), ba1 = _mm256_unpackhi_epi8(b, ff);
    __m256i q0 = _mm256_unpacklo_epi16(rg0, ba0), q1 = _mm256_unpackhi_epi16(rg0, ba0);
    __m256i q2 = _mm256_unpacklo_epi16(rg1, ba1), q3 = _mm256_unpackhi_epi16(rg1, ba1);
    _mm256_storeu_si256((__m256i *)o, _mm256_permute2x128_si256(q0, q1, 0x20));
    _mm256_storeu_si256((__m256i *)(o + 32), _mm256_permute2x128_si256(q2, q3, 0x20));
    _mm256_storeu_si256((__m256i *)(o + 64), _mm256_permute2x128_si256(q0, q1, 0x31));
    _mm256_storeu_si256((__m256i *)(o + 96), _mm256_permute2x128_si256(q2, q3, 0x31));
}

/* 32 pixels: y = their luma bytes; chroma centred, 16-bit, lane k = pixel 2k (E) or 2k+1 (O). */
AVX2_INL void color32(__m256i y, __m256i cbE, __m256i cbO, __m256i crE, __m256i crO, uint8_t *o, int ch,
                      const kconst *k)
{
    __m256i yE = _mm256_and_si256(y, KL(k->ff)), yO = _mm256_srli_epi16(y, 8);
    __m256i r = _mm256_packus_epi16(_mm256_add_epi16(yE, r_diff(crE, k)), _mm256_add_epi16(yO, r_diff(crO, k)));
    __m256i g =
        _mm256_packus_epi16(_mm256_add_epi16(yE, g_diff(cbE, crE, k)), _mm256_add_epi16(yO, g_diff(cbO, crO, k)));
    __m256i b = _mm256_packus_epi16(_mm256_add_epi16(yE, b_diff(cbE, k)), _mm256_add_epi16(yO, b_diff(cbO, k)));
    if (ch == 3) {
#define CHUNK(t)                                                                                                       \
    _mm256_or_si256(                                                                                                   \
        _mm256_or_si256(_mm256_shuffle_epi8(r, KB(k->rgb[0][t])), _mm256_shuffle_epi8(g, KB(k->rgb[1][t]))),           \
        _mm256_shuffle_epi8(b, KB(k->rgb[2][t])))
        store3(CHUNK(0), CHUNK(1), CHUNK(2), o);
#undef CHUNK
    } else {
        const __m256i nat = KB(k->natural);
        store4(_mm256_shuffle_epi8(r, nat), _mm256_shuffle_epi8(g, nat), _mm256_shuffle_epi8(b, nat), o);
    }
}

/* The last (partial) 32 pixels of a row go through a buffer: nothing past the width is written. */
#define EMIT32(x, w, out, ch, CALL)                                                                                    \
    do {                                                                                                               \
        uint8_t *o_ = (out) + (size_t)(x) * (size_t)(ch);                                                              \
        if ((x) + 32 <= (w)) {                                                                                         \
            CALL(o_);                                                                                                  \
        } else {                                                                                                       \
            uint8_t tmp_[128];                                                                                         \
            CALL(tmp_);                                                                                                \
            memcpy(o_, tmp_, (size_t)((w) - (x)) * (size_t)(ch));                                                      \
        }                                                                                                              \
    } while (0)

/* One row of 2x horizontal triangle filtering (h2row_c) and colour conversion, 32 pixels a step. */
AVX2_INL void h2row_impl(const uint8_t *y, const int16_t *cb, const int16_t *cr, const int s, const int kE,
                         const int kO, uint32_t w, uint8_t *out, const int ch)
{
    const kconst *k = kc();
    /* - (128 << s) centres the chroma inside the rounding shift */
    const __m256i vE = _mm256_set1_epi16((int16_t)(kE - (128 << s))),
                  vO = _mm256_set1_epi16((int16_t)(kO - (128 << s)));
    for (uint32_t x = 0; x < w; x += 32) {
        const int16_t *b = cb + x / 2, *r = cr + x / 2;
        __m256i tb = _mm256_loadu_si256((const __m256i *)b), tr = _mm256_loadu_si256((const __m256i *)r);
        tb = _mm256_add_epi16(tb, _mm256_add_epi16(tb, tb));
        tr = _mm256_add_epi16(tr, _mm256_add_epi16(tr, tr));
        __m256i cbE = _mm256_srai_epi16(
            _mm256_add_epi16(_mm256_add_epi16(tb, _mm256_loadu_si256((const __m256i *)(b - 1))), vE), s);
        __m256i cbO = _mm256_srai_epi16(
            _mm256_add_epi16(_mm256_add_epi16(tb, _mm256_loadu_si256((const __m256i *)(b + 1))), vO), s);
        __m256i crE = _mm256_srai_epi16(
            _mm256_add_epi16(_mm256_add_epi16(tr, _mm256_loadu_si256((const __m256i *)(r - 1))), vE), s);
        __m256i crO = _mm256_srai_epi16(
            _mm256_add_epi16(_mm256_add_epi16(tr, _mm256_loadu_si256((const __m256i *)(r + 1))), vO), s);
        __m256i yv = _mm256_loadu_si256((const __m256i *)(y + x));
#define H2_CALL(o) color32(yv, cbE, cbO, crE, crO, o, ch, k)
        EMIT32(x, w, out, ch, H2_CALL);
#undef H2_CALL
    }
}

/* The variants as separate functions, so that shifts, biases and the pixel size are constants. */
AVX2 static void h2v2_rgb(const uint8_t *y, const int16_t *cb, const int16_t *cr, uint32_t w, uint8_t *out)
{
    h2row_impl(y, cb, cr, 4, 8, 7, w, out, 3);
}
AVX2 static void h2v2_rgba(const uint8_t *y, const int16_t *cb, const int16_t *cr, uint32_t w, uint8_t *out)
{
    h2row_impl(y, cb, cr, 4, 8, 7, w, out, 4);
}
AVX2 static void h2v1_rgb(const uint8_t *y, const int16_t *cb, const int16_t *cr, uint32_t w, uint8_t *out)
{
    h2row_impl(y, cb, cr, 2, 1, 2, w, out, 3);
}
AVX2 static void h2v1_rgba(const uint8_t *y, const int16_t *cb, const int16_t *cr, uint32_t w, uint8_t *out)
{
    h2row_impl(y, cb, cr, 2, 1, 2, w, out, 4);
}

AVX2 static void h2row_avx2(const uint8_t *y, const int16_t *cb, const int16_t *cr, int v2, uint32_t w, uint8_t *out,
                            int ch)
{
    if (v2)
        (ch == 3 ? h2v2_rgb : h2v2_rgba)(y, cb, cr, w, out);
    else
        (ch == 3 ? h2v1_rgb : h2v1_rgba)(y, cb, cr, w, out);
}

AVX2_INL void h1row_impl(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint32_t w, uint8_t *out, const int ch)
{
    const kconst *k = kc();
    for (uint32_t x = 0; x < w; x += 32) {
        __m256i b = _mm256_loadu_si256((const __m256i *)(cb + x)), r = _mm256_loadu_si256((const __m256i *)(cr + x));
        __m256i cbE = _mm256_sub_epi16(_mm256_and_si256(b, KL(k->ff)), KL(k->c128));
        __m256i cbO = _mm256_sub_epi16(_mm256_srli_epi16(b, 8), KL(k->c128));
        __m256i crE = _mm256_sub_epi16(_mm256_and_si256(r, KL(k->ff)), KL(k->c128));
        __m256i crO = _mm256_sub_epi16(_mm256_srli_epi16(r, 8), KL(k->c128));
        __m256i yv = _mm256_loadu_si256((const __m256i *)(y + x));
#define H1_CALL(o) color32(yv, cbE, cbO, crE, crO, o, ch, k)
        EMIT32(x, w, out, ch, H1_CALL);
#undef H1_CALL
    }
}

AVX2 static void h1_rgb(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint32_t w, uint8_t *out)
{
    h1row_impl(y, cb, cr, w, out, 3);
}
AVX2 static void h1_rgba(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint32_t w, uint8_t *out)
{
    h1row_impl(y, cb, cr, w, out, 4);
}

AVX2 static void h1row_avx2(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint32_t w, uint8_t *out, int ch)
{
    (ch == 3 ? h1_rgb : h1_rgba)(y, cb, cr, w, out);
}

AVX2_INL void gray32(__m256i g, uint8_t *o, int ch, const kconst *k)
{
    if (ch == 3)
        store3(_mm256_shuffle_epi8(g, KB(k->gray3[0])), _mm256_shuffle_epi8(g, KB(k->gray3[1])),
               _mm256_shuffle_epi8(g, KB(k->gray3[2])), o);
    else
        store4(g, g, g, o);
}

AVX2 static void gray_row_avx2(const uint8_t *y, uint32_t w, uint8_t *out, int ch)
{
    const kconst *k = kc();
    for (uint32_t x = 0; x < w; x += 32) {
        __m256i g = _mm256_loadu_si256((const __m256i *)(y + x));
#define G_CALL(o) gray32(g, o, ch, k)
        EMIT32(x, w, out, ch, G_CALL);
#undef G_CALL
    }
}

/* Both column sums of an h2v2 row pair (dbot may be NULL), over whole vectors of 16. */
AVX2 static void vsum2_avx2(const uint8_t *cur, const uint8_t *ab, const uint8_t *be, int16_t *dtop, int16_t *dbot,
                            uint32_t n)
{
    for (uint32_t i = 0; i < n; i += 16) {
        __m256i c = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(cur + i)));
        c = _mm256_add_epi16(c, _mm256_add_epi16(c, c));
        __m256i a = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(ab + i)));
        _mm256_storeu_si256((__m256i *)(dtop + i), _mm256_add_epi16(c, a));
        if (dbot) {
            __m256i b = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(be + i)));
            _mm256_storeu_si256((__m256i *)(dbot + i), _mm256_add_epi16(c, b));
        }
    }
}

AVX2 static void widen_avx2(const uint8_t *src, int16_t *dst, uint32_t n)
{
    for (uint32_t i = 0; i < n; i += 16)
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + i))));
}
#endif /* JDSP_X86 */

/* ---- dispatch ---- */

typedef struct rctx {
    const jdsp_frame *f;
    int avx2, mode, ch;
    uint32_t w, h, mcuh, cw, chh; /* image; MCU height; chroma samples across and down */
    comp c[3];
    uint8_t *ybuf[2]; /* 8 * vmax rows of ys bytes (two for 4:2:0: MCU rows r and r + 1) */
    size_t ys;
    uint8_t *cset[3][2]; /* chroma strips (8 rows of cs bytes): 3 rotating sets for 4:2:0 */
    size_t cs;
    int16_t *arr[4]; /* upsampler rows with room for [-1] and past the end */
} rctx;

/* Transforms the blocks of components [c0, c1) of MCU row r into planes (Y, Cb, Cr; each with
 * its stride); 1 if a value is out of range. */
static int idct_row(const rctx *R, uint32_t r, int c0, int c1, int only, uint8_t *const plane[3], const size_t ps[3])
{
    const jdsp_frame *f = R->f;
    rowjob j;
    j.only = only;
    j.base = f->mcu_row[r];
    j.mcu_step = (size_t)f->blocks_per_mcu * 64;
    j.nmcu = f->mcus_w;
    j.nslots = 0;
    for (int ci = c0; ci < c1; ci++) {
        const comp *cp = &R->c[ci];
        for (int by = 0; by < cp->v; by++)
            for (int bx = 0; bx < cp->h; bx++) {
                slot *sl = &j.s[j.nslots++];
                uint32_t row = r * (uint32_t)cp->v + (uint32_t)by;
                sl->cp = cp;
                sl->blk = cp->first + by * cp->h + bx;
                sl->nmcu = row < cp->bh && cp->bw > (uint32_t)bx ? ceil_div(cp->bw - (uint32_t)bx, (uint32_t)cp->h) : 0;
                sl->dst = plane[ci] + (size_t)by * 8 * ps[ci] + (size_t)bx * 8;
                sl->step = 8 * (size_t)cp->h;
                sl->stride = ps[ci];
                sl->delta = r >= f->delta_row ? cp->delta : 0;
            }
    }
#if JDSP_X86
    if (R->avx2) return idct_job_avx2(&j);
#endif
    return idct_job_c(&j);
}

/* h2v2 (v2, cb and cr are column sums): (3 * colsum + neighbour + 8 or 7) >> 4; h2v1 (samples):
 * (3 * sample + neighbour + 1 or 2) >> 2. */
static void h2row(const rctx *R, const uint8_t *y, const int16_t *cb, const int16_t *cr, int v2, uint8_t *out)
{
#if JDSP_X86
    if (R->avx2) {
        h2row_avx2(y, cb, cr, v2, R->w, out, R->ch);
        return;
    }
#endif
    h2row_c(y, cb, cr, v2 ? 4 : 2, v2 ? 8 : 1, v2 ? 7 : 2, R->w, out, R->ch);
}

static void h1row(const rctx *R, const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *out)
{
#if JDSP_X86
    if (R->avx2) {
        h1row_avx2(y, cb, cr, R->w, out, R->ch);
        return;
    }
#endif
    h1row_c(y, cb, cr, 0, R->w, out, R->ch);
}

static void gray_row(const rctx *R, const uint8_t *y, uint8_t *out)
{
    if (R->ch == 1) {
        memcpy(out, y, R->w);
        return;
    }
#if JDSP_X86
    if (R->avx2) {
        gray_row_avx2(y, R->w, out, R->ch);
        return;
    }
#endif
    gray_row_c(y, R->w, out, R->ch);
}

/* Edge replicas for the horizontal triangle filter. */
static void edges(int16_t *a, uint32_t n)
{
    a[-1] = a[0];
    a[n] = a[n - 1];
}

static void vsum2(const rctx *R, const uint8_t *cur, const uint8_t *ab, const uint8_t *be, int16_t *dtop, int16_t *dbot)
{
#if JDSP_X86
    if (R->avx2)
        vsum2_avx2(cur, ab, be, dtop, dbot, R->cw);
    else
#endif
    {
        vsum_c(cur, ab, dtop, R->cw);
        if (dbot) vsum_c(cur, be, dbot, R->cw);
    }
    edges(dtop, R->cw);
    if (dbot) edges(dbot, R->cw);
}

static void widen(const rctx *R, const uint8_t *src, int16_t *dst)
{
#if JDSP_X86
    if (R->avx2)
        widen_avx2(src, dst, R->cw);
    else
#endif
        widen_c(src, dst, R->cw);
    edges(dst, R->cw);
}

/* Checks the frame and the call; fills R except the buffers. -2 when unsupported. */
static int setup(rctx *R, const jdsp_frame *f, uint32_t y0, uint32_t y1, const uint8_t *out, size_t stride)
{
    memset(R, 0, sizeof *R);
    if (!f || !out || !f->mcu_row || !f->width || !f->height) return -2;
    R->f = f;
    R->w = f->width;
    R->h = f->height;
    R->ch = f->channels;
    int hmax = 1, vmax = 1;
    if (f->ncomp == 1) {
        if (f->blocks_per_mcu != 1 || (R->ch != 1 && R->ch != 3 && R->ch != 4)) return -2;
        R->mode = M_GRAY;
        R->c[0].h = R->c[0].v = 1;
    } else if (f->ncomp == 3) {
        if (f->h[1] != 1 || f->v[1] != 1 || f->h[2] != 1 || f->v[2] != 1 || (R->ch != 3 && R->ch != 4)) return -2;
        if (f->h[0] == 1 && f->v[0] == 1)
            R->mode = M_444;
        else if (f->h[0] == 2 && f->v[0] == 1)
            R->mode = M_422;
        else if (f->h[0] == 2 && f->v[0] == 2)
            R->mode = M_420;
        else
            return -2;
        hmax = f->h[0];
        vmax = f->v[0];
        if (f->blocks_per_mcu != hmax * vmax + 2) return -2;
        for (int c = 0; c < 3; c++) {
            R->c[c].h = f->h[c];
            R->c[c].v = f->v[c];
        }
    } else
        return -2;
    R->mcuh = 8u * (uint32_t)vmax;
    if (f->mcus_w != ceil_div(R->w, 8u * (uint32_t)hmax) || f->mcus_h != ceil_div(R->h, R->mcuh)) return -2;
    if (y0 > y1 || y1 > R->h || y0 % R->mcuh || (y1 % R->mcuh && y1 != R->h)) return -2;
    if (y1 - y0 > 1 && stride < (size_t)R->w * (size_t)R->ch) return -2;
    int first = 0;
    for (int ci = 0; ci < f->ncomp; ci++) {
        comp *cp = &R->c[ci];
        if (!f->q[ci]) return -2;
        for (int i = 0; i < 64; i++) {
            uint16_t q = f->q[ci][i];
            cp->qu[i] = q;
            cp->q[i] = wrap16(q);
            cp->lim[i] = (int16_t)(q ? DEQ_MAX / q : 32767);
        }
        cp->first = first;
        first += cp->h * cp->v;
        cp->w = ceil_div((uint64_t)R->w * (uint32_t)cp->h, (uint32_t)hmax);
        cp->hh = ceil_div((uint64_t)R->h * (uint32_t)cp->v, (uint32_t)vmax);
        cp->bw = ceil_div(cp->w, 8);
        cp->bh = ceil_div(cp->hh, 8);
        cp->delta = f->dc_delta[ci];
    }
    R->cw = R->c[f->ncomp - 1].w;
    R->chh = R->c[f->ncomp - 1].hh;
    return 0;
}

/* Chroma row g (global) of the 4:2:0 strips: set[k] holds MCU row r - 1 + k. */
static const uint8_t *crow(const rctx *R, const int *set, uint32_t r, uint32_t g, int ci)
{
    uint32_t rr = g / 8;
    int k = rr + 1 == r ? 0 : rr == r ? 1 : 2;
    return R->cset[set[k]][ci - 1] + (size_t)(g % 8) * R->cs;
}

/* Transforms MCU row r (components [c0, c1); sample row `only` of each block, or all of them
 * for -1) into Y strip yb and chroma set cs. */
static int idct_into(const rctx *R, uint32_t r, int c0, int c1, int only, int yb, int cs)
{
    uint8_t *const plane[3] = {R->ybuf[yb], R->cset[cs][0], R->cset[cs][1]};
    const size_t ps[3] = {R->ys, R->cs, R->cs};
    return idct_row(R, r, c0, c1, only, plane, ps);
}

static int render_420(rctx *R, uint32_t y0, uint32_t y1, uint8_t *out, size_t stride)
{
    const jdsp_frame *f = R->f;
    uint32_t r0 = y0 / 16, r1 = ceil_div(y1, 16);
    int set[3] = {0, 1, 2}, yb = 0; /* chroma sets: MCU rows r - 1, r, r + 1; Y strip of row r */
    int box = R->cw <= 2;
    /* of the MCU rows outside the range only the chroma sample row next to it is needed (and
     * checked: the call rendering that row checks the whole blocks) */
    if (r0 > 0 && idct_into(R, r0 - 1, 1, 3, 7, 0, set[0])) return -2;
    if (idct_into(R, r0, 0, 3, -1, yb, set[1])) return -2;
    for (uint32_t r = r0; r < r1; r++) {
        /* the next MCU row: all of it if it is ours, else its chroma as the context below chroma
         * row 8r + 7 if that row is real and output row 16r + 15 is ours */
        if (r + 1 < r1) {
            if (idct_into(R, r + 1, 0, 3, -1, yb ^ 1, set[2])) return -2;
        } else if (r + 1 < f->mcus_h && 8 * (r + 1) < R->chh && 16 * r + 15 < y1) {
            if (idct_into(R, r + 1, 1, 3, 0, yb ^ 1, set[2])) return -2;
        }
        for (uint32_t lc = 0; lc < 8; lc++) {
            uint32_t yt = 16 * r + 2 * lc, g = 8 * r + lc;
            if (yt >= y1) break;
            int bot = yt + 1 < y1;
            const uint8_t *yrow = R->ybuf[yb] + (size_t)(2 * lc) * R->ys;
            uint8_t *ot = out + (size_t)(yt - y0) * stride;
            const uint8_t *cb = crow(R, set, r, g, 1), *cr = crow(R, set, r, g, 2);
            if (box) {
                h1row_c(yrow, cb, cr, 1, R->w, ot, R->ch);
                if (bot) h1row_c(yrow + R->ys, cb, cr, 1, R->w, ot + stride, R->ch);
                continue;
            }
            uint32_t ga = g ? g - 1 : 0, gb = g + 1 < R->chh ? g + 1 : R->chh - 1;
            vsum2(R, cb, crow(R, set, r, ga, 1), crow(R, set, r, gb, 1), R->arr[0], bot ? R->arr[1] : NULL);
            vsum2(R, cr, crow(R, set, r, ga, 2), crow(R, set, r, gb, 2), R->arr[2], bot ? R->arr[3] : NULL);
            h2row(R, yrow, R->arr[0], R->arr[2], 1, ot);
            if (bot) h2row(R, yrow + R->ys, R->arr[1], R->arr[3], 1, ot + stride);
        }
        int t = set[0];
        set[0] = set[1];
        set[1] = set[2];
        set[2] = t;
        yb ^= 1;
    }
    return 0;
}

static int render_rows(rctx *R, uint32_t y0, uint32_t y1, uint8_t *out, size_t stride)
{
    uint32_t r0 = y0 / R->mcuh, r1 = ceil_div(y1, R->mcuh);
    for (uint32_t r = r0; r < r1; r++) {
        if (idct_into(R, r, 0, R->f->ncomp, -1, 0, 0)) return -2;
        for (uint32_t ly = 0; ly < R->mcuh; ly++) {
            uint32_t y = r * R->mcuh + ly;
            if (y >= y1) break;
            const uint8_t *yrow = R->ybuf[0] + (size_t)ly * R->ys;
            uint8_t *o = out + (size_t)(y - y0) * stride;
            if (R->mode == M_GRAY) {
                gray_row(R, yrow, o);
                continue;
            }
            const uint8_t *cb = R->cset[0][0] + (size_t)ly * R->cs, *cr = R->cset[0][1] + (size_t)ly * R->cs;
            if (R->mode == M_444)
                h1row(R, yrow, cb, cr, o);
            else if (R->cw <= 2)
                h1row_c(yrow, cb, cr, 1, R->w, o, R->ch);
            else {
                widen(R, cb, R->arr[0]);
                widen(R, cr, R->arr[2]);
                h2row(R, yrow, R->arr[0], R->arr[2], 0, o);
            }
        }
    }
    return 0;
}

int mirs__jdsp_render(const jdsp_frame *f, uint32_t y0, uint32_t y1, uint8_t *out, size_t stride)
{
    rctx R;
    int st = setup(&R, f, y0, y1, out, stride);
    if (st || y0 == y1) return st;
    R.avx2 = mirs__jdsp_have_avx2();
    /* Strips: rows padded for 32-byte vectors past the last block; upsampler rows with 16
     * elements of room before (a[-1]) and after (whole vectors of 16 and a[n]). Vectors read
     * past the samples the transforms write (results never used, but reads of uninitialized
     * memory would make runs differ): those tails are zeroed once, not the whole buffer. */
    uint32_t hmax = R.mode == M_420 || R.mode == M_422 ? 2 : 1;
    R.ys = round_up((size_t)f->mcus_w * 8 * hmax, 32) + 64;
    R.cs = round_up((size_t)f->mcus_w * 8, 32) + 64;
    size_t na = round_up(R.cw, 16) + 32;
    int nsets = R.mode == M_420 ? 3 : R.mode == M_GRAY ? 0 : 1, nys = R.mode == M_420 ? 2 : 1;
    size_t ybytes = R.ys * R.mcuh, cbytes = R.cs * 8, abytes = na * sizeof(int16_t);
    size_t total = (size_t)nys * ybytes + (size_t)nsets * 2 * cbytes + 4 * abytes + 64;
    uint8_t *mem = malloc(total);
    if (!mem) return -1;
    uint8_t *p = (uint8_t *)(((uintptr_t)mem + 31) & ~(uintptr_t)31);
    for (int k = 0; k < nys; k++) {
        R.ybuf[k] = p;
        p += ybytes;
    }
    for (int k = 0; k < nsets; k++)
        for (int c = 0; c < 2; c++) {
            R.cset[k][c] = p;
            p += cbytes;
        }
    memset(p, 0, 4 * abytes);
    for (int k = 0; k < 4; k++) {
        R.arr[k] = (int16_t *)p + 16;
        p += abytes;
    }
    size_t yw = (size_t)R.c[0].bw * 8, cw8 = R.mode == M_GRAY ? 0 : (size_t)R.c[1].bw * 8;
    for (int k = 0; k < nys; k++)
        for (uint32_t y = 0; y < R.mcuh; y++) memset(R.ybuf[k] + y * R.ys + yw, 0, R.ys - yw);
    for (int k = 0; k < nsets; k++)
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 8; y++) memset(R.cset[k][c] + (size_t)y * R.cs + cw8, 0, R.cs - cw8);
    st = R.mode == M_420 ? render_420(&R, y0, y1, out, stride) : render_rows(&R, y0, y1, out, stride);
    free(mem);
    return st;
}
