#!/usr/bin/python3
"""`mirsafety validate --images` probes every image: a copy of the sample with
one non-image and one truncated PNG gives exactly those two problems, named
by file and item, exit 1; the intact sample gives none, exit 0."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

exe, sample = sys.argv[1], sys.argv[2]
fails = 0
with tempfile.TemporaryDirectory() as tmp:
    bad = os.path.join(tmp, "bad")
    shutil.copytree(sample, bad)
    with open(os.path.join(bad, "Violence/images/Analogy/Analogy_24_1.png"), "wb") as f:
        f.write(b"not an image")
    src = open(os.path.join(sample, "Privacy/images/Analogy/Analogy_77_0.png"), "rb").read()
    with open(os.path.join(bad, "Privacy/images/Analogy/Analogy_77_0.png"), "wb") as f:
        f.write(src[:100])
    r = subprocess.run([exe, "validate", bad, "--images", "--json"], capture_output=True, text=True)
    got = json.loads(r.stdout)
    probs = sorted((p["file"], p["item"], p["status"]) for p in got["problems"])
    # Named as the dataset's own diagnostics name their files: the dataset path, then the file (issue #19).
    want = [(os.path.join(bad, "Privacy/Analogy_final.json"), 0, "MIRS_E_TRUNCATED"),
            (os.path.join(bad, "Violence/Analogy_final.json"), 1, "MIRS_E_FORMAT")]
    if r.returncode != 1 or probs != want or got["ok"]:
        fails += 1
        print("FAIL bad copy:", r.returncode, probs, file=sys.stderr)
    r = subprocess.run([exe, "validate", sample, "--images", "--json"], capture_output=True, text=True)
    if r.returncode != 0 or not json.loads(r.stdout)["ok"]:
        fails += 1
        print("FAIL intact sample:", r.returncode, r.stdout[:300], file=sys.stderr)
print(f"validate --images: {2 - fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
