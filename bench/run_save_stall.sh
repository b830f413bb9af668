#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A writer's longest wait while another thread saves a large index, and the
# load time of that index (bench/bench_save_stall.c), for this tree and,
# with --against REV, for the library of another revision built from
# `git archive REV` (the program uses the public API only):
#
#   bash bench/run_save_stall.sh [--entries N] [--dir DIR] [--against REV]
#
# Defaults: 5,000,000 PDQ entries, files in /tmp (about 300 MB each; use
# a directory on the disk you care about, the fsync is part of the save).
# Builds in $BUILD_DIR (default build-bench/).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
N=5000000 DIR=/tmp AGAINST=
while [ $# -gt 0 ]; do
  case $1 in
    --entries) N=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --against) AGAINST=$2; shift 2 ;;
    *) echo "usage: $0 [--entries N] [--dir DIR] [--against REV]" >&2; exit 2 ;;
  esac
done

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target bench_save_stall >/dev/null
echo "== this tree ($(git -C "$ROOT" rev-parse --short HEAD))"
"$BUILD/bench/bench_save_stall" "$N" "$DIR/bench_save_stall.hmi"
rm -f "$DIR/bench_save_stall.hmi"

if [ -n "$AGAINST" ]; then
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  git -C "$ROOT" archive "$AGAINST" | tar -x -C "$src"
  cmake -S "$src" -B "$src/b" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHM_BUILD_TESTS=OFF \
    -DHM_BUILD_TOOLS=OFF -DHM_BUILD_BENCH=OFF >/dev/null
  cmake --build "$src/b" -j2 >/dev/null
  cc -O2 -std=c11 -I"$src/include" "$ROOT/bench/bench_save_stall.c" -o "$src/b/bench_save_stall" \
    -L"$src/b" -lhashmatch -lpthread -Wl,-rpath,"$src/b"
  echo "== $AGAINST"
  "$src/b/bench_save_stall" "$N" "$DIR/bench_save_stall.hmi"
  rm -f "$DIR/bench_save_stall.hmi"
fi
