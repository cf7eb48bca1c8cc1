"""client.h: run request files (or any iterable of request lines) against a served model, appending each outcome
to a resumable responses file. The transfers run inside the library on the calling thread (libcurl's multi
interface); the GIL is released for the whole call, so another thread may cancel it (Cancel.set()).

Options (keywords): model, api ("auto", "chat", "completions", "anthropic"), output ("responses", "judge"),
api_key_env (the NAME of an environment variable), concurrency, timeout_ms, max_retries, blank_retries,
backoff_base_ms, backoff_cap_ms, backoff_jitter, rpm, tpm, max_body_bytes, tls_verify, durability ("write",
"fsync"), seed, progress (a callable given (done, total, failed, in_flight)), cancel (a Cancel). docs/running.md has the details.
"""
from __future__ import annotations

import ctypes
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from . import _ffi
from ._core import PathLike, Text, check, choice, lib, path_in, text_in



def available() -> bool:
    """True when the library was built with libcurl (otherwise run() raises UnsupportedError)."""
    return bool(lib().mirs_client_available())


class Cancel:
    """A flag the run polls (at least every 100 ms): set() from another thread or a signal handler stops it; the
    call then raises StateError and summary["cancelled"] is True. Items in flight are sent again by the next run."""

    def __init__(self) -> None:
        """A flag that is not set."""
        self.flag = ctypes.c_int32(0)

    def set(self) -> None:
        """Asks the run to stop."""
        self.flag.value = 1

    def is_set(self) -> bool:
        """Whether set() was called."""
        return bool(self.flag.value)


class _Options:
    """mirs_client_options from keyword arguments, with everything it points to kept alive."""

    keep: List[Any]
    progress_error: Optional[BaseException]

    def __init__(self, endpoint: Text, kw: Dict[str, Any]) -> None:
        o = _ffi.mirs_client_options()
        check(lib().mirs_client_options_init(ctypes.byref(o), ctypes.sizeof(o)), "mirs_client_options_init")
        self.keep = []
        self.progress_error = None
        b = text_in(endpoint, "endpoint")
        self.keep.append(b)
        o.endpoint = b
        plain = {"concurrency", "timeout_ms", "max_retries", "blank_retries", "backoff_base_ms", "backoff_cap_ms",
                 "backoff_jitter", "rpm", "tpm", "max_body_bytes", "seed"}
        for k, v in kw.items():
            if k in ("model", "api_key_env"):
                if v is not None:
                    b = text_in(v, k)
                    self.keep.append(b)
                    setattr(o, k, b)
            elif k == "api":
                o.api = choice("client_api", v, "api")
            elif k == "output":
                o.output = choice("client_output", v, "output")
            elif k == "durability":
                o.durability = choice("client_durability", v, "durability")
            elif k == "tls_verify":
                o.tls_verify = 1 if v else 0
            elif k == "progress":
                def tramp(_ud: Any, done: int, total: int, failed: int, in_flight: int, _f: Any = v) -> None:
                    try:
                        _f(done, total, failed, in_flight)
                    except BaseException as e:  # a callback must not unwind through C; re-raised after the call
                        self.progress_error = self.progress_error or e
                cb = _ffi.mirs_client_progress_fn(tramp)
                self.keep.append(cb)
                o.progress = cb
            elif k == "cancel":
                self.keep.append(v)
                o.cancel = ctypes.cast(ctypes.pointer(v.flag), type(o.cancel))
            elif k in plain:
                setattr(o, k, v)
            else:
                raise TypeError("unknown client option %r" % k)
        self.o = o


def _summary(s: Any) -> Dict[str, Any]:
    return {f: bool(getattr(s, f)) if f == "cancelled" else getattr(s, f)
            for f, _ in s._fields_ if f not in ("struct_size", "reserved")}


def run_file(requests: PathLike, output_path: PathLike, endpoint: Text, **opts: Any) -> Dict[str, Any]:
    """Sends every request of the JSONL file `requests` whose key has no ok record in `output_path` yet, appending one
    record per item ("output" option: "responses" or "judge" names the text field). Returns the summary as a dict (requests, already_done, ok, failed, attempts, retries,
    blank_retries, torn_bytes, prompt_tokens, completion_tokens, cancelled)."""
    o = _Options(endpoint, opts)
    s = _ffi.mirs_client_summary()
    s.struct_size = ctypes.sizeof(s)
    st = lib().mirs_client_run_file(path_in(requests), path_in(output_path), ctypes.byref(o.o), ctypes.byref(s))
    if o.progress_error is not None:
        raise o.progress_error
    check(st, "mirs_client_run_file")
    return _summary(s)


def run(lines: Iterable[Union[str, bytes]], output_path: PathLike, endpoint: Text, **opts: Any) -> Dict[str, Any]:
    """Same as run_file with the request lines taken from an iterable of str or bytes (one JSON object each),
    pulled only as the run has room for them."""
    o = _Options(endpoint, opts)
    s = _ffi.mirs_client_summary()
    s.struct_size = ctypes.sizeof(s)
    it = iter(lines)
    state: Dict[str, Any] = {"error": None, "cur": None}

    def tramp(_ud: Any, line_out: Any, len_out: Any) -> int:
        try:
            x = next(it)
        except StopIteration:
            return _ffi.MIRS_DONE
        except BaseException as e:  # never unwind through C: stop the run, re-raise afterwards
            state["error"] = e
            return _ffi.MIRS_E_STATE
        b = x.encode("utf-8") if isinstance(x, str) else bytes(x)
        state["cur"] = ctypes.create_string_buffer(b, len(b))  # lives until the next call
        line_out[0] = ctypes.cast(state["cur"], ctypes.c_char_p)
        len_out[0] = len(b)
        return _ffi.MIRS_OK

    cb = _ffi.mirs_client_source_fn(tramp)
    st = lib().mirs_client_run(cb, None, path_in(output_path), ctypes.byref(o.o), ctypes.byref(s))
    if state["error"] is not None:
        raise state["error"]
    if o.progress_error is not None:
        raise o.progress_error
    check(st, "mirs_client_run")
    return _summary(s)


__all__ = ["Cancel", "available", "run", "run_file"]
