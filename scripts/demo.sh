#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Set up everything and run the main job on the bundled example media:
#   1. install the build dependencies (apt-get) and build libhashmatch and
#      hashcheck;
#   2. build an index of known content: the bundled example hash list
#      (tests/data/example/known.csv: PDQ, pHash and MD5 of two photos) and
#      a known video;
#   3. put a folder of "uploads" together: the known photo, edited copies
#      of it (blur, contrast, saturation, sharpening, shrinking, crops), a
#      rotated copy, a mirrored copy, unrelated images, a rotated re-encode
#      of the known video, an unrelated video;
#   4. scan the folder against the index on every CPU and print what
#      matched, then the same result for one file as a JSON line.
# Usage: bash scripts/demo.sh     (BUILD=dir to build elsewhere than build/)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
bash scripts/install-deps.sh build
cmake -S . -B "$build" -G Ninja -DHM_BUILD_TESTS=OFF -DHM_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
hc=$build/tools/hashcheck
photos=tests/data/pdq-reference/threatexchange/pdq/data
videos=tests/data/video

echo "== known content: example hash list and a known video"
"$hc" index build -o "$build/example.hmi" tests/data/example/known.csv \
  --video "$videos/test-padded-dimensions.mp4"

echo
echo "== uploads"
up=$build/demo-uploads
rm -rf "$up"
mkdir -p "$up/photos/edited" "$up/photos/other" "$up/videos"
cp "$photos"/reg-test-input/dih/bridge-1-original.jpg "$up/photos/"
cp "$photos"/bridge-mods/*.jpg "$up/photos/edited/"
cp "$photos"/reg-test-input/dih/bridge-2-rotate-90.jpg \
   "$photos"/reg-test-input/dih/bridge-6-flipy.jpg "$up/photos/edited/"
cp "$photos"/reg-test-input/pen-and-coaster.png "$photos"/misc-images/wee.jpg \
   "$photos"/reg-test-input/labelme-subset/q0122.jpg "$up/photos/other/"
cp "$videos"/rotated-90.mp4 "$videos"/cockatoo.mp4 "$up/videos/"
find "$up" -type f | sort

echo
echo "== hashcheck match --index $build/example.hmi --dihedral --format text $up"
status=0
"$hc" match --index "$build/example.hmi" --dihedral --format text "$up" || status=$?
# exit status 1 means "something matched", which is the expected outcome here
[ "$status" -eq 1 ]

echo
echo "== the same for one file, as a JSON line (the default output)"
"$hc" match --index "$build/example.hmi" --dihedral -q \
  "$up/photos/edited/bridge-2-rotate-90.jpg" || [ $? -eq 1 ]
