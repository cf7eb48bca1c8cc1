#!/usr/bin/python3
"""Measures the scale-out driver: scoring 19 models x 2,676 items (a full-size
synthetic tree, synthetic responses with long answers and judge outputs) in
one process, then on a local Dask cluster with 1 and 2 worker processes, and
prints the speed-ups measured in this run.

    PYTHONPATH=bindings/python MIRSAFETY_LIBRARY=build/lib/libmirsafety.so \\
        /usr/bin/python3 scripts/bench_scaleout.py [WORKDIR]
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from mirsafety import distributed as mdist

MODELS = 19


def make_inputs(work):
    tree = os.path.join(work, "tree")
    subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "make_synthetic.py"), tree, "--force"],
                   capture_output=True, text=True, check=True)
    keys = []
    import glob
    for f in sorted(glob.glob(os.path.join(tree, "*", "*_final.json"))):
        cat = os.path.basename(os.path.dirname(f))
        rel = os.path.basename(f)[:-len("_final.json")]
        for it in json.load(open(f)):
            keys.append(f"{cat}/{rel}/{it['id']}")
    rng = random.Random(7)
    words = "the a pictures show step then next first cup water bread table garden light".split()
    for m in range(MODELS):
        with open(os.path.join(work, f"resp-{m}.jsonl"), "w") as r, open(os.path.join(work, f"judge-{m}.jsonl"),
                                                                           "w") as j:
            for k in keys:
                think = "<think>" + " ".join(rng.choice(words) for _ in range(400)) + "</think>"
                ans = " ".join(rng.choice(words) for _ in range(300))
                r.write(json.dumps({"key": k, "response": think + ans, "status": "ok", "finish_reason": "stop"}) + "\n")
                j.write(json.dumps({"key": k, "output": rng.choice(["Yes", "No", "No"])}) + "\n")
    return tree, len(keys)


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="mirs-scaleout-")
    tree, n = make_inputs(work)
    common = lambda m: dict(dataset=tree, responses=os.path.join(work, f"resp-{m}.jsonl"),
                            judge_outputs=os.path.join(work, f"judge-{m}.jsonl"), model=f"model-{m}",
                            timestamp_ms=1700000000000)

    t0 = time.perf_counter()
    ref = []
    for m in range(MODELS):
        d = os.path.join(work, "single", str(m))
        part, _ = mdist.score_shard(shard=(0, 1), out_dir=d, **common(m))
        mdist.merge_parts([part], d + ".jsonl")
        ref.append(open(d + ".jsonl", "rb").read())
    t_single = time.perf_counter() - t0

    import distributed
    times = {}
    for workers, shards in ((1, 1), (2, 1), (2, 2)):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=40) as c, distributed.Client(c) as client:
            client.run(lambda: None)  # workers are up before the clock starts
            t0 = time.perf_counter()
            futs = []
            for m in range(MODELS):
                d = os.path.join(work, f"dask{workers}-{shards}", str(m))
                futs.append((d, [client.submit(mdist.score_shard, shard=(k, shards), out_dir=d, pure=False,
                                               **common(m)) for k in range(shards)]))
            for m, (d, fs) in enumerate(futs):
                parts = [p for p, _ in client.gather(fs)]
                mdist.merge_parts(parts, d + ".jsonl")
                assert open(d + ".jsonl", "rb").read() == ref[m], "results differ from one process"
            times[workers, shards] = time.perf_counter() - t0
    print(f"scoring {MODELS} models x {n} items ({MODELS * n} verdicts), stores identical in every run")
    print(f"  one process, no Dask:                      {t_single:7.2f} s")
    for (w, k), t in times.items():
        print(f"  Dask, {w} worker(s), {k} shard(s) per model: {t:7.2f} s   speed-up vs one process {t_single / t:4.2f}x")
    print(f"  2 workers vs 1 worker (1 shard per model): {times[1, 1] / times[2, 1]:4.2f}x")

if __name__ == "__main__":
    main()
