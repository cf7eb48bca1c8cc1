"""Test setup: the library under test is $MIRSAFETY_LIBRARY (meson sets it to the build tree's library).

With MIRSAFETY_REQUIRE_COVERAGE=1 (meson sets it) every call into the library is recorded and the session fails
when a function the library exports was never called by any test: every public API addition needs a Python test.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the package under test, not an installed one

import mirsafety  # noqa: E402
from mirsafety import _ffi  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
CALLED = set()


def _install_recorder():
    L = mirsafety.lib()
    for name in _ffi.FUNCTIONS:
        fn = getattr(L, name)
        if isinstance(fn, _ffi.MissingFunction):
            continue

        def rec(*args, _fn=fn, _name=name):
            CALLED.add(_name)
            return _fn(*args)

        rec.__name__ = name
        rec.__doc__ = fn.__doc__
        setattr(L, name, rec)


if os.environ.get("MIRSAFETY_REQUIRE_COVERAGE") == "1":
    _install_recorder()


@pytest.fixture(scope="session")
def sample_dir():
    d = os.environ.get("MIRSAFETY_SAMPLE") or os.path.join(REPO, "examples", "data", "sample")
    if not os.path.isdir(d):
        pytest.fail("the bundled sample dataset is missing: %s" % d)
    return d


def module_implemented(header):
    """Whether the module behind include/mirsafety/<header>.h has an implementation in this source tree."""
    if header == "common" or not os.path.isdir(os.path.join(REPO, "lib")):
        return True
    return os.path.isfile(os.path.join(REPO, "lib", header, "meson.build"))


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("MIRSAFETY_REQUIRE_COVERAGE") != "1":
        return
    rep = session.config.pluginmanager.get_plugin("terminalreporter")
    out = rep.write_line if rep else print
    L = mirsafety.lib()
    passed = len(rep.stats.get("passed", [])) if rep else 0
    if passed == 0:
        out("bindings: no test passed (all skipped or none collected): failing the run")
        session.exitstatus = 1
    # A header may be declared ahead of its module (the project lands headers first): its functions may be
    # missing until lib/<module>/ exists; after that, a missing function is an error.
    pending = [n for n in L.missing if not module_implemented(_ffi.FUNCTIONS[n][0])]
    broken = [n for n in L.missing if n not in pending]
    if pending:
        out("bindings: declared but not implemented yet (no lib/<module>/): " + ", ".join(pending))
    if broken:
        out("bindings: lib/<module>/ exists but %s does not export: %s" % (mirsafety.library_path(),
                                                                          ", ".join(broken)))
        session.exitstatus = 1
    uncovered = sorted(n for n in _ffi.FUNCTIONS if n not in CALLED and n not in L.missing)
    if uncovered:
        out("bindings coverage: these exported functions are never called by bindings/python/tests; "
            "add a test (through the idiomatic layer or mirsafety.lib()): " + ", ".join(uncovered))
        session.exitstatus = 1
    else:
        out("bindings coverage: all %d exported functions called" % (len(_ffi.FUNCTIONS) - len(L.missing)))


def require(*names):
    """Skips a test whose functions the loaded library does not export yet (reported again at session end)."""
    missing = [n for n in names if n in mirsafety.lib().missing]
    if missing:
        pytest.skip("not exported by the library yet: " + ", ".join(missing))
