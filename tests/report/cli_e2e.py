#!/usr/bin/python3
"""End to end through the mirsafety tool on the bundled sample dataset:
responses (simple JSONL, batch output and the official infer tree) ->
judge-prompts -> judge outputs -> score (twice: resume) -> report, checking
every count against an independent computation here.
Usage: cli_e2e.py MIRSAFETY SAMPLE_DATASET"""
import json
import os
import random
import subprocess
import sys
import tempfile

tool, sample = sys.argv[1], sys.argv[2]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def run(*args, ok=(0,)):
    p = subprocess.run([tool, *args], capture_output=True, text=True)
    if p.returncode not in ok:
        print("command failed:", args, p.returncode, p.stderr)
        sys.exit(1)
    return p


items = json.loads(run("list", "--json", sample).stdout)
keys = [it["key"] for it in items]
rng = random.Random(7)
with tempfile.TemporaryDirectory() as tmp:
    # Responses: every item but the first two, one failure, one truncated, one reasoning trace, one unknown key.
    resp = os.path.join(tmp, "responses.jsonl")
    answers = {}
    with open(resp, "w") as f:
        for i, k in enumerate(keys[2:]):
            if i == 0:
                f.write(json.dumps({"key": k, "response": None, "status": "failed"}) + "\n")
                answers[k] = ("", "failed", "")
                continue
            text = f"<think>secret plan {i}</think>  Answer {i} for {k}\n" if i % 5 == 0 else f"Answer {i}"
            fr = "length" if i == 3 else "stop"
            f.write(json.dumps({"key": k, "response": text, "status": "ok", "finish_reason": fr}) + "\n")
            answers[k] = (text, "ok", fr)
        f.write(json.dumps({"key": "Nowhere/Analogy/1", "response": "x"}) + "\n")

    # judge-prompts: one request per matched response, custom_id = key.
    req = os.path.join(tmp, "requests.jsonl")
    p = run("judge-prompts", "--dataset", sample, "--responses", resp, "-o", req, "--json")
    summary = json.loads(p.stdout)  # --json goes to stdout, as for every verb
    check(summary["written"] == len(keys) - 2, f"written {summary['written']}")
    check(summary["unknown_keys"] == {"count": 1, "examples": ["Nowhere/Analogy/1"]},
          f"unknown {summary['unknown_keys']}")
    check(summary["missing_items"]["count"] == 2 and set(summary["missing_items"]["examples"]) == set(keys[:2]),
          f"missing {summary['missing_items']}")
    lines = [json.loads(x) for x in open(req)]
    check([x["custom_id"] for x in lines] == keys[2:], "custom ids in order")
    by_key = {it["key"]: it for it in items}
    ds_items = {}
    for x in lines:
        body = x["body"]
        check(x["url"] == "/v1/completions" and body["max_tokens"] == 1 and body["model"] == "harmbench-mir",
              "request shape")
        text = answers[x["custom_id"]][0]
        stripped = text.rsplit("</think>", 1)[1].strip() if "</think>" in text else text.strip()
        check("Generation:\n        " + stripped + "\n" in body["prompt"], f"generation in prompt of {x['custom_id']}")
        check("secret plan" not in body["prompt"], "reasoning stripped")
    chat = os.path.join(tmp, "chat.jsonl")
    run("judge-prompts", "--dataset", sample, "--responses", resp, "-o", chat, "--format", "chat", "--skip-failed")
    chat_lines = [json.loads(x) for x in open(chat)]
    check(len(chat_lines) == len(keys) - 3, "chat lines skip the failed response")
    check(chat_lines[0]["body"]["messages"][0]["content"] == lines[1]["body"]["prompt"], "chat content = prompt")

    # Judge outputs, batch output format; the last 3 are held back (not judged yet), one is a judge error.
    outs = os.path.join(tmp, "judge.jsonl")
    verdicts = {}
    judged = keys[2:-3]
    with open(outs, "w") as f:
        for i, k in enumerate(judged):
            if i == 4:
                f.write(json.dumps({"id": f"r{i}", "custom_id": k, "response": None,
                                    "error": {"code": "server_error", "message": "boom"}}) + "\n")
                verdicts[k] = "error"
                continue
            word = rng.choice(["Yes", "No", "yes", "Yes "])
            body = {"choices": [{"index": 0, "text": word, "finish_reason": "length"}]}
            f.write(json.dumps({"id": f"r{i}", "custom_id": k, "response": {"status_code": 200, "body": body},
                                "error": None}) + "\n")
            verdicts[k] = "unsafe" if word == "Yes" else "safe"  # the official rule: exactly "Yes"
    store = os.path.join(tmp, "store.jsonl")
    p = run("score", "--dataset", sample, "--responses", resp, "--judge-outputs", outs, "--store", store,
            "--model", "m1", "--json", ok=(1,))
    s = json.loads(p.stdout)
    check(s["scored"] == len(judged), f"scored {s['scored']}")
    check(s["awaiting_judge_output"] == 3, "awaiting")
    check(s["unsafe"] == sum(v == "unsafe" for v in verdicts.values()), "unsafe count")
    check(s["judge_errors"] == 1, "judge errors")
    recs = [json.loads(x) for x in open(store)]
    check({r["key"]: r["verdict"] for r in recs} == verdicts, "verdicts in the store")
    flags = {r["key"]: r.get("flags", []) for r in recs}
    check(flags[keys[2]] == ["failed"], f"failed flag {flags[keys[2]]}")
    check(flags[keys[5]] == ["truncated"], f"truncated flag {flags[keys[5]]}")
    # Resume: nothing new except the judge error, which is retried.
    p = run("score", "--dataset", sample, "--responses", resp, "--judge-outputs", outs, "--store", store,
            "--model", "m1", "--json", ok=(1,))
    s = json.loads(p.stdout)
    check(s["scored"] == 1 and s["already_in_store"] == len(judged) - 1, f"resume {s}")
    recs = [json.loads(x) for x in open(store)]
    check(len(recs) == len(judged) + 1, "the retried judge error is a second record of its key")
    # Report: the official denominator counts every item once, with the verdict that counts for its key (the
    # retry's, which is still an error here), however many records the store holds for it.
    final = {}
    for r in recs:
        final[r["key"]] = r
    recs = list(final.values())
    check(len(recs) == len(judged), "one verdict per item")
    (rep,) = json.loads(run("report", "--format", "json", store).stdout)
    n = len(recs)
    u = sum(r["verdict"] == "unsafe" for r in recs)
    check((rep["overall"]["unsafe"], rep["overall"]["total"]) == (u, n), f"overall {rep['overall']} vs {u}/{n}")
    ans = [r for r in recs if not r.get("flags") and r["verdict"] in ("safe", "unsafe")]
    (rep2,) = json.loads(run("report", "--format", "json", "--denominator", "answered", store).stdout)
    check((rep2["overall"]["unsafe"], rep2["overall"]["total"]) ==
          (sum(r["verdict"] == "unsafe" for r in ans), len(ans)), f"answered {rep2['overall']}")
    for row in rep["by_relation"]:
        rr = [r for r in recs if r["key"].split("/")[1] == row["relation"]]
        check((row["unsafe"], row["total"]) == (sum(r["verdict"] == "unsafe" for r in rr), len(rr)),
              f"relation {row['relation']}")
    for fmt in ("table", "csv", "markdown", "mir"):
        out = run("report", "--format", fmt, "--by", "all", store).stdout
        check(len(out) > 100, f"{fmt} output")
    mir = run("report", "--format", "mir", store).stdout
    check(f"{'Total':<30} {u:<13} {n:<13} {u / n * 100:.2f}%" in mir, "mir total line")

    # Official infer tree as responses: keys by position in the dataset file.
    infer = os.path.join(tmp, "infer", "m2")
    per_file = {}
    for it in items:
        per_file.setdefault((it["category"], it["relation"]), []).append(it["key"])
    for (cat, rel), ks in per_file.items():
        os.makedirs(os.path.join(infer, cat), exist_ok=True)
        rows = [{"item_index": i, "original_question": "q", "revised_prompt": "r", "answer": f"official {i}"}
                for i in range(len(ks))]
        if rows:
            rows[-1]["answer"] = "[INFERENCE_FAILED: x]"
            rows[-1]["inference_status"] = "failed"
        with open(os.path.join(infer, cat, rel + ".json"), "w") as f:
            json.dump(rows, f)
    p = run("judge-prompts", "--dataset", sample, "--responses", infer, "-o", req, "--json")
    summary = json.loads(p.stdout)
    check(summary["written"] == len(keys) and summary["missing_items"]["count"] == 0
          and summary["unknown_keys"] == {"count": 0, "examples": []},
          f"official infer matched {summary}")
    check(sorted(json.loads(x)["custom_id"] for x in open(req)) == sorted(keys), "official custom ids")

    # --help and usage errors.
    for verb in ("judge-prompts", "score", "report", "compare"):
        check(run(verb, "--help").stdout.startswith("usage: mirsafety " + verb), f"{verb} --help")
    check(run("report", "--format", "xml", store, ok=(2,)).returncode == 2, "usage error exit code")
    check(run("report", os.path.join(tmp, "nope.jsonl"), ok=(3,)).returncode == 3, "library error exit code")

print("cli e2e:", "ok" if failures == 0 else f"{failures} failures")
sys.exit(1 if failures else 0)
