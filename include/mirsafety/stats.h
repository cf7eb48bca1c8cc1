/*
 * libmirsafety — statistics used by the reports and the entropy analysis:
 * binomial intervals, paired and two-sample tests, agreement and rank
 * correlation. Every function is pure and thread-safe. p-values are
 * two-sided and agree with scipy.stats (the version named in docs/stats.md)
 * to the tolerance stated in tests/stats.
 */
#ifndef MIRSAFETY_STATS_H
#define MIRSAFETY_STATS_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Binomial proportion k/n with a two-sided interval at `confidence`
 * (e.g. 0.95). Wilson score interval (no continuity correction), and the
 * exact Clopper–Pearson interval (beta quantiles; lo = 0 when k = 0, hi = 1
 * when k = n). Errors: MIRS_E_INVALID_ARGUMENT (k > n, confidence outside
 * (0,1), NULL outputs), MIRS_E_EMPTY (n = 0). */
MIRS_API int mirs_stats_wilson(uint64_t k, uint64_t n, double confidence, double *lo, double *hi);
MIRS_API int mirs_stats_clopper_pearson(uint64_t k, uint64_t n, double confidence, double *lo, double *hi);

/* Exact McNemar test on the discordant counts b (first yes, second no) and
 * c (first no, second yes): two-sided binomial test of b against
 * Binom(b + c, 1/2); p = 1 when b + c = 0. */
MIRS_API int mirs_stats_mcnemar_exact(uint64_t b, uint64_t c, double *p_value);

/* Difference of two paired proportions p1 - p2 from the 2x2 table
 * (n11 both yes, n10 first only, n01 second only, n00 neither), with
 * Newcombe's hybrid score interval (method 10 of Newcombe 1998). */
MIRS_API int mirs_stats_paired_difference(uint64_t n11, uint64_t n10, uint64_t n01, uint64_t n00, double confidence,
                                          double *diff, double *lo, double *hi);

/* Cohen's kappa of a k x k confusion matrix (row-major, rows = rater A). */
MIRS_API int mirs_stats_cohen_kappa(const uint64_t *matrix, size_t k, double *kappa);

/* Rank correlations of paired samples, with p-values as scipy.stats
 * computes them by default: Spearman's rho (t distribution with n - 2
 * degrees of freedom) and Kendall's tau-b (exact for n <= 50 without ties,
 * otherwise the normal approximation with tie correction). n >= 3 for
 * Spearman, >= 2 for Kendall, else MIRS_E_EMPTY. NaN inputs:
 * MIRS_E_NUMERIC. A constant input gives NaN statistics and p-values. */
MIRS_API int mirs_stats_spearman(const double *x, const double *y, size_t n, double *rho, double *p_value);
MIRS_API int mirs_stats_kendall(const double *x, const double *y, size_t n, double *tau, double *p_value);

/* Welch's unequal-variance t-test from samples, and from summary moments
 * (count, mean, unbiased variance) so that merged accumulators can be tested
 * without their samples. Each group needs n >= 2. */
MIRS_API int mirs_stats_welch(const double *a, size_t na, const double *b, size_t nb, double *t, double *df,
                              double *p_value);
MIRS_API int mirs_stats_welch_moments(double na, double mean_a, double var_a, double nb, double mean_b, double var_b,
                                      double *t, double *df, double *p_value);

#define MIRS_MWU_AUTO 0       /* scipy's rule: asymptotic when both n > 8 or there are ties, else exact */
#define MIRS_MWU_EXACT 1      /* exact distribution (no ties allowed: MIRS_E_UNSUPPORTED otherwise) */
#define MIRS_MWU_ASYMPTOTIC 2 /* normal approximation, tie-corrected, continuity-corrected */

/* Mann–Whitney U test (two-sided). *u is U of sample a (scipy's U1). */
MIRS_API int mirs_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, int32_t method, double *u,
                                     double *p_value);

/* Cohen's d with the pooled standard deviation (ddof = 1): (mean_a - mean_b) / s_pooled. */
MIRS_API int mirs_stats_cohen_d(const double *a, size_t na, const double *b, size_t nb, double *d);

/* AUROC of scores where `pos` should score higher than `neg` (ties count
 * one half) = U / (npos * nneg); and a percentile bootstrap interval from
 * `reps` stratified resamples drawn with a splitmix64 stream from `seed`
 * (the same numbers on every machine). */
MIRS_API int mirs_stats_auroc(const double *pos, size_t npos, const double *neg, size_t nneg, double *auc);
MIRS_API int mirs_stats_auroc_bootstrap(const double *pos, size_t npos, const double *neg, size_t nneg, uint32_t reps,
                                        uint64_t seed, double confidence, double *lo, double *hi);

/* Distribution functions behind the tests (exposed for users and checks). */
MIRS_API double mirs_stats_normal_cdf(double x);
MIRS_API double mirs_stats_normal_quantile(double p);
MIRS_API double mirs_stats_t_sf(double t, double df);              /* P(T > t) */
MIRS_API double mirs_stats_beta_inc(double a, double b, double x); /* regularised I_x(a, b) */
MIRS_API double mirs_stats_beta_quantile(double a, double b, double p);

#ifdef __cplusplus
}
#endif

#endif
