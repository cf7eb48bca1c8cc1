"""Python bindings of libmirsafety, the evaluation machinery of MIR-SafetyBench.

    import mirsafety
    with mirsafety.Dataset("examples/data/sample") as ds:
        for item in ds.iter(relations=["Temporal_Jump"], shard=(0, 4)):
            print(item.key, item.image_files)

Idiomatic classes live here (Dataset, ItemIterator, Item, the stats functions, exceptions); the generated
one-to-one ctypes layer is mirsafety._ffi, bound to the loaded library as mirsafety.lib().
The library is found through $MIRSAFETY_LIBRARY, the repository's build/ tree, or the system loader, and must
be the version these bindings were generated from (VersionMismatch otherwise).
"""
from __future__ import annotations

from typing import Any, Tuple

from . import _ffi, entropy, enums, errors, image, prompt, report, score, stats
from ._core import PathLike, lib
from ._loader import LibraryNotFound, VersionMismatch, library_path
from .dataset import (Dataset, Diagnostic, Item, ItemIterator, categories, category_display_name, category_name,
                      group_name, groups, key_hash, key_shard, parse_category, parse_group, parse_relation,
                      relation_description, relation_display_name, relation_group, relation_name, relations)
from .errors import *  # noqa: F401,F403  (MirsError and one subclass per status)
from .errors import MirsError, UnknownNameError, status_name
from .enums import *  # noqa: F401,F403  (IntEnum classes of the header's constants)
from .image import Image
from .report import Record, Records, Report, Response, Responses, Store
from .score import Match, Matcher, MatcherStream

__version__ = _ffi.MIRS_VERSION_STRING
HEADER_VERSION = (_ffi.MIRS_VERSION_MAJOR, _ffi.MIRS_VERSION_MINOR, _ffi.MIRS_VERSION_PATCH)


def library_version() -> Tuple[int, int, int, str]:
    """(major, minor, patch, string) of the loaded library."""
    L = lib()
    return (L.mirs_version_major(), L.mirs_version_minor(), L.mirs_version_patch(),
            (L.mirs_version_string() or b"").decode("ascii"))


def status_str(status: int) -> str:
    """The library's static name of a status code."""
    return (lib().mirs_status_str(status) or b"").decode("ascii")


def last_error() -> Tuple[int, str]:
    """(status, message) of the calling thread's last failure in the library."""
    L = lib()
    return L.mirs_error_last_status(), (L.mirs_error_last() or b"").decode("utf-8", "replace")


def clear_error() -> None:
    """Clears the calling thread's last failure (status MIRS_OK, empty message)."""
    lib().mirs_error_clear()


def open(path: PathLike, **kwargs: Any) -> Dataset:  # noqa: A001 - mirrors mirs_dataset_open
    """Opens a Dataset (see Dataset for the options)."""
    return Dataset(path, **kwargs)


# What `from mirsafety import *` brings: the classes, functions, exceptions and enums of the idiomatic layer; not the
# submodules' helpers, and no name that shadows a built-in (open, OverflowError, ...: use mirsafety.open).
__all__ = [
    "Dataset", "Diagnostic", "Item", "ItemIterator", "categories", "category_display_name", "category_name",
    "group_name", "groups", "key_hash", "key_shard", "parse_category", "parse_group", "parse_relation",
    "relation_description", "relation_display_name", "relation_group", "relation_name", "relations",
    "Image", "Record", "Records", "Report", "Response", "Responses", "Store", "Match", "Matcher", "MatcherStream",
    "LibraryNotFound", "VersionMismatch", "library_path", "library_version", "status_str", "last_error",
    "clear_error", "lib", "HEADER_VERSION", "entropy", "errors", "enums", "image", "prompt", "report", "score",
    "stats",
]
__all__ += errors.__all__
__all__ += enums.__all__
