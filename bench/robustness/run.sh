#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Matching quality under real edits (issue #8): fetch the corpus, make the
# edited copies, hash and match everything, write RESULTS.md and the plots.
# Photos: corpus.py, make_edits.py, evaluate.py; video clips: video.py (FFmpeg CLI edits,
# vPDQ; skipped with --limit, HM_NO_VIDEO=1 or without ffmpeg); tables and plots: report.py.
# Not run here: rotate_crop.py, issue #20's prototypes of de-rotation and crop grids (its own
# command lines, in its section of RESULTS.md, which report.py keeps).
# Takes about 13 minutes on 2 idle cores, 9 with the edited copies cached
# (HM_JOBS: threads/processes, default nproc).
#
#   bash bench/robustness/run.sh [--limit N]     # N: first N photos only (development)
#
# Cache (photos, edited copies, raw results): ${HM_CORPUS_DIR:-~/.cache/hashmatch-corpus},
# outside the tree.  Writes bench/robustness/RESULTS.md and bench/robustness/*.png
# (with --limit: into $cache/robustness/subset/ instead, the committed results untouched).
# Python: build-robust/venv (pinned Pillow, numpy, matplotlib from requirements.txt) for the
# edits and the report; for hashing, $HM_PYTHON or build-py/venv/bin/python (made by
# `bash scripts/test-python.sh`), which must import the repository's `hashmatch` binding; when
# neither does, the binding (which builds the library itself) is installed into build-robust/venv.
# Exit status 77 (skip) when no corpus file can be had.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/bench/robustness
cd "$root"
limit=0
if [ "${1:-}" = "--limit" ]; then limit=${2:?--limit N}; fi
lim=()  # passed on to make_edits.py and evaluate.py
if [ "$limit" != 0 ]; then lim=(--limit "$limit"); fi
cache=${HM_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hashmatch-corpus}
work=$cache/robustness
jobs=${HM_JOBS:-$(nproc)}
say() { printf '[robustness %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
mkdir -p "$work"

venv=$root/build-robust/venv
if ! "$venv/bin/python" -c 'import PIL, numpy, matplotlib' 2>/dev/null; then
    say "creating $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi

py=${HM_PYTHON:-$root/build-py/venv/bin/python}
if ! "$py" -c 'import hashmatch, numpy' 2>/dev/null; then
    py=$venv/bin/python
    if ! "$py" -c 'import hashmatch' 2>/dev/null; then
        say "no Python with the hashmatch binding; installing it (with the library) into $venv"
        "$venv/bin/pip" install -q ./bindings/python
    fi
fi
say "hashing with $py ($("$py" -c 'import hashmatch; print("libhashmatch", hashmatch.LIBRARY_VERSION)'))"

say "corpus"
rc=0
python3 "$here/corpus.py" --list "$work/list.tsv" || rc=$?
if [ $rc = 77 ]; then say "no corpus; skipping"; exit 77; fi

pil=$("$venv/bin/python" -c 'import PIL; print(PIL.__version__)')
recipe=$("$venv/bin/python" -c "import sys; sys.path.insert(0, '$here'); import make_edits; print(make_edits.RECIPE_VERSION)")
edits=$work/edits-r$recipe-pillow$pil
say "edited copies -> $edits"
"$venv/bin/python" "$here/make_edits.py" "$work/list.tsv" "$edits" --jobs "$jobs" "${lim[@]}"

if [ "$limit" != 0 ]; then
    out=$work/subset json=$work/results-subset$limit.json cmd="bash bench/robustness/run.sh --limit $limit"
else
    out=$here json=$work/results.json cmd="bash bench/robustness/run.sh"
fi
mkdir -p "$out"
say "hashing and matching"
"$py" "$here/evaluate.py" "$work/list.tsv" "$edits/edits.tsv" "$json" --jobs "$jobs" "${lim[@]}"
vjson=
if [ "$limit" = 0 ] && [ "${HM_NO_VIDEO:-0}" = 0 ]; then
    if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; then
        ff=$(ffmpeg -version | head -1 | cut -d' ' -f3)
        say "video: edited copies and vPDQ matching"
        vjson=$work/video.json
        "$py" "$here/video.py" "$work/list.tsv" "$work/video-edits-ffmpeg$ff" "$vjson" --jobs "$jobs" || vjson=
    else
        say "ffmpeg/ffprobe not found (apt-get install ffmpeg): no video part"
    fi
fi
say "report -> $out"
"$venv/bin/python" "$here/report.py" "$json" "$out" ${vjson:+--video "$vjson"} --command "$cmd"
say "done: $out/RESULTS.md"
