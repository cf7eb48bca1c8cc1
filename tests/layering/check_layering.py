#!/usr/bin/python3
"""The module graph holds: each module library uses only the modules below it.

Reads each module's static library (lib/<module>/libmirs_<module>.a) with nm:
the symbols it defines and the ones it leaves undefined. An undefined symbol
defined by another module is a use of that module; every use must follow an
edge of ALLOWED (docs/internals.md shows the same graph). A use that goes up
or sideways, or a module missing from the table, fails with the symbol and
both modules named.

usage: check_layering.py [--deny A:B] NM BUILD_LIB_DIR MODULE...

--deny A:B removes the edge A -> B from the table and expects the check to
fail (the suite runs it so, to show the check can fail).
"""
import subprocess
import sys

# module -> the modules it may use (directly). util is the bottom.
ALLOWED = {
    "util": set(),
    "stats": {"util"},
    "dataset": {"util"},
    "image": {"util"},
    "score": {"util"},
    "prompt": {"util", "dataset", "image"},
    "responses": {"util", "dataset"},
    "store": {"util", "score"},
    "report": {"util", "dataset", "score", "stats", "store", "entropy"},
    "scoring": {"util", "dataset", "score", "responses", "store"},
    "entropy": {"util", "stats"},
    "client": {"util", "dataset", "image", "prompt", "responses", "store", "score"},
}


def symbols(nm, lib):
    out = subprocess.run([nm, "-g", "--format=posix", lib], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2 or line.endswith(":"):
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            undefined.add(name)
        elif kind in "TDBRVWC" or kind in "tdbr":
            defined.add(name)
    return defined, undefined - defined


def main():
    args = sys.argv[1:]
    deny = None
    if args[0] == "--deny":
        deny = tuple(args[1].split(":"))
        ALLOWED[deny[0]].discard(deny[1])
        args = args[2:]
    nm, libdir, modules = args[0], args[1], args[2:]
    failures = 0
    owner, undef = {}, {}
    for m in modules:
        if m not in ALLOWED:
            print(f"FAIL: module {m} is not in the layering table (tests/layering/check_layering.py, "
                  f"docs/internals.md): add it with the modules it may use")
            failures += 1
            continue
        d, u = symbols(nm, f"{libdir}/{m}/libmirs_{m}.a")
        undef[m] = u
        for s in d:
            if s in owner and owner[s] != m:
                print(f"FAIL: {s} is defined by both {owner[s]} and {m}")
                failures += 1
            owner[s] = m
    uses = 0
    for m, u in sorted(undef.items()):
        for s in sorted(u):
            o = owner.get(s)
            if o is None or o == m:
                continue  # libc, libm, the dependencies
            uses += 1
            if o not in ALLOWED[m]:
                print(f"FAIL: {m} uses {s} of {o}: {m} may use only {sorted(ALLOWED[m]) or 'nothing'}")
                failures += 1
    print(f"layering: {len(undef)} modules, {uses} uses across modules, {failures} failures")
    if uses == 0:
        print("FAIL: no use across modules found: the symbol reading is broken")
        failures += 1
    if deny:
        print(f"with the edge {deny[0]} -> {deny[1]} removed: {failures} failures (expected some)")
        sys.exit(0 if failures else 1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
