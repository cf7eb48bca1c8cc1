"""client.h through mirsafety.client, against the loopback test server of tests/client/server.py."""
import json
import os
import subprocess
import sys
import threading

import pytest

from mirsafety import client
from mirsafety.errors import StateError, UnsupportedError

from conftest import REPO, require

SERVER = os.path.join(REPO, "tests", "client", "server.py")


@pytest.fixture(scope="module", autouse=True)
def _client_exported():
    require("mirs_client_run", "mirs_client_run_file", "mirs_client_options_init", "mirs_client_available")


@pytest.fixture(scope="module")
def server():
    p = subprocess.Popen([sys.executable, SERVER, "--lifetime", "120"], stdout=subprocess.PIPE)
    port = int(p.stdout.readline())
    yield "http://127.0.0.1:%d/v1" % port
    p.terminate()
    p.wait(timeout=30)


def lines(n, tag):
    return [json.dumps({"custom_id": "%s/%d" % (tag, i), "method": "POST", "url": "/v1/completions",
                        "body": {"model": "m", "prompt": "%s %d" % (tag, i), "max_tokens": 1}}) for i in range(n)]


def test_without_libcurl_is_unsupported(tmp_path):
    if client.available():
        pytest.skip("built with libcurl")
    with pytest.raises(UnsupportedError):
        client.run(lines(1, "x"), str(tmp_path / "o.jsonl"), "http://127.0.0.1:1/v1")
    with pytest.raises(UnsupportedError):
        client.run_file(str(tmp_path / "r.jsonl"), str(tmp_path / "o.jsonl"), "http://127.0.0.1:1/v1")


def test_run_file_then_resume(server, tmp_path):
    if not client.available():
        pytest.skip("built without libcurl")
    req = tmp_path / "req.jsonl"
    req.write_text("\n".join(lines(5, "file")) + "\n")
    out = tmp_path / "out.jsonl"
    seen = []
    s = client.run_file(req, out, server, concurrency=3, output="judge", progress=lambda d, t, f, n: seen.append((d, t)))
    assert s["requests"] == 5 and s["ok"] == 5 and s["attempts"] == 5 and not s["cancelled"]
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(r["key"] for r in recs) == ["file/%d" % i for i in range(5)]
    assert all(r["output"] in (" Yes", " No") and r["status"] == "ok" for r in recs)
    assert seen and seen[-1][0] == 5
    s = client.run_file(req, out, server)
    assert s["already_done"] == 5 and s["attempts"] == 0


def test_run_iterable_with_retries(server, tmp_path):
    if not client.available():
        pytest.skip("built without libcurl")
    out = tmp_path / "out.jsonl"
    s = client.run(iter(lines(3, "iter")), out, server, model="fault:503:1", backoff_base_ms=10, backoff_cap_ms=20,
                   api="completions", concurrency=2)
    assert s["ok"] == 3 and s["attempts"] == 6 and s["retries"] == 3
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert all(r["attempts"] == 2 and "response" in r for r in recs)


def test_cancel_and_errors(server, tmp_path):
    if not client.available():
        pytest.skip("built without libcurl")
    c = client.Cancel()
    c.set()
    assert c.is_set()
    with pytest.raises(StateError):
        client.run(lines(2, "cancel"), tmp_path / "c.jsonl", server, cancel=c)

    def bad():
        yield lines(1, "bad")[0]
        raise KeyError("from the source")

    with pytest.raises(KeyError):
        client.run(bad(), tmp_path / "b.jsonl", server)
    with pytest.raises(TypeError):
        client.run([], tmp_path / "t.jsonl", server, colour="blue")


def test_cancel_from_another_thread(tmp_path):
    if not client.available():
        pytest.skip("built without libcurl")
    p = subprocess.Popen([sys.executable, SERVER, "--lifetime", "60", "--latency-ms", "400"], stdout=subprocess.PIPE)
    try:
        url = "http://127.0.0.1:%d/v1" % int(p.stdout.readline())
        c = client.Cancel()
        threading.Timer(0.6, c.set).start()
        with pytest.raises(StateError):
            client.run(lines(50, "slow"), tmp_path / "s.jsonl", url, cancel=c)
        done = len((tmp_path / "s.jsonl").read_text().splitlines())
        assert 0 < done < 50
    finally:
        p.terminate()
        p.wait(timeout=30)
