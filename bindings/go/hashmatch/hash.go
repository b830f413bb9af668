// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include <hashmatch.h>
import "C"

import (
	"encoding/hex"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"
)

// HashType is a kind of hash (the C hm_hash_type). Values are fixed.
type HashType int

// Hash kinds.
const (
	PDQ    HashType = 1 // Meta PDQ, 256 bits, with quality 0..100
	PHash  HashType = 2 // imagehash 4.x phash, 64 bits
	DHash  HashType = 3 // imagehash 4.x dhash, 64 bits
	AHash  HashType = 4 // imagehash 4.x average_hash, 64 bits
	MD5    HashType = 5 // MD5 of the input bytes, 128 bits
	SHA256 HashType = 6 // SHA-256 of the input bytes, 256 bits
	// PHashOrgV09 is pHash.org's DCT image hash (ph_dct_imagehash, not
	// imagehash's PHash), 64 bits, packed as its releases up to 0.9.x
	// pack it: coefficient i at bit i ("phashorg_v09").
	//
	// The three PHashOrg types are one value in the packings pHash.org's
	// versions gave it. Each is its own type, so that no distance is ever
	// taken across packings (an index never matches one with another);
	// Convert converts.
	PHashOrgV09 HashType = 7
	// PHashOrg2014 is pHash.org's hash packed as its master did from 2014
	// to 2022: coefficient i at bit 64-i, so coefficient 0 is lost and bit
	// 0 is always 0 ("phashorg_2014"; Parse refuses odd values).
	PHashOrg2014 HashType = 8
	// PHashOrg2026 is pHash.org's hash packed as since its PR #48 (2026):
	// coefficient i at bit 63-i ("phashorg_2026").
	PHashOrg2026 HashType = 9
)

// HashTypeMax is the largest HashType value.
const HashTypeMax = 9

var typeNames = [...]string{PDQ: "pdq", PHash: "phash", DHash: "dhash",
	AHash: "ahash", MD5: "md5", SHA256: "sha256", PHashOrgV09: "phashorg_v09",
	PHashOrg2014: "phashorg_2014", PHashOrg2026: "phashorg_2026"}
var typeBits = [...]int{PDQ: 256, PHash: 64, DHash: 64, AHash: 64, MD5: 128, SHA256: 256,
	PHashOrgV09: 64, PHashOrg2014: 64, PHashOrg2026: 64}

func (t HashType) valid() bool { return t >= PDQ && t <= HashTypeMax }

// String returns the short lowercase name ("pdq", "phash", ...,
// "phashorg_2014"), as the C library and hash lists spell it.
func (t HashType) String() string {
	if t.valid() {
		return typeNames[t]
	}
	return "HashType(" + strconv.Itoa(int(t)) + ")"
}

// Bits is the size of a hash of this type: 64, 128 or 256 (0 if unknown).
func (t HashType) Bits() int {
	if t.valid() {
		return typeBits[t]
	}
	return 0
}

// DefaultThreshold is the distance threshold a new list starts with for
// this type (PDQ 31, pHash/dHash/aHash 10, pHash.org's packings 13,
// MD5/SHA-256 0: exact), or -1 if the type is unknown: the C library's
// hm_default_threshold.
func (t HashType) DefaultThreshold() int {
	return int(C.hm_default_threshold(C.int(t)))
}

// Want is the request bit of the type, for Types masks.
func (t HashType) Want() Types { return Types(1) << uint(t) }

// ParseHashType returns the type of a name as String prints it (ErrParse
// otherwise).
func ParseHashType(name string) (HashType, error) {
	for t := PDQ; t <= HashTypeMax; t++ {
		if typeNames[t] == name {
			return t, nil
		}
	}
	return 0, errorf(ErrParse, "ParseHashType", "unknown hash type "+strconv.Quote(name))
}

// Types is a request mask: which hashes a hashing call computes.
type Types uint32

// Request masks; combine them with |.
const (
	WantPDQ    Types = 1 << PDQ
	WantPHash  Types = 1 << PHash
	WantDHash  Types = 1 << DHash
	WantAHash  Types = 1 << AHash
	WantMD5    Types = 1 << MD5
	WantSHA256 Types = 1 << SHA256
	// WantPHashOrgV09, WantPHashOrg2014 and WantPHashOrg2026 ask for
	// pHash.org's hash in one packing each (images only: video frames
	// are not hashed with them).
	WantPHashOrgV09  Types = 1 << PHashOrgV09
	WantPHashOrg2014 Types = 1 << PHashOrg2014
	WantPHashOrg2026 Types = 1 << PHashOrg2026
	// WantPHashOrg is the three packings of pHash.org's hash
	// (HM_TYPES_PHASHORG).
	WantPHashOrg = WantPHashOrgV09 | WantPHashOrg2014 | WantPHashOrg2026
	// WantPerceptual is PDQ, pHash, dHash and aHash: the perceptual types
	// of the first release (HM_TYPES_PERCEPTUAL). It keeps its members, so
	// that a request gives as many hashes as it always did; add
	// WantPHashOrg or one of its packings for pHash.org's.
	WantPerceptual = WantPDQ | WantPHash | WantDHash | WantAHash
	// WantAll is WantPerceptual, MD5 and SHA-256 (HM_TYPES_ALL: the
	// types of the first release, as WantPerceptual). pHash.org's
	// packings are asked for with WantAll | WantPHashOrg.
	WantAll = WantPerceptual | WantMD5 | WantSHA256
	// WantPDQDihedral asks, besides the PDQ hash, for its 7 dihedral
	// variants. Implies PDQ.
	//
	// Deprecated: use WantPDQ|WantDihedral, which gives the same hashes
	// (and turns the other perceptual types asked for too), as the C
	// library deprecated HM_WANT_PDQ_DIHEDRAL.
	WantPDQDihedral Types = 1 << 16
	// WantDihedral follows every perceptual hash asked for (PDQ, pHash,
	// dHash, aHash, pHash.org's) by its 7 dihedral variants. Match them with
	// WithDihedral.
	WantDihedral Types = 1 << 17
	// WantTrimmed also hashes the image with uniform borders trimmed
	// (FindContent's rule): when a border is found, the perceptual hashes
	// of the trimmed image follow all the others, with Trimmed set.
	WantTrimmed Types = 1 << 18
	// WantCrops, for building lists from known media, also hashes 9 crops
	// of 90% of each side (corners, edge middles and centre, row by row
	// from the top-left): their perceptual hashes come last, with Cropped
	// set. Added to a list beside the plain hashes, they let copies cropped
	// by up to about 10% match.
	WantCrops Types = 1 << 19
	// WantRotations, for queries, also hashes the image turned by each
	// angle of RotationAngles (after shrinking it to 512 pixels a side):
	// their perceptual hashes come last, with Rotation set. Queried beside
	// the plain hashes, they let copies turned by a few degrees match a
	// list of plain hashes.
	WantRotations Types = 1 << 20
	// WantCropsFine, for building lists from known media, also hashes 25
	// crops of 80% of each side (a 5 x 5 grid from corner to corner, row
	// by row from the top-left): their perceptual hashes come after
	// WantCrops's, with Cropped and FineCrop set. Added to a list beside
	// the plain hashes and WantCrops's, they let copies cropped by up to
	// about 20% match.
	WantCropsFine Types = 1 << 21
)

// RotationAngles returns the angles in degrees, counter-clockwise, that
// WantRotations turns the image by, in result order (the C library's
// HM_ROTATION_ANGLES).
func RotationAngles() []int {
	a := make([]int, C.HM_ROTATIONS)
	for i := range a {
		a[i] = int(C.hm_rotation_angle(C.unsigned(i)))
	}
	return a
}

// Dihedral is a dihedral variant (rotation or mirror) of a perceptual
// hash, in pdqhash-python's order.
type Dihedral uint8

// Dihedral variants.
const (
	Original   Dihedral = 0
	Rot90      Dihedral = 1 // rotated 90 degrees counter-clockwise
	Rot180     Dihedral = 2
	Rot270     Dihedral = 3 // rotated 90 degrees clockwise
	FlipX      Dihedral = 4 // mirrored top <-> bottom
	FlipY      Dihedral = 5 // mirrored left <-> right
	FlipPlus1  Dihedral = 6 // transposed (main diagonal)
	FlipMinus1 Dihedral = 7 // anti-transposed
)

var dihedralNames = [...]string{"original", "rot90", "rot180", "rot270",
	"flipx", "flipy", "flipplus1", "flipminus1"}

func (d Dihedral) String() string {
	if int(d) < len(dihedralNames) {
		return dihedralNames[d]
	}
	return "Dihedral(" + strconv.Itoa(int(d)) + ")"
}

// Hash is one hash value: plain data, copied freely. The zero Hash has no
// type and is not a valid hash.
//
// Two hashes are the same value when Equal says so; == also compares
// Quality and Variant.
type Hash struct {
	Type    HashType
	Quality int      // PDQ quality 0..100; -1 when unknown or not a PDQ hash
	Variant Dihedral // dihedral variant; Original unless asked for
	Trimmed bool     // the hash of the image with its borders trimmed
	Cropped bool     // the hash of a crop (WantCrops, WantCropsFine)
	// FineCrop marks a crop of WantCropsFine (Cropped is set too).
	FineCrop bool
	// Rotation is the angle in degrees the image was turned by for this
	// hash (WantRotations), one of RotationAngles; 0 for the others.
	Rotation int
	value    [32]byte // canonical order, most significant byte first
}

// NewHash makes a hash of type t from its bytes in canonical order (the
// order of the hex string, docs/format.md); len(b) must be t.Bits()/8,
// and the value one the type holds (not a PHashOrg2014 value with bit 0
// set: ErrInvalidArgument). Quality is -1.
func NewHash(t HashType, b []byte) (Hash, error) {
	if !t.valid() || len(b) != t.Bits()/8 {
		return Hash{}, errorf(ErrInvalidArgument, "NewHash",
			"need "+strconv.Itoa(t.Bits()/8)+" bytes for "+t.String())
	}
	h, err := parseC("NewHash", t, hex.EncodeToString(b))
	if err != nil {
		err.(*Error).Status = ErrInvalidArgument
	}
	return h, err
}

// Parse reads the canonical string of a hash of type t: exactly
// t.Bits()/4 hex digits, either case, nothing else, and a value the type
// holds (as hm_hash_from_string, which refuses a PHashOrg2014 value with
// bit 0 set: it is in another packing). Quality is -1.
func Parse(t HashType, s string) (Hash, error) {
	if !t.valid() {
		return Hash{}, errorf(ErrParse, "Parse", "unknown hash type "+strconv.Itoa(int(t)))
	}
	n := t.Bits() / 8
	if len(s) != 2*n {
		return Hash{}, errorf(ErrParse, "Parse", t.String()+" needs "+
			strconv.Itoa(2*n)+" hex digits, got "+strconv.Itoa(len(s))+" characters")
	}
	return parseC("Parse", t, s)
}

// parseC parses s with the C library's hm_hash_from_string, where the
// rules of every type's strings and values live.
func parseC(op string, t HashType, s string) (Hash, error) {
	// NUL-terminated; a NUL inside ends the string early, which C refuses
	// as too short (Parse checked the length)
	buf := make([]byte, len(s)+1)
	copy(buf, s)
	var c C.hm_hash
	err := call(op, func() C.hm_status {
		return C.hm_hash_from_string(C.int(t), (*C.char)(unsafe.Pointer(&buf[0])), &c)
	})
	if err != nil {
		return Hash{}, err
	}
	return hashFromC(&c), nil
}

// Convert returns the value of h in another packing of pHash.org's hash:
// between PHashOrgV09, PHashOrg2014 and PHashOrg2026 (a copy when h is of
// type to already), keeping Variant and the other marks (the C library's
// hm_hash_convert). unknown is the number of bits of the result that are
// not known: 1 converting from PHashOrg2014, which does not hold
// coefficient 0 (it is set 0, so a distance to the true value may be 1
// too high), else 0. Converting to PHashOrg2014 drops coefficient 0, as
// that version did. PHashOrgV09 and PHashOrg2026 convert into each other
// losslessly. ErrTypeMismatch for types that are not packings of one
// value, ErrInvalidArgument for an unknown type.
func (h Hash) Convert(to HashType) (out Hash, unknown int, err error) {
	var in, c C.hm_hash
	h.toC(&in)
	err = call("Convert", func() C.hm_status {
		unknown = int(C.hm_hash_convert(&in, C.int(to), &c))
		if unknown < 0 {
			return C.hm_status(unknown)
		}
		return C.HM_OK
	})
	if err != nil {
		return Hash{}, 0, err
	}
	return hashFromC(&c), unknown, nil
}

// MustParse is Parse that panics on error, for constants in programs and
// tests.
func MustParse(t HashType, s string) Hash {
	h, err := Parse(t, s)
	if err != nil {
		panic(err)
	}
	return h
}

// ParseTyped reads "type:hex" (as hashcheck's command line and
// MarshalText write it), e.g. "phash:aca29c1c33dc23d7".
func ParseTyped(s string) (Hash, error) {
	name, hx, ok := strings.Cut(s, ":")
	if !ok {
		return Hash{}, errorf(ErrParse, "ParseTyped", "want type:hex, got "+strconv.Quote(s))
	}
	t, err := ParseHashType(name)
	if err != nil {
		return Hash{}, err
	}
	return Parse(t, hx)
}

// String returns the canonical string: lowercase hex as the reference tool
// prints it (docs/format.md). Quality is not part of it.
func (h Hash) String() string {
	if !h.Type.valid() {
		return ""
	}
	return hex.EncodeToString(h.value[:h.Type.Bits()/8])
}

// Bytes returns the value in canonical order (a copy).
func (h Hash) Bytes() []byte {
	if !h.Type.valid() {
		return nil
	}
	return append([]byte(nil), h.value[:h.Type.Bits()/8]...)
}

// Distance is the Hamming distance between two hashes of the same type
// (0..Bits); ErrTypeMismatch when the types differ.
func (h Hash) Distance(o Hash) (int, error) {
	if h.Type != o.Type {
		return -1, errorf(ErrTypeMismatch, "Distance", h.Type.String()+" vs "+o.Type.String())
	}
	if !h.Type.valid() {
		return -1, errorf(ErrInvalidArgument, "Distance", "unknown hash type")
	}
	d := 0
	for i := 0; i < h.Type.Bits()/8; i++ {
		d += bits.OnesCount8(h.value[i] ^ o.value[i])
	}
	return d, nil
}

// Equal reports whether two hashes have the same type and value (quality
// and variant aside).
func (h Hash) Equal(o Hash) bool { return h.Type == o.Type && h.value == o.value }

// MarshalText writes "type:hex" (quality and variant are not kept).
func (h Hash) MarshalText() ([]byte, error) {
	if !h.Type.valid() {
		return nil, errorf(ErrInvalidArgument, "MarshalText", "zero hash")
	}
	return []byte(h.Type.String() + ":" + h.String()), nil
}

// UnmarshalText reads "type:hex" (ParseTyped).
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseTyped(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// Hashes is the result of a hashing call, in the C library's order (PDQ,
// its dihedral variants when asked, pHash, dHash, aHash, the pHash.org
// packings, MD5, SHA-256).
type Hashes []Hash

// Get returns the first hash of type t (for PDQ: the original variant).
func (hs Hashes) Get(t HashType) (Hash, bool) {
	for _, h := range hs {
		if h.Type == t {
			return h, true
		}
	}
	return Hash{}, false
}

func (h *Hash) toC(c *C.hm_hash) {
	c._type = C.int32_t(h.Type)
	c.quality = C.int16_t(h.Quality)
	c.variant = C.uint8_t(h.Variant)
	if h.Trimmed {
		c.variant |= C.HM_VARIANT_TRIMMED
	}
	if h.Cropped {
		c.variant |= C.HM_VARIANT_CROP
	}
	if h.Cropped && h.FineCrop {
		c.variant |= C.HM_VARIANT_FINE
	}
	for i, a := range RotationAngles() {
		if h.Rotation != 0 && h.Rotation == a {
			c.variant |= C.HM_VARIANT_ROTATED | C.uint8_t(i<<3)
		}
	}
	c.reserved = 0
	for i := range h.value {
		c.bytes[i] = C.uint8_t(h.value[i])
	}
}

func hashFromC(c *C.hm_hash) Hash {
	h := Hash{Type: HashType(c._type), Quality: int(c.quality), Variant: Dihedral(c.variant & 7),
		Trimmed: c.variant&C.HM_VARIANT_TRIMMED != 0, Cropped: c.variant&C.HM_VARIANT_CROP != 0}
	h.FineCrop = h.Cropped && c.variant&C.HM_VARIANT_FINE != 0
	if c.variant&C.HM_VARIANT_ROTATED != 0 {
		h.Rotation = int(C.hm_rotation_angle(C.unsigned(c.variant>>3) & 3))
	}
	for i := range h.value {
		h.value[i] = byte(c.bytes[i])
	}
	return h
}

func hashesToC(hs []Hash) []C.hm_hash {
	out := make([]C.hm_hash, len(hs))
	for i := range hs {
		hs[i].toC(&out[i])
	}
	return out
}

// Version is the version of the C library actually linked, e.g. "0.1.0".
func Version() string { return C.GoString(C.hm_version_string()) }

// VersionNumber is the linked library's version as MAJOR*10000 +
// MINOR*100 + PATCH.
func VersionNumber() int { return int(C.hm_version_number()) }

// HeaderVersionNumber is the version of the header this package was
// compiled against, as VersionNumber.
const HeaderVersionNumber = C.HM_VERSION_NUMBER
