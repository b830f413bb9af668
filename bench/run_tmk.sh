#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The TMK+PDQF benchmark of issue #16, side by side in one run:
#   bash bench/run_tmk.sh [--runs N] [--cpu C] [--hd]
#
# 1. builds bench_tmk with the project's CMake (build dir $BUILD_DIR,
#    default build-tbench/, RelWithDebInfo);
# 2. builds the reference tools (tmk-hash-video, tmk-two-level-score) from
#    ../shared/peers/threatexchange-tmk/build.sh beside the checkout (or
#    $TMK_PEER_SRC) (Meta's C++, g++ -O2), into $BUILD_DIR/tmk-peer; when
#    that is absent the peer's columns are skipped with a message;
# 3. hashing, pinned to one core (taskset -c C, default 1), N rounds
#    (default 5) interleaved, on the 14 reference videos (tests/data/tmk)
#    and, with --hd, the 720p and 1080p files of bench/make_videos.sh:
#    libhashmatch (hm_tmk_hash_video; its frames alone, with and without
#    skipping dropped non-reference frames; the decoder alone), the reference
#    `tmk-hash-video -f /usr/bin/ffmpeg` (its CPU time includes the ffmpeg
#    process it runs), and that ffmpeg command alone into /dev/null (the
#    floor: decoding, scaling and rate conversion, which every TMK hasher
#    pays).  CPU time is user + system of the process and its children;
#    the figure is seconds of video per CPU-second (median of the rounds);
# 4. scoring, pinned: level-2 scores of every pair of 42 .tmk files (the
#    14 reference files 3 times: 861 pairs) by `tmk-two-level-score --c1 -1
#    --c2 -1` (its time includes reading the 42 files, 11 MB) and by
#    bench_tmk score (every kernel set), as pairs per CPU-second;
# 5. prints the report (markdown), also saved with the raw TSV in
#    $BUILD_DIR/tmk-results/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-tbench}
RUNS=5 CPU=1 HD=0
CMDLINE="bash bench/run_tmk.sh${*:+ $*}"
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --cpu) CPU=$2; shift 2 ;;
    --hd) HD=1; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "run_tmk.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
log() { printf '[run_tmk.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/pin.sh"
FFMPEG=/usr/bin/ffmpeg
[ -x $FFMPEG ] || { echo "SKIP: $FFMPEG not found (the floor and the peer need it)"; exit 0; }

# ---- 1. build ----------------------------------------------------------------
log "building bench_tmk in $BUILD"
if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" >/dev/null
else
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DHM_BUILD_TESTS=OFF -DHM_BUILD_TOOLS=OFF >/dev/null
fi
"${PIN[@]}" cmake --build "$BUILD" --target bench_tmk >/dev/null
BIN=$BUILD/bench/bench_tmk
OUT=$BUILD/tmk-results
rm -rf "$OUT"
mkdir -p "$OUT/tmk"

# ---- 2. the peer ---------------------------------------------------------------
# the shared folder beside the checkout (a worktree sits one level deeper)
PEER_SRC=${TMK_PEER_SRC:-}
for d in "$ROOT/../shared" "$ROOT/../../shared"; do
    [ -n "$PEER_SRC" ] || [ ! -f "$d/peers/threatexchange-tmk/build.sh" ] ||
        PEER_SRC=$(cd "$d/peers/threatexchange-tmk" && pwd)
done
PEER=
if [ -n "$PEER_SRC" ] && [ -f "$PEER_SRC/build.sh" ]; then
    if [ ! -x "$BUILD/tmk-peer/tmk/cpp/tmk-two-level-score" ]; then
        log "building the reference tools from $PEER_SRC"
        "${PIN[@]}" bash "$PEER_SRC/build.sh" "$BUILD/tmk-peer" >/dev/null
    fi
    PEER=$BUILD/tmk-peer/tmk/cpp
else
    log "no reference tools (../shared/peers/threatexchange-tmk/build.sh not found beside the" \
        "checkout; TMK_PEER_SRC names another place): their columns are skipped"
fi

# ---- videos ----------------------------------------------------------------------
VIDEOS=()
for n in $(cut -d, -f1 "$ROOT/tests/data/tmk/expected/frame-counts.csv" | sed 1d); do
    n=${n%.tmk}
    f=$ROOT/tests/data/tmk/videos/$n.mp4
    [ -f "$f" ] || f=$ROOT/tests/data/video/$n.mp4
    VIDEOS+=("$f")
done
if [ $HD = 1 ]; then
    set +e
    bash "$ROOT/bench/make_videos.sh" --list "$OUT/hd.tsv" --cpu "$CPU"
    rc=$?
    set -e
    if [ $rc = 0 ]; then
        while IFS=$'\t' read -r name path _; do VIDEOS+=("$path"); done < "$OUT/hd.tsv"
    else
        log "the 720p/1080p videos could not be made (make_videos.sh: $rc): reference videos only"
    fi
fi

{
    printf 'command\t%s\n' "$CMDLINE"
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'cpu\t%s\n' "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    hv=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)
    printf 'cpus\t%s%s\n' "$(nproc --all)" "${hv:+ (VM, $hv)}"
    printf 'os\t%s, kernel %s\n' "$(. /etc/os-release && echo "$PRETTY_NAME")" "$(uname -r)"
    printf 'commit\t%s\n' "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
    printf 'cc\t%s\n' "$("${cc:-cc}" --version | head -1)"
    printf 'ffmpeg\t%s\n' "$($FFMPEG -version | head -1 | cut -d' ' -f3)"
    printf 'peer\t%s\n' "${PEER:-absent}"
    printf 'cpu_pin\t%s\nruns\t%s\n' "$CPU" "$RUNS"
} > "$OUT/meta.tsv"

# ---- 3. hashing ---------------------------------------------------------------------
for f in "${VIDEOS[@]}"; do cat "$f" > /dev/null; done # page cache
TIMING=$OUT/hash.tsv
printf 'video\tseconds\tround\twhat\tcpu_s\n' > "$TIMING"
TIMEFORMAT=$'%U\t%S'
cpu_of() { # CPU seconds (user + system, children included) of a command
    local t
    t=$( { time "$@" >/dev/null 2>&1; } 2>&1 | tail -1)
    awk -F'\t' '{ print $1 + $2 }' <<<"$t"
}
for ((r = 0; r < RUNS; r++)); do
    for f in "${VIDEOS[@]}"; do
        n=$(basename "$f")
        log "round $((r + 1))/$RUNS: $n"
        timed "${PIN[@]}" "$BIN" hash -f "$f" > "$OUT/c.tsv"
        secs=$(awk -F'\t' 'NR == 2 { print $2 }' "$OUT/c.tsv")
        awk -F'\t' -v OFS='\t' -v r=$r 'NR > 1 { print $1, $2, r, "hashmatch-" $5, $6 }' \
            "$OUT/c.tsv" >> "$TIMING"
        c=$(cpu_of "${PIN[@]}" $FFMPEG -nostdin -loglevel error -i "$f" -s 64:64 -an -f rawvideo \
            -c:v rawvideo -pix_fmt rgb24 -r 15 -y /dev/null)
        printf '%s\t%s\t%d\tffmpeg-cli\t%s\n' "$n" "$secs" $r "$c" >> "$TIMING"
        if [ -n "$PEER" ]; then
            c=$(cpu_of "${PIN[@]}" "$PEER/tmk-hash-video" -f $FFMPEG -i "$f" -o "$OUT/tmk/$n.tmk")
            printf '%s\t%s\t%d\treference\t%s\n' "$n" "$secs" $r "$c" >> "$TIMING"
        fi
    done
done
rm -f "$OUT/c.tsv"

# ---- 4. scoring -------------------------------------------------------------------------
SC=$OUT/score-files
mkdir -p "$SC"
for c in 1 2 3; do
    for f in "$ROOT"/tests/data/tmk/expected/tmk/*.tmk; do ln -sf "$f" "$SC/c$c-$(basename "$f")"; done
done
SCORE=$OUT/score.tsv
printf 'what\tround\tpairs\tcpu_s\n' > "$SCORE"
for ((r = 0; r < RUNS; r++)); do
    log "round $((r + 1))/$RUNS: scores"
    for level in portable avx2 avx512; do
        "${PIN[@]}" "$BIN" score -t 2 -l $level "$SC"/*.tmk > "$OUT/s.tsv" || continue
        awk -F'\t' -v OFS='\t' -v r=$r -v l=$level '$1 == "level2" { print "hashmatch-" l, r, $2, $3 }
            $1 == "level1" && l == "portable" { print "hashmatch-level1", r, $2, $3 }' "$OUT/s.tsv" >> "$SCORE"
    done
    if [ -n "$PEER" ]; then
        c=$(cpu_of "${PIN[@]}" "$PEER/tmk-two-level-score" --c1 -1 --c2 -1 "$SC"/*.tmk)
        printf 'reference\t%d\t861\t%s\n' $r "$c" >> "$SCORE"
    fi
done
rm -f "$OUT/s.tsv"
other_busy_meta "$OUT/meta.tsv"

# ---- 5. report ----------------------------------------------------------------------------
python3 - "$OUT" > "$OUT/report.md" <<'EOF'
import csv, statistics, sys
out = sys.argv[1]
meta = dict(l.rstrip('\n').split('\t', 1) for l in open(f'{out}/meta.tsv'))
rows = list(csv.DictReader(open(f'{out}/hash.tsv'), delimiter='\t'))
print(f"Command: `{meta['command']}` ({meta['date']}); {meta['cpu']}, {meta['cpus']} CPUs, "
      f"{meta['os']}; {meta['cc']}; ffmpeg {meta['ffmpeg']}; commit {meta['commit']}; "
      f"pinned to CPU {meta['cpu_pin']}, {meta['runs']} rounds (medians); other cores busy "
      f"{meta['other_busy']}.\n")
whats = [w for w in ('hashmatch-tmk', 'hashmatch-frames', 'hashmatch-frames-all',
                     'hashmatch-decode', 'ffmpeg-cli', 'reference')
         if any(r['what'] == w for r in rows)]
names = list(dict.fromkeys(r['video'] for r in rows))
med = {}
for n in names:
    for w in whats:
        v = [float(r['cpu_s']) for r in rows if r['video'] == n and r['what'] == w]
        if v: med[n, w] = statistics.median(v)
secs = {r['video']: float(r['seconds']) for r in rows}
print('### Hashing: seconds of video per CPU-second (higher is faster)\n')
print('| video | seconds | ' + ' | '.join(whats) +
      ' | ours / reference | ours / ffmpeg | ceiling: reference / decode |')
print('|---|---:|' + '---:|' * (len(whats) + 3))
tot = {w: 0.0 for w in whats}
for n in names:
    for w in whats: tot[w] += med.get((n, w), 0)
    cells = [f"{secs[n] / med[n, w]:.1f}" for w in whats]
    ref = f"{med[n, 'reference'] / med[n, 'hashmatch-tmk']:.2f}x" if (n, 'reference') in med else '-'
    flo = f"{med[n, 'hashmatch-tmk'] / med[n, 'ffmpeg-cli']:.2f}"
    cei = (f"{med[n, 'reference'] / med[n, 'hashmatch-decode']:.2f}x"
           if (n, 'reference') in med and (n, 'hashmatch-decode') in med else '-')
    print(f"| {n} | {secs[n]:.1f} | " + ' | '.join(cells) + f" | {ref} | {flo} | {cei} |")
total = sum(secs[n] for n in names)
cells = [f"{total / tot[w]:.1f}" for w in whats]
ref = f"{tot['reference'] / tot['hashmatch-tmk']:.2f}x" if 'reference' in tot else '-'
cei = (f"{tot['reference'] / tot['hashmatch-decode']:.2f}x"
       if 'reference' in tot and 'hashmatch-decode' in tot else '-')
print(f"| **all** | {total:.1f} | " + ' | '.join(f'**{c}**' for c in cells) +
      f" | **{ref}** | **{tot['hashmatch-tmk'] / tot['ffmpeg-cli']:.2f}** | **{cei}** |")
print("\nColumns: hashmatch-tmk = hm_tmk_hash_video (decode, scale, rate, PDQF, aggregation); "
      "hashmatch-frames = its frames alone (dropped non-reference frames not decoded); "
      "hashmatch-frames-all = the same decoding every frame; hashmatch-decode = the decoder "
      "alone on every frame (FFmpeg's, one thread: what any hasher that decodes every frame "
      "pays); ffmpeg-cli = the reference's ffmpeg command into /dev/null (the floor); "
      "reference = tmk-hash-video with that ffmpeg (CPU of both processes). \"ours / ffmpeg\" "
      "is our CPU time over the floor's (goal <= 1.1); \"ours / reference\" the speed-up "
      "(goal >= 1.5); \"ceiling\" the speed-up a hasher would have over the reference if "
      "decoding every frame were its only cost.\n")
srows = list(csv.DictReader(open(f'{out}/score.tsv'), delimiter='\t'))
print('### Scoring: pairs per CPU-second, one core\n')
print('| scorer | pairs/s | vs reference |')
print('|---|---:|---:|')
rate = {}
for w in dict.fromkeys(r['what'] for r in srows):
    rate[w] = statistics.median(int(r['pairs']) / float(r['cpu_s']) for r in srows if r['what'] == w)
label = {'hashmatch-portable': 'hashmatch level 2, portable', 'hashmatch-avx2': 'hashmatch level 2, AVX2',
         'hashmatch-avx512': 'hashmatch level 2, AVX-512F', 'hashmatch-level1': 'hashmatch level 1',
         'reference': 'tmk-two-level-score (level 1 + 2, with file reading)'}
for w, v in rate.items():
    vs = f"{v / rate['reference']:.1f}x" if 'reference' in rate and w != 'hashmatch-level1' else '-'
    print(f"| {label.get(w, w)} | {v:,.0f} | {vs} |")
EOF
log "done; raw results and report.md in $OUT"
cat "$OUT/report.md"
