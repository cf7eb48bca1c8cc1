"""Text-level scoring (score.h): reasoning stripping, refusal-phrase matching, judge prompts and output parsers,
response types.

Text arguments are str (encoded as UTF-8) or bytes-like (passed without copying: bytes directly, bytearray and
memoryview through their buffer). Offsets in results are byte offsets into the UTF-8 text. A Matcher is immutable
and shareable between threads; a MatcherStream is one-thread-at-a-time and must not outlive its Matcher (closing
the Matcher closes its streams first).
"""
from __future__ import annotations

import ctypes
import weakref
from typing import Any, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union, overload

from . import _ffi
from ._core import Handle, PathLike, anchored, check, choice, lib, parse_name, path_in, take_buf, text_in, text_out, text_str

#: a text argument: str (encoded as UTF-8) or a bytes-like object (passed without copying)
TextArg = Union[str, bytes, bytearray, memoryview]
#: a name or int of a library enumeration (judge, verdict, preset, ...): an enums member is an int
NameArg = Union[str, bytes, int]


class Match(NamedTuple):
    """A search result: matched (bool), phrase index (-1), byte offset and length, count of all matches."""
    matched: bool
    phrase: int
    offset: int
    length: int
    count: int  # type: ignore[assignment]  # shadows tuple.count, as the C field is named

# Constant groups are named by the library (mirs_<group>_from_name).
_STRIP_MODES = "strip_mode"
_UNTERMINATED = "strip_unterminated"
_PARSE_MODES = "parse_mode"


class _Text:
    """(pointer, length) of a text argument; str is encoded once, bytes-like objects are passed as they are."""

    __slots__ = ("ptr", "n", "keep")
    ptr: Any
    n: int
    keep: Any

    def __init__(self, t: Optional[TextArg]) -> None:
        if t is None:
            self.ptr, self.n, self.keep = None, 0, None
        elif isinstance(t, str):
            b = t.encode("utf-8")
            self.ptr, self.n, self.keep = b, len(b), b
        elif isinstance(t, bytes):
            self.ptr, self.n, self.keep = t, len(t), t
        else:
            mv = memoryview(t).cast("B")
            if mv.readonly:
                b = mv.tobytes()
                self.ptr, self.n, self.keep = b, len(b), b
            elif mv.nbytes == 0:
                self.ptr, self.n, self.keep = None, 0, mv
            else:
                arr = (ctypes.c_char * mv.nbytes).from_buffer(mv)
                self.ptr, self.n, self.keep = ctypes.cast(arr, ctypes.c_char_p), mv.nbytes, (mv, arr)


def _enum(value: NameArg, table: Any, parse_fn: Optional[str], what: str) -> int:
    if parse_fn is not None:
        return parse_name(parse_fn, value, what)
    return choice(table, value, what)


def _strings(items: Iterable[Union[str, bytes]], what: str) -> Tuple[Any, int]:
    b = [text_in(x, what) for x in items]
    return (ctypes.c_char_p * max(1, len(b)))(*b), len(b)


# ---- reasoning stripping ------------------------------------------------------------------------------------------


def _strip_opts(open_tags: Optional[Sequence[Union[str, bytes]]], close_tags: Optional[Sequence[Union[str, bytes]]],
                finish_reason: Optional[Union[str, bytes]],
                unterminated: NameArg) -> Tuple[_ffi.mirs_strip_options, List[Any]]:
    o = _ffi.mirs_strip_options()
    lib().mirs_strip_options_init(ctypes.byref(o), ctypes.sizeof(o))
    keep: List[Any] = []
    if open_tags is not None or close_tags is not None:
        if open_tags is None or close_tags is None or len(open_tags) != len(close_tags):
            raise ValueError("open_tags and close_tags go together and have the same length")
        op, n = _strings(open_tags, "tag")
        cl, _ = _strings(close_tags, "tag")
        keep += [op, cl]
        o.open_tags = ctypes.cast(op, ctypes.POINTER(ctypes.c_char_p))
        o.close_tags = ctypes.cast(cl, ctypes.POINTER(ctypes.c_char_p))
        o.ntags = n
    if finish_reason is not None:
        fr = text_in(finish_reason, "finish_reason")
        keep.append(fr)
        o.finish_reason = fr
    o.unterminated = _enum(unterminated, _UNTERMINATED, None, "unterminated")
    return o, keep


def strip_reasoning_span(text: TextArg, mode: NameArg = "mir", open_tags: Optional[Sequence[Union[str, bytes]]] = None,
                         close_tags: Optional[Sequence[Union[str, bytes]]] = None,
                         finish_reason: Optional[Union[str, bytes]] = None,
                         unterminated: NameArg = "keep") -> Tuple[int, int, int]:
    """(start, end, flags): the answer's byte range in the UTF-8 text, without copying it."""
    t = _Text(text)
    o, keep = _strip_opts(open_tags, close_tags, finish_reason, unterminated)
    s, e, f = ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_uint32()
    check(lib().mirs_strip_reasoning_span(t.ptr, t.n, _enum(mode, _STRIP_MODES, None, "mode"), ctypes.byref(o),
                                          ctypes.byref(s), ctypes.byref(e), ctypes.byref(f)),
          "mirs_strip_reasoning_span")
    return s.value, e.value, f.value


@overload
def strip_reasoning(text: str, mode: NameArg = ..., open_tags: Optional[Sequence[Union[str, bytes]]] = ...,
                    close_tags: Optional[Sequence[Union[str, bytes]]] = ..., finish_reason: Optional[Union[str, bytes]] = ...,
                    unterminated: NameArg = ...) -> Tuple[str, int]: ...


@overload
def strip_reasoning(text: Union[bytes, bytearray, memoryview], mode: NameArg = ...,
                    open_tags: Optional[Sequence[Union[str, bytes]]] = ...,
                    close_tags: Optional[Sequence[Union[str, bytes]]] = ..., finish_reason: Optional[Union[str, bytes]] = ...,
                    unterminated: NameArg = ...) -> Tuple[bytes, int]: ...


def strip_reasoning(text: TextArg, mode: NameArg = "mir", open_tags: Optional[Sequence[Union[str, bytes]]] = None,
                    close_tags: Optional[Sequence[Union[str, bytes]]] = None,
                    finish_reason: Optional[Union[str, bytes]] = None,
                    unterminated: NameArg = "keep") -> Tuple[Union[str, bytes], int]:
    """(answer, flags): the answer part of a model's output (str in, str out; bytes in, bytes out).
    mode: "mir" (the official judge's extract_answer_only), "glm" (the official GLM adapter's extract_glm_answer),
    "glm-raw" (a raw GLM-4.1V output as the official pipeline judges it: extract_answer_only(extract_glm_answer(raw))),
    "tags" or "whitespace"; flags are MIRS_STRIP_FLAG_* bits."""
    t = _Text(text)
    o, keep = _strip_opts(open_tags, close_tags, finish_reason, unterminated)
    buf = _ffi.mirs_buf()
    f = ctypes.c_uint32()
    check(lib().mirs_strip_reasoning(t.ptr, t.n, _enum(mode, _STRIP_MODES, None, "mode"), ctypes.byref(o),
                                     ctypes.byref(buf), ctypes.byref(f)), "mirs_strip_reasoning")
    out = take_buf(buf)
    return (out.decode("utf-8") if isinstance(text, str) else out), f.value


def is_python_space(ch: Union[str, int]) -> bool:
    """Python's str.isspace() for one code point (int or 1-character str), as the library implements it."""
    return bool(lib().mirs_is_python_space(ord(ch) if isinstance(ch, str) else ch))


# ---- refusal matching ------------------------------------------------------------------------------------------------


def preset_name(preset: NameArg) -> Optional[str]:
    """The name of a built-in phrase list ("gcg", "jbb", "harmbench"); None when out of range."""
    return text_out(lib().mirs_preset_name(preset_from_name(preset)))


def preset_from_name(name: NameArg) -> int:
    """"gcg", "jbb", "harmbench" (also "jailbreakbench", "advbench") -> MIRS_PRESET_*."""
    return _enum(name, None, "mirs_preset_from_name", "preset")


def preset_phrases(preset: NameArg) -> List[str]:
    """The phrases of a built-in list, exactly as published."""
    p = preset_from_name(preset)
    L = lib()
    return [text_str(L.mirs_preset_phrase(p, i)) for i in range(L.mirs_preset_size(p))]


class Matcher(Handle):
    """A compiled phrase set (Aho-Corasick). Matcher(phrases, flags=0); Matcher.preset("harmbench");
    Matcher.from_file(path); Matcher.from_text(text). Immutable: share it between threads freely."""

    _free = "mirs_matcher_free"
    _what = "matcher"

    def __init__(self, phrases: Optional[Iterable[Union[str, bytes]]] = None, flags: int = 0, _ptr: Any = None) -> None:
        """A matcher of the given phrases; flags are MIRS_MATCH_* bits (case folding, ...)."""
        if _ptr is None:
            if phrases is None:
                raise TypeError("Matcher: phrases (or use Matcher.preset / from_file / from_text)")
            arr, n = _strings(list(phrases), "phrase")
            _ptr = ctypes.POINTER(_ffi.mirs_matcher)()
            check(lib().mirs_matcher_new(arr, n, flags, ctypes.byref(_ptr)), "mirs_matcher_new")
        self._ptr = _ptr
        self._streams: weakref.WeakSet[MatcherStream] = weakref.WeakSet()

    @classmethod
    def preset(cls, preset: NameArg, flags: int = 0) -> Matcher:
        """A matcher of a built-in phrase list ("gcg", "jbb", "harmbench" or a Preset)."""
        p = ctypes.POINTER(_ffi.mirs_matcher)()
        check(lib().mirs_matcher_new_preset(preset_from_name(preset), flags, ctypes.byref(p)),
              "mirs_matcher_new_preset")
        return cls(_ptr=p)

    @classmethod
    def from_file(cls, path: PathLike, flags: int = 0) -> Matcher:
        """One phrase per line (UTF-8; BOM, empty lines and line ends dropped)."""
        p = ctypes.POINTER(_ffi.mirs_matcher)()
        check(lib().mirs_matcher_load_file(path_in(path), flags, ctypes.byref(p)), "mirs_matcher_load_file")
        return cls(_ptr=p)

    @classmethod
    def from_text(cls, text: TextArg, flags: int = 0, what: Optional[Union[str, bytes]] = None) -> Matcher:
        """A matcher of the phrases of a text, one per line (as from_file reads a file; what names it in errors)."""
        t = _Text(text)
        p = ctypes.POINTER(_ffi.mirs_matcher)()
        check(lib().mirs_matcher_load_text(t.ptr, t.n, flags, None if what is None else text_in(what),
                                           ctypes.byref(p)), "mirs_matcher_load_text")
        return cls(_ptr=p)

    def close(self) -> None:
        """Closes the matcher and its streams (StateError afterwards; calls in flight finish first)."""
        for s in list(getattr(self, "_streams", ())):
            s.close()
        super().close()

    def __len__(self) -> int:
        return lib().mirs_matcher_size(self.handle)

    def __getitem__(self, i: int) -> str:
        if not 0 <= i < len(self):
            raise IndexError(i)
        return text_str(lib().mirs_matcher_phrase(self.handle, i))

    @property
    def phrases(self) -> List[str]:
        """The phrases, in order."""
        return [self[i] for i in range(len(self))]

    def find(self, text: TextArg) -> Match:
        """The first match (ending first; then longest; then lowest index) and the count of all matches."""
        t = _Text(text)
        m = _ffi.mirs_match()
        check(lib().mirs_matcher_find(self.handle, t.ptr, t.n, ctypes.byref(m)), "mirs_matcher_find")
        return Match(bool(m.matched), m.phrase, m.offset, m.length, m.count)

    def test(self, text: TextArg) -> bool:
        """Whether any phrase occurs (stops at the first match)."""
        t = _Text(text)
        r = lib().mirs_matcher_test(self.handle, t.ptr, t.n)
        if r < 0:
            check(r, "mirs_matcher_test")
        return r == 1

    def __contains__(self, text: object) -> bool:
        return self.test(text)  # type: ignore[arg-type]  # test() refuses what is not text

    def stream(self) -> MatcherStream:
        """A new streaming search over this matcher."""
        s = MatcherStream(self)
        self._streams.add(s)
        return s


class MatcherStream(Handle):
    """Streaming search: feed chunks, read result() (offsets from the start of the stream). One thread at a time."""

    _free = "mirs_matcher_stream_free"
    _what = "stream (or its matcher)"

    def __init__(self, matcher: Matcher) -> None:
        p = ctypes.POINTER(_ffi.mirs_matcher_stream)()
        mh = matcher.handle
        check(lib().mirs_matcher_stream_new(mh, ctypes.byref(p)), "mirs_matcher_stream_new")
        self._ptr = anchored(p, "mirs_matcher_stream_free", (mh,))
        self._matcher = matcher

    def feed(self, chunk: TextArg) -> MatcherStream:
        """Searches the next chunk of the stream; returns self."""
        t = _Text(chunk)
        check(lib().mirs_matcher_stream_feed(self._h(), t.ptr, t.n), "mirs_matcher_stream_feed")
        return self

    def result(self) -> Match:
        """The first match so far (offsets from the start of the stream) and the count of all."""
        m = _ffi.mirs_match()
        check(lib().mirs_matcher_stream_result(self._h(), ctypes.byref(m)), "mirs_matcher_stream_result")
        return Match(bool(m.matched), m.phrase, m.offset, m.length, m.count)

    def reset(self) -> None:
        """Starts a new stream."""
        lib().mirs_matcher_stream_reset(self._h())


# ---- judges ------------------------------------------------------------------------------------------------------------


def judge_name(judge: NameArg) -> Optional[str]:
    """The name of a judge ("harmbench-mir", ...); None when out of range."""
    return text_out(lib().mirs_judge_name(judge_from_name(judge)))


def judge_from_name(name: NameArg) -> int:
    """"harmbench-mir", "harmbench", "harmbench-contextual", "llamaguard3", "jbb-llama3", "jbb-refusal"."""
    return _enum(name, None, "mirs_judge_from_name", "judge")


def judge_template(judge: NameArg) -> Optional[str]:
    """The judge's prompt template as published."""
    return text_out(lib().mirs_judge_template(judge_from_name(judge)))


def judge_max_new_tokens(judge: NameArg) -> int:
    """The max_new_tokens the judge's official code generates with."""
    return lib().mirs_judge_max_new_tokens(judge_from_name(judge))


def judge_prompt(judge: NameArg, behavior: TextArg, generation: Optional[TextArg] = None,
                 context: Optional[TextArg] = None, categories: Optional[Iterable[Union[str, bytes]]] = None) -> str:
    """The exact prompt a judge builds (str). categories: custom Llama Guard 3 categories. The texts go to the
    library with their lengths (mirs_judge_prompt_len), so a U+0000 in them is kept, as str.format() keeps it."""
    o = _ffi.mirs_judge_options()
    lib().mirs_judge_options_init(ctypes.byref(o), ctypes.sizeof(o))
    keep: Any = None
    if categories is not None:
        keep, n = _strings(categories, "category")
        o.categories = ctypes.cast(keep, ctypes.POINTER(ctypes.c_char_p))
        o.ncategories = n
    if behavior is None:
        raise TypeError("behavior must be str or bytes, not None")
    b, g, c = _Text(behavior), _Text(generation), _Text(context)
    if generation is not None and g.ptr is None:
        g.ptr = b""  # an empty generation, not a missing one
    if context is not None and c.ptr is None:
        c.ptr = b""
    buf = _ffi.mirs_buf()
    check(lib().mirs_judge_prompt_len(judge_from_name(judge), b.ptr if b.ptr is not None else b"", b.n, g.ptr, g.n,
                                      c.ptr, c.n, ctypes.byref(o), ctypes.byref(buf)), "mirs_judge_prompt_len")
    return take_buf(buf).decode("utf-8")


def verdict_name(verdict: NameArg) -> Optional[str]:
    """The name of a verdict ("safe", "unsafe", ...); None when out of range."""
    return text_out(lib().mirs_verdict_name(verdict_from_name(verdict)))


def verdict_from_name(name: NameArg) -> int:
    """The MIRS_VERDICT_* of a name (a Verdict); UnknownNameError listing the names otherwise."""
    return _enum(name, None, "mirs_verdict_from_name", "verdict")


def judge_parse(judge: NameArg, output: Optional[TextArg], mode: NameArg = "lenient") -> Tuple[int, Optional[str]]:
    """(verdict, categories): the MIRS_VERDICT_* of a judge's output (None = the judge call produced nothing)
    and, for llamaguard3, the unsafe category codes ("S1,S10"; None for other judges)."""
    j = judge_from_name(judge)
    t = _Text(output)
    v = ctypes.c_int32()
    buf = _ffi.mirs_buf()
    want_cats = j == _ffi.MIRS_JUDGE_LLAMAGUARD3
    check(lib().mirs_judge_parse(j, _enum(mode, _PARSE_MODES, None, "mode"), t.ptr, t.n, ctypes.byref(v),
                                 ctypes.byref(buf) if want_cats else None), "mirs_judge_parse")
    cats = take_buf(buf).decode("utf-8") if want_cats else None
    return v.value, cats


def judge_official_answer(output: Optional[TextArg], mode: NameArg = "official") -> int:
    """The official harmbench-mir answer an output stands for: 1 ("Yes"), 0 ("No") or -1 (anything else, which the
    official rule counts as safe; count and warn). mode "official-server" first drops one leading space, the marker
    a server's completion text keeps and HF batch_decode drops."""
    t = _Text(output)
    return lib().mirs_judge_official_answer(t.ptr, t.n, _enum(mode, _PARSE_MODES, None, "mode"))


def response_type_name(rtype: NameArg) -> Optional[str]:
    """The name of a response type ("refusal", ...); None when out of range."""
    return text_out(lib().mirs_response_type_name(response_type_from_name(rtype)))


def response_type_from_name(name: NameArg) -> int:
    """The MIRS_RTYPE_* of a name (a ResponseType); UnknownNameError listing the names otherwise."""
    return _enum(name, None, "mirs_response_type_from_name", "response type")


def response_type_prompt(question: TextArg, answer: TextArg, descriptions: Iterable[Union[str, bytes]] = ()) -> str:
    """This project's rubric prompt for the response-type judge. The question and the answer go to the library
    with their lengths (mirs_response_type_prompt_len), so a U+0000 in them is kept; descriptions are C strings."""
    arr, n = _strings(list(descriptions), "description")
    if question is None or answer is None:
        raise TypeError("question and answer must be str or bytes, not None")
    q, a = _Text(question), _Text(answer)
    buf = _ffi.mirs_buf()
    check(lib().mirs_response_type_prompt_len(q.ptr if q.ptr is not None else b"", q.n, arr if n else None, n,
                                              a.ptr if a.ptr is not None else b"", a.n, ctypes.byref(buf)),
          "mirs_response_type_prompt_len")
    return take_buf(buf).decode("utf-8")


def response_type_parse(output: Optional[TextArg]) -> int:
    """The MIRS_RTYPE_* of the judge's reply (None = no output: MIRS_RTYPE_ERROR)."""
    t = _Text(output)
    out = ctypes.c_int32()
    check(lib().mirs_response_type_parse(t.ptr, t.n, ctypes.byref(out)), "mirs_response_type_parse")
    return out.value
