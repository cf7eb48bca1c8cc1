#!/bin/sh
# The library exports exactly the symbols listed in tests/abi/symbols/*.txt
# (one per line, one file per module), each with the MIRSAFETY_0 version.
set -eu
lib=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat "$dir"/*.txt | grep -v '^#' | grep -v '^$' | LC_ALL=C sort > "$tmp/want"
LC_ALL=C nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sed 's/@@MIRSAFETY_0$//' | grep -v '^MIRSAFETY_0$' | LC_ALL=C sort > "$tmp/have"
if ! diff -u "$tmp/want" "$tmp/have"; then
  echo "exported symbols differ from tests/abi/symbols (- listed, + exported)" >&2
  exit 1
fi
# Every export carries the version node.
if LC_ALL=C nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | grep -v '^MIRSAFETY_0$' | grep -qv '@@MIRSAFETY_0$'; then
  echo "an exported symbol lacks the MIRSAFETY_0 version" >&2
  exit 1
fi
echo "$(wc -l < "$tmp/want") exported symbols match"
