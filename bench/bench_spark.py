#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark of hashing on Apache Spark (issue #19): images/s over one folder
of real photos for

  hashcheck -j 1, -j 2   ``hashcheck hash -j N --types pdq DIR`` (the floor);
  udf local[1], [2]      the published pattern: a row-at-a-time PySpark UDF
                         (plain ``@udf``, pickled rows, not pandas_udf) that
                         opens the bytes with Pillow and calls
                         ``pdqhash.compute``, returning the hex hash;
  hashmatch local[1], [2]  ``hashmatch.spark.hash_images(df, types="pdq")``
                         (mapInArrow over libhashmatch);
  hashmatch-paths local[1], [2]  the same over the ``path`` column alone:
                         Spark does not read the files (binaryFile reads
                         them only when ``content`` is used), the library
                         does;

both Spark variants over the same ``spark.read.format("binaryFile")``
DataFrame of the folder; and two diagnostics without hashing, on
local[1] and local[2], that show where the engine's time goes:

  read                   the JVM reads every file's bytes (``length(content)``),
                         nothing goes to Python;
  arrow                  ... and mapInArrow hands them to Python, which only
                         counts them.

    python bench/bench_spark.py prepare OUT --corpus LIST --copies K
    python bench/bench_spark.py run OUT [--rounds R] [--impls A,B] [--hashcheck PATH]
    python bench/bench_spark.py spark OUT --master M --impl I   (one session; run calls it)
    python bench/bench_spark.py report OUT

Run it with a Python that has pyspark, pyarrow, Pillow, numpy, pdqhash and
the binding; bench/run_spark.sh makes one and runs the three steps.

prepare: copies the timed photos of bench/fetch_corpus.sh (LIST: its TSV;
classes L W M F S, as in bench/RESULTS.md) K times into OUT/photos/cNN/
(K folders, one copy of each photo in each), so that a job lasts long
enough to time; every copy has its own name and file.

run: R rounds; in each, every case runs once, the order reversed every
other round.  A hashcheck case is one process over OUT/photos, timed from
start to exit.  A Spark case is one ``spark`` process (a fresh JVM and
SparkSession per case and round): it times the session's start-up (reported
apart, not in images/s), runs one warm-up job over OUT/photos/c00 (starts
the Python workers, imports, JIT), then times the job over the whole folder:
from ``spark.read.format("binaryFile")`` to the end of a ``collect()`` of
the path and hash columns, which Spark cannot prune: every row goes through
the UDF or mapInArrow.  Each timed job is checked: as many rows as files,
no null hash, no error.  images/s are medians over rounds.

report: the markdown report (what bench/run_spark.sh prints), with the
ratios against the goals of issue #19, the local[1] -> local[2] scaling and
the hash agreement (pdqhash vs hashmatch, hashmatch vs hashcheck); exit
status 1 when a check failed (missing rows, null hashes, errors).
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
import typing as t

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_util import package_versions, q50, read_json, read_meta, write_json  # noqa: E402

#: classes timed (bench/corpus/manifest.tsv; X is for fast-mode accuracy only)
TIMED = "LWMFS"
#: Spark cases: name -> (impl, master)
SPARK_CASES = {
    "udf local[1]": ("udf", "local[1]"),
    "udf local[2]": ("udf", "local[2]"),
    "hashmatch local[1]": ("hashmatch", "local[1]"),
    "hashmatch local[2]": ("hashmatch", "local[2]"),
    "hashmatch-paths local[1]": ("hashmatch-paths", "local[1]"),
    "hashmatch-paths local[2]": ("hashmatch-paths", "local[2]"),
    # diagnostics: where the engine's time goes (no hashing)
    "read local[1]": ("read", "local[1]"),
    "read local[2]": ("read", "local[2]"),
    "arrow local[1]": ("arrow", "local[1]"),
    "arrow local[2]": ("arrow", "local[2]"),
}
HASHCHECK_CASES = {"hashcheck -j 1": 1, "hashcheck -j 2": 2}
#: partitions the folder is split into (both masters: the same work units);
#: several per core so that the large photos do not leave a core idle at the end
PARTITIONS = 16
#: rows per Arrow batch (spark.sql.execution.arrow.maxRecordsPerBatch); the
#: default, 10,000, would put up to 10,000 photos (GBs) into one batch
ARROW_BATCH = 64
DRIVER_MEMORY = "4g"


def log(msg: str) -> None:
    print(time.strftime("[bench_spark %H:%M:%S] ") + msg, file=sys.stderr, flush=True)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()






def photos_dir(out: str) -> str:
    return os.path.join(out, "photos")


# ---------------------------------------------------------------- prepare ----

def cmd_prepare(a: argparse.Namespace) -> None:
    files: t.List[t.Tuple[str, str, int, int]] = []
    with open(a.corpus) as f:
        for line in f:
            c, path, w, h = line.rstrip("\n").split("\t")
            if c in TIMED:
                files.append((c, path, int(w), int(h)))
    if not files:
        sys.exit("bench_spark prepare: no timed photo in %s" % a.corpus)
    root = photos_dir(a.out)
    shutil.rmtree(root, ignore_errors=True)
    names: t.Dict[str, t.Dict[str, t.Any]] = {}
    total = 0
    for k in range(a.copies):
        d = os.path.join(root, "c%02d" % k)
        os.makedirs(d)
        for c, path, w, h in files:
            name = "%s_%s" % (c, os.path.basename(path))
            shutil.copyfile(path, os.path.join(d, name))
            total += os.path.getsize(path)
            names[name] = {"class": c, "size": "%dx%d" % (w, h),
                           "bytes": os.path.getsize(path)}
    write_json(os.path.join(a.out, "photos.json"),
               {"copies": a.copies, "files": names, "images": len(files) * a.copies,
                "bytes": total})
    log("%d photos x %d copies = %d files, %.0f MB in %s"
        % (len(files), a.copies, len(files) * a.copies, total / 1e6, root))


# ---------------------------------------------------------------- spark ----

def pdq_udf() -> t.Any:
    """The published pattern: one Python call per row, Pillow + pdqhash."""
    from pyspark.sql.functions import udf
    from pyspark.sql.types import StringType

    @udf(returnType=StringType())
    def pdq_hex(content: bytes) -> str:
        import io

        import numpy as np
        import pdqhash
        from PIL import Image
        rgb = np.asarray(Image.open(io.BytesIO(content)).convert("RGB"))
        vec, _quality = pdqhash.compute(rgb)
        # python-threatexchange's hex: the vector read as a binary number
        return "%064x" % int("".join(str(int(b)) for b in vec), 2)

    return pdq_hex


def arrow_lengths(batches: t.Iterable[t.Any]) -> t.Iterator[t.Any]:
    """mapInArrow function of the "arrow" diagnostic: every row's bytes
    come to Python; out goes (path, byte count as a string, null)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    for b in batches:
        n = pc.cast(pc.binary_length(b.column("content")), pa.string())
        yield pa.RecordBatch.from_arrays(
            [b.column("path"), n, pa.nulls(len(b), pa.string())], names=["path", "pdq", "error"])


def hashed(impl: str, df: t.Any) -> t.Any:
    """DataFrame of (path, pdq, error) for `df` (binaryFile rows); for the
    diagnostics "read" and "arrow", pdq is the file's byte count instead."""
    from pyspark.sql.functions import col, length, lit
    if impl == "udf":
        return df.select("path", pdq_udf()("content").alias("pdq"),
                         lit(None).cast("string").alias("error"))
    if impl == "read":  # the JVM reads every file, nothing goes to Python
        return df.select("path", length(col("content")).cast("string").alias("pdq"),
                         lit(None).cast("string").alias("error"))
    if impl == "arrow":  # ... and hands the bytes to Python in Arrow batches
        return df.select("path", "content").mapInArrow(
            arrow_lengths, "path string, pdq string, error string")
    from hashmatch.spark import hash_images
    if impl == "hashmatch-paths":  # the executors read the files, not Spark
        # (what hashmatch.spark.media_files gives: the listing without content)
        return hash_images(df.drop("content"), types="pdq", content="path").select(
            "path", "pdq", "error")
    return hash_images(df, types="pdq", keep=["path"]).select("path", "pdq", "error")


def job(spark: t.Any, impl: str, folder: str) -> t.Tuple[float, t.List[t.Any], int]:
    """One timed job over `folder`: seconds, the collected rows, partitions."""
    t0 = time.perf_counter()
    df = (spark.read.format("binaryFile").option("recursiveFileLookup", "true")
          .load(folder))
    rows = hashed(impl, df).collect()
    s = time.perf_counter() - t0
    return s, rows, df.rdd.getNumPartitions()


def spark_conf(total_bytes: int, nfiles: int) -> t.Dict[str, str]:
    """The knobs every session gets; maxPartitionBytes splits the folder
    into about PARTITIONS partitions (Spark counts each file as its size
    plus spark.sql.files.openCostInBytes, 4 MB by default)."""
    open_cost = 4 << 20
    per = (total_bytes + nfiles * open_cost) // PARTITIONS + 1
    return {
        "spark.driver.memory": DRIVER_MEMORY,
        "spark.sql.files.maxPartitionBytes": str(per),
        "spark.sql.files.openCostInBytes": str(open_cost),
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(ARROW_BATCH),
        "spark.python.worker.reuse": "true",
        "spark.sql.execution.pythonUDF.arrow.enabled": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.adaptive.enabled": "false",
    }


def cmd_spark(a: argparse.Namespace) -> None:
    meta = read_json(os.path.join(a.out, "photos.json"))
    folder = photos_dir(a.out)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    conf = spark_conf(meta["bytes"], meta["images"])
    t0 = time.perf_counter()
    b = SparkSession.builder.master(a.master).appName("bench_spark " + a.impl)
    for k, v in conf.items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    startup = time.perf_counter() - t0
    warm_s, warm_rows, _ = job(spark, a.impl, os.path.join(folder, "c00"))
    s, rows, parts = job(spark, a.impl, folder)
    spark.stop()
    hashes = {r["path"].split("/")[-1]: r["pdq"] for r in rows
              if r["path"].split("/")[-2] == "c00"}
    res = {"impl": a.impl, "master": a.master, "startup_s": startup,
           "warmup_s": warm_s, "warmup_rows": len(warm_rows), "s": s, "rows": len(rows),
           "null": sum(1 for r in rows if r["pdq"] is None),
           "errors": sorted({r["error"] for r in rows if r["error"] is not None}),
           "partitions": parts, "conf": conf, "hashes_c00": hashes,
           "copies_differ": sum(1 for r in rows if r["pdq"] is not None and
                                r["pdq"] != hashes.get(r["path"].split("/")[-1]))}
    write_json(a.result, res)


# ---------------------------------------------------------------- run ----

def run_hashcheck(a: argparse.Namespace, jobs: int) -> t.Dict[str, t.Any]:
    out = os.path.join(a.out, "hashcheck-j%d.csv" % jobs)
    t0 = time.perf_counter()
    with open(out, "w") as f:
        p = subprocess.run([a.hashcheck, "hash", "-j", str(jobs), "--types", "pdq",
                            photos_dir(a.out)], stdout=f, stderr=subprocess.PIPE, text=True)
    s = time.perf_counter() - t0
    with open(out) as f:
        rows = list(csv.DictReader(f))
    hashes = {r["file"].split("/")[-1]: r["hash"] for r in rows
              if r["file"].split("/")[-2] == "c00"}
    return {"s": s, "rc": p.returncode, "stderr": p.stderr[-2000:], "rows": len(rows),
            "null": sum(1 for r in rows if not r["hash"]), "errors": [],
            "hashes_c00": hashes}


def run_spark(a: argparse.Namespace, impl: str, master: str) -> t.Dict[str, t.Any]:
    result = os.path.join(a.out, "spark-last.json")
    if os.path.exists(result):
        os.remove(result)
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "spark", a.out,
                        "--master", master, "--impl", impl, "--result", result],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0 or not os.path.exists(result):
        return {"rc": p.returncode, "failed": p.stdout[-3000:]}
    r = read_json(result)
    r["rc"] = 0
    return r


def cmd_run(a: argparse.Namespace) -> None:
    meta = read_json(os.path.join(a.out, "photos.json"))
    cases: t.List[str] = list(HASHCHECK_CASES) + list(SPARK_CASES)
    if a.cases:
        cases = [c for c in cases if c in a.cases.split(",")]
    res: t.Dict[str, t.Any] = {"uptime_before": uptime(), "rounds": a.rounds,
                               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                               "images": meta["images"], "bytes": meta["bytes"],
                               "copies": meta["copies"], "runs": {c: [] for c in cases}}
    for r in range(a.rounds):
        for c in (cases if r % 2 == 0 else cases[::-1]):
            if c in HASHCHECK_CASES:
                x = run_hashcheck(a, HASHCHECK_CASES[c])
            else:
                x = run_spark(a, *SPARK_CASES[c])
            res["runs"][c].append(x)
            if "failed" in x:
                log("%s: FAILED (exit %s)\n%s" % (c, x["rc"], x["failed"]))
            else:
                log("round %d %-20s %6.2f s  %6.1f images/s  rows %d%s" % (
                    r + 1, c, x["s"], meta["images"] / x["s"], x["rows"],
                    "  start-up %.1f s, warm-up %.1f s" % (x["startup_s"], x["warmup_s"])
                    if "startup_s" in x else ""))
        write_json(os.path.join(a.out, "results.json"), res)
    res["uptime_after"] = uptime()
    write_json(os.path.join(a.out, "results.json"), res)


# ---------------------------------------------------------------- report ----



def versions() -> str:
    out = package_versions(("pyspark", "pyarrow", "numpy", "Pillow", "pdqhash", "hashmatch"))
    try:
        j = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
        out.append(j.splitlines()[0].replace('"', ""))
    except (OSError, IndexError):
        pass
    return ", ".join(out)


def cmd_report(a: argparse.Namespace) -> int:
    meta = read_meta(a.out)
    res = read_json(os.path.join(a.out, "results.json"))
    photos = read_json(os.path.join(a.out, "photos.json"))
    n = res["images"]
    p = print
    bad = 0
    p("Machine: %s (%s CPUs, %s), %s. Commit %s. %s." % (
        meta.get("cpu", "?"), meta.get("cpus", "?"), meta.get("ram", "?"),
        meta.get("os", "?"), meta.get("commit", "?"), versions()))
    p("Date %s. Load: before `%s`; after `%s`." % (
        res["date"], res["uptime_before"], res.get("uptime_after", "?")))
    byclass: t.Dict[str, t.List[str]] = {}
    for name, f in photos["files"].items():
        byclass.setdefault(f["class"], []).append(f["size"])
    p("")
    p("Folder: %d files, %.0f MB: %d copies of %d photos (%s)." % (
        n, res["bytes"] / 1e6, res["copies"], len(photos["files"]),
        ", ".join("%s %d (%s)" % (c, len(v), "–".join(sorted(set(v))[:1] + sorted(set(v))[-1:])
                                  if len(set(v)) > 1 else v[0])
                  for c, v in sorted(byclass.items(), key=lambda kv: TIMED.index(kv[0])))))
    conf = next((x["conf"] for runs in res["runs"].values() for x in runs if "conf" in x), {})
    parts = sorted({x["partitions"] for runs in res["runs"].values() for x in runs
                    if "partitions" in x})
    if conf:
        p("Spark knobs: %s; %s partitions." % (
            ", ".join("%s=%s" % kv for kv in conf.items()),
            "/".join(map(str, parts))))
    p("")
    p("| case | runs | median s | images/s | min–max images/s | session start-up s | warm-up job s (c00) |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    rate: t.Dict[str, float] = {}
    for c, runs in res["runs"].items():
        ok = [x for x in runs if "failed" not in x]
        for x in runs:
            if "failed" in x:
                bad += 1
                p("<!-- %s failed: %s -->" % (c, x["failed"][-300:].replace("\n", " ")))
            elif x["rows"] != n or x["null"] or x["errors"] or x.get("rc", 0):
                bad += 1
                p("<!-- %s: %d rows of %d, %d null, errors %s, exit %s -->" % (
                    c, x["rows"], n, x["null"], x["errors"], x.get("rc")))
        if not ok:
            p("| %s | 0 | failed | | | | |" % c)
            continue
        secs = [x["s"] for x in ok]
        rate[c] = n / q50(secs)
        st = [x["startup_s"] for x in ok if "startup_s" in x]
        wu = [x["warmup_s"] for x in ok if "warmup_s" in x]
        p("| %s | %d | %.2f | **%.1f** | %.1f–%.1f | %s | %s |" % (
            c, len(ok), q50(secs), rate[c], n / max(secs), n / min(secs),
            "%.1f" % q50(st) if st else "—", "%.1f" % q50(wu) if wu else "—"))
    p("")

    def ratio(x: str, y: str) -> str:
        return "%.2fx" % (rate[x] / rate[y]) if x in rate and y in rate else "—"
    hm2, udf2, hc2 = "hashmatch local[2]", "udf local[2]", "hashcheck -j 2"
    p("| ratio | value | goal |")
    p("|---|---:|---|")
    p("| hashmatch local[2] / hashcheck -j 2 | %s | ≥ 0.8x |" % ratio(hm2, hc2))
    p("| hashmatch local[2] / udf local[2] | %s | ≥ 5x |" % ratio(hm2, udf2))
    p("| hashmatch local[1] / hashcheck -j 1 | %s | |" % ratio("hashmatch local[1]",
                                                              "hashcheck -j 1"))
    hp2 = "hashmatch-paths local[2]"
    p("| hashmatch-paths local[2] / hashcheck -j 2 | %s | |" % ratio(hp2, hc2))
    p("| hashmatch-paths local[2] / udf local[2] | %s | |" % ratio(hp2, udf2))
    p("| scaling hashmatch-paths local[1] → local[2] | %s | (2 cores) |" % ratio(
        hp2, "hashmatch-paths local[1]"))
    p("| scaling hashmatch local[1] → local[2] | %s | (2 cores) |" % ratio(
        hm2, "hashmatch local[1]"))
    p("| scaling udf local[1] → local[2] | %s | (2 cores) |" % ratio(udf2, "udf local[1]"))
    p("| scaling hashcheck -j 1 → -j 2 | %s | (2 cores) |" % ratio(hc2, "hashcheck -j 1"))
    p("")
    # where the time goes: medians per image, each master
    ms = {c: 1000 / r for c, r in rate.items()}  # ms per image (wall)
    for m in ("local[1]", "local[2]"):
        need = ["read " + m, "arrow " + m, "hashmatch " + m]
        if all(c in ms for c in need):
            p("Where the time of hashmatch %s goes (wall ms per image, medians): reading the "
              "files in the JVM %.2f, handing them to Python over Arrow %.2f more, hashing "
              "and the rest %.2f more; total %.2f (hashcheck -j %s: %s)." % (
                  m, ms[need[0]], ms[need[1]] - ms[need[0]], ms[need[2]] - ms[need[1]],
                  ms[need[2]], m[-2], "%.2f" % ms["hashcheck -j " + m[-2]]
                  if "hashcheck -j " + m[-2] in ms else "—"))
    p("")
    # agreement, on the first copy (every copy must give the same hash)
    first: t.Dict[str, t.Dict[str, str]] = {}
    for c, runs in res["runs"].items():
        for x in runs:
            if "hashes_c00" in x:
                first.setdefault(c.split()[0], x["hashes_c00"])
            if x.get("copies_differ"):
                bad += 1
                p("<!-- %s: %d rows differ from their c00 copy -->" % (c, x["copies_differ"]))

    def agree(x: str, y: str) -> None:
        if x not in first or y not in first:
            return
        hx, hy = first[x], first[y]
        common = sorted(set(hx) & set(hy))
        dist = [bin(int(hx[k], 16) ^ int(hy[k], 16)).count("1") for k in common
                if hx[k] and hy[k]]
        p("- %s vs %s: %d of %d photos identical, max distance %d bits%s." % (
            x, y, sum(1 for d in dist if d == 0), len(photos["files"]),
            max(dist) if dist else -1,
            "" if len(common) == len(photos["files"]) else " (%d compared)" % len(common)))
    p("Hash agreement (first copy of each photo):")
    p("")
    agree("udf", "hashmatch")
    agree("hashcheck", "hashmatch")
    agree("udf", "hashcheck")
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("out")
    pp.add_argument("--corpus", required=True, help="bench/fetch_corpus.sh's TSV")
    pp.add_argument("--copies", type=int, required=True, help="copies of each photo")
    pr = sub.add_parser("run")
    pr.add_argument("out")
    pr.add_argument("--rounds", type=int, default=3)
    pr.add_argument("--cases", help="comma-separated subset of the cases")
    pr.add_argument("--hashcheck", required=True, help="the hashcheck binary")
    ps = sub.add_parser("spark")
    ps.add_argument("out")
    ps.add_argument("--master", required=True)
    ps.add_argument("--impl", choices=sorted({i for i, _ in SPARK_CASES.values()}),
                    required=True)
    ps.add_argument("--result", required=True)
    pq = sub.add_parser("report")
    pq.add_argument("out")
    a = ap.parse_args()
    if a.cmd == "prepare":
        cmd_prepare(a)
    elif a.cmd == "run":
        cmd_run(a)
    elif a.cmd == "spark":
        cmd_spark(a)
    else:
        sys.exit(cmd_report(a))


if __name__ == "__main__":
    main()
