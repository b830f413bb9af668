# SPDX-License-Identifier: BSD-3-Clause
"""TMK+PDQF whole-video hashes: hashing, the .tmk file and its base64,
scores (docs/tmk.md)."""
from __future__ import annotations

import array
import os
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Tuple, Union

from ._errors import raise_for
from ._hash import type_name
from ._native import ffi, lib
from ._video import VideoInfo, video_limits_to_c, video_source

if TYPE_CHECKING:  # pragma: no cover
    from ._hasher import Hasher

__all__ = ["Tmk", "TmkInfo", "TmkScores", "TmkMatch", "hash_tmk", "TMK_FILE_SIZE", "TMK_BASE64_LEN",
           "TMK_DIM", "TMK_LEVEL1_THRESHOLD", "TMK_LEVEL2_THRESHOLD"]

#: Bytes of a .tmk file (every TMK+PDQF file has this size).
TMK_FILE_SIZE: int = lib.HM_TMK_FILE_SIZE
#: Characters of a .tmk file's base64 (padded): TCAP's hash_type "TMK".
TMK_BASE64_LEN: int = lib.HM_TMK_BASE64_LEN
#: Floats of the level-1 feature (``Tmk.average``).
TMK_DIM: int = lib.HM_TMK_DIM
#: The reference's default thresholds (0.7 as a C float): two videos match
#: when level 1 and level 2 both reach theirs (``TmkScores.matches``).
TMK_LEVEL1_THRESHOLD: float = float(lib.hm_tmk_default_threshold(1))
TMK_LEVEL2_THRESHOLD: float = float(lib.hm_tmk_default_threshold(2))


class TmkInfo(NamedTuple):
    """What a TMK hash holds beyond its features (the .tmk file's header)."""

    frames: int        #: frame features aggregated: the video's frames at 15 per second
    fps: int           #: frames per second of the features: 15
    periods: int       #: Fourier periods: 4
    coefficients: int  #: Fourier coefficients per period: 32
    dimension: int     #: floats per feature: ``TMK_DIM``


class TmkScores(NamedTuple):
    """The two scores of a pair of TMK hashes (``Tmk.scores``), each in
    [-1, 1], 1 for a video against itself; floats of the C library's
    float32 values, equal to what tmk-two-level-score computes."""

    level1: float  #: cosine similarity of the average frame features
    level2: float  #: best time-shift match of the Fourier features

    def matches(self, level1: Optional[float] = None, level2: Optional[float] = None) -> bool:
        """Whether both scores reach their thresholds (None: the
        reference's defaults, ``TMK_LEVEL1_THRESHOLD`` and
        ``TMK_LEVEL2_THRESHOLD``)."""
        t1 = TMK_LEVEL1_THRESHOLD if level1 is None else level1
        t2 = TMK_LEVEL2_THRESHOLD if level2 is None else level2
        return self.level1 >= t1 and self.level2 >= t2


class TmkMatch(NamedTuple):
    """A known video whose TMK+PDQF hash matched (``Index.match_tmk``)."""

    video_id: str
    list_name: str
    labels: str
    list_id: int
    level1: float      #: ``query.scores(known).level1``, to the bit
    level2: float      #: ``query.scores(known).level2``, to the bit
    threshold1: float  #: the level-1 threshold applied (the list's or the query's)
    threshold2: float  #: the level-2 threshold applied


class Tmk:
    """A TMK+PDQF video hash: the content of a ``.tmk`` file (257 KiB, held
    in C memory).

    Immutable, so threads may share one.  Made by ``hash_tmk`` /
    ``Hasher.hash_tmk`` (from a video), ``VideoReader.take_tmk`` (beside
    the vPDQ frames, from the same decoding), ``Tmk.from_bytes`` (a ``.tmk``
    file, as tmk-hash-video writes it and GIFCT exchanges it) or
    ``Tmk.from_base64`` (TCAP's form); both readers check every field and
    raise ``BadHashString`` for a damaged or foreign file.  ``bytes(t)``
    and ``to_bytes()`` give the file back byte for byte, ``to_base64()``
    its base64.  ``a.scores(b)`` gives both scores as the reference
    computes them; ``a.matches(b)`` applies the thresholds, computing
    level 2 only when level 1 passes.  Two hashes are equal when their
    files are.  Hashes pickle (as their bytes).  The C memory is freed with
    the object.
    """

    __slots__ = ("_p", "_video_info", "__weakref__")
    _p: Any                          # hm_tmk * cdata, freed with the object
    _video_info: Optional[VideoInfo]

    def __init__(self) -> None:
        raise TypeError("make a Tmk with hash_tmk, Tmk.from_bytes or Tmk.from_base64")

    @classmethod
    def _own(cls, p: Any, video_info: Optional[VideoInfo] = None) -> "Tmk":
        t = cls.__new__(cls)
        # ffi.gc frees it with the object; size tells the garbage collector
        # how much memory the small Python object stands for.
        t._p = ffi.gc(p, lib.hm_tmk_free, size=TMK_FILE_SIZE)
        t._video_info = video_info
        return t

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview]) -> "Tmk":
        """Read a ``.tmk`` file's bytes (exactly ``TMK_FILE_SIZE``), checked
        field by field (docs/tmk.md).  Raises ``BadHashString`` naming the
        first fault (truncated, too long, a magic, a header value, a
        non-finite float, ...)."""
        if isinstance(data, str) or not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("Tmk.from_bytes needs bytes, not %s (base64 text: "
                            "Tmk.from_base64)" % type_name(data))
        buf = ffi.from_buffer(data)
        out = ffi.new("hm_tmk **")
        st = lib.hm_tmk_from_bytes(buf, len(buf), out)
        if st != lib.HM_OK:
            raise_for(st)
        return cls._own(out[0])

    @classmethod
    def from_base64(cls, text: Union[str, bytes]) -> "Tmk":
        """Read the base64 of a ``.tmk`` file (TCAP's form: the standard
        alphabet, '=' padding optional; no white space), then check it as
        ``from_bytes`` does.  Raises ``BadHashString``."""
        if isinstance(text, str):
            try:
                raw = text.encode("ascii")
            except UnicodeEncodeError:
                raise_for(lib.HM_E_PARSE, "TMK base64: a character outside the base64 alphabet")
        elif isinstance(text, bytes):
            raw = text
        else:
            raise TypeError("Tmk.from_base64 needs a str, not %s" % type_name(text))
        out = ffi.new("hm_tmk **")
        st = lib.hm_tmk_from_base64(raw, len(raw), out)
        if st != lib.HM_OK:
            raise_for(st)
        return cls._own(out[0])

    def to_bytes(self) -> bytes:
        """The ``.tmk`` file (``TMK_FILE_SIZE`` bytes)."""
        buf = ffi.new("unsigned char[]", TMK_FILE_SIZE)
        st = lib.hm_tmk_to_bytes(self._p, buf, TMK_FILE_SIZE, ffi.NULL)
        if st != lib.HM_OK:  # pragma: no cover (the buffer has the size)
            raise_for(st)
        return bytes(ffi.buffer(buf))

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    def to_base64(self) -> str:
        """The base64 of the ``.tmk`` file (padded, ``TMK_BASE64_LEN``
        characters): TCAP's hash for hash_type "TMK"."""
        buf = ffi.new("char[]", TMK_BASE64_LEN + 1)
        st = lib.hm_tmk_to_base64(self._p, buf, TMK_BASE64_LEN + 1, ffi.NULL)
        if st != lib.HM_OK:  # pragma: no cover (the buffer has the size)
            raise_for(st)
        return str(ffi.buffer(buf, TMK_BASE64_LEN)[:].decode("ascii"))

    @property
    def info(self) -> TmkInfo:
        """The header: frame-feature count, fps, periods, coefficients,
        dimension."""
        c = ffi.new("hm_tmk_info *")
        st = lib.hm_tmk_get_info(self._p, c)
        if st != lib.HM_OK:  # pragma: no cover
            raise_for(st)
        return TmkInfo(int(c.frames), int(c.fps), int(c.periods), int(c.coefficients),
                       int(c.dimension))

    @property
    def frames(self) -> int:
        """Frame features aggregated (15 per second of video)."""
        return self.info.frames

    @property
    def video_info(self) -> Optional[VideoInfo]:
        """What the decoder found when this hash was computed from a video
        (``partial`` is set for a damaged stream: the hash is then of the
        frames that decoded): ``hash_tmk``'s, whose ``frames_hashed`` counts
        the frame features, or for ``VideoReader.take_tmk`` the reader's
        final ``info``, whose ``frames_hashed`` counts its vPDQ frames;
        None for a hash read from bytes."""
        return self._video_info

    @property
    def average(self) -> "array.array[float]":
        """The level-1 feature: ``TMK_DIM`` float32 values (an
        ``array.array('f')``; ``numpy.asarray`` takes it without a copy),
        e.g. for a vector database.  Level 1 is their cosine similarity."""
        out = array.array("f", bytes(4 * TMK_DIM))
        st = lib.hm_tmk_get_average(self._p, ffi.from_buffer("float[]", out), TMK_DIM)
        if st != lib.HM_OK:  # pragma: no cover
            raise_for(st)
        return out

    def scores(self, other: "Tmk") -> TmkScores:
        """Both scores against another hash, bit for bit as
        tmk-two-level-score computes them.  Level 2 costs about 0.2 ms (the
        GIL is released meanwhile); level 1 is symmetric, level 2 of
        ``b.scores(a)`` may differ from ``a.scores(b)`` in the float's last
        bits (docs/tmk.md), so score a pair in a fixed order."""
        q = tmk_ptr(other)
        l1 = ffi.new("float *")
        l2 = ffi.new("float *")
        st = lib.hm_tmk_scores(self._p, q, l1, l2)
        if st != lib.HM_OK:  # pragma: no cover
            raise_for(st)
        return TmkScores(float(l1[0]), float(l2[0]))

    def level1(self, other: "Tmk") -> float:
        """The level-1 score alone (a few hundred times cheaper than
        level 2): the cosine similarity of the average features."""
        q = tmk_ptr(other)
        l1 = ffi.new("float *")
        st = lib.hm_tmk_scores(self._p, q, l1, ffi.NULL)
        if st != lib.HM_OK:  # pragma: no cover
            raise_for(st)
        return float(l1[0])

    def matches(self, other: "Tmk", level1: Optional[float] = None,
                level2: Optional[float] = None) -> bool:
        """Whether the two videos match: level 1 and level 2 reach their
        thresholds (None: the reference's defaults, 0.7 each).  Level 2 is
        computed only when level 1 passes."""
        t1 = TMK_LEVEL1_THRESHOLD if level1 is None else level1
        if self.level1(other) < t1:
            return False
        return self.scores(other).matches(t1, level2)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tmk):
            return NotImplemented
        return self is other or self.to_bytes() == other.to_bytes()

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Tmk.from_bytes, (self.to_bytes(),))

    def __copy__(self) -> "Tmk":
        return self

    def __deepcopy__(self, memo: Any) -> "Tmk":
        return self

    def __repr__(self) -> str:
        return "<hashmatch.Tmk: %d frame features>" % self.frames


def tmk_ptr(tmk: object) -> Any:
    """The hm_tmk * of a Tmk (TypeError for anything else)."""
    if not isinstance(tmk, Tmk):
        raise TypeError("a TMK+PDQF hash is a hashmatch.Tmk, not %s" % type_name(tmk))
    return tmk._p


def tmk_hash_with(hasher: "Hasher", source: Union[str, "os.PathLike[str]", bytes, Any],
                  **limits: Any) -> Tmk:
    """Hasher.hash_tmk: the C call, under the hasher's lock."""
    o = ffi.new("hm_video_opts *")
    lib.hm_video_opts_init(o)
    video_limits_to_c(o, **limits)
    path, data = video_source(source)
    out = ffi.new("hm_tmk **")
    info = ffi.new("hm_video_info *")
    with hasher._lock:
        h = hasher._handle()
        if path is not None:
            st = lib.hm_tmk_hash_file(h, path, o, out, info)
        else:
            st = lib.hm_tmk_hash_memory(h, data, len(data), o, out, info)
        if st != lib.HM_OK:
            raise_for(st)
    return Tmk._own(out[0], VideoInfo._from_c(info))


def hash_tmk(source: Union[str, "os.PathLike[str]", bytes, Any], **options: Any) -> Tmk:
    """Hash a video (path, bytes or binary file object) to TMK+PDQF with
    this thread's default hasher, or with a hasher of its own when
    ``max_input_bytes`` or ``max_pixels`` is given.  Other options: see
    ``Hasher.hash_tmk``."""
    from ._hasher import Hasher, default_hasher

    hopts = {k: options.pop(k) for k in ("max_input_bytes", "max_pixels") if k in options}
    if not hopts:
        return default_hasher().hash_tmk(source, **options)
    with Hasher(**hopts) as h:
        return h.hash_tmk(source, **options)
