# SPDX-License-Identifier: BSD-3-Clause
"""hashmatch: Python binding of libhashmatch.

Recognise known images and videos when they are uploaded again: decode
untrusted media, compute the hashes hash-sharing programmes exchange (PDQ,
imagehash pHash/dHash/aHash, MD5, SHA-256, vPDQ and TMK+PDQF for video),
bit-for-bit equal to the reference tools, and match them against known
hashes in an exact, lock-free index.

    >>> import hashmatch
    >>> r = hashmatch.hash("photo.jpg", "pdq,phash")      # doctest: +SKIP
    >>> str(r.pdq), r.pdq.quality                          # doctest: +SKIP
    >>> idx = hashmatch.Index()
    >>> idx.load_list("known.csv")                         # doctest: +SKIP
    >>> idx.commit()
    >>> idx.query(r)                                       # doctest: +SKIP

Everything runs in the C library (through cffi, API mode); the GIL is
released while it decodes, hashes and queries.  Errors are ``hashmatch.Error``
subclasses carrying the C library's message.
"""
from ._native import ffi as _ffi, lib as _lib

if _lib.hm_version_number() // 10000 != _lib.HM_VERSION_MAJOR:  # pragma: no cover
    raise ImportError(
        "hashmatch: the libhashmatch loaded at run time (%s) has another major "
        "version than the one this module was built against (%d.x); rebuild the "
        "binding" % (_ffi.string(_lib.hm_version_string()).decode(), _lib.HM_VERSION_MAJOR))

from ._errors import (BadHashString, CancelledError, CorruptIndexError, DecodeError,  # noqa: E402
                      Error, FileIOError, InternalError, InvalidArgumentError,
                      LimitExceeded, NoMemoryError, NotFoundError, TypeMismatchError,
                      UnknownFormatError, UnsupportedError, strerror)
from ._hash import ROTATION_ANGLES, Hash, HashResult, ImageInfo  # noqa: E402
from ._batch import BatchResult  # noqa: E402
from ._hasher import (Hasher, decode, default_hasher, find_content, hash, hash_batch,  # noqa: E402
                      hash_bytes, hash_file, hash_pixels)
from ._index import (DECIDE_SCORE_FPR_1E4, DECIDE_SCORE_FPR_1E6, Decision, Index,  # noqa: E402
                     IndexStats, ListInfo, LoadReport, Match, Snapshot, Transaction)
from ._types import (Dihedral, FrameMode, HashType, ImageFormat, ListFormat,  # noqa: E402
                     PdqFlavour, Rule, Structure)
from ._tmk import (TMK_BASE64_LEN, TMK_DIM, TMK_FILE_SIZE, TMK_LEVEL1_THRESHOLD,  # noqa: E402
                   TMK_LEVEL2_THRESHOLD, Tmk, TmkInfo, TmkMatch, TmkScores, hash_tmk)
from ._video import (Frame, VideoInfo, VideoMatch, VideoReader, format_vpdq,  # noqa: E402
                     format_vpdq_compact, hash_video, parse_vpdq, parse_vpdq_compact,
                     video_frames)

__version__ = "0.1.0"

#: Version of the C library loaded at run time, e.g. "0.1.0".
LIBRARY_VERSION: str = _ffi.string(_lib.hm_version_string()).decode()

#: Default distance thresholds and PDQ minimum quality of the C library.
PDQ_THRESHOLD: int = _lib.HM_DEFAULT_PDQ_THRESHOLD
THRESHOLD_64BIT: int = _lib.HM_DEFAULT_64BIT_THRESHOLD
PDQ_MIN_QUALITY: int = _lib.HM_DEFAULT_PDQ_MIN_QUALITY

__all__ = [
    # hashing
    "hash", "hash_file", "hash_bytes", "hash_pixels", "hash_batch", "find_content", "decode",
    "default_hasher", "BatchResult",
    "Hasher", "Hash", "HashResult", "ImageInfo", "HashType", "Dihedral", "PdqFlavour",
    "ImageFormat",
    # index
    "Index", "Snapshot", "Transaction", "Match", "ListInfo", "LoadReport", "IndexStats",
    "Decision", "Rule", "DECIDE_SCORE_FPR_1E4", "DECIDE_SCORE_FPR_1E6",
    "Structure",
    "ListFormat",
    # video
    "video_frames", "hash_video", "VideoReader", "Frame", "VideoInfo", "VideoMatch",
    "FrameMode", "format_vpdq", "parse_vpdq", "format_vpdq_compact", "parse_vpdq_compact",
    # TMK+PDQF video hashes
    "hash_tmk", "Tmk", "TmkInfo", "TmkScores", "TmkMatch",
    # errors
    "Error", "DecodeError", "UnknownFormatError", "UnsupportedError", "LimitExceeded",
    "BadHashString", "FileIOError", "InvalidArgumentError", "TypeMismatchError",
    "CorruptIndexError", "NotFoundError", "CancelledError", "NoMemoryError",
    "InternalError", "strerror",
    # constants
    "LIBRARY_VERSION", "PDQ_THRESHOLD", "THRESHOLD_64BIT", "PDQ_MIN_QUALITY", "ROTATION_ANGLES",
    "TMK_FILE_SIZE", "TMK_BASE64_LEN", "TMK_DIM", "TMK_LEVEL1_THRESHOLD", "TMK_LEVEL2_THRESHOLD",
]
