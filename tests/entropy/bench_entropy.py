#!/usr/bin/python3
"""Runs bench_entropy (the C kernels and this machine's read bandwidth) and numpy's
-(p*np.log(p)).sum(-1) on the same number of f32 elements in the same run, and prints the ratios.
Usage: /usr/bin/python3 tests/entropy/bench_entropy.py build/tests/entropy/bench_entropy [million_elements] [row]"""
import json
import subprocess
import sys
import time

import numpy as np

exe = sys.argv[1]
million = sys.argv[2] if len(sys.argv) > 2 else "32"
row = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
c = json.loads(subprocess.run([exe, million, str(row)], check=True, capture_output=True, text=True).stdout)
n = c["elements"]
p = np.random.default_rng(0).random((n // row, row), dtype=np.float32)
p /= p.sum(-1, keepdims=True)
best = 1e30
for _ in range(3):
    t = time.perf_counter()
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log(p)).sum(-1)
    best = min(best, time.perf_counter() - t)
np_geps = n / best / 1e9
print(f"kernel {c['kernel']}, {n / 1e6:.0f} M elements in rows of {row}")
print(f"read bandwidth (1 thread, sum of words): {c['read_gbps']:.2f} GB/s")
print(f"f32 entropy:   {c['f32_geps']:.3f} G el/s = {c['f32_gbps']:.2f} GB/s = {100 * c['f32_gbps'] / c['read_gbps']:.0f}% "
      f"of read bandwidth (goal >= 85%); {c['f32_geps'] / np_geps:.1f}x numpy ({np_geps:.3f} G el/s; goal >= 13x)")
print(f"f32 2 threads: {c['f32_2t_geps']:.3f} G el/s ({c['f32_2t_geps'] / c['f32_geps']:.2f}x one thread)")
print(f"f32 generic kernel: {c['generic_f32_geps']:.3f} G el/s")
print(f"f16 entropy:   {c['f16_geps']:.3f} G el/s/core (goal >= 2.5); 2 threads {c['f16_2t_geps']:.3f}")
print(f"bf16 entropy:  {c['bf16_geps']:.3f} G el/s/core (goal >= 2.5)")
print(f"f32 logits:    {c['logits_geps']:.3f} G el/s/core (goal >= 1); 2 threads {c['logits_2t_geps']:.3f}")
