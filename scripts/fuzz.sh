#!/bin/sh
# A fuzzing campaign: every libFuzzer target (ASan+UBSan, the whole library
# instrumented), one process at a time, each for a given time, seeded with
# its committed corpus (tests/fuzz/corpus/<target>/).
#
#   sh scripts/fuzz.sh [--decoder-seconds N] [--other-seconds N] [--merge] [--out DIR] [TARGET...]
#
# Decoder targets (png, jpeg) run --decoder-seconds (default 600), the others
# --other-seconds (default 180). New inputs go to DIR/<target>/new (default
# DIR: fuzz-out/); crashes, leaks, timeouts and OOMs to DIR/<target>/. With
# --merge, the committed corpus is replaced by a minimised one: the smallest
# set of the old corpus and the new inputs that keeps every feature
# (libFuzzer -merge=1 into an empty folder), plus every hand-named seed
# (reproducers and hand-made cases keep their names and are never dropped).
# Prints one line per target (executions, coverage, findings) and a
# markdown table in DIR/summary.md; exits 1 if anything was found.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
dsec=600
osec=180
merge=0
out="$root/fuzz-out"
while [ $# -gt 0 ]; do
  case $1 in
    --decoder-seconds) dsec=$2; shift 2 ;;
    --other-seconds) osec=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    --*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
targets=${*:-$(ls tests/fuzz/corpus)}

build="$root/build-fuzz"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=libfuzzer -Db_sanitize=address,undefined -Db_lundef=false \
    --buildtype=debugoptimized -Dbindings=false >/dev/null
fi
for t in $targets; do
  ninja -C "$build" "tests/fuzz_$t-libfuzzer" >/dev/null
done

mkdir -p "$out"
summary="$out/summary.md"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
  echo "Campaign at $commit on $cpu ($(date -u +%Y-%m-%d)), one process at a time, ASan+UBSan:"
  echo
  echo "| target | seconds | executions | coverage (edges) | features | corpus before -> after | findings |"
  echo "| --- | ---: | ---: | ---: | ---: | --- | ---: |"
} >"$summary"
found_any=0
for t in $targets; do
  secs=$osec
  case $t in png|jpeg) secs=$dsec ;; esac
  dir="$out/$t"
  rm -rf "$dir"
  mkdir -p "$dir/new"
  corpus="$root/tests/fuzz/corpus/$t"
  before=$(ls "$corpus" | wc -l)
  bin="$build/tests/fuzz_$t-libfuzzer"
  # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: a bomb.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/new" "$corpus" >"$dir/log" 2>&1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$dir/log" | tail -n 1 | cut -d' ' -f2)
  findings=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
  if [ "$findings" -gt 0 ] || grep -q 'ERROR: \(AddressSanitizer\|LeakSanitizer\|libFuzzer\)\|runtime error:' "$dir/log"; then
    [ "$findings" -gt 0 ] || findings=1
    found_any=1
  fi
  if [ "$merge" = 1 ] && [ "$findings" = 0 ]; then
    # Minimise: the smallest set of the old corpus and the new inputs that
    # keeps every feature, plus every hand-named seed (reproducers, hand-made
    # cases: anything not named by its SHA-1 as libFuzzer names its finds).
    rm -rf "$dir/min"
    mkdir -p "$dir/min"
    if "$bin" -merge=1 "$dir/min" "$corpus" "$dir/new" >"$dir/merge.log" 2>&1; then
      for f in "$corpus"/*; do
        b=$(basename "$f")
        if ! echo "$b" | grep -Eq '^[0-9a-f]{40}$'; then
          rm -f "$dir/min/$(sha1sum <"$f" | cut -c1-40)" # kept under its own name instead
          cp "$f" "$dir/min/$b"
        fi
      done
      rm -f "$corpus"/*
      cp "$dir/min"/* "$corpus"/
    fi
  fi
  after=$(ls "$corpus" | wc -l)
  echo "fuzz $t: ${secs}s, ${execs:-?} executions, cov ${cov:-?}, ft ${ft:-?}, corpus $before -> $after, findings $findings"
  echo "| $t | $secs | ${execs:-?} | ${cov:-?} | ${ft:-?} | $before -> $after | $findings |" >>"$summary"
done
echo "summary: $summary"
exit $found_any
