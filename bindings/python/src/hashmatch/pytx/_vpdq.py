# SPDX-License-Identifier: BSD-3-Clause
"""vPDQ: python-threatexchange's ``vpdq`` signal type (its extension
``threatexchange.extensions.vpdq``) on libhashmatch, without the ``vpdq``
package."""
from __future__ import annotations

import dataclasses
import os
import pathlib
import typing as t

from threatexchange.content_type.content_base import ContentType
from threatexchange.content_type.video import VideoContent
from threatexchange.signal_type import signal_base
from threatexchange.signal_type.index import (IndexMatch, IndexMatchUntyped,
                                              SignalSimilarityInfo, T)

from .._index import Index
from .._video import Frame, format_vpdq_compact, hash_video, parse_vpdq_compact
from ._index import LibraryIndex
from ._pdq import PDQ_THRESHOLD, PdqSignal

__all__ = ["VpdqSignal", "VpdqIndex", "VpdqSimilarityInfo", "VPDQ_QUALITY_THRESHOLD",
           "VPDQ_QUERY_MATCH_THRESHOLD_PERCENT", "VPDQ_INDEX_MATCH_THRESHOLD_PERCENT"]

#: vPDQ's defaults (pytx's ``vpdq_util``): frames below quality 50 are
#: ignored, frames within PDQ's 31 bits match, a known video matches when
#: 80 % of the query's unique frames match it (and 0 % of its own).
VPDQ_QUALITY_THRESHOLD: int = PdqSignal.QUALITY_THRESHOLD
VPDQ_QUERY_MATCH_THRESHOLD_PERCENT: float = 80.0
VPDQ_INDEX_MATCH_THRESHOLD_PERCENT: float = 0.0


@dataclasses.dataclass
class VpdqSimilarityInfo(SignalSimilarityInfo):
    """The two shares of a vPDQ match, as pytx's ``VPDQSimilarityInfo``."""

    query_match_percent: float     #: of the query's unique frames, % matched
    compared_match_percent: float  #: of the known video's unique frames, % matched

    def pretty_str(self) -> str:
        """"Q%[C%]", as pytx prints it."""
        return f"{self.query_match_percent:.0f}%[{self.compared_match_percent:.0f}%]"


def _frames(signal_str: str, quality: int) -> t.List[Frame]:
    """The frames of a pytx vPDQ string at or above ``quality`` (the empty
    string is an empty video, as in pytx); ``BadHashString`` (a
    ``ValueError``) when malformed."""
    frames = parse_vpdq_compact(signal_str) if signal_str else []
    return [f for f in frames if (f.quality or 0) >= quality]


def _match(index: Index, query: t.List[Frame], quality: int) -> t.Dict[str, VpdqSimilarityInfo]:
    """Both shares of every known video that has a frame matching one of
    ``query``'s, by video id."""
    found = index.match_video(query, distance=PDQ_THRESHOLD, min_quality=quality,
                              query_percent=0.0, target_percent=0.0)
    return {m.video_id: VpdqSimilarityInfo(m.query_percent, m.target_percent)
            for m in found if m.query_matched > 0}


class VpdqSignal(signal_base.SimpleSignalType, signal_base.FileHasher):
    """vPDQ, as pytx's ``VPDQSignal`` (name "vpdq", the same signal string:
    a JSON list of "pdqhex,quality,timestamp" strings), hashed and matched
    by libhashmatch.  ``hash_from_file`` hashes one frame per second, as
    pytx does; ``compare_hash`` gives both match shares and matches when
    the query share (of ``hash1``) reaches 80 %."""

    @classmethod
    def get_name(cls) -> str:
        """"vpdq", pytx's name."""
        return "vpdq"

    @classmethod
    def get_content_types(cls) -> t.List[t.Type[ContentType]]:
        """Videos."""
        return [VideoContent]

    @classmethod
    def get_index_cls(cls) -> t.Type["VpdqIndex[t.Any]"]:
        """``VpdqIndex``."""
        return VpdqIndex

    @classmethod
    def validate_signal_str(cls, signal_str: str) -> str:
        """The string, when it parses as pytx's vPDQ signal."""
        _frames(signal_str, 0)
        return signal_str

    @classmethod
    def hash_from_file(cls, file: pathlib.Path, seconds_per_hash: float = 1.0) -> str:
        """The vPDQ signal of a video, one frame per ``seconds_per_hash``."""
        return format_vpdq_compact(hash_video(os.fspath(file), interval=seconds_per_hash))

    @classmethod
    def compare_hash(cls, hash1: str, hash2: str,
                     query_match_pct_thresh: float = VPDQ_QUERY_MATCH_THRESHOLD_PERCENT,
                     compare_match_pct_thresh: float = VPDQ_INDEX_MATCH_THRESHOLD_PERCENT
                     ) -> signal_base.SignalComparisonResult:
        """Match ``hash1`` (the query) against ``hash2``: shares of unique
        frames of quality >= 50 within 31 bits of a frame of the other."""
        index = Index()
        known = _frames(hash2, VPDQ_QUALITY_THRESHOLD)
        if known:
            index.add_video(known, "0")
            index.commit()
        info = _match(index, _frames(hash1, VPDQ_QUALITY_THRESHOLD),
                      VPDQ_QUALITY_THRESHOLD).get("0", VpdqSimilarityInfo(0.0, 0.0))
        return signal_base.SignalComparisonResult(
            info.query_match_percent >= query_match_pct_thresh
            and info.compared_match_percent >= compare_match_pct_thresh, info)

    @staticmethod
    def get_examples() -> t.List[str]:
        """pytx's example: PDQ's examples as frames one second apart."""
        return [format_vpdq_compact(
            Frame.from_vpdq_line("%d,100,%s,%d" % (i, h, i))
            for i, h in enumerate(PdqSignal.get_examples()))]


class VpdqIndex(LibraryIndex[T]):
    """pytx's ``VPDQIndex`` on libhashmatch: each entry is a known video;
    ``query`` returns every known video of which at least
    ``query_match_threshold_pct`` % of the query's unique frames and
    ``index_match_threshold_pct`` % of its own match (frames of quality >=
    ``quality_threshold``, within 31 bits), as ``IndexMatch(
    VpdqSimilarityInfo(query %, known %), metadata)``, best first.  Adding
    a video with no frame of that quality raises ``ValueError``."""

    def __init__(self, quality_threshold: int = VPDQ_QUALITY_THRESHOLD,
                 query_match_threshold_pct: float = VPDQ_QUERY_MATCH_THRESHOLD_PERCENT,
                 index_match_threshold_pct: float = VPDQ_INDEX_MATCH_THRESHOLD_PERCENT) -> None:
        super().__init__()
        self.quality_threshold = quality_threshold
        self.query_match_threshold_pct = query_match_threshold_pct
        self.index_match_threshold_pct = index_match_threshold_pct

    @classmethod
    def build(cls, entries: t.Iterable[t.Tuple[str, T]],
              quality_threshold: int = VPDQ_QUALITY_THRESHOLD,
              query_match_threshold_pct: float = VPDQ_QUERY_MATCH_THRESHOLD_PERCENT,
              index_match_threshold_pct: float = VPDQ_INDEX_MATCH_THRESHOLD_PERCENT
              ) -> "VpdqIndex[T]":
        """An index of ``entries`` with these thresholds (pytx's signature)."""
        ret = cls(quality_threshold, query_match_threshold_pct, index_match_threshold_pct)
        ret.add_all(entries)
        return ret

    def add(self, signal_str: str, entry: T) -> None:
        """Add a known video's vPDQ signal with its metadata."""
        frames = _frames(signal_str, self.quality_threshold)
        if not frames:
            raise ValueError("a video with no frame of quality >= %d cannot be indexed"
                             % self.quality_threshold)
        self._index.add_video(frames, self._append(entry), "vpdq")

    def query(self, query_hash: str) -> t.List[IndexMatch[T]]:
        """The known videos the query video matches."""
        frames = _frames(query_hash, self.quality_threshold)
        if not frames:
            return []
        found = _match(self._committed(), frames, self.quality_threshold)
        hits = [(info, int(vid)) for vid, info in found.items()
                if info.query_match_percent >= self.query_match_threshold_pct
                and info.compared_match_percent >= self.index_match_threshold_pct]
        hits.sort(key=lambda h: (-h[0].query_match_percent, -h[0].compared_match_percent, h[1]))
        return [IndexMatchUntyped(info, self._entries[pos]) for info, pos in hits]
