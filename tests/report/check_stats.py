#!/usr/bin/python3
"""The report's intervals and the comparisons' statistics against
scipy/numpy, through the mirsafety tool: a store with known counts ->
report --format json (Wilson and Clopper-Pearson), compare models (exact
McNemar, Newcombe paired difference), compare judges (Cohen's kappa),
compare capability (Spearman, Kendall).
Tolerance: 1e-9 absolute on percentages and p-values: every figure is a
closed form or a beta/t quantile both sides compute to ~1e-12; 1e-9 leaves
room for the last bits of iterative quantiles, nothing more.
Usage: check_stats.py MIRSAFETY"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from scipy import stats

tool = sys.argv[1]
TOL = 1e-9
failures = 0


def close(a, b, what):
    global failures
    if a is None or b is None or not math.isclose(a, b, rel_tol=0, abs_tol=TOL):
        failures += 1
        print(f"FAIL {what}: {a} vs {b}")


def run(*args):
    p = subprocess.run([tool, *args], capture_output=True, text=True)
    if p.returncode != 0:
        print("command failed:", args, p.stderr)
        sys.exit(1)
    return p.stdout


def wilson(k, n, conf=0.95):
    z = stats.norm.ppf(1 - (1 - conf) / 2)
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return c - h, c + h


def cp(k, n, conf=0.95):
    a = 1 - conf
    lo = 0.0 if k == 0 else stats.beta.ppf(a / 2, k, n - k + 1)
    hi = 1.0 if k == n else stats.beta.ppf(1 - a / 2, k + 1, n - k)
    return lo, hi


CATS = ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy"]
RELS = ["Temporal_Continuity", "Temporal_Jump", "Spatial_Juxtaposition", "Spatial_Embedding", "Relevance",
        "Complementarity", "Analogy", "Causality", "Decomposition"]
rng = random.Random(3)
with tempfile.TemporaryDirectory() as tmp:
    store = os.path.join(tmp, "s.jsonl")
    recs = []
    for m, p_unsafe in (("a", 0.35), ("b", 0.2), ("c", 0.5), ("d", 0.05), ("e", 0.7)):
        for i in range(400):
            key = f"{CATS[i % 6]}/{RELS[i % 9]}/{i}"
            for judge, flip in (("harmbench-mir", 0.0), ("llamaguard3", 0.15)):
                base = random.Random(hash((m, i)) & 0xffffffff).random() < p_unsafe
                v = base if rng.random() >= flip else not base
                recs.append({"key": key, "model": m, "judge": judge, "verdict": "unsafe" if v else "safe"})
    with open(store, "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")

    for conf in (0.95, 0.9):
        for rep in json.loads(run("report", "--format", "json", "--by", "all", "--confidence", str(conf), store)):
            for row in [rep["overall"]] + rep["by_relation"] + rep["by_category"] + rep["by_matrix"]:
                k, n = row["unsafe"], row["total"]
                if n == 0:
                    continue
                w, c = wilson(k, n, conf), cp(k, n, conf)
                close(row["wilson_pct"][0], w[0] * 100, "wilson lo")
                close(row["wilson_pct"][1], w[1] * 100, "wilson hi")
                close(row["clopper_pearson_pct"][0], c[0] * 100, "cp lo")
                close(row["clopper_pearson_pct"][1], c[1] * 100, "cp hi")

    # Two models, paired.
    out = json.loads(run("compare", "models", store, "--model-a", "a", "--model-b", "c", "--judge",
                         "harmbench-mir", "--json"))
    va = {r["key"]: r["verdict"] == "unsafe" for r in recs if r["model"] == "a" and r["judge"] == "harmbench-mir"}
    vc = {r["key"]: r["verdict"] == "unsafe" for r in recs if r["model"] == "c" and r["judge"] == "harmbench-mir"}
    b = sum(va[k] and not vc[k] for k in va)
    c_ = sum(vc[k] and not va[k] for k in va)
    n11 = sum(va[k] and vc[k] for k in va)
    n00 = len(va) - b - c_ - n11
    check = (out["both_unsafe"], out["a_only_unsafe"], out["b_only_unsafe"], out["both_safe"])
    if check != (n11, b, c_, n00):
        failures += 1
        print("FAIL 2x2", check, (n11, b, c_, n00))
    p = stats.binomtest(b, b + c_, 0.5).pvalue if b + c_ else 1.0
    close(out["mcnemar_p"], p, "mcnemar")
    n = len(va)
    close(out["diff"], (b - c_) / n, "paired difference")
    # Newcombe's method 10 interval.
    p1, p2 = (n11 + b) / n, (n11 + c_) / n
    l1, u1 = wilson(n11 + b, n)
    l2, u2 = wilson(n11 + c_, n)
    dl2, du2 = (p1 - l1) ** 2, (u1 - p1) ** 2
    el2, eu2 = (p2 - l2) ** 2, (u2 - p2) ** 2
    a_ = (n11 + b) * (c_ + n00) * (n11 + c_) * (b + n00)
    num = n11 * n00 - b * c_
    # Newcombe's phi correction (AD - BC - N/2 when AD - BC > N/2, 0 when in
    # [0, N/2]): the only form that reproduces the published Cavo et al.
    # example (Fagerland, Lydersen & Laake 2017, ch. 8: -0.1186 to -0.0046).
    num = num - n / 2 if num > n / 2 else (0.0 if num >= 0 else num)
    phi = 0.0 if a_ == 0 else num / math.sqrt(a_)
    d = p1 - p2
    lo = d - math.sqrt(max(dl2 - 2 * phi * math.sqrt(dl2 * eu2) + eu2, 0))
    hi = d + math.sqrt(max(du2 - 2 * phi * math.sqrt(du2 * el2) + el2, 0))
    close(out["diff_lo"], lo, "newcombe lo")
    close(out["diff_hi"], hi, "newcombe hi")

    # Two judges.
    out = json.loads(run("compare", "judges", store, "--judge-a", "harmbench-mir", "--judge-b", "llamaguard3",
                         "--json"))
    ja = {(r["key"], r["model"]): r["verdict"] for r in recs if r["judge"] == "harmbench-mir"}
    jb = {(r["key"], r["model"]): r["verdict"] for r in recs if r["judge"] == "llamaguard3"}
    m = np.zeros((2, 2))
    for k in ja:
        m[int(ja[k] == "safe"), int(jb[k] == "safe")] += 1
    po = np.trace(m) / m.sum()
    pe = (m.sum(1) * m.sum(0)).sum() / m.sum() ** 2
    close(out["kappa"], (po - pe) / (1 - pe), "kappa")
    close(out["agreement"], po, "agreement")
    # The confusion matrix cell by cell (mirs_judge_comparison.matrix, read with its MIRS_JUDGE_MATRIX_DIM stride).
    want = {}
    for k in ja:
        want.setdefault(ja[k], {}).setdefault(jb[k], 0)
        want[ja[k]][jb[k]] += 1
    if out["confusion"] != want:
        print("FAIL confusion matrix", out["confusion"], "!=", want)
        failures += 1

    # Capability correlation.
    caps = {"a": 61.0, "b": 70.5, "c": 48.0, "d": 80.0, "e": 40.0}
    csv = os.path.join(tmp, "cap.csv")
    with open(csv, "w") as f:
        f.write("model,score\n" + "".join(f"{k},{v}\n" for k, v in caps.items()))
    out = json.loads(run("compare", "capability", csv, store, "--judge", "harmbench-mir", "--json"))
    asr = [r["asr_pct"] for r in out["models"]]
    cap = [r["capability"] for r in out["models"]]
    sp = stats.spearmanr(asr, cap)
    kt = stats.kendalltau(asr, cap)
    close(out["spearman_rho"], sp.statistic, "spearman")
    close(out["spearman_p"], sp.pvalue, "spearman p")
    close(out["kendall_tau"], kt.statistic, "kendall")
    close(out["kendall_p"], kt.pvalue, "kendall p")

print("stats checks:", "ok" if not failures else f"{failures} failures")
sys.exit(1 if failures else 0)
