/* Internal helpers of the stats module (special functions, ranking). */
#ifndef MIRS_STATS_INTERNAL_H
#define MIRS_STATS_INTERNAL_H

#include <mirsafety/stats.h>

#include <stdbool.h>

/* 128-bit unsigned integers (GCC and Clang on 64-bit targets): exact counts
 * for the exact null distributions. Arithmetic wraps modulo 2^128, which the
 * algorithms rely on (intermediate differences of exact integers). */
__extension__ typedef unsigned __int128 mirs__u128;
__extension__ typedef __int128 mirs__i128;

/* I_x(a, b) with x and y = 1 - x both given, so callers that know y exactly
 * (t distribution tails, binomial upper tails) do not lose it to rounding. */
double mirs__beta_inc_xy(double a, double b, double x, double y);
/* x^a y^b / B(a, b), accurate for large a and b (TOMS 708's brcomp idea). */
double mirs__beta_front(double a, double b, double x, double y);
/* Binomial distribution at probability p (q = 1 - p). */
double mirs__binom_pmf(double k, double n, double p, double q);
double mirs__binom_cdf(double k, double n, double p, double q); /* P(X <= k) */
double mirs__binom_sf(double k, double n, double p, double q);  /* P(X > k) */

/* Average ranks (1-based, ties get the mean of their positions) of v[0..n).
 * Writes ranks into out, and when tie_term is not NULL the sum of t^3 - t
 * over groups of t tied values. Returns false on allocation failure. */
void mirs__mean_var(const double *v, size_t n, double *mean, double *var);
bool mirs__rank_average(const double *v, size_t n, double *out, double *tie_term);

#endif
