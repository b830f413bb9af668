# SPDX-License-Identifier: BSD-3-Clause
"""Decoding and hashing: the Hasher and the module-level shortcuts."""
from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Tuple, Union

from ._errors import raise_for
from ._hash import Hash, HashResult, ImageInfo, type_name
from ._native import ffi, lib
from ._types import IMAGE_TYPES, ImageFormat, PdqFlavour, TypesArg, coerce_enum, types_mask

if TYPE_CHECKING:  # pragma: no cover
    import numpy
    import numpy.typing

    from ._batch import BatchResult
    from ._tmk import Tmk
    from ._video import VideoReader

__all__ = ["Hasher", "Source", "hash", "hash_file", "hash_bytes", "hash_pixels", "hash_batch",
           "find_content", "decode", "default_hasher"]

#: What the hashing calls accept: a path (str or os.PathLike), encoded bytes
#: (bytes, bytearray, a 1-D buffer), a binary file object, a decoded image
#: as a uint8 array (H x W grey, H x W x 1/3/4) or a PIL image.
Source = Any

_OUT_CAP = lib.HM_HASH_RESULTS_MAX


def _request(mask: int, dihedral: bool, trim: bool, crops: bool, rotations: bool = False,
             crops_fine: bool = False) -> int:
    return (mask | (lib.HM_WANT_DIHEDRAL if dihedral else 0)
            | (lib.HM_WANT_TRIMMED if trim else 0) | (lib.HM_WANT_CROPS if crops else 0)
            | (lib.HM_WANT_ROTATIONS if rotations else 0)
            | (lib.HM_WANT_CROPS_FINE if crops_fine else 0))


def _is_pil_image(obj: object) -> bool:
    mod = type(obj).__module__ or ""
    return mod.startswith("PIL.") and hasattr(obj, "mode") and hasattr(obj, "tobytes")


# PIL modes hashed as grey; every other mode but RGB/RGBA/RGBX is converted
# to RGB by Pillow first (as pdqhash users and imagehash's own "L"
# conversion do).
_PIL_GREY = {"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}


class _Pixels:
    """A raw pixel buffer ready for hm_hash_pixels."""

    __slots__ = ("ptr", "width", "height", "stride", "fmt", "keep")

    def __init__(self, ptr: Any, width: int, height: int, stride: int, fmt: int,
                 keep: Any) -> None:
        self.ptr, self.width, self.height = ptr, width, height
        self.stride, self.fmt, self.keep = stride, fmt, keep


_FMT_OF_CHANNELS = {1: lib.HM_PIXEL_GRAY8, 3: lib.HM_PIXEL_RGB24, 4: lib.HM_PIXEL_RGBA32}
_CHANNELS_OF_NAME = {"gray": 1, "grey": 1, "l": 1, "rgb": 3, "rgba": 4, "rgbx": 4}


def _pixels_from_pil(im: Any) -> _Pixels:
    mode = im.mode
    if mode in ("RGBA", "RGBX"):
        c = 4
    elif mode == "RGB":
        c = 3
    elif mode == "L":
        c = 1
    elif mode in _PIL_GREY:
        im, c = im.convert("L"), 1
    else:
        im, c = im.convert("RGB"), 3
    w, h = im.size
    data = im.tobytes()
    return _Pixels(ffi.from_buffer(data), w, h, w * c, _FMT_OF_CHANNELS[c], data)


def _pixels_from_buffer(obj: Any, width: Optional[int] = None, height: Optional[int] = None,
                        pixel_format: Optional[str] = None,
                        stride: Optional[int] = None) -> _Pixels:
    if width is not None:  # a flat buffer described by the caller
        if height is None or pixel_format is None:
            raise TypeError("width needs height and pixel_format")
        c = _CHANNELS_OF_NAME.get(str(pixel_format).lower())
        if c is None:
            raise ValueError("pixel_format must be 'gray', 'rgb' or 'rgba', not %r"
                             % (pixel_format,))
        stride = width * c if stride is None else stride
        if width <= 0 or height <= 0 or stride < width * c:
            raise ValueError("bad pixel geometry %dx%d, stride %d" % (width, height, stride))
        buf = ffi.from_buffer(obj)
        if len(buf) < stride * (height - 1) + width * c:
            raise ValueError("pixel buffer too small: %d bytes for %dx%d, stride %d"
                             % (len(buf), width, height, stride))
        return _Pixels(buf, width, height, stride, _FMT_OF_CHANNELS[c], obj)
    try:
        mv = memoryview(obj)
    except TypeError:
        raise TypeError("cannot hash a %s: expected a path, bytes, a file object, a "
                        "uint8 array or a PIL image" % type_name(obj)) from None
    if mv.format not in ("B", "=B", "<B", ">B", "|B"):
        raise TypeError("pixel arrays must be uint8 (got buffer format %r); convert "
                        "with arr.astype('uint8')" % mv.format)
    assert mv.shape is not None and mv.strides is not None
    if mv.ndim == 2:
        h, w = mv.shape
        c = 1
    elif mv.ndim == 3:
        h, w, c = mv.shape
        if c not in _FMT_OF_CHANNELS:
            raise ValueError("pixel arrays need 1, 3 or 4 channels, not %d" % c)
    else:
        raise ValueError("pixel arrays must be H x W or H x W x C, not %d-dimensional"
                         % mv.ndim)
    if w == 0 or h == 0:
        raise ValueError("empty pixel array %dx%d" % (w, h))
    st = mv.strides
    rows_packed = st[1] == c and (mv.ndim == 2 or st[2] == 1) and st[0] >= w * c
    if mv.c_contiguous:
        return _Pixels(ffi.from_buffer(mv), w, h, w * c, _FMT_OF_CHANNELS[c], mv)
    if rows_packed and hasattr(obj, "__array_interface__"):
        # Row-padded view (a crop of a larger array): zero-copy, the rows
        # are `stride` bytes apart.
        addr = obj.__array_interface__["data"][0]
        return _Pixels(ffi.cast("uint8_t *", addr), w, h, st[0], _FMT_OF_CHANNELS[c], obj)
    data = mv.tobytes()  # any other layout: one C-order copy
    return _Pixels(ffi.from_buffer(data), w, h, w * c, _FMT_OF_CHANNELS[c], data)


class Hasher:
    """Decodes images and computes their hashes, with its own limits and
    options.

    A hasher serves one call at a time: calls from several threads on one
    hasher are serialised by a lock.  For parallel hashing use one hasher
    per thread (the module-level functions do: each thread gets its own
    default hasher).  The GIL is released while the C library decodes and
    hashes, so threads run in parallel.

    Args:
        max_input_bytes: largest input accepted (default 256 MiB).
        max_pixels: largest image, width * height, checked from the header
            before pixel memory is allocated (default 100,000,000).
        pdq_flavour: ``PdqFlavour.FULLRES`` (default; pdqhash-python,
            python-threatexchange, HMA) or ``PdqFlavour.CPP_512`` (the C++ CLI),
            or their names "fullres" / "cpp_512".
        apply_exif_orientation: turn JPEGs upright by their EXIF
            orientation before hashing (default False, as the reference
            tools).
        fast: decode large JPEGs at a reduced DCT scale; close to, not
            equal to, the exact hashes (default False).

    A hasher holds C memory; ``close()`` (or ``with Hasher() as h:``) frees
    it at once, otherwise it is freed with the object.
    """

    def __init__(self, *, max_input_bytes: Optional[int] = None,
                 max_pixels: Optional[int] = None,
                 pdq_flavour: Union[PdqFlavour, str, int, None] = None,
                 apply_exif_orientation: Optional[bool] = None,
                 fast: Optional[bool] = None) -> None:
        p = ffi.new("hm_hasher **")
        st = lib.hm_hasher_create(p)
        if st != lib.HM_OK:
            raise_for(st)
        # Freed by close() or __del__, not by ffi.gc: an open video must be
        # closed before its hasher is freed, and a cdata destructor could
        # run first when both are garbage in one reference cycle.
        self._h: Any = p[0]
        self._lock = threading.Lock()
        self._video: Any = None  # the open VideoReader, which owns the hasher
        self._out = ffi.new("hm_hash[]", _OUT_CAP)
        self._n = ffi.new("size_t *")
        self._info = ffi.new("hm_image_info *")
        if max_input_bytes is not None:
            self.max_input_bytes = max_input_bytes
        if max_pixels is not None:
            self.max_pixels = max_pixels
        if pdq_flavour is not None:
            self.pdq_flavour = pdq_flavour
        if apply_exif_orientation is not None:
            self.apply_exif_orientation = apply_exif_orientation
        if fast is not None:
            self.fast = fast

    # ---- lifetime ---------------------------------------------------------

    def close(self) -> None:
        """Free the C hasher now (waits for a call in progress; closes an
        open video first)."""
        v = self._video
        if v is not None:
            v.close()
        with self._lock:
            h, self._h = self._h, None
            if h is not None:
                lib.hm_hasher_free(h)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover (interpreter shutdown)
            pass

    @property
    def closed(self) -> bool:
        """Whether it is closed (by ``close()``, or at the end for a video)."""
        return self._h is None

    def __enter__(self) -> "Hasher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handle(self) -> Any:
        """The C hasher, for a call made under self._lock."""
        h = self._h
        if h is None:
            raise ValueError("the hasher is closed")
        if self._video is not None:
            raise RuntimeError("the hasher is in use by an open video; close the "
                               "VideoReader first, or use another Hasher")
        return h

    def _fail(self, st: int) -> None:
        raise_for(st)

    # ---- parameters --------------------------------------------------------

    def _get(self, param: int) -> int:
        v = ffi.new("int64_t *")
        with self._lock:
            st = lib.hm_hasher_get(self._handle(), param, v)
        if st != lib.HM_OK:
            raise_for(st)
        return int(v[0])

    def _set(self, param: int, value: int) -> None:
        with self._lock:
            st = lib.hm_hasher_set(self._handle(), param, value)
            if st != lib.HM_OK:
                self._fail(st)

    @property
    def max_input_bytes(self) -> int:
        """Largest input accepted, in bytes."""
        return self._get(lib.HM_HASHER_MAX_INPUT_BYTES)

    @max_input_bytes.setter
    def max_input_bytes(self, v: int) -> None:
        self._set(lib.HM_HASHER_MAX_INPUT_BYTES, int(v))

    @property
    def max_pixels(self) -> int:
        """Largest image accepted, width * height."""
        return self._get(lib.HM_HASHER_MAX_PIXELS)

    @max_pixels.setter
    def max_pixels(self, v: int) -> None:
        self._set(lib.HM_HASHER_MAX_PIXELS, int(v))

    @property
    def pdq_flavour(self) -> PdqFlavour:
        """PDQ pre-scaling flavour."""
        return PdqFlavour(self._get(lib.HM_HASHER_PDQ_FLAVOUR))

    @pdq_flavour.setter
    def pdq_flavour(self, v: Union[PdqFlavour, str, int]) -> None:
        self._set(lib.HM_HASHER_PDQ_FLAVOUR, coerce_enum(PdqFlavour, v, "PDQ flavour"))

    @property
    def apply_exif_orientation(self) -> bool:
        """Whether JPEG EXIF orientation is applied before hashing."""
        return bool(self._get(lib.HM_HASHER_APPLY_EXIF_ORIENTATION))

    @apply_exif_orientation.setter
    def apply_exif_orientation(self, v: bool) -> None:
        self._set(lib.HM_HASHER_APPLY_EXIF_ORIENTATION, 1 if v else 0)

    @property
    def fast(self) -> bool:
        """Whether fast mode (reduced-scale JPEG decoding) is on."""
        return bool(self._get(lib.HM_HASHER_FAST))

    @fast.setter
    def fast(self, v: bool) -> None:
        self._set(lib.HM_HASHER_FAST, 1 if v else 0)

    # ---- hashing ------------------------------------------------------------

    def _result(self, n: int, with_info: bool) -> HashResult:
        out = self._out
        hashes = tuple(Hash._from_c(out[i]) for i in range(n))
        return HashResult(hashes, ImageInfo._from_c(self._info) if with_info else None)

    def hash(self, source: Source, types: TypesArg = "pdq", *,
             dihedral: bool = False, trim: bool = False, crops: bool = False,
             rotations: bool = False, crops_fine: bool = False) -> HashResult:
        """Decode ``source`` and compute the requested hashes in one pass.

        Args:
            source: a path (str or os.PathLike), encoded image bytes (bytes,
                bytearray, memoryview or any 1-D buffer), a binary file
                object, a decoded image as a uint8 array (H x W grey or
                H x W x 1/3/4; a 4th channel is ignored) or a PIL image.
                The format of encoded input is read from its content.
            types: "pdq" (default), "phash", "dhash", "ahash", "md5",
                "sha256", pHash.org's hash in one of its packings
                ("phashorg_v09", "phashorg_2014", "phashorg_2026"),
                "perceptual" (PDQ, pHash, dHash, aHash: the C library's
                HM_TYPES_PERCEPTUAL), "phashorg" (the three packings),
                "all" (every type), a comma-separated string or an
                iterable of names or ``HashType``.  MD5 and SHA-256 hash
                encoded bytes and cannot be asked of decoded pixels.
            dihedral: also return the 7 dihedral variants (rotations and
                mirrors) of each perceptual hash asked for
                (``r.variants("phash")``, ``r.all``).
            trim: also hash the image with uniform borders trimmed
                (frames, letterbox bars; ``find_content``'s rule):
                ``r.trimmed`` holds those hashes when a border was found.
            crops: also hash 9 crops of 90% of each side (``r.crops``), to
                add to a list beside the plain hashes so that copies
                cropped by up to about 10% match.
            rotations: also hash the image turned by each angle of
                ``ROTATION_ANGLES`` (-8, -4, +4, +8 degrees, after
                shrinking it to 512 pixels a side; ``r.rotations``), to
                query with beside the plain hashes so that copies turned
                by a few degrees match a list of plain hashes.
            crops_fine: also hash 25 crops of 80% of each side (a 5 x 5
                grid, ``r.fine_crops``), to add to a list beside the plain
                hashes and ``crops`` so that copies cropped by up to about
                20% match.

        Returns:
            a HashResult (``r.pdq``, ``r["phash"]``, ``r.info``, ...).

        Raises:
            FileIOError, UnknownFormatError, DecodeError, LimitExceeded,
            InvalidArgumentError, with the C library's message.
        """
        if isinstance(source, (str, os.PathLike)):
            return self.hash_file(source, types, dihedral=dihedral, trim=trim, crops=crops,
                                  rotations=rotations, crops_fine=crops_fine)
        if isinstance(source, (bytes, bytearray)):
            return self.hash_bytes(source, types, dihedral=dihedral, trim=trim, crops=crops,
                                   rotations=rotations, crops_fine=crops_fine)
        if _is_pil_image(source):
            return self.hash_pixels(source, types, dihedral=dihedral, trim=trim, crops=crops,
                                    rotations=rotations, crops_fine=crops_fine)
        if hasattr(source, "read"):
            return self.hash_bytes(source.read(), types, dihedral=dihedral, trim=trim, crops=crops,
                                   rotations=rotations, crops_fine=crops_fine)
        try:
            ndim = memoryview(source).ndim
        except TypeError:
            raise TypeError("cannot hash a %s: expected a path, bytes, a file object, a "
                            "uint8 array or a PIL image" % type_name(source)) from None
        if ndim <= 1:
            return self.hash_bytes(source, types, dihedral=dihedral, trim=trim, crops=crops,
                                   rotations=rotations, crops_fine=crops_fine)
        return self.hash_pixels(source, types, dihedral=dihedral, trim=trim, crops=crops,
                                rotations=rotations, crops_fine=crops_fine)

    def hash_file(self, path: Union[str, "os.PathLike[str]", bytes], types: TypesArg = "pdq",
                  *, dihedral: bool = False, trim: bool = False,
                  crops: bool = False, rotations: bool = False,
                  crops_fine: bool = False) -> HashResult:
        """Hash an image file (see ``hash``)."""
        mask = _request(types_mask(types), dihedral, trim, crops, rotations, crops_fine)
        p = os.fsencode(path)
        with self._lock:
            st = lib.hm_hash_file(self._handle(), p, mask, self._out, _OUT_CAP,
                                  self._n, self._info)
            if st != lib.HM_OK:
                self._fail(st)
            return self._result(self._n[0], True)

    def hash_bytes(self, data: Any, types: TypesArg = "pdq", *,
                   dihedral: bool = False, trim: bool = False,
                   crops: bool = False, rotations: bool = False,
                   crops_fine: bool = False) -> HashResult:
        """Hash an encoded image held in memory (bytes or any contiguous
        buffer; not copied)."""
        mask = _request(types_mask(types), dihedral, trim, crops, rotations, crops_fine)
        buf = ffi.from_buffer(data)
        with self._lock:
            st = lib.hm_hash_memory(self._handle(), buf, len(buf), mask, self._out,
                                    _OUT_CAP, self._n, self._info)
            if st != lib.HM_OK:
                self._fail(st)
            return self._result(self._n[0], True)

    def hash_pixels(self, pixels: Any, types: TypesArg = "pdq", *, dihedral: bool = False,
                    trim: bool = False, crops: bool = False, rotations: bool = False,
                    crops_fine: bool = False,
                    width: Optional[int] = None, height: Optional[int] = None,
                    pixel_format: Optional[str] = None,
                    stride: Optional[int] = None) -> HashResult:
        """Hash a decoded image: a uint8 array (numpy or any buffer with
        shape H x W, H x W x 1, H x W x 3 RGB or H x W x 4 RGBA/RGBX; row
        strides are honoured without a copy), a PIL image (modes other than
        L, RGB, RGBA, RGBX are converted by Pillow, to L for grey modes and
        RGB otherwise), or a flat buffer described by ``width``, ``height``,
        ``pixel_format`` ("gray", "rgb", "rgba") and optional ``stride``.

        The pixels are hashed as given: alpha is ignored, nothing is
        rotated.  Only perceptual types (pHash.org's included) can be
        asked for: "all" is every one of them here.
        """
        mask = _request(types_mask(types, IMAGE_TYPES), dihedral, trim, crops,
                        rotations, crops_fine)
        if _is_pil_image(pixels):
            px = _pixels_from_pil(pixels)
        else:
            px = _pixels_from_buffer(pixels, width, height, pixel_format, stride)
        with self._lock:
            st = lib.hm_hash_pixels(self._handle(), px.ptr, px.width, px.height, px.stride,
                                    px.fmt, mask, self._out, _OUT_CAP, self._n)
            if st != lib.HM_OK:
                self._fail(st)
            hashes = tuple(Hash._from_c(self._out[i]) for i in range(self._n[0]))
        channels = 1 if px.fmt == lib.HM_PIXEL_GRAY8 else 3
        return HashResult(hashes, ImageInfo(px.width, px.height, ImageFormat.UNKNOWN,
                                            channels, 0))

    def decode(self, source: Source) -> "numpy.typing.NDArray[numpy.uint8]":
        """Decode an encoded image (path, bytes, file object) into a numpy
        array as the hashes see it: H x W uint8 for grey images, H x W x 3
        RGB otherwise; alpha dropped; EXIF orientation applied only when
        ``apply_exif_orientation`` is set.  Needs numpy."""
        import numpy as np

        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as f:
                data: Any = f.read()
        elif hasattr(source, "read"):
            data = source.read()
        else:
            data = source
        buf = ffi.from_buffer(data)
        px = ffi.new("hm_pixels *")
        with self._lock:
            st = lib.hm_decode_memory(self._handle(), buf, len(buf), px, ffi.NULL)
            if st != lib.HM_OK:
                self._fail(st)
        try:
            c = 1 if px.format == lib.HM_PIXEL_GRAY8 else 3
            h, w, stride = px.height, px.width, px.stride
            rows = np.frombuffer(ffi.buffer(px.data, stride * h), np.uint8).reshape(h, stride)
            arr = np.array(rows[:, : w * c], copy=True)
        finally:
            lib.hm_pixels_free(px)
        return arr.reshape(h, w) if c == 1 else arr.reshape(h, w, 3)

    def hash_batch(self, sources: Iterable[Any], types: TypesArg = "pdq", *,
                   dihedral: bool = False, trim: bool = False, crops: bool = False,
                   rotations: bool = False, crops_fine: bool = False,
                   threads: int = 0) -> List["BatchResult"]:
        """Hash many encoded images in one call to the C library, on its
        own threads (``threads``; 0, the default, for the CPUs online), the
        GIL released meanwhile.

        Args:
            sources: paths (str or os.PathLike) and encoded bytes (bytes,
                bytearray or any 1-D buffer), mixed as they come.
            types, dihedral, trim, crops, rotations, crops_fine: as ``hash``.
            threads: threads that hash, 0 for the CPUs.

        Returns:
            one ``BatchResult`` per source, in order: ``.result`` holds the
            HashResult ``hash`` would return, or ``.error`` the exception it
            would raise (a corrupt or missing input never fails the batch).

        Raises:
            ValueError for an unknown type name or threads < 0; TypeError
            for a source that is neither a path nor a buffer.
        """
        from ._batch import hash_batch_with

        mask = _request(types_mask(types), dihedral, trim, crops, rotations, crops_fine)
        return hash_batch_with(self, sources, mask, threads)

    # ---- video ----------------------------------------------------------------

    def video(self, source: Union[str, "os.PathLike[str]", bytes, Any], **options: Any) -> "VideoReader":
        """Open a video (path, bytes or file object) for hashing, frame by
        frame: returns a ``VideoReader``, an iterator of ``Frame`` (and a
        context manager).  The hasher is busy until the reader is closed or
        exhausted.  Options: see ``VideoReader``."""
        from ._video import VideoReader

        return VideoReader(self, source, **options)

    def hash_tmk(self, source: Union[str, "os.PathLike[str]", bytes, Any], *,
                 animated_images: bool = True, max_frames: Optional[int] = None,
                 max_decoded: Optional[int] = None, max_duration: Optional[float] = None,
                 time_budget: Optional[float] = None, max_memory: Optional[int] = None,
                 max_work_pixels: Optional[int] = None) -> "Tmk":
        """Hash a whole video (path, bytes or binary file object) to
        TMK+PDQF, byte for byte as Meta's tmk-hash-video does: every frame,
        upright, 64x64 RGB at 15 frames per second (docs/tmk.md).  The GIL
        is released while it decodes and hashes.

        The hasher's limits (``max_input_bytes``, ``max_pixels`` per frame)
        and the video limits of ``VideoReader`` apply (``max_frames`` counts
        the 15-fps frames hashed: the default 100,000 is 1 h 51 min;
        ``max_work_pixels`` counts decoded pixels plus 4,096 per frame
        hashed); ``animated_images`` False refuses animated GIF.

        Returns a ``Tmk`` whose ``video_info`` says what the decoder found.

        Raises: FileIOError, UnknownFormatError, UnsupportedError (a codec
        not allowed, animated WebP), DecodeError (no frame decodes, or none
        falls at a 15-fps output time: a video without frames),
        LimitExceeded, NoMemoryError.
        """
        from ._tmk import tmk_hash_with

        return tmk_hash_with(self, source, animated_images=animated_images,
                             max_frames=max_frames, max_decoded=max_decoded,
                             max_duration=max_duration, time_budget=time_budget,
                             max_memory=max_memory, max_work_pixels=max_work_pixels)


# ---- module-level shortcuts: one default hasher per thread ------------------

_local = threading.local()


def default_hasher() -> Hasher:
    """This thread's default hasher (default options), used by the
    module-level functions.  Each thread has its own, so threads hash in
    parallel."""
    h = getattr(_local, "hasher", None)
    if h is None:
        h = _local.hasher = Hasher()
    return h


def hash(source: Source, types: TypesArg = "pdq", *, dihedral: bool = False,
         trim: bool = False, crops: bool = False, rotations: bool = False,
         crops_fine: bool = False) -> HashResult:
    """Hash a path, bytes, file object, uint8 array or PIL image with this
    thread's default hasher.  See ``Hasher.hash``."""
    return default_hasher().hash(source, types, dihedral=dihedral, trim=trim, crops=crops,
                                 rotations=rotations, crops_fine=crops_fine)


def hash_file(path: Union[str, "os.PathLike[str]", bytes], types: TypesArg = "pdq", *,
              dihedral: bool = False, trim: bool = False,
              crops: bool = False, rotations: bool = False, crops_fine: bool = False) -> HashResult:
    """Hash an image file.  See ``Hasher.hash``."""
    return default_hasher().hash_file(path, types, dihedral=dihedral, trim=trim, crops=crops,
                                      rotations=rotations, crops_fine=crops_fine)


def hash_bytes(data: Any, types: TypesArg = "pdq", *, dihedral: bool = False,
               trim: bool = False, crops: bool = False, rotations: bool = False,
               crops_fine: bool = False) -> HashResult:
    """Hash an encoded image in memory.  See ``Hasher.hash``."""
    return default_hasher().hash_bytes(data, types, dihedral=dihedral, trim=trim, crops=crops,
                                       rotations=rotations, crops_fine=crops_fine)


def hash_batch(sources: Iterable[Any], types: TypesArg = "pdq", *, dihedral: bool = False,
               trim: bool = False, crops: bool = False, rotations: bool = False,
               crops_fine: bool = False,
               threads: int = 0) -> List["BatchResult"]:
    """Hash many paths and encoded images in one C call on the library's
    threads.  See ``Hasher.hash_batch``."""
    return default_hasher().hash_batch(sources, types, dihedral=dihedral, trim=trim,
                                       crops=crops, rotations=rotations, crops_fine=crops_fine,
                                       threads=threads)


def hash_pixels(pixels: Any, types: TypesArg = "pdq", *, dihedral: bool = False,
                trim: bool = False, crops: bool = False, rotations: bool = False,
                crops_fine: bool = False,
                **layout: Any) -> HashResult:
    """Hash decoded pixels (uint8 array or PIL image).  See ``Hasher.hash_pixels``."""
    return default_hasher().hash_pixels(pixels, types, dihedral=dihedral, trim=trim, crops=crops,
                                        rotations=rotations, crops_fine=crops_fine, **layout)


def find_content(pixels: Any, **layout: Any) -> Tuple[int, int, int, int]:
    """The content of a decoded image inside uniform borders, as
    ``(x, y, width, height)``: the rectangle ``trim=True`` hashes (the whole
    image when there is no border).  ``pixels`` as ``Hasher.hash_pixels``
    takes them."""
    px = _pixels_from_pil(pixels) if _is_pil_image(pixels) else _pixels_from_buffer(pixels, **layout)
    r = ffi.new("hm_rect *")
    st = lib.hm_find_content(px.ptr, px.width, px.height, px.stride, px.fmt, r)
    if st != lib.HM_OK:
        raise_for(st)
    return (r.x, r.y, r.width, r.height)


def decode(source: Source) -> "numpy.typing.NDArray[numpy.uint8]":
    """Decode an image into a numpy array.  See ``Hasher.decode``."""
    return default_hasher().decode(source)
