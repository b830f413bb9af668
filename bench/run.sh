#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The image-hashing benchmark, end to end:
#   bash bench/run.sh [--runs N] [--min-sample S] [--cpu C] [--fast-side N]...
#
# 1. builds bench_hash and bench_fast with the project's CMake (build dir:
#    $BUILD_DIR, default build/);
# 2. fetches the corpus of real photos (bench/fetch_corpus.sh; a cache
#    outside the tree) and skips cleanly, exit 0, when it cannot;
# 3. times, on one core (taskset -c C, default 0), libjpeg-turbo/libpng's
#    plain decode, libhashmatch (exact and fast) and the Python peers
#    (pdqhash, imagehash) on the same files, class by class;
# 4. measures fast-mode accuracy (bench_fast) on every JPEG photo;
# 5. with --fast-side N (repeatable): copies the source tree to a temporary
#    directory, sets HM_FAST_MIN_SIDE to N there, builds, and times and
#    measures that fast mode too (the repository is not touched);
# 6. prints the markdown report (bench/report.py), also saved with the raw
#    TSVs under $BUILD_DIR/bench-results/.
#
# Environment: BUILD_DIR, PYTHON (default python3), HM_CORPUS_DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
PY=${PYTHON:-python3}
RUNS=7 MIN_SAMPLE=0.2 CPU=0 SIDES=()
CMDLINE="bash bench/run.sh${*:+ $*}"
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --min-sample) MIN_SAMPLE=$2; shift 2 ;;
    --cpu) CPU=$2; shift 2 ;;
    --fast-side) SIDES+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ "$RUNS" -ge 5 ] || echo "run.sh: warning: fewer than 5 runs" >&2

log() { printf '[run.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
. "$(dirname "${BASH_SOURCE[0]}")/pin.sh"

# ---- 1. build ---------------------------------------------------------------
log "building bench programs in $BUILD"
if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DHM_BUILD_BENCH=ON >/dev/null
else
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DHM_BUILD_BENCH=ON >/dev/null
fi
cmake --build "$BUILD" --target bench_hash bench_fast >/dev/null
BIN=$BUILD/bench

OUT=$BUILD/bench-results
rm -rf "$OUT"
mkdir -p "$OUT"

# ---- 2. corpus --------------------------------------------------------------
set +e
bash "$ROOT/bench/fetch_corpus.sh" "$OUT/corpus.tsv"
rc=$?
set -e
if [ $rc = 77 ]; then
    echo "SKIP: the benchmark corpus is not available (see messages above)."
    exit 0
fi
files_of() { awk -F'\t' -v c="$1" '$1 == c { print $2 }' "$OUT/corpus.tsv"; }

# ---- metadata ---------------------------------------------------------------
{
    printf 'command\t%s\n' "$CMDLINE"
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'cpu\t%s\n' "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    printf 'cpus\t%s\n' "$(nproc --all)"
    simd=$(if grep -qw avx512f /proc/cpuinfo; then echo AVX-512; elif grep -qw avx2 /proc/cpuinfo; then echo AVX2; else echo no AVX2; fi)
    printf 'cpu_flags\t%s, %s\n' "$simd" "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)"
    printf 'os\t%s, kernel %s\n' "$(. /etc/os-release && echo "$PRETTY_NAME")" "$(uname -r)"
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    # what the library is built from: lib/, include/, the CMake files
    if [ -n "$(git -C "$ROOT" status --porcelain -- lib include cmake CMakeLists.txt 2>/dev/null)" ]; then
        commit="$commit + uncommitted library changes"
    elif [ -n "$(git -C "$ROOT" status --porcelain -- bench 2>/dev/null)" ]; then
        commit="$commit (library sources as committed; bench/ has uncommitted changes)"
    fi
    printf 'commit\t%s\n' "$commit"
    printf 'build_type\t%s\n' "$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")"
    cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
    printf 'cc\t%s\n' "$("${cc:-cc}" --version | head -1)"
    printf 'libjpeg\t%s\n' "$(dpkg-query -W -f '${Version}' libjpeg62-turbo-dev 2>/dev/null || pkg-config --modversion libjpeg)"
    printf 'libpng\t%s\n' "$(pkg-config --modversion libpng)"
    printf 'cpu_pin\t%s\n' "$CPU"
    printf 'min_sample\t%s\n' "$MIN_SAMPLE"
    printf 'fast_min_side\t%s\n' "$(sed -n 's/^#define HM_FAST_MIN_SIDE *\([0-9]*\).*/\1/p' "$ROOT/include/hashmatch.h")"
} > "$OUT/meta.tsv"

PEERS=1
if ! "$PY" -c 'import PIL, numpy, imagehash, pdqhash' 2>/dev/null; then
    PEERS=0
    log "Python peers unavailable (need Pillow, numpy, imagehash, pdqhash for $PY); timing libhashmatch only"
    printf 'peers\tPython modules missing\n' >> "$OUT/meta.tsv"
else
    "$PY" - >> "$OUT/meta.tsv" <<'EOF'
import platform, importlib.metadata as md, PIL, numpy, PIL.features as f
print("python\t" + platform.python_version())
print("pillow\t" + PIL.__version__)
print("pillow_jpeg\t" + str(f.version_feature("libjpeg_turbo") or f.version("jpg")))
print("numpy\t" + numpy.__version__)
print("pdqhash\t" + md.version("pdqhash"))
print("imagehash\t" + md.version("imagehash"))
EOF
fi

# ---- 3. timing --------------------------------------------------------------
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
: > "$OUT/timing.tsv"
: > "$OUT/hashes.tsv"
: > "$OUT/peer-hashes.tsv"
for cls in L W M F S; do
    mapfile -t files < <(files_of "$cls")
    [ ${#files[@]} -gt 0 ] || { log "class $cls: no files, skipped"; continue; }
    log "class $cls: ${#files[@]} files: libhashmatch and decode floor"
    timed "${PIN[@]}" "$BIN/bench_hash" -r "$RUNS" -t "$MIN_SAMPLE" -c "$cls" \
        -H "$OUT/hashes-$cls.tsv" -o "$OUT/c-$cls.tsv" "${files[@]}"
    sed 's/^/c\t/' "$OUT/c-$cls.tsv" >> "$OUT/timing.tsv"
    if [ $PEERS = 1 ]; then
        log "class $cls: Python peers"
        timed "${PIN[@]}" "$PY" "$ROOT/bench/bench_peers.py" -r "$RUNS" -t "$MIN_SAMPLE" \
            -c "$cls" -H "$OUT/peer-hashes-$cls.tsv" -o "$OUT/py-$cls.tsv" "${files[@]}"
        sed 's/^/py\t/' "$OUT/py-$cls.tsv" >> "$OUT/timing.tsv"
    fi
done
# one hashes file each (header once)
for kind in hashes peer-hashes; do
    first=1
    for f in "$OUT/$kind"-?.tsv; do
        [ -f "$f" ] || continue
        if [ $first = 1 ]; then cat "$f"; first=0; else tail -n +2 "$f"; fi
        rm -f "$f"
    done > "$OUT/$kind.tsv"
done

# ---- 4. fast-mode accuracy -------------------------------------------------
mapfile -t jpegs < <(awk -F'\t' '$1 != "S" { print $2 }' "$OUT/corpus.tsv")
if [ ${#jpegs[@]} -gt 0 ]; then
    log "fast-mode accuracy on ${#jpegs[@]} JPEG photos"
    set +e
    "$BIN/bench_fast" "${jpegs[@]}" > "$OUT/fast.tsv" 2> "$OUT/fast.log"
    rc=$?
    set -e
    cat "$OUT/fast.log" >&2
    printf 'emu_check\t%s\n' "$(grep -o '[0-9]* mismatching hashes' "$OUT/fast.log" | sed 's/^0 mismatching hashes$/identical/')" >> "$OUT/meta.tsv"
    [ $rc = 0 ] || log "WARNING: the fast-mode emulation disagrees with the library (see fast.log)"
fi

# ---- 5. alternative HM_FAST_MIN_SIDE builds --------------------------------
for side in "${SIDES[@]}"; do
    log "HM_FAST_MIN_SIDE=$side: building a modified copy of the tree"
    tmp=$(mktemp -d)
    (cd "$ROOT" && git ls-files -co --exclude-standard -z |
        while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
        xargs -0 cp --parents -t "$tmp")
    sed -i -E "s/^#define HM_FAST_MIN_SIDE [0-9]+/#define HM_FAST_MIN_SIDE $side/" "$tmp/include/hashmatch.h"
    grep -q "^#define HM_FAST_MIN_SIDE $side\$" "$tmp/include/hashmatch.h" ||
        { log "could not set HM_FAST_MIN_SIDE in the copy"; exit 1; }
    cmake -S "$tmp" -B "$tmp/build" -G Ninja \
        -DCMAKE_BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")" \
        -DHM_BUILD_TESTS=OFF -DHM_BUILD_TOOLS=OFF >/dev/null
    cmake --build "$tmp/build" --target bench_hash bench_fast >/dev/null
    mkdir -p "$OUT/side-$side"
    : > "$OUT/side-$side/timing.tsv"
    for cls in L W M F; do
        mapfile -t files < <(files_of "$cls")
        [ ${#files[@]} -gt 0 ] || continue
        log "HM_FAST_MIN_SIDE=$side: timing class $cls"
        timed "${PIN[@]}" "$tmp/build/bench/bench_hash" -r "$RUNS" -t "$MIN_SAMPLE" -c "$cls" \
            -m decode,decode-fast,pdq,pdq-fast,phash,phash-fast,all,all-fast \
            -o "$OUT/side-$side/c-$cls.tsv" "${files[@]}"
        sed 's/^/c\t/' "$OUT/side-$side/c-$cls.tsv" >> "$OUT/side-$side/timing.tsv"
    done
    "$tmp/build/bench/bench_fast" -s "$side" "${jpegs[@]}" > "$OUT/side-$side/fast.tsv" \
        2> "$OUT/side-$side/fast.log" || log "WARNING: emulation mismatch at side $side"
    rm -rf "$tmp"
done

# ---- 6. report ---------------------------------------------------------------
other_busy_meta "$OUT/meta.tsv"
"$PY" "$ROOT/bench/report.py" "$OUT" > "$OUT/report.md"
log "done; raw results and report.md in $OUT"
cat "$OUT/report.md"
