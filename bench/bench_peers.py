#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Time the Python reference tools on the same in-memory files as bench_hash.

    bench_peers.py [-r RUNS] [-t MIN_SAMPLE_S] [-c CLASS] [-H HASHES.tsv] [-o OUT.tsv] FILE...

What users run, decode included, from bytes already in memory:
  pillow-decode   Image.open(BytesIO(b)).load()              (Pillow's floor)
  pdqhash         pdqhash.compute(np.asarray(Image.open(...).convert("RGB")))
  phash / dhash   imagehash.phash / dhash(Image.open(...) loaded)
  phash+dhash     both from one decode
  all             one decode, then pdqhash + imagehash phash, dhash, ahash

Same protocol and output as bench_hash: one warm-up pass per method that
sets the passes per sample, then RUNS interleaved rounds; one TSV line per
method: class, method, images, median/min/max seconds per image, runs,
passes.  -H writes the reference hashes for the exactness check.
"""
import argparse
import io
import statistics
import sys
import time

import imagehash
import numpy as np
import pdqhash
from PIL import Image


def load(b):
    im = Image.open(io.BytesIO(b))
    im.load()
    return im


def rgb(im):
    return im if im.mode == "RGB" else im.convert("RGB")


def pdq_of(im):
    return pdqhash.compute(np.asarray(rgb(im)))


def m_decode(b):
    load(b)


def m_pdq(b):
    # convert() loads the image: the decode is inside this call
    pdqhash.compute(np.asarray(Image.open(io.BytesIO(b)).convert("RGB")))


def m_phash(b):
    imagehash.phash(load(b))


def m_dhash(b):
    imagehash.dhash(load(b))


def m_phash_dhash(b):
    im = load(b)
    imagehash.phash(im)
    imagehash.dhash(im)


def m_all(b):
    im = load(b)
    pdq_of(im)
    imagehash.phash(im)
    imagehash.dhash(im)
    imagehash.average_hash(im)


METHODS = [("pillow-decode", m_decode), ("pdqhash", m_pdq), ("phash", m_phash),
           ("dhash", m_dhash), ("phash+dhash", m_phash_dhash), ("all", m_all)]


def sample(fn, blobs, passes):
    t0 = time.perf_counter()
    for _ in range(passes):
        for b in blobs:
            fn(b)
    return (time.perf_counter() - t0) / (passes * len(blobs))


def pdq_hex(vec):
    return "%064x" % int("".join(str(int(b)) for b in vec), 2)


def write_hashes(path, files, blobs):
    with open(path, "w") as o:
        o.write("path\tpdq\tquality\tphash\tdhash\tahash\n")
        for f, b in zip(files, blobs):
            im = load(b)
            vec, q = pdq_of(im)
            o.write("%s\t%s\t%d\t%s\t%s\t%s\n" % (
                f, pdq_hex(vec), q, imagehash.phash(im), imagehash.dhash(im),
                imagehash.average_hash(im)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", type=int, default=7)
    ap.add_argument("-t", type=float, default=0.2)
    ap.add_argument("-c", default="-")
    ap.add_argument("-H")
    ap.add_argument("-o")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    blobs = []
    for f in a.files:
        with open(f, "rb") as fp:
            blobs.append(fp.read())
    if a.H:
        write_hashes(a.H, a.files, blobs)
    passes = []
    for _, fn in METHODS:  # warm-up and calibration
        per_pass = sample(fn, blobs, 1) * len(blobs)
        passes.append(max(1, min(1000, int(a.t / per_pass) + 1)))
    times = [[] for _ in METHODS]
    for _ in range(a.r):
        for k, (_, fn) in enumerate(METHODS):
            times[k].append(sample(fn, blobs, passes[k]))
    out = open(a.o, "w") if a.o else sys.stdout
    for k, (name, _) in enumerate(METHODS):
        t = times[k]
        out.write("%s\t%s\t%d\t%.6e\t%.6e\t%.6e\t%d\t%d\n" % (
            a.c, name, len(blobs), statistics.median(t), min(t), max(t), a.r,
            passes[k]))
    out.flush()


if __name__ == "__main__":
    main()
