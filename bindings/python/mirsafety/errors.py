"""Exceptions carrying a libmirsafety status and message.

MirsError is the base; every MIRS_E_* status of the header has a subclass named after it
(MIRS_E_NOT_FOUND -> NotFoundError, MIRS_E_IO -> IoError, ...), generated from the header into _errors.py so that
statuses added to the header appear here by regeneration. Each subclass also derives from the matching built-in
exception (NotFoundError is a FileNotFoundError, IoError an OSError, argument and data errors ValueErrors,
StateError a RuntimeError, ...; the table is PY_ERROR_BASES in bindings/gen/generate.py), so `except ValueError`
code written for the standard library works. Every error pickles with its class, status, message and function, so
multiprocessing, concurrent.futures and Dask deliver it to the parent process as it was raised.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Type

from . import _ffi


class MirsError(Exception):
    """A libmirsafety failure: .status (negative int), .status_name ("MIRS_E_IO"), .message (the library's
    thread-local message, copied at the moment of the failure) and .function (the C function, or None)."""

    status: int
    status_name: str
    message: str
    function: Optional[str]

    def __init__(self, status: int, message: str, function: Optional[str] = None) -> None:
        self.status = status
        self.status_name = status_name(status)
        self.message = message
        self.function = function
        super().__init__(str(self))

    def __reduce__(self) -> Tuple[Callable[..., MirsError], Tuple[Any, ...]]:
        # The default pickles self.args (the formatted text) and calls cls(text) on load, which fails: the
        # worker's error then never reaches the parent (BrokenProcessPool, a hung Pool.map_async().get()).
        return (_rebuild, (type(self), self.status, self.message, self.function, self.__dict__))

    def __str__(self) -> str:
        # OSError's own __str__ would print "[Errno ...]" forms; the message is always the formatted text
        return "%s%s: %s" % (self.function + ": " if self.function else "", self.status_name, self.message)


def _rebuild(cls: Type[MirsError], status: int, message: str, function: Optional[str],
             state: Dict[str, Any]) -> MirsError:
    e = cls(status, message, function)
    e.__dict__.update(state)
    return e


from . import _errors  # noqa: E402
from ._errors import *  # noqa: E402,F401,F403  (one class per status, generated)
from ._errors import BY_STATUS as _BY_STATUS  # noqa: E402
from ._errors import NotFoundError  # noqa: E402

_STATUS_NAMES = {v: n for n, v in ((n, getattr(_ffi, n)) for n in _ffi.CONSTANTS if n.startswith("MIRS_E_"))
                 if isinstance(v, int)}
_STATUS_NAMES[_ffi.MIRS_OK] = "MIRS_OK"
_STATUS_NAMES[_ffi.MIRS_DONE] = "MIRS_DONE"


class UnknownNameError(NotFoundError, ValueError):
    """A name (format, dtype, label, category, policy, ...) that is not one of the choices, which the message
    lists (and .choices holds). A ValueError, and a NotFoundError (the library's status for an unknown name)."""

    choices: List[str]

    def __init__(self, status: int, message: str, function: Optional[str] = None,
                 choices: Iterable[str] = ()) -> None:
        super().__init__(status, message, function)
        self.choices = list(choices)


def unknown_name(what: str, value: object, choices: Iterable[object],
                 function: Optional[str] = None) -> UnknownNameError:
    """The UnknownNameError for `value` not among `choices` (shown in the message)."""
    names = [str(c) for c in choices]
    return UnknownNameError(_ffi.MIRS_E_NOT_FOUND, "unknown %s %r (choices: %s)" % (what, value, ", ".join(names)),
                            function, names)


def status_name(status: int) -> str:
    """The header's name of a status ("MIRS_E_UNKNOWN" for values it does not know)."""
    return _STATUS_NAMES.get(status, "MIRS_E_UNKNOWN")


def error_class(status: int) -> Type[MirsError]:
    """The exception class for a status (MirsError when the status is unknown)."""
    return _BY_STATUS.get(status, MirsError)


# A star import must not shadow a built-in: OverflowError (MIRS_E_OVERFLOW) stays reachable as
# mirsafety.errors.OverflowError (a subclass of the built-in one) but is not exported by name (a test checks that
# no exported name shadows one, so a status added later with such a name shows there).
__all__ = ["MirsError", "UnknownNameError", "status_name", "error_class"]
__all__ += _errors.__all__
__all__.remove("OverflowError")
