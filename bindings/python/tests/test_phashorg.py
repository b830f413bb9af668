# SPDX-License-Identifier: BSD-3-Clause
"""pHash.org's DCT image hash (ph_dct_imagehash) through the binding: the
reference vectors in its packings, conversion between packings, parsing,
the index (packings never match each other), the hashing paths, and an
oracle against pHash.org's own library when one is installed."""
import csv
import ctypes
import ctypes.util
import pickle

import pytest

import hashmatch as hm
from conftest import DATA, EXPECTED
from hashmatch._native import lib

V09, M14, F26 = hm.HashType.PHASHORG_V09, hm.HashType.PHASHORG_2014, hm.HashType.PHASHORG_2026
PACKINGS = (V09, M14, F26)
#: CImg 1.4.9 (bundled by 0.9.x) decoded 1-bit greyscale PNGs differently
#: from master's CImg: its 0.9.x column is not the 2014 value re-packed,
#: and the library decodes it as master does (tests/test_reference.c).
EXCEPTION = "pdq/data/misc-images/modes/1.png"


def _csv_rows():
    rows = []
    with open(EXPECTED / "phash-cpp-dct-imagehash.csv", newline="") as f:
        for row in csv.DictReader(f):
            path = row["path"]
            if path.startswith("imagehash:"):
                p = DATA / "pdq-reference" / "imagehash" / path[len("imagehash:"):]
            else:
                p = DATA / "pdq-reference" / "threatexchange" / path
            if p.is_file():
                rows.append((path, p, row["ph_dct_imagehash_0.9.x_packing_hex"],
                             row["ph_dct_imagehash_master_2014_2022_packing_hex"]))
    return rows


ROWS = _csv_rows()


def test_reference_rows_present():
    assert len(ROWS) >= 44, "reference images missing under %s" % DATA


@pytest.mark.parametrize("name,path,v09,m14", ROWS, ids=[r[0] for r in ROWS])
def test_reference_vectors_both_packings(name, path, v09, m14):
    r = hm.hash_file(path, "phashorg")
    assert [h.type for h in r.all] == list(PACKINGS)
    assert str(r.phashorg_2014) == m14
    if name == EXCEPTION:
        assert str(r.phashorg_v09) != v09  # the documented exception
    else:
        assert str(r.phashorg_v09) == v09
    # the 2026 packing is the same coefficients, bit-reversed from 0.9.x
    n = int(str(r.phashorg_v09), 16)
    assert int(str(r.phashorg_2026), 16) == int(format(n, "064b")[::-1], 2)


def test_result_attributes_and_names():
    path = ROWS[0][1]
    r = hm.hash_file(path, "pdq,phashorg_2014")
    assert set(r) == {"pdq", "phashorg_2014"}
    assert r.phashorg_2014 is r["phashorg_2014"] is r[M14]
    assert r.phashorg_v09 is None and r.phashorg_2026 is None
    assert [str(t) for t in PACKINGS] == ["phashorg_v09", "phashorg_2014", "phashorg_2026"]
    for t in PACKINGS:
        assert hm.HashType.coerce(str(t)) is t
        assert hm.HashType.coerce(str(t).upper()) is t
        assert t.bits == 64
        assert t.default_threshold == lib.HM_DEFAULT_PHASHORG_THRESHOLD


def test_types_groups():
    path = ROWS[0][1]
    # "perceptual" is the C library's HM_TYPES_PERCEPTUAL: pHash.org not in it
    assert set(hm.hash_file(path, "perceptual")) == {"pdq", "phash", "dhash", "ahash"}
    assert set(hm.hash_file(path, "phashorg")) == {str(t) for t in PACKINGS}
    assert set(hm.hash_file(path, "all")) == {str(t) for t in hm.HashType}
    assert set(hm.hash_file(path, [V09, "phashorg_2026"])) == {"phashorg_v09", "phashorg_2026"}
    with pytest.raises(ValueError, match="unknown hash type"):
        hm.hash_file(path, "phashorg_2015")


def test_conversion_round_trips():
    for _, path, _, _ in ROWS[:12]:
        r = hm.hash_file(path, "phashorg")
        v09, m14, f26 = r.phashorg_v09, r.phashorg_2014, r.phashorg_2026
        # v09 <-> 2026: lossless both ways
        assert v09.convert(F26) == f26 and f26.convert("phashorg_v09") == v09
        assert v09.convert(F26).convert(V09) == v09
        # to 2014: coefficient 0 dropped, as that version did
        assert v09.convert(M14) == m14 and f26.convert(M14) == m14
        # from 2014: coefficient 0 unknown (0), everything else kept
        back = m14.convert(V09)
        assert back.type is V09
        assert int(str(back), 16) == int(str(v09), 16) & ~1
        assert back - v09 == int(str(v09), 16) & 1
        assert m14.convert(F26).convert(M14) == m14
        with pytest.raises(ValueError, match="1 bit unknown"):
            m14.convert(V09, strict=True)
        assert v09.convert(M14, strict=True) == m14  # dropping is known
        assert m14.convert(M14, strict=True) == m14  # same type: a copy


def test_conversion_keeps_variant_and_refuses_other_types():
    r = hm.hash_file(ROWS[0][1], "phashorg_v09,phash", dihedral=True)
    rot = r.variants(V09)[int(hm.Dihedral.ROT90)]
    assert rot.variant == hm.Dihedral.ROT90
    assert rot.convert(F26).variant == hm.Dihedral.ROT90
    with pytest.raises(hm.TypeMismatchError):
        r.phash.convert(V09)
    with pytest.raises(hm.TypeMismatchError):
        r.phashorg_v09.convert("pdq")
    with pytest.raises(ValueError, match="unknown hash type"):
        r.phashorg_v09.convert("phashorg")


def test_odd_2014_value_rejected_with_reason():
    with pytest.raises(hm.BadHashString) as e:
        hm.Hash("phashorg_2014", "8876f2cf300d56ed")
    assert "bit 0" in str(e.value) and "another packing" in str(e.value)
    with pytest.raises(ValueError, match="bit 0"):
        hm.Hash(M14, bytes.fromhex("8876f2cf300d56ed"))
    # the same digits are a valid value of the packings that hold 64 bits
    assert str(hm.Hash(V09, "8876f2cf300d56ed")) == "8876f2cf300d56ed"
    assert str(hm.Hash(M14, "8876F2CF300D56EC")) == "8876f2cf300d56ec"
    with pytest.raises(hm.BadHashString, match="16 hex digits"):
        hm.Hash(F26, "8876f2cf300d56")
    h = hm.Hash(M14, "8876f2cf300d56ec")
    assert pickle.loads(pickle.dumps(h)) == h


def test_index_packings_never_match_each_other():
    r = hm.hash_file(ROWS[0][1], "phashorg")
    idx = hm.Index()
    idx.add(r.phashorg_2014, "old-list", "e14")
    idx.commit()
    # the same value in another packing: no match, however wide the radius
    assert idx.query([r.phashorg_v09, r.phashorg_2026], radius=64) == []
    (m,) = idx.query(r.phashorg_2014)
    assert (m.type, m.distance, m.entry_id) == (M14, 0, "e14")
    assert m.threshold == M14.default_threshold
    # converted to the list's packing, it matches
    (m,) = idx.query(r.phashorg_v09.convert(M14))
    assert m.entry_id == "e14"
    # a 2026 entry beside it: each query finds the entry of its own packing
    idx.add(r.phashorg_2026, "new-list", "e26")
    idx.commit()
    assert [x.entry_id for x in idx.query(r.phashorg_2026, radius=64)] == ["e26"]
    assert idx.stats().entries_by_type["phashorg_2014"] == 1


def test_index_threshold_per_packing():
    r = hm.hash_file(ROWS[0][1], "phashorg_2026")
    known = r.phashorg_2026
    near = hm.Hash(F26, (int(str(known), 16) ^ 0b111).to_bytes(8, "big"))
    idx = hm.Index()
    idx.list_id("l", thresholds={"phashorg_2026": 2})
    idx.add(known, "l")
    idx.commit()
    assert idx.query(near) == []
    assert [m.distance for m in idx.query(near, radius=3)] == [3]


def test_memory_and_pixels_equal_file():
    np = pytest.importorskip("numpy")
    for name, path, _, _ in ROWS[:8] + ROWS[-4:]:
        from_file = hm.hash_file(path, "phashorg", dihedral=True)
        assert hm.hash_bytes(path.read_bytes(), "phashorg", dihedral=True).all == from_file.all
        arr = hm.decode(path)
        assert np.asarray(arr).dtype == np.uint8
        assert hm.hash_pixels(arr, "phashorg", dihedral=True).all == from_file.all, name


def test_video_refuses_phashorg():
    with pytest.raises(ValueError, match="cannot be requested here"):
        hm.default_hasher().video(b"not a video", types="phashorg_v09")


# ---- oracle: pHash.org's own library, when installed ------------------------

def _load_phash():
    name = ctypes.util.find_library("pHash")
    if name is None:
        pytest.skip('pHash.org\'s library not found: ctypes.util.find_library("pHash") '
                    "looked for libpHash.so (no Debian 12 package provides it; PyPI's "
                    "phash is only a ctypes wrapper that needs it)")
    so = ctypes.CDLL(name)
    # pHash.h declares it extern "C" in most versions; some builds export
    # only the C++ name (ulong64 is unsigned long long; & is a pointer)
    for sym in ("ph_dct_imagehash", "_Z16ph_dct_imagehashPKcRy"):
        fn = getattr(so, sym, None)
        if fn is not None:
            fn.argtypes = (ctypes.c_char_p, ctypes.POINTER(ctypes.c_ulonglong))
            fn.restype = ctypes.c_int
            return name, fn
    pytest.skip("%s has no ph_dct_imagehash" % name)


def test_oracle_phash_org_library():
    """The library's value must be ours in one packing, the same for every
    image: which one depends on the version loaded (0.9.x: phashorg_v09;
    2014-2022 master: phashorg_2014; after PR #48: phashorg_2026), and a
    loaded library does not say which it is, so the packing is found from
    the values rather than assumed."""
    name, fn = _load_phash()
    found = set()
    for path_name, path, _, _ in ROWS:
        if path_name == EXCEPTION:  # decoded differently by 0.9.x's CImg
            continue
        out = ctypes.c_ulonglong()
        assert fn(str(path).encode(), ctypes.byref(out)) == 0, path
        ref = "%016x" % out.value
        r = hm.hash_file(path, "phashorg")
        packings = {str(h.type) for h in r.all if str(h) == ref}
        assert packings, ("%s: %s gives %s, none of our packings (%s)"
                          % (path, name, ref, ", ".join(map(str, r.all))))
        found = packings if not found else found & packings
        assert found, "%s packs its values inconsistently" % name
