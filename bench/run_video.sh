#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The video-hashing benchmark of issue #4, end to end:
#   bash bench/run_video.sh [--runs N] [--cpu C] [--no-all] [--no-peers]
#                           [--no-perf]
#
# 1. builds bench_video with the project's CMake (build dir $BUILD_DIR,
#    default build-vbench/, RelWithDebInfo);
# 2. makes the test videos (bench/make_videos.sh: about 3 minutes of real
#    photos and clips at 1080p and 720p, H.264, GOP 60 and 250; cached
#    outside the tree; skipped cleanly, exit 0, when the inputs cannot be
#    fetched);
# 3. installs the peer, `vpdq` from PyPI, in a venv at $BUILD_DIR/venv (it
#    builds a C++ extension against FFmpeg: needs g++, cmake, pkg-config and
#    the libav*-dev packages including libavdevice-dev and libavfilter-dev;
#    skipped with a message when that fails);
# 4. runs, pinned to one core (taskset -c C, default 1), N rounds (default
#    5) of, on every video: libhashmatch in keyframe mode (also hashing
#    the luma plane directly, rgb_exact = 0), 1 s interval mode and every-frame mode;
#    FFmpeg's own decode through libavcodec (key packets only with
#    AVDISCARD_NONKEY; every frame); `ffmpeg -threads 1 -skip_frame nokey
#    -i F -f null -`; and vpdq.computeHash(F, seconds_per_hash=1.0,
#    thread_count=1).  The rounds interleave everything, so all of it is
#    measured side by side;
# 5. compares vpdq's hashes with ours, profiles keyframe and every-frame
#    mode with perf (when available), and prints the report
#    (bench/bench_video_peers.py report), also saved with the raw TSVs in
#    $BUILD_DIR/video-results/.
# --no-all: skip every-frame mode (the slowest part; halves the run).
# Environment: BUILD_DIR, PYTHON (to create the venv; default python3),
# HM_CORPUS_DIR (cache of inputs and videos).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-vbench}
PY=${PYTHON:-python3}
RUNS=5 CPU=1 ALL=1 PEERS=1 PERF=1
CMDLINE="bash bench/run_video.sh${*:+ $*}"
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --cpu) CPU=$2; shift 2 ;;
    --no-all) ALL=0; shift ;;
    --no-peers) PEERS=0; shift ;;
    --no-perf) PERF=0; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "run_video.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ "$RUNS" -ge 5 ] || echo "run_video.sh: warning: fewer than 5 runs" >&2
log() { printf '[run_video.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/pin.sh"

# ---- 1. build -------------------------------------------------------------------
log "building bench_video in $BUILD"
if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" >/dev/null
else
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DHM_BUILD_TESTS=OFF -DHM_BUILD_TOOLS=OFF >/dev/null
fi
"${PIN[@]}" cmake --build "$BUILD" --target bench_video >/dev/null
BIN=$BUILD/bench/bench_video
OUT=$BUILD/video-results
rm -rf "$OUT"
mkdir -p "$OUT/hashes"

# ---- 2. videos -------------------------------------------------------------------
set +e
bash "$ROOT/bench/make_videos.sh" --list "$OUT/videos.tsv" --cpu "$CPU"
rc=$?
set -e
if [ $rc = 77 ]; then
    echo "SKIP: the benchmark videos could not be made (see messages above)."
    exit 0
fi
[ $rc = 0 ] || { log "make_videos.sh failed"; exit 1; }
mapfile -t NAMES < <(cut -f1 "$OUT/videos.tsv")
path_of() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$OUT/videos.tsv"; }

# ---- 3. the peer -------------------------------------------------------------------
VPY=$BUILD/venv/bin/python
if [ $PEERS = 1 ] && ! "$VPY" -c 'import vpdq' 2>/dev/null; then
    log "creating $BUILD/venv with vpdq from PyPI (builds a C++ extension against FFmpeg)"
    if ! { "$PY" -m venv "$BUILD/venv" &&
           "${PIN[@]}" "$BUILD/venv/bin/pip" install vpdq; } >"$OUT/pip.log" 2>&1; then
        log "pip install vpdq failed: peer skipped; see $OUT/pip.log"
        grep -m3 -E 'not found|error:' "$OUT/pip.log" >&2 || true
        log "(vpdq needs pkg-config modules libavdevice, libavfilter, libavformat, libavcodec,"
        log " libswresample, libswscale, libavutil: apt-get install libavdevice-dev libavfilter-dev ...)"
        PEERS=0
    fi
fi

# ---- metadata ------------------------------------------------------------------------
{
    printf 'command\t%s\n' "$CMDLINE"
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'cpu\t%s\n' "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    hv=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)
    printf 'cpus\t%s%s\n' "$(nproc --all)" "${hv:+ (VM, $hv)}"
    printf 'ram\t%s\n' "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    printf 'os\t%s, kernel %s\n' "$(. /etc/os-release && echo "$PRETTY_NAME")" "$(uname -r)"
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    dirty=$(git -C "$ROOT" status --porcelain -- lib include CMakeLists.txt 2>/dev/null | awk '{ print $2 }' | tr '\n' ' ')
    [ -z "$dirty" ] || commit="$commit + uncommitted changes to ${dirty% }"
    printf 'commit\t%s\n' "$commit"
    printf 'build_type\t%s\n' "$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")"
    cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
    printf 'cc\t%s\n' "$("${cc:-cc}" --version | head -1)"
    printf 'ffmpeg\t%s (libavcodec %s, libavformat %s, libswscale %s)\n' \
        "$(ffmpeg -version | head -1 | cut -d' ' -f3)" "$(pkg-config --modversion libavcodec)" \
        "$(pkg-config --modversion libavformat)" "$(pkg-config --modversion libswscale)"
    printf 'x264\t%s\n' "$(dpkg-query -W -f '${Package} ${Version}\n' 'libx264-1*' 2>/dev/null | head -1)"
    printf 'cpu_pin\t%s\n' "$CPU"
    printf 'runs\t%s\n' "$RUNS"
} > "$OUT/meta.tsv"
if [ $PEERS = 1 ]; then
    log "vpdq: threads probe (not timed)"
    "${PIN[@]}" "$VPY" "$ROOT/bench/bench_video_peers.py" probe "$(path_of "${NAMES[0]}")" |
        sed 's/^/vpdq_/' >> "$OUT/meta.tsv"
    printf 'python\t%s\n' "$("$VPY" -c 'import platform; print(platform.python_version())')" >> "$OUT/meta.tsv"
else
    printf 'peers\tskipped\n' >> "$OUT/meta.tsv"
fi

# ---- 4. timing ----------------------------------------------------------------------
MODES=key,key-luma,floor-key,interval,floor-all
[ $ALL = 0 ] || MODES+=,all
for n in "${NAMES[@]}"; do cat "$(path_of "$n")" > /dev/null; done # page cache
TIMING=$OUT/timing.tsv
: > "$TIMING"
TIMEFORMAT=$'%U\t%S\t%R'
for ((r = 0; r < RUNS; r++)); do
    for n in "${NAMES[@]}"; do
        f=$(path_of "$n")
        H=()
        [ $r != 0 ] || H=(-H "$OUT/hashes/$n")
        log "round $((r + 1))/$RUNS: $n: libhashmatch and libavcodec ($MODES)"
        timed "${PIN[@]}" "$BIN" -m "$MODES" -l "$n" "${H[@]}" "$f" > "$OUT/c.tsv"
        awk -F'\t' -v OFS='\t' -v r=$r '{ $4 = r; print }' "$OUT/c.tsv" >> "$TIMING"
        # the ffmpeg command line, as a cross-check of the floor
        { time "${PIN[@]}" ffmpeg -nostdin -v error -threads 1 -skip_frame nokey -i "$f" \
            -an -f null - ; } 2> "$OUT/cli.time"
        IFS=$'\t' read -r u s w < <(tail -1 "$OUT/cli.time")
        printf '%s\t%s\tffmpeg-cli-key\t%d\t%s\t%s\t%s\t%s\t0\t0\t0\t0\t0\t0\t0\n' "$n" "$f" $r \
            "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" "$u" "$s" "$w" >> "$TIMING"
        if [ $PEERS = 1 ]; then
            log "round $((r + 1))/$RUNS: $n: vpdq"
            HP=()
            [ $r != 0 ] || HP=(-H "$OUT/hashes/$n.vpdq-peer.vpdq")
            timed "${PIN[@]}" "$VPY" "$ROOT/bench/bench_video_peers.py" time -l "$n" "${HP[@]}" \
                "$f" > "$OUT/py.tsv"
            awk -F'\t' -v OFS='\t' -v r=$r '{ $4 = r; print }' "$OUT/py.tsv" >> "$TIMING"
        fi
    done
done
rm -f "$OUT/c.tsv" "$OUT/py.tsv" "$OUT/cli.time"
other_busy_meta "$OUT/meta.tsv"

# ---- 5. profile --------------------------------------------------------------------------
if [ $PERF = 1 ] && command -v perf >/dev/null; then
    n=${NAMES[0]}
    f=$(path_of "$n")
    for m in key all; do
        [ $m != all ] || [ $ALL = 1 ] || continue
        log "perf record: $n, mode $m"
        reps=5
        [ $m = key ] || reps=1
        if "${PIN[@]}" perf record -q -e cpu-clock -F 2999 -o "$OUT/perf-$m.data" \
                "$BIN" -r $reps -m $m "$f" > /dev/null 2> "$OUT/perf-$m.log"; then
            perf report -i "$OUT/perf-$m.data" --stdio --sort dso 2>/dev/null |
                grep -E '^ +[0-9]' > "$OUT/perf-$m-dso.txt" || true
            perf report -i "$OUT/perf-$m.data" --stdio --sort dso,sym 2>/dev/null |
                grep -E '^ +[0-9]' | head -40 > "$OUT/perf-$m-sym.txt" || true
        else
            log "perf record failed (see $OUT/perf-$m.log); no profile"
        fi
        rm -f "$OUT/perf-$m.data"
    done
    printf 'perf_file\t%s\n' "$n" >> "$OUT/meta.tsv"
fi

# ---- 6. report ------------------------------------------------------------------------------
"$PY" "$ROOT/bench/bench_video_peers.py" report "$OUT" > "$OUT/report.md"
log "done; raw results and report.md in $OUT"
cat "$OUT/report.md"
