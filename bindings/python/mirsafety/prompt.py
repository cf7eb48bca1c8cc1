"""Prompts and API requests for models (prompt.h): chat formats, templates, variants, streaming a dataset.

Options are keyword arguments named like mirs_prompt_options' fields (format, variant, labels, system,
image_placeholder, template, seed, model, max_tokens, temperature, detail, image_format, jpeg_quality,
max_pixels, max_image_bytes, composite_dir, progress, profile, failed: a callable given each failed
response record); enumerations take names ("qwen2-vl", "shuffled",
"qwen2.5-vl") or ints.
"""
from __future__ import annotations

import ctypes
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from . import _ffi
from ._core import Handle, PathLike, Text, check, choice, lib, parse_name, path_in, take_buf, text_in, text_out
from .dataset import Dataset, Filter, Item, make_filter
from .errors import MirsError

#: the prompt options (mirs_prompt_options), keyword arguments of render, item_text, item_line, write, write_file
PROMPT_OPTIONS = ("format", "variant", "labels", "system", "image_placeholder", "template", "seed", "model",
                  "max_tokens", "temperature", "detail", "image_format", "jpeg_quality", "max_pixels",
                  "max_image_bytes", "composite_dir", "progress", "profile", "threads", "failed")


def _given(params: Dict[str, Any]) -> Dict[str, Any]:
    """The prompt options among a function's parameters (its locals() at entry)."""
    return {k: v for k, v in params.items() if k in PROMPT_OPTIONS}


# Constant groups are named by the library (mirs_<group>_from_name).
_LABELS = "prompt_labels"
_IMAGES = "prompt_image"
_PROFILES = "prompt_profile"


#: a name or int of a library enumeration (format, variant, ...): an enums member is an int
NameArg = Union[str, bytes, int]


def format_name(fmt: NameArg) -> Optional[str]:
    """The name of a prompt format ("qwen2-vl", ...); None when out of range."""
    return text_out(lib().mirs_prompt_format_name(parse_format(fmt)))


def variant_name(variant: NameArg) -> Optional[str]:
    """The name of a prompt variant ("multi-image", "shuffled", ...); None when out of range."""
    return text_out(lib().mirs_prompt_variant_name(parse_variant(variant)))


def parse_format(name: NameArg) -> int:
    """Lenient format parsing ("Qwen2_VL", "qwen2.5-vl"); ints pass through."""
    return parse_name("mirs_prompt_format_from_name", name, "format")


def parse_variant(name: NameArg) -> int:
    """Lenient variant parsing ("TextOnly", "text-only"); UnknownNameError listing the variants otherwise."""
    return parse_name("mirs_prompt_variant_from_name", name, "variant")


def is_request_format(fmt: NameArg) -> bool:
    """True for the request formats (openai, anthropic, openai-batch)."""
    r = lib().mirs_prompt_format_is_request(parse_format(fmt))
    if r < 0:
        raise ValueError("unknown format %r" % (fmt,))
    return r == 1


class Template(Handle):
    """A parsed prompt template (syntax in docs/prompts.md). Template(text, name=None) or Template.load(path).
    Immutable: share it between threads."""

    _free = "mirs_template_free"
    _what = "template"

    def __init__(self, text: Optional[Text] = None, name: Optional[Text] = None, _ptr: Any = None) -> None:
        """Parses a template text (name shows in error messages)."""
        if _ptr is None:
            if text is None:
                raise TypeError("Template: a text (or use Template.load)")
            b = text_in(text, "template")
            _ptr = ctypes.POINTER(_ffi.mirs_template)()
            check(lib().mirs_template_parse(b, len(b), None if name is None else text_in(name), ctypes.byref(_ptr)),
                  "mirs_template_parse")
        self._ptr = _ptr

    @classmethod
    def load(cls, path: PathLike) -> Template:
        """Parses a template file."""
        p = ctypes.POINTER(_ffi.mirs_template)()
        check(lib().mirs_template_load(path_in(path), ctypes.byref(p)), "mirs_template_load")
        return cls(_ptr=p)



class _Options:
    """mirs_prompt_options from keyword arguments, with everything it points to kept alive."""

    keep: List[Any]
    progress_error: Optional[BaseException]
    failed_error: Optional[BaseException]

    def __init__(self, kw: Dict[str, Any]) -> None:
        o = _ffi.mirs_prompt_options()
        lib().mirs_prompt_options_init(ctypes.byref(o), ctypes.sizeof(o))
        self.keep = []
        self.progress_error = None
        self.failed_error = None
        names = {f for f, _ in o._fields_} - {"struct_size", "tmpl", "progress", "progress_userdata", "failed_sink",
                                              "failed_userdata"}
        for k, v in kw.items():
            if v is None:
                continue
            if k == "format":
                o.format = parse_format(v)
            elif k == "variant":
                o.variant = parse_variant(v)
            elif k == "labels":
                o.labels = choice(_LABELS, v, "labels")
            elif k == "image_format":
                o.image_format = choice(_IMAGES, v, "image_format")
            elif k == "profile":
                o.profile = choice(_PROFILES, v, "profile")
            elif k == "failed":
                # failed(record: str): items the official adapters count as failed inference
                # (docs/prompts.md); without it such an item fails the call, as before.
                def ftramp(_ud: Any, line: Any, n: int, _f: Callable[[str], object] = v) -> int:
                    try:
                        _f(ctypes.string_at(line, n).decode("utf-8"))
                        return _ffi.MIRS_OK
                    except BaseException as e:  # never unwind through C: stop, re-raise afterwards
                        self.failed_error = self.failed_error or e
                        return _ffi.MIRS_E_STATE
                fcb = _ffi.mirs_prompt_sink_fn(ftramp)
                self.keep.append(fcb)
                o.failed_sink = fcb
            elif k == "template":
                o.tmpl = v.handle
                self.keep.append(v)
            elif k == "progress":
                def tramp(_ud: Any, done: int, total: int, _f: Callable[[int, int], object] = v) -> None:
                    try:
                        _f(done, total)
                    except BaseException as e:  # a callback must not unwind through C; reported after the call
                        self.progress_error = self.progress_error or e
                cb = _ffi.mirs_prompt_progress_fn(tramp)
                self.keep.append(cb)
                o.progress = cb
            elif k in ("system", "image_placeholder", "model", "detail", "composite_dir"):
                b = path_in(v) if k == "composite_dir" else text_in(v, k)
                self.keep.append(b)
                setattr(o, k, b)
            elif k in names:
                setattr(o, k, v)
            else:
                raise TypeError("unknown prompt option %r" % k)
        self.o = o

    def ref(self) -> Any:
        return ctypes.byref(self.o)

    def reraise(self) -> None:
        if self.failed_error is not None:
            raise self.failed_error
        if self.progress_error is not None:
            raise self.progress_error


def render(text: Text, images: Iterable[PathLike] = (), relation: Optional[NameArg] = None,
           category: Optional[NameArg] = None, key: Optional[Text] = None, question: Optional[Text] = None,
           *, format: Optional[NameArg] = None, variant: Optional[NameArg] = None,
           labels: Union[str, int, None] = None, system: Optional[Text] = None,
           image_placeholder: Optional[Text] = None, template: Optional[Template] = None, seed: Optional[int] = None,
           model: Optional[Text] = None, max_tokens: Optional[int] = None, temperature: Optional[float] = None,
           detail: Optional[Text] = None, image_format: Union[str, int, None] = None,
           jpeg_quality: Optional[int] = None, max_pixels: Optional[int] = None, max_image_bytes: Optional[int] = None,
           composite_dir: Optional[PathLike] = None, progress: Optional[Callable[[int, int], object]] = None,
           profile: Union[str, int, None] = None, threads: Optional[int] = None,
           failed: Optional[Callable[[str], object]] = None) -> str:
    """Renders one input with a text format (or a Template) without a dataset. Keyword options: the prompt
    options (see the module's docstring)."""
    opts = _given(locals())
    from .dataset import parse_category, parse_relation
    inp = _ffi.mirs_prompt_input()
    lib().mirs_prompt_input_init(ctypes.byref(inp), ctypes.sizeof(inp))
    t = text_in(text, "text")
    imgs = [path_in(i) for i in images]
    arr = (ctypes.c_char_p * max(1, len(imgs)))(*imgs)
    inp.text = t
    inp.images = ctypes.cast(arr, ctypes.POINTER(ctypes.c_char_p)) if imgs else None
    inp.image_count = len(imgs)
    inp.relation = -1 if relation is None else parse_relation(relation)
    inp.category = -1 if category is None else parse_category(category)
    k = None if key is None else text_in(key)
    q = None if question is None else text_in(question)
    inp.key, inp.question = k, q
    o = _Options(opts)  # alive through the call: it holds the strings the options point to
    return _text_call("mirs_prompt_render", ctypes.byref(inp), o.ref())



def _text_call(name: str, *args: Any) -> str:
    """Calls the library function `name` with args and a mirs_buf out-parameter last; the UTF-8 text it filled."""
    buf = _ffi.mirs_buf()
    check(getattr(lib(), name)(*args, ctypes.byref(buf)), name)
    return take_buf(buf).decode("utf-8")


def permutation(key: Text, seed: int, n: int) -> List[int]:
    """The image order of the shuffled variant: out[k] = stored index of the image sent k-th."""
    out = (ctypes.c_size_t * max(1, n))()
    check(lib().mirs_prompt_permutation(text_in(key), seed, n, out), "mirs_prompt_permutation")
    return list(out[:n])


def item_text(item: Item, *, format: Optional[NameArg] = None, variant: Optional[NameArg] = None,
              labels: Union[str, int, None] = None, system: Optional[Text] = None,
              image_placeholder: Optional[Text] = None, template: Optional[Template] = None, seed: Optional[int] = None,
              model: Optional[Text] = None, max_tokens: Optional[int] = None, temperature: Optional[float] = None,
              detail: Optional[Text] = None, image_format: Union[str, int, None] = None,
              jpeg_quality: Optional[int] = None, max_pixels: Optional[int] = None, max_image_bytes: Optional[int] = None,
              composite_dir: Optional[PathLike] = None, progress: Optional[Callable[[int, int], object]] = None,
              profile: Union[str, int, None] = None, threads: Optional[int] = None,
              failed: Optional[Callable[[str], object]] = None) -> str:
    """The model-facing text of one Item with a text format and the options' variant."""
    opts = _given(locals())
    o = _Options(opts)  # alive through the call: it holds the strings the options point to
    return _text_call("mirs_prompt_item_text", item._h(), o.ref())


def check_options(*, format: Optional[NameArg] = None, variant: Optional[NameArg] = None,
                  labels: Union[str, int, None] = None, system: Optional[Text] = None,
                  image_placeholder: Optional[Text] = None, template: Optional[Template] = None,
                  seed: Optional[int] = None, model: Optional[Text] = None, max_tokens: Optional[int] = None,
                  temperature: Optional[float] = None, detail: Optional[Text] = None,
                  image_format: Union[str, int, None] = None, jpeg_quality: Optional[int] = None,
                  max_pixels: Optional[int] = None, max_image_bytes: Optional[int] = None,
                  composite_dir: Optional[PathLike] = None, profile: Union[str, int, None] = None,
                  threads: Optional[int] = None) -> None:
    """Checks options as a whole write would before writing anything (mirs_prompt_options_check): a request
    format needs a model, a run profile the openai or openai-batch format, the composite variant with a text
    format a composite_dir. Raises InvalidArgumentError with the reason."""
    opts = _given(locals())
    o = _Options(opts)
    check(lib().mirs_prompt_options_check(o.ref()), "mirs_prompt_options_check")


def item_line(item: Item, *, format: Optional[NameArg] = None, variant: Optional[NameArg] = None,
              labels: Union[str, int, None] = None, system: Optional[Text] = None,
              image_placeholder: Optional[Text] = None, template: Optional[Template] = None, seed: Optional[int] = None,
              model: Optional[Text] = None, max_tokens: Optional[int] = None, temperature: Optional[float] = None,
              detail: Optional[Text] = None, image_format: Union[str, int, None] = None,
              jpeg_quality: Optional[int] = None, max_pixels: Optional[int] = None, max_image_bytes: Optional[int] = None,
              composite_dir: Optional[PathLike] = None, progress: Optional[Callable[[int, int], object]] = None,
              profile: Union[str, int, None] = None, threads: Optional[int] = None,
              failed: Optional[Callable[[str], object]] = None) -> str:
    """One output line for an Item (JSON, without the newline): {"key", "text", "images"} or a request."""
    opts = _given(locals())
    o = _Options(opts)  # alive through the call: it holds the strings the options point to
    return _text_call("mirs_prompt_item_line", item._h(), o.ref())


def write(dataset: Dataset, sink: Callable[[str], Optional[bool]], *, categories: Optional[Filter] = None, relations: Optional[Filter] = None,
          groups: Optional[Filter] = None, keys: Optional[Iterable[Text]] = None, shard: Optional[Tuple[int, int]] = None,
          shuffle: bool = False, seed_order: int = 0, format: Optional[NameArg] = None, variant: Optional[NameArg] = None,
          labels: Union[str, int, None] = None, system: Optional[Text] = None,
          image_placeholder: Optional[Text] = None, template: Optional[Template] = None, seed: Optional[int] = None,
          model: Optional[Text] = None, max_tokens: Optional[int] = None, temperature: Optional[float] = None,
          detail: Optional[Text] = None, image_format: Union[str, int, None] = None,
          jpeg_quality: Optional[int] = None, max_pixels: Optional[int] = None, max_image_bytes: Optional[int] = None,
          composite_dir: Optional[PathLike] = None, progress: Optional[Callable[[int, int], object]] = None,
          profile: Union[str, int, None] = None, threads: Optional[int] = None,
          failed: Optional[Callable[[str], object]] = None) -> int:
    """Streams one line per item to sink(line: str) (newline included), in iteration order; filter arguments
    (categories, relations, groups, keys, shard, shuffle, seed_order) select items. sink may return False to
    stop early. Returns the number of lines written. An exception in sink stops the write and is re-raised."""
    opts = _given(locals())
    f, keep = make_filter(categories, relations, groups, keys, shard, shuffle, seed_order)
    o = _Options(opts)
    cb, state = line_sink(sink)
    written = ctypes.c_size_t()
    st = lib().mirs_prompt_write(dataset.handle, ctypes.byref(f), o.ref(), cb, None, ctypes.byref(written))
    err = state["error"]
    if err is not None:
        raise err
    o.reraise()
    check(st, "mirs_prompt_write")
    return written.value


def line_sink(sink: Callable[[str], object]) -> Tuple[Any, Dict[str, Optional[BaseException]]]:
    """A mirs_prompt_sink_fn calling sink(line) for every line the library writes (False stops the write), and the
    state whose "error" holds an exception sink raised (the write stops; re-raise it after the call: a callback
    must never unwind through C). Keep the callback alive for the call."""
    state: Dict[str, Optional[BaseException]] = {"error": None}

    def tramp(_ud: Any, line: Any, n: int) -> int:
        try:
            r = sink(ctypes.string_at(line, n).decode("utf-8"))
            return _ffi.MIRS_DONE if r is False else _ffi.MIRS_OK
        except BaseException as e:
            state["error"] = e
            return _ffi.MIRS_E_STATE

    return _ffi.mirs_prompt_sink_fn(tramp), state


def write_file(dataset: Dataset, path: PathLike, *, categories: Optional[Filter] = None, relations: Optional[Filter] = None,
               groups: Optional[Filter] = None, keys: Optional[Iterable[Text]] = None, shard: Optional[Tuple[int, int]] = None,
               shuffle: bool = False, seed_order: int = 0, format: Optional[NameArg] = None, variant: Optional[NameArg] = None,
               labels: Union[str, int, None] = None, system: Optional[Text] = None,
               image_placeholder: Optional[Text] = None, template: Optional[Template] = None, seed: Optional[int] = None,
               model: Optional[Text] = None, max_tokens: Optional[int] = None, temperature: Optional[float] = None,
               detail: Optional[Text] = None, image_format: Union[str, int, None] = None,
               jpeg_quality: Optional[int] = None, max_pixels: Optional[int] = None, max_image_bytes: Optional[int] = None,
               composite_dir: Optional[PathLike] = None, progress: Optional[Callable[[int, int], object]] = None,
               profile: Union[str, int, None] = None, threads: Optional[int] = None,
               failed: Optional[Callable[[str], object]] = None) -> int:
    """Writes the lines to a file atomically (all or nothing), with the filter and options of write(). Returns the
    number of lines."""
    opts = _given(locals())
    f, keep = make_filter(categories, relations, groups, keys, shard, shuffle, seed_order)
    o = _Options(opts)
    written = ctypes.c_size_t()
    st = lib().mirs_prompt_write_file(dataset.handle, ctypes.byref(f), o.ref(), path_in(path), ctypes.byref(written))
    o.reraise()
    check(st, "mirs_prompt_write_file")
    return written.value
