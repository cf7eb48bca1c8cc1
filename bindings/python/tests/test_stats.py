"""stats.h through the idiomatic layer, against scipy; and zero-copy passing of numpy arrays and buffers."""
import array
import ctypes
import math
import tracemalloc

import numpy as np
import pytest
import scipy.stats as ss

import mirsafety
from mirsafety import _ffi, stats
from mirsafety._core import Array

from conftest import require

# The C code and scipy compute the same closed forms and special functions in double precision; 1e-9 relative
# leaves room for different evaluation order and series truncation, not for a different formula.
TOL = 1e-9


@pytest.fixture(scope="module", autouse=True)
def _stats_exported():
    require("mirs_stats_wilson", "mirs_stats_spearman")


rng = np.random.default_rng(12345)
X = rng.normal(size=40)
Y = 0.5 * X + rng.normal(size=40)
A = rng.normal(0.3, 1.0, size=30)
B = rng.normal(0.0, 2.0, size=25)


def test_intervals():
    lo, hi = stats.wilson(7, 20, 0.95)
    # Wilson by hand: centre (k + z^2/2)/(n + z^2), half-width z sqrt(k(n-k)/n + z^2/4)/(n + z^2)
    z = ss.norm.ppf(0.975)
    c = (7 + z * z / 2) / (20 + z * z)
    h = z * math.sqrt(7 * 13 / 20 + z * z / 4) / (20 + z * z)
    assert lo == pytest.approx(c - h, rel=TOL) and hi == pytest.approx(c + h, rel=TOL)
    lo, hi = stats.clopper_pearson(7, 20, 0.95)
    assert lo == pytest.approx(ss.beta.ppf(0.025, 7, 14), rel=TOL)
    assert hi == pytest.approx(ss.beta.ppf(0.975, 8, 13), rel=TOL)
    assert stats.clopper_pearson(0, 10).lo == 0.0
    with pytest.raises(mirsafety.EmptyError):
        stats.wilson(0, 0)
    with pytest.raises(mirsafety.InvalidArgumentError):
        stats.wilson(5, 3)


def test_mcnemar_and_paired_difference():
    assert stats.mcnemar_exact(3, 10) == pytest.approx(ss.binomtest(3, 13, 0.5).pvalue, rel=TOL)
    assert stats.mcnemar_exact(0, 0) == 1.0
    d = stats.paired_difference(20, 9, 3, 18, 0.95)
    assert d.diff == pytest.approx((9 - 3) / 50, rel=TOL) and d.lo < d.diff < d.hi


def test_kappa():
    m = [[20, 5], [10, 15]]
    po = 35 / 50
    pe = (25 * 30 + 25 * 20) / 2500
    assert stats.cohen_kappa(m) == pytest.approx((po - pe) / (1 - pe), rel=TOL)
    assert stats.cohen_kappa(np.array(m, dtype=np.uint64)) == stats.cohen_kappa(m)
    with pytest.raises(ValueError):
        stats.cohen_kappa([[1, 2, 3], [4, 5, 6]])


def test_correlations():
    r = stats.spearman(X, Y)
    ref = ss.spearmanr(X, Y)
    assert r.statistic == pytest.approx(ref.statistic, rel=TOL) and r.p_value == pytest.approx(ref.pvalue, rel=1e-7)
    k = stats.kendall(X, Y)
    ref = ss.kendalltau(X, Y)
    assert k.statistic == pytest.approx(ref.statistic, rel=TOL) and k.p_value == pytest.approx(ref.pvalue, rel=1e-7)
    with pytest.raises(ValueError):
        stats.spearman([1, 2, 3], [1, 2])
    with pytest.raises(mirsafety.EmptyError):
        stats.spearman([1.0, 2.0], [2.0, 1.0])
    with pytest.raises(mirsafety.NumericError):
        stats.kendall([1.0, float("nan"), 3.0], [1.0, 2.0, 3.0])


def test_two_sample_tests():
    t = stats.welch(A, B)
    ref = ss.ttest_ind(A, B, equal_var=False)
    assert t.t == pytest.approx(ref.statistic, rel=TOL) and t.p_value == pytest.approx(ref.pvalue, rel=1e-7)
    m = stats.welch_moments(len(A), A.mean(), A.var(ddof=1), len(B), B.mean(), B.var(ddof=1))
    assert m.t == pytest.approx(t.t, rel=TOL) and m.df == pytest.approx(t.df, rel=TOL)
    u = stats.mann_whitney(A, B)
    ref = ss.mannwhitneyu(A, B, alternative="two-sided")
    assert u.u == ref.statistic and u.p_value == pytest.approx(ref.pvalue, rel=1e-7)
    ex = stats.mann_whitney(A[:6], B[:5], "exact")
    ref = ss.mannwhitneyu(A[:6], B[:5], alternative="two-sided", method="exact")
    assert ex.p_value == pytest.approx(ref.pvalue, rel=TOL)
    sp = math.sqrt(((len(A) - 1) * A.var(ddof=1) + (len(B) - 1) * B.var(ddof=1)) / (len(A) + len(B) - 2))
    assert stats.cohen_d(A, B) == pytest.approx((A.mean() - B.mean()) / sp, rel=TOL)


def test_auroc():
    u = ss.mannwhitneyu(A, B).statistic
    assert stats.auroc(A, B) == pytest.approx(u / (len(A) * len(B)), rel=TOL)
    lo, hi = stats.auroc_bootstrap(A, B, reps=200, seed=1)
    assert (lo, hi) == stats.auroc_bootstrap(A, B, reps=200, seed=1)
    assert lo <= stats.auroc(A, B) <= hi


def test_distributions():
    assert stats.normal_cdf(1.3) == pytest.approx(ss.norm.cdf(1.3), rel=TOL)
    assert stats.normal_quantile(0.9) == pytest.approx(ss.norm.ppf(0.9), rel=TOL)
    assert stats.t_sf(2.1, 7.5) == pytest.approx(ss.t.sf(2.1, 7.5), rel=1e-8)
    assert stats.beta_inc(2.5, 3.0, 0.4) == pytest.approx(ss.beta.cdf(0.4, 2.5, 3.0), rel=1e-8)
    assert stats.beta_quantile(2.5, 3.0, 0.3) == pytest.approx(ss.beta.ppf(0.3, 2.5, 3.0), rel=1e-8)


# ---- zero copy --------------------------------------------------------------------------------------------------------


def test_array_helper_passes_numpy_memory_itself():
    x = np.arange(10, dtype=np.float64)
    a = Array(x, ctypes.c_double)
    assert not a.copied and ctypes.cast(a.ptr, ctypes.c_void_p).value == x.ctypes.data
    # what the library sees is the caller's memory: a write through the pointer shows up in x
    a.ptr[3] = 42.0
    assert x[3] == 42.0
    buf = array.array("d", [1.0, 2.0, 3.0])
    b = Array(buf, ctypes.c_double)
    assert not b.copied and ctypes.cast(b.ptr, ctypes.c_void_p).value == buf.buffer_info()[0]
    for other in (x.astype(np.float32), x[::2], [1.0, 2.0], bytes(24)):
        assert Array(other, ctypes.c_double).copied


def test_large_arrays_cost_no_copy():
    # 2 x 8 MB of float64: a copy of either would show up as >= 8 MB in tracemalloc's peak (numpy reports its
    # allocations to tracemalloc); the call itself allocates a few hundred bytes of ctypes objects.
    n = 1_000_000
    a = np.random.default_rng(1).normal(size=n)
    b = np.random.default_rng(2).normal(size=n) + 0.01
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        stats.cohen_d(a, b)
        _, peak_ok = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        stats.cohen_d(a.astype(np.float32), b)  # the float32 array must be converted: this one copies
        _, peak_copy = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_ok < 64 * 1024, peak_ok
    assert peak_copy >= n * 8, peak_copy  # proves the measurement sees copies
