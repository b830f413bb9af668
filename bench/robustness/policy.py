#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Calibrate and measure hm_index_decide's match policy on the robustness corpus.

    python bench/robustness/policy.py LIST.tsv EDITS.tsv OUT.json [--jobs N]

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
  matches, with and without dihedral variants.

Run with a Python that has the binding, numpy and Pillow (see the command
block in bench/robustness/RESULTS.md).  Figures go to docs/matching.md.
"""
import argparse
import json
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
TYPES = ",".join(KINDS)


def hash_all(items, jobs):
    def one(path):
        try:
            return ev.hasher().hash(path, TYPES, dihedral=True)
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
        model["t_%g" % fpr] = float(np.sort(s[~pdq_rule])[max(0, allowed)])
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
        match = pdq_rule | (s < model["t_0.0001"])
        own = match[np.arange(len(q_photo)), q_photo]
        test_q = ~qin
        recall = {c: round(100.0 * own[test_q & (q_class == c)].mean(), 1)
                  for c in sorted(set(q_class[test_q]))}
        false = int((match & mtest).sum())
        out.append({"fit_half": fit, "t_1e-4": round(model["t_0.0001"], 3),
                    "test_pairs": int(mtest.sum()), "test_false": false,
                    "test_fpr": false / max(1, int(mtest.sum())), "test_recall": recall})
    return out


def measure(H, no, q_photo, q_class, unrel, hard, dihedral, max_score):
    idx = hm.Index()
    for i, r in enumerate(H[:no]):
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


def main() -> int:
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
    for name, dih, ms in (("decide", False, None), ("decide_1e-6", False, hm.DECIDE_SCORE_FPR_1E6),
                          ("decide_dihedral", True, None)):
        res[name] = measure(H, no, q_photo, q_class, unrel, hard, dih, ms)
        print(name, json.dumps(res[name]), flush=True)
    print("calibration", json.dumps(res["calibration"]))
    with open(a.out, "w") as fh:
        json.dump(res, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
