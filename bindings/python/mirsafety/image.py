"""Images (image.h): safe PNG/JPEG decoding, resizing, encoding, composites, base64/data: URLs, checksums.

Pixels cross the boundary without copies where the C API allows it: Image.pixels() is a read-only numpy view
(or memoryview) of the library's own buffer, and Image.from_pixels() hands a numpy array's memory to the library,
which makes its one documented copy. An Image is immutable and shareable between threads.
"""
from __future__ import annotations

import ctypes
import math
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _ffi
from ._core import Array, PathLike, _np, anchored, check, choice, lib, options, path_in, take_buf, text_out
from .errors import MirsError
from .errors import error_class
from .score import _enum

FORMAT_NONE = _ffi.MIRS_IMAGE_FORMAT_NONE
FORMAT_PNG = _ffi.MIRS_IMAGE_FORMAT_PNG
FORMAT_JPEG = _ffi.MIRS_IMAGE_FORMAT_JPEG
# Constant groups are named by the library (mirs_<group>_from_name): one table for the tool, Python and Rust.
_FORMATS = "image_format"
_LAYOUTS = "layout"
_RESIZE = "resize"
_ARRANGE = "composite"
_SUBSAMPLING = "jpeg_subsampling"
_U8P = ctypes.POINTER(ctypes.c_uint8)

#: encoded image bytes: bytes, bytearray, memoryview or a uint8 numpy array (passed without copying)
BytesLike = Any
#: a source: encoded bytes (BytesLike) or a path
Source = Any
#: a layout: "rgb", "rgba", "gray" (or "rgb8", ...), a Layout member or its int
LayoutArg = Union[str, int]

#: the decode options (mirs_image_decode_options) the functions that decode take as keywords
DECODE_OPTIONS = ("jpeg_warnings", "jpeg_dct", "max_width", "max_height", "max_pixels", "max_input_bytes",
                  "max_png_chunk_bytes", "max_png_chunks", "max_jpeg_scans", "max_jpeg_warnings", "target_width",
                  "target_height")


def _bytes_arg(data: BytesLike) -> Array:
    a = Array(data, ctypes.c_uint8, "data")
    return a


def format_name(fmt: Union[str, int]) -> Optional[str]:
    """The name of an image format ("png", "jpeg", "none"); None when out of range."""
    return text_out(lib().mirs_image_format_name(_enum(fmt, _FORMATS, None, "format")))


def format_mime(fmt: Union[str, int]) -> Optional[str]:
    """The MIME type of an image format ("image/png", ...); None when it has none."""
    return text_out(lib().mirs_image_format_mime(_enum(fmt, _FORMATS, None, "format")))


def layout_channels(layout: LayoutArg) -> int:
    """Channels of a pixel layout (3, 4 or 1)."""
    return lib().mirs_image_layout_channels(_enum(layout, _LAYOUTS, None, "layout"))


def detect_format(data: BytesLike) -> int:
    """FORMAT_PNG, FORMAT_JPEG or FORMAT_NONE from the first bytes."""
    a = _bytes_arg(data)
    return lib().mirs_image_detect_format(a.ptr, a.n)


def _given(params: Dict[str, Any]) -> Dict[str, Any]:
    """The decode options among a function's parameters (its locals() at entry)."""
    return {k: v for k, v in params.items() if k in DECODE_OPTIONS}


def _decode_opts(layout: LayoutArg, opts: Dict[str, Any]) -> _ffi.mirs_image_decode_options:
    return options(_ffi.mirs_image_decode_options, lib().mirs_image_decode_options_init,
                   dict(opts, layout=_enum(layout, _LAYOUTS, None, "layout")), "decode")


def probe(source: Source, *, jpeg_warnings: Optional[int] = None, jpeg_dct: Optional[int] = None,
          max_width: Optional[int] = None, max_height: Optional[int] = None, max_pixels: Optional[int] = None,
          max_input_bytes: Optional[int] = None, max_png_chunk_bytes: Optional[int] = None,
          max_png_chunks: Optional[int] = None, max_jpeg_scans: Optional[int] = None,
          max_jpeg_warnings: Optional[int] = None, target_width: Optional[int] = None,
          target_height: Optional[int] = None) -> Dict[str, int]:
    """Header facts of an image (bytes-like or a path) without decoding pixels, as a dict of mirs_image_info's
    fields. Keyword options: the decode options (DECODE_OPTIONS: max_width, max_height, max_pixels, ...)."""
    o = _decode_opts("rgb", _given(locals()))
    info = _ffi.mirs_image_info()
    info.struct_size = ctypes.sizeof(info)
    if isinstance(source, (bytes, bytearray, memoryview)) or (_np is not None and isinstance(source, _np.ndarray)):
        a = _bytes_arg(source)
        check(lib().mirs_image_probe_memory(a.ptr, a.n, ctypes.byref(o), ctypes.byref(info)),
              "mirs_image_probe_memory")
    else:
        check(lib().mirs_image_probe_file(path_in(source), ctypes.byref(o), ctypes.byref(info)),
              "mirs_image_probe_file")
    return {f: getattr(info, f) for f, _ in info._fields_ if f != "struct_size"}


def check_limits(info: Dict[str, int], *, jpeg_warnings: Optional[int] = None, jpeg_dct: Optional[int] = None,
                 max_width: Optional[int] = None, max_height: Optional[int] = None, max_pixels: Optional[int] = None,
                 max_input_bytes: Optional[int] = None, max_png_chunk_bytes: Optional[int] = None,
                 max_png_chunks: Optional[int] = None, max_jpeg_scans: Optional[int] = None,
                 max_jpeg_warnings: Optional[int] = None, target_width: Optional[int] = None,
                 target_height: Optional[int] = None) -> None:
    """Raises LimitError (or CorruptError for a zero size) when a probe() result is over the width, height or
    pixel limits (defaults, or those given as keyword options), exactly as decoding would; returns None."""
    o = _decode_opts("rgb", _given(locals()))
    i = _ffi.mirs_image_info()
    i.struct_size = ctypes.sizeof(i)
    for f, _ in i._fields_:
        if f != "struct_size" and f in info:
            setattr(i, f, info[f])
    check(lib().mirs_image_check_limits(ctypes.byref(i), ctypes.byref(o)), "mirs_image_check_limits")


class Image:
    """A decoded (or built) 8-bit image. Image.decode(bytes_or_path, layout="rgb", **limits),
    Image.from_pixels(array, layout=None). width, height, layout, channels, stride; pixels() -> numpy
    (height, width, channels) read-only view of the library's buffer (no copy); resize(), encode(), data_url(),
    checksum(). close() releases the image now unless pixel views still use it (then with the last view)."""

    def __init__(self, _ptr: Any) -> None:
        """Wraps a new mirs_image pointer (use Image.decode, Image.from_pixels, resize, composite)."""
        # the anchored pointer: pixel views and calls in flight hold it, so the memory goes with the last of them
        self._own = anchored(_ptr, "mirs_image_free")

    @property
    def handle(self) -> Any:
        """The raw mirs_image pointer (it keeps the image alive while held)."""
        o = self._own
        if o is None:
            from .errors import StateError
            raise StateError(_ffi.MIRS_E_STATE, "the image is closed")
        return o

    def close(self) -> None:
        """Closes the image; the pixels go with the last pixel view still using them."""
        self._own = None  # frees now unless a pixel view holds the owner

    def __enter__(self) -> Image:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def decode(cls, source: Source, layout: LayoutArg = "rgb", *, jpeg_warnings: Optional[int] = None, jpeg_dct: Optional[int] = None,
               max_width: Optional[int] = None, max_height: Optional[int] = None, max_pixels: Optional[int] = None,
               max_input_bytes: Optional[int] = None, max_png_chunk_bytes: Optional[int] = None,
               max_png_chunks: Optional[int] = None, max_jpeg_scans: Optional[int] = None,
               max_jpeg_warnings: Optional[int] = None, target_width: Optional[int] = None,
               target_height: Optional[int] = None) -> Image:
        """Decodes PNG/JPEG bytes (bytes-like, passed without copying) or a file path. Keyword options: the decode
        options (DECODE_OPTIONS: jpeg_warnings, jpeg_dct, max_width, max_height, max_pixels, max_input_bytes,
        max_png_chunk_bytes, max_png_chunks, max_jpeg_scans, max_jpeg_warnings, target_width, target_height)."""
        o = _decode_opts(layout, _given(locals()))
        p = ctypes.POINTER(_ffi.mirs_image)()
        if isinstance(source, (bytes, bytearray, memoryview)) or (_np is not None and isinstance(source, _np.ndarray)):
            a = _bytes_arg(source)
            check(lib().mirs_image_decode_memory(a.ptr, a.n, ctypes.byref(o), ctypes.byref(p)),
                  "mirs_image_decode_memory")
        else:
            check(lib().mirs_image_decode_file(path_in(source), ctypes.byref(o), ctypes.byref(p)),
                  "mirs_image_decode_file")
        return cls(p)

    @classmethod
    def from_pixels(cls, pixels: Any, layout: Optional[LayoutArg] = None, width: Optional[int] = None,
                    height: Optional[int] = None, stride: Optional[int] = None) -> Image:
        """A new image from 8-bit pixels: a numpy array (h, w) or (h, w, c) whose rows may be padded (the row
        stride is taken from the array; no copy is made to pass it), or a bytes-like object with width, height
        and layout given. The library copies the pixels into the image."""
        if _np is not None and isinstance(pixels, _np.ndarray):
            if pixels.dtype != _np.uint8:
                raise TypeError("from_pixels: uint8 pixels expected, got %s" % pixels.dtype)
            if pixels.ndim == 2:
                pixels = pixels[:, :, None]
            if pixels.ndim != 3:
                raise ValueError("from_pixels: a (height, width) or (height, width, channels) array expected, got "
                                 "shape %s" % (pixels.shape,))
            h, w, c = pixels.shape
            if layout is None:
                layout = {1: "gray", 3: "rgb", 4: "rgba"}.get(c)
                if layout is None:
                    raise ValueError("from_pixels: %d channels" % c)
            # rows must be contiguous; the distance between rows may be larger (a crop of a bigger image)
            if pixels.strides[2] != 1 or pixels.strides[1] != c or pixels.strides[0] < w * c:
                pixels = _np.ascontiguousarray(pixels)
            row_bytes = int(pixels.strides[0])
            ptr = ctypes.cast(pixels.ctypes.data, _U8P)
            keep = pixels
            width, height = w, h
        else:
            if width is None or height is None or layout is None:
                raise TypeError("from_pixels: width, height and layout are needed for a buffer")
            keep = Array(pixels, ctypes.c_uint8, "pixels")
            ptr = keep.ptr
            row_bytes = stride or width * layout_channels(layout)
        p = ctypes.POINTER(_ffi.mirs_image)()
        check(lib().mirs_image_from_pixels(width, height, _enum(layout, _LAYOUTS, None, "layout"), ptr,
                                           row_bytes, ctypes.byref(p)), "mirs_image_from_pixels")
        del keep
        return cls(p)

    @property
    def width(self) -> int:
        """Width in pixels."""
        return lib().mirs_image_width(self.handle)

    @property
    def height(self) -> int:
        """Height in pixels."""
        return lib().mirs_image_height(self.handle)

    @property
    def size(self) -> Tuple[int, int]:
        """(width, height)."""
        return self.width, self.height

    @property
    def layout(self) -> int:
        """The pixel layout (a Layout value)."""
        return lib().mirs_image_layout(self.handle)

    @property
    def channels(self) -> int:
        """Channels per pixel."""
        return lib().mirs_image_channels(self.handle)

    @property
    def stride(self) -> int:
        """Bytes per row."""
        return lib().mirs_image_stride(self.handle)

    @property
    def source_format(self) -> int:
        """The format it was decoded from (an ImageFormat value; NONE when built in memory)."""
        return lib().mirs_image_source_format(self.handle)

    @property
    def source_size(self) -> Tuple[int, int]:
        """(width, height) of the source before any decode-time scaling."""
        h = self.handle
        return lib().mirs_image_source_width(h), lib().mirs_image_source_height(h)

    @property
    def warning_count(self) -> int:
        """Codec warnings seen while decoding."""
        return lib().mirs_image_warning_count(self.handle)

    def pixels(self) -> Any:
        """The pixels without a copy: a read-only numpy array (height, width, channels) viewing the library's
        buffer (a memoryview of rows when numpy is absent). It keeps the image's memory alive."""
        h = self.handle
        n = self.stride * self.height
        addr = ctypes.cast(lib().mirs_image_pixels(h), ctypes.c_void_p).value
        buf: Any = (ctypes.c_uint8 * n).from_address(addr or 0)
        buf._owner = h  # the buffer (and every view of it) keeps the image alive
        if _np is None:
            return memoryview(buf).toreadonly()
        a = _np.frombuffer(buf, dtype=_np.uint8)
        a = _np.lib.stride_tricks.as_strided(a, (self.height, self.width, self.channels),
                                             (self.stride, self.channels, 1), writeable=False)
        return a

    def checksum(self) -> int:
        """CRC-64/XZ of the pixel bytes."""
        out = ctypes.c_uint64()
        check(lib().mirs_image_checksum_pixels(self.handle, ctypes.byref(out)), "mirs_image_checksum_pixels")
        return out.value

    def resize(self, width: int, height: int, method: Union[str, int] = "area") -> Image:
        """A resized copy ("area", "bilinear", "bicubic" or a Resize member)."""
        p = ctypes.POINTER(_ffi.mirs_image)()
        check(lib().mirs_image_resize(self.handle, width, height, _enum(method, _RESIZE, None, "method"),
                                      ctypes.byref(p)), "mirs_image_resize")
        return Image(p)

    def encode(self, format: Union[str, int] = "png", *, png_level: Optional[int] = None,
               jpeg_quality: Optional[int] = None, jpeg_subsampling: Union[str, int, None] = None) -> bytes:
        """PNG (png_level 0-9) or JPEG (jpeg_quality 1-100, jpeg_subsampling "444", "422", "420") bytes; None
        keeps the library's default."""
        o = _encode_opts(format, dict(png_level=png_level, jpeg_quality=jpeg_quality, jpeg_subsampling=jpeg_subsampling))
        buf = _ffi.mirs_buf()
        check(lib().mirs_image_encode(self.handle, ctypes.byref(o), ctypes.byref(buf)), "mirs_image_encode")
        return take_buf(buf)

    def data_url(self, format: Union[str, int] = "png", *, png_level: Optional[int] = None,
                 jpeg_quality: Optional[int] = None, jpeg_subsampling: Union[str, int, None] = None) -> str:
        """A data: URL of the encoded image (options as for encode())."""
        o = _encode_opts(format, dict(png_level=png_level, jpeg_quality=jpeg_quality, jpeg_subsampling=jpeg_subsampling))
        buf = _ffi.mirs_buf()
        check(lib().mirs_image_encode_data_url(self.handle, ctypes.byref(o), ctypes.byref(buf)),
              "mirs_image_encode_data_url")
        return take_buf(buf).decode("ascii")

    def __repr__(self) -> str:
        if self._own is None:
            return "<mirsafety.Image closed>"
        return "<mirsafety.Image %dx%d layout=%d>" % (self.width, self.height, self.layout)


def _encode_opts(format: Union[str, int], opts: Dict[str, Any]) -> _ffi.mirs_image_encode_options:
    if "jpeg_subsampling" in opts and isinstance(opts["jpeg_subsampling"], str):
        opts = dict(opts, jpeg_subsampling=choice(_SUBSAMPLING, opts["jpeg_subsampling"], "jpeg_subsampling"))
    return options(_ffi.mirs_image_encode_options, lib().mirs_image_encode_options_init,
                   dict(opts, format=_enum(format, _FORMATS, None, "format")), "encode")


def decode(source: Source, layout: LayoutArg = "rgb", *, jpeg_warnings: Optional[int] = None, jpeg_dct: Optional[int] = None,
           max_width: Optional[int] = None, max_height: Optional[int] = None, max_pixels: Optional[int] = None,
           max_input_bytes: Optional[int] = None, max_png_chunk_bytes: Optional[int] = None,
           max_png_chunks: Optional[int] = None, max_jpeg_scans: Optional[int] = None,
           max_jpeg_warnings: Optional[int] = None, target_width: Optional[int] = None,
           target_height: Optional[int] = None) -> Image:
    """Image.decode(source, layout, ...) with the same decode options."""
    return Image.decode(source, layout, jpeg_warnings=jpeg_warnings, jpeg_dct=jpeg_dct, max_width=max_width,
                        max_height=max_height, max_pixels=max_pixels, max_input_bytes=max_input_bytes,
                        max_png_chunk_bytes=max_png_chunk_bytes, max_png_chunks=max_png_chunks,
                        max_jpeg_scans=max_jpeg_scans, max_jpeg_warnings=max_jpeg_warnings, target_width=target_width,
                        target_height=target_height)


def checksum_bytes(data: BytesLike) -> int:
    """CRC-64/XZ of bytes."""
    a = _bytes_arg(data)
    return lib().mirs_image_checksum_bytes(a.ptr, a.n)


def checksum_file(path: PathLike) -> int:
    """CRC-64/XZ of a file's bytes."""
    out = ctypes.c_uint64()
    check(lib().mirs_image_checksum_file(path_in(path), ctypes.byref(out)), "mirs_image_checksum_file")
    return out.value


def smart_resize(height: int, width: int, factor: int = 28, min_pixels: int = 56 * 56,
                 max_pixels: int = 14 * 14 * 4 * 1280) -> Tuple[int, int]:
    """Qwen2-VL's smart_resize: (height, width)."""
    h, w = ctypes.c_uint32(), ctypes.c_uint32()
    check(lib().mirs_image_smart_resize(height, width, factor, min_pixels, max_pixels, ctypes.byref(h),
                                        ctypes.byref(w)), "mirs_image_smart_resize")
    return h.value, w.value


def base64(data: BytesLike) -> str:
    """Standard base64 of bytes."""
    a = _bytes_arg(data)
    buf = _ffi.mirs_buf()
    check(lib().mirs_image_base64(a.ptr, a.n, ctypes.byref(buf)), "mirs_image_base64")
    return take_buf(buf).decode("ascii")


def data_url(data: BytesLike) -> str:
    """data: URL of encoded PNG/JPEG bytes (MIME from the bytes)."""
    a = _bytes_arg(data)
    buf = _ffi.mirs_buf()
    check(lib().mirs_image_data_url(a.ptr, a.n, ctypes.byref(buf)), "mirs_image_data_url")
    return take_buf(buf).decode("ascii")


def data_url_file(path: PathLike, max_bytes: int = 0) -> str:
    """data: URL of an image file (MIME from its bytes; max_bytes 0: the default limit)."""
    buf = _ffi.mirs_buf()
    check(lib().mirs_image_data_url_file(path_in(path), max_bytes, ctypes.byref(buf)), "mirs_image_data_url_file")
    return take_buf(buf).decode("ascii")


def composite(images: Sequence[Image], arrangement: Union[str, int] = "row", layout: LayoutArg = "rgb", *,
              columns: Optional[int] = None, spacing: Optional[int] = None, margin: Optional[int] = None,
              background: Optional[Sequence[int]] = None, max_pixels: Optional[int] = None) -> Image:
    """Tiles images into a new Image: arrangement "row", "column" or "grid" (columns per row), spacing and margin
    in pixels, background=(r, g, b, a), max_pixels of the result (None keeps the library's defaults)."""
    bg = background
    opts = dict(columns=columns, spacing=spacing, margin=margin, max_pixels=max_pixels)
    o = options(_ffi.mirs_image_composite_options, lib().mirs_image_composite_options_init,
                dict(opts, arrangement=_enum(arrangement, _ARRANGE, None, "arrangement"),
                     layout=_enum(layout, _LAYOUTS, None, "layout")), "composite")
    if bg is not None:
        o.background[:] = list(bg)
    arr = (ctypes.POINTER(_ffi.mirs_image) * max(1, len(images)))(*[im.handle for im in images])
    p = ctypes.POINTER(_ffi.mirs_image)()
    check(lib().mirs_image_composite(arr, len(images), ctypes.byref(o), ctypes.byref(p)), "mirs_image_composite")
    return Image(p)


def _is_bytes(source: object) -> bool:
    return isinstance(source, (bytes, bytearray, memoryview)) or (_np is not None and isinstance(source, _np.ndarray))


def prepare_batch(sources: Iterable[Source], targets: Optional[Iterable[Optional[Tuple[int, int]]]] = None,
                  threads: int = 1, resize: Union[str, int] = "bicubic", dct_scaling: bool = True,
                  layout: LayoutArg = "rgb", encode: Union[str, Dict[str, Any], None] = None, *,
                  jpeg_warnings: Optional[int] = None, jpeg_dct: Optional[int] = None,
                  max_width: Optional[int] = None, max_height: Optional[int] = None, max_pixels: Optional[int] = None,
                  max_input_bytes: Optional[int] = None, max_png_chunk_bytes: Optional[int] = None,
                  max_png_chunks: Optional[int] = None, max_jpeg_scans: Optional[int] = None,
                  max_jpeg_warnings: Optional[int] = None) -> List[Union[Image, bytes, MirsError]]:
    """Decodes many images in one call on `threads` threads (default 1; all joined before it returns), through
    mirs_image_batch_run(). sources: paths or bytes-like objects (borrowed for the call, not copied). targets: None,
    or one (width, height) or None per source: the exact size of that result, reached with the `resize` filter after
    a JPEG is decoded at 1/2, 1/4 or 1/8 scale when the target allows (dct_scaling). encode: None to get Image
    objects, or "png"/"jpeg" (or a dict of encode options with "format") to get the encoded bytes. Other keyword
    arguments are decode options (limits, jpeg_warnings, ...).

    Returns a list in input order holding, per source, an Image (or bytes) or the MirsError subclass instance that
    source failed with; a failed source never stops the others and nothing is raised for it."""
    opts = _given(locals())
    sources = list(sources)
    tlist = None if targets is None else list(targets)
    if tlist is not None and len(tlist) != len(sources):
        raise ValueError("prepare_batch: %d targets for %d sources" % (len(tlist), len(sources)))
    d = _decode_opts(layout, opts)
    e = None
    if encode is not None:
        eo = dict(encode) if isinstance(encode, dict) else {"format": encode}
        e = _encode_opts(eo.pop("format", "png"), eo)
    bo = options(_ffi.mirs_image_batch_options, lib().mirs_image_batch_options_init,
                 dict(threads=threads, resize_method=_enum(resize, _RESIZE, None, "resize"),
                      dct_scaling=1 if dct_scaling else 0), "batch")
    bo.decode = ctypes.pointer(d)
    if e is not None:
        bo.encode = ctypes.pointer(e)
    b = ctypes.POINTER(_ffi.mirs_image_batch)()
    check(lib().mirs_image_batch_new(ctypes.byref(b)), "mirs_image_batch_new")
    keep: List[Any] = []  # the borrowed input buffers, alive until the run returns
    try:
        for i, src in enumerate(sources):
            t = None if tlist is None else tlist[i]
            tw, th = (0, 0) if t is None else t
            if _is_bytes(src):
                a = _bytes_arg(src)
                keep.append(a)
                check(lib().mirs_image_batch_add_memory(b, a.ptr, a.n, tw, th), "mirs_image_batch_add_memory")
            else:
                check(lib().mirs_image_batch_add_file(b, path_in(src), tw, th), "mirs_image_batch_add_file")
        assert lib().mirs_image_batch_count(b) == len(sources)
        check(lib().mirs_image_batch_run(b, ctypes.byref(bo), None), "mirs_image_batch_run")
        out: List[Union[Image, bytes, MirsError]] = []
        for i in range(len(sources)):
            st = lib().mirs_image_batch_status(b, i)
            if st < 0:
                msg = text_out(lib().mirs_image_batch_message(b, i)) or ""
                out.append(error_class(st)(st, msg, "mirs_image_batch_run"))
            elif e is not None:
                n = ctypes.c_size_t()
                ptr = lib().mirs_image_batch_encoded(b, i, ctypes.byref(n))
                out.append(ctypes.string_at(ptr, n.value) if n.value else b"")
            else:
                assert lib().mirs_image_batch_image(b, i)  # borrowed until taken, just below
                p = ctypes.POINTER(_ffi.mirs_image)()
                check(lib().mirs_image_batch_take_image(b, i, ctypes.byref(p)), "mirs_image_batch_take_image")
                out.append(Image(p))
        return out
    finally:
        lib().mirs_image_batch_free(b)
