# SPDX-License-Identifier: BSD-3-Clause
"""pytx's threatexchange/signal_type/tests/test_pdq_index.py, unchanged,
with its ``PDQIndex`` (faiss ``PDQMultiHashIndex``) replaced by
``hashmatch.pytx.PdqIndex`` (pytx_upstream.py says how)."""
import sys

import pytest

pytest.importorskip("threatexchange.signal_type.tests.test_pdq_index",
                    reason="needs threatexchange with its tests (1.2.6)")

import hashmatch.pytx as hx  # noqa: E402
from pytx_upstream import adopt  # noqa: E402

UPSTREAM = adopt("threatexchange.signal_type.tests.test_pdq_index", {"PDQIndex": hx.PdqIndex},
                 faiss_internals=["test_supports_pickling"])
globals().update(UPSTREAM)


def test_the_upstream_tests_are_here():
    assert {"test_search_index", "test_partial_match_below_threshold",
            "test_supports_pickling", "index"} <= set(UPSTREAM)


def test_the_upstream_module_sees_our_class():
    """While a test runs, the upstream module's PDQIndex is ours."""
    upstream = sys.modules["threatexchange.signal_type.tests.test_pdq_index"]
    assert upstream.PDQIndex is hx.PdqIndex
