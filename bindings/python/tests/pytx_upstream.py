# SPDX-License-Identifier: BSD-3-Clause
"""Run python-threatexchange's own tests against hashmatch.pytx.

The index tests that ship inside the installed ``threatexchange`` package
(``threatexchange/signal_type/tests/``; releases up to 1.2.6 ship them,
later wheels leave tests out, so scripts/test-python.sh pins 1.2.6) are
collected by ``test_pytx_upstream.py`` unchanged: ``adopt``
only points the upstream module's name of pytx's class (``PDQIndex``,
``PDQIndex2``) at ours while each test runs.

Upstream tests that look inside faiss (``index.index.faiss_index``,
``_index.faiss_index``, ``_deduper``) are expected to fail with
AttributeError (strict xfail: one that starts passing fails the run);
test_pytx.py checks what they check through the public interface.
docs/pytx.md lists every difference.
"""
import importlib
import typing as t

import pytest

FAISS_INTERNALS = pytest.mark.xfail(
    strict=True, raises=AttributeError,
    reason="asserts on faiss internals (docs/pytx.md); test_pytx.py checks the same property")


def adopt(module_name: str, replace: t.Dict[str, t.Any],
          faiss_internals: t.Iterable[str] = ()) -> t.Dict[str, t.Any]:
    """The names of an upstream test module (its tests, fixtures and
    helpers), for a test module of ours to collect, plus an autouse fixture
    (``_use_hashmatch_in_<module>``) that sets the upstream module's names
    in ``replace`` to our classes while each test runs.  ``faiss_internals`` names the tests expected to
    fail on faiss attributes."""
    mod = importlib.import_module(module_name)
    for name in replace:
        assert hasattr(mod, name), "%s has no %s: pytx changed its tests" % (module_name, name)

    def use_hashmatch(monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in replace.items():
            monkeypatch.setattr(mod, name, value)

    ns = {k: v for k, v in vars(mod).items() if not k.startswith("_")}
    for name in faiss_internals:
        ns[name] = FAISS_INTERNALS(ns[name])
    fixture = "_use_hashmatch_in_" + module_name.rsplit(".", 1)[-1]
    ns[fixture] = pytest.fixture(autouse=True, name=fixture)(use_hashmatch)
    return ns
