# SPDX-License-Identifier: BSD-3-Clause
"""The Spark and Ray tests (scripts/test-spark.sh): a folder of test media
with bad files among them, the example hash list, and hashcheck (HASHCHECK)
to compare with."""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
PDQ_DATA = DATA / "pdq-reference" / "threatexchange" / "pdq" / "data"
KNOWN = DATA / "example" / "known.csv"

# files that are not images that decode: what each must be reported as
# (no empty file: Spark's file sources skip files of length 0)
BAD = {"cut-short.jpg": "truncated JPEG", "notes.txt": "not media",
       "garbage.gif": "a GIF signature and nothing else", "zeros.png": "zero bytes"}


def hashcheck() -> str:
    exe = os.environ.get("HASHCHECK") or str(ROOT / "build" / "tools" / "hashcheck")
    if not os.access(exe, os.X_OK):
        pytest.skip("hashcheck not built (set HASHCHECK): %s" % exe)
    return exe


def run_json(*args: str):
    """hashcheck's JSON lines, one object per file, by base name."""
    out = subprocess.run([hashcheck(), *args, "--format", "json"], check=False,
                         capture_output=True, text=True)
    assert out.returncode in (0, 1, 3), out.stderr  # matched / no match / some failed
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    return {pathlib.Path(r["file"]).name: r for r in rows}


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> pathlib.Path:
    """Photos (the bridge and its edits, rotations and mirrors, other
    photos, PNGs of several modes) and the BAD files, in one folder."""
    d = tmp_path_factory.mktemp("media")
    for sub in ("bridge-mods", "reg-test-input/dih"):
        for p in sorted((PDQ_DATA / sub).glob("*.jpg")):
            shutil.copy(p, d / p.name)
    for p in sorted((PDQ_DATA / "misc-images").rglob("*.png"))[:6]:
        shutil.copy(p, d / ("misc-" + p.name))
    shutil.copy(PDQ_DATA / "reg-test-input" / "pen-and-coaster.png", d / "pen-and-coaster.png")
    jpeg = (PDQ_DATA / "bridge-mods" / "blur-a-lot.jpg").read_bytes()
    (d / "cut-short.jpg").write_bytes(jpeg[:5000])
    (d / "zeros.png").write_bytes(b"\0" * 100)
    (d / "notes.txt").write_text("not an image\n")
    (d / "garbage.gif").write_bytes(b"GIF89a" + b"\x00" * 64)
    return d
