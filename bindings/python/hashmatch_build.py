# SPDX-License-Identifier: BSD-3-Clause
"""cffi builder for hashmatch._native (API mode, out of line).

Run by setuptools through ``cffi_modules`` in setup.py.  It finds the
installed C library with pkg-config (``hashmatch.pc``), so before
``pip install`` the library must be installed and, when it is not in a
default location, ``PKG_CONFIG_PATH`` must name its ``lib/pkgconfig``::

    cmake -S . -B build && cmake --build build
    cmake --install build --prefix "$PWD/build/prefix"
    PKG_CONFIG_PATH="$PWD/build/prefix/lib/pkgconfig" pip install ./bindings/python

Environment:
  HASHMATCH_RPATH=0     do not record the library directory as the
                        extension's run path (then the dynamic loader must
                        find libhashmatch.so.1 by itself: ldconfig,
                        LD_LIBRARY_PATH).  Default: recorded, unless it is a
                        system directory (/usr/lib..., /lib...).
  PKG_CONFIG            the pkg-config program (default: pkg-config).
"""
import os
import pathlib
import shlex
import shutil
import subprocess
import sys

from cffi import FFI

HERE = pathlib.Path(__file__).resolve().parent
PKG = "hashmatch"
MIN_VERSION = (0, 1, 0)


def _fail(msg):
    sys.stderr.write("\nhashmatch: " + msg + "\n\n")
    raise SystemExit(1)


def _pkg_config(*args):
    exe = os.environ.get("PKG_CONFIG", "pkg-config")
    if not shutil.which(exe):
        _fail("pkg-config was not found.  It is needed to locate the C library "
              "libhashmatch (apt-get install pkg-config).")
    res = subprocess.run([exe, *args, PKG], capture_output=True, text=True)
    if res.returncode != 0:
        _fail("pkg-config cannot find the C library libhashmatch (%s).\n"
              "Install it first (cmake --install build --prefix P) and point "
              "pkg-config at it:\n"
              "    PKG_CONFIG_PATH=P/lib/pkgconfig pip install ./bindings/python\n"
              "pkg-config said: %s" % (" ".join([exe, *args, PKG]), res.stderr.strip()))
    return res.stdout.strip()


def _library_flags():
    version = _pkg_config("--modversion")
    try:
        have = tuple(int(x) for x in version.split(".")[:3])
    except ValueError:
        have = (0,)
    if have < MIN_VERSION or have[0] != MIN_VERSION[0]:
        _fail("libhashmatch %s found by pkg-config; this binding needs %s.x, >= %s"
              % (version, MIN_VERSION[0], ".".join(map(str, MIN_VERSION))))
    kw = {"include_dirs": [], "library_dirs": [], "libraries": [],
          "extra_compile_args": [], "extra_link_args": []}
    for tok in shlex.split(_pkg_config("--cflags")):
        if tok.startswith("-I"):
            kw["include_dirs"].append(os.path.normpath(tok[2:]))
        else:
            kw["extra_compile_args"].append(tok)
    for tok in shlex.split(_pkg_config("--libs")):
        if tok.startswith("-L"):
            kw["library_dirs"].append(os.path.normpath(tok[2:]))
        elif tok.startswith("-l"):
            kw["libraries"].append(tok[2:])
        else:
            kw["extra_link_args"].append(tok)
    # A cdef prototype that disagrees with hashmatch.h must fail the build,
    # not just warn (cffi compiles calls against the real header).
    kw["extra_compile_args"] += ["-Werror=incompatible-pointer-types",
                                 "-Werror=int-conversion",
                                 "-Werror=implicit-function-declaration"]
    if "hashmatch" not in kw["libraries"]:
        kw["libraries"].append("hashmatch")
    libdir = os.path.realpath(_pkg_config("--variable=libdir"))
    system = libdir.startswith(("/usr/lib", "/lib")) or libdir in ("/usr/lib64", "/lib64")
    if os.environ.get("HASHMATCH_RPATH", "1") != "0" and not system:
        # The run path points at the library pkg-config named, so the module
        # loads without LD_LIBRARY_PATH.  RUNPATH (--enable-new-dtags) still
        # lets LD_LIBRARY_PATH override it.
        kw["extra_link_args"] += ["-Wl,-rpath," + libdir, "-Wl,--enable-new-dtags"]
    return kw


ffibuilder = FFI()
ffibuilder.cdef((HERE / "ffi" / "hashmatch.cdef").read_text())
ffibuilder.set_source(
    "hashmatch._native",
    (HERE / "ffi" / "prelude.c").read_text(),
    **_library_flags(),
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
