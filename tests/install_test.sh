#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install the built library into a temporary prefix and build a tiny
# consumer against it twice: through find_package(hashmatch) and through
# pkg-config.  Also checks the shared library's SONAME and that it exports
# only hm_* symbols.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img="$src/tests/data/pdq-reference/threatexchange/pdq/data/misc-images/wee.jpg"
want="6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d 100"

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
lib=$(ls "$tmp"/prefix/lib*/libhashmatch.so.1 2>/dev/null || ls "$tmp"/prefix/lib/*/libhashmatch.so.1)
libdir=$(dirname "$lib")
test -f "$tmp/prefix/include/hashmatch.h"
test -f "$libdir/libhashmatch.a"

soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = "libhashmatch.so.1" ] || { echo "SONAME is '$soname'"; exit 1; }
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^hm_' | grep -v '^HASHMATCH_1$' || true)
[ -z "$bad" ] || { echo "unexpected exported symbols:"; echo "$bad"; exit 1; }

# find_package
cmake -S "$src/tests/consumer" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm" >/dev/null
got=$(LD_LIBRARY_PATH="$libdir" "$tmp/cm/consumer" "$img")
[ "$got" = "$want" ] || { echo "find_package consumer printed '$got'"; exit 1; }

# pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Werror "$src/tests/consumer/main.c" -o "$tmp/pc" \
   $(pkg-config --cflags --libs hashmatch)
got=$(LD_LIBRARY_PATH="$libdir" "$tmp/pc" "$img")
[ "$got" = "$want" ] || { echo "pkg-config consumer printed '$got'"; exit 1; }
echo "install_test: 2 passed, 0 failed"
