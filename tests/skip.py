"""Stands in for a test that cannot run in this build: prints why and exits
77, meson's code for a skipped test (see host_skip_reason in meson.build)."""
import sys

print("SKIP: " + " ".join(sys.argv[1:]))
sys.exit(77)
