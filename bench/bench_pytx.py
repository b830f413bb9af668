#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark of the python-threatexchange extension (issue #18): pytx's own
PDQ classes against hashmatch.pytx's, through pytx's interfaces only
(``SignalTypeIndex.build`` / ``query``, ``PdqSignal.hash_from_file``).

    python bench/bench_pytx.py index OUT [--sizes N,N] [--impls A,B]
        [--hit-queries Q] [--miss-queries Q] [--seed S] [--min-avail-gb G]
    python bench/bench_pytx.py hash OUT --corpus LIST [--rounds R]
    python bench/bench_pytx.py report OUT

Run it with a Python that has ``threatexchange`` (tests/python/
requirements-pytx.txt, which brings faiss-cpu) and the binding
(``pip install ./bindings/python``); bench/run_pytx.sh makes one and runs
all three steps.

index: for every size N and every implementation, a fresh process (so each
index's memory is measured alone) regenerates the same data from the seed:
N random PDQ codes, among which, for each of the Q hit queries, the
entries planted at exactly the Hamming distances of ``PLANT`` from it
(two copies at distance 0: pytx's ``PDQIndex2`` keeps duplicates apart
from faiss); miss queries are fresh random codes.  The entries' metadata
is their row number.  The process
  1. times iterating the entries alone (making the hex strings: this cost
     is inside every build time, the same for all);
  2. trims malloc and reads VmRSS, resets VmHWM (``/proc/self/clear_refs``);
  3. times ``cls.build(entries)`` and the first query (a miss; our index
     commits what ``add`` staged on its first query);
  4. trims again and reads VmRSS: the growth is the built index's memory;
  5. queries every hit and miss query one at a time (interleaved), timing
     each ``index.query(hex)`` call alone (wall clock and thread CPU time),
     and writes the match set of each query: sorted (metadata, distance).
The parent compares the match sets of every query across implementations
and against the planted ones (entries within ``THRESHOLD``), and stops a
worker when the machine's MemAvailable falls below --min-avail-gb.

hash: pytx's ``PdqSignal.hash_from_file`` (Pillow + pdqhash) and ours
(libhashmatch) on the real photos of bench/fetch_corpus.sh (LIST: its
TSV output), classes as in bench/RESULTS.md.  One pass compares the
hashes of every file; then R rounds, each hashing every class's files once
with each hasher (order alternating by round); figures are medians over
rounds of the time per image (thread CPU time and wall clock).

report: the markdown report of OUT's results (also what bench/run_pytx.sh
prints); exit status 1 when any match set or hash differs.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import subprocess
import sys
import time
import typing as t

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_index_peers import rss, trimmed_rss  # noqa: E402
from bench_util import package_versions, q50, read_json, read_meta, write_json  # noqa: E402

#: Hamming distances of the entries planted around each hit query; those at
#: or below THRESHOLD (pytx's and our default, 31) must be found.
PLANT = (0, 0, 1, 4, 8, 16, 24, 30, 31, 32, 33, 40, 64)
THRESHOLD = 31

#: name -> (module, class): the three SignalTypeIndex classes compared, in
#: the order they run (pytx's PDQIndex2, the largest, last).
IMPLS = {
    "hashmatch PdqIndex": ("hashmatch.pytx", "PdqIndex"),
    "pytx PDQIndex": ("threatexchange.signal_type.pdq.pdq_index", "PDQIndex"),
    "pytx PDQIndex2": ("threatexchange.signal_type.pdq.pdq_index2", "PDQIndex2"),
}
OURS = "hashmatch PdqIndex"


def log(msg: str) -> None:
    print(time.strftime("[bench_pytx %H:%M:%S] ") + msg, file=sys.stderr, flush=True)


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def meminfo(key: str) -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def peak_rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False






# ---------------------------------------------------------------- data ----

def make_data(n: int, nhit: int, nmiss: int, seed: int) -> t.Dict[str, t.Any]:
    """The codes, the queries and the planted match sets, from the seed."""
    import numpy as np
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    hitq = rng.integers(0, 256, size=(nhit, 32), dtype=np.uint8)
    missq = rng.integers(0, 256, size=(nmiss, 32), dtype=np.uint8)
    warm = rng.integers(0, 256, size=32, dtype=np.uint8)
    if nhit * len(PLANT) > n:
        raise SystemExit("too many hit queries for %d entries" % n)
    rows = rng.choice(n, size=nhit * len(PLANT), replace=False)
    expected = []
    k = 0
    for j in range(nhit):
        exp = []
        for d in PLANT:
            bits = np.unpackbits(hitq[j])
            bits[rng.choice(256, size=d, replace=False)] ^= 1
            codes[rows[k]] = np.packbits(bits)
            if d <= THRESHOLD:
                exp.append([int(rows[k]), d])
            k += 1
        expected.append(sorted(exp))
    return {"codes": codes, "hit": [q.tobytes().hex() for q in hitq],
            "miss": [q.tobytes().hex() for q in missq], "warm": warm.tobytes().hex(),
            "expected": expected}


def entries(codes: t.Any, chunk: int = 1 << 16) -> t.Iterator[t.Tuple[str, int]]:
    """(hex, row) for every code, the hex made as it is consumed."""
    for s in range(0, len(codes), chunk):
        hx = codes[s:s + chunk].tobytes().hex()
        for i in range(len(hx) // 64):
            yield hx[64 * i:64 * i + 64], s + i


# ---------------------------------------------------------- index worker ----

def index_worker(a: argparse.Namespace) -> None:
    modname, clsname = IMPLS[a.impl]
    cls = getattr(importlib.import_module(modname), clsname)
    data = make_data(a.n, a.hit_queries, a.miss_queries, a.seed)
    codes = data["codes"]
    queries = []
    for i in range(max(len(data["hit"]), len(data["miss"]))):
        if i < len(data["hit"]):
            queries.append(("hit", data["hit"][i]))
        if i < len(data["miss"]):
            queries.append(("miss", data["miss"][i]))

    t0 = time.perf_counter()
    for _ in entries(codes):
        pass
    gen_s = time.perf_counter() - t0

    rss0 = trimmed_rss()
    peak_ok = reset_peak_rss()
    c0 = time.process_time()
    t0 = time.perf_counter()
    index = cls.build(entries(codes))
    t1 = time.perf_counter()
    c1 = time.process_time()
    index.query(data["warm"])
    t2 = time.perf_counter()
    c2 = time.process_time()
    peak = peak_rss() - rss0 if peak_ok else None
    rss1 = trimmed_rss()
    log("%s n=%d: build %.1f s + first query %.3f s, RSS +%.0f MB"
        % (a.impl, a.n, t1 - t0, t2 - t1, (rss1 - rss0) / 1e6))

    res: t.Dict[str, t.Any] = {
        "impl": a.impl, "n": a.n, "seed": a.seed, "len": len(index),
        "gen_s": gen_s, "build_s": t1 - t0, "first_query_s": t2 - t1,
        "build_cpu_s": c1 - c0, "first_query_cpu_s": c2 - c1,
        "rss_before": rss0, "rss_growth": rss1 - rss0, "peak_growth": peak,
        "kinds": [], "wall_s": [], "cpu_s": [], "matches": [], "dist_types": [],
    }
    dist_types = set()
    for kind, q in queries:
        c0 = time.thread_time()
        w0 = time.perf_counter()
        got = index.query(q)
        w1 = time.perf_counter()
        c1 = time.thread_time()
        ms = []
        for m in got:
            d = m.similarity_info.distance
            dist_types.add(type(d).__module__ + "." + type(d).__name__)
            ms.append([m.metadata, float(d)])
        res["kinds"].append(kind)
        res["wall_s"].append(w1 - w0)
        res["cpu_s"].append(c1 - c0)
        res["matches"].append(sorted(ms))
    res["dist_types"] = sorted(dist_types)
    res["rss_after_queries"] = rss()
    write_json(a.json, res)


# ------------------------------------------------------------ index parent ----

def run_worker(cmd: t.List[str], min_avail: int, timeout: float) -> t.Tuple[int, str]:
    """Run a worker, stopping it when the machine runs short of memory."""
    p = subprocess.Popen(cmd)
    start = time.monotonic()
    low = 0
    while True:
        try:
            rc = p.wait(timeout=0.2)
            return rc, "" if rc == 0 else "exit status %d" % rc
        except subprocess.TimeoutExpired:
            pass
        avail = meminfo("MemAvailable")
        if avail < min_avail:
            low = avail
        if low or time.monotonic() - start > timeout:
            try:
                with open("/proc/%d/status" % p.pid) as f:
                    vm = [ln.split()[1] for ln in f if ln.startswith("VmRSS:")]
            except OSError:
                vm = []
            p.kill()
            p.wait()
            why = ("stopped: MemAvailable %.1f GB below the %.1f GB floor"
                   % (low / 1e9, min_avail / 1e9)) if low else "stopped: over %d s" % timeout
            if vm:
                why += ", worker RSS %.1f GB" % (int(vm[0]) * 1024 / 1e9)
            return -9, why


def cmd_index(a: argparse.Namespace) -> None:
    os.makedirs(a.out, exist_ok=True)
    impls = a.impls.split(",")
    for name in impls:
        if name not in IMPLS:
            raise SystemExit("unknown implementation %r (%s)" % (name, ", ".join(IMPLS)))
    for n in [int(x) for x in a.sizes.split(",")]:
        for name in impls:
            path = os.path.join(a.out, "index-%d-%s.json" % (n, name.replace(" ", "_")))
            run = {"impl": name, "n": n, "loadavg_before": loadavg(),
                   "mem_available_before": meminfo("MemAvailable"),
                   "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
            log("%s n=%d (load average %s)" % (name, n, run["loadavg_before"]))
            wpath = path + ".worker"
            if os.path.exists(wpath):
                os.remove(wpath)
            t0 = time.monotonic()
            rc, why = run_worker(
                [sys.executable, os.path.abspath(__file__), "_index-worker", "--impl", name,
                 "--n", str(n), "--seed", str(a.seed), "--hit-queries", str(a.hit_queries),
                 "--miss-queries", str(a.miss_queries), "--json", wpath],
                int(a.min_avail_gb * 1e9), a.worker_timeout)
            run["process_s"] = time.monotonic() - t0
            if rc == 0:
                run.update(read_json(wpath))
                os.remove(wpath)
            else:
                run["failed"] = why
                log("%s n=%d FAILED: %s" % (name, n, why))
            write_json(path, run)
        check_sets(a.out, n, a.seed, a.hit_queries, a.miss_queries)


def check_sets(out: str, n: int, seed: int, nhit: int, nmiss: int) -> None:
    """Compare every query's match set across implementations and with the
    planted entries; writes OUT/check-N.json."""
    data = make_data(n, nhit, nmiss, seed)
    runs = [r for r in load_runs(out, n) if "failed" not in r]
    report: t.Dict[str, t.Any] = {"n": n, "impls": [r["impl"] for r in runs], "pairs": [],
                                  "planted": {}}
    if runs:
        # the planted sets, in the queries' order
        expected = []
        hi = iter(data["expected"])
        for kind in runs[0]["kinds"]:
            expected.append(next(hi) if kind == "hit" else [])
        for r in runs:
            bad = [i for i, (g, e) in enumerate(zip(r["matches"], expected))
                   if [[m, float(d)] for m, d in e] != g]
            report["planted"][r["impl"]] = {"queries": len(expected), "differ": len(bad),
                                            "examples": [{"query": i, "kind": r["kinds"][i],
                                                          "got": r["matches"][i],
                                                          "planted": expected[i]}
                                                         for i in bad[:3]]}
        for i, ra in enumerate(runs):
            for rb in runs[i + 1:]:
                bad = [k for k, (x, y) in enumerate(zip(ra["matches"], rb["matches"])) if x != y]
                report["pairs"].append({"a": ra["impl"], "b": rb["impl"],
                                        "queries": min(len(ra["matches"]), len(rb["matches"])),
                                        "differ": len(bad),
                                        "examples": [{"query": k, "a": ra["matches"][k],
                                                      "b": rb["matches"][k]} for k in bad[:3]]})
    write_json(os.path.join(out, "check-%d.json" % n), report)
    for p in report["pairs"]:
        log("n=%d %s vs %s: %d of %d queries differ" % (n, p["a"], p["b"], p["differ"],
                                                         p["queries"]))
    for name, p in report["planted"].items():
        log("n=%d %s vs planted: %d of %d queries differ" % (n, name, p["differ"], p["queries"]))


def load_runs(out: str, n: int) -> t.List[t.Dict[str, t.Any]]:
    runs = []
    for name in IMPLS:
        path = os.path.join(out, "index-%d-%s.json" % (n, name.replace(" ", "_")))
        if os.path.exists(path):
            runs.append(read_json(path))
    return runs


# ---------------------------------------------------------------- hashers ----

def pixels(size: str) -> int:
    """Pixels of a "WxH" size."""
    w, h = size.split("x")
    return int(w) * int(h)


def cmd_hash(a: argparse.Namespace) -> None:
    from threatexchange.signal_type.pdq.signal import PdqSignal as PytxPdqSignal

    from hashmatch.pytx import PdqSignal
    hashers: t.Dict[str, t.Any] = {"pytx PdqSignal": PytxPdqSignal,
                                   "hashmatch PdqSignal": PdqSignal}
    classes: t.Dict[str, t.List[pathlib.Path]] = {}
    sizes: t.Dict[str, t.List[str]] = {}
    with open(a.corpus) as f:
        for line in f:
            c, path, w, h = line.rstrip("\n").split("\t")
            classes.setdefault(c, []).append(pathlib.Path(path))
            sizes.setdefault(c, []).append("%sx%s" % (w, h))
    res: t.Dict[str, t.Any] = {"loadavg_before": loadavg(), "rounds": a.rounds,
                               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                               "classes": {}, "agree": [], "differ": []}
    # one pass: warms the page cache and compares the hashes
    for c, files in sorted(classes.items()):
        for p in files:
            hs = {name: h.hash_from_file(p) for name, h in hashers.items()}
            a_, b_ = hs.values()
            (res["agree"] if a_ == b_ else res["differ"]).append(
                {"class": c, "file": p.name, **hs})
    log("hashes: %d files agree, %d differ" % (len(res["agree"]), len(res["differ"])))
    per: t.Dict[str, t.Dict[str, t.List[float]]] = {
        c: {name: [] for name in hashers} for c in classes}
    cpu: t.Dict[str, t.Dict[str, t.List[float]]] = {
        c: {name: [] for name in hashers} for c in classes}
    names = list(hashers)
    for r in range(a.rounds):
        for c, files in sorted(classes.items()):
            for name in (names if r % 2 == 0 else names[::-1]):
                hasher = hashers[name]
                c0 = time.thread_time()
                t0 = time.perf_counter()
                for p in files:
                    hasher.hash_from_file(p)
                per[c][name].append((time.perf_counter() - t0) / len(files))
                cpu[c][name].append((time.thread_time() - c0) / len(files))
        log("hash round %d/%d done" % (r + 1, a.rounds))
    for c in sorted(classes):
        res["classes"][c] = {"files": len(classes[c]), "sizes": sorted(set(sizes[c]), key=pixels),
                             "per_round_s": per[c], "per_round_cpu_s": cpu[c]}
    res["loadavg_after"] = loadavg()
    write_json(os.path.join(a.out, "hash.json"), res)


# ---------------------------------------------------------------- report ----



def us(x: float) -> str:
    return "%.0f" % (x * 1e6) if x >= 1e-3 else "%.1f" % (x * 1e6)


def ratio(a: float, b: float) -> str:
    return "%.1fx" % (a / b) if b > 0 and a == a and b == b else "—"


def build_s(r: t.Dict[str, t.Any], clock: str) -> float:
    """Build time of a run: build() and the first query; clock "cpu" or "wall"."""
    if clock == "cpu":
        return float(r["build_cpu_s"] + r["first_query_cpu_s"])
    return float(r["build_s"] + r["first_query_s"])


def query_s(r: t.Dict[str, t.Any], kind: str, clock: str) -> float:
    """Median time of a run's queries of ``kind``; clock "cpu" or "wall"."""
    times = r["cpu_s"] if clock == "cpu" else r["wall_s"]
    return q50([x for x, k in zip(times, r["kinds"]) if k == kind])


def versions() -> str:
    out = package_versions(("threatexchange", "faiss-cpu", "numpy", "Pillow", "pdqhash",
                            "hashmatch"))
    try:
        import hashmatch
        out.append("libhashmatch %s" % hashmatch.LIBRARY_VERSION)
    except ImportError:
        pass
    return ", ".join(out)


def cmd_report(a: argparse.Namespace) -> int:
    """Print the report; returns 1 when match sets or hashes differ."""
    differ = 0
    meta = read_meta(a.out)
    p = print
    p("Command: `%s`  " % meta.get("command", "python bench/bench_pytx.py ..."))
    p("Machine: %s, %s CPUs, %s; %s  " % (meta.get("cpu", "?"), meta.get("cpus", "?"),
                                          meta.get("ram", "?"), meta.get("os", "?")))
    p("Versions: %s; commit %s  " % (versions(), meta.get("commit", "?")))
    p("Date: %s; pinned to CPU %s, OMP_NUM_THREADS=1 (faiss on one thread); the other CPUs "
      "were busy %s of the time meanwhile; load average %s at the end.\n"
      % (meta.get("date", "?"), meta.get("cpu_pin", "?"), meta.get("other_busy", "?"),
         meta.get("loadavg_end", "?")))
    sizes = sorted({int(f.split("-")[1]) for f in os.listdir(a.out)
                    if f.startswith("index-") and f.endswith(".json")})
    if sizes:
        p("#### PDQ index: build, memory, query (threshold %d; one query per call)\n" % THRESHOLD)
        p("Times are CPU time (the process's for build, the calling thread's for a query), "
          "wall clock in parentheses. Build = `build(entries)` + the first query (our index "
          "commits on it); it includes making the entries' hex strings (\"input\": the same "
          "work for all). Memory = RSS growth from before `build` to after it (malloc_trim'd), "
          "each index in its own process; peak = VmHWM growth during build. Query: median "
          "of the `index.query(hex)` calls.\n")
        p("| N | index | build s | input s | memory MB | B/hash | peak MB | hit query µs "
          "| miss query µs | matches / hit query | load avg before |")
        p("|---|---|---|---|---|---|---|---|---|---|---|")
        for n in sizes:
            for r in load_runs(a.out, n):
                if "failed" in r:
                    p("| %s | %s | **failed** after %.0f s: %s | | | | | | | | %s |" % (
                        f"{n:,}", r["impl"], r["process_s"], r["failed"], r["loadavg_before"]))
                    continue
                nm = [len(m) for m, k in zip(r["matches"], r["kinds"]) if k == "hit"]
                pk = "%.0f" % (r["peak_growth"] / 1e6) if r.get("peak_growth") else "?"
                p("| %s | %s | %.1f (%.1f) | %.2f | %.0f | %.0f | %s | %s (%s) | %s (%s) | %.1f "
                  "| %s |" % (
                      f"{n:,}", r["impl"], build_s(r, "cpu"), build_s(r, "wall"), r["gen_s"],
                      r["rss_growth"] / 1e6, r["rss_growth"] / n, pk,
                      us(query_s(r, "hit", "cpu")), us(query_s(r, "hit", "wall")),
                      us(query_s(r, "miss", "cpu")), us(query_s(r, "miss", "wall")),
                      sum(nm) / max(1, len(nm)), r["loadavg_before"]))
        p("\n#### Ratios: pytx / hashmatch for times (CPU; wall in parentheses), "
          "hashmatch / pytx for memory\n")
        p("| N | against | hit query | miss query | build | memory |")
        p("|---|---|---|---|---|---|")
        for n in sizes:
            runs = {r["impl"]: r for r in load_runs(a.out, n) if "failed" not in r}
            o = runs.get(OURS)
            if not o:
                continue
            for name, r in runs.items():
                if name == OURS:
                    continue
                cells = []
                measures: t.List[t.Callable[[t.Dict[str, t.Any], str], float]] = [
                    lambda x, c: query_s(x, "hit", c), lambda x, c: query_s(x, "miss", c),
                    build_s]
                for fn in measures:
                    cells.append("%s (%s)" % (ratio(fn(r, "cpu"), fn(o, "cpu")),
                                              ratio(fn(r, "wall"), fn(o, "wall"))))
                p("| %s | %s | %s | %.2f |" % (f"{n:,}", name, " | ".join(cells),
                                               o["rss_growth"] / r["rss_growth"]))
        p("\n#### Match sets (every query, sorted (metadata, distance) lists)\n")
        for n in sizes:
            cp = os.path.join(a.out, "check-%d.json" % n)
            if not os.path.exists(cp):
                continue
            c = read_json(cp)
            differ += sum(x["differ"] for x in c["pairs"])
            differ += sum(x["differ"] for x in c["planted"].values())
            runs = {r["impl"]: r for r in load_runs(a.out, n) if "failed" not in r}
            for pr in c["pairs"]:
                p("- %s: %s vs %s: %s of %d queries differ%s" % (
                    f"{n:,}", pr["a"], pr["b"], pr["differ"], pr["queries"],
                    "" if not pr["differ"] else "; first: %s" % json.dumps(pr["examples"][0])))
            for name, pl in c["planted"].items():
                p("- %s: %s vs the planted entries: %d of %d queries differ%s; distances "
                  "returned as %s" % (
                      f"{n:,}", name, pl["differ"], pl["queries"],
                      "" if not pl["differ"] else "; first: %s" % json.dumps(pl["examples"][0]),
                      ", ".join(runs[name]["dist_types"]) or "—"))
    hp = os.path.join(a.out, "hash.json")
    if os.path.exists(hp):
        h = read_json(hp)
        differ += len(h["differ"])
        names = list(next(iter(h["classes"].values()))["per_round_s"])
        p("\n#### Hashing photos: `PdqSignal.hash_from_file`, images/s (from the median "
          "over %d rounds of the CPU time per image; wall clock in parentheses)\n" % h["rounds"])
        p("Load average %s before, %s after.\n" % (h["loadavg_before"], h["loadavg_after"]))
        p("| class | files | sizes | %s | speed-up |" % " | ".join(names))
        p("|---|---|---|%s---|" % ("---|" * len(names)))
        for c, v in sorted(h["classes"].items()):
            cm = [q50(v["per_round_cpu_s"][nm]) for nm in names]
            wm = [q50(v["per_round_s"][nm]) for nm in names]
            sz = v["sizes"]
            p("| %s | %d | %s | %s | %s (%s) |" % (
                c, v["files"], sz[0] if len(sz) == 1 else "%s … %s" % (sz[0], sz[-1]),
                " | ".join("%.1f (%.1f)" % (1 / x, 1 / y) for x, y in zip(cm, wm)),
                ratio(cm[0], cm[1]), ratio(wm[0], wm[1])))
        p("\nHashes: %d of %d files identical%s" % (
            len(h["agree"]), len(h["agree"]) + len(h["differ"]),
            "." if not h["differ"] else "; differ: " + ", ".join(
                "%s/%s" % (d["class"], d["file"]) for d in h["differ"])))
    return 1 if differ else 0


# ------------------------------------------------------------------ main ----

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pi = sub.add_parser("index")
    pi.add_argument("out")
    pi.add_argument("--sizes", default="1000000,10000000")
    pi.add_argument("--impls", default=",".join(IMPLS))
    pi.add_argument("--hit-queries", type=int, default=100)
    pi.add_argument("--miss-queries", type=int, default=100)
    pi.add_argument("--seed", type=int, default=18)
    pi.add_argument("--min-avail-gb", type=float, default=1.5,
                    help="stop a worker when MemAvailable falls below this")
    pi.add_argument("--worker-timeout", type=float, default=3600)
    pw = sub.add_parser("_index-worker")
    pw.add_argument("--impl", required=True)
    pw.add_argument("--n", type=int, required=True)
    pw.add_argument("--seed", type=int, required=True)
    pw.add_argument("--hit-queries", type=int, required=True)
    pw.add_argument("--miss-queries", type=int, required=True)
    pw.add_argument("--json", required=True)
    ph = sub.add_parser("hash")
    ph.add_argument("out")
    ph.add_argument("--corpus", required=True, help="bench/fetch_corpus.sh's TSV")
    ph.add_argument("--rounds", type=int, default=5)
    pr = sub.add_parser("report")
    pr.add_argument("out")
    a = ap.parse_args()
    if a.cmd == "index":
        cmd_index(a)
    elif a.cmd == "_index-worker":
        index_worker(a)
    elif a.cmd == "hash":
        os.makedirs(a.out, exist_ok=True)
        cmd_hash(a)
    else:
        sys.exit(cmd_report(a))


if __name__ == "__main__":
    main()
