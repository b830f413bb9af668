#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Do exactly what a newcomer does, from a clean clone in a temporary
# directory (the committed HEAD: uncommitted changes are not part of it),
# following the README:
#   1. build and install the library and hashcheck into a prefix outside
#      the loader's paths; run the installed hashcheck with an empty
#      environment;
#   2. build the README's C programs through pkg-config and through
#      find_package, run them with an empty environment, compare what they
#      print with the README (tests/readme_run.py);
#   3. Python: build the sdist (python -m build), pip install it in a fresh
#      virtual environment, run the README's Python quick start from the
#      clone and compare with the output it shows;
#   4. Go: the README's one command (scripts/build-go.sh), then the README's
#      Go example built as a program and run with an empty environment
#      (tests/readme_go_example.sh).
# Usage: bash scripts/test-newcomer.sh     (needs the build and python
# dependency groups of scripts/install-deps.sh, and PyPI for step 3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
step() { printf '\n==== newcomer: %s ====\n' "$*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  echo "note: the working tree has uncommitted changes; the clone has HEAD only"
fi
git clone -q "$root" "$tmp/libhashmatch"
cd "$tmp/libhashmatch"
prefix=$tmp/prefix

step "the README's install commands, into $prefix"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs" >/dev/null
cmake --install build --prefix "$prefix" >/dev/null
env -i "$prefix/bin/hashcheck" --version
img=tests/data/pdq-reference/threatexchange/pdq/data/bridge-mods/blur-a-little.jpg
env -i "$prefix/bin/hashcheck" hash --types pdq,phash "$img"

step "the README's C programs, through pkg-config and find_package"
python3 tests/readme_run.py README.md --prefix "$prefix" --mode pkg-config
python3 tests/readme_run.py README.md --prefix "$prefix" --mode cmake

step "Python: sdist, pip install in a fresh venv, the README's example"
python3 -m venv "$tmp/venv-build"
"$tmp/venv-build/bin/pip" install -q --disable-pip-version-check build
"$tmp/venv-build/bin/python" -m build --sdist --outdir "$tmp/dist" bindings/python >/dev/null
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q --disable-pip-version-check "$tmp"/dist/*.tar.gz
"$tmp/venv/bin/python" tests/readme_python.py README.md

step "Go: scripts/build-go.sh, the README's example"
bash scripts/build-go.sh "$tmp/prefix-go" >/dev/null
pc=$(find "$tmp/prefix-go" -name hashmatch.pc | head -n 1)
source scripts/go-env.sh
PKG_CONFIG_PATH=$(dirname "$pc") GO=$GO bash tests/readme_go_example.sh .
echo
echo "newcomer: install, C (pkg-config, find_package), Python (sdist), Go: all as the README says"
