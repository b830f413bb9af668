# SPDX-License-Identifier: BSD-3-Clause
"""Oracle tests: libhashmatch (through the hashcheck CLI) against the
reference Python packages, on the repository's reference images and on a
few hundred generated ones (PNG in modes RGB/L/RGBA/LA/P/1, JPEG at several
qualities and subsamplings, grey and progressive JPEG, GIF, BMP, TIFF, WebP
lossless and lossy, sizes from 1x1 to 2000x1500).

- imagehash 4.3.2 with Pillow 9.4.0: average_hash, dhash and phash
  (hash_size 8) of Image.open(path) must equal libhashmatch's ahash, dhash
  and phash strings.
- pdqhash (pdqhash-python, full-resolution PDQ, the flavour used by
  python-threatexchange and HMA): pdqhash.compute() of the image's RGB
  array must equal libhashmatch's pdq hash (the bit vector, bit 255 first,
  read as a binary number, as python-threatexchange does) and quality.

aHash, dHash and PDQ quality are compared exactly, always.  pHash and PDQ
hashes are compared exactly too, except for bits that the reference itself
cannot define: a bit whose DCT coefficient lies within the reference's own
rounding error of the median.  That error is measured per image by
recomputing the reference's pipeline in higher precision (float64 for PDQ's
float32 code, long double for scipy's float64 DCT).  Such bits arise only
on degenerate input: flat images, images stretched up from a few pixels,
smooth gradients whose PDQ coefficients are all rounding noise.  Only when
the reference's tied coefficients differ from one another (float noise) may
those bits differ; when the reference computes them as bit-identical
values (exact zeros: scipy's FFT gives them for flat or symmetric input) its
answer is the exact-arithmetic one and is required.  Every accepted
difference is listed in the terminal summary (conftest.py).

Run:  python3 -m pytest -q tests/python
Env:  HASHCHECK=/path/to/hashcheck to test another build.
"""
import csv
import io
import os
import pathlib
import subprocess

import pytest

np = pytest.importorskip("numpy", reason="oracle test needs numpy<2")
PIL = pytest.importorskip("PIL", reason="oracle test needs Pillow==9.4.0")
pytest.importorskip("scipy", reason="oracle test needs scipy (imagehash.phash)")
imagehash = pytest.importorskip("imagehash", reason="oracle test needs imagehash==4.3.2")
pdqhash = pytest.importorskip("pdqhash", reason="oracle test needs pdqhash (pdqhash-python)")

from PIL import Image  # noqa: E402
import scipy.fftpack  # noqa: E402

if PIL.__version__ != "9.4.0":
    pytest.skip("the oracle is pinned to Pillow 9.4.0 (found %s): Pillow versions "
                "differ in mode conversions and resampling, so other versions are "
                "not a valid reference; see requirements-oracle.txt" % PIL.__version__,
                allow_module_level=True)

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "pdq-reference"
HASHCHECK = os.environ.get("HASHCHECK") or str(ROOT / "build" / "tools" / "hashcheck")
SEED = 20261123
TYPES = ("ahash", "dhash", "phash", "pdq")



# --------------------------------------------------------------------------
# hashcheck
# --------------------------------------------------------------------------

def run_hashcheck(paths, batch=150):
    """{str(path): {type: (hash, quality)}} for many files, few processes.
    A file hashcheck could not hash maps to {"error": its stderr lines}."""
    if not os.access(HASHCHECK, os.X_OK):
        pytest.fail("hashcheck not found or not executable at %s (build it, or set "
                    "HASHCHECK)" % HASHCHECK)
    res = {}
    for i in range(0, len(paths), batch):
        chunk = [str(p) for p in paths[i:i + batch]]
        out = subprocess.run([HASHCHECK, "hash", "--types", ",".join(TYPES),
                              "--pdq-flavour", "fullres"] + chunk,
                             capture_output=True, text=True, check=False)
        assert out.returncode in (0, 1), "hashcheck crashed (%d):\n%s" % (
            out.returncode, out.stderr)
        for row in csv.DictReader(io.StringIO(out.stdout)):
            res.setdefault(row["file"], {})[row["type"]] = (row["hash"], row["quality"])
        for f in chunk:
            if set(res.get(f, {})) != set(TYPES):
                res[f] = {"error": [l for l in out.stderr.splitlines()
                                    if os.path.basename(f) in l] or ["no output"]}
        assert (out.returncode == 0) == all("error" not in res[f] for f in chunk), \
            "hashcheck exit status disagrees with its output:\n" + out.stderr
    return res


# --------------------------------------------------------------------------
# references
# --------------------------------------------------------------------------

def bits_to_hex(bits):
    return "%0*x" % (len(bits) // 4, int("".join("1" if b else "0" for b in bits), 2))


def hex_to_bits(h):
    n = len(h) * 4
    return [(int(h, 16) >> (n - 1 - i)) & 1 for i in range(n)]


def ill_conditioned(coefs, threshold, noise):
    """(bit indices, verdict) for one reference hash whose bits are
    coefs > threshold.  noise is the reference's own rounding error,
    measured on this image by recomputing its pipeline in higher precision.

    - "clean": at most one coefficient lies within 3*noise of the
      threshold, so every bit is well defined and must match.
    - "exact-tie": several do, but the reference computed them as
      bit-identical values (e.g. scipy's FFT gives exact zeros for constant
      rows); the reference's answer is then the exact-arithmetic one and is
      stable, so every bit must still match.
    - "noise": several coefficients lie within rounding error of the
      threshold with different values; their bits depend on the order of
      float operations (which build, which summation), so those bits may
      differ.  All other bits must match.
    """
    coefs = np.asarray(coefs, np.float64).ravel()
    near = np.flatnonzero(np.abs(coefs - threshold) <= 3 * noise)
    if len(near) < 2:
        return set(), "clean"
    if np.all(coefs[near] == coefs[near[0]]):
        return set(), "exact-tie"
    return set(near.tolist()), "noise"


def imagehash_reference(path):
    """The three imagehash strings, plus the ill-conditioned pHash bits."""
    img = Image.open(path)
    ref = {"ahash": str(imagehash.average_hash(img)),
           "dhash": str(imagehash.dhash(img)),
           "phash": str(imagehash.phash(img))}
    # imagehash 4.3.2 phash, spelled out to see the coefficients ...
    pixels = np.asarray(img.convert("L").resize((32, 32), Image.Resampling.LANCZOS))
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)[:8, :8]
    median = np.median(dct)
    assert bits_to_hex((dct > median).ravel()) == ref["phash"], "phash re-derivation broken"
    # ... and again in long double by direct sums, for its rounding error.
    k = np.arange(8, dtype=np.longdouble)[:, None]
    n = np.arange(32, dtype=np.longdouble)[None, :]
    c = 2 * np.cos(np.longdouble(np.pi) * k * (2 * n + 1) / 64)
    exact = c @ pixels.astype(np.longdouble) @ c.T
    noise = float(np.abs(dct - exact).max()) + 1e-12
    assert noise <= 1e-9 * float(np.abs(exact).max()) + 1e-6, "phash long double broken"
    ties, verdict = ill_conditioned(dct, median, noise)
    return ref, ties, verdict


# PDQ's 16x64 DCT matrix as the reference stores it (float32).
_PDQ_DCT = (np.float32(np.sqrt(2.0 / 64)) * np.cos(
    (np.pi / 2.0 / 64) * np.arange(1, 17)[:, None] * (2 * np.arange(64)[None, :] + 1))
).astype(np.float32).astype(np.float64)


def _pdq_box(a, full, axis):
    """PDQ's box1DFloat in float64: out[o] = mean(in[o-(full-half) ..
    o+half-1]), clipped to the vector, half = (full+2)/2."""
    n = a.shape[axis]
    half = (full + 2) // 2
    a = np.moveaxis(a, axis, -1)
    cs = np.concatenate([np.zeros(a.shape[:-1] + (1,)), np.cumsum(a, axis=-1)], axis=-1)
    o = np.arange(n)
    lo = np.clip(o - (full - half), 0, n)
    hi = np.clip(o + half, 0, n)
    return np.moveaxis((cs[..., hi] - cs[..., lo]) / (hi - lo), -1, axis)


def pdq_float64(rgb):
    """The 256 PDQ DCT coefficients (in pdqhash's vector order) computed the
    reference's way (luma as pdqhash-python makes it, two Jarosz box-filter
    passes, centre decimation to 64x64 except for 64x64 input, DCT), but in
    float64 instead of float32."""
    a = (rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114
         ).astype(np.float32).astype(np.float64)
    h, w = a.shape
    if (h, w) != (64, 64):
        for _ in range(2):
            a = _pdq_box(a, (w + 127) // 128, 1)
            a = _pdq_box(a, (h + 127) // 128, 0)
        a = a[(((np.arange(64) + 0.5) * h) / 64).astype(int)]
        a = a[:, (((np.arange(64) + 0.5) * w) / 64).astype(int)]
    return (_PDQ_DCT @ a @ _PDQ_DCT.T).ravel()[::-1]


def pdq_reference(path):
    """(hex, quality, ill-conditioned bits, verdict) from pdqhash-python."""
    rgb = np.asarray(Image.open(path).convert("RGB"))
    vec, quality = pdqhash.compute(rgb)
    # python-threatexchange: vector is bit 255 first -> binary string -> hex.
    ref_hex = "%064x" % int("".join(str(int(b)) for b in vec), 2)
    if min(rgb.shape[:2]) < 5:  # PDQ: no hash below 5 pixels a side
        return ref_hex, int(quality), set(), "clean"
    coefs, _ = pdqhash.compute_float(rgb)  # same order as vec
    vec = np.asarray(vec, bool)
    assert np.array_equal(coefs > coefs[~vec].max(), vec), "pdq re-derivation broken"
    exact = pdq_float64(rgb)
    scale = float(np.abs(exact).max())
    # float32 rounding of luma ~100 through the filters: ~1e-3, never 0.05.
    assert np.abs(coefs - exact).max() <= 1e-5 * scale + 0.05, "pdq float64 pipeline broken"
    noise = float(np.abs(coefs - exact).max()) + 1e-30
    # torben's median is an element: the largest coefficient with bit 0.
    ties, verdict = ill_conditioned(coefs, coefs[~vec].max(), noise)
    return ref_hex, int(quality), ties, verdict


# --------------------------------------------------------------------------
# generated corpus
# --------------------------------------------------------------------------

def content(kind, w, h, rng):
    """An HxWx3 uint8 image of the given kind."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    if kind == "noise":
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if kind == "gradient":
        fx = xx / max(w - 1, 1)
        fy = yy / max(h - 1, 1)
        return np.stack([255 * fx, 255 * fy, 255 * (1 - (fx + fy) / 2)],
                        axis=-1).round().astype(np.uint8)
    if kind == "checker":
        cell = max(1, min(w, h) // 7)
        on = ((xx // cell + yy // cell) % 2).astype(bool)
        a, b = rng.integers(0, 256, (2, 3))
        return np.where(on[..., None], a, b).astype(np.uint8)
    if kind == "photo":
        # Blurred low-resolution noise plus a little fine grain: smooth
        # regions and edges, like a photograph.
        small = rng.integers(0, 256, (max(h // 16, 2), max(w // 16, 2), 3), dtype=np.uint8)
        base = np.asarray(Image.fromarray(small).resize((w, h), Image.BICUBIC), np.int16)
        grain = rng.integers(-6, 7, (h, w, 3))
        return np.clip(base + grain, 0, 255).astype(np.uint8)
    raise ValueError(kind)


class Corpus:
    def __init__(self, tmp):
        self.tmp = tmp
        self.groups = {}  # group -> [paths]

    def add(self, group, name, im, **save_kw):
        p = self.tmp / name
        im.save(p, **save_kw)
        self.groups.setdefault(group, []).append(p)
        return p


def build_corpus(tmp):
    rng = np.random.default_rng(SEED)
    c = Corpus(tmp)

    # Real images shipped with the repository.
    c.groups["real"] = sorted(p for p in DATA.rglob("*")
                              if p.suffix.lower() in (".jpg", ".jpeg", ".png"))

    # Every kind of content at many sizes, lossless PNG and a JPEG.  The
    # small ones exercise degenerate PDQ input (sides < 5: all-zero hash,
    # quality 0 in both) and imagehash upscaling.
    sizes = [(1, 1), (2, 3), (4, 4), (5, 5), (7, 300), (300, 7), (8, 8), (13, 11),
             (16, 16), (31, 17), (64, 64), (65, 63), (127, 129), (333, 217), (1000, 750)]
    for w, h in sizes:
        group = "tiny" if min(w, h) < 64 else "sizes"
        for kind in ("noise", "gradient", "checker", "photo"):
            arr = content(kind, w, h, rng)
            c.add(group, f"{kind}_{w}x{h}.png", Image.fromarray(arr))
            c.add(group, f"{kind}_{w}x{h}.jpg", Image.fromarray(arr), quality=85)

    # Flat and nearly flat images (PDQ quality 0 / low).
    for w, h in [(64, 64), (100, 80)]:
        c.add("flat", f"flat_grey_{w}x{h}.png", Image.new("L", (w, h), 128))
        c.add("flat", f"flat_rgb_{w}x{h}.png", Image.new("RGB", (w, h), (200, 30, 90)))
        arr = np.full((h, w, 3), 100, np.uint8)
        arr[h // 3, w // 4] = 101
        c.add("flat", f"almost_flat_{w}x{h}.png", Image.fromarray(arr))
        c.add("flat", f"faint_{w}x{h}.png",
              Image.fromarray((120 + rng.integers(0, 2, (h, w, 3))).astype(np.uint8)))

    # Every format and mode, on photo-like and noise content.
    for w, h in [(97, 131), (333, 217), (640, 480)]:
        for kind in ("photo", "noise"):
            arr = content(kind, w, h, rng)
            rgb = Image.fromarray(arr)
            grey = rgb.convert("L")
            stem = f"{kind}_{w}x{h}"
            # PNG in every mode.
            c.add("png", f"{stem}_rgb.png", rgb)
            c.add("png", f"{stem}_l.png", grey)
            opaque = rgb.copy()
            opaque.putalpha(255)
            c.add("png", f"{stem}_rgba_opaque.png", opaque)
            partial = rgb.copy()
            alpha = rng.integers(0, 256, (h, w), dtype=np.uint8)
            alpha[:, : w // 3] = 0  # a fully transparent band
            partial.putalpha(Image.fromarray(alpha))
            c.add("png", f"{stem}_rgba_partial.png", partial)
            la = grey.copy()
            la.putalpha(Image.fromarray(alpha))
            c.add("png", f"{stem}_la.png", la)
            pal = rgb.convert("P", palette=Image.ADAPTIVE, colors=200)
            c.add("png", f"{stem}_p.png", pal)
            c.add("png", f"{stem}_p_trns.png", pal, transparency=3)
            c.add("png", f"{stem}_1bit.png", grey.convert("1"))
            # JPEG.
            for q in (30, 75, 95):
                c.add("jpeg", f"{stem}_q{q}.jpg", rgb, quality=q)
            c.add("jpeg", f"{stem}_q90_444.jpg", rgb, quality=90, subsampling=0)
            c.add("jpeg", f"{stem}_q90_422.jpg", rgb, quality=90, subsampling=1)
            c.add("jpeg", f"{stem}_prog.jpg", rgb, quality=80, progressive=True)
            c.add("jpeg", f"{stem}_grey.jpg", grey, quality=90)
            c.add("jpeg", f"{stem}_grey_q40.jpg", grey, quality=40)
            # GIF (first and only frame, palette).
            c.add("gif", f"{stem}.gif", pal)
            c.add("gif", f"{stem}_trns.gif", pal, transparency=3)
            c.add("gif", f"{stem}_grey.gif", grey)
            # BMP.
            c.add("bmp", f"{stem}_rgb.bmp", rgb)
            c.add("bmp", f"{stem}_l.bmp", grey)
            c.add("bmp", f"{stem}_p.bmp", pal)
            # TIFF, uncompressed (Pillow's default).
            c.add("tiff", f"{stem}_rgb.tiff", rgb)
            c.add("tiff", f"{stem}_l.tiff", grey)
            c.add("tiff", f"{stem}_rgba.tiff", partial)
            # WebP saved by Pillow.
            c.add("webp-lossless", f"{stem}_ll.webp", rgb, lossless=True)
            c.add("webp-lossless", f"{stem}_ll_rgba.webp", partial, lossless=True)
            c.add("webp-lossy", f"{stem}_q50.webp", rgb, quality=50)
            c.add("webp-lossy", f"{stem}_q90.webp", rgb, quality=90)
            c.add("webp-lossy", f"{stem}_q80_rgba.webp", partial, quality=80)

    # Large-ish.
    for w, h in [(2000, 1500), (1201, 1999)]:
        arr = content("photo", w, h, rng)
        rgb = Image.fromarray(arr)
        stem = f"large_{w}x{h}"
        c.add("large", f"{stem}.png", rgb)
        c.add("large", f"{stem}.jpg", rgb, quality=90)
        c.add("large", f"{stem}_grey.jpg", rgb.convert("L"), quality=90)
        partial = rgb.copy()
        partial.putalpha(Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)))
        c.add("large", f"{stem}_rgba.png", partial)
        c.add("large", f"{stem}.webp", rgb, quality=85)

    # File names that need CSV quoting in hashcheck's output.
    arr = content("photo", 120, 90, rng)
    c.add("names", 'comma,name.png', Image.fromarray(arr))
    c.add("names", 'quote"name.jpg', Image.fromarray(arr), quality=90)
    c.add("names", 'both,"x".png', Image.fromarray(arr).convert("L"))
    return c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    c = build_corpus(tmp_path_factory.mktemp("oracle"))
    files = [p for ps in c.groups.values() for p in ps]
    return c.groups, run_hashcheck(files)


GROUPS = ["real", "sizes", "tiny", "flat", "png", "jpeg", "gif", "bmp", "tiff",
          "webp-lossless", "webp-lossy", "large", "names"]


# --------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------

def test_corpus_is_complete(corpus):
    groups, _ = corpus
    assert set(groups) == set(GROUPS)
    assert len(groups["real"]) >= 30, "reference images missing under %s" % DATA
    assert sum(map(len, groups.values())) > 300


def bit_diff(a, b):
    return {i for i, (x, y) in enumerate(zip(hex_to_bits(a), hex_to_bits(b))) if x != y}


@pytest.mark.parametrize("group", GROUPS)
def test_imagehash_equal(corpus, group, oracle_report):
    groups, ours = corpus
    mismatches = []
    for p in groups[group]:
        ref, ties, verdict = imagehash_reference(p)
        got = ours[str(p)]
        if "error" in got:
            mismatches.append("%s: hashcheck failed: %s" % (p.name, got["error"]))
            continue
        for t in ("ahash", "dhash", "phash"):
            g = got[t][0]
            if g == ref[t]:
                continue
            diff = bit_diff(g, ref[t])
            if t == "phash" and diff <= ties:
                oracle_report.append(
                    "phash %-28s %2d bit(s) differ, all among %d coefficients within "
                    "rounding error of the median" % (p.name, len(diff), len(ties)))
                continue
            why = ""
            if t == "phash" and verdict != "clean":
                why = " [reference %s; %d differing bit(s) are not float-noise ties]" % (
                    verdict, len(diff - ties))
            mismatches.append("%s %s: ours %s ref %s (distance %d)%s"
                              % (p.name, t, g, ref[t], len(diff), why))
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("group", GROUPS)
def test_pdq_equal(corpus, group, oracle_report):
    groups, ours = corpus
    mismatches = []
    for p in groups[group]:
        ref_hex, ref_q, ties, verdict = pdq_reference(p)
        if "error" in ours[str(p)]:
            mismatches.append("%s: hashcheck failed: %s" % (p.name, ours[str(p)]["error"]))
            continue
        got_hex, got_q = ours[str(p)]["pdq"]
        if (got_hex, got_q) == (ref_hex, str(ref_q)):
            continue
        diff = bit_diff(got_hex, ref_hex)
        if got_q == str(ref_q) and diff <= ties:
            oracle_report.append(
                "pdq   %-28s %2d bit(s) differ, all among %d coefficients within "
                "rounding error of the median (quality %d)" % (p.name, len(diff), len(ties), ref_q))
            continue
        mismatches.append("%s pdq: ours %s q=%s ref %s q=%d (distance %d, %d outside "
                          "float-noise ties; reference %s)"
                          % (p.name, got_hex, got_q, ref_hex, ref_q, len(diff),
                             len(diff - ties), verdict))
    assert not mismatches, "\n".join(mismatches)
