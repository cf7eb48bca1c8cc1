"""entropy.h through the idiomatic layer, against numpy/scipy; zero-copy strided inputs."""
import ctypes
import json
import os
import struct
import tracemalloc

import numpy as np
import pytest
import scipy.special as sp

import mirsafety
from mirsafety import _ffi

pytestmark = pytest.mark.skipif("mirs_entropy_rows" not in _ffi.FUNCTIONS or "mirs_entropy_rows" in mirsafety.lib().missing,
                                reason="the library does not export the entropy functions yet")
E = mirsafety.entropy


def need(*names):
    """Skips a test whose functions the header does not declare yet or the library does not export (the module
    may land in stages)."""
    absent = [n for n in names if n not in _ffi.FUNCTIONS or n in mirsafety.lib().missing]
    if absent:
        pytest.skip("not in this build yet: " + ", ".join(absent))

# The kernels accumulate in double (f32/f16 inputs are widened) but the AVX2 path evaluates log with a
# polynomial and sums 8 lanes in a different order than numpy: 1e-6 relative is several times that error.
RTOL = 1e-6


def ref_entropy(p):
    p = np.asarray(p, dtype=np.float64)
    p = p / p.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1)


rng = np.random.default_rng(5)
P = rng.dirichlet(np.ones(97), size=33)


def test_rows_all_dtypes_against_numpy():
    assert E.kernel_name() in ("avx512", "avx2", "sse2", "generic")
    for dt, tol in ((np.float64, RTOL), (np.float32, RTOL), (np.float16, 2e-3)):  # f16: inputs rounded to 11 bits
        x = P.astype(dt)
        np.testing.assert_allclose(E.rows(x), ref_entropy(x), rtol=tol)
    bf = (P.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)  # bf16 = the upper half of an f32
    back = (bf.astype(np.uint32) << 16).view(np.float32)
    np.testing.assert_allclose(E.rows(bf, dtype="bf16", policy="renormalize"), ref_entropy(back), rtol=RTOL)
    np.testing.assert_allclose(E.rows(P, bits=1), ref_entropy(P) / np.log(2), rtol=RTOL)
    np.testing.assert_allclose(E.rows(P, normalize=1), ref_entropy(P) / np.log(97), rtol=RTOL)
    logits = rng.normal(size=(5, 40))
    np.testing.assert_allclose(E.rows(logits, logits=1, temperature=0.7), ref_entropy(sp.softmax(logits / 0.7, axis=1)),
                               rtol=RTOL)
    np.testing.assert_allclose(E.rows(P, kernel="generic", threads=2), ref_entropy(P), rtol=RTOL)


def test_policies():
    bad = P.copy()
    bad[3, 5] = np.nan
    with pytest.raises(mirsafety.NumericError) as e:
        E.rows(bad)
    assert "3" in e.value.message
    r = E.rows(bad, policy="skip")
    assert np.isnan(r[3]) and np.isfinite(np.delete(r, 3)).all()


def test_padded_rows_are_read_in_place():
    big = rng.dirichlet(np.ones(128), size=4096)
    view = big[:, :100]  # rows 128 elements apart: described by a stride, not copied
    view = view / 1.0  # (a copy on purpose, so that the rows below sum to 1 ...)
    padded = np.zeros((4096, 128))
    padded[:, :100] = view / view.sum(axis=1, keepdims=True)
    rows = padded[:, :100]
    tracemalloc.start()
    tracemalloc.reset_peak()
    out = E.rows(rows)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4096 * 8 + 16 * 1024  # the 32 KiB result and small objects, not the 3.2 MB input
    np.testing.assert_allclose(out, ref_entropy(rows), rtol=RTOL)


def test_spans_and_mask():
    spans = [(0, 10), (50, 60)]
    mask = np.ones(97, dtype=np.uint8)
    mask[55] = 0
    ent, mass = E.rows_spans(P, spans=spans, mask=mask)
    sel = np.zeros(97, bool)
    sel[0:10] = sel[50:60] = True
    sel &= mask.astype(bool)
    np.testing.assert_allclose(ent, ref_entropy(P[:, sel]), rtol=RTOL)
    np.testing.assert_allclose(mass[:, 0], P[:, 0:10].sum(axis=1), rtol=RTOL)
    np.testing.assert_allclose(mass[:, 1], P[:, 50:60].sum(axis=1) - P[:, 55], rtol=RTOL)


def test_attention_any_strides_no_copy():
    a = rng.dirichlet(np.ones(64), size=(3, 4, 20)).astype(np.float32)  # [L, H, Q, K]
    want = ref_entropy(a)
    ent, mass = E.attention(a)
    np.testing.assert_allclose(ent, want, rtol=RTOL)
    # the same tensor stored as [H, L, K, Q] and viewed back: every stride differs from C order
    stored = np.ascontiguousarray(a.transpose(1, 0, 3, 2))
    view = stored.transpose(1, 0, 3, 2)
    tracemalloc.start()
    tracemalloc.reset_peak()
    ent2, _ = E.attention(view, q_begin=5, q_end=15)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    np.testing.assert_allclose(ent2, want[:, :, 5:15], rtol=RTOL)
    assert peak < stored.nbytes / 4
    flipped = a[::-1, :, ::-1]  # negative strides
    np.testing.assert_allclose(E.attention(flipped)[0], want[::-1, :, ::-1], rtol=RTOL)
    ent3, mass3 = E.attention(a[0, 0], spans=[(0, 32)])
    np.testing.assert_allclose(mass3[0, 0, :, 0], a[0, 0, :, :32].sum(axis=1), rtol=RTOL)


def test_reduce_against_nanmean():
    v = rng.normal(size=(3, 4, 5))
    v[1, 2, 3] = np.nan
    np.testing.assert_allclose(E.reduce(v, ["heads", "queries"]), np.nanmean(v, axis=(1, 2)), rtol=1e-12)
    assert E.reduce(v, ["layers", "heads", "queries"]) == pytest.approx(np.nanmean(v), rel=1e-12)
    np.testing.assert_allclose(E.reduce(v, "layers"), np.nanmean(v, axis=0), rtol=1e-12)


def test_tensors_npy_and_safetensors(tmp_path):
    need("mirs_entropy_tensor_open", "mirs_entropy_tensor_open_memory", "mirs_entropy_npy_write_f64")
    a = rng.dirichlet(np.ones(16), size=(2, 3, 5)).astype(np.float32)
    p = tmp_path / "att.npy"
    np.save(p, a)
    with E.Tensor(p) as t:
        code, shape, strides = t.info()
        assert code == _ffi.MIRS_ENTROPY_F32 and shape == a.shape and strides == (240, 80, 16, 1)
        np.testing.assert_array_equal(t.array(), a)
        np.testing.assert_allclose(t.attention("lhqk")[0], ref_entropy(a), rtol=RTOL)
    f = np.asfortranarray(a[0])
    np.save(tmp_path / "f.npy", f)
    with E.Tensor(tmp_path / "f.npy") as t:
        np.testing.assert_array_equal(t.array(), f)
        np.testing.assert_allclose(t.attention("hqk")[0][0], ref_entropy(f), rtol=RTOL)  # layers axis of size 1
    body = a.tobytes()
    header = json.dumps({"att": {"dtype": "F32", "shape": list(a.shape), "data_offsets": [0, len(body)]}}).encode()
    blob = struct.pack("<Q", len(header)) + header + body
    (tmp_path / "t.safetensors").write_bytes(blob)
    with E.Tensor(tmp_path / "t.safetensors", name="att") as t:
        np.testing.assert_array_equal(t.array(), a)
    t = E.Tensor.from_bytes(blob)
    np.testing.assert_array_equal(t.array(), a)
    with pytest.raises(mirsafety.NotFoundError):
        E.Tensor.from_bytes(blob, name="other")
    with pytest.raises(mirsafety.MirsError):
        E.Tensor.from_bytes(b"\x93NUMPY garbage")
    out = tmp_path / "o.npy"
    E.npy_write_f64(out, a)
    np.testing.assert_array_equal(np.load(out), a.astype(np.float64))


def test_accumulator_and_monitor(tmp_path):
    need("mirs_entropy_acc_new", "mirs_entropy_monitor_new")
    L, H = 2, 3
    acc = E.Accumulator(L, H, bins=8, lo=0.0, hi=4.0)
    items = [(lab, rng.uniform(0.5, 3.5, size=(L, H, 6)) - (0.8 if lab == "unsafe" else 0)) for lab in
             ["safe", "unsafe"] * 10]
    for lab, v in items:
        acc.add_item(lab, v)
    acc.add("safe", 0, 0, float("nan"))  # ignored
    shape = acc.shape()
    assert (shape["layers"], shape["heads"], shape["bins"], shape["items_safe"], shape["items_unsafe"]) == (L, H, 8, 10, 10)
    vals = np.concatenate([v[1, 2] for lab, v in items if lab == "safe"])
    s = acc.summary("safe", 1, 2)
    assert s["count"] == vals.size and s["mean"] == pytest.approx(vals.mean(), rel=1e-12)
    assert s["variance"] == pytest.approx(vals.var(ddof=1), rel=1e-10) and s["min"] == vals.min()
    hist = acc.histogram("safe", 1, 2)
    want, _ = np.histogram(vals[(vals >= 0) & (vals < 4)], bins=8, range=(0, 4))
    assert hist[1:-1] == want.tolist() and hist[0] == int((vals < 0).sum()) and hist[-1] == int((vals >= 4).sum())
    a1, a2 = E.Accumulator(L, H, 8, 0.0, 4.0), E.Accumulator(L, H, 8, 0.0, 4.0)
    for i, (lab, v) in enumerate(items):
        (a1 if i % 3 else a2).add_item(lab, v)
    a1.merge(a2)
    m = a1.summary("safe", 1, 2)
    assert m["count"] == s["count"] and m["mean"] == pytest.approx(s["mean"], rel=1e-12)
    back = E.Accumulator.from_json(acc.to_json())
    assert back.summary("safe", 1, 2) == s
    acc.save(tmp_path / "acc.json")
    assert E.Accumulator.load(tmp_path / "acc.json").histogram("safe", 1, 2) == hist
    assert acc.threshold(method="midpoint") == pytest.approx(
        (np.mean([v.mean() for lab, v in items if lab == "safe"]) +
         np.mean([v.mean() for lab, v in items if lab == "unsafe"])) / 2, rel=1e-9)
    acc.threshold(layer=0, method="youden")
    if "mirs_stats_welch_moments" in mirsafety.lib().missing:
        with pytest.raises(mirsafety.UnsupportedError):
            acc.compare()
    else:
        g = acc.compare(reps=200, seed=1)
        assert g["n_safe"] == g["n_unsafe"] == 10 and g["mean_safe"] > g["mean_unsafe"] and g["auroc"] > 0.5
    with pytest.raises(mirsafety.MismatchError):
        acc.merge(E.Accumulator(1, 1, 8, 0.0, 4.0))

    rows = rng.dirichlet(np.ones(32), size=(4, L, H))  # 4 tokens
    with E.Monitor(L, H, threshold=10.0) as mon:
        for t in range(4):
            for l in range(L):
                for h in range(H):
                    mon.feed(l, h, rows[t, l, h].astype(np.float32))
            flagged, score = mon.token_end()
        per_layer = ref_entropy(rows).mean(axis=2).mean(axis=0)  # token mean over heads, running mean over tokens
        assert mon.layer_mean(1) == pytest.approx(per_layer[1], rel=RTOL)
        assert score == pytest.approx(per_layer.mean(), rel=RTOL) and flagged  # below a threshold of 10 nats
        mon.reset()
        assert np.isnan(mon.layer_mean(0))
        with pytest.raises(mirsafety.StateError):
            mon.token_end()
