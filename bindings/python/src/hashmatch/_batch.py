# SPDX-License-Identifier: BSD-3-Clause
"""Batch hashing: many inputs hashed in one C call on the library's threads."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable, List, NamedTuple, Optional

from ._errors import Error, error_for, raise_for
from ._hash import Hash, HashResult, ImageInfo
from ._native import ffi, lib

if TYPE_CHECKING:  # pragma: no cover
    from ._hasher import Hasher

__all__ = ["BatchResult", "hash_batch_with", "run_batch"]


class BatchResult(NamedTuple):
    """One input's outcome in a batch: its hashes, or the error that the
    single call (``Hasher.hash``) would have raised for it."""

    result: Optional[HashResult]  #: the hashes and image info; None on error
    error: Optional[Error]        #: None on success

    @property
    def ok(self) -> bool:
        """Whether the input was hashed."""
        return self.error is None


def _items(sources: Iterable[Any]) -> "tuple[Any, List[Any]]":
    """The C items of `sources` and the Python objects that must outlive
    the call (the buffers and encoded paths the items point into)."""
    srcs = list(sources)
    items = ffi.new("hm_batch_item[]", len(srcs))
    keep: List[Any] = []
    for i, s in enumerate(srcs):
        if isinstance(s, (str, os.PathLike)):
            p = ffi.new("char[]", os.fsencode(s))
            items[i].path = p
            keep.append(p)
        else:
            try:
                buf = ffi.from_buffer(s)
            except TypeError:
                raise TypeError("batch item %d: expected a path (str or os.PathLike) or "
                                "encoded bytes, not %s" % (i, type(s).__name__)) from None
            items[i].data = buf
            items[i].size = len(buf)
            keep.append(buf)
    return items, keep


def run_batch(hasher: "Hasher", items: Any, n: int, mask: int, threads: int) -> Any:
    """One hm_hash_batch call of `n` items at `items` (hm_batch_item *),
    under the hasher's lock, the GIL released for it; `mask` is the request
    as the single calls take it.  Returns the new hm_batch * (the caller
    frees it with hm_batch_free)."""
    if threads < 0:
        raise ValueError("threads must be >= 0 (0: the CPUs), not %d" % threads)
    opts = ffi.new("hm_batch_opts *")
    lib.hm_batch_opts_init(opts)
    opts.threads = threads
    out = ffi.new("hm_batch **")
    with hasher._lock:
        st = lib.hm_hash_batch(hasher._handle(), items, n, mask, opts, out)
    if st != lib.HM_OK:
        raise_for(st)
    return out[0]


def hash_batch_with(hasher: "Hasher", sources: Iterable[Any], mask: int,
                    threads: int) -> List[BatchResult]:
    """Hash `sources` with `hasher` in one call (the GIL released for it);
    `mask` is the request as the single calls take it."""
    items, keep = _items(sources)
    n = len(items)
    b = ffi.gc(run_batch(hasher, items, n, mask, threads), lib.hm_batch_free)
    del keep  # the C call is over: the inputs may go
    r = ffi.new("hm_batch_result *")
    results: List[BatchResult] = []
    for i in range(n):
        st = lib.hm_batch_get(b, i, r)
        if st != lib.HM_OK:  # pragma: no cover (i is in range)
            raise_for(st)
        if r.status == lib.HM_OK:
            hashes = tuple(Hash._from_c(r.hashes[k]) for k in range(r.count))
            results.append(BatchResult(HashResult(hashes, ImageInfo._from_c(r.info)), None))
        else:
            detail = ffi.string(r.error).decode("utf-8", "replace")
            results.append(BatchResult(None, error_for(r.status, detail)))
    return results
