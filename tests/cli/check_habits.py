#!/usr/bin/python3
"""One set of command-line habits (issue #19, part 2). Each check below failed
before the change it names:

- every verb that writes a file takes -o and --out, writes atomically, and its
  temporary file goes on SIGINT/SIGTERM; stale ones of the same output (a dead
  writer's) are removed by the next run, a live writer's are left alone;
- --json goes to stdout as one JSON document (report and image info: an array;
  list: an array; the others an object), summaries hold counts and at most 5
  examples;
- '-' is standard input wherever an input file is taken;
- `help VERB`, `--version`/`-V`, `version --help`; a bare verb prints its usage
  on stderr with exit 2; an error names its path once; a torn store points at
  --repair, not at a C constant;
- progress bars fit a 40-column terminal;
- validate names files one way in text and JSON and counts items as info does;
- judge-prompts --judge response-type feeds score --rtype-outputs end to end;
- the matrix table has full relation names; response types in one order;
- scripts/make_synthetic.py ... | head exits quietly.
"""
import fcntl
import json
import os
import pty
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

exe, sample, demo, root = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
checks = failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print("FAIL", what, file=sys.stderr)


def env():
    return {k: v for k, v in os.environ.items() if k != "MIRSAFETY_NO_PROGRESS"}


def run(*args, stdin=None, cwd=None):
    return subprocess.run([exe, *args], input=stdin, capture_output=True, cwd=cwd, env=env(), timeout=120)


def jl(b):
    """The JSON document in b, or None (a failure the checks report, not a crash of the test)."""
    try:
        return json.loads(b)
    except ValueError:
        return None


def text(p):
    return p.stdout.decode(), p.stderr.decode()


resp = os.path.join(demo, "responses", "demo-balanced.jsonl")
judged = os.path.join(demo, "judge", "demo-balanced.jsonl")
rtypes = os.path.join(demo, "response-types", "demo-balanced.jsonl")
verbs = [line.split()[0] for line in text(run("--help"))[0].split("verbs:\n", 1)[1].split("\n\n", 1)[0].splitlines()]
check("compare" in verbs and "report" in verbs, f"verb list {verbs}")

with tempfile.TemporaryDirectory() as tmp:
    J = lambda *p: os.path.join(tmp, *p)  # noqa: E731
    store = J("store.jsonl")
    p = run("score", "--dataset", sample, "--responses", resp, "--judge-outputs", judged, "--rtype-outputs", rtypes,
            "--store", store, "--model", "m1")
    check(p.returncode in (0, 1), f"score: {p.stderr[-300:]}")

    # ---- -o and --out on every verb that writes a file, the same bytes either way ----
    writers = {
        "prompts": lambda o: ["prompts", sample, "--format", "plain", *o],
        "judge-prompts": lambda o: ["judge-prompts", "--dataset", sample, "--responses", resp, *o],
        "report": lambda o: ["report", store, "--format", "csv", *o],
        "image convert": lambda o: ["image", "convert", os.path.join(sample, "Violence/images/Analogy/Analogy_24_0.png"),
                                    *o],
        "entropy": lambda o: ["entropy", os.path.join(demo, "attention",
                                                      sorted(os.listdir(os.path.join(demo, "attention")))[0]),
                              "--policy", "renormalize", *o],
    }
    for name, make in writers.items():
        outs = []
        for flag in ("-o", "--out"):
            f = J(f"w-{name.replace(' ', '_')}{flag}.out")
            p = run(*make([flag, f]))
            check(p.returncode == 0 and os.path.exists(f), f"{name} {flag}: exit {p.returncode} {p.stderr[-300:]}")
            outs.append(open(f, "rb").read() if os.path.exists(f) else None)
            left = [x for x in os.listdir(tmp) if ".tmp." in x]
            check(not left, f"{name} {flag}: no temporary file left: {left}")
        check(outs[0] is not None and outs[0] == outs[1], f"{name}: -o and --out write the same")

    # ---- a killed writer leaves no temporary file; a dead writer's is removed by the next run ----
    big = J("big.jsonl")  # the sample's images under many keys: a job that takes a while (~1.5 s)
    shutil.copytree(sample, J("sample"))
    items = [json.loads(x) for x in open(os.path.join(os.path.dirname(sample), "sample.jsonl"))]
    with open(big, "w") as f:
        for k in range(4000):
            it = dict(items[k % len(items)])
            it["id"] = 100000 + k
            f.write(json.dumps(it) + "\n")
    for sig in (signal.SIGINT, signal.SIGTERM):
        out = J(f"killed-{sig}.jsonl")
        pr = subprocess.Popen([exe, "prompts", big, "--format", "openai-batch", "--model", "m", "--image-format", "png",
                               "--out", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env())
        tmpf = f"{out}.tmp.{pr.pid}"
        t0 = time.monotonic()
        while not os.path.exists(tmpf) and pr.poll() is None and time.monotonic() - t0 < 30:
            time.sleep(0.002)
        seen = os.path.exists(tmpf)
        pr.send_signal(sig)
        code = pr.wait(60)
        check(seen and code == -sig, f"signal {sig}: the writer was caught writing ({seen}) and died of it ({code})")
        left = [x for x in os.listdir(tmp) if x.startswith(os.path.basename(out))]
        check(not left, f"signal {sig}: no output, temporary or failed-items file left: {left}")
    out = J("stale.jsonl")
    dead, live = f"{out}.tmp.999999999", f"{out}.tmp.{os.getpid()}"
    for f in (dead, live):
        open(f, "w").write("partial")
    p = run("prompts", sample, "--format", "plain", "-o", out)
    check(p.returncode == 0 and not os.path.exists(dead) and os.path.exists(live) and
          "left by an interrupted run" in p.stderr.decode(), f"stale temporary files: {os.listdir(tmp)} {p.stderr}")
    os.unlink(live)

    # ---- --json: stdout, one document, one shape per kind ----
    shapes = {
        "info": (["info", sample, "--json"], dict),
        "validate": (["validate", sample, "--json"], dict),
        "list": (["list", sample, "--json"], list),
        "image info": (["image", "info", "--json", os.path.join(sample, "Violence/images/Analogy/Analogy_24_0.png")],
                       list),
        "report": (["report", store, "--format", "json"], list),
        "report two": (["report", store, J("stale.jsonl.nothing"), "--json"], None),
        "judge-prompts": (["judge-prompts", "--dataset", sample, "--responses", resp, "-o", J("jp.jsonl"), "--json"],
                          dict),
        "prompts": (["prompts", sample, "--format", "plain", "-o", J("pp.jsonl"), "--json"], dict),
    }
    for name, (args, kind) in shapes.items():
        if kind is None:
            continue
        p = run(*args)
        doc = jl(p.stdout)
        check(p.returncode == 0 and isinstance(doc, kind), f"{name} --json: one {kind.__name__} on stdout: "
              f"{p.stdout[:200]!r} {p.stderr[-200:]!r}")
        check("{" not in p.stderr.decode(), f"{name} --json: no JSON on stderr: {p.stderr[-200:]!r}")
    # two models in one store: one array of two reports
    two = J("two.jsonl")
    shutil.copy(store, two)
    p = run("score", "--dataset", sample, "--responses", resp, "--judge-outputs", judged, "--store", two, "--model",
            "m2")
    reps = jl(run("report", two, "--format", "json").stdout)
    check(isinstance(reps, list) and [r["model"] for r in reps] == ["m1", "m2"], f"report: one array of both reports: {reps and len(reps)}")
    # summaries: counts and at most 5 examples
    many = J("many.jsonl")
    with open(many, "w") as f:
        for k in range(40):
            f.write(json.dumps({"key": f"Nowhere/Analogy/{k}", "response": "x"}) + "\n")
        f.write(open(resp).read())
    p = run("score", "--dataset", sample, "--responses", many, "--judge-outputs", judged, "--store", J("s3.jsonl"),
            "--model", "m", "--json")
    uk = (jl(p.stdout) or {}).get("unknown_keys")
    check(isinstance(uk, dict) and uk.get("count") == 40 and len(uk.get("examples", [])) == 5, f"score summary {str(uk)[:200]}")
    p = run("score", "--dataset", sample, "--responses", many, "--judge-outputs", judged, "--store", J("s4.jsonl"),
            "--model", "m")
    err = p.stderr.decode()
    check(err.count("unknown key:") == 5 and "35 more unknown keys" in err, f"score text summary: {err[-400:]}")

    # ---- '-' is standard input ----
    man = open(os.path.join(os.path.dirname(sample), "sample.jsonl"), "rb").read()
    manifest = os.path.join(os.path.dirname(sample), "sample.jsonl")
    png = os.path.join(sample, "Violence/images/Analogy/Analogy_24_0.png")
    same = [
        (["info", "-", "--json"], ["info", manifest, "--json"], man, ["path"]),
        (["list", "-"], ["list", manifest], man, []),
        (["validate", "-", "--json"], ["validate", manifest, "--json"], man, []),
        (["report", "-", "--format", "csv"], ["report", store, "--format", "csv"], open(store, "rb").read(), []),
        (["image", "info", "-"], ["image", "info", png], open(png, "rb").read(), None),
        (["compare", "models", "-", "--model-a", "m1", "--model-b", "m2"],
         ["compare", "models", two, "--model-a", "m1", "--model-b", "m2"], open(two, "rb").read(), []),
        (["judge-prompts", "--dataset", sample, "--responses", "-"],
         ["judge-prompts", "--dataset", sample, "--responses", resp], open(resp, "rb").read(), []),
    ]
    for a, b, data, drop in same:
        pa, pb = run(*a, stdin=data), run(*b)
        oa, ob = pa.stdout.decode(), pb.stdout.decode()
        if drop is None:  # image info names the file: '-' for standard input
            ob = ob.replace(png, "-")
        elif drop:
            ja, jb = jl(oa) or {}, jl(ob) or {}
            for k in drop:
                ja.pop(k, None), jb.pop(k, None)
            oa, ob = ja, jb
        check(pa.returncode == pb.returncode == 0 and oa == ob, f"'-' for {b[:2]}: {pa.returncode} "
              f"{pa.stderr[-300:]!r}")
    check(not [x for x in os.listdir(".") if x.startswith(".mirsafety-stdin")], "the copy of stdin is removed")
    p = run("compare", "models", "-", "-", "--model-a", "m1", "--model-b", "m2", stdin=b"")
    check(p.returncode == 2 and b"only once" in p.stderr, f"two '-': {p.stderr}")

    # ---- help, version, bare verbs, errors ----
    for v in verbs:
        h1, h2 = run("help", v), run(v, "--help")
        check(h1.returncode == 0 and h1.stdout == h2.stdout and h1.stdout.startswith(b"usage: mirsafety"),
              f"help {v}: {h1.stdout[:80]!r}")
    ver = run("version").stdout
    check(ver.startswith(b"mirsafety ") and run("--version").stdout == ver and run("-V").stdout == ver, "-V")
    vh = run("version", "--help")
    check(vh.returncode == 0 and vh.stdout.startswith(b"usage: mirsafety version"), f"version --help: {vh.stdout!r}")
    for v in verbs:
        if v in ("demo", "strip", "version"):  # they work without arguments
            continue
        p = run(v, stdin=b"")
        check(p.returncode == 2 and p.stdout == b"" and p.stderr.startswith(b"usage: mirsafety " + v.encode()),
              f"bare '{v}': exit {p.returncode}, stdout {p.stdout[:60]!r}, stderr {p.stderr[:60]!r}")
    for args in (["info", "/nonexistent"], ["list", "/nonexistent"], ["report", "/nonexistent"],
                 ["image", "info", "/nonexistent"], ["entropy", "/nonexistent"]):
        err = run(*args).stderr.decode()
        check(err.count("/nonexistent") == 1, f"{args}: the path named once: {err!r}")
    torn = J("torn.jsonl")
    with open(torn, "w") as f:
        f.write(open(store).readline() + '{"key":"Violence/Analogy/2","mo')
    p = run("score", "--dataset", sample, "--responses", resp, "--judge-outputs", judged, "--store", torn,
            "--model", "m1")
    err = p.stderr.decode()
    check(p.returncode == 3 and "--repair" in err and "MIRS_TORN" not in err, f"torn store message: {err!r}")

    # ---- progress bars fit a 40-column terminal ----
    def tty40(args):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
        pr = subprocess.Popen([exe, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave,
                              env=env())
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        pr.wait()
        return seen.decode(errors="replace")

    for args, label in ((["validate", sample, "--images"], "checking"),
                        (["prompts", sample, "--format", "plain", "--out", J("p40.jsonl")], "prompts"),
                        (["score", "--dataset", sample, "--responses", resp, "--judge-outputs", judged, "--store",
                          J("s40.jsonl"), "--model", "m"], "scoring")):
        draws = [x for x in tty40(args).replace("\r\n", "\n").split("\r") if "[" in x and "/" in x]
        draws = [x.split("\n")[0] for x in draws]
        check(draws and all(len(x) < 40 for x in draws) and any(re.search(r"\[#+\]", x) for x in draws),
              f"{label}: every redraw fits 40 columns: {max(map(len, draws)) if draws else None} {draws[-1:]!r}")

    # ---- validate: one way of naming files, the items info counts ----
    bad = J("bad")
    shutil.copytree(sample, bad)
    os.remove(os.path.join(bad, "Hate_Speech/images/Analogy/Analogy_10_0.png"))
    with open(os.path.join(bad, "Violence/images/Analogy/Analogy_24_1.png"), "wb") as f:
        f.write(b"not an image")
    vf = os.path.join(bad, "Privacy", "Analogy_final.json")
    its = json.load(open(vf))
    its[0]["images"] = its[0]["images"][:1]
    json.dump(its, open(vf, "w"))
    for path in (bad, os.path.relpath(bad)):
        vt = run("validate", path, "--images")
        vj = jl(run("validate", path, "--images", "--json").stdout) or {"problems": [], "notes": []}
        ij = jl(run("info", path, "--json").stdout) or {}
        text_files = sorted(line.split(":")[0] for line in vt.stdout.decode().splitlines())
        json_files = sorted(x["file"] for x in vj["problems"] + vj["notes"])
        check(text_files == json_files and len(json_files) == 3 and all(f.startswith(path + "/") for f in json_files),
              f"validate names files one way ({path}): {text_files} vs {json_files}")
        check(vj.get("items") == ij.get("items") == 81, f"validate counts items as info does: {vj['items']} vs {ij['items']}")

    # ---- judge-prompts --judge response-type, end to end ----
    rq = J("rtype-requests.jsonl")
    p = run("judge-prompts", "--dataset", sample, "--responses", resp, "--judge", "response-type", "-o", rq)
    reqs = [json.loads(x) for x in open(rq)] if p.returncode == 0 else []
    check(len(reqs) == 81 and all("benign_help" in r["body"]["prompt"] for r in reqs), f"rtype requests: {p.stderr!r}")
    answers = {x["key"]: x.get("response") or "" for x in map(json.loads, open(resp))}
    check(all(r["body"]["max_tokens"] <= 16 and "[ANSWER]:\n" in r["body"]["prompt"] and
              answers[r["custom_id"]].strip()[-60:] in r["body"]["prompt"] for r in reqs),
          "rtype requests hold each item's stripped answer and ask for a label word")
    labels = ["unsafe", "refusal", "misunderstanding", "evasive", "benign_help"]
    outs = J("rtype-outputs.jsonl")
    with open(outs, "w") as f:
        for k, r in enumerate(reqs):
            f.write(json.dumps({"key": r["custom_id"], "output": labels[k % 5]}) + "\n")
    p = run("score", "--dataset", sample, "--responses", resp, "--judge-outputs", judged, "--rtype-outputs", outs,
            "--store", J("rt.jsonl"), "--model", "rt")
    reps = jl(run("report", J("rt.jsonl"), "--json").stdout)
    rep = reps[0] if isinstance(reps, list) and reps else {}
    check(rep.get("response_types") == {x: sum(1 for k in range(81) if labels[k % 5] == x) for x in labels},
          f"response types from the command line: {rep.get('response_types')}")

    # ---- text reports: full relation names, one order of response types ----
    table = run("report", store, "--by", "matrix").stdout.decode()
    for name in ("Spatial_Juxtaposition", "Temporal_Continuity", "Spatial_Embedding"):
        check(name in table, f"--by matrix names {name} whole")
    order = J("order.jsonl")
    with open(order, "w") as f:
        for model, seq in (("a", ["refusal", "unsafe", "evasive"]), ("b", ["evasive", "refusal", "unsafe"])):
            for k, lab in enumerate(seq):
                f.write(json.dumps({"key": f"Violence/Analogy/{k}", "model": model, "judge": "j", "verdict": "safe",
                                    "response_type": lab}) + "\n")
    t = run("report", order).stdout.decode()
    blocks = [re.findall(r"^(unsafe|refusal|evasive) +\d+$", b, re.M) for b in t.split("Response type")[1:]]
    check(len(blocks) == 2 and blocks[0] == blocks[1] == ["unsafe", "refusal", "evasive"],
          f"response types in one order: {blocks}")
    for fmt in ("json",):
        reps = jl(run("report", order, "--format", fmt).stdout)
        check(isinstance(reps, list) and [list(r["response_types"]) for r in reps] == [["unsafe", "refusal", "evasive"]] * 2,
              "JSON response types in one order")

    # ---- make_synthetic.py | head ----
    syn = subprocess.Popen(["/usr/bin/python3", os.path.join(root, "scripts", "make_synthetic.py"), J("syn")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    syn.stdout.close()  # the reader is gone before the script prints
    err = syn.stderr.read()
    code = syn.wait(300)
    check(code == 0 and err == b"", f"make_synthetic.py | head: exit {code}, stderr {err[-300:]!r}")

print(f"command-line habits: {checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
