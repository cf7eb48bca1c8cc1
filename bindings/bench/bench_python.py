#!/usr/bin/python3
"""Python binding overhead, measured against pure Python in the same run (ratios, never assertions).

Usage: MIRSAFETY_LIBRARY=build/lib/libmirsafety.so /usr/bin/python3 bindings/bench/bench_python.py [--repeat N]

1. A full-size synthetic tree in the official layout (2,676 items with the paper's per-relation counts, six
   categories, prompt/question/description texts of realistic length; image files are not needed to open it):
   open + iterate every item reading key, revised_prompt, original_question and image paths, with mirsafety vs
   json.load of the same files plus the same field access in Python.
2. The cost of one call through the bindings: a trivial accessor through the idiomatic layer, through the raw
   ctypes function, and a pure-Python function call, in ns per call.
3. Large arrays: a numpy array handed to the library costs no copy (tracemalloc's peak during the call) and its
   time is the library's work: CRC-64 of 64 MB of uint8 and, when the stats module is present, Cohen's d of
   2 x 4M float64 values, each against the same call on a non-contiguous array (which must be copied).
"""
import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import numpy as np  # noqa: E402

import mirsafety  # noqa: E402

CATS = ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy"]
RELS = {"Temporal_Continuity": 317, "Temporal_Jump": 303, "Spatial_Juxtaposition": 292, "Spatial_Embedding": 293,
        "Relevance": 152, "Complementarity": 280, "Analogy": 318, "Causality": 280, "Decomposition": 441}


def make_tree(root):
    rng = random.Random(7)
    words = ("image picture scene step object person street table light window hand paper shows then after "
             "before while across under over next first second third final result process").split()

    def text(n):
        return " ".join(rng.choice(words) for _ in range(n))

    for rel, total in RELS.items():
        per = [total // 6 + (1 if i < total % 6 else 0) for i in range(6)]
        for cat, n in zip(CATS, per):
            d = os.path.join(root, cat)
            os.makedirs(d, exist_ok=True)
            items = []
            for i in range(n):
                k = rng.randint(2, 4)
                items.append({"id": i + 1, "original_question": text(15), "relationship_type": rel,
                              "revised_prompt": text(60), "image_descriptions": [text(20) for _ in range(k)],
                              "image_keywords": [text(3) for _ in range(k)],
                              "images": ["images/%s/%s_%d_%d.png" % (rel, rel, i + 1, j) for j in range(k)],
                              "iteration": 1})
            with open(os.path.join(d, rel + "_final.json"), "w", encoding="utf-8") as fh:
                json.dump(items, fh, ensure_ascii=False, indent=2)


def pure_python(root):
    out = []
    for cat in CATS:
        d = os.path.join(root, cat)
        for f in sorted(os.listdir(d)):
            if not f.endswith("_final.json"):
                continue
            rel = f[: -len("_final.json")]
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                for it in json.load(fh):
                    key = "%s/%s/%s" % (cat, rel, it["id"])
                    files = [os.path.join(d, p) for p in it["images"]]
                    out.append((key, it["revised_prompt"], it["original_question"], files))
    return out


def with_bindings(root):
    out = []
    with mirsafety.Dataset(root) as ds:
        for it in ds:
            out.append((it.key, it.revised_prompt, it.original_question, it.image_files))
    return out


def best(fn, repeat):
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = fn()
        ts.append(time.perf_counter() - t0)
    return min(ts), statistics.median(ts), r


def per_call(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e9


def peak_during(fn):
    tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return dt, peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    print("library: %s (%s); load average %s" % (mirsafety.library_path(), mirsafety.library_version()[3],
                                                   " ".join("%.1f" % x for x in os.getloadavg())))
    with tempfile.TemporaryDirectory() as root:
        make_tree(root)
        py_min, py_med, ref = best(lambda: pure_python(root), a.repeat)
        mb_min, mb_med, got = best(lambda: with_bindings(root), a.repeat)
        assert len(ref) == len(got) == 2676, (len(ref), len(got))
        assert sorted(x[0] for x in ref) == sorted(x[0] for x in got)
        print("1. open + iterate 2,676 items, 4 fields each (best of %d, median in brackets)" % a.repeat)
        print("   pure Python json.load      %7.1f ms (%.1f)" % (py_min * 1e3, py_med * 1e3))
        print("   mirsafety (ctypes)         %7.1f ms (%.1f)   ratio %.2fx" % (mb_min * 1e3, mb_med * 1e3,
                                                                                py_min / mb_min))
        def json_only():
            for cat in CATS:
                d = os.path.join(root, cat)
                for f in os.listdir(d):
                    with open(os.path.join(d, f), encoding="utf-8") as fh:
                        json.load(fh)
        t_json = best(json_only, a.repeat)[0]
        print("   of which: json.load alone %.1f ms, building the 2,676 tuples %.1f ms" % (
            t_json * 1e3, (py_min - t_json) * 1e3))
        with mirsafety.Dataset(root) as ds:
            t_open = best(lambda: mirsafety.Dataset(root).close(), a.repeat)[0]
            t_iter = best(lambda: sum(1 for _ in ds), a.repeat)[0]
            t_keys = best(lambda: [it.key for it in ds], a.repeat)[0]
            print("   of which: mirs_dataset_open %.1f ms (the C library parsing and validating), bare iteration"
                  " %.2f us/item, +key %.2f us/item" % (t_open * 1e3, t_iter / 2676 * 1e6,
                                                          (t_keys - t_iter) / 2676 * 1e6))
            item = ds[0]
            raw = mirsafety.lib().mirs_item_category
            h = item._p
            n = 200000

            def nop():
                return 0
            c_idiom = per_call(lambda: item.category, n)
            c_raw = per_call(lambda: raw(h), n)
            c_py = per_call(nop, n)
            print("2. one call (ns, %d calls): idiomatic property %.0f, raw ctypes %.0f, Python function %.0f" % (
                n, c_idiom, c_raw, c_py))
    data = np.random.default_rng(1).integers(0, 256, size=64 << 20, dtype=np.uint8)
    dt, peak = peak_during(lambda: mirsafety.image.checksum_bytes(data))
    strided = data[::2]
    dt2, peak2 = peak_during(lambda: mirsafety.image.checksum_bytes(strided))
    print("3. CRC-64 of 64 MiB uint8 numpy: %.1f ms, peak Python allocation %d B (%.0f MB/s)" % (
        dt * 1e3, peak, 64 / dt))
    print("   a strided 32 MiB view (must be copied): %.1f ms, peak %d B" % (dt2 * 1e3, peak2))
    if "mirs_stats_cohen_d" not in mirsafety.lib().missing:
        x = np.random.default_rng(2).normal(size=4 << 20)
        y = np.random.default_rng(3).normal(size=4 << 20)
        dt, peak = peak_during(lambda: mirsafety.stats.cohen_d(x, y))
        t_np = best(lambda: (x.mean() - y.mean()) / np.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2), 3)[0]
        dt2, peak2 = peak_during(lambda: mirsafety.stats.cohen_d(x.astype(np.float32), y))
        print("   Cohen's d of 2 x 4M float64: %.1f ms, peak %d B (numpy's own formula: %.1f ms);"
              " float32 input (converted): peak %d B" % (dt * 1e3, peak, t_np * 1e3, peak2))


if __name__ == "__main__":
    main()
