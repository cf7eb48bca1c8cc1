#!/usr/bin/python3
"""Runs the C, Python and Rust count_items examples on the bundled sample (whole dataset and two shards) and fails
unless they print the same lines; also checks the numbers against a pure-Python reading of the sample's JSON."""
import argparse
import json
import os
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--c", required=True)
ap.add_argument("--python", required=True)
ap.add_argument("--sample", required=True)
ap.add_argument("--cargo")
ap.add_argument("--rust-manifest")
a = ap.parse_args()

py_pkg = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")
env = dict(os.environ)
env["PYTHONPATH"] = py_pkg + os.pathsep + env.get("PYTHONPATH", "")

runners = {"c": [a.c], "python": [sys.executable, a.python]}
# cargo, rustc and sanitized C programs must not run with a sanitizer runtime preloaded (sanitized builds
# preload it for the Python interpreter and the Rust binaries, which load the sanitized library).
build_env = {k: v for k, v in env.items() if k != "LD_PRELOAD"}
if a.cargo:
    subprocess.run([a.cargo, "build", "--offline", "--quiet", "--example", "count_items", "--manifest-path",
                    a.rust_manifest], check=True, env=build_env)
    tdir = env.get("CARGO_TARGET_DIR") or os.path.join(os.path.dirname(a.rust_manifest), "target")
    runners["rust"] = [os.path.join(tdir, "debug", "examples", "count_items")]
else:
    print("examples: cargo not found, comparing C and Python only")

# Independent reference: the official layout read with json (relation = file stem minus _final).
total = 0
for cat in sorted(os.listdir(a.sample)):
    d = os.path.join(a.sample, cat)
    if not os.path.isdir(d):
        continue
    for f in os.listdir(d):
        if f.endswith("_final.json"):
            data = json.load(open(os.path.join(d, f), encoding="utf-8"))
            total += len(data) if isinstance(data, list) else 1

failed = False
for shard in ([], ["0", "2"], ["1", "2"], ["2", "3"]):
    outs = {}
    for name, cmd in runners.items():
        # A sanitized C program carries its own runtime: no preload for it (it would clash).
        e = build_env if name == "c" else env
        r = subprocess.run(cmd + [a.sample] + shard, capture_output=True, text=True, env=e)
        if r.returncode != 0:
            print("examples: %s failed (%d): %s" % (name, r.returncode, r.stderr))
            failed = True
            continue
        outs[name] = r.stdout
    ref = outs.get("c")
    for name, out in outs.items():
        if out != ref:
            print("examples: %s output differs from C for shard %s:\n--- c\n%s--- %s\n%s" % (name, shard, ref, name,
                                                                                             out))
            failed = True
    if ref is not None:
        lines = ref.splitlines()
        if lines[0] != "items: %d" % total:
            print("examples: C says %r, the JSON files hold %d items" % (lines[0], total))
            failed = True
        n = int(lines[1].split(": ")[1].split()[0])
        if sum(int(l.split()[1]) for l in lines[2:11]) != n:
            print("examples: per-relation counts do not add up to the shard size")
            failed = True
        if not shard and n != total:
            print("examples: unsharded iteration yields %d of %d items" % (n, total))
            failed = True
    print("examples: shard %s: %s agree" % (shard or "all", ", ".join(sorted(outs))))
sys.exit(1 if failed else 0)
