#!/usr/bin/python3
"""The binding generator enforces the getter shape of docs/c-api.md ("Getters"): a mirs_*_get returns a pointer,
and a getter by position (const handle, size_t i) returns its value or a borrowed pointer, never a status with
out-parameters. This runs the generator on a copy of the headers, unchanged (it must pass) and with each rule
broken once (it must fail, naming the function and the rule), so the check cannot silently stop checking.

Usage: check_getter_rule.py REPO_ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile

CASES = [  # (header, declaration, the same with the wrong shape, what the generator must say)
    ("dataset.h", "MIRS_API const mirs_item *mirs_dataset_get(const mirs_dataset *ds, size_t index);",
     "MIRS_API int mirs_dataset_get(const mirs_dataset *ds, size_t index, const mirs_item **out);",
     "function mirs_dataset_get: a getter (mirs_*_get) returns a borrowed pointer"),
    ("dataset.h", "MIRS_API const mirs_diagnostic *mirs_dataset_diagnostic(const mirs_dataset *ds, size_t i);",
     "MIRS_API int mirs_dataset_diagnostic(const mirs_dataset *ds, size_t i, const mirs_diagnostic **out);",
     "function mirs_dataset_diagnostic: a getter by position returns its value or a borrowed pointer"),
    ("entropy.h", "MIRS_API double mirs_entropy_monitor_layer_mean(const mirs_entropy_monitor *m, size_t layer);",
     "MIRS_API int mirs_entropy_monitor_layer_mean(const mirs_entropy_monitor *m, size_t layer, double *mean);",
     "function mirs_entropy_monitor_layer_mean: a getter by position returns its value or a borrowed pointer"),
]


def run(tree):
    out = os.path.join(tree, "out")
    shutil.rmtree(out, ignore_errors=True)
    return subprocess.run([sys.executable, os.path.join(tree, "bindings", "gen", "generate.py"), "--out-dir", out],
                          capture_output=True, text=True, timeout=300)


def main():
    root = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(os.path.join(root, "include"), os.path.join(tmp, "include"))
        shutil.copytree(os.path.join(root, "bindings", "gen"), os.path.join(tmp, "bindings", "gen"))
        shutil.copy(os.path.join(root, "meson.build"), tmp)  # the generator reads mirs_soversion there
        r = run(tmp)
        if r.returncode != 0:
            failures.append("the unchanged headers fail: " + r.stderr.strip())
        for name, good, bad, want in CASES:
            header = os.path.join(tmp, "include", "mirsafety", name)
            with open(header, encoding="utf-8") as f:
                original = f.read()
            if good not in original:
                failures.append("%s no longer declares: %s" % (name, good))
                continue
            with open(header, "w", encoding="utf-8") as f:
                f.write(original.replace(good, bad))
            r = run(tmp)
            if r.returncode == 0 or want not in r.stderr:
                failures.append("not refused (%d): %s\n  stderr: %s" % (r.returncode, bad, r.stderr.strip()))
            with open(header, "w", encoding="utf-8") as f:
                f.write(original)
    for m in failures:
        print("FAIL:", m)
    print("getter rule: %d cases, %d failures" % (len(CASES), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
