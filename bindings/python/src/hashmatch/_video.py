# SPDX-License-Identifier: BSD-3-Clause
"""Video hashing (vPDQ-compatible), frames, and the vPDQ text formats."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

from ._errors import Error, InvalidArgumentError, error_for, last_error, raise_for
from ._hash import Hash
from ._native import ffi, lib
from ._types import PERCEPTUAL, Dihedral, FrameMode, HashType, TypesArg, coerce_enum, types_mask

if TYPE_CHECKING:  # pragma: no cover
    from ._hasher import Hasher
    from ._tmk import Tmk

__all__ = ["Frame", "VideoInfo", "VideoReader", "VideoMatch", "video_frames",
           "hash_video", "format_vpdq", "parse_vpdq", "format_vpdq_compact",
           "parse_vpdq_compact"]



class Frame(NamedTuple):
    """One hashed video frame.

    ``hashes`` holds PDQ (with its quality) first, then pHash, dHash, aHash
    as requested.  Frames come from ``VideoReader`` or from parsed vPDQ
    text, and are what ``Index.add_video`` and ``Index.match_video`` take.
    """

    frame_number: int       #: 0-based in decode order (keyframes: round(t * fps))
    timestamp: float        #: seconds
    hashes: Tuple[Hash, ...]
    keyframe: bool = False  #: the decoder marked it a keyframe
    damaged: bool = False   #: the decoder concealed errors in it

    @property
    def pdq(self) -> Optional[Hash]:
        """The frame's PDQ hash, or None."""
        for h in self.hashes:
            if h.type == HashType.PDQ:
                return h
        return None

    @property
    def quality(self) -> Optional[int]:
        """The PDQ quality, or None."""
        h = self.pdq
        return None if h is None else h.quality

    def to_vpdq_line(self) -> str:
        """vPDQ's text line "frameNumber,quality,pdqhex,timestamp" (no newline)."""
        arr, _ = frames_to_c([self])
        buf = ffi.new("char[]", 256)
        st = lib.hm_vpdq_format_line(arr, buf, 256)
        if st != lib.HM_OK:
            raise_for(st)
        return str(ffi.string(buf).decode("ascii"))

    @classmethod
    def from_vpdq_line(cls, line: str) -> "Frame":
        """Parse one vPDQ line (a trailing newline is allowed)."""
        c = ffi.new("hm_video_frame *")
        st = lib.hm_vpdq_parse_line(line.encode("utf-8"), c)
        if st != lib.HM_OK:
            raise_for(st, "%s: %r" % (last_error(), line[:200]))
        return frame_from_c(c)


def frame_from_c(c: Any) -> Frame:
    return Frame(int(c.frame_number), float(c.timestamp),
                 tuple(Hash._from_c(c.hashes[i]) for i in range(c.nhashes)),
                 bool(c.keyframe), bool(c.damaged))


def frames_to_c(frames: Iterable[Frame]) -> Tuple[Any, int]:
    """(hm_video_frame[] cdata, count) for a sequence of frames."""
    fl = [f for f in frames]
    arr = ffi.new("hm_video_frame[]", max(1, len(fl)))
    for i, f in enumerate(fl):
        if not isinstance(f, Frame):
            raise TypeError("expected Frame objects, got %s" % type(f).__name__)
        if len(f.hashes) > lib.HM_FRAME_HASHES:
            raise ValueError("a frame holds at most %d hashes" % lib.HM_FRAME_HASHES)
        c = arr[i]
        c.frame_number = f.frame_number
        c.timestamp = f.timestamp
        c.keyframe = 1 if f.keyframe else 0
        c.damaged = 1 if f.damaged else 0
        c.nhashes = len(f.hashes)
        for j, h in enumerate(f.hashes):
            c.hashes[j] = h._cstruct()[0]
    return arr, len(fl)


def video_source(source: Union[str, "os.PathLike[str]", bytes, Any]) -> Tuple[Optional[bytes], Any]:
    """(path, None) for a path, (None, buffer cdata) for bytes, a buffer or
    a binary file object (read whole)."""
    if isinstance(source, (str, os.PathLike)):
        return os.fsencode(source), None
    if hasattr(source, "read"):
        source = source.read()
    return None, ffi.from_buffer(source)


def video_limits_to_c(o: Any, *, animated_images: bool = True, max_frames: Optional[int] = None,
                      max_decoded: Optional[int] = None, max_duration: Optional[float] = None,
                      time_budget: Optional[float] = None, max_memory: Optional[int] = None,
                      max_work_pixels: Optional[int] = None) -> None:
    """Set the limits of an hm_video_opts (None: the C default), as
    ``VideoReader`` documents them; shared by vPDQ and TMK hashing."""
    o.animated_images = 1 if animated_images else 0
    if max_frames is not None:
        o.max_frames = int(max_frames)
    if max_decoded is not None:
        o.max_decoded = int(max_decoded)
    if max_duration is not None:
        o.max_duration = float(max_duration)
    if time_budget is not None:
        o.time_budget = float(time_budget)
    for name, value in (("max_memory", max_memory), ("max_work_pixels", max_work_pixels)):
        if value is not None:
            if not 0 < int(value) < 2**64:
                raise ValueError(f"{name} must be between 1 and 2**64 - 1, not {value!r}")
            setattr(o, name, int(value))


class VideoInfo(NamedTuple):
    """What the demuxer and decoder found (``VideoReader.info``)."""

    width: int
    height: int
    fps: float
    duration: float         #: seconds; 0 when the container has none
    rotation: int           #: degrees counter-clockwise, 0/90/180/270
    partial: bool           #: the stream is damaged or truncated
    frames_decoded: int
    frames_hashed: int
    decode_errors: int
    container: str
    codec: str
    #: frames not decoded because nothing needed them: TMK+PDQF hashing
    #: (``hash_tmk``) skips the non-reference frames its 15 fps output
    #: drops; 0 for vPDQ
    frames_skipped: int = 0

    @classmethod
    def _from_c(cls, c: Any) -> "VideoInfo":
        return cls(c.width, c.height, c.fps, c.duration, c.rotation, bool(c.partial),
                   int(c.frames_decoded), int(c.frames_hashed), int(c.decode_errors),
                   ffi.string(c.container).decode("utf-8", "replace"),
                   ffi.string(c.codec).decode("utf-8", "replace"),
                   int(c.frames_skipped))


# What VideoReader holds of its TMK+PDQF hash once take_tmk() has given it.
_TAKEN = object()


class VideoReader(Iterator[Frame]):
    """Hashes a video frame by frame, as vPDQ does; an iterator of
    ``Frame`` and a context manager.

    Made by ``Hasher.video(source, ...)`` or ``video_frames(source, ...)``.
    ``source`` is a path, bytes or a binary file object (read whole); only
    local input is read, and only allow-listed containers and codecs
    (docs/video.md).  The GIL is released while a frame is decoded and
    hashed.  The reader closes itself at the end and on errors; ``close()``
    ends it early, and ``cancel()`` (from any thread) makes the call in
    progress raise ``CancelledError``.

    Options:
        mode: "interval" (default: vPDQ's rule, one frame per ``interval``
            seconds), "keyframes" (keyframes only, others never decoded) or
            "all"; or a ``FrameMode``.
        interval: seconds (default 1.0; 0 hashes every frame).
        types: PDQ (default) and/or phash, dhash, ahash ("perceptual",
            "all": those four; pHash.org's packings hash images only).
        downscale: 0 (native size) or N for N x N, as vpdq's ``-s N``.
        apply_rotation: turn frames upright by the rotation metadata
            (default False, as vPDQ).
        animated_images: read animated GIF/WebP as video (default True).
        rgb_exact: keyframe mode converts frames to RGB as the other modes
            do, so its hashes equal vPDQ's for the same frames (default
            True); False hashes the decoder's luma plane directly (0-10 bits
            apart; measured no faster).
        trim_borders: hash each frame inside its uniform borders
            (letterbox and pillarbox bars; ``find_content``'s rule) instead
            of the whole frame (default False, as vPDQ).
        max_frames, max_decoded, max_duration, time_budget: limits (defaults
            100,000 hashed frames, 2,000,000 decoded, 4 h, 120 s of wall
            time; time_budget 0 means none).
        max_memory: bytes of decoded pictures the decoder may hold at once
            (its reference and reordering frames; default 512 MiB), checked
            from what the stream declares before the first picture and at
            every picture.
        max_work_pixels: pixels of work: every decoded frame counts its
            size, every hashed frame its hashed size once more (default
            5 * 10**10): the decoding and hashing work, whatever the
            machine.
        tmk: also compute the video's TMK+PDQF hash from the same
            decoding (no second pass over the file); ``take_tmk()`` gives
            it once the frames are read to the end.  Needs the "interval"
            or "all" mode (``InvalidArgumentError`` at open with
            "keyframes") and a video FFmpeg decodes (``UnsupportedError``
            for an animated WebP).  TMK's 15 fps frames count against
            ``max_frames`` on their own and against ``max_work_pixels``.
            Default False.

    Raises (on open or on ``next``): FileIOError, UnknownFormatError,
    UnsupportedError, DecodeError, LimitExceeded (the frames returned so
    far stay valid), CancelledError.
    """

    def __init__(self, hasher: "Hasher", source: Union[str, "os.PathLike[str]", bytes, Any], *,
                 mode: Union[FrameMode, str, int] = FrameMode.INTERVAL,
                 interval: float = 1.0, types: TypesArg = "pdq", downscale: int = 0,
                 apply_rotation: bool = False, animated_images: bool = True,
                 rgb_exact: bool = True, trim_borders: bool = False,
                 max_frames: Optional[int] = None,
                 max_decoded: Optional[int] = None, max_duration: Optional[float] = None,
                 time_budget: Optional[float] = None, max_memory: Optional[int] = None,
                 max_work_pixels: Optional[int] = None, tmk: bool = False,
                 _own_hasher: bool = False) -> None:
        self._hasher: Optional["Hasher"] = hasher
        self._own = _own_hasher
        self._v: Any = None
        self._final_info: Optional[VideoInfo] = None
        self._want_tmk = bool(tmk)
        # None until the video closes; then its Tmk, the Error that stopped
        # the frames or that taking the hash gave, or _TAKEN once
        # take_tmk() has returned it
        self._tmk: object = None
        self._flag = ffi.new("int *")
        o = ffi.new("hm_video_opts *")
        lib.hm_video_opts_init(o)
        o.mode = coerce_enum(FrameMode, mode, "frame mode")
        o.interval = float(interval)
        o.types = types_mask(types, PERCEPTUAL)
        o.downscale = int(downscale)
        o.apply_rotation = 1 if apply_rotation else 0
        o.rgb_exact = 1 if rgb_exact else 0
        o.trim_borders = 1 if trim_borders else 0
        o.tmk = 1 if tmk else 0
        video_limits_to_c(o, animated_images=animated_images, max_frames=max_frames,
                          max_decoded=max_decoded, max_duration=max_duration,
                          time_budget=time_budget, max_memory=max_memory,
                          max_work_pixels=max_work_pixels)
        o.interrupt = ffi.addressof(lib, "hmpy_interrupt")
        o.user = self._flag
        self._opts = o
        path, self._data = video_source(source)  # the data is kept alive until close
        out = ffi.new("hm_video **")
        self._frame = ffi.new("hm_video_frame *")
        self._got = ffi.new("int *")
        try:
            with hasher._lock:
                h = hasher._handle()
                if path is not None:
                    st = lib.hm_video_open_file(h, path, o, out)
                else:
                    st = lib.hm_video_open_memory(h, self._data, len(self._data), o, out)
                if st != lib.HM_OK:
                    raise_for(st)
                self._v = out[0]
                hasher._video = self
        except BaseException:
            self._release_hasher()
            raise

    def _release_hasher(self) -> None:
        h, self._hasher = self._hasher, None
        if h is not None and self._own:
            h.close()

    def __iter__(self) -> "VideoReader":
        return self

    def __next__(self) -> Frame:
        hasher = self._hasher
        if self._v is None or hasher is None:
            raise StopIteration
        with hasher._lock:
            if self._v is None:
                raise StopIteration
            st = lib.hm_video_next(self._v, self._frame, self._got)
            if st != lib.HM_OK:
                error = error_for(st)  # before closing
                if self._want_tmk:  # take_tmk() raises it too
                    self._tmk = error
                self._close_locked()
                raise error
            if not self._got[0]:
                self._close_locked()
                raise StopIteration
            frame = frame_from_c(self._frame)
        return frame

    def _close_locked(self) -> None:
        v, self._v = self._v, None
        if v is None:
            return
        info = ffi.new("hm_video_info *")
        if lib.hm_video_get_info(v, info) == lib.HM_OK:
            self._final_info = VideoInfo._from_c(info)
        if self._want_tmk and self._tmk is None:  # closing frees the hash in the making
            self._tmk = self._take_tmk_c(v)
        lib.hm_video_close(v)
        self._data = None
        if self._hasher is not None:
            self._hasher._video = None

    def _take_tmk_c(self, v: Any) -> "Union[Tmk, Error]":
        """hm_video_take_tmk: the hash, or the error it gave (not read to
        the end, not opened with tmk, no frame at a 15 fps output time)."""
        from ._tmk import Tmk

        out = ffi.new("hm_tmk **")
        st = lib.hm_video_take_tmk(v, out)
        if st != lib.HM_OK:
            return error_for(st)
        return Tmk._own(out[0], self._final_info)

    def take_tmk(self) -> "Tmk":
        """The video's TMK+PDQF hash, from the same decoding as its
        frames (a reader opened with ``tmk=True``), once the frames have
        been read to the end; byte for byte ``hash_tmk``'s.  Its
        ``video_info`` is the reader's final ``info``.  Once per reader.

        Raises ``InvalidArgumentError`` when the reader was not opened with
        ``tmk=True``, is not read to its end (or was closed before it), or
        the hash was taken already; ``DecodeError`` when no frame falls at
        a 15 fps output time; the error that stopped the frames
        (``LimitExceeded``, ``CancelledError``, ...) when one did.
        """
        hasher = self._hasher
        if self._v is not None and hasher is not None:
            with hasher._lock:
                if self._v is not None:  # not at the end: the C library says why
                    got = self._take_tmk_c(self._v)
                    if isinstance(got, Error):
                        raise got
                    return got  # pragma: no cover (open means not at the end)
        if not self._want_tmk:
            raise InvalidArgumentError("video: not opened with tmk=True")
        from ._tmk import Tmk

        held, self._tmk = self._tmk, _TAKEN
        if isinstance(held, Tmk):
            return held
        if isinstance(held, Error):
            self._tmk = held  # the same error again on the next call
            raise held
        raise InvalidArgumentError("video: its TMK+PDQF hash was taken")

    def close(self) -> None:
        """Stop and free the video (waits for a frame in progress); the
        hasher is free again afterwards.  ``info`` stays readable."""
        hasher = self._hasher
        if hasher is not None:
            with hasher._lock:
                self._close_locked()
        self._release_hasher()

    def cancel(self) -> None:
        """Ask the decoding in progress (or the next one) to stop with
        ``CancelledError``.  Safe to call from any thread."""
        lib.hmpy_flag_set(self._flag, 1)

    @property
    def closed(self) -> bool:
        """Whether it is closed (by ``close()``, or at the end for a video)."""
        return self._v is None

    @property
    def info(self) -> VideoInfo:
        """Size, frame rate, duration, rotation, counters, container and codec
        (as of now; final after the end)."""
        hasher = self._hasher
        if hasher is not None:
            with hasher._lock:
                if self._v is not None:
                    c = ffi.new("hm_video_info *")
                    st = lib.hm_video_get_info(self._v, c)
                    if st != lib.HM_OK:
                        raise_for(st)
                    return VideoInfo._from_c(c)
        if self._final_info is None:
            raise ValueError("no video information (the video did not open)")
        return self._final_info

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if self._v is not None or self._own:
                self.close()
        except Exception:
            pass


def video_frames(source: Union[str, "os.PathLike[str]", bytes, Any], **options: Any) -> VideoReader:
    """Open a video for hashing with a hasher of its own; returns a
    ``VideoReader`` (iterator of ``Frame``).  ``max_input_bytes`` and
    ``max_pixels`` (per frame) may be passed too; other options: see
    ``VideoReader``."""
    from ._hasher import Hasher

    hopts = {k: options.pop(k) for k in ("max_input_bytes", "max_pixels") if k in options}
    return VideoReader(Hasher(**hopts), source, _own_hasher=True, **options)


def hash_video(source: Union[str, "os.PathLike[str]", bytes, Any], **options: Any) -> List[Frame]:
    """Every hashed frame of a video, as a list.  See ``video_frames``
    (``tmk`` is not an option here: ``video_frames(source, tmk=True)``
    gives the frames and ``take_tmk()`` the hash)."""
    if "tmk" in options:
        raise TypeError("hash_video returns frames only: for the TMK+PDQF hash too, "
                        "iterate video_frames(source, tmk=True) and call take_tmk()")
    with video_frames(source, **options) as v:
        return list(v)


def format_vpdq(frames: Iterable[Frame]) -> str:
    """vPDQ's text format: one "frameNumber,quality,pdqhex,timestamp" line
    per frame, each ending with a newline (what vpdq-hash-video writes)."""
    return "".join(f.to_vpdq_line() + "\n" for f in frames)


def parse_vpdq(text: str) -> List[Frame]:
    """Parse vPDQ text (one line per frame; blank lines skipped)."""
    return [Frame.from_vpdq_line(line) for line in text.splitlines() if line.strip()]


def format_vpdq_compact(frames: Iterable[Frame]) -> str:
    """python-threatexchange's compact vPDQ signal: a JSON list of
    "pdqhex,quality,timestamp" strings."""
    arr, n = frames_to_c(frames)
    cap = 96 * n + 16
    length = ffi.new("size_t *")
    buf = ffi.new("char[]", cap)
    st = lib.hm_vpdq_format_compact(arr, n, buf, cap, length)
    if st == lib.HM_E_LIMIT:  # *length: what the buffer must hold, less its NUL
        cap = length[0] + 1
        buf = ffi.new("char[]", cap)
        st = lib.hm_vpdq_format_compact(arr, n, buf, cap, length)
    if st != lib.HM_OK:
        raise_for(st)
    return str(ffi.buffer(buf, length[0])[:].decode("ascii"))


def parse_vpdq_compact(text: str) -> List[Frame]:
    """Parse python-threatexchange's compact vPDQ signal (frame numbers are
    the positions in the list)."""
    raw = text.encode("utf-8")
    cap = raw.count(b'"') // 2 + 1
    arr = ffi.new("hm_video_frame[]", cap)
    n = ffi.new("size_t *")
    st = lib.hm_vpdq_parse_compact(raw, arr, cap, n)
    if st != lib.HM_OK:
        raise_for(st, "%s: %r" % (last_error(), text[:200]))
    return [frame_from_c(arr[i]) for i in range(n[0])]


class VideoMatch(NamedTuple):
    """A known video that matched (``Index.match_video``)."""

    video_id: str
    list_name: str
    labels: str
    list_id: int
    query_frames: int         #: unique query frames of quality >= min_quality
    query_matched: int        #: of which had a known frame within distance
    target_frames: int        #: frames of the known video in the index
    target_matched: int       #: of which matched some query frame
    query_percent: float      #: 100 * query_matched / query_frames
    target_percent: float     #: 100 * target_matched / target_frames
    query_ranges: Tuple[Tuple[float, float], ...]   #: (start, end) seconds in the query
    target_ranges: Tuple[Tuple[float, float], ...]  #: (start, end) seconds in the known video
    variant: Dihedral = Dihedral.ORIGINAL  #: the query orientation that matched (``dihedral=True``)
