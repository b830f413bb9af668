#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every source file of the project names its licence (an SPDX line in its
# first lines), and the licence text is at the root.  Test data keeps its
# own attributions (tests/data/README.md) and is not checked here.
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$src"
grep -q '^BSD 3-Clause License' LICENSE || { echo "LICENSE is not the BSD 3-Clause text"; exit 1; }
# The Python package's copy (PEP 639 wants it inside bindings/python).
cmp -s LICENSE bindings/python/LICENSE ||
  { echo "bindings/python/LICENSE differs from LICENSE: copy it again"; exit 1; }
missing=$(find lib include tools bindings tests bench scripts cmake packaging .ci CMakeLists.txt \
    -type d \( -name data -path 'tests/data' -o -name corpus -o -name regressions \
               -o -name testdata -o -name build -o -name '*.egg-info' -o -name __pycache__ \
               -o -name .pytest_cache -o -name .mypy_cache \) -prune -o \
    -type f \( -name '*.c' -o -name '*.h' -o -name '*.go' -o -name '*.py' -o -name '*.sh' \
               -o -name 'CMakeLists.txt' -o -name '*.in' -o -name '*.map' -o -name '*.cdef' \
               -o -name '*.toml' -o -name go.mod -o -path .ci/run -o -name '*.service' \
               -o -name Dockerfile -o -name '*.dockerignore' \) -print |
  while read -r f; do
    head -n 5 "$f" | grep -q 'SPDX-License-Identifier: BSD-3-Clause' || echo "$f"
  done)
if [ -n "$missing" ]; then
  echo "files without 'SPDX-License-Identifier: BSD-3-Clause' in their first 5 lines:"
  echo "$missing"
  exit 1
fi
echo "test_licence: every source file names BSD-3-Clause"
