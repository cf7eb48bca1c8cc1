"""Helpers shared by the idiomatic classes: status checks, text and path conversion, arrays, option structs."""
from __future__ import annotations

import ctypes
import os
from typing import Any, Dict, overload, Iterable, List, Mapping, NoReturn, Optional, Sequence, Tuple, Type, TypeVar, Union

from . import _ffi
from ._loader import load
from .errors import error_class

try:  # numpy is optional: used for zero-copy arrays when present.
    import numpy as _np  # noqa: F401 (re-exported to the modules that take arrays)
except ImportError:  # pragma: no cover - depends on the machine
    _np = None  # type: ignore[assignment]


#: The bound functions once the library is loaded (set by _loader.load); hot paths use _core.LIB.<fn> directly,
#: where a loaded library is certain (e.g. an Item exists only after its Dataset was opened).
LIB: _ffi.Functions = None  # type: ignore[assignment]  # set by _loader.load() before any object exists

#: what text_in() and friends take
Text = Union[str, bytes, bytearray]
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


def lib() -> _ffi.Functions:
    """The bound functions of the loaded library (loading it on first use)."""
    return LIB or load()


def raise_last(status: int, function: Optional[str] = None) -> NoReturn:
    """Raises the exception for `status` with the calling thread's library message, copied now (the next call into
    the library on this thread may overwrite it)."""
    msg = lib().mirs_error_last()
    text = msg.decode("utf-8", "replace") if msg else ""
    raise error_class(status)(status, text, function)


def check(status: int, function: Optional[str] = None) -> int:
    """Returns status when it is MIRS_OK or positive (MIRS_DONE); raises for negative statuses."""
    if status < 0:
        raise_last(status, function)
    return status


# ---- text -----------------------------------------------------------------------------------------------------------


def text_in(s: Text, what: str = "text") -> bytes:
    """str (encoded UTF-8, strictly) or bytes (passed as they are) -> bytes for a const char * parameter. A C string
    ends at its first NUL, so text holding U+0000 is refused (UnsupportedError) rather than cut there; functions
    that take a length carry such text whole."""
    if isinstance(s, str):
        b = s.encode("utf-8")
    elif isinstance(s, (bytes, bytearray)):
        b = bytes(s)
    else:
        raise TypeError("%s must be str or bytes, not %s" % (what, type(s).__name__))
    if b"\0" in b:
        raise error_class(_ffi.MIRS_E_UNSUPPORTED)(
            _ffi.MIRS_E_UNSUPPORTED, "%s holds U+0000 at byte %d, which a C string cannot carry" % (what, b.index(b"\0")))
    return b


def path_in(p: PathLike) -> bytes:
    """str, bytes or os.PathLike -> bytes; str goes through os.fsencode (surrogateescape on POSIX), so a path that
    came from os.listdir() with undecodable bytes round-trips."""
    return os.fsencode(p)


@overload
def text_out(b: bytes) -> str: ...


@overload
def text_out(b: None) -> None: ...


@overload
def text_out(b: Optional[bytes]) -> Optional[str]: ...


def text_out(b: Optional[bytes]) -> Optional[str]:
    """Library text (bytes from a c_char_p, valid UTF-8 by contract) -> str; None stays None."""
    return None if b is None else b.decode("utf-8")


def text_str(b: Optional[bytes]) -> str:
    """Library text that the header promises is never NULL -> str ("" should it be NULL after all)."""
    return "" if b is None else b.decode("utf-8")


@overload
def path_out(b: bytes) -> str: ...


@overload
def path_out(b: None) -> None: ...


@overload
def path_out(b: Optional[bytes]) -> Optional[str]: ...


def path_out(b: Optional[bytes]) -> Optional[str]:
    """A path the library returns -> str through os.fsdecode (surrogateescape), the inverse of path_in."""
    return None if b is None else os.fsdecode(b)


def take_buf(buf: _ffi.mirs_buf) -> bytes:
    """Copies the bytes of a filled mirs_buf and frees it."""
    try:
        return ctypes.string_at(buf.data, buf.size) if buf.size else b""
    finally:
        lib().mirs_buf_free(ctypes.byref(buf))


# ---- arrays -----------------------------------------------------------------------------------------------------------

_NP_DTYPES = {
    ctypes.c_double: "float64", ctypes.c_float: "float32", ctypes.c_uint64: "uint64", ctypes.c_int64: "int64",
    ctypes.c_uint32: "uint32", ctypes.c_int32: "int32", ctypes.c_uint8: "uint8", ctypes.c_int8: "int8",
    ctypes.c_uint16: "uint16", ctypes.c_int16: "int16",
}
_BUF_FORMATS = {
    ctypes.c_double: ("d",), ctypes.c_float: ("f",), ctypes.c_uint64: ("Q", "L"), ctypes.c_int64: ("q", "l"),
    ctypes.c_uint32: ("I",), ctypes.c_int32: ("i",), ctypes.c_uint8: ("B",), ctypes.c_int8: ("b",),
    ctypes.c_uint16: ("H",), ctypes.c_int16: ("h",),
}


class Array:
    """A pointer + element count for a C parameter `const T *data, size_t n`, keeping the source object alive.

    No copy is made for a C-contiguous numpy array of exactly the C element type, or for a writable contiguous
    buffer (array.array, bytearray, memoryview) of that format: the library reads the caller's memory.
    Anything else (lists, other dtypes, strided views, read-only buffers) is converted once into a new array,
    which is what `copied` reports."""

    __slots__ = ("ptr", "n", "keep", "copied", "shape")

    ptr: Any
    n: int
    keep: Any
    copied: bool
    shape: Optional[Tuple[int, ...]]

    def __init__(self, obj: Any, ctype: Any, what: str = "array") -> None:
        self.copied = False
        self.shape = None
        if _np is not None and isinstance(obj, _np.ndarray):
            want = _np.dtype(_NP_DTYPES[ctype])
            if obj.dtype != want or not obj.flags.c_contiguous:
                if obj.dtype.kind not in "biuf":
                    raise TypeError("%s: numeric array expected, got dtype %s" % (what, obj.dtype))
                obj = _np.ascontiguousarray(obj, dtype=want)
                self.copied = True
            self.keep = obj
            self.shape = obj.shape
            self.n = obj.size
            self.ptr = ctypes.cast(obj.ctypes.data, ctypes.POINTER(ctype)) if obj.size else ctypes.POINTER(ctype)()
            return
        if isinstance(obj, bytes) and ctype in (ctypes.c_uint8, ctypes.c_char, ctypes.c_int8):
            # bytes are immutable and the C side takes `const T *`: point at the object's own storage.
            self.n = len(obj)
            self.shape = (self.n,)
            self.keep = obj
            self.ptr = ctypes.cast(ctypes.c_char_p(obj), ctypes.POINTER(ctype))
            return
        mv = None
        try:
            mv = memoryview(obj)
        except TypeError:
            pass
        if mv is not None and mv.readonly and mv.c_contiguous and mv.format in _BUF_FORMATS[ctype] \
                and mv.itemsize == ctypes.sizeof(ctype):
            # read-only buffers cannot be wrapped by ctypes: one memcpy, not an element-wise conversion
            self.n = mv.nbytes // ctypes.sizeof(ctype)
            self.shape = mv.shape
            arr = (ctype * max(1, self.n)).from_buffer_copy(mv.tobytes() or bytes(ctypes.sizeof(ctype)))
            self.keep = arr
            self.ptr = ctypes.cast(arr, ctypes.POINTER(ctype))
            self.copied = True
            return
        if mv is not None and mv.c_contiguous and not mv.readonly and mv.format in _BUF_FORMATS[ctype] \
                and mv.itemsize == ctypes.sizeof(ctype):
            self.n = mv.nbytes // ctypes.sizeof(ctype)
            self.shape = mv.shape
            if self.n:
                arr = (ctype * self.n).from_buffer(mv)
                self.keep = (obj, mv, arr)
                self.ptr = ctypes.cast(arr, ctypes.POINTER(ctype))
            else:
                self.keep = obj
                self.ptr = ctypes.POINTER(ctype)()
            return
        seq = list(obj.tolist() if hasattr(obj, "tolist") else obj)
        if seq and isinstance(seq[0], (list, tuple)):
            self.shape = (len(seq), len(seq[0]))
            flat = []
            for row in seq:
                if len(row) != self.shape[1]:
                    raise ValueError("%s: rows of different lengths" % what)
                flat.extend(row)
            seq = flat
        else:
            self.shape = (len(seq),)
        arr = (ctype * len(seq))(*seq)
        self.keep = arr
        self.n = len(seq)
        self.ptr = ctypes.cast(arr, ctypes.POINTER(ctype))
        self.copied = True


def group_names(group: str) -> List[str]:
    """The library's names of a constant group (mirs_<group>_name over its values), in value order."""
    fn = getattr(lib(), "mirs_%s_name" % group)
    return list(dict.fromkeys(text_out(n) for n in (fn(i) for i in range(-4, 64)) if n))


def group_name(group: str, value: int) -> Optional[str]:
    """The library's name of one value of a constant group (mirs_<group>_name); None outside the group."""
    n = getattr(lib(), "mirs_%s_name" % group)(int(value))
    return text_out(n) if n else None


def choice(table: Union[Mapping[str, int], str], value: object, what: str, function: Optional[str] = None) -> int:
    """The int for `value`: an int (or IntEnum) passes; a str is read by the library's name function when `table`
    names a constant group ("strip_mode": mirs_strip_mode_from_name, one table for the tool, Python and Rust),
    else looked up in `table` (name -> int), ignoring case and treating "-" like "_"; anything else raises
    UnknownNameError (a ValueError) listing the choices."""
    if isinstance(table, str):
        if isinstance(value, (str, bytes)):
            return parse_name("mirs_%s_from_name" % table, value, what)
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        from .errors import unknown_name
        raise unknown_name(what, value, group_names(table), function)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        v = table.get(value) if value in table else table.get(value.lower().replace("-", "_"))
        if v is None:
            v = table.get(value.lower())
        if v is not None:
            return int(v)
    from .errors import unknown_name
    raise unknown_name(what, value, list(table), function)


_NAME_FNS = {"mirs_preset_from_name": "mirs_preset_name", "mirs_judge_from_name": "mirs_judge_name",
             "mirs_verdict_from_name": "mirs_verdict_name", "mirs_response_type_from_name": "mirs_response_type_name",
             "mirs_prompt_format_from_name": "mirs_prompt_format_name",
             "mirs_prompt_variant_from_name": "mirs_prompt_variant_name"}


def parse_name(parse_fn: str, value: Union[str, bytes, int], what: str) -> int:
    """The int for a name through the library's lenient parser `parse_fn` (ints pass); an unknown name raises
    UnknownNameError listing the library's names (a ValueError and a NotFoundError)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if not isinstance(value, (str, bytes)):
        raise TypeError("%s: a name or an int, not %s" % (what, type(value).__name__))
    out = ctypes.c_int32()
    st = getattr(lib(), parse_fn)(text_in(value, what), ctypes.byref(out))
    name_fn_name = _NAME_FNS.get(parse_fn) or (parse_fn[:-len("_from_name")] + "_name"
                                                if parse_fn.endswith("_from_name") else None)
    if st == _ffi.MIRS_E_NOT_FOUND and name_fn_name and hasattr(lib(), name_fn_name):
        from .errors import unknown_name
        name_fn = getattr(lib(), name_fn_name)
        names = list(dict.fromkeys(text_out(n) for n in (name_fn(i) for i in range(-4, 64)) if n))
        msg = text_str(lib().mirs_error_last())
        e = unknown_name(what, value, names, parse_fn)
        if names and names[0] in msg:  # the library's message already lists the choices: keep it as it is
            e = type(e)(st, msg, parse_fn, names)
        raise e
    check(st, parse_fn)
    return out.value


# ---- option structs ------------------------------------------------------------------------------------------------


S = TypeVar("S", bound=ctypes.Structure)


def options(struct_cls: Type[S], init_fn: Any, kwargs: Mapping[str, Any], what: str) -> S:
    """A struct_size-first options struct filled by its *_options_init(opts, size) function (size is the struct's
    size as these bindings know it: the library writes no further), then with the given fields. Field names are the
    C names; unknown names raise TypeError. None leaves the default."""
    opts = struct_cls()
    init_fn(ctypes.byref(opts), ctypes.sizeof(opts))
    names = {f[0] for f in struct_cls._fields_}
    for k, v in kwargs.items():
        if k == "struct_size" or k not in names:
            raise TypeError("%s: unknown option %r (known: %s)" % (what, k, ", ".join(
                sorted(n for n in names if n != "struct_size"))))
        if v is not None:
            setattr(opts, k, int(v) if isinstance(v, bool) else v)
    return opts


class Anchor:
    """Frees one library object when the last reference to it goes: the handle that made it, the borrowed objects
    (items, streams, iterators, numpy views) made from it, and every call in flight, whose pointer argument holds
    the Anchor (see anchored()). close() only drops the handle's own reference, so a thread inside a call, or an
    array still viewing the memory, can never see it freed (docs/python.md, "Lifetimes and threads").
    `deps` are kept alive as long as this object (the owner of memory the library object borrows)."""

    __slots__ = ("_free", "_type", "_addr", "_deps")

    def __init__(self, ptr: Any, free: str, deps: Tuple[Any, ...] = ()) -> None:
        self._free = free
        self._type = type(ptr)
        # not ctypes.cast(): it would put ptr into its own _objects, a cycle that only the collector breaks
        self._addr = ctypes.c_void_p.from_buffer(ptr).value
        self._deps = deps

    def __del__(self) -> None:
        a, self._addr = self._addr, None
        if a:
            try:
                getattr(LIB, self._free)(self._type.from_buffer_copy(ctypes.c_void_p(a)))
            except Exception:  # pragma: no cover - only at interpreter shutdown, when ctypes may be gone
                pass


P = TypeVar("P")


def anchored(ptr: P, free: str, deps: Tuple[Any, ...] = ()) -> P:
    """`ptr` (a ctypes pointer to a new library object) with an Anchor attached that calls the library function
    named `free` (looked up when it runs) once nothing
    refers to the pointer any more. The pointer object itself is what handles store and pass to calls; anything
    that must keep the object alive holds the pointer. `deps`: objects the library object borrows from."""
    setattr(ptr, "_anchor", Anchor(ptr, free, deps))
    return ptr


H = TypeVar("H", bound="Handle")


class Handle:
    """A library object freed once it is closed (close(), the context manager or garbage collection) and no
    borrowed object or call in flight still uses it. Subclasses set _free (the name of the mirs_*_free function)
    and _what (for the closed-object error), and store the new pointer in self._ptr, which anchors it. After
    close() every use raises StateError, in every thread; calls already running finish on live memory."""

    _free: Optional[str] = None
    _what = "object"
    _p: Any = None

    @property
    def _ptr(self) -> Any:
        return self._p

    @_ptr.setter
    def _ptr(self, p: Any) -> None:
        if p and self._free and getattr(p, "_anchor", None) is None:
            p = anchored(p, self._free)
        self._p = p

    def _h(self) -> Any:
        p = self._p
        if not p:
            from .errors import StateError
            raise StateError(_ffi.MIRS_E_STATE, "the %s is closed" % self._what)
        return p

    @property
    def handle(self) -> Any:
        """The raw pointer for the mirsafety._ffi layer (it keeps the object alive while you hold it)."""
        return self._h()

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return not self._p

    def close(self) -> None:
        """Closes the object: later uses raise StateError; the memory goes with the last user. Safe to call
        twice."""
        self._p = None

    def __enter__(self: H) -> H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

__all__ = ["Anchor", "Array", "Handle", "LIB", "PathLike", "Text", "_np", "anchored", "check", "choice", "lib", "options",
           "parse_name", "path_in", "path_out", "raise_last", "take_buf", "text_in", "text_out", "text_str"]
