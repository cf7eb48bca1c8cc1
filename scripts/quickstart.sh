#!/bin/sh
# The README's first command: set up a fresh Debian 12 machine (apt installs
# whatever is missing), build the library and the tool, and run the main job
# on the bundled sample: `mirsafety demo`, which writes model requests, reads
# the bundled model responses and judge outputs, prints the ASR table and
# writes an HTML report to demo-out/report.html.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-debian.sh
if [ -f build/build.ninja ]; then
  meson setup --reconfigure -Dexamples=true build >/dev/null
else
  meson setup -Dexamples=true build >/dev/null
fi
ninja -C build
exec build/examples/mirsafety/mirsafety demo --out demo-out "$@"
