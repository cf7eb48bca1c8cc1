#!/usr/bin/python3
"""What the entropy progress bar costs: `mirsafety entropy FILE` on a large
.npy with stderr on a pseudo-terminal, bar shown (the view is computed in
chunks), against the same with MIRSAFETY_NO_PROGRESS=1 (one library call; the
terminal is there too, so only the bar and the chunking differ), alternating,
in the same run. Prints best and median wall and CPU time (user + system of
the tool) of each and their ratios.

    /usr/bin/python3 tests/cli/bench_progress.py build-rel/examples/mirsafety/mirsafety [--mib 256] [--repeats 7]
"""
import argparse
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("exe")
ap.add_argument("--mib", type=int, default=256, help="file size in MiB (f32, [8, 16, Q, 512])")
ap.add_argument("--repeats", type=int, default=7)
ap.add_argument("--threads", type=int, default=1)
a = ap.parse_args()

env = {k: v for k, v in os.environ.items() if k != "MIRSAFETY_NO_PROGRESS"}


def run(bar, path):
    """(wall seconds, CPU seconds of the tool: user + system)."""
    args = [a.exe, "entropy", path, "--json", "--threads", str(a.threads)]
    master, slave = pty.openpty()
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave,
                         env=env if bar else dict(env, MIRSAFETY_NO_PROGRESS="1"))
    seen = b""
    os.close(slave)
    while True:
        try:
            c = os.read(master, 65536)
        except OSError:
            break
        if not c:
            break
        seen += c
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    os.close(master)
    assert (b"] " in seen) == bar, seen[-200:]
    assert p.returncode == 0, p.returncode
    return dt, ru.ru_utime + ru.ru_stime


with tempfile.TemporaryDirectory() as tmp:
    L, H, K = 8, 16, 512
    Q = max(1, a.mib * 2**20 // (4 * L * H * K))
    rng = np.random.default_rng(1)
    path = os.path.join(tmp, "big.npy")
    arr = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(L, H, Q, K))
    for l in range(L):
        x = rng.random((H, Q, K), dtype=np.float32)
        x /= x.sum(axis=-1, keepdims=True)
        arr[l] = x
    arr.flush()
    del arr
    run(False, path)  # page cache warm-up
    tty, pipe = [], []  # bar shown; MIRSAFETY_NO_PROGRESS
    for i in range(a.repeats):
        for bar in ((True, False) if i % 2 else (False, True)):
            (tty if bar else pipe).append(run(bar, path))
    mib = os.path.getsize(path) / 2**20
    print(f"file {L}x{H}x{Q}x{K} f32, {mib:.0f} MiB, threads {a.threads}, {a.repeats} runs each, load {os.getloadavg()}")
    for k, what in ((0, "wall"), (1, "CPU")):
        tv, pv = [x[k] for x in tty], [x[k] for x in pipe]
        for name, v in (("NO_PROGRESS (one call)", pv), ("bar (chunked)", tv)):
            print(f"  {what:4s} {name:28s} best {min(v) * 1e3:8.1f} ms  median {statistics.median(v) * 1e3:8.1f} ms")
        print(f"  {what:4s} ratio bar / no bar: best {min(tv) / min(pv):.3f}  median "
              f"{statistics.median(tv) / statistics.median(pv):.3f}")
