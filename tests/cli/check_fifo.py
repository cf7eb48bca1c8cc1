#!/usr/bin/python3
"""A FIFO named where the tool reads a file (dataset image, official JSON,
manifest, template, responses, judge outputs, store, tensor, accumulator
state, image, capability CSV) fails promptly with MIRS_E_IO naming the path:
before, open() blocked forever waiting for a writer. Every run has a timeout
so that a regression fails here instead of hanging the suite.
Arguments: mirsafety executable, sample dataset, tests/data/fifo_tree."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

exe, sample, fifo_tree = sys.argv[1], sys.argv[2], sys.argv[3]
fails = 0
runs = 0


def run(args, want_rc, named):
    """Runs the tool; it must exit with want_rc within 20 s and name the FIFO."""
    global fails, runs
    runs += 1
    try:
        r = subprocess.run([exe] + args, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        fails += 1
        print("FAIL (hung):", " ".join(args), file=sys.stderr)
        return
    out = r.stdout + r.stderr
    ok = r.returncode == want_rc and named in out and "not a regular file" in out
    if want_rc == 3:
        ok = ok and "[MIRS_E_IO]" in r.stderr
    if not ok:
        fails += 1
        print("FAIL:", " ".join(args), "rc", r.returncode, out[:400], file=sys.stderr)


def npy(path):
    """A 2x2 float32 attention matrix (rows sum to 1) as .npy version 1.0."""
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
    hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        f.write(struct.pack("<4f", 0.5, 0.5, 0.25, 0.75))


with tempfile.TemporaryDirectory() as tmp:
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    empty = os.path.join(tmp, "empty.jsonl")
    open(empty, "w").close()

    # The dataset of /work/shared/hostile/fifo_tree: its second image is a FIFO.
    tree = os.path.join(tmp, "tree")
    shutil.copytree(fifo_tree, tree)
    os.mkfifo(os.path.join(tree, "Violence/images/Analogy/Analogy_1_1.png"))
    img = "Analogy_1_1.png"
    run(["info", tree, "--images"], 3, img)
    run(["validate", tree, "--images"], 1, img)
    for fmt in ["original", "png", "jpeg"]:
        run(["prompts", tree, "--format", "openai", "--model", "m", "--image-format", fmt], 3, img)
    run(["prompts", tree, "--format", "openai-batch", "--model", "m", "--variant", "composite"], 3, img)
    run(["prompts", tree, "--format", "qwen2-vl", "--variant", "composite", "--composite-dir",
         os.path.join(tmp, "comp")], 3, img)

    # The official JSON file itself, and a JSONL manifest (lenient: a diagnostic).
    tree2 = os.path.join(tmp, "tree2")
    shutil.copytree(fifo_tree, tree2)
    os.remove(os.path.join(tree2, "Violence/Analogy_final.json"))
    os.mkfifo(os.path.join(tree2, "Violence/Analogy_final.json"))
    run(["info", tree2], 0, "Analogy_final.json")
    run(["validate", tree2], 1, "Analogy_final.json")
    run(["info", fifo], 0, "fifo")
    run(["validate", fifo], 1, "fifo")

    run(["prompts", sample, "--format", "template", "--template", fifo], 3, fifo)
    run(["judge-prompts", "--dataset", sample, "--responses", fifo], 3, fifo)
    store = os.path.join(tmp, "store.jsonl")
    score = ["score", "--dataset", sample, "--model", "m"]
    run(score + ["--responses", fifo, "--judge-outputs", empty, "--store", store], 3, fifo)
    run(score + ["--responses", empty, "--judge-outputs", fifo, "--store", store], 3, fifo)
    run(score + ["--responses", empty, "--judge-outputs", empty, "--rtype-outputs", fifo, "--store", store], 3,
        fifo)
    run(score + ["--responses", empty, "--judge-outputs", empty, "--store", fifo], 3, fifo)
    run(["report", fifo], 3, fifo)
    run(["compare", "models", fifo, fifo], 3, fifo)
    run(["compare", "capability", fifo, store], 3, fifo)
    run(["entropy", fifo], 3, fifo)
    attn = os.path.join(tmp, "a.npy")
    npy(attn)
    run(["entropy", attn, "--label", "safe", "--state", fifo], 3, fifo)
    run(["entropy-compare", fifo], 3, fifo)
    run(["image", "info", fifo], 3, fifo)
    run(["image", "info", "--checksum", fifo], 3, fifo)
    run(["image", "convert", fifo, os.path.join(tmp, "o.png")], 3, fifo)
print(f"fifo: {runs - fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
