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
 * Binom(b + c, 1/2), summing outcomes no more likely than b (relative
 * tolerance 1e-7, as scipy.stats.binomtest); p = 1 when b + c = 0. Errors:
 * MIRS_E_INVALID_ARGUMENT (NULL), MIRS_E_LIMIT (b + c > 2^53). */
MIRS_API int mirs_stats_mcnemar_exact(uint64_t b, uint64_t c, double *p_value);

/* Difference of two paired proportions p1 - p2 = (n10 - n01) / n from the
 * 2x2 table (n11 both yes, n10 first only, n01 second only, n00 neither),
 * with Newcombe's hybrid score interval (method 10 of Newcombe 1998: Wilson
 * limits of both margins combined with the continuity-corrected phi).
 * Errors: MIRS_E_EMPTY (n = 0), MIRS_E_INVALID_ARGUMENT (confidence, NULL),
 * MIRS_E_LIMIT (n > 2^53). */
MIRS_API int mirs_stats_paired_difference(uint64_t n11, uint64_t n10, uint64_t n01, uint64_t n00, double confidence,
                                          double *diff, double *lo, double *hi);

/* Cohen's kappa of a k x k confusion matrix (row-major, rows = rater A),
 * as sklearn.metrics.cohen_kappa_score, computed from exact integer sums.
 * NaN with MIRS_OK when the expected disagreement is 0 (both raters used a
 * single, identical category). Errors: MIRS_E_EMPTY (k = 0 or all zero),
 * MIRS_E_LIMIT (k > 65536), MIRS_E_OVERFLOW (total count > 2^63). */
MIRS_API int mirs_stats_cohen_kappa(const uint64_t *matrix, size_t k, double *kappa);

/* Rank correlations of paired samples, with p-values as scipy.stats 1.10
 * computes them by default: Spearman's rho (average ranks; t distribution
 * with n - 2 degrees of freedom) and Kendall's tau-b (method 'auto': the
 * exact null distribution when there are no ties and n <= 33 or at most one
 * discordant or concordant pair, otherwise the normal approximation with
 * tie correction). n >= 3 for Spearman, >= 2 for Kendall, else
 * MIRS_E_EMPTY; MIRS_E_LIMIT above 2^31 values. NaN inputs: MIRS_E_NUMERIC
 * (infinities rank as the extreme values). A constant input gives NaN
 * statistics and p-values with MIRS_OK, as scipy does. */
MIRS_API int mirs_stats_spearman(const double *x, const double *y, size_t n, double *rho, double *p_value);
MIRS_API int mirs_stats_kendall(const double *x, const double *y, size_t n, double *tau, double *p_value);

/* Welch's unequal-variance t-test from samples, and from summary moments
 * (count, mean, unbiased variance) so that merged accumulators can be tested
 * without their samples (scipy.stats.ttest_ind(equal_var=False)). Each group
 * needs n >= 2 (MIRS_E_EMPTY); NaN or infinite values: MIRS_E_NUMERIC. With
 * both variances 0, df = 1 and t = +-Inf (p = 0) or NaN (equal means), as in
 * scipy. */
MIRS_API int mirs_stats_welch(const double *a, size_t na, const double *b, size_t nb, double *t, double *df,
                              double *p_value);
MIRS_API int mirs_stats_welch_moments(double na, double mean_a, double var_a, double nb, double mean_b, double var_b,
                                      double *t, double *df, double *p_value);

#define MIRS_MWU_AUTO 0       /* exact when min(na, nb) <= 8 and no ties, else asymptotic (scipy's rule) */
#define MIRS_MWU_EXACT 1      /* exact distribution (no ties allowed: MIRS_E_UNSUPPORTED otherwise) */
#define MIRS_MWU_ASYMPTOTIC 2 /* normal approximation, tie-corrected, continuity-corrected */

/* Mann–Whitney U test (two-sided; scipy.stats.mannwhitneyu defaults with
 * use_continuity). *u is U of sample a (scipy's U1). The exact distribution
 * is counted exactly (128-bit integers) while C(na+nb, na) < 2^126, else in
 * doubles up to ~4e8 steps: beyond that MIRS_MWU_EXACT fails with
 * MIRS_E_LIMIT and MIRS_MWU_AUTO (only possible with the larger sample in
 * the hundreds of thousands) uses the asymptotic p-value. Errors:
 * MIRS_E_EMPTY (an empty group), MIRS_E_NUMERIC (NaN), MIRS_E_UNSUPPORTED
 * (EXACT with ties), MIRS_E_INVALID_ARGUMENT (unknown method). */
MIRS_API int mirs_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, int32_t method, double *u,
                                     double *p_value);

/* Cohen's d with the pooled standard deviation (ddof = 1): (mean_a - mean_b) / s_pooled.
 * Needs na, nb >= 1 and na + nb >= 3 (MIRS_E_EMPTY); NaN/Inf: MIRS_E_NUMERIC.
 * A pooled SD of 0 gives +-Inf or NaN. */
MIRS_API int mirs_stats_cohen_d(const double *a, size_t na, const double *b, size_t nb, double *d);

/* AUROC of scores where `pos` should score higher than `neg` (ties count
 * one half) = U / (npos * nneg); and a percentile bootstrap interval from
 * `reps` stratified resamples drawn with a splitmix64 stream from `seed`
 * (the same numbers on every machine and thread). Each replicate draws nneg
 * indices into neg sorted ascending, then npos indices into pos sorted
 * ascending (so only the multisets of scores matter), each index as
 * floor(r * count / 2^64) of the next 64-bit output r; the interval is the
 * alpha/2 and 1 - alpha/2 percentiles (numpy's linear interpolation) of the
 * replicate AUCs. Errors: MIRS_E_EMPTY (an empty group), MIRS_E_NUMERIC
 * (NaN), MIRS_E_INVALID_ARGUMENT (reps = 0, confidence outside (0,1)),
 * MIRS_E_LIMIT (reps > 2^24). O(reps (npos + nneg)) time. */
MIRS_API int mirs_stats_auroc(const double *pos, size_t npos, const double *neg, size_t nneg, double *auc);
MIRS_API int mirs_stats_auroc_bootstrap(const double *pos, size_t npos, const double *neg, size_t nneg, uint32_t reps,
                                        uint64_t seed, double confidence, double *lo, double *hi);

/* Distribution functions behind the tests (exposed for users and checks).
 * They return NaN for NaN or out-of-domain arguments (p outside [0,1],
 * a, b, df <= 0, x outside [0,1]); never fail otherwise. Thread-safe. */
MIRS_API double mirs_stats_normal_cdf(double x);
MIRS_API double mirs_stats_normal_quantile(double p);
MIRS_API double mirs_stats_t_sf(double t, double df);              /* P(T > t) */
MIRS_API double mirs_stats_beta_inc(double a, double b, double x); /* regularised I_x(a, b) */
MIRS_API double mirs_stats_beta_quantile(double a, double b, double p);

/* ---- Names of the constant groups ------------------------------------------ */

/* For each group, mirs_<group>_name(value) gives the static canonical name
 * (NULL for a value outside the group) and mirs_<group>_from_name(name, &out)
 * the value of a name, ignoring ASCII case, spaces, '_' and '-' (MIRS_OK;
 * MIRS_E_NOT_FOUND with the choices in the message; MIRS_E_INVALID_ARGUMENT
 * for NULL). Thread-safe. */
/* MIRS_MWU_*: "auto", "exact", "asymptotic". */
MIRS_API const char *mirs_mwu_method_name(int32_t value);
MIRS_API int mirs_mwu_method_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
