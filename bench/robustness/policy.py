#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Calibrate and measure hm_index_decide's match policy on the robustness corpus.

    python bench/robustness/policy.py LIST.tsv EDITS.tsv OUT.json [--jobs N]
    python bench/robustness/policy.py --report OUT.json   # docs/matching.md's tables

Hashes the originals and every edited copy with PDQ, pHash, dHash and aHash
(as evaluate.py, whose corpus model it shares: unrelated pairs are a query
and an original of another group), then

- calibrate: the model of lib/index/policy_model.h (per type, the mean and
  standard deviation of the distance of unrelated pairs, and the
  correlations between types) and the fused-score thresholds at FPR 1e-4
  and 1e-6 (HM_DECIDE_SCORE_FPR_* in include/hashmatch.h), computed with
  numpy from the distances: the largest threshold at which the unrelated
  pairs that match (by PDQ's rule at the default threshold, or by the
  fused score) stay within the rate;
- crossval: the same calibration on the photos of half the groups, applied
  to the other half (both ways), as a check on photos the thresholds were
  not fitted on;
- measure: an index of the originals (every type, one entry id each), and
  Index.decide for every query through the library, at the library's
  thresholds: recall per edit class (the query's own original among its
  decisions), the unrelated pairs decided as matches, and the hard negatives
  (another photo of the same group: scene, person or burst) decided as
  matches: plain, with dihedral variants, with the query's rotations
  (HM_WANT_ROTATIONS), against a list with the originals' crops
  (HM_WANT_CROPS and HM_WANT_CROPS_FINE), and both.

Run with a Python that has the binding, numpy and Pillow (see the command
block in bench/robustness/RESULTS.md).  Figures go to docs/matching.md.
"""
import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import hashmatch as hm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import evaluate as ev  # noqa: E402

KINDS = ("pdq", "phash", "dhash", "ahash")
# max_score that keeps decisions with the query's rotations at FPR 1e-4 on
# this corpus (the default's ln(comparisons) term tightens 5 query hashes
# per type too little: 1.3e-4); docs/matching.md
ROTATIONS_MAX_SCORE = -5.7
TYPES = ",".join(KINDS)


def hash_all(items, jobs, **options):
    """Each item hashed with the four types and `options` (default: the
    dihedral variants), or None where it fails."""
    options = options or {"dihedral": True}

    def one(path):
        try:
            return ev.hasher().hash(path, TYPES, **options)
        except hm.Error:
            return None
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        return list(ex.map(one, items, chunksize=16))


def distances(H, no):
    """(4 x queries x originals distances, PDQ quality gate per query)."""
    nb = {"pdq": 32, "phash": 8, "dhash": 8, "ahash": 8}
    D = []
    for k in KINDS:
        a = np.frombuffer(b"".join(bytes(r[k]) for r in H), np.uint8).reshape(len(H), nb[k])
        D.append(ev.popcount_xor(a, a[:no]).astype(np.float64))
    qual = np.array([r.pdq.quality for r in H])
    return np.stack(D), qual >= hm.PDQ_MIN_QUALITY


def fused(D, gate, model):
    """The fused score of every (query, original) pair, and whether PDQ's own rule holds."""
    mean, sd, corr = (np.array(model[k]) for k in ("mean", "sd", "corr"))
    Z = (D - mean[:, None, None]) / sd[:, None, None]
    av = np.ones(D.shape, bool)
    av[0] = gate[:, None]
    a = av * 1.0
    s = np.where(av, Z, 0).sum(0) / np.sqrt(np.einsum("iqo,ij,jqo->qo", a, corr, a))
    return s, av[0] & (D[0] <= hm.PDQ_THRESHOLD)


def calibrate(D, gate, unrel):
    """-> dict(mean, sd, corr, t_1e-4, t_1e-6) from the unrelated pairs of `unrel`."""
    U = D[:, unrel]
    model = {"mean": U.mean(1).round(2).tolist(), "sd": U.std(1).round(2).tolist(),
             "corr": np.corrcoef(U).round(3).tolist()}
    s, pdq_rule = fused(D, gate, model)
    s, pdq_rule = s[unrel], pdq_rule[unrel]
    model["pdq_rule_false"] = int(pdq_rule.sum())
    n = int(unrel.sum())
    for fpr in (1e-4, 1e-6):
        allowed = int(fpr * n) - int(pdq_rule.sum())
        # the first score that must not match, and the threshold below it
        # in the header's two decimals (a match is score <= threshold)
        first_out = float(np.sort(s[~pdq_rule])[max(0, allowed)])
        model["t_%g" % fpr] = math.floor((first_out - 1e-9) * 100) / 100
    return model


def crossval(D, gate, q_photo, q_class, groups, unrel):
    """Calibrate on the photos of half the groups, measure on the other
    half (both ways): the false-match rate and the light edits' recall
    that the thresholds carry to photos they were not fitted on."""
    gid = {g: i for i, g in enumerate(sorted(set(groups)))}
    half = np.array([gid[g] % 2 for g in groups])  # per original
    out = []
    for fit in (0, 1):
        qin = half[q_photo] == fit
        oin = half == fit
        mfit = unrel & qin[:, None] & oin[None, :]
        mtest = unrel & ~qin[:, None] & ~oin[None, :]
        model = calibrate(D, gate, mfit)
        s, pdq_rule = fused(D, gate, model)
        match = pdq_rule | (s <= model["t_0.0001"])
        own = match[np.arange(len(q_photo)), q_photo]
        test_q = ~qin
        recall = {c: round(100.0 * own[test_q & (q_class == c)].mean(), 1)
                  for c in sorted(set(q_class[test_q]))}
        false = int((match & mtest).sum())
        out.append({"fit_half": fit, "t_1e-4": round(model["t_0.0001"], 3),
                    "test_pairs": int(mtest.sum()), "test_false": false,
                    "test_fpr": false / max(1, int(mtest.sum())), "test_recall": recall})
    return out


def measure(O, H, q_photo, q_class, unrel, hard, dihedral, max_score):
    """Index.decide of every query H against an index of the originals O."""
    idx = hm.Index()
    for i, r in enumerate(O):
        idx.add(r, list="originals", entry_id=str(i))
    idx.commit()
    hits = np.zeros(unrel.shape, bool)
    t0 = time.perf_counter()
    for qi, r in enumerate(H):
        if r is None:
            continue
        for d in idx.decide(r, dihedral=dihedral, max_score=max_score):
            hits[qi, int(d.entry_id)] = True
    secs = time.perf_counter() - t0
    own = hits[np.arange(len(H)), q_photo]
    recall = {c: round(100.0 * own[q_class == c].mean(), 1) for c in sorted(set(q_class))}
    false = int((hits & unrel).sum())
    return {"recall": recall, "false": false, "fpr": false / int(unrel.sum()),
            "hard_negatives": int(hard.sum()), "hard_decided": int((hits & hard).sum()),
            "ms_per_decide": 1000 * secs / len(H)}


LIGHT = ("jpeg_q30", "jpeg_q50", "jpeg_q70", "jpeg_q90", "resize_50", "resize_25", "webp_q60",
         "gif", "colour", "text", "logo")
SETTINGS = (  # (label, key in OUT.json, hashes per query / list entries per original)
    ("decide (default)", "decide", "1 / 4"),
    ("decide, max_score = FPR 1e-6's", "decide_1e-6", "1 / 4"),
    ("decide, dihedral", "decide_dihedral", "8 / 4"),
    ("decide, query rotations", "decide_rotations", "5 / 4"),
    ("decide, query rotations, max_score %g" % ROTATIONS_MAX_SCORE, "decide_rotations_-5.7", "5 / 4"),
    ("decide, list crops + fine crops", "decide_crops", "1 / 140"),
    ("decide, both", "decide_rotations_crops", "5 / 140"))


def report(path):
    """The tables of docs/matching.md from OUT.json, as Markdown."""
    with open(path) as fh:
        d = json.load(fh)
    c = d["calibration"]
    print("Calibration: thresholds %s (1e-4) and %s (1e-6); model %s\n" % (
        c["t_0.0001"], c["t_1e-06"], {k: c[k] for k in ("mean", "sd", "corr")}))
    mark = lambda v, goal: "%.1f ✔" % v if v >= goal else "%.1f" % v
    print("| setting | hashes per query / list entries per original | light edits (worst) "
          "| rotate 2° / 5° / 10° | crop 5 / 10 / 15 / 20 / 30 % | unrelated pairs decided (FPR) "
          "| hard negatives decided | light ≥ 99.5 | rotate ≤ 5° ≥ 95 | crop ≤ 20 % ≥ 95 |")
    print("|---|---|---|---|---|---|---:|---:|---:|---:|")
    for label, key, cost in SETTINGS:
        r = d[key]
        rc = r["recall"]
        w = min(LIGHT, key=lambda k: rc[k])
        rot = min(rc["rotate_2"], rc["rotate_5"])
        crop = min(rc["crop_%d" % x] for x in (5, 10, 15, 20))
        print("| %s | %s | %.1f (%s) | %s | %s | %d (%.2g)%s | %d | %s | %s | %s |" % (
            label, cost, rc[w], w, " / ".join("%.1f" % rc["rotate_%d" % a] for a in (2, 5, 10)),
            " / ".join("%.1f" % rc["crop_%d" % x] for x in (5, 10, 15, 20, 30)), r["false"],
            r["fpr"], "" if r["fpr"] <= 1e-4 else " over", r["hard_decided"],
            mark(rc[w], 99.5), mark(rot, 95), mark(crop, 95)))
    print("\n| fitted on half | its threshold at 1e-4 | test pairs | false-match rate on the other half "
          "| light edits there (worst) | rotate 5° there |")
    print("|---|---:|---:|---:|---:|---:|")
    for x in d["crossval"]:
        rc = x["test_recall"]
        w = min(LIGHT, key=lambda k: rc[k])
        print("| %d | %.2f | %d | %.2g | %.1f (%s) | %.1f |" % (
            x["fit_half"], x["t_1e-4"], x["test_pairs"], x["test_fpr"], rc[w], w, rc["rotate_5"]))


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        report(sys.argv[2])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("list")
    ap.add_argument("edits")
    ap.add_argument("out")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    photos = [r for r in corpus.read_list(a.list) if r["role"] == "photo"]
    edits = ev.read_edits(a.edits, photos)
    items = [r["file"] for r in photos] + [f for _, _, f in edits]
    H = hash_all(items, a.jobs)
    no = len(photos)
    if any(h is None for h in H[:no]):
        sys.exit("an original failed to hash")
    q_photo = np.array(list(range(no)) + [p for p, _, _ in edits])
    q_class = np.array(["original"] * no + [e for _, e, _ in edits])
    _, o_group, unrel = ev.unrelated_pairs(photos, q_photo, np.ones(no, bool))
    # hard negatives: another photo of the query's own group (never unrelated)
    hard = (o_group[q_photo][:, None] == o_group[None, :]) & \
        (q_photo[:, None] != np.arange(no)[None, :])
    D, gate = distances(H, no)
    res = {"photos": no, "queries": len(H), "unrelated_pairs": int(unrel.sum()),
           "library": hm.LIBRARY_VERSION, "calibration": calibrate(D, gate, unrel),
           "crossval": crossval(D, gate, q_photo, q_class, [r["group"] for r in photos], unrel)}
    print("crossval", json.dumps(res["crossval"]), flush=True)
    # the library's rotations on the query side, its crops on the list side
    H_rot = hash_all(items, a.jobs, rotations=True)
    O_crops = hash_all(items[:no], a.jobs, crops=True, crops_fine=True)
    O = H[:no]
    for name, o, q, dih, ms in (
            ("decide", O, H, False, None),
            ("decide_1e-6", O, H, False, hm.DECIDE_SCORE_FPR_1E6),
            ("decide_dihedral", O, H, True, None),
            ("decide_rotations", O, H_rot, False, None),
            ("decide_rotations_-5.7", O, H_rot, False, ROTATIONS_MAX_SCORE),
            ("decide_crops", O_crops, H, False, None),
            ("decide_rotations_crops", O_crops, H_rot, False, None)):
        res[name] = measure(o, q, q_photo, q_class, unrel, hard, dih, ms)
        print(name, json.dumps(res[name]), flush=True)
    print("calibration", json.dumps(res["calibration"]))
    with open(a.out, "w") as fh:
        json.dump(res, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
