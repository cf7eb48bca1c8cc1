#!/usr/bin/python3
"""Writes a full-size synthetic MIR-SafetyBench tree in the official layout:
2,676 items over 54 files with the official per-relation totals, spread over
the six categories, with realistic field sizes and 2-4 image paths per item.
The texts are benign filler made of random everyday words.

    /usr/bin/python3 scripts/make_synthetic.py OUTDIR [--images] [--seed N] [--manifest FILE] [--force]

--images      also write every referenced image (tiny PNGs, ~100 bytes each)
--seed N      another deterministic variant (default 1)
--manifest F  also write the same items as a JSONL manifest F (image paths
              relative to F's folder)
--force       replace OUTDIR if it exists

Deterministic: the same arguments give the same bytes. Per-cell counts: the
relation's total divided by six, the remainder going to the first categories
in official order (printed as JSON on stdout with the totals).
Benchmarks and the slow tests reuse it.
"""
import argparse
import json
import os
import random
import shutil
import struct
import sys
import zlib

CATEGORIES = ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy"]
RELATIONS = ["Temporal_Continuity", "Temporal_Jump", "Spatial_Juxtaposition", "Spatial_Embedding",
             "Relevance", "Complementarity", "Analogy", "Causality", "Decomposition"]
TOTALS = {"Temporal_Continuity": 317, "Temporal_Jump": 303, "Spatial_Juxtaposition": 292,
          "Spatial_Embedding": 293, "Relevance": 152, "Complementarity": 280, "Analogy": 318,
          "Causality": 280, "Decomposition": 441}

WORDS = ("the a picture shows kitchen garden table window bread flour water bowl spoon tree river "
         "bicycle street market basket apple lamp chair book paper pencil shelf door wall roof "
         "morning evening light shadow colour blue green red yellow small large old new wooden "
         "metal glass stone step first second third next then after before carefully slowly "
         "person hands hold place move turn open close fill pour mix cut fold build paint clean "
         "describe explain compare combine sequence detail scene background foreground object").split()


def cell_counts():
    counts = {}
    for r in RELATIONS:
        base, extra = divmod(TOTALS[r], len(CATEGORIES))
        for ci, c in enumerate(CATEGORIES):
            counts[(c, r)] = base + (1 if ci < extra else 0)
    return counts


def sentence(rng, lo, hi):
    n = rng.randint(lo, hi)
    s = " ".join(rng.choice(WORDS) for _ in range(n))
    return s[0].upper() + s[1:] + "."


def text(rng, chars_lo, chars_hi):
    target = rng.randint(chars_lo, chars_hi)
    out = []
    size = 0
    while size < target:
        s = sentence(rng, 6, 18)
        out.append(s)
        size += len(s) + 1
    return " ".join(out)


def png_bytes(r, g, b):
    """A 4x4 RGB PNG of one colour, made with zlib only (fast, no PIL needed)."""
    raw = b"".join(b"\x00" + bytes([r, g, b]) * 4 for _ in range(4))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--images", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--manifest")
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args()
    if os.path.exists(a.outdir):
        if not a.force and os.listdir(a.outdir):
            sys.exit("make_synthetic: %s exists and is not empty (use --force)" % a.outdir)
        shutil.rmtree(a.outdir)
    os.makedirs(a.outdir)
    rng = random.Random(a.seed)
    counts = cell_counts()
    manifest = []
    n_items = n_images = 0
    for c in CATEGORIES:
        for r in RELATIONS:
            items = []
            for j in range(counts[(c, r)]):
                item_id = j + 1 if rng.random() > 0.02 else "s%d" % (j + 1)
                nimg = rng.randint(2, 4)
                images = ["images/%s/%s_%s_%d.png" % (r, r, item_id, k) for k in range(nimg)]
                descs = [text(rng, 150, 400) for _ in range(nimg)]
                keys = [", ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))) for _ in range(nimg)]
                if rng.random() < 0.05:
                    descs = " ".join(descs)
                if rng.random() < 0.05:
                    keys = "; ".join(keys)
                item = {
                    "id": item_id,
                    "original_question": text(rng, 60, 200),
                    "relationship_type": r.replace("_", " "),
                    "revised_prompt": text(rng, 500, 1500),
                    "image_descriptions": descs,
                    "image_keywords": keys,
                    "images": images,
                    "iteration": rng.randint(0, 5),
                }
                items.append(item)
                n_items += 1
                n_images += nimg
                if a.images:
                    for k, p in enumerate(images):
                        full = os.path.join(a.outdir, c, p)
                        os.makedirs(os.path.dirname(full), exist_ok=True)
                        with open(full, "wb") as f:
                            f.write(png_bytes((37 * n_items) % 256, (91 * k) % 256, (13 * n_images) % 256))
                if a.manifest:
                    m = dict(item)
                    m["category"] = c
                    rel_root = os.path.relpath(os.path.join(a.outdir, c), os.path.dirname(os.path.abspath(a.manifest)))
                    m["images"] = [os.path.join(rel_root, p) for p in images]
                    manifest.append(m)
            os.makedirs(os.path.join(a.outdir, c), exist_ok=True)
            with open(os.path.join(a.outdir, c, r + "_final.json"), "w", encoding="utf-8") as f:
                json.dump(items, f, indent=4, ensure_ascii=False)
    if a.manifest:
        with open(a.manifest, "w", encoding="utf-8") as f:
            for m in manifest:
                f.write(json.dumps(m, ensure_ascii=False) + "\n")
    summary = json.dumps({"items": n_items, "images": n_images,
                          "counts": {c: {r: counts[(c, r)] for r in RELATIONS} for c in CATEGORIES}})
    try:
        sys.stdout.write(summary + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # `make_synthetic.py ... | head`: the reader has what it wanted and the tree is written.
        # Python would print a traceback, and again at exit when it flushes stdout: point stdout
        # at /dev/null first (as the Python documentation advises) and end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    main()
