# SPDX-License-Identifier: BSD-3-Clause
"""Hash values: strings, parsing, distance, equality, hashing, pickling."""
import copy
import pickle

import pytest

import hashmatch as hm

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ2 = "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22"


def test_parse_and_str_round_trip():
    for t, s in [("pdq", PDQ), ("phash", "aca29c1c33dc23d7"), ("dhash", "b7b78fa7173336d6"),
                 ("ahash", "43d3e3010110fa3a"), ("md5", "d35c785545392755e7e4164457657269"),
                 ("sha256", "25094afa08e258b3135208b54b0ed28a50ad5386a4e4b66501e7ad886864fd54")]:
        h = hm.Hash.parse(t, s)
        assert str(h) == s
        assert h.type == hm.HashType.coerce(t) and str(h.type) == t
        assert h.bits == len(s) * 4
        assert bytes(h) == bytes.fromhex(s)
        assert hm.Hash(t, bytes.fromhex(s)) == h
        assert hm.Hash(t, s.upper()) == h and str(hm.Hash(t, s.upper())) == s
        assert h.quality is None and h.variant == hm.Dihedral.ORIGINAL
        assert f"{h:>70}".strip() == s


def test_type_coercion():
    assert hm.HashType.coerce("PDQ") is hm.HashType.PDQ
    assert hm.HashType.coerce(2) is hm.HashType.PHASH
    assert hm.HashType.SHA256.bits == 256
    with pytest.raises(ValueError):
        hm.HashType.coerce("whash")
    with pytest.raises(ValueError):
        hm.HashType.coerce(99)


@pytest.mark.parametrize("bad", ["", "abc", PDQ[:-1], PDQ + "0", "0x" + PDQ[2:],
                                 " " + PDQ[1:], PDQ[:-1] + "g", PDQ[:-1] + "é"])
def test_bad_hash_strings(bad):
    with pytest.raises(hm.BadHashString) as e:
        hm.Hash.parse("pdq", bad)
    assert isinstance(e.value, ValueError)
    assert e.value.status == -7
    assert "64 hex digits" in str(e.value)


def test_bad_bytes_and_quality():
    with pytest.raises(ValueError):
        hm.Hash("phash", b"\0" * 7)
    with pytest.raises(ValueError):
        hm.Hash("phash", "aca29c1c33dc23d7", quality=50)
    with pytest.raises(ValueError):
        hm.Hash("pdq", PDQ, quality=101)
    with pytest.raises(TypeError):
        hm.Hash("pdq", 12345)


def test_distance():
    a, b = hm.Hash("pdq", PDQ), hm.Hash("pdq", PDQ2)
    want = bin(int(PDQ, 16) ^ int(PDQ2, 16)).count("1")
    assert a - b == b - a == a.distance(b) == want == 2
    assert a - a == 0
    zero, ones = hm.Hash("phash", "0" * 16), hm.Hash("phash", "f" * 16)
    assert zero - ones == 64
    with pytest.raises(hm.TypeMismatchError) as e:
        a - zero
    assert isinstance(e.value, TypeError)
    with pytest.raises(TypeError):
        a - "x"


def test_equality_and_hashing():
    a = hm.Hash("pdq", PDQ, quality=100)
    b = hm.Hash("pdq", PDQ)                    # quality is metadata
    c = hm.Hash("pdq", PDQ, variant=hm.Dihedral.ROT90)
    assert a == b == c and hash(a) == hash(b) == hash(c)
    assert len({a, b, c, hm.Hash("pdq", PDQ2)}) == 2
    # same bits, another type: not equal
    assert hm.Hash("pdq", "0" * 64) != hm.Hash("sha256", "0" * 64)
    assert a != PDQ and not (a == PDQ)
    assert {a: 1}[b] == 1


def test_pickle_and_copy():
    a = hm.Hash("pdq", PDQ, quality=87, variant=3)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        b = pickle.loads(pickle.dumps(a, proto))
        assert b == a and b.quality == 87 and b.variant == hm.Dihedral.ROT270
        assert str(b) == PDQ
    assert copy.copy(a) is a and copy.deepcopy(a) is a


def test_repr_evaluates_back():
    a = hm.Hash("pdq", PDQ, quality=12)
    assert eval(repr(a), {"Hash": hm.Hash, "Dihedral": hm.Dihedral}) == a
    assert "quality=12" in repr(a)


def test_hash_result_mapping(bridge):
    r = hm.hash(bridge, "all", dihedral=True)
    # "all" is every type, in the C library's order (perceptual, then digests)
    assert list(r) == ["pdq", "phash", "dhash", "ahash", "phashorg_v09", "phashorg_2014",
                       "phashorg_2026", "md5", "sha256"]
    assert r["pdq"] is r.pdq and r[hm.HashType.MD5] is r.md5 and r[1] is r.pdq
    assert "phash" in r and hm.HashType.SHA256 in r and "whash" not in r
    assert len(r.all) == 7 * 8 + 2 and len(r.dihedral) == 8 and len(r.variants("ahash")) == 8
    assert len(r.variants("phashorg_2026")) == 8
    assert [h.variant for h in r.dihedral] == list(hm.Dihedral)
    assert r.dihedral[0] is r.pdq
    with pytest.raises(KeyError):
        r["whash"]
    only = hm.hash(bridge, "phash")
    assert only.pdq is None and only.dihedral == () and list(only) == ["phash"]
    assert dict(only) == {"phash": only.phash}


def test_results_pickle(bridge):
    r = hm.hash(bridge, "all", dihedral=True)
    r2 = pickle.loads(pickle.dumps(r))
    assert r2 == r and r2.all == r.all and r2.info == r.info and r2.dihedral == r.dihedral
    idx = hm.Index()
    idx.add(r, "l", "e", "lab")
    idx.commit()
    hits = idx.query(r)
    assert pickle.loads(pickle.dumps(hits)) == hits
