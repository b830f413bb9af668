#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build and install libhashmatch into build/prefix-go, then check the Go
# binding (bindings/go) against it:
#   1. go vet ./... and gofmt;
#   2. go test -race ./... against the installed library (pkg-config,
#      runtime path through -Wl,-rpath in CGO_LDFLAGS);
#   3. go test ./... against the CMake build tree (build tag
#      hashmatch_nopkgconfig, flags in CGO_CFLAGS / CGO_LDFLAGS).
# The Go toolchain: $GO if set, else `go` on PATH, else /usr/local/go/bin/go,
# else Debian's golang-go is installed with apt-get (Go 1.19 on Debian 12,
# which the binding supports).
# Usage: bash scripts/test-go.sh      (from the repository root or anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n==== %s ====\n' "$*"; }

bash scripts/install-deps.sh

GO=${GO:-}
if [ -z "$GO" ]; then
  if command -v go >/dev/null 2>&1; then
    GO=$(command -v go)
  elif [ -x /usr/local/go/bin/go ]; then
    GO=/usr/local/go/bin/go
  else
    echo "go not found: installing Debian's golang-go"
    SUDO=
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends golang-go
    GO=$(command -v go)
  fi
fi
# Never download another toolchain: the module needs Go 1.19.
export GOTOOLCHAIN=local
"$GO" version

step "libhashmatch: build (build-go/) and install (build/prefix-go/)"
cmake -S . -B build-go -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHM_BUILD_TESTS=OFF -DHM_BUILD_TOOLS=OFF -DHM_BUILD_BENCH=OFF >/dev/null
cmake --build build-go -j "$jobs"
prefix=$root/build/prefix-go
rm -rf "$prefix"
cmake --install build-go --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name hashmatch.pc | head -n 1)
pcdir=$(dirname "$pc")     # <prefix>/lib/pkgconfig (lib64, lib/<triplet> elsewhere)
libdir=$(dirname "$pcdir")

cd bindings/go
gofmt=$(dirname "$GO")/gofmt

step "Go: vet and gofmt"
export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export CGO_LDFLAGS="-Wl,-rpath,$libdir${CGO_LDFLAGS:+ $CGO_LDFLAGS}"
"$GO" vet ./...
if [ -x "$gofmt" ]; then
  unformatted=$("$gofmt" -l .)
  if [ -n "$unformatted" ]; then
    echo "not gofmt-formatted: $unformatted" >&2
    exit 1
  fi
fi

step "Go: go test -race against the installed library ($prefix)"
"$GO" test -race -count=1 ./...

step "Go: go test against the build tree (-tags hashmatch_nopkgconfig)"
CGO_CFLAGS="-I$root/include" \
CGO_LDFLAGS="-L$root/build-go -Wl,-rpath,$root/build-go" \
  "$GO" test -count=1 -tags hashmatch_nopkgconfig ./...
