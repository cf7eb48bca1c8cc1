"""Exceptions carrying a libmirsafety status and message.

MirsError is the base; every MIRS_E_* status of the header has a subclass named after it
(MIRS_E_NOT_FOUND -> NotFoundError, MIRS_E_IO -> IoError, ...), made from the generated constants so that
statuses added to the header appear here by regeneration. Each subclass also derives from the matching built-in
exception (_BUILTIN below: NotFoundError is a FileNotFoundError, IoError an OSError, argument and data errors
ValueErrors, StateError a RuntimeError, ...), so `except ValueError` code written for the standard library works.
Every error pickles with its class, status, message and function, so multiprocessing, concurrent.futures and
Dask deliver it to the parent process as it was raised.
"""
from . import _ffi


class MirsError(Exception):
    """A libmirsafety failure: .status (negative int), .status_name ("MIRS_E_IO"), .message (the library's
    thread-local message, copied at the moment of the failure) and .function (the C function, or None)."""

    status = None

    def __init__(self, status, message, function=None):
        self.status = status
        self.status_name = status_name(status)
        self.message = message
        self.function = function
        super().__init__("%s%s: %s" % (function + ": " if function else "", self.status_name, message))

    def __reduce__(self):
        # The default pickles self.args (the formatted text) and calls cls(text) on load, which fails: the
        # worker's error then never reaches the parent (BrokenProcessPool, a hung Pool.map_async().get()).
        return (_rebuild, (type(self), self.status, self.message, self.function, self.__dict__))

    def __str__(self):
        # OSError's own __str__ would print "[Errno ...]" forms; the message is always the formatted text
        return "%s%s: %s" % (self.function + ": " if self.function else "", self.status_name, self.message)


def _rebuild(cls, status, message, function, state):
    e = cls(status, message, function)
    e.__dict__.update(state)
    return e


# The built-in each status's class also derives from: what a Python programmer would catch for that failure.
_BUILTIN = {
    "INVALID_ARGUMENT": ValueError, "NO_MEMORY": MemoryError, "IO": OSError, "NOT_FOUND": FileNotFoundError,
    "JSON": ValueError, "SCHEMA": ValueError, "LIMIT": ValueError, "UTF8": ValueError, "PATH": ValueError,
    "DUPLICATE": ValueError, "FORMAT": ValueError, "CORRUPT": ValueError, "TRUNCATED": ValueError,
    "UNSUPPORTED": ValueError, "RANGE": ValueError, "STATE": RuntimeError, "NUMERIC": ValueError,
    "VERSION": ValueError, "INTERNAL": RuntimeError, "TORN": ValueError, "CONFLICT": ValueError,
    "MISMATCH": ValueError, "EMPTY": ValueError, "OVERFLOW": OverflowError,
}


_BY_STATUS = {}
_STATUS_NAMES = {}


def _camel(suffix):
    return "".join(p[:1] + p[1:].lower() for p in suffix.split("_")) + "Error"


for _name, (_module, _kind) in _ffi.CONSTANTS.items():
    _value = getattr(_ffi, _name)
    if _name.startswith("MIRS_E_") and isinstance(_value, int):
        _base = _BUILTIN.get(_name[len("MIRS_E_"):], RuntimeError)  # a status added later: RuntimeError
        _cls = type(_camel(_name[len("MIRS_E_"):]), (MirsError, _base),
                    {"__doc__": "Raised for %s (%d); also a %s." % (_name, _value, _base.__name__),
                     "__module__": __name__})
        globals()[_cls.__name__] = _cls
        _BY_STATUS[_value] = _cls
        _STATUS_NAMES[_value] = _name
_STATUS_NAMES[_ffi.MIRS_OK] = "MIRS_OK"
_STATUS_NAMES[_ffi.MIRS_DONE] = "MIRS_DONE"


class UnknownNameError(NotFoundError, ValueError):  # type: ignore[name-defined,misc]  # noqa: F821 (made above)
    """A name (format, dtype, label, category, policy, ...) that is not one of the choices, which the message
    lists. A ValueError, and a NotFoundError (the library's status for an unknown name)."""

    def __init__(self, status, message, function=None, choices=()):
        super().__init__(status, message, function)
        self.choices = list(choices)


def unknown_name(what, value, choices, function=None):
    """The UnknownNameError for `value` not among `choices` (shown in the message)."""
    choices = [str(c) for c in choices]
    return UnknownNameError(_ffi.MIRS_E_NOT_FOUND, "unknown %s %r (choices: %s)" % (what, value, ", ".join(choices)),
                            function, choices)


def status_name(status):
    """The header's name of a status ("MIRS_E_UNKNOWN" for values it does not know)."""
    return _STATUS_NAMES.get(status, "MIRS_E_UNKNOWN")


def error_class(status):
    """The exception class for a status (MirsError when the status is unknown)."""
    return _BY_STATUS.get(status, MirsError)


# A star import must not shadow a built-in: OverflowError (MIRS_E_OVERFLOW) stays reachable as
# mirsafety.errors.OverflowError (a subclass of the built-in one) but is not exported by name.
__all__ = ["MirsError", "UnknownNameError", "status_name", "error_class"] + sorted(
    c.__name__ for c in _BY_STATUS.values() if not hasattr(__import__("builtins"), c.__name__))
