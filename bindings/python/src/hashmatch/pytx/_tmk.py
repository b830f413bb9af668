# SPDX-License-Identifier: BSD-3-Clause
"""TMK+PDQF: the video signal type python-threatexchange lacks, on
libhashmatch (docs/tmk.md)."""
from __future__ import annotations

import dataclasses
import functools
import io
import os
import pathlib
import typing as t

from threatexchange.content_type.content_base import ContentType
from threatexchange.content_type.video import VideoContent
from threatexchange.signal_type import signal_base
from threatexchange.signal_type.index import (IndexMatch, IndexMatchUntyped,
                                              SignalSimilarityInfo, T)

from .._tmk import TMK_LEVEL1_THRESHOLD, TMK_LEVEL2_THRESHOLD, Tmk, hash_tmk
from ._index import LibraryIndex

__all__ = ["TmkPdqfSignal", "TmkIndex", "TmkSimilarityInfo"]


@dataclasses.dataclass
class TmkSimilarityInfo(SignalSimilarityInfo):
    """The two TMK+PDQF scores of a pair of videos (each 1.0 for a video
    against itself)."""

    level1: float  #: cosine similarity of the average frame features
    level2: float  #: best time-shift match of the Fourier features

    def pretty_str(self) -> str:
        """"L1[L2]", 4 decimals each (as hashmatchd prints it)."""
        return f"{self.level1:.4f}[{self.level2:.4f}]"


def _parse(signal_str: str) -> Tmk:
    """A TMK+PDQF hash from its signal string, the base64 of its .tmk file
    (``hashmatch.BadHashString``, a ``ValueError``, when malformed)."""
    return Tmk.from_base64(signal_str.strip())


class TmkPdqfSignal(signal_base.SimpleSignalType, signal_base.FileHasher):
    """TMK+PDQF (name "video_tmk_pdqf", pytx's own name for the type it
    plans): the signal string is the base64 of the video's ``.tmk`` file,
    as TCAP's API carries it (hash_type "TMK").  ``compare_hash`` gives
    both scores and matches when level 1 and level 2 both reach their
    thresholds (the reference's 0.7)."""

    @classmethod
    def get_name(cls) -> str:
        """"video_tmk_pdqf"."""
        return "video_tmk_pdqf"

    @classmethod
    def get_content_types(cls) -> t.List[t.Type[ContentType]]:
        """Videos."""
        return [VideoContent]

    @classmethod
    def get_index_cls(cls) -> t.Type["TmkIndex[t.Any]"]:
        """``TmkIndex``."""
        return TmkIndex

    @classmethod
    def validate_signal_str(cls, signal_str: str) -> str:
        """The canonical base64 of a well-formed .tmk file."""
        return _parse(signal_str).to_base64()

    @classmethod
    def hash_from_file(cls, file: pathlib.Path) -> str:
        """The TMK+PDQF signal of a video."""
        return hash_tmk(os.fspath(file)).to_base64()

    @classmethod
    def compare_hash(cls, hash1: str, hash2: str,
                     level1_threshold: float = TMK_LEVEL1_THRESHOLD,
                     level2_threshold: float = TMK_LEVEL2_THRESHOLD
                     ) -> signal_base.SignalComparisonResult:
        """Both scores of two signals; a match when both reach their thresholds."""
        s = _parse(hash1).scores(_parse(hash2))
        return signal_base.SignalComparisonResult(
            s.matches(level1_threshold, level2_threshold), TmkSimilarityInfo(s.level1, s.level2))

    @staticmethod
    def get_examples() -> t.List[str]:
        """One example: the hash of a two-second animation drawn here (TMK
        hashes are 350 KB of base64, too big to keep as text)."""
        return [_example()]


@functools.lru_cache(maxsize=1)
def _example() -> str:
    from PIL import Image, ImageDraw  # a dependency of threatexchange

    frames = []
    for i in range(30):
        im = Image.new("RGB", (96, 64), (20, 40, 60))
        d = ImageDraw.Draw(im)
        d.rectangle((i * 2, 8, i * 2 + 30, 40), fill=(230, 200, 40))
        d.ellipse((60 - i, 30, 90 - i, 60), fill=(40, 160, 220))
        frames.append(im)
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=66, loop=0)
    return hash_tmk(buf.getvalue()).to_base64()


class TmkIndex(LibraryIndex[T]):
    """An index of TMK+PDQF signals on libhashmatch's TMK matching: ``query``
    returns every known video whose two scores with the query both reach
    ``level1_threshold`` and ``level2_threshold`` (default 0.7 each), as
    ``IndexMatch(TmkSimilarityInfo(level1, level2), metadata)``, best
    level 2 first.  Level 1 filters every entry; level 2 is computed for
    those that pass it; the result is that of scoring every pair."""

    def __init__(self, entries: t.Iterable[t.Tuple[str, T]] = (), *,
                 level1_threshold: float = TMK_LEVEL1_THRESHOLD,
                 level2_threshold: float = TMK_LEVEL2_THRESHOLD) -> None:
        super().__init__()
        self.level1_threshold = level1_threshold
        self.level2_threshold = level2_threshold
        self.add_all(entries)

    def add(self, signal_str: str, entry: T) -> None:
        """Add a known video's TMK+PDQF signal with its metadata."""
        tmk = _parse(signal_str)
        self._index.add_tmk(tmk, self._append(entry), "tmk")

    def query(self, query: str) -> t.List[IndexMatch[T]]:
        """The known videos the query video matches."""
        found = self._committed().match_tmk(_parse(query), level1=self.level1_threshold,
                                            level2=self.level2_threshold)
        hits = sorted(found, key=lambda m: (-m.level2, -m.level1, int(m.video_id)))
        return [IndexMatchUntyped(TmkSimilarityInfo(m.level1, m.level2),
                                  self._entries[int(m.video_id)]) for m in hits]
