#!/usr/bin/python3
"""An output path that is a device, a FIFO or a symlink to one is written in place, never replaced.

Every verb writes its output atomically (a temporary file renamed over the path). Renamed over /dev/null,
that replaced the device with a regular file for the whole machine (as root) — a test that wrote
`-o /dev/null` did exactly that. This checks, without touching /dev/null itself: a symlink to /dev/null
given as -o stays a symlink (the rename would have replaced the link) for every verb that writes a file and
(tests/util/test_special_output.c checks the library's own writers); a FIFO with a reader receives
the same bytes a regular file gets; a FIFO nobody reads fails at once instead of hanging.

usage: check_special_outputs.py MIRSAFETY SAMPLE WORKDIR
"""
import os
import shutil
import stat
import subprocess
import sys
import threading

EXE, SAMPLE, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
failures = checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def run(*args, timeout=60):
    return subprocess.run([EXE, *args], capture_output=True, timeout=timeout)


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
null = os.path.join(WORK, "null")
os.symlink(os.devnull, null)

# Inputs the verbs need: responses and a store from the demo data.
demo = os.path.join(os.path.dirname(SAMPLE.rstrip("/")), "demo")
resp = os.path.join(demo, "responses", "demo-balanced.jsonl")
judge = os.path.join(demo, "judge", "demo-balanced.jsonl")
store = os.path.join(WORK, "store.jsonl")
r = run("score", "--dataset", SAMPLE, "--responses", resp, "--judge-outputs", judge, "--store", store,
        "--model", "m")
check(r.returncode == 0, "score for the inputs: %s" % r.stderr.decode()[-300:])

verbs = [
    ("prompts", [SAMPLE, "--format", "qwen2-vl", "-o", null, "--failed", os.path.join(WORK, "f.jsonl")]),
    ("prompts --out", [SAMPLE, "--format", "plain", "--out", null, "--failed", os.path.join(WORK, "f2.jsonl")]),
    ("judge-prompts", ["--dataset", SAMPLE, "--responses", resp, "-o", null]),
    ("report", [store, "--format", "json", "-o", null]),
    ("report html", [store, "--format", "html", "-o", null]),
]
for name, args in verbs:
    verb = name.split()[0]
    r = run(verb, *args)
    check(r.returncode == 0, "%s -o symlink-to-/dev/null: exit %d: %s" % (name, r.returncode, r.stderr.decode()[-300:]))
    check(os.path.islink(null), "%s replaced the symlink it was told to write through" % name)
    check(stat.S_ISCHR(os.stat(os.devnull).st_mode), "%s: /dev/null is still a character device" % name)
    left = [f for f in os.listdir(WORK) if ".tmp." in f]
    check(not left, "%s left temporary files: %s" % (name, left))

# A FIFO with a reader gets exactly what a regular file gets.
regular = os.path.join(WORK, "regular.jsonl")
r = run("prompts", SAMPLE, "--format", "qwen2-vl", "-o", regular, "--failed", os.path.join(WORK, "f3.jsonl"))
check(r.returncode == 0, "prompts -o file")
fifo = os.path.join(WORK, "fifo")
os.mkfifo(fifo)
got = {}


def reader():
    with open(fifo, "rb") as fh:
        got["data"] = fh.read()


t = threading.Thread(target=reader)
t.start()
r = run("prompts", SAMPLE, "--format", "qwen2-vl", "-o", fifo, "--failed", os.path.join(WORK, "f4.jsonl"))
t.join(60)
check(r.returncode == 0, "prompts -o FIFO: %s" % r.stderr.decode()[-300:])
check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is still a FIFO")
with open(regular, "rb") as fh:
    check(got.get("data") == fh.read(), "the FIFO's reader got the same bytes as the regular file")

# Nobody reads the FIFO: an error at once, not a hang.
r = run("report", store, "-o", fifo, timeout=30)
check(r.returncode != 0 and b"fifo" in r.stderr, "report -o FIFO without a reader fails at once: %d %s"
      % (r.returncode, r.stderr.decode()[-200:]))

print("check_special_outputs: %d checks, %d failures" % (checks, failures))
sys.exit(1 if failures else 0)
