# SPDX-License-Identifier: BSD-3-Clause
"""Ray Data: hash and match a Dataset of media with ``map_batches``.

Two callable classes for ``Dataset.map_batches`` with
``batch_format="pyarrow"``: Ray makes one instance per actor, so the
index is loaded once per actor and reused for every batch.  Each batch
goes through ``hashmatch.arrow`` (one C call per batch, the GIL released,
no Python per row), exactly as under Spark::

    import ray
    from hashmatch.ray import HashImages, MatchImages

    ds = ray.data.read_binary_files("s3://bucket/uploads/", include_paths=True)
    hashes = ds.map_batches(HashImages, fn_constructor_kwargs={"types": "pdq,md5"},
                            batch_format="pyarrow", batch_size=256, concurrency=8)
    hits = ds.map_batches(MatchImages, fn_constructor_args=("known.hmi",),
                          batch_format="pyarrow", batch_size=256, concurrency=8)

``read_binary_files`` names its columns ``bytes`` and ``path``: the
defaults here.  The rows and columns are those of
``hashmatch.arrow.hash_table`` and ``match_table``: bad media come back
as rows with ``error`` set, never as a failed task.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Iterable, Optional, Union

import pyarrow as pa

from . import arrow
from ._index import Index, Snapshot
from ._types import TypesArg
from ._workers import IndexSource, hasher_for

__all__ = ["HashImages", "MatchImages"]


class HashImages:
    """``map_batches`` callable: the hashes of each row's media (its
    ``content`` column: bytes, or paths), beside the `keep` columns
    (default: all but the bytes).  Arguments as
    ``hashmatch.arrow.hash_table``; `threads` per actor (default 1: give
    the actor ``num_cpus`` to match), `hasher_options` as ``Hasher``'s."""

    def __init__(self, types: TypesArg = "pdq", *, content: str = "bytes",
                 keep: Optional[Iterable[str]] = None, threads: int = 1,
                 hasher_options: Optional[Dict[str, Any]] = None) -> None:
        arrow.hash_schema(types)  # an unknown type fails at construction
        self.types, self.content, self.threads = types, content, threads
        self.keep = None if keep is None else list(keep)
        self.hasher = hasher_for(hasher_options)

    def __call__(self, batch: pa.Table) -> pa.Table:
        return arrow.hash_table(batch, self.types, content=self.content, keep=self.keep,
                                hasher=self.hasher, threads=self.threads)


class MatchImages:
    """``map_batches`` callable: the hits of each row's media against an
    index, loaded once per actor from `index` (a path every worker can
    read; an ``Index``, a ``Snapshot`` or an index file's bytes, which
    Ray ships with the constructor's arguments; or an ``IndexSource``).
    Other arguments as ``hashmatch.arrow.match_table`` and
    ``match_array``."""

    def __init__(self, index: Union[IndexSource, Index, Snapshot, str, "os.PathLike[str]",
                                    bytes], *,
                 content: str = "bytes", keep: Optional[Iterable[str]] = None,
                 threads: int = 1, hasher_options: Optional[Dict[str, Any]] = None,
                 **options: Any) -> None:
        self.index = IndexSource.of(index).load()
        self.content, self.threads, self.options = content, threads, options
        self.keep = None if keep is None else list(keep)
        self.hasher = hasher_for(hasher_options)

    def __call__(self, batch: pa.Table) -> pa.Table:
        return arrow.match_table(self.index, batch, content=self.content, keep=self.keep,
                                 hasher=self.hasher, threads=self.threads, **self.options)
