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
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

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
                ("png_libpng_only", ctypes.c_int32)]


class BatchOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("threads", ctypes.c_uint32), ("resize_method", ctypes.c_int32),
                ("dct_scaling", ctypes.c_int32), ("decode", ctypes.c_void_p), ("encode", ctypes.c_void_p)]


lib = ctypes.CDLL(libpath)
lib.mirs_image_decode_file.argtypes = [ctypes.c_char_p, ctypes.POINTER(DecodeOptions), ctypes.POINTER(ctypes.c_void_p)]
lib.mirs_image_free.argtypes = [ctypes.c_void_p]
lib.mirs_image_batch_new.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
lib.mirs_image_batch_free.argtypes = [ctypes.c_void_p]
lib.mirs_image_batch_add_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32, ctypes.c_uint32]
lib.mirs_image_batch_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(BatchOptions), ctypes.POINTER(ctypes.c_size_t)]
lib.mirs_image_batch_count.argtypes = [ctypes.c_void_p]
lib.mirs_image_batch_count.restype = ctypes.c_size_t
opts = DecodeOptions()
lib.mirs_image_decode_options_init(ctypes.byref(opts), ctypes.c_size_t(ctypes.sizeof(opts)))
half = DecodeOptions()
lib.mirs_image_decode_options_init(ctypes.byref(half), ctypes.c_size_t(ctypes.sizeof(half)))
half.target_width = half.target_height = 448

# The batch workload: 24 JPEG files like the dataset's pictures (three sizes), decoded to RGB.
batch_files = []
for i, (bw, bh) in enumerate([(1024, 1024), (1280, 960), (768, 1024)] * 8):
    part = np.roll(arr, (i * 97) % n, axis=i % 2)
    f = os.path.join(work, f"batch{i:02d}.jpg")
    Image.fromarray(np.ascontiguousarray(np.tile(part, (2, 2, 1))[:bh, :bw])).save(f, quality=90)
    batch_files.append(f)


def lib_decode(path, o=opts):
    def fn():
        h = ctypes.c_void_p()
        if lib.mirs_image_decode_file(path.encode(), ctypes.byref(o), ctypes.byref(h)) != 0:
            raise RuntimeError("decode failed")
        lib.mirs_image_free(h)
    return fn


def lib_batch(threads):
    b = ctypes.c_void_p()
    lib.mirs_image_batch_new(ctypes.byref(b))
    for f in batch_files:
        lib.mirs_image_batch_add_file(b, f.encode(), 0, 0)
    bo = BatchOptions()
    lib.mirs_image_batch_options_init(ctypes.byref(bo), ctypes.c_size_t(ctypes.sizeof(bo)))
    bo.threads = threads

    def fn():  # ctypes releases the GIL for the call; the images are dropped by the next run
        failed = ctypes.c_size_t()
        if lib.mirs_image_batch_run(b, ctypes.byref(bo), ctypes.byref(failed)) != 0 or failed.value:
            raise RuntimeError("batch failed")
    return fn


def pil_png():
    Image.open(png).convert("RGB")


def pil_jpg():
    Image.open(jpg).convert("RGB")


def pil_jpg_draft():
    im = Image.open(jpg)
    im.draft("RGB", (448, 448))
    im.convert("RGB")


def pil_one(f):
    return Image.open(f).convert("RGB")


pool = ThreadPoolExecutor(2)


def pil_batch_pool2():  # PIL releases the GIL while decoding: two threads are the fair comparison
    list(pool.map(pil_one, batch_files))


def pil_batch_seq():
    for f in batch_files:
        pil_one(f)


# PIL and the library in the same process, interleaved round by round (via
# ctypes: a few microseconds of call overhead), so machine load hits both alike.
variants = {"lib_png": lib_decode(png), "pil_png": pil_png, "lib_jpeg": lib_decode(jpg), "pil_jpeg": pil_jpg,
            "lib_jpeg_half": lib_decode(jpg, half), "pil_jpeg_draft": pil_jpg_draft,
            "lib_batch_1": lib_batch(1), "lib_batch_2": lib_batch(2), "pil_batch_seq": pil_batch_seq,
            "pil_batch_pool2": pil_batch_pool2}
batch_reps = max(3, reps // 2)  # the batches vary more from round to round than single decodes
times = {k: [] for k in variants}
for fn in variants.values():
    fn()
# The order is shuffled every round (a fixed seed): a decode runs faster right after one of its own kind (warm
# caches and branch predictors), so a fixed order favours whatever follows its twin (bench_image.c does the same).
shuffle = random.Random(2024)
for r in range(reps):
    order = list(variants.items())
    shuffle.shuffle(order)
    for k, fn in order:
        if "batch" in k and r >= batch_reps:
            continue
        t = time.perf_counter()
        fn()
        times[k].append(time.perf_counter() - t)
med = {k: statistics.median(v) for k, v in times.items()}
best = {k: min(v) for k, v in times.items()}

out = subprocess.run([exe, "time", png, jpg, str(reps)], capture_output=True, text=True, check=True).stdout
c = {j["name"]: j for j in map(json.loads, out.splitlines())}
mem = {}
for name, args in (("png", [png]), ("jpeg", [jpg]), ("jpeg 1/2", [jpg, "448", "448"])):
    mem[name] = json.loads(subprocess.run([exe, "mem", *args], capture_output=True, text=True, check=True).stdout)

cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
ms = lambda s: f"{s * 1000:7.2f} ms"
print(f"CPU: {cpu}, {os.cpu_count()} CPUs; PIL {Image.__version__}")
print(f"files: PNG {os.path.getsize(png)} bytes (zlib level 1), JPEG {os.path.getsize(jpg)} bytes (q90 4:2:0), "
      f"{n}x{n}; median (min) of {reps} interleaved rounds ({batch_reps} for the batches)")
print("-- one image vs PIL (same process, ctypes), decode from the file; both on one thread:")
for lk, pk, label in (("lib_png", "pil_png", "PNG"), ("lib_jpeg", "pil_jpeg", "JPEG"),
                      ("lib_jpeg_half", "pil_jpeg_draft", "JPEG scaled to >= 448 (PIL: draft)")):
    print(f"{label:36s} library {ms(med[lk])} ({ms(best[lk])})  PIL {ms(med[pk])} ({ms(best[pk])})  "
          f"PIL/library = {med[pk] / med[lk]:.2f}x ({best[pk] / best[lk]:.2f}x)")
print(f"-- batch of {len(batch_files)} JPEGs (1024x1024, 1280x960, 768x1024, q90) decoded to RGB, whole batch:")
for k, label in (("lib_batch_1", "library batch, threads = 1"), ("lib_batch_2", "library batch, threads = 2"),
                 ("pil_batch_seq", "PIL, one thread"), ("pil_batch_pool2", "PIL, ThreadPoolExecutor(2)")):
    print(f"{label:36s} {ms(med[k])} ({ms(best[k])})  {len(batch_files) / med[k]:6.1f} images/s")
print(f"{'batch 2 threads / 1 thread':36s} {med['lib_batch_1'] / med['lib_batch_2']:.2f}x "
      f"({best['lib_batch_1'] / best['lib_batch_2']:.2f}x)  goal >= 1.8x")
print(f"{'batch 2 threads / PIL pool(2)':36s} {med['pil_batch_pool2'] / med['lib_batch_2']:.2f}x "
      f"({best['pil_batch_pool2'] / best['lib_batch_2']:.2f}x)  goal >= 1.5x")
print("-- vs libpng / libjpeg-turbo called directly (C, from memory, one thread):")


def ratio(a, b, label):
    print(f"{label:36s} {ms(c[a]['median'])} vs {ms(c[b]['median'])}  ratio {c[a]['median'] / c[b]['median']:.3f} "
          f"(min {c[a]['min'] / c[b]['min']:.3f})")


ratio("png_lib_memory", "png_direct", "PNG library / libpng direct")
ratio("png_lib_libpng_only", "png_direct", "PNG library (libpng path) / direct")
ratio("jpeg_lib_memory", "jpeg_direct", "JPEG library / libjpeg direct")
ratio("jpeg_lib_file_fast", "jpeg_lib_file", "JPEG fast IDCT / exact")
ratio("jpeg_lib_file_scaled_half", "jpeg_lib_file", "JPEG DCT-scaled 1/2 / full")
ratio("jpeg_lib_file_scaled_quarter", "jpeg_lib_file", "JPEG DCT-scaled 1/4 / full")
print("-- peak memory of one decode (VmHWM growth, input file bytes included):")
for k, v in mem.items():
    print(f"{k:10s} {v['peak_growth'] / 2**20:6.2f} MiB for an output of {v['output'] / 2**20:.2f} MiB")
pool.shutdown()
