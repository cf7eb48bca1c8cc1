#!/usr/bin/python3
"""Progress bars of the mirsafety tool (issue #8): with stderr on a terminal
(a pseudo-terminal here) `validate --images`, `prompts --out`, `score` and
`entropy` on a large file draw a bar that ends at total/total; with stderr a
pipe, or MIRSAFETY_NO_PROGRESS set, nothing of it is written. What goes to
stdout and the files written are the same either way; for entropy that
checks the chunked computation the bar needs against the single call, and an
error names the same row."""
import json
import os
import pty
import re
import subprocess
import sys
import tempfile

import numpy as np

exe, sample, demo = sys.argv[1], sys.argv[2], sys.argv[3]
checks = failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL", what, file=sys.stderr)


def env(no_progress=False):
    e = {k: v for k, v in os.environ.items() if k != "MIRSAFETY_NO_PROGRESS"}
    if no_progress:
        e["MIRSAFETY_NO_PROGRESS"] = "1"
    return e


def run_tty(args, no_progress=False):
    """Runs with stderr on a pseudo-terminal, stdout to a pipe; (exit, stdout, terminal text)."""
    master, slave = pty.openpty()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([exe, *args], stdin=subprocess.DEVNULL, stdout=out, stderr=slave, env=env(no_progress))
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        code = p.wait()
        out.seek(0)
        return code, out.read().decode(), seen.decode(errors="replace")


def run_pipe(args):
    p = subprocess.run([exe, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env())
    return p.returncode, p.stdout, p.stderr


BAR = re.compile(r"\[[#.]{30}\] \d+/\d+ ")


def bar_lines(text, label):
    return [x for x in text.replace("\r\n", "\n").split("\r") if x.startswith(label) and BAR.search(x)]


def case(name, label, total, make_args, codes=(0,), min_draws=1, same_files=(), complete=True):
    """make_args(tag) gives the arguments of one run writing its files under names with tag."""
    code, out, tty = run_tty(make_args("tty"))
    draws = bar_lines(tty, label)
    check(code in codes, f"{name} on a terminal: exit {code}: {tty[-500:]}")
    check(len(draws) >= min_draws, f"{name}: {len(draws)} bar draws, wanted >= {min_draws}: {tty[-300:]!r}")
    full = any(f"] {total}/{total} " in d for d in draws)
    check(full == complete, f"{name}: the bar ends at {total}/{total}: {complete}, got {draws[-1:]!r}")
    dones = [int(d.split("] ", 1)[1].split("/", 1)[0]) for d in draws]
    check(dones == sorted(dones), f"{name}: the bar never goes back: {dones}")
    pcode, pout, perr = run_pipe(make_args("pipe"))
    check(pcode == code and pout == out, f"{name}: same exit and stdout with and without a terminal")
    check(not BAR.search(perr) and "\r" not in perr, f"{name}: no bar on a pipe: {perr[-300:]!r}")
    ncode, nout, ntty = run_tty(make_args("quiet"), no_progress=True)
    check(ncode == code and not BAR.search(ntty) and "\r" not in ntty.replace("\r\n", "\n"),
          f"{name}: MIRSAFETY_NO_PROGRESS silences the bar: {ntty[-300:]!r}")
    for f in same_files:
        a, b = open(f("tty"), "rb").read(), open(f("pipe"), "rb").read()
        check(a == b and a == open(f("quiet"), "rb").read(), f"{name}: {os.path.basename(f('tty'))} is the same")
    return tty, perr


with tempfile.TemporaryDirectory() as tmp:
    T = lambda name: (lambda tag: os.path.join(tmp, f"{tag}-{name}"))  # noqa: E731
    n_items = sum(1 for line in open(os.path.join(demo, "responses", "demo-balanced.jsonl")) if line.strip())

    # validate --images and prompts --out: the bars that were there before.
    case("validate --images", "checking images", 81, lambda tag: ["validate", sample, "--images", "--json"])
    prompts = T("prompts.jsonl")
    case("prompts --out", "prompts", 81, lambda tag: ["prompts", sample, "--format", "plain", "--out", prompts(tag)],
         same_files=[prompts])

    # score: the library's progress callback drives the bar.
    store = T("store.jsonl")
    resp = os.path.join(demo, "responses", "demo-balanced.jsonl")
    judged = os.path.join(demo, "judge", "demo-balanced.jsonl")
    case("score", "scoring", n_items,
         lambda tag: ["score", "--dataset", sample, "--responses", resp, "--judge-outputs", judged, "--store",
                      store(tag), "--model", "m", "--json"], codes=(0, 1))

    # entropy on a file large enough to go in chunks: 2 x 4 x 2048 x 256 f32 (16 MiB, four chunks).
    L, H, Q, K = 2, 4, 2048, 256
    rng = np.random.default_rng(8)
    a = rng.random((L, H, Q, K))
    a /= a.sum(axis=-1, keepdims=True)
    big = os.path.join(tmp, "big.npy")
    np.save(big, a.astype(np.float32))
    rows = T("rows.npy")
    case("entropy", "entropy", L * H * Q, lambda tag: ["entropy", big, "--json", "--per-row", rows(tag)],
         min_draws=3, same_files=[rows])
    got = np.load(rows("tty"))
    ref = -(a * np.log(a)).sum(axis=-1)
    check(got.shape == (L, H, Q) and np.max(np.abs(got - ref)) < 2e-6, "entropy: chunked values")
    # The other chunk shapes: runs of queries of one (layer, head), runs of whole layers, and a transposed
    # layout (keys before queries in the file) whose sub-views are strided.
    for shape, layout in (((1, 1, 8192, 256), None), ((64, 2, 64, 256), None), ((2, 4, 256, 2048), "lhkq")):
        x = rng.random(shape)
        x /= x.sum(axis=-2 if layout else -1, keepdims=True)
        f = os.path.join(tmp, "shape-%s.npy" % "x".join(map(str, shape)))
        np.save(f, x.astype(np.float32))
        per = T("per-" + os.path.basename(f))
        lay = ["--layout", layout] if layout else []
        lhqk = np.swapaxes(x, -1, -2) if layout else x
        nrows = lhqk.shape[0] * lhqk.shape[1] * lhqk.shape[2]
        case(f"entropy {shape}", "entropy", nrows,
             lambda tag: ["entropy", f, "--json", *lay, "--per-row", per(tag)], min_draws=2, same_files=[per])
        got = np.load(per("tty"))
        check(np.max(np.abs(got - (-(lhqk * np.log(lhqk)).sum(axis=-1)))) < 2e-6, f"entropy {shape}: chunked values")
    # queries and key spans, two threads: the per-row values and the span masses agree with one call
    rows2 = T("rows2.npy")
    case("entropy spans", "entropy", L * H * 1997,
         lambda tag: ["entropy", big, "--json", "--queries", "3:2000", "--keys", "0:100,200:256", "--threads", "2",
                      "--per-row", rows2(tag)], min_draws=3, same_files=[rows2])
    # a bad row late in the file: the same message as one call gives (row, layer, head, query)
    a[1, 2, 1900, 7] = np.nan
    np.save(big, a.astype(np.float32))
    tty, perr = case("entropy error", "entropy", L * H * Q, lambda tag: ["entropy", big], codes=(3,),
                     complete=False)
    msg = [x for x in perr.splitlines() if "NaN" in x]
    check(len(msg) == 1 and "layer 1, head 2, query 1900" in msg[0], f"entropy error message: {perr!r}")
    check(msg and msg[0] in tty.replace("\r\n", "\n"), f"entropy error: same message on a terminal: {tty[-400:]!r}")

print(f"progress bars: {checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
