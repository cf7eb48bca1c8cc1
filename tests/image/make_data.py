#!/usr/bin/python3
"""Regenerates the committed image test data and fuzz seeds (run by hand:
/usr/bin/python3 tests/image/make_data.py). Every file is small; the
hostile ones are built byte by byte so their defect is exact."""
import os
import struct
import zlib

import numpy as np
from PIL import Image

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
data = os.path.join(root, "data", "image")
cpng = os.path.join(root, "fuzz", "corpus", "png")
cjpg = os.path.join(root, "fuzz", "corpus", "jpeg")
for d in (data, cpng, cjpg):
    os.makedirs(d, exist_ok=True)
rng = np.random.default_rng(7)


def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def png(w, h, ct=2, bd=8, raw=None, extra=b"", level=6):
    spp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(ct, 1)
    if raw is None:
        rowlen = (w * spp * bd + 7) // 8
        raw = b"".join(b"\x00" + bytes(rng.integers(0, 256, rowlen, dtype=np.uint8)) for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bd, ct, 0, 0, 0)) + extra +
            chunk(b"IDAT", zlib.compress(raw, level)) + chunk(b"IEND", b""))


def save(d, name, b):
    with open(os.path.join(d, name), "wb") as f:
        f.write(b)


yy, xx = np.mgrid[0:48, 0:64]
img = np.stack([xx * 4, yy * 5, (xx * yy) % 256], axis=2).astype(np.uint8)
im = Image.fromarray(img, "RGB")

# ---- test data ----
save(data, "rgb.png", png(16, 12))
im.save(os.path.join(data, "progressive.jpg"), quality=85, progressive=True)
im.save(os.path.join(data, "baseline.jpg"), quality=85)
im.save(os.path.join(data, "jpeg_named.png"), format="JPEG", quality=85)
Image.fromarray(np.concatenate([img, img[:, :, :1]], 2), "CMYK").save(os.path.join(data, "cmyk.jpg"), quality=90)
im.convert("P", palette=Image.ADAPTIVE, colors=16).save(os.path.join(data, "palette.png"))

# ---- PNG seeds: real files and malformed ones ----
good = png(16, 12)
save(cpng, "rgb8.png", good)
save(cpng, "gray1.png", png(9, 7, 0, 1))
save(cpng, "gray16.png", png(5, 4, 0, 16))
save(cpng, "ga8.png", png(6, 6, 4, 8))
save(cpng, "rgba16.png", png(4, 3, 6, 16))
save(cpng, "palette4_trns.png", png(8, 8, 3, 4, extra=chunk(b"PLTE", bytes(range(48))) + chunk(b"tRNS", b"\x00\x80")))
im.save(os.path.join(cpng, "pil_rgb.png"))
im.convert("LA").save(os.path.join(cpng, "pil_la.png"))
save(cpng, "truncated_idat.png", good[: len(good) - 30])
save(cpng, "truncated_header.png", good[:20])
bad = bytearray(good)
bad[60] ^= 0x55  # inside IDAT: CRC error
save(cpng, "bad_crc_idat.png", bytes(bad))
bad = bytearray(good)
bad[20] ^= 1  # IHDR height byte: IHDR CRC error
save(cpng, "bad_crc_ihdr.png", bytes(bad))
# A 100000x100000 header (CRC correct) with a tiny IDAT: a decompression bomb by size.
save(cpng, "huge_dims.png", png(100000, 100000, raw=b"\x00" * 64))
# A 1x1 image whose IDAT inflates to 64 MiB: a zlib bomb.
save(cpng, "zlib_bomb.png", png(1, 1, raw=b"\x00" * (64 << 20), level=9))
# The image data ends early (valid framing, short zlib stream).
save(cpng, "short_zlib.png", png(16, 12, raw=b"\x00" * 40))
# Palette image without PLTE; invalid colour type; unknown critical chunk.
save(cpng, "no_plte.png", png(4, 4, 3, 8))
save(cpng, "bad_colortype.png", png(4, 4, 5, 8, raw=b"\0" * 20))
save(cpng, "unknown_critical.png", png(4, 4, extra=chunk(b"ABCD", b"x")))
save(cpng, "big_text.png", png(4, 4, extra=chunk(b"tEXt", b"k\0" + b"v" * 100000)))
save(cpng, "ztxt.png", png(4, 4, extra=chunk(b"zTXt", b"k\0\0" + zlib.compress(b"v" * 1000000))))

# ---- JPEG seeds ----
small = im.resize((24, 16))
small.save(os.path.join(cjpg, "baseline.jpg"), quality=80)
small.save(os.path.join(cjpg, "progressive.jpg"), quality=80, progressive=True)
small.save(os.path.join(cjpg, "s444.jpg"), quality=80, subsampling=0)
small.save(os.path.join(cjpg, "restart.jpg"), quality=80, restart_marker_blocks=1)
small.convert("L").save(os.path.join(cjpg, "gray.jpg"), quality=80)
small.convert("CMYK").save(os.path.join(cjpg, "cmyk.jpg"), quality=80)
with open(os.path.join(cjpg, "baseline.jpg"), "rb") as f:
    j = f.read()
save(cjpg, "truncated.jpg", j[: len(j) // 2])
save(cjpg, "header_only.jpg", j[:200])
sof = j.index(b"\xff\xc0")
huge = bytearray(j)
huge[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)
save(cjpg, "huge_dims.jpg", bytes(huge))
sos = j.index(b"\xff\xda")
corrupt = bytearray(j)
for k in range(sos + 20, len(j) - 4, 7):
    corrupt[k] = 0xA5
save(cjpg, "corrupt_scan.jpg", bytes(corrupt))
marker = bytearray(j)
marker[sos + 30:sos + 32] = b"\xff\xd3"
save(cjpg, "stray_rst.jpg", bytes(marker))
save(cjpg, "no_sof.jpg", j[:sof] + j[sos:])
print("written")
