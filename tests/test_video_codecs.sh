#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every codec Debian's FFmpeg decodes, odd frame sizes and a variable frame
# rate: the sample clip is re-encoded with the ffmpeg tool into each codec
# and container, hashed frame by frame with hashcheck, and every frame of
# quality >= 50 must lie within 31 bits of the same frame of the source
# (vPDQ's tolerance).  Skipped, with a message, without the ffmpeg tool.
set -uo pipefail
bin=$1 data=$2
if ! command -v ffmpeg >/dev/null; then
  echo "SKIPPED: the ffmpeg tool is not installed"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
src="$data/video/test-padded-dimensions.mp4"
ff() { ffmpeg -nostdin -v error -y -i "$src" -t 2 "$@" 2>"$tmp/ff.err" || cat "$tmp/ff.err"; }
pass=0 fail=0
"$bin" video --mode all --vpdq-out "$src" >"$tmp/ref.txt"

# compare FILE [scaled]: frame-by-frame distances to the source
compare() {
  "$bin" video --mode all --vpdq-out "$1" >"$tmp/got.txt" 2>"$tmp/err" || { echo "FAILED: $1: $(cat "$tmp/err")"; fail=$((fail+1)); return; }
  python3 - "$tmp/ref.txt" "$tmp/got.txt" "$1" <<'PY' && pass=$((pass+1)) || fail=$((fail+1))
import sys
ref = {int(l.split(',')[0]): l.split(',') for l in open(sys.argv[1])}
got = [l.split(',') for l in open(sys.argv[2])]
worst, n = 0, 0
for g in got:
    r = ref.get(int(g[0]))
    if r is None or int(r[1]) < 50 or int(g[1]) < 50:
        continue
    d = bin(int(r[2], 16) ^ int(g[2], 16)).count('1')
    worst, n = max(worst, d), n + 1
name = sys.argv[3].rsplit('/', 1)[-1]
print(f"{name}: {len(got)} frames, {n} compared, worst distance {worst}")
sys.exit(0 if n >= 30 and worst <= 31 else 1)
PY
}

ff -c:v libx264 -crf 23 "$tmp/h264.mp4";           compare "$tmp/h264.mp4"
ff -c:v libx265 -crf 28 -x265-params log-level=error "$tmp/hevc.mp4"; compare "$tmp/hevc.mp4"
ff -c:v libvpx -b:v 1M "$tmp/vp8.webm";             compare "$tmp/vp8.webm"
ff -c:v libvpx-vp9 -crf 35 -b:v 0 -deadline realtime -cpu-used 8 "$tmp/vp9.webm"; compare "$tmp/vp9.webm"
ff -c:v libsvtav1 -crf 40 -preset 10 "$tmp/av1.mkv"; compare "$tmp/av1.mkv"
ff -c:v mpeg4 -q:v 4 "$tmp/mpeg4.avi";               compare "$tmp/mpeg4.avi"
ff -c:v msmpeg4 -q:v 4 "$tmp/msmpeg4.avi";           compare "$tmp/msmpeg4.avi"
ff -c:v mpeg2video -q:v 4 "$tmp/mpeg2.mpg";          compare "$tmp/mpeg2.mpg"
ff -c:v mpeg2video -q:v 4 -f mpegts "$tmp/mpeg2.ts"; compare "$tmp/mpeg2.ts"
ff -c:v mjpeg -q:v 4 "$tmp/mjpeg.avi";               compare "$tmp/mjpeg.avi"
ff -c:v libtheora -q:v 7 "$tmp/theora.ogv";          compare "$tmp/theora.ogv"
# odd frame size (vPDQ hashes at the coded size; the picture is the same)
ff -vf scale=317:319 -pix_fmt yuv444p -c:v libx264 -crf 20 "$tmp/odd.mp4"; compare "$tmp/odd.mp4"
# variable frame rate: frames dropped at irregular times; vPDQ numbers the
# decoded frames, so only the count is checked
ff -vf "select='not(eq(mod(n\,7)\,3))',setpts=N/FRAME_RATE/TB" -vsync vfr -c:v libx264 "$tmp/vfr.mkv"
if "$bin" video --mode all --vpdq-out "$tmp/vfr.mkv" >"$tmp/vfr.txt" 2>/dev/null &&
   [ "$(wc -l <"$tmp/vfr.txt")" -ge 40 ]; then pass=$((pass+1)); else echo "FAILED: vfr"; fail=$((fail+1)); fi
echo "test_video_codecs: $pass passed, $fail failed"
[ $fail -eq 0 ]
