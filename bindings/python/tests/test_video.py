# SPDX-License-Identifier: BSD-3-Clause
"""Video hashing as an iterator of frames, vPDQ formats, video matching."""
import threading

import pytest

import hashmatch as hm
from conftest import PDQ_DATA, VIDEO, VPDQ_SAMPLES

PADDED = VIDEO / "test-padded-dimensions.mp4"
DOORKNOB = VIDEO / "doorknob-hd-no-bar.mp4"
ROTATED = VIDEO / "rotated-90.mp4"


def test_frames_equal_upstream_vpdq_exactly():
    """test-padded-dimensions: every frame equal to ThreatExchange's vPDQ."""
    want = (VPDQ_SAMPLES / "test-padded-dimensions.txt").read_text()
    frames = hm.hash_video(PADDED, mode="all")
    assert len(frames) == 150
    assert hm.format_vpdq(frames) == want
    parsed = hm.parse_vpdq(want)
    assert [f.pdq for f in parsed] == [f.pdq for f in frames]
    assert [(f.frame_number, round(f.timestamp, 3)) for f in parsed] == \
        [(f.frame_number, round(f.timestamp, 3)) for f in frames]


def test_frames_within_vpdq_tolerance():
    want = hm.parse_vpdq((VPDQ_SAMPLES / "doorknob-hd-no-bar.txt").read_text())
    got = hm.hash_video(DOORKNOB, mode="all")
    assert [f.frame_number for f in got] == [f.frame_number for f in want]
    dists = [a.pdq - b.pdq for a, b in zip(got, want) if a.quality >= 50 and b.quality >= 50]
    assert len(dists) >= 50 and max(dists) <= 31
    small = hm.hash_video(DOORKNOB, mode="all", downscale=128)
    want = hm.parse_vpdq((VPDQ_SAMPLES / "doorknob-hd-no-bar-128x128.txt").read_text())
    assert max(a.pdq - b.pdq for a, b in zip(small, want)
               if a.quality >= 50 and b.quality >= 50) <= 31


def test_reader_iterator_and_info():
    with hm.Hasher() as h:
        with h.video(PADDED) as v:
            assert iter(v) is v
            first = next(v)
            assert first.frame_number == 0 and first.timestamp == 0.0 and first.keyframe
            assert first.quality == 100 and len(first.hashes) == 1
            rest = list(v)
            assert v.closed
            info = v.info
        assert [f.frame_number for f in [first] + rest] == [0, 30, 60, 90, 120]
        assert info.width == info.height == 1080 and info.fps == 30.0
        assert info.codec == "h264" and "mp4" in info.container
        assert info.frames_decoded == 150 and info.frames_hashed == 5 and not info.partial
        # the hasher is free again
        assert h.hash(PDQ_DATA / "misc-images" / "wee.jpg").pdq is not None


def test_sources_and_modes():
    by_path = hm.hash_video(PADDED, types="pdq,phash,dhash,ahash", interval=0.5)
    assert len(by_path) == 10 and all(len(f.hashes) == 4 for f in by_path)
    assert [str(h.type) for h in by_path[0].hashes] == ["pdq", "phash", "dhash", "ahash"]
    data = PADDED.read_bytes()
    assert hm.hash_video(data, types="pdq,phash,dhash,ahash", interval=0.5) == by_path
    with open(PADDED, "rb") as f:
        assert hm.hash_video(f, types="pdq,phash,dhash,ahash", interval=0.5) == by_path
    keys = hm.hash_video(PADDED, mode="keyframes", interval=0)
    assert keys and all(f.keyframe for f in keys)
    assert len(hm.hash_video(PADDED, mode=hm.FrameMode.ALL)) == 150
    with pytest.raises(ValueError):
        hm.hash_video(PADDED, mode="sometimes")
    with pytest.raises(ValueError):
        hm.hash_video(PADDED, types="md5")


def test_rotation_and_animated_images():
    with hm.video_frames(ROTATED) as v:
        frames = list(v)
        assert v.info.rotation in (90, 270)
    assert frames == hm.hash_video(PADDED)           # not applied by default
    upright = hm.hash_video(ROTATED, apply_rotation=True)
    assert upright[0].pdq != frames[0].pdq
    for name in ("anim.gif", "anim.webp"):
        fr = hm.hash_video(VIDEO / name, interval=0)
        assert len(fr) >= 5, name
    with pytest.raises(hm.Error):
        hm.hash_video(VIDEO / "anim.gif", animated_images=False)


def test_video_errors(tmp_path):
    with pytest.raises(hm.UnknownFormatError):
        hm.hash_video(b"definitely not a video" * 100)
    with pytest.raises(hm.FileIOError):
        hm.hash_video(tmp_path / "missing.mp4")
    data = PADDED.read_bytes()
    # truncated: the frames that decode, flagged partial, or a decode error
    try:
        with hm.video_frames(data[: len(data) // 3], mode="all") as v:
            got = list(v)
            assert v.info.partial or len(got) < 150
    except hm.DecodeError:
        pass
    # limits: the frames returned so far stay valid
    frames = []
    with pytest.raises(hm.LimitExceeded) as e:
        for f in hm.video_frames(PADDED, mode="all", max_frames=3):
            frames.append(f)
    assert len(frames) == 3 and e.value.message
    with pytest.raises(hm.LimitExceeded):
        hm.hash_video(PADDED, max_duration=1.0)
    with pytest.raises(hm.LimitExceeded):
        hm.hash_video(PADDED, max_pixels=1000)


def test_decoder_memory_and_work_limits():
    """max_memory caps the decoder's pictures, max_work_pixels the work
    (pixels decoded, plus pixels hashed)."""
    with pytest.raises(hm.LimitExceeded) as e:
        hm.hash_video(PADDED, max_memory=1)
    assert "max_memory" in e.value.message
    assert len(hm.hash_video(PADDED, max_memory=64 << 20)) == 5
    px = 1080 * 1080                    # 150 frames of 1080 x 1080, 5 hashed
    assert len(hm.hash_video(PADDED, max_work_pixels=155 * px)) == 5
    with pytest.raises(hm.LimitExceeded):
        hm.hash_video(PADDED, max_work_pixels=155 * px - 1)
    frames = []
    with pytest.raises(hm.LimitExceeded) as e:
        for f in hm.video_frames(PADDED, max_work_pixels=40 * px):
            frames.append(f)
    assert "max_work_pixels" in e.value.message
    assert [f.frame_number for f in frames] == [0, 30]
    for bad in (0, -1, 2**64):
        with pytest.raises(ValueError):
            hm.hash_video(PADDED, max_memory=bad)
        with pytest.raises(ValueError):
            hm.hash_video(PADDED, max_work_pixels=bad)


def test_cancel_and_busy_hasher():
    h = hm.Hasher()
    v = h.video(PADDED, mode="all")
    next(v)
    with pytest.raises(RuntimeError):
        h.hash(PDQ_DATA / "misc-images" / "wee.jpg")   # busy with the video
    with pytest.raises(RuntimeError):
        h.video(PADDED)
    v.cancel()
    with pytest.raises(hm.CancelledError):
        list(v)
    assert v.closed
    h.hash(PDQ_DATA / "misc-images" / "wee.jpg")       # free again
    # cancelled from another thread while decoding
    v = h.video(DOORKNOB, mode="all")
    t = threading.Timer(0.05, v.cancel)
    t.start()
    with pytest.raises(hm.CancelledError):
        for _ in v:
            pass
    t.join()
    # closing early
    v = h.video(PADDED)
    next(v)
    v.close()
    assert list(v) == [] and v.info.frames_hashed == 1
    h.close()


def test_vpdq_lines_and_compact():
    frames = hm.hash_video(PADDED)
    line = frames[1].to_vpdq_line()
    assert line == "30,100,%s,1.000" % frames[1].pdq
    back = hm.Frame.from_vpdq_line(line + "\n")
    assert back.pdq == frames[1].pdq and back.quality == 100 and back.frame_number == 30
    compact = hm.format_vpdq_compact(frames)
    assert compact.startswith('["') and compact.count(",") == 3 * len(frames) - 1
    again = hm.parse_vpdq_compact(compact)
    assert [f.pdq for f in again] == [f.pdq for f in frames]
    assert [f.timestamp for f in again] == [f.timestamp for f in frames]
    assert [f.frame_number for f in again] == list(range(len(frames)))
    with pytest.raises(hm.BadHashString):
        hm.Frame.from_vpdq_line("1,2,3")
    with pytest.raises(hm.BadHashString):
        hm.parse_vpdq_compact("[1, 2")
    assert hm.parse_vpdq_compact("[]") == []


def test_match_video():
    idx = hm.Index()
    padded = hm.hash_video(PADDED)
    assert idx.add_video(padded, "padded", "videos", "label") == 5
    idx.add_video(hm.hash_video(DOORKNOB), "doorknob", "videos")
    idx.commit()
    (m,) = idx.match_video(hm.hash_video(ROTATED))        # same frames, rotation flag only
    assert (m.video_id, m.list_name, m.labels, m.query_percent, m.target_percent) == \
        ("padded", "videos", "label", 100.0, 100.0)
    assert m.query_frames == m.query_matched == 5 and m.target_frames == 5
    assert m.query_ranges == ((0.0, 4.0),) and m.target_ranges == ((0.0, 4.0),)
    assert m.variant == hm.Dihedral.ORIGINAL
    # a snapshot keeps matching what it saw
    with idx.snapshot() as snap:
        idx.remove("padded")
        idx.commit()
        assert idx.match_video(hm.hash_video(ROTATED)) == []
        assert [m.video_id for m in snap.match_video(hm.hash_video(ROTATED))] == ["padded"]
    idx.add_video(padded, "padded", "videos", "label")
    idx.commit()
    # turned upright, the same clip is rotated: found only with dihedral matching
    upright = hm.hash_video(ROTATED, apply_rotation=True)
    assert idx.match_video(upright) == []
    (m,) = idx.match_video(upright, dihedral=True)
    assert m.video_id == "padded" and m.variant == hm.Dihedral.ROT270
    # every frame of the query: all of the known video's frames are matched
    (m,) = idx.match_video(hm.hash_video(PADDED, mode="all"), query_percent=0,
                           target_percent=100)
    assert m.video_id == "padded" and m.target_matched == 5 and m.query_frames > 100
    # an unrelated video, and the vPDQ thresholds
    assert idx.match_video(hm.hash_video(VIDEO / "cockatoo.mp4")) == []
    assert idx.match_video(padded[:1], query_percent=100)[0].query_frames == 1
    assert idx.match_video([]) == []
    # an image query that hits a frame reports its time
    hits = idx.query(padded[2].pdq)
    assert hits[0].entry_id == "padded" and hits[0].frame_time == padded[2].timestamp
    # matching parsed vPDQ text (no decoding)
    parsed = hm.parse_vpdq((VPDQ_SAMPLES / "test-padded-dimensions.txt").read_text())
    assert idx.match_video(parsed[::30])[0].video_id == "padded"
    with pytest.raises(TypeError):
        idx.match_video([padded[0].pdq])
