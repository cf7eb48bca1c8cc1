#!/usr/bin/python3
"""Image decoding benchmark: libmirsafety vs libpng/libjpeg-turbo called
directly vs PIL, all in one run on the same files, printed as ratios.

usage: bench_image.py BENCH_IMAGE_EXE [REPS]
(build with meson, then e.g.
 /usr/bin/python3 tests/image/bench_image.py build/tests/image/bench_image 40)

The 1024x1024 test images imitate the dataset's generated pictures: smooth
shading, edges and mild sensor-like noise; the PNG is written with zlib
level 1 and the JPEG at quality 90, 4:2:0 (PIL's defaults otherwise)."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

exe = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
work = tempfile.mkdtemp(prefix="mirs-bench-")
rng = np.random.default_rng(2024)
n = 1024
yy, xx = np.mgrid[0:n, 0:n].astype(np.float64) / n
img = np.zeros((n, n, 3))
for c in range(3):
    for _ in range(6):
        fx, fy, ph = rng.uniform(0.5, 6), rng.uniform(0.5, 6), rng.uniform(0, 6.3)
        img[:, :, c] += rng.uniform(10, 40) * np.sin(2 * np.pi * (fx * xx + fy * yy) + ph)
img += 128
for _ in range(40):  # flat shapes with hard edges
    x0, y0 = rng.integers(0, n - 200, 2)
    w, h = rng.integers(20, 200, 2)
    img[y0:y0 + h, x0:x0 + w] = rng.uniform(0, 255, 3)
img += rng.normal(0, 3, img.shape)
arr = np.clip(img, 0, 255).astype(np.uint8)
png = os.path.join(work, "bench.png")
jpg = os.path.join(work, "bench.jpg")
Image.fromarray(arr).save(png, compress_level=1)
Image.fromarray(arr).save(jpg, quality=90)


def pil_time(fn):
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def pil_png():
    Image.open(png).convert("RGB")


def pil_jpg():
    Image.open(jpg).convert("RGB")


def pil_jpg_draft():
    im = Image.open(jpg)
    im.draft("RGB", (448, 448))
    im.convert("RGB")


out = subprocess.run([exe, "time", png, jpg, str(reps)], capture_output=True, text=True, check=True).stdout
lib = {j["name"]: j["seconds"] for j in map(json.loads, out.splitlines())}
pil = {"png": pil_time(pil_png), "jpeg": pil_time(pil_jpg), "jpeg_draft": pil_time(pil_jpg_draft)}
mem = {}
for name, args in (("png", [png]), ("jpeg", [jpg]), ("jpeg_half", [jpg, "448", "448"])):
    mem[name] = json.loads(subprocess.run([exe, "mem", *args], capture_output=True, text=True, check=True).stdout)

ms = lambda s: f"{s * 1000:7.2f} ms"
print(f"files: PNG {os.path.getsize(png)} bytes (zlib level 1), JPEG {os.path.getsize(jpg)} bytes (q90 4:2:0), "
      f"{n}x{n}, median of {reps}")
print(f"PNG  libmirsafety (file)       {ms(lib['png_lib_file'])}")
print(f"PNG  libmirsafety (memory)     {ms(lib['png_lib_memory'])}")
print(f"PNG  libpng direct (memory)    {ms(lib['png_direct'])}   library/direct = {lib['png_lib_memory'] / lib['png_direct']:.3f}")
print(f"PNG  PIL open+convert('RGB')   {ms(pil['png'])}   PIL/library = {pil['png'] / lib['png_lib_file']:.2f}x")
print(f"JPEG libmirsafety (file)       {ms(lib['jpeg_lib_file'])}")
print(f"JPEG libmirsafety (memory)     {ms(lib['jpeg_lib_memory'])}")
print(f"JPEG libjpeg-turbo direct      {ms(lib['jpeg_direct'])}   library/direct = {lib['jpeg_lib_memory'] / lib['jpeg_direct']:.3f}")
print(f"JPEG PIL open+convert('RGB')   {ms(pil['jpeg'])}   PIL/library = {pil['jpeg'] / lib['jpeg_lib_file']:.2f}x")
print(f"JPEG libmirsafety fast IDCT    {ms(lib['jpeg_lib_file_fast'])}   PIL/library = {pil['jpeg'] / lib['jpeg_lib_file_fast']:.2f}x (not bit-exact)")
print(f"JPEG DCT-scaled 1/2 (>=448)    {ms(lib['jpeg_lib_file_scaled_half'])}   gain vs full = {lib['jpeg_lib_file'] / lib['jpeg_lib_file_scaled_half']:.2f}x;"
      f" PIL draft = {ms(pil['jpeg_draft'])}")
print(f"JPEG DCT-scaled 1/4 (>=224)    {ms(lib['jpeg_lib_file_scaled_quarter'])}   gain vs full = {lib['jpeg_lib_file'] / lib['jpeg_lib_file_scaled_quarter']:.2f}x")
for k, v in mem.items():
    print(f"peak memory (VmHWM growth) of one {k:9s} decode, file read included: {v['peak_growth'] / 2**20:6.2f} MiB (output {v['output'] / 2**20:.2f} MiB)")
