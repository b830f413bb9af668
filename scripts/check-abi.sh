#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The ABI check: the public ABI of libhashmatch.so.1 against the stored
# baseline abi/libhashmatch.so.1.xml, with libabigail's abidw and abidiff
# (Debian package abigail-tools, in scripts/install-deps.sh's test group).
#
#   bash scripts/check-abi.sh [LIBRARY]            check
#   bash scripts/check-abi.sh --update [LIBRARY]   write the baseline anew
#
# LIBRARY is a libhashmatch.so.1 built with debug information (-g:
# RelWithDebInfo or Debug); without it the script builds one in
# build-abi/ (the default compiler, RelWithDebInfo, the library alone).
# Exit status: 0 compatible, 1 incompatible, 2 misuse, 77 cannot check
# here (abigail-tools missing, or a library without debug information:
# ctest's test_abi is then skipped).
# The public ABI is what the exported functions and the types of
# include/hashmatch.h make of the library: abidw reads it from the
# library's debug information, keeping the types of the public header
# only (--headers-dir include --drop-private-types) and no paths or line
# numbers, so that the baseline is the same from any checkout, and (as
# measured when it was made) from gcc and clang, RelWithDebInfo and Debug.
#
# The check fails on any change that is not an addition: a function or
# variable removed, or a change to the layout or the meaning of a type
# that an exported function reaches (abidiff --no-added-syms must find no
# change).  Additions (new functions, new enumerators) pass and are
# printed.
#
# The rule of the baseline: it changes only
#   - with additions, once they are made (run --update so that later
#     changes are checked against them), or
#   - with a SONAME bump (libhashmatch.so.2: a new baseline file).
# A field taken from a struct's reserved space (the header's way of adding
# to a public struct) is an addition, which abidiff reports as a change:
# check that its report shows nothing else (the struct's size unchanged,
# one data member inserted at the old offset of the reserved array, the
# array shorter by as much, its end where it was), pin the layout in a
# test (offsetof, sizeof: tests/test_tmk_index.c does so for
# hm_index_stats.tmk_entries), then --update.
# Never --update to make an incompatible change pass: that breaks every
# program linked against libhashmatch.so.1.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=abi/libhashmatch.so.1.xml
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
lib=${1:-}

for tool in abidw abidiff; do
  command -v "$tool" >/dev/null || {
    echo "check-abi: $tool not found: bash scripts/install-deps.sh test (abigail-tools)" >&2
    exit 77
  }
done

if [ -z "$lib" ]; then
  echo "== building libhashmatch (build-abi/, RelWithDebInfo)"
  cmake -S . -B build-abi -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHM_BUILD_TESTS=OFF \
    -DHM_BUILD_TOOLS=OFF -DHM_BUILD_BENCH=OFF >/dev/null
  cmake --build build-abi --target hashmatch >/dev/null
  lib=build-abi/libhashmatch.so.1
fi
[ -f "$lib" ] || { echo "check-abi: no library $lib" >&2; exit 2; }
readelf -S "$lib" | grep -q '\.debug_info' ||
  { echo "check-abi: $lib has no debug information (build it with -g)" >&2; exit 77; }

# The ABI of a library, as XML (stdout): source paths relative to the
# checkout, comments inside the root element (abidiff recognises the file
# by its first line).
abi_of() {
  abidw --headers-dir include --drop-private-types --drop-undefined-syms \
    --no-corpus-path --no-comp-dir-path --no-show-locs "$1" |
    sed -e "s|path='$PWD/|path='|" -e '1a\  <!-- SPDX-License-Identifier: BSD-3-Clause -->\
  <!-- The public ABI of libhashmatch.so.1, made by scripts/check-abi.sh (option update): read the rule there. -->'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
abi_of "$lib" >"$tmp/current.xml"
# Never pass for want of reading: the header's functions are all there.
functions() { grep -c "<elf-symbol name='hm_.*type='func-type'" "$1" || true; }
declared=$(grep -c '^HM_API ' include/hashmatch.h)
if [ "$(functions "$tmp/current.xml")" -ne "$declared" ]; then
  echo "check-abi: $lib exports $(functions "$tmp/current.xml") hm_ functions, the header" \
       "declares $declared" >&2
  exit 1
fi

if [ $update = 1 ]; then
  mkdir -p abi
  cp "$tmp/current.xml" "$baseline"
  echo "check-abi: wrote $baseline from $lib"
  exit 0
fi
[ -f "$baseline" ] || { echo "check-abi: no baseline $baseline (--update makes it)" >&2; exit 2; }

# Everything but additions: must be nothing.
set +e
abidiff --no-added-syms "$baseline" "$tmp/current.xml" >"$tmp/changes.txt" 2>&1
rc=$?
set -e
# (abidiff can report an unreadable file and still exit 0)
if grep -qi 'error' "$tmp/changes.txt"; then rc=${rc/#0/1}; fi
if [ $rc -ne 0 ]; then
  cat "$tmp/changes.txt"
  echo
  echo "check-abi: FAIL: $lib breaks the ABI of $baseline (abidiff status $rc)." >&2
  echo "Keep the old functions and layouts (reserved fields, new functions), or bump" >&2
  echo "the SONAME with a new baseline; see the rule at the top of scripts/check-abi.sh." >&2
  exit 1
fi
# Additions: shown, allowed.
set +e
abidiff "$baseline" "$tmp/current.xml" >"$tmp/all.txt" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
  cat "$tmp/all.txt"
  echo "check-abi: PASS with additions: run --update once they are final, so that later"
  echo "changes are checked against them."
else
  echo "check-abi: PASS: the ABI of $lib is the baseline's."
fi
