#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Stands in for hashcheck in the tests: runs $HC_REAL with the same
# arguments, stdin and stderr, and when the command prints JSON records
# (hash and compare with --format json, match unless --format says
# otherwise) keeps a copy of its stdout in $HC_JSON_DIR as
# N.COMMAND.jsonl, for hashcheck_schema.py to validate at the end of the
# test.  The exit status is hashcheck's.
set -u
cmd=${1:-} fmt='' help=0 prev=''
for a in "$@"; do
  if [ "$prev" = --format ]; then fmt=$a; fi
  case $a in -h | --help) help=1 ;; esac
  prev=$a
done
case $cmd in
  match) fmt=${fmt:-json} ;;
  hash | compare) ;;
  *) fmt='' ;;
esac
if [ "$help" = 1 ] || { [ "$fmt" != json ] && [ "$fmt" != jsonl ]; }; then
  exec "$HC_REAL" "$@"
fi
n=$(find "$HC_JSON_DIR" -type f | wc -l)
"$HC_REAL" "$@" | tee "$HC_JSON_DIR/$n.$cmd.jsonl"
exit "${PIPESTATUS[0]}"
