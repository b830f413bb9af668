#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# hashcheck batch features end to end, over real files in tests/data:
# every output format of hash and match parses (CSV with Python's csv
# module, JSON lines with Python's json module), directories are walked
# recursively in a fixed order (symbolic-link loops end, FIFOs are skipped),
# bad files are reported and counted without stopping the batch, exit codes
# are right (match: 1 matched, 2 errors, 3 both, 4 the run failed; 64 usage
# errors, told in two lines), --skip-non-media makes a README no error, -j N
# gives byte-identical output to -j 1, a canonical hash list from 'hash'
# round-trips through 'index build' and 'match', index build takes media,
# compare works (--dihedral for every type, as match), summaries count in
# good English, the progress line appears only when asked for or on a
# terminal, and every command has --help.  Every JSON output is validated
# against docs/hashcheck.schema.json at the end.
# Usage: test_hashcheck_batch.sh HASHCHECK DATA_DIR
set -uo pipefail
data=$2
pdq=$data/pdq-reference/threatexchange/pdq/data
vid=$data/video
. "$(dirname "$0")/hashcheck_test_lib.sh" "$1"

# ---- a tree of uploads: images, edited copies, videos, bad files ----------
up=$tmp/uploads
mkdir -p "$up/photos/edits" "$up/videos" "$up/misc"
cp "$pdq/reg-test-input/dih/bridge-1-original.jpg" "$up/photos/"
cp "$pdq/reg-test-input/dih/bridge-2-rotate-90.jpg" "$up/photos/"
cp "$pdq/bridge-mods/blur-a-lot.jpg" "$pdq/bridge-mods/shrink-a-lot.jpg" \
   "$pdq/bridge-mods/high-contrast.jpg" "$up/photos/edits/"
cp "$pdq/misc-images/wee.jpg" "$pdq/misc-images/small.jpg" "$pdq/reg-test-input/pen-and-coaster.png" "$up/misc/"
cp "$vid/rotated-90.mp4" "$vid/anim.webp" "$up/videos/"
head -c 3000 "$pdq/reg-test-input/dih/bridge-1-original.jpg" >"$up/misc/truncated.jpg"
printf 'just text\n' >"$up/misc/notes.txt"
: >"$up/misc/empty.png"
# names that need escaping in JSON, CSV and text
cp "$pdq/misc-images/wee.jpg" "$up/misc/we\"e \\ name,1.jpg"
cp "$pdq/misc-images/wee.jpg" "$up/misc/$(printf 'tab\there.jpg')"
cp "$pdq/misc-images/wee.jpg" "$up/misc/$(printf 'latin1-\xe9.jpg')"
# a symbolic-link loop, a link to a file, a FIFO: skipped, never hang
ln -s .. "$up/photos/loop"
ln -s ../misc/wee.jpg "$up/videos/link-to-wee.jpg"
mkfifo "$up/misc/fifo"
nfiles=$(find "$up" -type f | wc -l)   # regular files only

# ---- hash: formats --------------------------------------------------------
run timeout 120 "$bin" hash -j 2 --types pdq,md5 "$up"
ok [ "$rc" -eq 1 ]                       # some files failed
ok grep -q "truncated.jpg" "$tmp/err"
ok grep -q "notes.txt: not an image" "$tmp/err"
ok grep -q "empty.png: file is empty" "$tmp/err"
ok grep -q "$nfiles files, 3 failed" "$tmp/err"
ok grep -q "skipped inside directories: 2 symbolic links (-L follows them), 1 special file;" "$tmp/err"
# CSV: a header, 6 columns (frame and timestamp for video frames only);
# every good file present
ok py '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="surrogateescape")))
assert rows[0] == ["file", "type", "hash", "quality", "frame", "timestamp"], rows[0]
rows = rows[1:]
files = {r[0] for r in rows}
assert all(len(r) == 6 for r in rows), "6 columns"
assert all(r[4] == r[5] == "" for r in rows if not r[0].endswith(".mp4")), "image rows"
assert any(r[0].endswith("tab\there.jpg") for r in rows), "tab name"
assert sum(1 for r in rows if r[0].endswith("rotated-90.mp4") and r[4]) == 5
assert len(files) == int(sys.argv[2]) - 3, (len(files), sys.argv[2])
' "$tmp/out" "$nfiles"
# order: sorted by name, depth first (same as a sorted find)
ok py '
import csv, sys
seen = []
for r in list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="surrogateescape")))[1:]:
    if not seen or seen[-1] != r[0]: seen.append(r[0])
assert seen == sorted(seen, key=lambda s: s.encode("utf-8", "surrogateescape")), seen
' "$tmp/out"

run "$bin" hash --format json --types pdq,md5 "$up"
ok [ "$rc" -eq 1 ]
ok py '
import json, os, sys
lines = open(sys.argv[1], "rb").read().decode("utf-8").splitlines()
recs = [json.loads(l) for l in lines]
assert len(recs) == int(sys.argv[2]), len(recs)
bad = [r for r in recs if "error" in r]
assert len(bad) == 3, bad
for r in recs:
    assert {"file", "kind", "hashes"} <= r.keys()
    path = bytes.fromhex(r["file_hex"]) if "file_hex" in r else r["file"].encode()
    assert os.path.exists(path), path
    if "error" not in r and r["kind"] == "image":
        t = {h["type"] for h in r["hashes"]}
        assert t == {"pdq", "md5"}, r
        assert all(0 <= h["quality"] <= 100 for h in r["hashes"] if h["type"] == "pdq")
v = [r for r in recs if r["file"].endswith("rotated-90.mp4")][0]
assert v["kind"] == "video" and len(v["frames"]) == 5 and v["frames_hashed"] == 5
assert v["frames"][1]["timestamp"] == 1.0
assert v["hashes"][0]["type"] == "md5"
w = [r for r in recs if r["file"].endswith("anim.webp")][0]
assert w["kind"] == "image" and w["format"] == "webp"
assert any(r["file"].endswith("we\"e \\ name,1.jpg") for r in recs)
assert sum("file_hex" in r for r in recs) == 1
' "$tmp/out" "$nfiles"

run "$bin" hash --format text "$pdq/misc-images/wee.jpg"
ok [ "$rc" -eq 0 ]
ok grep -qx "pdq    6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d q100 $pdq/misc-images/wee.jpg" "$tmp/out"

# "-" reads stdin (and pipes are read once, into memory)
"$bin" hash --types pdq,md5 - <"$pdq/misc-images/wee.jpg" >"$tmp/out" 2>/dev/null
ok grep -qx -- "-,pdq,6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d,100,," "$tmp/out"
cat "$vid/rotated-90.mp4" | "$bin" hash --format json - >"$tmp/out" 2>/dev/null
ok py 'import json,sys; r=json.load(open(sys.argv[1])); assert r["kind"]=="video" and r["frames_hashed"]==5' "$tmp/out"

# canonical: a valid hash list; round trip through index build and match
run "$bin" hash --format canonical --types pdq,phash,md5 --list-name uploads --labels "known, demo" "$up/photos"
ok [ "$rc" -eq 0 ]
ok [ "$(head -1 "$tmp/out")" = "hash_type,hash,entry_id,list,labels" ]
ok [ "$(wc -l <"$tmp/out")" -eq 16 ]    # header + 5 images x 3 types
cp "$tmp/out" "$tmp/photos.csv"
run "$bin" index build -o "$tmp/photos.hmi" "$tmp/photos.csv"
ok [ "$rc" -eq 0 ]
ok grep -q "photos.csv: 15 entries added$" "$tmp/err"
run "$bin" match --index "$tmp/photos.hmi" "$up/photos"
ok [ "$rc" -eq 1 ]
ok py '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    exact = [m for m in r["matches"] if m["distance"] == 0 and m["entry_id"] == r["file"]]
    assert {m["type"] for m in exact} == {"pdq", "phash", "md5"}, r
    assert all(m["list"] == "uploads" and m["labels"] == "known, demo" for m in r["matches"])
' "$tmp/out"
# videos in canonical form: their digests and distinct good frames
run "$bin" hash --format canonical --types pdq,md5 "$vid/rotated-90.mp4"
ok [ "$(grep -c '^pdq,' "$tmp/out")" -eq 5 ]
ok [ "$(grep -c '^md5,' "$tmp/out")" -eq 1 ]

# ---- parallel runs equal serial ones --------------------------------------
"$bin" index build -q -o "$tmp/known.hmi" "$data/example/known.csv" --video "$vid/test-padded-dimensions.mp4" 2>/dev/null
for fmt in json text csv; do
  "$bin" match --index "$tmp/known.hmi" --dihedral --format $fmt -j 1 "$up" "$up/photos" >"$tmp/m1.$fmt" 2>"$tmp/e1.$fmt"
  r1=$?
  for j in 2 3 8; do
    "$bin" match --index "$tmp/known.hmi" --dihedral --format $fmt -j $j "$up" "$up/photos" >"$tmp/mj" 2>"$tmp/ej"
    ok [ $? -eq "$r1" ]
    ok cmp -s "$tmp/m1.$fmt" "$tmp/mj"
    # (the summary line's time differs)
    ok cmp -s <(grep -v "^hashcheck: [0-9]* files, " "$tmp/e1.$fmt") <(grep -v "^hashcheck: [0-9]* files, " "$tmp/ej")
  done
done
ok [ "$r1" -eq 3 ]   # matches and errors: both told
for j in 1 4; do "$bin" hash -j $j --types all "$up" >"$tmp/h$j" 2>/dev/null; done
ok cmp -s "$tmp/h1" "$tmp/h4"

# ---- match: JSON content, text report, exit codes -------------------------
ok py '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
by = {r["file"].rsplit("/", 1)[-1]: r for r in recs}
m = by["bridge-1-original.jpg"]
assert m["matched"] and {x["type"] for x in m["matches"]} == {"pdq", "phash", "md5"}
for x in m["matches"]:
    assert {"type", "distance", "threshold", "list", "entry_id", "labels", "known_hash"} <= x.keys()
    assert x["entry_id"] == "example-bridge" and x["list"] == "example-known"
    assert x["labels"] == "demo photo: bridge"
assert by["bridge-2-rotate-90.jpg"]["matches"][0]["variant"] == "rot270"
assert by["blur-a-lot.jpg"]["matches"][0]["distance"] <= 31
pen = by["pen-and-coaster.png"]
assert pen["matched"] and pen["matches"][0]["entry_id"] == "example-pen"
assert not by["wee.jpg"]["matched"]
assert by["small.jpg"].get("low_quality") is True and not by["small.jpg"]["matched"]
v = by["rotated-90.mp4"]["video_matches"][0]
assert v["video_id"] == "test-padded-dimensions" and v["list"] == "videos"
assert v["query_percent"] == 100 and v["target_percent"] == 100
assert v["query_ranges"] == [[0.0, 4.0]]
assert v["frame_threshold"] == 31 and "distance" not in v
assert "error" in by["truncated.jpg"] and "error" in by["notes.txt"]
' "$tmp/m1.json"
ok grep -q "^match     .*bridge-1-original.jpg" "$tmp/m1.text"
ok grep -q "^no match  .*/wee.jpg" "$tmp/m1.text"
ok grep -q "^error     .*truncated.jpg" "$tmp/m1.text"
ok grep -q "vpdq   100.0% of the video's frames" "$tmp/m1.text"
ok grep -q "matched (" "$tmp/e1.json"
run "$bin" match --index "$tmp/known.hmi" "$pdq/misc-images/wee.jpg" "$vid/cockatoo.mp4"
ok [ "$rc" -eq 0 ]
ok [ "$(wc -l <"$tmp/out")" -eq 2 ]
run "$bin" match --index "$tmp/known.hmi" "$pdq/bridge-mods/blur-a-lot.jpg"
ok [ "$rc" -eq 1 ]
run "$bin" match --index "$tmp/known.hmi" "$pdq/bridge-mods/blur-a-lot.jpg" "$tmp/missing.jpg"
ok [ "$rc" -eq 3 ]
ok grep -q "missing.jpg: No such file" "$tmp/err"
ok [ "$(wc -l <"$tmp/out")" -eq 2 ]
run "$bin" match --list "$data/example/known.csv" --format text pdq:f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
ok [ "$rc" -eq 1 ]
ok grep -q "pdq    distance 0/31    example-known / example-bridge" "$tmp/out"
# a non-media file is still matched by its digest, and still reported
printf 'known bytes\n' >"$tmp/doc.bin"
printf 'hash_type,hash,entry_id,list,labels\nmd5,%s,doc-1,docs,\n' "$(md5sum "$tmp/doc.bin" | cut -c1-32)" >"$tmp/docs.csv"
run "$bin" match --list "$tmp/docs.csv" --list "$data/example/known.csv" "$tmp/doc.bin"
ok [ "$rc" -eq 3 ]
ok py 'import json,sys; r=json.loads(open(sys.argv[1]).read()); assert r["matches"][0]["entry_id"]=="doc-1" and "error" in r' "$tmp/out"

# ---- index build from media ---------------------------------------------
run "$bin" index build -o "$tmp/media.hmi" --list-name known-media --labels "from media" \
  "$up/photos" "$up/misc/wee.jpg" "$up/misc/small.jpg" "$vid/test-padded-dimensions.mp4" "$up/misc/truncated.jpg"
ok [ "$rc" -eq 1 ]                       # truncated.jpg failed; the index is still written
ok grep -q "small.jpg: PDQ quality 0 < 50: not added" "$tmp/err"
ok grep -q "truncated.jpg" "$tmp/err"
ok grep -q "wrote $tmp/media.hmi" "$tmp/err"
ok grep -q "media: 7 images and 0 other files" "$tmp/err"
run "$bin" match --index "$tmp/media.hmi" --format csv "$pdq/bridge-mods/sharpen-a-lot.jpg" "$vid/rotated-90.mp4" "$up/misc/wee.jpg"
ok [ "$rc" -eq 1 ]
ok grep -q "^$pdq/bridge-mods/sharpen-a-lot.jpg,pdq,[0-9]*,31,known-media,$up/photos/bridge-1-original.jpg,from media,,,,$" "$tmp/out"
ok grep -q "^$vid/rotated-90.mp4,vpdq,,,known-media,$vid/test-padded-dimensions.mp4,from media,100.0,100.0,,$" "$tmp/out"
ok grep -q "^$up/misc/wee.jpg,md5,0,0,known-media,$up/misc/wee.jpg," "$tmp/out"
# --id name; a vPDQ hash file and hash lists as arguments; rejected lines
printf 'pdq f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\npdq 12\n' >"$tmp/typed.txt"
run "$bin" index build -o "$tmp/mixed.hmi" --lenient --id name "$tmp/typed.txt" \
  "$data/pdq-reference/threatexchange/vpdq/sample-hashes/doorknob-hd-no-bar.txt" "$up/misc/wee.jpg"
ok [ "$rc" -eq 0 ]
ok grep -q "typed.txt:2: .*(skipped)" "$tmp/err"
ok grep -q "typed.txt: 1 entry added, 1 line rejected$" "$tmp/err"
ok grep -q "doorknob-hd-no-bar.txt: vPDQ hashes of a video" "$tmp/err"
run "$bin" match --index "$tmp/mixed.hmi" --format csv "$up/misc/wee.jpg" "$vid/doorknob-hd-no-bar.mp4"
ok grep -q ",md5,0,0,media,wee.jpg," "$tmp/out"
ok grep -q "doorknob-hd-no-bar.mp4,vpdq,.*,media,doorknob-hd-no-bar.txt," "$tmp/out"
run "$bin" index build -o "$tmp/strict.hmi" "$tmp/typed.txt"
ok [ "$rc" -eq 1 ]
ok [ ! -e "$tmp/strict.hmi" ]
ok grep -q "typed.txt:2:" "$tmp/err"

# ---- symbolic links: -L follows them; loops end ---------------------------
run timeout 60 "$bin" hash -L --no-progress "$up/videos"
ok [ "$rc" -eq 0 ]
ok grep -q "link-to-wee.jpg,pdq,6227401f" "$tmp/out"
run timeout 120 "$bin" hash -L "$up/photos"
ok [ "$rc" -eq 1 ]                       # photos/loop leads to the whole tree, bad files included
ok [ "$(cut -d, -f1 "$tmp/out" | grep -c 'bridge-1-original.jpg$')" -eq 1 ]   # each directory once
ok grep -q "already visited" "$tmp/err"

# ---- compare ---------------------------------------------------------------
run "$bin" compare "$pdq/reg-test-input/dih/bridge-1-original.jpg" "$pdq/bridge-mods/blur-a-lot.jpg"
ok [ "$rc" -eq 0 ]
ok grep -qE "^pdq +4 +31  alike" "$tmp/out"
ok grep -qE "^md5 +- +0  different" "$tmp/out"
run "$bin" compare --format json "$pdq/reg-test-input/dih/bridge-1-original.jpg" "$pdq/misc-images/wee.jpg"
ok [ "$rc" -eq 1 ]
ok py '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["alike"] is False
c = {x["type"]: x for x in r["comparisons"]}
assert set(c) == {"pdq", "phash", "dhash", "ahash", "md5", "sha256"}
assert c["pdq"]["bits"] == 256 and c["pdq"]["distance"] > 31 and c["pdq"]["quality_a"] == 100
' "$tmp/out"
run "$bin" compare --dihedral "$pdq/reg-test-input/dih/bridge-1-original.jpg" "$pdq/reg-test-input/dih/bridge-3-rotate-180.jpg"
ok [ "$rc" -eq 0 ]
ok [ "$(grep -cE "^(pdq|phash|dhash|ahash) .* alike.* as rot180$" "$tmp/out")" -eq 4 ]
# --dihedral means the same to compare and to match: every perceptual type,
# the same orientation named, for each of the 7 turned copies, whichever
# side is the image and whichever a bare hash
dih=$pdq/reg-test-input/dih
"$bin" hash --format canonical --types pdq,phash,dhash,ahash "$dih/bridge-1-original.jpg" >"$tmp/orig.csv"
for f in "$dih"/bridge-[2-8]-*.jpg; do
  "$bin" match --list "$tmp/orig.csv" --dihedral "$f" >"$tmp/m.json" 2>/dev/null
  "$bin" compare --format json --dihedral "$dih/bridge-1-original.jpg" "$f" >"$tmp/c.json"
  ok py '
import json, sys
m = json.load(open(sys.argv[1]))
c = json.load(open(sys.argv[2]))
by_match = {h["type"]: h["variant"] for h in m["matches"]}
by_compare = {r["type"]: r["variant"] for r in c["comparisons"] if r["type"] in by_match}
assert set(by_match) == {"pdq", "phash", "dhash", "ahash"}, by_match
assert by_match == by_compare, (by_match, by_compare)
assert len(set(by_match.values())) == 1 and "original" not in by_match.values(), by_match
assert all(r["alike"] for r in c["comparisons"] if r["type"] in by_match), c
' "$tmp/m.json" "$tmp/c.json"
done
# an image against a bare hash (whose pdq/ahash orientations are derived), both ways
run "$bin" compare --dihedral --types pdq "$dih/bridge-4-rotate-270.jpg" "pdq:$(sed -n 2p "$tmp/orig.csv" | cut -d, -f2)"
ok grep -qE "^pdq .* alike .* as rot270$" "$tmp/out"
run "$bin" compare --dihedral --types ahash "ahash:$(sed -n 5p "$tmp/orig.csv" | cut -d, -f2)" "$dih/bridge-4-rotate-270.jpg"
ok grep -qE "^ahash .* alike as rot90$" "$tmp/out"
# without --dihedral the turned copy differs by every perceptual type
run "$bin" compare --types pdq,phash,dhash,ahash "$dih/bridge-1-original.jpg" "$dih/bridge-4-rotate-270.jpg"
ok [ "$rc" -eq 1 ]
ok [ "$(grep -c " different" "$tmp/out")" -eq 4 ]
# videos: the clip turned
run "$bin" compare --format json --dihedral --apply-rotation "$vid/test-padded-dimensions.mp4" "$vid/rotated-90.mp4"
ok [ "$rc" -eq 0 ]
ok py '
import json, sys
r = json.load(open(sys.argv[1]))["comparisons"][0]
assert r["type"] == "vpdq" and r["alike"] and r["variant"] == "rot270" and r["frame_threshold"] == 31, r
' "$tmp/out"
run "$bin" compare pdq:f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22 "$pdq/bridge-mods/blur-a-lot.jpg"
ok [ "$rc" -eq 0 ]
ok [ "$(grep -c alike "$tmp/out")" -eq 2 ]   # the pdq row and the verdict
run "$bin" compare phash:aca29c1c33dc23d7 phash:aca29c1c33dc23d6
ok [ "$rc" -eq 0 ]
ok grep -qE "^phash +1 +10  alike" "$tmp/out"
run "$bin" compare pdq:f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22 phash:aca29c1c33dc23d7
ok [ "$rc" -eq 2 ]
run "$bin" compare "$vid/test-padded-dimensions.mp4" "$vid/rotated-90.mp4"
ok [ "$rc" -eq 0 ]
ok grep -q "^vpdq .*alike: 100.0% of B's frames (5/5)" "$tmp/out"
run "$bin" compare "$pdq/reg-test-input/dih/bridge-1-original.jpg" "$vid/cockatoo.mp4"
ok [ "$rc" -eq 1 ]
ok grep -q "closest frame of B" "$tmp/out"
run "$bin" compare "$up/misc/truncated.jpg" "$pdq/misc-images/wee.jpg"
ok [ "$rc" -eq 2 ]
ok grep -q "truncated.jpg" "$tmp/err"

# ---- progress: silent in pipes, on when asked -----------------------------
run "$bin" hash "$up/photos"
ok [ "$(tr -cd '\r' <"$tmp/err" | wc -c)" -eq 0 ]
run "$bin" hash --progress "$up/photos"
ok grep -q "5/5 files (100%), .* files/s, ETA" "$tmp/err"
run "$bin" hash -q "$up/photos"
ok [ ! -s "$tmp/err" ]
if command -v script >/dev/null; then  # a terminal: the progress line shows (after 0.5 s)
  script -qec "'$bin' match --index '$tmp/known.hmi' -j 1 --format csv '$vid' '$vid'" /dev/null >"$tmp/tty" 2>&1
  ok grep -q "files (" "$tmp/tty"
fi

# ---- help and usage errors --------------------------------------------------
for c in hash video "index build" match compare; do
  # shellcheck disable=SC2086
  "$bin" $c --help >"$tmp/out" 2>&1; ok [ $? -eq 0 ]
  ok grep -q "usage: hashcheck $c" "$tmp/out"
done
"$bin" --help | grep -q "compare A B"; ok [ $? -eq 0 ]
# a usage error is told in two lines: what is wrong, and where help is
for args in "hash --format nope $up" "video --mode nope $up" "index build $up" "match --index" \
            "match --index $tmp/known.hmi --radius 999 $up" "compare $up/misc/wee.jpg" \
            "match --index $tmp/known.hmi -j 0x $up" "hash --bogus-option" "frobnicate" ""; do
  # shellcheck disable=SC2086
  run "$bin" $args
  ok [ "$rc" -eq 64 ]
  ok [ ! -s "$tmp/out" ]
  ok [ "$(wc -l <"$tmp/err")" -eq 2 ]
  ok grep -q "^Try 'hashcheck .*--help' for the options.$" "$tmp/err"
done

# ---- exit status of match: bits 1 (matched) and 2 (errors); 4 (failed) ----
good=$pdq/bridge-mods/blur-a-lot.jpg other=$pdq/misc-images/wee.jpg
printf 'not media\n' >"$tmp/README"
for want in "0 $other" "1 $good" "2 $other $tmp/README" "3 $good $tmp/README" \
            "2 $tmp/missing.jpg" "3 $tmp/missing.jpg $good"; do
  # shellcheck disable=SC2086
  set -- $want
  run "$bin" match --index "$tmp/known.hmi" -q "${@:2}"
  ok [ "$rc" -eq "$1" ]
done
run "$bin" match --index "$tmp/missing.hmi" "$good"
ok [ "$rc" -eq 4 ]
run "$bin" match --list "$tmp/missing.csv" "$good"
ok [ "$rc" -eq 4 ]
"$HC_REAL" match --index "$tmp/known.hmi" "$good" >/dev/full 2>/dev/null
ok [ $? -eq 4 ]

# ---- --skip-non-media: a folder with a README is not an error run ----------
mkdir -p "$tmp/docs"
cp "$good" "$other" "$tmp/docs/"
printf '# about these photos\n' >"$tmp/docs/README.md"
: >"$tmp/docs/.keep"
run "$bin" match --index "$tmp/known.hmi" "$tmp/docs"
ok [ "$rc" -eq 3 ]
ok grep -q "4 files, 1 matched (.*), 2 failed;" "$tmp/err"
run "$bin" match --index "$tmp/known.hmi" --skip-non-media "$tmp/docs"
ok [ "$rc" -eq 1 ]
ok grep -q "4 files, 1 matched (.*), 0 failed, 2 skipped as not media;" "$tmp/err"
ok py '
import json, sys
recs = {r["file"].rsplit("/", 1)[-1]: r for r in map(json.loads, open(sys.argv[1]))}
assert len(recs) == 4, recs
for name in ("README.md", ".keep"):
    assert recs[name]["kind"] == "file" and "error" not in recs[name] and not recs[name]["matched"]
assert recs["blur-a-lot.jpg"]["matched"]
' "$tmp/out"
run "$bin" match --index "$tmp/known.hmi" --skip-non-media --format text "$tmp/docs"
ok grep -q "^no match  .*/README.md  (not media)$" "$tmp/out"
run "$bin" hash --skip-non-media --types pdq,md5 "$tmp/docs"
ok [ "$rc" -eq 0 ]
ok grep -q "^$tmp/docs/README.md,md5,$(md5sum <"$tmp/docs/README.md" | cut -c1-32),,,$" "$tmp/out"
ok [ "$(grep -c "README.md" "$tmp/out")" -eq 1 ]
ok grep -q "2 skipped as not media" "$tmp/err"
# a known file that is not media still matches by its bytes when skipped
printf 'hash_type,hash,entry_id,list,labels\nmd5,%s,readme,docs,\n' "$(md5sum <"$tmp/docs/README.md" | cut -c1-32)" >"$tmp/readme.csv"
run "$bin" match --list "$tmp/readme.csv" --skip-non-media --format csv "$tmp/docs/README.md"
ok [ "$rc" -eq 1 ]
ok grep -q "README.md,md5,0,0,docs,readme,,,,,$" "$tmp/out"

# ---- summaries: counts in good English, no rate for runs under 0.1 s -------
run "$bin" match --list "$data/example/known.csv" pdq:f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
ok grep -q "^hashcheck: 1 file, 1 matched (1 hit), 0 failed; " "$tmp/err"
for args in "match --list $data/example/known.csv pdq:f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22" \
            "hash --types md5 $pdq/misc-images/wee.jpg" "hash -j 1 $up/photos $vid/rotated-90.mp4"; do
  # shellcheck disable=SC2086
  run "$bin" $args
  ok py '
import re, sys
line = [l for l in open(sys.argv[1]) if re.match(r"hashcheck: \d+ files?, ", l)][-1]
secs = float(re.search(r"; (\d+\.\d+) s", line).group(1))
rate = re.search(r", [\d.]+ files/s$", line)
# the rate is shown exactly when the run took 0.1 s or more (as printed,
# rounded to 0.01 s: a run of 0.0996 s shows 0.10 s without a rate)
assert (rate is not None) == (secs > 0.1) or abs(secs - 0.1) < 0.006, line
' "$tmp/err"
done
run "$bin" index build -o "$tmp/one.hmi" "$good"
ok grep -q "media: 1 image and 0 other files (2 hashes), 0 videos (0 frames)" "$tmp/err"
ok grep -q "wrote $tmp/one.hmi: 2 entries in 1 list$" "$tmp/err"

# every JSON output above against docs/hashcheck.schema.json
finish test_hashcheck_batch hash match compare
