#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The build without FFmpeg (cmake -DHM_WITH_FFMPEG=OFF), for index-only
# users: configure, build and run its ctest suite in build-noffmpeg/, with
# pkg-config allowed to see only the libraries that build may use (so any
# FFmpeg lookup fails the configure), and check that no object of the
# library includes an FFmpeg header.  About 45 s of CPU: 30 s on an idle
# 2-core machine (ctest 19 s of it).
#   bash scripts/test-no-ffmpeg.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-noffmpeg}
jobs=$(nproc 2>/dev/null || echo 2)

# a pkg-config search path holding only the non-FFmpeg modules
pcdir=$(mktemp -d)
trap 'rm -rf "$pcdir"' EXIT
for m in libjpeg libpng libwebp libwebpdemux libsharpyuv libxxhash libcrypto zlib; do
  if p=$(pkg-config --path "$m" 2>/dev/null); then ln -s "$p" "$pcdir/"; fi
done
PKG_CONFIG_LIBDIR=$pcdir PKG_CONFIG_PATH= \
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHM_WITH_FFMPEG=OFF >/dev/null
cmake --build "$dir" -j "$jobs"
# `ninja -t deps`: an object line, then the files it includes, indented
bad=$(ninja -C "$dir" -t deps | awk '
  /^[^ ]/ { obj = ($1 ~ /^CMakeFiles\/hashmatch_objects\.dir\//) ? $1 : "" }
  /^ / && obj != "" && /\/(libavcodec|libavformat|libavutil|libswscale|libavfilter)\// { print obj; obj = "" }')
if [ -n "$bad" ]; then
  echo "test-no-ffmpeg.sh: these library objects include FFmpeg headers:" $bad >&2
  exit 1
fi
ctest --test-dir "$dir" --output-on-failure -j "$jobs"
