#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Real PDQ and pHash hashes for the matching-index benchmark (issue #3):
#
#   bash bench/make_real_hashes.sh HASHCHECK OUTDIR
#
# Fetches the photo and video packages of shared docs/test-media.md with
# `apt-get download` (never installed; only media paths extracted) into
# ${HM_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hashmatch-corpus}/index-media,
# extracts EVERY frame of each video in eight versions (as is, 80% centre
# crop, colour/contrast change, 320 px wide at low JPEG quality, mirrored,
# 70% top-left crop, 160 px thumbnail, rotated 2 degrees), makes 12 crops,
# scales and edits of each photo, and hashes everything with
# `HASHCHECK hash --types pdq,phash`.  Writes OUTDIR/real.csv (hashcheck's
# CSV rows without header: xargs may run it more than once),
# OUTDIR/real-pdq.hex and OUTDIR/real-phash.hex (one hash per line,
# grouped by source), and OUTDIR/real-sources.tsv.
# The hash files are cached beside the media: a second run only re-reads them.
# Exit status 77 (skip) when neither media nor ffmpeg can be had.
set -u -o pipefail

HC=$1 OUT=$2
cache=${HM_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hashmatch-corpus}/index-media
say() { printf '[make_real_hashes %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
mkdir -p "$OUT" "$cache" || exit 77

if [ -s "$cache/real.csv" ] && [ -s "$cache/real-sources.tsv" ]; then
    say "using cached hashes in $cache"
else
    command -v ffmpeg >/dev/null || { say "ffmpeg not found (apt-get install ffmpeg); skipping"; exit 77; }
    # package -> wildcard patterns of the media to extract
    declare -A PAT=(
        [forensics-samples-files]='./usr/share/forensics-samples/*'
        [python3-imageio]='./usr/lib/python3/dist-packages/imageio/resources/images/*'
        [opencv-doc]='./usr/share/doc/opencv-doc/examples/data/*'
        [node-opencv]='./usr/share/doc/node-opencv/examples/files/*'
        [kphotoalbum]='./usr/share/kphotoalbum/demo/*'
        [python3-mecavideo]='./usr/share/python3-mecavideo/video/*'
        [libdlib19.1]='./usr/share/doc/libdlib19.1/examples/*'
        [python3-skimage]='./usr/lib/python3/dist-packages/skimage/data/*'
        [gnome-control-center-data]='./usr/share/pixmaps/faces/*'
        [darknet]='./usr/share/darknet/data/*'
        [palapeli-data]='./usr/share/palapeli/collection/*'
    )
    for pkg in "${!PAT[@]}"; do
        [ -d "$cache/pkg/$pkg" ] && continue
        say "fetching $pkg"
        tmp=$(mktemp -d "$cache/dl.XXXXXX")
        if (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1) ||
           { apt-get update >/dev/null 2>&1; (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1); }; then
            mkdir -p "$cache/pkg/$pkg"
            dpkg-deb --fsys-tarfile "$tmp"/*.deb |
                tar -x -C "$cache/pkg/$pkg" --wildcards "${PAT[$pkg]}" 2>/dev/null ||
                say "$pkg: nothing extracted for ${PAT[$pkg]}"
        else
            say "apt-get download $pkg failed; skipped"
        fi
        rm -rf "$tmp"
    done
    # dedupe by content; classify by extension
    find "$cache/pkg" -type f \( -iname '*.mp4' -o -iname '*.avi' -o -iname '*.mov' -o -iname '*.mpeg' \
        -o -iname '*.mpg' -o -iname '*.ogg' -o -iname '*.ogv' -o -iname '*.mkv' -o -iname '*.webm' \) \
        -size +20k -not -path '*/audio*' -print0 | xargs -0 -r sha256sum | sort -k1,1 -u | cut -c67- > "$cache/videos.txt"
    find "$cache/pkg" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -size +8k \
        -not -path '*video_frames*' -print0 | xargs -0 -r sha256sum | sort -k1,1 -u | cut -c67- > "$cache/photos.txt"
    say "$(wc -l < "$cache/videos.txt") videos, $(wc -l < "$cache/photos.txt") photos"
    fr=$cache/frames
    rm -rf "$fr"
    mkdir -p "$fr"
    ff() { ffmpeg -nostdin -v error -y "$@"; }
    : > "$cache/real-sources.tsv.tmp"
    i=0
    VF=("scale='min(640,iw)':-2" "crop=iw*0.8:ih*0.8,scale='min(640,iw)':-2"
        "eq=brightness=0.06:contrast=1.15:saturation=1.3,scale='min(640,iw)':-2" "scale=320:-2"
        "hflip,scale='min(640,iw)':-2" "crop=iw*0.7:ih*0.7:0:0,scale='min(640,iw)':-2" "scale=160:-2"
        "rotate=2*PI/180:fillcolor=black,scale='min(640,iw)':-2")
    while IFS= read -r v; do
        i=$((i + 1))
        for k in "${!VF[@]}"; do
            d=$fr/v$i-$k
            mkdir -p "$d"
            q=3; [ $k = 3 ] && q=20
            ff -i "$v" -an -vf "${VF[$k]}" -q:v $q "$d/%06d.jpg" || say "ffmpeg failed on $v ($k)"
            printf 'v%d-%d\t%s\t%s\n' "$i" "$k" "$v" "${VF[$k]}" >> "$cache/real-sources.tsv.tmp"
        done
    done < "$cache/videos.txt"
    # the dlib video frames as one more clip
    vf=$(find "$cache/pkg" -type d -name video_frames | head -1)
    if [ -n "$vf" ]; then
        mkdir -p "$fr/dlibframes"
        cp "$vf"/*.jpg "$fr/dlibframes/" 2>/dev/null
        printf 'dlibframes\t%s\tas is\n' "$vf" >> "$cache/real-sources.tsv.tmp"
    fi
    PF=("scale='min(640,iw)':-2" "scale=320:-2" "scale=160:-2"
        "crop=iw*0.9:ih*0.9:0:0" "crop=iw*0.9:ih*0.9:iw*0.1:ih*0.1" "crop=iw*0.7:ih*0.7"
        "crop=iw*0.5:ih*0.5:0:0" "pad=iw*1.1:ih*1.1:(ow-iw)/2:(oh-ih)/2:color=white"
        "rotate=3*PI/180:fillcolor=black" "eq=brightness=0.08:contrast=1.2"
        "hue=s=0" "scale=trunc(iw*0.85/2)*2:ih,scale='min(640,iw)':-2")
    j=0
    while IFS= read -r p; do
        j=$((j + 1))
        d=$fr/p$j
        mkdir -p "$d"
        for k in "${!PF[@]}"; do
            ff -i "$p" -vf "${PF[$k]}" -q:v 4 "$d/$k.jpg" || true
        done
        printf 'p%d\t%s\t12 edits\n' "$j" "$p" >> "$cache/real-sources.tsv.tmp"
    done < "$cache/photos.txt"
    say "hashing $(find "$fr" -name '*.jpg' | wc -l) frames and edits"
    find "$fr" -name '*.jpg' | sort | xargs -r "$HC" hash --no-header --types pdq,phash > "$cache/real.csv.tmp" 2> "$cache/hash.log"
    mv "$cache/real.csv.tmp" "$cache/real.csv"
    mv "$cache/real-sources.tsv.tmp" "$cache/real-sources.tsv"
    rm -rf "$fr"
fi
cp "$cache/real.csv" "$cache/real-sources.tsv" "$OUT/"
awk -F, '$2 == "pdq" { print $3 }' "$OUT/real.csv" > "$OUT/real-pdq.hex"
awk -F, '$2 == "phash" { print $3 }' "$OUT/real.csv" > "$OUT/real-phash.hex"
say "$(wc -l < "$OUT/real-pdq.hex") PDQ and $(wc -l < "$OUT/real-phash.hex") pHash hashes in $OUT"
[ -s "$OUT/real-pdq.hex" ] || exit 77
