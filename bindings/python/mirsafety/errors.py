"""Exceptions carrying a libmirsafety status and message.

MirsError is the base; every MIRS_E_* status of the header has a subclass named after it
(MIRS_E_NOT_FOUND -> NotFoundError, MIRS_E_IO -> IoError, ...), made from the generated constants so that
statuses added to the header appear here by regeneration.
"""
from . import _ffi


class MirsError(Exception):
    """A libmirsafety failure: .status (negative int), .status_name ("MIRS_E_IO") and .message (the library's
    thread-local message, copied at the moment of the failure)."""

    status = None

    def __init__(self, status, message, function=None):
        self.status = status
        self.status_name = status_name(status)
        self.message = message
        self.function = function
        super().__init__("%s%s: %s" % (function + ": " if function else "", self.status_name, message))


_BY_STATUS = {}
_STATUS_NAMES = {}


def _camel(suffix):
    return "".join(p[:1] + p[1:].lower() for p in suffix.split("_")) + "Error"


for _name, (_module, _kind) in _ffi.CONSTANTS.items():
    _value = getattr(_ffi, _name)
    if _name.startswith("MIRS_E_") and isinstance(_value, int):
        _cls = type(_camel(_name[len("MIRS_E_"):]), (MirsError,),
                    {"__doc__": "Raised for %s (%d)." % (_name, _value), "__module__": __name__})
        globals()[_cls.__name__] = _cls
        _BY_STATUS[_value] = _cls
        _STATUS_NAMES[_value] = _name
_STATUS_NAMES[_ffi.MIRS_OK] = "MIRS_OK"
_STATUS_NAMES[_ffi.MIRS_DONE] = "MIRS_DONE"


def status_name(status):
    """The header's name of a status ("MIRS_E_UNKNOWN" for values it does not know)."""
    return _STATUS_NAMES.get(status, "MIRS_E_UNKNOWN")


def error_class(status):
    """The exception class for a status (MirsError when the status is unknown)."""
    return _BY_STATUS.get(status, MirsError)


__all__ = ["MirsError", "status_name", "error_class"] + sorted(c.__name__ for c in _BY_STATUS.values())
