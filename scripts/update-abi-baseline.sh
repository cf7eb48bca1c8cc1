#!/bin/sh
# Regenerates the committed ABI baseline tests/abi/libmirsafety.abi (libabigail's abidw) from a
# debugoptimized build of the library alone (abidw reads the types from its DWARF, so the build needs -g).
# Source locations stay in (line numbers churn in the file, abidiff ignores them): without them
# --drop-private-types cannot tell public types from private ones and a widened field goes unreported.
# This script is the only way the baseline is made. Run it when an ABI change is intended:
#   - a compatible one (an added function; a field appended to a versioned struct, which the abi test
#     already accepts) may be recorded at any time so later diffs start from it;
#   - an incompatible one (anything else: a removed or changed function, a changed field or constant-sized
#     array, a struct without struct_size that grows) also needs the soname's major number (mirs_soversion in
#     meson.build) raised in the same change; docs/c-api.md has the policy.
# The meson test 'abi-baseline' (suite abi) diffs every build's library against this file.
# Usage: sh scripts/update-abi-baseline.sh   (builds in build-abi-baseline/, created if needed: always that
# folder of the source tree, since the source paths abidw records are relative to the build folder)
set -eu
cd "$(dirname "$0")/.."
dir=build-abi-baseline
command -v abidw >/dev/null || { echo "update-abi-baseline: abidw not found (apt install abigail-tools)" >&2; exit 1; }
if [ ! -f "$dir/build.ninja" ]; then
  log=$(mktemp)
  meson setup "$dir" --buildtype=debugoptimized -Dtests=false -Dexamples=false -Dbenchmarks=false -Dbindings=false \
    >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
fi
ninja -C "$dir" >/dev/null
lib=$(ls "$dir"/lib/libmirsafety.so.*.*.* | head -n 1)
abidw --no-corpus-path --drop-private-types --drop-undefined-syms --headers-dir include/mirsafety --out-file tests/abi/libmirsafety.abi "$lib"
echo "update-abi-baseline: tests/abi/libmirsafety.abi from $lib ($(grep -o "soname='[^']*'" tests/abi/libmirsafety.abi | head -n 1))"
