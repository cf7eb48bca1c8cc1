#!/usr/bin/python3
"""A full-size synthetic tree (scripts/make_synthetic.py: 2,676 items over 54
files with the official per-relation totals, every image written) and the
same items as a JSONL manifest, opened through the mirsafety tool: exact
counts, no problems with image checks, stable checksums and exact shards.

usage: test_synthetic.py MIRSAFETY MAKE_SYNTHETIC OUTDIR
"""
import json
import os
import shutil
import subprocess
import sys

TOTALS = {"Temporal_Continuity": 317, "Temporal_Jump": 303, "Spatial_Juxtaposition": 292,
          "Spatial_Embedding": 293, "Relevance": 152, "Complementarity": 280, "Analogy": 318,
          "Causality": 280, "Decomposition": 441}
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAILED:", what, file=sys.stderr)


def main():
    tool, gen, out = sys.argv[1:4]
    tree, manifest = os.path.join(out, "tree"), os.path.join(out, "manifest.jsonl")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    made = json.loads(subprocess.run([sys.executable, gen, tree, "--images", "--manifest", manifest],
                                     check=True, capture_output=True, text=True).stdout)
    check(made["items"] == 2676, "generator made 2676 items")

    def tool_json(*args):
        p = subprocess.run([tool] + list(args), capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    for path in (tree, manifest):
        rc, outp, err = tool_json("info", path, "--json")
        check(rc == 0, "info rc: " + err)
        info = json.loads(outp)
        check(info["items"] == 2676, "%s: 2676 items, got %d" % (path, info["items"]))
        check(info["images"] == made["images"], "%s: images %d" % (path, info["images"]))
        check(info["counts"] == made["counts"], "%s: count matrix" % path)
        for r, n in TOTALS.items():
            check(sum(info["counts"][c][r] for c in info["counts"]) == n, "%s: %s total %d" % (path, r, n))
        check(info["diagnostics"] == [], "%s: no diagnostics" % path)
        rc, outp, err = tool_json("validate", path, "--images")
        check(rc == 0 and outp == "", "%s: validate --images: %s %s" % (path, outp[:500], err))
        rc, outp, _ = tool_json("info", path, "--json")
        check(json.loads(outp)["checksum"] == info["checksum"], "checksum stable across runs")

    rc, outp, _ = tool_json("list", tree)
    keys = outp.split("\n")[:-1]
    check(len(keys) == 2676 and len(set(keys)) == 2676, "2676 distinct keys")
    union = []
    for k in range(5):
        rc, outp, _ = tool_json("list", tree, "--shard", "%d/5" % k)
        union += outp.split("\n")[:-1]
    check(sorted(union) == sorted(keys), "5 shards partition the tree")
    if failures == 0:
        shutil.rmtree(out)
    print("synthetic: %d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
