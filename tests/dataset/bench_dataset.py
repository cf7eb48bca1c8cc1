#!/usr/bin/python3
"""Dataset loading benchmark: builds a full-size synthetic tree with
scripts/make_synthetic.py (2,676 items, 54 files), then times

  - libmirsafety: mirs_dataset_open + iterating every item and field (bench_dataset)
  - Python: json.load of every <Category>/<Relation>_final.json in official order,
    building the same keys and touching the same fields (what a user would write)

each in its own process, and prints the times, the ratio and the peak RSS.

    /usr/bin/python3 tests/dataset/bench_dataset.py BUILD/tests/dataset/bench_dataset [--repeats N] [--keep DIR]
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CATEGORIES = ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy"]
RELATIONS = ["Temporal_Continuity", "Temporal_Jump", "Spatial_Juxtaposition", "Spatial_Embedding",
             "Relevance", "Complementarity", "Analogy", "Causality", "Decomposition"]

PY_BASELINE = r'''
import json, os, resource, sys, time
CATEGORIES = %r
RELATIONS = %r
root, reps = sys.argv[1], int(sys.argv[2])

def as_list(v):
    return [] if v is None else [v] if isinstance(v, str) else v

def load(root):
    items = {}
    for c in CATEGORIES:
        for r in RELATIONS:
            p = os.path.join(root, c, r + "_final.json")
            if not os.path.exists(p):
                continue
            with open(p, encoding="utf-8") as f:
                data = json.load(f)
            if isinstance(data, dict):
                data = [data]
            for it in data:
                key = "%%s/%%s/%%s" %% (c, r, it["id"])
                items[key] = it
    n = b = 0
    for key, it in items.items():
        n += 1
        b += len(key) + len(it["revised_prompt"]) + len(it["original_question"]) + len(it.get("relationship_type") or "")
        base = os.path.join(root, key.split("/")[0])
        for p in it["images"]:
            b += len(os.path.join(base, p))
        for d in as_list(it.get("image_descriptions")):
            b += len(d)
        for k in as_list(it.get("image_keywords")):
            b += len(k)
    return n, b

t = []
tc = []
for _ in range(reps):
    t0, c0 = time.perf_counter(), time.process_time()
    n, b = load(root)
    t.append(time.perf_counter() - t0)
    tc.append(time.process_time() - c0)
t.sort()
tc.sort()
print(json.dumps({"items": n, "text_bytes": b, "best_s": t[0], "median_s": t[len(t) // 2],
                  "cpu_best_s": tc[0], "cpu_median_s": tc[len(tc) // 2],
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
''' % (CATEGORIES, RELATIONS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--keep")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="mirs-bench-")
    try:
        tree = a.keep or os.path.join(tmp, "tree")
        if not (a.keep and os.path.isdir(tree)):
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_synthetic.py"), tree, "--force"],
                           check=True, stdout=subprocess.DEVNULL)
        meta = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(tree) for f in fs)
        c = json.loads(subprocess.run([a.bench, tree, str(a.repeats)], check=True, capture_output=True,
                                      text=True).stdout)
        p = json.loads(subprocess.run([sys.executable, "-c", PY_BASELINE, tree, str(a.repeats)], check=True,
                                      capture_output=True, text=True).stdout)
        if c["items"] != p["items"] or c["text_bytes"] != p["text_bytes"]:
            sys.exit("mismatch: C saw %r, Python %r" % (c, p))
        print("tree: %d items, %.1f MB of JSON" % (c["items"], meta / 1e6))
        print("open+iterate  libmirsafety best %.1f ms median %.1f ms | Python json best %.1f ms median %.1f ms"
              % (c["best_s"] * 1e3, c["median_s"] * 1e3, p["best_s"] * 1e3, p["median_s"] * 1e3))
        print("speed-up (Python time / libmirsafety time): best %.2fx, median %.2fx"
              % (p["best_s"] / c["best_s"], p["median_s"] / c["median_s"]))
        print("CPU time (user+sys)  libmirsafety best %.1f ms median %.1f ms | Python best %.1f ms median %.1f ms"
              % (c["cpu_best_s"] * 1e3, c["cpu_median_s"] * 1e3, p["cpu_best_s"] * 1e3, p["cpu_median_s"] * 1e3))
        print("speed-up on CPU time: best %.2fx, median %.2fx"
              % (p["cpu_best_s"] / c["cpu_best_s"], p["cpu_median_s"] / c["cpu_median_s"]))
        print("metadata checksum: %.1f ms" % (c["checksum_s"] * 1e3))
        print("peak RSS: libmirsafety %.1f MB, Python %.1f MB" % (c["peak_rss_kb"] / 1024, p["peak_rss_kb"] / 1024))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
