#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The matching-index benchmark of issue #3, end to end:
#   bash bench/run_index.sh [--quick] [--cpu C] [--sizes N,N] [--no-real]
#                           [--no-peers] [--no-pybktree] [--budget S]
#
# 1. builds bench_index and hashcheck with the project's CMake (build dir
#    $BUILD_DIR, default build-bench/, RelWithDebInfo);
# 2. makes the real-hash set (bench/make_real_hashes.sh: frames of the
#    Debian sample videos and edits of the sample photos, hashed with
#    hashcheck; cached; skipped with a message when unavailable);
# 3. runs bench_index (synthetic sets of 1M and 10M uniform and clustered
#    PDQ and pHash codes; the real sets at their natural size, replicated
#    to 1M with small perturbations, and as byte mosaics of 1M and 10M),
#    writing the data and queries to $OUT/data;
# 4. runs the Python peers (faiss-cpu, pybktree from PyPI, in a venv at
#    $BUILD_DIR/venv; skipped with a message when PyPI is unreachable) on
#    the same files, in the same run, pinned to the same core;
# 5. prints the report (bench/report_index.py), also saved with the raw
#    TSVs in $BUILD_DIR/index-results/.
# --quick: 1M only, no replication, 1M mosaics (about 7 minutes).
# Environment: BUILD_DIR, PYTHON (to create the venv; default python3).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
PY=${PYTHON:-python3}
CPU=1 SIZES=1000000,10000000 REAL=1 PEERS=1 PYBK=1 BUDGET=1.0 REPL=1000000 MIX=1000000,10000000
CMDLINE="bash bench/run_index.sh${*:+ $*}"
while [ $# -gt 0 ]; do
    case $1 in
    --quick) SIZES=1000000; REPL=0; MIX=1000000; shift ;;
    --cpu) CPU=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --no-real) REAL=0; shift ;;
    --no-peers) PEERS=0; shift ;;
    --no-pybktree) PYBK=0; shift ;;
    --budget) BUDGET=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "run_index.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
log() { printf '[run_index.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/pin.sh"

# ---- 1. build -----------------------------------------------------------------
log "building bench_index and hashcheck in $BUILD"
if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" >/dev/null
else
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DHM_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" --target bench_index hashcheck >/dev/null
OUT=$BUILD/index-results
rm -rf "$OUT"
mkdir -p "$OUT"

# memory: the largest run (10M PDQ in faiss MultiHash, pybktree at 10M)
# needs about 4 GB; say so when there is less
avail=$(awk '/MemAvailable/ { print int($2 / 1048576) }' /proc/meminfo)
[ "$avail" -ge 8 ] || log "warning: only $avail GiB available; 10M runs may fail"

# ---- 2. real hashes ---------------------------------------------------------------
REAL_ARGS=()
if [ $REAL = 1 ]; then
    set +e
    bash "$ROOT/bench/make_real_hashes.sh" "$BUILD/tools/hashcheck" "$OUT/real"
    rc=$?
    set -e
    if [ $rc = 0 ]; then
        REAL_ARGS=(--real-pdq "$OUT/real/real-pdq.hex" --real-phash "$OUT/real/real-phash.hex")
        [ "$REPL" = 0 ] || REAL_ARGS+=(--real-replicate "$REPL")
        REAL_ARGS+=(--real-mix "$MIX")
    else
        log "real hashes unavailable; synthetic sets only"
    fi
fi

# ---- 3. peers' environment (before the timed phases) -----------------------------
VPY=$BUILD/venv/bin/python
if [ $PEERS = 1 ] && ! "$VPY" -c 'import faiss, pybktree, numpy' 2>/dev/null; then
    log "creating $BUILD/venv with faiss-cpu, pybktree, numpy from PyPI"
    if ! { "$PY" -m venv "$BUILD/venv" &&
           "$BUILD/venv/bin/pip" install -q faiss-cpu pybktree numpy; } >"$OUT/pip.log" 2>&1; then
        log "pip install failed (PyPI unreachable?): peers skipped; see $OUT/pip.log"
        PEERS=0
    fi
fi

# ---- metadata -------------------------------------------------------------------------
{
    printf 'command\t%s\n' "$CMDLINE"
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'cpu\t%s\n' "$(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p' | head -1))"
    printf 'cpus\t%s\n' "$(nproc --all)"
    printf 'caches\tL2 %s, L3 %s\n' "$(lscpu | sed -n 's/^L2 cache: *//p')" "$(lscpu | sed -n 's/^L3 cache: *//p')"
    simd=$(if grep -qw avx512_vpopcntdq /proc/cpuinfo; then echo "AVX-512 with VPOPCNTDQ"; elif grep -qw avx2 /proc/cpuinfo; then echo AVX2; else echo "no AVX2"; fi)
    printf 'cpu_flags\t%s, %s\n' "$simd" "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)"
    printf 'os\t%s, kernel %s\n' "$(. /etc/os-release && echo "$PRETTY_NAME")" "$(uname -r)"
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [ -n "$(git -C "$ROOT" status --porcelain -- lib/index include 2>/dev/null)" ]; then
        commit="$commit + uncommitted index changes"
    fi
    printf 'commit\t%s\n' "$commit"
    printf 'build_type\t%s\n' "$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")"
    cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
    printf 'cc\t%s\n' "$("${cc:-cc}" --version | head -1)"
    printf 'cpu_pin\t%s\n' "$CPU"
    printf 'budget\t%s\n' "$BUDGET"
    if [ $PEERS = 1 ]; then
        "$VPY" - <<'EOF'
import platform, importlib.metadata as md, faiss
print("python\t" + platform.python_version())
for p in ("faiss-cpu", "pybktree", "numpy"):
    print(p + "\t" + md.version(p))
print("faiss_simd\t" + faiss.get_compile_options())
EOF
    fi
} > "$OUT/meta.tsv"

# ---- 4. libhashmatch --------------------------------------------------------------------
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
log "bench_index: sizes $SIZES (pinned to CPU $CPU)"
timed "${PIN[@]}" "$BUILD/bench/bench_index" -o "$OUT" --sizes "$SIZES" \
    --budget "$BUDGET" "${REAL_ARGS[@]}"

# ---- 5. peers ------------------------------------------------------------------------------
if [ $PEERS = 1 ]; then
    log "Python peers (faiss-cpu, pybktree) on the same files"
    PARGS=()
    [ $PYBK = 1 ] || PARGS+=(--no-pybktree)
    timed "${PIN[@]}" "$VPY" "$ROOT/bench/bench_index_peers.py" "$OUT" \
        --budget "$(awk -v b="$BUDGET" 'BEGIN { print 2 * b }')" "${PARGS[@]}"
else
    printf 'peers\tskipped\n' >> "$OUT/meta.tsv"
fi

# the data files are large (about 1 GB at 10M): keep only the small ones
find "$OUT/data" -name '*.codes' -size +64M -delete

# ---- 6. report -------------------------------------------------------------------------------
other_busy_meta "$OUT/meta.tsv"
"$PY" "$ROOT/bench/report_index.py" "$OUT" > "$OUT/report.md"
log "done; raw results and report.md in $OUT"
cat "$OUT/report.md"
