#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The data-engine tests of the Python binding (docs/spark.md):
#   1. a Java runtime from Debian (scripts/install-deps.sh spark) and a
#      virtual environment build-spark/venv with pyspark, pyarrow, pandas
#      from PyPI (tests/python/requirements-spark.txt), Ray Data
#      (requirements-ray.txt), and the binding (pip install ./bindings/python);
#   2. hashcheck, to compare with (build/tools/hashcheck, built here when
#      missing);
#   3. pytest on tests/spark: hashmatch.spark in Spark's local[2] and
#      hashmatch.ray in a local Ray, a folder of test media with bad files
#      hashed and matched against the example list, equal to hashcheck.
#      The Arrow layer both use has its own tests in the binding's suite
#      (bindings/python/tests/test_arrow.py, scripts/test-python.sh).
# PyPI must be reachable: pyspark is not packaged by Debian.  Without it
# the script says so and exits 77 (test-all.sh reports the suite SKIP).
# A Ray that fails to install (a platform without its wheels) skips the
# Ray test with a message; Spark's tests are then still required.
# Usage: bash scripts/test-spark.sh        (from anywhere in a checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=build-spark

step() { printf '\n==== %s ====\n' "$*"; }

bash scripts/install-deps.sh build python spark test

step "Python environment ($out/venv)"
venv=$out/venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
py=$root/$venv/bin/python
pipq() { "$py" -m pip -q --disable-pip-version-check --retries 2 --timeout 60 "$@"; }
if ! pipq install -r tests/python/requirements-spark.txt; then
  echo "SKIPPED: pyspark, pyarrow or pandas cannot be installed from PyPI" \
       "(tests/python/requirements-spark.txt)" >&2
  exit 77
fi
export HM_REQUIRE_SPARK=1
if pipq install -r tests/python/requirements-ray.txt -c tests/python/requirements-spark.txt; then
  export HM_REQUIRE_RAY=1
else
  echo "Ray Data could not be installed: its test will be skipped" >&2
fi
pipq install ./bindings/python

step "hashcheck"
if [ ! -x build/tools/hashcheck ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHM_BUILD_TOOLS=ON >/dev/null
  cmake --build build -j "$(nproc)" --target hashcheck
fi

step "tests/spark"
java -version 2>&1 | head -n 1
# the tests' Spark workers run this interpreter (PYSPARK_PYTHON)
HASHCHECK=$root/build/tools/hashcheck "$py" -m pytest -q -rs -p no:cacheprovider tests/spark
