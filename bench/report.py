#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn the raw outputs of bench/run.sh into a markdown report (stdout).

    report.py RESULTS_DIR

Reads from RESULTS_DIR: meta.tsv, corpus.tsv, timing.tsv (bench_hash and
bench_peers lines), hashes-*.tsv / peer-hashes-*.tsv, fast.tsv, and
optionally side-N/{timing,fast}.tsv from --fast-side runs.
"""
import collections
import csv
import os
import statistics
import sys

CLASSES = [  # code, label; timed classes in this order
    ("L", "4000x3000 JPEG"),
    ("W", "1280x1024–2560x1920 JPEG"),
    ("M", "800x532–600 JPEG"),
    ("F", "512x512 progressive JPEG"),
    ("S", "451x300–600x400 PNG"),
]
ACC_CLASSES = CLASSES[:4] + [("X", "other JPEG photos")]
LABEL = dict(ACC_CLASSES + CLASSES)

ROWS = [  # (source, method, label)
    ("c", "decode", "libjpeg-turbo / libpng decode (floor)"),
    ("c", "decode-fast", "libjpeg-turbo decode at the fast-mode DCT scale"),
    ("c", "pdq", "**hm PDQ**"),
    ("c", "phash", "**hm pHash**"),
    ("c", "dhash", "**hm dHash**"),
    ("c", "phash+dhash", "hm pHash + dHash"),
    ("c", "phashorg", "**hm pHash.org** (`phashorg_2026`)"),
    ("c", "all", "hm PDQ + pHash + dHash + aHash"),
    ("c", "pdq-fast", "**hm PDQ, fast mode**"),
    ("c", "phash-fast", "**hm pHash, fast mode**"),
    ("c", "dhash-fast", "hm dHash, fast mode"),
    ("c", "all-fast", "hm all four, fast mode"),
    ("c", "pdq-pixels", "hm PDQ hash stage only (pre-decoded pixels)"),
    ("c", "phash+dhash-pixels", "hm pHash + dHash hash stage only"),
    ("c", "phash-pixels", "hm pHash hash stage only"),
    ("c", "phashorg-pixels", "hm pHash.org hash stage only"),
    ("py", "pillow-decode", "Pillow 9.4 open + load (decode)"),
    ("py", "pdqhash", "**pdqhash** (Pillow decode + RGB array + compute)"),
    ("py", "phash", "**imagehash.phash** (incl. Image.open + load)"),
    ("py", "dhash", "**imagehash.dhash** (incl. Image.open + load)"),
    ("py", "phash+dhash", "imagehash phash + dhash, one decode"),
    ("py", "all", "pdqhash + imagehash phash, dhash, ahash, one decode"),
]


def read_tsv(path, header=True):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l and not l.startswith("#")]
    if header:
        return list(csv.DictReader(lines, delimiter="\t"))
    return [l.split("\t") for l in lines]


def load_timing(path):
    """{(source, class, method): (median, min, max, images, runs)}"""
    t = {}
    for src, cls, m, n, med, lo, hi, runs, _passes in read_tsv(path, header=False):
        t[(src, cls, m)] = (float(med), float(lo), float(hi), int(n), int(runs))
    return t


def fmt_cell(v):
    if v is None:
        return "–"
    med = v[0]
    return "%s (%s ms)" % (fmt_ips(1.0 / med), fmt_ms(med * 1e3))


def fmt_ips(x):
    return "%.0f" % x if x >= 100 else "%.1f" % x if x >= 10 else "%.2f" % x


def fmt_ms(x):
    return "%.1f" % x if x >= 10 else "%.2f" % x if x >= 1 else "%.3f" % x


def verdict(ok):
    return "met" if ok else "**NOT met**"


def main():
    d = sys.argv[1]
    meta = dict(read_tsv(os.path.join(d, "meta.tsv"), header=False))
    corpus = read_tsv(os.path.join(d, "corpus.tsv"), header=False)
    cls_of = {p: c for c, p, _w, _h in corpus}
    count = collections.Counter(c for c, *_ in corpus)
    t = load_timing(os.path.join(d, "timing.tsv"))
    timed = [(c, l) for c, l in CLASSES if any(k[1] == c for k in t)]
    have_py = any(k[0] == "py" for k in t)
    out = []
    w = out.append

    runs = sorted({v[4] for v in t.values()})
    w("Command: `%s` (from the repository root)  " % meta.get("command", "bash bench/run.sh"))
    w("Date: %s  " % meta.get("date", "?"))
    w("Machine: %s, %s CPUs (%s); %s  " % (meta.get("cpu", "?"), meta.get("cpus", "?"),
                                           meta.get("cpu_flags", "?"), meta.get("os", "?")))
    w("libhashmatch: commit %s, %s build, %s  " % (meta.get("commit", "?"),
                                                  meta.get("build_type", "?"),
                                                  meta.get("cc", "?")))
    w("C decoders: libjpeg-turbo %s, libpng %s. Python %s: Pillow %s (bundled "
      "libjpeg-turbo %s), numpy %s, pdqhash %s, imagehash %s  " % (
          meta.get("libjpeg", "?"), meta.get("libpng", "?"), meta.get("python", "?"),
          meta.get("pillow", "?"), meta.get("pillow_jpeg", "?"), meta.get("numpy", "?"),
          meta.get("pdqhash", "?"), meta.get("imagehash", "?")))
    w("Protocol: every process pinned to one core (`taskset -c %s`); files preloaded "
      "in memory; one warm-up pass per method; then %s interleaved rounds, each "
      "sample >= %s s; figures are the **median** over rounds. The other core was "
      "busy %s of the time during the timed phases (load average at the end: %s)." % (
          meta.get("cpu_pin", "0"), "/".join(map(str, runs)) or "?",
          meta.get("min_sample", "?"), meta.get("other_busy", "?"),
          meta.get("loadavg_end", "?")))
    w("")

    # ---- throughput table ----
    w("### Throughput, one core: images/s (ms per image)")
    w("")
    w("| | " + " | ".join("%s: %s (%d files)" % (c, l, count[c]) for c, l in timed) + " |")
    w("|---" * (len(timed) + 1) + "|")
    for src, m, label in ROWS:
        if src == "py" and not have_py:
            continue
        w("| %s | %s |" % (label, " | ".join(
            "n/a" if (c == "S" and m == "decode-fast") else fmt_cell(t.get((src, c, m)))
            for c, _ in timed)))
    if not have_py:
        w("")
        w("Python peers were not run (%s)." % meta.get("peers", "unavailable"))
    w("")

    # ---- spread ----
    w("Spread over the rounds (max / min − 1) of the main rows, to judge the noise:")
    w("")
    w("| | " + " | ".join(c for c, _ in timed) + " |")
    w("|---" * (len(timed) + 1) + "|")
    for src, m, label in (("c", "decode", "decode floor"), ("c", "pdq", "hm PDQ"),
                          ("c", "phash", "hm pHash"), ("c", "phashorg", "hm pHash.org"),
                          ("c", "pdq-fast", "hm PDQ fast"),
                          ("py", "pdqhash", "pdqhash"), ("py", "phash", "imagehash.phash")):
        if src == "py" and not have_py:
            continue
        w("| %s | %s |" % (label, " | ".join(
            "%.0f%%" % (100 * (t[(src, c, m)][2] / t[(src, c, m)][1] - 1)) if (src, c, m) in t else "–"
            for c, _ in timed)))
    w("")

    # ---- goals ----
    def med(src, c, m):
        v = t.get((src, c, m))
        return v[0] if v else None

    def ratio(a, b):
        return a / b if a and b else None

    goals = [
        ("PDQ exact vs pdqhash: speed-up", ">= 3x", lambda c: ratio(med("py", c, "pdqhash"), med("c", c, "pdq")), lambda r: r >= 3),
        ("pHash exact vs imagehash.phash: speed-up", ">= 10x", lambda c: ratio(med("py", c, "phash"), med("c", c, "phash")), lambda r: r >= 10),
        ("dHash exact vs imagehash.dhash: speed-up", ">= 10x", lambda c: ratio(med("py", c, "dhash"), med("c", c, "dhash")), lambda r: r >= 10),
        ("pHash + dHash vs imagehash (one decode each)", "–", lambda c: ratio(med("py", c, "phash+dhash"), med("c", c, "phash+dhash")), None),
        ("all four vs pdqhash + imagehash (one decode each)", "–", lambda c: ratio(med("py", c, "all"), med("c", c, "all")), None),
        ("exact PDQ time / decode-floor time", "<= 1.3x", lambda c: ratio(med("c", c, "pdq"), med("c", c, "decode")), lambda r: r <= 1.3),
        ("exact pHash time / decode-floor time", "–", lambda c: ratio(med("c", c, "phash"), med("c", c, "decode")), None),
        ("pHash.org time / exact pHash time", "<= 1.2x", lambda c: ratio(med("c", c, "phashorg"), med("c", c, "phash")), lambda r: r <= 1.2),
        ("pHash.org time / decode-floor time", "–", lambda c: ratio(med("c", c, "phashorg"), med("c", c, "decode")), None),
        ("fast PDQ vs exact PDQ: speed-up", ">= 4x", lambda c: None if c == "S" else ratio(med("c", c, "pdq"), med("c", c, "pdq-fast")), lambda r: r >= 4),
        ("fast pHash vs exact pHash: speed-up", ">= 4x", lambda c: None if c == "S" else ratio(med("c", c, "phash"), med("c", c, "phash-fast")), lambda r: r >= 4),
        ("fast PDQ time / its own decode floor (reduced scale)", "–", lambda c: None if c == "S" else ratio(med("c", c, "pdq-fast"), med("c", c, "decode-fast")), None),
    ]
    w("### Ratios against the goals (medians)")
    w("")
    w("| ratio | goal | " + " | ".join(c for c, _ in timed) + " |")
    w("|---|---|" + "---|" * len(timed))
    for name, goal, f, ok in goals:
        cells = []
        for c, _ in timed:
            r = f(c)
            if r is None:
                cells.append("n/a" if c == "S" and "fast" in name else "–")
            else:
                cells.append("%.2fx%s" % (r, "" if ok is None else " " + ("✓" if ok(r) else "✗")))
        w("| %s | %s | %s |" % (name, goal, " | ".join(cells)))
    w("")
    w("✓ goal met, ✗ goal not met. Fast mode does not apply to PNG (n/a).")
    w("")

    # ---- where the time goes ----
    w("### Where the time of exact PDQ goes (ms per image)")
    w("")
    w("| class | decode floor | PDQ hash stage alone | sum | PDQ end to end | hash share |")
    w("|---|---|---|---|---|---|")
    for c, l in timed:
        dec, hs, tot = med("c", c, "decode"), med("c", c, "pdq-pixels"), med("c", c, "pdq")
        if dec and hs and tot:
            w("| %s %s | %s | %s | %s | %s | %.0f%% |" % (
                c, l, fmt_ms(dec * 1e3), fmt_ms(hs * 1e3), fmt_ms((dec + hs) * 1e3),
                fmt_ms(tot * 1e3), 100 * hs / (dec + hs)))
    w("")

    # ---- exactness against the peers ----
    hm = {}
    for r in read_tsv(os.path.join(d, "hashes.tsv")):
        if r["mode"] == "exact":
            hm[r["path"]] = r
    peer = {r["path"]: r for r in read_tsv(os.path.join(d, "peer-hashes.tsv"))}
    if hm and peer:
        w("### Exactness on this corpus (exact mode vs the Python references)")
        w("")
        w("| class | files | PDQ hash + quality = pdqhash | pHash = imagehash | dHash | aHash |")
        w("|---|---|---|---|---|---|")
        for c, l in timed:
            ps = [p for p in peer if cls_of.get(p) == c and p in hm]
            if not ps:
                continue
            eq = lambda k: sum(hm[p][k] == peer[p][k] for p in ps)
            pdq_eq = sum(hm[p]["pdq"] == peer[p]["pdq"] and hm[p]["quality"] == peer[p]["quality"] for p in ps)
            w("| %s %s | %d | %d/%d | %d/%d | %d/%d | %d/%d |" % (
                c, l, len(ps), pdq_eq, len(ps), eq("phash"), len(ps), eq("dhash"), len(ps),
                eq("ahash"), len(ps)))
        w("")

    # ---- fast-mode accuracy ----
    fast = read_tsv(os.path.join(d, "fast.tsv"))
    if fast:
        w("### Fast-mode accuracy: Hamming distance fast vs exact (HM_FAST_MIN_SIDE = %s)" %
          meta.get("fast_min_side", "256"))
        w("")
        w("Over the images fast mode changes (JPEG, short side >= 2 x HM_FAST_MIN_SIDE); "
          "mean / max bits. Targets: PDQ mean <= 4, max <= 16; 64-bit hashes mean <= 1, max <= 4.")
        w("")
        w("| class | JPEG photos | changed (DCT scale) | PDQ | pHash | dHash | aHash |")
        w("|---|---|---|---|---|---|---|")
        lib = [r for r in fast if r["mode"] == "lib"]
        groups = [(c, l, [r for r in lib if cls_of.get(r["path"]) == c]) for c, l in ACC_CLASSES]
        groups.append(("all", "", lib))
        for c, l, rs in groups:
            if not rs:
                continue
            ch = [r for r in rs if r["denom"] != "1"]
            scales = ", ".join("1/%s" % s for s in sorted({r["denom"] for r in ch}, key=int))
            cells = []
            for k in ("pdq", "phash", "dhash", "ahash"):
                v = [int(r[k]) for r in ch]
                cells.append("%.2f / %d" % (statistics.mean(v), max(v)) if v else "–")
            w("| %s | %d | %d (%s) | %s |" % (("**%s %s**" % (c, l)).replace(" **", "**") if c == "all" else "%s %s" % (c, l),
                                             len(rs), len(ch), scales or "–", " | ".join(cells)))
        ch = [r for r in lib if r["denom"] != "1"]
        if ch:
            res = []
            for k, lim_mean, lim_max in (("pdq", 4, 16), ("phash", 1, 4), ("dhash", 1, 4), ("ahash", 1, 4)):
                v = [int(r[k]) for r in ch]
                ok = statistics.mean(v) <= lim_mean and max(v) <= lim_max
                res.append("%s %s" % (k, "met" if ok else "**NOT met**"))
            w("")
            w("Targets over all %d changed photos: %s." % (len(ch), ", ".join(res)))
        w("")
        # PNG class: fast mode leaves it alone
        w("PNG files (class S) are never changed by fast mode.")
        w("")
        emu = [r for r in fast if r["mode"] == "emu"]
        sides = sorted({int(r["side"]) for r in emu})
        if sides:
            w("#### What other HM_FAST_MIN_SIDE values would give (same JPEG photos, emulated)")
            w("")
            w("bench_fast decodes with libjpeg-turbo at the scale fast mode would pick for "
              "each value and hashes the pixels with `hm_hash_pixels`; at the current value "
              "this reproduces the library's fast mode bit for bit (checked on every file: %s)." %
              meta.get("emu_check", "?"))
            w("")
            w("| HM_FAST_MIN_SIDE | changed | DCT scales used per class | PDQ mean / max | pHash | dHash | aHash | targets |")
            w("|---|---|---|---|---|---|---|---|")
            for s in sides:
                rs = [r for r in emu if int(r["side"]) == s]
                ch = [r for r in rs if r["denom"] != "1"]
                def sc(c):
                    ds = sorted({r["denom"] for r in rs if cls_of.get(r["path"]) == c}, key=int)
                    return "%s %s" % (c, " or ".join("1/%s" % x if x != "1" else "1" for x in ds) or "–")
                cells, ok = [], True
                for k, mx_mean, mx_max in (("pdq", 4, 16), ("phash", 1, 4), ("dhash", 1, 4), ("ahash", 1, 4)):
                    v = [int(r[k]) for r in ch]
                    if v:
                        mean, mx = statistics.mean(v), max(v)
                        ok = ok and mean <= mx_mean and mx <= mx_max
                        cells.append("%.2f / %d" % (mean, mx))
                    else:
                        cells.append("–")
                w("| %d | %d of %d | %s | %s | %s |" % (
                    s, len(ch), len(rs), "; ".join(sc(c) for c in "LWMF"), " | ".join(cells),
                    ("met" if ok else "**not met**") if ch else "nothing changes"))
            w("")

    # ---- alternative HM_FAST_MIN_SIDE builds ----
    for name in sorted(os.listdir(d)):
        if not name.startswith("side-"):
            continue
        side = name[5:]
        st = load_timing(os.path.join(d, name, "timing.tsv"))
        sf = read_tsv(os.path.join(d, name, "fast.tsv"))
        w("### Library rebuilt with HM_FAST_MIN_SIDE = %s (copy of the tree)" % side)
        w("")
        cs = [(c, l) for c, l in CLASSES if any(k[1] == c for k in st) and c != "S"]
        w("| | " + " | ".join("%s: %s" % (c, l) for c, l in cs) + " |")
        w("|---" * (len(cs) + 1) + "|")
        for m, label in (("decode", "decode floor"), ("decode-fast", "decode at the fast scale"),
                         ("pdq", "PDQ exact"), ("pdq-fast", "PDQ fast"),
                         ("phash", "pHash exact"), ("phash-fast", "pHash fast"),
                         ("all", "all four exact"), ("all-fast", "all four fast")):
            w("| %s | %s |" % (label, " | ".join(fmt_cell(st.get(("c", c, m))) for c, _ in cs)))
        sp = lambda c, a, b: (st[("c", c, a)][0] / st[("c", c, b)][0]) if ("c", c, a) in st and ("c", c, b) in st else None
        w("| **fast vs exact PDQ speed-up** | %s |" % " | ".join(
            "%.2fx" % sp(c, "pdq", "pdq-fast") if sp(c, "pdq", "pdq-fast") else "–" for c, _ in cs))
        w("| fast vs exact pHash speed-up | %s |" % " | ".join(
            "%.2fx" % sp(c, "phash", "phash-fast") if sp(c, "phash", "phash-fast") else "–" for c, _ in cs))
        lib = [r for r in sf if r["mode"] == "lib" and r["denom"] != "1"]
        if lib:
            cells = []
            for k in ("pdq", "phash", "dhash", "ahash"):
                v = [int(r[k]) for r in lib]
                cells.append("%s %.2f / %d" % (k, statistics.mean(v), max(v)))
            w("")
            w("Accuracy of this build's fast mode over the %d JPEG photos it changes (mean / max "
              "bits): %s." % (len(lib), ", ".join(cells)))
        w("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
