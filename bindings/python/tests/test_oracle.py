# SPDX-License-Identifier: BSD-3-Clause
"""Cross-checks against the reference Python packages, through the binding:
imagehash 4.3.2 (with Pillow 9.4.0) and pdqhash 0.2.8 (pdqhash-python:
full-resolution PDQ, the flavour of python-threatexchange and HMA), on the
repository's real images and on generated ones in every format.

Each image is hashed four ways: from its path, from its bytes, from the PIL
image Pillow decoded (the pixel path) and, for PDQ, from the very RGB array
handed to pdqhash.  All must equal the references bit for bit: aHash,
dHash, pHash strings, the PDQ hash (pdqhash's bit vector read as a binary
number, as python-threatexchange does) and its quality, and the 8 dihedral
variants of pdqhash.compute_dihedral.

Degenerate generated images (flat, tiny, symmetric) are left to
tests/python/test_oracle.py, which can tell a bit that is rounding noise in
the reference itself; the generated images here are photo-like and noise
textures, where every bit is well defined.  Skipped, with the reason, when the
reference packages are not installed (tests/python/requirements-oracle.txt).
"""
import io

import pytest

np = pytest.importorskip("numpy", reason="the oracle needs numpy<2")
PIL = pytest.importorskip("PIL", reason="the oracle needs Pillow==9.4.0")
imagehash = pytest.importorskip("imagehash", reason="the oracle needs imagehash==4.3.2")
pdqhash = pytest.importorskip("pdqhash", reason="the oracle needs pdqhash==0.2.8")
if PIL.__version__ != "9.4.0":
    pytest.skip("the oracle is pinned to Pillow 9.4.0 (found %s): other versions convert "
                "and resample differently" % PIL.__version__, allow_module_level=True)

from PIL import Image  # noqa: E402

import hashmatch as hm  # noqa: E402
from conftest import real_images  # noqa: E402

SEED = 20261125


def pdq_ref(rgb):
    vec, q = pdqhash.compute(rgb)
    return "%064x" % int("".join(str(int(b)) for b in vec), 2), int(q)


def pdq_dihedral_ref(rgb):
    vecs, q = pdqhash.compute_dihedral(rgb)
    return ["%064x" % int("".join(str(int(b)) for b in v), 2) for v in vecs], int(q)


def imagehash_ref(im):
    return {"ahash": str(imagehash.average_hash(im)), "dhash": str(imagehash.dhash(im)),
            "phash": str(imagehash.phash(im))}


def photo(w, h, rng):
    small = rng.integers(0, 256, (max(h // 16, 2), max(w // 16, 2), 3), dtype=np.uint8)
    base = np.asarray(Image.fromarray(small).resize((w, h), Image.BICUBIC), np.int16)
    return np.clip(base + rng.integers(-6, 7, (h, w, 3)), 0, 255).astype(np.uint8)


def generated():
    """(name, encoded bytes) of textured images in every format and mode."""
    rng = np.random.default_rng(SEED)
    out = []

    def add(name, im, fmt, **kw):
        buf = io.BytesIO()
        im.save(buf, fmt, **kw)
        out.append((name, buf.getvalue()))

    for w, h in [(64, 64), (97, 131), (333, 217), (640, 480), (1201, 999)]:
        for kind in ("photo", "noise"):
            arr = photo(w, h, rng) if kind == "photo" else \
                rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            rgb = Image.fromarray(arr)
            stem = "%s_%dx%d" % (kind, w, h)
            add(stem + ".png", rgb, "PNG")
            add(stem + "_l.png", rgb.convert("L"), "PNG")
            rgba = rgb.copy()
            rgba.putalpha(Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)))
            add(stem + "_rgba.png", rgba, "PNG")
            add(stem + "_p.png", rgb.convert("P", palette=Image.ADAPTIVE, colors=200), "PNG")
            for q in (40, 90):
                add(stem + "_q%d.jpg" % q, rgb, "JPEG", quality=q)
            add(stem + "_prog.jpg", rgb, "JPEG", quality=80, progressive=True)
            add(stem + "_grey.jpg", rgb.convert("L"), "JPEG", quality=85)
            add(stem + ".gif", rgb.convert("P", palette=Image.ADAPTIVE, colors=128), "GIF")
            add(stem + ".bmp", rgb, "BMP")
            add(stem + ".tiff", rgb, "TIFF")
            add(stem + "_ll.webp", rgb, "WEBP", lossless=True)
            add(stem + "_q80.webp", rgb, "WEBP", quality=80)
    return out


CORPUS = [(p.name, p.read_bytes()) for p in real_images()] + generated()


@pytest.fixture(scope="module")
def refs():
    """name -> (PIL image loaded, RGB array, imagehash strings, pdq, quality)."""
    out = {}
    for name, data in CORPUS:
        im = Image.open(io.BytesIO(data))
        im.load()
        rgb = np.asarray(im.convert("RGB"))
        out[name] = (im, rgb, imagehash_ref(im), *pdq_ref(rgb))
    return out


def test_corpus_size():
    assert len(real_images()) >= 30 and len(CORPUS) > 150


@pytest.mark.parametrize("how", ["path", "bytes", "pil"])
def test_imagehash_equal(refs, how, tmp_path):
    bad = []
    for name, data in CORPUS:
        im, _, want, _, _ = refs[name]
        if how == "path":
            p = tmp_path / name
            p.write_bytes(data)
            got = hm.hash(p, "phash,dhash,ahash")
        elif how == "bytes":
            got = hm.hash(data, "phash,dhash,ahash")
        else:
            got = hm.hash(im, "phash,dhash,ahash")
        got = {k: str(v) for k, v in got.items()}
        if got != want:
            bad.append("%s: ours %s, imagehash %s" % (name, got, want))
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("how", ["bytes", "pil", "array"])
def test_pdq_equal(refs, how):
    bad = []
    for name, data in CORPUS:
        im, rgb, _, want, want_q = refs[name]
        src = {"bytes": data, "pil": im, "array": rgb}[how]
        got = hm.hash(src, "pdq").pdq
        if (str(got), got.quality) != (want, want_q):
            bad.append("%s: ours %s q=%s, pdqhash %s q=%d (distance %d)" % (
                name, got, got.quality, want, want_q, got - hm.Hash("pdq", want)))
    assert not bad, "\n".join(bad)


def test_pdq_dihedral_equal(refs):
    bad = []
    for name, data in CORPUS[::3]:
        _, rgb, _, _, _ = refs[name]
        want, want_q = pdq_dihedral_ref(rgb)
        for src in (data, rgb):
            r = hm.hash(src, "pdq", dihedral=True)
            got = [str(h) for h in r.dihedral]
            if got != want or r.pdq.quality != want_q:
                bad.append("%s (%s): variants differ at %s" % (
                    name, type(src).__name__,
                    [i for i, (a, b) in enumerate(zip(got, want)) if a != b]))
    assert not bad, "\n".join(bad)


def test_index_matches_reference_hashes(refs):
    """Hashes made by the references load into the index and match ours."""
    idx = hm.Index()
    lines = []
    for name, _ in CORPUS:
        _, _, ih, pdq, q = refs[name]
        if q >= 50:
            lines.append("pdq,%s,%s,ref,\n" % (pdq, name))
        lines.append("phash,%s,%s,ref,\n" % (ih["phash"], name))
    rep = idx.load_list(("hash_type,hash,entry_id,list,labels\n" + "".join(lines)).encode(),
                        name="ref")
    assert rep.added == len(lines)
    idx.commit()
    results = idx.query_batch([hm.hash(data, "pdq,phash") for _, data in CORPUS], radius=0)
    for (name, _), hits in zip(CORPUS, results):
        assert name in {m.entry_id for m in hits}, name
