#!/usr/bin/python3
"""Benchmark: the ASR report over 19 models x 2,676 official results
(results/harmbench/<model> trees generated here with realistic answer
lengths), libmirsafety vs the statics.py transcription, same run, same
files (page cache warm for both). Prints times and ratios against both
baselines: the official statics.py analyses one folder per run (--path), so
one process per model is how it is used; the transcription over all models
in one interpreter is the stricter baseline (no interpreter start-up).
Usage: bench_report.py BENCH_REPORT MIRSAFETY [--models 19] [--repeats 3] [--keep DIR]"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statics_ref  # noqa: E402

CATS = ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy"]
RELS = {"Temporal_Continuity": 317, "Temporal_Jump": 303, "Spatial_Juxtaposition": 292, "Spatial_Embedding": 293,
        "Relevance": 152, "Complementarity": 280, "Analogy": 318, "Causality": 280, "Decomposition": 441}
WORDS = ("the of to and a in is it you that he was for on are with as I his they be at one have this from or had "
         "by not word but what some we can out other were all there when up use your how said an each she which "
         "do their time if will way about many then them write would like so these her long make thing see him "
         "two has look more day could go come did number sound no most people my over know water than call first "
         "étape ñandú 安全 模型").split()


def answer(rng):
    n = int(rng.lognormvariate(5.6, 0.8))  # words; median ~270, long tail
    words = rng.choices(WORDS, k=min(n, 3000))
    text = " ".join(words)
    if rng.random() < 0.3:
        text = "<think>" + " ".join(rng.choices(WORDS, k=150)) + "</think>\n\n" + text
    if rng.random() < 0.01:
        text = "[INFERENCE_FAILED: timeout]"
    return text


def generate(root, models, rng):
    total = 0
    for m in range(models):
        for ci, cat in enumerate(CATS):
            d = os.path.join(root, f"model{m:02d}", cat)
            os.makedirs(d, exist_ok=True)
            for rel, n in RELS.items():
                k = n // 6 + (1 if ci < n % 6 else 0)
                rows = [{"question": "How to " + " ".join(rng.choices(WORDS, k=12)), "answer": answer(rng),
                         "label": "unsafe" if rng.random() < 0.3 else "safe"} for _ in range(k)]
                asr = sum(r["label"] == "unsafe" for r in rows) / k * 100
                with open(os.path.join(d, rel + ".json"), "w", encoding="utf-8") as f:
                    json.dump({"ASR": asr, "judge_result": rows}, f, ensure_ascii=False, indent=4)
                total += k
    return total


def main():
    args = sys.argv[1:]
    bench, tool = args[0], args[1]
    models = int(args[args.index("--models") + 1]) if "--models" in args else 19
    reps = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 3
    keep = args[args.index("--keep") + 1] if "--keep" in args else None
    tmp = None
    if keep and os.path.isdir(os.path.join(keep, "model00")):
        root = keep
    else:
        tmp = None if keep else tempfile.TemporaryDirectory()
        root = keep or tmp.name
        n = generate(root, models, random.Random(1))
        print(f"generated {models} models x {n // models} results")
    dirs = [os.path.join(root, f"model{m:02d}") for m in range(models)]
    size = sum(os.path.getsize(os.path.join(dp, f)) for d in dirs for dp, _, fs in os.walk(d) for f in fs)
    print(f"{size / 1e6:.1f} MB of results/harmbench JSON")

    best_py = best_py_cpu = 1e30
    py_blocks = None
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        blocks = [statics_ref.block(statics_ref.collect(d)) for d in dirs]
        best_py = min(best_py, time.perf_counter() - t0)
        best_py_cpu = min(best_py_cpu, time.process_time() - c0)
        py_blocks = blocks
    # As people run it: one statics.py process per model folder.
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "statics_ref.py")
    best_script = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        for d in dirs:
            subprocess.run([sys.executable, script, d], capture_output=True, check=True)
        best_script = min(best_script, time.perf_counter() - t0)
    # The reader's threads are the caller's choice (default 1): one per CPU, at most 8, as the CLI's --threads.
    threads = str(min(8, os.cpu_count() or 1))
    out = subprocess.run([bench, "--threads", threads, str(reps), *dirs], capture_output=True, text=True,
                         check=True).stdout.split()
    best_c, best_c_cpu = float(out[0]), float(out[2])
    best_cli = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        cli = subprocess.run([tool, "report", "--format", "mir", "--threads", threads, *dirs], capture_output=True,
                             text=True, check=True)
        best_cli = min(best_cli, time.perf_counter() - t0)
    same = cli.stdout == "".join(py_blocks)
    print(f"statics.py transcription (in-process, json.load): {best_py:.3f} s")
    print(f"statics.py transcription, one process per model:  {best_script:.3f} s   (official usage: one --path per run)")
    print(f"libmirsafety (library calls):                     {best_c:.3f} s   "
          f"ratio {best_py / best_c:.1f}x in-process, {best_script / best_c:.1f}x per-model runs")
    print(f"mirsafety report --format mir (whole process):    {best_cli:.3f} s   "
          f"ratio {best_py / best_cli:.1f}x in-process, {best_script / best_cli:.1f}x per-model runs")
    print(f"CPU time (all threads): Python {best_py_cpu:.3f} s, libmirsafety {best_c_cpu:.3f} s, "
          f"ratio {best_py_cpu / best_c_cpu:.1f}x")
    print(f"output byte-identical to the Python: {same}")
    if tmp:
        tmp.cleanup()
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
