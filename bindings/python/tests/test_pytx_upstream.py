# SPDX-License-Identifier: BSD-3-Clause
"""pytx's threatexchange/signal_type/tests/test_pdq_index.py and
test_pdq_index2.py, unchanged, with their ``PDQIndex`` (faiss
``PDQMultiHashIndex``) and ``PDQIndex2`` (faiss ``IndexFlatL2``) replaced by
``hashmatch.pytx.PdqIndex`` (pytx_upstream.py says how)."""
import sys

import pytest

for _name in ("test_pdq_index", "test_pdq_index2"):
    pytest.importorskip("threatexchange.signal_type.tests." + _name,
                        reason="needs threatexchange with its tests (1.2.6)")

import hashmatch.pytx as hx  # noqa: E402
from pytx_upstream import adopt  # noqa: E402

INDEX = adopt("threatexchange.signal_type.tests.test_pdq_index", {"PDQIndex": hx.PdqIndex},
              faiss_internals=["test_supports_pickling"])
INDEX2 = adopt("threatexchange.signal_type.tests.test_pdq_index2", {"PDQIndex2": hx.PdqIndex},
               faiss_internals=["test_serialize_deserialize_index"])
UPSTREAM_TESTS = {"test_search_index", "test_partial_match_below_threshold",
                  "test_supports_pickling", "test_pdq_index",
                  "test_pdq_index_with_exact_distance", "test_duplicate_handling",
                  "test_one_entry_sample_index", "test_empty_index_query",
                  "test_sample_set_no_match", "test_serialize_deserialize_index"}
# Both modules' names land here: their tests, fixtures and autouse fixtures
# must not collide (their helpers may: each test reads its own module's).
assert not {k for k in INDEX if k.startswith(("test_", "_use"))} & set(INDEX2)
globals().update(INDEX2)
globals().update(INDEX)


def test_the_upstream_tests_are_here():
    assert UPSTREAM_TESTS <= {k for k in globals() if k.startswith("test_")}
    assert "index" in INDEX  # test_pdq_index.py's fixture


def test_the_upstream_modules_see_our_class():
    """While a test runs, the upstream modules' PDQIndex and PDQIndex2 are ours."""
    assert sys.modules["threatexchange.signal_type.tests.test_pdq_index"].PDQIndex is hx.PdqIndex
    assert sys.modules["threatexchange.signal_type.tests.test_pdq_index2"].PDQIndex2 is hx.PdqIndex
