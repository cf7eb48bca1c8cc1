#!/usr/bin/python3
"""U+0000 is never cut silently: differential test of `mirsafety judge-prompts` against the official prompt.

The official judge (harmbench_judge.py, HarmbenchJudge.judge and score) builds
LLAMA2_CLS_PROMPT['prompt'].format(behavior=original_question, generation=extract_answer_only(answer)); Python
strings carry U+0000 like any character, so the prompt has it too. mir_official.py transcribes both steps. Answers
holding U+0000 (before, inside and after reasoning tags, and 300 adversarial strings) are read in every response
form the tool takes (simple JSONL, completions and chat batch output, the official results/infer tree) and every
judge request's prompt must equal the official one byte for byte.

`score --keep-response` stores those answers and judge outputs with U+0000 whole, with the official verdict.

Where the library keeps text as C strings it must refuse U+0000 by name instead of cutting there:
  - a dataset field ("Q\\u0000tail"): validate and judge-prompts fail with MIRS_E_UNSUPPORTED naming U+0000;
  - a response key or finish_reason: the record is refused (MIRS_E_UNSUPPORTED), or skipped and listed with
    --lenient.

usage: diff_nul_text.py MIRSAFETY SAMPLE_DATASET COMPAT_VECTORS_JSON
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mir_official as off  # noqa: E402

tool, sample, vectors = sys.argv[1], sys.argv[2], sys.argv[3]
TEMPLATE = json.load(open(vectors, encoding="utf-8"))["mir.harmbench_judge.LLAMA2_CLS_PROMPT.prompt"]
bad = 0


def check(cond, what):
    global bad
    if not cond:
        bad += 1
        if bad <= 20:
            print("FAIL:", what)


def run(*args):
    return subprocess.run([tool, *args], capture_output=True)


def sample_items(root):
    """(key, category, relation, position, original_question) of every item, from the files themselves."""
    out = []
    for cat in sorted(os.listdir(root)):
        cdir = os.path.join(root, cat)
        if not os.path.isdir(cdir):
            continue
        for fn in sorted(os.listdir(cdir)):
            if not fn.endswith("_final.json"):
                continue
            rel = fn[:-len("_final.json")]
            data = json.load(open(os.path.join(cdir, fn), encoding="utf-8"))
            for pos, it in enumerate(data if isinstance(data, list) else [data]):
                out.append(("%s/%s/%s" % (cat, rel, it["id"]), cat, rel, pos, it["original_question"]))
    return out


def answers(n):
    fixed = ["Sure.\x00NUL", "\x00", "\x00Sure", "Sure\x00", "<think>r\x00</think> a\x00b ", "<answer>x\x00y</answer>",
             "\x00<think>r</think>\x00", "a\x00\x00b", "<think>\x00only reasoning"]
    rng = random.Random(4)
    out = list(fixed)
    while len(out) < n:
        s = off.adversarial(rng, 0.3)
        k = rng.randint(0, len(s))
        out.append(s[:k] + "\x00" + s[k:])
    return out


def batch_line(form, key, text):
    choice = {"index": 0, "finish_reason": "stop"}
    if form == "chat":
        choice["message"] = {"role": "assistant", "content": text}
    else:
        choice["text"] = text
    return {"id": "r", "custom_id": key, "response": {"status_code": 200, "body": {"choices": [choice]}},
            "error": None}


def prompts_of(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        x = json.loads(line)
        body = x["body"]
        out[x["custom_id"]] = body["prompt"] if "prompt" in body else body["messages"][0]["content"]
        # the line is exactly what cJSON wrote before (compact, non-ASCII as is, \\u00XX for controls)
        check(line.rstrip("\n") == json.dumps(x, separators=(",", ":"), ensure_ascii=False),
              "request line is not cJSON's compact form: %r" % line[:120])
    return out


def main():
    items = sample_items(sample)
    texts = answers(300)
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for c0 in range(0, len(texts), len(items)):
            chunk = [(it, t) for it, t in zip(items, texts[c0:c0 + len(items)])]
            forms = {}
            p = os.path.join(tmp, "simple-%d.jsonl" % c0)
            with open(p, "w", encoding="utf-8") as f:
                for it, t in chunk:
                    f.write(json.dumps({"key": it[0], "response": t}) + "\n")
            forms["simple"] = (p, [])
            for form in ("completions", "chat"):
                p = os.path.join(tmp, "%s-%d.jsonl" % (form, c0))
                with open(p, "w", encoding="utf-8") as f:
                    for it, t in chunk:
                        f.write(json.dumps(batch_line(form, it[0], t)) + "\n")
                forms[form] = (p, ["--format", "chat"] if form == "chat" else [])
            tree = os.path.join(tmp, "infer-%d" % c0, "m")
            files = {}
            for it, t in chunk:
                files.setdefault((it[1], it[2]), []).append({"original_question": it[4], "answer": t,
                                                             "item_index": it[3], "inference_status": "success"})
            for (cat, rel), recs in files.items():
                os.makedirs(os.path.join(tree, cat), exist_ok=True)
                json.dump(recs, open(os.path.join(tree, cat, rel + ".json"), "w", encoding="utf-8"))
            forms["official"] = (tree, [])
            for form, (path, extra) in forms.items():
                out = os.path.join(tmp, "req-%s-%d.jsonl" % (form, c0))
                r = run("judge-prompts", "--dataset", sample, "--responses", path, "-o", out, *extra)
                check(r.returncode == 0, f"{form}: judge-prompts exit {r.returncode}: {r.stderr[-300:]!r}")
                got = prompts_of(out)
                for it, t in chunk:
                    key = it[0] if form != "official" else "%s/%s/%s" % (it[1], it[2], it[0].rsplit("/", 1)[1])
                    want = off.harmbench_judge_prompt(it[4], off.extract_answer_only(t), TEMPLATE)
                    check(got.get(key) == want, f"{form}: answer {t!r}: prompt differs from the official one")
                    checked += 1

        # The store keeps response and judge output texts whole (score --keep-response).
        chunk = list(zip(items, texts[:len(items)]))
        resp = os.path.join(tmp, "simple-0.jsonl")
        jo = os.path.join(tmp, "judge-nul.jsonl")
        with open(jo, "w", encoding="utf-8") as f:
            for it, t in chunk:
                f.write(json.dumps({"key": it[0], "output": "Yes" + t[:3]}) + "\n")
        store = os.path.join(tmp, "store.jsonl")
        r = run("score", "--dataset", sample, "--responses", resp, "--judge-outputs", jo, "--store", store, "--model",
                "m", "--keep-response")
        check(r.returncode in (0, 1), f"score --keep-response: exit {r.returncode}: {r.stderr[-300:]!r}")
        recs = {x["key"]: x for x in map(json.loads, open(store, encoding="utf-8"))}
        for it, t in chunk:
            x = recs.get(it[0], {})
            check(x.get("response") == t and x.get("judge_output") == "Yes" + t[:3],
                  f"store record of {t!r}: {x.get('response')!r} / {x.get('judge_output')!r}")
            check(x.get("verdict") == off.harmbench_judge_label("Yes" + t[:3]), f"verdict of {'Yes' + t[:3]!r}")
            checked += 1

        # A dataset field with U+0000 is refused by name, never cut.
        ds = os.path.join(tmp, "ds")
        shutil.copytree(sample, ds)
        f = os.path.join(ds, "Harassment", "Analogy_final.json")
        data = json.load(open(f, encoding="utf-8"))
        data[0]["original_question"] = "Q\x00tail"
        json.dump(data, open(f, "w", encoding="utf-8"))
        r = run("validate", ds)
        err = (r.stdout + r.stderr).decode("utf-8", "replace")
        check(r.returncode != 0 and "MIRS_E_UNSUPPORTED" in err and "U+0000" in err,
              f"validate of a question with U+0000: exit {r.returncode}: {err[-300:]!r}")
        # Only that item is refused: the rest of its file is read (the official code would read them all).
        whole = json.loads(run("validate", sample, "--json").stdout)["items"]
        v = json.loads(run("validate", ds, "--json").stdout)
        probs = v["problems"]
        check(v["items"] == whole - 1 and len(probs) == 1 and probs[0]["item"] == 0
              and probs[0]["file"].endswith("Analogy_final.json") and '"original_question"' in probs[0]["message"],
              f"one item refused, the others read: {v['items']} of {whole}, {probs}")
        simple = os.path.join(tmp, "simple-0.jsonl")
        r = run("judge-prompts", "--dataset", ds, "--responses", simple, "-o", os.path.join(tmp, "x.jsonl"))
        check(r.returncode == 3 and b"U+0000" in r.stderr, f"judge-prompts on that dataset: exit {r.returncode}")

        # Keys and finish reasons are C strings: refused by name (or skipped and listed with --lenient).
        for field, line in (("key", {"key": items[0][0] + "\x00x", "response": "a"}),
                            ("finish_reason", {"key": items[0][0], "response": "a", "finish_reason": "st\x00op"}),
                            ("custom_id", batch_line("completions", items[0][0] + "\x00x", "a"))):
            p = os.path.join(tmp, "bad-%s.jsonl" % field)
            with open(p, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")
                fh.write(json.dumps({"key": items[1][0], "response": "b"} if field != "custom_id"
                                    else batch_line("completions", items[1][0], "b")) + "\n")
            out = os.path.join(tmp, "bad-%s-req.jsonl" % field)
            r = run("judge-prompts", "--dataset", sample, "--responses", p, "-o", out)
            check(r.returncode == 3 and b"U+0000" in r.stderr and b"MIRS_E_UNSUPPORTED" in r.stderr,
                  f"{field} with U+0000: exit {r.returncode}: {r.stderr[-300:]!r}")
            r = run("judge-prompts", "--dataset", sample, "--responses", p, "-o", out, "--lenient")
            check(r.returncode in (0, 1) and b"U+0000" in r.stderr and len(open(out).readlines()) == 1,
                  f"{field} with U+0000, --lenient: exit {r.returncode}: {r.stderr[-300:]!r}")
    print(f"{checked} judge prompts and store records from texts with U+0000, dataset and key refusals: "
          f"{bad} failures")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
