// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include <stdlib.h>
// #include <hashmatch.h>
import "C"

import (
	"image"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// PDQFlavour selects PDQ's pre-scaling.
type PDQFlavour int

const (
	// PDQFullRes hashes the full-resolution image: pdqhash-python,
	// python-threatexchange, HMA, the Java and Rust ports, and the format
	// of GIFCT/TCAP lists. The default.
	PDQFullRes PDQFlavour = 0
	// PDQCpp512 is the C++ reference CLI (pdq-photo-hasher): images with a
	// side over 512 are first squashed to 512x512 by nearest neighbour.
	PDQCpp512 PDQFlavour = 1
)

// Default limits of a Hasher.
const (
	DefaultMaxInputBytes = 256 << 20   // largest input accepted, bytes
	DefaultMaxPixels     = 100_000_000 // largest image, width * height
	// FastMinSide is the short side (pixels) that fast mode keeps at least.
	FastMinSide = 768
)

// HasherOptions are the settings of a Hasher. The zero value is the
// default: the reference tools' behaviour with safe limits.
type HasherOptions struct {
	// MaxInputBytes is the largest input accepted; 0 means
	// DefaultMaxInputBytes.
	MaxInputBytes int64
	// MaxPixels is the largest image accepted (width * height, checked
	// from the header before pixel memory is allocated); 0 means
	// DefaultMaxPixels.
	MaxPixels int64
	// PDQFlavour: PDQFullRes (default) or PDQCpp512.
	PDQFlavour PDQFlavour
	// ApplyEXIFOrientation turns JPEGs upright by their EXIF orientation
	// before hashing. Off by default, as in every reference tool (hash
	// lists were made without it).
	ApplyEXIFOrientation bool
	// Fast decodes large JPEGs at a reduced DCT scale (short side kept >=
	// FastMinSide): faster, hashes close to but not equal to the exact
	// ones (docs/format.md gives measured distances).
	Fast bool
}

// Format is an image container format, detected from content.
type Format int

// Image formats.
const (
	FormatUnknown Format = 0
	FormatJPEG    Format = 1
	FormatPNG     Format = 2
	FormatGIF     Format = 3
	FormatWebP    Format = 4
	FormatBMP     Format = 5
	FormatTIFF    Format = 6
)

// String returns the short name ("jpeg", ..., "unknown" for
// FormatUnknown), or "Format(N)" for a value that is no format.
func (f Format) String() string {
	if p := C.hm_format_name(C.int(f)); p != nil {
		return C.GoString(p)
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// DetectFormat detects the format of encoded bytes from their first bytes.
func DetectFormat(data []byte) Format {
	return Format(C.hm_detect_format(bytesPtr(data), C.size_t(len(data))))
}

// ImageInfo is what the decoder found.
type ImageInfo struct {
	Width, Height   int    // as hashed (after EXIF orientation if applied)
	Format          Format // detected from content
	Channels        int    // colour channels hashed: 1 (grey) or 3
	EXIFOrientation int    // 1..8 from the file, 0 when absent
}

func infoFromC(c *C.hm_image_info) ImageInfo {
	return ImageInfo{Width: int(c.width), Height: int(c.height), Format: Format(c.format),
		Channels: int(c.channels), EXIFOrientation: int(c.exif_orientation)}
}

// Hasher decodes images and computes hashes. It holds options and limits.
//
// A C hasher serves one thread at a time; this wrapper serialises its
// calls with a mutex, so a Hasher may be shared, but calls on it never run
// in parallel. For parallel hashing use one Hasher per goroutine (or the
// package-level functions, which draw hashers from a pool). While a Video
// opened with a Hasher is open, the Video owns it and other calls return
// ErrHasherBusy.
type Hasher struct {
	mu   sync.Mutex
	p    *C.hm_hasher
	busy bool // an open Video owns the hasher
	net  leakNet
}

// NewHasher creates a hasher; opts may be nil for the defaults. Close it
// when done.
func NewHasher(opts *HasherOptions) (*Hasher, error) {
	var p *C.hm_hasher
	if err := call("NewHasher", func() C.hm_status { return C.hm_hasher_create(&p) }); err != nil {
		return nil, err
	}
	h := &Hasher{p: p}
	h.net = armLeakNet(h, func(p *C.hm_hasher) { C.hm_hasher_free(p) }, p)
	if opts != nil {
		if err := h.SetOptions(*opts); err != nil {
			h.Close()
			return nil, err
		}
	}
	return h, nil
}

// Close frees the hasher. It returns ErrHasherBusy while a Video uses it.
// Closing twice is harmless.
func (h *Hasher) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.p == nil {
		return nil
	}
	if h.busy {
		return ErrHasherBusy
	}
	h.net.disarm(h)
	C.hm_hasher_free(h.p)
	h.p = nil
	return nil
}

// acquire locks the hasher for one call.
func (h *Hasher) acquire() error {
	h.mu.Lock()
	if h.p == nil {
		h.mu.Unlock()
		return ErrClosed
	}
	if h.busy {
		h.mu.Unlock()
		return ErrHasherBusy
	}
	return nil
}

// SetOptions changes the hasher's settings (all of them: zero fields
// restore the defaults).
func (h *Hasher) SetOptions(o HasherOptions) error {
	if err := h.acquire(); err != nil {
		return err
	}
	defer h.mu.Unlock()
	maxIn, maxPix := o.MaxInputBytes, o.MaxPixels
	if maxIn == 0 {
		maxIn = DefaultMaxInputBytes
	}
	if maxPix == 0 {
		maxPix = DefaultMaxPixels
	}
	set := []struct {
		p C.hm_hasher_param
		v int64
	}{
		{C.HM_HASHER_MAX_INPUT_BYTES, maxIn},
		{C.HM_HASHER_MAX_PIXELS, maxPix},
		{C.HM_HASHER_PDQ_FLAVOUR, int64(o.PDQFlavour)},
		{C.HM_HASHER_APPLY_EXIF_ORIENTATION, b2i64(o.ApplyEXIFOrientation)},
		{C.HM_HASHER_FAST, b2i64(o.Fast)},
	}
	for _, s := range set {
		if err := call("SetOptions", func() C.hm_status {
			return C.hm_hasher_set(h.p, s.p, C.int64_t(s.v))
		}); err != nil {
			return err
		}
	}
	return nil
}

// Options reads the hasher's settings back.
func (h *Hasher) Options() (HasherOptions, error) {
	if err := h.acquire(); err != nil {
		return HasherOptions{}, err
	}
	defer h.mu.Unlock()
	var v [5]C.int64_t
	params := [5]C.hm_hasher_param{C.HM_HASHER_MAX_INPUT_BYTES, C.HM_HASHER_MAX_PIXELS,
		C.HM_HASHER_PDQ_FLAVOUR, C.HM_HASHER_APPLY_EXIF_ORIENTATION, C.HM_HASHER_FAST}
	for i, p := range params {
		if err := call("Options", func() C.hm_status { return C.hm_hasher_get(h.p, p, &v[i]) }); err != nil {
			return HasherOptions{}, err
		}
	}
	return HasherOptions{MaxInputBytes: int64(v[0]), MaxPixels: int64(v[1]),
		PDQFlavour: PDQFlavour(v[2]), ApplyEXIFOrientation: v[3] != 0, Fast: v[4] != 0}, nil
}

// Enough for every type, dihedral variants, trimmed copies, crops, fine
// crops and rotations.
const maxHashes = C.HM_HASH_RESULTS_MAX

func hashesFromC(out *[maxHashes]C.hm_hash, n C.size_t) Hashes {
	hs := make(Hashes, int(n))
	for i := range hs {
		hs[i] = hashFromC(&out[i])
	}
	return hs
}

// HashFile decodes an image file and computes the requested hashes in one
// pass (types: e.g. WantPDQ|WantMD5). Hashes come in the C library's order (Hashes).
// When only MD5 and/or SHA-256 are asked for, the file is not decoded.
//
// Errors: ErrIO, ErrUnknownFormat, ErrDecode, ErrLimit, ErrNoMemory,
// ErrInvalidArgument, with the C library's detail message.
func (h *Hasher) HashFile(path string, types Types) (Hashes, error) {
	hs, _, err := h.HashFileInfo(path, types)
	return hs, err
}

// HashFileInfo is HashFile that also returns what the decoder found.
func (h *Hasher) HashFileInfo(path string, types Types) (Hashes, ImageInfo, error) {
	cpath, err := cString("HashFile", "path", path)
	if err != nil {
		return nil, ImageInfo{}, err
	}
	defer C.free(unsafe.Pointer(cpath))
	if err := h.acquire(); err != nil {
		return nil, ImageInfo{}, err
	}
	defer h.mu.Unlock()
	var out [maxHashes]C.hm_hash
	var n C.size_t
	var info C.hm_image_info
	if err := call("HashFile", func() C.hm_status {
		return C.hm_hash_file(h.p, cpath, C.uint(types), &out[0], maxHashes, &n, &info)
	}); err != nil {
		return nil, ImageInfo{}, err
	}
	return hashesFromC(&out, n), infoFromC(&info), nil
}

// HashBytes is HashFile for an encoded image in memory. The bytes are
// only read during the call.
func (h *Hasher) HashBytes(data []byte, types Types) (Hashes, error) {
	hs, _, err := h.HashBytesInfo(data, types)
	return hs, err
}

// HashBytesInfo is HashBytes that also returns what the decoder found.
func (h *Hasher) HashBytesInfo(data []byte, types Types) (Hashes, ImageInfo, error) {
	if err := h.acquire(); err != nil {
		return nil, ImageInfo{}, err
	}
	defer h.mu.Unlock()
	var out [maxHashes]C.hm_hash
	var n C.size_t
	var info C.hm_image_info
	if err := call("HashBytes", func() C.hm_status {
		return C.hm_hash_memory(h.p, bytesPtr(data), C.size_t(len(data)), C.uint(types),
			&out[0], maxHashes, &n, &info)
	}); err != nil {
		return nil, ImageInfo{}, err
	}
	return hashesFromC(&out, n), infoFromC(&info), nil
}

// PixelFormat is the layout of a raw pixel buffer, 8 bits per channel.
type PixelFormat int

// Pixel layouts.
const (
	Gray8  PixelFormat = 1
	RGB24  PixelFormat = 2
	RGBA32 PixelFormat = 3 // alpha is ignored, as by the reference tools
)

func (f PixelFormat) bytesPerPixel() int {
	switch f {
	case Gray8:
		return 1
	case RGB24:
		return 3
	case RGBA32:
		return 4
	}
	return 0
}

// checkPixels validates a raw pixel buffer before C reads it.
func checkPixels(op string, pix []byte, width, height, stride int, format PixelFormat) error {
	bpp := format.bytesPerPixel()
	if bpp == 0 || width <= 0 || height <= 0 || width > 1<<30 || height > 1<<30 ||
		stride < width*bpp {
		return errorf(ErrInvalidArgument, op, "bad format, size or stride")
	}
	// The C library reads (height-1)*stride + width*bpp bytes.
	if need := uint64(height-1)*uint64(stride) + uint64(width*bpp); uint64(len(pix)) < need {
		return errorf(ErrInvalidArgument, op, "pixel buffer too short")
	}
	return nil
}

// HashPixels hashes a raw pixel buffer: width x height pixels, rows stride
// bytes apart. Only the perceptual types can be asked for (MD5 and SHA-256
// hash encoded bytes). The pixel limit applies.
func (h *Hasher) HashPixels(pix []byte, width, height, stride int, format PixelFormat, types Types) (Hashes, error) {
	if err := checkPixels("HashPixels", pix, width, height, stride, format); err != nil {
		return nil, err
	}
	if err := h.acquire(); err != nil {
		return nil, err
	}
	defer h.mu.Unlock()
	var out [maxHashes]C.hm_hash
	var n C.size_t
	if err := call("HashPixels", func() C.hm_status {
		return C.hm_hash_pixels(h.p, unsafe.Pointer(&pix[0]), C.uint32_t(width), C.uint32_t(height),
			C.size_t(stride), C.hm_pixel_format(format), C.uint(types), &out[0], maxHashes, &n)
	}); err != nil {
		return nil, err
	}
	return hashesFromC(&out, n), nil
}

// FindContent returns the content of a raw pixel buffer inside uniform
// borders (frames, letterbox bars) as x, y, width, height: the rectangle
// that WantTrimmed hashes, or the whole image when there is no border.
func FindContent(pix []byte, width, height, stride int, format PixelFormat) (x, y, w, h int, err error) {
	if err = checkPixels("FindContent", pix, width, height, stride, format); err != nil {
		return
	}
	var r C.hm_rect
	if err = call("FindContent", func() C.hm_status {
		return C.hm_find_content(unsafe.Pointer(&pix[0]), C.uint32_t(width), C.uint32_t(height),
			C.size_t(stride), C.hm_pixel_format(format), &r)
	}); err != nil {
		return 0, 0, 0, 0, err
	}
	return int(r.x), int(r.y), int(r.width), int(r.height), nil
}

// HashImage hashes a decoded image (perceptual types only). Grey, NRGBA
// and opaque RGBA images are passed to the C library as they are; other
// images are converted to 8-bit RGB first (alpha dropped after
// un-premultiplying, 16-bit samples keep their high byte, as the C
// decoders do).
//
// The hashes are those of the pixels given: an image decoded by Go's
// image/jpeg differs slightly from libjpeg-turbo's decode, so its hashes
// may differ by a few bits from HashFile's. Decode gives the pixels the C
// library hashes.
func (h *Hasher) HashImage(img image.Image, types Types) (Hashes, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, errorf(ErrInvalidArgument, "HashImage", "empty image")
	}
	pix, stride, f := pixelsOf(img)
	hs, err := h.HashPixels(pix, b.Dx(), b.Dy(), stride, f, types)
	if e, ok := err.(*Error); ok {
		e.Op = "HashImage"
	}
	return hs, err
}

// Decode decodes an encoded image into the pixels the hashes see (grey
// or RGB, alpha dropped, EXIF orientation applied only when the options
// ask for it), with the hasher's limits: an *image.Gray or an opaque
// *image.RGBA.
func (h *Hasher) Decode(data []byte) (image.Image, ImageInfo, error) {
	if err := h.acquire(); err != nil {
		return nil, ImageInfo{}, err
	}
	defer h.mu.Unlock()
	var px C.hm_pixels
	var info C.hm_image_info
	if err := call("Decode", func() C.hm_status {
		return C.hm_decode_memory(h.p, bytesPtr(data), C.size_t(len(data)), &px, &info)
	}); err != nil {
		return nil, ImageInfo{}, err
	}
	defer C.hm_pixels_free(&px)
	w, ht, stride := int(px.width), int(px.height), int(px.stride)
	if w == 0 || ht == 0 {
		return nil, ImageInfo{}, errorf(ErrInternal, "Decode", "empty image")
	}
	src := unsafe.Slice((*byte)(unsafe.Pointer(px.data)), stride*(ht-1)+w*PixelFormat(px.format).bytesPerPixel())
	var img image.Image
	switch PixelFormat(px.format) {
	case Gray8:
		g := image.NewGray(image.Rect(0, 0, w, ht))
		for y := 0; y < ht; y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+w], src[y*stride:])
		}
		img = g
	case RGB24:
		m := image.NewRGBA(image.Rect(0, 0, w, ht))
		for y := 0; y < ht; y++ {
			s, d := src[y*stride:y*stride+3*w], m.Pix[y*m.Stride:y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = s[3*x], s[3*x+1], s[3*x+2], 0xff
			}
		}
		img = m
	default:
		return nil, ImageInfo{}, errorf(ErrInternal, "Decode", "unexpected pixel format")
	}
	return img, infoFromC(&info), nil
}

// ---- package-level functions on pooled hashers ---------------------------

// Hashers with default options for the package-level functions. The pool
// drops idle hashers at garbage collections; their leak net frees them.
var hasherPool = sync.Pool{New: func() any {
	h, err := NewHasher(nil)
	if err != nil {
		return nil
	}
	return h
}}

// pooledHasher takes a hasher from the pool; put gives it back.
func pooledHasher(op string) (h *Hasher, put func(), err error) {
	h, _ = hasherPool.Get().(*Hasher)
	if h == nil {
		return nil, nil, errorf(ErrNoMemory, op, "cannot create a hasher")
	}
	return h, func() { hasherPool.Put(h) }, nil
}

func withPooled(op string, fn func(h *Hasher) (Hashes, error)) (Hashes, error) {
	h, put, err := pooledHasher(op)
	if err != nil {
		return nil, err
	}
	defer put()
	return fn(h)
}

// HashFile hashes an image file with default options (see
// Hasher.HashFile). Safe for concurrent use: each call takes a hasher
// from a pool.
func HashFile(path string, types Types) (Hashes, error) {
	return withPooled("HashFile", func(h *Hasher) (Hashes, error) { return h.HashFile(path, types) })
}

// HashBytes hashes an encoded image in memory with default options (see
// Hasher.HashBytes). Safe for concurrent use.
func HashBytes(data []byte, types Types) (Hashes, error) {
	return withPooled("HashBytes", func(h *Hasher) (Hashes, error) { return h.HashBytes(data, types) })
}

// HashImage hashes a decoded image with default options (see
// Hasher.HashImage). Safe for concurrent use.
func HashImage(img image.Image, types Types) (Hashes, error) {
	return withPooled("HashImage", func(h *Hasher) (Hashes, error) { return h.HashImage(img, types) })
}

// ---- helpers -------------------------------------------------------------

func b2i64(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// bytesPtr points at the first byte of b for the duration of a C call
// (cgo lets C read Go memory that holds no Go pointers while the call
// runs), or is nil for an empty slice.
func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// inputPtr is bytesPtr, but points at a zero byte for an empty slice, so
// that C reports empty input as input (truncated, empty media) rather
// than as a NULL argument.
func inputPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return unsafe.Pointer(new(byte))
	}
	return unsafe.Pointer(&b[0])
}

// cString copies s into C memory (free it with C.free); strings with a NUL
// byte cannot cross into C and are rejected.
func cString(op, what, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, errorf(ErrInvalidArgument, op, what+" contains a NUL byte")
	}
	return C.CString(s), nil
}

// cStringOrNil is cString with "" as NULL.
func cStringOrNil(op, what, s string) (*C.char, error) {
	if s == "" {
		return nil, nil
	}
	return cString(op, what, s)
}
