#!/usr/bin/env bash
# Set up everything and run the main job on the bundled example media:
# build libhashmatch and hashcheck, then hash the reference photo and its
# edited copies (blur, contrast, shrink, crop, rotations) with PDQ, pHash
# and MD5.  Matching against hash lists arrives with the index (issue 3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DHM_BUILD_BENCH=OFF >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
media=tests/data/pdq-reference/threatexchange/pdq/data
echo "file,type,hash,quality"
./build/tools/hashcheck hash --types pdq,phash,md5 \
  "$media"/reg-test-input/dih/bridge-1-original.jpg \
  "$media"/bridge-mods/*.jpg \
  "$media"/reg-test-input/dih/bridge-2-rotate-90.jpg
