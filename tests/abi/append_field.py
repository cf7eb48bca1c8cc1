#!/usr/bin/python3
"""Copies public headers to OUT_DIR with a field `uint64_t mirs_test_appended;` appended to every struct whose first
field is `size_t struct_size;`: the headers of a hypothetical next version in which every versioned struct grew.
tests/abi builds the library from them, and test_struct_versions (built from the unmodified headers) runs against
that library: an older caller against a newer library.

Usage: append_field.py OUT_DIR HEADER..."""
import os
import re
import sys

STRUCT = re.compile(r"(typedef struct (\w+) \{\n\s*size_t struct_size;.*?\n)(\} \2;)", re.S)


def main():
    out_dir, headers = sys.argv[1], sys.argv[2:]
    total = 0
    for h in headers:
        text = open(h, encoding="utf-8").read()
        text, n = STRUCT.subn(lambda m: m.group(1) + "    uint64_t mirs_test_appended;\n" + m.group(3), text)
        total += n
        with open(os.path.join(out_dir, os.path.basename(h)), "w", encoding="utf-8") as f:
            f.write(text)
    if total == 0:
        sys.exit("append_field.py: no struct with struct_size found")


if __name__ == "__main__":
    main()
