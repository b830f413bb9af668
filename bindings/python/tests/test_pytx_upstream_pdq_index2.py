# SPDX-License-Identifier: BSD-3-Clause
"""pytx's threatexchange/signal_type/tests/test_pdq_index2.py, unchanged,
with its ``PDQIndex2`` (faiss ``IndexFlatL2``) replaced by
``hashmatch.pytx.PdqIndex`` (pytx_upstream.py says how)."""
import sys

import pytest

pytest.importorskip("threatexchange.signal_type.tests.test_pdq_index2",
                    reason="needs threatexchange with its tests (1.2.6)")

import hashmatch.pytx as hx  # noqa: E402
from pytx_upstream import adopt  # noqa: E402

UPSTREAM = adopt("threatexchange.signal_type.tests.test_pdq_index2", {"PDQIndex2": hx.PdqIndex},
                 faiss_internals=["test_serialize_deserialize_index"])
globals().update(UPSTREAM)


def test_the_upstream_tests_are_here():
    assert {"test_pdq_index", "test_pdq_index_with_exact_distance", "test_duplicate_handling",
            "test_one_entry_sample_index", "test_empty_index_query",
            "test_sample_set_no_match", "test_serialize_deserialize_index"} <= set(UPSTREAM)


def test_the_upstream_module_sees_our_class():
    """While a test runs, the upstream module's PDQIndex2 is ours."""
    upstream = sys.modules["threatexchange.signal_type.tests.test_pdq_index2"]
    assert upstream.PDQIndex2 is hx.PdqIndex
