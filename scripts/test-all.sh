#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Set up everything and run every test suite:
#   gcc          the C suite (ctest) with gcc, warnings as errors;
#   clang        the same suite built with clang, warnings as errors;
#   asan         the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
#   tsan         the threaded tests under ThreadSanitizer;
#   abi          the public ABI of libhashmatch.so.1 against its stored
#                baseline abi/libhashmatch.so.1.xml (scripts/check-abi.sh:
#                only additions pass);
#   noffmpeg     the build without FFmpeg (-DHM_WITH_FFMPEG=OFF) and its suite
#                (scripts/test-no-ffmpeg.sh);
#   valgrind     the main tests under valgrind memcheck (leaks, invalid accesses);
#   fuzz         every libFuzzer target for a short while (FUZZ_SECONDS, default 30);
#   oracle       the Python oracle tests (imagehash, pdqhash from PyPI) against
#                hashcheck; skipped with a message when PyPI cannot be reached;
#   python       the Python binding: pip install ./bindings/python, pytest
#                (scripts/test-python.sh);
#   spark        hashmatch.spark in Spark's local[2] and hashmatch.ray in a
#                local Ray against hashcheck (scripts/test-spark.sh: a JRE
#                from Debian, pyspark and Ray from PyPI);
#   packaging    the Python distribution: sdist and wheel, installs from a tree
#                with leftover build folders and from each artefact in a fresh
#                venv (scripts/test-python-packaging.sh);
#   go           the Go binding: build, vet, go test -race, README example,
#                static link (scripts/test-go.sh);
#   newcomer     what a newcomer does, from a clean clone
#                (scripts/test-newcomer.sh).
# Every suite runs even when an earlier one failed; the run ends with one
# line per suite (PASS, FAIL or SKIP, and its time) and the overall verdict,
# and exits 0 only when no suite failed.
# Usage: bash scripts/test-all.sh [SUITE...]   (from anywhere; default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
SKIP=77   # a suite's exit status when it could not run here (said why)

bash scripts/install-deps.sh all

build() { # dir, extra cmake args...  (tests and tools always: the folder
  local dir=$1; shift   # may hold another script's configuration)
  cmake -S . -B "$dir" -G Ninja -DHM_BUILD_TESTS=ON -DHM_BUILD_TOOLS=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

suite_gcc() {
  build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc
  ctest --test-dir build --output-on-failure -j "$jobs"
}

suite_clang() {
  build build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang
  ctest --test-dir build-clang --output-on-failure -j "$jobs"
}

suite_asan() {
  build build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
    -DHM_SANITIZE=address,undefined
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -E install_consumer
}

suite_tsan() {
  build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DHM_SANITIZE=thread
  TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure \
    -R "test_api|test_batch|test_last_error|test_index_threads|test_index_faults|test_hashcheck_batch|test_simd_init|test_tmk_index"
}

suite_abi() { bash scripts/check-abi.sh; }

suite_noffmpeg() { bash scripts/test-no-ffmpeg.sh; }

suite_valgrind() {
  # (test_video and test_index take 4-10 minutes under valgrind; they run
  # under ASan's leak checker above)  Uses the gcc build.
  [ -x build/tests/test_api ] || build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc
  local t exe args
  for t in test_hashval test_api test_reference test_decode test_transform test_persist test_ingest test_txn test_tmk_index test_tmk_persist \
           replay_image replay_hashlist replay_hashstring replay_index_load replay_tmk; do
    exe=$(find build/tests -name "$t" -type f | head -1)
    args=()
    case $t in
      replay_image) args=(tests/fuzz/corpus/image tests/fuzz/regressions/image) ;;
      replay_*) args=(tests/fuzz/corpus/${t#replay_} tests/fuzz/regressions/${t#replay_}) ;;
    esac
    echo "valgrind $t"
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
      "$exe" "${args[@]}" >/dev/null
  done
}

suite_fuzz() {
  bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
}

suite_oracle() {
  [ -x build/tools/hashcheck ] || build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc
  local venv=build/venv
  if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
  if ! "$venv/bin/pip" install -q --disable-pip-version-check \
       -r tests/python/requirements-oracle.txt pytest; then
    echo "SKIPPED: could not install the oracle packages from PyPI"
    return $SKIP
  fi
  HASHCHECK="$PWD/build/tools/hashcheck" "$venv/bin/python" -m pytest -q tests/python
}

suite_python() { bash scripts/test-python.sh; }
suite_spark() { bash scripts/test-spark.sh; }
suite_packaging() { bash scripts/test-python-packaging.sh; }
suite_go() { bash scripts/test-go.sh; }
suite_newcomer() { bash scripts/test-newcomer.sh; }

all=(gcc clang asan tsan abi noffmpeg valgrind fuzz oracle python spark packaging go newcomer)
suites=("${@:-${all[@]}}")
[ ${#suites[@]} -gt 0 ] || suites=("${all[@]}")
for s in "${suites[@]}"; do
  declare -F "suite_$s" >/dev/null || { echo "unknown suite '$s' (known: ${all[*]})" >&2; exit 2; }
done

summary=()
failed=0
for s in "${suites[@]}"; do
  printf '\n==== %s ====\n' "$s"
  start=$SECONDS
  # A subshell outside any condition, so that `set -e` holds inside it: the
  # suite stops at its first failing command, and the next suite still runs.
  set +e
  (set -euo pipefail; "suite_$s")
  rc=$?
  set -e
  t=$((SECONDS - start))
  case $rc in
    0) verdict=PASS ;;
    "$SKIP") verdict=SKIP ;;
    *) verdict=FAIL; failed=$((failed + 1)) ;;
  esac
  line=$(printf '%-4s  %-10s %4dm%02ds' "$verdict" "$s" $((t / 60)) $((t % 60)))
  if [ "$verdict" = FAIL ]; then line+="  (exit $rc)"; fi
  summary+=("$line")
done

printf '\n==== summary ====\n'
printf '%s\n' "${summary[@]}"
if [ "$failed" -eq 0 ]; then
  echo "ALL PASSED (${#suites[@]} suites, ${SECONDS}s)"
else
  echo "FAILED: $failed of ${#suites[@]} suites (${SECONDS}s)"
  exit 1
fi
