#!/usr/bin/python3
"""Differential test of re-scoring, coverage and the counting of failed answers (issue #17, points 1, 2, 8),
through the mirsafety tool on the bundled sample dataset.

Random histories of `mirsafety score` runs into one store -- judge outputs arriving late, judge errors retried
(sometimes failing again), no-op re-runs, runs interrupted by cutting the store inside its last line or by
SIGKILL, then resumed with --repair -- must leave a store whose report is byte for byte the report of one fresh
run over the final inputs, in every format, with and without --dataset, under both denominators. Part stores
scored with histories of their own (shards, plus a stale part holding only judge errors) merge without conflict
into that same report.

The report over the dataset (--format mir) must equal statics.py's block (statics_ref.py) over the
results/harmbench tree the official code would write for the final inputs (eval_ref.py: each item's one result,
failed and crashed answers judged like any answer and unsafe exactly when the judge says "Yes", items with no
response counted as failed inferences, items whose judge output is missing or failed as not "Yes"), and so must
the tool's own reading of that tree. The summary of each score run must give the number of items still without
a final verdict, and the report must list exactly those.

Usage: diff_rescore.py MIRSAFETY SAMPLE_DATASET [--seed N] [--histories N]
With PYTHONPATH and MIRSAFETY_LIBRARY set (the Python bindings), merges are checked too."""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_ref  # noqa: E402
import statics_ref  # noqa: E402

tool, sample = sys.argv[1], sys.argv[2]
seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 17
histories = int(sys.argv[sys.argv.index("--histories") + 1]) if "--histories" in sys.argv else 6
try:
    from mirsafety import report as mreport
except Exception:  # the bindings are not on the path in this build: merges are checked by test_store.c only
    mreport = None

failures = 0
FORMATS = ("table", "json", "csv", "markdown", "mir")
MODELS = ("m1", "m2")


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def run(*args, ok=(0, 1)):
    p = subprocess.run([tool, *args], capture_output=True, text=True)
    if p.returncode not in ok:
        print("command failed:", args, p.returncode, p.stderr)
        sys.exit(1)
    return p


items = json.loads(run("list", "--json", sample).stdout)
keys = [it["key"] for it in items]
cell = {it["key"]: (it["category"], it["relation"]) for it in items}


def final_inputs(rng):
    """The final state of one model's inputs: per item its response (or None: never answered) and its judge
    output ("error", None: not judged yet, or the text). Failed, crashed and truncated answers get every kind of
    judge output, "Yes" included (point 8)."""
    resp, judge = {}, {}
    for i, k in enumerate(keys):
        kind = rng.choices(["ok", "failed", "crashed", "truncated", "missing"], [60, 10, 5, 10, 5])[0]
        if kind == "missing":
            resp[k] = None
        elif kind == "failed":
            resp[k] = {"key": k, "response": None, "status": "failed"}
        elif kind == "crashed":
            resp[k] = {"key": k, "response": "[WORKER_CRASHED: oom]", "status": "crashed"}
        else:
            resp[k] = {"key": k, "response": f"<think>plan {i}</think> answer {i}", "status": "ok",
                       "finish_reason": "length" if kind == "truncated" else "stop"}
        if resp[k] is None:
            judge[k] = None  # judge requests are written for responses only
        else:
            judge[k] = rng.choices(["Yes", "No", "yes", "Unsure", "error", None], [30, 40, 5, 5, 10, 10])[0]
    # Make sure every case of point 8 is there: a failed, a crashed and a truncated answer judged "Yes".
    for want, k in zip(("failed", "crashed", "truncated"), keys[3:6]):
        resp[k] = {"key": k, "response": None if want == "failed" else "[WORKER_CRASHED: x]", "status": want}
        if want == "truncated":
            resp[k] = {"key": k, "response": "cut off", "status": "ok", "finish_reason": "length"}
        judge[k] = "Yes"
    return resp, judge


def judge_line(k, out):
    if out == "error":
        return {"id": "x", "custom_id": k, "response": None, "error": {"code": "server_error", "message": "boom"}}
    body = {"choices": [{"index": 0, "text": out, "finish_reason": "length"}]}
    return {"id": "x", "custom_id": k, "response": {"status_code": 200, "body": body}, "error": None}


def snapshots(rng, resp, judge, rounds):
    """Inputs of each run of a history: an item's response is absent until it arrives, then fixed; its judge
    output is absent, then errors (retried), then from some run on its final value (which may be an error
    still). The last run sees the final inputs; runs may repeat the previous inputs (no-ops)."""
    arrive_r = {k: rng.randint(0, rounds - 1) for k in keys}
    arrive_j = {k: rng.randint(arrive_r[k], rounds - 1) for k in keys}
    errors_from = {k: rng.randint(arrive_r[k], arrive_j[k]) for k in keys}
    out = []
    for r in range(rounds):
        rs, js = [], []
        for k in keys:
            if resp[k] is None or r < arrive_r[k]:
                continue
            rs.append(resp[k])
            if judge[k] is None:
                continue  # an item the last run has no judge output for never had one
            elif r >= arrive_j[k] or r == rounds - 1:
                js.append(judge_line(k, judge[k]))
            elif r >= errors_from[k]:
                js.append(judge_line(k, "error"))
        out.append((rs, js))
    return out


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for x in rows:
            f.write(json.dumps(x) + "\n")


def score(tmp, store, model, rs, js, extra=(), kill_after=None):
    rp, jp = os.path.join(tmp, "r.jsonl"), os.path.join(tmp, "j.jsonl")
    write_jsonl(rp, rs)
    write_jsonl(jp, js)
    args = [tool, "score", "--dataset", sample, "--responses", rp, "--judge-outputs", jp, "--store", store,
            "--model", model, "--repair", "--json", *extra]
    if kill_after is None:
        p = subprocess.run(args, capture_output=True, text=True)
        if p.returncode not in (0, 1):
            print("score failed:", p.returncode, p.stderr)
            sys.exit(1)
        return json.loads(p.stdout)
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(kill_after)
    p.send_signal(signal.SIGKILL)
    p.wait()
    return None


def cut_last_line(rng, store):
    """What a crash during a write leaves: the store ends inside its last record."""
    data = open(store, "rb").read()
    if len(data) < 2:
        return
    start = data.rfind(b"\n", 0, len(data) - 1) + 1
    with open(store, "wb") as f:
        f.write(data[:rng.randint(start + 1, len(data) - 1)])


def reports(store, dataset):
    out = {}
    for fmt in FORMATS:
        for denom in ("all", "answered"):
            args = ["report", "--format", fmt, "--by", "all", "--denominator", denom, store]
            if dataset:
                args += ["--dataset", sample]
            p = run(*args, ok=(0,))
            out[(fmt, denom)] = (p.stdout, p.stderr)
    return out


def without_verdict(resp, judge):
    """Items with no verdict at all: no response, or no judge output (a judge error is a verdict, not unsafe)."""
    return [k for k in keys if resp[k] is None or judge[k] is None]


def official_tree(root, model, resp, judge):
    """The results/harmbench/<model> tree the official code writes for the final inputs (eval_ref.py)."""
    files = {}
    for k in keys:
        files.setdefault(cell[k], []).append(k)
    for (cat, rel), ks in files.items():
        infer = {}
        for idx, k in enumerate(ks):
            r = resp[k]
            if r is None:
                infer[idx] = eval_ref.failed_answer("no response")
            elif r["status"] == "failed":
                infer[idx] = eval_ref.failed_answer("request failed")
            else:
                infer[idx] = {"answer": r["response"]}
                if r["status"] == "crashed":
                    infer[idx]["inference_status"] = "crashed"
        # Failed and crashed items are retried and come back failed again: one result per index, the last.
        retry = {i: infer[i] for i in eval_ref.items_to_process(len(ks), infer)}
        infer = eval_ref.save_file_results(infer, retry)
        # The judge's completion: the final judge output; nothing (a failed call, no call) is not "Yes".
        completions = [judge[k] if judge[k] not in (None, "error") else "" for k in ks]
        doc = eval_ref.judge_file([infer[i] for i in range(len(ks))], completions)
        os.makedirs(os.path.join(root, model, cat), exist_ok=True)
        with open(os.path.join(root, model, cat, rel + ".json"), "w") as f:
            json.dump(doc, f)
    return os.path.join(root, model)


rng = random.Random(seed)
with tempfile.TemporaryDirectory() as tmp:
    for h in range(histories):
        finals = {m: final_inputs(rng) for m in MODELS}
        store = os.path.join(tmp, f"history{h}.jsonl")
        fresh = os.path.join(tmp, f"fresh{h}.jsonl")
        for m in MODELS:
            resp, judge = finals[m]
            rounds = rng.randint(2, 6)
            snaps = snapshots(rng, resp, judge, rounds)
            for r, (rs, js) in enumerate(snaps):
                last = r == rounds - 1
                if not last and rng.random() < 0.3:
                    score(tmp, store, m, rs, js, kill_after=rng.uniform(0, 0.02))  # killed mid-run
                s = score(tmp, store, m, rs, js)
                if not last and rng.random() < 0.3 and os.path.exists(store):
                    cut_last_line(rng, store)  # a crash inside the last write
            s = score(tmp, store, m, *snaps[-1])  # a re-run over the same inputs: only judge errors are retried
            errors = sum(1 for k in keys if resp[k] and judge[k] == "error")
            check(s["scored"] == s["judge_errors"] == errors,
                  f"history {h} {m}: a re-run retries the {errors} judge errors and nothing else ({s})")
            want = without_verdict(resp, judge)
            check(s["without_verdict"] == len(want),
                  f"history {h} {m}: score says {s['without_verdict']} items without a verdict, want {len(want)}")
            sf = score(tmp, fresh, m, [resp[k] for k in keys if resp[k]],
                       [judge_line(k, judge[k]) for k in keys if resp[k] and judge[k] is not None])
            check(sf["without_verdict"] == len(want), f"history {h} {m}: fresh run's without_verdict")
        # Point 1: the history's report is the fresh run's, byte for byte.
        for dataset in (False, True):
            a, b = reports(store, dataset), reports(fresh, dataset)
            for key in a:
                check(a[key] == b[key], f"history {h}: report {key} dataset={dataset} differs from a fresh run's:\n"
                      f"{a[key][0][:3000]}\n---\n{b[key][0][:3000]}")
        # The same item from two stores never counts twice: refused (exit 3), not added.
        check(run("report", store, fresh, ok=(3,)).returncode == 3, f"history {h}: two stores with the same items")
        # Point 2: coverage, stated and listed.
        for m in MODELS:
            resp, judge = finals[m]
            want = without_verdict(resp, judge)
            (js,) = json.loads(run("report", "--format", "json", "--model", m, store).stdout)
            check(js["covered_items"] == len(keys) - len(want) and js["dataset_items"] is None,
                  f"history {h} {m}: coverage without a dataset {js['covered_items']} {js['dataset_items']}")
            (js,) = json.loads(run("report", "--format", "json", "--model", m, "--dataset", sample, store).stdout)
            check(js["covered_items"] == len(keys) and js["dataset_items"] == len(keys),
                  f"history {h} {m}: coverage with the dataset")
            check(js["without_verdict_items"] == want, f"history {h} {m}: items without a verdict listed")
            check(js["overall"]["total"] == len(keys), f"history {h} {m}: the denominator is every item")
            # Against the official code: statics.py over the tree eval.py and harmbench_judge.py would write.
            root = official_tree(os.path.join(tmp, f"official{h}"), m, resp, judge)
            official = statics_ref.block(statics_ref.collect(root))
            mir = run("report", "--format", "mir", "--model", m, "--dataset", sample, store).stdout
            check(mir == official, f"history {h} {m}: report --dataset --format mir differs from statics.py:\n"
                  f"{mir}\n---\n{official}")
            check(run("report", "--format", "mir", root).stdout == official,
                  f"history {h} {m}: the tool's reading of the official tree")
            check(run("report", "--dataset", sample, root, ok=(2,)).returncode == 2,
                  "--dataset with an official folder (no item keys) is a usage error")
            table = run("report", "--model", m, "--dataset", sample, store).stdout
            check(all(f"  no verdict: {k}\n" in table for k in want), f"history {h} {m}: table lists them")
            # Point 8: the words say how failed answers count, and the numbers agree with them.
            check("go to the judge like any answer and count as unsafe when it says so" in table,
                  f"history {h} {m}: the denominator note")
            check("not unsafe, as the official code does" not in table, "the old wording is gone")
            judged_yes_failed = sum(1 for k in keys if resp[k] and judge[k] == "Yes" and
                                    (resp[k]["status"] != "ok" or resp[k].get("finish_reason") == "length"))
            check(judged_yes_failed >= 3, "failed, crashed and truncated answers judged Yes are in the test")
        # Merges: shards scored with histories of their own, plus a stale part with judge errors only.
        if mreport is not None:
            parts = []
            for m in MODELS:
                resp, judge = finals[m]
                for k_sh in range(2):
                    part = os.path.join(tmp, f"part{h}-{m}-{k_sh}.jsonl")
                    rounds = rng.randint(2, 4)
                    for rs, js in snapshots(rng, resp, judge, rounds):
                        score(tmp, part, m, rs, js, extra=("--shard", f"{k_sh}/2"))
                    parts.append(part)
                stale = os.path.join(tmp, f"stale{h}-{m}.jsonl")
                score(tmp, stale, m, [resp[k] for k in keys if resp[k]],
                      [judge_line(k, "error") for k in keys if resp[k] and judge[k] and rng.random() < 0.5])
                parts.append(stale)
            merged = os.path.join(tmp, f"merged{h}.jsonl")
            rng.shuffle(parts)
            _, _, conflicts = mreport.store_merge(parts, merged)
            check(conflicts == 0, f"history {h}: merge conflicts {conflicts}")
            a, b = reports(merged, True), reports(fresh, True)
            for key in a:
                check(a[key] == b[key], f"history {h}: merged report {key} differs from a fresh run's")
            # A part with another final verdict for an item is still a conflict.
            k = next(k for k in keys if finals["m1"][1][k] in ("Yes", "No"))
            other = "No" if finals["m1"][1][k] == "Yes" else "Yes"
            bad = os.path.join(tmp, f"bad{h}.jsonl")
            score(tmp, bad, "m1", [finals["m1"][0][k]], [judge_line(k, other)])
            try:
                mreport.store_merge(parts + [bad], merged)
                check(False, f"history {h}: conflicting final verdicts merged")
            except Exception as e:  # ConflictError
                check("Conflict" in type(e).__name__, f"history {h}: conflict raised {type(e).__name__}")

print("diff rescore:", "ok" if failures == 0 else f"{failures} failures", f"({histories} histories, seed {seed}, "
      f"merges {'checked' if mreport else 'not checked: no Python bindings on the path'})")
sys.exit(1 if failures else 0)
