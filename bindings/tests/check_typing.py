#!/usr/bin/python3
"""mypy --strict (Debian's python3-mypy, run as /usr/bin/python3 -m mypy) passes on the Python package, on the
Python examples of README.md and docs/*.md (each ```python block as a module) and on examples/python/.

Usage: check_typing.py <repo root>

The docs' blocks that use Dask get `# mypy: allow-untyped-calls` prepended: distributed ships no type
information for LocalCluster and Client, so strict mode would flag the third-party call, not our API. Prints why
and exits 77 (skipped) when mypy is not installed. The cache goes to a temporary folder, not the source tree."""
import glob
import os
import re
import subprocess
import sys
import tempfile

root = sys.argv[1]
FENCE = re.compile(r"^```(\S*)\s*$")
if subprocess.run(["/usr/bin/python3", "-m", "mypy", "--version"], capture_output=True).returncode != 0:
    print("SKIP: /usr/bin/python3 -m mypy is not available (Debian: apt-get install python3-mypy)")
    sys.exit(77)

with tempfile.TemporaryDirectory() as tmp:
    files = []
    for doc in [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
        with open(doc, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not (m and m.group(1) == "python"):
                i += 1
                continue
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            body = lines[i + 1:j]
            if any(re.match(r"\s*(import|from) distributed\b", ln) for ln in body):
                body = ["# mypy: allow-untyped-calls"] + body
            name = "doc_%s_line%d.py" % (re.sub(r"\W", "_", os.path.basename(doc)[:-3]), i + 2)
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                fh.write("\n".join(body) + "\n")
            files.append(os.path.join(tmp, name))
            i = j + 1
    files += sorted(glob.glob(os.path.join(root, "examples", "python", "*.py")))
    env = dict(os.environ, MYPYPATH=os.path.join(root, "bindings", "python"))
    env.pop("LD_PRELOAD", None)  # mypy loads no library: no sanitizer runtime needed
    # One run over everything, so that numpy's and the package's types are analysed once.
    pkg = os.path.join(root, "bindings", "python", "mirsafety")
    r = subprocess.run(["/usr/bin/python3", "-m", "mypy", "--strict", "--cache-dir", os.path.join(tmp, "cache"), pkg]
                       + files, capture_output=True, text=True, env=env, timeout=600, cwd=tmp)
    out = r.stdout.replace(tmp + os.sep, "")
    if r.returncode != 0:
        print("mypy --strict failed (the package and %d doc/example files):\n%s%s" % (len(files), out, r.stderr))
        sys.exit(1)
    print("mypy --strict: the package and %d doc/example files: %s" % (len(files), out.strip()))
