#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# hashmatchd against HMA's matching stack (issue #17), same machine, one run:
#   bash bench/run_hashmatchd.sh [--size N] [--duration S] [--conns "2 8 32"]
#                                [--upload-conns "2 8"] [--reloads R]
#                                [--no-hma] [--no-reloads] [--no-hashmatchd]
#
# 1. builds hashmatchd (scripts/build-go.sh, then go build into
#    $BUILD_DIR, default build-bench/), installs wrk (Debian) when missing,
#    and makes a venv ($BUILD_DIR/hma-venv) with HMA's matching stack from
#    PyPI (bench/hma_stack/requirements.txt: python-threatexchange, whose
#    faiss PDQ index HMA uses, Flask, gunicorn);
# 2. makes the data (bench/hma_stack/make_data.py; cached in
#    $BUILD_DIR/hmad/<size>/): N random PDQ hashes with planted
#    near-duplicates of 1,000 query hashes and the PDQ hashes of the 23
#    class-M photos of the corpus (bench/fetch_corpus.sh), as a hash list;
#    hashmatchd's index file made from it (a first start with --index and
#    --list); HMA's pickled pytx index (bench/hma_stack/app.py build);
# 3. hashmatchd (--no-auth, defaults otherwise): RSS of an empty server,
#    RSS and seconds to load the index, GET /m/lookup at each --conns,
#    POST /m/lookup (photo upload, types=pdq) at each --upload-conns, then R
#    SIGHUP reloads with lookups running (wrk, 8 connections): RSS before
#    and after each reload, the statuses the lookups got;
# 4. HMA's stack (bench/hma_stack/app.py under gunicorn, 2 sync workers,
#    each unpickling the index as HMA's matchers do), twice: as shipped
#    (faiss's OpenMP threads = CPUs) and with OMP_NUM_THREADS=1: RSS of
#    all its processes, the same lookups and uploads;
# 5. prints the report (bench/hma_stack/report.py), saved with the raw TSV
#    in $BUILD_DIR/hmad-results/<size>/.
# wrk runs on the same machine as the servers (2 threads, unpinned): it
# takes CPU from them, as in the issue's setup. Each measured phase holds
# $BENCH_LOCK (flock) when its folder exists, so that benchmarks of
# other sessions do not run at the same time; /proc/loadavg is recorded
# before each measurement.
# --no-hashmatchd skips step 3 and adds to the results of an earlier run.
# Environment: BUILD_DIR, PYTHON (to create the venv; default python3),
# BENCH_LOCK (the lock file, default /work/bench.lock), SETTLE (seconds
# without requests before the RSS samples around the reloads, default 15).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
PY=${PYTHON:-python3}
SIZE=10000000 DUR=10 CONNS="2 8 32" UPCONNS="2 8" RELOADS=100 HMA=1 DORELOAD=1 HMD_PHASE=1
SETTLE=${SETTLE:-15} # seconds without requests before the settled RSS samples
CMDLINE="bash bench/run_hashmatchd.sh${*:+ $*}"
while [ $# -gt 0 ]; do
    case $1 in
    --size) SIZE=$2; shift 2 ;;
    --duration) DUR=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --upload-conns) UPCONNS=$2; shift 2 ;;
    --reloads) RELOADS=$2; shift 2 ;;
    --no-hma) HMA=0; shift ;;
    --no-reloads) DORELOAD=0; shift ;;
    --no-hashmatchd) HMD_PHASE=0; shift ;;
    -h|--help) sed -n '2,38p' "$0"; exit 0 ;;
    *) echo "run_hashmatchd.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
log() { printf '[run_hashmatchd.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT # no server outlives the run
STACK=$ROOT/bench/hma_stack
HMD_PORT=5791 HMA_PORT=5792
LOCK=${BENCH_LOCK:-/work/bench.lock}

# ---- 1. build and tools -------------------------------------------------------
command -v wrk >/dev/null || { log "installing wrk (apt-get)"; apt-get install -y wrk >/dev/null; }
command -v curl >/dev/null || { log "installing curl (apt-get)"; apt-get install -y curl >/dev/null; }
log "building hashmatchd (scripts/build-go.sh) into $BUILD"
mkdir -p "$BUILD"
bash "$ROOT/scripts/build-go.sh" "$ROOT/build/prefix-go" >/dev/null
. "$ROOT/scripts/go-env.sh"
pc=$(find "$ROOT/build/prefix-go" -name hashmatch.pc | head -n 1)
(cd "$ROOT/bindings/go" && PKG_CONFIG_PATH="$(dirname "$pc")" "$GO" build -o "$BUILD/hashmatchd" ./cmd/hashmatchd)
HMD=$BUILD/hashmatchd
VENV=$BUILD/hma-venv
if [ "$HMA" = 1 ] || [ ! -x "$VENV/bin/python" ]; then
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    log "HMA's stack from PyPI into $VENV"
    "$VENV/bin/pip" install -q -r "$STACK/requirements.txt"
fi
VPY=$VENV/bin/python

# ---- 2. data ----------------------------------------------------------------
DATA=$BUILD/hmad/$SIZE
OUT=$BUILD/hmad-results/$SIZE
mkdir -p "$OUT"
TSV=$OUT/results.tsv
[ "$HMD_PHASE" = 0 ] && [ -s "$TSV" ] || printf 'server\tphase\tkey\tvalue\n' >"$TSV"
rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$TSV"; }
if [ ! -s "$DATA/queries.txt" ]; then
    photos=$OUT/photos.txt
    bash "$ROOT/bench/fetch_corpus.sh" | awk '$1 == "M" { print $2 }' >"$photos"
    [ -s "$photos" ] || { log "no corpus photos (bench/fetch_corpus.sh)"; exit 1; }
    log "making $SIZE hashes in $DATA"
    rm -rf "$DATA"
    "$VPY" "$STACK/make_data.py" --size "$SIZE" --photos "$photos" "$DATA"
fi

rss() { awk '/^VmRSS:/ { printf "%d\n", $2 * 1024 }' "/proc/$1/status"; }
# port_free PORT: fail when something answers there already (another run)
port_free() {
    if curl -s -o /dev/null "http://127.0.0.1:$1/status"; then
        log "port $1 is in use (another run?)"; return 1
    fi
}
metric() { # port name: a gauge of /metrics
    curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { printf "%d", $2 }'
}
wait_ready() { # port pid seconds
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        curl -sf "http://127.0.0.1:$1/status" >/dev/null 2>&1 && return 0
        kill -0 "$2" 2>/dev/null || { log "server $2 exited"; return 1; }
        sleep 0.1
    done
    log "server on port $1 not ready after $3 s"; return 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# run_wrk SERVER PHASE PORT MODE PATH CONNS DURATION: one wrk run, recorded
run_wrk() {
    local line threads=2
    [ "$6" -lt 2 ] && threads=1
    rec "$1" "$2" loadavg "$(cut -d' ' -f1-3 /proc/loadavg)"
    line=$(WRK_MODE=$4 WRK_PATH=$5 WRK_QUERIES=$DATA/queries.txt WRK_PHOTOS=$DATA/photos.txt \
        wrk -t"$threads" -c"$6" -d"$7"s -s "$STACK/wrk.lua" "http://127.0.0.1:$3" | grep '^RESULT')
    rec "$1" "$2" wrk "${line#RESULT }"
    log "$1 $2: ${line#RESULT }"
}

if [ ! -s "$DATA/hashmatchd.hmi" ]; then
    log "hashmatchd: index file from the list"
    rm -f "$DATA/hashmatchd.hmi" "$DATA/hashmatchd.hmi.banks.json"
    port_free $HMD_PORT
    "$HMD" --no-auth --listen 127.0.0.1:$HMD_PORT --index "$DATA/hashmatchd.hmi" \
        --list "$DATA/list.csv" 2>"$OUT/hashmatchd-build.log" &
    pid=$!
    wait_ready $HMD_PORT $pid 1200
    n=$(metric $HMD_PORT 'hashmatchd_index_entries{type="pdq"}')
    stop $pid
    [ "$n" = "$SIZE" ] || { log "the index file has $n PDQ entries, not $SIZE"; rm -f "$DATA/hashmatchd.hmi"; exit 1; }
fi
if [ "$HMA" = 1 ] && [ ! -s "$DATA/pytx-pdq-index.pickle" ]; then
    log "HMA: building and pickling python-threatexchange's PDQ index"
    "$VPY" "$STACK/app.py" build "$DATA"
fi

# ---- 3. hashmatchd ------------------------------------------------------------
hashmatchd_phase() {
    local pid t0 t1 c i gen before after wpid
    log "hashmatchd: empty server"
    port_free $HMD_PORT
    "$HMD" --no-auth --listen 127.0.0.1:$HMD_PORT 2>"$OUT/hashmatchd-empty.log" &
    pid=$!
    wait_ready $HMD_PORT $pid 10
    run_wrk hashmatchd empty-warmup $HMD_PORT lookup /m/lookup 8 2
    rec hashmatchd empty rss "$(rss $pid)"
    stop $pid

    log "hashmatchd: loading the index"
    port_free $HMD_PORT
    t0=$(date +%s.%N)
    "$HMD" --no-auth --listen 127.0.0.1:$HMD_PORT --index "$DATA/hashmatchd.hmi" \
        2>"$OUT/hashmatchd.log" &
    pid=$!
    wait_ready $HMD_PORT $pid 600
    t1=$(date +%s.%N)
    rec hashmatchd load seconds "$(echo "$t1 - $t0" | bc)"
    rec hashmatchd load rss "$(rss $pid)"
    rec hashmatchd load index_bytes "$(metric $HMD_PORT hashmatchd_index_bytes)"
    rec hashmatchd load entries "$(metric $HMD_PORT 'hashmatchd_index_entries{type="pdq"}')"
    run_wrk hashmatchd warmup $HMD_PORT lookup /m/lookup 8 2
    rec hashmatchd warmup rss "$(rss $pid)"
    for c in $CONNS; do run_wrk hashmatchd lookup-c$c $HMD_PORT lookup /m/lookup "$c" "$DUR"; done
    rec hashmatchd after-lookups rss "$(rss $pid)"
    for c in $UPCONNS; do run_wrk hashmatchd upload-c$c $HMD_PORT upload '/m/lookup?types=pdq' "$c" "$DUR"; done
    rec hashmatchd after-uploads rss "$(rss $pid)"

    if [ "$DORELOAD" = 1 ]; then
        log "hashmatchd: $RELOADS reloads (SIGHUP) with lookups running"
        # settled: no request for SETTLE s (Go returns freed heap to the
        # system over minutes, in steps), the same before and after
        sleep "$SETTLE"
        rec hashmatchd before-reloads-settled rss "$(rss $pid)"
        rec hashmatchd reloads loadavg "$(cut -d' ' -f1-3 /proc/loadavg)"
        WRK_MODE=lookup WRK_PATH=/m/lookup WRK_QUERIES=$DATA/queries.txt \
            wrk -t2 -c8 -d3600s -s "$STACK/wrk.lua" "http://127.0.0.1:$HMD_PORT" >"$OUT/reload-wrk.txt" &
        wpid=$!
        sleep 2
        for ((i = 1; i <= RELOADS; i++)); do
            before=$(rss $pid)
            t0=$(date +%s.%N)
            kill -HUP $pid
            # generation i + 1 is in service once the reload is done
            until gen=$(metric $HMD_PORT hashmatchd_index_generation) && [ "${gen:-0}" -ge $((i + 1)) ]; do
                kill -0 $pid || { log "hashmatchd died during reload $i"; return 1; }
                sleep 0.05
            done
            t1=$(date +%s.%N)
            after=$(rss $pid)
            rec hashmatchd reload "$i" "$before $after $(echo "$t1 - $t0" | bc)"
        done
        sleep 2
        kill -INT $wpid
        wait $wpid || true
        rec hashmatchd reloads wrk "$(sed -n 's/^RESULT //p' "$OUT/reload-wrk.txt")"
        rec hashmatchd reloads failed "$(metric $HMD_PORT 'hashmatchd_reloads_total{result="failed"}')"
        rec hashmatchd after-reloads rss "$(rss $pid)"
        sleep "$SETTLE"
        rec hashmatchd after-reloads-settled rss "$(rss $pid)"
    fi
    stop $pid
}
# A phase runs in this shell while flock holds $LOCK on file descriptor 9.
run_locked() {
    if [ -d "$(dirname "$LOCK")" ]; then
        exec 9>>"$LOCK"
        flock 9
        "$@"
        flock -u 9
        exec 9>&-
    else
        "$@"
    fi
}
[ "$HMD_PHASE" = 0 ] || run_locked hashmatchd_phase

# ---- 4. HMA's stack -----------------------------------------------------------
hma_phase() { # label, then environment assignments for gunicorn
    local label=$1 pid c n pids total
    shift
    log "HMA ($label): gunicorn, 2 sync workers, loading the pickled index"
    port_free $HMA_PORT
    env "$@" HMA_BENCH_DATA="$DATA" "$VENV/bin/gunicorn" --chdir "$STACK" \
        --bind 127.0.0.1:$HMA_PORT --workers 2 --timeout 600 --no-control-socket \
        'app:create_app()' 2>"$OUT/hma-$label.log" &
    pid=$!
    # ready when both workers have loaded their copy of the index
    for ((n = 0; n < 12000; n++)); do
        [ "$(grep -c 'index of' "$OUT/hma-$label.log")" -ge 2 ] && break
        kill -0 $pid || { log "gunicorn exited"; cat "$OUT/hma-$label.log" >&2; return 1; }
        sleep 0.1
    done
    wait_ready $HMA_PORT $pid 60
    rec "hma-$label" load seconds "$(grep -o 'loaded in [0-9.]*' "$OUT/hma-$label.log" | awk '{ print $3 }' | sort -n | tail -1)"
    pids="$pid $(pgrep -P $pid | tr '\n' ' ')"
    total=0
    for p in $pids; do total=$((total + $(rss $p))); done
    rec "hma-$label" load rss "$total"
    run_wrk "hma-$label" warmup $HMA_PORT lookup /m/lookup 8 3
    for c in $CONNS; do run_wrk "hma-$label" lookup-c$c $HMA_PORT lookup /m/lookup "$c" "$DUR"; done
    for c in $UPCONNS; do run_wrk "hma-$label" upload-c$c $HMA_PORT upload /m/lookup "$c" "$DUR"; done
    total=0
    for p in $pids; do total=$((total + $(rss $p))); done
    rec "hma-$label" after-uploads rss "$total"
    stop $pid
}
if [ "$HMA" = 1 ]; then
    run_locked hma_phase default
    run_locked hma_phase omp1 OMP_NUM_THREADS=1
fi

# ---- 5. report ----------------------------------------------------------------
{
    printf 'size\t%s\nduration\t%s\ncommand\t%s\nnproc\t%s\ncpu\t%s\ncommit\t%s\ndate\t%s\n' \
        "$SIZE" "$DUR" "$CMDLINE" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
        "$(git -C "$ROOT" rev-parse --short HEAD)" "$(date -u '+%Y-%m-%d %H:%M UTC')"
    "$VENV/bin/pip" freeze 2>/dev/null | grep -iE '^(threatexchange|faiss-cpu|flask|gunicorn|numpy)=' | sed 's/==/\t/; s/^/pkg:/'
} >"$OUT/meta.tsv"
"$VPY" "$STACK/report.py" "$OUT" | tee "$OUT/report.md"
