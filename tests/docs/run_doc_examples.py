#!/usr/bin/python3
"""Runs the examples in README.md and docs/*.md so that they cannot rot: every
shell block runs as written, as a reader runs it in a fresh clone after the
README's first command (`sh scripts/quickstart.sh`, which builds the tree).

Everything runs in a temporary copy of the repository's tracked files (nothing
is written into the source tree), whose `build` is the build tree under test,
with the build's ``mirsafety`` first on PATH. Nothing else is defined for the
blocks: a variable such as $SCRATCH must be set by the document itself.

Shell blocks are fenced ``console``, ``sh``, ``bash`` or ``shell``. The blocks
of one document run in order in one shell session: a variable exported or a
``cd`` done by one command holds for the next ones, as in a terminal.

- ``console`` is a transcript: each line starting with ``$ `` is a command
  (bash, with pipefail) and the lines after it up to the next command are its
  expected standard output. The shell runs with ``set -u``: a variable the
  document did not define is an error, not an empty string (``$SCRATCH/v.jsonl``
  must not become ``/v.jsonl``). A line ``...`` matches any number of lines; an
  expected line ending in `` ...`` matches any line starting with the text
  before it. A command whose expected output is empty only has to succeed.
- ``sh`` (``bash``, ``shell``) is a script run whole; it must exit 0.
- A shell block that cannot run here (it installs packages, needs root or a
  network, a GPU server, or runs for an hour) is preceded by the comment
  ``<!-- not-run: reason -->``: it is counted as skipped and its reason printed.
- A fence with no info string must not hold shell commands (lines starting
  with ``$ `` or ``mirsafety ``): label it, so that it runs or says why not.

A ``c`` block that defines ``main`` is compiled against the built library and
run; a ``python`` block is run with /usr/bin/python3 and the in-tree binding.
Both must exit 0. The test prints how many blocks of each kind ran and which
were skipped, with the reasons.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

FENCE = re.compile(r"^```(\S*)\s*$")
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(.+?)\s*-->$")
SHELL = ("console", "sh", "bash", "shell")
# The time one shell command may take, and all of them together (the docs' commands take seconds).
COMMAND_TIMEOUT, TOTAL_TIMEOUT = 300, 400  # under the test's own 600 s


def fenced(path):
    """Every fenced block: (info string, first line number, lines, reason it is not run or None)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        nr = NOT_RUN.match(lines[k].strip()) if k >= 0 else None
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        yield m.group(1), i + 2, lines[i + 1:j], nr.group(1) if nr else None
        i = j + 1


def copy_tree(root, dest, builddir):
    """The repository's tracked files, as a clone has them, plus `build`: the build tree under test."""
    r = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True)
    files = [f for f in r.stdout.decode().split("\0") if f] if r.returncode == 0 else []
    if files:
        for f in files:
            src, dst = os.path.join(root, f), os.path.join(dest, f)
            if not os.path.lexists(src):
                continue  # deleted in the work tree, not committed yet
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
            else:
                shutil.copy2(src, dst)
    else:  # not a git checkout (a release tarball): everything but build trees
        shutil.copytree(root, dest, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".git", "build*", "demo-out", "fuzz-out"))
    # `build` holds what the build tree built, linked, but not its configuration: a block that reconfigured or
    # rebuilt `build` would fail here instead of turning the tree under test into a build of this copy.
    build = os.path.join(dest, "build")
    os.makedirs(build, exist_ok=True)
    for entry in os.listdir(builddir):
        if entry.startswith(("meson-", ".ninja")) or entry in ("build.ninja", "compile_commands.json"):
            continue
        os.symlink(os.path.join(os.path.abspath(builddir), entry), os.path.join(build, entry))


class Session:
    """One document's shell: exported variables and the working folder carry over between commands."""

    def __init__(self, cwd, env, state):
        self.env, self.state = env, state
        with open(state + ".cwd", "w") as f:
            f.write(cwd)
        open(state, "w").close()

    def run(self, cmd, timeout):
        script = (f'. "{self.state}"; cd "$(cat "{self.state}.cwd")" || exit 99\n{cmd}\n__rc=$?\n'
                  f'export -p | grep -v -E "^declare -x (PWD|OLDPWD|SHLVL|_)=" > "{self.state}.new"; '
                  f'mv "{self.state}.new" "{self.state}"; pwd > "{self.state}.cwd"; exit $__rc\n')
        # A session of its own, so that a command over its time goes with everything it started.
        p = subprocess.Popen(["bash", "-u", "-o", "pipefail", "-c", script], env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)


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
    env = {k: v for k, v in os.environ.items() if k not in ("SCRATCH",)}
    env["PATH"] = tooldir + os.pathsep + env.get("PATH", "")
    env["MIRSAFETY_NO_PROGRESS"] = "1"
    passed = failed = 0
    ran = {"console": 0, "sh": 0}
    skipped = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        clone = os.path.join(scratch, "clone")
        copy_tree(root, clone, builddir)
        for doc in docs:
            rel = os.path.relpath(doc, root)
            session = Session(clone, env, os.path.join(scratch, "state-" + rel.replace("/", "_")))
            for kind, lineno, block, not_run in fenced(doc):
                where = f"{rel}:{lineno}"
                if kind == "" and any(x.startswith(("$ ", "mirsafety ")) for x in block):
                    failed += 1
                    print(f"FAIL {where}: shell commands in a fence without an info string: label it ```console "
                          "or ```sh (and <!-- not-run: reason --> if it cannot run here)", file=sys.stderr)
                    continue
                if kind not in SHELL:
                    continue
                if not_run:
                    skipped.append((where, not_run))
                    continue
                if time.monotonic() - started > TOTAL_TIMEOUT:
                    failed += 1
                    print(f"FAIL {where}: not run, the shell blocks took over {TOTAL_TIMEOUT} s", file=sys.stderr)
                    continue
                commands = transcript(block) if kind == "console" else [("\n".join(block), None)]
                ran["console" if kind == "console" else "sh"] += 1
                for cmd, expected in commands:
                    try:
                        r = session.run(cmd, COMMAND_TIMEOUT)
                    except subprocess.TimeoutExpired:
                        failed += 1
                        print(f"FAIL {where}: `{cmd}` ran over {COMMAND_TIMEOUT} s", file=sys.stderr)
                        continue
                    actual = r.stdout.rstrip("\n").split("\n") if r.stdout else []
                    while expected and expected[-1] == "":
                        expected = expected[:-1]
                    if r.returncode != 0:
                        failed += 1
                        print(f"FAIL {where}: `{cmd}` exited {r.returncode}\n{r.stderr}", file=sys.stderr)
                    elif expected is not None and not matches(expected, actual):
                        failed += 1
                        print(f"FAIL {where}: `{cmd}` printed:\n" + "\n".join(actual) + "\n--- expected:\n" +
                              "\n".join(expected), file=sys.stderr)
                    else:
                        passed += 1
        src_root, root = root, clone  # the C and Python examples run in the copy too
        for doc in docs:
            for lineno, block in blocks(doc, "c"):
                src = "\n".join(block)
                if "main(" not in src:
                    continue
                where = f"{os.path.relpath(doc, src_root)}:{lineno}"
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
                where = f"{os.path.relpath(doc, src_root)}:{lineno}"
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
    print(f"shell blocks: {ran['console']} console and {ran['sh']} sh blocks ran, {len(skipped)} skipped")
    for where, why in skipped:
        print(f"  skipped {where}: {why}")
    print(f"doc examples: {passed} passed, {failed} failed")
    if passed == 0:
        print("no doc examples found: nothing was tested", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
