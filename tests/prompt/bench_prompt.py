#!/usr/bin/python3
"""Prompt/request writing benchmark: the OpenAI Batch request file with every
image embedded as base64 for a full-size dataset (2,676 items, 2-4 images
each, official layout), written by libmirsafety (bench_prompt) and by the
same job in plain Python (json + base64), in the same run on the same files.
Prints both times and the ratio, and checks that both wrote the same lines.

Usage: bench_prompt.py BENCH_PROMPT_EXE [--root DIR] [--reps N] [--size PIXELS] [--tiny]
The default tree (made once, reused) holds 96x96 noise images (every 10th
file is a JPEG saved under a .png name, as in the wild): base64 dominates.
--tiny uses scripts/make_synthetic.py --images instead (~100-byte PNGs and
realistic text sizes): per-item overhead dominates."""
import argparse
import base64
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time

RELATIONS = [("Temporal_Continuity", 317), ("Temporal_Jump", 303), ("Spatial_Juxtaposition", 292),
             ("Spatial_Embedding", 293), ("Relevance", 152), ("Complementarity", 280), ("Analogy", 318),
             ("Causality", 280), ("Decomposition", 441)]
CATEGORIES = ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy"]


def make_tree(root, size):
    from PIL import Image
    stamp = os.path.join(root, ".complete")
    if os.path.exists(stamp):
        return
    rng = random.Random(1234)
    n_img = 0
    for rel, count in RELATIONS:
        per_cat = [count // 6 + (1 if i < count % 6 else 0) for i in range(6)]
        for cat, n in zip(CATEGORIES, per_cat):
            os.makedirs(os.path.join(root, cat, "images", rel), exist_ok=True)
            items = []
            for i in range(n):
                k = rng.randint(2, 4)
                paths = []
                for j in range(k):
                    rel_path = f"images/{rel}/{rel}_{i}_{j}.png"
                    img = Image.effect_noise((size, size), 40 + 10 * j).convert("RGB")
                    full = os.path.join(root, cat, rel_path)
                    if n_img % 10 == 9:
                        img.save(full, format="JPEG", quality=85)
                    else:
                        img.save(full, format="PNG")
                    n_img += 1
                    paths.append(rel_path)
                items.append({
                    "id": i,
                    "original_question": f"How would someone do task {i} of {rel} in {cat}?",
                    "relationship_type": rel,
                    "revised_prompt": f"Look at the {k} pictures in order. " + "Explain each step in detail. " * 8,
                    "image_descriptions": [f"Picture {j + 1} shows step {j + 1}." for j in range(k)],
                    "image_keywords": [f"kw{j}" for j in range(k)],
                    "images": paths,
                    "iteration": 1,
                })
            with open(os.path.join(root, cat, f"{rel}_final.json"), "w", encoding="utf-8") as f:
                json.dump(items, f, ensure_ascii=False, indent=2)
    open(stamp, "w").write(f"{n_img}\n")


def mime(b):
    if b.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if b.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    raise ValueError("unknown image")


def python_job(root, out):
    """What a user would write: walk the layout, build each request, dump it."""
    lines = 0
    with open(out, "w", encoding="utf-8") as f:
        for cat in sorted(os.listdir(root)):
            cdir = os.path.join(root, cat)
            if not os.path.isdir(cdir):
                continue
            for fn in sorted(os.listdir(cdir)):
                if not fn.endswith("_final.json"):
                    continue
                rel = fn[:-len("_final.json")]
                with open(os.path.join(cdir, fn), encoding="utf-8") as jf:
                    items = json.load(jf)
                if isinstance(items, dict):
                    items = [items]
                for it in items:
                    parts = []
                    for p in it["images"]:
                        with open(os.path.join(cdir, p), "rb") as imf:
                            raw = imf.read()
                        url = f"data:{mime(raw)};base64," + base64.b64encode(raw).decode("ascii")
                        parts.append({"type": "image_url", "image_url": {"url": url}})
                    parts.append({"type": "text", "text": it["revised_prompt"]})
                    req = {"custom_id": f"{cat}/{rel}/{it['id']}", "method": "POST", "url": "/v1/chat/completions",
                           "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": parts}],
                                    "max_tokens": 1024, "temperature": 0}}
                    f.write(json.dumps(req, ensure_ascii=False, separators=(",", ":")) + "\n")
                    lines += 1
    return lines


def sorted_digest(path):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    return hashlib.sha256(b"\n".join(sorted(lines))).hexdigest(), len(lines) - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--root", default="/tmp/mirs-bench-prompt/data")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--tiny", action="store_true", help="scripts/make_synthetic.py's tree with tiny images")
    ap.add_argument("--out-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                    help="where both outputs go (default /dev/shm, so disk writeback does not dominate)")
    a = ap.parse_args()
    if a.tiny:
        if a.root == ap.get_default("root"):
            a.root = "/tmp/mirs-bench-prompt/tiny"
        if not os.path.exists(os.path.join(a.root, ".complete")):
            script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "make_synthetic.py")
            subprocess.run([sys.executable, script, a.root, "--images", "--force"], check=True, capture_output=True)
            open(os.path.join(a.root, ".complete"), "w").write("make_synthetic\n")
    else:
        make_tree(a.root, a.size)
    work = a.out_dir or os.path.dirname(a.root.rstrip("/"))
    c_out, py_out = os.path.join(work, "mirs-bench-c.jsonl"), os.path.join(work, "mirs-bench-py.jsonl")
    python_job(a.root, py_out)  # warm the page cache for both
    r = subprocess.run([a.exe, a.root, c_out, str(a.reps)], check=True, capture_output=True, text=True)
    c_time, c_lines, c_atomic = float(r.stdout.split()[0]), int(r.stdout.split()[1]), float(r.stdout.split()[2])
    py_time = 1e300
    for _ in range(a.reps):
        t0 = time.perf_counter()
        py_lines = python_job(a.root, py_out)
        py_time = min(py_time, time.perf_counter() - t0)
    same = sorted_digest(c_out) == sorted_digest(py_out)
    mb = os.path.getsize(c_out) / 1e6
    print(f"items: {c_lines} (python {py_lines}), output {mb:.1f} MB, identical lines: {same}")
    print(f"libmirsafety: {c_time:.3f} s ({mb / c_time:.0f} MB/s)   python json+base64: {py_time:.3f} s "
          f"({mb / py_time:.0f} MB/s)   ratio: {py_time / c_time:.2f}x (best of {a.reps})")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"libmirsafety peak resident memory: {rss:.1f} MiB (dataset in memory plus one line at a time)")
    print(f"libmirsafety atomic file (temporary + fsync + rename): {c_atomic:.3f} s, "
          f"ratio {py_time / c_atomic:.2f}x against python without fsync")
    for p in (c_out, py_out):
        os.unlink(p)
    sys.exit(0 if same and c_lines == py_lines else 1)


if __name__ == "__main__":
    main()
