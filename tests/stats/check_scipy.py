#!/usr/bin/python3
"""Differential test of the stats module against scipy.stats (1.10 on Debian 12).

Calls the built library through ctypes on hundreds of random and edge cases.
Tolerances, with their reasons:
- closed forms (Wilson, kappa, Welch t/df, Cohen's d, AUROC, U): 1e-12 relative
  (the same formula; only summation order differs);
- p-values through the incomplete beta / erfc: 1e-9 relative or 1e-15 absolute
  (continued-fraction vs cephes implementations agree to ~1e-13 in practice);
- Clopper-Pearson: 1e-10 absolute (scipy finds it with brentq, xtol 2e-12).
"""
import ctypes
import math
import random
import sys

import numpy as np
from scipy import stats

lib = ctypes.CDLL(sys.argv[1])
D, U64, SZ, I32 = ctypes.c_double, ctypes.c_uint64, ctypes.c_size_t, ctypes.c_int32
PD = ctypes.POINTER(ctypes.c_double)
fails = 0
checks = 0


def arr(xs):
    a = (D * max(len(xs), 1))(*xs)
    return a


def close(a, b, rel=1e-12, abs_=1e-15, what=""):
    global fails, checks
    checks += 1
    if (isinstance(a, float) and math.isnan(a)) and (b is None or math.isnan(b)):
        return
    if not (abs(a - b) <= abs_ + rel * abs(b)):
        fails += 1
        print(f"MISMATCH {what}: lib {a!r} scipy {b!r}", file=sys.stderr)


def call(name, *args, nout):
    outs = [D() for _ in range(nout)]
    st = getattr(lib, name)(*args, *[ctypes.byref(o) for o in outs])
    assert st == 0, (name, st, lib.mirs_error_last())
    return [o.value for o in outs]


lib.mirs_error_last.restype = ctypes.c_char_p
for f in ("mirs_stats_normal_cdf", "mirs_stats_normal_quantile"):
    getattr(lib, f).restype = D
    getattr(lib, f).argtypes = [D]
lib.mirs_stats_t_sf.restype = D
lib.mirs_stats_t_sf.argtypes = [D, D]
lib.mirs_stats_beta_inc.restype = D
lib.mirs_stats_beta_inc.argtypes = [D, D, D]
lib.mirs_stats_beta_quantile.restype = D
lib.mirs_stats_beta_quantile.argtypes = [D, D, D]

rng = random.Random(20261128)

for _ in range(300):
    x = rng.uniform(-9, 9)
    close(lib.mirs_stats_normal_cdf(x), stats.norm.cdf(x), 1e-12, 1e-300, "normal_cdf")
    p = rng.choice([rng.random(), 10 ** -rng.uniform(1, 15), 1 - 10 ** -rng.uniform(1, 12)])
    close(lib.mirs_stats_normal_quantile(p), stats.norm.ppf(p), 1e-12, 1e-12, f"normal_quantile({p})")
    t, df = rng.uniform(-12, 12), rng.choice([rng.uniform(0.5, 5), rng.uniform(5, 500), float(rng.randint(1, 60))])
    close(lib.mirs_stats_t_sf(t, df), stats.t.sf(t, df), 1e-9, 1e-300, f"t_sf({t},{df})")
    a, b, xx = rng.uniform(0.2, 200), rng.uniform(0.2, 200), rng.random()
    close(lib.mirs_stats_beta_inc(a, b, xx), stats.beta.cdf(xx, a, b), 1e-9, 1e-300, f"beta_inc({a},{b},{xx})")
    q = rng.random()
    close(lib.mirs_stats_beta_quantile(a, b, q), stats.beta.ppf(q, a, b), 1e-9, 1e-14, f"beta_q({a},{b},{q})")

for _ in range(300):
    n = rng.choice([1, 2, 5, 10, 50, 317, 2676, rng.randint(1, 3000)])
    k = rng.choice([0, n, rng.randint(0, n)])
    conf = rng.choice([0.95, 0.9, 0.99])
    ci = stats.binomtest(k, n).proportion_ci(conf, method="wilson")
    lo, hi = call("mirs_stats_wilson", U64(k), U64(n), D(conf), nout=2)
    close(lo, ci.low, 1e-12, 1e-15, f"wilson lo {k}/{n}")
    close(hi, ci.high, 1e-12, 1e-15, f"wilson hi {k}/{n}")
    ci = stats.binomtest(k, n).proportion_ci(conf, method="exact")
    lo, hi = call("mirs_stats_clopper_pearson", U64(k), U64(n), D(conf), nout=2)
    close(lo, ci.low, 0, 1e-10, f"cp lo {k}/{n}")
    close(hi, ci.high, 0, 1e-10, f"cp hi {k}/{n}")

for _ in range(300):
    b, c = rng.randint(0, 60), rng.randint(0, 60)
    if rng.random() < 0.1:
        b, c = rng.randint(0, 3000), rng.randint(0, 3000)
    (p,) = call("mirs_stats_mcnemar_exact", U64(b), U64(c), nout=1)
    ref = 1.0 if b + c == 0 else stats.binomtest(b, b + c, 0.5).pvalue
    close(p, ref, 1e-9, 1e-300, f"mcnemar {b},{c}")

for _ in range(200):
    k = rng.randint(2, 6)
    m = [rng.randint(0, 40) for _ in range(k * k)]
    if sum(m) == 0:
        continue
    (kap,) = call("mirs_stats_cohen_kappa", (U64 * len(m))(*m), SZ(k), nout=1)
    M = np.array(m, dtype=float).reshape(k, k)
    n = M.sum()
    po = np.trace(M) / n
    pe = (M.sum(1) / n) @ (M.sum(0) / n)
    ref = (po - pe) / (1 - pe) if pe != 1 else float("nan")
    close(kap, ref, 1e-12, 1e-14, "kappa")

for _ in range(300):
    n = rng.choice([3, 4, 5, 8, 19, 33, 34, 60, rng.randint(3, 200)])
    ties = rng.random() < 0.4
    x = [float(rng.randint(0, 6)) if ties else rng.gauss(0, 1) for _ in range(n)]
    y = [xi * rng.uniform(-1, 2) + rng.gauss(0, 1) if not ties else float(rng.randint(0, 6)) for xi in x]
    if len(set(x)) == 1 or len(set(y)) == 1:
        continue
    r, p = call("mirs_stats_spearman", arr(x), arr(y), SZ(n), nout=2)
    ref = stats.spearmanr(x, y)
    close(r, ref.statistic, 1e-12, 1e-14, "spearman rho")
    close(p, ref.pvalue, 1e-9, 1e-14, f"spearman p n={n}")
    t, p = call("mirs_stats_kendall", arr(x), arr(y), SZ(n), nout=2)
    ref = stats.kendalltau(x, y)
    close(t, ref.statistic, 1e-12, 1e-14, "kendall tau")
    close(p, ref.pvalue, 1e-9, 1e-14, f"kendall p n={n} ties={ties}")

for _ in range(300):
    na, nb = rng.choice([1, 2, 3, 5, 8, 9, 20, 60]), rng.choice([1, 2, 3, 5, 8, 9, 20, 60])
    ties = rng.random() < 0.3
    a = [float(rng.randint(0, 5)) if ties else rng.gauss(0.3, 1) for _ in range(na)]
    b = [float(rng.randint(0, 5)) if ties else rng.gauss(0, 1.5) for _ in range(nb)]
    u, p = call("mirs_stats_mann_whitney", arr(a), SZ(na), arr(b), SZ(nb), I32(0), nout=2)
    ref = stats.mannwhitneyu(a, b, alternative="two-sided", method="auto")
    close(u, ref.statistic, 1e-12, 1e-12, "mwu U")
    close(p, ref.pvalue, 1e-9, 1e-14, f"mwu p {na},{nb} ties={ties}")
    auc, = call("mirs_stats_auroc", arr(a), SZ(na), arr(b), SZ(nb), nout=1)
    close(auc, ref.statistic / (na * nb), 1e-12, 1e-15, "auroc")
    if na >= 2 and nb >= 2:
        t, df, p = call("mirs_stats_welch", arr(a), SZ(na), arr(b), SZ(nb), nout=3)
        ref = stats.ttest_ind(a, b, equal_var=False)
        if not math.isnan(ref.statistic):
            close(t, ref.statistic, 1e-10, 1e-12, "welch t")
            close(p, ref.pvalue, 1e-9, 1e-14, "welch p")
        d, = call("mirs_stats_cohen_d", arr(a), SZ(na), arr(b), SZ(nb), nout=1)
        sp = math.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / (na + nb - 2))
        if sp > 0:
            close(d, (np.mean(a) - np.mean(b)) / sp, 1e-10, 1e-12, "cohen d")

# Newcombe's hybrid score interval (method 10) re-implemented independently.
def newcombe(a, b, c, d, conf):
    n = a + b + c + d
    z = stats.norm.ppf(0.5 + conf / 2)
    def wil(k):
        p = k / n
        den = 2 * (n + z * z)
        cen = (2 * n * p + z * z) / den
        h = z * math.sqrt(z * z + 4 * n * p * (1 - p)) / den
        return cen - h, cen + h
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wil(a + b)
    l2, u2 = wil(a + c)
    den = (a + b) * (c + d) * (a + c) * (b + d)
    # Newcombe's phi with its correction: AD - BC - N/2 when AD - BC > N/2,
    # 0 when 0 <= AD - BC <= N/2. Only this form reproduces the published
    # Cavo et al. example (Fagerland, Lydersen & Laake 2017, ch. 8:
    # -0.0621, 95% CI -0.1186 to -0.0046); without it: -0.1174 to -0.0059.
    A = a * d - b * c
    A = A - n / 2 if A > n / 2 else (0.0 if A >= 0 else A)
    phi = A / math.sqrt(den) if den else 0.0
    dl = math.sqrt(max(0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    du = math.sqrt(max(0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return p1 - p2, p1 - p2 - dl, p1 - p2 + du

for _ in range(200):
    t = [rng.randint(0, 40) for _ in range(4)]
    if sum(t) == 0:
        continue
    got = call("mirs_stats_paired_difference", *[U64(v) for v in t], D(0.95), nout=3)
    for g, r in zip(got, newcombe(*t, 0.95)):
        close(g, r, 1e-12, 1e-14, f"newcombe {t}")

print(f"stats vs scipy: {checks - fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
