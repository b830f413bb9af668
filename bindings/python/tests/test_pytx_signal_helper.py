# SPDX-License-Identifier: BSD-3-Clause
"""hashmatch.pytx's signal types through pytx's own signal-type test helper
(threatexchange/signal_type/tests/signal_type_test_helper.py, shipped with
threatexchange 1.2.6): pytx's examples, validation and comparison checks,
with pytx's ``PdqSignal`` giving the expected PDQ comparisons."""
import random
import typing as t

import pytest

helper = pytest.importorskip("threatexchange.signal_type.tests.signal_type_test_helper",
                             reason="needs threatexchange with its tests (1.2.6)")

from threatexchange.signal_type.pdq.signal import PdqSignal as PytxPdqSignal  # noqa: E402

import hashmatch.pytx as hx  # noqa: E402



def _pdq_pairs() -> t.List[t.Tuple[str, str]]:
    rng = random.Random(18)
    ex = PytxPdqSignal.get_examples()
    pairs = [(a, b) for a in ex for b in ex]
    for _ in range(200):  # random pairs at every distance from 0 to 64
        a = "%064x" % rng.getrandbits(256)
        bits = int(a, 16) ^ sum(1 << i for i in rng.sample(range(256), rng.randrange(65)))
        pairs.append((a, "%064x" % bits))
    return pairs


class TestPdqSignal(helper.SignalTypeAutoTest):
    """Our PdqSignal through pytx's helper: pytx's examples, its validation,
    and comparisons equal to pytx's PdqSignal's (flag and distance)."""

    TYPE = hx.PdqSignal

    def get_validate_hash_cases(self):
        return [PytxPdqSignal.get_examples()[0], "0" * 64, "f" * 64,
                ("F" * 64, ValueError), ("0" * 63, ValueError), ("", ValueError),
                ("g" * 64, ValueError)]

    def get_compare_hash_cases(self):
        out = []
        for a, b in _pdq_pairs():
            want = PytxPdqSignal.compare_hash(a, b)
            out.append((a, b, want.match, want.distance))
        assert {c[2] for c in out} == {True, False}
        return out


class TestVpdqSignal(helper.SignalTypeAutoTest):
    """Our VpdqSignal through pytx's helper."""

    TYPE = hx.VpdqSignal

    def get_validate_hash_cases(self):
        ex = hx.VpdqSignal.get_examples()[0]
        return [ex, "[]", ('["%s,100,0.0", "x"]' % ("0" * 64), ValueError),
                ('["%s,100"]' % ("0" * 64), ValueError), ("not json", ValueError)]

    def get_compare_hash_cases(self):
        ex = hx.VpdqSignal.get_examples()[0]
        frames = ['"%s,100,%d.0"' % (h, i) for i, h in enumerate(PytxPdqSignal.get_examples())]
        first4 = "[" + ", ".join(frames[:4]) + "]"
        other = '["%s,100,0.0"]' % ("0" * 64)
        return [(ex, ex, True), (first4, ex, True), (ex, other, False), (other, ex, False)]


class TestTmkPdqfSignal(helper.SignalTypeAutoTest):
    """Our TmkPdqfSignal through pytx's helper."""

    TYPE = hx.TmkPdqfSignal

    def get_validate_hash_cases(self):
        ex = hx.TmkPdqfSignal.get_examples()[0]
        return [ex, (ex + "\n", ex), (ex[:-8], ValueError), ("", ValueError),
                ("VE1L", ValueError)]

    def get_compare_hash_cases(self):
        ex = hx.TmkPdqfSignal.get_examples()[0]
        return [(ex, ex, True)]
