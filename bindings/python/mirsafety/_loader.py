"""Finds and loads libmirsafety, binds the generated declarations and checks the version."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import threading
from typing import List, Optional, Sequence, Tuple

from . import _ffi

_lock = threading.Lock()
_lib: Optional[_ffi.Functions] = None
_path: Optional[str] = None


class LibraryNotFound(OSError):
    """libmirsafety could not be located or loaded."""


class VersionMismatch(ImportError):
    """The loaded libmirsafety is not the version these bindings were generated from."""


_SONAME = "libmirsafety.so.0"


def _in_folder(d: str) -> str:
    """The library file in folder d: the soname link, else the development link (a build tree has both)."""
    for name in (_SONAME, "libmirsafety.so"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return os.path.join(d, _SONAME)


def _pkg_config_libdir() -> Optional[str]:
    """libdir of mirsafety.pc as pkg-config finds it (PKG_CONFIG_PATH honoured), or None; bounded in time."""
    exe = shutil.which("pkg-config") or shutil.which("pkgconf")
    if not exe:
        return None
    try:
        r = subprocess.run([exe, "--variable=libdir", "mirsafety"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    d = r.stdout.strip()
    return d if r.returncode == 0 and d else None


def _candidates() -> List[Tuple[str, str]]:
    """[(where, path or soname)] in the order tried; each place once."""
    env = os.environ.get("MIRSAFETY_LIBRARY")
    if env:
        # An explicit choice is the only candidate: silently falling back would hide a wrong setting.
        where = "$MIRSAFETY_LIBRARY"
        return [(where, _in_folder(env) if os.path.isdir(env) else env)]
    out: List[Tuple[str, str]] = []
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", "..", ".."))  # bindings/python/mirsafety -> repository root
    for build in ("build", "builddir"):
        p = os.path.join(repo, build, "lib", "libmirsafety.so")
        if os.path.exists(p):
            out.append(("the source tree's build directory", p))
    d = _pkg_config_libdir()
    if d:
        out.append(("pkg-config (libdir of mirsafety.pc)", _in_folder(d)))
    found = ctypes.util.find_library("mirsafety")
    if found and found != _SONAME:
        out.append(("the system loader (ldconfig cache)", found))
    out.append(("the system loader", _SONAME))
    seen = set()  # type: set[str]
    uniq: List[Tuple[str, str]] = []
    for where, p in out:
        if p not in seen:
            seen.add(p)
            uniq.append((where, p))
    return uniq


def load() -> _ffi.Functions:
    """The bound library (an _ffi.Functions), loading it on first use."""
    global _lib, _path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        errors: List[str] = []
        for where, cand in _candidates():
            try:
                cdll = ctypes.CDLL(cand)
            except OSError as e:
                msg = str(e)
                errors.append("%s: %s" % (where, msg if cand in msg else "%s: %s" % (cand, msg)))
                continue
            fns = _ffi.Functions(cdll, cand)
            _check_version(fns, cand)
            _path = cand
            _lib = fns
            from . import _core
            _core.LIB = fns  # hot paths read the bound functions through this attribute (no call)
            return _lib
        raise LibraryNotFound(
            "libmirsafety not found. Tried:\n  " + "\n  ".join(errors) + "\nInstall it (meson install; then "
            "sudo ldconfig for a system prefix), point PKG_CONFIG_PATH at <prefix>/lib/<arch>/pkgconfig, or set "
            "MIRSAFETY_LIBRARY to the library file or its folder (a build tree: build/lib). docs/python.md, "
            "\"Finding the library\".")


def compatible(header: Sequence[int], library: Sequence[int]) -> bool:
    """Whether a library of version `library` (major, minor) serves bindings generated from headers of version
    `header` (docs/c-api.md, "Versions and compatibility"): the same major, and in 0.x the same minor (a 0.x minor
    release may change the ABI); from 1.0 on the library's minor may be newer (minor releases only add). The patch
    never matters: patch releases change neither the API nor the ABI."""
    if header[0] != library[0]:
        return False
    return header[1] == library[1] if header[0] == 0 else library[1] >= header[1]


def _check_version(fns: _ffi.Functions, where: str) -> None:
    want = (_ffi.MIRS_VERSION_MAJOR, _ffi.MIRS_VERSION_MINOR)
    try:
        have = (fns.mirs_version_major(), fns.mirs_version_minor(), fns.mirs_version_patch())
    except (AttributeError, NotImplementedError) as e:
        raise VersionMismatch("%s does not look like libmirsafety: %s" % (where, e))
    if not compatible(want, have[:2]):
        raise VersionMismatch("%s is libmirsafety %d.%d.%d but these bindings were generated from the %s headers"
                              % ((where,) + have + (_ffi.MIRS_VERSION_STRING,)))


def library_path() -> str:
    """The path (or soname) the library was loaded from."""
    load()
    assert _path is not None
    return _path
