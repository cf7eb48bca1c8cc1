#!/usr/bin/python3
"""Differential test of lib/stats against scipy 1.10 (and numpy re-implementations
where scipy has no reference), through ctypes on the built libmirsafety.so.

Usage: compare_scipy.py LIBMIRSAFETY.so [--cases N] [--seed S]

Tolerances (relative unless stated), each next to its reason, are in TOL below.
Exit status 1 on any mismatch, with the worst cases printed.
"""
import ctypes as C
import math
import sys

import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as ss

lib = C.CDLL(sys.argv[1])
ncases = 300
seed = 20260
args = sys.argv[2:]
while args:
    if args[0] == '--cases':
        ncases = int(args[1]); args = args[2:]
    elif args[0] == '--seed':
        seed = int(args[1]); args = args[2:]
    else:
        sys.exit('unknown argument ' + args[0])

D, PD, U64, SZ, I32 = C.c_double, C.POINTER(C.c_double), C.c_uint64, C.c_size_t, C.c_int32

def fn(name, res, *argt):
    f = getattr(lib, name)
    f.restype = res
    f.argtypes = list(argt)
    return f

normal_cdf = fn('mirs_stats_normal_cdf', D, D)
normal_quantile = fn('mirs_stats_normal_quantile', D, D)
t_sf = fn('mirs_stats_t_sf', D, D, D)
beta_inc = fn('mirs_stats_beta_inc', D, D, D, D)
beta_quantile = fn('mirs_stats_beta_quantile', D, D, D, D)
_wilson = fn('mirs_stats_wilson', C.c_int, U64, U64, D, PD, PD)
_cp = fn('mirs_stats_clopper_pearson', C.c_int, U64, U64, D, PD, PD)
_mcn = fn('mirs_stats_mcnemar_exact', C.c_int, U64, U64, PD)
_pdiff = fn('mirs_stats_paired_difference', C.c_int, U64, U64, U64, U64, D, PD, PD, PD)
_kappa = fn('mirs_stats_cohen_kappa', C.c_int, C.POINTER(U64), SZ, PD)
_spear = fn('mirs_stats_spearman', C.c_int, PD, PD, SZ, PD, PD)
_kend = fn('mirs_stats_kendall', C.c_int, PD, PD, SZ, PD, PD)
_welch = fn('mirs_stats_welch', C.c_int, PD, SZ, PD, SZ, PD, PD, PD)
_welchm = fn('mirs_stats_welch_moments', C.c_int, D, D, D, D, D, D, PD, PD, PD)
_mwu = fn('mirs_stats_mann_whitney', C.c_int, PD, SZ, PD, SZ, I32, PD, PD)
_cohen_d = fn('mirs_stats_cohen_d', C.c_int, PD, SZ, PD, SZ, PD)
_auroc = fn('mirs_stats_auroc', C.c_int, PD, SZ, PD, SZ, PD)
_boot = fn('mirs_stats_auroc_bootstrap', C.c_int, PD, SZ, PD, SZ, C.c_uint32, U64, D, PD, PD)


def arr(v):
    v = np.ascontiguousarray(v, dtype=np.float64)
    return v, v.ctypes.data_as(PD)


def call(f, *a, nout):
    outs = [D() for _ in range(nout)]
    st = f(*a, *[C.byref(o) for o in outs])
    if st != 0:
        raise RuntimeError('%s returned %d' % (f.__name__, st))
    return [o.value for o in outs]


# Reasons for every tolerance.
TOL = {
    # Closed forms evaluated in the same order as scipy; only ndtri's last
    # bits (AS241 here vs cephes there) and libm differ.
    'closed': 1e-13,
    # erfc (glibc vs cephes) and AS241 vs cephes ndtri: a few ulps, amplified
    # by x^2 relative in the far tail of erfc.
    'normal': 1e-13,
    # p-values through the incomplete beta function: continued fraction /
    # series with ~1e-14 accuracy here, boost/cdflib in scipy, both ~1e-14;
    # the statistic itself differs in its last bits (different summation
    # order), which a p-value amplifies by |d log p / d log t| (<= t^2 + 1).
    'beta': 1e-12,
    # scipy's Clopper-Pearson solves with brentq(xtol=2e-12): absolute.
    'cp_abs': 4e-12,
}

failures = []
worst = {}


def close(name, got, want, rtol, atol=0.0, ctx=None):
    if isinstance(want, float) and math.isnan(want):
        ok = math.isnan(got)
        err = 0.0 if ok else math.inf
    else:
        err = abs(got - want)
        ok = err <= atol + rtol * abs(want)
        err = err / (atol + rtol * abs(want)) if (atol + rtol * abs(want)) > 0 else (0.0 if err == 0 else math.inf)
    if err > worst.get(name, (-1,))[0]:
        worst[name] = (err, got, want, ctx)
    if not ok:
        failures.append((name, got, want, ctx))


rng = np.random.default_rng(seed)

# ---- special functions ----
for p in list(rng.random(ncases)) + list(10.0 ** -rng.uniform(0, 300, ncases)):
    close('normal_quantile', normal_quantile(p), float(sp.ndtri(p)), TOL['normal'], ctx=p)
for x in rng.uniform(-37, 8, ncases):
    close('normal_cdf', normal_cdf(x), float(sp.ndtr(x)), TOL['normal'] * max(1.0, x * x), ctx=x)
for _ in range(ncases):
    df = 10 ** rng.uniform(-0.3, 3)
    t = rng.normal() * 10 ** rng.uniform(-2, 1.3)
    want = float(sp.stdtr(df, -t))
    if want > 1e-290:
        close('t_sf', t_sf(t, df), want, TOL['beta'] * (1 + min(t * t, 100)), ctx=(t, df))

# ---- binomial intervals ----
for _ in range(ncases):
    n = int(10 ** rng.uniform(0, 4))
    k = int(rng.integers(0, n + 1)) if rng.random() > 0.1 else int(rng.choice([0, n]))
    conf = float(rng.choice([0.95, 0.9, 0.99, rng.uniform(0.5, 0.999)]))
    r = ss.binomtest(k, n).proportion_ci(conf, method='wilson')
    lo, hi = call(_wilson, k, n, conf, nout=2)
    close('wilson_lo', lo, r.low, TOL['closed'], 1e-16, (k, n, conf))
    close('wilson_hi', hi, r.high, TOL['closed'], 1e-16, (k, n, conf))
    r = ss.binomtest(k, n).proportion_ci(conf, method='exact')
    lo, hi = call(_cp, k, n, conf, nout=2)
    close('cp_lo_scipy', lo, r.low, 0, TOL['cp_abs'], (k, n, conf))
    close('cp_hi_scipy', hi, r.high, 0, TOL['cp_abs'], (k, n, conf))
    # Same limits from boost's beta quantiles (accurate to ~1e-15).
    a = (1 - conf) / 2
    if k > 0:
        close('cp_lo_beta', lo, float(ss.beta.ppf(a, k, n - k + 1)), TOL['beta'], ctx=(k, n, conf))
    if k < n:
        close('cp_hi_beta', hi, float(ss.beta.isf(a, k + 1, n - k)), TOL['beta'], ctx=(k, n, conf))

# ---- McNemar ----
for _ in range(ncases):
    m = int(10 ** rng.uniform(0, 3.5))
    b = int(rng.binomial(m, rng.uniform(0.05, 0.95)))
    c = m - b
    (p,) = call(_mcn, b, c, nout=1)
    want = 1.0 if b + c == 0 else float(ss.binomtest(b, b + c, 0.5).pvalue)
    close('mcnemar', p, want, TOL['beta'], 1e-300, (b, c))

# ---- paired difference: independent numpy implementation of Newcombe method 10 ----
def newcombe10(a, b, c, d, conf):
    n = a + b + c + d
    z = sp.ndtri(0.5 + 0.5 * conf)

    def wil(k):
        r = ss.binomtest(int(k), int(n)).proportion_ci(conf, method='wilson')
        return r.low, r.high
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wil(a + b)
    l2, u2 = wil(a + c)
    den = (a + b) * (c + d) * (a + c) * (b + d)
    A = a * d - b * c
    if den == 0:
        phi = 0.0
    elif A > n / 2:
        phi = (A - n / 2) / math.sqrt(den)
    elif A >= 0:
        phi = 0.0
    else:
        phi = A / math.sqrt(den)
    est = (b - c) / n
    lo = est - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    hi = est + math.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))
    return est, lo, hi


for _ in range(ncases):
    cells = [int(x) for x in rng.integers(0, int(10 ** rng.uniform(0.5, 3)), 4)]
    if rng.random() < 0.2:
        cells[int(rng.integers(0, 4))] = 0
    if sum(cells) == 0:
        continue
    conf = float(rng.choice([0.95, 0.9, 0.99]))
    got = call(_pdiff, *cells, conf, nout=3)
    want = newcombe10(*cells, conf)
    for i, nm in enumerate(['pdiff_est', 'pdiff_lo', 'pdiff_hi']):
        # Square root of a difference of nearly equal squares: 1e-12 absolute.
        close(nm, got[i], want[i], 1e-12, 1e-12, (cells, conf))

# ---- Cohen's kappa: sklearn's formula in numpy ----
def kappa_ref(cm):
    cm = cm.astype(np.float64)
    k = cm.shape[0]
    s0, s1 = cm.sum(axis=0), cm.sum(axis=1)
    expected = np.outer(s0, s1) / s0.sum()  # sklearn: outer(sum0, sum1) / sum(sum0)
    w = np.ones((k, k)) - np.eye(k)
    with np.errstate(invalid='ignore', divide='ignore'):
        return float(1 - (w * cm).sum() / (w * expected).sum())


for _ in range(ncases):
    k = int(rng.integers(1, 7))
    cm = rng.integers(0, int(10 ** rng.uniform(0.5, 4)), (k, k)).astype(np.uint64)
    if rng.random() < 0.3:
        cm = cm + np.diag(rng.integers(0, 1000, k)).astype(np.uint64)
    if cm.sum() == 0:
        continue
    cmc = np.ascontiguousarray(cm)
    (kap,) = call(_kappa, cmc.ctypes.data_as(C.POINTER(U64)), k, nout=1)
    # Ours is exact integer arithmetic; sklearn's float sums round: 1e-12.
    close('kappa', kap, kappa_ref(cm), 1e-12, 1e-14, cm.tolist())


# ---- random samples with ties for rank tests ----
def sample(n):
    kind = rng.integers(0, 4)
    if kind == 0:
        return rng.normal(size=n)
    if kind == 1:
        return rng.integers(0, max(2, n // 3), n).astype(float)  # many ties
    if kind == 2:
        return np.round(rng.exponential(size=n), 1)
    return rng.standard_t(3, size=n)


for _ in range(ncases):
    n = int(rng.integers(3, 60)) if rng.random() < 0.7 else int(rng.integers(60, 3000))
    x = sample(n)
    y = 0.5 * x + sample(n) if rng.random() < 0.7 else sample(n)
    if rng.random() < 0.1:
        y = -x
    xa, xp = arr(x)
    ya, yp = arr(y)
    r = ss.spearmanr(x, y)
    rho, p = call(_spear, xp, yp, n, nout=2)
    close('spearman_rho', rho, float(r.statistic), 1e-13, 1e-15, n)
    if 1 - abs(rho) < 1e-9:
        # |rho| = 1 up to rounding: t ~ 1/sqrt(1 - |rho|) is rounding noise
        # in both libraries; only require a vanishing p-value.
        if not (p < 1e-20 and float(r.pvalue) < 1e-20):
            failures.append(('spearman_p_perfect', p, float(r.pvalue), n))
    else:
        close('spearman_p', p, float(r.pvalue), TOL['beta'] * (1 + min(abs(rho) * n, 100)), 1e-300, n)
    r = ss.kendalltau(x, y)
    tau, p = call(_kend, xp, yp, n, nout=2)
    close('kendall_tau', tau, float(r.statistic), 1e-13, 1e-15, n)
    close('kendall_p', p, float(r.pvalue), TOL['beta'], 1e-300, n)

# ---- two-sample tests ----
for _ in range(ncases):
    na = int(rng.integers(2, 40)) if rng.random() < 0.6 else int(rng.integers(40, 5000))
    nb = int(rng.integers(2, 40)) if rng.random() < 0.6 else int(rng.integers(40, 5000))
    a = sample(na) + rng.normal() * rng.random()
    b = sample(nb) * rng.uniform(0.2, 3)
    aa, ap = arr(a)
    ba, bp = arr(b)
    r = ss.ttest_ind(a, b, equal_var=False)
    t, df, p = call(_welch, ap, na, bp, nb, nout=3)
    # t = (ma - mb) / se: the means carry rounding ~1e-16 |m| (different
    # summation order), which t amplifies when ma ~ mb.
    se = math.sqrt(a.var(ddof=1) / na + b.var(ddof=1) / nb)
    t_atol = 1e-14 * (abs(a.mean()) + abs(b.mean()) + 1e-300) / se
    close('welch_t', t, float(r.statistic), 1e-12, t_atol, (na, nb))
    close('welch_p', p, float(r.pvalue), TOL['beta'] * (1 + min(t * t, 100)), 1e-300, (na, nb))
    t2, df2, p2 = call(_welchm, na, a.mean(), a.var(ddof=1), nb, b.mean(), b.var(ddof=1), nout=3)
    close('welch_moments_t', t2, float(r.statistic), 1e-12, t_atol, (na, nb))
    close('welch_moments_p', p2, float(r.pvalue), TOL['beta'] * (1 + min(t * t, 100)), 1e-300, (na, nb))
    for method, name in [(0, 'auto'), (2, 'asymptotic')]:
        if name == 'auto' and min(na, nb) <= 8 and max(na, nb) > 300:
            continue  # scipy's exact path would allocate (9, n+1, 4n) doubles
        r = ss.mannwhitneyu(a, b, alternative='two-sided', method=name)
        u, p = call(_mwu, ap, na, bp, nb, method, nout=2)
        close('mwu_u_' + name, u, float(r.statistic), 0, 1e-9, (na, nb))
        close('mwu_p_' + name, p, float(r.pvalue), TOL['beta'], 1e-300, (na, nb))
    (dd,) = call(_cohen_d, ap, na, bp, nb, nout=1)
    sp_ = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    close('cohen_d', dd, (a.mean() - b.mean()) / sp_, 1e-12, 1e-14 * (abs(a.mean()) + abs(b.mean())) / sp_, (na, nb))
    (auc,) = call(_auroc, ap, na, bp, nb, nout=1)
    # AUROC = U / (n1 n0), U counting ties one half: pairwise in numpy.
    if na * nb <= 4e6:
        diff = a[:, None] - b[None, :]
        want = ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / (na * nb)
        close('auroc', auc, float(want), 1e-14, 0, (na, nb))

# ---- exact Mann-Whitney: small untied samples ----
for _ in range(ncases):
    na = int(rng.integers(1, 12))
    nb = int(rng.integers(1, 60))
    v = rng.permutation(na + nb).astype(float) + rng.random()
    a, b = v[:na], v[na:]
    aa, ap = arr(a)
    ba, bp = arr(b)
    r = ss.mannwhitneyu(a, b, alternative='two-sided', method='exact')
    u, p = call(_mwu, ap, na, bp, nb, 1, nout=2)
    close('mwu_exact_u', u, float(r.statistic), 0, 0, (na, nb))
    # scipy sums float pmfs (cumsum); ours counts exactly: 1e-12.
    close('mwu_exact_p', p, float(r.pvalue), 1e-12, 1e-300, (na, nb))
    r = ss.mannwhitneyu(a, b, alternative='two-sided')
    u, p = call(_mwu, ap, na, bp, nb, 0, nout=2)
    close('mwu_auto_small_p', p, float(r.pvalue), 1e-12, 1e-300, (na, nb))

# ---- exact Kendall: untied n <= 33 and near-perfect orderings above ----
for _ in range(ncases):
    n = int(rng.integers(2, 34)) if rng.random() < 0.8 else int(rng.integers(34, 120))
    x = rng.permutation(n).astype(float)
    if n >= 34:
        y = x.copy()
        if rng.random() < 0.5:
            i = int(rng.integers(0, n - 1))
            y[i], y[i + 1] = y[i + 1], y[i]
        if rng.random() < 0.5:
            y = -y
    else:
        y = x + rng.normal(size=n) * rng.uniform(0, n)
    xa, xp = arr(x)
    ya, yp = arr(y)
    r = ss.kendalltau(x, y)
    tau, p = call(_kend, xp, yp, n, nout=2)
    close('kendall_exact_tau', tau, float(r.statistic), 1e-13, 1e-15, n)
    # scipy's float recurrence with subtractions vs our exact integers.
    close('kendall_exact_p', p, float(r.pvalue), 1e-12, 1e-300, n)

# ---- bootstrap determinism and containment ----
for _ in range(max(10, ncases // 20)):
    na, nb = int(rng.integers(1, 200)), int(rng.integers(1, 200))
    a, ap = arr(sample(na) + 0.5)
    b, bp = arr(sample(nb))
    s = int(rng.integers(0, 2**63))
    r1 = call(_boot, ap, na, bp, nb, 500, s, 0.95, nout=2)
    r2 = call(_boot, ap, na, bp, nb, 500, s, 0.95, nout=2)
    (auc,) = call(_auroc, ap, na, bp, nb, nout=1)
    if r1 != r2:
        failures.append(('bootstrap_determinism', r1, r2, s))
    if not (r1[0] <= r1[1] and 0 <= r1[0] and r1[1] <= 1):
        failures.append(('bootstrap_order', r1, auc, s))

# Bootstrap: a numpy re-implementation of the documented resampling stream.
M64 = (1 << 64) - 1


def splitmix_stream(seed):
    st = seed
    while True:
        st = (st + 0x9e3779b97f4a7c15) & M64
        z = st
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
        yield z ^ (z >> 31)


def boot_ref(pos, neg, reps, seed, conf):
    g = splitmix_stream(seed)
    pos, neg = np.sort(pos), np.sort(neg)
    aucs = []
    for _ in range(reps):
        ni = [(next(g) * len(neg)) >> 64 for _ in range(len(neg))]
        pi = [(next(g) * len(pos)) >> 64 for _ in range(len(pos))]
        p, q = pos[pi], neg[ni]
        d = p[:, None] - q[None, :]
        aucs.append(((d > 0).sum() + 0.5 * (d == 0).sum()) / (len(p) * len(q)))
    al = (1 - conf) / 2
    return np.percentile(aucs, [100 * al, 100 * (1 - al)])


for _ in range(5):
    na, nb = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    a, ap = arr(np.round(sample(na) + 0.3, 1))
    b, bp = arr(np.round(sample(nb), 1))
    s = int(rng.integers(0, 2**63)) * 2 + 1
    lo, hi = call(_boot, ap, na, bp, nb, 200, s, 0.9, nout=2)
    want = boot_ref(a, b, 200, s, 0.9)
    # Same stream, same replicate AUCs (exact rationals); percentile
    # interpolation in numpy vs C: 1e-14.
    close('bootstrap_ref_lo', lo, float(want[0]), 1e-14, 1e-15, (na, nb, s))
    close('bootstrap_ref_hi', hi, float(want[1]), 1e-14, 1e-15, (na, nb, s))

print('scipy', scipy.__version__, 'numpy', np.__version__, 'seed', seed, 'cases', ncases)
for k in sorted(worst):
    e = worst[k]
    print('%-22s worst err/tol %.3g  got %r want %r  at %r' % (k, e[0], e[1], e[2], e[3]))
if failures:
    print('%d FAILURES' % len(failures))
    for f in failures[:40]:
        print('  FAIL', f)
    sys.exit(1)
print('all comparisons within tolerance')
