# SPDX-License-Identifier: BSD-3-Clause
"""Index.decide / Snapshot.decide: one decision per known item from every
hash type (the C library's hm_index_decide; its rules are checked against a
brute-force oracle in tests/test_decide.c).  Here: real photos and their
re-encoded copies through the binding, the fields of a Decision against
the hashes themselves, PDQ-only lists against Index.query, and arguments."""
import io
from typing import Dict, List, Tuple

import pytest

import hashmatch as hm
from conftest import real_images

PIL = pytest.importorskip("PIL.Image")

TYPES = "pdq,phash,dhash,ahash,md5,sha256"
PERCEPTUAL = (hm.HashType.PDQ, hm.HashType.PHASH, hm.HashType.DHASH, hm.HashType.AHASH)


def _photos() -> List[Tuple[str, hm.HashResult]]:
    h = hm.Hasher()
    out = []
    for p in real_images()[:24]:
        try:
            out.append((p.name, h.hash(str(p), TYPES)))
        except hm.Error:
            continue
    return out


def _reencoded(path_name: str, quality: int) -> bytes:
    p = next(x for x in real_images() if x.name == path_name)
    im = PIL.open(p).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture(scope="module")
def known() -> Tuple[hm.Index, Dict[str, hm.HashResult]]:
    photos = _photos()
    assert len(photos) >= 10
    idx = hm.Index()
    for name, r in photos:
        idx.add(r, list="known", entry_id=name, labels="lab:" + name)
    idx.commit()
    return idx, dict(photos)


def test_reencoded_copies_find_their_original(known):
    idx, photos = known
    h = hm.Hasher()
    for name, orig in photos.items():
        q = h.hash(_reencoded(name, 40), TYPES)
        ds = idx.decide(q)
        own = [d for d in ds if d.entry_id == name]
        assert own, name
        d = own[0]
        assert d.list_name == "known" and d.labels == "lab:" + name
        # the copy's digests differ: the perceptual types decide
        assert d.rule in (hm.Rule.PDQ, hm.Rule.FUSED, hm.Rule.SINGLE)
        # the distances are those of the hashes themselves
        # (digests: 0 when equal, else 1)
        for t in d.types:
            assert t in PERCEPTUAL or t in (hm.HashType.MD5, hm.HashType.SHA256)
            bits = q[t.name.lower()].distance(orig[t.name.lower()])
            assert d.distances[t] == (bits if t in PERCEPTUAL else int(bits != 0))
        gate = q.pdq.quality >= hm.PDQ_MIN_QUALITY
        assert (hm.HashType.PDQ in d.types) == gate
        assert set(d.agreed) <= set(d.types)
        if gate and d.distances[hm.HashType.PDQ] <= hm.PDQ_THRESHOLD:
            assert d.rule == hm.Rule.PDQ and hm.HashType.PDQ in d.agreed
        assert d.score is not None and d.threshold == pytest.approx(hm.DECIDE_SCORE_FPR_1E4)
        assert d.comparisons == 1
        # ordered by rule, then score
        keys = [(x.rule, x.score) for x in ds]
        assert keys == sorted(keys)


def test_the_original_itself_is_exact(known):
    idx, photos = known
    name, orig = next(iter(photos.items()))
    ds = idx.decide(orig)
    assert ds[0].entry_id == name and ds[0].rule == hm.Rule.EXACT
    assert hm.HashType.MD5 in ds[0].agreed and ds[0].distances[hm.HashType.MD5] == 0


def test_snapshot_decides_as_the_index(known):
    idx, photos = known
    snap = idx.snapshot()
    for name in list(photos)[:5]:
        q = hm.Hasher().hash(_reencoded(name, 60), TYPES)
        assert snap.decide(q) == idx.decide(q)


def test_pdq_only_list_keeps_pdqs_rule(known):
    _, photos = known
    idx = hm.Index()
    for name, r in photos.items():
        idx.add(r.pdq, list="gifct", entry_id=name)
    idx.commit()
    h = hm.Hasher()
    for name in list(photos)[:8]:
        q = h.hash(_reencoded(name, 30), TYPES)
        hits = {m.entry_id for m in idx.query(q.pdq)}
        ds = idx.decide(q)
        assert {d.entry_id for d in ds} == hits
        assert all(d.rule == hm.Rule.PDQ and d.types == (hm.HashType.PDQ,) for d in ds)


def test_stricter_threshold_gives_a_subset(known):
    idx, photos = known
    h = hm.Hasher()
    for name in list(photos)[:6]:
        q = h.hash(_reencoded(name, 20), TYPES)
        loose = {(d.list_id, d.entry_id) for d in idx.decide(q)}
        strict = idx.decide(q, max_score=hm.DECIDE_SCORE_FPR_1E6)
        assert {(d.list_id, d.entry_id) for d in strict} <= loose
        assert all(d.rule != hm.Rule.FUSED or d.score <= hm.DECIDE_SCORE_FPR_1E6 for d in strict)


def test_dihedral_finds_a_mirrored_copy(known):
    idx, photos = known
    name = next(iter(photos))
    p = next(x for x in real_images() if x.name == name)
    im = PIL.open(p).convert("RGB").transpose(PIL.Transpose.FLIP_LEFT_RIGHT)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    q = hm.Hasher().hash(buf.getvalue(), "pdq,phash,dhash,ahash", dihedral=True)
    assert name not in {d.entry_id for d in idx.decide(q)}
    ds = idx.decide(q, dihedral=True)
    own = [d for d in ds if d.entry_id == name]
    assert own and own[0].comparisons == 8


@pytest.mark.parametrize("bad", [0.0, 1.5, float("nan"), float("inf")])
def test_bad_max_score(known, bad):
    idx, photos = known
    with pytest.raises(hm.InvalidArgumentError, match="max_score"):
        idx.decide(next(iter(photos.values())), max_score=bad)
