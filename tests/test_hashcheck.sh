#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# hashcheck end to end, the CSV outputs: hash (a header, then
# file,type,hash,quality,frame,timestamp per file and type; failures
# reported per file on stderr without stopping the batch, exit 1 after a
# failure, 64 on usage errors), index build, match --format csv (a header,
# then one line per hit) and video.  The other formats, directories, -j,
# exit statuses and compare: test_hashcheck_batch.sh.  Every JSON output is
# validated against docs/hashcheck.schema.json at the end.
set -uo pipefail
data=$2/pdq-reference/threatexchange/pdq/data
. "$(dirname "$0")/hashcheck_test_lib.sh" "$1"

printf 'not an image' > "$tmp/bad.jpg"
cp "$data/misc-images/wee.jpg" "$tmp/we,e.jpg"
"$bin" hash --types pdq,phash,md5 "$data/misc-images/wee.jpg" "$tmp/bad.jpg" "$tmp/we,e.jpg" \
  >"$tmp/out" 2>"$tmp/err"
ok [ $? -eq 1 ]
ok [ "$(wc -l <"$tmp/out")" -eq 7 ]
ok [ "$(head -1 "$tmp/out")" = "file,type,hash,quality,frame,timestamp" ]
ok grep -qx "$data/misc-images/wee.jpg,pdq,6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d,100,," "$tmp/out"
ok grep -qx "$data/misc-images/wee.jpg,phash,de5a3d2925256627,,," "$tmp/out"
ok grep -qx "$data/misc-images/wee.jpg,md5,$(md5sum "$data/misc-images/wee.jpg" | cut -c1-32),,," "$tmp/out"
ok grep -q "^\"$tmp/we,e.jpg\",pdq,6227401f" "$tmp/out"
ok grep -q "bad.jpg" "$tmp/err"
ok grep -q "3 files, 1 failed" "$tmp/err"
"$bin" hash --types sha256 --no-header "$data/misc-images/wee.jpg" >"$tmp/out"
ok [ $? -eq 0 ]
ok [ "$(cat "$tmp/out")" = "$data/misc-images/wee.jpg,sha256,$(sha256sum "$data/misc-images/wee.jpg" | cut -c1-64),,," ]
"$bin" hash --types nope "$data/misc-images/wee.jpg" >/dev/null 2>&1
ok [ $? -eq 64 ]
"$bin" hash >/dev/null 2>&1
ok [ $? -eq 64 ]
"$bin" hash --help | grep -q "usage: hashcheck hash"
ok [ $? -eq 0 ]

# index build and match
dih=$data/reg-test-input/dih
"$bin" hash --no-header --types pdq,md5 "$dih/bridge-1-original.jpg" | awk -F, '{print $2" "$3}' >"$tmp/known.txt"
printf 'hash_type,hash,entry_id,list,labels\nphash,de5a3d2925256627,wee-1,local,"tag a, tag b"\n' >"$tmp/local.csv"
"$bin" index build -o "$tmp/known.hmi" "$tmp/known.txt" "$tmp/local.csv" 2>"$tmp/err"
ok [ $? -eq 0 ]
ok grep -q "3 entries in 2 lists" "$tmp/err"
"$bin" match --format csv --index "$tmp/known.hmi" "$dih/bridge-1-original.jpg" "$data/bridge-mods/blur-a-lot.jpg" \
  "$data/misc-images/wee.jpg" >"$tmp/out"
ok [ $? -eq 1 ]
ok [ "$(head -1 "$tmp/out")" = "file,type,distance,threshold,list,entry_id,labels,query_percent,target_percent,level1,level2" ]
ok grep -qx "$dih/bridge-1-original.jpg,md5,0,0,known,[0-9a-f]*,,,,," "$tmp/out"
ok grep -q "^$data/bridge-mods/blur-a-lot.jpg,pdq,4,31,known," "$tmp/out"
ok grep -qx "$data/misc-images/wee.jpg,phash,0,10,local,wee-1,\"tag a, tag b\",,,," "$tmp/out"
# nothing matched: exit 0, the header alone; a rotated copy matches only
# with --dihedral
"$bin" match --format csv --index "$tmp/known.hmi" "$dih/bridge-2-rotate-90.jpg" >"$tmp/out"
ok [ $? -eq 0 ]
ok [ "$(wc -l <"$tmp/out")" -eq 1 ]
"$bin" match --format csv --no-header --index "$tmp/known.hmi" "$dih/bridge-2-rotate-90.jpg" >"$tmp/out"
ok [ ! -s "$tmp/out" ]
"$bin" match --format csv --index "$tmp/known.hmi" --dihedral "$dih/bridge-2-rotate-90.jpg" >"$tmp/out"
ok [ $? -eq 1 ]
ok grep -q ",pdq,[0-9]*,31,known," "$tmp/out"
# a framed copy matches only with --trim; a 10 % crop only against an index
# built with --crops (pHash: PDQ's default threshold is stricter)
edits=$2/edits
"$bin" index build -o "$tmp/bridge.hmi" --types pdq,phash "$dih/bridge-1-original.jpg" 2>/dev/null
"$bin" match --format csv --index "$tmp/bridge.hmi" "$edits/bridge-framed.jpg" >"$tmp/out"
ok [ $? -eq 0 ]
"$bin" match --index "$tmp/bridge.hmi" --trim "$edits/bridge-framed.jpg" >"$tmp/out"
ok [ $? -eq 1 ]
ok grep -q '"type":"pdq","distance":[0-9],"threshold":31,.*"trimmed":true' "$tmp/out"
"$bin" match --format csv --index "$tmp/bridge.hmi" "$edits/bridge-crop10.jpg" >"$tmp/out"
ok [ $? -eq 0 ]
"$bin" index build -o "$tmp/crops.hmi" --types pdq,phash --crops "$dih/bridge-1-original.jpg" 2>"$tmp/err"
ok grep -q "20 entries in 1 list$" "$tmp/err"
"$bin" match --format csv --index "$tmp/crops.hmi" "$edits/bridge-crop10.jpg" >"$tmp/out"
ok [ $? -eq 1 ]
ok grep -q ",phash,[0-9],10,media," "$tmp/out"
"$bin" index build -o "$tmp/fine.hmi" --types pdq,phash --crops --crops-fine "$dih/bridge-1-original.jpg" 2>"$tmp/err"
ok grep -q "70 entries in 1 list$" "$tmp/err"
# a copy turned by 5 degrees matches only with --rotations, through the
# hash of the query turned back by 4 degrees (which hash --rotations lists)
"$bin" match --format csv --index "$tmp/bridge.hmi" "$edits/bridge-rotate5.jpg" >"$tmp/out"
ok [ $? -eq 0 ]
"$bin" match --index "$tmp/bridge.hmi" --rotations "$edits/bridge-rotate5.jpg" >"$tmp/out"
ok [ $? -eq 1 ]
ok grep -q '"matches":\[{"type":"phash","distance":[0-9],"threshold":10,.*"rotation":-4}' "$tmp/out"
"$bin" hash --types pdq,phash --rotations "$edits/bridge-rotate5.jpg" >"$tmp/out"
ok [ "$(head -1 "$tmp/out")" = "file,type,hash,quality,frame,timestamp,rotation" ]
ok [ "$(cut -d, -f7 "$tmp/out" | tail -n +2 | tr '\n' ' ')" = "  -8 -8 -4 -4 4 4 8 8 " ]
ok [ "$(grep -c ',phash,' "$tmp/out")" -eq 5 ]
"$bin" hash --format canonical --rotations "$edits/bridge-rotate5.jpg" >"$tmp/out"
ok [ "$(wc -l <"$tmp/out")" -eq 2 ]
# hashes as inputs, lists without an index file, every structure alike
for s in auto scan mih bktree; do
  "$bin" match --format csv --list "$tmp/known.txt" --structure $s --radius 40 \
    pdq:f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2f >"$tmp/out.$s" 2>/dev/null
  ok [ $? -eq 1 ]
  ok cmp -s "$tmp/out.auto" "$tmp/out.$s"
done
# errors: a bad list line fails the build (strict) and names the line;
# --lenient skips it; a corrupt index gives exit 4 (the run could not be
# done), a bad input 2 (errors, nothing matched), no index 64 (usage)
printf 'pdq 1234\n' >>"$tmp/known.txt"
"$bin" index build -o "$tmp/k2.hmi" "$tmp/known.txt" 2>"$tmp/err"
ok [ $? -eq 1 ]
ok grep -q "known.txt:3:" "$tmp/err"
"$bin" index build --lenient -o "$tmp/k2.hmi" "$tmp/known.txt" 2>"$tmp/err"
ok [ $? -eq 0 ]
ok grep -q "known.txt: 2 entries added, 1 line rejected$" "$tmp/err"
head -c 100 "$tmp/known.hmi" >"$tmp/trunc.hmi"
"$bin" match --format csv --index "$tmp/trunc.hmi" "$dih/bridge-1-original.jpg" >/dev/null 2>"$tmp/err"
ok [ $? -eq 4 ]
ok grep -q "trunc.hmi" "$tmp/err"
"$bin" match --format csv --index "$tmp/known.hmi" "$tmp/bad.jpg" >/dev/null 2>&1
ok [ $? -eq 2 ]
"$bin" match "$dih/bridge-1-original.jpg" >/dev/null 2>&1
ok [ $? -eq 64 ]
"$bin" index build --help | grep -q "usage: hashcheck index build"
ok [ $? -eq 0 ]

# hash lists that used to load silently wrong (issues #14, #15).  A
# 1000-line canonical CSV with one control byte in its first 4 KB is still
# a list (not media), with or without --list-format, and the bad line is
# named; -q silences the load report, whose counts are plural-correct
{ echo 'hash_type,hash,entry_id,list,labels'
  for i in $(seq 1000); do printf 'pdq,%064x,id-%d,gifct,x\n' "$i" "$i"; done; } >"$tmp/c.csv"
{ head -n 9 "$tmp/c.csv"; printf 'pdq,%064x,id-9,gifct,x\001y\n' 9; tail -n +11 "$tmp/c.csv"; } \
  >"$tmp/ctl.csv"
{ head -n 19 "$tmp/c.csv"; printf 'pdq,%064x,id\0-19,other,x\n' 19; tail -n +21 "$tmp/c.csv"; } \
  >"$tmp/nul.csv"
ok [ "$(wc -l <"$tmp/ctl.csv")" -eq 1001 ]
ok [ "$(wc -l <"$tmp/nul.csv")" -eq 1001 ]
for f in ctl nul; do
  line=$([ $f = ctl ] && echo 10 || echo 20)
  for lf in "" "--list-format canonical"; do
    rm -f "$tmp/l.hmi"
    "$bin" index build $lf -o "$tmp/l.hmi" "$tmp/$f.csv" 2>"$tmp/err"
    ok [ $? -eq 1 ]
    ok grep -q "$f.csv:$line: " "$tmp/err"
    ok grep -q "nothing written" "$tmp/err"
    ok [ ! -e "$tmp/l.hmi" ]
  done
  "$bin" index build --lenient -o "$tmp/l.hmi" "$tmp/$f.csv" 2>"$tmp/err"
  ok [ $? -eq 0 ]
  ok grep -q "$f.csv:$line: .*(skipped)$" "$tmp/err"
  ok grep -q "$f.csv: 999 entries added, 1 line rejected$" "$tmp/err"
  ok grep -q "wrote .*: 999 entries" "$tmp/err"
done
ok grep -q "NUL byte" "$tmp/err"
"$bin" index build -q -o "$tmp/l.hmi" "$tmp/c.csv" 2>"$tmp/err"
ok [ $? -eq 0 ]
ok [ "$(grep -c "added" "$tmp/err")" -eq 0 ]
"$bin" index build -o "$tmp/l.hmi" "$tmp/c.csv" 2>"$tmp/err"
ok grep -q "c.csv: 1000 entries added$" "$tmp/err"
printf 'pdq,%064x\nmd5,%032x\nmd5,%032x\nurl,https://example.com/\n' 1 1 1 >"$tmp/one.csv"
"$bin" match -q --format csv --list "$tmp/one.csv" --list "$tmp/c.csv" "pdq:$(printf %064x 1)" \
  >/dev/null 2>"$tmp/err"
ok [ "$(grep -c "added" "$tmp/err")" -eq 0 ]
"$bin" match --format csv --list "$tmp/one.csv" "pdq:$(printf %064x 1)" >/dev/null 2>"$tmp/err"
ok grep -q "one.csv: 2 entries added, 1 duplicate, 1 line of a signal type not indexed$" "$tmp/err"
# a mistyped type name fails (strict) or is a counted skip (lenient); a
# file of nothing but bad lines fails even in lenient mode
printf 'pdg,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n' >"$tmp/pdg.csv"
"$bin" index build -o "$tmp/l.hmi" "$tmp/pdg.csv" 2>"$tmp/err"
ok [ $? -eq 1 ]
ok grep -q 'pdg.csv:1: unknown hash type "pdg"' "$tmp/err"
"$bin" index build --list-format canonical --lenient -o "$tmp/l.hmi" "$tmp/pdg.csv" 2>"$tmp/err"
ok [ $? -eq 1 ]
ok grep -q "pdg.csv: nothing loaded from 1 line of content" "$tmp/err"
cat "$tmp/pdg.csv" "$tmp/one.csv" >"$tmp/pdg2.csv"
"$bin" index build --lenient -o "$tmp/l.hmi" "$tmp/pdg2.csv" 2>"$tmp/err"
ok [ $? -eq 0 ]
ok grep -q "pdg2.csv: 2 entries added, 1 duplicate, 1 line rejected (1 with an unknown hash type), 1 line of a signal type not indexed$" "$tmp/err"
printf 'hello world\nthis is no hash list\n' >"$tmp/words.txt"
"$bin" index build --lenient -o "$tmp/l.hmi" "$tmp/words.txt" 2>"$tmp/err"
ok [ $? -eq 1 ]
ok grep -q "words.txt: nothing loaded from 2 lines" "$tmp/err"
# many rejected lines: the first 10 are shown, the rest counted
{ for i in $(seq 15); do echo "pdg $i"; done; echo "md5 $(printf %032x 5)"; } >"$tmp/many.txt"
"$bin" index build --lenient -o "$tmp/l.hmi" "$tmp/many.txt" 2>"$tmp/err"
ok [ $? -eq 0 ]
ok [ "$(grep -c "(skipped)$" "$tmp/err")" -eq 10 ]
ok grep -q "many.txt: 5 more rejected lines not shown" "$tmp/err"
ok grep -q "many.txt: 1 entry added, 15 lines rejected (15 with an unknown hash type)$" "$tmp/err"
# a bare 64-digit hash needs its type: the message names --type
printf '%064x\n' 7 >"$tmp/bare.txt"
"$bin" index build -o "$tmp/l.hmi" "$tmp/bare.txt" 2>"$tmp/err"
ok [ $? -eq 1 ]
ok grep -q "bare.txt:1: a bare hash of 64 hex digits may be pdq or sha256" "$tmp/err"
ok grep -q -- "--type" "$tmp/err"
"$bin" index build --type pdq -o "$tmp/l.hmi" "$tmp/bare.txt" 2>"$tmp/err"
ok [ $? -eq 0 ]
# binary content that is not media: known by its digests, unless
# --list-format says the file arguments are lists
head -c 3000 "$data/misc-images/wee.jpg" | tail -c 2000 >"$tmp/blob.bin"
"$bin" index build -o "$tmp/l.hmi" "$tmp/blob.bin" 2>"$tmp/err"
ok [ $? -eq 0 ]
ok grep -q "blob.bin: not an image or video: digests only" "$tmp/err"
"$bin" index build --list-format canonical -o "$tmp/l.hmi" "$tmp/blob.bin" 2>"$tmp/err"
ok [ $? -eq 1 ]
ok grep -q "blob.bin:1: " "$tmp/err"

# videos: frames as CSV or vPDQ lines; known videos in an index; matching
vid=$2/video
"$bin" video --mode interval --interval 1 "$vid/test-padded-dimensions.mp4" >"$tmp/out"
ok [ $? -eq 0 ]
ok [ "$(wc -l <"$tmp/out")" -eq 6 ]
ok [ "$(head -1 "$tmp/out")" = "file,frame,timestamp,type,hash,quality" ]
ok grep -qx "$vid/test-padded-dimensions.mp4,30,1.000,pdq,[0-9a-f]\{64\},100" "$tmp/out"
"$bin" video --mode all --vpdq-out "$vid/test-padded-dimensions.mp4" >"$tmp/out"
ok cmp -s "$tmp/out" "$2/pdq-reference/threatexchange/vpdq/sample-hashes/test-padded-dimensions.txt"
# frames whose decoded size differs from the stream's, hashed as vpdq-hash-video
# hashes them: its own lines (video/vpdq-reference, made as video/README.md says)
while read -r clip want opts; do
  "$bin" video -q --vpdq-out $opts "$vid/$clip" >"$tmp/out"
  ok cmp -s "$tmp/out" "$vid/vpdq-reference/$want.txt"
done <<'CASES'
theora-offset.ogv theora-offset-r0 --mode all
theora-offset.ogv theora-offset-r1
theora-offset.ogv theora-offset-r0-s64 --mode all --size 64
size-change.h264 size-change-r0 --interval 0
size-change.h264 size-change-r0-s64 --mode all --size 64
ntsc-film.mp4 ntsc-film-r0 --mode all
CASES
# keyframes are the same frames, hashed the same
"$bin" video -q --vpdq-out --mode keyframes --interval 0 "$vid/theora-offset.ogv" >"$tmp/out"
ok [ "$(wc -l <"$tmp/out")" -eq 4 ]
ok [ -z "$(grep -vxFf "$vid/vpdq-reference/theora-offset-r0.txt" "$tmp/out")" ]
"$bin" index build -o "$tmp/v.hmi" --video "$vid/test-padded-dimensions.mp4" \
  --vpdq "$2/pdq-reference/threatexchange/vpdq/sample-hashes/doorknob-hd-no-bar.txt" 2>"$tmp/err"
ok [ $? -eq 0 ]
"$bin" match --format csv --index "$tmp/v.hmi" "$vid/rotated-90.mp4" "$vid/cockatoo.mp4" >"$tmp/out"
ok [ $? -eq 1 ]
ok grep -qx "$vid/rotated-90.mp4,vpdq,,,videos,test-padded-dimensions,,100.0,100.0,," "$tmp/out"
ok [ "$(wc -l <"$tmp/out")" -eq 2 ]
"$bin" match --index "$tmp/v.hmi" "$vid/rotated-90.mp4" >"$tmp/out"
ok grep -q '"video_matches":\[{"type":"vpdq",.*"frame_threshold":31,' "$tmp/out"
"$bin" video "$tmp/bad.jpg" >/dev/null 2>&1
ok [ $? -eq 1 ]

# the command line: one parser for every command (tools/hashcheck/options.c).
# A usage error is exit 64, nothing on stdout, and two lines on stderr:
# the error, then the pointer to --help.
usage_error() { # FIRST-LINE ARGS...
  local want=$1; shift
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  ok [ $? -eq 64 ]
  ok [ ! -s "$tmp/out" ]
  ok [ "$(head -1 "$tmp/err")" = "hashcheck: $want" ]
  ok [ "$(wc -l <"$tmp/err")" -eq 2 ]
}
wee=$data/misc-images/wee.jpg
# an option without its value says so, whatever the command
usage_error "--index needs a value" match --index
usage_error "--list needs a value" match --index "$tmp/known.hmi" --list
usage_error "--types needs a value" hash "$wee" --types
usage_error "-j needs a value" video "$wee" -j
usage_error "--jobs needs a value" hash "$wee" --jobs
usage_error "-o needs a value" index build "$tmp/known.txt" -o
ok grep -qx "Try 'hashcheck index build --help' for the options." "$tmp/err"
usage_error "--format needs a value" compare "$wee" "$wee" --format
# unknown options; --name=VALUE is not read, and the message says how to
# write it; flags stand alone (-qL is no option)
usage_error "unknown option '--bogus'" hash --bogus "$wee"
usage_error "unknown option '--types=pdq' (write '--types pdq')" hash --types=pdq "$wee"
usage_error "unknown option '--fast=1' (--fast takes no value)" hash --fast=1 "$wee"
usage_error "unknown option '-qL'" hash -qL "$wee"
usage_error "unknown option '-j'" compare -j 2 "$wee" "$wee"   # compare runs no batch
usage_error "unknown option '--radius'" hash --radius 3 "$wee" # an option of another command
# values out of range or not among the names, each named with what it takes
usage_error "--radius needs 0..256" match --index "$tmp/known.hmi" --radius 257 "$wee"
# a radius wider than a hashed type's bits (the library refuses such a query)
usage_error "--radius 100 is more than the 64 bits of phash, which the inputs are hashed with (--types)" \
  match --index "$tmp/known.hmi" --types pdq,phash --radius 100 "$wee"
usage_error "--min-quality needs 0..100" match --index "$tmp/known.hmi" --min-quality -1 "$wee"
usage_error "--query-percent needs 0..100" compare --query-percent 100.5 "$wee" "$wee"
usage_error "-j needs a thread count 0..256 (0: one per CPU)" hash -j 0x "$wee"
usage_error "-j needs a thread count 0..256 (0: one per CPU)" hash -j257 "$wee"
usage_error "--interval needs seconds 0..86400" video --interval -1 "$wee"
usage_error "--size needs 0..4096" hash --size 4097 "$wee"
usage_error "--max-pixels needs a positive integer" hash --max-pixels 0 "$wee"
usage_error "unknown output format 'jsn' (json, text, csv)" match --list "$tmp/known.txt" --format jsn "$wee"
usage_error "unknown PDQ flavour 'full' (fullres, cpp512)" compare --pdq-flavor full "$wee" "$wee"
usage_error "unknown --id value 'base' (path, name)" index build -o "$tmp/x.hmi" --id base "$wee"
usage_error "unknown hash type 'pdg' (pdq, phash, dhash, ahash, md5, sha256, phashorg_v09, phashorg_2014, phashorg_2026, all)" hash --types pdq,pdg "$wee"
usage_error "unknown hash type 'pgd' (pdq, phash, dhash, ahash, md5, sha256, phashorg_v09, phashorg_2014, phashorg_2026)" index build -o "$tmp/x.hmi" --type pgd "$tmp/known.txt"
usage_error "video frames take pdq, phash, dhash, ahash" video --types pdq,md5 "$wee"
ok [ ! -e "$tmp/x.hmi" ]
# a value is the next argument whatever it looks like; -h anywhere is help
"$bin" hash --format canonical --labels -q "$wee" >"$tmp/out" 2>"$tmp/err"
ok [ $? -eq 0 ]
ok grep -q ",-q$" "$tmp/out"
ok grep -q "1 file, 0 failed" "$tmp/err"   # -q was the label, not --quiet
"$bin" hash --types pdq "$wee" -h >"$tmp/out" 2>"$tmp/err"
ok [ $? -eq 0 ]
ok grep -q "^usage: hashcheck hash " "$tmp/out"
ok [ ! -s "$tmp/err" ]
# a one-letter option's value may be attached: -j2, -oFILE
"$bin" index build -q -j2 "-o$tmp/att.hmi" "$tmp/local.csv" 2>/dev/null
ok [ $? -eq 0 ]
ok [ -s "$tmp/att.hmi" ]
# `--` ends the options: what follows is an operand even if it starts with -
mkdir "$tmp/dash" && cp "$wee" "$tmp/dash/-w.jpg"
in_dash() { (b=$(realpath "$bin"); HC_REAL=$(realpath "$HC_REAL"); cd "$tmp/dash" && "$b" "$@"); }
in_dash hash -q -- -w.jpg >"$tmp/out" 2>"$tmp/err"
ok [ $? -eq 0 ]
ok grep -q "^-w.jpg,pdq,6227401f" "$tmp/out"
in_dash hash -q -w.jpg >/dev/null 2>"$tmp/err"
ok [ $? -eq 64 ]
ok grep -qx "hashcheck: unknown option '-w.jpg'" "$tmp/err"
in_dash hash -q -- --help >"$tmp/out" 2>"$tmp/err"
ok [ $? -eq 1 ]                                         # a file named --help, missing
ok grep -q "^hashcheck: --help: " "$tmp/err"
# a repeated option counts as given last; --list and --video collect
"$bin" hash --types md5 --format json --types sha256 --format csv "$wee" >"$tmp/out"
ok [ "$(head -1 "$tmp/out")" = "file,type,hash,quality,frame,timestamp" ]
ok [ "$(grep -c ",sha256," "$tmp/out")" -eq 1 ]
ok [ "$(grep -c ",md5," "$tmp/out")" -eq 0 ]
"$bin" match --format csv --no-header --list "$tmp/local.csv" --list "$2/example/known.csv" \
  --radius 5 --radius 0 "$wee" "$data/bridge-mods/blur-a-lot.jpg" "$dih/bridge-1-original.jpg" \
  >"$tmp/out" 2>/dev/null
ok [ $? -eq 1 ]
ok grep -q "wee.jpg,phash,0,0,local,wee-1," "$tmp/out"                     # the first list
ok grep -q "bridge-1-original.jpg,md5,0,0,example-known,example-bridge," "$tmp/out" # the second
ok grep -q "blur-a-lot.jpg,phash,0,0," "$tmp/out"
ok [ "$(grep -c "blur-a-lot.jpg,pdq," "$tmp/out")" -eq 0 ] # radius 0, not 5: PDQ distance 4 no hit

# --decide: one decision per known item from every type (docs/matching.md)
"$bin" match --decide --index "$tmp/bridge.hmi" "$data/bridge-mods/blur-a-lot.jpg" >"$tmp/out"
ok [ $? -eq 1 ]
ok grep -q '"decisions":\[{"rule":"pdq","list":"media",.*"types":\["pdq","phash"\],"agreed":\["pdq","phash"\],"distances":{"pdq":4,"phash":0},"score":-1[0-9.]*,"threshold":-5.520,"comparisons":1}\]' "$tmp/out"
ok grep -q '"matches":\[\]' "$tmp/out"     # no hit per hash with --decide
"$bin" match --decide --format csv --no-header --max-score -6.94 --index "$tmp/bridge.hmi" \
  "$data/bridge-mods/blur-a-lot.jpg" "$data/misc-images/wee.jpg" >"$tmp/out"
ok [ "$(wc -l <"$tmp/out")" -eq 1 ]
ok grep -q "blur-a-lot.jpg,decide:pdq,-1[0-9.]*,-6.940,media," "$tmp/out"
"$bin" match --decide --dihedral --index "$tmp/bridge.hmi" "$dih/bridge-2-rotate-90.jpg" >"$tmp/out"
ok [ $? -eq 1 ]
ok grep -q '"comparisons":8' "$tmp/out"
run "$bin" match --decide --max-score 0 --index "$tmp/bridge.hmi" "$dih/bridge-2-rotate-90.jpg"
ok [ $rc -eq 64 ]
ok grep -q "max-score" "$tmp/err"

# pHash.org's hash: both packings of the reference's outputs (its CSV), and
# matching only within a packing
pho_csv=$2/pdq-reference/expected/phash-cpp-dct-imagehash.csv
want=$(grep "^pdq/data/misc-images/wee.jpg," "$pho_csv")
"$bin" hash --no-header --types phashorg_v09,phashorg_2014,phashorg_2026 "$wee" >"$tmp/out"
ok [ $? -eq 0 ]
ok [ "$(cut -d, -f2,3 "$tmp/out" | head -2 | tr '\n' ' ')" = \
     "phashorg_v09,$(echo "$want" | cut -d, -f2) phashorg_2014,$(echo "$want" | cut -d, -f3) " ]
v09=$(echo "$want" | cut -d, -f2)
p26=$(grep ",phashorg_2026," "$tmp/out" | cut -d, -f3)
printf 'phashorg_v09 %s\nphashorg_2026 %s\n' "$v09" "$v09" >"$tmp/pho.txt" # the second mislabelled
"$bin" index build -o "$tmp/pho.hmi" --list-name pho "$tmp/pho.txt" 2>/dev/null
ok [ $? -eq 0 ]
"$bin" match --format csv --no-header --index "$tmp/pho.hmi" "$wee" >"$tmp/out"
ok [ $? -eq 1 ]
ok [ "$(wc -l <"$tmp/out")" -eq 1 ]
ok grep -q "wee.jpg,phashorg_v09,0," "$tmp/out"
[ "$p26" != "$v09" ] # the mislabelled entry is far: no phashorg_2026 hit
ok [ $? -eq 0 ]
"$bin" hash --format json --types phashorg_2026 "$wee" >"$HC_JSON_DIR/pho.json"
ok grep -q "\"type\":\"phashorg_2026\",\"hash\":\"$p26\"" "$HC_JSON_DIR/pho.json"
printf 'phashorg_2014 %s\n' "$(echo "$want" | cut -d, -f2)" >"$tmp/odd.txt" # a 0.9.x value, odd
"$bin" index build -o "$tmp/odd.hmi" "$tmp/odd.txt" 2>"$tmp/err"
ok [ $? -ne 0 ]
ok grep -q "bit 0" "$tmp/err"

# every JSON output above against docs/hashcheck.schema.json
finish test_hashcheck match
