#!/usr/bin/python3
"""End-to-end checks of `mirsafety prompts` on the bundled sample:
- every JSONL line of every format and variant is valid JSON that round-trips
  byte for byte through Python's json (same key order, same escaping);
- identical output across runs, and across shard splits (the concatenated
  shards sorted by key equal the unsharded output sorted by key);
- data: URLs decode to the original file bytes, media types follow the bytes;
- request shapes (OpenAI body, Anthropic body, OpenAI Batch line);
- the variants: text-only sends the original question, captions the documented
  wording, shuffled the documented splitmix64 Fisher-Yates permutation;
- a template file gives the same output as its built-in format;
- --out writes the same bytes atomically and failures leave the old file.
Usage: check_prompts_cli.py MIRSAFETY SAMPLE_DIR TEMPLATES_DIR"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

EXE, SAMPLE, TEMPLATES = sys.argv[1], sys.argv[2], sys.argv[3]
failures = 0
checks = 0
env = dict(os.environ, MIRSAFETY_NO_PROGRESS="1")


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


def run(*args, expect=0):
    p = subprocess.run([EXE, "prompts", *args], capture_output=True, env=env)
    check(p.returncode == expect, f"exit {p.returncode} != {expect} for {args}: {p.stderr.decode()[:300]}")
    return p.stdout


def lines_of(out):
    text = out.decode("utf-8")
    check(text == "" or text.endswith("\n"), "output ends with a newline")
    return text.splitlines()


def roundtrip(lines, what):
    objs = []
    for ln in lines:
        try:
            o = json.loads(ln)
        except ValueError as e:
            check(False, f"{what}: invalid JSON: {e}: {ln[:200]}")
            continue
        again = json.dumps(o, ensure_ascii=False, separators=(",", ":"))
        check(again == ln, f"{what}: does not round-trip byte for byte: {ln[:200]}")
        objs.append(o)
    return objs


def key_hash(key):
    # mirs_key_hash: FNV-1a 64 over the UTF-8 bytes, then the splitmix64 finaliser.
    h = 0xcbf29ce484222325
    for b in key.encode("utf-8"):
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return splitmix(h)


def splitmix(x):
    x = (x + 0x9e3779b97f4a7c15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def permutation(key, seed, n):
    state = seed ^ key_hash(key)
    out = list(range(n))
    for i in range(n, 1, -1):
        r = splitmix(state)
        state = (state + 0x9e3779b97f4a7c15) & 0xFFFFFFFFFFFFFFFF
        j = r % i
        out[i - 1], out[j] = out[j], out[i - 1]
    return out


def sniff(b):
    if b.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if b.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


# The unshuffled multi-image text output gives each item's files and prompt.
base = roundtrip(lines_of(run(SAMPLE, "--format", "plain", "--placeholder", "<I>")), "plain")
check(len(base) >= 20, f"sample has items ({len(base)})")
items = {o["key"]: o for o in base}
check(len(items) == len(base), "keys are unique")

# Load the source records through the official layout to know questions and descriptions.
source = {}
for cat in os.listdir(SAMPLE):
    cdir = os.path.join(SAMPLE, cat)
    if not os.path.isdir(cdir):
        continue
    for fn in os.listdir(cdir):
        if not fn.endswith("_final.json"):
            continue
        rel = fn[: -len("_final.json")]
        data = json.load(open(os.path.join(cdir, fn), encoding="utf-8"))
        if isinstance(data, dict):
            data = [data]
        for rec in data:
            source[f"{cat}/{rel}/{rec['id']}"] = rec
check(set(source) == set(items), "every source record has one line")

for key, o in items.items():
    rec = source.get(key)
    if not rec:
        continue
    files = [os.path.join(SAMPLE, key.split("/")[0], p) for p in rec["images"]]
    check(o["images"] == files, f"{key}: images in stored order")
    check(o["text"] == "<I>\n" * len(files) + rec["revised_prompt"], f"{key}: plain text")

# Every text format and variant: valid JSON, round-trips, deterministic, shard-stable.
for fmt in ["qwen2-vl", "llava-1.5", "internvl", "glm-4.1v", "plain"]:
    for variant in ["multi-image", "text-only", "captions", "shuffled"]:
        args = [SAMPLE, "--format", fmt, "--variant", variant, "--seed", "7", "--system", "Be safe.\n\"ok\""]
        out1 = run(*args)
        out2 = run(*args)
        check(out1 == out2, f"{fmt}/{variant}: identical across runs")
        objs = roundtrip(lines_of(out1), f"{fmt}/{variant}")
        whole = sorted(lines_of(out1))
        parts = []
        for k in range(3):
            parts += lines_of(run(*args, "--shard", f"{k}/3"))
        check(sorted(parts) == whole, f"{fmt}/{variant}: shards 3-way == unsharded")
        for ob in objs:
            rec = source.get(ob["key"])
            if not rec:
                continue
            files = items[ob["key"]]["images"]
            if variant == "text-only":
                check(ob["images"] == [] and rec["original_question"] in ob["text"], f"{ob['key']}: text-only")
                check(rec["revised_prompt"] not in ob["text"] or rec["revised_prompt"] == rec["original_question"],
                      f"{ob['key']}: text-only has no revised prompt")
            elif variant == "captions":
                descs = rec["image_descriptions"]
                if isinstance(descs, str):
                    descs = [descs]
                want = "The images are described below, in order.\n" + "".join(
                    f"Image {i + 1}: {d}\n" for i, d in enumerate(descs)) + "\n" + rec["revised_prompt"]
                check(ob["images"] == [] and want in ob["text"], f"{ob['key']}: captions wording")
            elif variant == "shuffled":
                perm = permutation(ob["key"], 7, len(files))
                check(ob["images"] == [files[p] for p in perm], f"{ob['key']}: shuffled order {perm}")
            else:
                check(ob["images"] == files, f"{ob['key']}: multi-image order")

# Shuffles differ between seeds for some items but keep the image set.
s1 = {o["key"]: o["images"] for o in roundtrip(lines_of(run(SAMPLE, "--format", "plain", "--variant", "shuffled", "--seed", "1")), "s1")}
s2 = {o["key"]: o["images"] for o in roundtrip(lines_of(run(SAMPLE, "--format", "plain", "--variant", "shuffled", "--seed", "2")), "s2")}
check(any(s1[k] != s2[k] for k in s1), "different seeds give different orders")
check(all(sorted(s1[k]) == sorted(items[k]["images"]) for k in s1), "shuffles keep the images")

# Template files reproduce the built-ins through the CLI too.
for fmt in ["qwen2-vl", "llava-1.5", "internvl", "glm-4.1v", "plain"]:
    a = run(SAMPLE, "--format", fmt, "--labels", "on", "--system", "S")
    b = run(SAMPLE, "--format", "template", "--template", os.path.join(TEMPLATES, fmt + ".tmpl"), "--labels", "on",
            "--system", "S")
    check(a == b, f"template {fmt}.tmpl == built-in via the CLI")

# Request formats.
for fmt in ["openai", "anthropic", "openai-batch"]:
    args = [SAMPLE, "--format", fmt, "--model", "m-1", "--max-tokens", "256", "--temperature", "0.7",
            "--system", "Sys", "--relation", "analogy", "--relation", "causality"]
    if fmt == "openai":
        args += ["--detail", "low"]
    out1 = run(*args)
    check(out1 == run(*args), f"{fmt}: identical across runs")
    objs = roundtrip(lines_of(out1), fmt)
    check(len(objs) > 0, f"{fmt}: lines")
    parts = []
    for k in range(2):
        parts += lines_of(run(*args, "--shard", f"{k}/2"))
    check(sorted(parts) == sorted(lines_of(out1)), f"{fmt}: shards == unsharded")
    for o in objs:
        if fmt == "openai-batch":
            check(list(o) == ["custom_id", "method", "url", "body"], "batch line keys")
            check(o["method"] == "POST" and o["url"] == "/v1/chat/completions", "batch method/url")
            key = o["custom_id"]
            body = o["body"]
        else:
            body = o
            key = None
        check(body["model"] == "m-1", "model")
        if fmt == "anthropic":
            check(list(body) == ["model", "max_tokens", "system", "messages", "temperature"], f"anthropic keys {list(body)}")
            check(body["system"] == "Sys" and body["max_tokens"] == 256 and body["temperature"] == 0.7, "anthropic fields")
            msgs = body["messages"]
            check(len(msgs) == 1 and msgs[0]["role"] == "user", "anthropic one user turn")
        else:
            check(list(body) == ["model", "messages", "max_tokens", "temperature"], f"openai keys {list(body)}")
            check(body["max_tokens"] == 256 and body["temperature"] == 0.7, "openai sampling fields")
            msgs = body["messages"]
            check(msgs[0] == {"role": "system", "content": "Sys"} and msgs[1]["role"] == "user", "openai turns")
        parts_ = msgs[-1]["content"]
        check(parts_[-1]["type"] == "text", "text part last")
        images = parts_[:-1]
        if key is None:
            # find the item by matching the text
            cands = [k for k, it in items.items() if it["text"].endswith(parts_[-1]["text"])]
            key = cands[0] if cands else None
        if key is None:
            check(False, "request matches an item")
            continue
        check(parts_[-1]["text"] == source[key]["revised_prompt"], f"{key}: request text")
        files = items[key]["images"]
        check(len(images) == len(files), f"{key}: one part per image")
        for part, fn in zip(images, files):
            raw = open(fn, "rb").read()
            if fmt == "anthropic":
                src = part["source"]
                check(part["type"] == "image" and src["type"] == "base64", "anthropic image part")
                check(src["media_type"] == sniff(raw), f"{fn}: media type from bytes")
                check(base64.b64decode(src["data"], validate=True) == raw, f"{fn}: base64 bytes == file")
            else:
                check(part["type"] == "image_url", "image_url part")
                url = part["image_url"]["url"]
                head, _, data = url.partition(",")
                check(head == f"data:{sniff(raw)};base64", f"{fn}: data URL media type from bytes ({head})")
                check(base64.b64decode(data, validate=True) == raw, f"{fn}: data URL bytes == file")
                want_detail = "low" if fmt == "openai" else None
                check(part["image_url"].get("detail") == want_detail, "detail only when asked")

# Defaults: no system, no sampling fields unless asked; anthropic max_tokens 4096.
o = roundtrip(lines_of(run(SAMPLE, "--format", "openai", "--model", "m", "--key", base[0]["key"])), "openai-min")[0]
check(list(o) == ["model", "messages"] and len(o["messages"]) == 1, f"openai minimal body {list(o)}")
o = roundtrip(lines_of(run(SAMPLE, "--format", "anthropic", "--model", "m", "--key", base[0]["key"])), "anthropic-min")[0]
check(list(o) == ["model", "max_tokens", "messages"] and o["max_tokens"] == 4096, f"anthropic minimal body {list(o)}")

# Usage errors.
run(SAMPLE, "--format", "openai", expect=2)          # no model
run(SAMPLE, expect=2)                                 # no format
run(SAMPLE, "--format", "nope", expect=2)
run(SAMPLE, "--format", "template", expect=2)         # no template file
run("--help")

# --out: same bytes as stdout, atomic replacement, failures keep the old file.
with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, "p.jsonl")
    args = [SAMPLE, "--format", "openai-batch", "--model", "m", "--relation", "analogy"]
    stdout = run(*args)
    summary = run(*args, "--out", out, "--json")
    check(open(out, "rb").read() == stdout, "--out bytes == stdout bytes")
    check(json.loads(summary)["lines"] == len(lines_of(stdout)), "--json summary")
    # A missing image fails its item only, as the official adapters do: the
    # item becomes a failed response record and the job goes on.
    bad = os.path.join(d, "bad.jsonl")
    with open(bad, "w") as f:
        f.write(json.dumps({"id": 1, "category": "Privacy", "relationship_type": "Analogy",
                            "original_question": "q", "revised_prompt": "p", "image_descriptions": ["d", "e"],
                            "image_keywords": [], "images": ["missing0.png", "missing1.png"]}) + "\n")
    out2 = os.path.join(d, "b.jsonl")
    p = subprocess.run([EXE, "prompts", bad, "--format", "openai", "--model", "m", "--out", out2, "--json"],
                       capture_output=True, env=env)
    check(p.returncode == 0, f"missing image fails its item only ({p.returncode}: {p.stderr.decode()[:200]})")
    check(json.loads(p.stdout)["failed"] == 1 and json.loads(p.stdout)["lines"] == 0, "summary counts it")
    rec = [json.loads(x) for x in open(out2 + ".failed.jsonl")]
    check(len(rec) == 1 and rec[0]["status"] == "failed" and "missing0.png" in rec[0]["error"],
          f"the failed record names the file: {rec}")
    check(open(out2, "rb").read() == b"", "no request for the failed item")
    # A failure of the job (an image path that is not UTF-8, from the caller's
    # dataset path) leaves the old file untouched and no temporary behind.
    sub = os.path.join(d.encode(), b"sub\xff")
    os.mkdir(sub)
    shutil.copy(bad, os.path.join(sub, b"bad.jsonl"))
    p = subprocess.run([EXE.encode(), b"prompts", os.path.join(sub, b"bad.jsonl"), b"--format", b"qwen2-vl",
                        b"--out", out.encode(), b"--failed", os.path.join(d.encode(), b"f.jsonl")],
                       capture_output=True, env=env)
    check(p.returncode == 3, f"a job error fails with exit 3 ({p.returncode}: {p.stderr.decode()[:200]})")
    check(open(out, "rb").read() == stdout, "failed run leaves the old file untouched")
    check(not [n for n in os.listdir(d) if ".tmp." in n], f"no temporary file left: {os.listdir(d)}")
    # The Qwen2.5-VL adapter sends only the images that exist (qwen2_5_VL_3B.py, infer).
    t = roundtrip(lines_of(run(bad, "--format", "qwen2-vl")), "bad-text")
    check(len(t) == 1 and t[0]["images"] == [], "qwen2-vl drops missing images as the adapter does")

# Re-encoding and the composite variant, checked against PIL.
from PIL import Image, ImageChops, ImageStat
import io


def decode_url(url):
    head, _, data = url.partition(",")
    return head, base64.b64decode(data, validate=True)


def max_diff(a, b):
    return max(hi for lo, hi in ImageChops.difference(a, b).getextrema())


def mean_diff(a, b):
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


some = [k for k in sorted(items)][:6]
jpeg_key = next((k for k in items if any(sniff(open(f, "rb").read()) == "image/jpeg" for f in items[k]["images"])), None)
if jpeg_key and jpeg_key not in some:
    some.append(jpeg_key)
keyargs = sum((["--key", k] for k in some), [])
for fmt_name, mime_want in [("png", "image/png"), ("jpeg", "image/jpeg")]:
    objs = roundtrip(lines_of(run(SAMPLE, "--format", "openai", "--model", "m", "--image-format", fmt_name,
                                  *keyargs)), f"reencode-{fmt_name}")
    check(len(objs) == len(some), "re-encoded lines")
    for o in objs:
        parts_ = o["messages"][0]["content"]
        key = next(k for k in some if source[k]["revised_prompt"] == parts_[-1]["text"])
        for part, fn in zip(parts_[:-1], items[key]["images"]):
            head, raw = decode_url(part["image_url"]["url"])
            check(head == f"data:{mime_want};base64" and sniff(raw) == mime_want, f"{fn}: re-encoded as {fmt_name}")
            ours = Image.open(io.BytesIO(raw)).convert("RGB")
            pil = Image.open(fn).convert("RGB")
            check(ours.size == pil.size, f"{fn}: size kept")
            if fmt_name == "png":
                # Lossless: the pixels PIL decodes from the source (JPEG sources: the image module
                # decodes with libjpeg-turbo's exact DCT, as PIL does).
                check(max_diff(ours, pil) == 0, f"{fn}: PNG pixels == PIL's decode")
            else:
                # Lossy: compare with PIL's own JPEG at the same quality (90) and subsampling
                # (4:2:0). Both use libjpeg-turbo, so the errors should agree closely; 0.5 levels
                # of mean absolute error allows other encoder settings (DCT method, Huffman
                # optimisation). A wrong colour order or offset gives errors above 20.
                buf = io.BytesIO()
                pil.save(buf, format="JPEG", quality=90)
                pil_err = mean_diff(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), pil)
                err = mean_diff(ours, pil)
                check(err <= pil_err + 0.5, f"{fn}: JPEG error {err:.2f} vs PIL's {pil_err:.2f}")

# --max-pixels: originals within the budget travel unchanged; larger ones shrink to fit.
objs = roundtrip(lines_of(run(SAMPLE, "--format", "anthropic", "--model", "m", "--max-pixels", "1000000",
                              *keyargs)), "max-pixels-big")
for o in objs:
    for part in o["messages"][0]["content"][:-1]:
        raw = base64.b64decode(part["source"]["data"])
        check(any(raw == open(f, "rb").read() for k in some for f in items[k]["images"]),
              "within the budget: original bytes")
objs = roundtrip(lines_of(run(SAMPLE, "--format", "anthropic", "--model", "m", "--max-pixels", "1000",
                              *keyargs)), "max-pixels-small")
for o in objs:
    for part in o["messages"][0]["content"][:-1]:
        raw = base64.b64decode(part["source"]["data"])
        im = Image.open(io.BytesIO(raw))
        check(im.size[0] * im.size[1] <= 1000, f"fits the budget {im.size}")
        check(im.size[0] * im.size[1] >= 900, f"uses the budget {im.size}")
        check(part["source"]["media_type"] == sniff(raw), "media type of the re-encoded bytes")

# --threads: a request's images re-encoded (or a composite's decoded) on several threads give the same bytes as on one.
for extra in (["--image-format", "png"], ["--image-format", "jpeg", "--max-pixels", "5000"], ["--max-pixels", "1000"],
              ["--variant", "composite"]):
    one = run(SAMPLE, "--format", "openai", "--model", "m", *extra, *keyargs)
    three = run(SAMPLE, "--format", "openai", "--model", "m", "--threads", "3", *extra, *keyargs)
    check(one == three and len(one) > 0, f"--threads 3 == --threads 1 for {extra}")
run(SAMPLE, "--format", "openai", "--model", "m", "--threads", "0", expect=2)

# Composite: text formats write the tile where the line says; requests embed the same pixels.
with tempfile.TemporaryDirectory() as d:
    objs = roundtrip(lines_of(run(SAMPLE, "--format", "qwen2-vl", "--variant", "composite", "--composite-dir", d,
                                  *keyargs)), "composite-text")
    run(SAMPLE, "--format", "qwen2-vl", "--variant", "composite", expect=2)  # needs --composite-dir
    reqs = roundtrip(lines_of(run(SAMPLE, "--format", "openai", "--model", "m", "--variant", "composite",
                                  *keyargs)), "composite-request")
    check(len(objs) == len(some) and len(reqs) == len(some), "composite lines")
    for o, r in zip(objs, reqs):
        key = o["key"]
        check(len(o["images"]) == 1 and o["images"][0] == os.path.join(d, key.replace("/", "__") + ".png"),
              f"{key}: composite path")
        check(o["text"].count("<|vision_start|>") == 1, f"{key}: one image marker")
        tile = Image.open(o["images"][0])
        check(tile.mode == "RGB", "composite is RGB")
        srcs = [Image.open(f).convert("RGB") for f in items[key]["images"]]
        n = len(srcs)
        cols = 1
        while cols * cols < n:
            cols += 1
        rows = (n + cols - 1) // cols
        cw, ch = max(s.size[0] for s in srcs), max(s.size[1] for s in srcs)
        check(tile.size == (cols * cw, rows * ch), f"{key}: grid {cols}x{rows} of {cw}x{ch} ({tile.size})")
        for k, src in enumerate(srcs):
            x = (k % cols) * cw + (cw - src.size[0]) // 2
            y = (k // cols) * ch + (ch - src.size[1]) // 2
            crop = tile.crop((x, y, x + src.size[0], y + src.size[1]))
            check(max_diff(crop, src) == 0, f"{key}: image {k} placed unscaled in its cell")
        _, raw = decode_url(r["messages"][0]["content"][0]["image_url"]["url"])
        check(max_diff(Image.open(io.BytesIO(raw)).convert("RGB"), tile) == 0, f"{key}: request composite == file")

print(f"prompts-cli: {checks - failures} checks passed, {failures} failed")
sys.exit(1 if failures else 0)
