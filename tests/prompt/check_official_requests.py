#!/usr/bin/python3
"""Request files against the official MIR-SafetyBench adapters (issue #17, point 6).

The official functions are transcribed below, each with the file and function
it comes from (thu-coai/MIR-SafetyBench, MIT). A dataset with every PNG mode
(1/2/4/8/16-bit gray, gray+alpha 8/16, RGB 8/16, RGBA 8/16, palette with and
without tRNS, gray/RGB with tRNS, a 16-bit gray Adam7 file), an empty
revised_prompt and missing images goes through `mirsafety prompts`, and each
request or failed record is compared with what the transcriptions produce:

- openai / openai-batch / anthropic with --image-format png: the content
  parts (images, then the text only when it is not empty), the pixels of
  every image exactly equal to PIL's Image.open(f).convert("RGB") (what
  eval.py's worker hands to preprocess_image, which saves it as PNG), and an
  item with a missing image is a failed record whose answer is the official
  "[INFERENCE_FAILED: ...]" text, the other items going on.
- qwen2-vl: the images listed are the adapter's valid_paths; glm-4.1v: a
  missing image fails the item with load_image's message.
- --profile: the request body carries the adapter's SamplingParams and pixel
  bounds. Exact equality everywhere (no tolerance: these are bytes, strings
  and 8-bit pixels).

usage: check_official_requests.py MIRSAFETY WORKDIR
"""
import base64
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
from PIL import Image

EXE, WORK = sys.argv[1], sys.argv[2]
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


# ---- transcriptions of the official code ----

# eval.py, dynamic_worker: the images handed to a model that accepts
# preprocessed data (close_source_model: ACCEPTS_PREPROCESSED_DATA = True).
def eval_worker_images(img_paths):
    preprocessed_imgs = []
    for img_path in img_paths:
        if img_path and os.path.exists(img_path):
            try:
                img = Image.open(img_path).convert("RGB")
                preprocessed_imgs.append(img)  # preprocess_image(img): img saved as PNG, same pixels
            except Exception:
                preprocessed_imgs.append(None)
        else:
            preprocessed_imgs.append(None)
    return preprocessed_imgs


# models/close_source_model.py, _single_infer: the content parts (before the request).
def close_source_content(prompt, image_datas):
    content_parts = []
    for base64_image in image_datas:
        if base64_image is None:
            return {"error": "图片加载失败或未找到"}
        content_parts.append({"type": "image_url", "image": base64_image})
    if prompt:
        content_parts.append({"type": "text", "text": prompt})
    if not content_parts:
        return {"error": "content_parts为空，输入无效"}
    return content_parts


# eval.py, dynamic_worker: an error result becomes the answer text.
def failed_answer(error):
    return f"[INFERENCE_FAILED: {str(error)[:200]}]"


# models/qwen2_5_VL_3B.py, infer: the images sent (missing paths are dropped).
def qwen_valid_paths(img_paths):
    return [path for path in img_paths if path and os.path.exists(path)]


# models/GLM-4.1V-9B-Thinking.py, load_image (local files): a missing file raises.
def glm_load_image(image_source):
    if os.path.exists(image_source):
        return Image.open(image_source).convert("RGB")
    raise FileNotFoundError(f"Image not found at {image_source}")


# models/qwen2_5_VL_3B.py, infer: SamplingParams and the per-image pixel bounds;
# models/GLM-4.1V-9B-Thinking.py, infer: SamplingParams.
QWEN_SAMPLING = dict(temperature=0.0, top_p=0.001, repetition_penalty=1.05, max_tokens=4096)
QWEN_PIXELS = {"min_pixels": 224 * 224, "max_pixels": 1280 * 28 * 28}
GLM_SAMPLING = dict(temperature=0.8, max_tokens=8192, top_p=0.9)

# ---- PNG files of every mode (our own writer: PIL cannot write 2-bit gray,
# 16-bit RGB or Adam7) ----

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def pack_rows(a, bd):
    rows = []
    for r in a:
        if bd == 16:
            rows.append(b"".join(struct.pack(">H", int(v)) for v in r))
        elif bd == 8:
            rows.append(bytes(int(v) for v in r))
        else:
            per = 8 // bd
            out = bytearray()
            for i in range(0, len(r), per):
                b = 0
                for k in range(per):
                    v = int(r[i + k]) if i + k < len(r) else 0
                    b |= v << (8 - bd * (k + 1))
                out.append(b)
            rows.append(bytes(out))
    return rows


def write_png(path, arr, ct, bd, interlace=False, plte=None, trns=None):
    h, w, spp = arr.shape
    raw = b""
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        sub = arr[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        raw += b"".join(b"\x00" + r for r in pack_rows(sub.reshape(sub.shape[0], -1), bd))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bd, ct, 0, 0, int(interlace)))
    if plte is not None:
        data += chunk(b"PLTE", bytes(plte))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


rng = np.random.default_rng(17)


def rnd(h, w, spp, bd, lo=0):
    return rng.integers(lo, 1 << bd, size=(h, w, spp))


def gray16_mixed(h, w):
    # Values around the 255 clip PIL applies to mode "I", and large ones.
    a = rng.integers(0, 1 << 16, size=(h, w, 1))
    a[::2] = rng.integers(0, 300, size=a[::2].shape)
    return a


if os.path.exists(WORK):
    shutil.rmtree(WORK)
os.makedirs(os.path.join(WORK, "img"))
modes = []


def add(name, arr, ct, bd, **kw):
    write_png(os.path.join(WORK, "img", name + ".png"), arr, ct, bd, **kw)
    modes.append("img/" + name + ".png")


H, W = 9, 11
add("gray1", rnd(H, W, 1, 1), 0, 1)
add("gray2", rnd(H, W, 1, 2), 0, 2)
add("gray4", rnd(H, W, 1, 4), 0, 4)
add("gray8", rnd(H, W, 1, 8), 0, 8)
add("gray16", gray16_mixed(H, W), 0, 16)
add("gray16_adam7", gray16_mixed(H, W), 0, 16, interlace=True)
add("gray16_trns", gray16_mixed(H, W), 0, 16, trns=struct.pack(">H", 40000))
add("gray8_trns", rnd(H, W, 1, 8), 0, 8, trns=struct.pack(">H", 7))
add("ga8", rnd(H, W, 2, 8), 4, 8)
add("ga16", rnd(H, W, 2, 16), 4, 16)
add("rgb8", rnd(H, W, 3, 8), 2, 8)
add("rgb16", rnd(H, W, 3, 16), 2, 16)
add("rgb16_trns", rnd(H, W, 3, 16), 2, 16, trns=struct.pack(">HHH", 1, 2, 3))
add("rgba8", rnd(H, W, 4, 8), 6, 8)
add("rgba16", rnd(H, W, 4, 16), 6, 16)
pal = [int(v) for v in rng.integers(0, 256, size=3 * 16)]
add("palette4", rnd(H, W, 1, 4), 3, 4, plte=pal)
add("palette8_trns", rng.integers(0, 16, size=(H, W, 1)), 3, 8, plte=pal, trns=bytes(range(0, 160, 20)))

items = []


def item(i, prompt, images):
    items.append({"id": i, "category": "Privacy", "relationship_type": "Analogy", "original_question": f"q{i}",
                  "revised_prompt": prompt, "images": images})


for k in range(0, len(modes), 2):
    item(len(items), f"prompt {k}", modes[k:k + 2] if k + 1 < len(modes) else [modes[k], modes[0]])
item(len(items), "", modes[:2])                          # empty revised_prompt: no text part
item(len(items), "with a missing image", [modes[0], "img/missing.png", modes[1]])
item(len(items), "", ["img/gone0.png", "img/gone1.png"])  # missing and empty
manifest = os.path.join(WORK, "items.jsonl")
with open(manifest, "w", encoding="utf-8") as f:
    for it in items:
        f.write(json.dumps(it, ensure_ascii=False) + "\n")
by_key = {f"Privacy/Analogy/{it['id']}": it for it in items}


def files_of(it):
    return [os.path.join(WORK, p) for p in it["images"]]


def run(*args, expect=0):
    p = subprocess.run([EXE, "prompts", manifest, *args], capture_output=True)
    check(p.returncode == expect, f"prompts {args}: exit {p.returncode}, want {expect}: {p.stderr.decode()[:300]}")
    return p


def request_images(parts, anthropic):
    out = []
    for part in parts:
        if anthropic:
            if part["type"] != "image":
                continue
            mime, b64 = part["source"]["media_type"], part["source"]["data"]
        else:
            if part["type"] != "image_url":
                continue
            head, _, b64 = part["image_url"]["url"].partition(",")
            mime = head[len("data:"):-len(";base64")]
        check(mime == "image/png", f"re-encoded as PNG ({mime})")
        out.append(Image.open(io.BytesIO(base64.b64decode(b64))))
    return out


def part_types(parts):
    return ["text" if p["type"] == "text" else "image" for p in parts]


for fmt in ("openai", "openai-batch", "anthropic"):
    failed_path = os.path.join(WORK, f"{fmt}.failed.jsonl")
    p = run("--format", fmt, "--model", "m", "--image-format", "png", "--failed", failed_path)
    got = {}
    for line in p.stdout.decode("utf-8").splitlines():
        o = json.loads(line)
        if fmt == "openai-batch":
            got[o["custom_id"]] = o["body"]
        else:
            # Requests carry no key: they come in dataset order, failed items left out.
            got[len(got)] = o
    failed = {}
    for line in open(failed_path, encoding="utf-8"):
        r = json.loads(line)
        failed[r["key"]] = r
    ok_keys = []
    for key, it in by_key.items():
        want = close_source_content(it["revised_prompt"], eval_worker_images(files_of(it)))
        if isinstance(want, dict):
            r = failed.get(key)
            check(r is not None, f"{fmt} {key}: a failed record")
            if r:
                check(r["response"] == failed_answer(want["error"]), f"{fmt} {key}: answer {r['response']!r}")
                check(r["status"] == "failed" and r["error"], f"{fmt} {key}: status and reason")
            continue
        check(key not in failed, f"{fmt} {key}: not failed")
        ok_keys.append(key)
    check(len(failed) == len(by_key) - len(ok_keys), f"{fmt}: failed records {sorted(failed)}")
    for n, key in enumerate(ok_keys):
        body = got.get(key if fmt == "openai-batch" else n)
        check(body is not None, f"{fmt} {key}: a request")
        if body is None:
            continue
        it = by_key[key]
        want = close_source_content(it["revised_prompt"], eval_worker_images(files_of(it)))
        parts = body["messages"][-1]["content"]
        check(part_types(parts) == ["text" if w["type"] == "text" else "image" for w in want],
              f"{fmt} {key}: content parts {part_types(parts)}")
        texts = [x["text"] for x in parts if x["type"] == "text"]
        check(texts == [w["text"] for w in want if w["type"] == "text"], f"{fmt} {key}: text")
        imgs = request_images(parts, fmt == "anthropic")
        wimgs = [w["image"] for w in want if w["type"] == "image_url"]
        for k, (a, b) in enumerate(zip(imgs, wimgs)):
            same = a.mode == "RGB" and a.size == b.size and a.tobytes() == b.tobytes()
            check(same, f"{fmt} {key} image {k} ({it['images'][k]}): pixels equal PIL convert('RGB')")
    check(len(got) == len(ok_keys), f"{fmt}: {len(got)} requests for {len(ok_keys)} items")

# The failed records join a batch output file (each line read by its own form):
# every item reaches the judge, the failed ones with the official failure text
# (eval.py keeps them in the denominator and judges them).
combined = os.path.join(WORK, "combined.jsonl")
with open(combined, "w", encoding="utf-8") as f:
    p = run("--format", "openai-batch", "--model", "m", "--failed", os.path.join(WORK, "batch.failed.jsonl"))
    for line in p.stdout.decode("utf-8").splitlines():
        key = json.loads(line)["custom_id"]
        f.write(json.dumps({"custom_id": key, "response": {"status_code": 200, "body": {
            "choices": [{"message": {"content": "fine"}, "finish_reason": "stop"}]}}}) + "\n")
    f.write(open(os.path.join(WORK, "batch.failed.jsonl"), encoding="utf-8").read())
p = subprocess.run([EXE, "judge-prompts", "--dataset", manifest, "--responses", combined], capture_output=True)
check(p.returncode == 0, f"judge-prompts over batch output + failed records: {p.stderr.decode()[:300]}")
judged = {json.loads(x)["custom_id"]: json.loads(x) for x in p.stdout.decode("utf-8").splitlines()}
check(set(judged) == set(by_key), f"every item is judged: {sorted(set(by_key) - set(judged))}")
for key, it in by_key.items():
    want = close_source_content(it["revised_prompt"], eval_worker_images(files_of(it)))
    if isinstance(want, dict) and key in judged:
        check(failed_answer(want["error"]) in judged[key]["body"]["prompt"], f"{key}: the judge sees the failure text")

# Text formats: qwen2-vl lists the adapter's valid paths; glm-4.1v fails the item.
p = run("--format", "qwen2-vl", "--failed", os.path.join(WORK, "qwen.failed.jsonl"))
lines = [json.loads(x) for x in p.stdout.decode("utf-8").splitlines()]
check(len(lines) == len(items), "qwen2-vl: every item has a line")
for o in lines:
    want = qwen_valid_paths(files_of(by_key[o["key"]]))
    check([os.path.normpath(x) for x in o["images"]] == [os.path.normpath(x) for x in want],
          f"qwen2-vl {o['key']}: images {o['images']}")
    check(o["text"].count("<|image_pad|>") == len(want), f"qwen2-vl {o['key']}: one image token per image sent")
check(os.path.getsize(os.path.join(WORK, "qwen.failed.jsonl")) == 0, "qwen2-vl: no failed item")

glm_failed = os.path.join(WORK, "glm.failed.jsonl")
p = run("--format", "glm-4.1v", "--failed", glm_failed)
glm_lines = {json.loads(x)["key"] for x in p.stdout.decode("utf-8").splitlines()}
glm_rec = {json.loads(x)["key"]: json.loads(x) for x in open(glm_failed, encoding="utf-8")}
for key, it in by_key.items():
    err = None
    for f in files_of(it):
        try:
            glm_load_image(f)
        except FileNotFoundError as e:
            err = e
            break
    if err is None:
        check(key in glm_lines and key not in glm_rec, f"glm-4.1v {key}: a line")
    else:
        # The official text is str(e) + "\n" + a traceback, cut at 200; the
        # traceback has no counterpart here, so the message part is compared.
        r = glm_rec.get(key)
        check(r is not None and key not in glm_lines, f"glm-4.1v {key}: failed")
        if r:
            want = failed_answer(str(err))
            check(r["response"] == want, f"glm-4.1v {key}: {r['response']!r} != {want!r}")

# Profiles: the adapters' sampling settings in the vLLM request body.
for prof, sampling, pixels in (("qwen2.5-vl", QWEN_SAMPLING, QWEN_PIXELS), ("glm-4.1v-thinking", GLM_SAMPLING, None)):
    for fmt in ("openai", "openai-batch"):
        p = run("--format", fmt, "--model", "m", "--profile", prof, "--failed", os.path.join(WORK, "x.jsonl"))
        for line in p.stdout.decode("utf-8").splitlines():
            body = json.loads(line)
            body = body["body"] if fmt == "openai-batch" else body
            extra = {k: v for k, v in body.items() if k not in ("model", "messages")}
            want = dict(sampling)
            if pixels:
                want["mm_processor_kwargs"] = pixels
            check(extra == want, f"{prof} {fmt}: {extra} != {want}")
            check(all(type(extra[k]) is type(want[k]) or isinstance(want[k], float) for k in want),
                  f"{prof} {fmt}: JSON types")
    run("--format", "anthropic", "--model", "m", "--profile", prof, expect=2)
    run("--format", "qwen2-vl", "--profile", prof, expect=2)
# Explicit options win over the profile's values.
p = run("--format", "openai", "--model", "m", "--profile", "glm-4.1v-thinking", "--temperature", "0.5",
        "--max-tokens", "100", "--failed", os.path.join(WORK, "x.jsonl"))
body = json.loads(p.stdout.decode("utf-8").splitlines()[0])
check(body["temperature"] == 0.5 and body["max_tokens"] == 100 and body["top_p"] == 0.9, f"explicit options: {body}")

print(f"check_official_requests: {checks} checks, {failures} failures")
sys.exit(1 if failures else 0)
