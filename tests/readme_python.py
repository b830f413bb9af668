# SPDX-License-Identifier: BSD-3-Clause
"""Run the README's Python quick start as written and check that it prints
the lines its `# ` comments show.  It runs from the README's folder (the
repository root: the example uses the test data's paths), with whatever
`hashmatch` the interpreter imports, so it checks an installed package.

Usage: python readme_python.py README.md      (exit 0 when as shown)
"""
import contextlib
import io
import os
import pathlib
import re
import sys


def quick_start(readme):
    """The code of the README's "Python quick start" and the lines it shows."""
    text = pathlib.Path(readme).read_text()
    section = text.split("## Python quick start", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    expected = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    return code, expected


def run(readme):
    """(what it printed, what the README shows), run from the README's folder."""
    readme = pathlib.Path(readme).resolve()
    code, expected = quick_start(readme)
    cwd = os.getcwd()
    os.chdir(readme.parent)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(readme), "exec"), {})
    finally:
        os.chdir(cwd)
    return out.getvalue().splitlines(), expected


def main():
    got, want = run(sys.argv[1])
    import hashmatch
    if got != want:
        print("README Python quick start printed %r, the README shows %r" % (got, want))
        return 1
    print("README Python quick start: printed what the README shows (hashmatch from %s)"
          % os.path.dirname(hashmatch.__file__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
