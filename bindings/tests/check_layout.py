#!/usr/bin/python3
"""Layout test: the C compiler's sizeof/alignof/offsetof of every public struct (printed by layout_check, built from
the generated layout_check.c) must equal ctypes' layout in the Python bindings and the layout the generator
recorded from clang (which the Rust -sys crate asserts at compile time and in its layout test).

Usage: check_layout.py <layout_check executable>"""
import ctypes
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from mirsafety import _ffi  # noqa: E402  (the generated module needs no library)

out = subprocess.run([sys.argv[1]], check=True, capture_output=True, text=True).stdout
c = {}
for line in out.splitlines():
    p = line.split()
    if p[0] == "S":
        c.setdefault(p[1], [0, 0, {}])[:2] = [int(p[2]), int(p[3])]
    elif p[0] == "F":
        c.setdefault(p[1], [0, 0, {}])[2][p[2]] = int(p[3])
problems = []
if set(c) != set(_ffi.STRUCTS):
    problems.append("struct sets differ: C %s, Python %s" % (sorted(c), sorted(_ffi.STRUCTS)))
for name, (size, align, offs) in c.items():
    cls = _ffi.STRUCTS.get(name)
    if cls is None:
        continue
    py = (ctypes.sizeof(cls), ctypes.alignment(cls), {f[0]: getattr(cls, f[0]).offset for f in cls._fields_})
    gen = _ffi.C_LAYOUT[name]
    for label, other in (("ctypes", py), ("generator/Rust", gen)):
        if (size, align, offs) != (other[0], other[1], dict(other[2])):
            problems.append("%s: C says size %d align %d %s; %s says %s" % (name, size, align, offs, label, other))
for p in problems:
    print("layout:", p)
if problems:
    sys.exit(1)
print("layout: %d structs, %d fields agree in C, ctypes and the generated Rust" %
      (len(c), sum(len(v[2]) for v in c.values())))
