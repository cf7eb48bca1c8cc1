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

static int32_t kernels[2] = {MIRS_ENTROPY_KERNEL_GENERIC, MIRS_ENTROPY_KERNEL_AUTO};

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
        mirs_entropy_view_init(&v, t, MIRS_ENTROPY_F32, L, H, Q, K);
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
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(x >> 11) / 9007199254740992.0;
            p[i] = (float)(trial == 0 ? u : trial == 1 ? u * u * u * u : trial == 2 ? exp(-20 * u) : 1.0);
            s += p[i];
        }
        for (size_t i = 0; i < n; i++) p[i] = (float)(p[i] / s);
        mirs_entropy_options g = opts_kernel(MIRS_ENTROPY_KERNEL_GENERIC), a = opts_kernel(MIRS_ENTROPY_KERNEL_AUTO);
        double hg, ha;
        CHECK_OK(mirs_entropy_rows(p, MIRS_ENTROPY_F32, 1, n, n, &g, &hg));
        CHECK_OK(mirs_entropy_rows(p, MIRS_ENTROPY_F32, 1, n, n, &a, &ha));
        if (!NEAR(hg, ha, 2e-6))
            fprintf(stderr, "trial %d: generic %.12g %s %.12g\n", trial, hg, mirs_entropy_kernel_name(), ha);
        CHECK(NEAR(hg, ha, 2e-6));
    }
    free(p);
}

int main(void)
{
    printf("kernel: %s\n", mirs_entropy_kernel_name());
    test_hand_worked();
    test_policies();
    test_spans_and_views();
    test_kernels_agree();
    return test_summary("entropy");
}
