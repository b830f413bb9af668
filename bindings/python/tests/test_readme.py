# SPDX-License-Identifier: BSD-3-Clause
"""The README's quick start runs as written (against copies of the
repository's test media under the names it uses)."""
import contextlib
import importlib.util
import io
import os
import pathlib
import re
import shutil

from conftest import DATA, PDQ_DATA, ROOT, VIDEO

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_quick_start(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "no python block in the README"
    shutil.copy(PDQ_DATA / "bridge-mods" / "blur-a-little.jpg", tmp_path / "photo.jpg")
    shutil.copy(PDQ_DATA / "reg-test-input" / "dih" / "bridge-2-rotate-90.jpg",
                tmp_path / "rotated.jpg")
    shutil.copy(DATA / "example" / "known.csv", tmp_path / "known.csv")
    shutil.copy(VIDEO / "test-padded-dimensions.mp4", tmp_path / "clip.mp4")
    shutil.copy(VIDEO / "rotated-90.mp4", tmp_path / "upload.mp4")
    shutil.copy(DATA / "tmk" / "expected" / "tmk" / "test-padded-dimensions.tmk",
                tmp_path / "clip.tmk")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            for code in blocks:
                exec(compile(code, str(README), "exec"), {})
    finally:
        os.chdir(cwd)
    text = out.getvalue()
    # the values the comments show
    assert "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22 100" in text
    assert "aca29c1c33dc23d7 1600" in text
    assert "\n2\n" in text
    assert "known-clip 100.0 100.0" in text
    assert "UnknownFormatError -4" in text
    assert "1.0000 1.0000 True" in text
    assert (tmp_path / "known.hmi").is_file()


def test_repository_readme_python_quick_start():
    # the same check scripts/test-newcomer.sh runs on an installed sdist
    spec = importlib.util.spec_from_file_location("readme_python", ROOT / "tests" / "readme_python.py")
    assert spec and spec.loader
    readme_python = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(readme_python)
    got, expected = readme_python.run(ROOT / "README.md")
    assert expected, "the README's Python quick start shows no output"
    assert got == expected
