#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
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

Modes (<kind> is pdq, phash, dhash, ahash, or pHash.org's hash in two packings:
phashorg_2026, all 64 bits, and phashorg_2014, which drops coefficient 0 (63
bits); pHash.org's packings hold one value, so its other packing, phashorg_v09,
has the distances of phashorg_2026):
- <kind>: the hash as is;
- <kind>-dihedral: the query's 8 dihedral variants as hm_hash_file returns
  them (HM_WANT_DIHEDRAL), best distance, as the index's HM_QUERY_DIHEDRAL
  uses them (checked against the index on a sample);
- pdq-dihedral-bits: the index's HM_QUERY_DIHEDRAL on the bare PDQ hash,
  variants derived from the hash's bits (all distances from the index);
- <kind>-trimq: border trimming on the query side only (HM_WANT_TRIMMED):
  the best of the query's plain and trimmed hash against the originals'
  plain hashes, as against a list built without the option;
- <kind>-trim: both sides (a list built with HM_WANT_TRIMMED holds both
  hashes of each original): the best of the four pairs;
- <kind>-crops: the list also holds the hashes of 9 crops of each original
  (HM_WANT_CROPS); queries as is;
- <kind>-cropsfine: the list also holds the hashes of the 9 crops and of 25
  crops of 80% of each side (HM_WANT_CROPS | HM_WANT_CROPS_FINE); queries
  as is;
- <kind>-rotq: small rotations on the query side only (HM_WANT_ROTATIONS):
  the best of the query's plain hash and its hashes turned by each angle of
  hm.ROTATION_ANGLES, against the originals' plain hashes;
- pdq+phash, pdq+phash-dihedral, pdq+phash-crops, pdq+phash-cropsfine,
  pdq+phash-rotq: a copy
  matches when its PDQ or its pHash does (see COMBINE).
Each candidate hash has its own PDQ quality gate.
Beside the modes (meta "dihedral_turned"): each RGB original's 64-bit dihedral
variants against the hashes of its decoded pixels turned each way (numpy,
hashed from a BMP), i.e. how far a variant is from the hash of a turned copy.
"""
import argparse
import datetime
import json
import os
import platform
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import hashmatch as hm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LUT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
PHASHORG = ("phashorg_2026", "phashorg_2014")
KINDS64 = ("phash", "dhash", "ahash") + PHASHORG
MIN_QUALITY = hm.PDQ_MIN_QUALITY
# PDQ or pHash: one score, min(PDQ distance, COMBINE x pHash distance), so that a
# threshold t reads "PDQ <= t or pHash <= t / COMBINE"; 7 is the ratio of their
# FPR-1e-4 thresholds on this corpus (91 and 13).
COMBINE = 7
DEFAULT_THRESHOLD = {k: hm.HashType.coerce(k).default_threshold for k in ("pdq",) + KINDS64}
DEFAULT_THRESHOLD["pdq+phash"] = COMBINE * DEFAULT_THRESHOLD["phash"]
FPRS = (1e-4, 1e-6)
FRAME_GAPS = (1, 5, 25)
BIG = 10_000  # distance of a query that matches nothing (quality gate, decode failure)

_local = threading.local()


def hasher() -> "hm.Hasher":
    h = getattr(_local, "h", None)
    if h is None:
        h = _local.h = hm.Hasher()
    return h


def hash_item(path, crops=False):
    """-> dict(pdq: 8x32 uint8 (the dihedral variants), quality, <kind>: uint64,
    <kind>_d8: 8 uint64, <kind>_hv: the 8 variants as the library's hm.Hash,
    the turned images' pdq_rot: Rx32 uint8, quality_rot: R,
    <kind>_rot: R uint64 (R angles), when the library found a border pdq_trim,
    quality_trim, <kind>_trim, and with crops (the originals) pdq_crops: 9x32
    uint8, <kind>_crops: 9 uint64, pdq_fine: 25x32 uint8, <kind>_fine: 25
    uint64 and, for RGB images, <kind>_turned: 8 uint64, the hashes of the
    decoded pixels turned into each dihedral variant, to compare with <kind>_d8),
    or dict(error=...)."""
    t0 = time.perf_counter()
    try:
        r = hasher().hash(path, ",".join(("pdq",) + KINDS64), dihedral=True, trim=True, crops=crops,
                          crops_fine=crops, rotations=True)
    except hm.Error as e:
        return {"error": f"{type(e).__name__}: {e}"}
    out = {"pdq": np.frombuffer(b"".join(bytes(x) for x in r.dihedral), np.uint8).reshape(8, 32),
           "quality": r.pdq.quality, "t_hash": time.perf_counter() - t0}
    rot = r.rotations
    out["pdq_rot"] = np.frombuffer(b"".join(bytes(x.pdq) for x in rot), np.uint8).reshape(len(rot), 32)
    out["quality_rot"] = np.array([x.pdq.quality for x in rot])
    for k in KINDS64:
        out[k + "_rot"] = np.array([int.from_bytes(bytes(x[k]), "big") for x in rot], np.uint64)
    for k in KINDS64:
        out[k] = int.from_bytes(bytes(r[k]), "big")
        out[k + "_hv"] = r.variants(k)
        out[k + "_d8"] = np.array([int.from_bytes(bytes(x), "big") for x in out[k + "_hv"]], np.uint64)
    if crops:
        out["pdq_crops"] = np.frombuffer(b"".join(bytes(c.pdq) for c in r.crops), np.uint8).reshape(9, 32)
        for k in KINDS64:
            out[k + "_crops"] = np.array([int.from_bytes(bytes(c[k]), "big") for c in r.crops], np.uint64)
        fine = r.fine_crops
        out["pdq_fine"] = np.frombuffer(b"".join(bytes(c.pdq) for c in fine), np.uint8).reshape(len(fine), 32)
        for k in KINDS64:
            out[k + "_fine"] = np.array([int.from_bytes(bytes(c[k]), "big") for c in fine], np.uint64)
        px = hasher().decode(path)
        if px.ndim == 3:  # RGB (a grey image would come back from an RGB BMP with other luma)
            out.update({k + "_turned": np.zeros(8, np.uint64) for k in KINDS64})
        for v in range(8 if px.ndim == 3 else 0):
            rt = hasher().hash(bmp(turn(px, v)), ",".join(KINDS64))
            for k in KINDS64:
                out[k + "_turned"][v] = int.from_bytes(bytes(rt[k]), "big")
    t = r.trimmed
    if t is not None:
        out["pdq_trim"] = np.frombuffer(bytes(t.pdq), np.uint8)
        out["quality_trim"] = t.pdq.quality
        for k in KINDS64:
            out[k + "_trim"] = int.from_bytes(bytes(t[k]), "big")
    return out


def turn(a, v):
    """Pixels (h, w, c) turned into dihedral variant v (hm.Dihedral's order: the
    image rotated 0, 90, 180, 270 degrees counter-clockwise, mirrored top to
    bottom, left to right, transposed, anti-transposed)."""
    return np.ascontiguousarray((a, np.rot90(a, 1), np.rot90(a, 2), np.rot90(a, 3), a[::-1], a[:, ::-1],
                                 a.transpose(1, 0, 2), np.rot90(a, 2).transpose(1, 0, 2))[v])


def bmp(a):
    """RGB pixels (h, w, 3) as a 24-bit BMP file: a lossless container every hash
    type accepts (the binding's hash_pixels takes only PDQ, pHash, dHash, aHash)."""
    h, w = a.shape[:2]
    row = -(-3 * w // 4) * 4
    body = np.zeros((h, row), np.uint8)
    body[:, :3 * w] = a[::-1, :, ::-1].reshape(h, 3 * w)  # bottom-up rows, BGR
    return (b"BM" + struct.pack("<IHHI", 54 + body.size, 0, 0, 54)
            + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, body.size, 2835, 2835, 0, 0) + body.tobytes())


def read_edits(path, photos):
    """edits.tsv (make_edits.py) -> [(index of the photo in photos, edit, file)] for those photos."""
    pidx = {r["sha256"]: i for i, r in enumerate(photos)}
    with open(path) as fh:
        fh.readline()
        return [(pidx[s], e, f) for s, e, f in (l.rstrip("\n").split("\t") for l in fh) if s in pidx]


def unrelated_pairs(photos, q_photo, o_ok):
    """-> (group ids, each original's group id, mask of (query, original) pairs that are unrelated:
    the original is of another group than the query's photo, and hashed)."""
    gid = {g: i for i, g in enumerate(dict.fromkeys(r["group"] for r in photos))}
    o_group = np.array([gid[r["group"]] for r in photos])
    return gid, o_group, (o_group[q_photo][:, None] != o_group[None, :]) & o_ok[None, :]


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
    a = ap.parse_args()
    started = time.time()
    say = lambda m: print(f"[evaluate {time.time() - started:6.0f}s] {m}", file=sys.stderr, flush=True)

    rows = corpus.read_list(a.list)
    photos = [r for r in rows if r["role"] == "photo"]
    frames = [r for r in rows if r["role"] == "frame"]
    if a.limit:
        photos = photos[:a.limit]
    edits = read_edits(a.edits, photos)
    edit_names = list(dict.fromkeys(e for _, e, _ in edits))

    # ---- hashing -------------------------------------------------------
    # originals are queries too: they get the variants like any upload would
    items = [(r["file"], True) for r in photos] + [(r["file"], False) for r in frames] + \
            [(f, False) for _, _, f in edits]
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
    # the library's dihedral variants of each original against the hash of its pixels turned
    turned = {}
    for k in KINDS64:
        tv = [(h[k + "_d8"], h[k + "_turned"]) for h in H_orig if k + "_turned" in h]
        if tv:
            x = u64_bytes(np.concatenate([a for a, _ in tv])) ^ u64_bytes(np.concatenate([b for _, b in tv]))
            d = LUT[x].sum(axis=1, dtype=np.int32).reshape(len(tv), 8)
            turned[k] = {"images": len(tv), "hist": [np.bincount(d[:, v], minlength=65).tolist()
                                                     for v in range(8)]}

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
    o_ok = ok(H_orig)
    gid, o_group, unrel_mask = unrelated_pairs(photos, q_photo, o_ok)
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
        q8 = k64(queries, k, d8=True)  # only queries are turned; originals as stored
        m = popcount_xor(u64_bytes(q8[:, 0]), Ob)
        for v in range(1, 8):
            np.minimum(m, popcount_xor(u64_bytes(q8[:, v]), Ob), out=m)
        dist[k + "-dihedral"] = m
    # border trimming: a hash without a border found is its plain hash
    def trimmed(hs, k):
        if k == "pdq":
            z = np.zeros((len(hs), 32), np.uint8)
            for i, h in enumerate(hs):
                if "error" not in h:
                    z[i] = h.get("pdq_trim", h["pdq"][0])
            return z
        return u64_bytes(np.array([h.get(k + "_trim", h[k]) if "error" not in h else 0 for h in hs],
                                  np.uint64))

    def gate(D, ok_q):  # a candidate query hash of quality < 50 matches nothing
        D[~ok_q] = BIG
        return D

    g_trim = np.array([h.get("quality_trim", h.get("quality", -1)) if "error" not in h else -1
                       for h in queries]) >= MIN_QUALITY
    q_gate_trim = q_gate | g_trim
    for k in ("pdq",) + KINDS64:
        pdq = k == "pdq"
        Qp, Op = (Q_pdq[:, 0, :], O_pdq) if pdq else (u64_bytes(k64(queries, k)), u64_bytes(k64(H_orig, k)))
        Qt, Ot = trimmed(queries, k), trimmed(H_orig, k)
        gp = q_gate if pdq else q_ok
        gt = g_trim if pdq else q_ok
        # originals of quality < 50 stay in a list: the gate is the query's
        dq = np.minimum(gate(popcount_xor(Qp, Op), gp), gate(popcount_xor(Qt, Op), gt))
        dist[k + "-trimq"] = dq
        dist[k + "-trim"] = np.minimum(dq, np.minimum(gate(popcount_xor(Qp, Ot), gp),
                                                      gate(popcount_xor(Qt, Ot), gt)))
    # crops of the originals in the list (an original that failed has none: its row is BIG anyway)
    def nearest_of(d, Q, k, key):
        """d lowered to the distance of Q to each original's hashes h[k + key][c], for every c."""
        for c in range(max(len(h.get("pdq" + key, ())) for h in H_orig)):
            if k == "pdq":
                Oc = np.array([h["pdq" + key][c] if "error" not in h else np.zeros(32, np.uint8)
                               for h in H_orig])
            else:
                Oc = u64_bytes(np.array([h[k + key][c] if "error" not in h else 0 for h in H_orig],
                                        np.uint64))
            np.minimum(d, popcount_xor(Q, Oc), out=d)
        return d

    for k in ("pdq",) + KINDS64:
        Q = Q_pdq[:, 0, :] if k == "pdq" else u64_bytes(k64(queries, k))
        dist[k + "-crops"] = nearest_of(dist[k].copy(), Q, k, "_crops")
        dist[k + "-cropsfine"] = nearest_of(dist[k + "-crops"].copy(), Q, k, "_fine")
    # the query turned by small angles (HM_WANT_ROTATIONS), each hash with its own gate
    n_rot = len(hm.ROTATION_ANGLES)
    g_rot = np.zeros(len(queries), bool)
    for k in ("pdq",) + KINDS64:
        pdq = k == "pdq"
        d = gate(dist[k].copy(), q_gate if pdq else q_ok)
        O = O_pdq if pdq else u64_bytes(k64(H_orig, k))
        for j in range(n_rot):
            if pdq:
                Qr = np.array([h["pdq_rot"][j] if "error" not in h else np.zeros(32, np.uint8)
                               for h in queries])
                gr = np.array([h["quality_rot"][j] >= MIN_QUALITY if "error" not in h else False
                               for h in queries])
                g_rot |= gr
            else:
                Qr = u64_bytes(np.array([h[k + "_rot"][j] if "error" not in h else 0 for h in queries],
                                        np.uint64))
                gr = q_ok
            np.minimum(d, gate(popcount_xor(Qr, O), gr), out=d)
        dist[k + "-rotq"] = d
    q_gate_rot = q_gate | g_rot
    say(f"numpy distances in {time.perf_counter() - t0:.1f} s")

    # PDQ through the index: bit-derived dihedral variants for every pair, and a
    # check of the numpy distances (plain and exact dihedral) on a sample.
    t0 = time.perf_counter()
    idx = hm.Index()
    for i, h in enumerate(H_orig):
        if "error" not in h:
            idx.add(hm.Hash("pdq", bytes(h["pdq"][0]), quality=h["quality"]), list="originals",
                    entry_id=str(i))
            for k in KINDS64:
                idx.add(hm.Hash(k, int(h[k]).to_bytes(8, "big")), list="originals", entry_id=str(i))
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
        checks = [(False, "pdq", exact[:1]), (True, "pdq-dihedral", exact)]
        for k in KINDS64:
            v8 = list(h[k + "_hv"])
            checks += [(False, k, v8[:1]), (True, k + "-dihedral", v8)]
            if k == "ahash":  # variants from the bits: exact for aHash
                checks.append((True, k + "-dihedral", v8[:1]))
        for flag, name, qs in checks:
            radius = 256 if name.startswith("pdq") else 64  # the index refuses a radius above the bits
            got = {int(m.entry_id): m.distance for m in idx.query(qs, radius=radius, dihedral=flag,
                                                                   min_quality=0)}
            want = dist[name][i]
            mism += sum(1 for o in range(no) if o_ok[o] and got.get(o) != want[o])
    say(f"index bit-derived dihedral queries in {t_bits:.1f} s; numpy vs index check on "
        f"{len(sample)} queries (plain and dihedral, every kind): {mism} mismatches")
    if mism:
        say("ERROR: numpy distances disagree with the index")
        return 1

    # decode failures and the PDQ quality gate
    for name, D in dist.items():
        D[~q_ok] = BIG
        if name.startswith("pdq-trim"):
            D[~q_gate_trim] = BIG
        elif name == "pdq-rotq":
            D[~q_gate_rot] = BIG
        elif name.startswith("pdq"):
            D[~q_gate] = BIG
        D[:, ~o_ok] = BIG
    for sfx in ("", "-dihedral", "-crops", "-cropsfine", "-rotq"):  # after the gate: pHash has none
        dist["pdq+phash" + sfx] = np.minimum(dist["pdq" + sfx], COMBINE * dist["phash" + sfx])

    # ---- results -------------------------------------------------------
    own = q_photo
    modes = {}
    for name, D in dist.items():
        kind = name.split("-")[0]
        bitsn = 64 if kind in KINDS64 else 256
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
                "low_quality": int((q_ok[sel] & ~(q_gate_trim if name.startswith("pdq-trim")
                                                  else q_gate)[sel]).sum())
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
            b8 = k64(H_frame, k, d8=True)
            dd = fd[k].copy()
            for v in range(1, 8):
                np.minimum(dd, popcount_xor(u64_bytes(b8[:, v]), b), out=dd)
            fd[k + "-dihedral"] = dd
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
                      ("hash_phash_s", {"types": "phash"}),
                      ("hash_phash_dihedral_s", {"types": "phash", "dihedral": True}),
                      ("hash_all_s", {"types": "perceptual"}),
                      ("hash_all_trim_s", {"types": "perceptual", "trim": True}),
                      ("hash_all_crops_s", {"types": "perceptual", "crops": True}),
                      ("hash_all_cropsfine_s", {"types": "perceptual", "crops": True, "crops_fine": True}),
                      ("hash_pdq_rotations_s", {"types": "pdq", "rotations": True}),
                      ("hash_all_rotations_s", {"types": "perceptual", "rotations": True})):
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
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "python": platform.python_version(), "library": hm.LIBRARY_VERSION, "git": git_rev(),
        "photos": no, "groups": len(gid), "frames": nf, "edits": len(edits),
        "edit_classes": edit_names, "failed_originals": bad_orig,
        "packages": sorted({r["package"] for r in photos}),
        "n_unrelated": n_unrel, "mean_hash_s": float(np.mean(t_hash)) if t_hash else None,
        "trimmed": {c: int(sum(1 for qc, h in zip(q_class, queries) if qc == c and "pdq_trim" in h))
                    for c in ["original"] + edit_names},
        "index_bits_query_s": t_bits, "min_quality": MIN_QUALITY, "runtime_s": time.time() - started,
        "failed_edits": {c: int(sum(1 for qc, okk in zip(q_class, q_ok) if qc == c and not okk))
                         for c in edit_names},
        "limit": a.limit, "cost": cost, "dihedral_turned": turned,
    }
    with open(a.out, "w") as fh:
        json.dump({"meta": meta, "modes": modes}, fh)
    say(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
