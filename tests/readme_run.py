# SPDX-License-Identifier: BSD-3-Clause
"""Compile and run the C programs a Markdown file (the README) shows, so its
code and the output it claims cannot drift from the library.

Conventions of the document:
  - a ```c block whose first line is a comment naming a file
    (`/* quickstart.c: ... */`) is that file's whole content;
  - a ```console block holds `$ ` commands, each followed by the exact
    standard output it prints (nothing, when the next line is a command);
    the commands run in a scratch directory holding the C files, where the
    source tree's `tests/` folder is reachable as `tests/`;
  - a ```cmake block is a CMakeLists.txt for those files (find_package).

Usage:
  readme_run.py README.md --prefix P --mode pkg-config|cmake [--src DIR]

`--prefix` is an installed libhashmatch.  In pkg-config mode the console
commands run as written, with PKG_CONFIG_PATH naming the prefix.  In cmake
mode the cmake block is built against the prefix (CMAKE_PREFIX_PATH) first,
and the console's `cc` commands are skipped: its `./prog` commands then run
the CMake-built programs.  Every program runs with an empty environment
apart from PATH (no LD_LIBRARY_PATH: the runpath must do).  Exit 0 when
every block compiled and every command printed what the document says.
"""
import argparse
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
NAMED = re.compile(r"/\*\s*([\w.-]+\.c):")


def blocks(text):
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(text)]


def console_steps(body):
    """[(command, expected stdout lines)] of a console block."""
    steps = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise SystemExit("console block: output before any command: %r" % line)
    return steps


def run(cmd, cwd, env):
    return subprocess.run(cmd, shell=True, cwd=cwd, env=env, capture_output=True,
                          text=True, executable="/bin/bash")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("doc")
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--mode", choices=("pkg-config", "cmake"), required=True)
    ap.add_argument("--src", default=None, help="source tree (default: the doc's folder)")
    a = ap.parse_args()
    doc = pathlib.Path(a.doc).resolve()
    src = pathlib.Path(a.src).resolve() if a.src else doc.parent
    prefix = pathlib.Path(a.prefix).resolve()
    found = blocks(doc.read_text())
    cfiles = {}
    for lang, body in found:
        if lang == "c":
            m = NAMED.match(body)
            if not m:
                raise SystemExit("%s: a ```c block that names no file:\n%s" % (doc, body[:200]))
            cfiles[m.group(1)] = body
    consoles = [body for lang, body in found if lang == "console"]
    cmakes = [body for lang, body in found if lang == "cmake"]
    if not cfiles or not consoles:
        raise SystemExit("%s: no C program or no console block" % doc)
    pcdirs = [str(p.parent) for p in prefix.rglob("hashmatch.pc")]
    if not pcdirs:
        raise SystemExit("%s holds no hashmatch.pc" % prefix)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "PKG_CONFIG_PATH": ":".join(pcdirs)}
    failures = 0
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        for name, body in cfiles.items():
            (work / name).write_text(body)
        (work / "tests").symlink_to(src / "tests")
        skip_cc = False
        if a.mode == "cmake":
            if len(cmakes) != 1:
                raise SystemExit("%s: want exactly one ```cmake block, found %d" % (doc, len(cmakes)))
            (work / "CMakeLists.txt").write_text(cmakes[0])
            r = run("cmake -S . -B cmbuild -DCMAKE_PREFIX_PATH=%s && cmake --build cmbuild"
                    % shlex.quote(str(prefix)), work, env)
            if r.returncode != 0:
                sys.stderr.write(r.stdout + r.stderr)
                raise SystemExit("the README's CMakeLists.txt did not build")
            for name in cfiles:
                prog = name[:-2]
                os.symlink(work / "cmbuild" / prog, work / prog)
            skip_cc = True
        for body in consoles:
            for cmd, want in console_steps(body):
                if skip_cc and cmd.startswith("cc "):
                    continue
                r = run(cmd, work, env)
                got = r.stdout.splitlines()
                checked += 1
                if got != want or r.returncode != 0:
                    failures += 1
                    sys.stderr.write("FAIL [%s] $ %s\n  exit %d\n  want: %r\n  got:  %r\n%s"
                                     % (a.mode, cmd, r.returncode, want, got, r.stderr))
    print("readme_run [%s]: %d command(s), %d failed, %d C file(s)"
          % (a.mode, checked, failures, len(cfiles)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
