# SPDX-License-Identifier: BSD-3-Clause
"""Apache Spark: hash and match a DataFrame of media with ``mapInArrow``.

Each function takes a DataFrame whose `content` column holds encoded
media (binary, e.g. from ``spark.read.format("binaryFile")``) or paths
the executors can read (string; ``file:`` URIs included), and returns a
DataFrame; nothing runs until an action.  Spark hands each Python worker
Arrow batches; ``hashmatch.arrow`` hashes each batch in one C call (the
GIL released, on `threads` of the library's threads) and matches it in
one query, so no Python code runs per row.  A row that cannot be hashed
(corrupt, empty, over the hasher's limits, missing) comes back with its
``error`` set; it never fails the task.

The index travels once: ``index_source(spark, index)`` broadcasts the
index file's bytes (or names a file on shared storage), and each Python
worker process loads it on its first batch and keeps it for the next
ones (Spark reuses its Python workers: ``spark.python.worker.reuse``,
true by default).

Knobs (docs/spark.md): ``spark.sql.execution.arrow.maxRecordsPerBatch``
(rows per batch; each batch's media is in memory at once), partitions
(``spark.sql.files.maxPartitionBytes`` or ``repartition``: at least a
few per core), ``spark.task.cpus`` with ``threads`` (1 thread per task
by default: Spark runs a task per core).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

import pyarrow as pa

from . import arrow
from ._index import Index, Snapshot
from ._types import TypesArg
from ._workers import IndexSource, hasher_for

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

__all__ = ["hash_images", "match_images", "match_hashes", "media_files", "index_source",
           "IndexSource"]

IndexArg = Union[IndexSource, Index, Snapshot, str, "os.PathLike[str]", bytes]


def index_source(spark: "SparkSession", index: IndexArg) -> IndexSource:
    """How the executors get `index`: an ``IndexSource`` as it is; a
    path (str or os.PathLike) is read by every executor (shared storage:
    the file must be at that path on each); an ``Index``, a ``Snapshot``
    or an index file's bytes is broadcast (the bytes go to each executor
    once)."""
    return IndexSource.of(index, spark.sparkContext.broadcast)


def media_files(spark: "SparkSession", location: Union[str, List[str]], *,
                pattern: Optional[str] = None, recursive: bool = True) -> "DataFrame":
    """The files under `location` as rows of ``path``, ``modificationTime``
    and ``length``: ``binaryFile``'s listing, with no file read.  Give it
    to ``hash_images`` or ``match_images`` with ``content="path"`` and
    the library reads each file itself, on the executor: the fast way for
    files every executor sees at the path Spark lists (local disks, NFS,
    ``/dbfs``, a mounted bucket; docs/spark.md has the figures).  Files in
    object storage that only Spark's file systems read (``s3a://``, ...)
    go through ``spark.read.format("binaryFile")`` and its ``content``.

    Args:
        location: a directory, a file, or a list of them (as ``load``).
        pattern: a glob on file names (``pathGlobFilter``), e.g. "*.jpg".
        recursive: descend into subdirectories (``recursiveFileLookup``).
    """
    reader = spark.read.format("binaryFile")
    if pattern:
        reader = reader.option("pathGlobFilter", pattern)
    if recursive:
        reader = reader.option("recursiveFileLookup", "true")
    # without `content` in the plan, binaryFile lists the files, reads none
    return reader.load(location).drop("content")


def _spark_schema(df: "DataFrame", kept: List[str], added: pa.Schema) -> "StructType":
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StructType

    fields = [df.schema[c] for c in kept] + list(from_arrow_schema(added).fields)
    return StructType(fields)


def _media_kept(df: "DataFrame", content: str, keep: Optional[Iterable[str]],
                added: pa.Schema) -> List[str]:
    from pyspark.sql.types import BinaryType

    binary = content in df.columns and isinstance(df.schema[content].dataType, BinaryType)
    return arrow.media_kept(df.columns, content, binary, keep, added.names)


def _map(df: "DataFrame", kept: List[str], added: pa.Schema,
         per_table: Callable[[pa.Table], pa.Table]) -> "DataFrame":
    """df.mapInArrow with `per_table` applied to each batch as a table."""
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            out = per_table(pa.Table.from_batches([b]))
            yield from out.combine_chunks().to_batches()

    return df.mapInArrow(run, _spark_schema(df, kept, added))


def hash_images(df: "DataFrame", types: TypesArg = "pdq", *, content: str = "content",
                keep: Optional[Iterable[str]] = None, threads: int = 1,
                hasher_options: Optional[Dict[str, Any]] = None) -> "DataFrame":
    """The hashes of every row's media: the `keep` columns (default: all
    but the media bytes, e.g. ``path``, ``modificationTime``, ``length``
    of ``binaryFile``; a `content` column of paths is kept), then
    ``hashmatch.arrow.hash_schema(types)``: a hex string column per type,
    ``pdq_quality``, ``error``.

    Args:
        df: a DataFrame with a binary (media bytes) or string (paths)
            `content` column.
        types: hash types, as ``Hasher.hash`` takes them.
        keep: columns carried to the output.
        threads: the library's threads per task (0: the CPUs).
        hasher_options: ``Hasher`` keyword arguments (limits, PDQ flavour).
    """
    schema = arrow.hash_schema(types)  # an unknown type fails here, not in a task
    kept = _media_kept(df, content, keep, schema)

    def per_table(t: pa.Table) -> pa.Table:
        return arrow.hash_table(t, types, content=content, keep=kept,
                                hasher=hasher_for(hasher_options), threads=threads)

    return _map(df, kept, schema, per_table)


def match_images(df: "DataFrame", index: IndexArg, *, content: str = "content",
                 keep: Optional[Iterable[str]] = None, types: Optional[TypesArg] = None,
                 threads: int = 1, hasher_options: Optional[Dict[str, Any]] = None,
                 radius: Optional[int] = None, dihedral: bool = False,
                 min_quality: Optional[int] = None,
                 include_disabled: bool = False) -> "DataFrame":
    """Every hit of every row's media against `index`, as ``hashcheck
    match`` finds them: one row per hit (the `keep` columns, then
    ``type``, ``distance``, ``threshold``, ``list``, ``entry_id``,
    ``labels``, ``error`` null), and one row per input that could not be
    hashed (``error`` set).  Rows without a hit and without an error give
    no row.

    Args:
        index: an ``IndexSource``, an ``Index`` or ``Snapshot`` or index
            file bytes (broadcast), or a path every executor can read
            (``index_source``).
        types: hash types (default: those the index holds).
        radius, dihedral, min_quality, include_disabled: as
            ``hashmatch.arrow.match_array``.
        content, keep, threads, hasher_options: as ``hash_images``.
    """
    kept = _media_kept(df, content, keep, arrow.match_schema())
    source = index_source(df.sparkSession, index)
    options = dict(types=types, threads=threads, radius=radius, dihedral=dihedral,
                   min_quality=min_quality, include_disabled=include_disabled)

    def per_table(t: pa.Table) -> pa.Table:
        return arrow.match_table(source.load(), t, content=content, keep=kept,
                                 hasher=hasher_for(hasher_options), **options)

    return _map(df, kept, arrow.match_schema(), per_table)


def match_hashes(df: "DataFrame", index: IndexArg, column: str, type: Any = None, *,
                 quality: Optional[str] = None, keep: Optional[Iterable[str]] = None,
                 radius: Optional[int] = None, dihedral: bool = False,
                 min_quality: Optional[int] = None,
                 include_disabled: bool = False) -> "DataFrame":
    """Every hit of a column of hashes of one `type` (canonical strings,
    e.g. ``hash_images``' output or a table of stored hashes; default:
    the type the column is named after, as ``hash_images`` names them) against
    `index`: the `keep` columns (default: all but `column` and `quality`)
    of each hit's row, then the match columns as ``match_images`` gives
    them; a null or malformed hash gives a row with ``error`` set.
    `quality` names a PDQ quality column (below `min_quality` nothing
    matches)."""
    kept = arrow.kept_columns(df.columns, [column] + ([quality] if quality else []), keep,
                              arrow.match_schema().names)
    source = index_source(df.sparkSession, index)
    options = dict(radius=radius, dihedral=dihedral, min_quality=min_quality,
                   include_disabled=include_disabled)

    def per_table(t: pa.Table) -> pa.Table:
        return arrow.match_hashes_table(source.load(), t, column, type, quality=quality,
                                        keep=kept, **options)

    return _map(df, kept, arrow.match_schema(), per_table)
