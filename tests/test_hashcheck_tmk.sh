#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# hashcheck and TMK+PDQF end to end, against the reference data of
# tests/data/tmk: `video --tmk DIR` writes the reference's .tmk bytes
# (named as tmk-hash-video -d names them; the first input wins a name),
# `--tmk-base64` prints the same bytes in base64; `compare` of .tmk files,
# their base64 and videos prints every reference pair's level-1 and
# level-2 scores to the reference's six decimals, with the verdict of the
# thresholds as its exit status; `index build` of the reference .tmk files
# (and base64, and videos with --tmk) then `match` of .tmk files and videos
# finds exactly the reference pairs whose scores reach the thresholds (the
# defaults, or --tmk-level1/--tmk-level2), with both scores, in CSV, JSON
# and text; damaged .tmk files, non-videos and over-limit videos give the
# contract's exit statuses and say why; options of the other rules are
# usage errors.  Videos come from files, standard input and named pipes;
# `match --list` takes .tmk files and their base64 as index build does.  JSON outputs are validated against
# docs/hashcheck.schema.json.
# Usage: test_hashcheck_tmk.sh HASHCHECK DATA_DIR
set -uo pipefail
data=$2
ref=$data/tmk
exp=$ref/expected/tmk
. "$(dirname "$0")/hashcheck_test_lib.sh" "$1"

# ---- video --tmk: the reference's bytes ------------------------------------
# three of the reference videos (about 2 s of hashing), from two folders
mkdir "$tmp/tmk"
run "$bin" video -j 2 --tmk "$tmp/tmk" --tmk-base64 "$ref/videos/chair-19-sd-bar.mp4" \
  "$ref/videos/pattern-sd-grey-bar.mp4" "$data/video/doorknob-hd-no-bar.mp4"
ok [ "$rc" -eq 0 ]
ok [ "$(head -1 "$tmp/out")" = "file,frames,tmk_file,tmk" ]
ok [ "$(wc -l <"$tmp/out")" -eq 4 ]
for v in chair-19-sd-bar pattern-sd-grey-bar doorknob-hd-no-bar; do
  ok cmp "$tmp/tmk/$v.tmk" "$exp/$v.tmk"
  # the CSV: the frame count of the reference, the file written, its base64
  ok py '
import base64, csv, sys
name, out, counts, tmk = sys.argv[1:5]
csv.field_size_limit(1 << 20)  # the base64 of a .tmk: 351,128 characters
rows = {r["file"].rsplit("/", 1)[-1]: r for r in csv.DictReader(open(out))}
r = rows[name + ".mp4"]
want = {l.split(",")[0]: l.strip().split(",")[1] for l in open(counts)}
assert r["frames"] == want[name + ".tmk"], (r["frames"], want[name + ".tmk"])
assert r["tmk_file"].endswith("/" + name + ".tmk"), r["tmk_file"]
assert base64.b64decode(r["tmk"], validate=True) == open(tmk, "rb").read()
' "$v" "$tmp/out" "$ref/expected/frame-counts.csv" "$exp/$v.tmk"
done
ok [ "$(ls "$tmp/tmk" | wc -l)" -eq 3 ]
# stdin, base64 alone: the same bytes as a file of the same video
run "$bin" video --tmk-base64 --no-header - <"$ref/limits/one-frame.mp4"
ok [ "$rc" -eq 0 ]
ok [ "$(cut -d, -f1-3 "$tmp/out")" = "-,1," ]
cut -d, -f4 "$tmp/out" | base64 -d >"$tmp/stdin.tmk"
run "$bin" video --tmk "$tmp/tmk" "$ref/limits/one-frame.mp4"
ok [ "$rc" -eq 0 ]
ok cmp "$tmp/stdin.tmk" "$tmp/tmk/one-frame.tmk"
ok [ "$(stat -c %s "$tmp/tmk/one-frame.tmk")" -eq 263344 ]
# a named pipe is read as standard input is (media.c, as every input):
# the same bytes; compare and match take stdin and pipes too (below)
mkfifo "$tmp/pipe"
feed() { cat "$1" >"$tmp/pipe" 2>/dev/null & feeder=$!; }  # FILE through $tmp/pipe
# after the command: a writer still waiting for a reader is let go
fed() { exec 3<>"$tmp/pipe"; exec 3<&-; wait "$feeder" 2>/dev/null; }
feed "$ref/limits/one-frame.mp4"
run "$bin" video --tmk-base64 --no-header "$tmp/pipe"; fed
ok [ "$rc" -eq 0 ]
ok [ "$(cut -d, -f1-3 "$tmp/out")" = "$tmp/pipe,1," ]
cut -d, -f4 "$tmp/out" | base64 -d >"$tmp/pipe.tmk"
ok cmp "$tmp/pipe.tmk" "$tmp/tmk/one-frame.tmk"
feed "$ref/limits/one-frame.mp4"
run "$bin" video --tmk-base64 --max-bytes 1000 "$tmp/pipe"; fed
ok [ "$rc" -eq 1 ]
ok grep -q "^hashcheck: $tmp/pipe: input is over the limit of 1000 bytes (--max-bytes)" "$tmp/err"
# two inputs of one name: the first (in input order, whatever -j) is
# written, the second fails and says why; the others go on
mkdir -p "$tmp/a" "$tmp/b" "$tmp/same"
cp "$ref/limits/one-frame.mp4" "$tmp/a/x.mp4"
cp "$ref/limits/one-frame.mp4" "$tmp/b/x.mp4"
printf 'not a video\n' >"$tmp/b/notes.txt"
run "$bin" video -j 3 --tmk "$tmp/same" "$tmp/a" "$tmp/b"
ok [ "$rc" -eq 1 ]
ok grep -qx "$tmp/a/x.mp4,1,$tmp/same/x.tmk," "$tmp/out"
ok [ "$(wc -l <"$tmp/out")" -eq 2 ]
ok grep -q "^hashcheck: $tmp/b/x.mp4: its .tmk file $tmp/same/x.tmk was written for an earlier input in this run; not overwritten$" "$tmp/err"
ok grep -q "^hashcheck: $tmp/b/notes.txt: not a readable video" "$tmp/err"
ok grep -q "3 files, 2 failed" "$tmp/err"
ok [ "$(ls "$tmp/same")" = x.tmk ]

# ---- video --tmk: errors and limits ----------------------------------------
run "$bin" video --tmk "$tmp/same" "$ref/limits/no-frames.avi" "$ref/limits/ten-hours.mkv" \
  "$data/pdq-reference/threatexchange/pdq/data/misc-images/wee.jpg"
ok [ "$rc" -eq 1 ]
ok [ "$(wc -l <"$tmp/out")" -eq 1 ]   # the header alone
ok grep -q "^hashcheck: $ref/limits/no-frames.avi: video: no frame could be decoded (" "$tmp/err"
ok grep -q "^hashcheck: $ref/limits/ten-hours.mkv: .*over the limit of 14400 s (max_duration)" "$tmp/err"
ok grep -q "wee.jpg: not a readable video" "$tmp/err"
ok grep -q "3 files, 3 failed" "$tmp/err"
run "$bin" video --tmk-base64 --max-bytes 1000 "$ref/limits/one-frame.mp4"
ok [ "$rc" -eq 1 ]
ok grep -q "one-frame.mp4: 2898 bytes, over the limit of 1000 bytes" "$tmp/err"
run "$bin" video --tmk-base64 --max-bytes 1000 - <"$ref/limits/one-frame.mp4"
ok [ "$rc" -eq 1 ]
ok grep -q "^hashcheck: -: input is over the limit of 1000 bytes (--max-bytes)" "$tmp/err"
# usage errors: nothing done, two lines
usage_error() { # FIRST-LINE ARGS...
  local want=$1; shift
  run "$bin" "$@"
  ok [ "$rc" -eq 64 ]
  ok [ ! -s "$tmp/out" ]
  ok [ "$(head -1 "$tmp/err")" = "hashcheck: $want" ]
  ok [ "$(wc -l <"$tmp/err")" -eq 2 ]
}
one=$ref/limits/one-frame.mp4
usage_error "--tmk needs a directory: $tmp/nodir: No such file or directory" video --tmk "$tmp/nodir" "$one"
usage_error "--tmk needs a directory: $one: not a directory" video --tmk "$one" "$one"
usage_error "--tmk needs a value" video "$one" --tmk
vpdq_msg="--mode, --interval, --size, --apply-rotation, --types and --vpdq-out choose vPDQ's frames: TMK takes every frame (--tmk, --tmk-base64)"
usage_error "$vpdq_msg" video --tmk-base64 --mode all "$one"
usage_error "$vpdq_msg" video --tmk "$tmp/tmk" --vpdq-out "$one"
usage_error "$vpdq_msg" video --tmk-base64 --types pdq "$one"

# ---- compare: every reference pair, from the .tmk files --------------------
# (A's hash first, as the reference's pair list has it; exit 0 when both
# scores reach 0.7, else 1)
tail -n +2 "$ref/expected/pair-scores.csv" >"$tmp/pairs"
npairs=0 nalike=0
while IFS=, read -r a b l1 l2; do
  run "$bin" compare "$exp/$a" "$exp/$b"
  want=$(awk -v x="$l1" -v y="$l2" 'BEGIN { print (x >= 0.7 && y >= 0.7) ? 0 : 1 }')
  ok [ "$rc" -eq "$want" ]
  ok grep -qE "^tmk +$l1 +$l2  $([ "$want" = 0 ] && echo alike || echo different) \(thresholds 0.7, 0.7\)$" "$tmp/out"
  npairs=$((npairs+1)); nalike=$((nalike+(want == 0)))
done <"$tmp/pairs"
ok [ "$npairs" -eq 91 ]
ok [ "$nalike" -gt 0 ] && ok [ "$nalike" -lt 91 ]   # both verdicts were seen
ok grep -q "^A: $exp/.* (.tmk file, [0-9]* frames at 15 fps)$" "$tmp/out"

# videos, .tmk files and base64 mixed; JSON
pair() { grep "^$1.tmk,$2.tmk," "$ref/expected/pair-scores.csv" | cut -d, -f3,4; }
base64 -w 0 "$exp/pattern-hd-no-bar.tmk" >"$tmp/hd.b64"; echo >>"$tmp/hd.b64"   # a line, as saved
run "$bin" compare --format json "$tmp/hd.b64" "$ref/videos/pattern-sd-grey-bar.mp4"
ok [ "$rc" -eq 0 ]
ok py '
import json, sys
r = json.load(open(sys.argv[1]))
l1, l2 = sys.argv[2].split(",")
c, = r["comparisons"]
assert c["type"] == "tmk" and "%.6f" % c["level1"] == l1 and "%.6f" % c["level2"] == l2, (c, l1, l2)
assert c["level1_threshold"] == 0.7 and c["level2_threshold"] == 0.7 and c["alike"] and r["alike"]
assert r["a"]["kind"] == "tmk" and r["a"]["tmk_frames"] == 105, r["a"]  # frame-counts.csv
assert r["b"]["kind"] == "video" and r["b"]["tmk_frames"] == 105 and r["b"]["frames_hashed"] == 105, r["b"]
' "$tmp/out" "$(pair pattern-hd-no-bar pattern-sd-grey-bar)"
# two videos by --tmk: the pair's scores (B first here: the reference order)
l=$(pair pattern-sd-grey-bar pattern-sd-with-small-logo-bar)
run "$bin" compare --tmk "$ref/videos/pattern-sd-grey-bar.mp4" "$ref/videos/pattern-sd-with-small-logo-bar.mp4"
ok grep -qE "^tmk +${l%,*} +${l#*,}  " "$tmp/out"
ok grep -q "^B: .*pattern-sd-with-small-logo-bar.mp4 (video, h264 [0-9]*x[0-9]*, [0-9]* frames at 15 fps)$" "$tmp/out"
# a video against the .tmk made from it: 1 and 1
run "$bin" compare "$ref/videos/chair-19-sd-bar.mp4" "$exp/chair-19-sd-bar.tmk"
ok [ "$rc" -eq 0 ]
ok grep -qE "^tmk +1.000000 +1.000000  alike" "$tmp/out"
# the same from standard input and from a named pipe
run "$bin" compare - "$exp/chair-19-sd-bar.tmk" <"$ref/videos/chair-19-sd-bar.mp4"
ok [ "$rc" -eq 0 ]
ok grep -qE "^tmk +1.000000 +1.000000  alike" "$tmp/out"
ok grep -q "^A: - (video, h264 " "$tmp/out"
feed "$ref/videos/chair-19-sd-bar.mp4"
run "$bin" compare --tmk "$tmp/pipe" "$ref/videos/chair-19-sd-bar.mp4"; fed
ok [ "$rc" -eq 0 ]
ok grep -qE "^tmk +1.000000 +1.000000  alike" "$tmp/out"
# the thresholds: a near copy fails a stricter level 2
run "$bin" compare --tmk-level2 0.999 "$exp/chair-19-sd-bar.tmk" "$exp/chair-20-sd-bar.tmk"
ok [ "$rc" -eq 1 ]
ok grep -q "different (thresholds 0.7, 0.999)$" "$tmp/out"
# a distant pair (0.434537, 0.550426): different by the defaults, alike at 0.4 and 0.5
run "$bin" compare --format json --tmk-level1 0.4 --tmk-level2 0.5 "$exp/chair-19-sd-bar.tmk" "$exp/chair-22-with-large-logo-bar.tmk"
ok [ "$rc" -eq 0 ]
ok py '
import json, sys
c = json.load(open(sys.argv[1]))["comparisons"][0]
assert c["level1_threshold"] == 0.4 and c["level2_threshold"] == 0.5 and c["alike"], c
' "$tmp/out"
run "$bin" compare "$exp/chair-19-sd-bar.tmk" "$exp/chair-22-with-large-logo-bar.tmk"
ok [ "$rc" -eq 1 ]

# ---- compare: damaged hashes, non-videos, limits: 2 and why ----------------
head -c 1000 "$exp/chair-19-sd-bar.tmk" >"$tmp/trunc.tmk"
cp "$exp/chair-19-sd-bar.tmk" "$tmp/magic.tmk"; printf 'FVEX' | dd of="$tmp/magic.tmk" bs=1 seek=4 conv=notrunc 2>/dev/null
cp "$exp/chair-19-sd-bar.tmk" "$tmp/nan.tmk"; printf '\000\000\300\177' | dd of="$tmp/nan.tmk" bs=1 seek=400 conv=notrunc 2>/dev/null
{ cat "$exp/chair-19-sd-bar.tmk"; printf 'x'; } >"$tmp/long.tmk"
printf 'VE1LMUZW!!' >"$tmp/bad.b64"
printf 'hello\n' >"$tmp/notes.txt"
good=$exp/chair-20-sd-bar.tmk
for c in "trunc.tmk:truncated" "magic.tmk:magic" "nan.tmk:" "long.tmk:too long" "bad.b64:base64"; do
  run "$bin" compare "$tmp/${c%%:*}" "$good"
  ok [ "$rc" -eq 2 ]
  ok [ ! -s "$tmp/out" ]
  ok grep -q "^hashcheck: $tmp/${c%%:*}: .*${c#*:}.*(malformed" "$tmp/err"
done
run "$bin" compare "$good" "$tmp/notes.txt"
ok [ "$rc" -eq 2 ]
ok grep -q "notes.txt: not a readable video .*; TMK+PDQF compares videos and .tmk files (or their base64)" "$tmp/err"
run "$bin" compare "$ref/limits/ten-hours.mkv" "$good"
ok [ "$rc" -eq 2 ]
ok grep -q "ten-hours.mkv: .*(max_duration)" "$tmp/err"
run "$bin" compare --tmk "$ref/limits/no-frames.avi" "$one"
ok [ "$rc" -eq 2 ]
ok grep -q "no-frames.avi: video: no frame could be decoded" "$tmp/err"
run "$bin" compare "$good" pdq:f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
ok [ "$rc" -eq 2 ]
ok grep -q "a pdq hash cannot be compared by TMK+PDQF" "$tmp/err"
# options of the other rules, thresholds without TMK, out-of-range thresholds
tmk_msg="TMK+PDQF (--tmk, or a .tmk side) is compared alone, by its own rule: --types, --dihedral, --radius, --query-percent, --target-percent, --mode, --interval, --size and --apply-rotation do not apply to it"
usage_error "$tmk_msg" compare --types pdq "$good" "$good"
usage_error "$tmk_msg" compare --dihedral "$good" "$good"
usage_error "$tmk_msg" compare --tmk --radius 3 "$one" "$one"
usage_error "$tmk_msg" compare --tmk --mode all "$one" "$one"
usage_error "--tmk-level1 and --tmk-level2 apply to TMK+PDQF (--tmk, or a .tmk side)" compare --tmk-level1 0.5 "$one" "$one"
usage_error "--tmk-level2 needs a score 0..1" compare --tmk-level2 1.5 "$good" "$good"
usage_error "--tmk-level1 needs a score 0..1" compare --tmk-level1 -1 "$good" "$good"

# ---- index build and match: TMK+PDQF entries --------------------------------
# the 14 reference .tmk files (read, not hashed: fast) as known videos, by
# file name; one as base64 (TCAP's form) in another list with labels
run "$bin" index build -o "$tmp/tmk.hmi" --id name "$exp"
ok [ "$rc" -eq 0 ]
ok grep -q "^hashcheck: media: .*, 14 TMK+PDQF hashes$" "$tmp/err"
ok grep -q "^hashcheck: wrote $tmp/tmk.hmi: 14 entries in 1 list$" "$tmp/err"
# every .tmk file as a query (CSV, -j 2): its matches are exactly the pairs of
# pair-scores.csv whose two scores reach the thresholds, and itself (1 and
# 1), each with the pair's scores to six decimals
check_pairs() { # CSV T1 T2 QUERY-NAMES...
  py '
import csv, sys
out, t1, t2 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
queries = sys.argv[5:]
pairs = {}
for r in csv.DictReader(open(sys.argv[4])):
    pairs[(r["a"], r["b"])] = pairs[(r["b"], r["a"])] = (r["level1"], r["level2"])
want = set()
for q in queries:
    want.add((q, q, "1.000000", "1.000000"))
    for (a, b), (l1, l2) in pairs.items():
        if a == q and float(l1) >= t1 and float(l2) >= t2:
            want.add((q, b, l1, l2))
got = set()
for r in csv.DictReader(open(out)):
    assert r["type"] == "tmk" and r["list"] == "media" and r["distance"] == "" and r["query_percent"] == "", r
    q = r["file"].rsplit("/", 1)[-1].rsplit(".", 1)[0] + ".tmk"
    got.add((q, r["entry_id"], r["level1"], r["level2"]))
assert got == want, (sorted(got - want), sorted(want - got))
assert len(want) > len(queries)  # some pairs matched besides the queries themselves
' "$@"
}
run "$bin" match -j 2 --format csv --index "$tmp/tmk.hmi" "$exp"
ok [ "$rc" -eq 1 ]
ok check_pairs "$tmp/out" 0.7 0.7 "$ref/expected/pair-scores.csv" $(ls "$exp")
ok grep -q "^hashcheck: 14 files, 14 matched" "$tmp/err"
# thresholds for every list: only the closer pairs
run "$bin" match --format csv --tmk-level1 0.95 --tmk-level2 0.96 --index "$tmp/tmk.hmi" "$exp"
ok [ "$rc" -eq 1 ]
ok check_pairs "$tmp/out" 0.95 0.96 "$ref/expected/pair-scores.csv" $(ls "$exp")
# videos hashed to TMK+PDQF as queries (a file and standard input): the
# matches of their reference .tmk files
run "$bin" match --format csv --no-header --index "$tmp/tmk.hmi" "$exp/pattern-sd-grey-bar.tmk"
cp "$tmp/out" "$tmp/want.csv"
run "$bin" match --format csv --no-header --index "$tmp/tmk.hmi" "$ref/videos/pattern-sd-grey-bar.mp4"
ok [ "$rc" -eq 1 ]
ok [ "$(cut -d, -f2- "$tmp/out")" = "$(cut -d, -f2- "$tmp/want.csv")" ]
ok [ "$(grep -c . "$tmp/out")" -eq 4 ]   # itself and 3 others (pair-scores.csv)
run "$bin" match --format csv --no-header --index "$tmp/tmk.hmi" - <"$ref/videos/pattern-sd-grey-bar.mp4"
ok [ "$rc" -eq 1 ]
ok [ "$(cut -d, -f2- "$tmp/out")" = "$(cut -d, -f2- "$tmp/want.csv")" ]
feed "$ref/videos/pattern-sd-grey-bar.mp4"
run "$bin" match --format csv --no-header --index "$tmp/tmk.hmi" "$tmp/pipe"; fed
ok [ "$rc" -eq 1 ]
ok [ "$(cut -d, -f2- "$tmp/out")" = "$(cut -d, -f2- "$tmp/want.csv")" ]
# JSON and text: both scores, both thresholds, the list, the entry, labels
base64 -w 0 "$exp/chair-19-sd-bar.tmk" >"$tmp/c19.b64"
run "$bin" index build -o "$tmp/tmk2.hmi" --list-name gifct --labels "terror; video" "$tmp/c19.b64" "$exp/chair-20-sd-bar.tmk" "$exp/pattern-hd-no-bar.tmk"
ok [ "$rc" -eq 0 ]
ok grep -q "wrote $tmp/tmk2.hmi: 3 entries in 1 list$" "$tmp/err"
run "$bin" match --index "$tmp/tmk2.hmi" "$exp/chair-22-sd-grey-bar.tmk" "$tmp/c19.b64" "$ref/videos/pattern-sd-grey-bar.mp4" \
  "$data/pdq-reference/threatexchange/pdq/data/misc-images/wee.jpg"
ok [ "$rc" -eq 1 ]
ok py '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def pair(a, b):
    for l in open(sys.argv[3]):
        x = l.strip().split(",")
        if {x[0], x[1]} == {a + ".tmk", b + ".tmk"}:
            return float(x[2]), float(x[3])
def name(entry):  # the reference name of an entry id (c19.b64: chair-19-sd-bar)
    n = entry.rsplit("/", 1)[-1].split(".")[0]
    return "chair-19-sd-bar" if n == "c19" else n
q, b64, vid, img = recs
assert q["kind"] == "tmk" and q["tmk_frames"] == 338 and q["matched"] and q["matches"] == [], q
ids = [m["video_id"] for m in q["tmk_matches"]]
assert ids == sorted(ids, key=lambda i: -pair("chair-22-sd-grey-bar", name(i))[1]), ids
for m in q["tmk_matches"]:
    want = pair("chair-22-sd-grey-bar", name(m["video_id"]))
    assert (round(m["level1"], 6), round(m["level2"], 6)) == want, (m, want)
    assert m["list"] == "gifct" and m["labels"] == "terror; video" and m["type"] == "tmk", m
    assert m["level1_threshold"] == 0.7 and m["level2_threshold"] == 0.7, m
assert sorted(ids) == sorted([sys.argv[2] + "/c19.b64", sys.argv[4] + "/chair-20-sd-bar.tmk"]), ids
assert b64["kind"] == "tmk" and b64["tmk_matches"][0]["video_id"].endswith("c19.b64") and b64["tmk_matches"][0]["level2"] == 1
assert vid["kind"] == "video" and vid["tmk_frames"] == 105 and vid["frames_hashed"] == 105 and vid["video_matches"] == []
assert [m["video_id"] for m in vid["tmk_matches"]] == [sys.argv[4] + "/pattern-hd-no-bar.tmk"], vid
assert img["kind"] == "image" and not img["matched"] and "tmk_matches" not in img, img
' "$tmp/out" "$tmp" "$ref/expected/pair-scores.csv" "$exp"
run "$bin" match --format text --index "$tmp/tmk2.hmi" "$exp/chair-20-sd-bar.tmk"
l=$(pair chair-19-sd-bar chair-20-sd-bar)
ok grep -qx "          tmk    level 1 ${l%,*}/0.7, level 2 ${l#*,}/0.7  gifct / $tmp/c19.b64  \[terror; video\]" "$tmp/out"
ok grep -qx "          tmk    level 1 1.000000/0.7, level 2 1.000000/0.7  gifct / $exp/chair-20-sd-bar.tmk  \[terror; video\]" "$tmp/out"
# index build --tmk: media videos hashed to TMK+PDQF as well as to vPDQ
# frames; --video too, by base name; a .tmk of the same video matches both
run "$bin" index build -o "$tmp/v.hmi" --tmk --id name "$data/video/doorknob-hd-no-bar.mp4" --video "$ref/videos/pattern-sd-grey-bar.mp4"
ok [ "$rc" -eq 0 ]
ok grep -q "pattern-sd-grey-bar.mp4: video pattern-sd-grey-bar, TMK+PDQF of 105 frames at 15 fps$" "$tmp/err"
ok grep -q "^hashcheck: media: .* 1 video ([0-9]* frames), 1 TMK+PDQF hash$" "$tmp/err"
run "$bin" match --format csv --no-header --index "$tmp/v.hmi" "$exp/doorknob-hd-no-bar.tmk" "$exp/pattern-sd-grey-bar.tmk"
ok [ "$rc" -eq 1 ]
ok grep -qx "$exp/doorknob-hd-no-bar.tmk,tmk,,,media,doorknob-hd-no-bar.mp4,,,,1.000000,1.000000" "$tmp/out"
ok grep -qx "$exp/pattern-sd-grey-bar.tmk,tmk,,,videos,pattern-sd-grey-bar,,,,1.000000,1.000000" "$tmp/out"
# a video against an index of both: its vPDQ match and its TMK match
run "$bin" match --format csv --no-header --index "$tmp/v.hmi" "$data/video/doorknob-hd-no-bar.mp4"
ok grep -q "^$data/video/doorknob-hd-no-bar.mp4,vpdq,,,media,doorknob-hd-no-bar.mp4,,100.0,100.0,,$" "$tmp/out"
ok grep -qx "$data/video/doorknob-hd-no-bar.mp4,tmk,,,media,doorknob-hd-no-bar.mp4,,,,1.000000,1.000000" "$tmp/out"
# the same with vPDQ's keyframes mode (TMK then needs a decoding of its
# own; in the other modes one decoding gives both)
run "$bin" index build -o "$tmp/vk.hmi" --tmk --mode keyframes --id name "$data/video/doorknob-hd-no-bar.mp4" --video "$ref/videos/pattern-sd-grey-bar.mp4"
ok [ "$rc" -eq 0 ]
ok grep -q "pattern-sd-grey-bar.mp4: video pattern-sd-grey-bar, TMK+PDQF of 105 frames at 15 fps$" "$tmp/err"
run "$bin" match --format csv --no-header --mode keyframes --index "$tmp/vk.hmi" "$data/video/doorknob-hd-no-bar.mp4" "$exp/pattern-sd-grey-bar.tmk"
ok grep -qx "$data/video/doorknob-hd-no-bar.mp4,tmk,,,media,doorknob-hd-no-bar.mp4,,,,1.000000,1.000000" "$tmp/out"
ok grep -qx "$exp/pattern-sd-grey-bar.tmk,tmk,,,videos,pattern-sd-grey-bar,,,,1.000000,1.000000" "$tmp/out"

# match --list of .tmk files (and base64), as index build takes them: a
# video matches its reference .tmk (1 and 1) and the pairs of
# pair-scores.csv that reach the thresholds, nothing else; with a hash list
# beside; --list-name and --labels apply; a damaged one stops the run (4)
printf 'pdq,%064x,x,l,\n' 1 >"$tmp/pdq.csv"
run "$bin" match --format csv --no-header --list "$exp/pattern-sd-grey-bar.tmk" --list "$tmp/c19.b64" \
  --list "$tmp/pdq.csv" "$ref/videos/pattern-sd-grey-bar.mp4" "$ref/videos/chair-19-sd-bar.mp4"
ok [ "$rc" -eq 1 ]
ok grep -qx "$ref/videos/pattern-sd-grey-bar.mp4,tmk,,,media,$exp/pattern-sd-grey-bar.tmk,,,,1.000000,1.000000" "$tmp/out"
ok grep -qx "$ref/videos/chair-19-sd-bar.mp4,tmk,,,media,$tmp/c19.b64,,,,1.000000,1.000000" "$tmp/out"
ok [ "$(grep -c . "$tmp/out")" -eq 2 ]   # the two videos are far apart
ok grep -q "^hashcheck: $exp/pattern-sd-grey-bar.tmk: a TMK+PDQF hash of 105 frames$" "$tmp/err"
ok grep -q "^hashcheck: $tmp/pdq.csv: 1 entry added$" "$tmp/err"
l=$(pair chair-19-sd-bar chair-20-sd-bar)
run "$bin" match --format csv --no-header --list-name gifct --labels "l; x" --list "$exp/chair-19-sd-bar.tmk" \
  "$ref/videos/chair-20-sd-bar.mp4" "$ref/videos/pattern-sd-grey-bar.mp4"
ok [ "$rc" -eq 1 ]
ok [ "$(cat "$tmp/out")" = "$ref/videos/chair-20-sd-bar.mp4,tmk,,,gifct,$exp/chair-19-sd-bar.tmk,l; x,,,${l%,*},${l#*,}" ]
# a non-match: no hit, status 0
run "$bin" match --format csv --no-header --list "$exp/doorknob-hd-no-bar.tmk" "$ref/videos/chair-20-sd-bar.mp4"
ok [ "$rc" -eq 0 ]
ok [ ! -s "$tmp/out" ]
run "$bin" match --list "$tmp/trunc.tmk" "$ref/videos/chair-20-sd-bar.mp4"
ok [ "$rc" -eq 4 ]
ok [ ! -s "$tmp/out" ]
ok grep -q "^hashcheck: $tmp/trunc.tmk: .*truncated.*(malformed" "$tmp/err"

# ---- index build and match: errors ------------------------------------------
# a damaged .tmk among the media fails (1, said why), the rest is written
run "$bin" index build -o "$tmp/bad.hmi" "$tmp/trunc.tmk" "$tmp/bad.b64" "$good"
ok [ "$rc" -eq 1 ]
ok grep -q "^hashcheck: $tmp/trunc.tmk: .*truncated.*(malformed" "$tmp/err"
ok grep -q "^hashcheck: $tmp/bad.b64: .*base64.*(malformed" "$tmp/err"
ok grep -q "wrote $tmp/bad.hmi: 1 entry in 1 list$" "$tmp/err"
# as queries: failed inputs (2), the others matched (3)
run "$bin" match --format csv --index "$tmp/tmk.hmi" "$tmp/nan.tmk" "$good"
ok [ "$rc" -eq 3 ]
ok grep -q "^hashcheck: $tmp/nan.tmk: .*(malformed" "$tmp/err"
run "$bin" match --index "$tmp/tmk.hmi" "$tmp/long.tmk"
ok [ "$rc" -eq 2 ]
ok py '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["kind"] == "tmk" and "too long" in r["error"] and not r["matched"] and r["tmk_matches"] == [], r
' "$tmp/out"
# an index of only TMK+PDQF hashes: a file that is not media fails (or is
# skipped), an over-limit video fails, an image matches nothing
run "$bin" match --index "$tmp/tmk.hmi" "$tmp/notes.txt" "$ref/limits/ten-hours.mkv"
ok [ "$rc" -eq 2 ]
ok grep -q "notes.txt: not an image (JPEG, PNG, GIF, WebP, BMP, TIFF) or a video" "$tmp/err"
ok grep -q "ten-hours.mkv: .*(max_duration)" "$tmp/err"
ok grep -q "2 files, 0 matched (0 hits), 2 failed" "$tmp/err"
run "$bin" match --skip-non-media --index "$tmp/tmk.hmi" "$tmp/notes.txt"
ok [ "$rc" -eq 0 ]
# a .tmk query against an index without TMK entries matches nothing
run "$bin" match --list "$tmp/pdq.csv" "$good"
ok [ "$rc" -eq 0 ]
ok grep -q '"kind":"tmk",.*"matched":false,"matches":\[\],"tmk_matches":\[\]}$' "$tmp/out"
usage_error "--tmk-level1 needs a score 0..1" match --tmk-level1 1.5 --index "$tmp/tmk.hmi" "$good"
usage_error "--tmk-level2 needs a value" match --index "$tmp/tmk.hmi" "$good" --tmk-level2

# every JSON output above against docs/hashcheck.schema.json
finish test_hashcheck_tmk compare match
