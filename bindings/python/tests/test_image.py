"""image.h through the idiomatic layer, against PIL and Python's base64; zero-copy pixel views."""
import base64 as b64
import gc
import io
import math
import os
import tracemalloc

import numpy as np
import pytest
from PIL import Image as PILImage

import mirsafety
from mirsafety import _ffi, image
from mirsafety.image import Image

from conftest import REPO, require

DATA = os.path.join(REPO, "tests", "data", "image")


@pytest.fixture(scope="module", autouse=True)
def _image_exported():
    require("mirs_image_decode_memory", "mirs_image_encode")


def crc64_xz(data):
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xC96C5795D7870F42 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFFFFFFFFFF


def test_names_and_detection():
    assert image.format_name(image.FORMAT_PNG) == "png" and image.format_mime(image.FORMAT_JPEG) == "image/jpeg"
    assert image.format_mime(99) is None and image.layout_channels("rgba") == 4
    png = open(os.path.join(DATA, "rgb.png"), "rb").read()
    assert image.detect_format(png) == image.FORMAT_PNG
    assert image.detect_format(open(os.path.join(DATA, "jpeg_named.png"), "rb").read()) == image.FORMAT_JPEG
    assert image.detect_format(b"GIF89a") == image.FORMAT_NONE


def test_check_limits():
    """probe() reports a hostile header's claimed size; check_limits() refuses it as decoding does."""
    bomb = os.path.join(DATA, "..", "bomb_hdr", "Violence", "images", "Analogy", "Analogy_1_1.png")
    info = image.probe(bomb)
    assert (info["width"], info["height"]) == (50000, 50000)
    with pytest.raises(mirsafety.errors.LimitError, match="width 50000"):
        image.check_limits(info)
    with pytest.raises(mirsafety.errors.LimitError):
        Image.decode(bomb)
    image.check_limits(image.probe(os.path.join(DATA, "rgb.png")))
    image.check_limits(info, max_width=50000, max_height=50000, max_pixels=2500000000)


@pytest.mark.parametrize("name", ["rgb.png", "palette.png", "baseline.jpg", "progressive.jpg", "cmyk.jpg"])
def test_decode_equals_pil(name):
    path = os.path.join(DATA, name)
    raw = open(path, "rb").read()
    want = np.asarray(PILImage.open(path).convert("RGB"))
    info = image.probe(raw)
    assert (info["width"], info["height"]) == (want.shape[1], want.shape[0])
    assert image.probe(path) == info
    for src in (path, raw, bytearray(raw)):
        with Image.decode(src) as im:
            assert im.size == (want.shape[1], want.shape[0]) and im.channels == 3
            assert im.source_format == info["format"] and im.source_size == im.size
            assert im.warning_count == 0
            np.testing.assert_array_equal(im.pixels(), want)


def test_prepare_batch_in_order_with_errors(tmp_path):
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:601, 0:517]
    arr = np.stack([x % 256, y % 256, (x + y) % 256], -1) + rng.integers(-4, 5, (601, 517, 3))
    path = tmp_path / "big.jpg"
    PILImage.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path, quality=90)
    want = np.asarray(PILImage.open(path).convert("RGB"))
    raw = path.read_bytes()
    png = os.path.join(DATA, "rgb.png")
    sources = [path, raw, tmp_path / "missing.png", raw[: len(raw) * 2 // 3], png, b"junk", str(path)]
    targets = [None, None, None, None, None, None, (129, 150)]
    for threads in (1, 2, 5):
        out = image.prepare_batch(sources, targets, threads=threads)
        assert len(out) == len(sources)
        np.testing.assert_array_equal(out[0].pixels(), want)
        np.testing.assert_array_equal(out[1].pixels(), want)
        assert isinstance(out[2], mirsafety.NotFoundError) and "missing.png" in out[2].message
        assert isinstance(out[3], mirsafety.TruncatedError)
        np.testing.assert_array_equal(out[4].pixels(), np.asarray(PILImage.open(png).convert("RGB")))
        assert isinstance(out[5], mirsafety.FormatError)
        # 517x601 -> 129x150: decoded at 1/4 scale (130x151, still >= the target), then bicubic to the target.
        with Image.decode(path, target_width=129, target_height=150) as quarter:
            assert quarter.size == (130, 151)
            np.testing.assert_array_equal(out[6].pixels(), quarter.resize(129, 150, "bicubic").pixels())
    enc = image.prepare_batch([raw, b"junk"], encode="png", threads=2)
    assert isinstance(enc[0], bytes) and enc[0][:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(Image.decode(enc[0]).pixels(), want)
    assert isinstance(enc[1], mirsafety.FormatError)
    assert image.prepare_batch([]) == []
    with pytest.raises(ValueError):
        image.prepare_batch([raw], [None, None])
    with pytest.raises(mirsafety.InvalidArgumentError):
        image.prepare_batch([raw], [(10, 0)])


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(mirsafety.FormatError):
        Image.decode(b"not an image at all")
    raw = open(os.path.join(DATA, "rgb.png"), "rb").read()
    with pytest.raises(mirsafety.TruncatedError):
        Image.decode(raw[: len(raw) // 2])
    with pytest.raises(mirsafety.LimitError):
        Image.decode(raw, max_pixels=4)
    with pytest.raises(mirsafety.NotFoundError) as e:
        Image.decode(tmp_path / "missing.png")
    assert "missing.png" in e.value.message


def test_pixels_are_a_view_not_a_copy():
    im = Image.decode(os.path.join(DATA, "rgb.png"))
    a, b = im.pixels(), im.pixels()
    assert np.shares_memory(a, b) and not a.flags.writeable
    addr = a.__array_interface__["data"][0]
    im.close()  # the views keep the buffer alive ...
    assert a.__array_interface__["data"][0] == addr and int(a.sum()) == int(b.sum())
    with pytest.raises(mirsafety.StateError):
        im.width
    del a, b
    gc.collect()  # ... and it is freed with the last one


def test_from_pixels_takes_numpy_memory_and_strides():
    big = np.random.default_rng(0).integers(0, 256, size=(64, 80, 3), dtype=np.uint8)
    crop = big[8:40, 10:50]  # rows 240 bytes apart: passed as they are, with that stride
    tracemalloc.start()
    tracemalloc.reset_peak()
    im = Image.from_pixels(crop)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < crop.nbytes  # no Python-side copy of the crop was made
    np.testing.assert_array_equal(im.pixels(), crop)
    gray = Image.from_pixels(np.zeros((5, 7), dtype=np.uint8))
    assert gray.layout == _ffi.MIRS_LAYOUT_GRAY8 and gray.stride == 7
    raw = Image.from_pixels(bytes(range(12)), layout="rgb", width=2, height=2)
    assert raw.pixels().tolist() == [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]
    assert im.checksum() == crc64_xz(np.ascontiguousarray(crop).tobytes())
    with pytest.raises(TypeError):
        Image.from_pixels(np.zeros((2, 2, 3), dtype=np.float32))


def test_resize_matches_pil_bilinear():
    path = os.path.join(DATA, "rgb.png")
    pil = PILImage.open(path).convert("RGB")
    im = Image.decode(path)
    for w, h in ((pil.width // 2 + 1, pil.height // 3 + 1), (pil.width * 2, pil.height + 3)):
        want = np.asarray(pil.resize((w, h), PILImage.BILINEAR))
        np.testing.assert_array_equal(im.resize(w, h, "bilinear").pixels(), want)
    area = im.resize(1, 1, "area").pixels().astype(float)
    assert np.allclose(area[0, 0], np.asarray(pil, dtype=float).mean(axis=(0, 1)), atol=0.5)


def qwen_smart_resize(height, width, factor=28, min_pixels=56 * 56, max_pixels=14 * 14 * 4 * 1280):
    """transformers' image_processing_qwen2_vl.smart_resize, transcribed."""
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def test_smart_resize_formula():
    for h, w in ((1080, 1920), (28, 28), (50, 70), (4000, 3000), (14, 42), (1234, 567)):
        assert image.smart_resize(h, w) == qwen_smart_resize(h, w)
    assert image.smart_resize(300, 300, factor=14, min_pixels=1, max_pixels=10 ** 6) == (294, 294)
    with pytest.raises(mirsafety.RangeError):
        image.smart_resize(10, 5000)


def test_encode_roundtrip_and_urls(tmp_path):
    im = Image.decode(os.path.join(DATA, "rgb.png"))
    png = im.encode("png", png_level=9)
    assert image.detect_format(png) == image.FORMAT_PNG
    np.testing.assert_array_equal(Image.decode(png).pixels(), im.pixels())
    # JPEG is lossy, but the same libjpeg settings as PIL's save() must give the same decoded pixels.
    for q, ss, pil_ss in ((95, "444", 0), (90, "420", 2)):
        jpg = im.encode("jpeg", jpeg_quality=q, jpeg_subsampling=ss)
        ref = io.BytesIO()
        PILImage.open(os.path.join(DATA, "rgb.png")).convert("RGB").save(ref, "JPEG", quality=q, subsampling=pil_ss)
        np.testing.assert_array_equal(np.asarray(PILImage.open(io.BytesIO(jpg))),
                                      np.asarray(PILImage.open(io.BytesIO(ref.getvalue()))))
    assert image.base64(b"\x00\xffhi") == b64.b64encode(b"\x00\xffhi").decode()
    assert image.data_url(png) == "data:image/png;base64," + b64.b64encode(png).decode()
    p = tmp_path / "x.png"
    p.write_bytes(png)
    assert image.data_url_file(p) == image.data_url(png)
    assert im.data_url() == image.data_url(png if False else im.encode())
    assert image.checksum_bytes(png) == crc64_xz(png) == image.checksum_file(p)
    with pytest.raises(mirsafety.FormatError):
        image.data_url(b"plain text")
    with pytest.raises(mirsafety.UnsupportedError):
        Image.decode(os.path.join(DATA, "rgb.png"), layout="rgba").encode("jpeg")


def test_composite():
    a = Image.from_pixels(np.full((2, 3, 3), 10, np.uint8))
    b = Image.from_pixels(np.full((4, 1, 3), 200, np.uint8))
    c = image.composite([a, b], "row", spacing=1, margin=2, background=(0, 0, 0, 255))
    assert c.size == (2 + 3 + 1 + 3 + 2, 2 + 4 + 2)
    px = c.pixels()
    assert px[2, 2:5].tolist() == [[0, 0, 0]] * 3 and px[3, 2].tolist() == [10, 10, 10]
    assert px[3, 7].tolist() == [200, 200, 200]
    g = image.composite([a, b, a, b], "grid", layout="gray")
    assert g.size == (6, 8) and g.channels == 1
    with pytest.raises(mirsafety.LimitError):
        image.composite([a, b], max_pixels=3)
