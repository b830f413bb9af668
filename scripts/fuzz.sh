#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the libFuzzer targets (clang, ASan + UBSan) and run each for a
# while.  Usage:
#   [FUZZ_TIMEOUT=S] bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# (default 60 s, every target).  FUZZ_BUILD names the build folder (default
# build-fuzz), so that a long campaign and CI's short run can go side by
# side.  Corpora grow in build-fuzz/corpus/<target>
# (seeded from tests/fuzz/corpus and tests/data); crashes, leaks, timeouts
# and out-of-memory inputs land in build-fuzz/artifacts/<target>/ and make
# the script fail.  Copy a fixed one into tests/fuzz/regressions/<target>/
# so that ctest replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
b=${FUZZ_BUILD:-build-fuzz}
secs=${1:-60}
shift || true
all=(image image_jpeg image_png image_gif image_webp image_bmp image_tiff video hashlist hashstring index_load tmk)
targets=("${@:-${all[@]}}")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
cmake -S . -B "$b" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHM_SANITIZE=address,undefined -DHM_FUZZ=ON -DHM_BUILD_BENCH=OFF >/dev/null
cmake --build "$b" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
seeds() {
  case $1 in
    image*) echo tests/fuzz/corpus/image tests/data/pdq-reference/threatexchange/pdq/data/reg-test-input/labelme-subset ;;
    video) echo tests/data/video tests/fuzz/corpus/image ;;
    tmk) echo tests/fuzz/corpus/tmk tests/data/tmk/expected/tmk ;;
    *) echo tests/fuzz/corpus/$1 ;;
  esac
}
status=0
printf '%-12s %8s %10s %8s %s\n' target seconds execs corpus result
for t in "${targets[@]}"; do
  corpus=$b/corpus/$t art=$b/artifacts/$t
  mkdir -p "$corpus" "$art"
  log=$b/$t.log
  start=$(date +%s)
  set +e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$b"/tests/fuzz/fuzz_$t -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-20}" -rss_limit_mb=2560 \
      -max_len=$(case $t in video|tmk|index_load) echo 400000 ;; *) echo 200000 ;; esac) -print_final_stats=1 \
      -artifact_prefix="$art/" "$corpus" $(seeds "$t") >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo ?)
  result=ok
  if [ $rc -ne 0 ]; then result="FAILED (see $log, $art)"; status=1; fi
  printf '%-12s %8s %10s %8s %s\n' "$t" "$(( $(date +%s) - start ))" "$execs" \
    "$(ls "$corpus" | wc -l)" "$result"
done
exit $status
