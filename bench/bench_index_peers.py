#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Peers of the matching-index benchmark (issue #3): faiss-cpu and pybktree
on exactly the data and queries that bench_index wrote (OUT/data/*).

    python bench/bench_index_peers.py OUT [--budget S] [--min-queries Q]
        [--sets NAME,...] [--pybktree-max-n N] [--pybktree-budget S]
        [--no-faiss] [--no-pybktree]

One thread (faiss.omp_set_num_threads(1)); queries one at a time, as a
service matching one upload would issue them.
  - PDQ: faiss IndexBinaryMultiHash(256, 16, 16) with nflip = r // 16 and
    range_search(q, r + 1), as python-threatexchange's PDQMultiHashIndex
    (what HMA uses) does; IndexBinaryFlat(256).
  - 64-bit: IndexBinaryMultiHash(64, 4, 16) (nflip = r // 4) and
    (64, 3, 21) (nflip = r // 3); IndexBinaryFlat(64); pybktree with its
    own hamming_distance, as its README shows.
Every peer's hit counts are compared with libhashmatch's (OUT/hits/).
Writes OUT/py-queries.tsv and OUT/py-build.tsv.
"""
import argparse
import gc
import glob
import os
import sys
import time

import numpy as np

BITS_RADII = {256: [15, 31, 47], 64: [2, 4, 8, 10, 12]}


def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def trimmed_rss():
    gc.collect()
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    return rss()


def log(msg):
    print(time.strftime("[peers %H:%M:%S] ") + msg, file=sys.stderr, flush=True)


def read_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            k, v = line.rstrip("\n").split("\t", 1)
            meta[k] = v
    meta["bits"] = int(meta["bits"])
    meta["n"] = int(meta["n"])
    meta["radii"] = [int(x) for x in meta["radii"].split(",")]
    return meta


def c_hits(out, name, qkind, r):
    path = os.path.join(out, "hits", "%s.%s-r%d" % (name, qkind, r))
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return [int(x) for x in f]


def quantile(v, q):
    v = sorted(v)
    if not v:
        return float("nan")
    i = max(1, min(len(v), int(np.ceil(q * len(v)))))
    return v[i - 1]


def timed_queries(fn, queries, budget, min_q):
    ms, hits = [], []
    fn(queries[-1])  # warm-up
    start = time.perf_counter()
    for i in range(len(queries)):
        if i >= min_q and time.perf_counter() - start > budget:
            break
        t0 = time.perf_counter()
        h = fn(queries[i])
        ms.append(1e3 * (time.perf_counter() - t0))
        hits.append(h)
    return ms, hits


def check(hits, ref):
    if ref is None:
        return "no reference"
    n = min(len(hits), len(ref))
    bad = [i for i in range(n) if hits[i] != ref[i]]
    if not bad:
        return "ok"
    i = bad[0]
    return "MISMATCH vs libhashmatch: %d of %d queries (first q%d: %d vs %d)" % (
        len(bad), n, i, hits[i], ref[i])


class Writer:
    def __init__(self, out):
        self.q = open(os.path.join(out, "py-queries.tsv"), "w")
        self.b = open(os.path.join(out, "py-build.tsv"), "w")
        self.q.write("set\tkind\ttype\tbits\tn\tr\tqkind\tstructure\tvariant\tnq\tmed_ms\t"
                     "p90_ms\tmean_ms\tmean_hits\tused_scan\tused_mih\tused_bk\tcheck\n")
        self.b.write("set\tkind\ttype\tbits\tn\tpeer\tbuild_s\trss_growth\n")

    def query(self, meta, r, qkind, peer, ms, hits, chk):
        self.q.write("%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t\t%d\t%.5f\t%.5f\t%.5f\t%.2f\t\t\t\t%s\n" % (
            meta["name"], meta["kind"], meta["type"], meta["bits"], meta["n"], r, qkind, peer,
            len(ms), quantile(ms, 0.5), quantile(ms, 0.9), sum(ms) / max(1, len(ms)),
            sum(hits) / max(1, len(hits)), chk))
        self.q.flush()
        if chk.startswith("MISMATCH"):
            log("WRONG RESULT %s r=%d %s %s: %s" % (meta["name"], r, qkind, peer, chk))

    def build(self, meta, peer, secs, growth):
        self.b.write("%s\t%s\t%s\t%d\t%d\t%s\t%.3f\t%d\n" % (
            meta["name"], meta["kind"], meta["type"], meta["bits"], meta["n"], peer, secs, growth))
        self.b.flush()


def load_sets(out, names):
    metas = []
    for p in sorted(glob.glob(os.path.join(out, "data", "*.meta"))):
        m = read_meta(p)
        if names and m["name"] not in names:
            continue
        metas.append(m)
    # small sets first, as bench_index ran them
    metas.sort(key=lambda m: (m["n"], m["name"]))
    return metas


def query_sets(out, meta):
    nb = meta["bits"] // 8
    base = os.path.join(out, "data", meta["name"])
    sets = []
    for r in meta["radii"]:
        for qkind, path in (("hit", "%s.q-hit-r%d" % (base, r)),
                            (meta["miss_label"], "%s.q-%s" % (base, meta["miss_label"]))):
            q = np.fromfile(path, dtype=np.uint8).reshape(-1, nb)
            sets.append((r, qkind, q))
    return sets


def run_faiss(out, meta, w, args):
    import faiss
    faiss.omp_set_num_threads(1)
    bits, nb = meta["bits"], meta["bits"] // 8
    codes = np.fromfile(os.path.join(out, "data", meta["name"] + ".codes"),
                        dtype=np.uint8).reshape(-1, nb)
    if bits == 256:
        configs = [("faiss-flat", None, None), ("faiss-mh-16x16", 16, 16)]
    else:
        configs = [("faiss-flat", None, None), ("faiss-mh-4x16", 4, 16),
                   ("faiss-mh-3x21", 3, 21)]
    qsets = query_sets(out, meta)
    for peer, nhash, b in configs:
        r0 = trimmed_rss()
        t0 = time.perf_counter()
        if nhash is None:
            index = faiss.IndexBinaryFlat(bits)
        else:
            index = faiss.IndexBinaryMultiHash(bits, nhash, b)
        index.add(codes)
        secs = time.perf_counter() - t0
        growth = trimmed_rss() - r0
        w.build(meta, peer, secs, growth)
        log("%s %s: built in %.1f s, RSS +%.0f MB" % (meta["name"], peer, secs, growth / 1e6))
        for r, qkind, q in qsets:
            if nhash is not None:
                index.nflip = r // nhash

            def one(x, index=index, r=r):
                lims, _, _ = index.range_search(x[None, :], r + 1)
                return int(lims[1] - lims[0])

            ms, hits = timed_queries(one, q, args.budget, args.min_queries)
            w.query(meta, r, qkind, peer, ms, hits, check(hits, c_hits(out, meta["name"], qkind, r)))
        del index
        gc.collect()
    del codes
    gc.collect()


def run_pybktree(out, meta, w, args):
    import pybktree
    nb = meta["bits"] // 8
    codes = np.fromfile(os.path.join(out, "data", meta["name"] + ".codes"),
                        dtype=">u8").reshape(-1)
    r0 = trimmed_rss()
    t0 = time.perf_counter()
    items = codes.tolist()
    tree = pybktree.BKTree(pybktree.hamming_distance, items)
    secs = time.perf_counter() - t0
    del items
    growth = trimmed_rss() - r0
    w.build(meta, "pybktree", secs, growth)
    log("%s pybktree: built in %.1f s, RSS +%.0f MB" % (meta["name"], secs, growth / 1e6))
    for r, qkind, q in query_sets(out, meta):
        if r > args.pybktree_max_r:
            continue
        qi = q.view(">u8").reshape(-1).tolist()

        def one(x, r=r):
            return len(tree.find(x, r))

        ms, hits = timed_queries(one, qi, args.pybktree_budget, args.pybktree_min_queries)
        w.query(meta, r, qkind, "pybktree", ms, hits, check(hits, c_hits(out, meta["name"], qkind, r)))
    del tree
    gc.collect()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--budget", type=float, default=3.0)
    ap.add_argument("--min-queries", type=int, default=5)
    ap.add_argument("--sets", default="")
    ap.add_argument("--no-faiss", action="store_true")
    ap.add_argument("--no-pybktree", action="store_true")
    ap.add_argument("--pybktree-max-n", type=int, default=10_000_000)
    ap.add_argument("--pybktree-max-r", type=int, default=10)
    ap.add_argument("--pybktree-budget", type=float, default=10.0)
    ap.add_argument("--pybktree-min-queries", type=int, default=3)
    args = ap.parse_args()
    names = set(x for x in args.sets.split(",") if x)
    w = Writer(args.out)
    for meta in load_sets(args.out, names):
        if not args.no_faiss:
            run_faiss(args.out, meta, w, args)
        if (not args.no_pybktree and meta["bits"] == 64 and meta["n"] <= args.pybktree_max_n):
            run_pybktree(args.out, meta, w, args)
    log("done")


if __name__ == "__main__":
    main()
