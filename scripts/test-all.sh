#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Set up everything and run every test:
#   1. the C suite (ctest) with gcc, warnings as errors;
#   2. the same suite built with clang, warnings as errors;
#   3. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
#   4. the threaded tests under ThreadSanitizer;
#   5. the main tests under valgrind memcheck (leaks and invalid accesses);
#   6. every libFuzzer target for a short while (FUZZ_SECONDS, default 30);
#   7. the Python oracle tests (imagehash, pdqhash from PyPI) against
#      hashcheck, skipped with a message when PyPI cannot be reached;
#   8. the Python binding: pip install ./bindings/python, pytest
#      (scripts/test-python.sh);
#   9. the Go binding: go vet, go test -race (scripts/test-go.sh).
# Usage: bash scripts/test-all.sh      (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

bash scripts/install-deps.sh

step() { printf '\n==== %s ====\n' "$*"; }

build() { # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

step "gcc build and tests"
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc
ctest --test-dir build --output-on-failure -j "$jobs"

step "clang build and tests"
build build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang
ctest --test-dir build-clang --output-on-failure -j "$jobs"

step "ASan + UBSan"
build build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DHM_SANITIZE=address,undefined
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -E install_consumer

step "ThreadSanitizer"
build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DHM_SANITIZE=thread
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure \
  -R "test_api|test_index_threads|test_index_faults|test_hashcheck_batch"

step "valgrind memcheck"
# (test_video and test_index take 4-10 minutes under valgrind; they run
# under ASan's leak checker above)
for t in test_hashval test_api test_reference test_decode test_transform test_persist test_ingest test_txn \
         replay_image replay_hashlist replay_hashstring replay_index_load; do
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

step "fuzzing each target for ${FUZZ_SECONDS:-30} s"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"

step "Python oracle tests (imagehash, pdqhash)"
venv=build/venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
if "$venv/bin/pip" install -q --disable-pip-version-check \
     -r tests/python/requirements-oracle.txt pytest; then
  HASHCHECK="$PWD/build/tools/hashcheck" "$venv/bin/python" -m pytest -q tests/python
else
  echo "SKIPPED: could not install the oracle packages from PyPI"
fi

step "Python binding (bindings/python): pip install, pytest"
bash scripts/test-python.sh

step "Go binding (bindings/go): vet, go test -race"
bash scripts/test-go.sh
