#!/usr/bin/python3
"""Runs the examples in README.md and docs/*.md so that they cannot rot.

A fenced block whose info string is ``console`` is a transcript: each line
starting with ``$ `` is a shell command (run with bash from the repository
root, with the build's ``mirsafety`` first on PATH), and the lines after it
up to the next command are its expected standard output. A line ``...``
matches any number of lines; an expected line ending in `` ...`` matches any
line starting with the text before it. A command whose expected output is
empty only has to succeed.

A ``c`` block that defines ``main`` is compiled against the built library and
run from the repository root; a ``python`` block is run with /usr/bin/python3
and the in-tree binding. Both must exit 0. ``sh`` blocks (installation steps,
commands that need a network or root) are not run.
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\S*)\s*$")


def blocks(path, kind="console"):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m and m.group(1) == kind:
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            yield start + 1, lines[start:j]
            i = j + 1
        else:
            i += 1


def have_torch():
    """Whether the examples' interpreter can import torch (an optional dependency)."""
    if not hasattr(have_torch, "known"):
        have_torch.known = subprocess.run(["/usr/bin/python3", "-c", "import torch"], capture_output=True).returncode == 0
    return have_torch.known


def transcript(lines):
    cmd, out = None, []
    for line in lines:
        if line.startswith("$ "):
            if cmd is not None:
                yield cmd, out
            cmd, out = line[2:], []
        elif cmd is not None:
            out.append(line)
    if cmd is not None:
        yield cmd, out


def matches(expected, actual):
    """Expected lines with '...' wildcards against actual lines."""
    if not expected:
        return True
    e = expected[0]
    if e == "...":
        return any(matches(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    if not actual:
        return False
    if e.endswith(" ..."):
        ok = actual[0].startswith(e[:-4])
    else:
        ok = actual[0].rstrip() == e.rstrip()
    return ok and matches(expected[1:], actual[1:])


def main():
    root, tooldir, builddir = sys.argv[1], sys.argv[2], sys.argv[3]
    docs = [os.path.join(root, "README.md")]
    docs += sorted(os.path.join(root, "docs", f) for f in os.listdir(os.path.join(root, "docs")) if f.endswith(".md"))
    env = dict(os.environ)
    env["PATH"] = tooldir + os.pathsep + env.get("PATH", "")
    env["MIRSAFETY_NO_PROGRESS"] = "1"
    passed = failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        env["SCRATCH"] = scratch
        for doc in docs:
            for lineno, block in blocks(doc):
                for cmd, expected in transcript(block):
                    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=root, env=env, capture_output=True,
                                       text=True, timeout=300)
                    actual = r.stdout.rstrip("\n").split("\n") if r.stdout else []
                    while expected and expected[-1] == "":
                        expected = expected[:-1]
                    where = f"{os.path.relpath(doc, root)}:{lineno}"
                    if r.returncode != 0:
                        failed += 1
                        print(f"FAIL {where}: `{cmd}` exited {r.returncode}\n{r.stderr}", file=sys.stderr)
                    elif not matches(expected, actual):
                        failed += 1
                        print(f"FAIL {where}: `{cmd}` printed:\n" + "\n".join(actual) + "\n--- expected:\n" +
                              "\n".join(expected), file=sys.stderr)
                    else:
                        passed += 1
        for doc in docs:
            for lineno, block in blocks(doc, "c"):
                src = "\n".join(block)
                if "main(" not in src:
                    continue
                where = f"{os.path.relpath(doc, root)}:{lineno}"
                c_file = os.path.join(scratch, "example.c")
                exe = os.path.join(scratch, "example")
                with open(c_file, "w") as f:
                    f.write(src)
                libdir = os.path.join(builddir, "lib")
                cc = subprocess.run([os.environ.get("CC", "cc"), "-std=c99", "-Wall", "-Werror", "-I",
                                     os.path.join(root, "include"), c_file, "-L", libdir, "-lmirsafety",
                                     "-Wl,-rpath," + libdir, "-o", exe] + os.environ.get("DOC_CFLAGS", "").split(),
                                    capture_output=True, text=True)
                r = cc if cc.returncode else subprocess.run([exe], cwd=root, env=env, capture_output=True, text=True,
                                                            timeout=300)
                if r.returncode != 0:
                    failed += 1
                    print(f"FAIL {where}: C example: {r.stderr}", file=sys.stderr)
                else:
                    passed += 1
            pyenv = dict(env)
            pyenv["PYTHONPATH"] = os.path.join(root, "bindings", "python")
            pyenv.setdefault("MIRSAFETY_LIBRARY", os.path.join(builddir, "lib", "libmirsafety.so"))
            if os.environ.get("DOC_PY_PRELOAD"):
                pyenv["LD_PRELOAD"] = os.environ["DOC_PY_PRELOAD"]
            for lineno, block in blocks(doc, "python"):
                where = f"{os.path.relpath(doc, root)}:{lineno}"
                if os.environ.get("DOC_PY_SKIP"):
                    print(f"skipped: {where}: {os.environ['DOC_PY_SKIP']}")
                    continue
                if any(l.startswith("import torch") for l in block) and not have_torch():
                    print(f"skipped, PyTorch is not installed (optional): {where}")
                    continue
                if os.environ.get("DOC_PY_PRELOAD") and any("import distributed" in l for l in block):
                    # Dask's worker processes do not all inherit the sanitizer
                    # preload; the plain build runs this example.
                    print(f"skipped under the sanitizer build: {where}")
                    continue
                r = subprocess.run(["/usr/bin/python3", "-c", "\n".join(block)], cwd=root, env=pyenv,
                                   capture_output=True, text=True, timeout=300)
                if r.returncode != 0:
                    failed += 1
                    print(f"FAIL {where}: Python example: {r.stderr}", file=sys.stderr)
                else:
                    passed += 1
    print(f"doc examples: {passed} passed, {failed} failed")
    if passed == 0:
        print("no doc examples found: nothing was tested", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
