# SPDX-License-Identifier: BSD-3-Clause
"""TMK+PDQF: hashing byte-identical to the reference tool, the .tmk file and
its base64, scores equal to tmk-two-level-score's, errors, limits."""
import base64
import copy
import csv
import io
import math
import pickle
import struct

import pytest

import hashmatch as hm
from conftest import DATA, VIDEO

TMK = DATA / "tmk"
EXPECTED = TMK / "expected"
LIMITS = TMK / "limits"
REF = "chair-19-sd-bar"


def video_path(name):
    p = TMK / "videos" / (name + ".mp4")
    return p if p.exists() else VIDEO / (name + ".mp4")  # doorknob, test-padded-dimensions


def ref_bytes(name):
    return (EXPECTED / "tmk" / (name + ".tmk")).read_bytes()


def frame_counts():
    with open(EXPECTED / "frame-counts.csv", newline="") as f:
        return {row["tmk"][:-4]: int(row["frame_feature_count"]) for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def refs():
    """Every reference .tmk file, read."""
    return {name: hm.Tmk.from_bytes(ref_bytes(name)) for name in frame_counts()}


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


# ---- hashing ----------------------------------------------------------------

# Three of the reference videos (about 0.3 s each): two 480x720 with bars and
# a logo, and a 1080p one from the vPDQ set.
HASHED = ["pattern-sd-grey-bar", "pattern-sd-with-small-logo-bar", "doorknob-hd-no-bar"]


@pytest.mark.parametrize("name", HASHED)
def test_hash_is_byte_identical_to_the_reference(name):
    t = hm.hash_tmk(video_path(name))
    assert t.to_bytes() == ref_bytes(name)
    assert t.frames == frame_counts()[name]
    vi = t.video_info
    assert vi is not None and vi.frames_hashed == t.frames and not vi.partial
    assert vi.codec == "h264" and vi.frames_decoded > 0


def test_hash_from_memory_and_file_object_and_hasher():
    name = HASHED[0]
    data = video_path(name).read_bytes()
    want = ref_bytes(name)
    assert hm.hash_tmk(data).to_bytes() == want
    assert hm.hash_tmk(io.BytesIO(data)).to_bytes() == want
    with hm.Hasher() as h:
        # vPDQ's frame options do not exist here, limits do
        t = h.hash_tmk(str(video_path(name)), max_frames=1000, time_budget=60)
        assert bytes(t) == want
        # the hasher is free afterwards
        assert len(list(h.video(VIDEO / "test-padded-dimensions.mp4"))) == 5


def test_one_frame_and_no_frame():
    one = hm.hash_tmk(LIMITS / "one-frame.mp4")
    assert one.frames == 1
    # one frame leaves every sine feature zero: 0.51835 against itself, as
    # the reference computes it
    assert one.scores(one).level2 == pytest.approx(0.5183507, abs=1e-5)
    with pytest.raises(hm.DecodeError, match="no frame"):
        hm.hash_tmk(LIMITS / "no-frames.avi")


def test_limits():
    ten = LIMITS / "ten-hours.mkv"
    with pytest.raises(hm.LimitExceeded, match="max_duration"):
        hm.hash_tmk(ten)
    # raised: the 540,001 frames the ffmpeg tool would print hit max_frames
    with pytest.raises(hm.LimitExceeded, match="max_frames"):
        hm.hash_tmk(ten, max_duration=40000, max_frames=1000)
    ref = video_path(REF)
    for opts, what in [({"max_frames": 100}, "max_frames"),
                       ({"max_decoded": 50}, "max_decoded"),
                       ({"max_duration": 5}, "max_duration"),
                       ({"max_work_pixels": 20_000_000}, "max_work_pixels"),
                       ({"max_memory": 1 << 20}, "max_memory"),
                       ({"time_budget": 1e-9}, "time budget"),
                       ({"max_input_bytes": 100_000}, "HM_HASHER_MAX_INPUT_BYTES"),
                       ({"max_pixels": 100_000}, "pixel")]:
        with pytest.raises(hm.LimitExceeded, match=what):
            hm.hash_tmk(ref, **opts)
    with pytest.raises(ValueError):
        hm.hash_tmk(ref, max_memory=0)
    with pytest.raises(TypeError):
        hm.hash_tmk(ref, interval=1.0)  # a vPDQ option, not TMK's


def test_hashing_errors():
    with pytest.raises(hm.FileIOError):
        hm.hash_tmk(TMK / "no-such-video.mp4")
    with pytest.raises(hm.UnknownFormatError):
        hm.hash_tmk(EXPECTED / "tmk" / (REF + ".tmk"))
    with pytest.raises(hm.UnknownFormatError):
        hm.hash_tmk(b"not a video at all" * 100)
    with pytest.raises(hm.UnsupportedError, match="WebP"):
        hm.hash_tmk(DATA / "video" / "anim.webp")
    with hm.Hasher() as h:
        v = h.video(VIDEO / "test-padded-dimensions.mp4")
        with pytest.raises(RuntimeError, match="open video"):
            h.hash_tmk(video_path(HASHED[0]))
        v.close()
    h.close()
    with pytest.raises(ValueError, match="closed"):
        h.hash_tmk(video_path(HASHED[0]))


# ---- beside vPDQ: one decoding (VideoReader(tmk=True)) -----------------------

@pytest.mark.parametrize("name,mode", [(HASHED[0], "interval"), (HASHED[1], "all")])
def test_reader_hashes_tmk_beside_vpdq(name, mode):
    path = video_path(name)
    alone = hm.video_frames(path, mode=mode, types="pdq,phash")
    frames_alone = list(alone)
    with hm.Hasher() as h:
        with h.video(path, mode=mode, types="pdq,phash", tmk=True) as v:
            frames = list(v)
            t = v.take_tmk()
            info = v.info
        # the same frames as without TMK, the reference's .tmk file, and
        # hash_tmk's hash
        assert len(frames) > 0 and frames == frames_alone
        assert t.to_bytes() == ref_bytes(name) == hm.hash_tmk(path).to_bytes()
        assert t.frames == frame_counts()[name]
        assert t.video_info == info
        assert info.frames_hashed == len(frames) == alone.info.frames_hashed
        assert info.frames_decoded == alone.info.frames_decoded
        assert info.frames_skipped == alone.info.frames_skipped == 0  # vPDQ decodes every frame
        # the hasher is free again
        assert len(list(h.video(VIDEO / "test-padded-dimensions.mp4"))) == 5
    # from bytes, with a hasher of its own
    with hm.video_frames(path.read_bytes(), mode=mode, tmk=True) as v:
        assert [f.pdq for f in v] == [f.pdq for f in frames_alone]
        assert bytes(v.take_tmk()) == ref_bytes(name)


def test_hash_tmk_skips_frames_vpdq_decodes():
    """TMK alone skips the non-reference frames its 15 fps output drops."""
    path = video_path(REF)
    info = hm.hash_tmk(path).video_info
    assert info is not None and info.frames_skipped > 0
    frames = hm.video_frames(path)
    list(frames)
    assert frames.info.frames_skipped == 0
    assert info.frames_decoded + info.frames_skipped == frames.info.frames_decoded


def test_reader_tmk_misuse():
    ref = video_path(REF)
    with hm.video_frames(ref, interval=5) as v:  # not asked for
        with pytest.raises(hm.InvalidArgumentError, match="tmk"):
            v.take_tmk()  # open: the C library's answer
        assert len(list(v)) == 4
        with pytest.raises(hm.InvalidArgumentError, match="tmk=True"):
            v.take_tmk()  # at the end
    with hm.video_frames(ref, interval=5, tmk=True) as v:
        next(v)
        with pytest.raises(hm.InvalidArgumentError, match="end") as e:
            v.take_tmk()  # not at the end yet
        assert e.value.status == hm.InvalidArgumentError().status
        assert len(list(v)) == 3
        t = v.take_tmk()
        assert bytes(t) == ref_bytes(REF)
        with pytest.raises(hm.InvalidArgumentError, match="taken"):
            v.take_tmk()  # once
    # closed before the end: no hash
    v = hm.video_frames(ref, tmk=True)
    next(v)
    v.close()
    with pytest.raises(hm.InvalidArgumentError, match="end"):
        v.take_tmk()
    # keyframe mode: every frame decoded for TMK, the same keyframes given
    alone = list(hm.video_frames(ref, mode="keyframes"))
    v = hm.video_frames(ref, mode="keyframes", tmk=True)
    both = list(v)
    assert both and both == alone
    assert bytes(v.take_tmk()) == ref_bytes(REF)
    # refused at open: animated WebP
    with pytest.raises(hm.UnsupportedError, match="WebP"):
        hm.video_frames(DATA / "video" / "anim.webp", tmk=True)
    # the error that stopped the frames: TMK's 15 fps frames count against
    # max_frames on their own (4 vPDQ frames pass, 284 TMK frames do not)
    v = hm.video_frames(ref, interval=5, max_frames=10, tmk=True)
    with pytest.raises(hm.LimitExceeded, match="TMK"):
        list(v)
    for _ in range(2):
        with pytest.raises(hm.LimitExceeded, match="TMK"):
            v.take_tmk()
    assert len(hm.hash_video(ref, interval=5, max_frames=10)) == 4
    # hash_video returns frames only
    with pytest.raises(TypeError, match="take_tmk"):
        hm.hash_video(ref, tmk=True)


# ---- the .tmk file and its base64 ------------------------------------------------

def test_files_round_trip(refs):
    counts = frame_counts()
    assert len(refs) == 14
    for name, t in refs.items():
        raw = ref_bytes(name)
        assert len(raw) == hm.TMK_FILE_SIZE == 263344
        assert t.to_bytes() == raw and bytes(t) == raw
        assert t.video_info is None
        assert t.info == hm.TmkInfo(counts[name], 15, 4, 32, hm.TMK_DIM)
        b64 = t.to_base64()
        assert b64 == base64.b64encode(raw).decode("ascii")  # Python's own base64
        assert len(b64) == hm.TMK_BASE64_LEN
        assert hm.Tmk.from_base64(b64) == t
    raw = ref_bytes(REF)
    b64 = base64.b64encode(raw)
    assert hm.Tmk.from_base64(b64).to_bytes() == raw                 # bytes text
    assert hm.Tmk.from_base64(b64.rstrip(b"=")).to_bytes() == raw     # unpadded
    assert hm.Tmk.from_bytes(bytearray(raw)).to_bytes() == raw
    assert hm.Tmk.from_bytes(memoryview(raw)).to_bytes() == raw


def test_value_semantics(refs):
    a, b = refs[REF], refs["chair-20-sd-bar"]
    a2 = hm.Tmk.from_bytes(ref_bytes(REF))
    assert a == a2 and hash(a) == hash(a2) and a != b
    assert len({a, a2, b}) == 2
    assert a != ref_bytes(REF)  # not equal to its bytes: a hash is no bytes object
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.copy(a) is a and copy.deepcopy(a) is a
    assert "284 frame features" in repr(a)
    with pytest.raises(TypeError):
        hm.Tmk()
    with pytest.raises(AttributeError):
        a.frames = 3


def patched(raw, offset, new):
    b = bytearray(raw)
    b[offset:offset + len(new)] = new
    return bytes(b)


def test_damaged_files_are_refused():
    raw = ref_bytes(REF)
    nan = struct.pack("<f", math.nan)
    for data, what in [(raw[:-1], "truncated"),
                       (raw + b"\0", "too long"),
                       (b"", "truncated"),
                       (patched(raw, 0, b"TMK2"), "magic"),
                       (patched(raw, 12, struct.pack("<i", 25)), "frames per second"),
                       (patched(raw, 28, struct.pack("<i", -1)), "frame count"),
                       (patched(raw, 176, nan), "pure-average"),
                       (patched(raw, 2000, nan), "cosine feature")]:
        with pytest.raises(hm.BadHashString, match=what) as e:
            hm.Tmk.from_bytes(data)
        assert e.value.status_name == "HM_E_PARSE" and e.value.message
    b64 = base64.b64encode(raw).decode("ascii")
    for text in [b64[:-8], b64[:100] + " " + b64[101:], b64[:100] + "-" + b64[101:],
                 b64[:100] + "é" + b64[101:], "", base64.b64encode(raw[:-1]).decode()]:
        with pytest.raises(hm.BadHashString):
            hm.Tmk.from_base64(text)
    with pytest.raises(TypeError, match="from_base64"):
        hm.Tmk.from_bytes(b64)  # base64 text is no .tmk file
    with pytest.raises(TypeError):
        hm.Tmk.from_base64(123)


# ---- scores -----------------------------------------------------------------------

def pair_scores():
    with open(EXPECTED / "pair-scores.csv", newline="") as f:
        return [(r["a"][:-4], r["b"][:-4], r["level1"], r["level2"]) for r in csv.DictReader(f)]


def test_every_reference_pair_to_six_decimals(refs):
    pairs = pair_scores()
    assert len(pairs) == 14 * 13 // 2
    matched = 0
    for a, b, l1, l2 in pairs:
        s = refs[a].scores(refs[b])
        assert isinstance(s, hm.TmkScores)
        assert ("%.6f" % s.level1, "%.6f" % s.level2) == (l1, l2), (a, b)
        assert refs[a].level1(refs[b]) == s.level1 == refs[b].level1(refs[a])
        assert refs[b].scores(refs[a]).level2 == pytest.approx(s.level2, abs=1e-6)
        want = float(l1) >= 0.7 and float(l2) >= 0.7
        assert s.matches() == refs[a].matches(refs[b]) == want, (a, b)
        matched += want
    assert 0 < matched < len(pairs)  # both outcomes occur


def test_level1_is_the_cosine_of_the_averages(refs):
    a, b = refs[REF], refs["pattern-hd-no-bar"]
    u, v = a.average, b.average
    assert len(u) == hm.TMK_DIM and u.typecode == "f"
    cos = sum(x * y for x, y in zip(u, v)) / math.sqrt(sum(x * x for x in u) * sum(y * y for y in v))
    assert a.level1(b) == pytest.approx(cos, abs=1e-5)
    assert a.scores(a).level1 == pytest.approx(1.0, abs=1e-6)
    assert a.scores(a).level2 == pytest.approx(1.0, abs=1e-6)


def test_thresholds(refs):
    assert hm.TMK_LEVEL1_THRESHOLD == hm.TMK_LEVEL2_THRESHOLD == f32(0.7)
    a, b = refs[REF], refs["chair-20-sd-bar"]  # 0.989083, 0.991138
    s = a.scores(b)
    assert s.matches() and s.matches(0.98, 0.99) and not s.matches(0.99) \
        and not s.matches(level2=0.995)
    assert a.matches(b, 0.98, 0.99) and not a.matches(b, level1=0.99) \
        and not a.matches(b, level2=0.995)
    # the thresholds are the C float 0.7: a score equal to it matches, one
    # just below does not
    edge = f32(0.7)
    assert hm.TmkScores(edge, edge).matches() is True
    assert hm.TmkScores(math.nextafter(edge, 0), 1.0).matches() is False
    assert hm.TmkScores(1.0, math.nextafter(edge, 0)).matches() is False


def test_scores_type_errors(refs):
    a = refs[REF]
    for bad in (None, ref_bytes(REF), hm.Hash("pdq", "0" * 64)):
        with pytest.raises(TypeError):
            a.scores(bad)
        with pytest.raises(TypeError):
            a.level1(bad)
        with pytest.raises(TypeError):
            a.matches(bad)


# ---- the index --------------------------------------------------------------------

def reference_index(refs, list="videos"):
    """An index of the 14 reference hashes, each under its file name."""
    idx = hm.Index()
    for name, t in refs.items():
        idx.add_tmk(t, name, list, "label " + name)
    idx.commit()
    return idx


def brute_force(refs, q, t1, t2):
    """The reference videos whose scores against ``q`` reach both thresholds."""
    out = {}
    for name, t in refs.items():
        s = refs[q].scores(t)
        if s.level1 >= t1 and s.level2 >= t2:
            out[name] = s
    return out


def test_index_matches_the_reference_pairs(refs):
    """Each reference hash, matched against an index of all 14, finds itself
    and exactly the reference pairs whose published scores reach 0.7 on both
    levels, with those scores."""
    pairs = pair_scores()
    idx = reference_index(refs)
    assert len(idx) == 14 and idx.stats().entries == 14
    lid = idx.lists()[0].id
    found_pairs = 0
    for q in refs:
        want = {q}
        published = {}
        for a, b, l1, l2 in pairs:
            if q in (a, b):
                other = b if q == a else a
                published[other] = (a == q, l1, l2)
                if float(l1) >= 0.7 and float(l2) >= 0.7:
                    want.add(other)
        got = idx.match_tmk(refs[q])
        assert all(isinstance(m, hm.TmkMatch) for m in got)
        assert {m.video_id for m in got} == want and len(got) == len(want), q
        found_pairs += len(want) - 1
        for m in got:
            assert (m.list_name, m.list_id, m.labels) == ("videos", lid, "label " + m.video_id)
            assert (m.threshold1, m.threshold2) == (hm.TMK_LEVEL1_THRESHOLD,
                                                    hm.TMK_LEVEL2_THRESHOLD)
            # the scores are Tmk.scores(query, known), to the bit
            assert (m.level1, m.level2) == tuple(refs[q].scores(refs[m.video_id]))
            if m.video_id == q:
                assert m.level1 == pytest.approx(1.0, abs=1e-6)
                continue
            forward, l1, l2 = published[m.video_id]
            assert "%.6f" % m.level1 == l1
            if forward:
                assert "%.6f" % m.level2 == l2
            else:  # level 2 scored the other way round: equal up to rounding
                assert m.level2 == pytest.approx(float(l2), abs=2e-6)
        # ordered by level 2, then level 1, descending
        keys = [(m.level2, m.level1) for m in got]
        assert keys == sorted(keys, reverse=True)
    assert found_pairs > 0 and found_pairs % 2 == 0  # the matching pairs, both ways


@pytest.mark.parametrize("t1,t2", [(0.0, 0.0), (0.5, 0.6), (0.95, 0.5), (1.0, 1.0)])
def test_match_thresholds_equal_scoring_every_pair(refs, t1, t2):
    idx = reference_index(refs)
    for q in refs:
        got = idx.match_tmk(refs[q], level1=t1, level2=t2)
        want = brute_force(refs, q, f32(t1), f32(t2))  # C compares float32 values
        assert {m.video_id: (m.level1, m.level2) for m in got} == \
            {k: tuple(s) for k, s in want.items()}, (q, t1, t2)
        assert all((m.threshold1, m.threshold2) == (f32(t1), f32(t2)) for m in got)


def test_per_list_thresholds(refs):
    """Each list applies its own thresholds; the query's override them all."""
    idx = hm.Index()
    for name, t in refs.items():
        idx.add_tmk(t, name, "loose")
        idx.add_tmk(t, name, "strict")
    idx.set_tmk_threshold("strict", 1, 0.99)     # chair-20 scores 0.989083, 0.991138
    with pytest.raises(hm.NotFoundError):
        idx.tmk_thresholds("strict")            # staged only: no such list yet
    idx.commit()
    assert idx.tmk_thresholds("strict") == (f32(0.99), hm.TMK_LEVEL2_THRESHOLD)
    assert idx.tmk_thresholds("loose") == (hm.TMK_LEVEL1_THRESHOLD, hm.TMK_LEVEL2_THRESHOLD)
    strict = idx.lists()[1].id
    assert idx.tmk_thresholds(strict) == (f32(0.99), hm.TMK_LEVEL2_THRESHOLD)

    def hits(**opts):
        return {(m.list_name, m.video_id) for m in idx.match_tmk(refs[REF], **opts)}

    assert ("loose", "chair-20-sd-bar") in hits() and ("strict", "chair-20-sd-bar") not in hits()
    assert ("strict", REF) in hits()
    (m,) = [m for m in idx.match_tmk(refs[REF]) if m.list_name == "strict"]
    assert (m.threshold1, m.threshold2) == (f32(0.99), hm.TMK_LEVEL2_THRESHOLD)
    # the query's thresholds apply to every list
    assert {v for lst, v in hits(level1=0.5, level2=0.5) if lst == "strict"} == \
        {v for lst, v in hits(level1=0.5, level2=0.5) if lst == "loose"} == \
        set(brute_force(refs, REF, 0.5, 0.5))
    # level 2 alone, then both levels restored to the default
    idx.set_tmk_threshold("strict", 2, 0.995)
    idx.set_tmk_threshold("loose", None, 0.999)
    idx.commit()
    assert idx.tmk_thresholds("strict") == (f32(0.99), f32(0.995))
    assert idx.tmk_thresholds("loose") == (f32(0.999), f32(0.999))
    assert hits() == {("strict", REF), ("loose", REF)}
    idx.set_tmk_threshold("strict", None, None)
    idx.set_tmk_threshold("loose", 1, None)
    idx.commit()
    assert idx.tmk_thresholds("strict") == (hm.TMK_LEVEL1_THRESHOLD,) * 2
    assert idx.tmk_thresholds("loose") == (hm.TMK_LEVEL1_THRESHOLD, f32(0.999))
    assert ("strict", "chair-20-sd-bar") in hits() and ("loose", "chair-20-sd-bar") not in hits()
    # a disabled list matches only when the query includes it
    idx.set_enabled("strict", False)
    idx.commit()
    assert {lst for lst, _ in hits()} == {"loose"}
    assert {lst for lst, _ in hits(include_disabled=True)} == {"loose", "strict"}


def test_transactions_snapshots_and_removal(refs):
    idx = hm.Index()
    a, b = refs[REF], refs["chair-20-sd-bar"]
    with idx.transaction() as tx:
        tx.add_tmk(b, "twenty", "known", "l")
        tx.set_tmk_threshold("known", 2, 0.995)
        assert idx.match_tmk(a) == []       # staged, not visible yet
    assert idx.match_tmk(a) == []           # level 2 0.991138 < 0.995
    (m,) = idx.match_tmk(a, level2=0.99)
    assert (m.video_id, m.list_name, m.labels) == ("twenty", "known", "l")
    with idx.transaction() as tx:
        tx.set_tmk_threshold("known", None, None)
    assert [m.video_id for m in idx.match_tmk(a)] == ["twenty"]
    # adding the same hash and id again changes nothing
    idx.add_tmk(b, "twenty", "known", "l")
    idx.commit()
    assert len(idx) == 1
    st = idx.stats()
    assert (st.entries, st.tmk_entries, sum(st.entries_by_type.values())) == (1, 1, 0)
    # a snapshot keeps matching what it saw; remove and clear take TMK entries
    with idx.snapshot() as snap:
        assert idx.remove("twenty") == 1
        idx.commit()
        assert idx.match_tmk(a) == [] and len(idx) == 0
        assert idx.stats().tmk_entries == 0 and snap.stats().tmk_entries == 1
        assert [m.video_id for m in snap.match_tmk(a)] == ["twenty"]
        assert snap.tmk_thresholds("known") == (hm.TMK_LEVEL1_THRESHOLD,) * 2
    idx.add_tmk(a, "nineteen", "known")
    idx.commit()
    assert idx.clear("known") == 1
    idx.commit()
    assert idx.match_tmk(a) == []
    # a transaction discarded on an exception publishes nothing
    with pytest.raises(RuntimeError):
        with idx.transaction() as tx:
            tx.add_tmk(a, "gone", "known")
            raise RuntimeError
    assert idx.match_tmk(a) == []


def test_index_file_round_trip(refs, tmp_path):
    idx = reference_index(refs)
    idx.set_tmk_threshold("videos", 1, 0.9)
    idx.set_tmk_threshold("videos", 2, 0.8)
    idx.commit()
    path = tmp_path / "tmk.hmi"
    idx.save(path)
    loaded = [hm.Index(path), hm.Index(idx.to_bytes())]
    for other in loaded:
        assert other.tmk_thresholds("videos") == (f32(0.9), f32(0.8))
        assert len(other) == 14 and other.stats().tmk_entries == 14
        for q, t in refs.items():
            assert other.match_tmk(t) == idx.match_tmk(t), q
            assert other.match_tmk(t, level1=0.3, level2=0.3) == \
                idx.match_tmk(t, level1=0.3, level2=0.3), q
    # the loaded index takes more TMK entries and saves again
    lo = loaded[0]
    lo.add_tmk(refs[REF], "again", "more")
    lo.commit()
    assert "again" in {m.video_id for m in hm.Index(lo.to_bytes()).match_tmk(refs[REF])}
    for i in loaded:
        i.close()


def test_index_errors(refs):
    idx = reference_index(refs)
    t = refs[REF]
    for level, bad in [(1, 1.5), (2, -0.5), (1, math.nan), (None, 2.0), (3, 0.5), (0, 0.5)]:
        with pytest.raises(hm.InvalidArgumentError):
            idx.set_tmk_threshold("videos", level, bad)
    with pytest.raises(TypeError):
        idx.set_tmk_threshold("videos", 1, "0.5")
    for opts in [{"level1": 1.01}, {"level2": -0.1}, {"level1": math.nan}]:
        with pytest.raises(hm.InvalidArgumentError):
            idx.match_tmk(t, **opts)
    for bad in (None, ref_bytes(REF), hm.Hash("pdq", "0" * 64)):
        with pytest.raises(TypeError):
            idx.match_tmk(bad)
        with pytest.raises(TypeError):
            idx.add_tmk(bad, "x")
    with pytest.raises(hm.InvalidArgumentError):
        idx.add_tmk(t, "")                    # an entry id has 1 byte or more
    with pytest.raises(hm.InvalidArgumentError):
        idx.add_tmk(t, None)
    with pytest.raises(hm.NotFoundError):
        idx.tmk_thresholds("no such list")
    with pytest.raises(hm.Error):
        idx.tmk_thresholds(9999)
    idx.commit()
    assert len(idx) == 14                     # nothing was staged by the failures
    # closed objects
    snap = idx.snapshot()
    tx = idx.transaction()
    snap.close()
    with pytest.raises(ValueError, match="closed"):
        snap.match_tmk(t)
    with pytest.raises(ValueError, match="closed"):
        snap.tmk_thresholds("videos")
    idx.close()
    assert tx.closed
    with pytest.raises(ValueError, match="closed"):
        tx.add_tmk(t, "x")
    with pytest.raises(ValueError, match="closed"):
        tx.set_tmk_threshold("videos", 1, 0.5)
    for call in (lambda: idx.match_tmk(t), lambda: idx.add_tmk(t, "x"),
                 lambda: idx.set_tmk_threshold("videos", 1, 0.5),
                 lambda: idx.tmk_thresholds("videos")):
        with pytest.raises(ValueError, match="closed"):
            call()
