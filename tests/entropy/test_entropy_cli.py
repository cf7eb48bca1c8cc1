"""mirsafety entropy / entropy-compare end to end: values against scipy, the --per-row file, the state file
accumulated over items, and the group tests against scipy.stats on the same per-item means."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import scipy.special
import scipy.stats

exe = sys.argv[1]
tmp = tempfile.mkdtemp()
checks = failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL", what)


def run(*args, code=0):
    p = subprocess.run([exe, *args], capture_output=True, text=True)
    check(p.returncode == code, f"{args}: exit {p.returncode} ({p.stderr.strip()})")
    return p.stdout


rng = np.random.default_rng(11)
items = []
for i in range(8):
    a = rng.dirichlet(np.ones(40) * (0.2 if i % 2 else 1.0), size=(2, 3, 6)).astype(np.float32)
    path = os.path.join(tmp, f"item{i}.npy")
    np.save(path, a)
    items.append((path, a, "unsafe" if i % 2 else "safe"))

path, a, _ = items[0]
ref = scipy.stats.entropy(a.astype(np.float64), axis=-1)  # [L, H, Q]
out = json.loads(run("entropy", path, "--json", "--per-row", os.path.join(tmp, "rows.npy")))
check(abs(out["mean"] - ref.mean()) < 2e-6, "mean entropy")
check(np.allclose(out["per_layer"], ref.mean(axis=(1, 2)), rtol=0, atol=2e-6), "per-layer means")
rows = np.load(os.path.join(tmp, "rows.npy"))
check(rows.shape == ref.shape and np.max(np.abs(rows - ref)) < 2e-6, "--per-row file")
# spans and queries: entropy over keys 0:10 and 30:40 renormalised, queries 2..4
sel = np.concatenate([a[..., 0:10], a[..., 30:40]], axis=-1).astype(np.float64)[:, :, 2:5]
out = json.loads(run("entropy", path, "--json", "--queries", "2:5", "--keys", "0:10,30:40", "--bits"))
check(abs(out["mean"] - (scipy.stats.entropy(sel, axis=-1) / np.log(2)).mean()) < 3e-6, "spans, queries, bits")
check(abs(out["span_mass"][0]["mean_mass"] - a[:, :, 2:5, 0:10].sum(-1).mean()) < 1e-6, "span mass")
# logits
lg = rng.normal(0, 3, (4, 50)).astype(np.float32)
np.save(os.path.join(tmp, "logits.npy"), lg)
out = json.loads(run("entropy", os.path.join(tmp, "logits.npy"), "--logits", "--temperature", "2", "--json"))
check(abs(out["mean"] - scipy.stats.entropy(scipy.special.softmax(lg.astype(np.float64) / 2, axis=-1),
                                             axis=-1).mean()) < 2e-6, "logits")
run("entropy", "--help")
run("entropy", code=2)
run("entropy", os.path.join(tmp, "missing.npy"), code=3)

# accumulation over items, then the group tests
state = os.path.join(tmp, "acc.json")
means = {"safe": [], "unsafe": []}
for path, a, label in items:
    run("entropy", path, "--label", label, "--state", state)
    means[label].append(scipy.stats.entropy(a.astype(np.float64), axis=-1).mean())
res = json.loads(run("entropy-compare", state, "--json", "--reps", "300"))
overall = [t for t in res["tests"] if t["layer"] == "all"][0]
s, u = np.array(means["safe"]), np.array(means["unsafe"])
w = scipy.stats.ttest_ind(s, u, equal_var=False)
mw = scipy.stats.mannwhitneyu(s, u, alternative="two-sided")
check(overall["n_safe"] == 4 and overall["n_unsafe"] == 4, "group sizes")
check(abs(overall["mean_safe"] - s.mean()) < 2e-6 and abs(overall["mean_unsafe"] - u.mean()) < 2e-6, "group means")
# the per-item means come from f32 kernels (2e-6); the statistics then agree with scipy to that input accuracy
check(abs(overall["welch_t"] - w.statistic) < 1e-4 * abs(w.statistic), "Welch t vs scipy")
check(abs(overall["welch_p"] - w.pvalue) < 1e-4 * w.pvalue + 1e-12, "Welch p vs scipy")
check(overall["mwu_u"] == mw.statistic and abs(overall["mwu_p"] - mw.pvalue) < 1e-9, "Mann-Whitney vs scipy")
check(len(res["tests"]) == 3, "one test per layer plus overall")
run("entropy-compare", os.path.join(tmp, "missing.json"), code=3)
print(f"entropy-cli: {checks - failures} checks passed, {failures} failed")
sys.exit(1 if failures else 0)
