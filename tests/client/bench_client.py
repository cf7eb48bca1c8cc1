#!/usr/bin/python3
"""Benchmark (run by hand, never a test): the served-model runner against the official adapter's design.

Both send the same N chat-completions requests (default 2,676, the benchmark's size) to tests/client/server.py
with a fixed per-request latency (default 200 ms), at the same concurrency (default 64), and append one JSONL
record per item:

  official  the official API adapter's design transcribed with the standard library: a ThreadPoolExecutor of
            `concurrency` threads, each making blocking urllib calls (149 s timeout, up to 8 retries with
            exponential backoff 5..120 s and +-20% jitter, up to 10 blank-answer retries), results appended under
            a lock;
  mirsafety `mirsafety run --requests FILE --concurrency N` (libcurl's multi interface on one thread).

Each runs as a child process, so its CPU time (user + system) comes from the rusage of that child alone; the
server is another child, reaped only at the end, so its time is in neither figure. Prints requests per second,
CPU seconds per 1,000 requests and wall time against the ideal N x latency / concurrency.

usage: bench_client.py MIRSAFETY [--requests N] [--concurrency C] [--latency-ms L] [--image-bytes B] [--rounds R]
"""
import argparse
import base64
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

OFFICIAL = r'''
import json, random, sys, threading, time, urllib.error, urllib.request
from concurrent.futures import ThreadPoolExecutor

url, reqs_path, out_path, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
TIMEOUT, MAX_RETRIES, BASE, CAP, JITTER, BLANK_RETRIES = 149, 8, 5.0, 120.0, 0.2, 10
lock = threading.Lock()
out = open(out_path, "a")

def call(body):
    data = json.dumps(body).encode()
    for attempt in range(MAX_RETRIES + 1):
        try:
            req = urllib.request.Request(url + "/chat/completions", data=data,
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                return json.loads(r.read())
        except (urllib.error.URLError, OSError, ValueError):
            if attempt == MAX_RETRIES:
                raise
            d = min(CAP, BASE * 2 ** attempt)
            time.sleep(d * random.uniform(1 - JITTER, 1 + JITTER))

def work(line):
    item = json.loads(line)
    t0 = time.time()
    try:
        for _ in range(BLANK_RETRIES + 1):
            resp = call(item["body"])
            text = resp["choices"][0]["message"]["content"] or ""
            if text.strip():
                break
        rec = {"key": item["custom_id"], "response": text, "status": "ok",
               "finish_reason": resp["choices"][0].get("finish_reason"), "usage": resp.get("usage"),
               "latency_ms": int((time.time() - t0) * 1000)}
    except Exception as e:
        rec = {"key": item["custom_id"], "response": None, "status": "failed", "error": str(e)}
    with lock:
        out.write(json.dumps(rec) + "\n")
        out.flush()

with open(reqs_path) as f:
    lines = [l for l in f if l.strip()]
with ThreadPoolExecutor(max_workers=workers) as ex:
    list(ex.map(work, lines))
out.close()
'''


def child_run(args):
    """Runs a child; (wall seconds, CPU seconds of that child, exit status)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
    return wall, cpu, p.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mirsafety")
    ap.add_argument("--requests", type=int, default=2676)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--latency-ms", type=float, default=200.0)
    ap.add_argument("--image-bytes", type=int, default=4096, help="bytes of a fake image per request (base64)")
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="mirs-bench-client-")
    reqs = os.path.join(tmp, "requests.jsonl")
    img = base64.b64encode(os.urandom(a.image_bytes)).decode()
    with open(reqs, "w") as f:
        for i in range(a.requests):
            f.write(json.dumps({"custom_id": "bench/%d" % i, "method": "POST", "url": "/v1/chat/completions",
                                "body": {"model": "bench", "max_tokens": 64, "messages": [{"role": "user", "content": [
                                    {"type": "image_url", "image_url": {"url": "data:image/png;base64," + img}},
                                    {"type": "text", "text": "question %d" % i}]}]}}) + "\n")
    srv = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--lifetime", "3600",
                            "--latency-ms", str(a.latency_ms)], stdout=subprocess.PIPE)
    url = "http://127.0.0.1:%d/v1" % int(srv.stdout.readline())
    off_py = os.path.join(tmp, "official.py")
    with open(off_py, "w") as f:
        f.write(OFFICIAL)
    ideal = a.requests * a.latency_ms / 1000.0 / a.concurrency
    cpu_name = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_name = line.split(":", 1)[1].strip()
                break
    print("CPU: %s, %d online; %d requests, concurrency %d, latency %.0f ms, ideal wall %.2f s"
          % (cpu_name, os.cpu_count(), a.requests, a.concurrency, a.latency_ms, ideal))
    results = {"official": [], "mirsafety": []}
    try:
        for r in range(a.rounds):
            for name in ("official", "mirsafety"):
                out = os.path.join(tmp, "%s-%d.jsonl" % (name, r))
                if name == "official":
                    args = ["/usr/bin/python3", off_py, url, reqs, out, str(a.concurrency)]
                else:
                    args = [a.mirsafety, "run", "--requests", reqs, "--endpoint", url, "--concurrency",
                            str(a.concurrency), "-o", out]
                wall, cpu, rc = child_run(args)
                with open(out) as f:
                    ok = sum(1 for line in f if json.loads(line)["status"] == "ok")
                results[name].append((wall, cpu))
                print("%-9s round %d: %6.2f s wall (%.3fx ideal), %7.1f requests/s, %6.3f CPU s per 1,000 requests,"
                      " %d ok, exit %d" % (name, r, wall, wall / ideal, a.requests / wall, cpu * 1000 / a.requests,
                                           ok, rc))
    finally:
        srv.terminate()
        srv.wait()
    ow = min(w for w, _ in results["official"])
    oc = min(c for _, c in results["official"])
    mw = min(w for w, _ in results["mirsafety"])
    mc = min(c for _, c in results["mirsafety"])
    print("best of %d: throughput mirsafety/official %.2fx; CPU official/mirsafety %.1fx; mirsafety wall %.3fx ideal"
          % (a.rounds, ow / mw, oc / mc if mc > 0 else float("inf"), mw / ideal))
    return 0


if __name__ == "__main__":
    sys.exit(main())
