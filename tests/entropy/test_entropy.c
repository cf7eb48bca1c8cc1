/* Entropy kernels: hand-worked values, policies, spans, views, both kernels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mirsafety/mirsafety.h>

#include "../testutil.h"

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

static mirs_entropy_options opts_kernel(int32_t kernel)
{
    mirs_entropy_options o = MIRS_ENTROPY_OPTIONS_INIT;
    o.kernel = kernel;
    return o;
}

/* The portable kernel and the one under test: AUTO, or the kernel named on
 * the command line (meson runs this test once per vector kernel). */
static int32_t kernels[2] = {MIRS_ENTROPY_KERNEL_GENERIC, MIRS_ENTROPY_KERNEL_AUTO};
static const char *kernel_label = "auto";

/* A uniform double in [0, 1) from a 64-bit LCG state (the tests' one
 * source of random rows) */
static double uniform(uint64_t *x)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*x >> 11) / 9007199254740992.0;
}

static uint16_t f32_to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)(u >> 16); /* truncation: exact for the values used */
}

static void test_hand_worked(void)
{
    for (int ki = 0; ki < 2; ki++) {
        mirs_entropy_options o = opts_kernel(kernels[ki]);
        /* 20 columns so the vector path and the scalar tail both run. */
        float rows[4][20];
        memset(rows, 0, sizeof rows);
        for (int i = 0; i < 20; i++) rows[0][i] = 1.0f / 16; /* 16 of 20 uniform: ln 16 */
        for (int i = 16; i < 20; i++) rows[0][i] = 0;
        rows[1][7] = 1.0f;                                          /* one-hot: 0 */
        rows[2][0] = 0.5f, rows[2][9] = 0.25f, rows[2][19] = 0.25f; /* 1.5 bits */
        for (int i = 0; i < 20; i++) rows[3][i] = 1.0f / 20;
        double h[4];
        CHECK_OK(mirs_entropy_rows(rows, MIRS_ENTROPY_F32, 4, 20, 20, &o, h));
        CHECK(NEAR(h[0], log(16.0), 1e-7));
        CHECK(h[1] == 0.0);
        CHECK(NEAR(h[2], 1.5 * log(2.0), 1e-7));
        CHECK(NEAR(h[3], log(20.0), 2e-7)); /* 1/20 is not exact in f32: renormalised */
        o.bits = 1;
        CHECK_OK(mirs_entropy_rows(rows, MIRS_ENTROPY_F32, 4, 20, 20, &o, h));
        CHECK(NEAR(h[2], 1.5, 1e-7));
        CHECK(NEAR(h[0], 4.0, 1e-7));
        o.bits = 0;
        o.normalize = 1;
        CHECK_OK(mirs_entropy_rows(rows, MIRS_ENTROPY_F32, 4, 20, 20, &o, h));
        CHECK(NEAR(h[3], 1.0, 1e-7));
        CHECK(NEAR(h[0], log(16.0) / log(20.0), 1e-7));

        /* bf16 and f16 of the 1.5-bit row */
        uint16_t b[20] = {0}, f[20] = {0};
        b[0] = f32_to_bf16(0.5f), b[9] = f32_to_bf16(0.25f), b[19] = f32_to_bf16(0.25f);
        f[0] = 0x3800, f[9] = 0x3400, f[19] = 0x3400; /* 0.5, 0.25, 0.25 in binary16 */
        o.normalize = 0;
        o.bits = 1;
        CHECK_OK(mirs_entropy_rows(b, MIRS_ENTROPY_BF16, 1, 20, 20, &o, h));
        CHECK(NEAR(h[0], 1.5, 1e-7));
        CHECK_OK(mirs_entropy_rows(f, MIRS_ENTROPY_F16, 1, 20, 20, &o, h));
        CHECK(NEAR(h[0], 1.5, 1e-7));

        /* logits: equal logits -> ln n; temperature scales */
        float lg[20];
        for (int i = 0; i < 20; i++) lg[i] = 3.0f;
        o = opts_kernel(kernels[ki]);
        o.logits = 1;
        CHECK_OK(mirs_entropy_rows(lg, MIRS_ENTROPY_F32, 1, 20, 20, &o, h));
        CHECK(NEAR(h[0], log(20.0), 1e-7));
        /* two logits 0 and ln 3 -> p = 1/4, 3/4 */
        for (int i = 0; i < 20; i++) lg[i] = -INFINITY;
        lg[2] = 0.0f;
        lg[17] = (float)log(3.0);
        double want = -(0.25 * log(0.25) + 0.75 * log(0.75));
        CHECK_OK(mirs_entropy_rows(lg, MIRS_ENTROPY_F32, 1, 20, 20, &o, h));
        CHECK(NEAR(h[0], want, 2e-7));
        o.temperature = 2.0; /* p ∝ 1, sqrt 3 */
        double a = 1 / (1 + sqrt(3.0)), c = 1 - a;
        CHECK_OK(mirs_entropy_rows(lg, MIRS_ENTROPY_F32, 1, 20, 20, &o, h));
        CHECK(NEAR(h[0], -(a * log(a) + c * log(c)), 2e-7));
    }
}

static void test_policies(void)
{
    for (int ki = 0; ki < 2; ki++) {
        float rows[3][10];
        for (int r = 0; r < 3; r++)
            for (int i = 0; i < 10; i++) rows[r][i] = 0.1f;
        rows[1][3] = NAN;
        rows[2][0] = 0.6f; /* sums to 1.5 */
        double h[3] = {0, 0, 0};
        mirs_entropy_options o = opts_kernel(kernels[ki]);
        CHECK_STATUS(mirs_entropy_rows(rows, MIRS_ENTROPY_F32, 3, 10, 10, &o, h), MIRS_E_NUMERIC);
        CHECK(strstr(mirs_error_last(), "row 1") != NULL);
        o.policy = MIRS_ENTROPY_POLICY_SKIP;
        CHECK_OK(mirs_entropy_rows(rows, MIRS_ENTROPY_F32, 3, 10, 10, &o, h));
        CHECK(NEAR(h[0], log(10.0), 2e-7));
        CHECK(isnan(h[1]) && isnan(h[2]));
        o.policy = MIRS_ENTROPY_POLICY_RENORMALIZE;
        CHECK_OK(mirs_entropy_rows(rows, MIRS_ENTROPY_F32, 3, 10, 10, &o, h));
        CHECK(NEAR(h[1], log(9.0), 2e-7)); /* NaN dropped, the 9 others renormalised */
        double w = 0.6 / 1.5, u = 0.1 / 1.5;
        CHECK(NEAR(h[2], -(w * log(w) + 9 * u * log(u)), 2e-7));
        o.policy = MIRS_ENTROPY_POLICY_ERROR;
        o.tolerance = 0.6;
        CHECK_STATUS(mirs_entropy_rows(rows[2], MIRS_ENTROPY_F32, 1, 10, 10, &o, h), MIRS_OK);
        /* negative and +Inf are bad values too; an all-zero row is empty */
        float neg[9] = {0.5f, 0.5f, -0.0f, 0, 0, 0, 0, 0, -1e-30f};
        o.tolerance = 1e-3;
        CHECK_STATUS(mirs_entropy_rows(neg, MIRS_ENTROPY_F32, 1, 9, 9, &o, h), MIRS_E_NUMERIC);
        float zero[9] = {0};
        CHECK_STATUS(mirs_entropy_rows(zero, MIRS_ENTROPY_F32, 1, 9, 9, &o, h), MIRS_E_NUMERIC);
        CHECK(strstr(mirs_error_last(), "no positive mass") != NULL);
        o.policy = MIRS_ENTROPY_POLICY_RENORMALIZE;
        CHECK_OK(mirs_entropy_rows(zero, MIRS_ENTROPY_F32, 1, 9, 9, &o, h));
        CHECK(isnan(h[0]));
        /* logits: NaN is bad, -Inf is a zero probability */
        float lg[9] = {1, 2, NAN, -INFINITY, 0, 0, 0, 0, 0};
        o.logits = 1;
        o.policy = MIRS_ENTROPY_POLICY_ERROR;
        CHECK_STATUS(mirs_entropy_rows(lg, MIRS_ENTROPY_F32, 1, 9, 9, &o, h), MIRS_E_NUMERIC);
        lg[2] = -INFINITY;
        CHECK_OK(mirs_entropy_rows(lg, MIRS_ENTROPY_F32, 1, 9, 9, &o, h));
    }
    mirs_entropy_options bad = MIRS_ENTROPY_OPTIONS_INIT;
    bad.temperature = 0;
    double h;
    float one = 1;
    CHECK_STATUS(mirs_entropy_rows(&one, MIRS_ENTROPY_F32, 1, 1, 1, &bad, &h), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_entropy_rows(&one, 99, 1, 1, 1, NULL, &h), MIRS_E_INVALID_ARGUMENT);
    CHECK_OK(mirs_entropy_rows(&one, MIRS_ENTROPY_F32, 1, 1, 1, NULL, &h));
    CHECK(h == 0);
}

/* A zero dimension next to huge ones: no elements, but strides past 2^63
 * (signed overflow in the reader, found by UBSan). Both readers refuse the
 * shape with MIRS_E_OVERFLOW; a zero dimension with small ones still opens. */
/* The sum check allows, on top of the tolerance, what rounding to the
 * element type can move a row's sum by (2^-8 + 2^-15 for bf16, 2^-24 + 2^-15
 * for f32): a bf16 row off by 2^-9 (as a correctly rounded softmax can be)
 * passes the default, the same row in f32 does not, and a bf16 row off by
 * 3 * 2^-9 = 0.00586 > 1e-3 + 2^-8 + 2^-15 = 0.00494 fails (issue #18). */
static void test_rounding_slack(void)
{
    for (int ki = 0; ki < 2; ki++) {
        mirs_entropy_options o = opts_kernel(kernels[ki]);
        double h[1] = {0};
        uint16_t b[20] = {0};
        float f[20] = {0};
        b[0] = f32_to_bf16(0.5f), b[7] = f32_to_bf16(0.25f + 0x1p-9f), b[19] = f32_to_bf16(0.25f);
        f[0] = 0.5f, f[7] = 0.25f + 0x1p-9f, f[19] = 0.25f;
        CHECK_OK(mirs_entropy_rows(b, MIRS_ENTROPY_BF16, 1, 20, 20, &o, h));
        double sum = 1 + 0x1p-9, q0 = 0.5 / sum, q1 = (0.25 + 0x1p-9) / sum, q2 = 0.25 / sum;
        CHECK(NEAR(h[0], -(q0 * log(q0) + q1 * log(q1) + q2 * log(q2)), 2e-6)); /* renormalised, as always */
        CHECK_STATUS(mirs_entropy_rows(f, MIRS_ENTROPY_F32, 1, 20, 20, &o, h), MIRS_E_NUMERIC);
        CHECK(strstr(mirs_error_last(), "within tolerance 0.001 + ") != NULL);
        b[7] = f32_to_bf16(0.25f + 3 * 0x1p-9f);
        CHECK_STATUS(mirs_entropy_rows(b, MIRS_ENTROPY_BF16, 1, 20, 20, &o, h), MIRS_E_NUMERIC);
        o.tolerance = 0.002;
        CHECK_OK(mirs_entropy_rows(b, MIRS_ENTROPY_BF16, 1, 20, 20, &o, h));
    }
}

static void test_zero_dim_strides(void)
{
    char npy[128];
    const char *shapes[] = {"(0, 1099511627776, 1099511627776, 1099511627776)", "(0, 3, 4)"};
    for (int k = 0; k < 2; k++) {
        memset(npy, ' ', sizeof npy);
        memcpy(npy, "\x93NUMPY\x01\x00\x76\x00", 10);
        int n =
            snprintf(npy + 10, sizeof npy - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shapes[k]);
        npy[10 + n] = ' ';
        npy[127] = '\n';
        mirs_entropy_tensor *t = NULL;
        if (k == 0) {
            CHECK_STATUS(mirs_entropy_tensor_open_memory(npy, sizeof npy, NULL, &t), MIRS_E_OVERFLOW);
            CHECK(strstr(mirs_error_last(), "strides overflow") != NULL);
            CHECK(t == NULL);
        } else {
            CHECK_OK(mirs_entropy_tensor_open_memory(npy, sizeof npy, NULL, &t));
            int64_t strides[4];
            size_t ndim = 0;
            CHECK_OK(mirs_entropy_tensor_info(t, NULL, &ndim, NULL, strides));
            CHECK(ndim == 3 && strides[0] == 12 && strides[1] == 4 && strides[2] == 1);
            mirs_entropy_tensor_free(t);
        }
    }
    static const char st[] = "j\0\0\0\0\0\0\0{\"t\": {\"dtype\": \"F32\", \"shape\": [0, 1099511627776, 1099511627776, "
                             "1099511627776], \"data_offsets\": [0, 0]}}";
    mirs_entropy_tensor *t = NULL;
    CHECK_STATUS(mirs_entropy_tensor_open_memory(st, sizeof st - 1, NULL, &t), MIRS_E_OVERFLOW);
    CHECK(strstr(mirs_error_last(), "strides overflow") != NULL);
}

static void test_spans_and_views(void)
{
    /* [L=2, H=3, Q=4, K=24] with row (l,h,q) = a distinct pattern */
    enum { L = 2, H = 3, Q = 4, K = 24 };
    float *t = malloc(sizeof(float) * L * H * Q * K);
    for (int l = 0; l < L; l++)
        for (int h = 0; h < H; h++)
            for (int q = 0; q < Q; q++) {
                float *row = t + ((l * H + h) * Q + q) * K;
                double s = 0;
                for (int k = 0; k < K; k++) s += row[k] = (float)(1 + ((k * 7 + l * 3 + h * 5 + q) % 11));
                for (int k = 0; k < K; k++) row[k] = (float)(row[k] / s);
            }
    for (int ki = 0; ki < 2; ki++) {
        mirs_entropy_options o = opts_kernel(kernels[ki]);
        mirs_entropy_view v;
        mirs_entropy_view_init(&v, sizeof v, t, MIRS_ENTROPY_F32, L, H, Q, K);
        double ent[L * H * Q], mass[L * H * Q * 2], ref[L * H * Q];
        size_t spans[4] = {2, 9, 12, 24};
        CHECK_OK(mirs_entropy_view_compute(&v, 1, 3, spans, 2, NULL, &o, ent, mass));
        for (int l = 0; l < L; l++)
            for (int h = 0; h < H; h++)
                for (int q = 1; q < 3; q++) {
                    const float *row = t + ((l * H + h) * Q + q) * K;
                    double s = 0, m0 = 0, m1 = 0, e = 0;
                    for (int k = 2; k < 9; k++) m0 += row[k];
                    for (int k = 12; k < 24; k++) m1 += row[k];
                    s = m0 + m1;
                    for (int k = 0; k < K; k++)
                        if ((k >= 2 && k < 9) || k >= 12) e -= row[k] / s * log(row[k] / s);
                    size_t idx = (size_t)((l * H + h) * 2 + (q - 1));
                    CHECK(NEAR(ent[idx], e, 5e-7));
                    CHECK(NEAR(mass[idx * 2], m0, 1e-7) && NEAR(mass[idx * 2 + 1], m1, 1e-7));
                }
        /* A mask equal to the spans gives the same entropies. */
        uint8_t mask[K];
        for (int k = 0; k < K; k++) mask[k] = (k >= 2 && k < 9) || k >= 12;
        double ent2[L * H * Q];
        CHECK_OK(mirs_entropy_view_compute(&v, 1, 3, NULL, 0, mask, &o, ent2, NULL));
        for (int i = 0; i < L * H * 2; i++) CHECK(NEAR(ent2[i], ent[i], 1e-12));
        /* Transposed view (keys strided): swap the roles via strides. */
        float *tt = malloc(sizeof(float) * L * H * Q * K); /* [L,H,K,Q] */
        for (int l = 0; l < L; l++)
            for (int h = 0; h < H; h++)
                for (int q = 0; q < Q; q++)
                    for (int k = 0; k < K; k++) tt[((l * H + h) * K + k) * Q + q] = t[((l * H + h) * Q + q) * K + k];
        mirs_entropy_view vt = v;
        vt.data = tt;
        vt.strides[2] = 1;
        vt.strides[3] = Q;
        CHECK_OK(mirs_entropy_view_compute(&v, 0, SIZE_MAX, NULL, 0, NULL, &o, ref, NULL));
        CHECK_OK(mirs_entropy_view_compute(&vt, 0, SIZE_MAX, NULL, 0, NULL, &o, ent2, NULL));
        for (int i = 0; i < L * H * Q; i++) CHECK(NEAR(ent2[i], ref[i], 1e-12));
        free(tt);
        /* reductions */
        double red[L];
        CHECK_OK(mirs_entropy_reduce(ref, L, H, Q, MIRS_ENTROPY_AXIS_HEADS | MIRS_ENTROPY_AXIS_QUERIES, red));
        for (int l = 0; l < L; l++) {
            double s = 0;
            for (int i = 0; i < H * Q; i++) s += ref[l * H * Q + i];
            CHECK(NEAR(red[l], s / (H * Q), 1e-12));
        }
        /* threads give the same values */
        o.threads = 2;
        double ent3[L * H * Q];
        CHECK_OK(mirs_entropy_view_compute(&v, 0, SIZE_MAX, NULL, 0, NULL, &o, ent3, NULL));
        CHECK(memcmp(ent3, ref, sizeof ref) == 0);
        size_t overlap[4] = {0, 5, 4, 8};
        CHECK_STATUS(mirs_entropy_view_compute(&v, 0, 1, overlap, 2, NULL, &o, ent3, NULL), MIRS_E_RANGE);
        CHECK_STATUS(mirs_entropy_view_compute(&v, 3, 2, NULL, 0, NULL, &o, ent3, NULL), MIRS_E_RANGE);
    }
    free(t);
}

/* Long random rows: the vector kernel agrees with the double reference. */
static void test_kernels_agree(void)
{
    size_t n = 32768 + 5;
    float *p = malloc(n * sizeof *p);
    uint64_t x = 12345;
    for (int trial = 0; trial < 4; trial++) {
        double s = 0;
        for (size_t i = 0; i < n; i++) {
            double u = uniform(&x);
            p[i] = (float)(trial == 0 ? u : trial == 1 ? u * u * u * u : trial == 2 ? exp(-20 * u) : 1.0);
            s += p[i];
        }
        for (size_t i = 0; i < n; i++) p[i] = (float)(p[i] / s);
        mirs_entropy_options g = opts_kernel(MIRS_ENTROPY_KERNEL_GENERIC), a = opts_kernel(kernels[1]);
        double hg, ha;
        CHECK_OK(mirs_entropy_rows(p, MIRS_ENTROPY_F32, 1, n, n, &g, &hg));
        CHECK_OK(mirs_entropy_rows(p, MIRS_ENTROPY_F32, 1, n, n, &a, &ha));
        if (!NEAR(hg, ha, 2e-6))
            fprintf(stderr, "trial %d: generic %.12g %s %.12g\n", trial, hg,
                    mirs_entropy_kernel_name(mirs_entropy_auto_kernel()), ha);
        CHECK(NEAR(hg, ha, 2e-6));
    }
    free(p);
}

/* The vector logarithm on every table interval: a row of n equal values p
 * (512: a whole block of every vector kernel) has entropy ln n whatever p
 * is, and what the kernel computes is ln(n p) - ln p with its own ln p, so
 * the error of each row is the error of the kernel's logarithm at p. 2^14
 * mantissas evenly over [1, 2) (every 512th: 512 in each of the AVX-512
 * kernel's 32 intervals), at four exponents. */
static void test_log_every_mantissa(void)
{
    enum { R = 1024, N = 512, STEP = 512 };
    float *p = malloc((size_t)R * N * sizeof *p);
    double *h = malloc(R * sizeof *h);
    mirs_entropy_options a = opts_kernel(kernels[1]);
    a.policy = MIRS_ENTROPY_POLICY_RENORMALIZE; /* n p is not 1: the sum is not the point here */
    double worst = 0;
    const int exps[4] = {0, -1, -30, -120};
    for (int e = 0; e < 4; e++)
        for (uint32_t m0 = 0; m0 < (1u << 23); m0 += R * STEP) {
            for (uint32_t r = 0; r < R; r++) {
                uint32_t bits = ((uint32_t)(127 + exps[e]) << 23) | (m0 + r * STEP);
                float v;
                memcpy(&v, &bits, 4);
                for (int i = 0; i < N; i++) p[(size_t)r * N + i] = v;
            }
            CHECK_OK(mirs_entropy_rows(p, MIRS_ENTROPY_F32, R, N, N, &a, h));
            for (int r = 0; r < R; r++)
                if (fabs(h[r] - log((double)N)) > worst) worst = fabs(h[r] - log((double)N));
        }
    printf("log error over 2^14 mantissas (%s): %.3g nats\n", kernel_label, worst);
    CHECK(worst <= 5e-7);
    free(p);
    free(h);
}

/* Probability rows back to back: the vector kernels take batches of rows
 * and each row's last block takes the next row's first maximum. Rows that
 * cross batches, padded and reversed strides, lengths on and off the block
 * size, and rows the vector path must decline (NaN, negative, subnormal
 * mass) next to ordinary ones, in f32, f16 and bf16: every row agrees with
 * the portable kernel, and a declined row does not disturb its neighbours. */
static void test_prob_rows(void)
{
    enum { R = 150 };
    const size_t ns[] = {512, 1024, 1029, 2048 + 16 + 3, 37};
    uint64_t x = 4242;
    for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++) {
        size_t n = ns[ni], stride = n + (ni % 2 ? 0 : 7);
        float *p = calloc(R * stride, sizeof *p);
        uint16_t *hb = calloc(R * stride, 2), *bb = calloc(R * stride, 2);
        for (size_t r = 0; r < R; r++) {
            float *row = p + r * stride;
            double s = 0;
            for (size_t i = 0; i < n; i++) {
                double u = uniform(&x);
                double v = r % 5 == 0 ? u : r % 5 == 1 ? exp(-30 * u) : r % 5 == 2 ? u * u * u * u : 1.0;
                if (r % 7 == 3) v = i == (r * 31) % n ? 1.0 : 0.0; /* one-hot */
                row[i] = (float)v;
                s += row[i];
            }
            for (size_t i = 0; i < n; i++) row[i] = (float)(row[i] / s);
            if (r % 11 == 4) row[n - 1 - r % n] = NAN;   /* in the last block, or the tail */
            if (r % 13 == 5) row[(r * 17) % n] = -1e-3f; /* a negative value */
            if (r % 17 == 6)                             /* a larger maximum than its neighbours */
                for (size_t i = 0; i < n; i++) row[i] = i % 3 ? row[i] * 1e-6f : row[i] * 1e6f;
            if (r % 19 == 7) /* all mass subnormal */
                for (size_t i = 0; i < n; i++) row[i] = i % 2 ? 1e-39f : 0.0f;
            for (size_t i = 0; i < n; i++) {
                uint32_t u;
                memcpy(&u, &row[i], 4);
                bb[r * stride + i] = (uint16_t)(u >> 16);
                hb[r * stride + i] = (uint16_t)(isnan(row[i]) ? 0x7e00 : row[i] < 0 ? 0x9400 : 0);
                if (!isnan(row[i]) && row[i] > 0) { /* binary16 by hand, normal and subnormal range */
                    int e;
                    float m = frexpf(row[i], &e);
                    int he = e + 14;
                    if (he >= 31)
                        hb[r * stride + i] = 0x7bff;
                    else if (he <= 0) {
                        long q = lrintf(ldexpf(row[i], 24));
                        hb[r * stride + i] = (uint16_t)(q > 0x3ff ? 0x3ff : q);
                    } else
                        hb[r * stride + i] = (uint16_t)((he << 10) | ((int)lrintf(ldexpf(m * 2 - 1, 10)) & 0x3ff));
                }
            }
        }
        const struct {
            const void *d;
            int32_t dt;
            size_t esz;
        } ty[3] = {{p, MIRS_ENTROPY_F32, 4}, {hb, MIRS_ENTROPY_F16, 2}, {bb, MIRS_ENTROPY_BF16, 2}};
        for (int ti = 0; ti < 3; ti++)
            for (int32_t pol = MIRS_ENTROPY_POLICY_RENORMALIZE; pol <= MIRS_ENTROPY_POLICY_SKIP; pol++) {
                mirs_entropy_options g = opts_kernel(MIRS_ENTROPY_KERNEL_GENERIC), a = opts_kernel(kernels[1]);
                g.policy = a.policy = pol;
                g.tolerance = a.tolerance = 0.05;
                double hg[R], ha[R], hv[R];
                CHECK_OK(mirs_entropy_rows(ty[ti].d, ty[ti].dt, R, n, stride, &g, hg));
                CHECK_OK(mirs_entropy_rows(ty[ti].d, ty[ti].dt, R, n, stride, &a, ha));
                int bad = 0;
                for (size_t r = 0; r < R; r++)
                    if (!((isnan(hg[r]) && isnan(ha[r])) || NEAR(hg[r], ha[r], 2e-6))) {
                        if (!bad++)
                            fprintf(stderr, "n %zu type %d policy %d row %zu: generic %.12g, %s %.12g\n", n, ti,
                                    (int)pol, r, hg[r], kernel_label, ha[r]);
                    }
                CHECK(bad == 0);
                /* the same rows through a view with reversed queries */
                mirs_entropy_view v;
                CHECK_OK(mirs_entropy_view_init(&v, sizeof v, (const char *)ty[ti].d + (R - 1) * stride * ty[ti].esz,
                                                ty[ti].dt, 1, 1, R, n));
                v.strides[2] = -(int64_t)stride;
                CHECK_OK(mirs_entropy_view_compute(&v, 0, SIZE_MAX, NULL, 0, NULL, &a, hv, NULL));
                for (size_t r = 0; r < R; r++)
                    CHECK((isnan(hv[R - 1 - r]) && isnan(ha[r])) || NEAR(hv[R - 1 - r], ha[r], 2e-6));
            }
        free(p);
        free(hb);
        free(bb);
    }
}

/* Logit rows back to back: the vector kernels take each next row's maximum
 * while summing the current one; a NaN or +Inf there (in the vector part or
 * the scalar tail) must not leak into the neighbours. */
static void test_logit_rows(void)
{
    enum { R = 5, N = 37 };
    float x[R][N];
    for (int r = 0; r < R; r++)
        for (int i = 0; i < N; i++) x[r][i] = (float)((i * 7 + r * 3) % 11) - 5.0f + 0.25f * (float)r;
    x[1][3] = NAN;       /* vector part */
    x[2][35] = INFINITY; /* scalar tail */
    x[3][0] = -INFINITY; /* a zero probability */
    x[4][20] = 40.0f;    /* a new maximum */
    mirs_entropy_options g = opts_kernel(MIRS_ENTROPY_KERNEL_GENERIC), a = opts_kernel(kernels[1]);
    for (int32_t pol = MIRS_ENTROPY_POLICY_RENORMALIZE; pol <= MIRS_ENTROPY_POLICY_SKIP; pol++) {
        g.logits = a.logits = 1;
        g.policy = a.policy = pol;
        double hg[R], ha[R];
        CHECK_OK(mirs_entropy_rows(x, MIRS_ENTROPY_F32, R, N, N, &g, hg));
        CHECK_OK(mirs_entropy_rows(x, MIRS_ENTROPY_F32, R, N, N, &a, ha));
        for (int r = 0; r < R; r++) CHECK((isnan(hg[r]) && isnan(ha[r])) || NEAR(hg[r], ha[r], 1e-6));
        CHECK(pol != MIRS_ENTROPY_POLICY_SKIP || (isnan(ha[1]) && isnan(ha[2]) && !isnan(ha[3])));
    }
}

/* Accumulators: merges in any order equal the single pass; JSON round trip is exact. */
static void test_accumulators(void)
{
    enum { L = 2, H = 3, Q = 5, ITEMS = 24 };
    static double e[ITEMS][L * H * Q];
    uint64_t x = 99;
    for (int i = 0; i < ITEMS; i++)
        for (int k = 0; k < L * H * Q; k++) {
            e[i][k] = uniform(&x) * 5.0 - 0.5 + (i % 2 ? 0 : 0.7);
        }
    e[3][4] = NAN; /* ignored */
    mirs_entropy_acc *single = NULL, *parts[4] = {NULL};
    CHECK_OK(mirs_entropy_acc_new(L, H, 10, 0.0, 4.0, &single));
    for (int p = 0; p < 4; p++) CHECK_OK(mirs_entropy_acc_new(L, H, 10, 0.0, 4.0, &parts[p]));
    for (int i = 0; i < ITEMS; i++) {
        int32_t lab = i % 2 ? MIRS_ENTROPY_LABEL_UNSAFE : MIRS_ENTROPY_LABEL_SAFE;
        CHECK_OK(mirs_entropy_acc_add_item(single, lab, e[i], L, H, Q));
        CHECK_OK(mirs_entropy_acc_add_item(parts[i % 4], lab, e[i], L, H, Q));
    }
    /* ((p0 + p1) + (p2 + p3)) and (((p3 + p2) + p1) + p0) */
    mirs_entropy_acc *m1 = NULL, *m2 = NULL, *tmp = NULL;
    CHECK_OK(mirs_entropy_acc_new(L, H, 10, 0.0, 4.0, &m1));
    CHECK_OK(mirs_entropy_acc_new(L, H, 10, 0.0, 4.0, &m2));
    CHECK_OK(mirs_entropy_acc_new(L, H, 10, 0.0, 4.0, &tmp));
    CHECK_OK(mirs_entropy_acc_merge(m1, parts[0]));
    CHECK_OK(mirs_entropy_acc_merge(m1, parts[1]));
    CHECK_OK(mirs_entropy_acc_merge(tmp, parts[2]));
    CHECK_OK(mirs_entropy_acc_merge(tmp, parts[3]));
    CHECK_OK(mirs_entropy_acc_merge(m1, tmp));
    for (int p = 3; p >= 0; p--) CHECK_OK(mirs_entropy_acc_merge(m2, parts[p]));
    for (int lab = 0; lab < 2; lab++)
        for (size_t l = 0; l < L; l++)
            for (size_t h = 0; h < H; h++) {
                mirs_entropy_summary a = {sizeof a, 0, 0, 0, 0, 0}, b = a, c = a;
                CHECK_OK(mirs_entropy_acc_summary(single, lab, l, h, &a));
                CHECK_OK(mirs_entropy_acc_summary(m1, lab, l, h, &b));
                CHECK_OK(mirs_entropy_acc_summary(m2, lab, l, h, &c));
                CHECK(a.count == b.count && a.count == c.count);
                CHECK(fabs(a.mean - b.mean) <= 1e-12 * fabs(a.mean) && fabs(a.mean - c.mean) <= 1e-12 * fabs(a.mean));
                CHECK(fabs(a.variance - b.variance) <= 1e-12 * a.variance &&
                      fabs(a.variance - c.variance) <= 1e-12 * a.variance);
                CHECK(a.min == b.min && a.max == c.max);
                uint64_t ha[12], hb[12], hc[12];
                CHECK_OK(mirs_entropy_acc_histogram(single, lab, l, h, ha));
                CHECK_OK(mirs_entropy_acc_histogram(m1, lab, l, h, hb));
                CHECK_OK(mirs_entropy_acc_histogram(m2, lab, l, h, hc));
                CHECK(memcmp(ha, hb, sizeof ha) == 0 && memcmp(ha, hc, sizeof ha) == 0);
                uint64_t tot = 0;
                for (int k = 0; k < 12; k++) tot += ha[k];
                CHECK(tot == a.count);
                /* the exact moments by two passes */
                double s = 0, q = 0;
                size_t n = 0;
                for (int i = lab; i < ITEMS; i += 2)
                    for (int k = 0; k < Q; k++) {
                        double v = e[i][(l * H + h) * Q + k];
                        if (!isnan(v)) s += v, n++;
                    }
                double mean = s / (double)n;
                for (int i = lab; i < ITEMS; i += 2)
                    for (int k = 0; k < Q; k++) {
                        double v = e[i][(l * H + h) * Q + k];
                        if (!isnan(v)) q += (v - mean) * (v - mean);
                    }
                CHECK(a.count == n && fabs(a.mean - mean) <= 1e-12 && fabs(a.variance - q / (double)(n - 1)) <= 1e-12);
            }
    mirs_entropy_group_test g1, g2;
    memset(&g1, 0, sizeof g1);
    g1.struct_size = sizeof g1;
    g2 = g1;
    CHECK_OK(mirs_entropy_acc_compare(single, MIRS_ENTROPY_ALL_LAYERS, 500, 7, &g1));
    CHECK_OK(mirs_entropy_acc_compare(m2, MIRS_ENTROPY_ALL_LAYERS, 500, 7, &g2));
    CHECK(g1.n_safe == 12 && g1.n_unsafe == 12 && g1.mean_safe > g1.mean_unsafe && g1.auroc > 0.5);
    CHECK(g1.mwu_u == g2.mwu_u && g1.auroc == g2.auroc && fabs(g1.welch_t - g2.welch_t) < 1e-9);
    double t1, t2;
    CHECK_OK(mirs_entropy_acc_threshold(single, 0, MIRS_ENTROPY_THRESHOLD_YOUDEN, &t1));
    CHECK_OK(mirs_entropy_acc_threshold(single, 0, MIRS_ENTROPY_THRESHOLD_MIDPOINT, &t2));
    CHECK(isfinite(t1) && isfinite(t2));
    /* JSON round trip gives the same text (so the same bits) */
    mirs_buf j1 = {0}, j2 = {0};
    mirs_entropy_acc *back = NULL;
    CHECK_OK(mirs_entropy_acc_to_json(m1, &j1));
    CHECK_OK(mirs_entropy_acc_from_json((const char *)j1.data, j1.size, &back));
    CHECK_OK(mirs_entropy_acc_to_json(back, &j2));
    CHECK(j1.size == j2.size && memcmp(j1.data, j2.data, j1.size) == 0);
    CHECK_STATUS(mirs_entropy_acc_from_json("{\"format\":\"x\"}", 14, &tmp), MIRS_E_FORMAT);
    CHECK_STATUS(mirs_entropy_acc_from_json("[", 1, &tmp), MIRS_E_JSON);
    mirs_entropy_acc *other = NULL;
    CHECK_OK(mirs_entropy_acc_new(L, H, 11, 0.0, 4.0, &other));
    CHECK_STATUS(mirs_entropy_acc_merge(m1, other), MIRS_E_MISMATCH);
    CHECK_STATUS(mirs_entropy_acc_compare(other, 0, 10, 1, &g1), MIRS_E_EMPTY);
    mirs_buf_free(&j1);
    mirs_buf_free(&j2);
    mirs_entropy_acc_free(back);
    mirs_entropy_acc_free(other);
    mirs_entropy_acc_free(single);
    mirs_entropy_acc_free(m1);
    mirs_entropy_acc_free(m2);
    mirs_entropy_acc_free(tmp);
    for (int p = 0; p < 4; p++) mirs_entropy_acc_free(parts[p]);
}

static void test_monitor(void)
{
    mirs_entropy_monitor *m = NULL;
    CHECK_OK(mirs_entropy_monitor_new(2, 2, 0.5, NULL, &m));
    float uni[4] = {0.25f, 0.25f, 0.25f, 0.25f}, one[4] = {0, 1, 0, 0}, half[4] = {0.5f, 0.5f, 0, 0};
    int32_t flag = -1;
    double score = 0, lm;
    CHECK_STATUS(mirs_entropy_monitor_token_end(m, &flag, &score), MIRS_E_STATE);
    /* token 1: layer 0 heads (ln4, ln4), layer 1 heads (0, ln2) */
    CHECK_OK(mirs_entropy_monitor_feed(m, 0, 0, uni, MIRS_ENTROPY_F32, 4));
    CHECK_OK(mirs_entropy_monitor_feed(m, 0, 1, uni, MIRS_ENTROPY_F32, 4));
    CHECK_OK(mirs_entropy_monitor_feed(m, 1, 0, one, MIRS_ENTROPY_F32, 4));
    CHECK_OK(mirs_entropy_monitor_feed(m, 1, 1, half, MIRS_ENTROPY_F32, 4));
    CHECK_OK(mirs_entropy_monitor_token_end(m, &flag, &score));
    CHECK(NEAR(score, (log(4.0) + log(2.0) / 2) / 2, 1e-7) && flag == 0);
    /* token 2: everything one-hot */
    for (size_t l = 0; l < 2; l++)
        for (size_t h = 0; h < 2; h++) CHECK_OK(mirs_entropy_monitor_feed(m, l, h, one, MIRS_ENTROPY_F32, 4));
    CHECK_OK(mirs_entropy_monitor_token_end(m, &flag, &score));
    lm = mirs_entropy_monitor_layer_mean(m, 0);
    CHECK(NEAR(lm, log(4.0) / 2, 1e-7));
    CHECK(isnan(mirs_entropy_monitor_layer_mean(m, 2)) && isnan(mirs_entropy_monitor_layer_mean(NULL, 0)));
    CHECK(NEAR(score, (log(4.0) / 2 + log(2.0) / 4) / 2, 1e-7) && flag == 1);
    CHECK_STATUS(mirs_entropy_monitor_feed(m, 2, 0, one, MIRS_ENTROPY_F32, 4), MIRS_E_RANGE);
    mirs_entropy_monitor_reset(m);
    CHECK(isnan(mirs_entropy_monitor_layer_mean(m, 0)));
    mirs_entropy_monitor_free(m);
}

#if defined(__x86_64__)
static int has_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
           __builtin_cpu_supports("fma");
}
#endif

/* Argument errors name the argument and its valid values, never the C
 * expression or an internal function. */
static void test_argument_messages(void)
{
    float row[2] = {0.5f, 0.5f};
    double h;
    CHECK_STATUS(mirs_entropy_rows(row, 99, 1, 2, 2, NULL, &h), MIRS_E_INVALID_ARGUMENT);
    CHECK_STR(mirs_error_last(), "mirs_entropy_rows_spans: dtype must be MIRS_ENTROPY_F32, _F16, _BF16 or _F64");
    CHECK_STATUS(mirs_entropy_rows(NULL, MIRS_ENTROPY_F32, 1, 2, 2, NULL, &h), MIRS_E_INVALID_ARGUMENT);
    CHECK(strstr(mirs_error_last(), "data and entropy must not be NULL when nrows > 0") != NULL);
    CHECK(strstr(mirs_error_last(), "&&") == NULL && strstr(mirs_error_last(), "mirs__") == NULL);
    mirs_entropy_options o = MIRS_ENTROPY_OPTIONS_INIT;
    o.struct_size = 3;
    CHECK_STATUS(mirs_entropy_rows(row, MIRS_ENTROPY_F32, 1, 2, 2, &o, &h), MIRS_E_INVALID_ARGUMENT);
    CHECK(strstr(mirs_error_last(), "mirs_entropy_options: struct_size 3 ") == mirs_error_last());
}

/* A call over at least 16 MiB of rows lets the library time the AVX-512
 * kernel's two prefetch variants (entropy.c's pf_pick): its first probes run
 * near, far, far, near, near, far whatever the clock says, so both variants
 * run here on every machine with AVX-512, and other kernels take the batched
 * path alone. Either way each row must come out the same to the bit as when
 * the row is asked for alone (too little data to time anything), declined
 * rows (NaN, negative) included, on one thread and on two (chunks of about
 * 10 MiB, below the timing threshold). */
static void test_row_batches_bitwise(void)
{
    const size_t n = 4099, stride = 4104, R = 1300; /* 21 MB of rows */
    float *p = malloc(R * stride * sizeof *p);
    double *hb = malloc(R * sizeof *hb), *h1 = malloc(R * sizeof *h1);
    uint64_t x = 99;
    for (size_t r = 0; r < R; r++) {
        float *row = p + r * stride;
        double s = 0;
        for (size_t i = 0; i < stride; i++) {
            double u = uniform(&x);
            row[i] = (float)(r % 3 == 0 ? u : r % 3 == 1 ? exp(-40 * u) : u * u * u);
            if (i < n) s += row[i];
        }
        for (size_t i = 0; i < n; i++) row[i] = (float)(row[i] / s);
        if (r % 97 == 5) row[(r * 13) % n] = NAN;
        if (r % 89 == 6) row[(r * 7) % n] = -0.25f;
    }
    mirs_entropy_options o = opts_kernel(kernels[1]);
    o.policy = MIRS_ENTROPY_POLICY_SKIP;
    for (size_t r = 0; r < R; r++) CHECK_OK(mirs_entropy_rows(p + r * stride, MIRS_ENTROPY_F32, 1, n, n, &o, &h1[r]));
    for (uint32_t th = 1; th <= 2; th++) {
        o.threads = th;
        memset(hb, 0, R * sizeof *hb);
        CHECK_OK(mirs_entropy_rows(p, MIRS_ENTROPY_F32, R, n, stride, &o, hb));
        size_t diff = 0, nan = 0;
        for (size_t r = 0; r < R; r++) {
            diff += memcmp(&hb[r], &h1[r], sizeof *hb) != 0;
            nan += isnan(hb[r]);
        }
        if (diff)
            printf("FAIL: %zu of %zu rows differ from the row alone (%s, %u threads)\n", diff, R, kernel_label, th);
        CHECK(diff == 0);
        CHECK(nan == 14 + 15); /* the rows with a NaN and with a negative value */
    }
    free(p);
    free(hb);
    free(h1);
}

/* The explicit kernel options: AVX2 and AVX-512 either run (and agree with
 * the portable kernel on a row of 1,000,003 elements, which covers every
 * tail length of 8 and 16 lanes' blocks) or say MIRS_E_UNSUPPORTED where
 * the CPU lacks them. */
static void test_explicit_kernels(void)
{
    size_t n = 1000003;
    float *p = malloc(n * sizeof *p);
    uint64_t x = 777;
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        p[i] = (float)uniform(&x);
        s += p[i];
    }
    for (size_t i = 0; i < n; i++) p[i] = (float)(p[i] / s);
    mirs_entropy_options g = opts_kernel(MIRS_ENTROPY_KERNEL_GENERIC);
    double hg;
    CHECK_OK(mirs_entropy_rows(p, MIRS_ENTROPY_F32, 1, n, n, &g, &hg));
    const int32_t ks[2] = {MIRS_ENTROPY_KERNEL_AVX2, MIRS_ENTROPY_KERNEL_AVX512};
    for (int i = 0; i < 2; i++) {
        mirs_entropy_options o = opts_kernel(ks[i]);
        double h;
        int st = mirs_entropy_rows(p, MIRS_ENTROPY_F32, 1, n, n, &o, &h);
#if defined(__x86_64__)
        int have = i == 0 ? __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") : has_avx512();
#else
        int have = 0;
#endif
        if (have) {
            CHECK_OK(st);
            CHECK(NEAR(h, hg, 2e-6));
        } else {
            CHECK(st == MIRS_E_UNSUPPORTED);
            printf("SKIP: explicit kernel %d: this CPU lacks it\n", (int)ks[i]);
        }
    }
    mirs_entropy_options bad = opts_kernel(MIRS_ENTROPY_KERNEL_AVX512 + 1);
    CHECK_STATUS(mirs_entropy_rows(p, MIRS_ENTROPY_F32, 1, n, n, &bad, &hg), MIRS_E_INVALID_ARGUMENT);
    free(p);
}

/* The kernel asked for on the command line must run here (not fall back
 * silently), so a kernel cannot go untested: exit 77 (skip) when this CPU
 * or build lacks it. */
static int pick_kernel(const char *name)
{
    if (strcmp(name, "sse2") == 0)
        kernels[1] = MIRS_ENTROPY_KERNEL_SSE2;
    else if (strcmp(name, "avx2") == 0)
        kernels[1] = MIRS_ENTROPY_KERNEL_AVX2;
    else if (strcmp(name, "avx512") == 0)
        kernels[1] = MIRS_ENTROPY_KERNEL_AVX512;
    else if (strcmp(name, "generic") == 0)
        kernels[1] = MIRS_ENTROPY_KERNEL_GENERIC;
    else {
        fprintf(stderr, "unknown kernel %s\n", name);
        return 2;
    }
    kernel_label = name;
    mirs_entropy_options o = opts_kernel(kernels[1]);
    const float row[2] = {0.25f, 0.75f};
    double h = 0;
    int st = mirs_entropy_rows(row, MIRS_ENTROPY_F32, 1, 2, 2, &o, &h);
    if (st == MIRS_E_UNSUPPORTED) {
        printf("SKIP: %s\n", mirs_error_last());
        return 77;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        int st = pick_kernel(argv[1]);
        if (st) return st;
    }
    printf("kernel: %s (auto: %s)\n", kernel_label, mirs_entropy_kernel_name(mirs_entropy_auto_kernel()));
    test_argument_messages();
    test_hand_worked();
    test_policies();
    test_rounding_slack();
    test_zero_dim_strides();
    test_spans_and_views();
    test_kernels_agree();
    test_prob_rows();
    test_row_batches_bitwise();
    test_log_every_mantissa();
    test_explicit_kernels();
    test_logit_rows();
    test_accumulators();
    test_monitor();
    return test_summary("entropy");
}
