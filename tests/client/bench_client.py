#!/usr/bin/python3
"""Benchmark (run by hand, never a test): the served-model runner against the official adapter's design.

Both send the same N chat-completions requests (default 2,676, the benchmark's size) to tests/client/server.py
with a fixed per-request latency (default 200 ms), at the same concurrency (default 64), and append one JSONL
record per item:

  processes the official design as eval.py runs close_source_model.py, transcribed with the standard library
            (the openai SDK is not installable here; urllib makes its blocking call): a "spawn" context, one
            producer, `concurrency` worker processes (NUM_CPU_WORKERS, each MAX_CONCURRENT 1: one blocking call at
            a time, with _single_infer's 149 s timeout, up to 8 retries with exponential backoff 5..120 s and +-20%
            jitter, up to 10 blank-answer retries) and one writer process joined by multiprocessing queues; the
            writer keeps eval.py's writer_process rule: results by file (items 50 to a file, about the benchmark's
            54 files), each file rewritten atomically as indented JSON every 50 new items and when complete. The
            images arrive already encoded (the workers' PIL preprocessing is left out, as `mirsafety run` is also
            given finished requests);
  threads   a leaner variant of the same request logic: one process, a ThreadPoolExecutor of `concurrency`
            threads making the same blocking calls, one JSONL record per item appended under a lock;
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


OFFICIAL_PROCESSES = r'''
import json, multiprocessing, os, random, sys, time, urllib.error, urllib.request

TIMEOUT, MAX_RETRIES, BASE, CAP, JITTER, BLANK_RETRIES = 149, 8, 5.0, 120.0, 0.2, 10
SAVE_EVERY, ITEMS_PER_FILE = 50, 50


def sleep_with_jitter(base):  # close_source_model.py _sleep_with_jitter
    base = max(0.0, base)
    jitter = base * JITTER
    if jitter > 0:
        base = base + random.uniform(-jitter, jitter)
    time.sleep(max(0.0, base))


def single_infer(url, body):  # close_source_model.py _single_infer (urllib for the SDK call)
    data = json.dumps(body).encode()
    blank, retry, backoff = 0, 0, BASE
    while True:
        try:
            req = urllib.request.Request(url + "/chat/completions", data=data,
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                resp = json.loads(r.read())
            output = resp["choices"][0]["message"]["content"]
            if output and output.strip():
                return {"output": output}
            blank += 1
            if blank > BLANK_RETRIES:
                return {"output": ""}
            sleep_with_jitter(10)
        except (urllib.error.URLError, OSError, ValueError) as e:
            retry += 1
            if retry > MAX_RETRIES:
                return {"error": "%s: %s" % (type(e).__name__, e)}
            sleep_with_jitter(backoff)
            backoff = min(backoff * 2, CAP)


def producer(reqs_path, task_q, n, ready_q):  # eval.py producer_process
    for _ in range(n):
        ready_q.get()
    with open(reqs_path) as f:
        lines = [l for l in f if l.strip()]
    for idx, line in enumerate(lines):
        item = json.loads(line)
        item["source_file"] = "file%03d" % (idx // ITEMS_PER_FILE)
        item["item_index"] = idx % ITEMS_PER_FILE
        task_q.put(item)
    for _ in range(n):
        task_q.put(None)


def worker(url, task_q, result_q, ready_q):  # eval.py run_inference_for_model + dynamic_worker, batch size 1
    ready_q.put(True)
    while True:
        item = task_q.get()
        if item is None:
            break
        res = single_infer(url, item["body"])
        if res.get("output") is not None:
            ans = res["output"]
        else:
            ans = "[INFERENCE_FAILED: %s]" % str(res.get("error"))[:200]
        result_q.put({"original_question": "", "revised_prompt": "", "answer": ans,
                      "source_file": item["source_file"], "item_index": item["item_index"],
                      "inference_status": "failed" if ans.startswith("[INFERENCE_FAILED:") else "success"})


def atomic_write_json(path, data):  # eval.py atomic_write_json
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=4)
    os.replace(tmp, path)


def writer(result_q, out_dir, expected):  # eval.py writer_process: incremental and final saves per file
    saved, last_saved = {}, {}
    new = {}
    while True:
        r = result_q.get()
        if r is None:
            break
        sf, idx = r["source_file"], r["item_index"]
        new.setdefault(sf, {})[idx] = {"item_index": idx, "original_question": r["original_question"],
                                       "revised_prompt": r["revised_prompt"], "answer": r["answer"],
                                       **({"inference_status": r["inference_status"]}
                                          if r["inference_status"] != "success" else {})}
        done = len(saved.get(sf, {})) + len(new[sf])
        if done >= expected[sf] or done - last_saved.get(sf, 0) >= SAVE_EVERY:
            allr = dict(saved.get(sf, {}))
            allr.update(new.pop(sf))
            atomic_write_json(os.path.join(out_dir, sf + ".json"), [allr[i] for i in sorted(allr)])
            saved[sf], last_saved[sf] = allr, len(allr)


if __name__ == "__main__":
    url, reqs_path, out_dir, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    os.makedirs(out_dir, exist_ok=True)
    with open(reqs_path) as f:
        total = sum(1 for l in f if l.strip())
    expected = {}
    for idx in range(total):
        sf = "file%03d" % (idx // ITEMS_PER_FILE)
        expected[sf] = expected.get(sf, 0) + 1
    ctx = multiprocessing.get_context("spawn")
    task_q, result_q, ready_q = ctx.Queue(maxsize=max(256, 64 * n)), ctx.Queue(maxsize=max(256, 64 * n)), ctx.Queue()
    w = ctx.Process(target=writer, args=(result_q, out_dir, expected))
    w.start()
    p = ctx.Process(target=producer, args=(reqs_path, task_q, n, ready_q))
    p.start()
    workers = [ctx.Process(target=worker, args=(url, task_q, result_q, ready_q)) for _ in range(n)]
    for x in workers:
        x.start()
    p.join()
    for x in workers:
        x.join()
    result_q.put(None)
    w.join()
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
    proc_py = os.path.join(tmp, "official_processes.py")
    with open(proc_py, "w") as f:
        f.write(OFFICIAL_PROCESSES)
    ideal = a.requests * a.latency_ms / 1000.0 / a.concurrency
    cpu_name = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_name = line.split(":", 1)[1].strip()
                break
    print("CPU: %s, %d online; %d requests, concurrency %d, latency %.0f ms, ideal wall %.2f s"
          % (cpu_name, os.cpu_count(), a.requests, a.concurrency, a.latency_ms, ideal))
    names = ("processes", "threads", "mirsafety")
    results = {n: [] for n in names}
    try:
        for r in range(a.rounds):
            for name in names:
                out = os.path.join(tmp, "%s-%d.jsonl" % (name, r))
                if name == "processes":
                    args = ["/usr/bin/python3", proc_py, url, reqs, out, str(a.concurrency)]
                elif name == "threads":
                    args = ["/usr/bin/python3", off_py, url, reqs, out, str(a.concurrency)]
                else:
                    args = [a.mirsafety, "run", "--requests", reqs, "--endpoint", url, "--concurrency",
                            str(a.concurrency), "-o", out]
                wall, cpu, rc = child_run(args)
                if name == "processes":  # a folder of eval.py-style result files
                    ok = 0
                    for fn in os.listdir(out):
                        with open(os.path.join(out, fn)) as f:
                            ok += sum(1 for x in json.load(f) if "inference_status" not in x)
                else:
                    with open(out) as f:
                        ok = sum(1 for line in f if json.loads(line)["status"] == "ok")
                results[name].append((wall, cpu))
                print("%-10s round %d: %6.2f s wall (%.3fx ideal), %7.1f requests/s, %6.3f CPU s per 1,000 requests,"
                      " %d ok, exit %d" % (name, r, wall, wall / ideal, a.requests / wall, cpu * 1000 / a.requests,
                                           ok, rc))
    finally:
        srv.terminate()
        srv.wait()
    mw = min(w for w, _ in results["mirsafety"])
    mc = min(c for _, c in results["mirsafety"])
    for base in ("processes", "threads"):
        ow = min(w for w, _ in results[base])
        oc = min(c for _, c in results[base])
        print("best of %d vs %s: throughput mirsafety/%s %.2fx; CPU %s/mirsafety %.1fx"
              % (a.rounds, base, base, ow / mw, base, oc / mc if mc > 0 else float("inf")))
    print("mirsafety wall %.3fx ideal" % (mw / ideal))
    return 0


if __name__ == "__main__":
    sys.exit(main())
