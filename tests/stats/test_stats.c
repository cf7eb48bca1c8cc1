/* Statistics: hand-worked exact values, published examples, edge cases and
 * thread determinism. The random differential test against scipy is
 * compare_scipy.py. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include <mirsafety/mirsafety.h>

#include "../testutil.h"

#define CHECK_NEAR(a, b, tol)                                                                                          \
    do {                                                                                                               \
        double va_ = (a), vb_ = (b), tol_ = (tol);                                                                     \
        if (fabs(va_ - vb_) <= tol_)                                                                                   \
            t_pass++;                                                                                                  \
        else {                                                                                                         \
            t_fail++;                                                                                                  \
            fprintf(stderr, "%s:%d: %s ~ %s failed: %.17g vs %.17g (tol %g)\n", __FILE__, __LINE__, #a, #b, va_, vb_,  \
                    tol_);                                                                                             \
        }                                                                                                              \
    } while (0)
#define CHECK_REL(a, b, rtol) CHECK_NEAR(a, b, (rtol)*fabs((double)(b)))

static void test_distributions(void)
{
    /* Closed forms of the special cases. */
    CHECK_REL(mirs_stats_normal_quantile(0.975), 1.959963984540054, 1e-15);
    CHECK_EQ_INT(mirs_stats_normal_quantile(0.5), 0);
    CHECK(isinf(mirs_stats_normal_quantile(0.0)) && mirs_stats_normal_quantile(0.0) < 0);
    CHECK(isnan(mirs_stats_normal_quantile(1.5)) && isnan(mirs_stats_normal_quantile(NAN)));
    CHECK_REL(mirs_stats_normal_cdf(0.0), 0.5, 0);
    CHECK_REL(mirs_stats_normal_cdf(-1.959963984540054), 0.025, 1e-15);
    for (double x = 0.01; x < 1.0; x += 0.07) {
        CHECK_REL(mirs_stats_beta_inc(1, 1, x), x, 1e-15);
        CHECK_REL(mirs_stats_beta_inc(3, 1, x), x * x * x, 1e-14);
        CHECK_REL(mirs_stats_beta_inc(1, 4, x), 1 - pow(1 - x, 4), 1e-14);
        CHECK_REL(mirs_stats_beta_quantile(1, 1, x), x, 1e-14);
        CHECK_REL(mirs_stats_beta_quantile(3, 1, x), cbrt(x), 1e-14);
        CHECK_REL(mirs_stats_beta_inc(2.5, 7.25, mirs_stats_beta_quantile(2.5, 7.25, x)), x, 1e-13);
    }
    for (double t = -30; t < 30; t += 1.37) {
        CHECK_REL(mirs_stats_t_sf(t, 1), 0.5 - atan(t) / M_PI, 1e-13);
        CHECK_REL(mirs_stats_t_sf(t, 2), 0.5 - t / (2 * sqrt(2 + t * t)), 1e-13);
    }
    CHECK_EQ_INT(mirs_stats_t_sf(0, 7) == 0.5, 1);
    CHECK(isnan(mirs_stats_t_sf(1, 0)) && isnan(mirs_stats_beta_inc(-1, 1, 0.5)) &&
          isnan(mirs_stats_beta_inc(1, 1, 2)));
    CHECK_REL(mirs_stats_t_sf(1.5, INFINITY), mirs_stats_normal_cdf(-1.5), 0);
}

static void test_intervals(void)
{
    double lo = -1, hi = -1;
    /* 45/50 worked by hand: (2np + z^2 -+ z sqrt(z^2 + 4npq)) / (2(n + z^2)),
     * evaluated at 40 digits. */
    CHECK_OK(mirs_stats_wilson(45, 50, 0.95, &lo, &hi));
    CHECK_REL(lo, 0.786397685625203432, 1e-14);
    CHECK_REL(hi, 0.956524235068109584, 1e-14);
    /* Newcombe (1998), "Two-sided confidence intervals for the single
     * proportion", Table II, methods 3 (Wilson) and 5 (exact), 4 decimals. */
    static const struct {
        uint64_t k, n;
        double wl, wh, el, eh;
    } nc[] = {{81, 263, 0.2553, 0.3662, 0.2527, 0.3676},
              {15, 148, 0.0624, 0.1605, 0.0578, 0.1617},
              {0, 20, 0.0, 0.1611, 0.0, 0.1684},
              {1, 29, 0.0061, 0.1718, 0.0009, 0.1776}};
    for (size_t i = 0; i < sizeof nc / sizeof nc[0]; i++) {
        CHECK_OK(mirs_stats_wilson(nc[i].k, nc[i].n, 0.95, &lo, &hi));
        CHECK_NEAR(lo, nc[i].wl, 5e-5);
        CHECK_NEAR(hi, nc[i].wh, 5e-5);
        CHECK_OK(mirs_stats_clopper_pearson(nc[i].k, nc[i].n, 0.95, &lo, &hi));
        CHECK_NEAR(lo, nc[i].el, 5e-5);
        CHECK_NEAR(hi, nc[i].eh, 5e-5);
    }
    /* k = 0 and k = n: the closed ends are exact; Clopper-Pearson's other
     * end is 1 - (alpha/2)^(1/n) (resp. (alpha/2)^(1/n)). */
    CHECK_OK(mirs_stats_clopper_pearson(0, 10, 0.95, &lo, &hi));
    CHECK(lo == 0.0);
    CHECK_REL(hi, 1 - pow(0.025, 0.1), 1e-14);
    CHECK_OK(mirs_stats_clopper_pearson(10, 10, 0.95, &lo, &hi));
    CHECK(hi == 1.0);
    CHECK_REL(lo, pow(0.025, 0.1), 1e-14);
    CHECK_OK(mirs_stats_wilson(7, 7, 0.9, &lo, &hi));
    CHECK(hi == 1.0 && lo > 0.6 && lo < 1);
    /* Errors leave outputs untouched. */
    lo = hi = 42;
    CHECK_STATUS(mirs_stats_wilson(0, 0, 0.95, &lo, &hi), MIRS_E_EMPTY);
    CHECK_STATUS(mirs_stats_clopper_pearson(0, 0, 0.95, &lo, &hi), MIRS_E_EMPTY);
    CHECK_STATUS(mirs_stats_wilson(5, 4, 0.95, &lo, &hi), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_stats_wilson(1, 4, 1.0, &lo, &hi), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_stats_clopper_pearson(1, 4, NAN, &lo, &hi), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_stats_wilson(1, 4, 0.95, NULL, &hi), MIRS_E_INVALID_ARGUMENT);
    CHECK(lo == 42 && hi == 42);
}

static void test_paired(void)
{
    double p = -1, d, lo, hi;
    /* Binomial tails worked by hand: 2 P(X <= 1 | n = 10) = 2 * 11 / 1024. */
    CHECK_OK(mirs_stats_mcnemar_exact(1, 9, &p));
    CHECK_REL(p, 22.0 / 1024, 1e-14);
    CHECK_OK(mirs_stats_mcnemar_exact(9, 1, &p));
    CHECK_REL(p, 22.0 / 1024, 1e-14);
    CHECK_OK(mirs_stats_mcnemar_exact(0, 5, &p));
    CHECK_REL(p, 2.0 / 32, 1e-14);
    CHECK_OK(mirs_stats_mcnemar_exact(4, 4, &p));
    CHECK(p == 1.0);
    CHECK_OK(mirs_stats_mcnemar_exact(0, 0, &p));
    CHECK(p == 1.0);
    /* n = 5, b = 2: the other tail {3, 4, 5} is never less likely, p = 1. */
    CHECK_OK(mirs_stats_mcnemar_exact(2, 3, &p));
    CHECK(p == 1.0);
    CHECK_STATUS(mirs_stats_mcnemar_exact(UINT64_MAX, 1, &p), MIRS_E_OVERFLOW);
    /* Cavo et al. (2012) as worked in Fagerland, Lydersen & Laake,
     * "Statistical Analysis of Contingency Tables" (2017), chapter 8:
     * Newcombe square-and-add -0.0621 (95% CI -0.1186 to -0.0046). */
    CHECK_OK(mirs_stats_paired_difference(59, 6, 16, 80, 0.95, &d, &lo, &hi));
    CHECK_REL(d, -10.0 / 161, 1e-15);
    CHECK_NEAR(lo, -0.1186, 5e-5);
    CHECK_NEAR(hi, -0.0046, 5e-5);
    /* No discordant pairs: difference 0, interval symmetric around it. */
    CHECK_OK(mirs_stats_paired_difference(10, 0, 0, 10, 0.95, &d, &lo, &hi));
    CHECK(d == 0.0 && lo < 0 && hi > 0);
    CHECK_REL(lo, -hi, 1e-14);
    CHECK_STATUS(mirs_stats_paired_difference(0, 0, 0, 0, 0.95, &d, &lo, &hi), MIRS_E_EMPTY);
}

static void test_kappa(void)
{
    double k = -2;
    /* [[20, 5], [10, 15]]: po = 35/50, pe = (25*30 + 25*20)/2500 = 1/2, kappa = 0.4. */
    const uint64_t m[4] = {20, 5, 10, 15};
    CHECK_OK(mirs_stats_cohen_kappa(m, 2, &k));
    CHECK_REL(k, 0.4, 1e-15);
    const uint64_t perfect[9] = {5, 0, 0, 0, 7, 0, 0, 0, 1};
    CHECK_OK(mirs_stats_cohen_kappa(perfect, 3, &k));
    CHECK(k == 1.0);
    /* Both raters always say the same single category: 0/0. */
    const uint64_t single[4] = {9, 0, 0, 0};
    CHECK_OK(mirs_stats_cohen_kappa(single, 2, &k));
    CHECK(isnan(k));
    const uint64_t zero[4] = {0, 0, 0, 0};
    CHECK_STATUS(mirs_stats_cohen_kappa(zero, 2, &k), MIRS_E_EMPTY);
    CHECK_STATUS(mirs_stats_cohen_kappa(m, 0, &k), MIRS_E_EMPTY);
    const uint64_t huge[4] = {UINT64_MAX, UINT64_MAX, 1, 1};
    CHECK_STATUS(mirs_stats_cohen_kappa(huge, 2, &k), MIRS_E_OVERFLOW);
}

static void test_correlation(void)
{
    double x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {2, 4, 6, 8, 10, 12}, r = 0, p = 0;
    CHECK_OK(mirs_stats_spearman(x, y, 6, &r, &p));
    CHECK(r == 1.0 && p == 0.0);
    /* Untied n = 5, perfect order: exact p = 2 / 5! */
    CHECK_OK(mirs_stats_kendall(x, y, 5, &r, &p));
    CHECK_REL(r, 1.0, 2.3e-16); /* 10 / sqrt(10) / sqrt(10): 1 - 1 ulp, as scipy */
    CHECK_REL(p, 2.0 / 120, 1e-15);
    /* One discordant pair among n = 4: c = 5 of 6 pairs, tau = 4/6,
     * P(C <= 1) = (1 + 3)/24 (Mahonian numbers 1, 3, 5, 6, 5, 3, 1), p = 1/3. */
    double y2[4] = {1, 3, 2, 4};
    CHECK_OK(mirs_stats_kendall(x, y2, 4, &r, &p));
    CHECK_REL(r, 4.0 / 6, 1e-15);
    CHECK_REL(p, 1.0 / 3, 1e-15);
    /* Constant input: NaN statistics, as scipy. */
    double c[5] = {3, 3, 3, 3, 3};
    CHECK_OK(mirs_stats_spearman(x, c, 5, &r, &p));
    CHECK(isnan(r) && isnan(p));
    CHECK_OK(mirs_stats_kendall(c, y, 5, &r, &p));
    CHECK(isnan(r) && isnan(p));
    double nan_in[3] = {1, NAN, 2};
    CHECK_STATUS(mirs_stats_spearman(x, nan_in, 3, &r, &p), MIRS_E_NUMERIC);
    CHECK_STATUS(mirs_stats_kendall(nan_in, x, 3, &r, &p), MIRS_E_NUMERIC);
    CHECK_STATUS(mirs_stats_spearman(x, y, 2, &r, &p), MIRS_E_EMPTY);
    CHECK_STATUS(mirs_stats_kendall(x, y, 1, &r, &p), MIRS_E_EMPTY);
}

static void test_two_sample(void)
{
    double a[3] = {1, 2, 3}, b[4] = {4, 5, 6, 7}, t, df, p, u, d;
    /* ma = 2, va = 1, mb = 5.5, vb = 5/3: t = -3.5 / sqrt(3/4),
     * df = (3/4)^2 / ((1/3)^2/2 + (5/12)^2/3) = 243/49. */
    CHECK_OK(mirs_stats_welch(a, 3, b, 4, &t, &df, &p));
    CHECK_REL(t, -3.5 / sqrt(0.75), 1e-14);
    CHECK_REL(df, 243.0 / 49, 1e-14);
    CHECK_REL(p, 0.010076943347988853, 1e-12); /* scipy.stats.ttest_ind(equal_var=False) */
    double t2, df2, p2;
    CHECK_OK(mirs_stats_welch_moments(3, 2, 1, 4, 5.5, 5.0 / 3, &t2, &df2, &p2));
    CHECK_REL(t2, t, 1e-14);
    CHECK_REL(p2, p, 1e-13);
    CHECK_STATUS(mirs_stats_welch(a, 1, b, 4, &t, &df, &p), MIRS_E_EMPTY);
    CHECK_STATUS(mirs_stats_welch_moments(3, 2, -1, 4, 5.5, 1, &t, &df, &p), MIRS_E_INVALID_ARGUMENT);
    double inf_in[2] = {1, INFINITY};
    CHECK_STATUS(mirs_stats_welch(inf_in, 2, b, 4, &t, &df, &p), MIRS_E_NUMERIC);
    /* Mann-Whitney exact: U = 0 has 1 of C(7,3) = 35 arrangements, p = 2/35. */
    CHECK_OK(mirs_stats_mann_whitney(a, 3, b, 4, MIRS_MWU_AUTO, &u, &p));
    CHECK(u == 0.0);
    CHECK_REL(p, 2.0 / 35, 1e-15);
    CHECK_OK(mirs_stats_mann_whitney(b, 4, a, 3, MIRS_MWU_EXACT, &u, &p));
    CHECK(u == 12.0);
    CHECK_REL(p, 2.0 / 35, 1e-15);
    double tied[3] = {1, 4, 4};
    CHECK_STATUS(mirs_stats_mann_whitney(tied, 3, b, 4, MIRS_MWU_EXACT, &u, &p), MIRS_E_UNSUPPORTED);
    CHECK_OK(mirs_stats_mann_whitney(tied, 3, b, 4, MIRS_MWU_AUTO, &u, &p));
    CHECK(u == 1.0); /* 4 vs 4 counts one half, twice */
    CHECK_STATUS(mirs_stats_mann_whitney(a, 0, b, 4, MIRS_MWU_AUTO, &u, &p), MIRS_E_EMPTY);
    CHECK_STATUS(mirs_stats_mann_whitney(a, 3, b, 4, 7, &u, &p), MIRS_E_INVALID_ARGUMENT);
    /* All values tied: z = -0.5/0, p = 1 (scipy clips). */
    double same[4] = {2, 2, 2, 2};
    CHECK_OK(mirs_stats_mann_whitney(same, 2, same + 2, 2, MIRS_MWU_AUTO, &u, &p));
    CHECK(u == 2.0 && p == 1.0);
    /* Cohen's d: pooled variance (2*1 + 3*5/3)/5 = 7/5. */
    CHECK_OK(mirs_stats_cohen_d(a, 3, b, 4, &d));
    CHECK_REL(d, -3.5 / sqrt(1.4), 1e-14);
    double auc;
    CHECK_OK(mirs_stats_auroc(b, 4, a, 3, &auc));
    CHECK(auc == 1.0);
    CHECK_OK(mirs_stats_auroc(tied, 3, b, 4, &auc));
    CHECK_REL(auc, 1.0 / 12, 1e-15);
}

/* Large exact Mann-Whitney: a closed form for U = 0 is 1 / C(m+n, m). */
static void test_mwu_large(void)
{
    enum { M = 8, N = 4000 };
    double *v = malloc((M + N) * sizeof *v), u, p;
    for (int i = 0; i < M + N; i++) v[i] = i;
    CHECK_OK(mirs_stats_mann_whitney(v, M, v + M, N, MIRS_MWU_AUTO, &u, &p));
    double c = 1;
    for (int i = 1; i <= M; i++) c = c * (N + i) / i;
    CHECK_REL(p, 2.0 / c, 1e-13);
    /* Beyond 128-bit counts: 60 x 60 with U = 0. */
    CHECK_OK(mirs_stats_mann_whitney(v, 60, v + 60, 60, MIRS_MWU_EXACT, &u, &p));
    c = 1;
    for (int i = 1; i <= 60; i++) c = c * (60 + i) / i;
    CHECK_REL(p, 2.0 / c, 1e-12);
    free(v);
}

typedef struct {
    const double *pos, *neg;
    double lo, hi;
} boot_job;

static void *boot_thread(void *arg)
{
    boot_job *j = arg;
    if (mirs_stats_auroc_bootstrap(j->pos, 50, j->neg, 40, 2000, 99, 0.95, &j->lo, &j->hi) != MIRS_OK) j->lo = NAN;
    return NULL;
}

static void test_bootstrap(void)
{
    double pos[50], neg[40], lo, hi, auc;
    for (int i = 0; i < 50; i++) pos[i] = (i * 37 % 50) / 10.0;
    for (int i = 0; i < 40; i++) neg[i] = (i * 11 % 40) / 10.0 - 0.5;
    CHECK_OK(mirs_stats_auroc(pos, 50, neg, 40, &auc));
    CHECK_OK(mirs_stats_auroc_bootstrap(pos, 50, neg, 40, 2000, 99, 0.95, &lo, &hi));
    CHECK(lo < auc && auc < hi);
    boot_job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (boot_job){pos, neg, 0, 0};
        CHECK(pthread_create(&th[i], NULL, boot_thread, &jobs[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].lo == lo && jobs[i].hi == hi);
    }
    double lo2, hi2;
    CHECK_OK(mirs_stats_auroc_bootstrap(pos, 50, neg, 40, 2000, 100, 0.95, &lo2, &hi2));
    CHECK(lo2 != lo || hi2 != hi); /* another seed, another stream */
    CHECK_STATUS(mirs_stats_auroc_bootstrap(pos, 50, neg, 40, 0, 1, 0.95, &lo, &hi), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_stats_auroc_bootstrap(pos, 0, neg, 40, 10, 1, 0.95, &lo, &hi), MIRS_E_EMPTY);
}

int main(void)
{
    test_distributions();
    test_intervals();
    test_paired();
    test_kappa();
    test_correlation();
    test_two_sample();
    test_mwu_large();
    test_bootstrap();
    return test_summary("stats");
}
