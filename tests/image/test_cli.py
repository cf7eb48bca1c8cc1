#!/usr/bin/python3
"""`mirsafety image info` and `mirsafety image convert`: outputs, JSON keys,
exit codes, and converted files checked with PIL.
usage: test_cli.py MIRSAFETY DATA_DIR CORPUS_ROOT WORKDIR"""
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

exe, data, corpus, work = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
fails = 0


def run(*args):
    p = subprocess.run([exe, "image", *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(cond, msg):
    global fails
    if not cond:
        fails += 1
        print("FAIL:", msg)


rc, out, err = run("info", "--json", os.path.join(data, "jpeg_named.png"), os.path.join(data, "palette.png"))
check(rc == 0, f"info rc {rc} {err}")
objs = json.loads(out)
check(isinstance(objs, list) and len(objs) == 2, "one JSON array, an object per file")
check(objs[0]["format"] == "jpeg" and objs[0]["width"] == 64 and objs[0]["height"] == 48, objs[0])
check(objs[0]["channels"] == 3 and objs[0]["bit_depth"] == 8, objs[0])
check(objs[1]["format"] == "png", objs[1])
for k in ("format", "width", "height", "channels", "bit_depth"):
    check(k in objs[1], f"key {k}")
rc, out, err = run("info", os.path.join(data, "cmyk.jpg"))
check(rc == 0 and "jpeg 64x48, 4 channels" in out, out)
rc, out, err = run("info", "--json", "--checksum", os.path.join(data, "rgb.png"))
check(rc == 0 and len(json.loads(out)[0]["file_crc64"]) == 16, out)
# info reads headers only and applies no size limits: a bomb's claimed size is reported.
rc, out, err = run("info", "--json", os.path.join(corpus, "png", "huge_dims.png"))
check(rc == 0 and json.loads(out)[0]["width"] == 100000, f"info of a 100000x100000 header: {rc} {out}")
rc, out, err = run("info", os.path.join(corpus, "png", "truncated_idat.png"))
check(rc == 3 and "MIRS_E_TRUNCATED" in err, err)
rc, out, err = run("info")
check(rc == 2, "missing FILE is a usage error")
rc, out, err = run("info", "--help")
check(rc == 0 and "--json" in out, "info --help")
rc, out, err = run("convert", "--help")
check(rc == 0 and "--quality" in out, "convert --help")

src = os.path.join(data, "progressive.jpg")
ref = np.asarray(Image.open(src).convert("RGB"))
dst = os.path.join(work, "out.png")
rc, out, err = run("convert", src, dst, "--json")
check(rc == 0, err)
check(json.loads(out)["format"] == "png", out)
check(np.array_equal(np.asarray(Image.open(dst).convert("RGB")), ref), "convert to PNG keeps the decoded pixels")
dst = os.path.join(work, "out.jpg")
rc, out, err = run("convert", src, dst, "--quality", "95", "--subsampling", "444")
check(rc == 0 and Image.open(dst).format == "JPEG", err)
check(np.abs(np.asarray(Image.open(dst).convert("RGB")).astype(int) - ref).mean() < 4, "JPEG q95 close to source")
dst = os.path.join(work, "gray.png")
rc, out, err = run("convert", src, dst, "--layout", "gray", "--format", "png")
check(rc == 0 and Image.open(dst).mode == "L", err)
check(np.array_equal(np.asarray(Image.open(dst)), np.asarray(Image.open(src).convert("L"))), "gray = PIL convert('L')")
dst = os.path.join(work, "small.png")
rc, out, err = run("convert", src, dst, "--resize", "32x24", "--method", "bilinear")
check(rc == 0, err)
check(np.array_equal(np.asarray(Image.open(dst)), np.asarray(Image.open(src).convert("RGB").resize((32, 24), Image.BILINEAR))),
      "resize bilinear = PIL")
rc, out, err = run("convert", src, os.path.join(work, "x.png"), "--max-pixels", "100")
check(rc == 3 and "MIRS_E_LIMIT" in err, err)
rc, out, err = run("convert", src, os.path.join(work, "x.jpg"), "--layout", "rgba")
check(rc == 2, "rgba to JPEG is a usage error")
rc, out, err = run("convert", src, os.path.join(work, "x.png"), "--quality", "0")
check(rc == 2, "--quality 0")
rc, out, err = run("convert", src)
check(rc == 2, "missing OUT")
rc, out, err = run("frobnicate")
check(rc == 2, "unknown subcommand")
print(f"test_cli: {fails} failures")
sys.exit(1 if fails else 0)
