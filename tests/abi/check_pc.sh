#!/bin/sh
# mirsafety.pc: a program linking the shared library gets its flags with no other .pc file in reach (no -dev
# package of a private dependency needed), and --static lists every library the static one needs.
# Usage: check_pc.sh DIR_WITH_MIRSAFETY_PC
set -u
pc_dir=$1
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: pkg-config not found"; exit 77; }
export PKG_CONFIG_PATH="$pc_dir" PKG_CONFIG_LIBDIR=/nonexistent
status=0
out=$(pkg-config --cflags --libs mirsafety 2>&1) || { echo "pkg-config --cflags --libs failed: $out"; status=1; }
echo "shared: $out"
case " $out " in *" -lmirsafety "*) ;; *) echo "no -lmirsafety in: $out"; status=1 ;; esac
static=$(pkg-config --static --libs mirsafety 2>&1) || { echo "pkg-config --static --libs failed: $static"; status=1; }
echo "static: $static"
for want in -lmirsafety -lcjson -lpng16 -ljpeg -lz -pthread -lm; do
  case " $static " in *" $want "*) ;; *) echo "--static lacks $want"; status=1 ;; esac
done
if grep -q 'MIRS_HAVE_LIBDEFLATE' "$pc_dir/../compile_commands.json" 2>/dev/null; then
  case " $static " in *" -ldeflate "*) ;; *) echo "--static lacks -ldeflate (the build uses libdeflate)"; status=1 ;; esac
fi
exit $status
