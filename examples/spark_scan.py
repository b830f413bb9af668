# SPDX-License-Identifier: BSD-3-Clause
"""Scan a back-catalogue with Apache Spark: every image under a directory
(or every row of a Parquet table of image bytes or paths) hashed and
matched against a hash list or an index, the hits and the files that
could not be read written as Parquet.  docs/spark.md explains the knobs.

Locally, on every core of this machine:

    python examples/spark_scan.py --list tests/data/example/known.csv \\
        --media tests/data/pdq-reference --out /tmp/scan

On a cluster (the index on shared storage, the media in object storage):

    spark-submit --master yarn --deploy-mode cluster \\
        --archives hashmatch-env.tar.gz#env \\
        --conf spark.pyspark.python=./env/bin/python \\
        --conf spark.executor.cores=8 --conf spark.executor.memory=8g \\
        --conf spark.executor.pyspark.memory=4g \\
        --conf spark.sql.execution.arrow.maxRecordsPerBatch=256 \\
        examples/spark_scan.py --index s3a://bucket/lists/known.hmi \\
        --media s3a://bucket/uploads/ --out s3a://bucket/scans/2026-12-07

``--index`` may be a local path every executor can read (e.g. /dbfs/...);
an index or list given as a URL Spark reads (s3a://, hdfs://, ...) is read
once on the driver and broadcast.
"""
from __future__ import annotations

import argparse
import sys

import hashmatch
import hashmatch.spark as hs
from pyspark.sql import SparkSession


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--index", help="an index file (hashcheck index build, Index.save)")
    src.add_argument("--list", help="a hash list (CSV, typed lines, ...), loaded on the driver")
    ap.add_argument("--media", help="a directory (recursive) of images, read with binaryFile")
    ap.add_argument("--parquet", help="a Parquet table with a binary or path column instead")
    ap.add_argument("--content", default="content",
                    help="the Parquet column of image bytes or paths (default: content)")
    ap.add_argument("--out", required=True, help="where the hits are written (Parquet)")
    ap.add_argument("--glob", default="*.{jpg,jpeg,png,gif,webp,bmp,tif,tiff,JPG,JPEG,PNG}",
                    help="file name pattern under --media")
    ap.add_argument("--dihedral", action="store_true", help="also rotations and mirrors")
    ap.add_argument("--batch", type=int, default=256, help="rows per Arrow batch")
    args = ap.parse_args(argv)
    if (args.media is None) == (args.parquet is None):
        ap.error("give one of --media and --parquet")

    spark = (SparkSession.builder.appName("hashmatch-scan")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.batch))
             .getOrCreate())
    if args.media:
        df = (spark.read.format("binaryFile").option("pathGlobFilter", args.glob)
              .option("recursiveFileLookup", "true").load(args.media))
        content = "content"
    else:
        df = spark.read.parquet(args.parquet)
        content = args.content

    if args.list:
        index = hashmatch.Index()
        index.load_list(args.list)
        index.commit()
        source = hs.index_source(spark, index)  # broadcast
    elif "://" in args.index:
        data = spark.sparkContext.binaryFiles(args.index).first()[1]
        source = hs.index_source(spark, bytes(data))  # read once, broadcast
    else:
        source = hs.index_source(spark, args.index)  # a path on every executor

    keep = [c for c in df.columns if c in ("path", "id")] or None
    hits = hs.match_images(df, source, content=content, keep=keep, dihedral=args.dihedral)
    hits.write.mode("overwrite").parquet(args.out)

    written = spark.read.parquet(args.out)
    failed = written.filter("error IS NOT NULL").count()
    matched = written.filter("error IS NULL").select(keep[0] if keep else "entry_id")
    print("%d hits on %d inputs; %d inputs could not be hashed; results in %s"
          % (written.count() - failed, matched.distinct().count(), failed, args.out))
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
