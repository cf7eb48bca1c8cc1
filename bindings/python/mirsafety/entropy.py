"""Attention entropy (entropy.h): Shannon entropy of rows of probabilities or logits, strided views
[layers, heads, queries, keys] with key spans, and reductions.

Arrays are numpy arrays (float32, float16, float64 used as they are; a uint16 array is read as bfloat16 when
dtype="bf16"). Failures raise MirsError subclasses (NumericError for rows the policy rejects, ...).
"""
import ctypes

from . import _ffi
from ._core import check, lib

POLICY_ERROR = _ffi.MIRS_ENTROPY_POLICY_ERROR
POLICY_RENORMALIZE = _ffi.MIRS_ENTROPY_POLICY_RENORMALIZE
POLICY_SKIP = _ffi.MIRS_ENTROPY_POLICY_SKIP
KERNEL_AUTO = _ffi.MIRS_ENTROPY_KERNEL_AUTO
KERNEL_GENERIC = _ffi.MIRS_ENTROPY_KERNEL_GENERIC

_DTYPES = {"float32": _ffi.MIRS_ENTROPY_F32, "float16": _ffi.MIRS_ENTROPY_F16, "float64": _ffi.MIRS_ENTROPY_F64}


def kernel_name():
    """The kernel the library picked for this CPU ("avx2" or "generic")."""
    return lib().mirs_entropy_kernel_name().decode()


def options(**kw):
    """A mirs_entropy_options with the defaults, then the given fields (bits, normalize, logits, policy,
    tolerance, temperature, kernel, threads)."""
    o = _ffi.mirs_entropy_options()
    lib().mirs_entropy_options_init(ctypes.byref(o))
    for k, v in kw.items():
        if not hasattr(o, k) or k == "struct_size":
            raise TypeError("unknown entropy option %r" % k)
        setattr(o, k, v)
    return o


def _dtype(np, a, dtype):
    if dtype == "bf16":
        if a.dtype != np.uint16:
            raise TypeError("bf16 rows are passed as a uint16 array of the raw bits")
        return _ffi.MIRS_ENTROPY_BF16
    try:
        return _DTYPES[a.dtype.name]
    except KeyError:
        raise TypeError("unsupported dtype %s (float32, float16, float64 or bf16 bits)" % a.dtype) from None


def rows(a, spans=None, mask=None, dtype=None, mass=False, **opts):
    """Entropy of each row of a 2-D array (last axis = keys). spans: list of (begin, end) key ranges; mask: a
    boolean array over the keys. Returns a float64 array, or (entropy, mass) with mass=True and spans."""
    import numpy as np
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError("rows() takes a 2-D array")
    if a.strides[1] != a.itemsize or a.strides[0] % a.itemsize:
        a = np.ascontiguousarray(a)
    dt = _dtype(np, a, dtype)
    o = options(**opts)
    n, k = a.shape
    out = np.empty(n)
    sp = np.ascontiguousarray(np.asarray(spans if spans else [], dtype=np.uintp).reshape(-1))
    nsp = len(sp) // 2
    m = None if mask is None else np.ascontiguousarray(np.asarray(mask, dtype=np.uint8))
    if m is not None and m.shape != (k,):
        raise ValueError("mask must have one entry per key")
    ms = np.empty((n, nsp)) if (mass and nsp) else None
    check(lib().mirs_entropy_rows_spans(a.ctypes.data_as(ctypes.c_void_p), dt, n, k, a.strides[0] // a.itemsize,
                                        sp.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t)) if nsp else None, nsp,
                                        m.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)) if m is not None else None,
                                        ctypes.byref(o), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                                        ms.ctypes.data_as(ctypes.POINTER(ctypes.c_double)) if ms is not None else None),
          "mirs_entropy_rows_spans")
    return (out, ms) if mass else out


def view(a, queries=(0, None), spans=None, mask=None, dtype=None, **opts):
    """Entropy per (layer, head, query) of a 4-D array [layers, heads, queries, keys] with any strides.
    Returns a float64 array [layers, heads, nq]."""
    import numpy as np
    a = np.asarray(a)
    if a.ndim != 4:
        raise ValueError("view() takes a 4-D array [layers, heads, queries, keys]")
    if any(s % a.itemsize for s in a.strides):
        a = np.ascontiguousarray(a)
    v = _ffi.mirs_entropy_view()
    lib().mirs_entropy_view_init(ctypes.byref(v), a.ctypes.data_as(ctypes.c_void_p), _dtype(np, a, dtype), *a.shape)
    for i in range(4):
        v.strides[i] = a.strides[i] // a.itemsize
    q0, q1 = queries[0], a.shape[2] if queries[1] is None else queries[1]
    nq = max(0, min(q1, a.shape[2]) - q0)
    out = np.empty((a.shape[0], a.shape[1], nq))
    sp = np.ascontiguousarray(np.asarray(spans if spans else [], dtype=np.uintp).reshape(-1))
    m = None if mask is None else np.ascontiguousarray(np.asarray(mask, dtype=np.uint8))
    o = options(**opts)
    check(lib().mirs_entropy_view_compute(ctypes.byref(v), q0, q1,
                                          sp.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t)) if len(sp) else None,
                                          len(sp) // 2,
                                          m.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)) if m is not None else None,
                                          ctypes.byref(o), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), None),
          "mirs_entropy_view_compute")
    return out


AXIS_LAYERS = _ffi.MIRS_ENTROPY_AXIS_LAYERS
AXIS_HEADS = _ffi.MIRS_ENTROPY_AXIS_HEADS
AXIS_QUERIES = _ffi.MIRS_ENTROPY_AXIS_QUERIES


def reduce(values, axes):
    """NaN-ignoring mean of a [layers, heads, queries] float64 array over the AXIS_* flags in axes."""
    import numpy as np
    v = np.ascontiguousarray(values, dtype=np.float64)
    L, H, Q = v.shape
    shape = [1 if axes & AXIS_LAYERS else L, 1 if axes & AXIS_HEADS else H, 1 if axes & AXIS_QUERIES else Q]
    out = np.empty(max(1, shape[0] * shape[1] * shape[2]))
    check(lib().mirs_entropy_reduce(v.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), L, H, Q, axes,
                                    out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))), "mirs_entropy_reduce")
    return out.reshape(shape)
