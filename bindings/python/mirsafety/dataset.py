"""Datasets, items and iterators: the idiomatic layer over dataset.h.

An opened Dataset is immutable and may be shared between threads (the header documents every const function as
thread-safe). An ItemIterator is one-thread-at-a-time, like mirs_iter. Items are borrowed from their dataset: an
Item keeps its Dataset object alive, and every access fails with a StateError once the dataset was closed.
"""
from __future__ import annotations

import ctypes
import threading
import weakref
from typing import Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union, overload

from . import _core, _ffi
from ._core import PathLike, Text, anchored, check, choice, lib, options, path_in, path_out, text_in, text_out, text_str
from .errors import MirsError

# ---- taxonomy ---------------------------------------------------------------------------------------------------------


def category_name(category: Name) -> Optional[str]:
    """Official name of a category ("Self-Harm") given its int, Category member or any spelling of its name;
    None when the int is out of range."""
    return text_out(lib().mirs_category_name(parse_category(category)))


def relation_name(relation: Name) -> Optional[str]:
    """Official name of a relation ("Temporal_Jump") given its int, Relation member or name; None when out of
    range."""
    return text_out(lib().mirs_relation_name(parse_relation(relation)))


def group_name(group: Name) -> Optional[str]:
    """Official name of a relation group ("Semantic") given its int, Group member or name; None when out of
    range."""
    return text_out(lib().mirs_group_name(parse_group(group)))


def category_display_name(category: Name) -> Optional[str]:
    """Display name of a category ("Self-Harm" -> "Self-harm" style, as the paper prints it); None when out of
    range."""
    return text_out(lib().mirs_category_display_name(parse_category(category)))


def relation_display_name(relation: Name) -> Optional[str]:
    """Display name of a relation, as the paper prints it; None when out of range."""
    return text_out(lib().mirs_relation_display_name(parse_relation(relation)))


def relation_description(relation: Name) -> Optional[str]:
    """One-line description of a relation type; None when out of range."""
    return text_out(lib().mirs_relation_description(parse_relation(relation)))


def relation_group(relation: Name) -> int:
    """The group of a relation, or -1 when out of range."""
    return lib().mirs_relation_group(parse_relation(relation))


#: a category, relation or group: its name (parsed leniently), an int or an enums member (an int)
Name = Union[str, bytes, int]


def _parse(fn: str, name: Name, what: str) -> int:
    if isinstance(name, int) and not isinstance(name, bool):
        return int(name)
    if not isinstance(name, (str, bytes)):
        raise TypeError("%s: a name or an int, not %s" % (what, type(name).__name__))
    out = ctypes.c_int32()
    st = getattr(lib(), fn)(text_in(name, what), ctypes.byref(out))
    if st == _ffi.MIRS_E_NOT_FOUND:
        from .errors import unknown_name
        names = {"category": categories, "relation": relations, "group": groups}[what]()
        raise unknown_name(what, name, names, fn)
    check(st, fn)
    return out.value


def parse_category(name: Name) -> int:
    """Lenient category parsing ("self harm" -> MIRS_CATEGORY_SELF_HARM); NotFoundError otherwise. Ints pass."""
    return _parse("mirs_category_from_name", name, "category")


def parse_relation(name: Name) -> int:
    """Lenient relation parsing ("temporal-jump" -> MIRS_RELATION_TEMPORAL_JUMP); UnknownNameError (a ValueError)
    listing the relations otherwise. Ints pass."""
    return _parse("mirs_relation_from_name", name, "relation")


def parse_group(name: Name) -> int:
    """Lenient group parsing ("SEMANTIC" -> MIRS_GROUP_SEMANTIC); UnknownNameError listing the groups otherwise.
    Ints pass."""
    return _parse("mirs_group_from_name", name, "group")


def categories() -> List[str]:
    """Official category names in order."""
    return [text_str(lib().mirs_category_name(i)) for i in range(_ffi.MIRS_CATEGORY_COUNT)]


def relations() -> List[str]:
    """Official relation names in order."""
    return [text_str(lib().mirs_relation_name(i)) for i in range(_ffi.MIRS_RELATION_COUNT)]


def groups() -> List[str]:
    """Official relation group names in order."""
    return [text_str(lib().mirs_group_name(i)) for i in range(_ffi.MIRS_GROUP_COUNT)]


def key_hash(key: Text) -> int:
    """The stable 64-bit hash of a key (same on every machine)."""
    return lib().mirs_key_hash(text_in(key, "key"))


def key_shard(key: Text, shard_count: int) -> int:
    """mirs_key_hash(key) % shard_count (0 if shard_count is 0)."""
    return lib().mirs_key_shard(text_in(key, "key"), shard_count)


# ---- dataset ---------------------------------------------------------------------------------------------------------

_ITEM_PTR = ctypes.POINTER(_ffi.mirs_item)
_byref = ctypes.byref

class Diagnostic(NamedTuple):
    """A problem a lenient open skipped: status, its name, file, item index (-1: the file), message."""
    status: int
    status_name: str
    file: Optional[str]
    item_index: int
    message: Optional[str]

FORMAT_AUTO = _ffi.MIRS_DATASET_FORMAT_AUTO
FORMAT_OFFICIAL = _ffi.MIRS_DATASET_FORMAT_OFFICIAL
FORMAT_JSONL = _ffi.MIRS_DATASET_FORMAT_JSONL
_FORMATS = "dataset_format"  # constant groups are named by the library (mirs_<group>_from_name)
_MODES = "read_mode"  # MIRS_READ_*: the one strict/lenient knob of every reader
_ODDITIES = "dataset_oddities"


class Dataset:
    """An opened MIR-SafetyBench dataset (official folder layout or JSONL manifest).

    Dataset(path, format="auto", mode="strict", **options) where options are the fields of
    mirs_dataset_options (check_images, min_images, max_images, max_json_depth, max_file_bytes, max_items,
    max_line_bytes). Use it as a context manager or call close(); len(ds), ds[i], ds["Cat/Rel/id"], `key in ds`
    and iteration (dataset order) work as on a sequence. Thread-safe once opened.
    """

    def __init__(self, path: PathLike, format: Union[str, int] = "auto", mode: Union[str, int] = "strict", *,
                 check_images: Optional[bool] = None, min_images: Optional[int] = None,
                 max_images: Optional[int] = None, max_json_depth: Optional[int] = None,
                 max_file_bytes: Optional[int] = None, max_items: Optional[int] = None,
                 max_line_bytes: Optional[int] = None, oddities: Union[str, int, None] = None) -> None:
        """Opens a dataset folder (official layout) or JSONL manifest. format: "auto", "official", "jsonl";
        mode: "strict" (the first problem fails) or "lenient" (bad items skipped, see diagnostics); the other
        options are mirs_dataset_options' fields (None keeps the library's default): check_images (image files
        must exist), min_images / max_images per item, max_json_depth, max_file_bytes, max_items, max_line_bytes,
        oddities ("accept" or "refuse", docs/dataset.md)."""
        opts = dict(format=choice(_FORMATS, format, "format"), mode=choice(_MODES, mode, "mode"),
                    check_images=check_images, min_images=min_images, max_images=max_images,
                    max_json_depth=max_json_depth, max_file_bytes=max_file_bytes, max_items=max_items,
                    max_line_bytes=max_line_bytes,
                    oddities=None if oddities is None else choice(_ODDITIES, oddities, "oddities"))
        o = options(_ffi.mirs_dataset_options, lib().mirs_dataset_options_init, opts, "Dataset")
        ptr = ctypes.POINTER(_ffi.mirs_dataset)()
        check(lib().mirs_dataset_open(path_in(path), ctypes.byref(o), ctypes.byref(ptr)), "mirs_dataset_open")
        self._iters: weakref.WeakSet[ItemIterator] = weakref.WeakSet()
        self._ptr: Any = None
        self._lock = threading.Lock()
        # The pointer anchors the library object: every Item, iterator and call in flight holds it, so the memory
        # goes with the last of them, never under a thread that is still reading (docs/python.md).
        self._ptr = anchored(ptr, "mirs_dataset_free")

    # lifetime
    def close(self) -> None:
        """Closes the dataset (its iterators first): from now on every use of it, of its iterators and of its
        Items raises StateError, in every thread. The memory is freed at once unless an Item or iterator still
        exists or a call is in flight in another thread; then with the last of them. Safe to call twice."""
        with self._lock:
            self._ptr = None
            its = list(self._iters)
        for it in its:
            it.close()

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return not self._ptr

    @property
    def handle(self) -> Any:
        """The raw mirs_dataset pointer (for the _ffi layer); StateError once closed."""
        p = self._ptr
        if not p:
            from .errors import StateError
            raise StateError(_ffi.MIRS_E_STATE, "the dataset is closed")
        return p

    # properties
    @property
    def path(self) -> str:
        """The path the dataset was opened from."""
        return path_out(lib().mirs_dataset_path(self.handle)) or ""

    @property
    def format(self) -> int:
        """FORMAT_OFFICIAL or FORMAT_JSONL."""
        return lib().mirs_dataset_format(self.handle)

    def __len__(self) -> int:
        return lib().mirs_dataset_count(self.handle)

    @property
    def image_total(self) -> int:
        """Image references over all items."""
        return lib().mirs_dataset_image_total(self.handle)

    def count_cell(self, category: Name, relation: Name) -> int:
        """Items with this category and relation (names or ints)."""
        return lib().mirs_dataset_count_cell(self.handle, parse_category(category), parse_relation(relation))

    @property
    def diagnostics(self) -> List[Diagnostic]:
        """Problems a lenient open skipped, as Diagnostic tuples."""
        from .errors import status_name
        out = []
        h = self.handle
        for i in range(lib().mirs_dataset_diagnostic_count(h)):
            p = lib().mirs_dataset_diagnostic(h, i)
            if not p:
                break
            d = p.contents
            out.append(Diagnostic(d.status, status_name(d.status), path_out(d.file), d.item_index,
                                  text_out(d.message)))
        return out

    def get(self, index: int) -> Item:
        """The item at a position (negative counts from the end); IndexError when out of range."""
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("dataset index out of range")
        h = self.handle
        p = lib().mirs_dataset_get(h, index)
        if not p:
            raise IndexError("dataset index out of range")
        return Item(self, p, h)

    def find(self, key: Text) -> Item:
        """The item with this key ("Category/Relation/id"); NotFoundError when there is none."""
        p = ctypes.POINTER(_ffi.mirs_item)()
        h = self.handle
        check(lib().mirs_dataset_find(h, text_in(key, "key"), ctypes.byref(p)), "mirs_dataset_find")
        return Item(self, p, h)

    @overload
    def __getitem__(self, k: slice) -> List[Item]: ...

    @overload
    def __getitem__(self, k: Union[int, str, bytes]) -> Item: ...

    def __getitem__(self, k: Union[slice, int, str, bytes]) -> Union[Item, List[Item]]:
        """ds[i] (position), ds["Cat/Rel/id"] (key; KeyError when absent), ds[a:b] (a list)."""
        if isinstance(k, slice):
            return [self.get(i) for i in range(*k.indices(len(self)))]
        if isinstance(k, (str, bytes)):
            try:
                return self.find(k)
            except MirsError as e:
                if e.status == _ffi.MIRS_E_NOT_FOUND:
                    raise KeyError(k) from e
                raise
        return self.get(k)

    def __contains__(self, key: object) -> bool:
        p = ctypes.POINTER(_ffi.mirs_item)()
        if not isinstance(key, (str, bytes, bytearray)):
            return False
        b = text_in(key, "key")
        return lib().mirs_dataset_find(self.handle, b, ctypes.byref(p)) == _ffi.MIRS_OK

    def checksum(self, images: bool = False) -> int:
        """CRC-64 content checksum (metadata, or with images=True also every image's bytes)."""
        out = ctypes.c_uint64()
        flags = _ffi.MIRS_CHECKSUM_IMAGES if images else _ffi.MIRS_CHECKSUM_METADATA
        check(lib().mirs_dataset_checksum(self.handle, flags, ctypes.byref(out)), "mirs_dataset_checksum")
        return out.value

    def iter(self, categories: Optional[Filter] = None, relations: Optional[Filter] = None,
             groups: Optional[Filter] = None, keys: Optional[Iterable[Text]] = None,
             shard: Optional[Tuple[int, int]] = None, shuffle: bool = False, seed: int = 0) -> ItemIterator:
        """An ItemIterator over the items passing every filter (AND): categories/relations/groups are iterables of
        names or ints, keys an iterable of keys, shard a (index, count) pair, shuffle a seeded stable order."""
        return ItemIterator(self, categories=categories, relations=relations, groups=groups, keys=keys,
                            shard=shard, shuffle=shuffle, seed=seed)

    def __iter__(self) -> ItemIterator:
        return self.iter()

    def __repr__(self) -> str:
        if self.closed:
            return "<mirsafety.Dataset closed>"
        return "<mirsafety.Dataset %r: %d items>" % (self.path, len(self))


#: a filter: names or ints (one or an iterable)
Filter = Union[Name, Iterable[Name]]


def _mask(values: Optional[Filter], parse: Callable[[Name], int]) -> int:
    if values is None:
        return 0
    if isinstance(values, (str, int)):
        values = [values]
    m = 0
    for v in values:
        i = parse(v)
        if not 0 <= i < 32:
            from .errors import RangeError
            raise RangeError(_ffi.MIRS_E_RANGE, "filter value %r out of range" % (v,))
        m |= 1 << i
    if m == 0:
        # An empty list would mean "all" in C (mask 0); in Python it means "none", so refuse it.
        raise ValueError("an empty filter list keeps nothing; pass None to keep all")
    return m


def make_filter(categories: Optional[Filter] = None, relations: Optional[Filter] = None,
                groups: Optional[Filter] = None, keys: Optional[Iterable[Text]] = None,
                shard: Optional[Tuple[int, int]] = None, shuffle: bool = False,
                seed: int = 0) -> Tuple[_ffi.mirs_filter, Any]:
    """A mirs_filter from the Python filter arguments, and the object that must outlive its use."""
    f = _ffi.mirs_filter()
    lib().mirs_filter_init(ctypes.byref(f), ctypes.sizeof(f))
    f.categories = _mask(categories, parse_category)
    f.relations = _mask(relations, parse_relation)
    f.groups = _mask(groups, parse_group)
    keep = None
    if keys is not None:
        ks = [text_in(k, "key") for k in keys]
        keep = (ctypes.c_char_p * max(1, len(ks)))(*ks)
        f.keys = ctypes.cast(keep, ctypes.POINTER(ctypes.c_char_p))
        f.key_count = len(ks)
    if shard is not None:
        f.shard_index, f.shard_count = shard
    f.shuffle = 1 if shuffle else 0
    f.seed = seed
    return f, keep


class ItemIterator:
    """Filtered, sharded, optionally shuffled iteration over a Dataset (wraps mirs_iter). One thread at a time.
    len() is the number of items it yields in all; reset() starts over; close() or the context manager frees it."""

    def __init__(self, dataset: Dataset, categories: Optional[Filter] = None, relations: Optional[Filter] = None,
                 groups: Optional[Filter] = None, keys: Optional[Iterable[Text]] = None,
                 shard: Optional[Tuple[int, int]] = None, shuffle: bool = False, seed: int = 0) -> None:
        f, self._keys = make_filter(categories, relations, groups, keys, shard, shuffle, seed)
        ptr = ctypes.POINTER(_ffi.mirs_iter)()
        dh = dataset.handle
        check(lib().mirs_iter_new(dh, ctypes.byref(f), ctypes.byref(ptr)), "mirs_iter_new")
        self._ptr: Any = None
        self._dh = dh  # the dataset's anchor: its items stay valid while this iterator yields them
        self._ptr = anchored(ptr, "mirs_iter_free", (dh,))
        self._ds = dataset
        dataset._iters.add(self)

    def _handle(self) -> Any:
        if not self._ptr or self._ds.closed:
            from .errors import StateError
            raise StateError(_ffi.MIRS_E_STATE, "the iterator or its dataset is closed")
        return self._ptr

    def __iter__(self) -> ItemIterator:
        return self

    def __next__(self) -> Item:
        h = self._ptr
        if not h or not self._ds._ptr:
            h = self._handle()  # raises StateError
        p = _ITEM_PTR()
        st = _core.LIB.mirs_iter_next(h, _byref(p))
        if st == 0:
            return Item(self._ds, p, self._dh)
        if st == _ffi.MIRS_DONE:
            raise StopIteration
        _core.raise_last(st, "mirs_iter_next")

    def __len__(self) -> int:
        return lib().mirs_iter_count(self._handle())

    def reset(self) -> None:
        """Starts the iteration over (same order)."""
        lib().mirs_iter_reset(self._handle())

    def close(self) -> None:
        """Closes the iterator (later use raises StateError; a call in flight finishes first). Safe twice."""
        self._ptr = None

    def __enter__(self) -> ItemIterator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Item:
    """One benchmark item, borrowed from its Dataset: readable while the dataset is open, StateError after
    Dataset.close() (also in threads that were reading it then). Immutable; text is str."""

    __slots__ = ("_ds", "_p", "_k")

    def __init__(self, dataset: Dataset, ptr: Any, keep: Any = None) -> None:
        self._ds = dataset
        self._p = ptr
        self._k = keep if keep is not None else dataset._ptr  # the dataset's anchor: its memory outlives the item

    def _h(self) -> Any:
        if not self._ds._ptr:
            from .errors import StateError
            raise StateError(_ffi.MIRS_E_STATE, "the item's dataset is closed")
        return self._p

    @property
    def dataset(self) -> Dataset:
        """The Dataset the item belongs to."""
        return self._ds

    @property
    def key(self) -> str:
        """"<Category>/<Relation>/<id>" with official names."""
        # hot path: no helper calls (see docs/performance.md, Python binding overhead)
        p = self._p if self._ds._ptr else self._h()
        return _core.LIB.mirs_item_key(p).decode("utf-8")  # type: ignore[union-attr]  # never NULL (dataset.h)

    @property
    def id(self) -> str:
        """The id as text (integers in decimal)."""
        # hot path: no helper calls (see docs/performance.md, Python binding overhead)
        p = self._p if self._ds._ptr else self._h()
        return _core.LIB.mirs_item_id(p).decode("utf-8")  # type: ignore[union-attr]  # never NULL (dataset.h)

    @property
    def id_is_int(self) -> bool:
        """Whether the id was an integer in the file."""
        return bool(lib().mirs_item_id_is_int(self._h()))

    @property
    def category(self) -> int:
        """The category (MIRS_CATEGORY_*, a Category value), -1 for an unknown folder."""
        return _core.LIB.mirs_item_category(self._p if self._ds._ptr else self._h())

    @property
    def category_name(self) -> str:
        """The category as the key spells it (an unknown folder's own name; category is then -1)."""
        return text_str(_core.LIB.mirs_item_category_name(self._p if self._ds._ptr else self._h()))

    @property
    def relation(self) -> int:
        """The relation (MIRS_RELATION_*, a Relation value), -1 for an unknown file."""
        return _core.LIB.mirs_item_relation(self._p if self._ds._ptr else self._h())

    @property
    def relation_name(self) -> str:
        """The relation as the key spells it (an unknown file's relation; relation is then -1)."""
        return text_str(_core.LIB.mirs_item_relation_name(self._p if self._ds._ptr else self._h()))

    @property
    def index(self) -> int:
        """The position in the dataset."""
        return _core.LIB.mirs_item_index(self._p if self._ds._ptr else self._h())

    @property
    def revised_prompt(self) -> str:
        """The revised (attack) prompt."""
        # hot path: no helper calls (see docs/performance.md, Python binding overhead)
        p = self._p if self._ds._ptr else self._h()
        return _core.LIB.mirs_item_revised_prompt(p).decode("utf-8")  # type: ignore[union-attr]  # never NULL (dataset.h)

    @property
    def original_question(self) -> str:
        """The original harmful question."""
        # hot path: no helper calls (see docs/performance.md, Python binding overhead)
        p = self._p if self._ds._ptr else self._h()
        return _core.LIB.mirs_item_original_question(p).decode("utf-8")  # type: ignore[union-attr]  # never NULL (dataset.h)

    @property
    def relationship_type(self) -> str:
        """The relationship_type field as written."""
        # hot path: no helper calls (see docs/performance.md, Python binding overhead)
        p = self._p if self._ds._ptr else self._h()
        return _core.LIB.mirs_item_relationship_type(p).decode("utf-8")  # type: ignore[union-attr]  # never NULL (dataset.h)

    @property
    def iteration(self) -> int:
        """The iteration field (-1 when absent)."""
        return lib().mirs_item_iteration(self._h())

    @property
    def source_file(self) -> Optional[str]:
        """The file the item was read from."""
        return path_out(lib().mirs_item_source_file(self._h()))

    @property
    def source_index(self) -> int:
        """The item's position in its source file."""
        return lib().mirs_item_source_index(self._h())

    def _list(self, count_fn: str, get_fn: str, conv: Callable[[Optional[bytes]], Any]) -> List[Any]:
        h = self._h()
        L = _core.LIB
        n = getattr(L, count_fn)(h)
        get = getattr(L, get_fn)
        return [conv(get(h, i)) for i in range(n)]

    @property
    def image_paths(self) -> List[str]:
        """Image paths as written in the file."""
        return self._list("mirs_item_image_count", "mirs_item_image_path", path_out)

    @property
    def image_files(self) -> List[str]:
        """Image paths joined to their base, ready to open."""
        return self._list("mirs_item_image_count", "mirs_item_image_file", path_out)

    @property
    def descriptions(self) -> List[str]:
        """The image descriptions."""
        return self._list("mirs_item_description_count", "mirs_item_description", text_out)

    @property
    def keywords(self) -> List[str]:
        """The keywords."""
        return self._list("mirs_item_keyword_count", "mirs_item_keyword", text_out)

    def to_dict(self) -> Dict[str, Any]:
        """Every field as a dict (JSON-ready)."""
        return {
            "key": self.key, "id": self.id, "id_is_int": self.id_is_int, "category": self.category_name,
            "relation": self.relation_name, "index": self.index, "revised_prompt": self.revised_prompt,
            "original_question": self.original_question, "relationship_type": self.relationship_type,
            "iteration": self.iteration, "source_file": self.source_file, "source_index": self.source_index,
            "image_paths": self.image_paths, "image_files": self.image_files, "descriptions": self.descriptions,
            "keywords": self.keywords,
        }

    def _addr(self) -> Optional[int]:
        return ctypes.cast(self._p, ctypes.c_void_p).value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Item) and other._ds is self._ds and other._addr() == self._addr()

    def __hash__(self) -> int:
        return hash((id(self._ds), self._addr()))

    def __repr__(self) -> str:
        if self._ds.closed:
            return "<mirsafety.Item (dataset closed)>"
        return "<mirsafety.Item %s>" % self.key
