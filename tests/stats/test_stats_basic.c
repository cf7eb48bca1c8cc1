/* Stats: the first set of hand-worked values, edge cases and error codes
 * (kept beside test_stats.c). The wide
 * comparison against scipy is check_scipy.py. */
#include <math.h>
#include <pthread.h>

#include <mirsafety/mirsafety.h>

#include "../testutil.h"

#define CHECK_NEAR(a, b, tol) CHECK(fabs((a) - (b)) <= (tol))

static void *boot_thread(void *arg)
{
    double *out = arg;
    const double pos[] = {0.9, 0.8, 0.75, 0.6, 0.55, 0.3}, neg[] = {0.7, 0.5, 0.4, 0.35, 0.2, 0.1, 0.05};
    mirs_stats_auroc_bootstrap(pos, 6, neg, 7, 500, 42, 0.95, &out[0], &out[1]);
    return NULL;
}

int main(void)
{
    double lo, hi, p, x, y;
    /* 45/50 at 95%: values from the closed form (scipy agrees to the last digit). */
    CHECK_OK(mirs_stats_wilson(45, 50, 0.95, &lo, &hi));
    CHECK_NEAR(lo, 0.7863976856252034, 1e-14);
    CHECK_NEAR(hi, 0.9565242350681095, 1e-14);
    CHECK_OK(mirs_stats_clopper_pearson(45, 50, 0.95, &lo, &hi));
    CHECK_NEAR(lo, 0.7818646335657977, 1e-10);
    CHECK_NEAR(hi, 0.9667249064109785, 1e-10);
    CHECK_OK(mirs_stats_clopper_pearson(0, 10, 0.95, &lo, &hi));
    CHECK(lo == 0.0);
    CHECK_OK(mirs_stats_clopper_pearson(10, 10, 0.95, &lo, &hi));
    CHECK(hi == 1.0);
    CHECK_STATUS(mirs_stats_wilson(3, 2, 0.95, &lo, &hi), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_stats_wilson(0, 0, 0.95, &lo, &hi), MIRS_E_EMPTY);
    CHECK_STATUS(mirs_stats_wilson(1, 2, 1.5, &lo, &hi), MIRS_E_INVALID_ARGUMENT);

    /* McNemar: 5 vs 0 discordant pairs -> 2 * 0.5^5. */
    CHECK_OK(mirs_stats_mcnemar_exact(5, 0, &p));
    CHECK_NEAR(p, 0.0625, 1e-15);
    CHECK_OK(mirs_stats_mcnemar_exact(0, 0, &p));
    CHECK(p == 1.0);
    CHECK_OK(mirs_stats_mcnemar_exact(7, 7, &p));
    CHECK(p == 1.0);

    /* Kappa of [[20,5],[10,15]]: po = 0.7, pe = 0.5 -> 0.4. */
    const uint64_t m[] = {20, 5, 10, 15};
    CHECK_OK(mirs_stats_cohen_kappa(m, 2, &x));
    CHECK_NEAR(x, 0.4, 1e-15);
    const uint64_t zero[] = {0, 0, 0, 0};
    CHECK_STATUS(mirs_stats_cohen_kappa(zero, 2, &x), MIRS_E_EMPTY);

    /* Paired difference: identical raters -> difference 0 inside its interval. */
    CHECK_OK(mirs_stats_paired_difference(10, 0, 0, 10, 0.95, &x, &lo, &hi));
    CHECK(x == 0.0 && lo <= 0 && hi >= 0);

    /* Rank correlations of a perfectly monotone relation. */
    const double a[] = {1, 2, 3, 4, 5}, b[] = {2, 4, 8, 16, 32}, nan_[] = {1, NAN, 3, 4, 5};
    CHECK_OK(mirs_stats_spearman(a, b, 5, &x, &p));
    CHECK_NEAR(x, 1.0, 1e-15);
    /* numpy's corrcoef gives 1 - 1 ulp here, so scipy.stats.spearmanr's p is
     * 1.4042654220543672e-24, not 0. */
    CHECK(fabs(p - 1.4042654220543672e-24) <= 1e-12 * 1.4042654220543672e-24);
    CHECK_OK(mirs_stats_kendall(a, b, 5, &x, &p));
    CHECK_NEAR(x, 1.0, 1e-15);
    CHECK_NEAR(p, 2.0 / 120.0, 1e-15); /* exact: 2 / 5! */
    CHECK_STATUS(mirs_stats_spearman(a, b, 2, &x, &p), MIRS_E_EMPTY);
    CHECK_STATUS(mirs_stats_kendall(nan_, b, 5, &x, &p), MIRS_E_NUMERIC);
    const double cst[] = {3, 3, 3, 3, 3};
    CHECK_OK(mirs_stats_kendall(cst, b, 5, &x, &p));
    CHECK(isnan(x) && isnan(p));

    /* Mann-Whitney, exact: complete separation of 3 vs 4 -> 2 / C(7,3). */
    const double g1[] = {1, 2, 3}, g2[] = {4, 5, 6, 7};
    CHECK_OK(mirs_stats_mann_whitney(g1, 3, g2, 4, MIRS_MWU_AUTO, &x, &p));
    CHECK(x == 0.0);
    CHECK_NEAR(p, 2.0 / 35.0, 1e-15);
    const double t1[] = {1, 1, 2}, t2[] = {1, 3, 4};
    CHECK_STATUS(mirs_stats_mann_whitney(t1, 3, t2, 3, MIRS_MWU_EXACT, &x, &p), MIRS_E_UNSUPPORTED);
    CHECK_OK(mirs_stats_mann_whitney(t1, 3, t2, 3, MIRS_MWU_AUTO, &x, &p)); /* ties: asymptotic */
    CHECK(p > 0 && p <= 1);

    /* AUROC: perfect separation, and one tie counted one half. */
    CHECK_OK(mirs_stats_auroc(g2, 4, g1, 3, &x));
    CHECK(x == 1.0);
    const double one[] = {1.0};
    CHECK_OK(mirs_stats_auroc(one, 1, one, 1, &x));
    CHECK(x == 0.5);

    /* Welch and Cohen's d on a hand-worked pair: means 2 and 5, variances 1 and 1. */
    const double w1[] = {1, 2, 3}, w2[] = {4, 5, 6};
    double t, df;
    CHECK_OK(mirs_stats_welch(w1, 3, w2, 3, &t, &df, &p));
    CHECK_NEAR(t, -3.0 / sqrt(2.0 / 3.0), 1e-13);
    CHECK_NEAR(df, 4.0, 1e-13);
    CHECK_OK(mirs_stats_cohen_d(w1, 3, w2, 3, &x));
    CHECK_NEAR(x, -3.0, 1e-14);
    CHECK_STATUS(mirs_stats_welch(w1, 1, w2, 3, &t, &df, &p), MIRS_E_EMPTY);

    /* Bootstrap: deterministic across runs and threads; contains the estimate. */
    double r1[2], r2[2], auc;
    pthread_t th[2];
    pthread_create(&th[0], NULL, boot_thread, r1);
    pthread_create(&th[1], NULL, boot_thread, r2);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    CHECK(r1[0] == r2[0] && r1[1] == r2[1]);
    const double pos[] = {0.9, 0.8, 0.75, 0.6, 0.55, 0.3}, neg[] = {0.7, 0.5, 0.4, 0.35, 0.2, 0.1, 0.05};
    CHECK_OK(mirs_stats_auroc(pos, 6, neg, 7, &auc));
    CHECK(r1[0] <= auc && auc <= r1[1] && r1[0] < r1[1]);
    CHECK_OK(mirs_stats_auroc_bootstrap(pos, 6, neg, 7, 500, 43, 0.95, &x, &y));
    CHECK(x != r1[0] || y != r1[1]); /* another seed, another resampling */

    /* Distribution functions at known points. */
    CHECK_NEAR(mirs_stats_normal_quantile(0.975), 1.959963984540054, 1e-14);
    CHECK_NEAR(mirs_stats_normal_cdf(0.0), 0.5, 1e-16);
    CHECK_NEAR(mirs_stats_t_sf(0.0, 7.0), 0.5, 1e-15);
    CHECK_NEAR(mirs_stats_beta_inc(1, 1, 0.3), 0.3, 1e-15);
    CHECK_NEAR(mirs_stats_beta_quantile(2, 3, mirs_stats_beta_inc(2, 3, 0.25)), 0.25, 1e-13);
    return test_summary("stats");
}
