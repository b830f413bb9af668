# SPDX-License-Identifier: BSD-3-Clause
"""Write the file kinds the corpora lack, made from one photo, for the CImg
cross-check: PNG in every colour type and bit depth (16-bit with real
low bytes and with low byte = high byte), tRNS, real transparency,
interlacing, gAMA; JPEG as 4:4:4/4:2:2/4:2:0, progressive, arithmetic
(when jpegtran is there), grey, CMYK with a real K channel, EXIF-rotated,
and cut short.

usage: make_cases.py PHOTO OUTDIR      (needs Pillow)

PNGs are written by hand (zlib), so that bit depth, tRNS and interlacing
are exactly what the name says; JPEGs by Pillow.
"""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from PIL import Image

W, H = 403, 257  # odd sizes: edge handling in the 7x7 box and the resize


def chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data))
    )


def pack_row(samples: list[int], depth: int) -> bytes:
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if depth == 8:
        return bytes(samples)
    out, acc, n = bytearray(), 0, 0
    for s in samples:
        acc = acc << depth | s
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def write_png(
    path: Path,
    pixels: list[list[list[int]]],
    ctype: int,
    depth: int,
    extra: bytes = b"",
    interlace: bool = False,
) -> None:
    """pixels[y][x] is the list of samples of a pixel (already at depth)."""
    h, w = len(pixels), len(pixels[0])
    raw = bytearray()
    if not interlace:
        for row in pixels:
            raw += b"\0" + pack_row([s for px in row for s in px], depth)
    else:  # Adam7: (x0, y0, dx, dy) per pass
        for x0, y0, dx, dy in (
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ):
            if x0 >= w:
                continue
            for y in range(y0, h, dy):
                raw += b"\0" + pack_row(
                    [s for x in range(x0, w, dx) for s in pixels[y][x]], depth
                )
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlace else 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + extra
        + chunk(b"IDAT", zlib.compress(bytes(raw), 6))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    photo, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rgb = Image.open(photo).convert("RGB").resize((W, H), Image.Resampling.BILINEAR)
    grey = rgb.convert("L")
    rnd = random.Random(1)
    rgb_bytes, grey_bytes = rgb.tobytes(), grey.tobytes()
    px = [
        [list(rgb_bytes[3 * (y * W + x) : 3 * (y * W + x) + 3]) for x in range(W)]
        for y in range(H)
    ]
    g = [list(grey_bytes[y * W : (y + 1) * W]) for y in range(H)]
    # alpha: a real gradient with fully transparent parts
    a = [[max(0, min(255, (x * 2 - 100))) for x in range(W)] for _ in range(H)]

    def lows(v: int) -> int:  # a 16-bit sample whose low byte is not the high one
        return v << 8 | rnd.randrange(256)

    write_png(out / "png-grey-8.png", [[[v] for v in r] for r in g], 0, 8)
    for d in (1, 2, 4):
        write_png(
            out / f"png-grey-{d}.png", [[[v >> (8 - d)] for v in r] for r in g], 0, d
        )
    write_png(out / "png-grey-16-x257.png", [[[v * 257] for v in r] for r in g], 0, 16)
    write_png(out / "png-grey-16-real.png", [[[lows(v)] for v in r] for r in g], 0, 16)
    write_png(
        out / "png-grey-8-trns.png",
        [[[v] for v in r] for r in g],
        0,
        8,
        chunk(b"tRNS", struct.pack(">H", 128)),
    )
    write_png(
        out / "png-greyalpha-8-transparent.png",
        [[[v, al] for v, al in zip(r, ra)] for r, ra in zip(g, a)],
        4,
        8,
    )
    write_png(
        out / "png-greyalpha-16-real.png",
        [[[lows(v), al * 257] for v, al in zip(r, ra)] for r, ra in zip(g, a)],
        4,
        16,
    )
    write_png(out / "png-rgb-8.png", px, 2, 8)
    write_png(out / "png-rgb-8-interlaced.png", px, 2, 8, interlace=True)
    write_png(
        out / "png-rgb-8-gama10.png",
        px,
        2,
        8,
        chunk(b"gAMA", struct.pack(">I", 100000)),
    )
    write_png(
        out / "png-rgb-16-x257.png",
        [[[s * 257 for s in p] for p in r] for r in px],
        2,
        16,
    )
    write_png(
        out / "png-rgb-16-real.png",
        [[[lows(s) for s in p] for p in r] for r in px],
        2,
        16,
    )
    write_png(
        out / "png-rgb-16-real-interlaced.png",
        [[[lows(s) for s in p] for p in r] for r in px],
        2,
        16,
        interlace=True,
    )
    write_png(
        out / "png-rgb-8-trns.png",
        px,
        2,
        8,
        chunk(b"tRNS", struct.pack(">HHH", *px[0][0])),
    )
    write_png(
        out / "png-rgba-8-transparent.png",
        [[p + [al] for p, al in zip(r, ra)] for r, ra in zip(px, a)],
        6,
        8,
    )
    write_png(
        out / "png-rgba-16-real.png",
        [
            [[lows(s) for s in p] + [al * 257] for p, al in zip(r, ra)]
            for r, ra in zip(px, a)
        ],
        6,
        16,
    )
    for colours, d in ((256, 8), (16, 4), (2, 1)):
        pal = rgb.quantize(colours)
        palette = (pal.getpalette() or [])[: 3 * colours]
        idx_bytes = pal.tobytes()
        idx = [list(idx_bytes[y * W : (y + 1) * W]) for y in range(H)]
        plte = chunk(b"PLTE", bytes(palette + [0] * (3 * colours - len(palette))))
        write_png(
            out / f"png-palette-{d}.png", [[[i] for i in r] for r in idx], 3, d, plte
        )
        trns = chunk(b"tRNS", bytes((k * 37) % 256 for k in range(colours)))
        write_png(
            out / f"png-palette-{d}-trns.png",
            [[[i] for i in r] for r in idx],
            3,
            d,
            plte + trns,
        )

    rgb.save(out / "jpeg-420.jpg", quality=85, subsampling=2)
    rgb.save(out / "jpeg-422.jpg", quality=85, subsampling=1)
    rgb.save(out / "jpeg-444.jpg", quality=85, subsampling=0)
    rgb.save(out / "jpeg-progressive.jpg", quality=85, progressive=True)
    rgb.save(
        out / "jpeg-optimised-restart.jpg",
        quality=85,
        optimize=True,
        restart_marker_blocks=4,
    )
    grey.save(out / "jpeg-grey.jpg", quality=85)
    rgb.convert("CMYK").save(out / "jpeg-cmyk-k0.jpg", quality=85)
    # CMYK with a real black: K = 255 - max(R, G, B), C/M/Y what is left
    cmyk = Image.new("CMYK", (W, H))
    cmyk.putdata(
        [
            (
                (255 - r - k) * 255 // max(1, 255 - k),
                (255 - gg - k) * 255 // max(1, 255 - k),
                (255 - b - k) * 255 // max(1, 255 - k),
                k,
            )
            for r, gg, b in zip(*[iter(rgb.tobytes())] * 3)
            for k in (255 - max(r, gg, b),)
        ]
    )
    cmyk.save(out / "jpeg-cmyk-realk.jpg", quality=85)
    exif = Image.Exif()
    exif[0x0112] = 6
    rgb.save(out / "jpeg-exif-orientation-6.jpg", quality=85, exif=exif.tobytes())
    whole = (out / "jpeg-420.jpg").read_bytes()
    (out / "jpeg-truncated-60pc.jpg").write_bytes(whole[: len(whole) * 6 // 10])
    if shutil.which("jpegtran"):
        subprocess.run(
            [
                "jpegtran",
                "-arithmetic",
                "-outfile",
                str(out / "jpeg-arithmetic.jpg"),
                str(out / "jpeg-420.jpg"),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
