#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what libhashmatch needs to build and test on Debian 12 (bookworm)
# or a derivative.  Runs apt-get as root (or through sudo when available).
set -euo pipefail
SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
pkgs=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libxxhash-dev
  libjpeg62-turbo-dev libturbojpeg0-dev libpng-dev libwebp-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
  ffmpeg valgrind
  python3 python3-pip python3-venv
  go-md2man python3-jsonschema   # hashcheck's man page; its JSON schema test
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
