#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Spark benchmark of issue #19, end to end:
#   bash bench/run_spark.sh [--copies K] [--rounds R] [--cases A,B] [--lock FILE]
#
# 1. hashcheck built through the project's CMake (into build/);
# 2. a venv at $BUILD_DIR/venv (default build-spark-bench/) with pyspark, pyarrow
#    and pandas as tests/python/requirements-spark.txt pins them, Pillow, numpy
#    and pdqhash as tests/python/requirements-oracle.txt does, and the binding
#    (pip install ./bindings/python), made once; delete it to rebuild the
#    binding after changing the library (pyspark needs a Java 17+ `java`);
# 3. the real photos of bench/fetch_corpus.sh (skipped with a message when
#    they cannot be had), classes L W M F S, copied K times (default 32: jobs of several seconds)
#    into one folder ($BUILD_DIR/spark-results/photos);
# 4. R rounds (default 3), interleaved, of: hashcheck hash -j 1 and -j 2,
#    a row-at-a-time PySpark UDF (Pillow + pdqhash) and
#    hashmatch.spark.hash_images on local[1] and local[2], all over that
#    folder (bench/bench_spark.py says how each is timed and checked);
#    with --lock FILE, under `flock FILE` (other benchmarks on the machine
#    take the same lock);
# 5. the report (bench/bench_spark.py report), saved with the raw JSON in
#    $BUILD_DIR/spark-results/. Exit status 1 when a job missed rows, gave
#    a null hash or an error row.
# Environment: BUILD_DIR, PYTHON (to create the venv; default python3).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-spark-bench}
PY=${PYTHON:-python3}
COPIES=32 ROUNDS=3 CASES= LOCK=
CMDLINE="bash bench/run_spark.sh${*:+ $*}"
while [ $# -gt 0 ]; do
    case $1 in
    --copies) COPIES=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    --lock) LOCK=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "run_spark.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
log() { printf '[run_spark.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
. "$ROOT/bench/meta.sh"

# ---- 1. hashcheck -------------------------------------------------------------------
log "building hashcheck (build/)"
[ -f "$ROOT/build/build.ninja" ] || [ -f "$ROOT/build/Makefile" ] ||
    cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j2 --target hashcheck >/dev/null
HASHCHECK=$ROOT/build/tools/hashcheck

# ---- 2. environment -------------------------------------------------------------------
command -v java >/dev/null || { log "no java on PATH (pyspark needs a JRE 17+): skipped"; exit 0; }
VPY=$BUILD/venv/bin/python
mkdir -p "$BUILD"
if ! "$VPY" -c 'import pyspark, pyarrow, pdqhash, PIL, hashmatch' 2>/dev/null; then
    log "creating $BUILD/venv: pyspark, pdqhash from PyPI, the binding from this checkout"
    "$PY" -m venv "$BUILD/venv"
    pipq() { "$VPY" -m pip install -q --disable-pip-version-check "$@"; }
    # the tests' pyspark, pyarrow and pandas; Pillow, numpy and pdqhash as
    # the oracle pins them (pdqhash 0.2.8 needs numpy 1.x: pyarrow < 21)
    pipq -r "$ROOT/tests/python/requirements-spark.txt" pillow pdqhash \
         -c "$ROOT/tests/python/requirements-oracle.txt"
    pipq "$ROOT/bindings/python"
fi
OUT=$BUILD/spark-results
rm -rf "$OUT"
mkdir -p "$OUT"

machine_meta "$ROOT" "$CMDLINE" > "$OUT/meta.tsv"

# ---- 3. photos ------------------------------------------------------------------------
rc=0
bash "$ROOT/bench/fetch_corpus.sh" "$OUT/corpus.tsv" || rc=$?
if [ $rc != 0 ] && [ $rc != 3 ]; then
    log "no corpus (bench/fetch_corpus.sh exit $rc): Spark benchmark skipped"
    exit 0
fi
"$VPY" "$ROOT/bench/bench_spark.py" prepare "$OUT" --corpus "$OUT/corpus.tsv" --copies "$COPIES"

# ---- 4. the timed rounds ----------------------------------------------------------------
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
run=("$VPY" "$ROOT/bench/bench_spark.py" run "$OUT" --rounds "$ROUNDS" --hashcheck "$HASHCHECK"
     ${CASES:+--cases "$CASES"})
if [ -n "$LOCK" ]; then
    log "waiting for $LOCK"
    flock "$LOCK" "${run[@]}"
else
    "${run[@]}"
fi

# ---- 5. report ----------------------------------------------------------------------------
rc=0
"$VPY" "$ROOT/bench/bench_spark.py" report "$OUT" > "$OUT/report.md" || rc=$?
log "done; raw results and report.md in $OUT"
cat "$OUT/report.md"
[ $rc = 0 ] || log "FAILED: a job missed rows, gave null hashes or errors (see the report)"
exit $rc
