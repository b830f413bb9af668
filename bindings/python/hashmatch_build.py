# SPDX-License-Identifier: BSD-3-Clause
"""cffi builder of hashmatch._native (API mode, out of line).

Writes the extension's C source from the declarations of the public header
(ffi/hashmatch.cdef) and a short C prelude (ffi/prelude.c)::

    python hashmatch_build.py OUT.c

CMakeLists.txt beside this file runs it at build time and compiles the
result against the real hashmatch.h; ``pip install ./bindings/python``
(scikit-build-core) drives it all.
"""
import pathlib
import sys

from cffi import FFI

HERE = pathlib.Path(__file__).resolve().parent


def make_ffi() -> FFI:
    """The FFI of hashmatch._native: the cdef and the prelude."""
    ffi = FFI()
    ffi.cdef((HERE / "ffi" / "hashmatch.cdef").read_text())
    ffi.set_source("hashmatch._native", (HERE / "ffi" / "prelude.c").read_text())
    return ffi


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python hashmatch_build.py OUT.c")
    make_ffi().emit_c_code(sys.argv[1])
