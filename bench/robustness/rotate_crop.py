#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Issue #20 groundwork: prototypes of small-rotation and large-crop handling,
measured with evaluate.py's protocol (same queries, unrelated pairs, FPR rule).

    python bench/robustness/rotate_crop.py LIST.tsv EDITS.tsv OUT.json [--limit N] [--jobs J] [--reuse]
    python bench/robustness/rotate_crop.py --report OUT.json RESULTS.md   # (re)write its section

A prototype in Python (Pillow, numpy), not a library feature: the library is
only asked for plain hashes (hm_hash_file, with HM_WANT_CROPS for the
originals) and for hashes of pixels (hm_hash_pixels).  Every image, query or
original, is decoded by the library, shrunk to at most SIDE pixels a side
(bilinear), then:
- rotated by each angle of ANGLES (both signs, bilinear, size kept, black
  fill) and hashed twice: the whole frame ("full", black corners in) and its
  largest upright rectangle ("crop", no fill in the hash: inscribed());
- for originals also: grids of crops (LIST_GRIDS: 3x3 at 80% and 70% of each
  side in the layout of the library's 90% crops, 5x5 at 85% and 80%), and for
  every image: its centre 90%, 80% and 70% (query windows).
The settings below pick columns of these hashes for the query side and the
list side; a pair's distance is the least over the picked pairs (each query
hash gated by its own PDQ quality), and the FPR-1e-4 threshold is recomputed
on the unrelated pairs of that setting, as evaluate.py does for its dihedral
and trim modes.  --report renders the tables into RESULTS.md's section
'Issue #20 groundwork' (replacing it; report.py keeps it when it rewrites the
file).
"""
import argparse
import json
import math
import os
import pickle
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SIDE = 512
ANGLES = (2, 3, 4, 6, 8)  # both signs; the sets measured are subsets
ANGLE_SETS = [(), (4,), (3,), (2, 4), (3, 6), (4, 8), (2, 4, 6, 8), (2, 3, 4, 6, 8)]
LIST_GRIDS = ((0.8, 3), (0.7, 3), (0.85, 5), (0.8, 5))  # extra crop grids of the originals: (side, n x n)
QUERY_WINDOWS = (0.9, 0.8, 0.7)  # centre windows of the query
CLASSES_ROT = ["rotate_2", "rotate_5", "rotate_10"]
CLASSES_CROP = ["crop_5", "crop_10", "crop_15", "crop_20", "crop_30"]
GOAL_ROT = ["rotate_2", "rotate_5"]
GOAL_CROP = ["crop_5", "crop_10", "crop_15", "crop_20"]
CLASSES_LIGHT = ["jpeg_q30", "jpeg_q50", "jpeg_q70", "jpeg_q90", "resize_50", "resize_25", "webp_q60",
                 "gif", "colour", "text", "logo"]
SECTION = "## Issue #20 groundwork"
KINDS = (("pdq", "PDQ"), ("phash", "pHash"), ("pdq+phash", "or"), ("pdq+phash0", "or*"))


def inscribed(w, h, deg):
    """Size of the largest upright rectangle centred in a w x h frame turned by
    deg degrees (the part of the turned image that has no fill)."""
    a = math.radians(abs(deg))
    s, c = math.sin(a), math.cos(a)
    if s < 1e-12:
        return w, h
    long_, short = max(w, h), min(w, h)
    if short <= 2 * s * c * long_:  # thin frame: the rectangle touches both long sides
        x = short / 2
        wr, hr = (x / s, x / c) if w >= h else (x / c, x / s)
    else:
        c2 = c * c - s * s
        wr, hr = (w * c - h * s) / c2, (h * c - w * s) / c2
    return max(1, int(wr)), max(1, int(hr))


def centre(im, fw, fh):
    w, h = im.size
    x, y = (w - fw) // 2, (h - fh) // 2
    return im.crop((x, y, x + fw, y + fh))


def grid(im, f, n):
    """n x n crops of f of each side, evenly spaced from corner to corner (n = 3: the layout of the
    library's 90% crops: corners, edge middles, centre)."""
    w, h = im.size
    cw, ch = max(1, round(w * f)), max(1, round(h * f))
    return [im.crop((x, y, x + cw, y + ch)) for y in np.linspace(0, h - ch, n).round().astype(int)
            for x in np.linspace(0, w - cw, n).round().astype(int)]


def grid_name(f, n):
    return "grid%d" % round(100 * f) if n == 3 else "fine%dx%d" % (round(100 * f), n)


def variant_images(im, original):
    """Yields (name, image) for every variant of one decoded, shrunk image."""
    from PIL import Image
    for a in ANGLES:
        for sgn in (1, -1):
            r = im.rotate(sgn * a, Image.BILINEAR, expand=False, fillcolor="black")
            yield "full%+d" % (sgn * a), r
            yield "crop%+d" % (sgn * a), centre(r, *inscribed(*im.size, a))
    for f in QUERY_WINDOWS:  # originals are queries too
        yield "win%d" % round(100 * f), centre(im, round(im.width * f), round(im.height * f))
    if original:
        for f, n in LIST_GRIDS:
            yield from (("%s_%d" % (grid_name(f, n), i), c) for i, c in enumerate(grid(im, f, n)))


def hash_variants(path, original):
    """-> dict(names, pdq (V x 32 uint8), quality (V), phash (V uint64), t_plain, t_prep, t_var (per name))
    or dict(error=...).  Variant 0 is the plain hash of the file; originals then
    have the library's 9 crops; the rest are variant_images()."""
    import hashmatch as hm
    from PIL import Image
    from evaluate import hasher
    h = hasher()
    try:
        t0 = time.perf_counter()
        r = h.hash(path, "pdq,phash", crops=original)
        t1 = time.perf_counter()
        px = h.decode(path)
    except hm.Error as e:
        return {"error": f"{type(e).__name__}: {e}"}
    names, pdq, qual, ph = ["plain"], [bytes(r.pdq)], [r.pdq.quality], [bytes(r.phash)]
    if original:
        for i, c in enumerate(r.crops):
            names.append("lib90_%d" % i)
            pdq.append(bytes(c.pdq)), qual.append(c.pdq.quality), ph.append(bytes(c.phash))
    im = Image.fromarray(px)
    if im.mode != "RGB":
        im = im.convert("RGB")
    im.thumbnail((SIDE, SIDE), Image.BILINEAR)
    t2 = t3 = time.perf_counter()
    t_var = {}  # making the variant (turn, crop) and hashing it
    for name, v in variant_images(im, original):
        x = h.hash_pixels(v, "pdq,phash")
        t_var[name], t3 = time.perf_counter() - t3, time.perf_counter()
        names.append(name)
        pdq.append(bytes(x.pdq)), qual.append(x.pdq.quality), ph.append(bytes(x.phash))
    return {"names": names, "pdq": np.frombuffer(b"".join(pdq), np.uint8).reshape(len(names), 32),
            "quality": np.array(qual), "phash": np.frombuffer(b"".join(ph), ">u8").astype(np.uint64),
            "t_plain": t1 - t0, "t_prep": t2 - t1, "t_var": t_var}


def pick(names, prefixes):
    return [n for n in names if n == "plain" or any(n.startswith(p) for p in prefixes)]


def rot_prefixes(kind, angles):
    return ["%s%+d" % (kind, s * a) for a in angles for s in (1, -1)]


def settings():
    """name -> (query prefixes, list prefixes, description)."""
    out = {}
    for angles in ANGLE_SETS:
        if not angles:
            out["plain"] = ([], [], "plain hashes")
            continue
        lab = ",".join("±%d" % a for a in angles)
        for kind in ("crop", "full"):
            out["q-%s %s" % (kind, lab)] = (rot_prefixes(kind, angles), [],
                                            "query de-rotated (%s), list plain" % kind)
            out["i-%s %s" % (kind, lab)] = ([], rot_prefixes(kind, angles),
                                            "list holds the rotated originals (%s), query plain" % kind)
    out["crops90"] = ([], ["lib90"], "list: + library's 9 crops of 90%")
    out["crops90 + q-crop ±2,±4,±6,±8"] = (rot_prefixes("crop", (2, 4, 6, 8)), ["lib90"],
                                           "list with 90% crops; query de-rotated (crop)")
    out["crops90 + q-full ±2,±4,±6,±8"] = (rot_prefixes("full", (2, 4, 6, 8)), ["lib90"],
                                           "list with 90% crops; query de-rotated (full)")
    out["crops90,80"] = ([], ["lib90", "grid80"], "list: + 9 crops of 90% and 9 of 80%")
    out["crops90,80,70"] = ([], ["lib90", "grid80", "grid70"], "list: + 9 crops each of 90, 80, 70%")
    out["crops90,85(5x5),80(5x5)"] = ([], ["lib90", "fine85x5", "fine80x5"],
                                     "list: + 9 crops of 90%, 25 of 85% and 25 of 80%")
    out["crops90,80(5x5)"] = ([], ["lib90", "fine80x5"], "list: + 9 crops of 90% and 25 of 80%")
    out["crops90,80(5x5) + q-full ±4,±8"] = (rot_prefixes("full", (4, 8)), ["lib90", "fine80x5"],
                                             "list with 90% and 25 80% crops; query de-rotated (full)")
    out["crops90 + qwin90,80"] = (["win90", "win80"], ["lib90"],
                                  "list with 90% crops; query also its centre 90%, 80%")
    out["crops90 + qwin90,80,70"] = (["win90", "win80", "win70"], ["lib90"],
                                     "list with 90% crops; query also its centre 90, 80, 70%")
    out["crops90,80 + qwin90,80"] = (["win90", "win80"], ["lib90", "grid80"],
                                     "list with 90% and 80% crops; query also its centre 90%, 80%")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("list", nargs="?")
    ap.add_argument("edits", nargs="?")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--report", nargs=2, metavar=("JSON", "RESULTS_MD"))
    ap.add_argument("--baseline", help="with --report: evaluate.py's JSON of the same corpus, for the "
                    "before table")
    ap.add_argument("--command", default="")
    ap.add_argument("--reuse", action="store_true",
                    help="take the variants' hashes from OUT.json.hashes.pickle when it is of the same inputs")
    a = ap.parse_args()
    if a.report:
        return report(*a.report, baseline=a.baseline)
    import evaluate as ev
    import corpus
    started = time.time()
    say = lambda m: print(f"[rotate_crop {time.time() - started:6.0f}s] {m}", file=sys.stderr, flush=True)
    photos = [r for r in corpus.read_list(a.list) if r["role"] == "photo"]
    if a.limit:
        photos = photos[:a.limit]
    edits = ev.read_edits(a.edits, photos)
    no = len(photos)
    items = [(r["file"], True) for r in photos] + [(f, False) for _, _, f in edits]
    cache = a.out + ".hashes.pickle"  # the variants' hashes, for --reuse
    key = (items, ANGLES, LIST_GRIDS, QUERY_WINDOWS, SIDE)
    H = None
    if a.reuse and os.path.exists(cache):
        with open(cache, "rb") as fh:
            k, H = pickle.load(fh)
        H = H if k == key else None
        say("reusing the hashes of %s" % cache if H else "%s is of other inputs: hashing again" % cache)
    if H is None:
        say(f"hashing {no} originals and {len(edits)} copies with their variants ({a.jobs} threads)")
        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            H = list(ex.map(lambda it: hash_variants(*it), items, chunksize=4))
        with open(cache, "wb") as fh:
            pickle.dump((key, H), fh)
        say("hashed")
    HO, HQ = H[:no], H  # originals are queries too, as in evaluate.py
    q_photo = np.array(list(range(no)) + [p for p, _, _ in edits])
    q_class = np.array(["original"] * no + [e for _, e, _ in edits])
    o_ok = np.array(["error" not in h for h in HO])
    q_ok = np.array(["error" not in h for h in HQ])
    _, _, unrel = ev.unrelated_pairs(photos, q_photo, o_ok)
    n_unrel = int(unrel.sum())
    qnames = next(h["names"] for h in HQ[no:] if "error" not in h)
    onames = next(h["names"] for h in HO if "error" not in h)

    for h in H:
        if "error" not in h:
            h["at"] = {n: i for i, n in enumerate(h["names"])}

    def cols(hs, names, key):
        """One array per variant name: its hash of every item (zeros for an item that failed)."""
        shape = (len(hs),) + ((32,) if key == "pdq" else ())
        out = []
        for n in names:
            z = np.zeros(shape, np.uint8 if key == "pdq" else np.uint64)
            for j, h in enumerate(hs):
                if "error" not in h:
                    z[j] = h[key][h["at"][n]]
            out.append(z if key == "pdq" else ev.u64_bytes(z))
        return out

    def gates(hs, names):
        return [np.array([("error" not in h) and h["quality"][h["at"][n]] >= ev.MIN_QUALITY for h in hs])
                for n in names]

    results = {}
    for sname, (qp, lp, desc) in settings().items():
        qi, oi = pick(qnames, qp), pick(onames, lp)
        D = {}
        for key in ("pdq", "phash"):
            Qc, Oc = cols(HQ, qi, key), cols(HO, oi, key)
            G = gates(HQ, qi) if key == "pdq" else [q_ok] * len(qi)
            d = np.full((len(HQ), no), ev.BIG, np.int32)
            for q, g in zip(Qc, G):
                for o in Oc:
                    x = ev.popcount_xor(q, o)
                    x[~g] = ev.BIG
                    np.minimum(d, x, out=d)
            d[~q_ok] = ev.BIG
            d[:, ~o_ok] = ev.BIG
            D[key] = d
        D["pdq+phash"] = np.minimum(D["pdq"], ev.COMBINE * D["phash"])
        if sname == "plain":
            phash_plain = D["phash"]
        # the variants for PDQ only, pHash as is (settings() puts "plain" first)
        D["pdq+phash0"] = np.minimum(D["pdq"], ev.COMBINE * phash_plain)
        res = {"desc": desc, "query_hashes": len(qi), "list_hashes": len(oi), "query_variants": qi,
               "kinds": {}}
        for key, d in D.items():
            bits = 64 if key == "phash" else 256
            if key.startswith("pdq+phash"):
                bits = ev.COMBINE * 64
            hist = np.bincount(np.minimum(d[unrel], bits + 1), minlength=bits + 2)[:bits + 1]
            t, false = ev.threshold_for(hist, n_unrel, 1e-4)
            pos = d[np.arange(len(HQ)), q_photo]
            rec = {c: float((pos[q_class == c] <= t).mean()) for c in dict.fromkeys(q_class.tolist())}
            res["kinds"][key] = {"t": t, "false": false, "recall": rec}
        results[sname] = res
        say("%s: t %s; rotate 2/5/10 %s" % (sname, [res["kinds"][k]["t"] for k in D], [
            "%.3f" % res["kinds"]["pdq+phash"]["recall"].get(c, -1) for c in CLASSES_ROT]))

    # cost: one thread, a sample of copies: plain hash, and per variant (rotate or crop, then hash)
    ok_edits = [h for h in H[no:] if "error" not in h]
    t_var = {n: float(np.mean([h["t_var"][n] for h in ok_edits])) for n in ok_edits[0]["t_var"]}
    cost = {"t_plain_ms": 1000 * float(np.mean([h["t_plain"] for h in ok_edits])),
            "t_prep_ms": 1000 * float(np.mean([h["t_prep"] for h in ok_edits])),
            "t_var_ms": {n: 1000 * v for n, v in t_var.items()}, "threads": a.jobs}
    meta = {"photos": no, "edits": len(edits), "n_unrelated": n_unrel, "side": SIDE, "angles": ANGLES,
            "limit": a.limit, "git": ev.git_rev(), "library": ev.hm.LIBRARY_VERSION,
            "machine": f"{ev.cpu_model()}, {os.cpu_count()} CPUs", "command": a.command,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "runtime_s": time.time() - started}
    with open(a.out, "w") as fh:
        json.dump({"meta": meta, "cost": cost, "settings": results}, fh)
    say(f"wrote {a.out}")
    return 0


def report(json_path, md_path, baseline=None):
    """Write the section into RESULTS.md, replacing an earlier one."""
    d = json.load(open(json_path))
    meta, cost, S = d["meta"], d["cost"], d["settings"]
    L = [SECTION + "\n"]
    w = L.append
    w("Written by `bench/robustness/rotate_crop.py --report` (report.py keeps this section when it "
      "rewrites the page). Run of %s on %s, libhashmatch %s (git %s): %d photos, %d edited copies, "
      "%s unrelated pairs%s. Command:\n" % (
          meta["date"], meta["machine"], meta["library"], meta["git"], meta["photos"], meta["edits"],
          f"{meta['n_unrelated']:,}", " (**subset: --limit %d**)" % meta["limit"] if meta["limit"] else ""))
    w("```sh\n%s\n```\n" % meta["command"])
    if baseline:
        from report import recall  # beside this file
        b = json.load(open(baseline))
        bm, M = b["meta"], b["modes"]
        w("### Before: the library's modes (evaluate.py)\n")
        w("`evaluate.py` run of %s (git %s, %d photos, %d copies, %s unrelated pairs), recall %% at each "
          "mode's FPR-1e-4 threshold; 'crops': the list also holds the library's 9 crops of 90%% of "
          "each original (`HM_WANT_CROPS`). Light: the worst of %s.\n" % (
              bm["date"], bm["git"], bm["photos"], bm["edits"], f"{bm['n_unrelated']:,}",
              ", ".join(CLASSES_LIGHT)))
        cls = CLASSES_ROT + CLASSES_CROP
        w("| mode | t | " + " | ".join(c.replace("rotate_", "rot ").replace("crop_", "crop ") for c in cls)
          + " | light (worst) |")
        w("|---|---:|" + "---:|" * (len(cls) + 1))
        for m, lab in (("pdq", "PDQ"), ("phash", "pHash"), ("pdq+phash", "PDQ or pHash"),
                       ("pdq-crops", "PDQ, crops"), ("phash-crops", "pHash, crops"),
                       ("pdq+phash-crops", "PDQ or pHash, crops")):
            t = M[m]["thresholds"]["0.0001"]["t"]
            C = M[m]["classes"]
            worst = min(CLASSES_LIGHT, key=lambda c: recall(C[c], t))
            w("| %s | %d | %s | %.1f (%s) |" % (lab, t, " | ".join("%.1f" % (100 * recall(C[c], t)) for c in cls),
                                               100 * recall(C[worst], t), worst))
        w("")

    w("### After: the prototypes (rotate_crop.py)\n")
    w("Every setting has its own FPR-1e-4 threshold, recomputed on its unrelated pairs with its "
      "variants applied (PDQ; pHash; 'or': PDQ or pHash, min(PDQ, 7 × pHash), both with the variants; "
      "'or*': the same with the variants for PDQ only, pHash plain). Query hashes / list "
      "hashes: hashes per query and per original (1 = plain). Variants are made from the image "
      "shrunk to ≤ %d px a side; 'crop': the largest upright rectangle of the turned frame, "
      "'full': the turned frame with its black corners; 'q-': query side (list of plain hashes), "
      "'i-': list side (the list holds the originals turned, query plain). No set holds the 5° or 10° "
      "of the edits; the sets with ±2 hold rotate 2°'s angle exactly.\n" % meta["side"])

    def pc(x):
        return "%.1f" % (100 * x)

    tv = cost["t_var_ms"]

    def query_ms(r):
        """Hashing one query in this setting: the plain hash, and with variants the shrink and each variant."""
        extra = [tv[v] + (tv["full" + v[4:]] if v.startswith("crop") else 0)  # a crop needs its turn
                 for v in r.get("query_variants", []) if v != "plain"]
        return cost["t_plain_ms"] + (cost["t_prep_ms"] + sum(extra) if extra else 0)

    def table(names, classes, title, kinds=KINDS[:3]):
        short = lambda c: c.replace("rotate_", "rot ").replace("crop_", "crop ")
        w("#### %s\n" % title)
        w("| setting | q / list hashes | ms / query | t: %s | " % ", ".join(lab for _, lab in kinds) + " | ".join(
            "%s %s" % (lab, short(c)) for _, lab in kinds for c in classes) + " | light (worst): PDQ, or |")
        w("|---|---|---:|---|" + "---:|" * (len(kinds) * len(classes)) + "---|")
        for n in names:
            if n not in S:
                continue
            r = S[n]
            K = r["kinds"]

            def worst(k):
                c = min(CLASSES_LIGHT, key=lambda c: K[k]["recall"].get(c, 1))
                return "%s (%s)" % (pc(K[k]["recall"].get(c, float("nan"))), c)
            w("| %s | %d / %d | %.0f | %s | %s | %s; %s |" % (
                n, r["query_hashes"], r["list_hashes"], query_ms(r), ", ".join(str(K[k]["t"]) for k, _ in kinds),
                " | ".join(pc(K[k]["recall"].get(c, float("nan"))) for k, _ in kinds for c in classes),
                worst("pdq"), worst("pdq+phash")))
        w("")

    rot = [n for n in S if n == "plain" or n.startswith(("q-", "i-"))]
    table(rot, CLASSES_ROT, "Rotations", KINDS)
    table([n for n in S if n.startswith("crops") or n == "plain"], CLASSES_CROP, "Crops")
    rot_ms = {k: float(np.mean([v for n, v in tv.items() if n.startswith(k)])) for k in ("full", "crop")}
    w("Cost (means over the copies, %d threads on a busy 2-core machine: read as upper bounds): the "
      "plain PDQ + pHash of a file %.1f ms; decoding again and shrinking to ≤ %d px %.1f ms (a library "
      "would reuse its decode); per angle, turning the shrunk image and hashing it ('full') %.1f ms, "
      "hashing its upright rectangle as well %.1f ms more ('crop' alone costs about what 'full' does); "
      "each centre window %.1f ms. A query with n extra hashes also costs n more index searches; a list "
      "with n hashes per original is n times as large. 'ms / query': the plain hash, and with query "
      "variants the shrink and each variant (a 'crop' variant counted as its turn and both hashes).\n" % (
          cost["threads"], cost["t_plain_ms"], meta["side"], cost["t_prep_ms"], rot_ms["full"], rot_ms["crop"],
          float(np.mean([v for n, v in tv.items() if n.startswith("win")]))))
    w("#### Issue #20's goals, per setting\n")
    w("Worst class of each goal at the setting's own FPR-1e-4 threshold (✔: goal met): rotate ≤ 5° "
      "(rotate 2°, 5°) ≥ 95%%; crop ≤ 20%% (crop 5–20%%) ≥ 95%%; light edits (%s) ≥ 99.5%%.\n"
      % ", ".join(CLASSES_LIGHT))
    w("| setting | q / list hashes | " + " | ".join(
        "%s: rotate ≤ 5° | crop ≤ 20%% | light" % lab for k, lab in KINDS if k != "phash") + " |")
    w("|---|---|" + "---:|" * 9)
    for n, r in S.items():
        cells = []
        for k in ("pdq", "pdq+phash", "pdq+phash0"):
            R = r["kinds"][k]["recall"]
            for cls, target in ((GOAL_ROT, 0.95), (GOAL_CROP, 0.95), (CLASSES_LIGHT, 0.995)):
                x = min(R[c] for c in cls)
                cells.append("%s%s" % (pc(x), " ✔" if x >= target else ""))
        w("| %s | %d / %d | %s |" % (n, r["query_hashes"], r["list_hashes"], " | ".join(cells)))
    w("")
    text = open(md_path).read() if os.path.exists(md_path) else ""
    i = text.find(SECTION)
    if i >= 0:
        text = text[:i]
    with open(md_path, "w") as fh:
        fh.write(text.rstrip() + "\n\n" + "\n".join(L).rstrip() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
