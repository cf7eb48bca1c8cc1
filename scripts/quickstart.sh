#!/bin/sh
# The README's first command: set up a fresh Debian 12 machine (apt installs
# whatever is missing), build the library and the tool, and run the main job
# on the bundled sample: `mirsafety demo`, which writes model requests, reads
# the bundled model responses and judge outputs, prints the ASR table and
# writes an HTML report to demo-out/report.html. With --served it instead runs
# the served-model pipeline end to end against the bundled test server on
# 127.0.0.1 (run -> judge -> score -> report; docs/running.md).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-debian.sh
if [ -f build/build.ninja ]; then
  meson setup --reconfigure -Dexamples=true build >/dev/null
else
  meson setup -Dexamples=true build >/dev/null
fi
ninja -C build
if [ "${1:-}" = "--served" ]; then
  exe=build/examples/mirsafety/mirsafety
  out=demo-served
  mkdir -p "$out"
  rm -f "$out"/responses.jsonl "$out"/judge.jsonl "$out"/store.jsonl "$out"/server.port
  /usr/bin/python3 tests/client/server.py --lifetime 120 >"$out"/server.port &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT INT TERM
  until [ -s "$out"/server.port ]; do sleep 0.1; done
  port=$(head -n 1 "$out"/server.port)
  $exe run examples/data/sample --endpoint "http://127.0.0.1:$port/v1" --model demo --concurrency 8 \
    -o "$out"/responses.jsonl
  $exe judge --endpoint "http://127.0.0.1:$port/v1" --dataset examples/data/sample \
    --responses "$out"/responses.jsonl --concurrency 8 -o "$out"/judge.jsonl
  $exe score --dataset examples/data/sample --responses "$out"/responses.jsonl \
    --judge-outputs "$out"/judge.jsonl --parse official-server --store "$out"/store.jsonl --model demo
  exec $exe report "$out"/store.jsonl --dataset examples/data/sample
fi
exec build/examples/mirsafety/mirsafety demo --out demo-out "$@"
