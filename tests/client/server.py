#!/usr/bin/python3
"""A stdlib test server for the served-model client (issue #20).

Speaks enough of OpenAI chat completions (POST .../chat/completions),
completions (.../completions) and Anthropic messages (.../messages) to run
`mirsafety run` / `judge` against, with deterministic answers derived from
the request text, and faults on demand chosen by the request's "model":

    "fault:KIND:N"   the first N attempts of each distinct request get KIND,
                     later ones a normal answer ("all" for N: every attempt)

KIND is one of 429, 429ra (429 with Retry-After: 1), 429date (Retry-After
as an HTTP date 2 s ahead), 500, 503, 400, stall (answer after --stall-ms),
reset (connection reset), blank (an empty answer), malformed (a body that
is not JSON), oversized (a valid 2 MiB answer), endless (a body that never
ends, until the client hangs up or the server's lifetime ends).

Every request is logged as one JSON line in --log (time, path, model,
request hash, attempt number, sha256 of the Authorization / x-api-key
header): tests count attempts and measure backoff from it.

Prints the port on stdout, then serves until --lifetime seconds have passed
(every loop is bounded by that deadline). 127.0.0.1 only.
"""
import argparse
import email.utils
import hashlib
import http.server
import json
import socket
import struct
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifetime", type=float, default=120.0)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--stall-ms", type=float, default=3000.0)
    ap.add_argument("--log", default=None)
    args = ap.parse_args()
    deadline = time.monotonic() + args.lifetime
    lock = threading.Lock()
    attempts = {}
    logf = open(args.log, "a", buffering=1) if args.log else None

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # As real servers (uvicorn under vLLM) do: without it the body, a second small write after the
            # headers, waits for the client's delayed ACK (40 ms) on a kept-alive connection.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, fmt, *a):  # quiet
            pass

        def send_json(self, code, obj, extra=()):
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.send_json(200, {"ok": True})

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n > 0 else b""
            try:
                body = json.loads(raw)
            except ValueError:
                self.send_json(400, {"error": {"message": "bad json"}})
                return
            model = str(body.get("model", ""))
            # The request's identity (attempts are counted per identity).
            h = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
            with lock:
                attempts[h] = attempts.get(h, 0) + 1
                attempt = attempts[h]
            auth = self.headers.get("Authorization") or self.headers.get("x-api-key") or ""
            if logf:
                with lock:
                    logf.write(json.dumps({"t": time.time(), "path": self.path, "model": model, "h": h,
                                           "attempt": attempt,
                                           "auth": hashlib.sha256(auth.encode()).hexdigest() if auth else ""}) + "\n")
            if args.latency_ms > 0:
                time.sleep(args.latency_ms / 1000.0)
            kind = None
            if model.startswith("fault:"):
                parts = model.split(":")
                limit = parts[2] if len(parts) > 2 else "all"
                if limit == "all" or attempt <= int(limit):
                    kind = parts[1]
            path = self.path
            if kind == "429":
                return self.send_json(429, {"error": {"message": "rate limited"}})
            if kind == "429ra":
                return self.send_json(429, {"error": {"message": "rate limited"}}, [("Retry-After", "1")])
            if kind == "429date":
                when = email.utils.formatdate(time.time() + 2, usegmt=True)
                return self.send_json(429, {"error": {"message": "rate limited"}}, [("Retry-After", when)])
            if kind in ("500", "503", "400"):
                return self.send_json(int(kind), {"error": {"message": "fault " + kind}})
            if kind == "stall":
                end = min(time.monotonic() + args.stall_ms / 1000.0, deadline)
                while time.monotonic() < end:
                    time.sleep(0.05)
            if kind == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                import io
                self.wfile = io.BytesIO()
                return
            if kind == "malformed":
                data = b'{"choices": [ this is not json'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if kind == "endless":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * 65536
                try:
                    head = b'{"choices":[{"text":"'
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
                    while time.monotonic() < deadline:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                except OSError:
                    pass
                self.close_connection = True
                return
            # A deterministic answer from the request text.
            text = json.dumps(body.get("messages") or body.get("prompt") or "", sort_keys=True)
            d = hashlib.sha256(text.encode()).hexdigest()
            if kind == "blank":
                answer = " \n"
            elif kind == "oversized":
                answer = "y" * (2 << 20)
            elif path.endswith("/completions") and not path.endswith("/chat/completions"):
                answer = " Yes" if int(d[0], 16) % 2 else " No"
            else:
                answer = "Answer " + d[:12]
            usage_p, usage_c = len(text) // 4, len(answer.split())
            if path.endswith("/messages"):
                return self.send_json(200, {"id": "msg_" + d[:8], "type": "message", "role": "assistant",
                                            "content": [{"type": "text", "text": answer}],
                                            "stop_reason": "end_turn",
                                            "usage": {"input_tokens": usage_p, "output_tokens": usage_c}})
            usage = {"prompt_tokens": usage_p, "completion_tokens": usage_c, "total_tokens": usage_p + usage_c}
            if path.endswith("/chat/completions"):
                return self.send_json(200, {"id": "chatcmpl-" + d[:8], "object": "chat.completion",
                                            "choices": [{"index": 0, "message": {"role": "assistant",
                                                                                 "content": answer},
                                                         "finish_reason": "stop"}], "usage": usage})
            if path.endswith("/completions"):
                return self.send_json(200, {"id": "cmpl-" + d[:8], "object": "text_completion",
                                            "choices": [{"index": 0, "text": answer, "finish_reason": "length"}],
                                            "usage": usage})
            return self.send_json(404, {"error": {"message": "no such path " + path}})

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, request, client_address):
            pass  # clients that hang up (killed runs, aborted transfers) are expected

    srv = Server(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)

    def stopper():
        while time.monotonic() < deadline:
            time.sleep(0.2)
        srv.shutdown()

    threading.Thread(target=stopper, daemon=True).start()
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
