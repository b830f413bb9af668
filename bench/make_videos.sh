#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# HD H.264 test videos for the video benchmark (issue #4), made from real
# photos and clips of Debian packages (../shared/docs/test-media.md):
#
#   bash bench/make_videos.sh [--list FILE] [--update-manifest] [--cpu C]
#                             [--adopt]
#
# One composition of 180 s at 30 fps: 17 photos as Ken Burns shots
# (zoompan on a 3840x2160 crop of each photo: zoom in, zoom out, pan
# across, pan down; 6 s each) between 6 real clips (vtest.avi, cockatoo.mp4,
# Megamind.avi, movie-hello.mp4, motion.mov, VID_20191220_170832.mp4; scaled
# and cropped to fill the frame, resampled to 30 fps), hard cuts.  Rendered
# at 1920x1080 (scaled to 1280x720 in the same filter graph for the 720p
# files) and encoded by libx264 (one thread):
#   hd1080-g60, hd720-g60    preset medium, CRF 23, High profile, -g 60: a
#                            keyframe every 2 s (the web norm of 1-2 s),
#                            plus x264's scene-cut keyframes (web encodes);
#   hd1080-g250, hd720-g250  the same with x264's default GOP of 250;
#   hd1080-phone             phone-like: 12 Mbit/s (max 16), no B-frames,
#                            a keyframe every second exactly (-g 30, no
#                            scene-cut keyframes), preset veryfast.
#
# Inputs: `apt-get download` of the packages (never installed), only the
# listed paths extracted, into
#   ${HM_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hashmatch-corpus}/video-bench
# and checked against bench/video-manifest.tsv (sha256).  Outputs are cached
# there too, each with a stamp (the filter graph, the inputs' checksums, its
# encoder options): a second run only verifies, and a new or changed output
# is made alone.  Output checksums are compared with the manifest; a
# mismatch (another FFmpeg or x264 build) is reported, not fatal.
# --update-manifest rewrites the manifest from what is in the cache;
# --adopt marks cached outputs as current (after an edit of this script
# that does not change them).
#
# --list FILE: writes, per video, name, path, width, height, GOP, frames,
# keyframes, duration (TSV).
# Exit status: 0 ok; 77 when inputs or ffmpeg/libx264 are unavailable (the
# caller should skip, not fail); 1 on other errors.
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
manifest=$here/video-manifest.tsv
cache=${HM_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hashmatch-corpus}/video-bench
LIST=/dev/null UPDATE=0 CPU=1 ADOPT=0
while [ $# -gt 0 ]; do
    case $1 in
    --list) LIST=$2; shift 2 ;;
    --update-manifest) UPDATE=1; shift ;;
    --cpu) CPU=$2; shift 2 ;;
    --adopt) ADOPT=1; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "make_videos.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
say() { printf '[make_videos %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
PIN=(taskset -c "$CPU")
command -v taskset >/dev/null || PIN=()

# ---- the composition ----------------------------------------------------------
# P|package|path                      a photo, 6 s Ken Burns shot
# C|package|path|start|seconds        a clip
FS=./usr/share/forensics-samples/original-files
MATE=./usr/share/backgrounds/mate/nature
SEGMENTS=(
    "P|forensics-samples-files|$FS/pic2/IMG_20200608_111614.jpg"
    "C|opencv-doc|./usr/share/doc/opencv-doc/examples/data/vtest.avi|0|35"
    "P|mate-backgrounds|$MATE/Aqua.jpg"
    "P|forensics-samples-files|$FS/pic1/IMG_20200827_231612.jpg"
    "P|mate-backgrounds|$MATE/Garden.jpg"
    "C|python3-imageio|./usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4|0|14"
    "P|libdlib19.1|./usr/share/doc/libdlib19.1/examples/faces/bald_guys.jpg"
    "P|mate-backgrounds|$MATE/TwoWings.jpg"
    "P|forensics-samples-files|$FS/pic2/IMG_20191224_234846.jpg"
    "C|opencv-doc|./usr/share/doc/opencv-doc/examples/data/Megamind.avi|0|11.2"
    "P|mate-backgrounds|$MATE/LadyBird.jpg"
    "P|palapeli-data|./usr/share/palapeli/collection/european-honey-bee.jpg"
    "P|mate-backgrounds|$MATE/Wood.jpg"
    "C|forensics-samples-files|$FS/movie2/movie-hello.mp4|0|8.3"
    "P|forensics-samples-files|$FS/pic2/IMG_20200124_231153.jpg"
    "P|mate-backgrounds|$MATE/Storm.jpg"
    "C|node-opencv|./usr/share/doc/node-opencv/examples/files/motion.mov|0|8"
    "P|mate-backgrounds|$MATE/RainDrops.jpg"
    "P|forensics-samples-files|$FS/pic1/IMG_1054.JPG"
    "C|forensics-samples-files|$FS/movie1/VID_20191220_170832.mp4|0|1.6"
    "P|mate-backgrounds|$MATE/YellowFlower.jpg"
    "P|mate-backgrounds|$MATE/Blinds.jpg"
    "P|mate-backgrounds|$MATE/Dune.jpg"
)
# name|width|height|gop|encoder options (libx264, one thread, yuv420p, no audio)
OUTPUTS=(
    "hd1080-g60|1920|1080|60|-preset medium -crf 23 -profile:v high -g 60"
    "hd1080-g250|1920|1080|250|-preset medium -crf 23 -profile:v high -g 250"
    "hd720-g60|1280|720|60|-preset medium -crf 23 -profile:v high -g 60"
    "hd720-g250|1280|720|250|-preset medium -crf 23 -profile:v high -g 250"
    "hd1080-phone|1920|1080|30|-preset veryfast -profile:v high -bf 0 -g 30 -sc_threshold 0 -b:v 12M -maxrate 16M -bufsize 16M"
)
X264=(-c:v libx264 -pix_fmt yuv420p -threads 1 -an)
PHOTO_SECONDS=6 FPS=30

# ---- tools ------------------------------------------------------------------
for t in apt-get dpkg-deb tar sha256sum ffmpeg ffprobe; do
    command -v "$t" >/dev/null 2>&1 || { say "$t not found; skipping"; exit 77; }
done
case $(ffmpeg -hide_banner -encoders 2>/dev/null) in *" libx264 "*) ;; *) false ;; esac ||
    { say "this ffmpeg has no libx264 encoder; skipping"; exit 77; }
mkdir -p "$cache/pkg" "$cache/out" 2>/dev/null && [ -w "$cache" ] ||
    { say "cannot create a writable cache directory $cache; skipping"; exit 77; }

# ---- 1. inputs --------------------------------------------------------------------
declare -A WANT # package -> space-separated paths
for s in "${SEGMENTS[@]}"; do
    IFS='|' read -r _ pkg path _ <<< "$s"
    case " ${WANT[$pkg]:-} " in *" $path "*) ;; *) WANT[$pkg]="${WANT[$pkg]:-} $path" ;; esac
done
updated=0
fetch() { # pkg paths...
    local pkg=$1 tmp deb
    shift
    say "fetching $pkg ($# files) with apt-get download"
    tmp=$(mktemp -d "$cache/dl.XXXXXX") || return 1
    if ! (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>"$tmp/apt.log"); then
        if [ "$(id -u)" = 0 ] && [ $updated = 0 ]; then
            updated=1
            apt-get update >/dev/null 2>&1 || true
            (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>"$tmp/apt.log")
        fi
    fi
    deb=$(ls "$tmp"/*.deb 2>/dev/null | head -1)
    if [ -z "$deb" ]; then
        say "apt-get download $pkg failed: $(grep -m1 -E '^(E|W):' "$tmp/apt.log" 2>/dev/null || echo unknown error)"
        rm -rf "$tmp"
        return 1
    fi
    mkdir -p "$cache/pkg/$pkg"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache/pkg/$pkg" "$@" 2>/dev/null ||
        say "$pkg: some paths were not in $(basename "$deb")"
    rm -rf "$tmp"
}
for pkg in "${!WANT[@]}"; do
    need=()
    for path in ${WANT[$pkg]}; do [ -f "$cache/pkg/$pkg/${path#./}" ] || need+=("$path"); done
    [ ${#need[@]} -eq 0 ] || fetch "$pkg" "${need[@]}" || true
done
missing=0
for pkg in "${!WANT[@]}"; do
    for path in ${WANT[$pkg]}; do
        [ -f "$cache/pkg/$pkg/${path#./}" ] || { say "missing input: $pkg $path"; missing=$((missing + 1)); }
    done
done
if [ $missing -gt 0 ]; then
    say "$missing input(s) could not be fetched; skipping the video benchmark"
    exit 77
fi
# sha256 of the inputs against the manifest
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
man_sha() { # kind name -> sha256 recorded in the manifest (or empty)
    [ -f "$manifest" ] || return 0
    awk -F'\t' -v k="$1" -v n="$2" '$1 == k && $3 == n { print $4; exit }' "$manifest"
}
bad_inputs=0
declare -A INSHA
for pkg in "${!WANT[@]}"; do
    for path in ${WANT[$pkg]}; do
        sha=$(sha_of "$cache/pkg/$pkg/${path#./}")
        INSHA["$pkg|$path"]=$sha
        want=$(man_sha input "$path")
        if [ -n "$want" ] && [ "$want" != "$sha" ]; then
            say "input differs from the manifest (another package version?): $pkg $path"
            bad_inputs=$((bad_inputs + 1))
        fi
    done
done

# ---- 2. render and encode ------------------------------------------------------------
# The filter graph of the composition (rendered at 1920x1080).
args=() fc="" n=0 i=0
for s in "${SEGMENTS[@]}"; do
    IFS='|' read -r kind pkg path start secs <<< "$s"
    f=$cache/pkg/$pkg/${path#./}
    if [ "$kind" = P ]; then
        args+=(-i "$f")
        d=$((PHOTO_SECONDS * FPS)) l=$((PHOTO_SECONDS * FPS - 1))
        # four camera moves in turn (zoom in, zoom out, pan right, pan down)
        case $((n % 4)) in
        0) zp="z='1+0.3*on/$l':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2'" ;;
        1) zp="z='1.3-0.3*on/$l':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2'" ;;
        2) zp="z='1.25':x='(iw-iw/zoom)*on/$l':y='(ih-ih/zoom)/2'" ;;
        3) zp="z='1.25':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)*on/$l'" ;;
        esac
        fc+="[$i:v]scale=3840:2160:force_original_aspect_ratio=increase,crop=3840:2160,setsar=1,"
        fc+="zoompan=$zp:d=$d:s=1920x1080:fps=$FPS,format=yuv420p,setsar=1[s$i];"
        n=$((n + 1))
    else
        args+=(-ss "$start" -t "$secs" -i "$f")
        fc+="[$i:v]fps=$FPS,scale=1920:1080:force_original_aspect_ratio=increase,"
        fc+="crop=1920:1080,format=yuv420p,setsar=1[s$i];"
    fi
    i=$((i + 1))
done
for ((j = 0; j < i; j++)); do fc+="[s$j]"; done
fc+="concat=n=$i:v=1:a=0"
# Each output is cached with a stamp: the graph, the inputs' checksums, its
# encoder options.  Only missing or stale outputs are made (in one pass).
base=$( { echo "$fc"; for k in "${!INSHA[@]}"; do echo "$k ${INSHA[$k]}"; done | sort; } | sha256sum | cut -c1-16)
stamp_of() { echo "$base $1 ${X264[*]}" | sha256sum | cut -c1-16; }
todo=()
for o in "${OUTPUTS[@]}"; do
    IFS='|' read -r name w h gop opts <<< "$o"
    if [ $ADOPT = 1 ] && [ -s "$cache/out/$name.mp4" ]; then stamp_of "$o" > "$cache/out/$name.stamp"; fi
    [ -s "$cache/out/$name.mp4" ] && [ "$(cat "$cache/out/$name.stamp" 2>/dev/null)" = "$(stamp_of "$o")" ] ||
        todo+=("$o")
done
if [ ${#todo[@]} -gt 0 ]; then
    fc+=",split=${#todo[@]}"
    for k in "${!todo[@]}"; do fc+="[t$k]"; done
    outs=()
    for k in "${!todo[@]}"; do
        IFS='|' read -r name w h gop opts <<< "${todo[$k]}"
        if [ "$w" = 1920 ] && [ "$h" = 1080 ]; then fc+=";[t$k]null[o$k]"
        else fc+=";[t$k]scale=$w:$h[o$k]"; fi
        read -r -a o_opts <<< "$opts"
        outs+=(-map "[o$k]" "${X264[@]}" "${o_opts[@]}" "$cache/out/$name.tmp.mp4")
        rm -f "$cache/out/$name.stamp"
    done
    say "rendering ${#SEGMENTS[@]} segments and encoding ${#todo[@]} file(s) on one core (about 4 minutes per file)"
    if ! "${PIN[@]}" ffmpeg -nostdin -hide_banner -v error -y "${args[@]}" \
            -filter_complex "$fc" "${outs[@]}" 2> "$cache/out/ffmpeg.log"; then
        say "ffmpeg failed:"
        tail -5 "$cache/out/ffmpeg.log" >&2
        exit 1
    fi
    for o in "${todo[@]}"; do
        IFS='|' read -r name _ <<< "$o"
        mv "$cache/out/$name.tmp.mp4" "$cache/out/$name.mp4"
        stamp_of "$o" > "$cache/out/$name.stamp"
    done
fi

# ---- 3. outputs: facts, checksums, manifest, list --------------------------------------
: > "$LIST"
declare -A OUTROW
bad_outputs=0
for o in "${OUTPUTS[@]}"; do
    IFS='|' read -r name w h gop opts <<< "$o"
    f=$cache/out/$name.mp4
    facts=$cache/out/$name.facts
    if [ ! -s "$facts" ] || [ "$facts" -ot "$f" ]; then
        # frames, keyframes (packet flags), duration, bit rate
        ffprobe -v error -select_streams v:0 -show_entries packet=flags -of csv=p=0 "$f" |
            awk '{ n++; if ($0 ~ /K/) k++ } END { printf "%d\t%d", n, k }' > "$facts.tmp"
        dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
        printf '\t%.3f\t%d\n' "$dur" "$(stat -c %s "$f")" >> "$facts.tmp"
        mv "$facts.tmp" "$facts"
    fi
    IFS=$'\t' read -r frames keys dur bytes < "$facts"
    sha=$(sha_of "$f")
    OUTROW[$name]="output	libx264 $opts	$name.mp4	$sha	${w}x$h	$frames frames, $keys keyframes, $dur s, $((bytes * 8 / ${dur%.*} / 1000)) kbit/s"
    want=$(man_sha output "$name.mp4")
    if [ -n "$want" ] && [ "$want" != "$sha" ]; then
        say "$name.mp4 differs from the manifest (another FFmpeg/x264 build?): figures are for this file"
        bad_outputs=$((bad_outputs + 1))
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$f" "$w" "$h" "$gop" "$frames" "$keys" "$dur" >> "$LIST"
done
if [ $UPDATE = 1 ]; then
    {
        printf '# Inputs and outputs of bench/make_videos.sh (sha256).  Made with: %s; %s.\n' \
            "$(ffmpeg -version | head -1 | cut -d' ' -f1-3)" \
            "libx264 $(dpkg-query -W -f '${Version}' 'libx264-1*' 2>/dev/null | head -1)"
        printf 'kind\tpackage_or_recipe\tname\tsha256\tsize\tnotes\n'
        for s in "${SEGMENTS[@]}"; do
            IFS='|' read -r kind pkg path start secs <<< "$s"
            f=$cache/pkg/$pkg/${path#./}
            wh=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 "$f")
            if [ "$kind" = P ]; then note="photo, ${PHOTO_SECONDS} s Ken Burns"
            else note="clip, ${secs} s from ${start} s"; fi
            printf 'input\t%s %s\t%s\t%s\t%s\t%s\n' "$pkg" \
                "$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate/ { print $2 }')" \
                "$path" "${INSHA["$pkg|$path"]}" "$wh" "$note"
        done
        for o in "${OUTPUTS[@]}"; do
            IFS='|' read -r name _ <<< "$o"
            printf '%s\n' "${OUTROW[$name]}"
        done
    } > "$manifest"
    say "manifest written: $manifest"
fi
say "videos ready in $cache/out ($bad_inputs input(s), $bad_outputs output(s) differ from the manifest)"
exit 0
