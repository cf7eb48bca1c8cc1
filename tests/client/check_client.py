#!/usr/bin/python3
"""The served-model client end to end: `mirsafety run` / `judge` against
tests/client/server.py (a loopback server this script starts and stops).

Asserts exact attempt counts per fault, backoff bounds (small backoff values),
Retry-After in seconds and as an HTTP date, per-item failure records, the
response size limit, resume after failures and after a torn last line, that
the API key never reaches an output file, stdout or stderr, Ctrl-C (exit
130, resumable), and that SIGKILL at random moments followed by re-runs ends
with exactly one ok response per item.

usage: check_client.py MIRSAFETY SAMPLE_DATASET [--only NAME]
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
KEY = "sk-test-Zq7VhX3pL0cA9s"  # what must never be written anywhere
KEY_VAR = "MIRS_TEST_CLIENT_KEY"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


class Server:
    def __init__(self, tmp, *extra):
        self.log = os.path.join(tmp, "server-%d.log" % random.randrange(1 << 30))
        self.p = subprocess.Popen([PY, os.path.join(HERE, "server.py"), "--lifetime", "240", "--log", self.log]
                                  + list(extra), stdout=subprocess.PIPE)
        self.port = int(self.p.stdout.readline())
        self.url = "http://127.0.0.1:%d/v1" % self.port

    def entries(self, model=None):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            e = [json.loads(line) for line in f if line.strip()]
        return [x for x in e if model is None or x["model"] == model]

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=30)


def run(args, env_key=True, timeout=120):
    env = dict(os.environ)
    env["MIRSAFETY_NO_PROGRESS"] = "1"
    if env_key:
        env[KEY_VAR] = KEY
    else:
        env.pop(KEY_VAR, None)
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    check(KEY not in p.stdout and KEY not in p.stderr, "the API key appears in the output of %s" % args[1:3])
    return p


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def requests_file(tmp, name, n=3):
    path = os.path.join(tmp, name + ".requests.jsonl")
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"custom_id": "%s/%d" % (name, i), "method": "POST", "url": "/v1/chat/completions",
                                "body": {"model": "placeholder",
                                         "messages": [{"role": "user", "content": "%s question %d" % (name, i)}],
                                         "max_tokens": 16}}) + "\n")
    return path


def gaps(entries):
    """Seconds between consecutive attempts of each request identity."""
    by = {}
    for e in entries:
        by.setdefault(e["h"], []).append(e["t"])
    out = []
    for ts in by.values():
        ts.sort()
        out.append([b - a for a, b in zip(ts, ts[1:])])
    return out


def main():
    exe, sample = sys.argv[1], sys.argv[2]
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    tmp = tempfile.mkdtemp(prefix="mirs-client-")
    srv = Server(tmp)
    outputs = []

    def client(name, model, *extra, n=3, expect_rc=0, env_key=True, reqs=None):
        out = os.path.join(tmp, name + ".out.jsonl")
        outputs.append(out)
        reqs = reqs or requests_file(tmp, name, n)
        p = run([exe, "run", "--requests", reqs, "--endpoint", srv.url, "--model", model,
                 "--api-key-env", KEY_VAR, "-o", out, "--json", "--concurrency", "4",
                 "--backoff-ms", "50", "--backoff-cap-ms", "400", "--jitter", "0.2"] + list(extra),
                env_key=env_key)
        check(p.returncode == expect_rc, "%s: exit %d, expected %d (stderr: %s)" % (name, p.returncode, expect_rc,
                                                                                 p.stderr.strip()[-400:]))
        summary = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
        return out, summary, p

    def want(name):
        return only is None or only == name

    # -- a plain run: one attempt each, the key sent, answers recorded --
    if want("plain"):
        out, s, _ = client("plain", "m-plain")
        recs = records(out)
        check(len(recs) == 3 and all(r["status"] == "ok" and r["attempts"] == 1 for r in recs), "plain: records")
        check(all(r["response"].startswith("Answer ") and r["finish_reason"] == "stop" and "usage" in r
                  and "latency_ms" in r for r in recs), "plain: fields")
        e = srv.entries("m-plain")
        import hashlib
        check(len(e) == 3 and all(x["auth"] == hashlib.sha256(("Bearer " + KEY).encode()).hexdigest() for x in e),
              "plain: 3 requests with the bearer key")
        check(s.get("ok") == 3 and s.get("attempts") == 3, "plain: summary %s" % s)
        # again: nothing is sent
        out, s, _ = client("plain", "m-plain")
        check(s.get("already_done") == 3 and s.get("attempts") == 0 and len(srv.entries("m-plain")) == 3,
              "plain: resume sends nothing")

    # -- 429 twice, then an answer: 3 attempts, backoff 50 ms then 100 ms (+-20%) --
    if want("429"):
        out, s, _ = client("r429", "fault:429:2")
        recs = records(out)
        check(all(r["status"] == "ok" and r["attempts"] == 3 for r in recs), "429: 3 attempts each, ok")
        check(len(srv.entries("fault:429:2")) == 9, "429: 9 requests reached the server")
        for g in gaps(srv.entries("fault:429:2")):
            check(len(g) == 2, "429: two retries")
            if len(g) == 2:
                check(0.040 - 0.005 <= g[0] <= 0.060 + 0.5, "429: first backoff %.3f s outside [40, 60] ms" % g[0])
                check(0.080 - 0.005 <= g[1] <= 0.120 + 0.5, "429: second backoff %.3f s outside [80, 120] ms" % g[1])
        check(s.get("retries") == 6, "429: 6 retries counted")

    # -- Retry-After: 1 (seconds) wins over the 50 ms backoff --
    if want("retry-after"):
        out, s, _ = client("ra", "fault:429ra:1", "--backoff-cap-ms", "5000")
        check(all(r["attempts"] == 2 and r["status"] == "ok" for r in records(out)), "Retry-After: 2 attempts")
        for g in gaps(srv.entries("fault:429ra:1")):
            check(len(g) == 1 and 0.95 <= g[0] <= 3.0, "Retry-After: 1 s waited (%s)" % g)
        out, s, _ = client("radate", "fault:429date:1", "--backoff-cap-ms", "5000")
        check(all(r["attempts"] == 2 and r["status"] == "ok" for r in records(out)), "Retry-After date: 2 attempts")
        for g in gaps(srv.entries("fault:429date:1")):
            # An HTTP date 2 s ahead has one-second resolution: 1 to 2 s.
            check(len(g) == 1 and 0.9 <= g[0] <= 3.5, "Retry-After date: waited (%s)" % g)
        # Retry-After is capped by --backoff-cap-ms
        out, s, _ = client("racap", "fault:429ra:1:cap", "--backoff-cap-ms", "200")
        check(all(r["attempts"] == 2 for r in records(out)), "Retry-After capped: 2 attempts")
        for g in gaps(srv.entries("fault:429ra:1:cap")):
            check(len(g) == 1 and 0.19 <= g[0] <= 0.8, "Retry-After capped at 200 ms (%s)" % g)

    # -- 500 for ever: max_retries + 1 attempts, a failed record each, exit 1 --
    if want("500"):
        out, s, _ = client("r500", "fault:500:all", "--max-retries", "3", expect_rc=1)
        recs = records(out)
        check(len(recs) == 3 and all(r["status"] == "failed" and r["response"] is None and r["attempts"] == 4 and
                                     "HTTP status 500" in r["error"] and "gave up after 4 attempts" in r["error"]
                                     for r in recs), "500: failed records after 4 attempts: %s" % recs[:1])
        check(len(srv.entries("fault:500:all")) == 12, "500: 12 requests")
        for g in gaps(srv.entries("fault:500:all")):
            # 50, 100, 200 ms (+-20%), all under the 400 ms cap
            check(len(g) == 3 and g[0] >= 0.035 and g[1] >= 0.075 and g[2] >= 0.155, "500: backoff %s" % g)
        check(s.get("failed") == 3, "500: summary failed")
        # the next run retries the failed items (they have no ok record): still failing -> 4 more each
        out, s, _ = client("r500", "fault:500:all", "--max-retries", "3", expect_rc=1)
        check(len(srv.entries("fault:500:all")) == 24 and len(records(out)) == 6, "500: a re-run retries failures")

    # -- the cap: with base 50 and cap 60 every delay is at most 60 ms * 1.2 --
    if want("cap"):
        out, s, _ = client("cap", "fault:503:4", "--backoff-cap-ms", "60", n=1)
        check(records(out)[0]["attempts"] == 5, "cap: 5 attempts")
        for g in gaps(srv.entries("fault:503:4")):
            check(len(g) == 4 and all(0.035 <= x <= 0.072 + 0.5 for x in g) and g[3] >= 0.047, "cap: delays %s" % g)

    # -- a client error is not retried --
    if want("400"):
        out, s, _ = client("r400", "fault:400:all", expect_rc=1)
        recs = records(out)
        check(all(r["status"] == "failed" and r["attempts"] == 1 and "HTTP status 400" in r["error"] for r in recs),
              "400: failed after one attempt")
        check(len(srv.entries("fault:400:all")) == 3, "400: 3 requests")

    # -- timeouts, resets, malformed bodies: retried --
    if want("stall"):
        out, s, _ = client("stall", "fault:stall:1", "--timeout-ms", "700")
        recs = records(out)
        check(all(r["status"] == "ok" and r["attempts"] == 2 for r in recs), "stall: timeout then ok: %s" % recs[:1])
    if want("reset"):
        out, s, _ = client("reset", "fault:reset:2")
        check(all(r["status"] == "ok" and r["attempts"] == 3 for r in records(out)), "reset: 3 attempts")
    if want("malformed"):
        out, s, _ = client("malformed", "fault:malformed:1")
        check(all(r["status"] == "ok" and r["attempts"] == 2 for r in records(out)), "malformed: 2 attempts")
        out, s, _ = client("malformed-all", "fault:malformed:all", "--max-retries", "1", n=1, expect_rc=1)
        r = records(out)[0]
        check(r["status"] == "failed" and "malformed JSON" in r["error"] and r["attempts"] == 2,
              "malformed: failed record %s" % r)

    # -- blank answers: retried at once, blank_retries times --
    if want("blank"):
        out, s, _ = client("blank2", "fault:blank:2")
        check(all(r["status"] == "ok" and r["attempts"] == 3 and r["response"].startswith("Answer")
                  for r in records(out)), "blank: 2 blanks then an answer")
        check(s.get("blank_retries") == 6 and s.get("retries") == 0, "blank: counted apart %s" % s)
        out, s, _ = client("blankall", "fault:blank:all", "--blank-retries", "4", n=1)
        r = records(out)[0]
        check(r["status"] == "ok" and r["attempts"] == 5 and r["response"].strip() == "",
              "blank: kept after 4 retries %s" % r)

    # -- response size limit: named error, the transfer aborted, not retried --
    if want("size"):
        out, s, _ = client("big", "fault:oversized:all", "--max-body-bytes", "100000", n=1, expect_rc=1)
        r = records(out)[0]
        check(r["status"] == "failed" and "max_body_bytes" in r["error"] and r["attempts"] == 1, "size: %s" % r)
        t0 = time.monotonic()
        out, s, _ = client("endless", "fault:endless:all", "--max-body-bytes", "1000000", n=1, expect_rc=1)
        r = records(out)[0]
        check(r["status"] == "failed" and "max_body_bytes" in r["error"] and r["attempts"] == 1,
              "endless: %s" % r)
        check(time.monotonic() - t0 < 30, "endless: aborted early")

    # -- a torn last line is cut, and only its item is sent again --
    if want("torn"):
        out, s, _ = client("torn", "m-torn", n=4)
        with open(out, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        with open(out, "wb") as f:  # the last record torn in the middle
            f.write(b"\n".join(lines[:3]) + b"\n" + lines[3][:25])
        out, s, _ = client("torn", "m-torn", n=4)
        check(s.get("torn_bytes") == 25 and s.get("already_done") == 3 and s.get("ok") == 1,
              "torn: cut and resent one: %s" % s)
        recs = records(out)
        check(len(recs) == 4 and len({r["key"] for r in recs}) == 4, "torn: one record per key")

    # -- the key variable: missing is an error naming the variable --
    if want("key"):
        out, s, p = client("nokey", "m-nokey", expect_rc=3, env_key=False)
        check(KEY_VAR in p.stderr and "MIRS_E_NOT_FOUND" in p.stderr, "key: missing variable named: " + p.stderr)

    # -- a dataset run (chat and anthropic), then the judge --
    if want("dataset"):
        out = os.path.join(tmp, "ds.out.jsonl")
        outputs.append(out)
        p = run([exe, "run", sample, "--endpoint", srv.url, "--model", "m-ds", "--api-key-env", KEY_VAR,
                 "--concurrency", "8", "-o", out, "--max-tokens", "64"])
        check(p.returncode == 0, "dataset: exit %d %s" % (p.returncode, p.stderr))
        recs = records(out)
        check(len(recs) == 81 and len({r["key"] for r in recs}) == 81, "dataset: 81 answers")
        check(all(e["path"] == "/v1/chat/completions" for e in srv.entries("m-ds")), "dataset: chat path")
        aout = os.path.join(tmp, "ds-anthropic.out.jsonl")
        outputs.append(aout)
        p = run([exe, "run", sample, "--endpoint", srv.url, "--model", "m-anth", "--format", "anthropic",
                 "--api-key-env", KEY_VAR, "--concurrency", "8", "-o", aout, "--category", "violence"])
        check(p.returncode == 0, "anthropic: exit %d %s" % (p.returncode, p.stderr))
        e = srv.entries("m-anth")
        import hashlib
        check(e and all(x["path"] == "/v1/messages" and x["auth"] == hashlib.sha256(KEY.encode()).hexdigest()
                        for x in e), "anthropic: /messages with x-api-key")
        check(all(r["status"] == "ok" and r["finish_reason"] == "end_turn" for r in records(aout)),
              "anthropic: answers")
        jout = os.path.join(tmp, "judge.out.jsonl")
        outputs.append(jout)
        p = run([exe, "judge", "--endpoint", srv.url, "--dataset", sample, "--responses", out, "-o", jout,
                 "--concurrency", "4", "--api-key-env", KEY_VAR])
        check(p.returncode == 0, "judge: exit %d %s" % (p.returncode, p.stderr))
        j = records(jout)
        check(len(j) == 81 and all(r["output"] in (" Yes", " No") for r in j), "judge: 81 outputs")
        check(not [f for f in os.listdir(tmp) if ".requests." in f and f.endswith(".tmp")],
              "judge: temporary request file removed")
        store = os.path.join(tmp, "store.jsonl")
        p = run([exe, "score", "--dataset", sample, "--responses", out, "--judge-outputs", jout, "--store", store,
                 "--model", "m-ds", "--parse", "official-server"])
        check(p.returncode == 0, "score of the judge outputs: %s" % p.stderr)

    # -- Ctrl-C: exit 130, whole lines only, the rest sent by the next run --
    if want("sigint"):
        slow = Server(tmp, "--latency-ms", "300")
        out = os.path.join(tmp, "int.out.jsonl")
        outputs.append(out)
        env = dict(os.environ, MIRSAFETY_NO_PROGRESS="1")
        args = [exe, "run", sample, "--endpoint", slow.url, "--model", "m-int", "--concurrency", "4", "-o", out]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        time.sleep(1.0)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        check(p.returncode == 130, "sigint: exit %d (%s)" % (p.returncode, err))
        check(time.monotonic() - t0 < 2.0, "sigint: stopped promptly")
        n1 = len(records(out))
        check(0 < n1 < 81, "sigint: some answers (%d)" % n1)
        p2 = subprocess.run(args, capture_output=True, env=env, timeout=120)
        recs = records(out)
        check(p2.returncode == 0 and len(recs) == 81 and len({r["key"] for r in recs}) == 81,
              "sigint: the re-run completes (%d records)" % len(recs))
        slow.stop()

    # -- SIGKILL at random moments, then re-runs: exactly one ok record per item --
    if want("kill"):
        slow = Server(tmp, "--latency-ms", "150")
        out = os.path.join(tmp, "kill.out.jsonl")
        outputs.append(out)
        env = dict(os.environ, MIRSAFETY_NO_PROGRESS="1")
        args = [exe, "run", sample, "--endpoint", slow.url, "--model", "m-kill", "--concurrency", "6", "-o", out,
                "--api-key-env", KEY_VAR]
        env[KEY_VAR] = KEY
        rng = random.Random(20)
        kills = 0
        finished = False
        for _ in range(60):
            p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            try:
                p.wait(timeout=rng.uniform(0.05, 0.6))
                finished = p.returncode == 0
                if finished:
                    break
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                kills += 1
        if not finished:
            finished = subprocess.run(args, env=env, capture_output=True, timeout=120).returncode == 0
        check(finished and kills >= 3, "kill: finished after %d kills" % kills)
        with open(out, "rb") as f:
            data = f.read()
        check(data.endswith(b"\n"), "kill: the file ends with a whole line")
        recs = [json.loads(line) for line in data.splitlines()]
        oks = [r["key"] for r in recs if r["status"] == "ok"]
        check(len(oks) == 81 and len(set(oks)) == 81, "kill: exactly one ok record per item (%d ok, %d keys)"
              % (len(oks), len(set(oks))))
        # the library's reader agrees
        p = run([exe, "judge-prompts", "--dataset", sample, "--responses", out, "-o", os.devnull])
        check(p.returncode == 0 and "duplicated items 0" in p.stderr, "kill: reader: %s" % p.stderr)
        slow.stop()

    srv.stop()
    for o in outputs:
        if os.path.exists(o):
            with open(o, "rb") as f:
                check(KEY.encode() not in f.read(), "the API key is in " + o)
    for f in os.listdir(tmp):
        with open(os.path.join(tmp, f), "rb") as fh:
            check(KEY.encode() not in fh.read(), "the API key is in " + f)
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
