#!/bin/sh
# Installs, with apt, everything libmirsafety needs to build, test and run its
# bindings on Debian 12. Idempotent; needs root (or sudo). Packages already
# present are left alone, so a machine that has them does not touch the network.
set -eu
pkgs="meson ninja-build pkg-config gcc clang lld libclang-rt-14-dev libcjson-dev libpng-dev libjpeg-dev libturbojpeg0-dev libdeflate-dev zlib1g-dev \
python3 python3-pytest python3-numpy python3-scipy python3-pil python3-jinja2 python3-clang-14 python3-distributed python3-venv \
python3-torch python3-mypy libcurl4-openssl-dev \
clang-format binutils abigail-tools chromium cargo"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# cargo may come from rustup rather than apt.
case " $missing " in *" cargo "*) command -v cargo >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ cargo//') ;; esac
if [ -n "$missing" ]; then
  echo "setup: installing:$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
