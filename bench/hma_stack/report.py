# SPDX-License-Identifier: BSD-3-Clause
"""Report of bench/run_hashmatchd.sh: reads OUT/results.tsv and OUT/meta.tsv,
prints Markdown (tables, ratios, the issue's goals)."""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict
from pathlib import Path

WRK_FIELDS = ("requests", "seconds", "rps", "p50", "p99", "max", "n2xx", "n4xx", "n5xx", "sockerr")
HMA_LABELS = {"hma-default": "HMA stack, as shipped (OpenMP threads = CPUs)",
              "hma-omp1": "HMA stack, OMP_NUM_THREADS=1"}


def load(out: Path) -> tuple[dict[str, str], dict[str, dict[str, dict[str, str]]], list[list[float]]]:
    meta: dict[str, str] = {}
    for line in (out / "meta.tsv").read_text().splitlines():
        k, _, v = line.partition("\t")
        meta[k] = v
    res: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    reloads: list[list[float]] = []
    for line in (out / "results.tsv").read_text().splitlines()[1:]:
        server, phase, key, value = line.split("\t")
        if phase == "reload":
            reloads.append([float(x) for x in value.split()])
        else:
            res[server][phase][key] = value
    return meta, res, reloads


def wrk(cell: dict[str, str]) -> dict[str, float] | None:
    if "wrk" not in cell or not cell["wrk"]:
        return None
    w = dict(zip(WRK_FIELDS, (float(x) for x in cell["wrk"].split())))
    w["ok"] = w["n2xx"] / w["seconds"]  # answered requests per second
    return w


def mib(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def main() -> None:
    out = Path(sys.argv[1])
    meta, res, reloads = load(out)
    size = int(meta["size"])
    p = print
    p(f"Command: `{meta['command']}` (commit {meta['commit']}, {meta['date']}); "
      f"machine: {meta['nproc']} CPUs, {meta['cpu']}. Index: {size:,} PDQ hashes. "
      f"Each cell: wrk for {meta['duration']} s, on the same 2 CPUs as the server.")
    pkgs = ", ".join(f"{k[4:]} {v}" for k, v in meta.items() if k.startswith("pkg:"))
    if pkgs:
        p(f"HMA's stack: {pkgs}; gunicorn with 2 sync workers, each holding its own index.")
    p()
    servers = [s for s in ("hashmatchd", "hma-default", "hma-omp1") if s in res]
    names = {"hashmatchd": "hashmatchd", **HMA_LABELS}
    phases = sorted({ph for s in servers for ph in res[s] if ph.startswith(("lookup-", "upload-"))},
                    key=lambda ph: (ph.split("-")[0], int(ph.split("-c")[1])))
    p("| server | request | connections | answered/s (2xx) | p50 ms | p99 ms | max ms | 5xx/s | other non-2xx | load avg before |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for s in servers:
        for ph in phases:
            w = wrk(res[s].get(ph, {}))
            if w is None:
                continue
            kind, conns = ph.split("-c")
            what = "GET /m/lookup (hash)" if kind == "lookup" else "POST /m/lookup (photo)"
            p(f"| {names[s]} | {what} | {conns} | {w['ok']:,.0f} | {w['p50']:.2f} | {w['p99']:.2f} | "
              f"{w['max']:.1f} | {w['n5xx'] / w['seconds']:,.0f} | {w['n4xx'] + w['sockerr']:.0f} | {res[s][ph].get('loadavg', '')} |")
    p()
    # ratios against the faster HMA configuration, per cell
    hma = [s for s in servers if s.startswith("hma")]
    if "hashmatchd" in res and hma:
        p("| request | connections | hashmatchd req/s | best HMA req/s | ratio |")
        p("|---|---|---|---|---|")
        for ph in phases:
            h = wrk(res["hashmatchd"].get(ph, {}))
            others = [w for w in (wrk(res[s].get(ph, {})) for s in hma) if w]
            if h and others:
                best = max(w["ok"] for w in others)
                p(f"| {ph.split('-c')[0]} | {ph.split('-c')[1]} | {h['ok']:,.0f} | {best:,.0f} | {h['ok'] / best:.1f}x |")
        p()
    if "hashmatchd" in res:
        r = res["hashmatchd"]
        empty = float(r["empty"]["rss"])
        loaded = float(r["warmup"]["rss"])
        after = float(r.get("after-uploads", r["warmup"])["rss"])
        p(f"hashmatchd memory (RSS after the same 2 s of lookups at 8 connections): empty server {mib(empty)}; "
          f"index loaded in {float(r['load']['seconds']):.1f} s (RSS {mib(float(r['load']['rss']))} at once), "
          f"{mib(loaded)} → **{(loaded - empty) / size:.0f} B per hash** "
          f"({(after - empty) / size:.0f} B after all the lookups and uploads; "
          f"the library counts {float(r['load'].get('index_bytes', 0)) / size:.0f} B for the index).")
    for s in hma:
        r = res[s]
        p(f"{names[s]}: RSS of gunicorn's master and 2 workers {mib(float(r['load']['rss']))} "
          f"({float(r['load']['rss']) / size:.0f} B per hash), {mib(float(r['after-uploads']['rss']))} after the run; "
          f"a worker unpickled the index in {float(r['load']['seconds']):.1f} s.")
    p()
    if reloads:
        before = [x[0] for x in reloads]
        after = [x[1] for x in reloads]
        secs = [x[2] for x in reloads]
        w = wrk(res["hashmatchd"]["reloads"])
        p(f"Reloads: {len(reloads)} SIGHUPs with lookups running (8 connections); "
          f"each reload took {statistics.median(secs):.2f} s median ({min(secs):.2f}–{max(secs):.2f}); "
          f"failed reloads: {res['hashmatchd']['reloads'].get('failed', '?')}.")
        p()
        marks = sorted({0, min(9, len(after) - 1), min(49, len(after) - 1), len(after) - 1})
        p("| RSS, MiB | " + " | ".join(f"reload {i + 1}" for i in marks) + " | min | median | max |")
        p("|---" * (len(marks) + 4) + "|")
        for name, series in (("just before the SIGHUP", before), ("once the new index serves", after)):
            p(f"| {name} | " + " | ".join(f"{series[i] / 2**20:,.0f}" for i in marks) +
              f" | {min(series) / 2**20:,.0f} | {statistics.median(series) / 2**20:,.0f} | {max(series) / 2**20:,.0f} |")
        p(f"\nRSS before the first reload {mib(before[0])}, after the last {mib(after[-1])} "
          f"({(after[-1] - before[0]) / 2**20:+,.0f} MiB); after the run {mib(float(res['hashmatchd']['after-reloads']['rss']))}.")
        hr = res["hashmatchd"]
        if "before-reloads-settled" in hr and "after-reloads-settled" in hr:
            b, a = float(hr["before-reloads-settled"]["rss"]), float(hr["after-reloads-settled"]["rss"])
            p(f"Settled (no request for the same time before the first reload and after the last): "
              f"{mib(b)} before, {mib(a)} after ({(a - b) / 2**20:+,.0f} MiB).")
        if w:
            p(f"Lookups during the reloads: {w['requests']:,.0f} in {w['seconds']:.0f} s ({w['rps']:,.0f}/s), "
              f"p50 {w['p50']:.2f} ms, p99 {w['p99']:.2f} ms, max {w['max']:.0f} ms; "
              f"**5xx: {w['n5xx']:.0f}**, other non-2xx {w['n4xx']:.0f}, socket errors {w['sockerr']:.0f}.")
        p()
    # goals
    if "hashmatchd" in res:
        r = res["hashmatchd"]
        looks = [(ph, wrk(r[ph])) for ph in phases if ph.startswith("lookup") and ph in r]
        ok = [(ph, w) for ph, w in looks if w and w["ok"] >= 4000 and w["p99"] <= 10]
        p("Goals (issue #17):")
        p(f"- ≥ 4,000 lookups/s at p99 ≤ 10 ms: " + "; ".join(
            f"{ph.split('-c')[1]} conns {w['ok']:,.0f}/s p99 {w['p99']:.1f} ms" for ph, w in looks if w) +
          f" → {'met at ' + ', '.join(ph.split('-c')[1] for ph, _ in ok) + ' connections' if ok else 'not met'}")
        empty = float(r["empty"]["rss"])
        bph = (float(r["warmup"]["rss"]) - empty) / size
        p(f"- ≤ 150 B per hash: {bph:.0f} B → {'met' if bph <= 150 else 'not met'}")
        if reloads:
            drift = (reloads[-1][1] - reloads[0][0]) / 2**20
            settled = ""
            if "before-reloads-settled" in r and "after-reloads-settled" in r:
                settled = f", settled {(float(r['after-reloads-settled']['rss']) - float(r['before-reloads-settled']['rss'])) / 2**20:+,.0f} MiB"
            p(f"- RSS unchanged after {len(reloads)} reloads: {drift:+,.0f} MiB{settled}")


if __name__ == "__main__":
    main()
