#!/usr/bin/python3
"""validate --images applies the decoding limits (one shared check), and
request writing refuses what validation refuses, in every --image-format
(original included, which used to embed the bytes as they are): a PNG header
declaring 50000x50000 (/work/shared/hostile/bomb_hdr) and a JPEG declaring
60000x60000 give MIRS_E_LIMIT naming the image.
Arguments: mirsafety executable, tests/data."""
import json
import os
import subprocess
import sys

exe, data = sys.argv[1], sys.argv[2]
fails = runs = 0


def check(args, want_rc, needles):
    global fails, runs
    runs += 1
    r = subprocess.run([exe] + args, capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    if r.returncode != want_rc or not all(n in out for n in needles):
        fails += 1
        print("FAIL:", " ".join(args), "rc", r.returncode, out[:500], file=sys.stderr)
    return r


for ds, img, what in [("bomb_hdr", "Analogy_1_1.png", "png: width 50000"),
                      ("bomb_jpeg", "Analogy_1_1.jpg", "jpeg: width 60000")]:
    root = os.path.join(data, ds)
    check(["validate", root, "--strict", "--images"], 1, ["MIRS_E_LIMIT", img, what])
    r = check(["validate", root, "--images", "--json"], 1, [])
    got = json.loads(r.stdout)
    probs = [(p["status"], img in p["message"] and what in p["message"]) for p in got["problems"]]
    if got["ok"] or probs != [("MIRS_E_LIMIT", True)]:
        fails += 1
        print("FAIL validate --json", ds, got, file=sys.stderr)
    check(["validate", root], 0, [])  # without --images no image is read
    for fmt in ["original", "png", "jpeg"]:
        for form in ["openai", "anthropic", "openai-batch"]:
            r = check(["prompts", root, "--format", form, "--model", "m", "--image-format", fmt], 3,
                      ["[MIRS_E_LIMIT]", img, what])
            if r.stdout:
                fails += 1
                print("FAIL: a request was written for", ds, fmt, form, file=sys.stderr)
    check(["prompts", root, "--format", "openai", "--model", "m", "--max-pixels", "1000"], 3,
          ["[MIRS_E_LIMIT]", img, what])
    check(["image", "convert", os.path.join(root, "Violence/images/Analogy", img), os.devnull], 3,
          ["[MIRS_E_LIMIT]", what])
print(f"limits: {runs - fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
