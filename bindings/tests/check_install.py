#!/usr/bin/python3
"""The Python package installs offline with pip (no index; with and without build isolation; no dependencies)
and the example runs from the installed copy; and it finds the library the ways docs/python.md promises.

Usage: check_install.py <repo root> <sample dir> [<build dir>]

With a build dir (issue #18): `meson install --destdir` into a temporary prefix, then, in a venv
(`/usr/bin/python3 -m venv --system-site-packages`, `pip install --no-build-isolation --no-index`), the package
finds that library through pkg-config (PKG_CONFIG_PATH), through $MIRSAFETY_LIBRARY naming the file or its folder;
`pip install -e` works; the "not found" message lists each place tried, once; and the installed `mirsafety` tool
runs from that prefix without LD_LIBRARY_PATH (its RUNPATH). Every child process has a timeout. Steps that need
venv/pip print why they are skipped when those are unavailable."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

repo, sample = sys.argv[1], sys.argv[2]
build = sys.argv[3] if len(sys.argv) > 3 else None
T = 300  # seconds per child process
NO_LIB_ENV = ("LD_LIBRARY_PATH", "MIRSAFETY_LIBRARY", "MIRSAFETY_LIB_DIR", "PKG_CONFIG_PATH", "PYTHONPATH")


def run(cmd, env, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=T, **kw)


def fail(what, r):
    sys.exit("%s:\n%s%s" % (what, r.stdout, r.stderr))


def clean_env(preload=True):
    """The environment without any hint where the library is (and, for pip, without the sanitizer runtime)."""
    env = {k: v for k, v in os.environ.items() if k not in NO_LIB_ENV and (preload or k != "LD_PRELOAD")}
    env["PIP_NO_INDEX"] = "1"
    return env


with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "src")
    shutil.copytree(os.path.join(repo, "bindings", "python"), src,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"))
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}  # pip need not run under a sanitizer
    env["PIP_NO_INDEX"] = "1"
    # Plain (pip's isolated build environment: works offline because the in-tree backend needs nothing) and
    # with --no-build-isolation.
    for i, extra in enumerate(([], ["--no-build-isolation"])):
        site = os.path.join(tmp, "site%d" % i)
        r = run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                 "--disable-pip-version-check", "--target", site] + extra + [src], env)
        if r.returncode != 0:
            fail("pip install %s failed" % " ".join(extra), r)
    run_env = dict(os.environ, PYTHONPATH=site)
    r = run([sys.executable, os.path.join(repo, "examples", "python", "count_items.py"), sample, "0", "2"], run_env,
            cwd=tmp)
    if r.returncode != 0 or not r.stdout.startswith("items: "):
        fail("example failed from the installed package", r)
    r = run([sys.executable, "-c", "import mirsafety, sys; sys.stdout.write(mirsafety.__file__)"], run_env, cwd=tmp)
    if not r.stdout.startswith(site):
        fail("the example did not use the installed copy", r)
    print("install: pip installed the package offline (isolated and not) and the example ran from it")
    if build is None:
        sys.exit(0)

    # ---- a prefix: meson install --destdir, pkg-config, $MIRSAFETY_LIBRARY, the tool's RUNPATH ----
    dest = os.path.join(tmp, "dest")
    r = run(["meson", "install", "-C", build, "--no-rebuild", "--quiet", "--destdir", dest], clean_env(False))
    if r.returncode != 0:
        fail("meson install --destdir failed", r)
    pcs = glob.glob(os.path.join(dest, "**", "pkgconfig", "mirsafety.pc"), recursive=True)
    tools = glob.glob(os.path.join(dest, "**", "bin", "mirsafety"), recursive=True)
    if len(pcs) != 1 or len(tools) != 1:
        sys.exit("meson install: expected one mirsafety.pc and one bin/mirsafety under %s, found %s %s"
                 % (dest, pcs, tools))
    pc, tool = pcs[0], tools[0]
    # The staged tree stands for a prefix: its .pc names the configured prefix, so point it at the staged one, as
    # a packager relocating the tree would.
    with open(pc, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    old_prefix = next(ln.split("=", 1)[1] for ln in lines if ln.startswith("prefix="))
    prefix = dest + old_prefix
    with open(pc, "w", encoding="utf-8") as fh:
        fh.write("\n".join("prefix=" + prefix if ln.startswith("prefix=") else ln for ln in lines) + "\n")
    libdir = os.path.dirname(os.path.dirname(pc))
    libfile = os.path.join(libdir, "libmirsafety.so.0")
    if not os.path.exists(libfile):
        sys.exit("no %s after meson install" % libfile)

    # The tool runs from the prefix without LD_LIBRARY_PATH: the loader finds the library through RUNPATH.
    tenv = clean_env(False)
    tenv["LD_DEBUG"] = "libs"
    r = run([tool, "--version"], tenv)
    if r.returncode != 0 or not r.stdout.startswith("mirsafety "):
        fail("the installed tool does not run without LD_LIBRARY_PATH", r)
    loaded = [ln.split("calling init: ", 1)[1].strip() for ln in r.stderr.splitlines()
              if "calling init: " in ln and "libmirsafety" in ln]
    if [os.path.realpath(p) for p in loaded] != [os.path.realpath(libfile)]:
        hits = [ln for ln in r.stderr.splitlines() if "libmirsafety" in ln]
        sys.exit("the installed tool did not load %s:\n%s" % (libfile, "\n".join(hits)))
    print("install: %s runs without LD_LIBRARY_PATH and loads %s (RUNPATH)" % (os.path.relpath(tool, dest), libfile))

    if not shutil.which("pkg-config") and not shutil.which("pkgconf"):
        print("SKIP pkg-config discovery: no pkg-config on PATH")
    venv = os.path.join(tmp, "venv")
    r = run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv], clean_env(False))
    vpy = os.path.join(venv, "bin", "python")
    if r.returncode != 0 or run([vpy, "-m", "pip", "--version"], clean_env(False)).returncode != 0:
        print("SKIP venv install: /usr/bin/python3 -m venv with pip is unavailable here:", r.stderr.strip()[-300:])
        sys.exit(0)
    r = run([vpy, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--disable-pip-version-check",
             src], clean_env(False))
    if r.returncode != 0:
        fail("pip install into the venv failed", r)
    probe = "import mirsafety, sys; print(mirsafety.library_path()); print(mirsafety.__file__)"
    outside = os.path.join(tmp, "elsewhere")  # not the repository: no build tree next to the package
    os.makedirs(outside)

    def probe_with(extra, expect_lib, what):
        e = clean_env(True)
        e.update(extra)
        r = run([vpy, "-c", probe], e, cwd=outside)
        if r.returncode != 0:
            fail("venv: %s failed" % what, r)
        got_lib, got_pkg = r.stdout.split()[:2]
        if os.path.realpath(got_lib) != os.path.realpath(expect_lib) or not got_pkg.startswith(venv):
            fail("venv: %s loaded %s from %s, expected %s from the venv" % (what, got_lib, got_pkg, expect_lib), r)
        print("install: venv, %s -> %s" % (what, got_lib))

    if shutil.which("pkg-config") or shutil.which("pkgconf"):
        probe_with({"PKG_CONFIG_PATH": os.path.dirname(pc)}, libfile, "pkg-config (PKG_CONFIG_PATH)")
    probe_with({"MIRSAFETY_LIBRARY": libdir}, libfile, "MIRSAFETY_LIBRARY naming the folder")
    probe_with({"MIRSAFETY_LIBRARY": libfile}, libfile, "MIRSAFETY_LIBRARY naming the file")
    build_lib = os.path.join(build, "lib")
    probe_with({"MIRSAFETY_LIBRARY": build_lib}, os.path.join(build_lib, "libmirsafety.so.0"),
               "MIRSAFETY_LIBRARY naming a build tree's lib folder")
    r = run([vpy, os.path.join(repo, "examples", "python", "count_items.py"), sample, "0", "2"],
            dict(clean_env(True), PKG_CONFIG_PATH=os.path.dirname(pc)), cwd=outside)
    if r.returncode != 0 or not r.stdout.startswith("items: "):
        fail("the example failed in the venv (library through pkg-config)", r)

    # Not found: each place tried is named once, and the message says what to do.
    e = clean_env(True)
    e["MIRSAFETY_LIBRARY"] = os.path.join(tmp, "no-such-dir")
    r = run([vpy, "-c", "import mirsafety; mirsafety.lib()"], e, cwd=outside)
    tried = r.stderr[r.stderr.find("Tried:"):]
    if r.returncode == 0 or "LibraryNotFound" not in r.stderr or tried.count("no-such-dir") != 1 \
            or "MIRSAFETY_LIBRARY" not in tried:
        fail("venv: a wrong MIRSAFETY_LIBRARY did not give the not-found message naming it once", r)
    e = clean_env(True)
    e["PKG_CONFIG_PATH"] = os.path.join(tmp, "empty")
    r = run(["ldconfig", "-p"], e) if shutil.which("ldconfig") else None
    if r is not None and "libmirsafety" in r.stdout:
        print("SKIP not-found message without hints: a libmirsafety is installed system-wide here")
    else:
        r = run([vpy, "-c", "import mirsafety; mirsafety.lib()"], e, cwd=outside)
        tried = r.stderr[r.stderr.find("Tried:"):]
        lines = [ln.strip() for ln in tried.splitlines()[1:] if ln.startswith("  ")]
        if r.returncode == 0 or not lines or len(lines) != len(set(lines)) or "libmirsafety.so.0" not in tried \
                or "ldconfig" not in tried or "PKG_CONFIG_PATH" not in tried:
            fail("venv: the not-found message does not list each place once with what to do", r)
        print("install: not found lists each place tried once (%d here)" % len(lines))

    # pip install -e: the venv imports the source copy itself.
    r = run([vpy, "-m", "pip", "uninstall", "-y", "mirsafety"], clean_env(False))
    r = run([vpy, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--disable-pip-version-check",
             "-e", src], clean_env(False))
    if r.returncode != 0:
        fail("pip install -e failed", r)
    e = dict(clean_env(True), MIRSAFETY_LIBRARY=libdir)
    r = run([vpy, "-c", probe], e, cwd=outside)
    if r.returncode != 0 or not r.stdout.split()[1].startswith(os.path.join(src, "mirsafety")):
        fail("pip install -e: the venv does not import the source folder", r)
    print("install: pip install -e imports %s" % r.stdout.split()[1])
