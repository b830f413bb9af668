# SPDX-License-Identifier: BSD-3-Clause
"""What a data engine's worker processes share between batches: the index
(shipped once, loaded once per process) and the hasher.

Engines (Spark, Ray) call the batch function of ``hashmatch.arrow`` many
times in one long-lived worker process.  Loading the index for every
batch would cost more than the batch, so an ``IndexSource`` names the
index (a file every worker can read, or its bytes shipped by the engine)
and ``load()`` gives the process's one loaded copy, loaded on first use.
"""
from __future__ import annotations

import os
import threading
import uuid
from typing import Any, Callable, Dict, Optional, Tuple, Union

from ._hasher import Hasher
from ._index import Index, Snapshot

__all__ = ["IndexSource", "hasher_for"]

_LOCK = threading.Lock()
_INDEXES: Dict[str, Tuple[Any, Index]] = {}  # token -> (file stamp or None, index)
_HASHERS: Dict[Tuple[Tuple[str, Any], ...], Hasher] = {}


class IndexSource:
    """Where workers get the index: ``IndexSource.file(path)`` (a path
    readable on every worker, e.g. on shared storage; reloaded when the
    file is replaced) or ``IndexSource.shipped(value)`` (the index file's
    bytes, or an object whose ``.value`` holds them, such as a Spark
    broadcast variable).  Picklable; ``load()`` in a worker returns the
    process's loaded index, the same object for every batch."""

    def __init__(self, path: Optional[str] = None, data: Any = None) -> None:
        if (path is None) == (data is None):
            raise ValueError("an IndexSource is a path or the index's bytes, one of them")
        self.path = path
        self.data = data
        self.token = uuid.uuid4().hex

    @classmethod
    def file(cls, path: Union[str, "os.PathLike[str]"]) -> "IndexSource":
        """An index file at a path every worker can read."""
        return cls(path=os.fspath(path))

    @classmethod
    def shipped(cls, data: Any) -> "IndexSource":
        """The index file's bytes, or an object whose ``.value`` holds
        them (a Spark broadcast, read once per worker)."""
        return cls(data=data)

    @classmethod
    def of(cls, index: Union["IndexSource", Index, Snapshot, str, "os.PathLike[str]", bytes],
           ship: Optional[Callable[[bytes], Any]] = None) -> "IndexSource":
        """An ``IndexSource`` as it is; a path (str or os.PathLike) as
        ``file``; an ``Index``, a ``Snapshot`` or an index file's bytes as
        ``shipped``, its bytes passed through `ship` first when given
        (e.g. a Spark context's ``broadcast``)."""
        if isinstance(index, IndexSource):
            return index
        if isinstance(index, (str, os.PathLike)):
            return cls.file(index)
        data = index.to_bytes() if isinstance(index, (Index, Snapshot)) else bytes(index)
        return cls.shipped(ship(data) if ship else data)

    def _stamp(self) -> Any:
        if self.path is None:
            return None
        st = os.stat(self.path)
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def load(self) -> Index:
        """This process's copy of the index, loaded on first use (and
        again when the file at ``path`` was replaced)."""
        stamp = self._stamp()
        with _LOCK:
            got = _INDEXES.get(self.token)
            if got is not None and got[0] == stamp:
                return got[1]
            if self.path is not None:
                idx = Index(self.path)
            else:
                data = getattr(self.data, "value", self.data)
                idx = Index(bytes(data) if not isinstance(data, bytes) else data)
            if got is not None:
                got[1].close()
            _INDEXES[self.token] = (stamp, idx)
            return idx

    def __repr__(self) -> str:
        return "IndexSource(%s)" % (repr(self.path) if self.path is not None else "shipped")


def hasher_for(options: Optional[Dict[str, Any]]) -> Hasher:
    """The process's hasher with these ``Hasher`` keyword arguments (one
    per distinct set of options), made on first use."""
    key = tuple(sorted((options or {}).items()))
    with _LOCK:
        h = _HASHERS.get(key)
        if h is None:
            h = _HASHERS[key] = Hasher(**dict(key))
        return h
