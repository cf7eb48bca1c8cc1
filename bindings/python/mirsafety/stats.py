"""Statistics (stats.h): binomial intervals, paired and two-sample tests, agreement, rank correlation.

Array arguments take numpy arrays without copying (float64 / uint64, C-contiguous; anything else is converted
once), writable buffers such as array.array('d') without copying, or any sequence of numbers. Every function is
pure and thread-safe; failures raise MirsError subclasses (EmptyError, NumericError, InvalidArgumentError, ...).
"""
from __future__ import annotations

import ctypes
from typing import Any, List, NamedTuple, Sequence, Tuple, Union

from . import _ffi
from ._core import Array, check, choice, lib

#: numbers: a numpy array, a buffer (array.array, bytearray, memoryview) or a sequence
Numbers = Any


class Interval(NamedTuple):
    """A confidence interval [lo, hi]."""
    lo: float
    hi: float


class Difference(NamedTuple):
    """A difference and its confidence interval."""
    diff: float
    lo: float
    hi: float


class Correlation(NamedTuple):
    """A correlation coefficient and its two-sided p-value."""
    statistic: float
    p_value: float


class TTest(NamedTuple):
    """A t statistic, its (Welch) degrees of freedom and two-sided p-value."""
    t: float
    df: float
    p_value: float


class MannWhitney(NamedTuple):
    """U of the first sample and the two-sided p-value."""
    u: float
    p_value: float


MWU_AUTO = _ffi.MIRS_MWU_AUTO
MWU_EXACT = _ffi.MIRS_MWU_EXACT
MWU_ASYMPTOTIC = _ffi.MIRS_MWU_ASYMPTOTIC
_MWU = "mwu_method"  # named by the library (mirs_mwu_method_from_name)

_d = ctypes.c_double


def _vec(x: Numbers, what: str) -> Array:
    """A 1-D float64 argument; other ranks are refused (a 2-D array would be read flattened)."""
    a = Array(x, _d, what)
    if a.shape is not None and len(a.shape) != 1:
        raise ValueError("%s: a 1-D array of numbers expected, got shape %s" % (what, tuple(a.shape)))
    return a


def _outs(n: int) -> List[ctypes.c_double]:
    return [_d() for _ in range(n)]


def _refs(vals: Sequence[ctypes.c_double]) -> List[Any]:
    return [ctypes.byref(v) for v in vals]


def wilson(k: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval of k/n."""
    o = _outs(2)
    check(lib().mirs_stats_wilson(k, n, confidence, *_refs(o)), "mirs_stats_wilson")
    return Interval(o[0].value, o[1].value)


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> Interval:
    """Exact Clopper-Pearson interval of k/n."""
    o = _outs(2)
    check(lib().mirs_stats_clopper_pearson(k, n, confidence, *_refs(o)), "mirs_stats_clopper_pearson")
    return Interval(o[0].value, o[1].value)


def mcnemar_exact(b: int, c: int) -> float:
    """Exact McNemar p-value from the discordant counts."""
    p = _d()
    check(lib().mirs_stats_mcnemar_exact(b, c, ctypes.byref(p)), "mirs_stats_mcnemar_exact")
    return p.value


def paired_difference(n11: int, n10: int, n01: int, n00: int, confidence: float = 0.95) -> Difference:
    """p1 - p2 of paired proportions with Newcombe's hybrid score interval."""
    o = _outs(3)
    check(lib().mirs_stats_paired_difference(n11, n10, n01, n00, confidence, *_refs(o)),
          "mirs_stats_paired_difference")
    return Difference(o[0].value, o[1].value, o[2].value)


def cohen_kappa(matrix: Numbers) -> float:
    """Cohen's kappa of a k x k confusion matrix (rows = rater A): nested lists or a uint64 numpy array."""
    a = Array(matrix, ctypes.c_uint64, "matrix")
    if a.shape is not None and len(a.shape) == 2:
        if a.shape[0] != a.shape[1]:
            raise ValueError("cohen_kappa: the matrix must be square, got %r" % (a.shape,))
        k = a.shape[0]
    else:
        k = int(round(a.n ** 0.5))
        if k * k != a.n:
            raise ValueError("cohen_kappa: %d cells are not a square matrix" % a.n)
    out = _d()
    check(lib().mirs_stats_cohen_kappa(a.ptr, k, ctypes.byref(out)), "mirs_stats_cohen_kappa")
    return out.value


def _pair(x: Numbers, y: Numbers, what: str) -> Tuple[Array, Array]:
    ax, ay = _vec(x, what + " x"), _vec(y, what + " y")
    if ax.n != ay.n:
        raise ValueError("%s: x and y differ in length (%d, %d)" % (what, ax.n, ay.n))
    return ax, ay


def spearman(x: Numbers, y: Numbers) -> Correlation:
    """Spearman's rho and its p-value (as scipy.stats.spearmanr)."""
    ax, ay = _pair(x, y, "spearman")
    o = _outs(2)
    check(lib().mirs_stats_spearman(ax.ptr, ay.ptr, ax.n, *_refs(o)), "mirs_stats_spearman")
    return Correlation(o[0].value, o[1].value)


def kendall(x: Numbers, y: Numbers) -> Correlation:
    """Kendall's tau-b and its p-value (as scipy.stats.kendalltau)."""
    ax, ay = _pair(x, y, "kendall")
    o = _outs(2)
    check(lib().mirs_stats_kendall(ax.ptr, ay.ptr, ax.n, *_refs(o)), "mirs_stats_kendall")
    return Correlation(o[0].value, o[1].value)


def welch(a: Numbers, b: Numbers) -> TTest:
    """Welch's unequal-variance t-test of two samples."""
    aa, ab = _vec(a, "a"), _vec(b, "b")
    o = _outs(3)
    check(lib().mirs_stats_welch(aa.ptr, aa.n, ab.ptr, ab.n, *_refs(o)), "mirs_stats_welch")
    return TTest(o[0].value, o[1].value, o[2].value)


def welch_moments(na: float, mean_a: float, var_a: float, nb: float, mean_b: float, var_b: float) -> TTest:
    """Welch's t-test from (count, mean, unbiased variance) of each group."""
    o = _outs(3)
    check(lib().mirs_stats_welch_moments(na, mean_a, var_a, nb, mean_b, var_b, *_refs(o)),
          "mirs_stats_welch_moments")
    return TTest(o[0].value, o[1].value, o[2].value)


def mann_whitney(a: Numbers, b: Numbers, method: Union[str, int] = "auto") -> MannWhitney:
    """Two-sided Mann-Whitney U test; u is U of sample a (scipy's U1). method: auto, exact, asymptotic."""
    m = choice(_MWU, method, "method")
    aa, ab = _vec(a, "a"), _vec(b, "b")
    o = _outs(2)
    check(lib().mirs_stats_mann_whitney(aa.ptr, aa.n, ab.ptr, ab.n, m, *_refs(o)), "mirs_stats_mann_whitney")
    return MannWhitney(o[0].value, o[1].value)


def cohen_d(a: Numbers, b: Numbers) -> float:
    """Cohen's d with the pooled standard deviation."""
    aa, ab = _vec(a, "a"), _vec(b, "b")
    out = _d()
    check(lib().mirs_stats_cohen_d(aa.ptr, aa.n, ab.ptr, ab.n, ctypes.byref(out)), "mirs_stats_cohen_d")
    return out.value


def auroc(pos: Numbers, neg: Numbers) -> float:
    """AUROC of scores where pos should score higher than neg (ties count one half)."""
    ap, an = _vec(pos, "pos"), _vec(neg, "neg")
    out = _d()
    check(lib().mirs_stats_auroc(ap.ptr, ap.n, an.ptr, an.n, ctypes.byref(out)), "mirs_stats_auroc")
    return out.value


def auroc_bootstrap(pos: Numbers, neg: Numbers, reps: int = 1000, seed: int = 0,
                    confidence: float = 0.95) -> Interval:
    """Percentile bootstrap interval of the AUROC (stratified, seeded: the same on every machine)."""
    ap, an = _vec(pos, "pos"), _vec(neg, "neg")
    o = _outs(2)
    check(lib().mirs_stats_auroc_bootstrap(ap.ptr, ap.n, an.ptr, an.n, reps, seed, confidence, *_refs(o)),
          "mirs_stats_auroc_bootstrap")
    return Interval(o[0].value, o[1].value)


def normal_cdf(x: float) -> float:
    """The standard normal CDF."""
    return lib().mirs_stats_normal_cdf(x)


def normal_quantile(p: float) -> float:
    """The standard normal quantile (inverse CDF) of p."""
    return lib().mirs_stats_normal_quantile(p)


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with df degrees of freedom."""
    return lib().mirs_stats_t_sf(t, df)


def beta_inc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    return lib().mirs_stats_beta_inc(a, b, x)


def beta_quantile(a: float, b: float, p: float) -> float:
    """The quantile of p under Beta(a, b) (the inverse of beta_inc)."""
    return lib().mirs_stats_beta_quantile(a, b, p)
