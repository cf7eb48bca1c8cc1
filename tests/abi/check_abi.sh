#!/bin/sh
# Diffs the built library's ABI against the committed baseline (scripts/update-abi-baseline.sh makes it).
# Fails on any change abidiff reports other than added functions, unless the soname differs from the
# baseline's: an incompatible change must come with a new soname major number. A compatible change that
# abidiff reports (a field appended to a versioned struct) is recorded by running the script in the same
# commit, so every layout change is a visible, reviewed diff of the baseline. (libabigail's
# has_data_members_inserted_at = end suppression would also hide a widened field: tried and dropped.)
# Exit 77 (skip) with the reason when abidiff is not installed.
# Usage: check_abi.sh LIBRARY BASELINE HEADERS_DIR
set -u
lib=$1 baseline=$2 headers=$3
if ! command -v abidiff >/dev/null 2>&1; then
  echo "SKIP: abidiff not found (apt install abigail-tools; scripts/setup-debian.sh installs it)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
abidiff --no-added-syms --drop-private-types --headers-dir2 "$headers" "$baseline" "$lib" >"$tmp/report" 2>&1
status=$?
base_soname=$(sed -n "s/.*soname='\([^']*\)'.*/\1/p" "$baseline" | head -n 1)
lib_soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ $((status & 3)) -ne 0 ]; then
  cat "$tmp/report"
  echo "check_abi: abidiff failed (status $status)"
  exit 1
fi
if [ "$status" -eq 0 ]; then
  echo "ABI of $lib_soname matches the baseline (added functions aside)"
  exit 0
fi
cat "$tmp/report"
if [ "$base_soname" != "$lib_soname" ]; then
  echo "check_abi: the ABI changed and so did the soname ($base_soname -> $lib_soname): accepted;"
  echo "record the new baseline with sh scripts/update-abi-baseline.sh"
  exit 0
fi
echo "check_abi: ABI change against tests/abi/libmirsafety.abi with the same soname $lib_soname."
echo "Undo it; or, for a field appended to a versioned struct (compatible), record it with"
echo "sh scripts/update-abi-baseline.sh; or, for an intended incompatible change, also raise mirs_soversion in"
echo "meson.build (docs/c-api.md, Versions and compatibility)."
exit 1
