"""Prototype of border trimming, measured by evaluate.py (modes *-trim).

Not a library feature: a first cut of what issue #8 asks to add, so that its
effect on recall and false matches can be measured before it is written in C.

A row is *flat* when at least FRAC of its pixels lie within TOL (per channel)
of the row's median colour; rows are stripped from the top and the bottom
while they are flat, then columns from the left and the right of what is
left.  That removes uniform borders and letterbox bars, and also a title bar
or status line with a little text on it (text covers a small share of a
row).  When less than MIN_KEEP of either side would be left the image is
kept whole (a flat image, or a photo of an evenly lit wall).
"""
import numpy as np

TOL = 12
FRAC = 0.9
MIN_KEEP = 0.2
PROBE = 1024  # flatness is judged on a copy at most this many pixels on a side


def _flat_lines(a):
    """a: H x W x C int16 -> bool per row: flat or not."""
    med = np.median(a, axis=1, keepdims=True)
    close = (np.abs(a - med) <= TOL).all(axis=2)
    return close.mean(axis=1) >= FRAC


def _run(flat):
    """Length of the leading run of True."""
    nz = np.flatnonzero(~flat)
    return len(flat) if len(nz) == 0 else int(nz[0])


def trim_box(px):
    """px: H x W (x C) uint8 -> (top, bottom, left, right) to keep, bottom/right exclusive."""
    if px.ndim == 2:
        px = px[:, :, None]
    h, w = px.shape[:2]
    s = max(1, int(np.ceil(max(h, w) / PROBE)))
    a = px[::s, ::s].astype(np.int16)
    rows = _flat_lines(a)
    top, bottom = _run(rows), len(rows) - _run(rows[::-1])
    if bottom - top < MIN_KEEP * len(rows):
        return 0, h, 0, w
    cols = _flat_lines(a[top:bottom].transpose(1, 0, 2))
    left, right = _run(cols), len(cols) - _run(cols[::-1])
    if right - left < MIN_KEEP * len(cols):
        return 0, h, 0, w
    # back to full resolution; a partly flat probe row at the edge is kept
    return top * s, min(h, bottom * s), left * s, min(w, right * s)


def trim(px):
    t, b, l, r = trim_box(px)
    return np.ascontiguousarray(px[t:b, l:r])
