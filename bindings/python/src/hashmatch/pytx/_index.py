# SPDX-License-Identifier: BSD-3-Clause
"""What the extension's three indexes share: a libhashmatch ``Index`` that
holds the hashes, and the entries' metadata (any picklable object, as pytx
allows) in a Python list, ``_entries``, found again by position (the
entry id in the library is the position as a decimal string)."""
from __future__ import annotations

import typing as t

from threatexchange.signal_type.index import SignalTypeIndex, T

from .._index import Index

__all__ = ["LibraryIndex"]


class LibraryIndex(SignalTypeIndex[T]):
    """A ``SignalTypeIndex`` whose hashes live in a libhashmatch ``Index``.

    ``add`` stages into the library index; the next ``query`` (or
    ``serialize``) commits what was staged, so building from many entries
    commits once.  Pickling (pytx's ``serialize`` / ``deserialize``) stores
    the library's index file (``Index.to_bytes``), the metadata and the
    thresholds, and reloads the index from those bytes.
    """

    def __init__(self) -> None:
        super().__init__()
        self._index = Index()
        self._entries: t.List[T] = []
        self._staged = False

    def __len__(self) -> int:
        """Entries added (one per ``add``, duplicates included)."""
        return len(self._entries)

    def _append(self, entry: T) -> str:
        """Keep ``entry``'s metadata; returns its id in the library index.
        Call it once the hash parsed, just before staging it."""
        self._entries.append(entry)
        self._staged = True
        return str(len(self._entries) - 1)

    def _committed(self) -> Index:
        """The library index with everything staged committed."""
        if self._staged:
            self._index.commit()
            self._staged = False
        return self._index

    def dispose(self) -> None:
        """Free the library index now (pytx 1.2.17's ``SignalTypeIndex.dispose``);
        the index is unusable afterwards (``ValueError``)."""
        self._index.close()

    def __getstate__(self) -> t.Dict[str, t.Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("_index", "_staged")}
        state["_index"] = self._committed().to_bytes()
        return state

    def __setstate__(self, state: t.Dict[str, t.Any]) -> None:
        state = dict(state)
        state["_index"] = Index(state["_index"])
        state["_staged"] = False
        self.__dict__.update(state)
