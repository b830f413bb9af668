# SPDX-License-Identifier: BSD-3-Clause
"""Hashing from every kind of source; parameters; errors."""
import csv
import hashlib
import io
import os
import pathlib
import pickle

import pytest

import hashmatch as hm
from conftest import EXPECTED, PDQ_DATA, real_images

np = pytest.importorskip("numpy")


def expected(name, key):
    """{path under threatexchange/: row} of a checked-in reference CSV."""
    with open(EXPECTED / name, newline="") as f:
        return {r["path"]: r for r in csv.DictReader(f)
                if r.get("file_in_this_folder", "yes") != "no"}


def ref_path(rel):
    return PDQ_DATA.parent.parent / rel


# --------------------------------------------------------------------------
# reference values checked into the repository (no PyPI needed)
# --------------------------------------------------------------------------

def test_pdq_equals_checked_in_reference():
    rows = expected("pdq-fullres-core.csv", "path")
    assert len(rows) >= 30
    for rel, row in rows.items():
        r = hm.hash(ref_path(rel), "pdq")
        assert (str(r.pdq), r.pdq.quality) == (row["pdq_hex"], int(row["quality"])), rel


def test_pdq_cpp_flavour_equals_checked_in_reference():
    rows = expected("pdq-cpp-cli-512prescale.csv", "path")
    h = hm.Hasher(pdq_flavour="cpp_512")
    assert h.pdq_flavour is hm.PdqFlavour.CPP_512
    for rel, row in rows.items():
        assert str(h.hash(ref_path(rel)).pdq) == row["pdq_hex"], rel


def test_imagehash_equals_checked_in_reference():
    with open(EXPECTED / "imagehash-4.3.2-pillow-9.4.0.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    checked = 0
    for row in rows:
        p = ref_path(row["path"])
        if not p.exists():
            continue
        r = hm.hash(p, "phash,dhash,ahash")
        assert str(r.ahash) == row["average_hash"], p
        assert str(r.dhash) == row["dhash"], p
        assert str(r.phash) == row["phash"], p
        checked += 1
    assert checked >= 30


def test_digests_equal_hashlib():
    for p in real_images()[:10]:
        data = p.read_bytes()
        r = hm.hash(data, "md5,sha256")
        assert str(r.md5) == hashlib.md5(data).hexdigest()
        assert str(r.sha256) == hashlib.sha256(data).hexdigest()
    # digests need no decoding: any bytes
    assert str(hm.hash(b"not an image", "md5").md5) == hashlib.md5(b"not an image").hexdigest()


# --------------------------------------------------------------------------
# every source gives the same hashes
# --------------------------------------------------------------------------

def test_sources_agree(bridge, bridge_bytes):
    want = hm.hash_file(str(bridge), "all")
    assert want.info[:4] == (1600, 1004, hm.ImageFormat.JPEG, 3)
    for src in (bridge, str(bridge), bridge_bytes, bytearray(bridge_bytes),
                memoryview(bridge_bytes), np.frombuffer(bridge_bytes, np.uint8),
                io.BytesIO(bridge_bytes)):
        got = hm.hash(src, "all")
        assert got.all == want.all, type(src)
        assert [h.quality for h in got.all] == [h.quality for h in want.all]
        assert got.info == want.info
    assert hm.hash_file(os.fsencode(str(bridge)), "all").all == want.all
    with open(bridge, "rb") as f:
        assert hm.hash(f, "all").all == want.all


def test_decoded_pixels_hash_like_the_file():
    for p in real_images():
        data = p.read_bytes()
        want = hm.hash(data, "perceptual")
        px = hm.decode(data)
        assert px.dtype == np.uint8 and px.shape[:2] == (want.info.height, want.info.width)
        assert px.ndim == (2 if want.info.channels == 1 else 3)
        got = hm.hash(px, "perceptual")
        assert got.all == want.all, p
        assert got.pdq.quality == want.pdq.quality


def test_pixel_layouts():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    want = hm.hash(rgb, "perceptual")
    # RGBA / RGBX: the 4th channel is ignored
    rgba = np.concatenate([rgb, rng.integers(0, 256, (120, 160, 1), dtype=np.uint8)], axis=2)
    assert hm.hash(rgba, "perceptual").all == want.all
    # a crop of a larger array (row stride > width): no copy, same hashes
    big = np.zeros((200, 300, 3), np.uint8)
    big[10:130, 20:180] = rgb
    view = big[10:130, 20:180]
    assert not view.flags.c_contiguous
    assert hm.hash(view, "perceptual").all == want.all
    # any other layout is copied
    fortran = np.asfortranarray(rgb)
    assert hm.hash(fortran, "perceptual").all == want.all
    flipped_twice = rgb[::-1][::-1]
    assert hm.hash(flipped_twice, "perceptual").all == want.all
    # grey: H x W and H x W x 1
    grey = rgb[:, :, 1].copy()
    g = hm.hash(grey, "perceptual")
    assert hm.hash(grey[:, :, None], "perceptual").all == g.all
    assert g.info.channels == 1
    # a flat buffer described by hand
    assert hm.hash_pixels(rgb.tobytes(), "perceptual", width=160, height=120,
                          pixel_format="rgb").all == want.all
    padded = np.zeros((120, 500), np.uint8)
    padded[:, :480] = rgb.reshape(120, 480)
    assert hm.hash_pixels(padded.tobytes(), "perceptual", width=160, height=120,
                          pixel_format="rgb", stride=500).all == want.all


def test_pixel_errors():
    with pytest.raises(TypeError):
        hm.hash(np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError):
        hm.hash(np.zeros((10, 10, 2), np.uint8))
    with pytest.raises(ValueError):
        hm.hash(np.zeros((0, 10, 3), np.uint8))
    with pytest.raises(ValueError):  # md5 hashes encoded bytes, not pixels
        hm.hash(np.zeros((10, 10, 3), np.uint8), "md5")
    with pytest.raises(ValueError):
        hm.hash_pixels(b"\0" * 10, width=4, height=4, pixel_format="rgb")
    with pytest.raises(TypeError):
        hm.hash(12345)


def test_pil_images():
    Image = pytest.importorskip("PIL.Image")
    for p in real_images():
        im = Image.open(p)
        im.load()
        rgb = np.asarray(im.convert("RGB"))
        want = hm.hash(rgb, "perceptual")
        if im.mode in ("L", "1", "LA", "I", "I;16"):
            want = hm.hash(np.asarray(im.convert("L")), "perceptual")
        assert hm.hash(im, "perceptual").all == want.all, (p, im.mode)
    # every mode converts
    base = Image.fromarray(np.random.default_rng(2).integers(0, 256, (64, 80, 3), np.uint8))
    for mode in ("RGB", "RGBA", "RGBX", "L", "LA", "1", "P", "CMYK", "YCbCr", "I", "F", "HSV"):
        im = base.convert(mode)
        assert hm.hash(im, "pdq").pdq is not None, mode


def test_dihedral_variants(bridge):
    r = hm.hash(bridge, "pdq,phash", dihedral=True)
    assert [str(h.type) for h in r.all] == ["pdq"] * 8 + ["phash"] * 8
    assert len({str(h) for h in r.dihedral}) == 8
    assert [h.variant for h in r.variants("phash")] == list(hm.Dihedral)
    assert r.variants("dhash") == () and r.phash is r.variants("phash")[0]
    # each variant is (nearly) the hash of the turned image
    px = hm.decode(bridge)
    turned = {hm.Dihedral.ROT90: np.rot90(px), hm.Dihedral.FLIPY: px[:, ::-1],
              hm.Dihedral.FLIPX: px[::-1], hm.Dihedral.FLIPPLUS1: px.transpose(1, 0, 2)}
    for v, im in turned.items():
        want = hm.hash(np.ascontiguousarray(im), "phash,dhash,ahash")
        got = hm.hash(px, "phash,dhash,ahash", dihedral=True)
        for t in ("phash", "dhash", "ahash"):
            assert got.variants(t)[v] - want[t] <= 4, (v, t)
    # from pixels too
    assert hm.hash(px, "pdq,phash", dihedral=True).all == r.all


def test_trim_and_find_content(bridge):
    px = hm.decode(bridge)[100:500, 200:800]
    framed = np.full((px.shape[0] + 80, px.shape[1] + 60, 3), 250, np.uint8)
    framed[40:-40, 30:-30] = px
    assert hm.find_content(framed) == (30, 40, px.shape[1], px.shape[0])
    assert hm.find_content(px) == (0, 0, px.shape[1], px.shape[0])
    r = hm.hash(framed, "pdq,phash", trim=True)
    inner = hm.hash(np.ascontiguousarray(px), "pdq,phash")
    assert r.trimmed is not None and dict(r.trimmed) == dict(inner)
    assert all(h.trimmed for h in r.trimmed.all) and not r.pdq.trimmed
    assert r.pdq - inner.pdq > 0 and len(r.all) == 4
    assert hm.hash(px, "pdq", trim=True).trimmed is None
    # trimmed hashes keep their mark through the C struct and pickling
    h = r.trimmed.phash
    assert "trimmed=True" in repr(h) and pickle.loads(pickle.dumps(h)).trimmed
    with pytest.raises(ValueError):
        hm.Hash("md5", "0" * 32, trimmed=True)
    with pytest.raises(ValueError):
        hm.find_content(b"abc", width=2, height=2, pixel_format="rgb")


def test_crops(bridge):
    px = hm.decode(bridge)[:400, :600]
    r = hm.hash(px, "pdq,phash", crops=True, dihedral=True)
    assert len(r.crops) == 9 and all(list(c) == ["pdq", "phash"] for c in r.crops)
    assert all(h.cropped and not h.variant for c in r.crops for h in c.all)
    assert len(r.all) == 16 + 18 and len(r.variants("pdq")) == 8
    # crop 8: the bottom-right 90 %
    assert r.crops[8].pdq == hm.hash(np.ascontiguousarray(px[40:, 60:])).pdq
    assert hm.hash(px).crops == ()
    # a list built from the crops finds a cropped copy that the plain hash misses
    idx = hm.Index()
    r = hm.hash(px, "pdq", crops=True)
    idx.add(r, "known", "photo")
    idx.commit()
    copy = hm.hash(np.ascontiguousarray(px[8:368, 12:552]), "pdq")
    hits = idx.query(copy, radius=256)   # one hit per hash of the entry, nearest first
    assert len(hits) == 10 and {m.entry_id for m in hits} == {"photo"}
    assert hits[0].distance == min(copy.pdq - c.pdq for c in r.crops) < (copy.pdq - r.pdq) - 30


def test_fine_crops(bridge):
    px = hm.decode(bridge)[:400, :600]
    r = hm.hash(px, "pdq,phash", crops=True, crops_fine=True)
    assert len(r.crops) == 9 and len(r.fine_crops) == 25 and len(r.all) == 2 + 2 * 34
    assert all(h.cropped and not h.fine_crop for c in r.crops for h in c.all)
    assert all(h.cropped and h.fine_crop for c in r.fine_crops for h in c.all)
    # fine crop 7: row 1, column 2 of the 5 x 5 grid of 480 x 320
    assert r.fine_crops[7].pdq == hm.hash(np.ascontiguousarray(px[20:340, 60:540])).pdq
    assert hm.hash(px, crops=True).fine_crops == ()
    h = r.fine_crops[7].phash
    assert "fine_crop=True" in repr(h) and pickle.loads(pickle.dumps(h)).fine_crop
    with pytest.raises(ValueError):
        hm.Hash("pdq", bytes(r.pdq), fine_crop=True)
    # a 20% crop: nearer the fine crops than the 9 of 90%
    copy = hm.hash(np.ascontiguousarray(px[30:350, 50:530]), "pdq")
    assert min(copy.pdq - c.pdq for c in r.fine_crops) < min(copy.pdq - c.pdq for c in r.crops)


def test_rotations(bridge):
    image = pytest.importorskip("PIL.Image")
    px = hm.decode(bridge)
    r = hm.hash(px, "pdq,phash", rotations=True, dihedral=True)
    assert hm.ROTATION_ANGLES == (-8, -4, 4, 8)
    assert [[h.rotation for h in t.all] for t in r.rotations] == [[a, a] for a in hm.ROTATION_ANGLES]
    assert all(list(t) == ["pdq", "phash"] and not t.pdq.variant for t in r.rotations)
    assert len(r.all) == 16 + 8 and len(r.variants("pdq")) == 8 and r.pdq.rotation is None
    assert hm.hash(px).rotations == ()
    # the turns are Pillow's thumbnail to 512 and rotate, as the prototype
    # (bench/robustness/rotate_crop.py) made them, within a few bits
    small = image.fromarray(px)
    small.thumbnail((512, 512), image.BILINEAR)
    for a, t in zip(hm.ROTATION_ANGLES, r.rotations):
        pil = hm.hash(small.rotate(a, image.BILINEAR, fillcolor="black"), "pdq,phash")
        assert pil.pdq - t.pdq <= 4 and pil.phash - t.phash <= 2, a
    # a copy turned by +4 degrees: the original's +4 hash is near it, and
    # its own -4 hash nearer the original than its plain hash
    copy = hm.hash(image.fromarray(px).rotate(4, image.BILINEAR, fillcolor="black"), "pdq",
                   rotations=True)
    plus4, minus4 = hm.ROTATION_ANGLES.index(4), hm.ROTATION_ANGLES.index(-4)
    assert r.rotations[plus4].pdq - copy.pdq < copy.pdq - r.pdq
    assert copy.rotations[minus4].pdq - r.pdq < copy.pdq - r.pdq
    # the mark survives the C struct and pickling
    h = r.rotations[plus4].pdq
    assert "rotation=4" in repr(h) and pickle.loads(pickle.dumps(h)).rotation == 4
    assert hm.Hash("pdq", bytes(h), rotation=4)._cstruct().variant == h._cstruct().variant
    with pytest.raises(ValueError):
        hm.Hash("md5", "0" * 32, rotation=4)
    with pytest.raises(ValueError):
        hm.Hash("pdq", bytes(h), rotation=5)


def test_types_argument(bridge):
    assert list(hm.hash(bridge, "pdq,phash")) == ["pdq", "phash"]
    assert list(hm.hash(bridge, ["ahash", hm.HashType.DHASH])) == ["dhash", "ahash"]
    assert list(hm.hash(bridge, hm.HashType.MD5)) == ["md5"]
    assert list(hm.hash(bridge, "perceptual")) == ["pdq", "phash", "dhash", "ahash"]
    assert len(hm.hash(bridge, "all")) == len(hm.HashType) == 9
    assert list(hm.hash(bridge, "phashorg")) == ["phashorg_v09", "phashorg_2014",
                                                 "phashorg_2026"]
    with pytest.raises(ValueError):
        hm.hash(bridge, "whash")
    with pytest.raises(ValueError):
        hm.hash(bridge, [])


# --------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------

def test_parameters(bridge):
    h = hm.Hasher()
    assert h.max_input_bytes == 256 << 20 and h.max_pixels == 100_000_000
    assert h.pdq_flavour is hm.PdqFlavour.FULLRES
    assert h.apply_exif_orientation is False and h.fast is False
    h = hm.Hasher(max_input_bytes=1 << 20, max_pixels=2_000_000, fast=True,
                  apply_exif_orientation=True, pdq_flavour=hm.PdqFlavour.CPP_512)
    assert (h.max_input_bytes, h.max_pixels, h.fast, h.apply_exif_orientation) == \
        (1 << 20, 2_000_000, True, True)
    with pytest.raises(hm.InvalidArgumentError) as e:
        h.max_pixels = 0
    assert isinstance(e.value, ValueError)
    with pytest.raises(ValueError):
        h.pdq_flavour = "nonsense"


def test_fast_mode_is_close():
    big = [p for p in real_images() if p.suffix == ".jpg"]
    h = hm.Hasher(fast=True)
    for p in big[:5]:
        assert h.hash(p).pdq - hm.hash(p).pdq <= 16


def test_close_and_context_manager(bridge):
    with hm.Hasher() as h:
        h.hash(bridge)
    assert h.closed
    with pytest.raises(ValueError):
        h.hash(bridge)
    h.close()  # twice is fine


# --------------------------------------------------------------------------
# errors carry the C message, in a small hierarchy
# --------------------------------------------------------------------------

def test_error_hierarchy():
    assert issubclass(hm.UnknownFormatError, hm.DecodeError)
    assert issubclass(hm.DecodeError, hm.Error)
    assert issubclass(hm.FileIOError, OSError) and issubclass(hm.FileIOError, hm.Error)
    assert issubclass(hm.BadHashString, ValueError)
    assert issubclass(hm.LimitExceeded, hm.Error)
    assert hm.strerror(-5)


def test_decode_errors(bridge_bytes, tmp_path):
    with pytest.raises(hm.UnknownFormatError) as e:
        hm.hash(b"hello, world")
    assert e.value.status == -4 and "signature" in e.value.message
    with pytest.raises(hm.DecodeError) as e:
        hm.hash(bridge_bytes[:4000])
    assert type(e.value) is hm.DecodeError and e.value.status == -5
    assert "JPEG" in str(e.value)
    png = (PDQ_DATA / "reg-test-input" / "pen-and-coaster.png").read_bytes()
    with pytest.raises(hm.DecodeError):
        hm.hash(png[:len(png) // 2])
    with pytest.raises(hm.DecodeError):
        hm.hash(b"")


def test_io_error(tmp_path):
    missing = tmp_path / "missing.jpg"
    with pytest.raises(hm.FileIOError) as e:
        hm.hash(missing)
    assert str(missing) in str(e.value) and e.value.status == -3
    with pytest.raises(OSError):
        hm.hash(tmp_path)  # a directory


def test_limit_errors(bridge, bridge_bytes):
    h = hm.Hasher(max_pixels=1000)
    with pytest.raises(hm.LimitExceeded) as e:
        h.hash(bridge)
    assert "1600x1004" in str(e.value) and "HM_HASHER_MAX_PIXELS" in str(e.value)
    h = hm.Hasher(max_input_bytes=1000)
    with pytest.raises(hm.LimitExceeded):
        h.hash(bridge_bytes)
    with pytest.raises(hm.LimitExceeded):
        hm.Hasher(max_pixels=100).hash(np.zeros((20, 20, 3), np.uint8))
    # the hasher works again after an error
    assert h.hash(b"x", "md5").md5 is not None


def test_errors_pickle():
    import pickle
    try:
        hm.hash(b"garbage")
    except hm.Error as e:
        e2 = pickle.loads(pickle.dumps(e))
        assert type(e2) is type(e) and e2.status == e.status and e2.message == e.message


def test_paths_with_odd_names(tmp_path, bridge_bytes):
    for name in ("spaces and, commas.jpg", "ünïcödé.jpg", "quote\"d.jpg"):
        p = tmp_path / name
        p.write_bytes(bridge_bytes)
        assert hm.hash(p).pdq == hm.hash(pathlib.Path(str(p))).pdq == hm.hash(bridge_bytes).pdq
