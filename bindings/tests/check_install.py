#!/usr/bin/python3
"""The Python package installs offline with pip (no index; with and without build isolation; no dependencies)
and the example runs from the installed copy. Usage: check_install.py <repo root> <sample dir>"""
import os
import shutil
import subprocess
import sys
import tempfile

repo, sample = sys.argv[1], sys.argv[2]
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
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                            "--disable-pip-version-check", "--target", site] + extra + [src],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            sys.exit("pip install %s failed:\n%s%s" % (" ".join(extra), r.stdout, r.stderr))
    run_env = dict(os.environ, PYTHONPATH=site)
    r = subprocess.run([sys.executable, os.path.join(repo, "examples", "python", "count_items.py"), sample, "0", "2"],
                       capture_output=True, text=True, env=run_env, cwd=tmp)
    if r.returncode != 0 or not r.stdout.startswith("items: "):
        sys.exit("example failed from the installed package:\n" + r.stdout + r.stderr)
    r = subprocess.run([sys.executable, "-c", "import mirsafety, sys; sys.stdout.write(mirsafety.__file__)"],
                       capture_output=True, text=True, env=run_env, cwd=tmp)
    if not r.stdout.startswith(site):
        sys.exit("the example did not use the installed copy: " + r.stdout + r.stderr)
print("install: pip installed the package offline (isolated and not) and the example ran from it")
