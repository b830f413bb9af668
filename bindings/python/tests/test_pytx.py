# SPDX-License-Identifier: BSD-3-Clause
"""hashmatch.pytx, the python-threatexchange extension (docs/pytx.md):
registration with the pytx command line, and each signal type and index
against pytx's own classes or the reference data.  pytx's own tests run in
test_pytx_upstream.py and test_pytx_signal_helper.py."""
import hashlib
import io
import os
import pickle
import random
import subprocess
import sys
import typing as t

import pytest

pytest.importorskip("threatexchange", reason="hashmatch.pytx needs threatexchange")

from threatexchange.content_type.photo import PhotoContent  # noqa: E402
from threatexchange.content_type.video import VideoContent  # noqa: E402
from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest  # noqa: E402
from threatexchange.interface_validation import SignalTypeMapping  # noqa: E402
from threatexchange.signal_type.index import (IndexMatchUntyped,  # noqa: E402
                                              SignalSimilarityInfoWithIntDistance)
from threatexchange.signal_type.pdq.pdq_index2 import PDQIndex2  # noqa: E402
from threatexchange.signal_type.pdq.signal import PdqSignal as PytxPdqSignal  # noqa: E402

import hashmatch as hm  # noqa: E402
import hashmatch.pytx as hx  # noqa: E402
from conftest import DATA, VIDEO, VPDQ_SAMPLES, real_images  # noqa: E402

TMK_EXPECTED = DATA / "tmk" / "expected" / "tmk"
PADDED = VIDEO / "test-padded-dimensions.mp4"


def random_pdq(rng: random.Random, near: t.Optional[str] = None, bits: int = 0) -> str:
    if near is None:
        return "%064x" % rng.getrandbits(256)
    flip = sum(1 << i for i in rng.sample(range(256), bits))
    return "%064x" % (int(near, 16) ^ flip)


# ---- the extension --------------------------------------------------------------

def test_the_binding_does_not_import_threatexchange():
    code = "import sys, hashmatch; sys.exit('threatexchange' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_manifest_loads_as_pytx_loads_it():
    m = ThreatExchangeExtensionManifest.load_from_module_name("hashmatch.pytx")
    assert m is hx.TX_MANIFEST
    assert [s.get_name() for s in m.signal_types] == ["vpdq", "video_tmk_pdqf"]
    assert all(s.get_content_types() == [VideoContent] for s in m.signal_types)


def test_pytx_refuses_a_second_type_named_pdq():
    """Why the manifest leaves PDQ out: pytx's command line checks the
    built-in types and the extension's together, and refuses two "pdq"s."""
    assert hx.PdqSignal.get_name() == PytxPdqSignal.get_name() == "pdq"
    with pytest.raises(AssertionError, match="Duplicate name"):
        SignalTypeMapping([PhotoContent, VideoContent], [PytxPdqSignal, hx.PdqSignal])
    # In place of pytx's (HMA's SIGNAL_TYPES), all three fit together.
    m = SignalTypeMapping([PhotoContent, VideoContent], list(hx.SIGNAL_TYPES))
    assert m.get_supported_signal_types_for_content(PhotoContent) == [hx.PdqSignal]


def tx_cli(state: "os.PathLike[str]") -> t.Callable[..., str]:
    """The pytx command line of this environment, with its state in ``state``."""
    exe = os.path.join(os.path.dirname(sys.executable), "threatexchange")
    env = dict(os.environ, TX_STATEDIR=os.fspath(state))

    def tx(*args: "str | os.PathLike[str]", stderr: bool = False) -> str:
        r = subprocess.run([exe, *map(os.fspath, args)], env=env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout + (r.stderr if stderr else "")

    return tx


def test_the_command_line_registers_the_extension(tmp_path):
    tx = tx_cli(tmp_path / "state")
    before = tx("config", "signal")
    assert "video_tmk_pdqf" not in before
    out = tx("config", "extensions", "add", "hashmatch.pytx")
    assert "VpdqSignal" in out and "TmkPdqfSignal" in out
    signals = dict(line.split() for line in tx("config", "signal").splitlines())
    assert signals["vpdq"] == "hashmatch.pytx._vpdq.VpdqSignal"
    assert signals["video_tmk_pdqf"] == "hashmatch.pytx._tmk.TmkPdqfSignal"
    assert signals["pdq"].startswith("threatexchange.")
    assert "hashmatch.pytx" in tx("config", "extensions", "list")
    # pytx's sample collaboration holds every type's get_examples(): fetch
    # builds our indexes (pickled by pytx), match queries them.
    fetched = tx("fetch", stderr=True)
    assert "Index for vpdq ready" in fetched and "Index for video_tmk_pdqf ready" in fetched
    for st, want in [(hx.VpdqSignal, "vpdq 100%[100%] (Sample Signals)"),
                     (hx.TmkPdqfSignal, "video_tmk_pdqf 1.0000[1.0000] (Sample Signals)")]:
        signal = tmp_path / (st.get_name() + ".txt")
        signal.write_text(st.get_examples()[0])
        out = tx("match", "--hashes", "--only-signal", st.get_name(), "video", signal)
        assert out.startswith(want), out


def test_end_to_end_local_file_collaboration(tmp_path):
    """A local-file collaboration (pytx's file exchange) of hashes made by
    `threatexchange hash` with our types; fetch; match finds the edited
    copies; after removing a video from the file, fetching from scratch
    stops matching it (pytx's file exchange only adds on a plain fetch)."""
    tx = tx_cli(tmp_path / "state")
    tx("config", "extensions", "add", "hashmatch.pytx")
    pdq = DATA / "pdq-reference" / "threatexchange" / "pdq" / "data"
    chair, pattern = DATA / "tmk" / "videos" / "chair-orig-22-sd-bar.mp4", PADDED
    photos = [tx("hash", "photo", p) for p in (pdq / "reg-test-input" / "dih" /
                                                  "bridge-1-original.jpg",
                                                  pdq / "misc-images" / "c.png")]
    videos = {v: tx("hash", "video", v) for v in (chair, pattern)}
    assert all(line.split()[0] in ("video_md5", "vpdq", "video_tmk_pdqf")
               for out in videos.values() for line in out.splitlines())
    known = tmp_path / "known.txt"
    known.write_text("".join(photos) + "".join(videos.values()))
    tx("config", "collab", "edit", "local_file", "--create", "--filename", known, "known-media")
    tx("fetch")

    def matches(kind: str, path: "os.PathLike[str]") -> t.Set[str]:
        return {line.split()[0] for line in tx("match", kind, path).splitlines()
                if "(known-media)" in line}

    assert matches("photo", pdq / "bridge-mods" / "blur-a-little.jpg") == {"pdq"}
    edited_chair = DATA / "tmk" / "videos" / "chair-22-sd-grey-bar.mp4"
    assert matches("video", edited_chair) == {"vpdq", "video_tmk_pdqf"}
    assert matches("video", VIDEO / "doorknob-hd-no-bar.mp4") == set()
    # libhashmatch's list loader reads the same file (docs/hashlist-formats.md):
    # pdq, video_md5 and video_tmk_pdqf lines (TMK entries named by the .tmk
    # file's SHA-256); vpdq lines are counted as unsupported
    idx = hm.Index()
    rep = idx.load_list(known)
    assert (rep.format, rep.added, rep.unsupported, rep.rejected) == \
        (hm.ListFormat.TYPED, 2 + 2 + 2, 2, 0)
    idx.commit()
    assert idx.stats().tmk_entries == 2
    tmk_line = next(line for line in videos[chair].splitlines()
                    if line.startswith("video_tmk_pdqf "))
    tmk_bytes = hm.Tmk.from_base64(tmk_line.split()[1]).to_bytes()
    found = idx.match_tmk(hm.hash_tmk(edited_chair))
    assert [(m.video_id, m.list_name) for m in found] == \
        [(hashlib.sha256(tmk_bytes).hexdigest(), "known")]
    # the chair leaves the source
    known.write_text("".join(photos) + videos[pattern])
    tx("fetch", "--clear")
    tx("fetch")
    assert matches("video", edited_chair) == set()
    assert matches("video", pattern) == {"video_md5", "vpdq", "video_tmk_pdqf"}


# ---- PDQ ---------------------------------------------------------------------------

def test_pdq_hashes_equal_pytx_hasher_on_the_test_photos():
    """Our hash_from_file / hash_from_bytes against pytx's own hasher
    (Pillow + pdqhash) on every photo of the repository.  pytx feeds
    pdqhash ``numpy.asarray(image)`` unconverted, so where that is not an
    RGB or grey array (palette, 1-bit, CMYK, RGBA files) it hashes
    something else than the picture: those files are listed in
    docs/pytx.md and must be the only ones that differ."""
    from PIL import Image
    same, differ = 0, {}
    for p in real_images():
        ours = hx.PdqSignal.hash_from_file(p)
        assert hx.PdqSignal.hash_from_bytes(p.read_bytes()) == ours
        theirs = PytxPdqSignal.hash_from_file(p)
        if ours == theirs:
            same += 1
        else:
            differ[p.name] = Image.open(p).mode
    assert same >= 30
    assert set(differ.values()) <= {"P", "1", "CMYK", "RGBA"}, differ  # 3 files in 36


def test_pdq_low_quality_gives_the_empty_string():
    small = DATA / "pdq-reference" / "threatexchange" / "pdq" / "data" / "misc-images" / "small.jpg"
    assert hx.PdqSignal.hash_from_file(small) == PytxPdqSignal.hash_from_file(small) == ""


def test_pdq_index_equals_pytx_pdqindex2():
    """Same (metadata, distance) pairs as pytx's faiss PDQIndex2, at several
    thresholds, with duplicates, hashes near the queries, and after add()."""
    rng = random.Random(1818)
    base = [random_pdq(rng) for _ in range(300)]
    entries = [(h, i) for i, h in enumerate(base)] + [(base[7], "dup"), (base[7], "dup2")]
    queries = [random_pdq(rng, near=rng.choice(base), bits=rng.randrange(0, 60))
               for _ in range(200)] + [random_pdq(rng) for _ in range(20)]
    for threshold in (0, 10, 31, 52):
        ours = hx.PdqIndex(entries, threshold=threshold)
        theirs = PDQIndex2(entries=entries, threshold=threshold)
        hits = 0
        for q in queries:
            got = [(m.metadata, m.similarity_info.distance) for m in ours.query(q)]
            want = {(m.metadata, int(m.similarity_info.distance)) for m in theirs.query(q)}
            assert sorted(got, key=str) == sorted(want, key=str), q
            assert [d for _, d in got] == sorted(d for _, d in got)
            hits += len(got)
        assert hits > 0
    extra = random_pdq(rng)
    ours.add(extra, {"meta": "late"})
    assert ours.query(extra)[0] == IndexMatchUntyped(
        SignalSimilarityInfoWithIntDistance(0), {"meta": "late"})
    assert len(ours) == len(entries) + 1


def test_pdq_index_pickles_with_a_library_index_of_its_own():
    """What pytx's test_supports_pickling / test_serialize_deserialize_index
    check through faiss attributes: a round trip makes a new native index
    that answers the same, with the same threshold and entries."""
    rng = random.Random(7)
    entries = [(random_pdq(rng), {"id": i}) for i in range(100)]
    idx = hx.PdqIndex(entries, threshold=20)
    buf = io.BytesIO()
    idx.serialize(buf)
    buf.seek(0)
    back = hx.PdqIndex.deserialize(buf)
    again = pickle.loads(pickle.dumps(idx))
    for copy in (back, again):
        assert isinstance(copy, hx.PdqIndex) and copy._index is not idx._index
        assert copy.threshold == 20 and len(copy) == len(idx)
        for h, _ in entries[:20]:
            q = random_pdq(rng, near=h, bits=15)
            assert copy.query(q) == idx.query(q) and len(idx.query(q)) >= 1
    back.add(entries[0][0], "added after loading")
    assert [m.metadata for m in back.query(entries[0][0])] == [{"id": 0}, "added after loading"]
    back.dispose()  # pytx >= 1.2.17 calls it to free native memory
    with pytest.raises(ValueError, match="closed"):
        back.query(entries[0][0])


def test_pdq_bad_strings_raise_value_error():
    with pytest.raises(ValueError):
        hx.PdqSignal.compare_hash("0" * 63, "0" * 64)
    idx: hx.PdqIndex[int] = hx.PdqIndex()
    with pytest.raises(ValueError):
        idx.add("xyz", 1)
    with pytest.raises(ValueError):
        idx.query("0" * 65)
    assert len(idx) == 0 and idx.query("0" * 64) == []


# ---- vPDQ ------------------------------------------------------------------------------

def sample_frames() -> t.List[hm.Frame]:
    return hm.parse_vpdq((VPDQ_SAMPLES / "test-padded-dimensions.txt").read_text())


def test_vpdq_signal_equals_upstream_vpdq_output():
    """hash_from_file gives pytx's signal of upstream vPDQ's frames: every
    frame with seconds_per_hash 0, one a second (every 30th) by default."""
    frames = sample_frames()
    every = hm.parse_vpdq_compact(hx.VpdqSignal.hash_from_file(PADDED, seconds_per_hash=0))
    assert [(f.pdq, f.quality) for f in every] == [(f.pdq, f.quality) for f in frames]
    # their timestamps have 3 decimals, pytx's signal 3 significant digits
    assert [f.timestamp for f in every] == pytest.approx([f.timestamp for f in frames], abs=5e-3)
    every_second = [f for f in frames if f.frame_number % 30 == 0]
    assert len(every_second) == 5
    assert hx.VpdqSignal.hash_from_file(PADDED) == hm.format_vpdq_compact(every_second)


def brute_vpdq(query: str, known: str) -> t.Tuple[float, float]:
    """pytx's rule, written out: frames of quality >= 50, each hash once;
    the share of each side's frames within 31 bits of one of the other's."""
    def frames(s: str) -> t.List[str]:
        out: t.List[str] = []
        for f in hm.parse_vpdq_compact(s):
            if f.quality >= 50 and str(f.pdq) not in out:
                out.append(str(f.pdq))
        return out

    q, k = frames(query), frames(known)

    def share(a: t.List[str], b: t.List[str]) -> float:
        n = sum(any(hm.Hash.parse("pdq", x) - hm.Hash.parse("pdq", y) <= 31 for y in b)
                for x in a)
        return n * 100 / len(a)

    return share(q, k), share(k, q)


def random_videos(rng: random.Random, n: int) -> t.List[str]:
    """Videos sharing frames with each other, some of low quality."""
    pool = [random_pdq(rng) for _ in range(12)]
    out = []
    for _ in range(n):
        frames = []
        for i in range(rng.randrange(1, 9)):
            h = random_pdq(rng, near=rng.choice(pool), bits=rng.randrange(0, 40))
            frames.append("%d,%d,%s,%d" % (i, rng.choice([100, 90, 60, 30]), h, i))
        frames.append("99,100,%s,99" % rng.choice(pool))
        out.append(hm.format_vpdq_compact(hm.Frame.from_vpdq_line(f) for f in frames))
    return out


def test_vpdq_compare_and_index_follow_pytx_rule():
    rng = random.Random(2018)
    videos = random_videos(rng, 40)
    idx = hx.VpdqIndex.build([(v, i) for i, v in enumerate(videos)],
                             query_match_threshold_pct=50, index_match_threshold_pct=25)
    matched = 0
    for q in videos[:15]:
        want = []
        for i, k in enumerate(videos):
            qp, kp = brute_vpdq(q, k)
            r = hx.VpdqSignal.compare_hash(q, k, 50, 25)
            assert (r.distance.query_match_percent, r.distance.compared_match_percent) == \
                pytest.approx((qp, kp))
            assert r.match == (qp >= 50 and kp >= 25)
            if r.match:
                want.append((i, r.distance))
        got = [(m.metadata, m.similarity_info) for m in idx.query(q)]
        assert sorted(got, key=lambda x: x[0]) == want
        matched += len(got)
    assert matched > 15
    back = pickle.loads(pickle.dumps(idx))
    assert [m.metadata for m in back.query(videos[3])] == [m.metadata for m in idx.query(videos[3])]
    assert back.query_match_threshold_pct == 50 and back.index_match_threshold_pct == 25


def test_vpdq_defaults_and_empty_videos():
    ex = hx.VpdqSignal.get_examples()[0]
    idx = hx.VpdqIndex.build([(ex, "example")])
    assert [(m.metadata, m.similarity_info.pretty_str()) for m in idx.query(ex)] == \
        [("example", "100%[100%]")]
    assert idx.query("") == [] and idx.query("[]") == []
    low = '["%s,10,0.0"]' % ("0" * 64)
    with pytest.raises(ValueError):
        idx.add(low, "all frames of low quality")
    with pytest.raises(ValueError):
        idx.add("[]", "no frames")
    assert len(idx) == 1
    r = hx.VpdqSignal.compare_hash(low, ex)
    assert not r.match and r.distance == hx.VpdqSimilarityInfo(0.0, 0.0)


def test_vpdq_equals_pytx_vpdq_extension():
    """Against pytx's own vPDQ extension (the vpdq package's hasher, pytx's
    brute-force compare_hash and faiss VPDQIndex), where vpdq is installed
    (tests/python/requirements-vpdq.txt): the same signal strings for
    videos of several sizes, rotations and edits, the same comparisons of
    every pair, and the same (metadata, shares) from the indexes; only the
    order of an index's results differs (docs/pytx.md)."""
    pytest.importorskip("vpdq", reason="needs the vpdq package (tests/python/requirements-vpdq.txt)")
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal
    from threatexchange.extensions.vpdq.vpdq_index import VPDQIndex

    def shares(info: t.Any) -> t.Tuple[float, float]:
        return info.query_match_percent, info.compared_match_percent

    videos = [DATA / "tmk" / "videos" / (n + ".mp4") for n in (
        "chair-20-sd-bar", "chair-22-sd-sepia-bar", "chair-22-with-large-logo-bar",
        "pattern-sd-grey-bar")] + [VIDEO / n for n in ("rotated-90.mp4", "pillarbox.mp4")]
    signals = [hx.VpdqSignal.hash_from_file(v) for v in videos]
    assert signals == [VPDQSignal.hash_from_file(v) for v in videos]
    for q in signals:
        for k in signals:
            ours, theirs = hx.VpdqSignal.compare_hash(q, k), VPDQSignal.compare_hash(q, k)
            assert (ours.match, shares(ours.distance)) == (theirs.match, shares(theirs.distance))
    entries = [(s, i) for i, s in enumerate(signals)]
    ours_idx = hx.VpdqIndex.build(entries, query_match_threshold_pct=0)
    theirs_idx = VPDQIndex.build(entries, query_match_threshold_pct=0)
    found = 0
    for q in signals:
        got = sorted((m.metadata, shares(m.similarity_info)) for m in ours_idx.query(q))
        assert got == sorted((m.metadata, shares(m.similarity_info)) for m in theirs_idx.query(q))
        found += len(got)
    assert found > len(signals)  # the chair edits match each other


# ---- TMK+PDQF ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tmk_signals() -> t.Dict[str, str]:
    return {p.stem: hm.Tmk.from_bytes(p.read_bytes()).to_base64()
            for p in sorted(TMK_EXPECTED.glob("*.tmk"))}


def test_tmk_signal_is_the_base64_of_the_tmk_file(tmk_signals):
    p = DATA / "tmk" / "videos" / "pattern-sd-grey-bar.mp4"
    assert hx.TmkPdqfSignal.hash_from_file(p) == tmk_signals["pattern-sd-grey-bar"]
    import base64
    assert base64.b64decode(tmk_signals["pattern-sd-grey-bar"]) == \
        (TMK_EXPECTED / "pattern-sd-grey-bar.tmk").read_bytes()


def test_tmk_compare_gives_the_reference_scores(tmk_signals):
    names = sorted(tmk_signals)
    for a in names:
        for b in names:
            r = hx.TmkPdqfSignal.compare_hash(tmk_signals[a], tmk_signals[b])
            s = hm.Tmk.from_base64(tmk_signals[a]).scores(hm.Tmk.from_base64(tmk_signals[b]))
            assert (r.distance.level1, r.distance.level2) == (s.level1, s.level2)
            assert r.match == (s.level1 >= hm.TMK_LEVEL1_THRESHOLD
                               and s.level2 >= hm.TMK_LEVEL2_THRESHOLD)
    r = hx.TmkPdqfSignal.compare_hash(tmk_signals[names[0]], tmk_signals[names[0]], 1.1, 0)
    assert not r.match


@pytest.mark.parametrize("t1, t2", [(None, None), (0.9, 0.5), (0.5, 0.95)])
def test_tmk_index_equals_comparing_every_pair(tmk_signals, t1, t2):
    kw = {} if t1 is None else {"level1_threshold": t1, "level2_threshold": t2}
    cmp = {} if t1 is None else {"level1_threshold": t1, "level2_threshold": t2}
    names = sorted(tmk_signals)
    idx = hx.TmkIndex([(tmk_signals[n], {"video": n}) for n in names], **kw)
    total = 0
    for q in names:
        got = idx.query(tmk_signals[q])
        want = {n for n in names
                if hx.TmkPdqfSignal.compare_hash(tmk_signals[q], tmk_signals[n], **cmp).match}
        assert {m.metadata["video"] for m in got} == want
        assert {"video": q} in [m.metadata for m in got]
        levels = [m.similarity_info.level2 for m in got]
        assert levels == sorted(levels, reverse=True)
        total += len(got)
    assert len(names) < total < len(names) ** 2
    back = hx.TmkIndex.deserialize(io.BytesIO(pickle.dumps(idx)))
    assert back.query(tmk_signals[names[0]]) == idx.query(tmk_signals[names[0]])


def test_tmk_bad_signals_raise_value_error(tmk_signals):
    one = next(iter(tmk_signals.values()))
    idx: hx.TmkIndex[str] = hx.TmkIndex()
    for bad in ("", "VE1L", one[:-4], one.replace("A", "*", 1)):
        with pytest.raises(ValueError):
            hx.TmkPdqfSignal.validate_signal_str(bad)
        with pytest.raises(ValueError):
            idx.add(bad, "x")
    assert len(idx) == 0
