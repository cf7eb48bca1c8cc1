"""Responses, verdict records, the crash-safe result store, ASR reports and comparisons (report.h).

Responses and Records objects are immutable once read and shareable between threads; Store and Report are
one-thread-at-a-time. Records and responses come back as plain namedtuples (copied out of the library), so they
stay valid after the object that produced them is closed.
"""
from __future__ import annotations

import contextlib
import ctypes
import threading
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _ffi
from ._core import (Array, Handle, PathLike, Text, anchored, check, choice, lib, options, path_in, take_buf, text_in,
                    text_out, text_str)
from .dataset import Dataset, Filter, Item, Name
from .score import NameArg, TextArg, _enum, _Text



def _official_opts(threads: int) -> _ffi.mirs_official_options:
    return options(_ffi.mirs_official_options, lib().mirs_official_options_init, {"threads": threads}, "official")



class Response(NamedTuple):
    """One model response: status is MIRS_RESPONSE_OK/_FAILED/_CRASHED (a ResponseStatus); text is str (U+0000
    kept); origin is MIRS_RESPONSE_ORIGIN_GIVEN/_COMPLETIONS/_CHAT (a ResponseOrigin)."""
    key: str
    text: str
    status: int
    finish_reason: Optional[str]
    error: Optional[str]
    source: Optional[str]
    model: Optional[str]
    origin: int


_REC_FIELDS = ("key", "model", "judge", "verdict", "flags", "response_type", "finish_reason", "response",
               "judge_output", "categories", "timestamp_ms")


class Record(NamedTuple):
    """A store record. key, model and judge are required; verdict is MIRS_VERDICT_* (a Verdict) or
    MIRS_RECORD_NO_VERDICT; flags are MIRS_RECORD_* bits; the other texts are optional (None)."""
    key: str
    model: str
    judge: str
    verdict: int = _ffi.MIRS_RECORD_NO_VERDICT
    flags: int = 0
    response_type: Optional[str] = None
    finish_reason: Optional[str] = None
    response: Optional[str] = None
    judge_output: Optional[str] = None
    categories: Optional[str] = None
    timestamp_ms: int = 0


# Constant groups are named by the library (mirs_<group>_from_name); _BY is a set of bits, not a group.
_RESP_FORMATS = "responses_format"
_DURABLE = "durability"
_TORN = "torn"
_MERGE = "merge_policy"
_DENOM = "denominator"
_FORMATS = "report_format"
_BY = {"relation": _ffi.MIRS_BY_RELATION, "category": _ffi.MIRS_BY_CATEGORY, "group": _ffi.MIRS_BY_GROUP,
       "matrix": _ffi.MIRS_BY_MATRIX, "all": _ffi.MIRS_BY_ALL}


def _opt(s: Optional[Text]) -> Optional[bytes]:
    return None if s is None else text_in(s)


def _strlist(count_fn: str, get_fn: str, h: Any) -> List[str]:
    L = lib()
    return [text_str(getattr(L, get_fn)(h, i)) for i in range(getattr(L, count_fn)(h))]


_Handle = Handle


# ---- responses ---------------------------------------------------------------------------------------------------------


def _resp_opts(format: NameArg, mode: NameArg, opts: Dict[str, Optional[int]]) -> _ffi.mirs_responses_options:
    return options(_ffi.mirs_responses_options, lib().mirs_responses_options_init,
                   dict(opts, format=_enum(format, _RESP_FORMATS, None, "format"), mode=_read_mode(mode)),
                   "Responses")


def _read_mode(mode: NameArg) -> int:
    """MIRS_READ_* from "strict" / "lenient" (or a ReadMode / int): the one strict/lenient knob of every reader."""
    return choice("read_mode", mode, "mode")


def _records_opts(mode: NameArg) -> _ffi.mirs_records_options:
    return options(_ffi.mirs_records_options, lib().mirs_records_options_init, dict(mode=_read_mode(mode)), "Records")


class Responses(_Handle):
    """Model responses: Responses(path) reads an OpenAI Batch / simple JSONL file or an official
    results/infer/<model> folder; Responses.parse(text) and Responses.parse_official(text, category, relation)
    read text in memory. len(), [i] (a Response), find(key), duplicates, diagnostics, match(dataset)."""

    _free = "mirs_responses_free"
    _what = "responses object"

    def __init__(self, path: Optional[PathLike] = None, format: NameArg = "auto", mode: NameArg = "strict",
                 _ptr: Any = None, *, max_json_depth: Optional[int] = None, max_line_bytes: Optional[int] = None,
                 max_file_bytes: Optional[int] = None, max_records: Optional[int] = None) -> None:
        """Reads a responses file or folder (format: "auto", "batch", "simple", "official"); mode "lenient"
        skips bad lines into diagnostics (default "strict"); the limits are mirs_responses_options' (None keeps the library's default)."""
        opts = dict(max_json_depth=max_json_depth, max_line_bytes=max_line_bytes, max_file_bytes=max_file_bytes,
                    max_records=max_records)
        if _ptr is None:
            if path is None:
                raise TypeError("Responses: a path (or use Responses.parse)")
            o = _resp_opts(format, mode, opts)
            _ptr = ctypes.POINTER(_ffi.mirs_responses)()
            check(lib().mirs_responses_open(path_in(path), ctypes.byref(o), ctypes.byref(_ptr)), "mirs_responses_open")
        self._ptr = _ptr

    @classmethod
    def parse(cls, data: TextArg, what: Optional[Text] = None, format: NameArg = "auto", mode: NameArg = "strict", *,
              max_json_depth: Optional[int] = None, max_line_bytes: Optional[int] = None,
              max_file_bytes: Optional[int] = None, max_records: Optional[int] = None) -> Responses:
        """Responses from text in memory (what names it in messages; limits as for Responses())."""
        opts = dict(max_json_depth=max_json_depth, max_line_bytes=max_line_bytes, max_file_bytes=max_file_bytes,
                    max_records=max_records)
        o = _resp_opts(format, mode, opts)
        t = _Text(data)
        p = ctypes.POINTER(_ffi.mirs_responses)()
        check(lib().mirs_responses_parse(t.ptr, t.n, _opt(what), ctypes.byref(o), ctypes.byref(p)),
              "mirs_responses_parse")
        return cls(_ptr=p)

    @classmethod
    def parse_official(cls, data: TextArg, category: Text, relation: Text, mode: NameArg = "strict", *,
                       max_json_depth: Optional[int] = None, max_line_bytes: Optional[int] = None,
                       max_file_bytes: Optional[int] = None, max_records: Optional[int] = None) -> Responses:
        """Responses from the text of one official results/infer file of a category and relation."""
        opts = dict(max_json_depth=max_json_depth, max_line_bytes=max_line_bytes, max_file_bytes=max_file_bytes,
                    max_records=max_records)
        o = _resp_opts("auto", mode, opts)
        t = _Text(data)
        p = ctypes.POINTER(_ffi.mirs_responses)()
        check(lib().mirs_responses_parse_official(t.ptr, t.n, text_in(category), text_in(relation), ctypes.byref(o),
                                                  ctypes.byref(p)), "mirs_responses_parse_official")
        return cls(_ptr=p)

    @property
    def format(self) -> int:
        """The format that was read (a ResponsesFormat value)."""
        return lib().mirs_responses_format(self._h())

    def __len__(self) -> int:
        return lib().mirs_responses_count(self._h())

    @staticmethod
    def _conv(r: _ffi.mirs_response) -> Response:
        # r.text is a c_char_p field, which ctypes reads only up to the first NUL: take the pointer itself, so a
        # text holding U+0000 comes out whole (text_len bytes).
        addr = ctypes.c_void_p.from_buffer(r, getattr(_ffi.mirs_response, "text").offset).value
        text = ctypes.string_at(addr or 0, r.text_len) if r.text_len else b""
        return Response(text_str(r.key), text.decode("utf-8"), r.status,
                        text_out(r.finish_reason), text_out(r.error), text_out(r.source), text_out(r.model), r.origin)

    def __getitem__(self, i: int) -> Response:
        n = len(self)
        if i < 0:
            i += n
        h = self._h()  # held while the borrowed response is copied out
        p = lib().mirs_responses_get(h, i) if 0 <= i < n else None
        if not p:
            raise IndexError(i)
        return self._conv(p.contents)

    def __iter__(self) -> Iterator[Response]:
        return (self[i] for i in range(len(self)))

    def latest(self, i: int) -> bool:
        """True when response i is the one that counts for its key (the last with that key)."""
        return bool(lib().mirs_responses_latest(self._h(), i))

    def find(self, key: Text) -> Response:
        """The last response with this key (NotFoundError otherwise)."""
        p = ctypes.POINTER(_ffi.mirs_response)()
        h = self._h()  # held while the borrowed response is copied out
        check(lib().mirs_responses_find(h, text_in(key), ctypes.byref(p)), "mirs_responses_find")
        return self._conv(p.contents)

    @property
    def duplicates(self) -> List[str]:
        """Keys that occur more than once."""
        return _strlist("mirs_responses_duplicate_count", "mirs_responses_duplicate", self._h())

    @property
    def diagnostics(self) -> List[str]:
        """Messages about lines a lenient read skipped."""
        return _strlist("mirs_responses_diagnostic_count", "mirs_responses_diagnostic", self._h())

    def match(self, dataset: Dataset) -> ResponseMatch:
        """Matches the responses to a Dataset's items (a ResponseMatch)."""
        return ResponseMatch(self, dataset)


class ResponseMatch(_Handle):
    """Responses matched to dataset items: matched_count, item(i) (the Item of response i, or None), unknown
    (response keys naming no item), missing (item keys without a response), duplicates."""

    _free = "mirs_response_match_free"
    _what = "response match"

    def __init__(self, responses: Responses, dataset: Dataset) -> None:
        p = ctypes.POINTER(_ffi.mirs_response_match)()
        rh, dh = responses._h(), dataset.handle
        check(lib().mirs_responses_match(rh, dh, ctypes.byref(p)), "mirs_responses_match")
        self._ptr = anchored(p, "mirs_response_match_free", (rh, dh))
        self._responses = responses
        self._dataset = dataset

    @property
    def matched_count(self) -> int:
        """Responses whose key names an item."""
        return lib().mirs_response_match_matched_count(self._h())

    def item(self, response_index: int) -> Optional[Item]:
        """The Item response i answers, or None."""
        from .dataset import Item
        dh = self._dataset.handle  # the items are borrowed from the dataset: it must still be open
        p = lib().mirs_response_match_item(self._h(), response_index)
        return Item(self._dataset, p, dh) if p else None

    @property
    def unknown(self) -> List[str]:
        """Response keys that name no item."""
        return _strlist("mirs_response_match_unknown_count", "mirs_response_match_unknown", self._h())

    @property
    def missing(self) -> List[str]:
        """Item keys without a response."""
        return _strlist("mirs_response_match_missing_count", "mirs_response_match_missing", self._h())

    @property
    def duplicates(self) -> List[str]:
        """Keys answered more than once."""
        return _strlist("mirs_response_match_duplicate_count", "mirs_response_match_duplicate", self._h())


# ---- records and the store -------------------------------------------------------------------------------------------


def _record_in(rec: Union[Record, Mapping[str, Any]]) -> Tuple[_ffi.mirs_record, List[Any]]:
    """A mirs_record for a Record (or a dict of its fields), and the objects that must outlive the call."""
    if not isinstance(rec, Record):
        rec = Record(**rec)
    c = _ffi.mirs_record()
    lib().mirs_record_init(ctypes.byref(c), ctypes.sizeof(c))
    keep: List[Any] = []
    for f in ("key", "model", "judge", "response_type", "finish_reason", "response", "judge_output", "categories"):
        v = getattr(rec, f)
        if v is not None:
            if f in ("response", "judge_output"):  # texts that may hold U+0000: passed with their length
                b = v.encode("utf-8") if isinstance(v, str) else bytes(v)
                setattr(c, f + "_len", len(b))
            else:
                b = text_in(v, f)
            keep.append(b)
            setattr(c, f, b)
    c.verdict = rec.verdict
    c.flags = rec.flags
    c.timestamp_ms = rec.timestamp_ms
    return c, keep


def _text_field(c: _ffi.mirs_record, f: str) -> Optional[str]:
    """A mirs_record text field read by its length (a c_char_p field would stop at U+0000)."""
    n = getattr(c, f + "_len")
    if not n:
        v: Optional[bytes] = getattr(c, f)
        return text_out(v)
    addr = ctypes.c_void_p.from_buffer(c, getattr(_ffi.mirs_record, f).offset).value
    return ctypes.string_at(addr or 0, n).decode("utf-8")


def _record_out(c: _ffi.mirs_record) -> Record:
    return Record(*(getattr(c, f) if f in ("verdict", "flags", "timestamp_ms")
                    else _text_field(c, f) if f in ("response", "judge_output") else text_out(getattr(c, f))
                    for f in _REC_FIELDS))


def record_to_json(rec: Union[Record, Mapping[str, Any]]) -> str:
    """The store's JSON line (with its newline) for a Record."""
    c, keep = _record_in(rec)
    buf = _ffi.mirs_buf()
    check(lib().mirs_record_to_json(ctypes.byref(c), ctypes.byref(buf)), "mirs_record_to_json")
    return take_buf(buf).decode("utf-8")


class Store(_Handle):
    """An append-only, crash-safe record file with an exclusive lock. Store(path, durability="flush",
    torn="refuse", fsync_every=64, ...). append(record), sync(), done(key, model, judge), len(), torn_bytes.
    close() reports the status of the last write (raises on failure); the store is freed either way.

    close() must report mirs_store_close's status, so it cannot leave the freeing to the last user as the other
    handles do: instead every call into the store holds its lock, and close() waits for the call in flight, then
    closes; a thread that uses the store afterwards gets StateError."""

    _what = "store"

    def __init__(self, path: PathLike, durability: NameArg = "flush", torn: NameArg = "refuse", *,
                 fsync_every: Optional[int] = None, max_json_depth: Optional[int] = None,
                 max_line_bytes: Optional[int] = None) -> None:
        """Opens (creating) a store with an exclusive lock. durability: "none", "flush", "fsync", "fsync_every"
        (every fsync_every records); torn: "refuse" or "truncate" (a torn last line); limits for reading the
        existing records (None keeps the library's defaults)."""
        opts = dict(fsync_every=fsync_every, max_json_depth=max_json_depth, max_line_bytes=max_line_bytes)
        o = options(_ffi.mirs_store_options, lib().mirs_store_options_init,
                    dict(opts, durability=_enum(durability, _DURABLE, None, "durability"),
                         torn=_enum(torn, _TORN, None, "torn")), "Store")
        p = ctypes.POINTER(_ffi.mirs_store)()
        check(lib().mirs_store_open(path_in(path), ctypes.byref(o), ctypes.byref(p)), "mirs_store_open")
        self._lock = threading.RLock()
        self._ptr = p

    @contextlib.contextmanager
    def _using(self) -> Iterator[Any]:
        """The store pointer, valid (the store open) until the with block ends: close() waits for it."""
        with self._lock:
            yield self._h()

    def append(self, rec: Union[Record, Mapping[str, Any]]) -> None:
        """Appends one record (a Record or a dict of its fields)."""
        c, keep = _record_in(rec)
        with self._using() as h:
            check(lib().mirs_store_append(h, ctypes.byref(c)), "mirs_store_append")

    def sync(self) -> None:
        """Writes buffered records through to the disk (fsync)."""
        with self._using() as h:
            check(lib().mirs_store_sync(h), "mirs_store_sync")

    def close(self) -> None:
        """Closes the store, raising the status of its last write (it is freed either way)."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock:
            p, self._ptr = self._p, None
            if p:
                check(lib().mirs_store_close(p), "mirs_store_close")

    def __del__(self) -> None:
        p, self._ptr = self._p, None  # no other reference to self exists: no call can be in flight
        if p:
            lib().mirs_store_close(p)  # no exception from a finaliser; call close() to see the status

    @property
    def torn_bytes(self) -> int:
        """Bytes of a torn last line found (and truncated) when the store was opened."""
        with self._using() as h:
            return lib().mirs_store_torn_bytes(h)

    def __len__(self) -> int:
        with self._using() as h:
            return lib().mirs_store_record_count(h)

    def done(self, key: Text, model: Optional[Text] = None, judge: Optional[Text] = None) -> bool:
        """Whether a record for this key (and model / judge) with a verdict is already stored (resume)."""
        k, m, j = text_in(key), _opt(model), _opt(judge)
        with self._using() as h:
            r = lib().mirs_store_done(h, k, m, j)
        if r < 0:
            check(r, "mirs_store_done")
        return r == 1


class Records(_Handle):
    """The records of a store, read without modifying it: Records(path, mode="strict") or
    Records.parse(text). len(), [i] (a Record), torn_bytes, diagnostics. Shareable between threads."""

    _free = "mirs_records_free"
    _what = "records object"

    def __init__(self, path: Optional[PathLike] = None, mode: NameArg = "strict", _ptr: Any = None) -> None:
        """Reads a store file (mode "lenient": skip damaged lines into diagnostics; default "strict")."""
        if _ptr is None:
            if path is None:
                raise TypeError("Records: a path (or use Records.parse / from_official)")
            _ptr = ctypes.POINTER(_ffi.mirs_records)()
            o = _records_opts(mode)
            check(lib().mirs_records_read(path_in(path), ctypes.byref(o), ctypes.byref(_ptr)), "mirs_records_read")
        self._ptr = _ptr

    @classmethod
    def from_official(cls, harmbench_model_dir: PathLike, model: Text, threads: int = 1) -> Records:
        """The verdicts of an official results/harmbench/<model> folder as records (judge "harmbench-mir", keys
        "<Category>/<Relation>/#<i>"), read on `threads` threads (default 1; joined before it returns)."""
        p = ctypes.POINTER(_ffi.mirs_records)()
        o = _official_opts(threads)
        check(lib().mirs_records_from_official(path_in(harmbench_model_dir), text_in(model), ctypes.byref(o),
                                               ctypes.byref(p)), "mirs_records_from_official")
        return cls(_ptr=p)

    @classmethod
    def parse(cls, data: TextArg, what: Optional[Text] = None, mode: NameArg = "strict") -> Records:
        """Records from store text in memory (mode as for Records())."""
        o = _records_opts(mode)
        t = _Text(data)
        p = ctypes.POINTER(_ffi.mirs_records)()
        check(lib().mirs_records_parse(t.ptr, t.n, _opt(what), ctypes.byref(o), ctypes.byref(p)),
              "mirs_records_parse")
        return cls(_ptr=p)

    def __len__(self) -> int:
        return lib().mirs_records_count(self._h())

    def __getitem__(self, i: int) -> Record:
        n = len(self)
        if i < 0:
            i += n
        h = self._h()  # held while the borrowed record is copied out
        p = lib().mirs_records_get(h, i) if 0 <= i < n else None
        if not p:
            raise IndexError(i)
        return _record_out(p.contents)

    def __iter__(self) -> Iterator[Record]:
        return (self[i] for i in range(len(self)))

    @property
    def torn_bytes(self) -> int:
        """Bytes of a torn last line that a lenient read skipped."""
        return lib().mirs_records_torn_bytes(self._h())

    @property
    def diagnostics(self) -> List[str]:
        """Messages about lines a lenient read skipped."""
        return _strlist("mirs_records_diagnostic_count", "mirs_records_diagnostic", self._h())

    def counted(self, i: int) -> bool:
        """True when record i is the verdict that counts for its (key, model, judge): the latest final verdict,
        else the latest error (mirs_records_counted)."""
        return bool(lib().mirs_records_counted(self._h(), i))

    def counting(self) -> List[Record]:
        """The records that count, one per (key, model, judge), in file order."""
        return [self[i] for i in range(len(self)) if self.counted(i)]


def judge_requests(responses: Responses, match: ResponseMatch, sink: Callable[[str], object], *,
                   judge: NameArg = "harmbench-mir", rubric: bool = False, chat: bool = False,
                   strip_mode: NameArg = "mir", skip_failed: bool = False, model: Optional[Text] = None) -> Dict[str, Any]:
    """Writes one judge request line (OpenAI batch input, newline included) per item that has a response, the
    last response of each key, to sink (mirs_judge_requests_write; what `mirsafety judge-prompts` writes): the
    judge's prompt, or the response-type rubric's with rubric=True; /v1/completions bodies, or chat with chat=True;
    answers stripped with strip_mode; failed responses left out with skip_failed; the body's model (default the
    judge's name). sink may return False to stop early; an exception in it stops the write and is re-raised.
    Returns the summary (written, skipped_failed, unmatched, superseded)."""
    from .score import judge_from_name
    o = _ffi.mirs_judge_requests_options()
    lib().mirs_judge_requests_options_init(ctypes.byref(o), ctypes.sizeof(o))
    o.judge = judge_from_name(judge)
    o.rubric = 1 if rubric else 0
    o.chat = 1 if chat else 0
    o.strip_mode = choice("strip_mode", strip_mode, "strip_mode")
    o.skip_failed = 1 if skip_failed else 0
    mb = text_in(model, "model") if model is not None else None
    o.model = mb
    from .prompt import line_sink
    cb, state = line_sink(sink)
    summary = _ffi.mirs_judge_requests_summary()
    summary.struct_size = ctypes.sizeof(summary)
    st = lib().mirs_judge_requests_write(responses._h(), match._h(), ctypes.byref(o), cb, None, ctypes.byref(summary))
    err = state["error"]
    if err is not None:
        raise err
    check(st, "mirs_judge_requests_write")
    return _struct_dict(summary)


def write_html(reports: Sequence[Report], entropy: Iterable[Tuple[Any, ...]] = (), *, title: Optional[Text] = None,
               note: Optional[Text] = None, denominator: NameArg = "all", confidence: float = 0.95,
               sink: Optional[Callable[[str], object]] = None) -> Optional[str]:
    """The self-contained HTML page of several reports (mirs_report_write_html; what `mirsafety report --format
    html` writes): entropy holds (name, Accumulator) or (name, Accumulator, unit) tuples (unit "nats" by default,
    or "bits", "normalised") drawn as safe vs unsafe histograms. Returns the page, or with sink calls sink(line)
    for every line (newline included; False stops early, an exception stops the write and is re-raised) and
    returns None."""
    o = options(_ffi.mirs_report_html_options, lib().mirs_report_html_options_init,
                dict(denominator=_enum(denominator, _DENOM, None, "denominator"), confidence=confidence), "write_html")
    keep = [text_in(title, "title") if title is not None else None, text_in(note, "note") if note is not None else None]
    o.title, o.note = keep[0], keep[1]
    reps = list(reports)
    arr = (ctypes.POINTER(_ffi.mirs_report) * max(len(reps), 1))(*[r._h() for r in reps])
    ents = []
    for e in entropy:
        name, acc, unit = (tuple(e) + ("nats",))[:3]
        keep += [text_in(name, "entropy name"), text_in(unit, "entropy unit")]
        ents.append(_ffi.mirs_report_html_entropy(keep[-2], keep[-1], acc._h()))
    earr = (_ffi.mirs_report_html_entropy * max(len(ents), 1))(*ents)
    from .prompt import line_sink
    lines: List[str] = []
    cb, state = line_sink(sink if sink is not None else lines.append)
    st = lib().mirs_report_write_html(arr, len(reps), earr, len(ents), ctypes.byref(o), cb, None)
    err = state["error"]
    if err is not None:
        raise err
    check(st, "mirs_report_write_html")
    return None if sink is not None else "".join(lines)


class Capability(_Handle):
    """Capability scores, one per model, from a "model,score" CSV (RFC 4180 quoting, an optional header row):
    Capability(path) or Capability.parse(text). len(), [i] a (model, score) pair, score_of(model). What
    compare_capability correlates ASR with. Shareable between threads."""

    _free = "mirs_capability_free"
    _what = "capability scores"

    def __init__(self, path: Optional[PathLike] = None, _ptr: Any = None) -> None:
        """Reads the CSV at path (errors name the file and line)."""
        if _ptr is None:
            if path is None:
                raise TypeError("Capability: a path (or use Capability.parse)")
            _ptr = ctypes.POINTER(_ffi.mirs_capability)()
            check(lib().mirs_capability_read(path_in(path), ctypes.byref(_ptr)), "mirs_capability_read")
        self._ptr = _ptr

    @classmethod
    def parse(cls, data: TextArg, what: Optional[Text] = None) -> Capability:
        """Scores from CSV text in memory; what names it in errors."""
        t = _Text(data)
        p = ctypes.POINTER(_ffi.mirs_capability)()
        check(lib().mirs_capability_parse(t.ptr, t.n, _opt(what), ctypes.byref(p)), "mirs_capability_parse")
        return cls(_ptr=p)

    def __len__(self) -> int:
        return lib().mirs_capability_count(self._h())

    def __getitem__(self, i: int) -> Tuple[str, float]:
        n = len(self)
        if i < 0:
            i += n
        h = self._h()
        m = lib().mirs_capability_model(h, i) if 0 <= i < n else None
        if not m:
            raise IndexError(i)
        return text_str(m), lib().mirs_capability_score(h, i)

    def __iter__(self) -> Iterator[Tuple[str, float]]:
        return (self[i] for i in range(len(self)))

    def score_of(self, model: Text) -> Optional[float]:
        """The score of a model (exact name), or None."""
        i = ctypes.c_size_t()
        h = self._h()
        if lib().mirs_capability_find(h, text_in(model, "model"), ctypes.byref(i)) != _ffi.MIRS_OK:
            return None
        return lib().mirs_capability_score(h, i.value)


def store_merge(inputs: Iterable[PathLike], output: PathLike, policy: NameArg = "strict") -> Tuple[int, int, int]:
    """Merges stores into output (atomically); returns (records, duplicates, conflicts)."""
    ins = [path_in(p) for p in inputs]
    arr = (ctypes.c_char_p * max(1, len(ins)))(*ins)
    r, d, c = ctypes.c_uint64(), ctypes.c_uint64(), ctypes.c_uint64()
    check(lib().mirs_store_merge(arr, len(ins), path_in(output), _enum(policy, _MERGE, None, "policy"),
                                 ctypes.byref(r), ctypes.byref(d), ctypes.byref(c)), "mirs_store_merge")
    return r.value, d.value, c.value


# ---- reports ---------------------------------------------------------------------------------------------------------


def _by(by: Union[str, int, Iterable[Union[str, int]]]) -> int:
    if isinstance(by, int):
        return by
    names: List[Union[str, int]] = [by] if isinstance(by, str) else list(by)
    m = 0
    for b in names:
        m |= choice(_BY, b, "by")
    return m


class Report(_Handle):
    """An ASR accumulator for one (model, judge). add(...), add_record(rec), add_official(dir), merge(other),
    counts(...), write(format, by, denominator, confidence) -> str. One thread at a time."""

    _free = "mirs_report_free"
    _what = "report"

    def __init__(self, model: Text, judge: Text) -> None:
        """An empty report for one model and judge."""
        p = ctypes.POINTER(_ffi.mirs_report)()
        check(lib().mirs_report_new(text_in(model), text_in(judge), ctypes.byref(p)), "mirs_report_new")
        self._ptr = p

    @property
    def model(self) -> str:
        """The model name."""
        return text_str(lib().mirs_report_model(self._h()))

    @property
    def judge(self) -> str:
        """The judge name."""
        return text_str(lib().mirs_report_judge(self._h()))

    def add(self, category: Optional[Name], relation: Optional[Name], verdict: NameArg, flags: int = 0,
            response_type: Optional[Text] = None, official_file: Optional[Text] = None) -> None:
        """Adds one verdict of an item of this category and relation (names, ints or enums members)."""
        from .dataset import parse_category, parse_relation
        from .score import verdict_from_name
        cat = -1 if category is None else parse_category(category)
        rel = -1 if relation is None else parse_relation(relation)
        check(lib().mirs_report_add(self._h(), cat, rel, verdict_from_name(verdict), flags, _opt(response_type),
                                    _opt(official_file)), "mirs_report_add")

    def add_record(self, rec: Union[Record, Mapping[str, Any]]) -> None:
        """Adds the verdict of one store record."""
        c, keep = _record_in(rec)
        check(lib().mirs_report_add_record(self._h(), ctypes.byref(c)), "mirs_report_add_record")

    def add_official(self, harmbench_model_dir: PathLike, threads: int = 1) -> None:
        """Adds an official results/harmbench/<model> folder as statics.py reads it, on `threads` threads (default 1;
        joined before it returns)."""
        o = _official_opts(threads)
        check(lib().mirs_report_add_official(self._h(), path_in(harmbench_model_dir), ctypes.byref(o)),
              "mirs_report_add_official")

    def add_official_json(self, data: TextArg, category: Text, file_name: Text) -> None:
        """Adds one official results/harmbench JSON text (as statics.py reads the file named file_name)."""
        t = _Text(data)
        check(lib().mirs_report_add_official_json(self._h(), t.ptr, t.n, text_in(category), text_in(file_name)),
              "mirs_report_add_official_json")

    @property
    def skipped_files(self) -> int:
        """Official files skipped (as statics.py skips them)."""
        return lib().mirs_report_skipped_files(self._h())

    def merge(self, other: Report) -> None:
        """Adds another report's counts."""
        check(lib().mirs_report_merge(self._h(), other._h()), "mirs_report_merge")

    def add_dataset(self, dataset: Dataset) -> None:
        """Covers every item of dataset: those no record was added for count as not unsafe (as the official code
        counts a failed inference) and are listed in missing. Once, after every verdict."""
        check(lib().mirs_report_add_dataset(self._h(), dataset.handle), "mirs_report_add_dataset")

    @property
    def dataset_items(self) -> int:
        """Items of the dataset added with add_dataset (0 without)."""
        return lib().mirs_report_dataset_items(self._h())

    @property
    def missing(self) -> List[str]:
        """Keys of the dataset items without a verdict (dataset order)."""
        return _strlist("mirs_report_missing_count", "mirs_report_missing", self._h())

    def counts(self, category: Optional[Name] = None, relation: Optional[Name] = None, group: Optional[Name] = None,
               denominator: NameArg = "all") -> Tuple[int, int]:
        """(unsafe, total) of a cell (None = all)."""
        from .dataset import parse_category, parse_group, parse_relation
        u, t = ctypes.c_uint64(), ctypes.c_uint64()
        check(lib().mirs_report_counts(self._h(), -1 if category is None else parse_category(category),
                                       -1 if relation is None else parse_relation(relation),
                                       -1 if group is None else parse_group(group),
                                       _enum(denominator, _DENOM, None, "denominator"), ctypes.byref(u),
                                       ctypes.byref(t)), "mirs_report_counts")
        return u.value, t.value

    def write(self, format: NameArg = "table", by: Union[str, int, Iterable[Union[str, int]]] = "relation",
              denominator: NameArg = "all", confidence: float = 0.95) -> str:
        """The rendered report (format: table, json, csv, markdown, mir)."""
        buf = _ffi.mirs_buf()
        check(lib().mirs_report_write(self._h(), _enum(format, _FORMATS, None, "format"), _by(by),
                                      _enum(denominator, _DENOM, None, "denominator"), confidence,
                                      ctypes.byref(buf)), "mirs_report_write")
        return take_buf(buf).decode("utf-8")


# ---- scoring a run ---------------------------------------------------------------------------------------------------


def score_responses(dataset: Dataset, responses: Responses, judge_outputs: Responses, store: Store, model: Text,
                    rtype_outputs: Optional[Responses] = None, judge: NameArg = "harmbench-mir",
                    parse_mode: NameArg = "official", strip_mode: NameArg = "mir", keep_response: bool = False,
                    timestamp_ms: int = 0, progress: Optional[Callable[[int, int], object]] = None, *,
                    categories: Optional[Filter] = None, relations: Optional[Filter] = None,
                    groups: Optional[Filter] = None, keys: Optional[Iterable[Text]] = None,
                    shard: Optional[Tuple[int, int]] = None) -> Dict[str, Any]:
    """Turns judge outputs into verdict records appended to a Store (what `mirsafety score` runs), for the items
    of dataset that pass the filter (categories, relations, groups, keys, shard). Returns the summary as a dict
    (scored, unsafe, unparseable, judge_errors, already_in_store, awaiting_judge_output, outside_filter,
    unmatched, without_verdict: dataset items still without a final verdict). progress(done, total), if given, is called now and then with the responses looked at (at most
    about 1000 times, the last time with done == total); an exception it raises is raised after the run."""
    from .dataset import make_filter
    from .score import _PARSE_MODES, _STRIP_MODES, judge_from_name
    f, keep = make_filter(categories, relations, groups, keys, shard)
    o = _ffi.mirs_score_options()
    lib().mirs_score_options_init(ctypes.byref(o), ctypes.sizeof(o))
    m = text_in(model, "model")
    o.model = m
    o.judge = judge_from_name(judge)
    o.parse_mode = _enum(parse_mode, _PARSE_MODES, None, "parse_mode")
    o.strip_mode = _enum(strip_mode, _STRIP_MODES, None, "strip_mode")
    o.keep_response = 1 if keep_response else 0
    o.timestamp_ms = timestamp_ms
    progress_error: List[BaseException] = []
    if progress is not None:
        cb = progress

        def tramp(_ud: Any, done: int, total: int) -> None:
            try:
                cb(done, total)
            except BaseException as e:  # a callback must not unwind through C; raised after the call
                progress_error.append(e)
        o.progress = _ffi.mirs_score_progress_fn(tramp)  # the struct keeps it alive for the call
    summary = _ffi.mirs_score_summary()
    summary.struct_size = ctypes.sizeof(summary)
    with store._using() as sh:
        check(lib().mirs_score_responses(dataset.handle, ctypes.byref(f), responses._h(), judge_outputs._h(),
                                         rtype_outputs._h() if rtype_outputs is not None else None, ctypes.byref(o),
                                         sh, ctypes.byref(summary)), "mirs_score_responses")
    if progress_error:
        raise progress_error[0]
    return _struct_dict(summary)


# ---- comparisons -------------------------------------------------------------------------------------------------------


def _struct_dict(s: ctypes.Structure) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name, t in s._fields_:
        if name == "struct_size":
            continue
        v = getattr(s, name)
        out[name] = list(v) if hasattr(v, "__len__") else v
    return out


def compare_models(a: Records, model_a: Text, judge_a: Text, b: Records, model_b: Text, judge_b: Text,
                   confidence: float = 0.95) -> Dict[str, Any]:
    """Two models' verdicts over their common keys: a dict of mirs_model_comparison's fields."""
    out = _ffi.mirs_model_comparison()
    out.struct_size = ctypes.sizeof(out)
    check(lib().mirs_compare_models(a._h(), text_in(model_a), text_in(judge_a), b._h(), text_in(model_b),
                                    text_in(judge_b), confidence, ctypes.byref(out)), "mirs_compare_models")
    return _struct_dict(out)


def compare_judges(a: Records, judge_a: Text, b: Records, judge_b: Text, model: Optional[Text] = None) -> Dict[str, Any]:
    """Two judges on the same responses: a dict of mirs_judge_comparison's fields, with "matrix" as a
    MIRS_VERDICT_COUNT x MIRS_VERDICT_COUNT list of lists."""
    out = _ffi.mirs_judge_comparison()
    out.struct_size = ctypes.sizeof(out)
    check(lib().mirs_compare_judges(a._h(), text_in(judge_a), b._h(), text_in(judge_b), _opt(model),
                                    ctypes.byref(out)), "mirs_compare_judges")
    d = _struct_dict(out)
    k, dim = _ffi.MIRS_VERDICT_COUNT, _ffi.MIRS_JUDGE_MATRIX_DIM
    d["matrix"] = [d["matrix"][i * dim:i * dim + k] for i in range(k)]
    del d["reserved"]
    return d


def compare_capability(asr: Any, capability: Any) -> Tuple[float, float, float, float]:
    """(spearman_rho, spearman_p, kendall_tau, kendall_p) of models' ASRs against a capability score. Arrays pass
    without copying (float64 numpy arrays or buffers)."""
    from .stats import _vec
    a, c = _vec(asr, "asr"), _vec(capability, "capability")
    if a.n != c.n:
        raise ValueError("asr and capability differ in length")
    o = [ctypes.c_double() for _ in range(4)]
    check(lib().mirs_compare_capability(a.ptr, c.ptr, a.n, *[ctypes.byref(x) for x in o]),
          "mirs_compare_capability")
    return o[0].value, o[1].value, o[2].value, o[3].value
