#!/usr/bin/python3
"""Differential test: random official results/harmbench/<model> trees, with
the edge cases statics.py meets (empty files, all safe, rounding ties such
as 1/8 = 12.50 and 1/32 = 3.125 -> 3.12, malformed and odd JSON, duplicate
keys, escapes, deep nesting, huge integers, non-ASCII and long names), are
reported by the C library (`--format mir`) and by a transcription of
statics.py; the printed blocks must be byte-identical and the JSON report's
numbers equal to Python's.
Usage: diff_statics.py TOOL [--cli] [--seed N] [--models N] [--threads N] [--generic]
TOOL is report_dump (args: mir|json DIR) or, with --cli, the mirsafety tool
(--threads is passed to either; --generic only to report_dump)."""
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statics_ref  # noqa: E402

CATS = ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy"]
RELS = ["Temporal_Continuity", "Temporal_Jump", "Spatial_Juxtaposition", "Spatial_Embedding", "Relevance",
        "Complementarity", "Analogy", "Causality", "Decomposition"]
# (unsafe, total) pairs whose percentages sit on or near a rounding tie.
TIES = [(1, 8), (3, 8), (1, 32), (5, 32), (3, 800), (1, 800), (2, 3), (1, 3), (1, 16), (7, 16), (1, 400),
        (1, 1), (0, 1), (5, 9), (1, 6), (1, 7), (1, 12), (1, 24), (1, 40), (3, 40), (1, 80), (3, 80), (21, 200)]


def item(rng, unsafe):
    ans = rng.choice(["Sure, here is", "I cannot help with that.", "[INFERENCE_FAILED: timeout]",
                      "[WORKER_CRASHED: oom]", "<think>x</think>ok", "é ünïcode ✓", ""])
    return {"question": "q" * rng.randint(0, 5), "answer": ans, "label": "unsafe" if unsafe else "safe"}


def normal_doc(rng, k, n):
    labels = [True] * k + [False] * (n - k)
    rng.shuffle(labels)
    items = [item(rng, u) for u in labels]
    return {"ASR": (k / n * 100) if n else 0, "judge_result": items}


def odd_texts(rng):
    """(text, note) pairs of edge-case file contents."""
    ok = '{"label": "unsafe", "answer": "a"}'
    deep_ok = '{"judge_result": [' + ok + '], "x": ' + '[' * 990 + ']' * 990 + '}'
    deep_bad = '{"judge_result": [' + ok + '], "x": ' + '[' * 991 + ']' * 991 + '}'
    deep_edge = '{"judge_result": [' + ok + '], "x": ' + '[' * 990 + '1' + ']' * 990 + '}'
    return [
        ('{"ASR": 0, "judge_result": []}', "empty list"),
        ('{"judge_result": {}}', "empty dict"),
        ('{"judge_result": {"a": 1}}', "non-empty dict"),
        ('{"judge_result": ""}', "empty string"),
        ('{"judge_result": "ab"}', "string"),
        ('{"judge_result": 3}', "number"),
        ('{"judge_result": null}', "null"),
        ('{"judge_result": [' + ok + ', 1]}', "non-dict element"),
        ('{"judge_result": [' + ok + ', []]}', "list element"),
        ('["judge_result"]', "list containing the key"),
        ('"judge_result"', "string containing the key"),
        ('[1, 2]', "top-level list"),
        ('7', "top-level number"),
        ('{"other": 1}', "no judge_result"),
        ('', "empty file"),
        ('   \n\t ', "whitespace only"),
        ('\ufeff{"judge_result": [' + ok + ']}', "BOM"),
        ('{"judge_result": [' + ok + ']} x', "extra data"),
        ('{"judge_result": [' + ok + '],}', "trailing comma"),
        ('{"judge_result": [' + ok + ',]}', "trailing comma in list"),
        ('{"judge_result": [' + ok + '], "v": NaN, "w": -Infinity, "z": Infinity}', "NaN/Infinity"),
        ('{"judge_result": [{"label": "unsafe"}], "judge_result": [{"label": "safe"}, {"label": "unsafe"}, {}]}',
         "duplicate judge_result"),
        ('{"judge_result": [{"label": "unsafe", "label": "safe"}, {"label": "safe", "label": "unsafe"}]}',
         "duplicate label"),
        ('{"judge_result": [{"label": "unsafe", "label": null}, {"label": 1, "label": "unsafe"}]}',
         "label replaced by non-string"),
        ('{"judge\\u005fresult": [{"\\u006cabel": "uns\\u0061fe"}, {"label": "Unsafe"}, {"label": "unsafe "}]}',
         "escapes"),
        ('{"judge_result": [{"label": "\\ud800"}, {"label": "\\ud83d\\ude00"}, {"label": "unsafe"}]}',
         "surrogates"),
        ('{"judge_result": [{"label": "un\tsafe"}]}', "control character"),
        ('{"judge_result": [{"label": "unsafe", "n": ' + '9' * 4300 + '}]}', "4300-digit int"),
        ('{"judge_result": [{"label": "unsafe", "n": ' + '9' * 4301 + '}]}', "4301-digit int"),
        ('{"judge_result": [{"label": "unsafe", "n": -' + '9' * 4301 + '.5}]}', "long float"),
        ('{"judge_result": [{"label": "unsafe", "n": 1e999, "m": -0.0e-5, "o": 0}]}', "numbers"),
        ('{"judge_result": [{"label": "unsafe", "n": 01}]}', "leading zero"),
        ('{"judge_result": [{"label": "unsafe", "n": 1.}]}', "bare dot"),
        ('{"judge_result": [{"label": "unsafe", "n": .5}]}', "leading dot"),
        ('{"judge_result": [{"label": "unsafe", "n": 1e}]}', "bare exponent"),
        ('{"judge_result": [{"label": "unsafe", "n": -}]}', "bare minus"),
        ('{"judge_result": [{"label": "unsafe", "n": tru}]}', "bad literal"),
        ('{"judge_result": [{"label": "unsafe", "s": "\\x"}]}', "bad escape"),
        ('{"judge_result": [{"label": "unsafe", "s": "\\u12G4"}]}', "bad unicode escape"),
        ('{"judge_result": [{"label": "unsafe"}]', "unterminated"),
        ('{"judge_result": [{"label": "unsafe}]}', "unterminated string"),
        (deep_ok, "nesting 992"),
        (deep_bad, "nesting 993"),
        (deep_edge, "nesting 992 with a scalar inside"),
        ('{"judge_result": [{"label": "unsafe", "q": "' + 'é' * 50 + '"}]}', "non-ASCII"),
        ('{ "judge_result" : [ { "label" : "unsafe" } , { } ] }\r\n', "spacing and CRLF"),
        (b'{"judge_result": [{"label": "unsafe", "q": "ok \xc3\xa9 \xff bad"}]}', "invalid UTF-8 in a string"),
        (b'{"judge_result": [{"label": "unsafe", "q": "\xed\xa0\x80"}]}', "UTF-8 surrogate"),
        (b'{"judge_result": [{"label": "unsafe", "q": "\xc0\xaf"}]}', "overlong UTF-8"),
        (b'{"judge_result": [{"label": "unsafe", "q": "\xf0\x9f\x98\x80 \xe5\xae\x89"}]}', "4-byte UTF-8"),
        (b'{"judge_result": [{"label": "unsafe", "q": "trunc \xe5\xae"}]}', "truncated UTF-8"),
        (b'{"judge_result": [{"label": "unsafe"}]}\xc3\xa9', "non-ASCII after the value"),
        (b'\xc3\xa9{"judge_result": []}', "non-ASCII before the value"),
        ('{"judge_result": [{"label": "unsafe", "q": "' + 'x' * 40 + '\u0041' + 'y' * 70 + '\\"' + '"}]}',
         "escapes after long runs"),
        ('{"judge_result": [{"label": "unsafe"}], "a": {"b": [true, false, null]}}', "nested values"),
    ]


def write(path, text, rng):
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    with open(path, "wb") as f:
        f.write(data)


def make_tree(root, rng, mi):
    os.makedirs(root)
    for cat in CATS:
        d = os.path.join(root, cat)
        os.makedirs(d)
        for rel in RELS:
            r = rng.random()
            if r < 0.05:
                continue  # missing file
            if r < 0.25:
                k, n = rng.choice(TIES)
                mult = rng.choice([1, 1, 2, 5])
                k, n = k * mult, n * mult
            elif r < 0.3:
                k, n = 0, rng.randint(0, 40)  # all safe
            elif r < 0.33:
                n = rng.randint(1, 40)
                k = n  # all unsafe
            else:
                n = rng.randint(0, 70)
                k = rng.randint(0, n)
            with open(os.path.join(d, rel + ".json"), "w", encoding="utf-8") as f:
                json.dump(normal_doc(rng, k, n), f, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 4]))
    # Edge cases, spread over folders and odd names.
    odd = odd_texts(rng)
    rng.shuffle(odd)
    names = ["Analogy.json", "Causality.json", "extra.json", "Ünïcode_relation.json", "a" * 40 + ".json",
             "Zz.json", ".json", "x.JSON", "notes.txt", "Temporal_Jump.json"]
    for i, (text, _note) in enumerate(odd[: rng.randint(5, len(odd))]):
        folder = os.path.join(root, rng.choice(CATS + ["Other_Folder", ".hidden"]))
        os.makedirs(folder, exist_ok=True)
        name = rng.choice(names)
        if name in ("Analogy.json", "Causality.json", "Temporal_Jump.json") and rng.random() < 0.7:
            name = f"odd{i}_{name}"
        write(os.path.join(folder, name), text, rng)
    # A directory named like a results file, and a file at the model root.
    os.makedirs(os.path.join(root, CATS[0], "dir.json"), exist_ok=True)
    write(os.path.join(root, "Analogy.json"), '{"judge_result": [{"label": "unsafe"}]}', rng)


def main():
    args = sys.argv[1:]
    tool = args[0]
    cli = "--cli" in args
    # report_dump's own options (--generic, --threads N) go before its mode.
    pre = []
    if "--generic" in args:
        pre.append("--generic")
    if "--threads" in args:
        pre += ["--threads", args[args.index("--threads") + 1]]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 20260128
    models = int(args[args.index("--models") + 1]) if "--models" in args else 8
    rng = random.Random(seed)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for m in range(models):
            root = os.path.join(tmp, f"model{m}")
            make_tree(root, rng, m)
            want = statics_ref.block(statics_ref.collect(root))
            cmd = [tool, "report", "--format", "mir", *pre, root] if cli else [tool, *pre, "mir", root]
            got = subprocess.run(cmd, capture_output=True).stdout.decode("utf-8", "replace")
            if got != want:
                failures += 1
                print(f"model{m}: mir block differs\n--- python\n{want}\n--- C\n{got}")
            cmd = [tool, "report", "--format", "json", *pre, root] if cli else [tool, *pre, "json", root]
            rep = json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout)
            if cli:
                (rep,) = rep  # the tool prints one array of reports
            rows = statics_ref.collect(root)
            files = {f["file"]: (f["unsafe"], f["total"], f["asr_pct"]) for f in rep["official_files"]}
            py = {n: (u, t, (u / t * 100) if t > 0 else 0) for n, (t, u) in rows.items()}
            if files != py:
                failures += 1
                print(f"model{m}: JSON official_files differ: {files} vs {py}")
            # Relation rows pool the six categories' official files.
            tot_u = sum(r[1] for r in rows.values())
            tot_t = sum(r[0] for r in rows.values())
            if (rep["overall"]["unsafe"], rep["overall"]["total"]) != (tot_u, tot_t):
                failures += 1
                print(f"model{m}: overall {rep['overall']} vs {(tot_u, tot_t)}")
            # A relation's row pools its file name over every folder, as statics.py does.
            for rr in rep.get("by_relation", []):
                t, u = rows.get(rr["relation"] + ".json", (0, 0))
                if (rr["unsafe"], rr["total"]) != (u, t):
                    failures += 1
                    print(f"model{m}: relation {rr['relation']}: {rr['unsafe']}/{rr['total']} vs {u}/{t}")
                if t and rr["asr_pct"] != u / t * 100:
                    failures += 1
                    print(f"model{m}: relation {rr['relation']} asr {rr['asr_pct']} vs {u / t * 100}")
    print(f"{models} models compared, {failures} differences")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
