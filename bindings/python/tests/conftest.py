# SPDX-License-Identifier: BSD-3-Clause
"""Shared paths and fixtures of the hashmatch binding's tests.

The tests read the repository's reference data (tests/data); run them from
a checkout: ``python -m pytest bindings/python/tests``.  HASHMATCH_REPO
names another checkout.
"""
import os
import pathlib

import pytest

ROOT = pathlib.Path(os.environ.get("HASHMATCH_REPO") or pathlib.Path(__file__).resolve().parents[3])
DATA = ROOT / "tests" / "data"
PDQ_DATA = DATA / "pdq-reference" / "threatexchange" / "pdq" / "data"
EXPECTED = DATA / "pdq-reference" / "expected"
VIDEO = DATA / "video"
VPDQ_SAMPLES = DATA / "pdq-reference" / "threatexchange" / "vpdq" / "sample-hashes"

if not PDQ_DATA.is_dir():  # pragma: no cover
    raise pytest.UsageError("reference data not found under %s (set HASHMATCH_REPO to a "
                            "libhashmatch checkout)" % DATA)


def real_images():
    """Every JPEG/PNG reference image of the repository, sorted."""
    return sorted(p for p in (DATA / "pdq-reference").rglob("*")
                  if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


@pytest.fixture(scope="session")
def bridge():
    return PDQ_DATA / "bridge-mods" / "blur-a-little.jpg"


@pytest.fixture(scope="session")
def bridge_bytes(bridge):
    return bridge.read_bytes()
