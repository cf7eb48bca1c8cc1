#!/bin/sh
# Regenerates the committed low-level bindings from include/mirsafety/*.h (through libclang):
#   bindings/python/mirsafety/_ffi.py, bindings/rust/mirsafety-sys/src/bindings.rs, bindings/tests/layout_check.c,
#   tests/abi/versioned_structs.h and bindings/rust/mirsafety/src/enums.rs (the safe crate's enums and flag sets)
# Run it after changing a public header (or merging a module that did), then commit what it changed.
# The meson test 'generated-in-sync' (suite bindings) fails while they are stale.
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bindings/gen/generate.py "$@"
