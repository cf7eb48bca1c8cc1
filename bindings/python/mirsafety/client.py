"""client.h: run request files (or any iterable of request lines) against a served model, appending each outcome
to a resumable responses file. The transfers run inside the library on the calling thread (libcurl's multi
interface); the GIL is released for the whole call, so another thread may cancel it (Cancel.set()).

Options (keywords): model, api ("auto", "chat", "completions", "anthropic"), output ("responses", "judge"),
api_key_env (the NAME of an environment variable), concurrency, timeout_ms, max_retries, blank_retries,
backoff_base_ms, backoff_cap_ms, backoff_jitter, rpm, tpm, max_body_bytes, tls_verify, durability ("write",
"fsync"), seed, progress (a callable given (done, total, failed, in_flight)), cancel (a Cancel). docs/running.md has the details.
"""
import ctypes

from . import _ffi
from ._core import check, lib, path_in, text_in

_APIS = {"auto": _ffi.MIRS_CLIENT_API_AUTO, "chat": _ffi.MIRS_CLIENT_API_OPENAI_CHAT,
         "completions": _ffi.MIRS_CLIENT_API_OPENAI_COMPLETIONS, "anthropic": _ffi.MIRS_CLIENT_API_ANTHROPIC}
_OUTPUTS = {"responses": _ffi.MIRS_CLIENT_OUTPUT_RESPONSES, "judge": _ffi.MIRS_CLIENT_OUTPUT_JUDGE}
_DURABLE = {"write": _ffi.MIRS_CLIENT_DURABLE_WRITE, "fsync": _ffi.MIRS_CLIENT_DURABLE_FSYNC}


def available():
    """True when the library was built with libcurl (otherwise run() raises UnsupportedError)."""
    return bool(lib().mirs_client_available())


class Cancel:
    """A flag the run polls (at least every 100 ms): set() from another thread or a signal handler stops it; the
    call then raises StateError and summary["cancelled"] is True. Items in flight are sent again by the next run."""

    def __init__(self):
        self.flag = ctypes.c_int32(0)

    def set(self):
        self.flag.value = 1

    def is_set(self):
        return bool(self.flag.value)


class _Options:
    def __init__(self, endpoint, kw):
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
                o.api = _APIS[v] if isinstance(v, str) else v
            elif k == "output":
                o.output = _OUTPUTS[v] if isinstance(v, str) else v
            elif k == "durability":
                o.durability = _DURABLE[v] if isinstance(v, str) else v
            elif k == "tls_verify":
                o.tls_verify = 1 if v else 0
            elif k == "progress":
                def tramp(_ud, done, total, failed, in_flight, _f=v):
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


def _summary(s):
    return {f: bool(getattr(s, f)) if f == "cancelled" else getattr(s, f)
            for f, _ in s._fields_ if f not in ("struct_size", "reserved")}


def run_file(requests, output_path, endpoint, **opts):
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


def run(lines, output_path, endpoint, **opts):
    """Same as run_file with the request lines taken from an iterable of str or bytes (one JSON object each),
    pulled only as the run has room for them."""
    o = _Options(endpoint, opts)
    s = _ffi.mirs_client_summary()
    s.struct_size = ctypes.sizeof(s)
    it = iter(lines)
    state = {"error": None, "cur": None}

    def tramp(_ud, line_out, len_out):
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
