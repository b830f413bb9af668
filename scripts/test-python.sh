#!/usr/bin/env bash
# Build the C library, install the Python binding (bindings/python) against
# it in a virtual environment, and run the binding's test suite.
#
#   bash scripts/test-python.sh        (from anywhere in a checkout)
#
# Steps (everything under build-py/, nothing installed system-wide except
# the build dependencies, through scripts/install-deps.sh):
#   1. the C library, RelWithDebInfo, installed into build-py/prefix
#      (cmake --install; hashmatch.pc in build-py/prefix/lib/pkgconfig);
#   2. a virtual environment build-py/venv with the test dependencies from
#      PyPI: pytest, mypy, and tests/python/requirements-oracle.txt
#      (Pillow 9.4.0, numpy 1.26.4, scipy, imagehash 4.3.2, pdqhash 0.2.8);
#   3. PKG_CONFIG_PATH=build-py/prefix/lib/pkgconfig pip install ./bindings/python
#      (the README's command: pip fetches setuptools and cffi to build it);
#      the extension records build-py/prefix/lib as its run path (RUNPATH),
#      so no LD_LIBRARY_PATH is needed;
#   4. python -m pytest bindings/python/tests.
# When PyPI cannot be reached, step 2 falls back to Debian's packages
# (python3-cffi, python3-setuptools, python3-pytest, python3-numpy,
# python3-pil, installed with apt-get when missing) in build-py/venv-system,
# the binding is built with --no-build-isolation, and the cross-checks
# against imagehash and pdqhash are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
out=build-py
prefix=$root/$out/prefix

step() { printf '\n==== %s ====\n' "$*"; }

bash scripts/install-deps.sh

step "C library -> $out/prefix"
cmake -S . -B "$out/c" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHM_BUILD_TESTS=OFF -DHM_BUILD_TOOLS=OFF -DHM_BUILD_BENCH=OFF \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib >/dev/null
cmake --build "$out/c" -j "$jobs"
cmake --install "$out/c" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "pkg-config: hashmatch $(pkg-config --modversion hashmatch) in $(pkg-config --variable=libdir hashmatch)"

step "Python environment"
pipq() { "$@" -q --disable-pip-version-check; }
online=0
venv=$out/venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
if pipq "$venv/bin/pip" install -r tests/python/requirements-oracle.txt pytest mypy; then
  online=1
else
  echo "PyPI cannot be reached: using Debian's Python packages instead" >&2
  SUDO=
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  want=(python3-cffi python3-setuptools python3-pytest python3-numpy python3-pil)
  missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  venv=$out/venv-system
  if [ ! -x "$venv/bin/python" ]; then /usr/bin/python3 -m venv --system-site-packages "$venv"; fi
fi
py=$root/$venv/bin/python

step "pip install ./bindings/python"
if [ "$online" = 1 ]; then
  pipq "$py" -m pip install ./bindings/python
else
  pipq "$py" -m pip install --no-build-isolation --no-deps --no-index ./bindings/python
fi
"$py" - <<'PY'
import hashmatch, hashmatch._native as n
print("hashmatch %s (C library %s) from %s" % (hashmatch.__version__, hashmatch.LIBRARY_VERSION, n.__file__))
PY

step "Python binding tests"
if [ "$online" = 0 ]; then
  echo "SKIPPED: the cross-checks against imagehash and pdqhash need PyPI (tests/python/requirements-oracle.txt)"
fi
# -rs lists every skipped test with its reason.
"$py" -m pytest -q -rs bindings/python/tests
