/*
 * Special functions behind the tests: normal cdf and quantile, the
 * regularised incomplete beta function and its inverse, Student's t tail and
 * the binomial distribution.
 *
 * Accuracy matters more than speed here: p-values are compared with scipy
 * to ~1e-12 relative. The incomplete beta uses the classic continued
 * fraction (modified Lentz) with the symmetry I_x(a,b) = 1 - I_{1-x}(b,a),
 * but its prefactor x^a y^b / B(a,b) is computed as in TOMS 708 (DiDonato &
 * Morris 1992): with Stirling corrections and e - log(1+e) instead of
 * lgamma differences, which would lose ~log10(a) digits for large a, b.
 * lgamma_r is used instead of lgamma because lgamma writes the global
 * signgam (a data race between threads).
 */
#include "stats_internal.h"

#include <float.h>
#include <math.h>

double lgamma_r(double x, int *sign); /* glibc/musl, declared under _DEFAULT_SOURCE on some libcs only */

static double lgam(double x)
{
    int sign;
    return lgamma_r(x, &sign);
}

double mirs_stats_normal_cdf(double x)
{
    /* The same argument scaling as cephes ndtr (x * sqrt(1/2)), so both see
     * the same rounded erfc argument. */
    if (isnan(x)) return NAN;
    return 0.5 * erfc(-x * M_SQRT1_2);
}

/* Wichura (1988), algorithm AS 241 (PPND16): ~1e-16 relative accuracy. */
double mirs_stats_normal_quantile(double p)
{
    if (isnan(p) || p < 0.0 || p > 1.0) return NAN;
    if (p == 0.0) return -INFINITY;
    if (p == 1.0) return INFINITY;
    double q = p - 0.5, r, val;
    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        val = q *
              (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
                   45921.953931549871457) *
                      r +
                  13731.693765509461125) *
                     r +
                 1971.5909503065514427) *
                    r +
                133.14166789178437745) *
                   r +
               3.387132872796366608) /
              (((((((r * 5226.495278852545561 + 28729.085735721942674) * r + 39307.89580009271061) * r +
                   21213.794301586595867) *
                      r +
                  5394.1960214247511077) *
                     r +
                 687.1870074920579083) *
                    r +
                42.313330701600911252) *
                   r +
               1.0);
        return val;
    }
    r = q < 0 ? p : 1.0 - p; /* exact for p >= 0.5 (Sterbenz) */
    r = sqrt(-log(r));
    if (r <= 5.0) {
        r -= 1.6;
        val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
                   1.27045825245236838258) *
                      r +
                  3.64784832476320460504) *
                     r +
                 5.7694972214606914055) *
                    r +
                4.6303378461565452959) *
                   r +
               1.42343711074968357734) /
              (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
                   0.14810397642748007459) *
                      r +
                  0.68976733498510000455) *
                     r +
                 1.6763848301838038494) *
                    r +
                2.05319162663775882187) *
                   r +
               1.0);
    } else {
        r -= 5.0;
        val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
                   0.026532189526576123093) *
                      r +
                  0.29656057182850489123) *
                     r +
                 1.7848265399172913358) *
                    r +
                5.4637849111641143699) *
                   r +
               6.6579046435011037772) /
              (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
                   7.868691311456132591e-4) *
                      r +
                  0.0148753612908506148525) *
                     r +
                 0.13692988092273580531) *
                    r +
                0.59983220655588793769) *
                   r +
               1.0);
    }
    return q < 0.0 ? -val : val;
}

/* Stirling series remainder: lgamma(x) - ((x - 1/2) log x - x + log(2 pi)/2), x >= 8. */
static double stirling_del(double x)
{
    double t = 1.0 / (x * x);
    return (1.0 / 12 + t * (-1.0 / 360 +
                            t * (1.0 / 1260 +
                                 t * (-1.0 / 1680 + t * (1.0 / 1188 + t * (-691.0 / 360360 +
                                                                           t * (1.0 / 156 - t * 3617.0 / 122400))))))) /
           x;
}

/* e - log(1 + e) for |e| < 1, without cancellation for small e. */
static double rlog1(double e)
{
    if (fabs(e) > 0.5) return e - log1p(e);
    double r = e / (2.0 + e), r2 = r * r, term = r * r2, sum = 0.0;
    for (int k = 3; k < 80; k += 2) {
        double add = term / k;
        sum += add;
        if (fabs(add) <= 1e-17 * fabs(sum)) break;
        term *= r2;
    }
    return r * e - 2.0 * sum;
}

/* log(Gamma(b) / Gamma(a + b)) for b >= 8, with Stirling expansions so the
 * large lgamma values never get subtracted. */
static double log_gamma_ratio(double a, double b)
{
    double w = stirling_del(b) - stirling_del(a + b);
    return -(b - 0.5) * log1p(a / b) - a * log(a + b) + a + w;
}

double mirs__beta_front(double a, double b, double x, double y)
{
    if (x <= 0.0 || y <= 0.0) return 0.0;
    double a0 = a < b ? a : b, b0 = a < b ? b : a;
    if (a0 >= 8.0) {
        /* x^a y^b / B = sqrt(a b / (2 pi (a+b))) exp(-(a u + b v) - bcorr),
         * u = e - log(1+e) with x = x0 (1 + e), x0 = a / (a+b). */
        double lambda = a > b ? (a + b) * y - b : a - (a + b) * x;
        double e = -lambda / a, u, v;
        if (fabs(e) > 0.6)
            u = e - log(x / (a / (a + b)));
        else
            u = rlog1(e);
        e = lambda / b;
        if (fabs(e) > 0.6)
            v = e - log(y / (b / (a + b)));
        else
            v = rlog1(e);
        double bcorr = stirling_del(a) + stirling_del(b) - stirling_del(a + b);
        double z = exp(-(a * u + b * v) - bcorr);
        return 0.398942280401432677939946059934 * sqrt(a * (b / (a + b))) * z;
    }
    double lx = x < 0.5 ? log(x) : log1p(-y);
    double ly = y < 0.5 ? log(y) : log1p(-x);
    double lbeta;
    if (b0 >= 8.0)
        lbeta = lgam(a0) + log_gamma_ratio(a0, b0);
    else
        lbeta = lgam(a) + lgam(b) - lgam(a + b);
    return exp(a * lx + b * ly - lbeta);
}

/* Continued fraction for I_x(a,b) / front * a (Numerical Recipes' betacf,
 * modified Lentz). Converges fast for x < (a+1)/(a+b+2). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    int maxit = 1000 + (int)(20.0 * sqrt(a > b ? a : b));
    if (maxit > 2000000) maxit = 2000000;
    for (int m = 1; m <= maxit; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16) return h;
    }
    return NAN;
}

double mirs__beta_inc_xy(double a, double b, double x, double y)
{
    if (isnan(a) || isnan(b) || isnan(x) || isnan(y) || a <= 0.0 || b <= 0.0 || x < 0.0 || y < 0.0) return NAN;
    if (x == 0.0) return 0.0;
    if (y == 0.0) return 1.0;
    if (isinf(a) || isinf(b)) return NAN;
    if (x < (a + 1.0) / (a + b + 2.0)) return mirs__beta_front(a, b, x, y) * beta_cf(a, b, x) / a;
    return 1.0 - mirs__beta_front(b, a, y, x) * beta_cf(b, a, y) / b;
}

double mirs_stats_beta_inc(double a, double b, double x)
{
    if (x > 1.0) return NAN;
    return mirs__beta_inc_xy(a, b, x, 1.0 - x);
}

/* Solves I_x(a,b) = p for x with safeguarded Newton steps inside a
 * shrinking bracket (bisection whenever Newton leaves it). Returns x. */
static double beta_solve(double a, double b, double p)
{
    double lo = 0.0, hi = 1.0, x;
    /* Initial guess: Numerical Recipes' invbetai. */
    if (a >= 1.0 && b >= 1.0) {
        double pp = p < 0.5 ? p : 1.0 - p;
        double t = sqrt(-2.0 * log(pp));
        double z = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t;
        if (p < 0.5) z = -z;
        double al = (z * z - 3.0) / 6.0;
        double h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0));
        double w =
            z * sqrt(al + h) / h - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (al + 5.0 / 6.0 - 2.0 / (3.0 * h));
        x = a / (a + b * exp(2.0 * w));
    } else {
        double lna = log(a / (a + b)), lnb = log(b / (a + b));
        double t = exp(a * lna) / a, u = exp(b * lnb) / b, w = t + u;
        if (p < t / w)
            x = pow(a * w * p, 1.0 / a);
        else
            x = 1.0 - pow(b * w * (1.0 - p), 1.0 / b);
    }
    if (!(x > 0.0 && x < 1.0)) x = 0.5;
    for (int it = 0; it < 400; it++) {
        double y = 1.0 - x;
        double f = mirs__beta_inc_xy(a, b, x, y) - p;
        if (f == 0.0) return x;
        if (f < 0.0)
            lo = x;
        else
            hi = x;
        double pdf = mirs__beta_front(a, b, x, y) / (x * y);
        double nx = x - f / pdf;
        if (!(nx > lo && nx < hi) || !isfinite(nx)) {
            /* Bisect; geometrically when the bracket spans decades near 0. */
            if (lo > 0.0 && hi / lo > 16.0)
                nx = sqrt(lo * hi);
            else if (lo == 0.0 && hi < 1e-3)
                nx = hi / 16.0;
            else
                nx = 0.5 * (lo + hi);
        }
        if (fabs(nx - x) <= 4.0 * DBL_EPSILON * x) return nx;
        if (hi - lo <= 4.0 * DBL_EPSILON * lo) return nx;
        x = nx;
    }
    return x;
}

double mirs_stats_beta_quantile(double a, double b, double p)
{
    if (isnan(a) || isnan(b) || isnan(p) || a <= 0.0 || b <= 0.0 || p < 0.0 || p > 1.0 || isinf(a) || isinf(b))
        return NAN;
    if (p == 0.0) return 0.0;
    if (p == 1.0) return 1.0;
    /* Solve on the side where the target is small, to keep its digits. */
    if (p > 0.5) return 1.0 - beta_solve(b, a, 1.0 - p);
    return beta_solve(a, b, p);
}

double mirs_stats_t_sf(double t, double df)
{
    if (isnan(t) || isnan(df) || df <= 0.0) return NAN;
    if (isinf(df)) return mirs_stats_normal_cdf(-t);
    if (t == 0.0) return 0.5;
    if (isinf(t)) return t > 0 ? 0.0 : 1.0;
    /* P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2), with both x and 1 - x
     * computed directly. */
    double r = df / (t * t);
    double x, y;
    if (isinf(r)) {
        x = 1.0;
        y = (t * t) / df;
    } else {
        x = r / (1.0 + r);
        y = 1.0 / (1.0 + r);
    }
    double tail = 0.5 * mirs__beta_inc_xy(0.5 * df, 0.5, x, y);
    return t > 0 ? tail : 1.0 - tail;
}

double mirs__binom_pmf(double k, double n, double p, double q)
{
    if (k < 0 || k > n) return 0.0;
    if (k == 0) return pow(q, n);
    if (k == n) return pow(p, n);
    /* C(n,k) p^k q^(n-k) = front(k, n-k, p, q) * n / (k (n-k)). */
    return mirs__beta_front(k, n - k, p, q) * (n / (k * (n - k)));
}

double mirs__binom_cdf(double k, double n, double p, double q)
{
    if (k < 0) return 0.0;
    if (k >= n) return 1.0;
    return mirs__beta_inc_xy(n - k, k + 1, q, p);
}

double mirs__binom_sf(double k, double n, double p, double q)
{
    if (k < 0) return 1.0;
    if (k >= n) return 0.0;
    return mirs__beta_inc_xy(k + 1, n - k, p, q);
}
