#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install the Python binding (bindings/python) in a virtual environment, the
# way its README says, and run the binding's test suite.
#
#   bash scripts/test-python.sh        (from anywhere in a checkout)
#
# Steps (everything under build-py/, nothing installed system-wide except
# the build dependencies, through scripts/install-deps.sh):
#   1. a virtual environment build-py/venv with the test dependencies from
#      PyPI: pytest, mypy, tests/python/requirements-oracle.txt
#      (Pillow 9.4.0, numpy 1.26.4, scipy, imagehash 4.3.2, pdqhash 0.2.8)
#      tests/python/requirements-arrow.txt (pyarrow, for hashmatch.arrow),
#      tests/python/requirements-pytx.txt (threatexchange 1.2.6, for
#      hashmatch.pytx and python-threatexchange's own tests, docs/pytx.md)
#      and tests/python/requirements-vpdq.txt (the vpdq package, built from
#      source, for pytx's own vPDQ tests);
#   2. pip install ./bindings/python: one step, no PKG_CONFIG_PATH; pip
#      fetches the build requirements (scikit-build-core, cffi), which build
#      the C library from this checkout in a temporary folder and put
#      libhashmatch.so.1 inside the package, beside the extension
#      (docs/python.md);
#   3. python -m pytest bindings/python/tests.
# When PyPI cannot be reached, the environment falls back to Debian's
# packages (python3-cffi, python3-pytest, python3-numpy, python3-pil,
# installed with apt-get when missing) in build-py/venv-system, and the
# cross-checks against imagehash and pdqhash, and hashmatch.pytx's tests,
# are skipped with a message.
# The binding is then built without build isolation, which needs
# scikit-build-core in that environment: Debian 12 does not package it, so
# the script stops with a message unless it was installed there before.
# scripts/test-python-packaging.sh checks the packaging itself (sdist,
# wheel, leftovers of earlier builds).  HM_PY_OUT names another output
# directory than build-py.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${HM_PY_OUT:-build-py}   # output directory, relative to the repository root

step() { printf '\n==== %s ====\n' "$*"; }

bash scripts/install-deps.sh build python pytx

step "Python environment"
pipq() { "$@" -q --disable-pip-version-check --retries 2 --timeout 30; }
oracle=0
use_system_python() { # PyPI unreachable: Debian's packages, no oracle
  echo "PyPI cannot be reached: using Debian's Python packages instead" >&2
  local SUDO= p missing=()
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  for p in python3-cffi python3-pytest python3-numpy python3-pil; do
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
pytx=0
if pipq "$py" -m pip install -r tests/python/requirements-oracle.txt \
     -r tests/python/requirements-arrow.txt pytest; then
  oracle=1
  pipq "$py" -m pip install mypy || echo "mypy not installed: the type check will be skipped"
  # python-threatexchange, for hashmatch.pytx and pytx's own tests
  # (docs/pytx.md); PyPI answered, so failing to install it is a failure.
  if ! pipq "$py" -m pip install -r tests/python/requirements-pytx.txt \
       -c tests/python/requirements-oracle.txt; then
    echo "FAILED: threatexchange (tests/python/requirements-pytx.txt) cannot be installed" >&2
    exit 1
  fi
  pytx=1
  # the vpdq package, which pytx's vPDQ tests import (built from source:
  # the install-deps.sh pytx group); PyPI answered, so failing is a failure.
  if ! pipq "$py" -m pip install -r tests/python/requirements-vpdq.txt; then
    echo "FAILED: vpdq (tests/python/requirements-vpdq.txt) cannot be built: it needs" \
         "a C++ compiler, CMake, pkg-config and FFmpeg's -dev packages with libavdevice" \
         "(bash scripts/install-deps.sh build python pytx); pip's error is above" >&2
    exit 1
  fi
elif ! "$py" -c "import pytest" 2>/dev/null; then
  use_system_python
fi

step "pip install ./bindings/python"
if ! pipq "$py" -m pip install ./bindings/python; then
  # pip could not fetch the build requirements (scikit-build-core, cffi):
  # build with the environment's own, without build isolation.
  if ! "$py" -c "import scikit_build_core, cffi" 2>/dev/null &&
     ! pipq "$py" -m pip install scikit-build-core cffi; then
    use_system_python
  fi
  if ! "$py" -c "import scikit_build_core" 2>/dev/null; then
    echo "FAILED: the binding cannot be built: scikit-build-core is neither installed" \
         "in $venv nor reachable on PyPI (Debian 12 does not package it)" >&2
    exit 1
  fi
  echo "building without build isolation, with the environment's scikit-build-core and cffi" >&2
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
if [ "$pytx" = 0 ] && ! "$py" -c "import threatexchange" 2>/dev/null; then
  echo "SKIPPED: hashmatch.pytx's tests (threatexchange not installed: see tests/python/requirements-pytx.txt)"
fi
if [ "$pytx" = 0 ] && ! "$py" -c "import vpdq" 2>/dev/null; then
  echo "SKIPPED: pytx's own vPDQ tests (vpdq not installed: see tests/python/requirements-vpdq.txt)"
fi
# -rs lists every skipped test with its reason.
"$py" -m pytest -q -rs bindings/python/tests
