#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the Go binding from a clean checkout, in one command:
#
#   bash scripts/build-go.sh [PREFIX]
#
#   1. installs the build dependencies (scripts/install-deps.sh: apt-get);
#   2. builds libhashmatch (Release, the library alone) in build-go/ and
#      installs it into PREFIX (default: build/prefix-go in the checkout;
#      give /usr/local, or $HOME/.local, to keep it);
#   3. builds and vets the binding (go build, go vet) against it.
#
# hashmatch.pc, installed outside the loader's directories, carries a
# runpath (-Wl,-rpath,<libdir>), so the programs cgo links through it start
# without LD_LIBRARY_PATH.  For your own module, export what it prints at
# the end (PKG_CONFIG_PATH) before `go build`.
# The Go toolchain: scripts/go-env.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
prefix=${1:-$root/build/prefix-go}
case $prefix in /*) ;; *) prefix=$root/$prefix ;; esac
jobs=$(nproc 2>/dev/null || echo 2)

bash scripts/install-deps.sh build

source scripts/go-env.sh

echo "== libhashmatch: build (build-go/) and install ($prefix)"
cmake -S . -B build-go -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DHM_BUILD_TESTS=OFF -DHM_BUILD_TOOLS=OFF -DHM_BUILD_BENCH=OFF >/dev/null
cmake --build build-go -j "$jobs" >/dev/null
cmake --install build-go --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name hashmatch.pc | head -n 1)
pcdir=$(dirname "$pc")     # <prefix>/lib/pkgconfig (lib64, lib/<triplet> elsewhere)
export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

echo "== Go binding: go build, go vet ($("$GO" version))"
(cd bindings/go && "$GO" build ./... && "$GO" vet ./...)
echo
echo "Built.  To use the binding from your own module:"
echo "  export PKG_CONFIG_PATH=$pcdir"
echo "(a require + replace of github.com/libhashmatch/libhashmatch/bindings/go => $root/bindings/go"
echo " until the module is published; see bindings/go/README.md)"
