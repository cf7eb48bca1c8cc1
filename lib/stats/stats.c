/*
 * Statistics for reports and the entropy analysis. The reference for every
 * default is scipy.stats 1.10 (Debian 12's): the same formulas, the same
 * 'auto' rules, so a user can check any number against scipy. Special
 * functions are computed in double precision from lgamma/erfc with
 * continued fractions; nothing here uses fast-math.
 */
#include "util/util.h"

#include <mirsafety/stats.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- special functions --------------------------------------------------- */

MIRS_API double mirs_stats_normal_cdf(double x) { return 0.5 * erfc(-x / M_SQRT2); }

static double normal_sf(double x) { return 0.5 * erfc(x / M_SQRT2); }

/* Lower-tail quantile for p <= 0.5: Acklam's rational approximation
 * (relative error 1.15e-9) and two Halley steps on erfc, which is accurate
 * in this tail, bring it to double precision. */
static double normal_quantile_lower(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                               1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    double x;
    if (p < 0.02425) {
        double q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
        double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    for (int it = 0; it < 2; it++) {
        double e = 0.5 * erfc(-x / M_SQRT2) - p;
        double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
        x = x - u / (1 + x * u / 2);
    }
    return x;
}

MIRS_API double mirs_stats_normal_quantile(double p)
{
    if (isnan(p) || p < 0 || p > 1) return NAN;
    if (p == 0) return -INFINITY;
    if (p == 1) return INFINITY;
    /* 1 - p is exact for p >= 0.5 (Sterbenz), so the upper tail loses nothing. */
    return p <= 0.5 ? normal_quantile_lower(p) : -normal_quantile_lower(1 - p);
}

/* Continued fraction of the incomplete beta (modified Lentz). */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < eps) break;
    }
    return h;
}

MIRS_API double mirs_stats_beta_inc(double a, double b, double x)
{
    if (isnan(a) || isnan(b) || isnan(x) || a <= 0 || b <= 0) return NAN;
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    double bt = exp(lbt);
    if (x < (a + 1) / (a + b + 2)) return bt * betacf(a, b, x) / a;
    return 1 - bt * betacf(b, a, 1 - x) / b;
}

MIRS_API double mirs_stats_beta_quantile(double a, double b, double p)
{
    if (isnan(p) || p < 0 || p > 1 || !(a > 0) || !(b > 0)) return NAN;
    if (p == 0) return 0;
    if (p == 1) return 1;
    /* Bisection to a bracket, then Newton steps guarded by the bracket. */
    double lo = 0, hi = 1, x = a / (a + b);
    double lbeta = lgamma(a) + lgamma(b) - lgamma(a + b);
    for (int it = 0; it < 400; it++) {
        double f = mirs_stats_beta_inc(a, b, x) - p;
        if (f == 0) return x;
        if (f < 0)
            lo = x;
        else
            hi = x;
        double dens = exp((a - 1) * log(x) + (b - 1) * log1p(-x) - lbeta);
        double nx = dens > 0 && isfinite(dens) ? x - f / dens : NAN;
        if (!(nx > lo && nx < hi)) nx = 0.5 * (lo + hi);
        if (fabs(nx - x) <= 1e-15 * fmax(x, 1e-300) || hi - lo <= 1e-300) return nx;
        x = nx;
    }
    return x;
}

MIRS_API double mirs_stats_t_sf(double t, double df)
{
    if (isnan(t) || !(df > 0)) return NAN;
    if (isinf(t)) return t > 0 ? 0 : 1;
    double x = df / (df + t * t);
    double tail = 0.5 * mirs_stats_beta_inc(df / 2, 0.5, x);
    return t > 0 ? tail : 1 - tail;
}

static int check_conf(double confidence)
{
    if (!(confidence > 0 && confidence < 1)) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "confidence must be in (0, 1)");
    return MIRS_OK;
}

/* ---- binomial intervals ---------------------------------------------------- */

MIRS_API int mirs_stats_wilson(uint64_t k, uint64_t n, double confidence, double *lo, double *hi)
{
    MIRS_CHECK_ARG(lo && hi);
    if (k > n)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_stats_wilson: k (%llu) > n (%llu)", (unsigned long long)k,
                          (unsigned long long)n);
    int st = check_conf(confidence);
    if (st) return st;
    if (n == 0) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_wilson: n = 0");
    /* scipy's _binom_wilson_conf_int, term for term. */
    double z = mirs_stats_normal_quantile(0.5 + 0.5 * confidence);
    double dn = (double)n, p = (double)k / dn, q = 1 - p;
    double denom = 2 * (dn + z * z);
    double center = (2 * dn * p + z * z) / denom;
    double dlo = z * sqrt(z * z + 4 * dn * p * q) / denom;
    *lo = center - dlo;
    *hi = center + dlo;
    return MIRS_OK;
}

MIRS_API int mirs_stats_clopper_pearson(uint64_t k, uint64_t n, double confidence, double *lo, double *hi)
{
    MIRS_CHECK_ARG(lo && hi);
    if (k > n) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_stats_clopper_pearson: k > n");
    int st = check_conf(confidence);
    if (st) return st;
    if (n == 0) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_clopper_pearson: n = 0");
    double alpha = (1 - confidence) / 2;
    double dk = (double)k, dn = (double)n;
    /* P(X >= k | p) = alpha  <=>  p = B^-1(alpha; k, n - k + 1). */
    *lo = k == 0 ? 0.0 : mirs_stats_beta_quantile(dk, dn - dk + 1, alpha);
    *hi = k == n ? 1.0 : mirs_stats_beta_quantile(dk + 1, dn - dk, 1 - alpha);
    return MIRS_OK;
}

/* P(X <= k) for X ~ Binom(n, 1/2). */
static double binom_half_cdf(uint64_t k, uint64_t n)
{
    if (k >= n) return 1;
    return mirs_stats_beta_inc((double)(n - k), (double)k + 1, 0.5);
}

MIRS_API int mirs_stats_mcnemar_exact(uint64_t b, uint64_t c, double *p_value)
{
    MIRS_CHECK_ARG(p_value);
    uint64_t n = b + c;
    if (n == 0 || b == c) {
        *p_value = 1.0;
        return MIRS_OK;
    }
    /* scipy.stats.binomtest(b, b + c, 0.5): with p = 1/2 the distribution is
     * symmetric, so the two-sided p-value is the mass of both tails. */
    uint64_t k = b < c ? b : c;
    double p = 2 * binom_half_cdf(k, n);
    *p_value = p > 1 ? 1 : p;
    return MIRS_OK;
}

MIRS_API int mirs_stats_paired_difference(uint64_t n11, uint64_t n10, uint64_t n01, uint64_t n00, double confidence,
                                          double *diff, double *lo, double *hi)
{
    MIRS_CHECK_ARG(diff && lo && hi);
    int st = check_conf(confidence);
    if (st) return st;
    uint64_t n = n11 + n10 + n01 + n00;
    if (n == 0) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_paired_difference: no pairs");
    double l1, u1, l2, u2;
    mirs_stats_wilson(n11 + n10, n, confidence, &l1, &u1);
    mirs_stats_wilson(n11 + n01, n, confidence, &l2, &u2);
    double dn = (double)n, p1 = (double)(n11 + n10) / dn, p2 = (double)(n11 + n01) / dn;
    double a = (double)n11, b = (double)n10, c = (double)n01, d = (double)n00;
    double prod = (a + b) * (c + d) * (a + c) * (b + d);
    /* Newcombe (1998) method 10: phi without continuity correction. */
    double phi = prod > 0 ? (a * d - b * c) / sqrt(prod) : 0.0;
    double dl = sqrt(fmax(0, (p1 - l1) * (p1 - l1) - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) * (u2 - p2)));
    double du = sqrt(fmax(0, (u1 - p1) * (u1 - p1) - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) * (p2 - l2)));
    *diff = p1 - p2;
    *lo = *diff - dl;
    *hi = *diff + du;
    return MIRS_OK;
}

MIRS_API int mirs_stats_cohen_kappa(const uint64_t *matrix, size_t k, double *kappa)
{
    MIRS_CHECK_ARG(matrix && kappa && k > 0 && k <= 4096);
    double tot = 0, diag = 0, pe = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            tot += (double)matrix[i * k + j];
            if (i == j) diag += (double)matrix[i * k + j];
        }
    if (tot == 0) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_cohen_kappa: empty matrix");
    for (size_t i = 0; i < k; i++) {
        double row = 0, col = 0;
        for (size_t j = 0; j < k; j++) row += (double)matrix[i * k + j], col += (double)matrix[j * k + i];
        pe += (row / tot) * (col / tot);
    }
    double po = diag / tot;
    *kappa = pe == 1 ? NAN : (po - pe) / (1 - pe);
    return MIRS_OK;
}

/* ---- ranks ------------------------------------------------------------------ */

typedef struct {
    double v;
    size_t i;
} vi;

static int cmp_vi(const void *a, const void *b)
{
    const vi *x = a, *y = b;
    if (x->v < y->v) return -1;
    if (x->v > y->v) return 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Average ranks (1-based) as scipy.stats.rankdata; *tie_term gets
 * sum(t^3 - t) over tie groups when non-NULL. */
static int rankdata(const double *x, size_t n, double *ranks, double *tie_term)
{
    vi *s = mirs__malloc(n * sizeof *s);
    if (!s) return MIRS_E_NO_MEMORY;
    for (size_t i = 0; i < n; i++) s[i].v = x[i], s[i].i = i;
    qsort(s, n, sizeof *s, cmp_vi);
    double tt = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && s[j].v == s[i].v) j++;
        double r = 0.5 * ((double)(i + 1) + (double)j);
        for (size_t k = i; k < j; k++) ranks[s[k].i] = r;
        double t = (double)(j - i);
        tt += t * t * t - t;
        i = j;
    }
    free(s);
    if (tie_term) *tie_term = tt;
    return MIRS_OK;
}

static int check_finite(const double *x, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i])) return mirs__fail(MIRS_E_NUMERIC, "%s: NaN at index %zu", what, i);
    return MIRS_OK;
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= (double)n, my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy, sxx += dx * dx, syy += dy * dy;
    }
    if (sxx == 0 || syy == 0) return NAN;
    double r = sxy / sqrt(sxx * syy);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

MIRS_API int mirs_stats_spearman(const double *x, const double *y, size_t n, double *rho, double *p_value)
{
    MIRS_CHECK_ARG(x && y && rho && p_value);
    if (n < 3) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_spearman: need at least 3 pairs, got %zu", n);
    int st;
    if ((st = check_finite(x, n, "mirs_stats_spearman x")) || (st = check_finite(y, n, "mirs_stats_spearman y")))
        return st;
    double *rx = mirs__malloc(2 * n * sizeof *rx);
    if (!rx) return MIRS_E_NO_MEMORY;
    double *ry = rx + n;
    if ((st = rankdata(x, n, rx, NULL)) || (st = rankdata(y, n, ry, NULL))) {
        free(rx);
        return st;
    }
    double r = pearson(rx, ry, n);
    free(rx);
    double dof = (double)n - 2, p;
    if (isnan(r))
        p = NAN;
    else {
        double t = r * sqrt(fmax(0, dof / ((r + 1) * (1 - r))));
        if (isnan(t)) t = INFINITY; /* |r| == 1 */
        p = 2 * mirs_stats_t_sf(fabs(t), dof);
    }
    *rho = r;
    *p_value = p;
    return MIRS_OK;
}

/* Two-sided exact p-value of Kendall's statistic with c concordant pairs
 * (scipy.stats._mstats_basic._kendall_p_exact). */
static double kendall_p_exact(size_t n, uint64_t c)
{
    uint64_t tot = (uint64_t)n * (n - 1) / 2;
    if (c > tot - c) c = tot - c;
    if (n <= 2) return 1.0;
    double prob;
    if (c == 0) return n < 171 ? fmin(1, 2.0 / tgamma((double)n + 1)) : 0.0;
    if (c == 1) return n < 172 ? fmin(1, 2.0 / tgamma((double)n)) : 0.0;
    if (4 * c == (uint64_t)n * (n - 1)) return 1.0;
    double *v = calloc(c + 1, sizeof *v);
    if (!v) return NAN;
    v[0] = v[1] = 1.0;
    bool big = n >= 171;
    for (size_t j = 3; j <= n; j++) {
        double acc = 0;
        for (uint64_t i = 0; i <= c; i++) {
            acc += v[i];
            v[i] = big ? acc / (double)j : acc;
        }
        if (j <= c)
            for (uint64_t i = c; i >= j; i--) v[i] -= v[i - j];
    }
    double sum = 0;
    for (uint64_t i = 0; i <= c; i++) sum += v[i];
    free(v);
    prob = big ? sum : 2.0 * sum / tgamma((double)n + 1);
    return prob > 1 ? 1 : prob < 0 ? 0 : prob;
}

MIRS_API int mirs_stats_kendall(const double *x, const double *y, size_t n, double *tau, double *p_value)
{
    MIRS_CHECK_ARG(x && y && tau && p_value);
    if (n < 2) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_kendall: need at least 2 pairs, got %zu", n);
    int st;
    if ((st = check_finite(x, n, "mirs_stats_kendall x")) || (st = check_finite(y, n, "mirs_stats_kendall y")))
        return st;
    /* O(n^2) pair counting: the reports correlate tens of models, and an
     * exact count is simpler to trust than a merge-sort variant. */
    if (n > 100000) return mirs__fail(MIRS_E_LIMIT, "mirs_stats_kendall: n = %zu exceeds 100000", n);
    double con = 0, dis = 0, xtie = 0, ytie = 0, ntie = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dx == 0 && dy == 0)
                ntie++, xtie++, ytie++;
            else if (dx == 0)
                xtie++;
            else if (dy == 0)
                ytie++;
            else if ((dx > 0) == (dy > 0))
                con++;
            else
                dis++;
        }
    double tot = (double)n * ((double)n - 1) / 2;
    if (xtie == tot || ytie == tot) {
        *tau = NAN;
        *p_value = NAN;
        return MIRS_OK;
    }
    double cmd = con - dis;
    double t = cmd / sqrt(tot - xtie) / sqrt(tot - ytie);
    t = fmin(1.0, fmax(-1.0, t));
    double p;
    if (xtie == 0 && ytie == 0 && (n <= 33 || fmin(dis, tot - dis) <= 1)) {
        p = kendall_p_exact(n, (uint64_t)(tot - dis));
    } else {
        /* Tie-corrected variance of con - dis (scipy's asymptotic branch). */
        double *sx = mirs__malloc(2 * n * sizeof *sx);
        if (!sx) return MIRS_E_NO_MEMORY;
        double *sy = sx + n;
        memcpy(sx, x, n * sizeof *sx);
        memcpy(sy, y, n * sizeof *sy);
        double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
        for (int w = 0; w < 2; w++) {
            double *s = w ? sy : sx;
            vi *tmp = mirs__malloc(n * sizeof *tmp);
            if (!tmp) {
                free(sx);
                return MIRS_E_NO_MEMORY;
            }
            for (size_t i = 0; i < n; i++) tmp[i].v = s[i], tmp[i].i = i;
            qsort(tmp, n, sizeof *tmp, cmp_vi);
            for (size_t i = 0; i < n;) {
                size_t j = i + 1;
                while (j < n && tmp[j].v == tmp[i].v) j++;
                double cnt = (double)(j - i);
                if (cnt > 1) {
                    if (w)
                        y0 += cnt * (cnt - 1) * (cnt - 2), y1 += cnt * (cnt - 1) * (2 * cnt + 5);
                    else
                        x0 += cnt * (cnt - 1) * (cnt - 2), x1 += cnt * (cnt - 1) * (2 * cnt + 5);
                }
                i = j;
            }
            free(tmp);
        }
        free(sx);
        double dn = (double)n, m = dn * (dn - 1);
        double var = (m * (2 * dn + 5) - x1 - y1) / 18 + (2 * xtie * ytie) / m + x0 * y0 / (9 * m * (dn - 2));
        double z = cmd / sqrt(var);
        p = 2 * normal_sf(fabs(z));
    }
    *tau = t;
    *p_value = p;
    return MIRS_OK;
}

/* ---- two-sample tests ------------------------------------------------------- */

static void moments(const double *a, size_t n, double *mean, double *var)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m += a[i];
    m /= (double)n;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (a[i] - m) * (a[i] - m);
    *mean = m;
    *var = n > 1 ? s / (double)(n - 1) : NAN;
}

MIRS_API int mirs_stats_welch_moments(double na, double mean_a, double var_a, double nb, double mean_b, double var_b,
                                      double *t, double *df, double *p_value)
{
    MIRS_CHECK_ARG(t && df && p_value);
    if (!(na >= 2) || !(nb >= 2)) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_welch: each group needs n >= 2");
    if (isnan(mean_a) || isnan(mean_b) || isnan(var_a) || isnan(var_b))
        return mirs__fail(MIRS_E_NUMERIC, "mirs_stats_welch: NaN moments");
    double va = var_a / na, vb = var_b / nb, se2 = va + vb;
    double tt = (mean_a - mean_b) / sqrt(se2);
    double d = se2 * se2 / (va * va / (na - 1) + vb * vb / (nb - 1));
    *t = tt;
    *df = d;
    *p_value = isnan(tt) ? NAN : 2 * mirs_stats_t_sf(fabs(tt), d);
    return MIRS_OK;
}

MIRS_API int mirs_stats_welch(const double *a, size_t na, const double *b, size_t nb, double *t, double *df,
                              double *p_value)
{
    MIRS_CHECK_ARG(a && b && t && df && p_value);
    if (na < 2 || nb < 2) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_welch: each group needs n >= 2");
    int st;
    if ((st = check_finite(a, na, "mirs_stats_welch a")) || (st = check_finite(b, nb, "mirs_stats_welch b"))) return st;
    double ma, va, mb, vb;
    moments(a, na, &ma, &va);
    moments(b, nb, &mb, &vb);
    return mirs_stats_welch_moments((double)na, ma, va, (double)nb, mb, vb, t, df, p_value);
}

/* Exact null distribution of U for sizes m, n: counts of U = k are the
 * coefficients of the Gaussian binomial [m+n choose m]_q, built as
 * prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i). Returns P(U >= u). */
static int mwu_exact_sf(size_t m, size_t n, size_t u, double *out)
{
    if (m > n) {
        size_t t = m;
        m = n;
        n = t;
    }
    size_t mn;
    if (!mirs__mul_ok(m, n, &mn) || mn > 50000000)
        return mirs__fail(MIRS_E_LIMIT, "Mann-Whitney exact: sizes %zu x %zu too large", m, n);
    double *c = calloc(mn + 1, sizeof *c);
    if (!c) return mirs__fail(MIRS_E_NO_MEMORY, "out of memory");
    c[0] = 1;
    size_t deg = 0;
    for (size_t i = 1; i <= m; i++) {
        size_t s = n + i;
        /* multiply by (1 - q^s) */
        for (size_t k = deg + s; k >= s; k--) {
            if (k <= mn) c[k] -= c[k - s];
            if (k == s) break;
        }
        /* divide by (1 - q^i): the prefix recurrence runs over the whole
         * product (degree deg + s); the quotient has degree deg + n, and the
         * terms above it cancel to zero, which we make exact. */
        size_t top = deg + s < mn ? deg + s : mn;
        for (size_t k = i; k <= top; k++) c[k] += c[k - i];
        deg += n;
        for (size_t k = deg + 1; k <= top; k++) c[k] = 0;
    }
    double tot = 0, tail = 0;
    for (size_t k = 0; k <= mn; k++) tot += c[k];
    /* P(U >= u) = P(U <= mn - u) by symmetry (scipy sums from the left). */
    size_t lim = u > mn ? 0 : mn - u;
    for (size_t k = 0; k <= lim && u <= mn; k++) tail += c[k];
    free(c);
    *out = tail / tot;
    return MIRS_OK;
}

MIRS_API int mirs_stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, int32_t method, double *u,
                                     double *p_value)
{
    MIRS_CHECK_ARG(a && b && u && p_value);
    if (method < MIRS_MWU_AUTO || method > MIRS_MWU_ASYMPTOTIC)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_stats_mann_whitney: unknown method %d", (int)method);
    if (na == 0 || nb == 0) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_mann_whitney: an empty sample");
    int st;
    if ((st = check_finite(a, na, "mirs_stats_mann_whitney a")) ||
        (st = check_finite(b, nb, "mirs_stats_mann_whitney b")))
        return st;
    size_t n = na + nb;
    double *xy = mirs__malloc(2 * n * sizeof *xy);
    if (!xy) return MIRS_E_NO_MEMORY;
    double *ranks = xy + n;
    memcpy(xy, a, na * sizeof *xy);
    memcpy(xy + na, b, nb * sizeof *xy);
    double tie_term;
    if ((st = rankdata(xy, n, ranks, &tie_term))) {
        free(xy);
        return st;
    }
    double r1 = 0;
    for (size_t i = 0; i < na; i++) r1 += ranks[i];
    free(xy);
    double n1 = (double)na, n2 = (double)nb;
    double u1 = r1 - n1 * (n1 + 1) / 2, u2 = n1 * n2 - u1, U = fmax(u1, u2);
    bool ties = tie_term > 0;
    if (method == MIRS_MWU_AUTO) method = (na > 8 && nb > 8) || ties ? MIRS_MWU_ASYMPTOTIC : MIRS_MWU_EXACT;
    double p = NAN;
    if (method == MIRS_MWU_EXACT) {
        if (ties)
            return mirs__fail(MIRS_E_UNSUPPORTED, "mirs_stats_mann_whitney: the exact method does not allow ties");
        if ((st = mwu_exact_sf(na, nb, (size_t)U, &p))) return st;
    } else {
        double dn = n1 + n2, mu = n1 * n2 / 2;
        double s = sqrt(n1 * n2 / 12 * ((dn + 1) - tie_term / (dn * (dn - 1))));
        double z = (U - mu - 0.5) / s;
        p = normal_sf(z);
    }
    p *= 2;
    *u = u1;
    *p_value = p > 1 ? 1 : p < 0 ? 0 : p;
    return MIRS_OK;
}

MIRS_API int mirs_stats_cohen_d(const double *a, size_t na, const double *b, size_t nb, double *d)
{
    MIRS_CHECK_ARG(a && b && d);
    if (na < 2 || nb < 2) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_cohen_d: each group needs n >= 2");
    int st;
    if ((st = check_finite(a, na, "mirs_stats_cohen_d a")) || (st = check_finite(b, nb, "mirs_stats_cohen_d b")))
        return st;
    double ma, va, mb, vb;
    moments(a, na, &ma, &va);
    moments(b, nb, &mb, &vb);
    double sp = sqrt(((double)(na - 1) * va + (double)(nb - 1) * vb) / (double)(na + nb - 2));
    *d = (ma - mb) / sp;
    return MIRS_OK;
}

/* AUROC by sorting all scores once: U of the positives / (npos * nneg). */
static int auc_of(const double *pos, size_t npos, const double *neg, size_t nneg, vi *work, double *auc)
{
    size_t n = npos + nneg;
    for (size_t i = 0; i < npos; i++) work[i].v = pos[i], work[i].i = 0;
    for (size_t i = 0; i < nneg; i++) work[npos + i].v = neg[i], work[npos + i].i = 1;
    qsort(work, n, sizeof *work, cmp_vi);
    double r1 = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1, npos_here = work[i].i == 0;
        while (j < n && work[j].v == work[i].v) npos_here += work[j].i == 0, j++;
        r1 += (double)npos_here * 0.5 * ((double)(i + 1) + (double)j);
        i = j;
    }
    double u1 = r1 - (double)npos * ((double)npos + 1) / 2;
    *auc = u1 / ((double)npos * (double)nneg);
    return MIRS_OK;
}

MIRS_API int mirs_stats_auroc(const double *pos, size_t npos, const double *neg, size_t nneg, double *auc)
{
    MIRS_CHECK_ARG(pos && neg && auc);
    if (npos == 0 || nneg == 0) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_auroc: an empty group");
    int st;
    if ((st = check_finite(pos, npos, "mirs_stats_auroc pos")) ||
        (st = check_finite(neg, nneg, "mirs_stats_auroc neg")))
        return st;
    vi *work = mirs__malloc((npos + nneg) * sizeof *work);
    if (!work) return MIRS_E_NO_MEMORY;
    st = auc_of(pos, npos, neg, nneg, work, auc);
    free(work);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* numpy.quantile's default (linear) on sorted data. */
static double quantile_sorted(const double *s, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) return s[n - 1];
    return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

MIRS_API int mirs_stats_auroc_bootstrap(const double *pos, size_t npos, const double *neg, size_t nneg, uint32_t reps,
                                        uint64_t seed, double confidence, double *lo, double *hi)
{
    MIRS_CHECK_ARG(pos && neg && lo && hi && reps > 0);
    int st = check_conf(confidence);
    if (st) return st;
    if (npos == 0 || nneg == 0) return mirs__fail(MIRS_E_EMPTY, "mirs_stats_auroc_bootstrap: an empty group");
    if ((st = check_finite(pos, npos, "mirs_stats_auroc_bootstrap pos")) ||
        (st = check_finite(neg, nneg, "mirs_stats_auroc_bootstrap neg")))
        return st;
    size_t n = npos + nneg;
    double *rs = mirs__malloc((n + reps) * sizeof *rs);
    vi *work = mirs__malloc(n * sizeof *work);
    if (!rs || !work) {
        free(rs);
        free(work);
        return MIRS_E_NO_MEMORY;
    }
    double *bp = rs, *bn = rs + npos, *aucs = rs + n;
    uint64_t state = seed;
    for (uint32_t r = 0; r < reps; r++) {
        /* Stratified resampling with a splitmix64 stream: index = next % size
         * (the modulo bias is below 2^-40 for any realistic size). */
        for (size_t i = 0; i < npos; i++) bp[i] = pos[mirs__splitmix64(state++) % npos];
        for (size_t i = 0; i < nneg; i++) bn[i] = neg[mirs__splitmix64(state++) % nneg];
        auc_of(bp, npos, bn, nneg, work, &aucs[r]);
    }
    qsort(aucs, reps, sizeof *aucs, cmp_double);
    double alpha = (1 - confidence) / 2;
    *lo = quantile_sorted(aucs, reps, alpha);
    *hi = quantile_sorted(aucs, reps, 1 - alpha);
    free(rs);
    free(work);
    return MIRS_OK;
}
