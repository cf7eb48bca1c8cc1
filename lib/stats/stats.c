/*
 * Statistics for reports and entropy analysis: binomial intervals, McNemar,
 * paired differences, Cohen's kappa, rank correlations, Welch's t-test,
 * Mann-Whitney U, Cohen's d and AUROC with a bootstrap interval.
 *
 * Each function mirrors the default computation of scipy 1.10.1 (and
 * sklearn for kappa) step by step, including its 'auto' method rules; see
 * docs/stats.md. Exact null distributions are counted in 128-bit integers
 * where they fit, so they are exact rather than merely close. Every
 * function is pure: no global state, safe from any number of threads.
 */
#include "stats_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* Sizes beyond which sample-based functions refuse (each sample is copied
 * and ranked; 2^31 values would already need tens of GB). */
#define MAX_SAMPLES ((size_t)1 << 31)

static int check_conf(double confidence)
{
    if (!(confidence > 0.0 && confidence < 1.0))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "confidence %g is not in (0, 1)", confidence);
    return MIRS_OK;
}

static int check_sample(const double *v, size_t n, const char *what, bool allow_inf)
{
    if (n > MAX_SAMPLES) return mirs__fail(MIRS_E_LIMIT, "%s: %zu values exceed the limit of 2^31", what, n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]) || (!allow_inf && isinf(v[i])))
            return mirs__fail(MIRS_E_NUMERIC, "%s: value %zu is %s", what, i, isnan(v[i]) ? "NaN" : "infinite");
    }
    return MIRS_OK;
}

/* ---- binomial intervals ---- */

static void wilson(double k, double n, double z, double *lo, double *hi)
{
    /* scipy 1.10 _binom_wilson_conf_int, correction=False, same operation order. */
    double p = k / n;
    double denom = 2 * (n + z * z);
    double center = (2 * n * p + z * z) / denom;
    double q = 1 - p;
    double delta = z / denom * sqrt(4 * n * p * q + z * z);
    *lo = k == 0 ? 0.0 : center - delta;
    *hi = k == n ? 1.0 : center + delta;
}

int mirs_stats_wilson(uint64_t k, uint64_t n, double confidence, double *lo, double *hi)
{
    MIRS_CHECK_ARG(lo && hi, "lo and hi must not be NULL");
    int st = check_conf(confidence);
    if (st) return st;
    if (n == 0) return mirs__fail(MIRS_E_EMPTY, "wilson: n = 0");
    if (k > n)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "wilson: k = %llu > n = %llu", (unsigned long long)k,
                          (unsigned long long)n);
    double z = mirs_stats_normal_quantile(0.5 + 0.5 * confidence);
    wilson((double)k, (double)n, z, lo, hi);
    return MIRS_OK;
}

int mirs_stats_clopper_pearson(uint64_t k, uint64_t n, double confidence, double *lo, double *hi)
{
    MIRS_CHECK_ARG(lo && hi, "lo and hi must not be NULL");
    int st = check_conf(confidence);
    if (st) return st;
    if (n == 0) return mirs__fail(MIRS_E_EMPTY, "clopper_pearson: n = 0");
    if (k > n)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "clopper_pearson: k = %llu > n = %llu", (unsigned long long)k,
                          (unsigned long long)n);
    double alpha = (1 - confidence) / 2, dk = (double)k, dn = (double)n;
    /* lo solves P(X >= k | p) = alpha: p = Beta quantile(alpha; k, n-k+1);
     * hi solves P(X <= k | p) = alpha: 1 - hi = Beta quantile(alpha; n-k, k+1). */
    double l = k == 0 ? 0.0 : mirs_stats_beta_quantile(dk, dn - dk + 1, alpha);
    double h = k == n ? 1.0 : 1.0 - mirs_stats_beta_quantile(dn - dk, dk + 1, alpha);
    if (isnan(l) || isnan(h)) return mirs__fail(MIRS_E_NUMERIC, "clopper_pearson: beta quantile did not converge");
    *lo = l;
    *hi = h;
    return MIRS_OK;
}

/* ---- McNemar: scipy.stats.binomtest(b, b+c, 0.5).pvalue ---- */

/* scipy's _binary_search_for_binom_tst: index i in [lo, hi] with
 * a(i) <= d < a(i+1); sign = -1 searches -pmf. */
static double binom_search(double sign, double d, double lo, double hi, double n)
{
    while (lo < hi) {
        double mid = lo + floor((hi - lo) / 2);
        double midval = sign * mirs__binom_pmf(mid, n, 0.5, 0.5);
        if (midval < d)
            lo = mid + 1;
        else if (midval > d)
            hi = mid - 1;
        else
            return mid;
    }
    if (sign * mirs__binom_pmf(lo, n, 0.5, 0.5) <= d) return lo;
    return lo - 1;
}

int mirs_stats_mcnemar_exact(uint64_t b, uint64_t c, double *p_value)
{
    MIRS_CHECK_ARG(p_value, "p_value must not be NULL");
    if (b + c < b) return mirs__fail(MIRS_E_OVERFLOW, "mcnemar: b + c overflows");
    if (b + c == 0) {
        *p_value = 1.0;
        return MIRS_OK;
    }
    if (b + c > ((uint64_t)1 << 53)) return mirs__fail(MIRS_E_LIMIT, "mcnemar: b + c exceeds 2^53");
    double k = (double)b, n = (double)(b + c), pval;
    double d = mirs__binom_pmf(k, n, 0.5, 0.5);
    const double rerr = 1 + 1e-7;
    if (k == 0.5 * n) {
        pval = 1.0;
    } else if (k < 0.5 * n) {
        double ix = binom_search(-1.0, -d * rerr, ceil(0.5 * n), n, n);
        double y = n - ix + (d * rerr == mirs__binom_pmf(ix, n, 0.5, 0.5) ? 1 : 0);
        pval = mirs__binom_cdf(k, n, 0.5, 0.5) + mirs__binom_sf(n - y, n, 0.5, 0.5);
    } else {
        double ix = binom_search(1.0, d * rerr, 0, floor(0.5 * n), n);
        double y = ix + 1;
        pval = mirs__binom_cdf(y - 1, n, 0.5, 0.5) + mirs__binom_sf(k - 1, n, 0.5, 0.5);
    }
    if (isnan(pval)) return mirs__fail(MIRS_E_NUMERIC, "mcnemar: p-value computation failed");
    *p_value = pval < 1.0 ? pval : 1.0;
    return MIRS_OK;
}

/* ---- Newcombe (1998) method 10 for paired proportions ---- */

int mirs_stats_paired_difference(uint64_t n11, uint64_t n10, uint64_t n01, uint64_t n00, double confidence,
                                 double *diff, double *lo, double *hi)
{
    MIRS_CHECK_ARG(diff && lo && hi, "diff, lo and hi must not be NULL");
    int st = check_conf(confidence);
    if (st) return st;
    uint64_t n = n11 + n10;
    if (n < n11 || n + n01 < n || n + n01 + n00 < n + n01)
        return mirs__fail(MIRS_E_OVERFLOW, "paired_difference: the table total overflows");
    n += n01 + n00;
    if (n == 0) return mirs__fail(MIRS_E_EMPTY, "paired_difference: empty table");
    if (n > ((uint64_t)1 << 53)) return mirs__fail(MIRS_E_LIMIT, "paired_difference: total exceeds 2^53");
    double dn = (double)n, z = mirs_stats_normal_quantile(0.5 + 0.5 * confidence);
    double a = (double)n11, b = (double)n10, c = (double)n01, d = (double)n00;
    double p1 = (a + b) / dn, p2 = (a + c) / dn;
    double l1, u1, l2, u2;
    wilson(a + b, dn, z, &l1, &u1);
    wilson(a + c, dn, z, &l2, &u2);
    /* phi with Newcombe's correction: ad - bc reduced by n/2 when positive
     * (0 if that crosses zero); 0 when a margin is empty. ad - bc is exact
     * in 128-bit integers. */
    double phi = 0.0;
    if (n11 + n10 > 0 && n01 + n00 > 0 && n11 + n01 > 0 && n10 + n00 > 0) {
        mirs__i128 ad = (mirs__i128)n11 * n00, bc = (mirs__i128)n10 * n01;
        mirs__i128 num2 = 2 * (ad - bc); /* twice, so n/2 stays an integer */
        double numer;
        if (num2 > (mirs__i128)n)
            numer = (double)(num2 - (mirs__i128)n) / 2.0;
        else if (num2 >= 0)
            numer = 0.0;
        else
            numer = (double)(num2 / 2);
        phi = numer / sqrt((a + b) * (c + d) * (a + c) * (b + d));
    }
    double est = (b - c) / dn;
    double dl = (p1 - l1) * (p1 - l1) - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) * (u2 - p2);
    double du = (p2 - l2) * (p2 - l2) - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) * (u1 - p1);
    *diff = est;
    *lo = est - sqrt(dl > 0 ? dl : 0.0);
    *hi = est + sqrt(du > 0 ? du : 0.0);
    return MIRS_OK;
}

/* ---- Cohen's kappa (sklearn.metrics.cohen_kappa_score, unweighted) ---- */

int mirs_stats_cohen_kappa(const uint64_t *matrix, size_t k, double *kappa)
{
    MIRS_CHECK_ARG(kappa, "kappa must not be NULL");
    MIRS_CHECK_ARG(matrix || k == 0, "matrix must not be NULL when k > 0");
    size_t cells;
    if (!mirs__mul_ok(k, k, &cells) || k > 65536) return mirs__fail(MIRS_E_LIMIT, "cohen_kappa: k = %zu too large", k);
    if (k == 0) return mirs__fail(MIRS_E_EMPTY, "cohen_kappa: empty matrix");
    /* kappa = 1 - N (N - trace) / (N^2 - sum_i row_i col_i), in exact
     * integers: counts up to 2^63 in total keep every product below 2^126. */
    mirs__u128 total = 0, trace = 0, rc = 0;
    for (size_t i = 0; i < cells; i++) total += matrix[i];
    if (total > ((mirs__u128)1 << 63)) return mirs__fail(MIRS_E_OVERFLOW, "cohen_kappa: total count exceeds 2^63");
    if (total == 0) return mirs__fail(MIRS_E_EMPTY, "cohen_kappa: all counts are 0");
    for (size_t i = 0; i < k; i++) {
        mirs__u128 row = 0, col = 0;
        for (size_t j = 0; j < k; j++) {
            row += matrix[i * k + j];
            col += matrix[j * k + i];
        }
        rc += row * col;
        trace += matrix[i * k + i];
    }
    mirs__u128 den = total * total - rc, num = total * (total - trace);
    /* den = 0: both raters used one and the same category throughout;
     * kappa is 0/0 (sklearn returns NaN too). */
    *kappa = den == 0 ? NAN : 1.0 - (double)num / (double)den;
    return MIRS_OK;
}

/* ---- Spearman ---- */

int mirs_stats_spearman(const double *x, const double *y, size_t n, double *rho, double *p_value)
{
    MIRS_CHECK_ARG(rho && p_value, "rho and p_value must not be NULL");
    MIRS_CHECK_ARG((x && y) || n == 0, "x and y must not be NULL when n > 0");
    if (n < 3) return mirs__fail(MIRS_E_EMPTY, "spearman: n = %zu < 3", n);
    int st = check_sample(x, n, "spearman x", true);
    if (!st) st = check_sample(y, n, "spearman y", true);
    if (st) return st;
    bool cx = true, cy = true;
    for (size_t i = 1; i < n; i++) {
        if (x[i] != x[0]) cx = false;
        if (y[i] != y[0]) cy = false;
    }
    if (cx || cy) { /* scipy: ConstantInputWarning and NaN */
        *rho = NAN;
        *p_value = NAN;
        return MIRS_OK;
    }
    double *r = mirs__calloc(n, 2 * sizeof(double));
    if (!r) return MIRS_E_NO_MEMORY;
    double *rx = r, *ry = r + n;
    if (!mirs__rank_average(x, n, rx, NULL) || !mirs__rank_average(y, n, ry, NULL)) {
        free(r);
        return mirs__fail(MIRS_E_NO_MEMORY, "spearman: out of memory");
    }
    /* Pearson correlation of the ranks, as numpy.corrcoef: centred sums. */
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += rx[i];
        my += ry[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = rx[i] - mx, dy = ry[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    free(r);
    /* numpy.corrcoef's order: covariances over n - 1, then divided by each
     * standard deviation in turn (so perfect orderings give exactly 1). */
    double fact = (double)n - 1;
    double rs = sxy / fact / sqrt(sxx / fact) / sqrt(syy / fact);
    if (rs > 1) rs = 1;
    if (rs < -1) rs = -1;
    double dof = (double)n - 2;
    double arg = dof / ((rs + 1.0) * (1.0 - rs));
    double t = rs * sqrt(arg > 0 ? arg : 0.0);
    *rho = rs;
    *p_value = 2.0 * mirs_stats_t_sf(fabs(t), dof);
    return MIRS_OK;
}

/* ---- Kendall tau-b ---- */

typedef struct {
    double x, y;
} pair_xy;

static int cmp_pair(const void *pa, const void *pb)
{
    const pair_xy *a = pa, *b = pb;
    if (a->x != b->x) return a->x < b->x ? -1 : 1;
    if (a->y != b->y) return a->y < b->y ? -1 : 1;
    return 0;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Strict inversions (i < j with v[i] > v[j]) of v by merge sort; sorts v. */
static uint64_t count_inversions(double *v, double *tmp, size_t n)
{
    uint64_t inv = 0;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                if (v[j] < v[i]) {
                    inv += mid - i;
                    tmp[o++] = v[j++];
                } else {
                    tmp[o++] = v[i++];
                }
            }
            while (i < mid) tmp[o++] = v[i++];
            while (j < hi) tmp[o++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
    return inv;
}

/* Tie statistics of sorted values: sum t(t-1)/2, sum t(t-1)(t-2), sum t(t-1)(2t+5). */
static void tie_stats(const double *sorted, size_t n, uint64_t *pairs, double *s0, double *s1)
{
    uint64_t p = 0;
    double a0 = 0, a1 = 0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1;
        while (e < n && sorted[e] == sorted[s]) e++;
        uint64_t t = e - s;
        if (t > 1) {
            p += t * (t - 1) / 2;
            double dt = (double)t;
            a0 += dt * (dt - 1.) * (dt - 2);
            a1 += dt * (dt - 1.) * (2 * dt + 5);
        }
        s = e;
    }
    *pairs = p;
    *s0 = a0;
    *s1 = a1;
}

/* scipy.stats._mstats_basic._kendall_p_exact(n, c), two-sided, with the
 * Mahonian numbers counted exactly in 128-bit integers (n! < 2^128 for
 * n <= 34; larger n only reach here with c <= 1, handled in closed form). */
static double kendall_p_exact(uint64_t n, uint64_t c)
{
    uint64_t tot = n * (n - 1) / 2;
    if (c > tot - c) c = tot - c;
    if (n <= 2) return 1.0;
    if (c == 0) return n < 171 ? 2.0 / tgamma((double)n + 1) : 0.0;
    if (c == 1) return n < 172 ? 2.0 / tgamma((double)n) : 0.0;
    if (4 * c == n * (n - 1)) return 1.0;
    mirs__u128 m[600]; /* c <= tot/2 <= 33*32/4 = 264 */
    memset(m, 0, sizeof m);
    m[0] = 1;
    m[1] = 1;
    for (uint64_t j = 3; j <= n; j++) {
        for (uint64_t i = 1; i <= c; i++) m[i] += m[i - 1]; /* prefix sums S */
        if (j <= c)
            for (uint64_t i = c; i >= j; i--) m[i] -= m[i - j]; /* S[i] - S[i-j] */
    }
    mirs__u128 sum = 0, fact = 1;
    for (uint64_t i = 0; i <= c; i++) sum += m[i];
    for (uint64_t i = 2; i <= n; i++) fact *= i;
    double prob = 2.0 * (double)sum / (double)fact;
    return prob < 0 ? 0 : prob > 1 ? 1 : prob;
}

int mirs_stats_kendall(const double *x, const double *y, size_t n, double *tau, double *p_value)
{
    MIRS_CHECK_ARG(tau && p_value, "tau and p_value must not be NULL");
    MIRS_CHECK_ARG((x && y) || n == 0, "x and y must not be NULL when n > 0");
    if (n < 2) return mirs__fail(MIRS_E_EMPTY, "kendall: n = %zu < 2", n);
    int st = check_sample(x, n, "kendall x", true);
    if (!st) st = check_sample(y, n, "kendall y", true);
    if (st) return st;
    pair_xy *pr = mirs__calloc(n, sizeof *pr);
    double *buf = mirs__calloc(n, 2 * sizeof(double));
    if (!pr || !buf) {
        free(pr);
        free(buf);
        return MIRS_E_NO_MEMORY;
    }
    for (size_t i = 0; i < n; i++) {
        pr[i].x = x[i];
        pr[i].y = y[i];
    }
    /* Sorted by (x, y), discordant pairs are the strict inversions of y. */
    qsort(pr, n, sizeof *pr, cmp_pair);
    uint64_t ntie = 0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1;
        while (e < n && pr[e].x == pr[s].x && pr[e].y == pr[s].y) e++;
        uint64_t t = e - s;
        ntie += t * (t - 1) / 2;
        s = e;
    }
    double *v = buf, *tmp = buf + n;
    for (size_t i = 0; i < n; i++) v[i] = pr[i].y;
    uint64_t dis = count_inversions(v, tmp, n); /* leaves y sorted in v */
    uint64_t xtie, ytie;
    double x0, x1, y0, y1;
    tie_stats(v, n, &ytie, &y0, &y1);
    for (size_t i = 0; i < n; i++) v[i] = pr[i].x;
    tie_stats(v, n, &xtie, &x0, &x1);
    free(pr);
    free(buf);
    uint64_t tot = (uint64_t)n * (n - 1) / 2;
    if (xtie == tot || ytie == tot) {
        *tau = NAN;
        *p_value = NAN;
        return MIRS_OK;
    }
    double cmd = (double)((int64_t)(tot - xtie - ytie + ntie) - 2 * (int64_t)dis);
    double t = cmd / sqrt((double)(tot - xtie)) / sqrt((double)(tot - ytie));
    t = t < -1 ? -1 : t > 1 ? 1 : t;
    double p;
    uint64_t mind = dis < tot - dis ? dis : tot - dis;
    if (xtie == 0 && ytie == 0 && (n <= 33 || mind <= 1)) {
        p = kendall_p_exact(n, tot - dis);
    } else {
        double dn = (double)n, m = dn * (dn - 1.);
        double var =
            ((m * (2 * dn + 5) - x1 - y1) / 18 + (2 * (double)xtie * (double)ytie) / m + x0 * y0 / (9 * m * (dn - 2)));
        double z = cmd / sqrt(var);
        p = 2 * mirs_stats_normal_cdf(-fabs(z));
    }
    *tau = t;
    *p_value = p;
    return MIRS_OK;
}

/* ---- Welch ---- */

/* The mean and the sample variance (n - 1; NaN when n < 2) of v[0..n), two
 * passes as numpy's mean and var(ddof=1) compute them. */
void mirs__mean_var(const double *v, size_t n, double *mean, double *var)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += v[i];
    double m = s / (double)n, ss = 0;
    for (size_t i = 0; i < n; i++) ss += (v[i] - m) * (v[i] - m);
    *mean = m;
    *var = n > 1 ? ss / (double)(n - 1) : NAN;
}

static void welch_core(double na, double ma, double va, double nb, double mb, double vb, double *t, double *df,
                       double *p)
{
    /* scipy 1.10 _unequal_var_ttest_denom + _ttest_finish. */
    double vn1 = va / na, vn2 = vb / nb;
    double d = (vn1 + vn2) * (vn1 + vn2) / (vn1 * vn1 / (na - 1) + vn2 * vn2 / (nb - 1));
    if (isnan(d)) d = 1;
    double denom = sqrt(vn1 + vn2);
    double tt = (ma - mb) / denom;
    *t = tt;
    *df = d;
    *p = isnan(tt) ? NAN : 2 * mirs_stats_t_sf(fabs(tt), d);
}

int mirs_stats_welch(const double *a, size_t na, const double *b, size_t nb, double *t, double *df, double *p_value)
{
    MIRS_CHECK_ARG(t && df && p_value, "t, df and p_value must not be NULL");
    MIRS_CHECK_ARG((a || na == 0) && (b || nb == 0), "a must not be NULL when na > 0; b must not be NULL when nb > 0");
    if (na < 2 || nb < 2) return mirs__fail(MIRS_E_EMPTY, "welch: groups of %zu and %zu values (need 2 each)", na, nb);
    int st = check_sample(a, na, "welch a", false);
    if (!st) st = check_sample(b, nb, "welch b", false);
    if (st) return st;
    double ma, va, mb, vb;
    mirs__mean_var(a, na, &ma, &va);
    mirs__mean_var(b, nb, &mb, &vb);
    welch_core((double)na, ma, va, (double)nb, mb, vb, t, df, p_value);
    return MIRS_OK;
}

int mirs_stats_welch_moments(double na, double mean_a, double var_a, double nb, double mean_b, double var_b, double *t,
                             double *df, double *p_value)
{
    MIRS_CHECK_ARG(t && df && p_value, "t, df and p_value must not be NULL");
    if (isnan(na) || isnan(nb) || !(na >= 2) || !(nb >= 2))
        return mirs__fail(MIRS_E_EMPTY, "welch_moments: counts %g and %g (need 2 each)", na, nb);
    if (!isfinite(na) || !isfinite(nb) || !isfinite(mean_a) || !isfinite(mean_b) || !isfinite(var_a) ||
        !isfinite(var_b))
        return mirs__fail(MIRS_E_NUMERIC, "welch_moments: non-finite moment");
    if (var_a < 0 || var_b < 0) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "welch_moments: negative variance");
    welch_core(na, mean_a, var_a, nb, mean_b, var_b, t, df, p_value);
    return MIRS_OK;
}

/* ---- Mann-Whitney U ---- */

/* Two-sided exact p = 2 P(U <= k0) under H0 (k0 = min(U1, U2)) for sample
 * sizes s <= L. Returns NaN when the computation would exceed the limits. */
static double mwu_exact_p(uint64_t s, uint64_t L, uint64_t k0)
{
    /* Number of arrangements C(s+L, s), exactly while it fits in 127 bits. */
    mirs__u128 total = 1;
    bool fits = true;
    for (uint64_t i = 1; i <= s && fits; i++) {
        mirs__u128 nt;
        if (__builtin_mul_overflow(total, (mirs__u128)(L + i), &nt) || (nt >> 126) != 0)
            fits = false;
        else
            total = nt / i; /* exact: C(L+i, i) = C(L+i-1, i-1) (L+i) / i */
    }
    size_t len = (size_t)k0 + 1;
    if (k0 > ((uint64_t)1 << 26)) return NAN; /* 1 GiB of counts */
    if (fits) {
        /* Gaussian binomial [s+L choose s]_q = prod_{i=1..s} (1 - q^(L+i)) / (1 - q^i),
         * truncated at q^k0, in wrapping 128-bit arithmetic (the final
         * coefficients are exact since they fit). O(s k0). */
        mirs__u128 *g = calloc(len, sizeof *g);
        if (!g) return NAN;
        g[0] = 1;
        for (uint64_t i = 1; i <= s; i++) {
            for (size_t k = i; k < len; k++) g[k] += g[k - i];
            uint64_t sh = L + i;
            if (sh < len)
                for (size_t k = len - 1; k >= sh; k--) g[k] -= g[k - sh];
        }
        mirs__u128 cum = 0;
        for (size_t k = 0; k < len; k++) cum += g[k];
        free(g);
        double p = 2.0 * ((double)cum / (double)total);
        return p < 1 ? p : 1;
    }
    /* Counts too large for 128 bits: add-only recurrence in doubles,
     * f_n(m, k) = f_n(m-1, k-n) + f_{n-1}(m, k), O(s L k0) work. */
    double work = (double)s * (double)L * (double)len;
    if (work > 4e8) return NAN;
    double lt = lgamma((double)(s + L) + 1) - lgamma((double)s + 1) - lgamma((double)L + 1);
    if (lt > 700) return NAN;
    double *f = calloc((size_t)(s + 1) * len, sizeof *f);
    if (!f) return NAN;
    for (uint64_t m = 0; m <= s; m++) f[m * len] = 1;
    for (uint64_t nn = 1; nn <= L; nn++)
        for (uint64_t m = 1; m <= s; m++)
            for (size_t k = len - 1; k >= nn && k < len; k--) f[m * len + k] += f[(m - 1) * len + k - nn];
    double cum = 0;
    for (size_t k = 0; k < len; k++) cum += f[s * len + k];
    free(f);
    double p = 2.0 * cum / exp(lt);
    return p < 1 ? p : 1;
}

int mirs_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, int32_t method, double *u,
                            double *p_value)
{
    MIRS_CHECK_ARG(u && p_value, "u and p_value must not be NULL");
    MIRS_CHECK_ARG((a || na == 0) && (b || nb == 0), "a must not be NULL when na > 0; b must not be NULL when nb > 0");
    MIRS_CHECK_ARG(method == MIRS_MWU_AUTO || method == MIRS_MWU_EXACT || method == MIRS_MWU_ASYMPTOTIC,
                   "method must be MIRS_MWU_AUTO, MIRS_MWU_EXACT or MIRS_MWU_ASYMPTOTIC");
    if (na == 0 || nb == 0) return mirs__fail(MIRS_E_EMPTY, "mann_whitney: an empty group (%zu, %zu)", na, nb);
    int st = check_sample(a, na, "mann_whitney a", true);
    if (!st) st = check_sample(b, nb, "mann_whitney b", true);
    if (st) return st;
    if (na + nb > MAX_SAMPLES) return mirs__fail(MIRS_E_LIMIT, "mann_whitney: too many values");
    size_t n = na + nb;
    double *v = mirs__calloc(n, 2 * sizeof(double));
    if (!v) return MIRS_E_NO_MEMORY;
    memcpy(v, a, na * sizeof *v);
    memcpy(v + na, b, nb * sizeof *v);
    double tie_term;
    if (!mirs__rank_average(v, n, v + n, &tie_term)) {
        free(v);
        return MIRS_E_NO_MEMORY;
    }
    double r1 = 0;
    for (size_t i = 0; i < na; i++) r1 += v[n + i];
    free(v);
    double n1 = (double)na, n2 = (double)nb;
    double u1 = r1 - n1 * (n1 + 1) / 2, u2 = n1 * n2 - u1;
    double U = u1 > u2 ? u1 : u2;
    bool ties = tie_term != 0;
    if (method == MIRS_MWU_EXACT && ties)
        return mirs__fail(MIRS_E_UNSUPPORTED, "mann_whitney: the exact method needs samples without ties");
    bool exact = method == MIRS_MWU_EXACT || (method == MIRS_MWU_AUTO && !(na > 8 && nb > 8) && !ties);
    double p = NAN;
    if (exact) {
        uint64_t s = na < nb ? na : nb, L = na < nb ? nb : na;
        p = mwu_exact_p(s, L, (uint64_t)(n1 * n2 - U));
        if (isnan(p) && method == MIRS_MWU_EXACT)
            return mirs__fail(MIRS_E_LIMIT, "mann_whitney: exact distribution for %zu x %zu is too large", na, nb);
        /* AUTO beyond the exact limits (only min(n) <= 8 with the other
         * sample in the hundreds of thousands): asymptotic, see docs. */
    }
    if (isnan(p)) {
        double nt = n1 + n2, mu = n1 * n2 / 2;
        double s = sqrt(n1 * n2 / 12 * ((nt + 1) - tie_term / (nt * (nt - 1))));
        double z = (U - mu - 0.5) / s;
        p = 2 * mirs_stats_normal_cdf(-z);
        p = p < 0 ? 0 : p > 1 ? 1 : p;
    }
    *u = u1;
    *p_value = p;
    return MIRS_OK;
}

/* ---- Cohen's d ---- */

int mirs_stats_cohen_d(const double *a, size_t na, const double *b, size_t nb, double *d)
{
    MIRS_CHECK_ARG(d, "d must not be NULL");
    MIRS_CHECK_ARG((a || na == 0) && (b || nb == 0), "a must not be NULL when na > 0; b must not be NULL when nb > 0");
    if (na < 1 || nb < 1 || na + nb < 3)
        return mirs__fail(MIRS_E_EMPTY, "cohen_d: groups of %zu and %zu values (need >= 1 each, 3 in all)", na, nb);
    int st = check_sample(a, na, "cohen_d a", false);
    if (!st) st = check_sample(b, nb, "cohen_d b", false);
    if (st) return st;
    double ma, va, mb, vb;
    mirs__mean_var(a, na, &ma, &va);
    mirs__mean_var(b, nb, &mb, &vb);
    double ssa = na > 1 ? va * (double)(na - 1) : 0.0, ssb = nb > 1 ? vb * (double)(nb - 1) : 0.0;
    double sp = sqrt((ssa + ssb) / ((double)na + (double)nb - 2));
    *d = (ma - mb) / sp;
    return MIRS_OK;
}

/* ---- AUROC ---- */

int mirs_stats_auroc(const double *pos, size_t npos, const double *neg, size_t nneg, double *auc)
{
    MIRS_CHECK_ARG(auc, "auc must not be NULL");
    double u, p;
    /* U of `pos` counts pairs pos > neg plus half the ties. */
    int st = mirs_stats_mann_whitney(pos, npos, neg, nneg, MIRS_MWU_ASYMPTOTIC, &u, &p);
    if (st) return st;
    *auc = u / ((double)npos * (double)nneg);
    return MIRS_OK;
}

/* splitmix64 stream: the i-th output is mix(seed + (i+1) * golden). */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t r = mirs__splitmix64(*state);
    *state += 0x9e3779b97f4a7c15ull;
    return r;
}

/* Uniform index in [0, n) by Lemire's multiply-shift (bias < n / 2^64). */
static size_t draw(uint64_t *state, size_t n) { return (size_t)(((mirs__u128)next_u64(state) * (mirs__u128)n) >> 64); }

int mirs_stats_auroc_bootstrap(const double *pos, size_t npos, const double *neg, size_t nneg, uint32_t reps,
                               uint64_t seed, double confidence, double *lo, double *hi)
{
    MIRS_CHECK_ARG(lo && hi, "lo and hi must not be NULL");
    MIRS_CHECK_ARG((pos || npos == 0) && (neg || nneg == 0),
                   "pos must not be NULL when npos > 0; neg must not be NULL when nneg > 0");
    if (reps < 1) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "auroc_bootstrap: reps = 0");
    if (reps > (1u << 24)) return mirs__fail(MIRS_E_LIMIT, "auroc_bootstrap: reps = %u exceeds 2^24", reps);
    int st = check_conf(confidence);
    if (st) return st;
    if (npos == 0 || nneg == 0)
        return mirs__fail(MIRS_E_EMPTY, "auroc_bootstrap: an empty group (%zu, %zu)", npos, nneg);
    st = check_sample(pos, npos, "auroc pos", true);
    if (!st) st = check_sample(neg, nneg, "auroc neg", true);
    if (st) return st;
    /* Draws index the sorted scores, so the interval depends only on the
     * multisets of scores, not on their order.
     * For each positive, the number of negatives below it and tied with it
     * (indices into the sorted negatives), so a resample's AUC is
     * sum over drawn positives of W[lt] + (W[lt+eq] - W[lt]) / 2 with W the
     * prefix sums of the negatives' draw counts: O(npos + nneg) per rep. */
    double *sneg = mirs__malloc(nneg * sizeof *sneg), *spos = mirs__malloc(npos * sizeof *spos);
    size_t *lt = mirs__calloc(npos, 2 * sizeof *lt);
    uint64_t *w = mirs__calloc(nneg + 1, sizeof *w);
    double *aucs = mirs__calloc(reps, sizeof *aucs);
    if (!sneg || !spos || !lt || !w || !aucs) {
        free(sneg);
        free(spos);
        free(lt);
        free(w);
        free(aucs);
        return MIRS_E_NO_MEMORY;
    }
    size_t *le = lt + npos;
    memcpy(sneg, neg, nneg * sizeof *sneg);
    qsort(sneg, nneg, sizeof *sneg, cmp_double);
    memcpy(spos, pos, npos * sizeof *spos);
    qsort(spos, npos, sizeof *spos, cmp_double);
    for (size_t i = 0; i < npos; i++) {
        size_t l = 0, h = nneg;
        while (l < h) { /* first index with sneg >= pos[i] */
            size_t m = l + (h - l) / 2;
            if (sneg[m] < spos[i])
                l = m + 1;
            else
                h = m;
        }
        lt[i] = l;
        h = nneg;
        while (l < h) { /* first index with sneg > pos[i] */
            size_t m = l + (h - l) / 2;
            if (sneg[m] <= spos[i])
                l = m + 1;
            else
                h = m;
        }
        le[i] = l;
    }
    uint64_t state = seed;
    double denom = (double)npos * (double)nneg;
    for (uint32_t r = 0; r < reps; r++) {
        memset(w, 0, (nneg + 1) * sizeof *w);
        for (size_t j = 0; j < nneg; j++) w[draw(&state, nneg) + 1]++;
        for (size_t j = 0; j < nneg; j++) w[j + 1] += w[j];
        /* Twice the U statistic, an exact integer. */
        uint64_t twice_u = 0;
        for (size_t i = 0; i < npos; i++) {
            size_t k = draw(&state, npos);
            twice_u += w[lt[k]] + w[le[k]];
        }
        aucs[r] = (double)twice_u / 2.0 / denom;
    }
    qsort(aucs, reps, sizeof *aucs, cmp_double);
    /* Percentiles with numpy's default linear interpolation. */
    double alpha = (1 - confidence) / 2, q[2] = {alpha, 1 - alpha}, out[2];
    for (int i = 0; i < 2; i++) {
        double hpos = (double)(reps - 1) * q[i];
        double fl = floor(hpos);
        size_t j = (size_t)fl;
        double frac = hpos - fl;
        out[i] = j + 1 < reps ? aucs[j] + frac * (aucs[j + 1] - aucs[j]) : aucs[j];
    }
    free(sneg);
    free(spos);
    free(lt);
    free(w);
    free(aucs);
    *lo = out[0];
    *hi = out[1];
    return MIRS_OK;
}
