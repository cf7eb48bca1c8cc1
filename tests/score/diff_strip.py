#!/usr/bin/python3
"""Differential test of reasoning stripping against Python.

The two functions below restate, step by step, the official MIR-SafetyBench
rules (harmbench_judge.py extract_answer_only, models/GLM-4.1V-9B-Thinking.py
extract_glm_answer; see docs/scoring.md). They run on Python str (code
points) with Python's own str.strip(), so any difference in whitespace set,
search direction or slicing shows up. Thousands of adversarial strings
(every Unicode whitespace character, nested, repeated, partial and
unterminated tags, empty input) go through the C library via a driver.

A fourth rule, the official pipeline for raw GLM-4.1V outputs
(extract_answer_only(extract_glm_answer(raw)), MIRS_STRIP_GLM_RAW), comes
from the transcription in mir_official.py beside this file.

usage: diff_strip.py DRIVER [COUNT]
"""
import os
import random
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mir_official  # noqa: E402


def mir_extract(text):
    # <answer> anywhere: slice from after the first <answer> to the first
    # </answer> of the whole text (or to the end); Python slicing makes an
    # end before the start an empty string.
    if "<answer>" in text:
        a = text.find("<answer>") + len("<answer>")
        b = text.find("</answer>")
        return (text[a:b] if b != -1 else text[a:]).strip()
    for marker in ("</think>", "\u25c1/think\u25b7"):
        if marker in text:
            return text[text.rfind(marker) + len(marker):].strip()
    return text.strip()


def glm_extract(text):
    i = text.find("<answer>")
    if i != -1:
        rest = text[i + len("<answer>"):]
        j = rest.rfind("</answer>")
        if j != -1:
            rest = rest[:j]
        return rest.strip()
    k = text.rfind("</think>")
    if k != -1:
        return text[k + len("</think>"):].strip()
    return text.strip()


SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()]
NOT_SPACES = ["\u200b", "\ufeff", "\u180e", "\u2060", "\u200c", "\u200d", "\x00", "\x1b", "\x7f"]
TOKENS = ["<answer>", "</answer>", "<think>", "</think>", "\u25c1think\u25b7", "\u25c1/think\u25b7",
          "<answer", "answer>", "</answer", "<", ">", "/", "</", "<think", "think>", "\u25c1", "\u25b7",
          "a", "B", "final", "\u00e9", "\u4e2d\u6587", "\U0001f600", "{x}", "\\n"]


def gen(rng):
    n = rng.choice([0, 1, 2, 3, 5, 8, 13, 30])
    parts = []
    for _ in range(n):
        r = rng.random()
        if r < 0.35:
            parts.append("".join(rng.choice(SPACES) for _ in range(rng.randint(1, 3))))
        elif r < 0.45:
            parts.append(rng.choice(NOT_SPACES))
        else:
            parts.append(rng.choice(TOKENS))
    return "".join(parts)


def main():
    driver = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rng = random.Random(20260128)
    cases = ["", " ", "\u3000", "<answer>", "</answer><answer>x", "<think>", "</think>"]
    cases += ["".join(SPACES) + "x" + "".join(reversed(SPACES)), "".join(SPACES)]
    cases += [s + "<think>r</think>" + s + "a" + s for s in SPACES]
    cases += mir_official.glm_cases(random.Random(20261207), 1500)
    while len(cases) < count:
        cases.append(gen(rng))
    payload = bytearray()
    for c in cases:
        b = c.encode("utf-8")
        payload += struct.pack("<I", len(b)) + b
    out = subprocess.run([driver], input=bytes(payload), stdout=subprocess.PIPE, check=True).stdout
    pos = 0
    bad = 0
    for c in cases:
        for name, want in (("mir", mir_extract(c)), ("glm", glm_extract(c)), ("strip", c.strip()),
                           ("glm-raw", mir_official.glm_pipeline(c))):
            (n,) = struct.unpack_from("<I", out, pos)
            pos += 4
            if n == 0xFFFFFFFF:
                got = None
            else:
                got = out[pos:pos + n].decode("utf-8")
                pos += n
            if got != want:
                bad += 1
                if bad <= 10:
                    print(f"MISMATCH {name}: input {c!r}: C {got!r} != Python {want!r}")
    if pos != len(out):
        print("driver output has trailing bytes")
        bad += 1
    print(f"{len(cases)} strings x 4 rules: {bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
