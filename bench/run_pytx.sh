#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The python-threatexchange extension benchmark of issue #18, end to end:
#   bash bench/run_pytx.sh [--cpu C] [--sizes N,N] [--impls A,B] [--queries Q]
#                          [--rounds R] [--no-index] [--no-hash]
#
# 1. a venv at $BUILD_DIR/venv (default build-pytx/) with threatexchange
#    (tests/python/requirements-pytx.txt, which brings faiss-cpu; Pillow
#    and numpy pinned by tests/python/requirements-oracle.txt) and the
#    binding (pip install ./bindings/python), made once; delete it to
#    rebuild the binding after changing the library;
# 2. the PDQ index benchmark (bench/bench_pytx.py index): pytx's PDQIndex
#    and PDQIndex2 against hashmatch.pytx.PdqIndex at --sizes (default 1M
#    and 10M), Q hit and Q miss queries (default 100), each index in its
#    own process;
# 3. the hasher benchmark (bench/bench_pytx.py hash) on the real photos of
#    bench/fetch_corpus.sh (skipped with a message when they cannot be had);
# 4. the report (bench/bench_pytx.py report), saved with the raw JSON in
#    $BUILD_DIR/pytx-results/. Exit status 1 when any query's match set
#    differs between the indexes or from the planted entries, or a hash
#    differs between the hashers.
# Everything runs pinned to CPU C (default 1), with OMP_NUM_THREADS=1.
# Memory: at 10M, pytx's PDQIndex peaks at about 9 GB and PDQIndex2 at
# about 20 GB during the build; a worker is stopped (reported as failed)
# when the machine's MemAvailable falls below 1.5 GB.
# Environment: BUILD_DIR, PYTHON (to create the venv; default python3).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-pytx}
PY=${PYTHON:-python3}
CPU=1 SIZES=1000000,10000000 IMPLS= QUERIES=100 ROUNDS=5 INDEX=1 HASH=1
CMDLINE="bash bench/run_pytx.sh${*:+ $*}"
while [ $# -gt 0 ]; do
    case $1 in
    --cpu) CPU=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --impls) IMPLS=$2; shift 2 ;;
    --queries) QUERIES=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --no-index) INDEX=0; shift ;;
    --no-hash) HASH=0; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "run_pytx.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
log() { printf '[run_pytx.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/pin.sh"
. "$(dirname "${BASH_SOURCE[0]}")/meta.sh"

# ---- 1. environment ---------------------------------------------------------------
VPY=$BUILD/venv/bin/python
mkdir -p "$BUILD"
if ! "$VPY" -c 'import threatexchange, faiss, hashmatch.pytx' 2>/dev/null; then
    log "creating $BUILD/venv: threatexchange from PyPI, the binding from this checkout"
    "$PY" -m venv "$BUILD/venv"
    pipq() { "$VPY" -m pip install -q --disable-pip-version-check "$@"; }
    pipq -r "$ROOT/tests/python/requirements-pytx.txt" \
         -c "$ROOT/tests/python/requirements-oracle.txt"
    pipq "$ROOT/bindings/python"
fi
OUT=$BUILD/pytx-results
rm -rf "$OUT"
mkdir -p "$OUT"

{
    machine_meta "$ROOT" "$CMDLINE"
    printf 'cpu_pin\t%s\n' "$CPU"
} > "$OUT/meta.tsv"

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

# ---- 2. index ------------------------------------------------------------------------
if [ $INDEX = 1 ]; then
    log "PDQ indexes: sizes $SIZES, $QUERIES hit and $QUERIES miss queries (CPU $CPU)"
    timed "${PIN[@]}" "$VPY" "$ROOT/bench/bench_pytx.py" index "$OUT" --sizes "$SIZES" \
        --hit-queries "$QUERIES" --miss-queries "$QUERIES" ${IMPLS:+--impls "$IMPLS"}
fi

# ---- 3. hashers ------------------------------------------------------------------------
if [ $HASH = 1 ]; then
    rc=0
    bash "$ROOT/bench/fetch_corpus.sh" "$OUT/corpus.tsv" || rc=$?
    if [ $rc = 0 ] || [ $rc = 3 ]; then
        log "hashers: $(wc -l < "$OUT/corpus.tsv") photos, $ROUNDS rounds (CPU $CPU)"
        timed "${PIN[@]}" "$VPY" "$ROOT/bench/bench_pytx.py" hash "$OUT" \
            --corpus "$OUT/corpus.tsv" --rounds "$ROUNDS"
    else
        log "no corpus (bench/fetch_corpus.sh exit $rc): hasher benchmark skipped"
    fi
fi

# ---- 4. report -----------------------------------------------------------------------------
other_busy_meta "$OUT/meta.tsv"
rc=0
"$VPY" "$ROOT/bench/bench_pytx.py" report "$OUT" > "$OUT/report.md" || rc=$?
log "done; raw results and report.md in $OUT"
cat "$OUT/report.md"
[ $rc = 0 ] || log "FAILED: match sets or hashes differ (see the report)"
exit $rc
