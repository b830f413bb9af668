#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The vpdq peer of the video benchmark (issue #4); run it through
bench/run_video.sh.

    bench_video_peers.py time [-r RUNS] [-l LABEL] [-o OUT.tsv] [-H HASHES] FILE
    bench_video_peers.py probe FILE          (threads used; not timed)
    bench_video_peers.py report OUTDIR       (the markdown report of run_video.sh)

`time` calls vpdq.computeHash(FILE, seconds_per_hash=1.0, thread_count=1)
RUNS times (vpdq's Python default interval; one hashing thread, the
single-threaded path of its C++ hasher) and writes one TSV row per call in
bench_video's layout:
    label file mode run cpu_s user_s sys_s wall_s decoded hashed keyframes
      width height fps duration
CPU time is the whole process's (getrusage RUSAGE_SELF: every thread), wall
time time.monotonic().  decoded/keyframes/width/... are not reported by
vpdq and written as 0.  -H writes the first call's hashes in vPDQ's line
format (frameNumber,quality,pdqhex,timestamp).

`probe` runs computeHash once while a forked child counts the threads of
this process in /proc every 10 ms, and prints "threads<TAB>MAX" plus vpdq's
version.  (computeHash holds the GIL, so the count must come from another
process.)

`report` reads OUTDIR/{meta,videos,timing}.tsv, OUTDIR/hashes/ and the perf
summaries that run_video.sh writes, and prints the markdown report: seconds
of video per CPU-second per file and mode, the goals, frame counts, hash
agreement with vpdq, and the profile.  Standard library only.
"""
import argparse
import importlib.metadata as md
import os
import resource
import sys
import time


def usage_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def compute(vpdq, path):
    return vpdq.computeHash(path, seconds_per_hash=1.0, thread_count=1)


def cmd_time(a):
    import vpdq

    out = open(a.o, "a") if a.o else sys.stdout
    for r in range(a.r):
        u0, s0 = usage_s()
        w0 = time.monotonic()
        feats = compute(vpdq, a.file)
        w1 = time.monotonic()
        u1, s1 = usage_s()
        user, sys_ = u1 - u0, s1 - s0
        out.write(
            f"{a.l}\t{a.file}\tvpdq\t{r}\t{user + sys_:.4f}\t{user:.4f}\t{sys_:.4f}\t"
            f"{w1 - w0:.4f}\t0\t{len(feats)}\t0\t0\t0\t0\t0\n"
        )
        out.flush()
        if r == 0 and a.H:
            with open(a.H, "w") as h:
                for f in feats:
                    h.write(f"{f.frame_number},{f.quality},{f.hex},{f.timestamp:.3f}\n")
    if out is not sys.stdout:
        out.close()


def cmd_probe(a):
    import vpdq

    pid = os.getpid()
    rd, wr = os.pipe()
    rd2, wr2 = os.pipe()
    child = os.fork()
    if child == 0:  # count the parent's threads until it writes to the pipe
        os.close(wr)
        os.close(rd2)
        os.set_blocking(rd, False)
        most = 0
        while True:
            try:
                most = max(most, len(os.listdir(f"/proc/{pid}/task")))
            except OSError:
                break
            try:
                if os.read(rd, 1):
                    break
            except BlockingIOError:
                pass
            time.sleep(0.01)
        os.write(wr2, str(most).encode())
        os._exit(0)
    os.close(rd)
    os.close(wr2)
    feats = compute(vpdq, a.file)
    os.write(wr, b"x")
    most = int(os.read(rd2, 32) or b"0")
    os.waitpid(child, 0)
    print(f"threads\t{most}")
    print(f"frames\t{len(feats)}")
    print(f"vpdq\t{md.version('vpdq')}")
    print(f"affinity\t{len(os.sched_getaffinity(0))}")


# ---- report ----------------------------------------------------------------

def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return float("nan")
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def read_tsv(path):
    try:
        with open(path) as f:
            return [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except OSError:
        return []


def read_vpdq(path):
    """frame number -> (quality, hash int, timestamp string)"""
    out = {}
    for row in read_tsv(path):
        fn, q, hx, ts = row[0].split(",")
        out[int(fn)] = (int(q), int(hx, 16), ts)
    return out


def dist_summary(a, b, same_ts=True):
    """Compare two vpdq line files on their common frame numbers."""
    common = sorted(set(a) & set(b))
    d = [bin(a[k][1] ^ b[k][1]).count("1") for k in common if a[k][0] >= 50 and b[k][0] >= 50]
    ts_equal = sum(1 for k in common if a[k][2] == b[k][2])
    ds = sorted(d)
    return {
        "na": len(a), "nb": len(b), "common": len(common), "ts_equal": ts_equal,
        "n": len(d), "exact": sum(1 for x in d if x == 0),
        "mean": sum(d) / len(d) if d else float("nan"), "median": median(d),
        "p90": ds[min(len(ds) - 1, int(0.9 * len(ds)))] if ds else float("nan"),
        "max": max(d) if d else float("nan"), "within31": sum(1 for x in d if x <= 31),
    }


def fmt(x, nd=1):
    if x != x:
        return "–"
    return f"{x:,.{nd}f}"


MODE_NAMES = [
    ("key", "keyframes"), ("key-luma", "keyframes, luma plane"), ("interval", "1 s interval"),
    ("all", "every frame"), ("vpdq", "vpdq 1 s"), ("floor-key", "floor: key only"),
    ("floor-all", "floor: every frame"), ("ffmpeg-cli-key", "`ffmpeg -skip_frame nokey`"),
]


def cmd_report(a):
    d = a.dir
    meta = {r[0]: r[1] for r in read_tsv(f"{d}/meta.tsv") if len(r) >= 2}
    videos = read_tsv(f"{d}/videos.tsv")
    rows = read_tsv(f"{d}/timing.tsv")
    T = {}  # (file, mode) -> list of (run, cpu, wall, decoded, hashed)
    for r in rows:
        T.setdefault((r[0], r[2]), []).append(
            (int(r[3]), float(r[4]), float(r[7]), int(r[8]), int(r[9])))
    names = [v[0] for v in videos]
    dur = {v[0]: float(v[7]) for v in videos}
    modes = [(m, t) for m, t in MODE_NAMES if any((n, m) in T for n in names)]
    cpu = {k: median([x[1] for x in v]) for k, v in T.items()}
    wall = {k: median([x[2] for x in v]) for k, v in T.items()}
    P = print

    P(f"## Report produced by `{meta.get('command', 'bash bench/run_video.sh')}` ({meta.get('date', '?')})")
    P()
    P(f"- Machine: {meta.get('cpu', '?')}, {meta.get('cpus', '?')} CPUs, {meta.get('ram', '?')} RAM; "
      f"{meta.get('os', '?')}.")
    P(f"- Everything pinned to CPU {meta.get('cpu_pin', '?')} (taskset), single-threaded; "
      f"{meta.get('runs', '?')} rounds, each running every program on every file in turn; "
      f"medians. The other core was busy {meta.get('other_busy', '?')} of the timed phases "
      f"(load average at the end: {meta.get('loadavg_end', '?')}).")
    P(f"- libhashmatch {meta.get('commit', '?')}, {meta.get('build_type', '?')}, {meta.get('cc', '?')}.")
    P(f"- FFmpeg {meta.get('ffmpeg', '?')}; {meta.get('x264', '?')} (encoder of the test files).")
    if "vpdq_vpdq" in meta:
        P(f"- vpdq {meta['vpdq_vpdq']} from PyPI (built from source against the same FFmpeg), Python "
          f"{meta.get('python', '?')}; `computeHash(f, seconds_per_hash=1.0, thread_count=1)`: at most "
          f"{meta.get('vpdq_threads', '?')} thread(s) seen in the process while it hashed (its decoder "
          f"asks for automatic slice threads, which is 1 on one allowed CPU).")
    else:
        P("- vpdq: not run (" + meta.get("peers", "unavailable") + ").")
    P()
    P("### Test files")
    P()
    P("| file | size | frames | keyframes (mean distance) | duration | bit rate |")
    P("|---|---|---|---|---|---|")
    for v in videos:
        n, path, w, h, gop, frames, keys, du = v[:8]
        try:
            mb = os.path.getsize(path) / 1e6
        except OSError:
            mb = float("nan")
        P(f"| {n} | {w}x{h}, H.264 `-g {gop}` | {int(frames):,} | {keys} ({float(du) / max(1, int(keys)):.2f} s) "
          f"| {float(du):.1f} s | {mb * 8 / float(du):.2f} Mbit/s ({mb:.0f} MB) |")
    P()
    def file_table(cols, cell):
        """a table with a row per file and a column per mode in `cols`;
        cell(n, m, T[(n, m)]) for the measured pairs, "–" for the others"""
        P("| file | " + " | ".join(t for _, t in cols) + " |")
        P("|---|" + "---|" * len(cols))
        for n in names:
            P(f"| {n} | " + " | ".join(cell(n, m, T[(n, m)]) if T.get((n, m)) else "–"
                                       for m, _ in cols) + " |")
        P()

    def cpu_range(n, m, v):
        cs = [x[1] for x in v]
        return f"{median(cs):.3f} [{min(cs):.3f}–{max(cs):.3f}] ({wall[(n, m)] / cpu[(n, m)]:.2f})"

    def frames(n, m, v):
        if m.startswith("floor"):
            return f"{v[0][3]:,} decoded"
        if m == "vpdq":
            return f"{v[0][4]:,} hashed"
        return f"{v[0][3]:,} / {v[0][4]:,}"

    P("### Seconds of video hashed per CPU-second (median; higher is better)")
    P()
    file_table(modes, lambda n, m, v: fmt(dur[n] / cpu[(n, m)], 1))
    P("CPU seconds per file (median, [min–max] of the rounds; wall/CPU):")
    P()
    file_table(modes, cpu_range)

    def paired(n, m1, m2):
        """ratio of medians, and the range of the per-round ratios"""
        a1 = {x[0]: x[1] for x in T.get((n, m1), [])}
        a2 = {x[0]: x[1] for x in T.get((n, m2), [])}
        rs = [a1[r] / a2[r] for r in a1 if r in a2 and a2[r] > 0]
        if not rs:
            return None
        return cpu[(n, m1)] / cpu[(n, m2)], min(rs), max(rs)

    P("### Against the goals (CPU time; ratio of the medians, [range of the per-round ratios])")
    P()
    P("| file | vpdq / keyframe mode (goal ≥ 10x) | met? | keyframe mode / FFmpeg key-only decode "
      "(goal ≤ 1.3x) | met? | keyframe mode / `ffmpeg -threads 1 -skip_frame nokey` |")
    P("|---|---|---|---|---|---|")
    for n in names:
        g1 = paired(n, "vpdq", "key")
        g2 = paired(n, "key", "floor-key")
        g3 = paired(n, "key", "ffmpeg-cli-key")
        c1 = f"{g1[0]:.1f}x [{g1[1]:.1f}–{g1[2]:.1f}]" if g1 else "–"
        c2 = f"{g2[0]:.2f}x [{g2[1]:.2f}–{g2[2]:.2f}]" if g2 else "–"
        c3 = f"{g3[0]:.2f}x [{g3[1]:.2f}–{g3[2]:.2f}]" if g3 else "–"
        m1 = ("yes" if g1[0] >= 10 else "**no**") if g1 else "–"
        m2 = ("yes" if g2[0] <= 1.3 else "**no**") if g2 else "–"
        P(f"| {n} | {c1} | {m1} | {c2} | {m2} | {c3} |")
    P()
    P("Other ratios (CPU, medians):")
    P()
    P("| file | 1 s interval / every-frame decode | vpdq / 1 s interval | every frame / every-frame decode "
      "| keyframes luma plane / RGB (default) |")
    P("|---|---|---|---|---|")
    for n in names:
        def r(m1, m2):
            g = paired(n, m1, m2)
            return f"{g[0]:.2f}x" if g else "–"
        P(f"| {n} | {r('interval', 'floor-all')} | {r('vpdq', 'interval')} | {r('all', 'floor-all')} "
          f"| {r('key-luma', 'key')} |")
    P()
    P("### Frames decoded / hashed (first round)")
    P()
    file_table([(m, m) for m in ("key", "interval", "all", "floor-key", "floor-all", "vpdq")
                if any((n, m) in T for n in names)], frames)
    hd = f"{d}/hashes"
    if os.path.isdir(hd):
        P("### Hashes against vpdq and against each other (first round)")
        P()
        P("Distances on the common frame numbers where both frames have quality ≥ 50 "
          "(upstream's test: within 31).")
        P()
        P("| file | compared | frames (a / b / common) | timestamps equal | pairs q≥50 | exact | mean | median | p90 | max | ≤ 31 |")
        P("|---|---|---|---|---|---|---|---|---|---|---|")
        for n in names:
            for fa, fb, what in (("interval", "vpdq-peer", "1 s interval vs vpdq"),
                                 ("key", "vpdq-peer", "keyframes vs vpdq (frames both hashed)"),
                                 ("key", "all", "keyframes vs every frame, same frames"),
                                 ("key-luma", "all", "keyframes (luma plane) vs every frame (RGB), same frames")):
                pa, pb = f"{hd}/{n}.{fa}.vpdq", f"{hd}/{n}.{fb}.vpdq"
                if not (os.path.exists(pa) and os.path.exists(pb)):
                    continue
                s = dist_summary(read_vpdq(pa), read_vpdq(pb))
                P(f"| {n} | {what} | {s['na']} / {s['nb']} / {s['common']} | {s['ts_equal']} | {s['n']} "
                  f"| {s['exact']} | {fmt(s['mean'], 2)} | {fmt(s['median'], 1)} | {s['p90']} | {s['max']} "
                  f"| {s['within31']} |")
        P()
    for m, what in (("key", "keyframe mode"), ("all", "every-frame mode")):
        dso = read_tsv(f"{d}/perf-{m}-dso.txt")
        if not dso:
            continue
        P(f"### Where the time goes: {what} on {meta.get('perf_file', '?')} "
          "(`perf record -e cpu-clock`, share of samples)")
        P()
        P("By library:")
        P()
        P("```")
        for line in dso[:10]:
            P(line[0])
        P("```")
        P()
        P("Top symbols:")
        P()
        P("```")
        for line in read_tsv(f"{d}/perf-{m}-sym.txt")[:25]:
            P(line[0])
        P("```")
        P()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("time")
    t.add_argument("-r", type=int, default=1)
    t.add_argument("-l", default="-")
    t.add_argument("-o")
    t.add_argument("-H")
    t.add_argument("file")
    p = sub.add_parser("probe")
    p.add_argument("file")
    rp = sub.add_parser("report")
    rp.add_argument("dir")
    a = ap.parse_args()
    {"time": cmd_time, "probe": cmd_probe, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
