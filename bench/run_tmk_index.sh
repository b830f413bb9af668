#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# TMK+PDQF entries in the index (issue #16; RESULTS.md, "TMK index"):
#   bash bench/run_tmk_index.sh [--runs R] [--cpu C] [--n N[,N...]]
#                               [--batch B] [--dir DIR]
#
# 1. builds bench_tmk_index with the project's CMake (build dir
#    $BUILD_DIR, default build-tbench/, RelWithDebInfo);
# 2. for each N (default 10000), R times (default 3), pinned to one core
#    (taskset -c C, default 1): bench_tmk_index -n N -b B on the 14
#    reference .tmk files (tests/data/tmk/expected/tmk), in batches of B
#    entries (default one batch; a batch holds B x 257 KiB in memory until
#    it is saved), its index file in DIR (default /tmp; N entries take
#    N x 263 KB there: check df), deleted after each run;
# 3. prints, per N, each figure's median over the runs (the lower middle
#    one for an even count) and its range, with the other cores' busy
#    share and the load average (others' work competes for memory
#    bandwidth and the disk); raw output in $BUILD_DIR/tmk-index-results/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-tbench}
RUNS=3 CPU=1 NS=10000 BATCH=0 DIR=/tmp
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --cpu) CPU=$2; shift 2 ;;
    --n) NS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "run_tmk_index.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
log() { printf '[run_tmk_index.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/pin.sh"

log "building bench_tmk_index in $BUILD"
if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" >/dev/null
else
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DHM_BUILD_TESTS=OFF -DHM_BUILD_TOOLS=OFF >/dev/null
fi
"${PIN[@]}" cmake --build "$BUILD" --target bench_tmk_index >/dev/null
BIN=$BUILD/bench/bench_tmk_index
OUT=$BUILD/tmk-index-results
rm -rf "$OUT"
mkdir -p "$OUT"
FILE=$DIR/bench_tmk_index.$$.hmi
trap 'rm -f "$FILE" "$FILE".tmp.*' EXIT

for n in ${NS//,/ }; do
    need=$((n * 263344 / 1000000 + 100))
    avail=$(df -Pm "$DIR" | awk 'NR == 2 { print $4 }')
    if [ "$avail" -lt $((need * 2)) ]; then
        log "SKIP N=$n: its file needs ${need} MB, $DIR has ${avail} MB free"
        continue
    fi
    for r in $(seq 1 "$RUNS"); do
        log "N=$n run $r/$RUNS"
        timed "${PIN[@]}" "$BIN" -n "$n" -b "$BATCH" -f "$FILE" \
            "$ROOT"/tests/data/tmk/expected/tmk/*.tmk > "$OUT/n$n.run$r.txt"
        rm -f "$FILE"
    done
done
other_busy_meta "$OUT/meta.tsv"

echo "# bench_tmk_index: median over $RUNS runs [min .. max]"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, pinned to CPU $CPU"
sed 's/\t/ /' "$OUT/meta.tsv" | sed 's/^/# /'
for n in ${NS//,/ }; do
    ls "$OUT"/n"$n".run*.txt >/dev/null 2>&1 || continue
    echo "## N=$n"
    cat "$OUT"/n"$n".run*.txt | awk '
        $2 ~ /^-?[0-9.]+$/ { v[$1] = v[$1] " " $2; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
        $2 !~ /^-?[0-9.]+$/ { s[$1] = s[$1] " " $2; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
        END {
            for (i = 1; i <= k; i++) {
                key = order[i]
                if (key in s) { print key ":" s[key]; continue }
                m = split(v[key], a, " ")
                for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] + 0 < a[x] + 0) { t = a[x]; a[x] = a[y]; a[y] = t }
                printf "%s %s [%s .. %s]\n", key, a[int((m + 1) / 2)], a[1], a[m]
            }
        }'
done
