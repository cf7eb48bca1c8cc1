#!/bin/sh
# Runs every test: the format check, a gcc build with warnings as errors, a
# clang AddressSanitizer+UndefinedBehaviorSanitizer build and a clang
# ThreadSanitizer build, and in each the whole meson test suite (unit, abi,
# fuzz-regression, bindings, slow; under TSan the tests that load the library
# into /usr/bin/python3 or a Rust binary are skipped with the reason printed,
# since TSan's runtime cannot be preloaded there).
# This is the README's second command and what .ci/run calls.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
sh scripts/setup-debian.sh

jobs=$(nproc 2>/dev/null || echo 2)
status=0

echo "== clang-format check"
# Generated files (bindings/tests/layout_check.c, tests/abi/versioned_structs.h) are checked by the
# regeneration test instead, so they are left out here.
files=$(git ls-files 'lib/*.c' 'lib/*.h' 'include/*.h' 'examples/*.c' 'examples/*.h' 'tests/*.c' 'tests/*.h' 'bindings/*.c' 2>/dev/null | grep -v -e '^bindings/tests/layout_check.c$' -e '^tests/abi/versioned_structs.h$' || true)
if [ -n "$files" ]; then
  if ! clang-format --dry-run --Werror $files; then
    echo "clang-format: files above need formatting (clang-format -i)"; status=1
  fi
fi

run_suite() { # name, meson setup args...
  name=$1; shift
  dir="$root/build-ci-$name"
  echo "== $name build"
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" || return 1
  echo "== $name tests"
  meson test -C "$dir" --num-processes "$jobs" --print-errorlogs --timeout-multiplier 4 || return 1
}

run_suite gcc -Dwerror=true --buildtype=debugoptimized || status=1
CC=clang run_suite asan -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug || status=1
# A data race is a failure: TSan exits 66 from any test that had one.
CC=clang run_suite tsan -Db_sanitize=thread -Db_lundef=false --buildtype=debug || status=1

# One closing line over both builds, in the form CI reads.
/usr/bin/python3 - "$root" <<'PY' || status=1
import json, sys, pathlib
passed = failed = skipped = 0
for log in sorted(pathlib.Path(sys.argv[1]).glob("build-ci-*/meson-logs/testlog.json")):
    for line in log.read_text().splitlines():
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"): passed += 1
        elif r == "SKIP": skipped += 1
        else: failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
exit $status
