#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Python package installs in one step and carries no hidden state
# (issue #14).  In a scratch folder (mktemp; $HM_PKG_KEEP=1 keeps it):
#   1. a copy of the checkout is given the leftovers of the old test
#      scripts: the C library built and installed under build-py/, an
#      extension module built the old way (linked to build-py/prefix/lib by
#      its runpath) in bindings/python/build/ and in src/hashmatch/, and
#      PKG_CONFIG_PATH pointing at build-py/prefix.  `pip install
#      ./bindings/python` from that tree into a fresh venv must name no path
#      of it; with HASHMATCH_SYSTEM_LIBRARY=ON the package must load the
#      library of build-py/prefix and carry none; `python -m build` there
#      (sdist, and a wheel built from the sdist); then every build
#      folder of the copy is deleted, and the installed package must import,
#      load the libhashmatch inside itself and hash an image as the PDQ
#      reference does;
#   2. the sdist must hold exactly the sources (the C library's included,
#      no build output), and the wheel libhashmatch.so.1 beside the
#      extension, runpaths relative to $ORIGIN only, the licence;
#   3. with the copy of the checkout deleted, the wheel and the sdist are
#      each installed in a fresh venv (the sdist builds with the repository
#      absent: the C sources come from inside it) and the READMEs' Python
#      examples run there from outside the source tree
#      (bindings/python/tests/test_readme.py).
# The C library is built three times (the install from the tree, the wheel
# from the sdist, the install of the sdist) plus once for the leftovers;
# the HASHMATCH_SYSTEM_LIBRARY install builds the extension only.
# Needs PyPI (build, pytest, and the build requirements scikit-build-core
# and cffi); without it the checks are skipped with a message.  Copies of
# the sdist and the wheel are left in build-pkg/dist.
# Usage: bash scripts/test-python-packaging.sh   (from anywhere in a checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
start=$SECONDS

step() { printf '\n==== %s (%ds) ====\n' "$*" $((SECONDS - start)); }
passed=0 failed=0
check() { # check NAME COMMAND...: one assertion, counted
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"
  else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

bash scripts/install-deps.sh build python

work=$(mktemp -d "${TMPDIR:-/tmp}/hm-pkg.XXXXXX")
if [ "${HM_PKG_KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
echo "scratch folder: $work"
pipq() { "$@" -q --disable-pip-version-check --retries 2 --timeout 30; }
newvenv() { python3 -m venv "$work/$1" && echo "$work/$1/bin/python"; }

step "tools: build, pytest, cffi (PyPI)"
tools=$(newvenv tools)
if ! pipq "$tools" -m pip install build pytest cffi; then
  echo "SKIPPED: the packaging checks (PyPI cannot be reached: pip needs it for build, pytest, scikit-build-core and cffi)"
  exit 0
fi

# What an installed package must be: itself, in the venv, with the library
# it carries (or the one in the folder given), hashing as the reference.
cat >"$work/check_import.py" <<'PY'
import csv, pathlib, sys
import hashmatch, hashmatch._native as native
repo, venv = pathlib.Path(sys.argv[1]), pathlib.Path(sys.prefix).resolve()
pkg = pathlib.Path(hashmatch.__file__).resolve().parent
libdir = pathlib.Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else pkg
assert venv in pkg.parents, "hashmatch imported from %s, not from %s" % (pkg, venv)
assert pathlib.Path(native.__file__).name == "_native.abi3.so", native.__file__
libs = {pathlib.Path(l.split()[-1]).resolve() for l in open("/proc/self/maps")
        if "libhashmatch" in l}
assert [p.parent for p in libs] == [libdir], "libhashmatch loaded from %s" % libs
rel = "pdq/data/bridge-mods/blur-a-little.jpg"
with open(repo / "tests/data/pdq-reference/expected/pdq-fullres-core.csv") as f:
    want = next(r for r in csv.DictReader(f) if r["path"] == rel)
r = hashmatch.hash(repo / "tests/data/pdq-reference/threatexchange" / rel, "pdq")
assert (str(r.pdq), str(r.pdq.quality)) == (want["pdq_hex"], want["quality"]), r
print("hashmatch %s from %s: PDQ of %s as the reference" % (hashmatch.LIBRARY_VERSION, pkg, rel))
PY

step "a copy of the checkout with the old test scripts' leftovers"
tree=$work/tree
mkdir "$tree"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tree"
# the C library installed into build-py/prefix, as scripts/test-python.sh did
cmake -S "$tree" -B "$tree/build-py/c" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHM_BUILD_TESTS=OFF -DHM_BUILD_TOOLS=OFF -DHM_BUILD_BENCH=OFF \
  -DCMAKE_INSTALL_PREFIX="$tree/build-py/prefix" -DCMAKE_INSTALL_LIBDIR=lib >/dev/null
cmake --build "$tree/build-py/c" -j "$jobs" >/dev/null
cmake --install "$tree/build-py/c" >/dev/null
# an extension module built against it the old way, where setuptools left
# it (build/lib.<platform>-<tag>/) and in place under the interpreter's own
# suffix (which would shadow the abi3 module if a backend packaged it)
stale=$tree/bindings/python/build/$("$tools" -c \
  'import sys, sysconfig; print("lib.%s-%s" % (sysconfig.get_platform(), sys.implementation.cache_tag))')/hashmatch
mkdir -p "$stale"
"$tools" "$tree/bindings/python/hashmatch_build.py" "$work/stale.c"
cc -shared -fPIC -O1 -o "$stale/_native.abi3.so" "$work/stale.c" \
  -I"$("$tools" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" \
  -I"$tree/build-py/prefix/include" -L"$tree/build-py/prefix/lib" -lhashmatch \
  -Wl,-rpath,"$tree/build-py/prefix/lib" -Wl,--enable-new-dtags
cp "$stale/_native.abi3.so" "$tree/bindings/python/src/hashmatch/_native$("$tools" -c \
  'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
mkdir -p "$tree/bindings/python/dist" "$tree/bindings/python/src/hashmatch.egg-info"
export PKG_CONFIG_PATH="$tree/build-py/prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

step "pip install ./bindings/python (from the tree with leftovers)"
t0=$SECONDS
venv_tree=$(newvenv venv-tree)
(cd "$tree" && pipq "$venv_tree" -m pip install ./bindings/python)
echo "pip install: $((SECONDS - t0)) s (venv included)"
check "the install names no path of the tree (it ignored build-py/prefix and PKG_CONFIG_PATH)" \
  bash -c '! find "$1" -name "*.so*" -type f -exec readelf -d {} + | grep -F "$2"' \
  _ "$work/venv-tree" "$tree"

step "asked for: the installed library (HASHMATCH_SYSTEM_LIBRARY=ON)"
venv_system=$(newvenv venv-system)
(cd "$tree" && pipq "$venv_system" -m pip install \
  -Ccmake.define.HASHMATCH_SYSTEM_LIBRARY=ON ./bindings/python)
check "HASHMATCH_SYSTEM_LIBRARY=ON links the installed library and carries none" \
  bash -c 'cd "$1" && "$2" check_import.py "$3" "$4" &&
           [ -z "$(find "$1/venv-system" -name "libhashmatch*")" ]' \
  _ "$work" "$venv_system" "$root" "$tree/build-py/prefix/lib"

step "python -m build: sdist, and the wheel built from it"
t0=$SECONDS
"$tools" -m build --outdir "$work/dist" "$tree/bindings/python" >"$work/build.log" 2>&1 ||
  { tail -n 40 "$work/build.log"; exit 1; }
echo "python -m build: $((SECONDS - t0)) s"
sdist=$(ls "$work"/dist/*.tar.gz) wheel=$(ls "$work"/dist/*.whl)
ls -l "$sdist" "$wheel"
mkdir -p build-pkg/dist && cp "$sdist" "$wheel" build-pkg/dist/

step "delete every build folder of the copy, then import"
find "$tree" -depth -type d \( -name 'build*' -o -name dist -o -name '*.egg-info' \) \
  -exec rm -rf {} +
check "the install from a tree with leftovers works once they are gone" \
  bash -c 'cd "$1" && "$2" check_import.py "$3"' _ "$work" "$venv_tree" "$root"

step "sdist and wheel contents"
check "the sdist holds the sources, the C library's included, and no build output" \
  "$tools" - "$sdist" <<'PY'
import sys, tarfile
names = tarfile.open(sys.argv[1]).getnames()
top = names[0].split("/")[0] + "/"
need = ["PKG-INFO", "pyproject.toml", "CMakeLists.txt", "LICENSE", "hashmatch_build.py",
        "ffi/hashmatch.cdef", "src/hashmatch/__init__.py", "src/hashmatch/py.typed",
        "src/hashmatch/pytx/__init__.py",
        "libhashmatch/CMakeLists.txt", "libhashmatch/LICENSE", "libhashmatch/include/hashmatch.h",
        "libhashmatch/cmake/exports.cmake", "libhashmatch/lib/hasher.c",
        "libhashmatch/cmake/hashmatch.pc.in"]
missing = [n for n in need if top + n not in names]
junk = [n for n in names if not n.startswith(top) or n.endswith((".so", ".o", ".a", ".pyc"))
        or any(p.startswith(("build", "dist")) or p.endswith(".egg-info")
               for p in n.split("/")[1:-1])]
print("sdist: %d files" % len(names))
assert not missing and not junk, (missing, junk)
PY
check "the wheel carries libhashmatch.so.1, found through \$ORIGIN, and the licence" \
  "$tools" - "$wheel" "$work/wheel" <<'PY'
import pathlib, re, subprocess, sys, zipfile
whl, out = zipfile.ZipFile(sys.argv[1]), pathlib.Path(sys.argv[2])
names = whl.namelist()
whl.extractall(out)
elf = sorted(n for n in names if (out / n).read_bytes()[:4] == b"\x7fELF")
assert elf == ["hashmatch/_native.abi3.so", "hashmatch/libhashmatch.so.1"], elf
assert sys.argv[1].endswith("-cp39-abi3-linux_x86_64.whl"), sys.argv[1]
dyn = {n: subprocess.run(["readelf", "-d", str(out / n)], check=True, capture_output=True,
                         text=True).stdout for n in elf}
def entries(n, tag):
    return [v for m in re.findall(r"\(%s\)\s+.*?\[(.*)\]" % tag, dyn[n]) for v in m.split(":")]
assert entries("hashmatch/_native.abi3.so", "RUNPATH") == ["$ORIGIN"], dyn[elf[0]]
assert "libhashmatch.so.1" in entries("hashmatch/_native.abi3.so", "NEEDED")
assert entries("hashmatch/libhashmatch.so.1", "SONAME") == ["libhashmatch.so.1"]
for n in elf:  # no absolute path (a build folder) in any runpath
    for p in entries(n, "RUNPATH") + entries(n, "RPATH"):
        assert p.startswith("$ORIGIN"), (n, p)
meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
assert "License-Expression: BSD-3-Clause" in whl.read(meta).decode()
# the python-threatexchange extension, and its optional dependency
assert "hashmatch/pytx/__init__.py" in names, names
assert "Provides-Extra: pytx" in whl.read(meta).decode()
lic = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
assert lic and whl.read(lic[0]).startswith(b"BSD 3-Clause License"), lic
for n in elf:
    print("%-28s %7.0f KiB" % (n, (out / n).stat().st_size / 1024))
PY
check "the wheel's licence is the repository's" \
  cmp "$work/wheel/"hashmatch-*.dist-info/licenses/LICENSE LICENSE

step "the wheel and the sdist in fresh venvs, the checkout copy gone"
rm -rf "$tree"
unset PKG_CONFIG_PATH
mkdir "$work/outside"
t0=$SECONDS
venv_wheel=$(newvenv venv-wheel)
pipq "$venv_wheel" -m pip install "$wheel" pytest
echo "wheel install: $((SECONDS - t0)) s (venv and pytest included)"
t0=$SECONDS
venv_sdist=$(newvenv venv-sdist)
pipq "$venv_sdist" -m pip install pytest
# -v: CMake's messages; no cache: a wheel pip built before is never reused
"$venv_sdist" -m pip install -v --no-cache-dir --disable-pip-version-check "$sdist" \
  >"$work/sdist-install.log" 2>&1 ||
  { tail -n 40 "$work/sdist-install.log"; exit 1; }
echo "sdist install: $((SECONDS - t0)) s (venv and pytest included)"
built_from=$(sed -n 's/.*hashmatch: building libhashmatch from //p' "$work/sdist-install.log")
echo "sdist: libhashmatch built from $built_from"
check "the sdist built the C library from its own copy, not from the checkout" \
  bash -c '[[ "$1" == */libhashmatch && "$1" != "$2"/* ]]' _ "$built_from" "$root"
for v in "$venv_wheel" "$venv_sdist"; do
  kind=$(basename "$(dirname "$(dirname "$v")")")
  check "$kind: imports its own copy, hashes as the reference" \
    bash -c 'cd "$1/outside" && "$2" ../check_import.py "$3"' _ "$work" "$v" "$root"
  check "$kind: the READMEs' Python examples (test_readme.py) from outside the tree" \
    bash -c 'cd "$1/outside" && PYTHONDONTWRITEBYTECODE=1 "$2" -m pytest -q -p no:cacheprovider \
      "$3/bindings/python/tests/test_readme.py"' _ "$work" "$v" "$root"
done
du -sh "$work"/venv-wheel/lib/python3*/site-packages/hashmatch | sed 's/^/installed: /'

step "done"
echo "packaging: $passed passed, $failed failed ($((SECONDS - start)) s)"
[ "$failed" = 0 ]
