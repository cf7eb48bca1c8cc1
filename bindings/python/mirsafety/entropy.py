"""Attention entropy (entropy.h): row entropies of probabilities or logits in f32/f16/bf16/f64, strided
[layers, heads, queries, keys] views, .npy/.safetensors tensors, accumulators with group tests, and an online
monitor.

numpy arrays go to the library without copies: rows(), rows_spans() and attention() read the caller's memory
through its strides (any element strides for attention(), including negative and zero ones) and write their
results into numpy arrays they allocate (no copy either way). bf16 data is passed as a uint16 array with
dtype="bf16". Tensor.array() is a zero-copy numpy view of a memory-mapped file.

PyTorch CPU tensors (float32, float16, bfloat16, float64; any strides) are taken wherever numpy arrays are, also
without copies: they are viewed through torch's own numpy bridge (a bfloat16 tensor as its uint16 bits, with
dtype="bf16" implied). torch is never imported by this module. Accumulator.add_attentions() takes a Hugging Face
style `outputs.attentions` tuple directly.
"""
from __future__ import annotations

import ctypes
import sys
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _ffi
from ._core import Array, Handle, PathLike, Text, _np, anchored, check, choice, lib, options, path_in, take_buf, text_in, text_str
from .score import _Text


#: an array argument: a numpy array, anything numpy.asarray takes, or a CPU torch tensor
ArrayLike = Any
#: numpy results (numpy.ndarray; Any when numpy is absent)
NDArray = Any
#: an element type: "f32", "f16", "bf16", "f64", a Dtype member or its int
DtypeArg = Union[str, int, None]
#: key spans [(begin, end), ...]
Spans = Optional[Sequence[Tuple[int, int]]]


def _need_numpy() -> None:
    if _np is None:
        raise ImportError("mirsafety.entropy's array functions need numpy")


_NP_TO_DTYPE = {"float32": "MIRS_ENTROPY_F32", "float16": "MIRS_ENTROPY_F16", "float64": "MIRS_ENTROPY_F64"}
_NAMES = {"f32": "MIRS_ENTROPY_F32", "f16": "MIRS_ENTROPY_F16", "bf16": "MIRS_ENTROPY_BF16", "f64": "MIRS_ENTROPY_F64"}
_ITEMSIZE = {"MIRS_ENTROPY_F32": 4, "MIRS_ENTROPY_F16": 2, "MIRS_ENTROPY_BF16": 2, "MIRS_ENTROPY_F64": 8}
_AXES = {"layers": "MIRS_ENTROPY_AXIS_LAYERS", "heads": "MIRS_ENTROPY_AXIS_HEADS",
         "queries": "MIRS_ENTROPY_AXIS_QUERIES"}


def _c(name: str) -> int:
    return int(getattr(_ffi, name))


def _is_torch(x: object) -> bool:
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "data_ptr")


def _from_torch(x: Any, dtype: DtypeArg) -> Tuple[NDArray, DtypeArg]:
    """(numpy view of a CPU tensor's memory, dtype): no copy; a bfloat16 tensor becomes its uint16 bits."""
    if x.device.type != "cpu":
        raise TypeError("entropy: a CPU tensor expected (this one is on %s); move it with .cpu()" % x.device)
    x = x.detach()
    if str(x.dtype) == "torch.bfloat16":
        a = x.view(sys.modules["torch"].int16).numpy().view(_np.uint16)
        return a, "bf16" if dtype is None else dtype
    return x.numpy(), dtype


def _array_in(data: ArrayLike, dtype: DtypeArg) -> Tuple[NDArray, DtypeArg]:
    """(numpy array, dtype) for a numpy array or anything numpy takes, or a torch tensor (no copy)."""
    _need_numpy()
    if _is_torch(data):
        return _from_torch(data, dtype)
    return _np.asarray(data), dtype


def _dtype_of(arr: NDArray, dtype: DtypeArg) -> Tuple[int, int]:
    """The MIRS_ENTROPY_* code of an array (dtype overrides: "bf16" for uint16 data)."""
    if dtype is not None:
        if isinstance(dtype, str):
            name = _NAMES.get(dtype.lower())
            if name is None:
                from .errors import unknown_name
                raise unknown_name("dtype", dtype, list(_NAMES))
        else:
            name = next((k for k in _ITEMSIZE if _c(k) == dtype), None)
            if name is None:
                from .errors import unknown_name
                raise unknown_name("dtype", dtype, list(_NAMES) + [str(_c(k)) for k in _ITEMSIZE])
        code = _c(name)
        if name == "MIRS_ENTROPY_BF16" and arr.dtype.itemsize != 2:
            raise TypeError("bf16 data must be a 2-byte (uint16) array")
        if arr.dtype.kind not in "fui" or arr.dtype.itemsize != _ITEMSIZE[name]:
            # the library would read the memory as the named type: a float64 array called "f32" is garbage
            raise TypeError("entropy: dtype=%r needs %d-byte elements (that float type, or its bits as an unsigned "
                            "integer), not %s" % (dtype, _ITEMSIZE[name], arr.dtype))
        return code, _ITEMSIZE[name]
    name = _NP_TO_DTYPE.get(arr.dtype.name)
    if name is None:
        raise TypeError("entropy: float32, float16, float64 or bf16 (uint16 with dtype='bf16') data, not %s"
                        % arr.dtype)
    return _c(name), arr.dtype.itemsize


def _opts(given: Mapping[str, Any]) -> _ffi.mirs_entropy_options:
    kw = dict(given)
    if isinstance(kw.get("policy"), str):
        kw["policy"] = choice("entropy_policy", kw["policy"], "policy")
    if isinstance(kw.get("kernel"), str):
        kw["kernel"] = choice("entropy_kernel", kw["kernel"], "kernel")
    return options(_ffi.mirs_entropy_options, lib().mirs_entropy_options_init, kw, "entropy")


def kernel_name() -> str:
    """The kernel AUTO picks in this process ("avx512", "avx2", "sse2" or "generic")."""
    return text_str(lib().mirs_entropy_kernel_name(lib().mirs_entropy_auto_kernel()))


def dump_name(key: Text) -> str:
    """The file name of an item's attention dump, as the tool and the distributed driver name it: the key with
    every "/" as "__", then ".npy" (mirs_entropy_dump_name)."""
    buf = _ffi.mirs_buf()
    check(lib().mirs_entropy_dump_name(text_in(key, "key"), ctypes.byref(buf)), "mirs_entropy_dump_name")
    return take_buf(buf).decode("utf-8")


def _rows_layout(data: ArrayLike, dtype: DtypeArg) -> Tuple[NDArray, int, int]:
    """(array, code, row stride in elements) with rows contiguous inside; copies only when they are not."""
    a, dtype = _array_in(data, dtype)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError("rows: a 2-D array (rows x columns) expected")
    code, isz = _dtype_of(a, dtype)
    if a.strides[1] != isz or a.strides[0] < 0 or a.strides[0] % isz or (a.shape[0] > 1 and a.strides[0] < a.shape[1] * isz):
        a = _np.ascontiguousarray(a)
    stride = a.strides[0] // isz if a.shape[0] > 1 else a.shape[1]
    return a, code, stride


def rows(data: ArrayLike, dtype: DtypeArg = None, *, bits: Optional[bool] = None, normalize: Optional[bool] = None,
         logits: Optional[bool] = None, policy: Union[str, int, None] = None, tolerance: Optional[float] = None,
         temperature: Optional[float] = None, kernel: Union[str, int, None] = None, threads: Optional[int] = None) -> NDArray:
    """Entropy of each row of a 2-D array (rows may be padded: the row stride is read from the array, no copy).
    Options: bits, normalize, logits, policy ("error", "renormalize", "skip"), tolerance, temperature, kernel,
    threads. Returns a float64 numpy array of one value per row."""
    a, code, stride = _rows_layout(data, dtype)
    o = _opts(dict(bits=bits, normalize=normalize, logits=logits, policy=policy, tolerance=tolerance,
                   temperature=temperature, kernel=kernel, threads=threads))
    out = _np.empty(a.shape[0], dtype=_np.float64)
    check(lib().mirs_entropy_rows(ctypes.c_void_p(a.ctypes.data), code, a.shape[0], a.shape[1], stride,
                                  ctypes.byref(o), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))),
          "mirs_entropy_rows")
    return out


def _spans_mask(spans: Spans, mask: Optional[ArrayLike], ncols: int) -> Tuple[Any, int, Optional[Array]]:
    sp = None
    nspans = 0
    if spans is not None:
        flat = [int(v) for pair in spans for v in pair]
        nspans = len(flat) // 2
        sp = (ctypes.c_size_t * max(1, len(flat)))(*flat)
    mk = None
    if mask is not None:
        mk = Array(_np.asarray(mask, dtype=_np.uint8) if _np is not None else bytes(mask), ctypes.c_uint8, "mask")
        if mk.n != ncols:
            raise ValueError("mask: %d bytes for %d keys" % (mk.n, ncols))
    return sp, nspans, mk


def rows_spans(data: ArrayLike, spans: Spans = None, mask: Optional[ArrayLike] = None, dtype: DtypeArg = None,
               *, bits: Optional[bool] = None, normalize: Optional[bool] = None,
               logits: Optional[bool] = None, policy: Union[str, int, None] = None, tolerance: Optional[float] = None,
               temperature: Optional[float] = None, kernel: Union[str, int, None] = None, threads: Optional[int] = None) -> Tuple[NDArray, NDArray]:
    """(entropy per row, mass per row and span) restricted to key spans [(begin, end), ...] and/or a mask."""
    a, code, stride = _rows_layout(data, dtype)
    sp, nspans, mk = _spans_mask(spans, mask, a.shape[1])
    o = _opts(dict(bits=bits, normalize=normalize, logits=logits, policy=policy, tolerance=tolerance,
                   temperature=temperature, kernel=kernel, threads=threads))
    ent = _np.empty(a.shape[0], dtype=_np.float64)
    mass = _np.empty((a.shape[0], nspans), dtype=_np.float64)
    dp = ctypes.POINTER(ctypes.c_double)
    check(lib().mirs_entropy_rows_spans(ctypes.c_void_p(a.ctypes.data), code, a.shape[0], a.shape[1], stride,
                                        sp, nspans, mk.ptr if mk else None, ctypes.byref(o), ent.ctypes.data_as(dp),
                                        mass.ctypes.data_as(dp) if nspans else None), "mirs_entropy_rows_spans")
    return ent, mass


def _view_of(arr: ArrayLike, dtype: DtypeArg) -> Tuple[_ffi.mirs_entropy_view, NDArray]:
    """A mirs_entropy_view over a numpy array of 2 to 4 dimensions ([L, H, Q, K], leading axes added), using the
    array's own strides (converted to elements): no copy."""
    a, dtype = _array_in(arr, dtype)
    if not 2 <= a.ndim <= 4:
        raise ValueError("attention: 2 to 4 dimensions ([layers, heads,] queries, keys)")
    while a.ndim < 4:
        a = a[None]
    code, isz = _dtype_of(a, dtype)
    if any(s % isz for s in a.strides):
        a = _np.ascontiguousarray(a)  # strides that are not whole elements cannot be described to the library
    v = _ffi.mirs_entropy_view()
    lib().mirs_entropy_view_init(ctypes.byref(v), ctypes.sizeof(v), ctypes.c_void_p(a.ctypes.data), code, *a.shape)
    for i in range(4):
        v.strides[i] = a.strides[i] // isz
    return v, a


def attention(tensor: ArrayLike, q_begin: int = 0, q_end: Optional[int] = None, spans: Spans = None,
              mask: Optional[ArrayLike] = None, dtype: DtypeArg = None, *, bits: Optional[bool] = None, normalize: Optional[bool] = None,
              logits: Optional[bool] = None, policy: Union[str, int, None] = None, tolerance: Optional[float] = None,
              temperature: Optional[float] = None, kernel: Union[str, int, None] = None, threads: Optional[int] = None) -> Tuple[NDArray, NDArray]:
    """Entropy per (layer, head, query) of attention [L, H, Q, K] (or [H, Q, K], [Q, K]) for queries
    [q_begin, q_end): (entropy [L, H, nq], mass [L, H, nq, nspans]). Any strides, no copy."""
    v, a = _view_of(tensor, dtype)
    L, H, Q, K = a.shape
    qe = Q if q_end is None else min(q_end, Q)
    nq = max(0, qe - q_begin)
    sp, nspans, mk = _spans_mask(spans, mask, K)
    o = _opts(dict(bits=bits, normalize=normalize, logits=logits, policy=policy, tolerance=tolerance,
                   temperature=temperature, kernel=kernel, threads=threads))
    ent = _np.empty((L, H, nq), dtype=_np.float64)
    mass = _np.empty((L, H, nq, nspans), dtype=_np.float64)
    dp = ctypes.POINTER(ctypes.c_double)
    check(lib().mirs_entropy_view_compute(ctypes.byref(v), q_begin, qe if q_end is not None else ctypes.c_size_t(-1).value,
                                          sp, nspans, mk.ptr if mk else None, ctypes.byref(o), ent.ctypes.data_as(dp),
                                          mass.ctypes.data_as(dp) if nspans else None), "mirs_entropy_view_compute")
    return ent, mass


def reduce(values: ArrayLike, axes: Union[str, int, Sequence[Union[str, int]]]) -> Any:
    """NaN-ignoring mean of a [L, H, Q] array over axes ("layers", "heads", "queries", or MIRS_ENTROPY_AXIS_* bits)."""
    _need_numpy()
    a = _np.ascontiguousarray(values, dtype=_np.float64)
    if a.ndim != 3:
        raise ValueError("reduce: a [layers, heads, queries] array")
    if isinstance(axes, str):
        axes = [axes]
    if not isinstance(axes, int):
        axes = sum(choice({k: _c(v) for k, v in _AXES.items()}, x, "axis") for x in axes)
    keep = [n for n, bit in zip(a.shape, (1, 2, 4)) if not axes & bit]
    out = _np.empty(keep or [1], dtype=_np.float64)
    dp = ctypes.POINTER(ctypes.c_double)
    check(lib().mirs_entropy_reduce(a.ctypes.data_as(dp), a.shape[0], a.shape[1], a.shape[2], axes,
                                    out.ctypes.data_as(dp)), "mirs_entropy_reduce")
    return out if keep else out[0]


def npy_write_f64(path: PathLike, array: ArrayLike) -> None:
    """Writes a C-order float64 .npy atomically."""
    _need_numpy()
    a = _np.ascontiguousarray(array, dtype=_np.float64)
    shape = (ctypes.c_size_t * max(1, a.ndim))(*a.shape)
    check(lib().mirs_entropy_npy_write_f64(path_in(path), a.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), a.ndim,
                                           shape), "mirs_entropy_npy_write_f64")


_CODE_TO_NP = {"MIRS_ENTROPY_F32": "float32", "MIRS_ENTROPY_F16": "float16", "MIRS_ENTROPY_F64": "float64",
               "MIRS_ENTROPY_BF16": "uint16"}


class Tensor(Handle):
    """A tensor of a memory-mapped .npy or .safetensors file (or of caller memory, kept alive by the Tensor).
    shape, strides (elements), dtype; array() is a zero-copy read-only numpy view; attention(layout, ...) computes
    entropies over it without copying. Shareable between threads."""

    _free = "mirs_entropy_tensor_free"
    _what = "tensor"

    def __init__(self, path: Optional[PathLike] = None, name: Optional[Text] = None, _ptr: Any = None,
                 _keep: Any = None) -> None:
        """Opens a .npy or .safetensors file (memory-mapped); name picks a tensor of a .safetensors file."""
        if _ptr is None:
            if path is None:
                raise TypeError("Tensor: a path to open (or use Tensor.from_bytes)")
            _ptr = ctypes.POINTER(_ffi.mirs_entropy_tensor)()
            check(lib().mirs_entropy_tensor_open(path_in(path), None if name is None else text_in(name),
                                                 ctypes.byref(_ptr)), "mirs_entropy_tensor_open")
        # the source bytes of from_bytes() live as long as the library object (and the arrays viewing it)
        self._ptr = anchored(_ptr, "mirs_entropy_tensor_free", (_keep,))
        self._keep = _keep

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview], name: Optional[Text] = None) -> Tensor:
        """A tensor over bytes in memory (no copy: the Tensor keeps the object alive)."""
        t = _Text(data)
        p = ctypes.POINTER(_ffi.mirs_entropy_tensor)()
        check(lib().mirs_entropy_tensor_open_memory(ctypes.cast(t.ptr, ctypes.c_void_p) if t.ptr is not None else None,
                                                    t.n, None if name is None else text_in(name), ctypes.byref(p)),
              "mirs_entropy_tensor_open_memory")
        return cls(_ptr=p, _keep=t)


    def info(self) -> Tuple[int, Tuple[int, ...], Tuple[int, ...]]:
        """(dtype code, shape, element strides)."""
        n = _ffi.MIRS_ENTROPY_MAX_DIMS
        dt, nd = ctypes.c_int32(), ctypes.c_size_t()
        shape, strides = (ctypes.c_size_t * n)(), (ctypes.c_int64 * n)()
        check(lib().mirs_entropy_tensor_info(self.handle, ctypes.byref(dt), ctypes.byref(nd), shape, strides),
              "mirs_entropy_tensor_info")
        return dt.value, tuple(shape[:nd.value]), tuple(strides[:nd.value])

    @property
    def shape(self) -> Tuple[int, ...]:
        """The tensor's shape."""
        return self.info()[1]

    def array(self) -> NDArray:
        """A read-only numpy view of the tensor's memory (no copy). The array keeps the memory alive: it stays
        valid after the Tensor is closed (the file is unmapped with the last array). bf16 comes as uint16."""
        _need_numpy()
        h = self.handle
        code, shape, strides = self.info()
        name = next(k for k in _CODE_TO_NP if _c(k) == code)
        dt = _np.dtype(_CODE_TO_NP[name])
        addr = lib().mirs_entropy_tensor_data(h)
        span = 1 + sum((s - 1) * abs(st) for s, st in zip(shape, strides)) if all(shape) else 0
        buf: Any = (ctypes.c_char * (span * dt.itemsize)).from_address(addr or 0)
        buf._owner = h  # the anchored pointer: the tensor is freed only after the last view of it
        base = _np.frombuffer(buf, dtype=dt)
        return _np.lib.stride_tricks.as_strided(base, shape, [s * dt.itemsize for s in strides], writeable=False)

    def attention(self, layout: str = "lhqk", q_begin: int = 0, q_end: Optional[int] = None, spans: Spans = None,
                  mask: Optional[ArrayLike] = None, *, bits: Optional[bool] = None, normalize: Optional[bool] = None,
                  logits: Optional[bool] = None, policy: Union[str, int, None] = None, tolerance: Optional[float] = None,
                  temperature: Optional[float] = None, kernel: Union[str, int, None] = None, threads: Optional[int] = None) -> Tuple[NDArray, NDArray]:
        """Entropies over the tensor read as attention with the given axis letters (l, h, q, k)."""
        v = _ffi.mirs_entropy_view()
        v.struct_size = ctypes.sizeof(v)
        h = self.handle  # held to the end: the view points into the tensor's memory
        check(lib().mirs_entropy_tensor_view(h, text_in(layout), ctypes.byref(v)), "mirs_entropy_tensor_view")
        L, H, Q, K = list(v.shape)
        qe = Q if q_end is None else min(q_end, Q)
        nq = max(0, qe - q_begin)
        sp, nspans, mk = _spans_mask(spans, mask, K)
        o = _opts(dict(bits=bits, normalize=normalize, logits=logits, policy=policy, tolerance=tolerance,
                   temperature=temperature, kernel=kernel, threads=threads))
        ent = _np.empty((L, H, nq), dtype=_np.float64)
        mass = _np.empty((L, H, nq, nspans), dtype=_np.float64)
        dp = ctypes.POINTER(ctypes.c_double)
        check(lib().mirs_entropy_view_compute(ctypes.byref(v), q_begin, qe, sp, nspans, mk.ptr if mk else None,
                                              ctypes.byref(o), ent.ctypes.data_as(dp),
                                              mass.ctypes.data_as(dp) if nspans else None),
              "mirs_entropy_view_compute")
        return ent, mass


class Accumulator(Handle):
    """Per (label, layer, head) moments and histograms plus per-item samples; merge() combines shards exactly.
    Accumulator(layers, heads, bins=64, lo=0.0, hi=8.0). One thread at a time."""

    _free = "mirs_entropy_acc_free"
    _what = "accumulator"

    def __init__(self, layers: Optional[int] = None, heads: Optional[int] = None, bins: int = 64, lo: float = 0.0,
                 hi: float = 8.0, _ptr: Any = None) -> None:
        """An empty accumulator of layers x heads cells with histograms of `bins` bins over [lo, hi)."""
        if _ptr is None:
            if layers is None or heads is None:
                raise TypeError("Accumulator: layers and heads are required")
            _ptr = ctypes.POINTER(_ffi.mirs_entropy_acc)()
            check(lib().mirs_entropy_acc_new(layers, heads, bins, lo, hi, ctypes.byref(_ptr)), "mirs_entropy_acc_new")
        self._ptr = _ptr

    @classmethod
    def from_json(cls, text: Text) -> Accumulator:
        """An accumulator from its to_json() text."""
        t = _Text(text)
        p = ctypes.POINTER(_ffi.mirs_entropy_acc)()
        check(lib().mirs_entropy_acc_from_json(t.ptr, t.n, ctypes.byref(p)), "mirs_entropy_acc_from_json")
        return cls(_ptr=p)

    @classmethod
    def load(cls, path: PathLike) -> Accumulator:
        """An accumulator from a file written by save()."""
        p = ctypes.POINTER(_ffi.mirs_entropy_acc)()
        check(lib().mirs_entropy_acc_load(path_in(path), ctypes.byref(p)), "mirs_entropy_acc_load")
        return cls(_ptr=p)


    @staticmethod
    def _label(label: Union[str, int]) -> int:
        if isinstance(label, str):
            return choice("entropy_label", label,
                          "label")
        return label

    def add(self, label: Union[str, int], layer: int, head: int, value: float) -> None:
        """Adds one entropy value to the (label, layer, head) cell; label "safe"/"unsafe" or an EntropyLabel."""
        check(lib().mirs_entropy_acc_add(self.handle, self._label(label), layer, head, value), "mirs_entropy_acc_add")

    def add_item(self, label: Union[str, int], entropy: ArrayLike) -> None:
        """Adds one item's [L, H, Q] entropies (zero-copy for a C-contiguous float64 array)."""
        _need_numpy()
        a = Array(entropy, ctypes.c_double, "entropy")
        if a.shape is None or len(a.shape) != 3:
            raise ValueError("add_item: a [layers, heads, queries] array")
        check(lib().mirs_entropy_acc_add_item(self.handle, self._label(label), a.ptr, *a.shape),
              "mirs_entropy_acc_add_item")

    def add_attentions(self, label: Union[str, int], attentions: Sequence[ArrayLike], spans: Spans = None,
                       mask: Optional[ArrayLike] = None, q_begin: int = 0, q_end: Optional[int] = None,
                       dtype: DtypeArg = None, *, bits: Optional[bool] = None, normalize: Optional[bool] = None,
                       logits: Optional[bool] = None, policy: Union[str, int, None] = None, tolerance: Optional[float] = None,
                       temperature: Optional[float] = None, kernel: Union[str, int, None] = None, threads: Optional[int] = None) -> NDArray:
        """Adds a Hugging Face style `outputs.attentions` (a sequence of one [batch, heads, queries, keys] tensor
        or array per layer; torch CPU tensors of float32/float16/bfloat16 or numpy arrays, any strides, no copy)
        as one item per batch element: per layer and head the entropy of queries [q_begin, q_end) over the keys
        in `spans` (e.g. the image-token spans [(begin, end), ...]; None: all keys), renormalised over them, as
        add_item() does. Options as for attention(). Returns the entropies, float64 [batch, layers, heads, nq]."""
        layers = [_array_in(a, dtype) for a in attentions]
        if not layers:
            raise ValueError("add_attentions: no layers")
        sh = self.shape()
        nl, nh = sh["layers"], sh["heads"]
        if len(layers) != nl:
            raise ValueError("add_attentions: %d layers for an accumulator of %d" % (len(layers), nl))
        batch = layers[0][0].shape[0]
        out: Any = None
        for li, (a, dt) in enumerate(layers):
            if a.ndim != 4 or a.shape[0] != batch or a.shape[1] != nh:
                raise ValueError("add_attentions: layer %d has shape %s, expected [%d, %d, queries, keys]"
                                 % (li, a.shape, batch, nh))
            for b in range(batch):
                ent, _ = attention(a[b], q_begin, q_end, spans, mask, dt, bits=bits, normalize=normalize,
                                   logits=logits, policy=policy, tolerance=tolerance, temperature=temperature,
                                   kernel=kernel, threads=threads)
                if out is None:
                    out = _np.empty((batch, nl, nh, ent.shape[2]), dtype=_np.float64)
                out[b, li] = ent[0]
        for b in range(batch):
            self.add_item(label, out[b])
        return out

    def merge(self, other: Accumulator) -> None:
        """Adds another accumulator of the same shape into this one (exactly)."""
        check(lib().mirs_entropy_acc_merge(self.handle, other.handle), "mirs_entropy_acc_merge")

    def summary(self, label: Union[str, int], layer: int, head: int) -> Dict[str, Any]:
        """The fields of mirs_entropy_summary for one cell (count, mean, variance, ...)."""
        s = _ffi.mirs_entropy_summary()
        s.struct_size = ctypes.sizeof(s)
        check(lib().mirs_entropy_acc_summary(self.handle, self._label(label), layer, head, ctypes.byref(s)),
              "mirs_entropy_acc_summary")
        return {f: getattr(s, f) for f, _ in s._fields_ if f != "struct_size"}

    def shape(self) -> Dict[str, Any]:
        """dict(layers, heads, bins, lo, hi, items_safe, items_unsafe)."""
        v: List[Any] = [ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_double(), ctypes.c_double(),
             ctypes.c_uint64(), ctypes.c_uint64()]
        check(lib().mirs_entropy_acc_shape(self.handle, *[ctypes.byref(x) for x in v]), "mirs_entropy_acc_shape")
        return dict(zip(("layers", "heads", "bins", "lo", "hi", "items_safe", "items_unsafe"), (x.value for x in v)))

    def histogram(self, label: Union[str, int], layer: int, head: int) -> List[int]:
        """[underflow, bin 1..bins, overflow] counts."""
        n = self.shape()["bins"] + 2
        out = (ctypes.c_uint64 * n)()
        check(lib().mirs_entropy_acc_histogram(self.handle, self._label(label), layer, head, out),
              "mirs_entropy_acc_histogram")
        return list(out)

    def to_json(self) -> str:
        """The accumulator as JSON text (from_json() reads it back)."""
        buf = _ffi.mirs_buf()
        check(lib().mirs_entropy_acc_to_json(self.handle, ctypes.byref(buf)), "mirs_entropy_acc_to_json")
        return take_buf(buf).decode("utf-8")

    def save(self, path: PathLike) -> None:
        """Writes the accumulator to a file atomically (load() reads it back)."""
        check(lib().mirs_entropy_acc_save(self.handle, path_in(path)), "mirs_entropy_acc_save")

    def compare(self, layer: Optional[int] = None, reps: int = 1000, seed: int = 0) -> Dict[str, Any]:
        """Safe vs unsafe tests of one layer's item samples (None: the overall samples): a dict of
        mirs_entropy_group_test's fields."""
        g = _ffi.mirs_entropy_group_test()
        g.struct_size = ctypes.sizeof(g)
        lay = _ffi.MIRS_ENTROPY_ALL_LAYERS if layer is None else layer
        check(lib().mirs_entropy_acc_compare(self.handle, lay, reps, seed, ctypes.byref(g)), "mirs_entropy_acc_compare")
        return {f: getattr(g, f) for f, _ in g._fields_ if f != "struct_size"}

    def threshold(self, layer: Optional[int] = None, method: Union[str, int] = "youden") -> float:
        """The safe/unsafe decision threshold of a layer's item entropies (None: overall); "youden" or "midpoint"."""
        m = choice("entropy_threshold",
                   method, "method")
        out = ctypes.c_double()
        lay = _ffi.MIRS_ENTROPY_ALL_LAYERS if layer is None else layer
        check(lib().mirs_entropy_acc_threshold(self.handle, lay, m, ctypes.byref(out)), "mirs_entropy_acc_threshold")
        return out.value


class Monitor(Handle):
    """Online monitor of generated tokens' attention: feed(layer, head, row) per row, token_end() -> (flagged,
    score) per token, layer_mean(layer), reset(). One thread at a time."""

    _free = "mirs_entropy_monitor_free"
    _what = "monitor"

    def __init__(self, layers: int, heads: int, threshold: float, *, bits: Optional[bool] = None, normalize: Optional[bool] = None,
                 logits: Optional[bool] = None, policy: Union[str, int, None] = None, tolerance: Optional[float] = None,
                 temperature: Optional[float] = None, kernel: Union[str, int, None] = None, threads: Optional[int] = None) -> None:
        """A monitor of layers x heads attention rows per token, flagging tokens whose score passes threshold;
        the keywords are the entropy options (as for rows())."""
        o = _opts(dict(bits=bits, normalize=normalize, logits=logits, policy=policy, tolerance=tolerance,
                   temperature=temperature, kernel=kernel, threads=threads))
        p = ctypes.POINTER(_ffi.mirs_entropy_monitor)()
        check(lib().mirs_entropy_monitor_new(layers, heads, threshold, ctypes.byref(o), ctypes.byref(p)),
              "mirs_entropy_monitor_new")
        self._ptr = p


    def feed(self, layer: int, head: int, row: ArrayLike, dtype: DtypeArg = None) -> None:
        """One attention row (a 1-D array, passed without copying when contiguous); any other rank raises
        ValueError."""
        a, dtype = _array_in(row, dtype)
        if a.ndim != 1:
            # a block would be read as one long row (issue #18: a 4 x 8 block gave ln 32): refuse it
            raise ValueError("Monitor.feed: one attention row (a 1-D array) expected, got shape %s; feed each row "
                             "of a block separately" % (a.shape,))
        code, isz = _dtype_of(a, dtype)
        if a.strides[0] != isz:
            a = _np.ascontiguousarray(a)
        check(lib().mirs_entropy_monitor_feed(self.handle, layer, head, ctypes.c_void_p(a.ctypes.data), code, a.size),
              "mirs_entropy_monitor_feed")

    def token_end(self) -> Tuple[bool, float]:
        """Ends the current token: (flagged, score)."""
        f, s = ctypes.c_int32(), ctypes.c_double()
        check(lib().mirs_entropy_monitor_token_end(self.handle, ctypes.byref(f), ctypes.byref(s)),
              "mirs_entropy_monitor_token_end")
        return bool(f.value), s.value

    def layer_mean(self, layer: int) -> float:
        """The running mean entropy of a layer (NaN before the first token or for a layer out of range)."""
        return float(lib().mirs_entropy_monitor_layer_mean(self.handle, layer))

    def reset(self) -> None:
        """Forgets every token fed so far."""
        lib().mirs_entropy_monitor_reset(self.handle)
