# SPDX-License-Identifier: BSD-3-Clause
"""The index: add/remove/commit, queries, lists and thresholds, dihedral,
hash lists, save/load, snapshots."""
import csv
import random

import pytest

import hashmatch as hm
from conftest import DATA, EXPECTED, PDQ_DATA

DIH = PDQ_DATA / "reg-test-input" / "dih"
DIH_FILES = sorted(DIH.glob("bridge-*.jpg"))
KNOWN_CSV = DATA / "example" / "known.csv"


def rand_hash(rng, t="pdq"):
    n = hm.HashType.coerce(t).bits // 8
    return hm.Hash(t, bytes(rng.getrandbits(8) for _ in range(n)))


def flip(h, bits, rng):
    b = bytearray(bytes(h))
    for i in rng.sample(range(h.bits), bits):
        b[i // 8] ^= 1 << (i % 8)
    return hm.Hash(h.type, bytes(b))


def test_add_commit_query():
    rng = random.Random(1)
    idx = hm.Index()
    known = rand_hash(rng)
    idx.add(known, "gifct", "e1", "terror;video")
    assert idx.query(known) == []  # staged, not yet visible
    idx.commit()
    (m,) = idx.query(flip(known, 5, rng))
    assert (m.query, m.type, m.distance, m.threshold) == (0, hm.HashType.PDQ, 5, 31)
    assert (m.list_name, m.entry_id, m.labels, m.hash) == ("gifct", "e1", "terror;video", known)
    assert m.list_id == 0 and m.variant == 0 and m.frame_time is None
    assert idx.query(flip(known, 32, rng)) == []
    assert len(idx) == 1


def test_entry_id_defaults_to_hash_string_and_duplicates():
    idx = hm.Index()
    h = rand_hash(random.Random(2), "phash")
    idx.add(h)
    idx.add(h)  # the same entry twice: nothing new
    idx.commit()
    (m,) = idx.query(h)
    assert m.entry_id == str(h) and m.list_name == "default" and m.labels == ""
    assert idx.stats().entries == 1


def test_add_hash_result_and_mixed_queries(bridge):
    idx = hm.Index()
    r = hm.hash(bridge, "all", dihedral=True)
    idx.add(r, "known", "bridge")  # every type, not the variants
    idx.commit()
    st = idx.stats()
    every = [str(t) for t in hm.HashType]  # "all": pHash.org's packings too
    assert st.entries == 9 and st.entries_by_type == {t: 1 for t in every}
    hits = idx.query(r)
    assert sorted(str(m.type) for m in hits) == sorted(every)
    assert all(m.distance == 0 and m.entry_id == "bridge" for m in hits)
    # only exact matches for digests
    other = hm.hash(PDQ_DATA / "bridge-mods" / "blur-a-lot.jpg", "all")
    assert {str(m.type) for m in idx.query(other)} == set(every) - {"md5", "sha256"}


def test_remove():
    rng = random.Random(3)
    idx = hm.Index()
    a, b = rand_hash(rng), rand_hash(rng)
    idx.add(a, "l1", "A")
    idx.add(b, "l1", "B")
    idx.add(a, "l2", "A")
    idx.commit()
    assert len(idx.query(a)) == 2
    assert idx.remove("A", "l1") == 1
    assert idx.query(a)[0].list_name == "l1"  # not committed yet
    idx.commit()
    assert [m.list_name for m in idx.query(a)] == ["l2"]
    assert idx.remove("A") == 1           # every list
    assert idx.remove("nothing") == 0
    assert idx.remove("B", "no-such-list") == 0
    idx.commit()
    assert idx.query(a) == [] and len(idx.query(b)) == 1
    assert [li.name for li in idx.lists()] == ["l1", "l2"]  # no list made by remove


def test_lists_thresholds_enabled():
    rng = random.Random(4)
    idx = hm.Index()
    h = rand_hash(rng)
    q = flip(h, 20, rng)
    lid = idx.list_id("strict", thresholds={"pdq": 10})
    idx.add(h, lid, "x")
    idx.add(h, "loose", "x")
    idx.commit()
    assert [m.list_name for m in idx.query(q)] == ["loose"]
    infos = {li.name: li for li in idx.lists()}
    assert infos["strict"].thresholds["pdq"] == 10 and infos["strict"].thresholds["phash"] == 10
    assert infos["loose"].thresholds == {"pdq": 31, "phash": 10, "dhash": 10, "ahash": 10,
                                         "md5": 0, "sha256": 0, "phashorg_v09": 13,
                                         "phashorg_2014": 13, "phashorg_2026": 13}
    assert infos["strict"].entries == 1 and infos["strict"].enabled
    idx.set_threshold("strict", "pdq", None)   # back to the default
    idx.set_enabled("loose", False)
    idx.commit()
    assert [m.list_name for m in idx.query(q)] == ["strict"]
    assert [m.list_name for m in idx.query(q, include_disabled=True)] == ["strict", "loose"]
    idx.set_threshold("strict", None, 0)       # every type
    idx.commit()
    assert idx.query(q) == [] and idx.query(h)[0].threshold == 0
    assert idx.clear("strict") == 1
    idx.commit()
    assert idx.query(h) == [] and {li.name: li.entries for li in idx.lists()} == \
        {"strict": 0, "loose": 1}
    with pytest.raises(hm.InvalidArgumentError):
        idx.set_threshold("strict", "pdq", 300)
    with pytest.raises(hm.InvalidArgumentError):
        idx.list_id("")


def test_radius_knn_min_quality():
    rng = random.Random(5)
    idx = hm.Index()
    base = rand_hash(rng)
    for d in (0, 3, 8, 40, 90):
        idx.add(flip(base, d, rng), "l", "d%d" % d)
    idx.commit()
    assert [m.entry_id for m in idx.query(base)] == ["d0", "d3", "d8"]
    assert [m.entry_id for m in idx.query(base, radius=5)] == ["d0", "d3"]
    assert [m.distance for m in idx.query(base, radius=100)] == [0, 3, 8, 40, 90]
    assert [m.entry_id for m in idx.query(base, k=4)] == ["d0", "d3", "d8", "d40"]
    assert [m.entry_id for m in idx.query(base, k=2, radius=2)] == ["d0"]
    low = hm.Hash("pdq", str(base), quality=20)
    assert idx.query(low) == []
    assert len(idx.query(low, min_quality=0)) == 3
    assert len(idx.query(hm.Hash("pdq", str(base), quality=50))) == 3
    with pytest.raises(ValueError):
        idx.query(base, radius=-1)
    with pytest.raises(hm.InvalidArgumentError):
        idx.query(base, radius=257)


def test_structures_agree():
    rng = random.Random(6)
    idx = hm.Index(structures=("mih", "bktree"))
    hashes = [rand_hash(rng) for _ in range(3000)]
    hashes += [flip(hashes[i], rng.randrange(0, 40), rng) for i in range(0, 3000, 3)]
    idx.add_many((h, "e%d" % i) for i, h in enumerate(hashes))
    p64 = [rand_hash(rng, "phash") for _ in range(2000)]
    idx.add_many(p64, list="p64")
    idx.commit()
    queries = [flip(h, rng.randrange(0, 20), rng) for h in hashes[::97]] + p64[::50]
    want = idx.query(queries, structure="scan")
    assert len(want) > len(queries)
    for s in ("auto", "mih", "bktree", hm.Structure.MIH):
        assert idx.query(queries, structure=s) == want
    assert idx.query(queries, k=3, structure="mih") == idx.query(queries, k=3, structure="scan")


def test_needles_vs_haystack_bruteforce():
    """The reference's MIH regression data: 100 needles against 1350 hashes."""
    d = PDQ_DATA / "reg-test-input"
    haystack = d.joinpath("haystack.txt").read_text().split()
    needles = [hm.Hash("pdq", s) for s in d.joinpath("needles.txt").read_text().split()]
    idx = hm.Index()
    rep = idx.load_list(d / "haystack.txt", hash_type="pdq", list="hay")
    assert rep.added == len(set(haystack))
    idx.commit()
    with open(EXPECTED / "pdq-mih-needles-vs-haystack-bruteforce.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    by_needle = {}
    for row in rows:
        by_needle.setdefault(int(row["threshold"]), {})[int(row["needle_index"])] = row
    for threshold, per in by_needle.items():
        got = idx.query_batch([[n] for n in needles], radius=threshold)
        for i, hits in enumerate(got):
            spec = per[i]["matches(haystack_index:distance;...)"]
            want = sorted((haystack[int(x.split(":")[0])], int(x.split(":")[1]))
                          for x in spec.split(";") if x)
            # entry ids are the hash strings; identical haystack lines are one entry
            assert sorted(set((m.entry_id, m.distance) for m in hits)) == sorted(set(want))


def test_query_batch_equals_single_queries():
    rng = random.Random(7)
    idx = hm.Index()
    hs = [rand_hash(rng) for _ in range(200)]
    idx.add_many((h, "e%d" % i, "lab") for i, h in enumerate(hs))
    idx.commit()
    groups = [[flip(hs[i], 3, rng), flip(hs[i + 1], 30, rng)] for i in range(0, 100, 2)]
    groups.append([])
    groups.append(flip(hs[150], 1, rng))
    batch = idx.query_batch(groups)
    assert len(batch) == len(groups)
    for g, hits in zip(groups, batch):
        assert hits == idx.query(g)
    assert all(m.query in (0, 1) for hits in batch for m in hits)
    assert idx.query_batch([]) == []


def test_dihedral_matching():
    idx = hm.Index()
    orig = hm.hash(DIH_FILES[0], "pdq")
    idx.add(orig.pdq, "known", "bridge")
    idx.commit()
    for p in DIH_FILES[1:]:
        r = hm.hash(p, "pdq", dihedral=True)
        plain = idx.query(r)
        exact = idx.query(r, dihedral=True)           # exact DCT variants
        derived = idx.query(r.pdq, dihedral=True)     # variants from the bits
        assert plain == [] or plain[0].distance > 0, p
        assert len(exact) == 1 and exact[0].distance <= 31 and exact[0].variant != 0, p
        assert len(derived) == 1 and derived[0].distance <= 31, p
        assert exact[0].entry_id == "bridge" and exact[0].query == 0
    # batch with dihedral groups
    groups = [hm.hash(p, "pdq", dihedral=True) for p in DIH_FILES]
    res = idx.query_batch(groups, dihedral=True)
    assert [len(g) for g in res] == [1] * len(DIH_FILES)
    assert res[0][0].distance == 0 and res[0][0].variant == 0


def test_dihedral_matching_64bit():
    idx = hm.Index()
    idx.add(hm.hash(DIH_FILES[0], "phash,dhash,ahash"), "known", "bridge")
    idx.commit()
    r = hm.hash(DIH_FILES[5], "phash,dhash,ahash", dihedral=True)   # mirrored
    hits = idx.query(r, dihedral=True, radius=6)
    assert [(m.type, m.query, m.variant) for m in hits] == [
        (hm.HashType.PHASH, 0, hm.Dihedral.FLIPY), (hm.HashType.DHASH, 8, hm.Dihedral.FLIPY),
        (hm.HashType.AHASH, 16, hm.Dihedral.FLIPY)]
    # aHash variants come from the bits; pHash cannot and matches as it is
    assert [m.type for m in idx.query([r.ahash, r.phash], dihedral=True, radius=6)] == [
        hm.HashType.AHASH]


def test_load_list_formats_and_report(tmp_path):
    idx = hm.Index()
    rep = idx.load_list(KNOWN_CSV)
    assert (rep.added, rep.rejected, rep.format) == (5, 0, hm.ListFormat.CANONICAL)
    typed = b"# a comment\npdq " + b"a" * 64 + b"\nurl http://example.com\nmd5 " + b"b" * 32 + b"\n"
    rep = idx.load_list(typed, name="typed-list")
    assert (rep.added, rep.unsupported, rep.format) == (2, 1, hm.ListFormat.TYPED)
    plain = ("%s\n" % ("c" * 16)).encode()
    with pytest.raises(hm.InvalidArgumentError) as e:  # 16 digits: ambiguous without a type
        idx.load_list(plain, name="p")
    assert ("p:1: a bare hash of 16 hex digits may be phash, dhash, ahash, phashorg_v09, "
            "phashorg_2014 or phashorg_2026" in str(e.value))
    rep = idx.load_list(plain, name="p", hash_type="dhash", list="dh", labels="L")
    assert rep.added == 1
    idx.commit()
    names = [li.name for li in idx.lists()]
    assert names == ["example-known", "typed-list", "dh"]
    (m,) = idx.query(hm.Hash("dhash", "c" * 16))
    assert (m.list_name, m.labels) == ("dh", "L")


def test_load_list_strict_and_lenient(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("pdq " + "a" * 64 + "\npdq xyz\npdq " + "b" * 63 + "\npdq " + "c" * 64 + "\n")
    idx = hm.Index()
    with pytest.raises(hm.BadHashString) as e:
        idx.load_list(bad)
    assert str(e.value) == str(bad) + ':2: bad pdq hash "xyz": a pdq hash is 64 hex digits'
    assert e.value.status == -7
    idx.commit()
    assert len(idx) == 0                      # strict: nothing staged
    rep = idx.load_list(bad, strict=False)
    assert (rep.added, rep.rejected, rep.first_bad_line) == (2, 2, 2)
    assert [(ln, src.endswith("bad.txt")) for src, ln, _ in rep.errors] == [(2, True), (3, True)]
    assert all(msg for _, _, msg in rep.errors)
    rep = idx.load_list(bad, strict=False, max_errors=1)
    assert len(rep.errors) == 1 and rep.duplicates == 2
    with pytest.raises(hm.FileIOError):
        idx.load_list(tmp_path / "missing.txt")


def test_load_list_mistyped_type_and_garbage(tmp_path):
    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    idx = hm.Index()
    # a mistyped type name: an error naming the line and the name ...
    with pytest.raises(hm.BadHashString) as e:
        idx.load_list(("pdg,%s\n" % pdq).encode(), name="typo.csv")
    assert 'typo.csv:1: unknown hash type "pdg"' in str(e.value)
    assert e.value.status == -7
    # ... or, lenient, a counted skip
    rep = idx.load_list(("pdq,%s,a\npdg,%s,b\n" % (pdq, pdq)).encode(), name="t", strict=False)
    assert (rep.added, rep.rejected, rep.unknown_type, rep.first_bad_line) == (1, 1, 1, 2)
    assert [ln for _, ln, _ in rep.errors] == [2]
    # a file from which nothing loads fails in both modes, staging nothing
    for strict in (True, False):
        with pytest.raises(hm.UnknownFormatError) as e:
            idx.load_list(b"url https://example.com/\nraw_text some words\n", name="u",
                          strict=strict)
        assert "u: nothing loaded from 2 lines" in str(e.value) and e.value.status == -4
    with pytest.raises(hm.UnknownFormatError) as e:
        idx.load_list(("pdg,%s\n" % pdq).encode(), name="typo.csv", strict=False)
    # garbage: random bytes, NULs included
    rng = random.Random(3)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(rng.getrandbits(8) for _ in range(5000)))
    with pytest.raises(hm.BadHashString):
        idx.load_list(garbage)
    with pytest.raises(hm.UnknownFormatError):
        idx.load_list(garbage, strict=False)
    # NUL bytes and malformed UTF-8 are bad lines, not cut or accepted
    with pytest.raises(hm.BadHashString) as e:
        idx.load_list(("pdq,%s,id\0,other\n" % pdq).encode(), name="n")
    assert "n:1: NUL byte" in str(e.value)
    with pytest.raises(hm.BadHashString) as e:
        idx.load_list(("pdq,%s,id,list,caf" % pdq).encode() + b"\xe9\n", name="l")
    assert "l:1: not UTF-8: byte 0xe9" in str(e.value)
    with pytest.raises(hm.InvalidArgumentError):
        idx.list_id("caf\udce9")  # not UTF-8 once encoded
    idx.commit()
    assert len(idx) == 1 and [li.name for li in idx.lists()] == ["t"]


def test_save_load_round_trip(tmp_path):
    rng = random.Random(8)
    idx = hm.Index()
    hs = [rand_hash(rng) for _ in range(500)]
    idx.add_many(((h, "id%d" % i, "läbel %d" % i) for i, h in enumerate(hs)), list="ünïcode")
    idx.list_id("other", thresholds={"pdq": 7}, enabled=False)
    idx.commit()
    path = tmp_path / "known.hmi"
    idx.save(path)
    again = hm.Index(path)
    assert again.lists() == [li._replace(hits=0) for li in idx.lists()]
    q = [flip(h, 10, rng) for h in hs[:50]]
    assert again.query(q) == idx.query(q)
    loaded = hm.Index()
    loaded.add(hs[0], "will-be-replaced")
    loaded.load(path)
    assert [li.name for li in loaded.lists()] == ["ünïcode", "other"]
    assert loaded.query(hs[1])[0].labels == "läbel 1"
    from_bytes = hm.Index(path.read_bytes())
    assert [li._replace(hits=0) for li in from_bytes.lists()] == \
        [li._replace(hits=0) for li in again.lists()]
    # in memory: the file's bytes, from the index and from a snapshot
    assert idx.to_bytes() == path.read_bytes()
    with idx.snapshot() as snap:
        idx.add(hs[0], "later")
        idx.commit()
        assert snap.to_bytes() == path.read_bytes() != idx.to_bytes()
    assert from_bytes.query(q) == again.query(q)
    with pytest.raises(hm.FileIOError):
        hm.Index.open(tmp_path / "missing.hmi")
    # corrupt files are rejected and leave the index unchanged
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55
    bad = tmp_path / "bad.hmi"
    bad.write_bytes(bytes(data))
    with pytest.raises(hm.CorruptIndexError):
        loaded.load(bad)
    bad.write_bytes(bytes(data[:100]))
    with pytest.raises(hm.CorruptIndexError):
        loaded.load(bad)
    with pytest.raises(hm.CorruptIndexError):
        loaded.load(bytes(data))
    assert len(loaded) == 500


def test_snapshots_are_isolated():
    rng = random.Random(9)
    idx = hm.Index()
    a, b = rand_hash(rng), rand_hash(rng)
    idx.add(a, "l", "a")
    idx.commit()
    with idx.snapshot() as snap:
        idx.add(b, "l", "b")
        idx.remove("a")
        idx.commit()
        assert [m.entry_id for m in snap.query([a, b])] == ["a"]
        assert [m.entry_id for m in idx.query([a, b])] == ["b"]
        assert snap.find_list("l") == 0 and snap.find_list("nope") is None
        assert snap.stats().entries == 1 and snap.lists()[0].entries == 1
    with pytest.raises(ValueError):
        snap.query(a)
    assert idx.stats().generation >= 2


def test_strings_round_trip():
    idx = hm.Index()
    h = rand_hash(random.Random(10), "md5")
    idx.add(h, "liste ünïcode ✓", "id, with \"quotes\"", "labels; ✓ ünïcode")
    idx.commit()
    (m,) = idx.query(h)
    assert (m.list_name, m.entry_id, m.labels) == ("liste ünïcode ✓", "id, with \"quotes\"",
                                                   "labels; ✓ ünïcode")
    with pytest.raises(hm.InvalidArgumentError) as e:
        idx.add(h, "l", "x", "tab\there")
    assert "control characters" in str(e.value)
    with pytest.raises(ValueError):
        idx.add(h, "l", "nul\0byte")
    with pytest.raises(TypeError):
        idx.add("not a hash")


def test_closed_index():
    idx = hm.Index()
    idx.close()
    assert idx.closed
    with pytest.raises(ValueError):
        idx.query(rand_hash(random.Random(0)))
    with pytest.raises(ValueError):
        idx.commit()
    idx.close()
    with hm.Index() as idx2:
        idx2.commit()
    assert idx2.closed


def test_rename_list():
    rng = random.Random(5)
    h = rand_hash(rng)
    idx = hm.Index()
    lid = idx.list_id("old")
    idx.add(h, "old", "x")
    idx.list_id("other")
    idx.commit()
    with pytest.raises(hm.InvalidArgumentError):
        idx.rename("old", "other")
    with pytest.raises(hm.NotFoundError):
        idx.rename("nowhere", "new")
    idx.rename("old", "new")
    assert [m.list_name for m in idx.query(h)] == ["old"]  # staged
    idx.commit()
    assert [(m.list_name, m.list_id) for m in idx.query(h)] == [("new", lid)]
    with idx.snapshot() as snap:
        assert snap.find_list("old") is None and snap.find_list("new") == lid
    # the name "old" is free again: a new list, not the renamed one
    assert idx.list_id("old") != lid and idx.list_id("new") == lid
    # in a transaction; a name taken meanwhile fails its commit
    tx = idx.transaction()
    tx.rename(lid, "third")
    idx.list_id("third")
    with pytest.raises(hm.InvalidArgumentError):
        tx.commit()
    tx.rename(lid, "fourth")
    tx.commit()
    tx.close()
    assert [m.list_name for m in idx.query(h)] == ["fourth"]
    with pytest.raises(hm.InvalidArgumentError):
        idx.rename(lid, "")


def test_transaction_publishes_together_and_alone():
    rng = random.Random(21)
    old, new, other = rand_hash(rng), rand_hash(rng), rand_hash(rng)
    idx = hm.Index()
    idx.add(old, "known", "e1", "v1")
    idx.commit()
    gen = idx.stats().generation
    with idx.transaction() as tx:
        assert tx.remove("e1", "known") == 1
        tx.add(new, "known", "e1", "v2")
        tx.set_threshold("known", "pdq", 12)
        # the Index's own change set is another one: its commit publishes
        # none of the transaction's changes
        idx.add(other, "known", "e2")
        idx.commit()
        assert [m.entry_id for m in idx.query(old, radius=0)] == ["e1"]
        assert idx.query(new, radius=0) == []
    assert idx.stats().generation == gen + 2  # the shared commit, then the transaction's
    assert idx.query(old, radius=0) == []
    (m,) = idx.query(new)
    assert (m.entry_id, m.labels, m.threshold) == ("e1", "v2", 12)
    assert tx.closed


def test_transaction_discarded_on_exception_and_close(tmp_path):
    rng = random.Random(22)
    h = rand_hash(rng)
    idx = hm.Index()
    with pytest.raises(RuntimeError):
        with idx.transaction() as tx:
            tx.add(h, "l", "x")
            raise RuntimeError("give up")
    idx.commit()
    assert idx.query(h) == [] and len(idx) == 0
    tx = idx.transaction()
    assert tx.load_list(("pdq %s\n" % h).encode(), name="feed").added == 1
    frames = [hm.Frame(i, float(i), (hm.Hash("pdq", bytes(rand_hash(rng)), quality=90),))
              for i in range(3)]
    assert tx.add_video(frames, "clip", "videos") == 3
    assert tx.clear("feed") == 1  # the staged entry of the list
    tx.commit()
    assert len(idx) == 3 and idx.query(h) == []
    # an index file loaded over the content cancels older transactions
    tx.add(h, "l", "y")
    path = tmp_path / "i.hmi"
    idx.save(path)
    idx.load(path)
    with pytest.raises(hm.CancelledError, match="hm_index_load"):
        tx.commit()
    tx.close()
    with pytest.raises(ValueError, match="closed"):
        tx.add(h, "l", "z")
    # closing the index closes its transactions
    tx2 = idx.transaction()
    idx.close()
    assert tx2.closed


def test_transaction_errors_are_its_own():
    idx = hm.Index()
    tx = idx.transaction()
    with pytest.raises(hm.InvalidArgumentError, match="threshold 70 out of range"):
        tx.set_threshold("l", "phash", 70)
    with pytest.raises(hm.BadHashString, match="mem:1"):
        tx.load_list(b"pdq zz\n", name="mem")
    assert idx.stats().entries == 0
    tx.close()
