# SPDX-License-Identifier: BSD-3-Clause
"""PDQ: a drop-in for python-threatexchange's ``PdqSignal`` and its index,
hashing and matching through libhashmatch."""
from __future__ import annotations

import os
import pathlib
import typing as t

from threatexchange.content_type.content_base import ContentType
from threatexchange.exchanges.impl.fb_threatexchange_signal import (
    HasFbThreatExchangeIndicatorType)
from threatexchange.signal_type import signal_base
from threatexchange.signal_type.index import (IndexMatchUntyped,
                                              SignalSimilarityInfoWithIntDistance, T)
from threatexchange.signal_type.pdq.signal import PdqSignal as _PytxPdqSignal

from .._hash import Hash
from .._index import _distances_and_ids
from .._hasher import hash_bytes, hash_file
from .._types import HashType
from ._index import LibraryIndex

__all__ = ["PdqSignal", "PdqIndex", "PDQ_THRESHOLD"]

#: Distance at or below which two PDQ hashes match: libhashmatch's default
#: for PDQ, the same 31 as pytx's ``PDQ_CONFIDENT_MATCH_THRESHOLD``.
PDQ_THRESHOLD: int = HashType.PDQ.default_threshold

PdqIndexMatch = IndexMatchUntyped[SignalSimilarityInfoWithIntDistance, T]


def _hex(h: t.Optional[Hash], min_quality: int) -> str:
    """pytx's PDQ string of a hash result: "" below the quality threshold."""
    if h is None or h.quality is None or h.quality < min_quality:
        return ""
    return str(h)


class PdqSignal(
    signal_base.SimpleSignalType,
    signal_base.BytesHasher,
    HasFbThreatExchangeIndicatorType,
    signal_base.CanGenerateRandomSignal,
):
    """PDQ, as python-threatexchange's ``PdqSignal`` (same name "pdq", hash
    strings, indicator type, thresholds and examples), with hashing and
    matching done by libhashmatch: ``hash_from_file`` / ``hash_from_bytes``
    give pytx's hasher's string bit for bit (full-resolution PDQ, "" below
    quality 50), ``compare_hash`` pytx's distance and match flag, and
    ``get_index_cls()`` is ``PdqIndex``."""

    INDICATOR_TYPE = _PytxPdqSignal.INDICATOR_TYPE
    QUALITY_THRESHOLD: int = _PytxPdqSignal.QUALITY_THRESHOLD

    @classmethod
    def get_name(cls) -> str:
        """"pdq", pytx's name: a configuration naming it keeps working."""
        return _PytxPdqSignal.get_name()

    @classmethod
    def get_content_types(cls) -> t.List[t.Type[ContentType]]:
        """Photos."""
        return _PytxPdqSignal.get_content_types()

    @classmethod
    def get_index_cls(cls) -> t.Type["PdqIndex[t.Any]"]:
        """``PdqIndex``: the library's exact index."""
        return PdqIndex

    @classmethod
    def validate_signal_str(cls, signal_str: str) -> str:
        """64 lower-case hex digits, as pytx requires."""
        return _PytxPdqSignal.validate_signal_str(signal_str)

    @classmethod
    def compare_hash(cls, hash1: str, hash2: str,
                     pdq_dist_threshold: int = PDQ_THRESHOLD
                     ) -> signal_base.SignalComparisonResult:
        """Hamming distance of two PDQ strings, a match at or below
        ``pdq_dist_threshold``.  A malformed string raises
        ``hashmatch.BadHashString`` (a ``ValueError``)."""
        dist = Hash.parse(HashType.PDQ, hash1) - Hash.parse(HashType.PDQ, hash2)
        return signal_base.SignalComparisonResult.from_simple_dist(dist, pdq_dist_threshold)

    @classmethod
    def hash_from_bytes(cls, bytes_: bytes) -> str:
        """PDQ of an encoded image ("" when its quality is below 50).
        Undecodable bytes raise a ``hashmatch.Error``."""
        return _hex(hash_bytes(bytes_, HashType.PDQ).pdq, cls.QUALITY_THRESHOLD)

    @classmethod
    def hash_from_file(cls, file: pathlib.Path) -> str:
        """PDQ of an image file ("" when its quality is below 50)."""
        return _hex(hash_file(os.fspath(file), HashType.PDQ).pdq, cls.QUALITY_THRESHOLD)

    @classmethod
    def get_random_signal(cls) -> str:
        """A random PDQ string (pytx's generator)."""
        return _PytxPdqSignal.get_random_signal()

    @staticmethod
    def get_examples() -> t.List[str]:
        """pytx's PDQ examples."""
        return _PytxPdqSignal.get_examples()


class PdqIndex(LibraryIndex[T]):
    """pytx's PDQ index (``PDQIndex`` / ``PDQIndex2``) on libhashmatch's
    exact index: ``query`` returns every entry within ``threshold`` (31 by
    default) as ``IndexMatchUntyped(SignalSimilarityInfoWithIntDistance(d),
    metadata)``, nearest first, entries added earlier first at equal
    distance; an entry added twice is returned twice."""

    def __init__(self, entries: t.Iterable[t.Tuple[str, T]] = (), *,
                 threshold: int = PDQ_THRESHOLD) -> None:
        super().__init__()
        self.threshold = threshold
        self.add_all(entries)

    def add(self, signal_str: str, entry: T) -> None:
        """Add one PDQ string with its metadata (``hashmatch.BadHashString``
        for a malformed string)."""
        h = Hash.parse(HashType.PDQ, signal_str)
        self._index.add(h, "pdq", self._append(entry))

    def add_all(self, entries: t.Iterable[t.Tuple[str, T]]) -> None:
        """Add many (hash, metadata) pairs (staged in one call)."""
        def parsed() -> t.Iterator[t.Tuple[Hash, str]]:
            for signal_str, entry in entries:
                h = Hash.parse(HashType.PDQ, signal_str)
                yield h, self._append(entry)
        self._index.add_many(parsed(), "pdq")

    def query(self, hash: str) -> t.Sequence[PdqIndexMatch[T]]:
        """The entries within ``threshold`` of a PDQ string."""
        q = Hash.parse(HashType.PDQ, hash)
        hits = [(d, int(i)) for d, i in _distances_and_ids(self._committed(), q, self.threshold)]
        hits.sort()
        entries = self._entries
        return [IndexMatchUntyped(SignalSimilarityInfoWithIntDistance(d), entries[i])
                for d, i in hits]
