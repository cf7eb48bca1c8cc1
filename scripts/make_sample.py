#!/usr/bin/python3
"""Writes examples/data/sample/: a small MIR-SafetyBench-shaped dataset in the
official layout, with benign placeholder texts written for this project.

    /usr/bin/python3 scripts/make_sample.py [OUTDIR]   (default examples/data/sample)

Every category x relation pair gets 1 or 2 items (54 files), each with 2-4
small drawn images under <Category>/images/<Relation>/. The shape follows the
official files: ids are mostly integers with a few strings, image
descriptions and keywords are mostly lists with a few single strings, one
JPEG is saved under a .png name (as happens in the wild). It also writes
sample.jsonl next to the folder: the same items as a JSONL manifest.
The output is deterministic: rerunning the script reproduces the same bytes.
"""
import io
import json
import os
import random
import shutil
import sys

from PIL import Image, ImageDraw

CATEGORIES = ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy"]
RELATIONS = ["Temporal_Continuity", "Temporal_Jump", "Spatial_Juxtaposition", "Spatial_Embedding",
             "Relevance", "Complementarity", "Analogy", "Causality", "Decomposition"]

# Benign topics: (activity, things pictured).
TOPICS = [
    ("baking bread", ["a bowl of flour", "kneaded dough", "a rising loaf", "a golden loaf on a rack"]),
    ("planting a vegetable garden", ["a seed packet", "a watering can", "young sprouts", "ripe tomatoes"]),
    ("building a wooden birdhouse", ["cut pine boards", "a hammer and nails", "an assembled box", "a painted roof"]),
    ("folding a paper crane", ["a square sheet", "a folded triangle", "a bird base", "a finished crane"]),
    ("repotting a houseplant", ["a cracked pot", "fresh soil", "untangled roots", "a new clay pot"]),
    ("brewing a pot of tea", ["a kettle", "loose leaves", "a steeping teapot", "a filled cup"]),
    ("fixing a bicycle tyre", ["a flat tyre", "tyre levers", "a patched tube", "an inflated wheel"]),
    ("knitting a scarf", ["a ball of yarn", "two needles", "the first rows", "a finished scarf"]),
    ("setting up a fish tank", ["an empty tank", "washed gravel", "water plants", "small fish swimming"]),
    ("making a kite", ["two thin sticks", "a paper sail", "a tail of ribbons", "a kite in the sky"]),
    ("painting a fence", ["sandpaper", "a can of paint", "half a painted fence", "a finished white fence"]),
    ("making pancakes", ["eggs and milk", "a whisked batter", "a pancake in a pan", "a stack with berries"]),
]

RELATION_VERBS = {
    "Temporal_Continuity": "Describe the steps shown across these pictures for {a}.",
    "Temporal_Jump": "The first and last pictures are far apart in time. Explain what happened in between when {a}.",
    "Spatial_Juxtaposition": "Compare the objects placed side by side in these pictures and say how each helps with {a}.",
    "Spatial_Embedding": "One picture zooms into a detail of another. Explain why that detail matters for {a}.",
    "Relevance": "These pictures share a theme. Write a short guide to {a} that uses what they show.",
    "Complementarity": "Each picture shows part of the process. Combine them into full instructions for {a}.",
    "Analogy": "The first pair of pictures shows a pattern. Apply the same pattern to the next pictures about {a}.",
    "Causality": "Explain how what the first picture shows leads to the result in the last one when {a}.",
    "Decomposition": "These pictures break a task into parts. Put the parts back together into a plan for {a}.",
}

QUESTIONS = [
    "How do I get started with {a}?",
    "What tools do I need for {a}?",
    "What is the most common mistake people make when {a}?",
    "Can you give me a checklist for {a}?",
    "How long does {a} usually take?",
    "What is a good first project for someone interested in {a}?",
]

COLOURS = [(220, 80, 60), (60, 140, 220), (80, 170, 90), (230, 190, 60), (150, 90, 200), (90, 90, 90)]


def draw_image(rng, k):
    """A 64x64 drawing: a background tint and a few simple shapes."""
    bg = tuple(235 - 20 * (k % 3) for _ in range(3))
    im = Image.new("RGB", (64, 64), bg)
    d = ImageDraw.Draw(im)
    for _ in range(rng.randint(2, 4)):
        c = rng.choice(COLOURS)
        x0, y0 = rng.randint(2, 40), rng.randint(2, 40)
        x1, y1 = x0 + rng.randint(10, 22), y0 + rng.randint(10, 22)
        shape = rng.randint(0, 2)
        if shape == 0:
            d.rectangle([x0, y0, x1, y1], fill=c)
        elif shape == 1:
            d.ellipse([x0, y0, x1, y1], fill=c)
        else:
            d.polygon([(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)], fill=c)
    return im


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "examples", "data", "sample")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    rng = random.Random(20260114)
    manifest = []
    jpeg_done = False
    serial = 0
    for ci, cat in enumerate(CATEGORIES):
        for ri, rel in enumerate(RELATIONS):
            items = []
            nitems = 1 + (ci + ri) % 2
            for j in range(nitems):
                serial += 1
                topic, things = TOPICS[(serial * 7 + ri) % len(TOPICS)]
                # A few string ids, as in the official files.
                item_id = "%s_%d" % ("x", serial) if serial % 9 == 4 else serial
                nimg = 2 + (serial % 3)
                images = []
                for k in range(nimg):
                    rel_path = "images/%s/%s_%s_%d.png" % (rel, rel, item_id, k)
                    path = os.path.join(out, cat, rel_path)
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    im = draw_image(rng, k)
                    if not jpeg_done and cat == "Violence" and rel == "Analogy":
                        # A JPEG under a .png name: readers must sniff the bytes.
                        buf = io.BytesIO()
                        im.save(buf, format="JPEG", quality=85)
                        jpeg_done = True
                    else:
                        buf = io.BytesIO()
                        im.save(buf, format="PNG", optimize=True)
                    with open(path, "wb") as f:
                        f.write(buf.getvalue())
                    images.append(rel_path)
                descs = ["Picture %d shows %s." % (k + 1, things[k % len(things)]) for k in range(nimg)]
                keys = [things[k % len(things)].split()[-1] for k in range(nimg)]
                if serial % 5 == 2:
                    descs = " ".join(descs)  # a single string instead of a list
                if serial % 7 == 3:
                    keys = ", ".join(keys)
                item = {
                    "id": item_id,
                    "original_question": QUESTIONS[(serial * 5 + ci) % len(QUESTIONS)].format(a=topic),
                    "relationship_type": rel,
                    "revised_prompt": RELATION_VERBS[rel].format(a=topic),
                    "image_descriptions": descs,
                    "image_keywords": keys,
                    "images": images,
                    "iteration": 1 + serial % 3,
                }
                items.append(item)
                m = dict(item)
                m["category"] = cat
                m["images"] = ["%s/%s/%s" % (os.path.basename(out), cat, p) for p in images]
                manifest.append(m)
            with open(os.path.join(out, cat, rel + "_final.json"), "w", encoding="utf-8") as f:
                json.dump(items, f, indent=2, ensure_ascii=False)
                f.write("\n")
    with open(os.path.join(os.path.dirname(out), os.path.basename(out) + ".jsonl"), "w", encoding="utf-8") as f:
        for m in manifest:
            f.write(json.dumps(m, ensure_ascii=False) + "\n")
    print("wrote %d items to %s" % (len(manifest), out))


if __name__ == "__main__":
    main()
