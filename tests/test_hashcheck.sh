#!/usr/bin/env bash
# hashcheck hash end to end: CSV lines per file and type, quality column,
# failures reported per file on stderr without stopping the batch, exit 1
# after a failure, 2 on usage errors.
set -uo pipefail
bin=$1 data=$2/pdq-reference/threatexchange/pdq/data
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAILED: $*" >&2; fi; }

printf 'not an image' > "$tmp/bad.jpg"
cp "$data/misc-images/wee.jpg" "$tmp/we,e.jpg"
"$bin" hash --types pdq,phash,md5 "$data/misc-images/wee.jpg" "$tmp/bad.jpg" "$tmp/we,e.jpg" \
  >"$tmp/out" 2>"$tmp/err"
ok [ $? -eq 1 ]
ok [ "$(wc -l <"$tmp/out")" -eq 6 ]
ok grep -qx "$data/misc-images/wee.jpg,pdq,6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d,100" "$tmp/out"
ok grep -qx "$data/misc-images/wee.jpg,phash,de5a3d2925256627," "$tmp/out"
ok grep -qx "$data/misc-images/wee.jpg,md5,$(md5sum "$data/misc-images/wee.jpg" | cut -c1-32)," "$tmp/out"
ok grep -q "^\"$tmp/we,e.jpg\",pdq,6227401f" "$tmp/out"
ok grep -q "bad.jpg" "$tmp/err"
ok grep -q "1 file(s) failed" "$tmp/err"
"$bin" hash --types sha256 "$data/misc-images/wee.jpg" >"$tmp/out"
ok [ $? -eq 0 ]
ok grep -qx "$data/misc-images/wee.jpg,sha256,$(sha256sum "$data/misc-images/wee.jpg" | cut -c1-64)," "$tmp/out"
"$bin" hash --types nope "$data/misc-images/wee.jpg" >/dev/null 2>&1
ok [ $? -eq 2 ]
"$bin" hash >/dev/null 2>&1
ok [ $? -eq 2 ]
"$bin" hash --help | grep -q "usage: hashcheck hash"
ok [ $? -eq 0 ]
echo "test_hashcheck: $pass passed, $fail failed"
[ $fail -eq 0 ]
