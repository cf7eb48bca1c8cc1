#!/usr/bin/python3
"""mirsafety strip: stdin to stdout, modes, tags, --json, exit codes."""
import json
import subprocess
import sys

exe = sys.argv[1]
fails = 0


def run(args, data):
    p = subprocess.run([exe, "strip"] + args, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL:", what)


def ok(args, data, want):
    rc, out, err = run(args, data.encode())
    check(rc == 0 and out == want.encode(), f"strip {args} {data!r}: rc {rc} out {out!r} want {want!r} {err!r}")


ok([], "<think>r</think>\n  final {x} \u00a0", "final {x}")
ok(["--mode", "glm"], "<answer>A1</answer> mid <answer>A2</answer>", "A1</answer> mid <answer>A2")
ok(["--mode=mir"], "<answer>A1</answer> mid <answer>A2</answer>", "A1")
ok(["--mode", "glm"], "\u25c1think\u25b7r\u25c1/think\u25b7  kimi final", "\u25c1think\u25b7r\u25c1/think\u25b7  kimi final")
ok(["--mode", "tags"], "\u25c1think\u25b7r\u25c1/think\u25b7  kimi final", "kimi final")
ok(["--tags", "[R],[/R]", "--unterminated", "before"], "[R]a[/R] b [R] c", "b")
ok(["--mode", "whitespace"], " \u200b a \u3000", "\u200b a")
ok([], "", "")

rc, out, _ = run(["--json", "--finish-reason", "length"], '<think>r</think> fi"nal\x01 '.encode())
check(rc == 0, "json rc")
j = json.loads(out)
check(j == {"answer": 'fi"nal\x01', "start": 17, "end": 24, "flags": ["reasoning", "truncated"]}, f"json {j}")

rc, out, err = run([], b"a\xffb")
check(rc == 3 and b"offset 1" in err and out == b"", f"bad utf-8: {rc} {err!r}")
for bad in (["--mode", "x"], ["--tags", "nocomma"], ["--mode", "glm", "--tags", "a,b"], ["--bogus"]):
    rc, _, _ = run(bad, b"x")
    check(rc == 2, f"usage {bad}: rc {rc}")
rc, out, _ = run(["--help"], b"")
check(rc == 0 and b"--mode" in out, "help")
print("cli strip:", "ok" if not fails else f"{fails} failures")
sys.exit(1 if fails else 0)
