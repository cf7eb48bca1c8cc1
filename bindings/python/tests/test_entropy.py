"""entropy.h through the idiomatic layer, against scipy.stats.entropy in double precision."""
import ctypes

import numpy as np
import pytest
import scipy.stats as ss

import mirsafety
from mirsafety import _ffi, entropy

from conftest import require

# The library promises 2e-6 nats absolute against a double-precision reference (tests/entropy has the full set).
TOL = 2e-6


@pytest.fixture(scope="module", autouse=True)
def _entropy_exported():
    require("mirs_entropy_rows_spans", "mirs_entropy_view_compute")


rng = np.random.default_rng(7)


def test_rows_both_kernels():
    p = rng.random((5, 300)).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    want = ss.entropy(p.astype(np.float64), axis=1)
    assert entropy.kernel_name() in ("avx2", "generic")
    for k in (entropy.KERNEL_AUTO, entropy.KERNEL_GENERIC):
        np.testing.assert_allclose(entropy.rows(p, kernel=k), want, rtol=0, atol=TOL)
    np.testing.assert_allclose(entropy.rows(p.astype(np.float16), policy=entropy.POLICY_RENORMALIZE),
                               ss.entropy(p.astype(np.float16).astype(np.float64), axis=1), rtol=0, atol=TOL)
    np.testing.assert_allclose(entropy.rows(p, bits=1), want / np.log(2), rtol=0, atol=TOL)
    # the plain entry point through the raw layer, with a row stride wider than the row
    wide = np.zeros((5, 320), dtype=np.float32)
    wide[:, :300] = p
    out = np.empty(5)
    o = entropy.options()
    st = mirsafety.lib().mirs_entropy_rows(wide.ctypes.data_as(ctypes.c_void_p), _ffi.MIRS_ENTROPY_F32, 5, 300, 320,
                                           ctypes.byref(o), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
    assert st == 0
    np.testing.assert_allclose(out, want, rtol=0, atol=TOL)


def test_spans_mass_and_policy():
    p = np.full((2, 10), 0.1, dtype=np.float32)
    h, m = entropy.rows(p, spans=[(0, 2), (5, 9)], mass=True)
    np.testing.assert_allclose(h, np.log(6), atol=TOL)
    np.testing.assert_allclose(m, [[0.2, 0.4], [0.2, 0.4]], atol=1e-6)
    p[1, 3] = np.nan
    with pytest.raises(mirsafety.NumericError):
        entropy.rows(p)
    assert np.isnan(entropy.rows(p, policy=entropy.POLICY_SKIP)[1])


def test_view_and_reduce():
    a = rng.random((2, 3, 4, 16)).astype(np.float32)
    a /= a.sum(-1, keepdims=True)
    want = ss.entropy(a.astype(np.float64), axis=-1)
    t = np.swapaxes(np.ascontiguousarray(np.swapaxes(a, 2, 3)), 2, 3)  # keys strided in memory
    np.testing.assert_allclose(entropy.view(t), want, atol=TOL)
    np.testing.assert_allclose(entropy.view(a, queries=(1, 3)), want[:, :, 1:3], atol=TOL)
    red = entropy.reduce(want, entropy.AXIS_HEADS | entropy.AXIS_QUERIES)
    np.testing.assert_allclose(red.reshape(-1), want.mean(axis=(1, 2)), rtol=1e-12)
