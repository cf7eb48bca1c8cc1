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
import ctypes
import sys

from . import _ffi
from ._core import Array, Handle, _np, anchored, check, choice, lib, options, path_in, take_buf, text_in, text_out
from .score import _Text


def _need_numpy():
    if _np is None:
        raise ImportError("mirsafety.entropy's array functions need numpy")


_NP_TO_DTYPE = {"float32": "MIRS_ENTROPY_F32", "float16": "MIRS_ENTROPY_F16", "float64": "MIRS_ENTROPY_F64"}
_NAMES = {"f32": "MIRS_ENTROPY_F32", "f16": "MIRS_ENTROPY_F16", "bf16": "MIRS_ENTROPY_BF16", "f64": "MIRS_ENTROPY_F64"}
_ITEMSIZE = {"MIRS_ENTROPY_F32": 4, "MIRS_ENTROPY_F16": 2, "MIRS_ENTROPY_BF16": 2, "MIRS_ENTROPY_F64": 8}
_POLICY = {"error": "MIRS_ENTROPY_POLICY_ERROR", "renormalize": "MIRS_ENTROPY_POLICY_RENORMALIZE",
           "skip": "MIRS_ENTROPY_POLICY_SKIP"}
_KERNEL = {"auto": "MIRS_ENTROPY_KERNEL_AUTO", "generic": "MIRS_ENTROPY_KERNEL_GENERIC",
           "avx2": "MIRS_ENTROPY_KERNEL_AVX2", "sse2": "MIRS_ENTROPY_KERNEL_SSE2",
           "avx512": "MIRS_ENTROPY_KERNEL_AVX512"}
_AXES = {"layers": "MIRS_ENTROPY_AXIS_LAYERS", "heads": "MIRS_ENTROPY_AXIS_HEADS",
         "queries": "MIRS_ENTROPY_AXIS_QUERIES"}


def _c(name):
    return getattr(_ffi, name)


def _is_torch(x):
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "data_ptr")


def _from_torch(x, dtype):
    """(numpy view of a CPU tensor's memory, dtype): no copy; a bfloat16 tensor becomes its uint16 bits."""
    if x.device.type != "cpu":
        raise TypeError("entropy: a CPU tensor expected (this one is on %s); move it with .cpu()" % x.device)
    x = x.detach()
    if str(x.dtype) == "torch.bfloat16":
        a = x.view(sys.modules["torch"].int16).numpy().view(_np.uint16)
        return a, "bf16" if dtype is None else dtype
    return x.numpy(), dtype


def _array_in(data, dtype):
    """(numpy array, dtype) for a numpy array or anything numpy takes, or a torch tensor (no copy)."""
    _need_numpy()
    if _is_torch(data):
        return _from_torch(data, dtype)
    return _np.asarray(data), dtype


def _dtype_of(arr, dtype):
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


def _opts(kw):
    kw = dict(kw)
    if isinstance(kw.get("policy"), str):
        kw["policy"] = choice({k: _c(v) for k, v in _POLICY.items()}, kw["policy"], "policy")
    if isinstance(kw.get("kernel"), str):
        kw["kernel"] = choice({k: _c(v) for k, v in _KERNEL.items()}, kw["kernel"], "kernel")
    return options(_ffi.mirs_entropy_options, lib().mirs_entropy_options_init, kw, "entropy")


def kernel_name():
    """The kernel AUTO picks in this process ("avx512", "avx2", "sse2" or "generic")."""
    return text_out(lib().mirs_entropy_kernel_name())


def _rows_layout(data, dtype):
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


def rows(data, dtype=None, **opts):
    """Entropy of each row of a 2-D array (rows may be padded: the row stride is read from the array, no copy).
    Options: bits, normalize, logits, policy ("error", "renormalize", "skip"), tolerance, temperature, kernel,
    threads. Returns a float64 numpy array of one value per row."""
    a, code, stride = _rows_layout(data, dtype)
    o = _opts(opts)
    out = _np.empty(a.shape[0], dtype=_np.float64)
    check(lib().mirs_entropy_rows(ctypes.c_void_p(a.ctypes.data), code, a.shape[0], a.shape[1], stride,
                                  ctypes.byref(o), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))),
          "mirs_entropy_rows")
    return out


def _spans_mask(spans, mask, ncols):
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


def rows_spans(data, spans=None, mask=None, dtype=None, **opts):
    """(entropy per row, mass per row and span) restricted to key spans [(begin, end), ...] and/or a mask."""
    a, code, stride = _rows_layout(data, dtype)
    sp, nspans, mk = _spans_mask(spans, mask, a.shape[1])
    o = _opts(opts)
    ent = _np.empty(a.shape[0], dtype=_np.float64)
    mass = _np.empty((a.shape[0], nspans), dtype=_np.float64)
    dp = ctypes.POINTER(ctypes.c_double)
    check(lib().mirs_entropy_rows_spans(ctypes.c_void_p(a.ctypes.data), code, a.shape[0], a.shape[1], stride,
                                        sp, nspans, mk.ptr if mk else None, ctypes.byref(o), ent.ctypes.data_as(dp),
                                        mass.ctypes.data_as(dp) if nspans else None), "mirs_entropy_rows_spans")
    return ent, mass


def _view_of(arr, dtype):
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


def attention(tensor, q_begin=0, q_end=None, spans=None, mask=None, dtype=None, **opts):
    """Entropy per (layer, head, query) of attention [L, H, Q, K] (or [H, Q, K], [Q, K]) for queries
    [q_begin, q_end): (entropy [L, H, nq], mass [L, H, nq, nspans]). Any strides, no copy."""
    v, a = _view_of(tensor, dtype)
    L, H, Q, K = a.shape
    qe = Q if q_end is None else min(q_end, Q)
    nq = max(0, qe - q_begin)
    sp, nspans, mk = _spans_mask(spans, mask, K)
    o = _opts(opts)
    ent = _np.empty((L, H, nq), dtype=_np.float64)
    mass = _np.empty((L, H, nq, nspans), dtype=_np.float64)
    dp = ctypes.POINTER(ctypes.c_double)
    check(lib().mirs_entropy_view_compute(ctypes.byref(v), q_begin, qe if q_end is not None else ctypes.c_size_t(-1).value,
                                          sp, nspans, mk.ptr if mk else None, ctypes.byref(o), ent.ctypes.data_as(dp),
                                          mass.ctypes.data_as(dp) if nspans else None), "mirs_entropy_view_compute")
    return ent, mass


def reduce(values, axes):
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


def npy_write_f64(path, array):
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

    def __init__(self, path=None, name=None, _ptr=None, _keep=None):
        if _ptr is None:
            _ptr = ctypes.POINTER(_ffi.mirs_entropy_tensor)()
            check(lib().mirs_entropy_tensor_open(path_in(path), None if name is None else text_in(name),
                                                 ctypes.byref(_ptr)), "mirs_entropy_tensor_open")
        # the source bytes of from_bytes() live as long as the library object (and the arrays viewing it)
        self._ptr = anchored(_ptr, "mirs_entropy_tensor_free", (_keep,))
        self._keep = _keep

    @classmethod
    def from_bytes(cls, data, name=None):
        """A tensor over bytes in memory (no copy: the Tensor keeps the object alive)."""
        t = _Text(data)
        p = ctypes.POINTER(_ffi.mirs_entropy_tensor)()
        check(lib().mirs_entropy_tensor_open_memory(ctypes.cast(t.ptr, ctypes.c_void_p) if t.ptr is not None else None,
                                                    t.n, None if name is None else text_in(name), ctypes.byref(p)),
              "mirs_entropy_tensor_open_memory")
        return cls(_ptr=p, _keep=t)


    def info(self):
        """(dtype code, shape, element strides)."""
        n = _ffi.MIRS_ENTROPY_MAX_DIMS
        dt, nd = ctypes.c_int32(), ctypes.c_size_t()
        shape, strides = (ctypes.c_size_t * n)(), (ctypes.c_int64 * n)()
        check(lib().mirs_entropy_tensor_info(self.handle, ctypes.byref(dt), ctypes.byref(nd), shape, strides),
              "mirs_entropy_tensor_info")
        return dt.value, tuple(shape[:nd.value]), tuple(strides[:nd.value])

    @property
    def shape(self):
        return self.info()[1]

    def array(self):
        """A read-only numpy view of the tensor's memory (no copy). The array keeps the memory alive: it stays
        valid after the Tensor is closed (the file is unmapped with the last array). bf16 comes as uint16."""
        _need_numpy()
        h = self.handle
        code, shape, strides = self.info()
        name = next(k for k in _CODE_TO_NP if _c(k) == code)
        dt = _np.dtype(_CODE_TO_NP[name])
        addr = lib().mirs_entropy_tensor_data(h)
        span = 1 + sum((s - 1) * abs(st) for s, st in zip(shape, strides)) if all(shape) else 0
        buf = (ctypes.c_char * (span * dt.itemsize)).from_address(addr)
        buf._owner = h  # the anchored pointer: the tensor is freed only after the last view of it
        base = _np.frombuffer(buf, dtype=dt)
        return _np.lib.stride_tricks.as_strided(base, shape, [s * dt.itemsize for s in strides], writeable=False)

    def attention(self, layout="lhqk", q_begin=0, q_end=None, spans=None, mask=None, **opts):
        """Entropies over the tensor read as attention with the given axis letters (l, h, q, k)."""
        v = _ffi.mirs_entropy_view()
        v.struct_size = ctypes.sizeof(v)
        h = self.handle  # held to the end: the view points into the tensor's memory
        check(lib().mirs_entropy_tensor_view(h, text_in(layout), ctypes.byref(v)), "mirs_entropy_tensor_view")
        L, H, Q, K = list(v.shape)
        qe = Q if q_end is None else min(q_end, Q)
        nq = max(0, qe - q_begin)
        sp, nspans, mk = _spans_mask(spans, mask, K)
        o = _opts(opts)
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

    def __init__(self, layers=None, heads=None, bins=64, lo=0.0, hi=8.0, _ptr=None):
        if _ptr is None:
            _ptr = ctypes.POINTER(_ffi.mirs_entropy_acc)()
            check(lib().mirs_entropy_acc_new(layers, heads, bins, lo, hi, ctypes.byref(_ptr)), "mirs_entropy_acc_new")
        self._ptr = _ptr

    @classmethod
    def from_json(cls, text):
        t = _Text(text)
        p = ctypes.POINTER(_ffi.mirs_entropy_acc)()
        check(lib().mirs_entropy_acc_from_json(t.ptr, t.n, ctypes.byref(p)), "mirs_entropy_acc_from_json")
        return cls(_ptr=p)

    @classmethod
    def load(cls, path):
        p = ctypes.POINTER(_ffi.mirs_entropy_acc)()
        check(lib().mirs_entropy_acc_load(path_in(path), ctypes.byref(p)), "mirs_entropy_acc_load")
        return cls(_ptr=p)


    @staticmethod
    def _label(label):
        if isinstance(label, str):
            return choice({"safe": _ffi.MIRS_ENTROPY_LABEL_SAFE, "unsafe": _ffi.MIRS_ENTROPY_LABEL_UNSAFE}, label,
                          "label")
        return label

    def add(self, label, layer, head, value):
        check(lib().mirs_entropy_acc_add(self.handle, self._label(label), layer, head, value), "mirs_entropy_acc_add")

    def add_item(self, label, entropy):
        """Adds one item's [L, H, Q] entropies (zero-copy for a C-contiguous float64 array)."""
        _need_numpy()
        a = Array(entropy, ctypes.c_double, "entropy")
        if a.shape is None or len(a.shape) != 3:
            raise ValueError("add_item: a [layers, heads, queries] array")
        check(lib().mirs_entropy_acc_add_item(self.handle, self._label(label), a.ptr, *a.shape),
              "mirs_entropy_acc_add_item")

    def add_attentions(self, label, attentions, spans=None, mask=None, q_begin=0, q_end=None, dtype=None, **opts):
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
        out = None
        for li, (a, dt) in enumerate(layers):
            if a.ndim != 4 or a.shape[0] != batch or a.shape[1] != nh:
                raise ValueError("add_attentions: layer %d has shape %s, expected [%d, %d, queries, keys]"
                                 % (li, a.shape, batch, nh))
            for b in range(batch):
                ent, _ = attention(a[b], q_begin, q_end, spans, mask, dt, **opts)
                if out is None:
                    out = _np.empty((batch, nl, nh, ent.shape[2]), dtype=_np.float64)
                out[b, li] = ent[0]
        for b in range(batch):
            self.add_item(label, out[b])
        return out

    def merge(self, other):
        check(lib().mirs_entropy_acc_merge(self.handle, other.handle), "mirs_entropy_acc_merge")

    def summary(self, label, layer, head):
        s = _ffi.mirs_entropy_summary()
        s.struct_size = ctypes.sizeof(s)
        check(lib().mirs_entropy_acc_summary(self.handle, self._label(label), layer, head, ctypes.byref(s)),
              "mirs_entropy_acc_summary")
        return {f: getattr(s, f) for f, _ in s._fields_ if f != "struct_size"}

    def shape(self):
        """dict(layers, heads, bins, lo, hi, items_safe, items_unsafe)."""
        v = [ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_double(), ctypes.c_double(),
             ctypes.c_uint64(), ctypes.c_uint64()]
        check(lib().mirs_entropy_acc_shape(self.handle, *[ctypes.byref(x) for x in v]), "mirs_entropy_acc_shape")
        return dict(zip(("layers", "heads", "bins", "lo", "hi", "items_safe", "items_unsafe"), (x.value for x in v)))

    def histogram(self, label, layer, head):
        """[underflow, bin 1..bins, overflow] counts."""
        n = self.shape()["bins"] + 2
        out = (ctypes.c_uint64 * n)()
        check(lib().mirs_entropy_acc_histogram(self.handle, self._label(label), layer, head, out),
              "mirs_entropy_acc_histogram")
        return list(out)

    def to_json(self):
        buf = _ffi.mirs_buf()
        check(lib().mirs_entropy_acc_to_json(self.handle, ctypes.byref(buf)), "mirs_entropy_acc_to_json")
        return take_buf(buf).decode("utf-8")

    def save(self, path):
        check(lib().mirs_entropy_acc_save(self.handle, path_in(path)), "mirs_entropy_acc_save")

    def compare(self, layer=None, reps=1000, seed=0):
        """Safe vs unsafe tests of one layer's item samples (None: the overall samples): a dict of
        mirs_entropy_group_test's fields."""
        g = _ffi.mirs_entropy_group_test()
        g.struct_size = ctypes.sizeof(g)
        lay = _ffi.MIRS_ENTROPY_ALL_LAYERS if layer is None else layer
        check(lib().mirs_entropy_acc_compare(self.handle, lay, reps, seed, ctypes.byref(g)), "mirs_entropy_acc_compare")
        return {f: getattr(g, f) for f, _ in g._fields_ if f != "struct_size"}

    def threshold(self, layer=None, method="youden"):
        m = choice({"midpoint": _ffi.MIRS_ENTROPY_THRESHOLD_MIDPOINT, "youden": _ffi.MIRS_ENTROPY_THRESHOLD_YOUDEN},
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

    def __init__(self, layers, heads, threshold, **opts):
        o = _opts(opts)
        p = ctypes.POINTER(_ffi.mirs_entropy_monitor)()
        check(lib().mirs_entropy_monitor_new(layers, heads, threshold, ctypes.byref(o), ctypes.byref(p)),
              "mirs_entropy_monitor_new")
        self._ptr = p


    def feed(self, layer, head, row, dtype=None):
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

    def token_end(self):
        f, s = ctypes.c_int32(), ctypes.c_double()
        check(lib().mirs_entropy_monitor_token_end(self.handle, ctypes.byref(f), ctypes.byref(s)),
              "mirs_entropy_monitor_token_end")
        return bool(f.value), s.value

    def layer_mean(self, layer):
        out = ctypes.c_double()
        check(lib().mirs_entropy_monitor_layer_mean(self.handle, layer, ctypes.byref(out)),
              "mirs_entropy_monitor_layer_mean")
        return out.value

    def reset(self):
        lib().mirs_entropy_monitor_reset(self.handle)
