#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
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
# When PyPI cannot be reached, the environment falls back to Debian's
# packages (python3-cffi, python3-setuptools, python3-pytest, python3-numpy,
# python3-pil, installed with apt-get when missing) in build-py/venv-system,
# the binding is built with --no-build-isolation, and the cross-checks
# against imagehash and pdqhash are skipped with a message.  HM_PY_OUT
# names another output directory than build-py.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
out=${HM_PY_OUT:-build-py}   # output directory, relative to the repository root
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
echo "pkg-config: hashmatch $(pkg-config --modversion hashmatch) in $(realpath "$(pkg-config --variable=libdir hashmatch)")"

step "Python environment"
pipq() { "$@" -q --disable-pip-version-check --retries 2 --timeout 30; }
oracle=0
use_system_python() { # PyPI unreachable: Debian's packages, no oracle
  echo "PyPI cannot be reached: using Debian's Python packages instead" >&2
  local SUDO= p missing=()
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  for p in python3-cffi python3-setuptools python3-pytest python3-numpy python3-pil; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  venv=$out/venv-system
  if [ ! -x "$venv/bin/python" ]; then /usr/bin/python3 -m venv --system-site-packages "$venv"; fi
  py=$root/$venv/bin/python
  oracle=0
}
venv=$out/venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
py=$root/$venv/bin/python
if pipq "$py" -m pip install -r tests/python/requirements-oracle.txt pytest; then
  oracle=1
  pipq "$py" -m pip install mypy || echo "mypy not installed: the type check will be skipped"
elif ! "$py" -c "import pytest" 2>/dev/null; then
  use_system_python
fi

step "pip install ./bindings/python"
if ! pipq "$py" -m pip install ./bindings/python; then
  # pip could not fetch the build requirements (setuptools, cffi): build
  # with the environment's own, without build isolation.
  if ! "$py" -c "import cffi, setuptools" 2>/dev/null &&
     ! pipq "$py" -m pip install cffi setuptools; then
    use_system_python
  fi
  echo "building without build isolation, with the environment's setuptools and cffi" >&2
  pipq "$py" -m pip install --no-build-isolation --no-deps ./bindings/python
fi
"$py" - <<'PY'
import hashmatch, hashmatch._native as n
print("hashmatch %s (C library %s) from %s" % (hashmatch.__version__, hashmatch.LIBRARY_VERSION, n.__file__))
PY

step "Python binding tests"
if [ "$oracle" = 0 ] && ! "$py" -c "import imagehash, pdqhash" 2>/dev/null; then
  echo "SKIPPED: the cross-checks against imagehash and pdqhash (PyPI unreachable: see tests/python/requirements-oracle.txt)"
fi
# -rs lists every skipped test with its reason.
"$py" -m pytest -q -rs bindings/python/tests
