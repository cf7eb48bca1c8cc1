#!/usr/bin/python3
"""The reproducers of issue #16 through the tool: each gets a named error
(status name on stderr, exit 3), never a crash, a hang or a sanitizer
report (the sanitizer build runs this too).
  - batch outputs with status_code 1e300 / 200.7 / a 19-digit integer:
    MIRS_E_SCHEMA naming the line (was a float-to-int overflow; 200.7 read as 200)
  - .npy / .safetensors with a zero dimension next to 2^40-sized ones:
    MIRS_E_OVERFLOW (was a signed overflow computing strides)
  - score --repair on a store whose complete last line is no record:
    MIRS_E_CORRUPT naming line 2, file untouched (was deleted as "torn");
    a line without its newline is still cut.
  - prompts --image-format png (and --variant composite) on the tree whose
    PNG crashed the fast path: one request, PNG parts.
Arguments: mirsafety executable, sample dataset, tests/fuzz/corpus."""
import os
import subprocess
import sys
import tempfile

exe, sample, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
fails = runs = 0


def run(args, want_rc, needles):
    global fails, runs
    runs += 1
    try:
        r = subprocess.run([exe] + args, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        fails += 1
        print("FAIL (hung):", " ".join(args), file=sys.stderr)
        return None
    bad = r.returncode != want_rc or not all(n in r.stderr for n in needles) or "runtime error" in r.stderr
    if bad:
        fails += 1
        print("FAIL:", " ".join(args), "rc", r.returncode, r.stderr[:600], file=sys.stderr)
    return r


with tempfile.TemporaryDirectory() as tmp:
    empty = os.path.join(tmp, "empty.jsonl")
    open(empty, "w").close()
    jp = ["judge-prompts", "--dataset", sample, "--responses"]
    batch = os.path.join(corpus, "responses", "batch_status_1e300.jsonl")
    run(jp + [batch], 3, ["[MIRS_E_SCHEMA]", "batch_status_1e300.jsonl:1", "\"status_code\" 1e+300 is not an integer"])
    # The fuzzer's find: strict stops at its invalid UTF-8 line; lenient reaches the huge status_code.
    crash = os.path.join(corpus, "responses", "crash-9fdaecd7")
    run(jp + [crash], 3, ["[MIRS_E_UTF8]", "crash-9fdaecd7:6"])
    r = run(jp + [crash, "--lenient", "--json", "-o", os.path.join(tmp, "req.jsonl")], 0, [])
    if r is not None and "is not an integer HTTP status" not in r.stdout + r.stderr:
        fails += 1
        print("FAIL: lenient crash-9fdaecd7 does not list the status_code line:", r.stdout[:400], r.stderr[:400],
              file=sys.stderr)
    for v in ["200.7", "2555555555555555501", "\"200\""]:
        p = os.path.join(tmp, "s.jsonl")
        with open(p, "w") as f:
            f.write('{"custom_id":"Violence/Analogy/1","response":{"status_code":200,"body":{"choices":'
                    '[{"message":{"content":"x"}}]}}}\n')
            f.write('{"custom_id":"k","response":{"status_code":%s,"body":{}}}\n' % v)
        run(jp + [p], 3, ["[MIRS_E_SCHEMA]", "s.jsonl:2", "is not an integer HTTP status"])
    for f in ["npy/stride_zero_dim.npy", "safetensors/stride_zero_dim.safetensors"]:
        run(["entropy", os.path.join(corpus, f)], 3, ["[MIRS_E_OVERFLOW]", "strides overflow"])

    score = ["score", "--dataset", sample, "--responses", empty, "--judge-outputs", empty, "--model", "m"]
    good = '{"key":"a","model":"m","judge":"harmbench-mir","verdict":"safe"}\n'
    store = os.path.join(tmp, "store.jsonl")
    text = good + '{"key":"b","model":"m","judge":"harmbench-mir","verdict":"maybe"}\n'
    with open(store, "w") as f:
        f.write(text)
    for extra in [[], ["--repair"]]:
        run(score + ["--store", store] + extra, 3, ["[MIRS_E_CORRUPT]", "line 2 (byte 65)", "verdict"])
        if open(store).read() != text:
            fails += 1
            print("FAIL: score", extra, "changed a store with a complete bad last line", file=sys.stderr)
    run(["report", store], 3, ["[MIRS_E_CORRUPT]", "line 2"])
    with open(store, "w") as f:
        f.write(good + '{"key":"b","mo')
    run(score + ["--store", store], 3, ["[MIRS_E_TORN]"])
    run(score + ["--store", store, "--repair"], 1, ["cut a torn last record of 14 bytes"])
    if open(store).read() != good:
        fails += 1
        print("FAIL: --repair did not cut the torn tail:", open(store).read(), file=sys.stderr)

    # The PNG fast path's use-after-free (tests/data/hostile/uaf_tree: a 1x1 PNG whose zlib stream carries
    # 1 MiB more than the image needs, over two IDAT chunks) crashed these two jobs: now one request each,
    # the image re-encoded (libpng's answer: the pixel decodes).
    import base64
    import json
    uaf = os.path.join(os.path.dirname(os.path.dirname(corpus)), "data", "hostile", "uaf_tree")
    for variant, parts in [([], 2), (["--variant", "composite"], 1)]:
        r = run(["prompts", uaf, "--format", "openai-batch", "--model", "m", "--image-format", "png"] + variant, 0,
                [])
        if r is None or r.returncode != 0:
            continue
        lines = r.stdout.splitlines()
        content = json.loads(lines[0])["body"]["messages"][-1]["content"] if len(lines) == 1 else []
        urls = [c["image_url"]["url"] for c in content if c.get("type") == "image_url"]
        if len(urls) != parts or not all(base64.b64decode(u.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
                                         for u in urls):
            fails += 1
            print("FAIL: prompts on uaf_tree", variant, "gave", len(lines), "lines,", len(urls), "PNG parts",
                  file=sys.stderr)
print(f"hostile: {runs - fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
