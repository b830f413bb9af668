#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Markdown report of the matching-index benchmark (bench/run_index.sh).

    python3 bench/report_index.py OUT > report.md

Reads OUT/meta.tsv, c-*.tsv (bench_index) and py-*.tsv (peers).  Standard
library only.
"""
import csv
import math
import os
import sys

OUT = sys.argv[1]


def tsv(name):
    p = os.path.join(OUT, name)
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


meta = {}
if os.path.exists(os.path.join(OUT, "meta.tsv")):
    with open(os.path.join(OUT, "meta.tsv")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            meta[k] = v

cq = tsv("c-queries.tsv")
pq = tsv("py-queries.tsv")
cb = tsv("c-build.tsv")
pb = tsv("py-build.tsv")
cm = tsv("c-model.tsv")
bw = tsv("c-bandwidth.tsv")

# (set, r, qkind, column) -> row
Q = {}
for row in cq:
    col = row["structure"] if row["variant"] == "mih-only" else (
        "bktree" if row["structure"] == "bktree" else "auto+bk")
    Q[(row["set"], int(row["r"]), row["qkind"], col)] = row
for row in pq:
    Q[(row["set"], int(row["r"]), row["qkind"], row["structure"])] = row
SETS = []
KIND0 = {row["set"]: row["kind"] for row in cq}
for row in cq:
    if row["set"] not in [s[0] for s in SETS]:
        SETS.append((row["set"], row["kind"], row["type"], int(row["bits"]), int(row["n"])))


def med(s, r, qk, col):
    row = Q.get((s, r, qk, col))
    return num(row["med_ms"]) if row else float("nan")


def fmt_ms(x):
    if math.isnan(x):
        return "—"
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    if x >= 1:
        return "%.2f" % x
    if x >= 0.01:
        return "%.3f" % x
    return "%.4f" % x


def fmt_x(x):
    if math.isnan(x) or math.isinf(x):
        return "—"
    if x >= 100:
        return "%.0fx" % x
    if x >= 10:
        return "%.0fx" % x
    return "%.1fx" % x


def size_of(n):
    return "%dM" % (n // 1000000) if n % 1000000 == 0 else "%dk" % (n // 1000) if n >= 1000 else str(n)


def setname(bits, kind, n):
    for s in SETS:
        if s[3] == bits and s[1] == kind and s[4] == n:
            return s[0]
    return None


def picked_best(w):
    """Did AUTO use (for most queries) the structure that was fastest forced?"""
    row = w[9]
    forced = {"scan": num(row["scan_ms"]), "mih": num(row["mih_ms"]), "bktree": num(row["bk_ms"])}
    best = min((v, k) for k, v in forced.items() if not math.isnan(v))[1]
    used = max((int(row["used_scan"] or 0), "scan"), (int(row["used_mih"] or 0), "mih"),
               (int(row["used_bk"] or 0), "bktree"))[1]
    return used == best


p = print
p("## Report produced by `bench/run_index.sh`\n")
p("Command: `%s` (from the repository root)  " % meta.get("command", "?"))
p("Date: %s  " % meta.get("date", "?"))
p("Machine: %s, %s CPUs, %s; %s; %s  " % (meta.get("cpu", "?"), meta.get("cpus", "?"),
                                          meta.get("cpu_flags", "?"), meta.get("caches", "?"),
                                          meta.get("os", "?")))
p("libhashmatch: commit %s, %s build, %s  " % (meta.get("commit", "?"), meta.get("build_type", "?"),
                                              meta.get("cc", "?")))
if "faiss-cpu" in meta:
    p("Peers: Python %s, faiss-cpu %s (%s), pybktree %s, numpy %s  " % (
        meta.get("python"), meta.get("faiss-cpu"), meta.get("faiss_simd", "").strip(),
        meta.get("pybktree"), meta.get("numpy")))
else:
    p("Peers: not run (%s)  " % meta.get("peers", "?"))
p("Protocol: everything pinned to CPU %s (`taskset`), C and Python one after the other on the "
  "same data and query files; one query per call, timed one by one; the caches are flushed "
  "(128 MB written) before each timed run; medians over the queries that fit a %s s budget "
  "per cell (at least 15; BK-tree: 3, 4 s; Python: at least 5, 2x the budget; pybktree at least 3, 10 s). "
  "The other core was busy %s of the time during the timed phases (load average at the end: %s).\n" % (
      meta.get("cpu_pin", "?"), meta.get("budget", "?"), meta.get("other_busy", "?"),
      meta.get("loadavg_end", "?")))

# ---- goals ----------------------------------------------------------------------
p("### Goals (10M, one thread)\n")
p("| goal | measured | met? |")
p("|---|---|---|")
TEN = 10000000


def yes(c):
    return "yes" if c else "**no**"


def qkinds(s):
    return [qk for qk in ("hit", "miss", "other") if (s, 31 if "pdq" in s else 8, qk, "auto") in Q]


for kind in ("uniform", "clustered", "realmix"):
    s = setname(256, kind, TEN)
    if not s:
        continue
    for qk in qkinds(s):
        a = med(s, 31, qk, "auto")
        f = med(s, 31, qk, "faiss-mh-16x16")
        p("| PDQ r=31 ≤ 1 ms (%s, %s) | %s ms | %s |" % (kind, qk, fmt_ms(a), yes(a <= 1)))
        if not math.isnan(f):
            p("| PDQ r=31 ≥ 10x faiss MultiHash(256,16,16) (%s, %s) | %s ms vs %s ms: %s | %s |" % (
                kind, qk, fmt_ms(a), fmt_ms(f), fmt_x(f / a), yes(f / a >= 10)))
for row in cb:
    if row["bits"] == "256" and int(row["n"]) == TEN and row["structures"] == "mih":
        n = int(row["n"])
        st = num(row["bytes_structures"]) / n
        tot = num(row["bytes"]) / n
        ld = num(row["rss_loaded"]) / n
        p("| PDQ ≤ 100 B per hash (%s) | codes + MIH %.0f B; whole snapshot (ids, entries) %.0f B; "
          "RSS of the loaded index %.0f B; RSS growth after the bulk add %.0f B | %s |" % (
              row["kind"], st, tot, ld, num(row["rss_growth"]) / n,
              "structures yes, whole index " + ("yes" if tot <= 100 else "**no**")))
for r, goal in ((8, 0.1), (10, 0.3)):
    for kind in ("uniform", "clustered", "realmix"):
        s = setname(64, kind, TEN)
        if not s:
            continue
        for qk in qkinds(s):
            a = med(s, r, qk, "auto")
            fm = min(med(s, r, qk, "faiss-mh-4x16"), med(s, r, qk, "faiss-mh-3x21"))
            pbk = med(s, r, qk, "pybktree")
            p("| 64-bit r=%d ≤ %g ms (%s, %s) | %s ms | %s |" % (r, goal, kind, qk, fmt_ms(a), yes(a <= goal)))
            if not math.isnan(fm):
                p("| 64-bit r=%d ≥ 10x faiss MultiHash, best of 4x16 / 3x21 (%s, %s) | %s ms: %s | %s |" % (
                    r, kind, qk, fmt_ms(fm), fmt_x(fm / a), yes(fm / a >= 10)))
            if not math.isnan(pbk):
                p("| 64-bit r=%d ≥ 1000x pybktree (%s, %s) | %s ms: %s | %s |" % (
                    r, kind, qk, fmt_ms(pbk), fmt_x(pbk / a), yes(pbk / a >= 1000)))
bwmed = max([num(b["med_gbs"]) for b in bw] or [float("nan")])
for s, kind, typ, bits, n in SETS:
    if n != TEN or kind != "uniform":
        continue
    sc = med(s, 31 if bits == 256 else 8, "miss", "scan")
    gbs = n * bits / 8 / (sc / 1e3) / 1e9
    p("| linear scan ≥ 2/3 of streaming read (%s) | %.1f GB/s (%s ms) vs %.1f GB/s: %.0f%% | %s |" % (
        s, gbs, fmt_ms(sc), bwmed, 100 * gbs / bwmed, yes(gbs >= 2 / 3 * bwmed)))
for row in cb:
    if int(row["n"]) == TEN and row["structures"] == "mih":
        t = num(row["add_s"]) + num(row["commit_s"])
        p("| build 10M ≤ 10 s (%s) | %.1f s (add %.1f + commit %.1f) | %s |" % (
            row["set"], t, num(row["add_s"]), num(row["commit_s"]), yes(t <= 10)))
# AUTO vs scan / best, on the same queries (c-auto.tsv: medians over the
# queries that every compared run did)
ca = tsv("c-auto.tsv")
worst = []
for row in ca:
    a, sc = num(row["auto_ms"]), num(row["scan_ms"])
    forced = [x for x in (sc, num(row["mih_ms"]), num(row["bk_ms"])) if not math.isnan(x)]
    best = min(forced)
    worst.append((a / sc, a / best, row["set"], int(row["r"]), row["qkind"],
                  "auto" if row["variant"] == "mih-only" else "auto+bk", a, sc, best, row))
bad_scan = [w for w in worst if w[0] > 1.1]
bad_best = [w for w in worst if w[1] > 1.1]
if worst:
    w0 = max(worst, key=lambda w: w[0])
    p("| AUTO never > 1.1x the scan (%d cells, same queries) | worst %s (%s r=%d %s, %s) | %s |" % (
        len(worst), fmt_x(w0[0]), w0[2], w0[3], w0[4], w0[5], yes(not bad_scan)))
    p("| (also checked) AUTO never > 1.1x the best forced structure | %d cells over 1.1x, %d of them "
      "where AUTO chose another structure than the best | %s |" % (
          len(bad_best), sum(1 for w in bad_best if not picked_best(w)), yes(not bad_best)))
p("")
if bad_scan or bad_best:
    p("AUTO cells more than 1.1x slower than the scan or than the best forced structure, medians over "
      "the same queries. Where AUTO used the same structure as the best one, the gap is run-to-run "
      "noise (separate index builds and runs; µs-scale medians).\n")
    p("| set | r | queries | variant | n | AUTO ms | scan ms | best forced ms | AUTO/scan | AUTO/best | AUTO used (scan/mih/bk) | same structure as best? |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|")
    seen = {}
    for w in bad_scan + bad_best:
        seen[(w[2], w[3], w[4], w[5])] = w
    for w in sorted(seen.values(), key=lambda w: (w[2], w[3], w[4], w[5])):
        row = w[9]
        p("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s/%s/%s | %s |" % (
            w[2], w[3], w[4], w[5], row["nq"], fmt_ms(w[6]), fmt_ms(w[7]), fmt_ms(w[8]), fmt_x(w[0]),
            fmt_x(w[1]), row["used_scan"], row["used_mih"], row["used_bk"],
            "yes" if picked_best(w) else "**no**"))
    p("")

# ---- correctness --------------------------------------------------------------------
bad = [row for row in cq + pq if row["check"] not in ("ok", "no reference", "")]
p("### Result checks\n")
if bad:
    p("**Hit counts differ** in these cells:\n")
    for row in bad:
        p("- %s r=%s %s %s: %s" % (row["set"], row["r"], row["qkind"], row["structure"], row["check"]))
else:
    p("Every structure (scan, MIH, BK-tree, AUTO) and every peer (faiss Flat and MultiHash, pybktree) "
      "returned the same number of hits for every query that both ran (%d cells compared); the "
      "loaded indexes answered as the saved ones." % (len(cq) + len(pq)))
p("")

# ---- query tables -----------------------------------------------------------------------
p("### Milliseconds per query (median; p90 in the raw TSV)\n")
p("`auto+bk` is AUTO on an index that also has the BK-tree. Peers: faiss `flat` "
  "(IndexBinaryFlat), `mh-AxB` (IndexBinaryMultiHash with A tables of B bits, nflip = r // A), "
  "pybktree. Ratios are peer / libhashmatch AUTO.\n")
for s, kind, typ, bits, n in SETS:
    radii = sorted({int(k[1]) for k in Q if k[0] == s})
    cols = [c for c in ("scan", "mih", "bktree", "auto", "auto+bk", "faiss-flat", "faiss-mh-16x16",
                        "faiss-mh-4x16", "faiss-mh-3x21", "pybktree")
            if any(k[0] == s and k[3] == c for k in Q)]
    p("**%s** (%s, %d-bit, N = %s)\n" % (s, typ, bits, size_of(n)))
    p("| r | queries | hits/query | " + " | ".join(cols) + " | AUTO picked (scan/mih/bk) |")
    p("|---|---|---|" + "---|" * len(cols) + "---|")
    for r in radii:
        for qk in sorted({k[2] for k in Q if k[0] == s and k[1] == r}, key=lambda x: x != "hit"):
            a = med(s, r, qk, "auto")
            cells = []
            for c in cols:
                v = med(s, r, qk, c)
                cell = fmt_ms(v)
                if c.startswith("faiss") or c == "pybktree":
                    if not math.isnan(v):
                        cell += " (%s)" % fmt_x(v / a)
                if c in ("auto", "auto+bk") and v > 1.1 * med(s, r, qk, "scan"):
                    cell = "**%s**" % cell
                cells.append(cell)
            arow = Q.get((s, r, qk, "auto"))
            hits = num(arow["mean_hits"]) if arow else float("nan")
            picked = "%s/%s/%s" % (arow["used_scan"], arow["used_mih"], arow["used_bk"]) if arow else ""
            p("| %d | %s | %.2f | %s | %s |" % (r, qk, hits, " | ".join(cells), picked))
    p("")

# ---- build and memory --------------------------------------------------------------------
p("### Build, memory, save and load\n")
p("Bytes per hash: `codes+MIH` = hm_index_stats.bytes_structures / N (codes and search "
  "structures); `snapshot` = hm_index_stats.bytes / N (with entries, ids, labels); `RSS "
  "after add` = process RSS growth over the bulk add and commit (malloc_trim'd), which includes "
  "the staging buffers the index keeps after a commit; `RSS loaded` = RSS growth of hm_index_load "
  "of the saved file into a fresh index. Entry ids are decimal numbers (1-8 characters).\n")
p("| set | structures | unique codes | add s | commit s | codes+MIH B/hash | snapshot B/hash | RSS after add B/hash | save s | load s | file B/hash | RSS loaded B/hash | MIH m | bucket skew max / mean |")
p("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for row in cb:
    n = int(row["n"])
    p("| %s | %s | %s | %.2f | %.2f | %.0f | %.0f | %.0f | %s | %s | %s | %s | %s | %s |" % (
        row["set"], row["structures"], row["unique"], num(row["add_s"]), num(row["commit_s"]),
        num(row["bytes_structures"]) / n, num(row["bytes"]) / n, num(row["rss_growth"]) / n,
        "%.2f" % num(row["save_s"]) if row["save_s"] else "", "%.2f" % num(row["load_s"]) if row["load_s"] else "",
        "%.0f" % (num(row["file_bytes"]) / n) if row["file_bytes"] else "",
        "%.0f" % (num(row["rss_loaded"]) / n) if row["rss_loaded"] else "",
        row["mih_m"], "%s / %s" % (row["skew_max"], row["skew_mean"]) if row["skew_max"] else ""))
p("")
if pb:
    p("Peers' build (one thread) and RSS growth:\n")
    p("| set | peer | build s | RSS growth B/hash |")
    p("|---|---|---|---|")
    for row in pb:
        p("| %s | %s | %.2f | %.0f |" % (row["set"], row["peer"], num(row["build_s"]),
                                        num(row["rss_growth"]) / int(row["n"])))
    p("")

# ---- bandwidth ----------------------------------------------------------------------------
p("### Scan bandwidth\n")
for b in bw:
    p("- streaming read, one thread, %s loads over %.0f MB, at the %s of the run: median %s GB/s (best %s)" % (
        b["isa"], num(b["bytes"]) / 2**20, b.get("phase", "start"), b["med_gbs"], b["best_gbs"]))
UNIQ = {row["set"]: int(row["unique"]) for row in cb if row["structures"] == "mih"}
for s, kind, typ, bits, n in SETS:
    if kind not in ("uniform", "clustered", "realmix"):
        continue  # real and realx: few codes, or time dominated by building hits
    rr = sorted({k[1] for k in Q if k[0] == s})
    vals = [med(s, r, qk, "scan") for r in rr for qk in ("miss", "other")
            if not math.isnan(med(s, r, qk, "scan"))
            and num(Q[(s, r, qk, "scan")]["mean_hits"]) <= 2]
    if not vals:
        continue
    sc = sorted(vals)[len(vals) // 2]
    u = UNIQ.get(s, n)
    p("- scan of %s (%d distinct codes, %s MB): %s ms = %.1f GB/s, %.3f ns per code" % (
        s, u, "%.0f" % (u * bits / 8 / 1e6), fmt_ms(sc), u * bits / 8 / (sc / 1e3) / 1e9, sc * 1e6 / u))
p("")

# ---- cost model ---------------------------------------------------------------------------
p("### MIH cost model: prediction vs measurement\n")
p("`probes` and `candidates` are recomputed outside the library (same geometry; checked against "
  "bytes_structures: column `geom`), per query, on the queries MIH-forced ran. `pred` uses the "
  "library's constants and its skew factor.\n")
p("| set | r | queries | m | probes | candidates mean (median) | model candidates | pred MIH ms | MIH ms | scan ms | pred scan ms | geom |")
p("|---|---|---|---|---|---|---|---|---|---|---|---|")
for row in cm:
    p("| %s | %s | %s | %s | %.0f | %.0f (%.0f) | %.0f | %s | %s | %s | %s | %s |" % (
        row["set"], row["r"], row["qkind"], row["m"], num(row["probes"]), num(row["cands_mean"]),
        num(row["cands_med"]), num(row["pred_cands"]), fmt_ms(num(row["pred_mih_ms"])),
        fmt_ms(num(row["mih_med_ms"])), fmt_ms(num(row["scan_med_ms"])), fmt_ms(num(row["pred_scan_ms"])),
        "ok" if row["geometry_ok"] == "1" else "differs"))
p("")


def solve3(a, b):
    """Gaussian elimination for a 3x3 system."""
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(3):
        piv = max(range(c, 3), key=lambda r: abs(m[r][c]))
        if abs(m[piv][c]) < 1e-30:
            return None
        m[c], m[piv] = m[piv], m[c]
        for r in range(3):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][3] / m[i][i] for i in range(3)]


def fit(rows):
    """Least squares t = c0 + a*probes + b*cands (ns)."""
    ata = [[0.0] * 3 for _ in range(3)]
    aty = [0.0] * 3
    for pr, ca, t in rows:
        x = (1.0, pr, ca)
        for i in range(3):
            aty[i] += x[i] * t
            for j in range(3):
                ata[i][j] += x[i] * x[j]
    return solve3(ata, aty)


HITS = {(r["set"], r["r"], r["qkind"]): num(r["mean_hits"]) for r in cq
        if r["structure"] == "mih" and r["variant"] == "mih-only"}
p("### Calibration (fitted on this run)\n")
for bits in (256, 64):
    for big in (True, False):
        rows = [(num(r["probes"]), num(r["cands_med"]), num(r["mih_med_ms"]) * 1e6)
                for r in cm if int(r["bits"]) == bits and (int(r["unique"]) >= 5000000) == big
                and KIND0.get(r["set"]) in ("uniform", "clustered", "realmix")
                and HITS.get((r["set"], r["r"], r["qkind"]), 99) <= 2
                and not math.isnan(num(r["mih_med_ms"]))]
        if len(rows) < 4:
            continue
        c = fit(rows)
        if not c:
            continue
        p("- %d-bit, %s: MIH median time ≈ %.1f µs + %.1f ns per probe + %.2f ns per candidate "
          "(least squares over %d cells of the uniform, clustered and realmix sets with ≤ 2 hits per "
          "query; median candidates)" % (bits, "N ≥ 5M" if big else "N < 5M", c[0] / 1e3, c[1], c[2],
                                         len(rows)))
    for big in (True, False):
        v = []
        for s, kind, typ, b2, n in SETS:
            if b2 != bits or (n >= 5000000) != big:
                continue
            if kind not in ("uniform", "clustered"):
                continue
            for k, row in Q.items():
                if k[0] == s and k[3] == "scan" and k[2] == "miss":
                    v.append(num(row["med_ms"]) * 1e6 / n)
        if v:
            v.sort()
            p("- %d-bit, %s: scan %.3f ns per code (median over %d miss-query cells of the synthetic sets; range %.3f-%.3f)" % (
                bits, "N ≥ 5M" if big else "N < 5M", v[len(v) // 2], len(v), v[0], v[-1]))
# BK-tree: effective C_NODE with the library's visit-share table
V64 = [(0, 1e-6), (1, 1.4e-4), (2, 1.4e-3), (3, 7.8e-3), (4, 0.028), (6, 0.149), (8, 0.384),
       (10, 0.635), (12, 0.822), (16, 0.972), (64, 1.0)]
V256 = [(0, 1e-6), (8, 0.041), (16, 0.42), (31, 0.968), (47, 0.9998), (256, 1.0)]


def share(tab, r):
    for i in range(1, len(tab)):
        if r <= tab[i][0]:
            f = (r - tab[i - 1][0]) / (tab[i][0] - tab[i - 1][0])
            return tab[i - 1][1] + f * (tab[i][1] - tab[i - 1][1])
    return 1.0


eff = []
KIND = {x[0]: x[1] for x in SETS}
for (s, r, qk, col), row in Q.items():
    if col != "bktree" or KIND.get(s) not in ("uniform", "clustered") or qk != "miss":
        continue
    n = int(row["n"])
    bits = int(row["bits"])
    t = num(row["med_ms"]) * 1e6
    eff.append((bits, n, r, qk, t / (share(V256 if bits == 256 else V64, r) * n)))
if eff:
    p("- BK-tree: measured time / (library's visit share x N) = effective ns per node "
      "(library: C_NODE = 100), miss queries, one value per synthetic set (uniform, clustered):")
    for bits in (64, 256):
        for n in sorted({e[1] for e in eff if e[0] == bits}):
            by_r = {}
            for e in sorted(eff):
                if e[0] == bits and e[1] == n:
                    by_r.setdefault(e[2], []).append("%.0f" % e[4])
            p("  - %d-bit, N=%s: %s" % (bits, size_of(n), ", ".join(
                "r=%d %s" % (r, " / ".join(v)) for r, v in sorted(by_r.items()))))
p("")

# ---- what-if: AUTO's scan/MIH choice under other cost models ---------------------
OLD = dict(probe=50.0, c256=40.0, c64=3.5, s256=1.6, s64=0.4)
NEW = dict(probe=30.0, c256=13.0, c64=4.0, s256=0.85, s64=0.2)


def binom_sum(n, s):
    tot, c = 0.0, 1.0
    for k in range(0, s + 1):
        if k > n:
            break
        tot += c
        c = c * (n - k) / (k + 1)
    return tot


def uniform_cands(n, bits, m, r):
    tot = 0.0
    s_, a = divmod(r, m)
    for t in range(m):
        ln = bits // m + (1 if t < bits % m else 0)
        s = s_ if t <= a else s_ - 1
        if s < 0:
            continue
        tot += binom_sum(ln, s) * n / 2.0 ** ln
    return tot


AUTOQ = {(row["set"], int(row["r"]), row["qkind"]): row for row in ca if row["variant"] == "mih-only"}
variants = [
    ("library now (constants and skew as in lib/index)", OLD, "skew"),
    ("suggested constants, skew as now", NEW, "skew"),
    ("suggested constants, no skew (uniform candidates)", NEW, "uniform"),
    ("suggested constants, exact candidate count per query (median)", NEW, "exact"),
]
if cm and AUTOQ:
    p("### What-if: AUTO's scan/MIH choice under other cost models\n")
    p("For every cell with MIH built, the structure each model would pick (MIH cost = probes x C_PROBE + "
      "candidates x C_CAND, scan cost = N x C_SCAN), scored with the times measured for that structure on "
      "the same queries. The first row should reproduce what AUTO did. `worst` = largest time of the pick "
      "over the best of scan and MIH.\n")
    p("| model | cells | AUTO would pick the slower one | of them > 1.1x the best | worst | agrees with AUTO's actual picks |")
    p("|---|---|---|---|---|---|")
    for label, C, mode in variants:
        cells = slower = over = agree = 0
        worst = (1.0, "")
        for row in cm:
            key = (row["set"], int(row["r"]), row["qkind"])
            a = AUTOQ.get(key)
            if not a:
                continue
            bits, n, m, r = int(row["bits"]), int(row["unique"]), int(row["m"]), int(row["r"])
            if mode == "skew":
                cands = num(row["pred_cands"])
            elif mode == "uniform":
                cands = uniform_cands(n, bits, m, r)
            else:
                cands = num(row["cands_med"])
            cc = C["c256"] if bits == 256 else C["c64"]
            mih_cost = num(row["probes"]) * C["probe"] + cands * cc
            scan_cost = n * (C["s256"] if bits == 256 else C["s64"])
            pick = "mih" if mih_cost < scan_cost else "scan"
            t = {"scan": num(a["scan_ms"]), "mih": num(a["mih_ms"])}
            best = min(t.values())
            cells += 1
            ratio = t[pick] / best
            if t[pick] > best:
                slower += 1
            if ratio > 1.1:
                over += 1
            if ratio > worst[0]:
                worst = (ratio, "%s r=%d %s" % key)
            actual = "mih" if int(a["used_mih"] or 0) >= int(a["used_scan"] or 0) else "scan"
            agree += actual == pick
        p("| %s | %d | %d | %d | %s (%s) | %d of %d |" % (label, cells, slower, over, fmt_x(worst[0]),
                                                          worst[1], agree, cells))
    p("")
