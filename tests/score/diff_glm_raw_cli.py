#!/usr/bin/python3
"""Differential test of `mirsafety strip --mode glm-raw` against the official GLM pipeline.

The official GLM-4.1V adapter (models/GLM-4.1V-9B-Thinking.py) stores extract_glm_answer(raw) and the judge
(harmbench_judge.py) applies extract_answer_only() to it; mir_official.py transcribes both. COUNT adversarial raw
outputs (default 1,500) go through the command-line tool, one process each, and must come out byte for byte as the
composition does. The single strippers' disagreements with the composition are printed, to show why the mode exists.

usage: diff_glm_raw_cli.py MIRSAFETY [COUNT]
"""
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mir_official  # noqa: E402


def main():
    exe = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    cases = mir_official.glm_cases(random.Random(1505), count)
    bad = 0
    differ_mir = sum(mir_official.extract_answer_only(c) != mir_official.glm_pipeline(c) for c in cases)
    differ_glm = sum(mir_official.extract_glm_answer(c) != mir_official.glm_pipeline(c) for c in cases)
    for c in cases:
        want = mir_official.glm_pipeline(c).encode("utf-8")
        p = subprocess.run([exe, "strip", "--mode", "glm-raw"], input=c.encode("utf-8"), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode != 0 or p.stdout != want:
            bad += 1
            if bad <= 10:
                print(f"MISMATCH: input {c!r}: CLI rc {p.returncode} {p.stdout!r} != official {want!r} {p.stderr!r}")
    print(f"{len(cases)} raw GLM outputs: {bad} mismatches with extract_answer_only(extract_glm_answer(raw)) "
          f"(extract_answer_only alone differs on {differ_mir}, extract_glm_answer alone on {differ_glm})")
    return 1 if bad or differ_mir == 0 or differ_glm == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
