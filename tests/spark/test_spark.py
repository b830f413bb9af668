# SPDX-License-Identifier: BSD-3-Clause
"""hashmatch.spark in Spark's local mode (local[2], several Arrow batches
per task): a folder read with binaryFile is hashed and matched exactly as
hashcheck hashes and matches the same files; bad files are rows with an
error; the index is loaded once per Python worker process.

Run by scripts/test-spark.sh (pyspark from PyPI, a JRE from Debian); with
HM_REQUIRE_SPARK=1 (as that script sets) a missing pyspark or Java is a
failure, not a skip.
"""
import os
import pathlib
import shutil
import sys

import pytest

from conftest import BAD, KNOWN, run_json

if os.environ.get("HM_REQUIRE_SPARK") != "1":
    pytest.importorskip("pyspark")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime for Spark", allow_module_level=True)

import pyarrow as pa  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402

import hashmatch  # noqa: E402
import hashmatch.spark as hs  # noqa: E402

ALL = "pdq,phash,dhash,ahash,md5,sha256"


@pytest.fixture(scope="module")
def spark():
    # the workers run this interpreter (it has hashmatch installed)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (SparkSession.builder.master("local[2]").appName("hashmatch-tests")
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", "4")
         .config("spark.sql.files.maxPartitionBytes", str(2 << 20))
         .config("spark.sql.files.openCostInBytes", str(64 << 10))
         .config("spark.ui.enabled", "false")
         .config("spark.driver.memory", "1g")
         .getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def files(spark, media):
    df = spark.read.format("binaryFile").load(str(media))
    assert 2 <= df.rdd.getNumPartitions() <= 8  # both cores, several files each
    return df


@pytest.fixture(scope="module")
def index():
    idx = hashmatch.Index()
    idx.load_list(str(KNOWN))
    idx.commit()
    return idx


def name(path: str) -> str:
    return pathlib.PurePosixPath(path).name


def hits(rows):
    return {(name(r["path"]), r["type"], r["distance"], r["threshold"], r["list"],
             r["entry_id"], r["labels"]) for r in rows if r["error"] is None}


def errors(rows):
    return {name(r["path"]) for r in rows if r["error"] is not None}


def hashcheck_hits(found):
    return {(n, m["type"], m["distance"], m["threshold"], m["list"], m["entry_id"], m["labels"])
            for n, r in found.items() for m in r.get("matches", [])}


def test_hash_images_equal_hashcheck(files, media):
    rows = [r.asDict() for r in hs.hash_images(files, ALL).collect()]
    assert len(rows) == len(list(media.iterdir()))
    want = run_json("hash", "--types", ALL, str(media))
    assert errors(rows) == set(BAD) == {n for n, r in want.items() if "error" in r}
    for r in rows:
        w = want[name(r["path"])]
        if "error" in w:
            assert r["error"] and r["pdq"] is None
            continue
        assert r["error"] is None
        assert {h["type"]: h["hash"] for h in w["hashes"]} == {t: r[t] for t in ALL.split(",")}
        assert r["pdq_quality"] == next(h["quality"] for h in w["hashes"] if h["type"] == "pdq")
    # the kept columns of binaryFile, and no bytes
    assert set(rows[0]) == {"path", "modificationTime", "length"} | set(ALL.split(",")) | \
        {"pdq_quality", "error"}


def test_limits_give_error_rows(files, media):
    """Media over the hasher's limits are rows with an error, as hashcheck
    with the same limits reports them; the rest are hashed."""
    limit = 1_000_000  # pixels: the 1600x1004 bridge photos are over it
    rows = [r.asDict() for r in
            hs.hash_images(files, "pdq", hasher_options={"max_pixels": limit}).collect()]
    want = run_json("hash", "--max-pixels", str(limit), str(media))
    failed = {n for n, r in want.items() if "error" in r}
    assert errors(rows) == failed and len(failed - set(BAD)) >= 8
    for r in rows:
        if r["error"] is None:
            assert r["pdq"] == want[name(r["path"])]["hashes"][0]["hash"]


@pytest.mark.parametrize("dihedral", [False, True])
def test_match_images_equal_hashcheck(files, media, index, dihedral):
    rows = [r.asDict() for r in hs.match_images(files, index, dihedral=dihedral).collect()]
    want = run_json("match", "--list", str(KNOWN), *(["--dihedral"] if dihedral else []),
                    str(media))
    assert hits(rows) == hashcheck_hits(want)
    assert len(hits(rows)) >= (8 if dihedral else 3)  # the bridge's edits match
    assert errors(rows) == set(BAD)


def test_index_from_shared_storage_and_paths(spark, files, media, index, tmp_path):
    """The index as a file every executor reads, the media as paths."""
    saved = tmp_path / "known.hmi"
    index.save(saved)
    paths = hs.media_files(spark, str(media))
    assert set(paths.columns) == {"path", "modificationTime", "length"}
    assert "content" not in paths.columns
    assert {name(r["path"]) for r in hs.media_files(spark, str(media), pattern="*.png")
            .collect()} == {p.name for p in media.glob("*.png")}
    rows = [r.asDict() for r in hs.match_images(paths, str(saved), content="path").collect()]
    assert hits(rows) == hashcheck_hits(run_json("match", "--list", str(KNOWN), str(media)))
    assert errors(rows) == set(BAD)
    by_bytes = hs.match_images(files, hs.index_source(spark, index.to_bytes()))
    assert hits([r.asDict() for r in by_bytes.collect()]) == hits(rows)


def test_match_hashes_of_a_hash_table(files, index):
    hashes = hs.hash_images(files, "pdq,phash").cache()
    rows = []
    for t in ("pdq", "phash"):
        rows += [r.asDict() for r in
                 hs.match_hashes(hashes, index, t, quality="pdq_quality").collect()]
    direct = [r.asDict() for r in hs.match_images(files, index, types="pdq,phash").collect()]
    assert hits(rows) == hits(direct) and hits(direct)
    # the rows that could not be hashed have null hashes: an error each
    assert errors(rows) == set(BAD)


def test_index_loaded_once_per_worker_process(spark, files, index):
    source = hs.index_source(spark, index)

    def probe(batches):
        for b in batches:
            yield pa.RecordBatch.from_pydict({"pid": [os.getpid()], "index": [id(source.load())],
                                              "rows": [b.num_rows]})

    seen = files.select("path").mapInArrow(probe, "pid long, index long, rows long").collect()
    assert sum(r["rows"] for r in seen) == files.count()
    by_pid = {}
    for r in seen:
        by_pid.setdefault(r["pid"], set()).add(r["index"])
    assert len(seen) > len(by_pid)  # several batches per worker process ...
    assert all(len(ids) == 1 for ids in by_pid.values())  # ... one load each


def test_bad_arguments_fail_on_the_driver(files, index):
    with pytest.raises(ValueError):
        hs.hash_images(files, "nosuchtype")
    with pytest.raises(KeyError):
        hs.hash_images(files, content="bytes")
    with pytest.raises(KeyError):
        hs.match_images(files, index, keep=["nope"])
