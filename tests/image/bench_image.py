#!/usr/bin/python3
"""Image decoding benchmark: libmirsafety vs libpng/libjpeg-turbo called
directly vs PIL, all in one run on the same files, printed as ratios.

usage: bench_image.py BENCH_IMAGE_EXE [REPS [LIBMIRSAFETY_SO]]
(build with meson, then e.g.
 /usr/bin/python3 tests/image/bench_image.py build/tests/image/bench_image 40)

The 1024x1024 test images imitate the dataset's generated pictures: smooth
shading, edges and mild sensor-like noise; the PNG is written with zlib
level 1 and the JPEG at quality 90, 4:2:0 (PIL's defaults otherwise)."""
import ctypes
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
libpath = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(os.path.abspath(exe)), "..", "..", "lib",
                                                             "libmirsafety.so")
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


class DecodeOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("layout", ctypes.c_int32), ("jpeg_warnings", ctypes.c_int32),
                ("jpeg_dct", ctypes.c_int32), ("max_width", ctypes.c_uint32), ("max_height", ctypes.c_uint32),
                ("max_pixels", ctypes.c_uint64), ("max_input_bytes", ctypes.c_uint64),
                ("max_png_chunk_bytes", ctypes.c_uint32), ("max_png_chunks", ctypes.c_uint32),
                ("max_jpeg_scans", ctypes.c_uint32), ("max_jpeg_warnings", ctypes.c_uint32),
                ("target_width", ctypes.c_uint32), ("target_height", ctypes.c_uint32),
                ("png_libpng_only", ctypes.c_int32), ("threads", ctypes.c_uint32)]


lib = ctypes.CDLL(libpath)
lib.mirs_image_decode_file.argtypes = [ctypes.c_char_p, ctypes.POINTER(DecodeOptions), ctypes.POINTER(ctypes.c_void_p)]
lib.mirs_image_free.argtypes = [ctypes.c_void_p]
opts = DecodeOptions()
lib.mirs_image_decode_options_init(ctypes.byref(opts), ctypes.c_size_t(ctypes.sizeof(opts)))
half = DecodeOptions()
lib.mirs_image_decode_options_init(ctypes.byref(half), ctypes.c_size_t(ctypes.sizeof(half)))
half.target_width = half.target_height = 448
one = DecodeOptions()  # threads = 1: the calling thread only
lib.mirs_image_decode_options_init(ctypes.byref(one), ctypes.c_size_t(ctypes.sizeof(one)))
one.threads = 1


def lib_decode(path, o=opts):
    def fn():
        h = ctypes.c_void_p()
        if lib.mirs_image_decode_file(path.encode(), ctypes.byref(o), ctypes.byref(h)) != 0:
            raise RuntimeError("decode failed")
        lib.mirs_image_free(h)
    return fn


def pil_png():
    Image.open(png).convert("RGB")


def pil_jpg():
    Image.open(jpg).convert("RGB")


def pil_jpg_draft():
    im = Image.open(jpg)
    im.draft("RGB", (448, 448))
    im.convert("RGB")


# PIL and the library in the same process, interleaved round by round (via
# ctypes: a few microseconds of call overhead), so machine load hits both alike.
variants = {"lib_png": lib_decode(png), "pil_png": pil_png, "lib_jpeg": lib_decode(jpg), "pil_jpeg": pil_jpg,
            "lib_jpeg_1thread": lib_decode(jpg, one), "lib_jpeg_half": lib_decode(jpg, half),
            "pil_jpeg_draft": pil_jpg_draft}
times = {k: [] for k in variants}
for fn in variants.values():
    fn()
for _ in range(reps):
    for k, fn in variants.items():
        t = time.perf_counter()
        fn()
        times[k].append(time.perf_counter() - t)
med = {k: statistics.median(v) for k, v in times.items()}
best = {k: min(v) for k, v in times.items()}

out = subprocess.run([exe, "time", png, jpg, str(reps)], capture_output=True, text=True, check=True).stdout
c = {j["name"]: j for j in map(json.loads, out.splitlines())}
mem = {}
for name, args in (("png", [png]), ("jpeg", [jpg]), ("jpeg 1 thr", [jpg, "0", "0", "1"]),
                   ("jpeg 1/2", [jpg, "448", "448"])):
    mem[name] = json.loads(subprocess.run([exe, "mem", *args], capture_output=True, text=True, check=True).stdout)

ms = lambda s: f"{s * 1000:6.2f} ms"
print(f"files: PNG {os.path.getsize(png)} bytes (zlib level 1), JPEG {os.path.getsize(jpg)} bytes (q90 4:2:0), "
      f"{n}x{n}; median (min) of {reps} interleaved rounds")
print(f"-- vs PIL (same process, ctypes), decode from the file; PIL uses one thread; the library's default "
      f"(threads = 0, auto) decoded this JPEG on {mem['jpeg']['threads']} thread(s), {os.cpu_count()} CPUs:")
for lk, pk, label in (("lib_png", "pil_png", "PNG"), ("lib_jpeg", "pil_jpeg", "JPEG (default: auto threads)"),
                      ("lib_jpeg_1thread", "pil_jpeg", "JPEG, one thread (threads = 1)"),
                      ("lib_jpeg_half", "pil_jpeg_draft", "JPEG scaled to >= 448 (PIL: draft)")):
    print(f"{label:36s} library {ms(med[lk])} ({ms(best[lk])})  PIL {ms(med[pk])} ({ms(best[pk])})  "
          f"PIL/library = {med[pk] / med[lk]:.2f}x ({best[pk] / best[lk]:.2f}x)")
print("-- vs libpng / libjpeg-turbo called directly (C, from memory):")


def ratio(a, b, label):
    print(f"{label:36s} {ms(c[a]['median'])} vs {ms(c[b]['median'])}  ratio {c[a]['median'] / c[b]['median']:.3f} "
          f"(min {c[a]['min'] / c[b]['min']:.3f})")


ratio("png_lib_memory", "png_direct", "PNG library / libpng direct")
ratio("png_lib_libpng_only", "png_direct", "PNG library (libpng path) / direct")
ratio("jpeg_lib_memory_1thread", "jpeg_direct", "JPEG library 1 thread / libjpeg direct")
ratio("jpeg_lib_memory", "jpeg_direct", "JPEG library auto threads / direct")
ratio("jpeg_lib_file", "jpeg_lib_file_1thread", "JPEG auto threads / 1 thread (file)")
ratio("jpeg_lib_file_fast", "jpeg_lib_file_1thread", "JPEG fast IDCT / exact (1 thread)")
# DCT scaling's own gain: both on one thread (a scaled decode always uses one)
ratio("jpeg_lib_file_scaled_half", "jpeg_lib_file_1thread", "JPEG DCT-scaled 1/2 / full (1 thread)")
ratio("jpeg_lib_file_scaled_quarter", "jpeg_lib_file_1thread", "JPEG DCT-scaled 1/4 / full (1 thread)")
ratio("jpeg_lib_file_scaled_half", "jpeg_lib_file", "JPEG DCT-scaled 1/2 / full (default)")
print("-- peak memory of one decode (VmHWM growth, input file bytes included):")
for k, v in mem.items():
    print(f"{k:10s} {v['peak_growth'] / 2**20:6.2f} MiB for an output of {v['output'] / 2**20:.2f} MiB "
          f"({v['threads']} thread(s))")
