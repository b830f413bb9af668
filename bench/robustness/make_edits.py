#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Make the edited copies of every photo of the robustness corpus.

    python bench/robustness/make_edits.py LIST.tsv OUTDIR [--limit N] [--jobs J]

LIST.tsv is corpus.py's --list output.  For each row of role "photo" writes
OUTDIR/<sha256[:16]>/<edit>.<ext> for every edit in EDITS below, and
OUTDIR/edits.tsv (photo sha256, edit, file).  Files already there are kept:
the recipes are versioned (RECIPE_VERSION, part of OUTDIR's name in run.sh),
so a change of recipe goes to a new folder instead of mixing old and new.

Pillow only, deterministic: every random choice (crop offsets, caption text,
logo corner) comes from a generator seeded with the photo's SHA-256 and the
edit's name.  Edits are made on the decoded pixels as stored (EXIF
orientation not applied, alpha dropped), which is what libhashmatch hashes by
default.  Geometric and overlay edits are saved as JPEG quality 90 (what a
re-upload usually is); the screenshot as PNG; WebP and GIF as themselves.
"""
import argparse
import hashlib
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor

from PIL import Image, ImageDraw, ImageEnhance, ImageFile, ImageFont

import corpus  # bench/robustness/corpus.py, beside this file

ImageFile.LOAD_TRUNCATED_IMAGES = False
Image.MAX_IMAGE_PIXELS = 64_000_000

RECIPE_VERSION = 1
FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF"]
CAPTIONS = ["WHEN THE NEWS HITS", "THEY DON'T WANT YOU TO SEE THIS", "SHARE BEFORE IT'S DELETED",
            "NOBODY:", "BREAKING", "LOOK AT THIS", "REMEMBER THIS DAY", "WATCH TILL THE END"]


def font(size: int, bold: bool = True):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for d in FONT_DIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return ImageFont.truetype(p, max(8, size))
    return ImageFont.load_default()  # no DejaVu: a bitmap font (noted in the output)


def rng(sha: str, edit: str) -> random.Random:
    return random.Random(int(hashlib.sha256(f"{sha}:{edit}".encode()).hexdigest()[:16], 16))


def fit_text(draw, text, max_w, size):
    while size > 8:
        f = font(size)
        if draw.textlength(text, font=f) <= max_w:
            return f
        size = int(size * 0.9)
    return font(8)


def crop(im, frac, r):
    w, h = im.size
    cw, ch = round(w * (1 - frac)), round(h * (1 - frac))
    x = r.randint(0, w - cw)
    y = r.randint(0, h - ch)
    return im.crop((x, y, x + cw, y + ch))


def rotate(im, degrees):
    """Counter-clockwise about the centre, size kept, black corners."""
    return im.rotate(degrees, Image.BICUBIC, expand=False, fillcolor="black")


def text_overlay(im, r):
    im = im.copy()
    d = ImageDraw.Draw(im)
    w, h = im.size
    top, bottom = r.sample(CAPTIONS, 2)
    for text, where in ((top, "top"), (bottom, "bottom")):
        f = fit_text(d, text, 0.9 * w, h // 9)
        tw = d.textlength(text, font=f)
        _, t0, _, t1 = d.textbbox((0, 0), text, font=f)
        y = h // 30 if where == "top" else h - h // 30 - (t1 - t0) - t0
        d.text(((w - tw) / 2, y), text, font=f, fill="white",
               stroke_width=max(1, f.size // 12), stroke_fill="black")
    return im


def make_logo(width: int) -> Image.Image:
    """A broadcaster-style watermark: a red rounded box with white letters."""
    h = max(8, width // 3)
    logo = Image.new("RGBA", (width, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(logo)
    d.rounded_rectangle((0, 0, width - 1, h - 1), radius=h // 4, fill=(200, 20, 30, 230))
    f = fit_text(d, "NEWS 24", 0.85 * width, int(h * 0.7))
    _, t0, _, t1 = d.textbbox((0, 0), "NEWS 24", font=f)
    d.text(((width - d.textlength("NEWS 24", font=f)) / 2, (h - (t1 - t0)) / 2 - t0), "NEWS 24",
           font=f, fill=(255, 255, 255, 255))
    return logo


def logo_overlay(im, r):
    im = im.copy()
    w, h = im.size
    logo = make_logo(max(16, w // 5))
    m = max(2, w // 50)
    corner = r.choice(["tl", "tr", "bl", "br"])
    x = m if corner[1] == "l" else w - logo.width - m
    y = m if corner[0] == "t" else h - logo.height - m
    im.paste(logo, (x, y), logo)
    return im


def colour_shift(im):
    im = ImageEnhance.Brightness(im).enhance(1.06)
    im = ImageEnhance.Contrast(im).enhance(1.15)
    im = ImageEnhance.Color(im).enhance(1.3)
    hsv = im.convert("HSV")
    hch, s, v = hsv.split()
    hch = hch.point(lambda x: (x + 9) % 256)  # +12.7 degrees of hue
    return Image.merge("HSV", (hch, s, v)).convert("RGB")


def border(im):
    w, h = im.size
    bw, bh = round(w * 0.05), round(h * 0.05)
    out = Image.new("RGB", (w + 2 * bw, h + 2 * bh), "white")
    out.paste(im, (bw, bh))
    return out


def screenshot(im, r):
    """The photo letterboxed in a 1920x1080 'screen': dark canvas, title bar, caption."""
    W, H = 1920, 1080
    out = Image.new("RGB", (W, H), (32, 32, 32))
    d = ImageDraw.Draw(out)
    d.rectangle((0, 0, W, 40), fill=(60, 60, 60))
    d.text((16, 8), "photo_%04d.jpg - Image Viewer" % r.randint(0, 9999), font=font(20, False),
           fill=(220, 220, 220))
    d.text((16, H - 40), "1 of %d   100%%" % r.randint(2, 300), font=font(18, False),
           fill=(200, 200, 200))
    im = im.copy()
    im.thumbnail((1366, 768), Image.LANCZOS) if im.width > 1366 or im.height > 768 else None
    if im.width < 1366 and im.height < 768:  # small photos are shown enlarged, as viewers do
        s = min(1366 / im.width, 768 / im.height)
        im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.BICUBIC)
    out.paste(im, ((W - im.width) // 2, 40 + (H - 80 - im.height) // 2))
    return out


def scale(im, f):
    return im.resize((max(1, round(im.width * f)), max(1, round(im.height * f))), Image.LANCZOS)


def gif(im):
    small = im.copy()
    small.thumbnail((480, 480), Image.LANCZOS)
    return small.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG)


# edit name -> (function(image, rng) -> image, format, save options)
J90 = ("JPEG", {"quality": 90})
EDITS = {
    "jpeg_q10": (lambda im, r: im, "JPEG", {"quality": 10}),
    "jpeg_q30": (lambda im, r: im, "JPEG", {"quality": 30}),
    "jpeg_q50": (lambda im, r: im, "JPEG", {"quality": 50}),
    "jpeg_q70": (lambda im, r: im, "JPEG", {"quality": 70}),
    "jpeg_q90": (lambda im, r: im, "JPEG", {"quality": 90}),
    "resize_50": (lambda im, r: scale(im, 0.5),) + J90,
    "resize_25": (lambda im, r: scale(im, 0.25),) + J90,
    "crop_5": (lambda im, r: crop(im, 0.05, r),) + J90,
    "crop_10": (lambda im, r: crop(im, 0.10, r),) + J90,
    "crop_15": (lambda im, r: crop(im, 0.15, r),) + J90,
    "crop_20": (lambda im, r: crop(im, 0.20, r),) + J90,
    "crop_30": (lambda im, r: crop(im, 0.30, r),) + J90,
    "rotate_2": (lambda im, r: rotate(im, 2),) + J90,
    "rotate_5": (lambda im, r: rotate(im, 5),) + J90,
    "rotate_10": (lambda im, r: rotate(im, 10),) + J90,
    "rotate_90": (lambda im, r: im.transpose(Image.Transpose.ROTATE_90),) + J90,
    "mirror": (lambda im, r: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),) + J90,
    "text": (text_overlay,) + J90,
    "logo": (logo_overlay,) + J90,
    "colour": (lambda im, r: colour_shift(im),) + J90,
    "border": (lambda im, r: border(im),) + J90,
    "screenshot": (screenshot, "PNG", {}),
    "webp_q60": (lambda im, r: im, "WEBP", {"quality": 60, "method": 4}),
    "gif": (lambda im, r: gif(im), "GIF", {}),
}
EXT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def edit_one(job):
    sha, src, outdir = job
    d = os.path.join(outdir, sha[:16])
    todo = [(e, os.path.join(d, f"{e}.{EXT[spec[1]]}")) for e, spec in EDITS.items()]
    rows = [(sha, e, p) for e, p in todo]
    if all(os.path.exists(p) for _, p in todo):
        return rows, None
    os.makedirs(d, exist_ok=True)
    try:
        with Image.open(src) as im0:
            im = im0.convert("RGB")
    except Exception as e:  # noqa: BLE001 - reported, the photo is skipped
        return [], f"{src}: {e}"
    for e, p in todo:
        if os.path.exists(p):
            continue
        fn, fmt, opts = EDITS[e]
        out = fn(im, rng(sha, e))
        tmp = p + ".tmp"
        out.save(tmp, fmt, **opts)
        os.replace(tmp, p)
    return rows, None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("list")
    ap.add_argument("outdir")
    ap.add_argument("--limit", type=int, default=0, help="only the first N photos (development)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    rows = corpus.read_list(a.list)
    photos = [r for r in rows if r["role"] == "photo"]
    if a.limit:
        photos = photos[:a.limit]
    os.makedirs(a.outdir, exist_ok=True)
    jobs = [(r["sha256"], r["file"], a.outdir) for r in photos]
    out, errors = [], 0
    with ProcessPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for i, (rows_, err) in enumerate(ex.map(edit_one, jobs, chunksize=1)):
            out += rows_
            if err:
                errors += 1
                print(f"make_edits: skipped {err}", file=sys.stderr)
            if (i + 1) % 25 == 0:
                print(f"make_edits: {i + 1}/{len(jobs)} photos", file=sys.stderr, flush=True)
    with open(os.path.join(a.outdir, "edits.tsv"), "w") as fh:
        fh.write("sha256\tedit\tfile\n")
        for r in out:
            fh.write("\t".join(r) + "\n")
    print(f"make_edits: {len(out)} edited copies of {len(jobs) - errors} photos in {a.outdir}",
          file=sys.stderr)
    return 0 if out else 1


if __name__ == "__main__":
    sys.exit(main())
