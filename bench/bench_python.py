#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark of the Python binding (issue #6).

    python bench/bench_python.py [-r RUNS] [-t MIN_SAMPLE_S] [--cpu C]
                                 [--bench-hash PATH] [--threads N,...] [-o REPORT.md]

Run it with the Python that has the binding and the reference packages
(scripts/test-python.sh makes one: build-py/venv/bin/python).  It prints a
markdown report (also written to -o):

1. Binding overhead.  On the same in-memory files, in one process:
   - "C call": hm_hash_memory (or hm_hash_pixels) called straight through
     the compiled cffi module with buffers allocated once: the C library's
     time plus cffi's call (the GIL release included) and nothing else;
   - "hashmatch.hash": the public API (``Hasher.hash_bytes`` through
     ``hashmatch.hash``: thread-local hasher, lock, argument checks, Hash and
     HashResult objects); also from a path and from a numpy array.
   Overhead = binding / C call - 1; the goal is <= 5% on a typical photo.
   With --bench-hash, the C program bench/bench_hash (method pdq) is timed on
   the same files, in its own process, as a second reference.
2. hashmatch vs pdqhash and imagehash from Python, decode included (bytes in
   memory -> hash), and from an image already decoded (PIL image or RGB
   array).
3. Threads: images per second hashing the class-M photos with 1..N threads
   (each thread its own hasher; the GIL is released in C), and the GIL
   check of tests/test_threads.py on the largest file: how late the main
   thread gets the GIL back while a worker is inside hm_hash_memory, through
   the binding and through ctypes.PyDLL (which holds the GIL).
4. Index: a single-hash query against 100,000 PDQ hashes, binding vs C call.

Protocol (as bench_hash / bench_peers): files read into memory first; one
warm-up pass per method that also sets the passes per sample (>= MIN_SAMPLE_S
seconds); then RUNS rounds, each timing every method once, interleaved;
figures are medians over rounds of the time per image.  Sections 1, 2 and 4
run pinned to one CPU (--cpu, default 0); section 3 on all CPUs.

Corpus: the real photos of bench/fetch_corpus.sh (classes L, W, M, F, S of
bench/RESULTS.md); without it (no apt-get download), the repository's
reference images, with a note in the report.
"""
import argparse
import datetime
import io
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import hashmatch as hm  # noqa: E402
from hashmatch._native import ffi, lib  # noqa: E402

try:
    import numpy as np
    from PIL import Image
    import imagehash
    import pdqhash
    PEERS = True
except ImportError as e:  # pragma: no cover
    PEERS = False
    PEERS_WHY = str(e)

CLASS_DOC = {
    "L": "4000x3000 phone JPEG",
    "W": "1280x1024-2560x1920 JPEG",
    "M": "800x532-600 JPEG",
    "F": "512x512 progressive JPEG",
    "S": "451x300-600x400 PNG",
    "R": "repository reference images (JPEG/PNG, 128-1600 px)",
}
TYPICAL = "M"


# ---------------------------------------------------------------------------
# corpus
# ---------------------------------------------------------------------------

def corpus():
    """{class: [path]} and a note."""
    try:
        res = subprocess.run(["bash", os.path.join(ROOT, "bench", "fetch_corpus.sh")],
                             capture_output=True, text=True, timeout=900)
        rows = [l.split("\t") for l in res.stdout.splitlines() if l.strip()]
    except (OSError, subprocess.SubprocessError):
        rows = []
    classes = {}
    for cls, path, *_ in rows:
        if cls in CLASS_DOC and cls != "X":
            classes.setdefault(cls, []).append(path)
    if classes:
        return {k: sorted(v) for k, v in sorted(classes.items())}, \
            "real photos from bench/fetch_corpus.sh"
    ref = os.path.join(ROOT, "tests", "data", "pdq-reference")
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(ref) for f in fs
                   if f.lower().endswith((".jpg", ".png")))
    return {"R": files}, ("bench/fetch_corpus.sh could not provide the corpus; the "
                          "repository's reference images were used instead")


# ---------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------

CLOCK = time.thread_time  # --clock: CPU time of this thread (default) or wall time


def sample(fn, items, passes):
    t0 = CLOCK()
    for _ in range(passes):
        for x in items:
            fn(x)
    return (CLOCK() - t0) / (passes * len(items))


def med(ts):
    return statistics.median(ts)


def ms(t):
    return "%.3f" % (t * 1e3) if t < 0.01 else "%.2f" % (t * 1e3)


def us(t):
    return "%.2f" % (t * 1e6)


# ---------------------------------------------------------------------------
# 1. binding overhead
# ---------------------------------------------------------------------------

class RawC:
    """The C calls through the compiled module, buffers allocated once."""

    def __init__(self):
        p = ffi.new("hm_hasher **")
        assert lib.hm_hasher_create(p) == 0
        self.h = p[0]
        self.out = ffi.new("hm_hash[16]")
        self.n = ffi.new("size_t *")
        self.info = ffi.new("hm_image_info *")

    def memory(self, mask):
        h, out, n, info = self.h, self.out, self.n, self.info
        call = lib.hm_hash_memory

        def run(item):
            buf, size = item
            if call(h, buf, size, mask, out, 16, n, info) != 0:
                raise RuntimeError("hm_hash_memory failed")
        return run

    def pixels(self, mask):
        h, out, n = self.h, self.out, self.n
        call = lib.hm_hash_pixels

        def run(item):
            buf, w, hgt, stride, fmt = item
            if call(h, buf, w, hgt, stride, fmt, mask, out, 16, n) != 0:
                raise RuntimeError("hm_hash_pixels failed")
        return run


def overhead_section(classes, blobs, runs, min_sample, bench_hash, cpu):
    raw = RawC()
    pdq = 1 << 1
    pdq_phash = pdq | (1 << 2)
    rows = []
    for cls, files in classes.items():
        data = blobs[cls]
        cbufs = [(ffi.from_buffer(b), len(b)) for b in data]
        methods = [
            ("C call pdq", raw.memory(pdq)),
            ("hashmatch.hash pdq", lambda b: hm.hash(b, "pdq")),
            ("C call pdq+phash", raw.memory(pdq_phash)),
            ("hashmatch.hash pdq+phash", lambda b: hm.hash(b, "pdq,phash")),
        ]
        items = {m[0]: (cbufs if m[0].startswith("C call") else data) for m in methods}
        # time with each method's own item list, interleaved
        t = time_interleaved(methods, items, runs, min_sample)
        # the path API reads the file itself: compare with hm_hash_file
        paths = files
        cpaths = [os.fsencode(p) for p in paths]
        hh, out, n, info = raw.h, raw.out, raw.n, raw.info

        def c_file(p):
            if lib.hm_hash_file(hh, p, pdq, out, 16, n, info) != 0:
                raise RuntimeError("hm_hash_file failed")
        tf = time_interleaved([("C call file", c_file),
                               ("hashmatch.hash path", lambda p: hm.hash(p, "pdq"))],
                              {"C call file": cpaths, "hashmatch.hash path": paths},
                              runs, min_sample)
        t.update(tf)
        # pixels (numpy RGB/grey arrays decoded by hashmatch)
        arrays = [hm.decode(b) for b in data]
        cpx = []
        for a in arrays:
            fmt = lib.HM_PIXEL_GRAY8 if a.ndim == 2 else lib.HM_PIXEL_RGB24
            cpx.append((ffi.from_buffer(a), a.shape[1], a.shape[0], a.strides[0], fmt))
        tp = time_interleaved([("C call pixels", raw.pixels(pdq)),
                               ("hashmatch.hash array", lambda a: hm.hash(a, "pdq"))],
                              {"C call pixels": cpx, "hashmatch.hash array": arrays},
                              runs, min_sample)
        t.update(tp)
        c_prog = None
        if bench_hash:
            c_prog = run_bench_hash(bench_hash, files, runs, min_sample, cpu)
        rows.append((cls, len(files), t, c_prog))
    return rows


def time_interleaved(methods, items, runs, min_sample):
    passes = {}
    for name, fn in methods:
        per_pass = sample(fn, items[name], 1) * len(items[name])
        passes[name] = max(1, min(100000, int(min_sample / max(per_pass, 1e-9)) + 1))
    times = {name: [] for name, _ in methods}
    for _ in range(runs):
        for name, fn in methods:
            times[name].append(sample(fn, items[name], passes[name]))
    return times


def run_bench_hash(exe, files, runs, min_sample, cpu):
    """{method: seconds per image} from the C program bench_hash, in its own
    process.  With the CPU clock, the time is the child's CPU time (rusage),
    from two runs whose difference cancels the start-up (reading and
    pre-decoding the files): per image = (CPU(big) - CPU(small)) / (images
    hashed in big - images hashed in small)."""
    import resource

    def run(r, t):
        cmd = [exe, "-r", str(r), "-t", str(t), "-m", "pdq", *files]
        if cpu is not None:
            cmd = ["taskset", "-c", str(cpu)] + cmd
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        f = [l.split("\t") for l in out.splitlines() if l.count("\t") >= 7][0]
        passes = int(f[7])
        return float(f[3]), used, (1 + r * passes) * len(files)

    try:
        wall, cpu_big, n_big = run(runs, min_sample)
        if CLOCK is time.perf_counter:
            return {"pdq": wall}
        _, cpu_small, n_small = run(1, 0.000001)
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError) as e:
        print("bench_python: bench_hash failed: %s" % e, file=sys.stderr)
        return None
    return {"pdq": (cpu_big - cpu_small) / (n_big - n_small)}


# ---------------------------------------------------------------------------
# 2. peers
# ---------------------------------------------------------------------------

def load(b):
    im = Image.open(io.BytesIO(b))
    im.load()
    return im


def rgb_array(im):
    return np.asarray(im if im.mode == "RGB" else im.convert("RGB"))


def peers_section(classes, blobs, runs, min_sample):
    rows = []
    for cls in classes:
        data = blobs[cls]
        decoded = [load(b) for b in data]
        arrays = [rgb_array(im) for im in decoded]
        enc = [
            ("pdqhash", lambda b: pdqhash.compute(rgb_array(load(b)))),
            ("hm pdq", lambda b: hm.hash(b, "pdq")),
            ("imagehash phash", lambda b: imagehash.phash(load(b))),
            ("hm phash", lambda b: hm.hash(b, "phash")),
            ("imagehash dhash", lambda b: imagehash.dhash(load(b))),
            ("hm dhash", lambda b: hm.hash(b, "dhash")),
            ("pdqhash + imagehash x3", lambda b: all4(load(b))),
            ("hm all four", lambda b: hm.hash(b, "perceptual")),
        ]
        t = time_interleaved(enc, {n: data for n, _ in enc}, runs, min_sample)
        dec = [
            ("pdqhash(array)", lambda a: pdqhash.compute(a)),
            ("hm pdq(array)", lambda a: hm.hash(a, "pdq")),
            ("imagehash phash(PIL)", lambda im: imagehash.phash(im)),
            ("hm phash(PIL)", lambda im: hm.hash(im, "phash")),
        ]
        items = {"pdqhash(array)": arrays, "hm pdq(array)": arrays,
                 "imagehash phash(PIL)": decoded, "hm phash(PIL)": decoded}
        t.update(time_interleaved(dec, items, runs, min_sample))
        rows.append((cls, len(data), t))
    return rows


def all4(im):
    pdqhash.compute(rgb_array(im))
    imagehash.phash(im)
    imagehash.dhash(im)
    imagehash.average_hash(im)


def check_equal(blobs):
    """Every file: hashmatch equals pdqhash and imagehash (exactness)."""
    n = same = 0
    for data in blobs.values():
        for b in data:
            im = load(b)
            vec, q = pdqhash.compute(rgb_array(im))
            ref_pdq = "%064x" % int("".join(str(int(x)) for x in vec), 2)
            r = hm.hash(b, "perceptual")
            n += 1
            same += (str(r.pdq), r.pdq.quality, str(r.phash), str(r.dhash), str(r.ahash)) == \
                (ref_pdq, int(q), str(imagehash.phash(im)), str(imagehash.dhash(im)),
                 str(imagehash.average_hash(im)))
    return same, n


# ---------------------------------------------------------------------------
# 3. threads
# ---------------------------------------------------------------------------

def threads_section(data, counts, seconds=2.0):
    """[(threads, images/s, CPU seconds per wall second)], best of 3."""
    rows = []
    for n in counts:
        best = (0.0, 0.0)
        for _ in range(3):
            done = [0] * n
            stop = threading.Event()
            barrier = threading.Barrier(n + 1)

            def run(k):
                barrier.wait()
                i = k
                while not stop.is_set():
                    hm.hash(data[i % len(data)], "pdq")
                    done[k] += 1
                    i += 1

            ts = [threading.Thread(target=run, args=(k,)) for k in range(n)]
            for t in ts:
                t.start()
            barrier.wait()
            t0, c0 = time.perf_counter(), time.process_time()
            time.sleep(seconds)
            stop.set()
            for t in ts:
                t.join()
            wall = time.perf_counter() - t0
            best = max(best, (sum(done) / wall, (time.process_time() - c0) / wall))
        rows.append((n, *best))
    return rows


def gil_latency(data):
    """Main-thread wake-up delays (1 ms sleeps) while a worker thread hashes
    `data` 3 times: through the binding, and through ctypes.PyDLL (the same
    C function, called with the GIL held).  Returns {name: (median delay s,
    wake-ups, ms per C call)}."""
    import ctypes

    def measure(work):
        done = threading.Event()
        spent = []

        def run():
            t0 = time.perf_counter()
            work()
            spent.append(time.perf_counter() - t0)
            done.set()

        old = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        lat = []
        try:
            t = threading.Thread(target=run)
            t.start()
            time.sleep(0.005)
            while not done.is_set():
                t0 = time.perf_counter()
                time.sleep(0.001)
                lat.append(time.perf_counter() - t0 - 0.001)
            t.join()
        finally:
            sys.setswitchinterval(old)
        return (statistics.median(lat) if lat else float("nan"), len(lat), spent[0] / 3)

    out = {"hashmatch.hash": measure(lambda: [hm.hash(data, "pdq") for _ in range(3)])}
    try:
        cl = ctypes.PyDLL("libhashmatch.so.1")
    except OSError:
        return out
    h = ctypes.c_void_p()
    cl.hm_hasher_create(ctypes.byref(h))
    buf = ctypes.create_string_buffer(640)
    n = ctypes.c_size_t()
    cl.hm_hash_memory.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                  ctypes.c_uint, ctypes.c_void_p, ctypes.c_size_t,
                                  ctypes.c_void_p, ctypes.c_void_p]
    out["ctypes.PyDLL (GIL held)"] = measure(
        lambda: [cl.hm_hash_memory(h, data, len(data), 2, buf, 16, ctypes.byref(n), None)
                 for _ in range(3)])
    cl.hm_hasher_free(h)
    return out


# ---------------------------------------------------------------------------
# 4. index queries
# ---------------------------------------------------------------------------

def index_section(runs, min_sample):
    rng = random.Random(5)
    text = "".join("pdq %064x\n" % rng.getrandbits(256) for _ in range(100_000))
    idx = hm.Index()
    idx.load_list(text.encode(), name="random")
    idx.commit()
    queries = [hm.Hash("pdq", "%064x" % rng.getrandbits(256)) for _ in range(200)]
    # a few near duplicates so that some queries have hits
    lines = text.split("\n")
    for i in range(0, 200, 4):
        h = bytearray(bytes.fromhex(lines[i * 7].split()[1]))
        h[0] ^= 0x0F
        queries[i] = hm.Hash("pdq", bytes(h))
    cq = [q._cstruct() for q in queries]
    handle_ptr = idx._handle._ptr
    opts = ffi.new("hm_query_opts *")
    lib.hm_query_opts_init(opts)
    rp = ffi.new("hm_results **")
    lib.hm_results_create(rp)
    res = rp[0]

    def c_query(q):
        if lib.hm_index_query(handle_ptr, q, 1, opts, res) != 0:
            raise RuntimeError("query failed")

    methods = [("C call (results reused)", c_query), ("Index.query", lambda q: idx.query(q))]
    t = time_interleaved(methods, {"C call (results reused)": cq, "Index.query": queries},
                         runs, min_sample)
    lib.hm_results_free(res)
    hits = sum(len(idx.query(q)) for q in queries)
    return t, hits, len(queries)


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

def versions():
    v = {"python": platform.python_version(), "hashmatch (binding)": hm.__version__,
         "libhashmatch": hm.LIBRARY_VERSION}
    try:
        import cffi
        v["cffi"] = cffi.__version__
    except ImportError:
        pass
    if PEERS:
        import PIL
        v.update({"numpy": np.__version__, "Pillow": PIL.__version__,
                  "imagehash": getattr(imagehash, "__version__", "?"),
                  "pdqhash": pkg_version("pdqhash")})
    return v


def pkg_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return "?"


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = ", %d GiB RAM" % round(kb / 2**20)
    except (OSError, ValueError, IndexError):
        pass
    return "%s, %d CPUs%s; %s %s" % (model, os.cpu_count() or 0, mem, platform.system(),
                                      platform.release())


def git_commit():
    try:
        c = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--",
                                "lib", "include", "bindings/python"],
                               capture_output=True, text=True).stdout.strip()
        return c + (" + uncommitted changes" if dirty else "")
    except OSError:
        return "?"


def cpu_busy_snapshot():
    with open("/proc/stat") as f:
        vals = [l.split() for l in f if l.startswith("cpu") and l[3] != " "]
    return {v[0]: (sum(int(x) for x in v[1:4] + v[6:9]), sum(int(x) for x in v[1:9]))
            for v in vals}


def busy_pct(a, b, exclude):
    busy = tot = 0
    for k in b:
        if k == exclude:
            continue
        busy += b[k][0] - a[k][0]
        tot += b[k][1] - a[k][1]
    return 100.0 * busy / tot if tot else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-r", "--runs", type=int, default=7)
    ap.add_argument("-t", "--min-sample", type=float, default=0.2)
    ap.add_argument("--cpu", type=int, default=0, help="pin sections 1, 2, 4 to this CPU "
                    "(-1: no pinning)")
    ap.add_argument("--bench-hash", help="path of the bench_hash C program to compare with")
    ap.add_argument("--threads", default="", help="thread counts, e.g. 1,2,4 (default: "
                    "1, 2, 4, ... up to the CPUs)")
    ap.add_argument("--classes", default="", help="only these classes, e.g. M,L")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="time sections 1, 2, 4 by this thread's CPU time (default: "
                    "robust when other processes share the CPU) or by wall time")
    ap.add_argument("--sections", default="1,2,3,4", help="which sections to run")
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    sections = set(a.sections.split(","))
    global CLOCK
    CLOCK = time.thread_time if a.clock == "cpu" else time.perf_counter
    cmdline = "python bench/bench_python.py" + "".join(" " + x for x in sys.argv[1:])

    classes, corpus_note = corpus()
    if a.classes:
        classes = {k: v for k, v in classes.items() if k in a.classes.split(",")}
    blobs = {}
    for cls, files in classes.items():
        blobs[cls] = []
        for p in files:
            with open(p, "rb") as f:
                blobs[cls].append(f.read())
    all_cpus = os.sched_getaffinity(0)
    cpu = a.cpu if a.cpu >= 0 else None
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    started = datetime.datetime.now(datetime.timezone.utc)
    load0 = os.getloadavg()
    snap0 = cpu_busy_snapshot()
    wall0, proc0 = time.perf_counter(), time.process_time()

    log = lambda s: print("[bench_python %s] %s" % (time.strftime("%H:%M:%S"), s),
                          file=sys.stderr)
    over, peers, exact, idx_t = [], None, None, None
    if "1" in sections:
        log("overhead (%s)" % ",".join(classes))
        over = overhead_section(classes, blobs, a.runs, a.min_sample, a.bench_hash, cpu)
    if PEERS and "2" in sections:
        log("peers")
        peers = peers_section(classes, blobs, a.runs, a.min_sample)
        exact = check_equal(blobs)
    if "4" in sections:
        log("index")
        idx_t, idx_hits, idx_n = index_section(a.runs, a.min_sample)
    snap1 = cpu_busy_snapshot()
    share = (time.process_time() - proc0) / (time.perf_counter() - wall0)
    other_busy = busy_pct(snap0, snap1, "cpu%d" % cpu) if cpu is not None else None

    os.sched_setaffinity(0, all_cpus)
    ncpu = len(all_cpus)
    counts = [int(x) for x in a.threads.split(",") if x] or \
        sorted({1, 2, 4, 8, 16, ncpu} & set(range(1, ncpu + 1)))
    typical = TYPICAL if TYPICAL in blobs else next(iter(blobs))
    thr, gil = [], {}
    snap2 = cpu_busy_snapshot()
    if "3" in sections:
        log("threads %s on class %s" % (counts, typical))
        thr = threads_section(blobs[typical], counts)
        big = max((b for bs in blobs.values() for b in bs), key=len)
        gil = gil_latency(big)
    snap3 = cpu_busy_snapshot()
    load1 = os.getloadavg()

    # ---- report ----
    L = []
    w = L.append
    w("Command: `%s` (from the repository root, with `build-py/venv/bin/python`)  " % cmdline)
    w("Date: %s  " % started.strftime("%Y-%m-%d %H:%M UTC"))
    w("Machine: %s  " % machine())
    w("Versions: %s; libhashmatch commit %s  " % (
        ", ".join("%s %s" % kv for kv in versions().items()), git_commit()))
    w("Corpus: %s: %s  " % (corpus_note, ", ".join(
        "%s (%d files: %s)" % (k, len(v), CLASS_DOC[k]) for k, v in classes.items())))
    w("Protocol: files in memory; one warm-up pass per method; %d interleaved rounds, each "
      "sample >= %.1f s; medians of the %s per image. Sections 1, 2, 4 pinned to CPU %s, "
      "where this process got %.0f%% of the time (the rest went to other processes); the "
      "other CPUs were busy %s of the time meanwhile; load average %.2f at the start, "
      "%.2f at the end." % (a.runs, a.min_sample,
                           "CPU time of the timing thread" if a.clock == "cpu" else "wall time",
                           cpu if cpu is not None else "(none)", 100 * share,
                           "%.0f%%" % other_busy if other_busy is not None else "?",
                           load0[0], load1[0]))
    w("")
    if over:
        report_overhead(w, over, a)
    if peers:
        report_peers(w, peers, exact)
    elif not PEERS:
        w("Peers not measured: %s" % PEERS_WHY)
        w("")
    if thr:
        report_threads(w, thr, typical, busy_pct(snap2, snap3, None), gil)
    if idx_t:
        report_index(w, idx_t, idx_hits, idx_n)
    report = "\n".join(L) + "\n"
    sys.stdout.write(report)
    if a.output:
        with open(a.output, "w") as f:
            f.write(report)


def report_overhead(w, over, a):
    w("#### 1. Binding overhead (ms per image, medians)")
    w("")
    w("| class | C call: hm_hash_memory pdq | hashmatch.hash(bytes, \"pdq\") | overhead "
      "| C call pdq+phash | hashmatch.hash pdq+phash | overhead | C call hm_hash_file "
      "| hashmatch.hash(path) | overhead | C call hm_hash_pixels | hashmatch.hash(array) "
      "| overhead |%s" % (" bench_hash pdq (own process) | binding / bench_hash |"
                          if a.bench_hash else ""))
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|%s" % (
        "---|---|" if a.bench_hash else ""))
    summary = {}
    for cls, n, t, cprog in over:
        def pair(c, b):
            mc, mb = med(t[c]), med(t[b])
            return "%s | %s | %+.1f%%" % (ms(mc), ms(mb), 100 * (mb / mc - 1))
        extra = ""
        if a.bench_hash:
            if cprog and "pdq" in cprog:
                extra = " %s | %.3f |" % (ms(cprog["pdq"]),
                                          med(t["hashmatch.hash pdq"]) / cprog["pdq"])
            else:
                extra = " - | - |"
        w("| %s | %s | %s | %s | %s |%s" % (
            cls, pair("C call pdq", "hashmatch.hash pdq"),
            pair("C call pdq+phash", "hashmatch.hash pdq+phash"),
            pair("C call file", "hashmatch.hash path"),
            pair("C call pixels", "hashmatch.hash array"), extra))
        summary[cls] = med(t["hashmatch.hash pdq"]) / med(t["C call pdq"]) - 1
        summary[cls + "-abs"] = med(t["hashmatch.hash pdq"]) - med(t["C call pdq"])
    w("")
    w("Absolute overhead per call (binding minus C call, pdq from bytes): " + ", ".join(
        "%s %s us" % (c, us(summary[c + "-abs"])) for c, *_ in over) + ".")
    w("")


def report_peers(w, peers, exact):
    w("#### 2. hashmatch vs pdqhash and imagehash from Python (ms per image, medians)")
    w("")
    w("From bytes in memory (decode included; the peers decode with Pillow):")
    w("")
    w("| class | pdqhash | hm pdq | speed-up | imagehash.phash | hm phash | speed-up "
      "| imagehash.dhash | hm dhash | speed-up | pdqhash + 3 imagehash | hm all four "
      "| speed-up |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    def sp(t, ref, ours):
        r, o = med(t[ref]), med(t[ours])
        return "%s | %s | %.2fx" % (ms(r), ms(o), r / o)
    for cls, n, t in peers:
        w("| %s | %s | %s | %s | %s |" % (cls, sp(t, "pdqhash", "hm pdq"),
                                          sp(t, "imagehash phash", "hm phash"),
                                          sp(t, "imagehash dhash", "hm dhash"),
                                          sp(t, "pdqhash + imagehash x3", "hm all four")))
    w("")
    w("From an image already decoded (no decode in the timing; hashmatch copies a PIL "
      "image's pixels with `tobytes()`, reads a numpy array in place):")
    w("")
    w("| class | pdqhash.compute(array) | hm.hash(array, \"pdq\") | speed-up "
      "| imagehash.phash(PIL) | hm.hash(PIL, \"phash\") | speed-up |")
    w("|---|---|---|---|---|---|---|")
    for cls, n, t in peers:
        w("| %s | %s | %s |" % (cls, sp(t, "pdqhash(array)", "hm pdq(array)"),
                               sp(t, "imagehash phash(PIL)", "hm phash(PIL)")))
    w("")
    w("Exactness on this corpus: %d/%d files with PDQ (hash and quality), pHash, dHash "
      "and aHash equal to pdqhash and imagehash." % exact)
    w("")


def report_threads(w, thr, typical, busy, gil):
    w("#### 3. Threads (class %s, `hashmatch.hash(bytes, \"pdq\")`, all CPUs, best of 3 "
      "runs of 2 s)" % typical)
    w("")
    w("| threads | images/s | vs 1 thread | CPU time / wall time of the process |")
    w("|---|---|---|---|")
    base = thr[0][1]
    for n, ips, cpu_per_wall in thr:
        w("| %d | %.1f | %.2fx | %.2f |" % (n, ips, ips / base, cpu_per_wall))
    w("")
    w("All CPUs were %.0f%% busy during this section (this process included; from "
      "/proc/stat)." % busy)
    w("")
    if gil:
        w("GIL: while a worker thread hashes the largest file 3 times, the main thread "
          "sleeps 1 ms at a time; how late it gets the GIL back:")
        w("")
        w("| call | ms per C call | main-thread wake-ups | median delay (ms) |")
        w("|---|---|---|---|")
        for name, (mdelay, n, per) in gil.items():
            w("| %s | %.1f | %d | %.2f |" % (name, per * 1e3, n, mdelay * 1e3))
        w("")


def report_index(w, idx_t, idx_hits, idx_n):
    w("#### 4. Index query, 100,000 PDQ hashes, one hash per call (us per query, medians)")
    w("")
    cq, bq = med(idx_t["C call (results reused)"]), med(idx_t["Index.query"])
    w("| C call hm_index_query | Index.query | overhead |")
    w("|---|---|---|")
    w("| %s | %s | %+.2f us (%+.0f%%) |" % (us(cq), us(bq), (bq - cq) * 1e6,
                                             100 * (bq / cq - 1)))
    w("")
    w("(%d of the %d queries have hits; Index.query creates and frees a results object per "
      "call and builds a Match per hit.)" % (idx_hits, idx_n))


if __name__ == "__main__":
    main()
