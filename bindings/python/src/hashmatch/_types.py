# SPDX-License-Identifier: BSD-3-Clause
"""Enumerations mirroring the C header, and the ``types`` argument."""
from __future__ import annotations

import enum
from typing import Dict, FrozenSet, Iterable, List, Set, Tuple, Type, TypeVar, Union

from ._native import ffi, lib

__all__ = ["HashType", "Dihedral", "Rule", "PdqFlavour", "Structure", "ListFormat",
           "FrameMode", "ImageFormat", "TypesArg", "types_mask"]


class HashType(enum.IntEnum):
    """Hash kinds (values fixed by the C API).  ``str(t)`` is the short
    lowercase name the C library uses ("pdq", "phash", ...,
    "phashorg_2014").

    The three ``PHASHORG_*`` members are pHash.org's DCT image hash
    (``ph_dct_imagehash``, not imagehash's ``PHASH``) in the three bit
    packings its versions gave the same value.  Each packing is its own
    type, so hashes of different packings never match each other; convert
    with ``Hash.convert``."""

    PDQ = lib.HM_HASH_PDQ
    PHASH = lib.HM_HASH_PHASH
    DHASH = lib.HM_HASH_DHASH
    AHASH = lib.HM_HASH_AHASH
    MD5 = lib.HM_HASH_MD5
    SHA256 = lib.HM_HASH_SHA256
    #: pHash.org's DCT image hash, packed as releases 0.9.x pack it:
    #: coefficient i at bit i ("phashorg_v09")
    PHASHORG_V09 = lib.HM_HASH_PHASHORG_V09
    #: pHash.org's hash, packed as its master did 2014-2022: coefficient i
    #: at bit 64 - i, so coefficient 0 is lost and bit 0 is always 0
    #: (parsing rejects odd values) ("phashorg_2014")
    PHASHORG_2014 = lib.HM_HASH_PHASHORG_2014
    #: pHash.org's hash, packed as since its PR #48 (2026): coefficient i
    #: at bit 63 - i ("phashorg_2026")
    PHASHORG_2026 = lib.HM_HASH_PHASHORG_2026

    def __str__(self) -> str:
        return _NAMES[self]

    @property
    def bits(self) -> int:
        """Bits in a hash of this type (64, 128 or 256)."""
        return _BITS[self]

    @property
    def default_threshold(self) -> int:
        """The distance threshold a new list starts with for this type
        (PDQ 31, pHash/dHash/aHash 10, pHash.org's packings 13,
        MD5/SHA-256 0: exact; the C library's ``hm_default_threshold``)."""
        return _THRESHOLDS[self]

    @classmethod
    def coerce(cls, value: Union["HashType", int, str]) -> "HashType":
        """A HashType from itself, its number or its name ("pdq", "PDQ",
        "phashorg_2014")."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            t = lib.hm_hash_type_from_name(value.strip().lower().encode("ascii", "replace"))
            if t == 0:
                raise ValueError("unknown hash type %r (expected one of %s)"
                                 % (value, ", ".join(_NAMES.values())))
            return cls(t)
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                raise ValueError("unknown hash type number %d" % value) from None
        raise TypeError("hash type must be a HashType, a name or a number, not %s"
                        % type(value).__name__)


_NAMES = {t: str(ffi.string(lib.hm_hash_type_name(t)).decode()) for t in HashType}
_BITS = {t: int(lib.hm_hash_bits(t)) for t in HashType}
_THRESHOLDS = {t: int(lib.hm_default_threshold(t)) for t in HashType}


class Dihedral(enum.IntEnum):
    """PDQ dihedral variants, in pdqhash-python's compute_dihedral order."""

    ORIGINAL = lib.HM_DIH_ORIGINAL
    ROT90 = lib.HM_DIH_ROT90          #: rotated 90 degrees counter-clockwise
    ROT180 = lib.HM_DIH_ROT180
    ROT270 = lib.HM_DIH_ROT270        #: rotated 90 degrees clockwise
    FLIPX = lib.HM_DIH_FLIPX          #: mirrored top <-> bottom
    FLIPY = lib.HM_DIH_FLIPY          #: mirrored left <-> right
    FLIPPLUS1 = lib.HM_DIH_FLIPPLUS1  #: transposed (main diagonal)
    FLIPMINUS1 = lib.HM_DIH_FLIPMINUS1  #: anti-transposed


class Rule(enum.IntEnum):
    """Why ``Index.decide`` matched a known item (``Decision.rule``)."""

    EXACT = lib.HM_RULE_EXACT    #: an MD5 or SHA-256 of the query equals one of the item's
    PDQ = lib.HM_RULE_PDQ        #: PDQ within the list's PDQ threshold (PDQ's own rule)
    SINGLE = lib.HM_RULE_SINGLE  #: the one perceptual type compared, within the list's threshold
    FUSED = lib.HM_RULE_FUSED    #: two or more perceptual types, fused score within the threshold


class PdqFlavour(enum.IntEnum):
    """PDQ pre-scaling (``Hasher.pdq_flavour``)."""

    FULLRES = lib.HM_PDQ_FULLRES  #: pdqhash-python, python-threatexchange, HMA (default)
    CPP_512 = lib.HM_PDQ_CPP_512  #: the C++ CLI: sides over 512 squashed to 512x512


class Structure(enum.IntEnum):
    """Index search structures; all return exactly the same results."""

    AUTO = lib.HM_STRUCT_AUTO
    SCAN = lib.HM_STRUCT_SCAN
    MIH = lib.HM_STRUCT_MIH
    BKTREE = lib.HM_STRUCT_BKTREE


class ListFormat(enum.IntEnum):
    """Hash-list file formats (docs/hashlist-formats.md)."""

    AUTO = lib.HM_LIST_AUTO
    PLAIN = lib.HM_LIST_PLAIN
    TYPED = lib.HM_LIST_TYPED
    PYTX_CSV = lib.HM_LIST_PYTX_CSV
    CANONICAL = lib.HM_LIST_CANONICAL


class FrameMode(enum.IntEnum):
    """Which video frames are hashed (docs/video.md)."""

    INTERVAL = lib.HM_FRAMES_INTERVAL    #: vPDQ's rule, one frame per interval (default)
    KEYFRAMES = lib.HM_FRAMES_KEYFRAMES  #: keyframes only; others never decoded
    ALL = lib.HM_FRAMES_ALL              #: every frame


class ImageFormat(enum.IntEnum):
    """Image container formats, detected from content."""

    UNKNOWN = lib.HM_FORMAT_UNKNOWN
    JPEG = lib.HM_FORMAT_JPEG
    PNG = lib.HM_FORMAT_PNG
    GIF = lib.HM_FORMAT_GIF
    WEBP = lib.HM_FORMAT_WEBP
    BMP = lib.HM_FORMAT_BMP
    TIFF = lib.HM_FORMAT_TIFF

    def __str__(self) -> str:
        return str(ffi.string(lib.hm_format_name(self)).decode())


E = TypeVar("E", bound=enum.IntEnum)


def coerce_enum(cls: Type[E], value: Union[E, str, int], what: str) -> E:
    """An IntEnum member from itself, its value or its (case-insensitive) name."""
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        key = value.strip().upper().replace("-", "_")
        if key in cls.__members__:
            return cls[key]
        raise ValueError("unknown %s %r (expected one of %s)" % (
            what, value, ", ".join(m.lower() for m in cls.__members__)))
    try:
        return cls(value)
    except ValueError:
        raise ValueError("unknown %s %r" % (what, value)) from None


#: What ``types=`` accepts: a name ("pdq"), a comma-separated list
#: ("pdq,phash"), "all", "perceptual", "phashorg", a HashType, or an
#: iterable of those.
TypesArg = Union[str, int, HashType, Iterable[Union[str, int, HashType]]]

#: "perceptual": PDQ and imagehash's three, the C library's
#: HM_TYPES_PERCEPTUAL (the first release's perceptual types; the set keeps
#: its members so that a request gives as many hashes as it always did).
PERCEPTUAL: FrozenSet[int] = frozenset((HashType.PDQ, HashType.PHASH, HashType.DHASH,
                                        HashType.AHASH))
#: "phashorg": the packings of pHash.org's hash, HM_TYPES_PHASHORG.
PHASHORG: FrozenSet[int] = frozenset((HashType.PHASHORG_V09, HashType.PHASHORG_2014,
                                      HashType.PHASHORG_2026))
#: The types computed from the decoded image: hashable from pixels, with
#: dihedral variants, trimmed, cropped and turned copies.  Video frames are
#: hashed with PERCEPTUAL only (pHash.org's video hash is another algorithm).
IMAGE_TYPES: FrozenSet[int] = PERCEPTUAL | PHASHORG
_GROUPS: Dict[str, FrozenSet[int]] = {"perceptual": PERCEPTUAL, "phashorg": PHASHORG}


_ALL: FrozenSet[int] = frozenset(HashType)
_MASKS: Dict[Tuple[object, FrozenSet[int]], int] = {}


def types_mask(types: TypesArg, allowed: FrozenSet[int] = _ALL) -> int:
    """The C request mask (HM_TYPE_BIT(t) | ...) for a ``types`` argument."""
    key = (types, allowed)
    try:
        return _MASKS[key]
    except (KeyError, TypeError):  # TypeError: unhashable (a list)
        pass
    mask = _types_mask(types, allowed)
    if isinstance(types, (str, int, tuple, frozenset)) and len(_MASKS) < 256:
        _MASKS[key] = mask
    return mask


def _types_mask(types: TypesArg, allowed: FrozenSet[int]) -> int:
    items: List[Union[str, int, HashType]]
    if isinstance(types, str):
        items = [s for s in types.replace(" ", "").split(",") if s]
    elif isinstance(types, (int, HashType)):
        items = [types]
    else:
        items = list(types)
    mask = 0
    for item in items:
        chosen: Set[int]
        if isinstance(item, str) and item.lower() == "all":
            chosen = set(allowed)
        elif isinstance(item, str) and item.lower() in _GROUPS:
            chosen = set(_GROUPS[item.lower()] & allowed)
        else:
            t = HashType.coerce(item)
            if t not in allowed:
                raise ValueError("hash type %s cannot be requested here" % t)
            chosen = {int(t)}
        for bit in chosen:
            mask |= 1 << bit
    if not mask:
        raise ValueError("no hash type requested")
    return mask
