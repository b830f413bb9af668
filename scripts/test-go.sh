# SPDX-License-Identifier: BSD-3-Clause
# Check the Go binding (bindings/go):
#   1. scripts/build-go.sh: the README's one command (libhashmatch built in
#      build-go/, installed into build/prefix-go, go build, go vet);
#   2. gofmt;
#   3. go test -race ./... against the installed library, found through
#      pkg-config alone (hashmatch.pc's runpath: no CGO_LDFLAGS, no
#      LD_LIBRARY_PATH);
#   4. the repository README's Go example built as a program of a module of
#      its own (require + replace) and run with an empty environment: it
#      must start and print the output the example claims;
#   5. go test ./... with libhashmatch linked statically, as
#      bindings/go/README.md documents (tag hashmatch_nopkgconfig,
#      libhashmatch.a, dependencies shared): the tests pass and the test
#      binary does not need libhashmatch.so.
#   6. hashmatchd's systemd unit and Dockerfile checked against the built
#      program (tests/test_packaging.sh).
# Usage: bash scripts/test-go.sh      (from the repository root or anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n==== %s ====\n' "$*"; }

prefix=$root/build/prefix-go
rm -rf "$prefix"
step "scripts/build-go.sh $prefix"
bash scripts/build-go.sh "$prefix"
source scripts/go-env.sh
pc=$(find "$prefix" -name hashmatch.pc | head -n 1)
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cd bindings/go
gofmt=$(dirname "$GO")/gofmt

step "Go: gofmt"
if [ -x "$gofmt" ]; then
  unformatted=$("$gofmt" -l .)
  if [ -n "$unformatted" ]; then
    echo "not gofmt-formatted: $unformatted" >&2
    exit 1
  fi
fi

step "Go: go test -race against the installed library ($prefix)"
"$GO" test -race -count=1 ./...

step "Go: the README's example as a program, run with an empty environment"
ex=$(mktemp -d)
trap 'rm -rf "$ex"' EXIT
GO=$GO bash "$root/tests/readme_go_example.sh" "$root"

step "Go: go test with libhashmatch linked statically (-tags hashmatch_nopkgconfig)"
static=$ex/static
mkdir -p "$static"
cp "$libdir/libhashmatch.a" "$static/"
CGO_CFLAGS="-I$prefix/include" \
CGO_LDFLAGS="-L$static -lhashmatch $(pkg-config --libs libjpeg libpng libwebp libwebpdemux \
  libavcodec libavformat libavutil libswscale libavfilter libxxhash libcrypto) -lm -pthread" \
  "$GO" test -count=1 -tags hashmatch_nopkgconfig -o "$ex/static.test" -c ./hashmatch
if readelf -d "$ex/static.test" | grep -q libhashmatch; then
  echo "the statically linked test binary still needs libhashmatch.so"; exit 1
fi
(cd hashmatch && env -i "$ex/static.test" -test.count=1 >/dev/null)
echo "static link: tests pass, no libhashmatch.so needed"

step "hashmatchd's deployment files (tests/test_packaging.sh)"
"$GO" build -o "$ex/hashmatchd" ./cmd/hashmatchd
bash "$root/tests/test_packaging.sh" "$ex/hashmatchd"
