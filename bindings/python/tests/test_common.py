"""common.h: version, status names, errors, buffers, library discovery."""
import ctypes
import os
import subprocess
import sys

import pytest

import mirsafety
from mirsafety import _ffi, errors

from conftest import HERE, require


def test_version_matches_generated_constants():
    major, minor, patch, s = mirsafety.library_version()
    assert (major, minor) == mirsafety.HEADER_VERSION[:2]
    assert s == "%d.%d.%d" % (major, minor, patch)
    assert mirsafety.lib().mirs_version_number() == major * 10000 + minor * 100 + patch
    assert mirsafety.__version__ == _ffi.MIRS_VERSION_STRING


def test_status_names_agree_with_the_header():
    codes = [(n, getattr(_ffi, n)) for n in _ffi.CONSTANTS if n.startswith("MIRS_E_")]
    assert len(codes) >= 24
    for name, value in codes + [("MIRS_OK", 0), ("MIRS_DONE", 1)]:
        assert mirsafety.status_str(value) == name
        assert errors.status_name(value) == name
    assert mirsafety.status_str(-9999) == "MIRS_E_UNKNOWN"


def test_one_exception_class_per_status():
    assert errors.error_class(_ffi.MIRS_E_NOT_FOUND) is mirsafety.NotFoundError
    assert errors.error_class(_ffi.MIRS_E_IO) is mirsafety.IoError
    assert issubclass(mirsafety.Utf8Error, mirsafety.MirsError)
    assert errors.error_class(-9999) is mirsafety.MirsError


def test_error_carries_status_and_message():
    # Any failing call will do: the first module that is there.
    if "mirs_preset_from_name" not in mirsafety.lib().missing:
        fail = lambda: mirsafety.score.preset_from_name("no such preset")  # noqa: E731
    else:
        require("mirs_category_from_name")
        fail = lambda: mirsafety.parse_category("no such category")  # noqa: E731
    with pytest.raises(mirsafety.NotFoundError) as ei:
        fail()
    e = ei.value
    assert e.status == _ffi.MIRS_E_NOT_FOUND and e.status_name == "MIRS_E_NOT_FOUND"
    assert e.message  # the library's message, copied when raised
    st, msg = mirsafety.last_error()
    assert st == _ffi.MIRS_E_NOT_FOUND and msg == e.message
    mirsafety.clear_error()
    assert mirsafety.last_error() == (0, "")


def test_buf_free_accepts_zeroed_and_null():
    b = _ffi.mirs_buf()
    mirsafety.lib().mirs_buf_free(ctypes.byref(b))
    mirsafety.lib().mirs_buf_free(None)
    assert not b.data and b.size == 0


def _run(code, **env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True,
                          cwd=os.path.dirname(HERE))


def test_library_env_var_is_authoritative():
    r = _run("import mirsafety; mirsafety.lib()", MIRSAFETY_LIBRARY="/nonexistent/libmirsafety.so")
    assert r.returncode != 0 and "LibraryNotFound" in r.stderr and "/nonexistent/libmirsafety.so" in r.stderr


def test_version_mismatch_is_refused(monkeypatch):
    from mirsafety import _loader

    class Fake:
        def mirs_version_major(self):
            return _ffi.MIRS_VERSION_MAJOR

        def mirs_version_minor(self):
            return _ffi.MIRS_VERSION_MINOR + 1

        def mirs_version_patch(self):
            return 0

    with pytest.raises(mirsafety.VersionMismatch):
        _loader._check_version(Fake(), "fake")


def test_version_policy():
    # docs/c-api.md "Versions and compatibility": any patch; in 0.x the same minor; from 1.0 a newer minor too.
    from mirsafety._loader import compatible
    assert compatible((0, 1), (0, 1))
    assert not compatible((0, 1), (0, 2)) and not compatible((0, 2), (0, 1))
    assert not compatible((0, 1), (1, 1)) and not compatible((1, 0), (2, 0))
    assert compatible((1, 2), (1, 2)) and compatible((1, 2), (1, 5)) and not compatible((1, 2), (1, 1))


def test_other_patch_is_accepted():
    from mirsafety import _loader

    class Fake:
        def mirs_version_major(self):
            return _ffi.MIRS_VERSION_MAJOR

        def mirs_version_minor(self):
            return _ffi.MIRS_VERSION_MINOR

        def mirs_version_patch(self):
            return _ffi.MIRS_VERSION_PATCH + 7

    _loader._check_version(Fake(), "fake")
