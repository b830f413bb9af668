#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install the built library into a temporary prefix, outside the loader's
# paths, and use it as a newcomer would, every program started with an
# empty environment (env -i: no LD_LIBRARY_PATH):
#   - the installed hashcheck (relative runpath $ORIGIN/../lib);
#   - a consumer built through find_package(hashmatch), shared and static
#     (hashmatch::hashmatch, hashmatch::hashmatch_static);
#   - the same consumer built through pkg-config (hashmatch.pc's runpath);
#   - the README's C programs, through pkg-config and find_package, printing
#     what the README says (tests/readme_run.py).
# Also checks the shared library's SONAME, that it exports exactly the
# header's HM_API functions, that the licence is installed and named, and
# with hashcheck its manual (docs/hashcheck.md and its JSON schema, and the
# man page hashcheck.1 when the build made one: it must render with NAME
# and SYNOPSIS sections).
set -euo pipefail
# a failing step names itself (a bare grep -q or test would fail silently)
trap 'echo "install_test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img="$src/tests/data/pdq-reference/threatexchange/pdq/data/misc-images/wee.jpg"
want="6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d 100"
pass=0
ok() { pass=$((pass + 1)); }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
lib=$(ls "$tmp"/prefix/lib*/libhashmatch.so.1 2>/dev/null || ls "$tmp"/prefix/lib/*/libhashmatch.so.1)
libdir=$(dirname "$lib")
test -f "$tmp/prefix/include/hashmatch.h"
test -f "$libdir/libhashmatch.a"
grep -q '^BSD 3-Clause License' "$tmp/prefix/share/doc/hashmatch/LICENSE"
grep -q '^License: BSD-3-Clause$' "$libdir/pkgconfig/hashmatch.pc"

soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = "libhashmatch.so.1" ] || { echo "SONAME is '$soname'"; exit 1; }
# exported = declared: every HM_API function of the installed header, and
# nothing else (no internal hm_ function, no target_clones resolver)
nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep -v '^HASHMATCH_1$' |
  sort -u > "$tmp/exported"
python3 - "$tmp/prefix/include/hashmatch.h" > "$tmp/declared" <<'PY'
import re, sys
text = re.sub(r"/\*.*?\*/", "", open(sys.argv[1]).read(), flags=re.S)
names = set()
for decl in re.findall(r"^HM_API\b([^;{]*?)\(", text, re.M):
    names.add(re.findall(r"\w+", decl)[-1])
print("\n".join(sorted(names)))
PY
if ! diff -u "$tmp/declared" "$tmp/exported"; then
  echo "the exported symbols (+) differ from the header's HM_API functions (-)"; exit 1
fi
[ "$(wc -l < "$tmp/declared")" -ge 10 ] || { echo "too few declarations found"; exit 1; }
ok

# the installed tool, when it was built
if [ -x "$tmp/prefix/bin/hashcheck" ]; then
  got=$(env -i "$tmp/prefix/bin/hashcheck" hash --types pdq --format csv "$img" | tail -n 1)
  case "$got" in
    *",pdq,6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d,100,,") ok ;;
    *) echo "installed hashcheck printed '$got'"; exit 1 ;;
  esac
  doc=$tmp/prefix/share/doc/hashmatch
  cmp -s "$doc/hashcheck.md" "$src/docs/hashcheck.md" || { echo "hashcheck.md not installed"; exit 1; }
  cmp -s "$doc/hashcheck.schema.json" "$src/docs/hashcheck.schema.json" ||
    { echo "hashcheck.schema.json not installed"; exit 1; }
  ok
  if [ -f "$build/tools/hashcheck.1" ]; then
    page=$tmp/prefix/share/man/man1/hashcheck.1
    [ -s "$page" ] || { echo "the man page is not installed as $page"; exit 1; }
    # rendered by whichever formatter is there; at least its sections
    if command -v groff >/dev/null; then text=$(groff -man -Tutf8 "$page" 2>/dev/null)
    elif command -v mandoc >/dev/null; then text=$(mandoc -Tutf8 "$page")
    elif command -v man >/dev/null; then text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
    else text=$(sed 's/^\.SH //; s/\\-/-/g' "$page"); fi   # no formatter: the roff itself
    text=$(printf '%s\n' "$text" | sed 's/.\x08//g')   # no overstrike
    for sect in '^NAME$' '^ *hashcheck  *-  *hash  *images' '^SYNOPSIS$' '^ *hashcheck match ' \
                '^EXIT STATUS$' '^SEE ALSO$'; do
      # (a here-string, not a pipe: grep -q stops at the first match, and
      # under pipefail the writer's SIGPIPE would fail the check)
      grep -q "$sect" <<<"$text" ||
        { echo "the installed man page does not render '$sect'"; exit 1; }
    done
    ok
  fi
fi

# find_package, shared and static
cmake -S "$src/tests/consumer" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm" >/dev/null
for prog in consumer consumer_static; do
  got=$(env -i "$tmp/cm/$prog" "$img")
  [ "$got" = "$want" ] || { echo "find_package $prog printed '$got'"; exit 1; }
  ok
done
# the static consumer does not need libhashmatch.so at all
if grep -q 'libhashmatch' <<<"$(readelf -d "$tmp/cm/consumer_static")"; then
  echo "consumer_static links libhashmatch.so"; exit 1
fi

# pkg-config: no flags beyond what hashmatch.pc gives
cc -std=c11 -Wall -Werror "$src/tests/consumer/main.c" -o "$tmp/pc" \
   $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs hashmatch)
got=$(env -i "$tmp/pc" "$img")
[ "$got" = "$want" ] || { echo "pkg-config consumer printed '$got'"; exit 1; }
ok

# the README's C programs, built both ways, print what the README says
for mode in pkg-config cmake; do
  python3 "$src/tests/readme_run.py" "$src/README.md" --prefix "$tmp/prefix" --mode "$mode"
  ok
done
echo "install_test: $pass passed, 0 failed"
