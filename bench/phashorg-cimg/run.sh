#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# pHash.org cross-check against CImg (README.md here): build check.cpp
# against Debian's cimg-dev, hash (a) the reference CSV's images, (b) the
# robustness corpus and (c) made file kinds with it and with hashcheck, and
# compare.
#
#   bench/phashorg-cimg/run.sh            from the repository root, after
#                                         building (build/tools/hashcheck)
# Environment: HASHCHECK (default build/tools/hashcheck), OUT (default
# build/phashorg-cimg), JOBS (default 2), CORPUS (default
# ~/.cache/hashmatch-corpus/robustness), REF_DIRS (where the reference
# images are, default tests/data/pdq-reference /work/shared/data/pdq-reference),
# PYTHON (an interpreter with Pillow, for set (c); default python3).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
hashcheck=${HASHCHECK:-build/tools/hashcheck}
out=${OUT:-build/phashorg-cimg}
jobs=${JOBS:-2}
corpus=${CORPUS:-$HOME/.cache/hashmatch-corpus/robustness}
ref_dirs=${REF_DIRS:-"tests/data/pdq-reference /work/shared/data/pdq-reference"}
ref_csv=tests/data/pdq-reference/expected/phash-cpp-dct-imagehash.csv

if ! command -v g++ >/dev/null || [ ! -f /usr/include/CImg.h ]; then
    echo "phashorg-cimg: SKIPPED: needs g++ and CImg.h (apt-get install -y g++ cimg-dev libjpeg-dev libpng-dev)"
    exit 0
fi
if [ ! -x "$hashcheck" ]; then
    echo "phashorg-cimg: $hashcheck not found: build the project first (or set HASHCHECK)" >&2
    exit 1
fi
mkdir -p "$out"

# CImg is header-only and slow to compile (about a minute): rebuild only
# when check.cpp changed.
if [ ! -x "$out/check" ] || [ "$here/check.cpp" -nt "$out/check" ]; then
    echo "building $out/check (CImg $(sed -n 's/^#define cimg_version //p' /usr/include/CImg.h))"
    g++ -O2 -std=c++17 -Wall -Wextra -Dcimg_display=0 -Dcimg_use_jpeg -Dcimg_use_png \
        "$here/check.cpp" -o "$out/check" -ljpeg -lpng -lz -lpthread
fi

# hash NAME LIST: check and hashcheck on every path in LIST, in JOBS
# parts; hashcheck gets the JPEG and PNG files only (the ones CImg hashed
# natively).
hash() {
    local name=$1 list=$2 i
    for ((i = 0; i < jobs; i++)); do
        (
            awk -v j="$jobs" -v i="$i" 'NR % j == i' "$list" | "$out/check" >"$out/$name.cimg.$i"
            awk -F'\t' '$5 != "skip" { print $1 }' "$out/$name.cimg.$i" | tr '\n' '\0' |
                xargs -0 -r "$hashcheck" hash --types phashorg_2014 --no-header \
                    >"$out/$name.hashcheck.$i" 2>"$out/$name.hashcheck.err.$i" || true
        ) &
    done
    wait
    cat "$out/$name.cimg."[0-9]* >"$out/$name.cimg.tsv"
    { echo "file,type,hash,quality,frame,timestamp"; cat "$out/$name.hashcheck."[0-9]*; } >"$out/$name.hashcheck.csv"
    cat "$out/$name.hashcheck.err."[0-9]* >"$out/$name.hashcheck.err"
    rm -f "$out/$name.cimg."[0-9]* "$out/$name.hashcheck."[0-9]* "$out/$name.hashcheck.err."[0-9]*
}

# report NAME TITLE [EXPECTED_TSV]: compare, and list the files hashcheck refused
report() {
    local name=$1 title=$2
    shift 2
    {
        python3 "$here/compare.py" "$title" "$out/$name.cimg.tsv" "$out/$name.hashcheck.csv" "$@"
        grep '^hashcheck: ' "$out/$name.hashcheck.err" | grep -v ' failed; ' | sed 's/^/hashcheck refused: /' || true
        echo
    } | tee -a "$out/summary.txt"
}

# (a) the reference CSV's images, where they are stored
: >"$out/ref.list"
: >"$out/ref.expected.tsv"
tail -n +2 "$ref_csv" | while IFS=, read -r p _ v2014; do
    case $p in imagehash:*) rel=imagehash/${p#imagehash:} ;; *) rel=threatexchange/$p ;; esac
    for d in $ref_dirs; do
        if [ -f "$d/$rel" ]; then
            echo "$d/$rel" >>"$out/ref.list"
            printf '%s\t%s\n' "$d/$rel" "$v2014" >>"$out/ref.expected.tsv"
            break
        fi
    done
done
hash ref "$out/ref.list"
: >"$out/summary.txt"
report ref reference "$out/ref.expected.tsv"

# (b) the robustness corpus: the originals' images (photos and video
# frames; not the videos), then every edit (GIF and WebP edits are counted
# as skipped: CImg would call ImageMagick for them)
if [ -f "$corpus/list.tsv" ]; then
    awk -F'\t' 'NR > 1 && ($7 == "photo" || $7 == "frame") { print $8 }' "$corpus/list.tsv" >"$out/originals.list"
    hash originals "$out/originals.list"
    report originals originals
    for edits in "$corpus"/edits-*/edits.tsv; do
        [ -f "$edits" ] || continue
        awk -F'\t' 'NR > 1 { print $3 }' "$edits" >"$out/edits.list"
        hash edits "$out/edits.list"
        report edits "edits ($(basename "$(dirname "$edits")"))"
    done
else
    echo "phashorg-cimg: no robustness corpus at $corpus (bench/robustness/run.sh makes it); set (b) was not checked"
fi

# (c) the file kinds the corpora lack (make_cases.py, needs Pillow: set
# PYTHON to an interpreter that has it)
python=${PYTHON:-python3}
if "$python" -c 'import PIL' 2>/dev/null; then
    "$python" "$here/make_cases.py" tests/data/pdq-reference/threatexchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg \
        "$out/cases"
    find "$out/cases" -type f | sort >"$out/cases.list"
    hash cases "$out/cases.list"
    report cases cases
else
    echo "phashorg-cimg: $python has no Pillow: the made file kinds (set c) were not checked"
fi
echo "summary: $out/summary.txt"
