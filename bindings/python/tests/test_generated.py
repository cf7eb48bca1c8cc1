"""The generated layer agrees with the header and the library."""
import ctypes
import glob
import os
import re
import subprocess
import sys

import pytest

import mirsafety
from mirsafety import _ffi

from conftest import REPO


def header_text():
    return "".join(open(p, encoding="utf-8").read() for p in sorted(glob.glob(os.path.join(REPO, "include",
                                                                                          "mirsafety", "*.h"))))


def test_every_mirs_api_function_is_generated():
    # An independent count (a regex, not clang) of `MIRS_API <type> name(` declarations.
    names = set(re.findall(r"MIRS_API\s+[^;(]*?\b(mirs_\w+)\s*\(", header_text()))
    assert names, "no MIRS_API declarations found"
    assert names == set(_ffi.FUNCTIONS)


def test_every_integer_define_is_a_constant():
    defs = dict(re.findall(r"^#define\s+(MIRS_\w+)\s+\(?(-?\d+)u?\)?\s*(?:/\*.*)?$", header_text(), re.M))
    assert "MIRS_E_IO" in defs
    for name, value in defs.items():
        assert getattr(_ffi, name) == int(value), name


def test_struct_layout_matches_clang():
    for name, (size, align, offsets) in _ffi.C_LAYOUT.items():
        cls = _ffi.STRUCTS[name]
        assert ctypes.sizeof(cls) == size, name
        assert ctypes.alignment(cls) == align, name
        for field, off in offsets.items():
            assert getattr(cls, field).offset == off, (name, field)


def test_options_structs_start_with_struct_size():
    for name, cls in _ffi.STRUCTS.items():
        if name.endswith("_options") or name == "mirs_filter":
            assert cls._fields_[0] == ("struct_size", ctypes.c_size_t), name


def test_init_functions_set_struct_size():
    # Every mirs_X_init(T *, size_t size) / mirs_X_options_init(T *, size_t size) fills struct_size with the
    # size it is given, and writes nothing past it (an older caller's smaller struct keeps its guard bytes).
    L = mirsafety.lib()
    checked = 0
    for name, (module, restype, argtypes, argnames, decl, doc) in _ffi.FUNCTIONS.items():
        if not name.endswith("_init") or len(argtypes) != 2 or argtypes[1] is not ctypes.c_size_t:
            continue
        if name in L.missing:
            continue
        target = getattr(argtypes[0], "_type_", None)
        if target is None or not issubclass(target, ctypes.Structure) or not getattr(target, "_fields_", None):
            continue
        s = target()
        assert getattr(L, name)(ctypes.byref(s), ctypes.sizeof(target)) == 0, name
        assert s.struct_size == ctypes.sizeof(target), name
        last = target._fields_[-1][0]
        older = getattr(target, last).offset
        buf = (ctypes.c_uint8 * ctypes.sizeof(target))(*([0xA5] * ctypes.sizeof(target)))
        assert getattr(L, name)(ctypes.cast(buf, argtypes[0]), older) == 0, name
        assert ctypes.cast(buf, ctypes.POINTER(ctypes.c_size_t))[0] == older, name
        assert all(b == 0xA5 for b in bytes(buf)[older:]), name + " wrote past the size it was given"
        checked += 1
    if checked == 0:
        pytest.skip("no *_init function exported yet")


def test_docstrings_come_from_the_header():
    assert "calling thread" in _ffi.FUNCTIONS["mirs_error_last"][5]
    assert "Bytes or text owned by the library" in _ffi.mirs_buf.__doc__
    assert "calling thread" in mirsafety.lib().mirs_error_last.__doc__


def test_generator_is_in_sync(tmp_path):
    # The same check as the meson test 'generated-in-sync', from Python, so a stale tree fails here too.
    gen = os.path.join(REPO, "bindings", "gen", "generate.py")
    r = subprocess.run(["/usr/bin/python3", gen, "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr


def test_generator_string_literals_round_trip():
    # Header comments become Python literals; a comment ending in a quote (or holding three) once gave a
    # literal that did not parse.
    import importlib.util
    spec = importlib.util.spec_from_file_location("mirs_generate", os.path.join(REPO, "bindings", "gen",
                                                                                "generate.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for text in ['one line "quoted"', 'two\nlines "quoted"', 'x\n"""y"""', 'ends\nwith """', 'a\nb""',
                 'back\\slash\n"', "tab\t\nand 'single'"]:
        literal = gen.py_str(text)
        assert eval(literal) == text, (text, literal)  # noqa: S307 (a literal the generator wrote)
