#!/usr/bin/python3
"""Which items are evaluated, against the official eval.py and statics.py
(issue #17, point 7; thu-coai/MIR-SafetyBench, MIT).

The official functions that decide which items run and what each one sends
are transcribed below with the file and function they come from. A dataset
with every oddity the official code evaluates (1, 5 and 6 images, an unknown
category folder, an unknown relation stem, "_final" inside a stem, no id, a
float id, a non-integer iteration, non-string keywords, a single object as a
file, missing prompt fields, image paths that are absolute, hold "..", or go
through a symlink out of the root) is read by both:

- `mirsafety prompts --format qwen2-vl` must give exactly one line per item
  eval.py's producer sends, with the prompt and image files its worker
  builds (exact strings), and exit 0 (the job is not refused);
- `validate` shows one note per oddity and exits 0, `info --json` counts
  them, `validate --strict` refuses them (exit 1);
- verdicts for those items (`score`, then `report --format mir`) give the
  block statics.py prints for the equivalent results/harmbench tree: an
  unknown relation is its own row, an unknown category is pooled into its
  relation's row, exactly as there (byte-identical block).

usage: check_official_items.py MIRSAFETY WORKDIR
"""
import base64
import json
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
import statics_ref  # noqa: E402  (the transcription of statics.py the report tests use)

EXE, WORK = sys.argv[1], sys.argv[2]
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


# ---- transcriptions of eval.py ----

# eval.py, read_json
def read_json(json_path):
    with open(json_path, 'r', encoding='utf-8') as f:
        return json.load(f)


# eval.py, load_json_files
def load_json_files(json_dir):
    files = []
    for category_dir in os.listdir(json_dir):
        category_path = os.path.join(json_dir, category_dir)
        if os.path.isdir(category_path):
            for filename in os.listdir(category_path):
                if filename.endswith('_final.json'):
                    files.append(os.path.join(category_path, filename))
    return files


# eval.py, extract_category_method
def extract_category_method(json_path):
    path = pathlib.Path(json_path)
    method = path.stem.replace('_final', '')
    category = path.parent.name
    return category, method


# eval.py, build_image_paths
def build_image_paths(image_paths, base_dir):
    return [os.path.join(base_dir, p) for p in image_paths]


# eval.py, check_inference_results_exist (no results yet) + producer_process +
# dynamic_worker: every item of every file, with what the worker hands the model.
def official_tasks(root):
    tasks = []
    for json_path in load_json_files(root):
        source_data = read_json(json_path)
        source_items = [source_data] if isinstance(source_data, dict) else source_data
        category, method = extract_category_method(json_path)
        base_dir = os.path.dirname(json_path)
        for idx in range(len(source_items)):
            it = source_items[idx]
            tasks.append({"category": category, "method": method, "item_index": idx,
                          "prompt": it.get('revised_prompt', ''),
                          "images": build_image_paths(it.get('images', []), base_dir),
                          "question": it.get('original_question', '')})
    return tasks


# ---- a dataset with the oddities ----

if os.path.exists(WORK):
    shutil.rmtree(WORK)
root = os.path.join(WORK, "data")


def write(rel, doc):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)


def png_1x1(tag):
    """A valid 1x1 grey PNG whose tEXt chunk carries tag (sent as it is: --image-format original)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\x00" + tag) + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + chunk(b"IEND", b""))


def imgs(cat, rel, i, n):
    out = []
    for k in range(n):
        p = f"images/{rel}/{rel}_{i}_{k}.png"
        full = os.path.join(root, cat, p)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(png_1x1(b"in-root"))
        out.append(p)
    return out


def good(cat, rel, i, n=3, **kw):
    d = {"id": i, "original_question": f"Q {cat} {rel} {i}", "relationship_type": rel,
         "revised_prompt": f"P {cat} {rel} {i}", "image_descriptions": ["d"] * n,
         "image_keywords": ["k"] * n, "images": imgs(cat, rel, i, n), "iteration": 1}
    d.update(kw)
    return d


write("Violence/Analogy_final.json", [good("Violence", "Analogy", 0), good("Violence", "Analogy", 1, n=1),
                                      good("Violence", "Analogy", 2, n=5), good("Violence", "Analogy", 3, n=6)])
odd = good("Violence", "Causality", 4)
del odd["id"]
write("Violence/Causality_final.json", [odd, good("Violence", "Causality", 5, id=5.5),
                                        good("Violence", "Causality", 6, iteration="two"),
                                        good("Violence", "Causality", 7, image_keywords=[1, 2, 3])])
write("Privacy/Relevance_final.json", good("Privacy", "Relevance", 8))            # a single object
write("Privacy/Irony_final.json", [good("Privacy", "Irony", 9), good("Privacy", "Irony", 10)])
write("Privacy/Pun_final_v2_final.json", [good("Privacy", "Pun_v2", 11)])           # "_final" inside the stem
write("Scams/Analogy_final.json", [good("Scams", "Analogy", 12), good("Scams", "Analogy", 13)])
bare = good("Privacy", "Decomposition", 14)
del bare["revised_prompt"], bare["original_question"]
write("Privacy/Decomposition_final.json", [bare])
empty_path = good("Harassment", "Analogy", 15)
empty_path["images"][1] = ""                                                     # eval.py: base_dir + "" (a folder)
write("Harassment/Analogy_final.json", [empty_path])
# Image paths out of the dataset root: eval.py's os.path.join follows an
# absolute path (the path itself), a ".." component, and a symlinked folder.
outside = os.path.join(WORK, "elsewhere")
os.makedirs(os.path.join(outside, "imgs"))
with open(os.path.join(outside, "abs.png"), "wb") as f:
    f.write(png_1x1(b"OUTSIDE-ABSOLUTE"))
with open(os.path.join(outside, "dotdot.png"), "wb") as f:
    f.write(png_1x1(b"OUTSIDE-DOTDOT"))
with open(os.path.join(outside, "imgs", "linked.png"), "wb") as f:
    f.write(png_1x1(b"OUTSIDE-LINKED"))
absolute = good("Self-Harm", "Analogy", 16)
absolute["images"][0] = os.path.join(outside, "abs.png")
dotdot = good("Self-Harm", "Analogy", 17)
dotdot["images"][2] = "../../elsewhere/dotdot.png"
os.makedirs(os.path.join(root, "Self-Harm"), exist_ok=True)
os.symlink(os.path.join(outside, "imgs"), os.path.join(root, "Self-Harm", "linked"))
linked = good("Self-Harm", "Analogy", 18)
linked["images"][1] = "linked/linked.png"
write("Self-Harm/Analogy_final.json", [absolute, dotdot, linked])

tasks = official_tasks(root)


def run(*args, expect=0):
    p = subprocess.run([EXE, *args], capture_output=True)
    check(p.returncode == expect, f"{args[0]} {args[2:] if len(args) > 2 else ''}: exit {p.returncode}, "
          f"want {expect}: {p.stderr.decode()[:400]}")
    return p


# Every item eval.py evaluates gets exactly one prompt line, with its text and images.
p = run("prompts", root, "--format", "qwen2-vl", "--failed", os.path.join(WORK, "failed.jsonl"))
lines = [json.loads(x) for x in p.stdout.decode("utf-8").splitlines()]
check(len(lines) == len(tasks), f"{len(lines)} prompt lines for the {len(tasks)} items eval.py evaluates")
got = {}
for o in lines:
    cat, rel = o["key"].split("/")[:2]
    got.setdefault((cat, rel), []).append(o)
for t in tasks:
    cands = [o for o in got.get((t["category"], t["method"]), [])
             if [os.path.normpath(x) for x in o["images"]] == [os.path.normpath(x) for x in t["images"]]
             and o["text"].endswith(t["prompt"] + "<|im_end|>\n<|im_start|>assistant\n")]
    check(len(cands) == 1, f"{t['category']}/{t['method']} item {t['item_index']}: one line with its prompt and images")

# validate: one note per oddity, exit 0; --strict refuses them; info counts them.
p = run("validate", root, "--json")
v = json.loads(p.stdout)
notes = v["notes"]
check(v["ok"] is True and v["problems"] == [], f"validate: no problems {v['problems']}")
# folder Scams, files Irony and Pun_v2; items: 1/5/6 images, no id, float id, iteration, keywords,
# and the item without prompt fields (two missing fields), the empty image path,
# the absolute path, the ".." path, the symlink out of the root.
check(len(notes) == 3 + 3 + 4 + 2 + 1 + 3, f"validate: one note per oddity ({len(notes)}): {[n['message'] for n in notes]}")
p = run("info", root, "--json")
info = json.loads(p.stdout)
check(info["oddities"] == len(notes) and info["items"] == len(tasks), f"info counts: {info['oddities']}, {info['items']}")
run("validate", root, "--strict", expect=1)
for what in ("is absolute", "leaves the dataset root", "resolves outside the dataset root"):
    check(sum(what in n["message"] for n in notes) == 1, f"validate: one note says {what!r}")
# Request formats read those images where eval.py's worker opens them.
p = run("prompts", root, "--format", "openai", "--model", "m", "--key", "Self-Harm/Analogy/16",
        "--key", "Self-Harm/Analogy/17", "--key", "Self-Harm/Analogy/18")
sent = b"".join(base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
                for line in p.stdout.decode("utf-8").splitlines()
                for msg in json.loads(line)["messages"] if isinstance(msg["content"], list)
                for part in msg["content"] if part.get("type") == "image_url")
for tag in (b"OUTSIDE-ABSOLUTE", b"OUTSIDE-DOTDOT", b"OUTSIDE-LINKED"):
    check(tag in sent, f"the request embeds the image eval.py opens ({tag.decode()})")
# prompts and judge-prompts: accepted by default (checked above and below), refused with --strict.
run("prompts", root, "--format", "qwen2-vl", "--strict", expect=3)

# Official inference results (results/infer/<model>/<Category>/<method>.json,
# eval.py writer_process: a list with item_index) match every item by position,
# unknown categories and relations included.
infer = os.path.join(WORK, "infer", "m")
by_file = {}
for t in tasks:
    by_file.setdefault((t["category"], t["method"]), []).append(
        {"original_question": t["question"], "revised_prompt": t["prompt"], "answer": f"A{t['item_index']}",
         "item_index": t["item_index"], "inference_status": "success"})
for (cat, method), items in by_file.items():
    os.makedirs(os.path.join(infer, cat), exist_ok=True)
    with open(os.path.join(infer, cat, method + ".json"), "w", encoding="utf-8") as f:
        json.dump(items, f, ensure_ascii=False)
p = run("judge-prompts", "--dataset", root, "--responses", infer)
reqs = p.stdout.decode("utf-8").splitlines()
check(len(reqs) == len(tasks), f"judge requests from official results: {len(reqs)} of {len(tasks)}: "
      f"{p.stderr.decode()[:300]}")
run("judge-prompts", "--dataset", root, "--responses", infer, "--strict", expect=3)

# Reports: verdicts through score and report --format mir, against statics.py
# over the results/harmbench tree eval.py would write for the same verdicts.
resp, outs = os.path.join(WORK, "responses.jsonl"), os.path.join(WORK, "judge.jsonl")
harm = os.path.join(WORK, "harmbench", "m")
trees = {}
with open(resp, "w") as r, open(outs, "w") as j:
    for n, o in enumerate(lines):
        unsafe = n % 3 == 0
        r.write(json.dumps({"key": o["key"], "response": "answer"}) + "\n")
        j.write(json.dumps({"key": o["key"], "output": "Yes" if unsafe else "No"}) + "\n")
        cat, rel = o["key"].split("/")[:2]
        trees.setdefault((cat, rel), []).append({"question": "q", "answer": "answer",
                                                 "label": "unsafe" if unsafe else "safe"})
for (cat, rel), items in trees.items():
    os.makedirs(os.path.join(harm, cat), exist_ok=True)
    with open(os.path.join(harm, cat, rel + ".json"), "w") as f:
        json.dump({"ASR": 0, "judge_result": items}, f)
store = os.path.join(WORK, "store.jsonl")
run("score", "--dataset", root, "--responses", resp, "--judge-outputs", outs, "--store", store, "--model", "m")
mir = run("report", "--format", "mir", store).stdout.decode("utf-8")
want = statics_ref.block(statics_ref.collect(harm))
check(mir == want, f"report --format mir equals statics.py\n--- statics.py\n{want}\n--- report\n{mir}")
check("Irony.json" in mir and "Pun_v2.json" in mir, "unknown relations are their own rows")

# The other breakdowns name unknown categories and relations too, each its
# own row, with the counts statics.py gives when run on the files of that row:
# a relation's row is its file name pooled over every category folder (the
# mir block's row), a category's row is statics.py over that category's
# folder alone, a matrix cell is the one file. The same from the store and
# from the official results folder.
want_rel = {name[:-5]: tuple(v) for name, v in statics_ref.collect(harm).items()}
want_cat, want_cell = {}, {}
for cat in os.listdir(harm):
    one = os.path.join(WORK, "one-category", cat)
    shutil.rmtree(os.path.dirname(one), ignore_errors=True)
    shutil.copytree(os.path.join(harm, cat), os.path.join(one, cat))
    rows = statics_ref.collect(one)
    want_cat[cat] = (sum(v[0] for v in rows.values()), sum(v[1] for v in rows.values()))
    for name, v in rows.items():
        want_cell[(cat, name[:-5])] = tuple(v)
check(any(c not in ("Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy")
          for c in want_cat), "the dataset has an unknown category")
for src in (store, harm):
    rep = json.loads(run("report", "--format", "json", "--by", "relation,category,matrix", src).stdout)
    if isinstance(rep, list):
        rep = rep[0]
    got_rel = {x["relation"]: (x["total"], x["unsafe"]) for x in rep["by_relation"] if x["total"]}
    check(got_rel == want_rel, f"{src}: by_relation rows {got_rel} vs statics.py {want_rel}")
    got_cat = {x["category"]: (x["total"], x["unsafe"]) for x in rep["by_category"] if x["total"]}
    check(got_cat == want_cat, f"{src}: by_category rows {got_cat} vs statics.py per folder {want_cat}")
    got_cell = {(x["category"], x["relation"]): (x["total"], x["unsafe"]) for x in rep["by_matrix"] if x["total"]}
    check(got_cell == want_cell, f"{src}: by_matrix cells {got_cell} vs statics.py per file {want_cell}")
    csv = run("report", "--format", "csv", "--by", "category", src).stdout.decode("utf-8")
    for cat in want_cat:
        check(f",category,{cat}," in csv, f"{src}: the CSV report has the category row {cat}")
    table = run("report", "--by", "category,matrix", src).stdout.decode("utf-8")
    for name in list(want_cat) + list(want_rel):
        check(name in table, f"{src}: the table report names {name!r}")

print(f"check_official_items: {checks} checks, {failures} failures")
sys.exit(1 if failures else 0)
