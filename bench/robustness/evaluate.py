#!/usr/bin/env python3
"""Hash the robustness corpus and its edited copies with libhashmatch and
measure recall and false matches.

    python bench/robustness/evaluate.py LIST.tsv EDITS.tsv OUT.json [--limit N]

Run with a Python that has the repository's binding (`hashmatch`) and numpy,
e.g. build-py/venv/bin/python after `bash scripts/test-python.sh`.

Model: the known list holds the originals (one PDQ / pHash / dHash / aHash
each); every edited copy, and every original itself, is a query.
- positive pair: an edited copy and its own original;
- unrelated pair: a query and an original of another group (photos of one
  group are different photos of one scene, person or burst: manifest.tsv);
- hard negative pair: two different photos of one group, or two frames of
  one video clip some frames apart; never counted as unrelated, reported
  apart.
For each hash kind and matching mode the threshold for a false-match rate
(FPR) f is the largest distance t with #(unrelated pairs at distance <= t)
<= f * #(unrelated pairs); recall of an edit class is the fraction of its
copies within t of their own original.  PDQ queries of quality < 50 match
nothing (the library's default query rule), and a copy the library cannot
decode is a miss.

Modes:
- pdq: the hash as is;
- pdq-dihedral: the query's 8 exact dihedral variants (hm_hash_file with
  HM_WANT_PDQ_DIHEDRAL), best distance, as the index's HM_QUERY_DIHEDRAL
  uses them (checked against the index on a sample);
- pdq-dihedral-bits: the index's HM_QUERY_DIHEDRAL on the bare PDQ hash,
  variants derived from the hash's bits (all distances from the index);
- phash, dhash, ahash: as is;
- phash-dihedral-img, ...: the library has no dihedral variants for the
  64-bit hashes; this evaluator decodes the query, turns the pixels into the
  8 orientations (numpy) and hashes each, best distance.  A measure of what
  such an option would give, not a library feature.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import hashmatch as hm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import trim  # noqa: E402  (border-trimming prototype)

HERE = os.path.dirname(os.path.abspath(__file__))
LUT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
KINDS64 = ("phash", "dhash", "ahash")
MIN_QUALITY = hm.PDQ_MIN_QUALITY
DEFAULT_THRESHOLD = {"pdq": hm.PDQ_THRESHOLD, "phash": hm.THRESHOLD_64BIT,
                     "dhash": hm.THRESHOLD_64BIT, "ahash": hm.THRESHOLD_64BIT}
FPRS = (1e-4, 1e-6)
FRAME_GAPS = (1, 5, 25)
BIG = 10_000  # distance of a query that matches nothing (quality gate, decode failure)

_local = threading.local()


def hasher() -> "hm.Hasher":
    h = getattr(_local, "h", None)
    if h is None:
        h = _local.h = hm.Hasher()
    return h


def orientations(a):
    """The 8 dihedral orientations of an H x W x C array."""
    out = []
    for k in range(4):
        r = np.rot90(a, k)
        out += [r, r[:, ::-1]]
    return [np.ascontiguousarray(x) for x in out]


def hash_item(path, dihedral64, do_trim=False):
    """-> dict(pdq: 8x32 uint8, quality, phash/dhash/ahash: uint64, and with
    dihedral64 <kind>_d8: 8 uint64), or dict(error=...)."""
    h = hasher()
    t0 = time.perf_counter()
    try:
        r = h.hash(path, "pdq,phash,dhash,ahash", dihedral=True)
    except hm.Error as e:
        return {"error": f"{type(e).__name__}: {e}"}
    t1 = time.perf_counter()
    out = {"pdq": np.frombuffer(b"".join(bytes(x) for x in r.dihedral), np.uint8).reshape(8, 32),
           "quality": r.pdq.quality, "t_hash": t1 - t0}
    for k in KINDS64:
        out[k] = int.from_bytes(bytes(r[k]), "big")
    if dihedral64 or do_trim:
        try:
            px = h.decode(path)
            if dihedral64:
                vals = {k: [] for k in KINDS64}
                for a in orientations(px):
                    rr = h.hash(a, "phash,dhash,ahash")
                    for k in KINDS64:
                        vals[k].append(int.from_bytes(bytes(rr[k]), "big"))
                for k in KINDS64:
                    out[k + "_d8"] = np.array(vals[k], np.uint64)
                out["t_d8"] = time.perf_counter() - t1
            if do_trim:
                t2 = time.perf_counter()
                rr = h.hash(trim.trim(px), "pdq,phash,dhash,ahash")
                out["pdq_trim"] = np.frombuffer(bytes(rr.pdq), np.uint8)
                out["quality_trim"] = rr.pdq.quality
                for k in KINDS64:
                    out[k + "_trim"] = int.from_bytes(bytes(rr[k]), "big")
                out["t_trim"] = time.perf_counter() - t2
        except hm.Error as e:  # these modes fall back to the plain hash
            print(f"evaluate: decoding {path} for the 8 orientations / trimming: {e}", file=sys.stderr)
    return out


def popcount_xor(a, b):
    """a: (n, B) uint8, b: (m, B) uint8 -> (n, m) Hamming distances."""
    out = np.empty((a.shape[0], b.shape[0]), np.int32)
    step = max(1, 4_000_000 // max(1, b.shape[0] * a.shape[1]))
    for i in range(0, a.shape[0], step):
        x = a[i:i + step, None, :] ^ b[None, :, :]
        out[i:i + step] = LUT[x].sum(axis=2, dtype=np.int32)
    return out


def u64_bytes(v):
    return np.asarray(v, dtype=">u8").view(np.uint8).reshape(len(v), 8)


def threshold_for(hist_unrel, n_unrel, fpr):
    """Largest t with cumulative unrelated count <= fpr * n; also the
    count at t.  hist_unrel[d] = number of unrelated pairs at distance d."""
    cum = np.cumsum(hist_unrel)
    allowed = fpr * n_unrel
    ok = np.nonzero(cum <= allowed)[0]
    if len(ok) == 0:
        return -1, 0
    t = int(ok[-1])
    return t, int(cum[t])


def gaussian_tail_threshold(hist_unrel, fpr):
    """Threshold from a normal fit of the unrelated distances (an
    extrapolation for FPRs the pair count cannot resolve)."""
    from statistics import NormalDist
    d = np.arange(len(hist_unrel))
    n = hist_unrel.sum()
    mu = float((d * hist_unrel).sum() / n)
    sd = float(np.sqrt(((d - mu) ** 2 * hist_unrel).sum() / n))
    return int(np.floor(NormalDist(mu, sd).inv_cdf(fpr) - 0.5)), mu, sd


def git_rev():
    try:
        return subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("list")
    ap.add_argument("edits")
    ap.add_argument("out")
    ap.add_argument("--limit", type=int, default=0, help="only the first N photos (development)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-trim", action="store_true",
                    help="skip the border-trimming prototype (modes *-trim)")
    ap.add_argument("--no-dihedral64", action="store_true",
                    help="skip the 8-orientation re-hashing for the 64-bit hashes")
    a = ap.parse_args()
    started = time.time()
    say = lambda m: print(f"[evaluate {time.time() - started:6.0f}s] {m}", file=sys.stderr, flush=True)

    rows = corpus.read_list(a.list)
    photos = [r for r in rows if r["role"] == "photo"]
    frames = [r for r in rows if r["role"] == "frame"]
    if a.limit:
        photos = photos[:a.limit]
    with open(a.edits) as fh:
        fh.readline()
        edits = [l.rstrip("\n").split("\t") for l in fh]
    pidx = {r["sha256"]: i for i, r in enumerate(photos)}
    edits = [(pidx[s], e, f) for s, e, f in edits if s in pidx]
    edit_names = list(dict.fromkeys(e for _, e, _ in edits))
    do_d8 = not a.no_dihedral64
    do_trim = not a.no_trim

    # ---- hashing -------------------------------------------------------
    # originals are queries too: they get the 8 orientations like any upload would
    items = [(r["file"], do_d8, do_trim) for r in photos] + [(r["file"], False, False) for r in frames] + \
            [(f, do_d8, do_trim) for _, _, f in edits]
    say(f"hashing {len(photos)} photos, {len(frames)} frames, {len(edits)} edited copies "
        f"({a.jobs} threads)")
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        hashed = list(ex.map(lambda it: hash_item(*it), items, chunksize=8))
    no, nf = len(photos), len(frames)
    H_orig, H_frame, H_edit = hashed[:no], hashed[no:no + nf], hashed[no + nf:]
    bad_orig = [photos[i]["file"] for i, h in enumerate(H_orig) if "error" in h]
    if bad_orig:
        say(f"originals the library cannot hash (left out): {bad_orig}")
    say("hashed; computing distances")

    # ---- arrays --------------------------------------------------------
    def pdq_arr(hs, variants):
        z = np.zeros((len(hs), 8, 32), np.uint8)
        for i, h in enumerate(hs):
            if "error" not in h:
                z[i] = h["pdq"]
        return z[:, :variants] if variants == 1 else z

    def qual(hs):
        return np.array([h.get("quality", -1) if "error" not in h else -1 for h in hs])

    def ok(hs):
        return np.array(["error" not in h for h in hs])

    def k64(hs, k, d8=False):
        if d8:
            return np.array([h[k + "_d8"] if "error" not in h and k + "_d8" in h else np.zeros(8, np.uint64)
                             for h in hs], np.uint64)
        return np.array([h[k] if "error" not in h else 0 for h in hs], np.uint64)

    queries = H_orig + H_edit  # originals are queries too (unrelated pairs)
    q_photo = np.array(list(range(no)) + [p for p, _, _ in edits])
    q_class = ["original"] * no + [e for _, e, _ in edits]
    q_ok = ok(queries)
    q_gate = qual(queries) >= MIN_QUALITY
    groups = [r["group"] for r in photos]
    gid = {g: i for i, g in enumerate(dict.fromkeys(groups))}
    o_group = np.array([gid[g] for g in groups])
    o_ok = ok(H_orig)
    q_group = o_group[q_photo]
    unrel_mask = (q_group[:, None] != o_group[None, :]) & o_ok[None, :]
    n_unrel = int(unrel_mask.sum())

    O_pdq = pdq_arr(H_orig, 8)[:, 0, :]
    Q_pdq = pdq_arr(queries, 8)
    dist = {}
    t0 = time.perf_counter()
    dist["pdq"] = popcount_xor(Q_pdq[:, 0, :], O_pdq)
    dd = dist["pdq"].copy()
    for v in range(1, 8):
        np.minimum(dd, popcount_xor(Q_pdq[:, v, :], O_pdq), out=dd)
    dist["pdq-dihedral"] = dd
    for k in KINDS64:
        Ob = u64_bytes(k64(H_orig, k))
        dist[k] = popcount_xor(u64_bytes(k64(queries, k)), Ob)
        if do_d8:
            # only queries are turned (as the index does for PDQ); originals as stored
            q8 = np.array([h[k + "_d8"] if ("error" not in h and k + "_d8" in h)
                           else np.full(8, h.get(k, 0) if "error" not in h else 0, np.uint64)
                           for h in queries], np.uint64)
            m = None
            for v in range(8):
                d = popcount_xor(u64_bytes(q8[:, v]), Ob)
                m = d if m is None else np.minimum(m, d)
            dist[k + "-dihedral-img"] = m
    if do_trim:
        # both sides trimmed: the known list would be built with the same option
        def trimmed_pdq(hs):
            z = np.zeros((len(hs), 32), np.uint8)
            for i, h in enumerate(hs):
                if "error" not in h:
                    z[i] = h.get("pdq_trim", h["pdq"][0])
            return z
        dist["pdq-trim"] = popcount_xor(trimmed_pdq(queries), trimmed_pdq(H_orig))
        q_gate_trim = np.array([h.get("quality_trim", h.get("quality", -1)) if "error" not in h else -1
                                for h in queries]) >= MIN_QUALITY
        for k in KINDS64:
            def tk(hs):
                return np.array([h.get(k + "_trim", h[k]) if "error" not in h else 0 for h in hs], np.uint64)
            dist[k + "-trim"] = popcount_xor(u64_bytes(tk(queries)), u64_bytes(tk(H_orig)))
    say(f"numpy distances in {time.perf_counter() - t0:.1f} s")

    # PDQ through the index: bit-derived dihedral variants for every pair, and a
    # check of the numpy distances (plain and exact dihedral) on a sample.
    t0 = time.perf_counter()
    idx = hm.Index()
    for i, h in enumerate(H_orig):
        if "error" not in h:
            idx.add(hm.Hash("pdq", bytes(h["pdq"][0]), quality=h["quality"]), list="originals",
                    entry_id=str(i))
    idx.commit()
    bits = np.full((len(queries), no), BIG, np.int32)
    q_hashes = [hm.Hash("pdq", bytes(h["pdq"][0]), quality=h["quality"]) if "error" not in h else None
                for h in queries]
    live = [i for i, x in enumerate(q_hashes) if x is not None]
    B = 256
    for s in range(0, len(live), B):
        chunk = live[s:s + B]
        res = idx.query_batch([[q_hashes[i]] for i in chunk], radius=256, dihedral=True, min_quality=0)
        for i, ms in zip(chunk, res):
            for m in ms:
                bits[i, int(m.entry_id)] = m.distance
    dist["pdq-dihedral-bits"] = bits
    t_bits = time.perf_counter() - t0
    rs = np.random.default_rng(8)
    sample = rs.choice(live, size=min(300, len(live)), replace=False)
    mism = 0
    for i in sample:
        h = queries[i]
        exact = [hm.Hash("pdq", bytes(h["pdq"][v]), quality=h["quality"], variant=v) for v in range(8)]
        for flag, name, qs in ((False, "pdq", exact[:1]), (True, "pdq-dihedral", exact)):
            got = {int(m.entry_id): m.distance for m in idx.query(qs, radius=256, dihedral=flag, min_quality=0)}
            want = dist[name][i]
            mism += sum(1 for o in range(no) if o_ok[o] and got.get(o) != want[o])
    say(f"index bit-derived dihedral queries in {t_bits:.1f} s; numpy vs index check on "
        f"{len(sample)} queries: {mism} mismatches")
    if mism:
        say("ERROR: numpy distances disagree with the index")
        return 1

    # decode failures and the PDQ quality gate
    for name, D in dist.items():
        D[~q_ok] = BIG
        if name == "pdq-trim":
            D[~q_gate_trim] = BIG
        elif name.startswith("pdq"):
            D[~q_gate] = BIG
        D[:, ~o_ok] = BIG

    # ---- results -------------------------------------------------------
    own = q_photo
    modes = {}
    for name, D in dist.items():
        kind = name.split("-")[0]
        bitsn = 256 if kind == "pdq" else 64
        U = D[unrel_mask]
        hist_u = np.bincount(np.minimum(U, bitsn + 1), minlength=bitsn + 2)[:bitsn + 1]
        th = {}
        for f in FPRS:
            t, cnt = threshold_for(hist_u, n_unrel, f)
            g, mu, sd = gaussian_tail_threshold(hist_u, f)
            th[str(f)] = {"t": t, "false": cnt, "allowed": f * n_unrel,
                          "resolved": f * n_unrel >= 10, "gauss_t": g}
        th["default"] = {"t": DEFAULT_THRESHOLD[kind],
                         "false": int(hist_u[:DEFAULT_THRESHOLD[kind] + 1].sum())}
        pos = D[np.arange(len(own)), own]
        per_class = {}
        for c in ["original"] + edit_names:
            sel = np.array([qc == c for qc in q_class])
            dpos = pos[sel]
            per_class[c] = {
                "n": int(sel.sum()),
                "failed": int((~q_ok[sel]).sum()),
                "low_quality": int((q_ok[sel] & ~(q_gate_trim if name == "pdq-trim" else q_gate)[sel]).sum())
                if kind == "pdq" else 0,
                "hist": np.bincount(np.minimum(dpos, bitsn + 1), minlength=bitsn + 2).tolist(),
            }
        # hard negatives: different photos of one group (ordered pairs, originals)
        hn = (o_group[:, None] == o_group[None, :]) & ~np.eye(no, dtype=bool) & o_ok[:, None] & o_ok[None, :]
        Dh = D[:no][hn]
        hard = {"photos": {"pairs": int(hn.sum()),
                           "groups": int(len({g for g in groups if groups.count(g) > 1})),
                           "hist": np.bincount(np.minimum(Dh, bitsn + 1), minlength=bitsn + 2).tolist()}}
        # the closest unrelated pairs, to check by eye that they are really unrelated
        Dm = np.where(unrel_mask, D, BIG)
        flat = np.argsort(Dm, axis=None, kind="stable")[:5]
        closest = []
        for f in flat:
            qi, oi = np.unravel_index(f, Dm.shape)
            qf = photos[qi]["file"] if qi < no else edits[qi - no][2]
            closest.append({"distance": int(Dm[qi, oi]), "query_class": q_class[qi],
                            "query": os.path.basename(photos[q_photo[qi]]["path"]),
                            "query_file": os.path.basename(qf),
                            "known": os.path.basename(photos[oi]["path"])})
        modes[name] = {"kind": kind, "bits": bitsn, "n_unrelated": n_unrel, "closest_unrelated": closest,
                       "unrelated_hist": hist_u.tolist(), "thresholds": th,
                       "classes": per_class, "hard": hard,
                       "gauss": {"mean": mu, "sd": sd}}

    # hard negatives: frames of one clip, g frames apart (no edits; 1 query each)
    if frames:
        F_ok = ok(H_frame)
        Fq = qual(H_frame) >= MIN_QUALITY
        Fp = pdq_arr(H_frame, 8)
        fd = {"pdq": popcount_xor(Fp[:, 0, :], Fp[:, 0, :])}
        dd = fd["pdq"].copy()
        for v in range(1, 8):
            np.minimum(dd, popcount_xor(Fp[:, v, :], Fp[:, 0, :]), out=dd)
        fd["pdq-dihedral"] = dd
        for k in KINDS64:
            b = u64_bytes(k64(H_frame, k))
            fd[k] = popcount_xor(b, b)
        order = np.argsort([r["path"] for r in frames])
        for name, D in fd.items():
            D = D.copy()
            D[~F_ok] = BIG
            if name.startswith("pdq"):
                D[~Fq] = BIG
            bitsn = 256 if name.startswith("pdq") else 64
            for g in FRAME_GAPS:
                ds = np.array([D[order[i], order[i + g]] for i in range(len(order) - g)])
                modes[name]["hard"][f"frames_gap{g}"] = {
                    "pairs": len(ds), "hist": np.bincount(np.minimum(ds, bitsn + 1),
                                                          minlength=bitsn + 2).tolist()}

    # cost of the options: hashing with and without the dihedral variants (a sample of
    # copies, one thread), and index queries plain and dihedral (every query, threshold 31)
    sample_files = [edits[i][2] for i in rs.choice(len(edits), size=min(150, len(edits)), replace=False)]
    hh = hm.Hasher()
    cost = {}
    for label, kw in (("hash_pdq_s", {"types": "pdq"}), ("hash_pdq_dihedral_s", {"types": "pdq", "dihedral": True}),
                      ("hash_phash_s", {"types": "phash"})):
        t0 = time.perf_counter()
        for f in sample_files:
            try:
                hh.hash(f, **kw)
            except hm.Error:
                pass
        cost[label] = (time.perf_counter() - t0) / len(sample_files)
    groups_plain = [[q_hashes[i]] for i in live]
    groups_exact = [[hm.Hash("pdq", bytes(queries[i]["pdq"][v]), quality=queries[i]["quality"], variant=v)
                     for v in range(8)] for i in live]
    for label, gq, dih in (("query_plain_s", groups_plain, False), ("query_dihedral_exact_s", groups_exact, True),
                           ("query_dihedral_bits_s", groups_plain, True)):
        t0 = time.perf_counter()
        idx.query_batch(gq, dihedral=dih)
        cost[label] = (time.perf_counter() - t0) / len(gq)
    say("cost: " + ", ".join("%s %.3f ms" % (k, 1000 * v) for k, v in cost.items()))

    t_hash = [h["t_hash"] for h in H_edit if "t_hash" in h]
    t_d8 = [h["t_d8"] for h in H_edit if "t_d8" in h]
    t_trim = [h["t_trim"] for h in H_edit if "t_trim" in h]
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "python": platform.python_version(), "library": hm.LIBRARY_VERSION, "git": git_rev(),
        "photos": no, "groups": len(gid), "frames": nf, "edits": len(edits),
        "edit_classes": edit_names, "failed_originals": bad_orig,
        "packages": sorted({r["package"] for r in photos}),
        "n_unrelated": n_unrel, "mean_hash_s": float(np.mean(t_hash)) if t_hash else None,
        "mean_dihedral64_extra_s": float(np.mean(t_d8)) if t_d8 else None,
        "mean_trim_extra_s": float(np.mean(t_trim)) if t_trim else None,
        "index_bits_query_s": t_bits, "min_quality": MIN_QUALITY, "runtime_s": time.time() - started,
        "failed_edits": {c: int(sum(1 for qc, okk in zip(q_class, q_ok) if qc == c and not okk))
                         for c in edit_names},
        "limit": a.limit, "cost": cost,
    }
    with open(a.out, "w") as fh:
        json.dump({"meta": meta, "modes": modes}, fh)
    say(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
