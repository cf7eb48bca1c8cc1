#!/usr/bin/python3
"""The dataset verbs of the mirsafety tool (info, list, validate) on the bundled
sample and on broken copies of it, with the expected key orders, shards and
shuffles recomputed here in Python from the documented definitions.

usage: test_cli.py MIRSAFETY SAMPLE_DIR SAMPLE_JSONL
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

CATEGORIES = ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy"]
RELATIONS = ["Temporal_Continuity", "Temporal_Jump", "Spatial_Juxtaposition", "Spatial_Embedding",
             "Relevance", "Complementarity", "Analogy", "Causality", "Decomposition"]
M64 = (1 << 64) - 1

failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAILED:", what, file=sys.stderr)


def fnv1a64(b):
    h = 0xcbf29ce484222325
    for c in b:
        h ^= c
        h = (h * 0x100000001b3) & M64
    return h


def splitmix64(x):
    x = (x + 0x9e3779b97f4a7c15) & M64
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M64
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M64
    return x ^ (x >> 31)


def key_hash(k):
    return splitmix64(fnv1a64(k.encode("utf-8")))


def crc64_xz(data, crc=0):
    table = crc64_xz.table
    if table is None:
        table = crc64_xz.table = []
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0xC96C5795D7870F42 if c & 1 else c >> 1
            table.append(c)
    crc ^= M64
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ M64


crc64_xz.table = None


def python_checksum(root, with_images):
    """The documented canonical serialization (docs/dataset.md), independently."""
    def u64(v):
        return (v & M64).to_bytes(8, "little")

    def s(x):
        b = x.encode("utf-8")
        return u64(len(b)) + b

    def lst(v):
        v = [] if v is None else [v] if isinstance(v, str) else v
        return u64(len(v)) + b"".join(s(x) for x in v)

    items = []
    for c in CATEGORIES:
        for r in RELATIONS:
            p = os.path.join(root, c, r + "_final.json")
            if os.path.exists(p):
                with open(p, encoding="utf-8") as f:
                    data = json.load(f)
                for it in [data] if isinstance(data, dict) else data:
                    items.append((c, r, it))
    out = [s("mirsafety-dataset-checksum-v1"), u64(1 if with_images else 0), u64(len(items))]
    for c, r, it in items:
        is_int = isinstance(it["id"], int)
        out += [s("%s/%s/%s" % (c, r, it["id"])), s(str(it["id"])), u64(1 if is_int else 0), s(c), s(r),
                s(it.get("relationship_type") or ""), s(it["original_question"]), s(it["revised_prompt"]),
                u64(it.get("iteration") or 0), lst(it["images"]), lst(it.get("image_descriptions")),
                lst(it.get("image_keywords"))]
        if with_images:
            for p in it["images"]:
                with open(os.path.join(root, c, p), "rb") as f:
                    b = f.read()
                out += [u64(len(b)), b]
    return "%016x" % crc64_xz(b"".join(out))


def run(*args):
    p = subprocess.run([TOOL] + list(args), capture_output=True, text=True,
                       env=dict(os.environ, MIRSAFETY_NO_PROGRESS="1"))
    return p.returncode, p.stdout, p.stderr


def python_keys(root):
    """The documented iteration order, from Python's own reading of the files."""
    keys = []
    for c in CATEGORIES:
        for r in RELATIONS:
            p = os.path.join(root, c, r + "_final.json")
            if not os.path.exists(p):
                continue
            with open(p, encoding="utf-8") as f:
                data = json.load(f)
            if isinstance(data, dict):
                data = [data]
            for item in data:
                keys.append("%s/%s/%s" % (c, r, item["id"]))
    return keys


def main():
    global TOOL
    TOOL, sample, manifest = sys.argv[1:4]
    keys = python_keys(sample)
    check(len(keys) == 81, "81 sample items")

    # info --json
    rc, out, err = run("info", sample, "--json")
    check(rc == 0, "info rc 0: " + err)
    info = json.loads(out)
    check(info["items"] == 81 and info["images"] == 243, "info items/images")
    check(list(info["counts"].keys()) == CATEGORIES, "counts categories in official order")
    for ci, c in enumerate(CATEGORIES):
        check(list(info["counts"][c].keys()) == RELATIONS, "relations in official order")
        for ri, r in enumerate(RELATIONS):
            check(info["counts"][c][r] == 1 + (ci + ri) % 2, "count %s/%s" % (c, r))
    check(len(info["checksum"]) == 16 and int(info["checksum"], 16) >= 0, "checksum hex")
    check(info["diagnostics"] == [], "no diagnostics")
    check(crc64_xz(b"123456789") == 0x995DC9BBDF1939FA, "CRC-64/XZ check value")
    check(info["checksum"] == python_checksum(sample, False),
          "metadata checksum %s equals the documented serialization" % info["checksum"])
    rc2, out2, _ = run("info", sample, "--json")
    check(json.loads(out2)["checksum"] == info["checksum"], "checksum identical across runs")
    rc, out, _ = run("info", sample, "--json", "--images")
    check(rc == 0 and json.loads(out)["checksum"] == python_checksum(sample, True), "image checksum")
    rc, out, _ = run("info", manifest, "--json")
    jinfo = json.loads(out)
    check(rc == 0 and jinfo["counts"] == info["counts"] and jinfo["format"] == "jsonl", "manifest counts")
    rc, out, _ = run("info", sample, "--json", "--group", "logical", "--category", "privacy")
    fi = json.loads(out)
    check(fi["items"] == 2 + 1 + 2, "filtered info items %d" % fi["items"])
    rc, out, _ = run("info", sample)
    check(rc == 0 and "Temporal_Continuity" in out and "total" in out and info["checksum"] in out, "text info")

    # list
    rc, out, _ = run("list", sample)
    check(rc == 0 and out.split("\n")[:-1] == keys, "list order equals the documented order")
    rc, out, _ = run("list", manifest)
    check(rc == 0 and out.split("\n")[:-1] == keys, "manifest list order")
    for n in range(1, 8):
        union = []
        for k in range(n):
            rc, out, _ = run("list", sample, "--shard", "%d/%d" % (k, n))
            got = out.split("\n")[:-1]
            want = [x for x in keys if key_hash(x) % n == k]
            check(rc == 0 and got == want, "shard %d/%d" % (k, n))
            union += got
        check(sorted(union) == sorted(keys) and len(set(union)) == len(keys), "shards of %d partition" % n)
    for seed in (0, 7, 2**64 - 1):
        rc, out, _ = run("list", sample, "--shuffle", str(seed))
        want = sorted(keys, key=lambda x: (splitmix64(seed ^ key_hash(x)), x.encode()))
        check(rc == 0 and out.split("\n")[:-1] == want, "shuffle %d" % seed)
    rc, out, _ = run("list", sample, "--shuffle", "7", "--shard", "1/3", "--relation", "Analogy")
    want = sorted([x for x in keys if key_hash(x) % 3 == 1 and x.split("/")[1] == "Analogy"],
                  key=lambda x: (splitmix64(7 ^ key_hash(x)), x.encode()))
    check(rc == 0 and out.split("\n")[:-1] == want, "shuffle+shard+relation")
    rc, out, _ = run("list", sample, "--key", "Violence/Analogy/23", "--key", "nope")
    check(rc == 0 and out == "Violence/Analogy/23\n", "list --key")
    rc, out, _ = run("list", sample, "--json", "--category", "Self-Harm", "--relation", "Temporal_Jump")
    lj = json.loads(out)
    check(rc == 0 and len(lj) == 2 and lj[0]["category"] == "Self-Harm" and lj[0]["images"] in (2, 3, 4), "list --json")

    # validate
    rc, out, err = run("validate", sample, "--images")
    check(rc == 0 and out == "", "validate sample: rc %d %s" % (rc, out))
    rc, out, err = run("validate", manifest, "--images", "--strict")
    check(rc == 0 and out == "", "validate manifest")

    # usage and failures
    for args in (["info"], ["list", sample, "--bogus"], ["list", sample, "--shard", "3/3"],
                 ["list", sample, "--category", "nope"], ["info", sample, sample], ["list", sample, "--shuffle", "x"]):
        rc, _, err = run(*args)
        check(rc == 2 and err, "usage error for %s" % args)
    for verb in ("info", "list", "validate"):
        rc, out, _ = run(verb, "--help")
        check(rc == 0 and "usage: mirsafety " + verb in out and "--shard" in out, "%s --help" % verb)
    rc, _, err = run("info", "/nonexistent/mirs")
    check(rc == 3 and "/nonexistent/mirs" in err and "MIRS_E_NOT_FOUND" in err, "missing path rc 3")

    # broken copies
    tmp = tempfile.mkdtemp(prefix="mirs-cli-")
    try:
        root = os.path.join(tmp, "ds")
        shutil.copytree(sample, root, symlinks=True)
        vf = os.path.join(root, "Violence", "Analogy_final.json")
        with open(vf, encoding="utf-8") as f:
            items = json.load(f)
        items[1]["images"] = items[1]["images"][:1]           # too few images
        items[0]["images"][2] = "../../../etc/passwd"         # escapes the root (eval.py follows it: an oddity)
        with open(vf, "w", encoding="utf-8") as f:
            json.dump(items, f)
        os.makedirs(os.path.join(root, "Spam"))               # unknown category folder
        with open(os.path.join(root, "Privacy", "Sarcasm_final.json"), "w") as f:
            f.write("[]")                                     # unknown relation file
        with open(os.path.join(root, "Privacy", "Relevance_final.json"), "w") as f:
            f.write("[{\"id\": 1,")                           # broken JSON
        os.remove(os.path.join(root, "Harassment", "images", "Causality",
                               os.listdir(os.path.join(root, "Harassment", "images", "Causality"))[0]))
        # Oddities the official eval.py evaluates (an unknown category folder or
        # relation file, 1 image, a path out of the root) are notes by default,
        # problems with --strict.
        rc, out, err = run("validate", root)
        lines = out.split("\n")[:-1]
        check(rc == 1, "validate broken rc 1")
        want_default = [
            ("%s/Spam:-: note: " % root, "unknown category folder"),
            ("%s:0: note: " % vf, "leaves the dataset root"),
            ("%s:1: note: " % vf, "1 images, outside the allowed 2 to 4"),
            ("%s/Privacy/Sarcasm_final.json:-: note: " % root, "unknown relation file"),
            ("%s/Privacy/Relevance_final.json:-: MIRS_E_JSON: " % root, "invalid JSON"),
        ]
        check(len(lines) == len(want_default), "validate lines: %r" % lines)
        for line, (prefix, text) in zip(lines, want_default):
            check(line.startswith(prefix) and text in line, "line %r wants %r ... %r" % (line, prefix, text))
        want = [
            ("%s/Spam:-: MIRS_E_SCHEMA: " % root, "unknown category folder"),
            ("%s:0: MIRS_E_PATH: " % vf, "leaves the dataset root"),
            ("%s:1: MIRS_E_RANGE: " % vf, "1 images, outside the allowed 2 to 4"),
            ("%s/Privacy/Sarcasm_final.json:-: MIRS_E_SCHEMA: " % root, "unknown relation file"),
            ("%s/Privacy/Relevance_final.json:-: MIRS_E_JSON: " % root, "invalid JSON"),
        ]
        # What a strict open refuses, first problem only: the old statuses.
        rc, out, err = run("validate", root, "--strict")
        lines = out.split("\n")[:-1]
        check(rc == 1 and len(lines) == 1 and lines[0].startswith(want[0][0]) and want[0][1] in lines[0],
              "--strict: first problem only, oddities refused: %r" % lines)
        rc, out, err = run("validate", root, "--images")
        lines = out.split("\n")[:-1]
        # --images: the image out of the root is read where eval.py reads it
        # (it does not exist there), as is the removed one.
        check(rc == 1 and len(lines) == len(want) + 2 and any("MIRS_E_NOT_FOUND" in x and "Harassment/Causality_final.json:" in x
                                                             for x in lines)
              and any("MIRS_E_NOT_FOUND" in x and x.startswith("%s:0: " % vf) and "etc/passwd" in x for x in lines),
              "--images finds the missing images: %r" % lines)
        rc, out, err = run("validate", root, "--json")
        vj = json.loads(out)
        check(rc == 1 and vj["ok"] is False and len(vj["problems"]) == 1 and len(vj["notes"]) == 4
              and vj["problems"][0]["item"] is None and vj["notes"][1]["item"] == 0 and vj["notes"][0]["item"] is None
              and vj["notes"][0]["status"] == "note", "validate --json")
        rc, out, err = run("list", root)
        check(rc == 0 and len(out.split("\n")[:-1]) == 79 and "1 problem skipped" in err, "list of a broken tree")
        rc, out, _ = run("info", root, "--json")
        ij = json.loads(out)
        check(rc == 0 and ij["items"] == 81 - 1 - 1 and len(ij["diagnostics"]) == len(want)
              and ij["oddities"] == 4, "lenient info %d" % ij["items"])
    finally:
        shutil.rmtree(tmp)

    print("cli: %d checks, %d failed" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
