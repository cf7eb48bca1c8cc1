"""The .npy and .safetensors readers against files written by numpy (and by a hand-written safetensors writer,
the format being a length, a JSON header and raw bytes): every element read back bit for bit, entropies of the
mapped tensor against scipy, and malformed files rejected with the named status."""
import ctypes
import io
import json
import os
import struct
import sys
import tempfile

import numpy as np
import scipy.stats

lib = ctypes.CDLL(sys.argv[1])
lib.mirs_entropy_tensor_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
lib.mirs_entropy_tensor_info.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int32),
                                         ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p, ctypes.c_void_p]
lib.mirs_entropy_tensor_data.argtypes = [ctypes.c_void_p]
lib.mirs_entropy_tensor_data.restype = ctypes.c_void_p
lib.mirs_entropy_tensor_free.argtypes = [ctypes.c_void_p]
lib.mirs_entropy_npy_write_f64.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
lib.mirs_status_str.restype = ctypes.c_char_p
lib.mirs_error_last.restype = ctypes.c_char_p
NP = {1: np.float32, 2: np.float16, 3: np.uint16, 4: np.float64}

checks = failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL", what)


def open_tensor(path, name=None):
    h = ctypes.c_void_p()
    st = lib.mirs_entropy_tensor_open(path.encode(), name.encode() if name else None, ctypes.byref(h))
    if st != 0:
        return lib.mirs_status_str(st).decode(), lib.mirs_error_last().decode()
    dt, nd = ctypes.c_int32(), ctypes.c_size_t()
    shape, strides = (ctypes.c_size_t * 8)(), (ctypes.c_int64 * 8)()
    lib.mirs_entropy_tensor_info(h, ctypes.byref(dt), ctypes.byref(nd), shape, strides)
    shp, strd = tuple(shape[:nd.value]), tuple(strides[:nd.value])
    dtype = np.dtype(NP[dt.value])
    n = int(np.prod(shp)) if shp else 1
    addr = lib.mirs_entropy_tensor_data(h)
    flat = np.frombuffer((ctypes.c_char * (n * dtype.itemsize)).from_address(addr), dtype=dtype).copy() if n else \
        np.zeros(0, dtype)
    arr = np.lib.stride_tricks.as_strided(flat, shp, [s * dtype.itemsize for s in strd]).copy() if n else \
        flat.reshape(shp)
    lib.mirs_entropy_tensor_free(h)
    return dt.value, arr


def st_write(path, tensors, override=None, meta=True):
    """A .safetensors writer from the format description: u64 LE header size, JSON header, data."""
    hdr, body = ({"__metadata__": {"format": "pt"}} if meta else {}), b""
    for name, (dt, arr) in tensors.items():
        raw = np.ascontiguousarray(arr).tobytes()
        hdr[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [len(body), len(body) + len(raw)]}
        body += raw
    if override:
        override(hdr)
    h = json.dumps(hdr).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + body)


rng = np.random.default_rng(3)
a = rng.dirichlet(np.ones(24), size=(2, 3, 5))
tmp = tempfile.mkdtemp()
P = lambda n: os.path.join(tmp, n)

# numpy-written .npy: versions 1-3, f4/f2/f8, C and Fortran order
for ver in [(1, 0), (2, 0), (3, 0)]:
    for dt, code in [(np.float32, 1), (np.float16, 2), (np.float64, 4)]:
        for order in ["C", "F"]:
            x = np.asarray(a.astype(dt), order=order)
            with open(P("x.npy"), "wb") as f:
                np.lib.format.write_array(f, x, version=ver)
            got = open_tensor(P("x.npy"))
            check(got[0] == code and got[1].shape == x.shape and np.array_equal(got[1], x),
                  f"npy {ver} {dt.__name__} {order}: {got[0]}")
np.save(P("v2.npy"), (a.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).view("V2"))
got = open_tensor(P("v2.npy"))
check(got[0] == 3 and np.array_equal(got[1], (a.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)),
      "npy |V2 read as bf16")

# hand-written safetensors with several tensors
bf = (a.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
st_write(P("m.safetensors"), {"f32": ("F32", a.astype(np.float32)), "f16": ("F16", a.astype(np.float16)),
                               "bf16": ("BF16", bf), "f64": ("F64", a)})
for name, code, want in [("f32", 1, a.astype(np.float32)), ("f16", 2, a.astype(np.float16)), ("bf16", 3, bf),
                         ("f64", 4, a)]:
    got = open_tensor(P("m.safetensors"), name)
    check(got[0] == code and np.array_equal(got[1], want), f"safetensors {name}")
check(open_tensor(P("m.safetensors"))[0] == "MIRS_E_NOT_FOUND", "safetensors without a name and 4 tensors")
check(open_tensor(P("m.safetensors"), "nope")[0] == "MIRS_E_NOT_FOUND", "safetensors unknown name")

# entropies through the CLI-like path: the mapped tensor's view against scipy
lib.mirs_entropy_tensor_view.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class View(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("data", ctypes.c_void_p), ("dtype", ctypes.c_int32),
                ("shape", ctypes.c_size_t * 4), ("strides", ctypes.c_int64 * 4)]


lib.mirs_entropy_view_compute.argtypes = [ctypes.POINTER(View), ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p,
                                          ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                          ctypes.c_void_p]
for order in ["C", "F"]:
    np.save(P("e.npy"), np.asarray(a.astype(np.float32), order=order))
    h = ctypes.c_void_p()
    lib.mirs_entropy_tensor_open(P("e.npy").encode(), None, ctypes.byref(h))
    v = View()
    v.struct_size = ctypes.sizeof(v)  # an output struct: the library fills it up to the caller's size
    check(lib.mirs_entropy_tensor_view(h, b"hqk", ctypes.byref(v)) != 0, "layout with the wrong rank is refused")
    check(lib.mirs_entropy_tensor_view(h, b"lhqk", ctypes.byref(v)) == 0, "layout lhqk")
    out = np.empty((2, 3, 5))
    st = lib.mirs_entropy_view_compute(ctypes.byref(v), 0, 2**63, None, 0, None, None, out.ctypes.data, None)
    want = scipy.stats.entropy(a.astype(np.float32).astype(np.float64), axis=-1)
    check(st == 0 and np.max(np.abs(out - want)) <= 2e-6, f"entropy of a mapped {order}-order tensor")
    lib.mirs_entropy_tensor_free(h)

# the .npy writer: numpy reads back the same doubles
for shape in [(7,), (2, 3), (2, 3, 5), (1, 1, 1, 4)]:
    x = rng.random(shape)
    sh = (ctypes.c_size_t * len(shape))(*shape)
    lib.mirs_entropy_npy_write_f64(P("w.npy").encode(), x.ctypes.data, len(shape), sh)
    y = np.load(P("w.npy"))
    check(y.dtype == np.float64 and np.array_equal(x, y), f"npy writer {shape}")
    check(os.path.getsize(P("w.npy")) % 64 == x.nbytes % 64, "npy header padded to 64 bytes")

# malformed files and their named errors
good = io.BytesIO()
np.save(good, a.astype(np.float32))
good = good.getvalue()
bad = {
    "truncated-data": (good[:-5], "MIRS_E_TRUNCATED"),
    "not-npy-or-st": (b"hello world, not a tensor", "MIRS_E_FORMAT"),  # not a 16-exabyte safetensors header
    "npy-version-9": (b"\x93NUMPY\x09\x00" + good[8:], "MIRS_E_UNSUPPORTED"),
    "npy-header-past-end": (good[:8] + b"\xff\xff" + good[10:40], "MIRS_E_TRUNCATED"),
    "npy-bad-dict": (good.replace(b"'fortran_order': False", b"'fortran_order': Fals_"), "MIRS_E_FORMAT"),
    "npy-big-endian": (good.replace(b"'<f4'", b"'>f4'"), "MIRS_E_UNSUPPORTED"),
    "npy-int": (good.replace(b"'<f4'", b"'<i4'"), "MIRS_E_UNSUPPORTED"),
    "npy-no-shape": (good.replace(b"'shape'", b"'shapX'"), "MIRS_E_FORMAT"),
}
for name, (blob, want) in bad.items():
    with open(P("bad"), "wb") as f:
        f.write(blob)
    got = open_tensor(P("bad"))
    check(got[0] == want, f"{name}: {got[0]} (wanted {want}) {got[1] if isinstance(got[1], str) else ''}")
t32 = {"attn": ("F32", a.astype(np.float32))}
st_bad = {
    "offsets-outside": (lambda h: h["attn"].update(data_offsets=[0, 10**9]), "MIRS_E_RANGE"),
    "offsets-reversed": (lambda h: h["attn"].update(data_offsets=[8, 4]), "MIRS_E_RANGE"),
    "shape-mismatch": (lambda h: h["attn"].update(shape=[2, 3, 5, 23]), "MIRS_E_MISMATCH"),
    "shape-overflow": (lambda h: h["attn"].update(shape=[2**40, 2**40, 2**40]), "MIRS_E_OVERFLOW"),
    "dtype-i64": (lambda h: h["attn"].update(dtype="I64"), "MIRS_E_UNSUPPORTED"),
    "negative-offset": (lambda h: h["attn"].update(data_offsets=[-4, 10]), "MIRS_E_SCHEMA"),
    "fractional-dim": (lambda h: h["attn"].update(shape=[2.5, 3, 5, 24]), "MIRS_E_SCHEMA"),
    "nine-dims": (lambda h: h["attn"].update(shape=[1] * 9), "MIRS_E_LIMIT"),
}
for name, (fn, want) in st_bad.items():
    st_write(P("bad.safetensors"), t32, override=fn)
    got = open_tensor(P("bad.safetensors"), "attn")
    check(got[0] == want, f"safetensors {name}: {got[0]} (wanted {want})")
with open(P("bad.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", 10**12) + b"{}")
check(open_tensor(P("bad.safetensors"))[0] == "MIRS_E_LIMIT", "safetensors header size beyond the limit")
with open(P("bad.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", 500) + b"{}")
check(open_tensor(P("bad.safetensors"))[0] == "MIRS_E_TRUNCATED", "safetensors header past the end")
with open(P("bad.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", 9) + b'{"attn":[')
check(open_tensor(P("bad.safetensors"))[0] == "MIRS_E_JSON", "safetensors header not JSON")
check(open_tensor(P("missing.npy"))[0] == "MIRS_E_NOT_FOUND", "missing file")

print(f"entropy-files: {checks - failures} checks passed, {failures} failed")
sys.exit(1 if failures else 0)
