# SPDX-License-Identifier: BSD-3-Clause
"""Hash values and the result of hashing one image."""
from __future__ import annotations

from typing import Any, Iterator, Mapping, NamedTuple, Optional, Tuple, Union

from ._errors import BadHashString, last_error, raise_for
from ._native import ffi, lib
from ._types import IMAGE_TYPES, Dihedral, HashType, ImageFormat

__all__ = ["Hash", "ImageInfo", "HashResult", "ROTATION_ANGLES"]

_STRMAX = lib.HM_HASH_STRING_MAX

#: The angles in degrees, counter-clockwise, that ``rotations=True`` turns
#: the image by, in the order of ``HashResult.rotations`` (the C library's
#: HM_ROTATION_ANGLES).
ROTATION_ANGLES: Tuple[int, ...] = tuple(lib.hm_rotation_angle(i)
                                         for i in range(lib.HM_ROTATIONS))


class Hash:
    """One hash value: a type, its bits and, for PDQ, a quality.

    Immutable.  ``str(h)`` is the canonical string (lowercase hex, as the
    reference tool prints it); ``Hash(type, text)`` or ``Hash.parse`` reads
    it back.  ``a - b`` is the Hamming distance (computed by the C library;
    ``TypeMismatchError`` when the types differ).  Two hashes are equal when
    their types and bits are: quality, dihedral variant, the trimmed and
    crop marks and the rotation are metadata and take no part in ``==`` or
    ``hash()``.  Hashes pickle.

    Args:
        type: a HashType, its name ("pdq", "phash", "dhash", "ahash", "md5",
            "sha256", "phashorg_v09", "phashorg_2014", "phashorg_2026") or
            its number.
        value: the canonical hex string (either case, exactly the type's
            number of digits), or the raw bytes in canonical order
            (``bytes(h)``).  A value no version makes in that type is
            refused too: a ``phashorg_2014`` value with bit 0 set (such a
            value is in another packing; ``Hash.convert`` converts).
        quality: PDQ quality 0..100, or None when unknown.
        variant: the dihedral variant the hash stands for (perceptual
            types only).
        trimmed: the hash is of the image with its borders trimmed.
        cropped: the hash is of a crop (``crops=True``, ``crops_fine=True``).
        fine_crop: the crop is one of the 25 of 80% (``crops_fine=True``);
            needs ``cropped``.
        rotation: the hash is of the image turned by this angle, one of
            ``ROTATION_ANGLES`` (``rotations=True``); None for the others.

    Raises:
        BadHashString: the string is not a hash of that type, with the C
            library's reason.
        ValueError: bytes of the wrong length, or a value the type never
            holds.
    """

    __slots__ = ("_type", "_bytes", "_quality", "_variant", "_trimmed", "_cropped", "_fine",
                 "_rotation", "_c", "_str")

    def __init__(self, type: Union[HashType, str, int],
                 value: Union[str, bytes, bytearray, memoryview],
                 quality: Optional[int] = None,
                 variant: Union[Dihedral, int] = 0, trimmed: bool = False,
                 cropped: bool = False, rotation: Optional[int] = None,
                 fine_crop: bool = False) -> None:
        t = HashType.coerce(type)
        n = t.bits // 8
        c = ffi.new("hm_hash *")
        if isinstance(value, str):
            # non-ASCII and NUL become "?", which the C parser refuses
            raw = value.encode("ascii", "replace").replace(b"\0", b"?")
            if lib.hm_hash_from_string(t, raw, c) != lib.HM_OK:
                raise BadHashString("not a %s hash: %r (%s)" % (t, value, last_error()),
                                    status=lib.HM_E_PARSE)
            b = bytes(ffi.buffer(c.bytes, n))
        elif isinstance(value, (bytes, bytearray, memoryview)):
            b = bytes(value)
            if len(b) != n:
                raise ValueError("a %s hash has %d bytes, not %d" % (t, n, len(b)))
            # the C parser is where a type's values are checked
            if lib.hm_hash_from_string(t, b.hex().encode("ascii"), c) != lib.HM_OK:
                raise ValueError("not a %s hash: %s (%s)" % (t, b.hex(), last_error()))
        else:
            raise TypeError("hash value must be a str or bytes, not %s" % type_name(value))
        if quality is not None:
            if t != HashType.PDQ:
                raise ValueError("only PDQ hashes have a quality")
            if not 0 <= quality <= 100:
                raise ValueError("PDQ quality must be 0..100, not %r" % quality)
            quality = int(quality)
        variant = Dihedral(variant)
        if fine_crop and not cropped:
            raise ValueError("fine_crop marks a crop: it needs cropped=True")
        if rotation is not None and rotation not in ROTATION_ANGLES:
            raise ValueError("rotation must be one of %s, not %r" % (ROTATION_ANGLES, rotation))
        if (variant or trimmed or cropped or rotation is not None) and t not in IMAGE_TYPES:
            raise ValueError("only perceptual hashes have dihedral variants, trimmed copies, "
                             "crops or rotations")
        c.quality = -1 if quality is None else quality
        c.variant = _variant_bits(variant, trimmed, cropped, rotation, fine_crop)
        self._type = t
        self._bytes = b
        self._quality = quality
        self._variant = variant
        self._trimmed = bool(trimmed)
        self._cropped = bool(cropped)
        self._rotation = None if rotation is None else int(rotation)
        self._fine = bool(fine_crop)
        self._c = c
        self._str: Optional[str] = None

    @classmethod
    def parse(cls, type: Union[HashType, str, int], text: str) -> "Hash":
        """Parse a canonical hash string of the given type (quality unknown)."""
        if not isinstance(text, str):
            raise TypeError("text must be a str")
        return cls(type, text)

    @classmethod
    def _from_c(cls, c: Any) -> "Hash":
        """A Hash from an hm_hash cdata (copied)."""
        h = cls.__new__(cls)
        t = _TYPE_OF[c.type]
        h._type = t
        h._bytes = ffi.buffer(c.bytes, _NBYTES[t])[:]
        q = c.quality
        h._quality = None if q < 0 else q
        h._variant = _DIH_OF[c.variant & 7]
        h._trimmed = bool(c.variant & lib.HM_VARIANT_TRIMMED)
        h._cropped = bool(c.variant & lib.HM_VARIANT_CROP)
        h._rotation = (ROTATION_ANGLES[(c.variant >> 3) & 3]
                       if c.variant & lib.HM_VARIANT_ROTATED else None)
        h._fine = bool(h._cropped and c.variant & lib.HM_VARIANT_FINE)
        h._c = None
        h._str = None
        return h

    def _cstruct(self) -> Any:
        """The hm_hash cdata (made on first use)."""
        c = self._c
        if c is None:
            c = ffi.new("hm_hash *")
            c.type = self._type
            c.quality = -1 if self._quality is None else self._quality
            c.variant = _variant_bits(self._variant, self._trimmed, self._cropped,
                                      self._rotation, self._fine)
            ffi.memmove(c.bytes, self._bytes, len(self._bytes))
            self._c = c
        return c

    @property
    def type(self) -> HashType:
        """The hash type."""
        return self._type

    @property
    def bits(self) -> int:
        """Number of bits (64, 128 or 256)."""
        return self._type.bits

    @property
    def quality(self) -> Optional[int]:
        """PDQ quality 0..100; None for other types and for parsed hashes."""
        return self._quality

    @property
    def variant(self) -> Dihedral:
        """The dihedral variant this hash is (ORIGINAL unless asked for)."""
        return self._variant

    @property
    def trimmed(self) -> bool:
        """True for the hash of the image with its borders trimmed."""
        return self._trimmed

    @property
    def cropped(self) -> bool:
        """True for the hash of a crop of the image (``crops=True``)."""
        return self._cropped

    @property
    def fine_crop(self) -> bool:
        """True for the hash of one of the 25 crops of 80%
        (``crops_fine=True``); ``cropped`` is then True too."""
        return self._fine

    @property
    def rotation(self) -> Optional[int]:
        """The angle in degrees (counter-clockwise) the image was turned by
        for this hash (``rotations=True``), or None."""
        return self._rotation

    def distance(self, other: "Hash") -> int:
        """Hamming distance to a hash of the same type (same as ``self - other``)."""
        if not isinstance(other, Hash):
            raise TypeError("distance needs a Hash, not %s" % type_name(other))
        d = int(lib.hm_hash_distance(self._cstruct(), other._cstruct()))
        if d < 0:
            raise_for(d)
        return d

    def convert(self, to_type: Union[HashType, str, int], *, strict: bool = False) -> "Hash":
        """This value in another packing of pHash.org's hash: between
        ``HashType.PHASHORG_V09``, ``PHASHORG_2014`` and ``PHASHORG_2026``
        (a hash of ``to_type`` already is returned as it is).  The dihedral
        variant and the other marks are kept.

        ``phashorg_v09`` and ``phashorg_2026`` hold all 64 coefficient bits
        and convert into each other losslessly.  ``phashorg_2014`` holds 63:
        converting to it drops coefficient 0, as that version did, and
        converting from it leaves coefficient 0 unknown; it is set 0, so a
        distance to the true value may be 1 too high (0 or 1 more).  That
        is not an error unless ``strict`` is set.

        Raises:
            TypeMismatchError: either type is not a pHash.org packing.
            ValueError: ``strict`` and the result has a bit that is not
                known (converting from ``phashorg_2014``).
        """
        t = HashType.coerce(to_type)
        out = ffi.new("hm_hash *")
        unknown = int(lib.hm_hash_convert(self._cstruct(), t, out))
        if unknown < 0:
            raise_for(unknown)
        if unknown and strict:
            raise ValueError("converting a %s hash to %s leaves %d bit unknown (coefficient "
                             "0, which that packing does not hold)" % (self._type, t, unknown))
        return Hash._from_c(out)

    def __sub__(self, other: object) -> int:
        if not isinstance(other, Hash):
            return NotImplemented
        return self.distance(other)

    def __str__(self) -> str:
        s = self._str
        if s is None:
            buf = ffi.new("char[]", _STRMAX)
            st = lib.hm_hash_to_string(self._cstruct(), buf, _STRMAX)
            if st != lib.HM_OK:
                raise_for(st)
            s = self._str = ffi.string(buf).decode("ascii")
        return s

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __bytes__(self) -> bytes:
        return self._bytes

    def __repr__(self) -> str:
        extra = ""
        if self._quality is not None:
            extra += ", quality=%d" % self._quality
        if self._variant:
            extra += ", variant=Dihedral.%s" % self._variant.name
        if self._trimmed:
            extra += ", trimmed=True"
        if self._cropped:
            extra += ", cropped=True"
        if self._fine:
            extra += ", fine_crop=True"
        if self._rotation is not None:
            extra += ", rotation=%d" % self._rotation
        return "Hash(%r, %r%s)" % (str(self._type), str(self), extra)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hash):
            return NotImplemented
        return self._type == other._type and self._bytes == other._bytes

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Hash):
            return NotImplemented
        return not (self._type == other._type and self._bytes == other._bytes)

    def __hash__(self) -> int:
        return hash((int(self._type), self._bytes))

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_restore, (int(self._type), self._bytes, self._quality, int(self._variant),
                           self._trimmed, self._cropped, self._rotation, self._fine))

    def __copy__(self) -> "Hash":
        return self

    def __deepcopy__(self, memo: Any) -> "Hash":
        return self


_TYPE_OF = {int(t): t for t in HashType}
_NAME_OF = {t: str(t) for t in HashType}
_NBYTES = {t: t.bits // 8 for t in HashType}
_DIH_OF = tuple(Dihedral)


def _restore(t: int, b: bytes, quality: Optional[int], variant: int,
             trimmed: bool = False, cropped: bool = False,
             rotation: Optional[int] = None, fine_crop: bool = False) -> Hash:
    return Hash(t, b, quality, variant, trimmed, cropped, rotation, fine_crop)


def _variant_bits(variant: int, trimmed: bool, cropped: bool, rotation: Optional[int],
                  fine_crop: bool) -> int:
    return (int(variant) | (lib.HM_VARIANT_TRIMMED if trimmed else 0)
            | (lib.HM_VARIANT_CROP if cropped else 0) | (lib.HM_VARIANT_FINE if fine_crop else 0)
            | (0 if rotation is None
               else lib.HM_VARIANT_ROTATED | ROTATION_ANGLES.index(rotation) << 3))


def type_name(x: object) -> str:
    return type(x).__name__


class ImageInfo(NamedTuple):
    """What the decoder found (``HashResult.info``)."""

    width: int              #: as hashed (after EXIF orientation if applied)
    height: int
    format: ImageFormat     #: detected from content; UNKNOWN for raw pixels
    channels: int           #: colour channels hashed: 1 (grey) or 3
    exif_orientation: int   #: 1..8 from the file, 0 when absent

    @classmethod
    def _from_c(cls, c: Any) -> "ImageInfo":
        return cls(c.width, c.height, _FORMAT_OF.get(c.format, ImageFormat.UNKNOWN), c.channels,
                   c.exif_orientation)


_FORMAT_OF = {int(f): f for f in ImageFormat}


class HashResult(Mapping[str, Hash]):
    """The hashes of one image.

    A read-only mapping from type name to hash (``r["pdq"]``, ``r.pdq``,
    ``HashType`` keys work too) of the plain hashes; ``r.all`` is every
    hash in the C library's order (PDQ, pHash, dHash, aHash, the pHash.org
    packings, each followed by its 7 dihedral variants when asked for, MD5,
    SHA-256, then the
    trimmed image's hashes when asked for and a border was found, then the
    crops' when asked for (the 9 of 90%, then the 25 of 80%), then the
    turned images' when asked for), which
    is what ``Index.query`` and ``Index.add`` take from it, so that a
    dihedral query uses the exact variants and a list gets the crops.
    """

    __slots__ = ("_all", "_by_type", "_info")

    def __init__(self, hashes: Tuple[Hash, ...], info: Optional[ImageInfo] = None) -> None:
        self._all = tuple(hashes)
        self._by_type = {_NAME_OF[h._type]: h for h in self._all
                         if not (h._variant or h._trimmed or h._cropped
                                 or h._rotation is not None)}
        self._info = info

    @property
    def all(self) -> Tuple[Hash, ...]:
        """Every hash, dihedral variants included, in the C library's order."""
        return self._all

    @property
    def info(self) -> Optional[ImageInfo]:
        """Size, format, channels and EXIF orientation of the image."""
        return self._info

    @property
    def dihedral(self) -> Tuple[Hash, ...]:
        """The 8 PDQ variants (``variants("pdq")``)."""
        return self.variants(HashType.PDQ)

    def variants(self, type: Union[str, HashType, int]) -> Tuple[Hash, ...]:
        """The 8 dihedral variants of a type (original first, in
        ``Dihedral`` order) when they were asked for (``dihedral=True``),
        else ()."""
        t = HashType.coerce(type)
        v = tuple(h for h in self._all if h.type == t and not h._trimmed and not h._cropped
                  and h._rotation is None)
        return v if len(v) == 8 else ()

    @property
    def trimmed(self) -> Optional["HashResult"]:
        """The hashes of the image with its borders trimmed, when they were
        asked for (``trim=True``) and a border was found; else None."""
        t = tuple(h for h in self._all if h._trimmed)
        if not t:
            return None
        r = HashResult(t)
        r._by_type = {_NAME_OF[h._type]: h for h in t if not h._variant}
        return r

    @property
    def crops(self) -> Tuple["HashResult", ...]:
        """The hashes of the 9 crops (90% of each side; corners, edge
        middles and centre, row by row from the top-left) when they were
        asked for (``crops=True``), else ()."""
        return self._crop_group(False)

    @property
    def fine_crops(self) -> Tuple["HashResult", ...]:
        """The hashes of the 25 crops of 80% of each side (a 5 x 5 grid
        from corner to corner, row by row from the top-left) when they were
        asked for (``crops_fine=True``), else ()."""
        return self._crop_group(True)

    def _crop_group(self, fine: bool) -> Tuple["HashResult", ...]:
        c = [h for h in self._all if h._cropped and h._fine == fine]
        k = len(c) // (lib.HM_CROPS_FINE if fine else lib.HM_CROPS)
        out = []
        for i in range(0, len(c), max(1, k)):
            r = HashResult(tuple(c[i:i + k]))
            r._by_type = {_NAME_OF[h._type]: h for h in r._all}
            out.append(r)
        return tuple(out)

    @property
    def rotations(self) -> Tuple["HashResult", ...]:
        """The hashes of the image turned by each angle of
        ``ROTATION_ANGLES``, in that order (``r.rotations[i].pdq`` is
        ``.rotation`` ``ROTATION_ANGLES[i]``), when they were asked for
        (``rotations=True``), else ()."""
        out = []
        for a in ROTATION_ANGLES:
            t = tuple(h for h in self._all if h._rotation == a)
            if t:
                r = HashResult(t)
                r._by_type = {_NAME_OF[h._type]: h for h in t}
                out.append(r)
        return tuple(out)

    def _get(self, t: HashType) -> Optional[Hash]:
        return self._by_type.get(str(t))

    pdq = property(lambda self: self._get(HashType.PDQ), doc="The PDQ hash, or None.")
    phash = property(lambda self: self._get(HashType.PHASH), doc="The pHash, or None.")
    dhash = property(lambda self: self._get(HashType.DHASH), doc="The dHash, or None.")
    ahash = property(lambda self: self._get(HashType.AHASH), doc="The aHash, or None.")
    md5 = property(lambda self: self._get(HashType.MD5), doc="The MD5, or None.")
    sha256 = property(lambda self: self._get(HashType.SHA256), doc="The SHA-256, or None.")
    phashorg_v09 = property(lambda self: self._get(HashType.PHASHORG_V09),
                            doc="pHash.org's hash in the 0.9.x packing, or None.")
    phashorg_2014 = property(lambda self: self._get(HashType.PHASHORG_2014),
                             doc="pHash.org's hash in the 2014-2022 packing, or None.")
    phashorg_2026 = property(lambda self: self._get(HashType.PHASHORG_2026),
                             doc="pHash.org's hash in the 2026 packing, or None.")

    def __getitem__(self, key: Union[str, HashType, int]) -> Hash:
        try:
            name = str(HashType.coerce(key))
        except (ValueError, TypeError):
            raise KeyError(key) from None
        return self._by_type[name]

    def __contains__(self, key: object) -> bool:
        try:
            return str(HashType.coerce(key)) in self._by_type  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_type)

    def __len__(self) -> int:
        return len(self._by_type)

    def __repr__(self) -> str:
        inner = ", ".join("%s=%r" % (k, str(v)) for k, v in self._by_type.items())
        return "HashResult(%s)" % inner
