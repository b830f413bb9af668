# SPDX-License-Identifier: BSD-3-Clause
"""pytx's vPDQ tests (threatexchange/extensions/vpdq/tests/test_vpdq_faiss.py
and test_vpdq_hash_and_match.py), unchanged, with pytx's ``VPDQIndex``,
``VPDQSignal`` and ``VPDQSimilarityInfo`` (the expected matches' class)
replaced by ``hashmatch.pytx``'s, and the one video they hash found in
this repository (pytx_upstream.py says how).

They import the ``vpdq`` package (pytx's vPDQ helpers, which the tests
use to write their hashes, import it; tests/python/requirements-vpdq.txt),
so they are skipped without it; ``hashmatch.pytx`` itself never imports
it.  Their hashes are written and the video's expected hashes compared
by pytx's own code (``vpdq_to_json``, ``match_VPDQ_hash_brute``)."""
import sys

import pytest

pytest.importorskip("vpdq", reason="needs the vpdq package (tests/python/requirements-vpdq.txt)")
for _name in ("test_vpdq_faiss", "test_vpdq_hash_and_match"):
    pytest.importorskip("threatexchange.extensions.vpdq.tests." + _name,
                        reason="needs threatexchange with its tests (1.2.6)")

import hashmatch.pytx as hx  # noqa: E402
from conftest import DATA  # noqa: E402
from pytx_upstream import adopt  # noqa: E402

UPSTREAM = "threatexchange.extensions.vpdq.tests."
#: the video pytx's test hashes: tmk/sample-videos/ in pytx's repository
CHAIR = DATA / "tmk" / "videos" / "chair-20-sd-bar.mp4"

INDEX = adopt(UPSTREAM + "test_vpdq_faiss",
              {"VPDQIndex": hx.VpdqIndex, "VPDQSignal": hx.VpdqSignal,
               "VPDQSimilarityInfo": hx.VpdqSimilarityInfo},
              faiss_internals=["test_simple"])
HASH = adopt(UPSTREAM + "test_vpdq_hash_and_match",
             {"VPDQSignal": hx.VpdqSignal, "VIDEO": str(CHAIR)})
UPSTREAM_TESTS = {"test_utils", "test_simple", "test_half_match", "test_serialize",
                  "test_empty_video_", "test_empty_signal_str", "test_duplicate_hashes",
                  "test_no_match", "test_no_match_with_zero_threshold",
                  "test_match_below_and_above_80pct_query_threshold",
                  "test_match_below_and_above_80pct_index_threshold", "test_matches",
                  "test_duplicate_matches", "test_duplicate_video_matches",
                  "test_vpdq_from_string_path"}
# Both modules' names land here: their tests and autouse fixtures must not
# collide (their helpers may: each test reads its own module's).
assert not {k for k in INDEX if k.startswith(("test_", "_use"))} & set(HASH)
globals().update(HASH)
globals().update(INDEX)


def test_the_upstream_tests_are_here():
    assert CHAIR.is_file()
    assert UPSTREAM_TESTS == {k for k in globals() if k.startswith("test_")} - {
        "test_the_upstream_tests_are_here", "test_the_upstream_modules_see_our_classes"}


def test_the_upstream_modules_see_our_classes():
    """While a test runs, the upstream modules' names are ours."""
    faiss = sys.modules[UPSTREAM + "test_vpdq_faiss"]
    assert faiss.VPDQIndex is hx.VpdqIndex and faiss.VPDQSignal is hx.VpdqSignal
    assert faiss.VPDQSimilarityInfo is hx.VpdqSimilarityInfo
    hashing = sys.modules[UPSTREAM + "test_vpdq_hash_and_match"]
    assert hashing.VPDQSignal is hx.VpdqSignal
    assert (hashing.ROOTDIR / hashing.VIDEO) == CHAIR
