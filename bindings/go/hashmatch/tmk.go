// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"context"
	"sync"
	"unsafe"
)

// Sizes of TMK+PDQF hashes (docs/tmk.md).
const (
	TmkFileSize  = 263344 // bytes of a .tmk file (every TMK+PDQF file has this size)
	TmkBase64Len = 351128 // characters of its base64 (padded): TCAP's hash_type "TMK"
	TmkDim       = 256    // floats of the level-1 feature (Tmk.Average)
)

// TmkDefaultThreshold returns the reference's default threshold of TMK
// level 1 or 2 (0.7 each; -1 for another level): two videos match when
// both scores reach their level's threshold. The C library is the one
// home of this rule.
func TmkDefaultThreshold(level int) float32 {
	return float32(C.hm_tmk_default_threshold(C.int(level)))
}

// TmkInfo is what a TMK hash holds beyond its features: the .tmk file's
// header.
type TmkInfo struct {
	Frames       int // frame features aggregated: the video's frames at 15 per second
	FPS          int // frames per second of the features: 15
	Periods      int // Fourier periods: 4
	Coefficients int // Fourier coefficients per period: 32
	Dimension    int // floats per feature: TmkDim
}

// TmkScores are the two scores of a pair of TMK hashes, each in [-1, 1],
// 1 for a video against itself, equal to what tmk-two-level-score
// computes.
type TmkScores struct {
	Level1 float32 // cosine similarity of the average frame features
	Level2 float32 // best time-shift match of the Fourier features
}

// Matches reports whether both scores reach the reference's default
// thresholds (TmkDefaultThreshold).
func (s TmkScores) Matches() bool {
	return s.MatchesAt(TmkDefaultThreshold(1), TmkDefaultThreshold(2))
}

// MatchesAt reports whether both scores reach the given thresholds (the
// reference suggests 0.9 each for near-exact copies).
func (s TmkScores) MatchesAt(level1, level2 float32) bool {
	return s.Level1 >= level1 && s.Level2 >= level2
}

// Tmk is a TMK+PDQF video hash: the content of a .tmk file (257 KiB, in C
// memory). It is immutable, so any number of goroutines may use one at
// once; Close frees it after the calls in progress have returned (later
// calls return ErrClosed).
//
// Make one by hashing a video (HashTmkFile, HashTmkBytes, and the Hasher
// methods of the same names), or by reading a .tmk file (ParseTmk, as
// tmk-hash-video writes them and GIFCT exchanges them) or its base64
// (ParseTmkBase64, TCAP's form).
type Tmk struct {
	mu  sync.RWMutex
	p   *C.hm_tmk
	net leakNet
}

func newTmk(p *C.hm_tmk) *Tmk {
	t := &Tmk{p: p}
	t.net = armLeakNet(t, func(p *C.hm_tmk) { C.hm_tmk_free(p) }, p)
	return t
}

// Close frees the hash after the calls in progress have returned.
// Closing twice is harmless.
func (t *Tmk) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.p != nil {
		t.net.disarm(t)
		C.hm_tmk_free(t.p)
		t.p = nil
	}
	return nil
}

// read read-locks the hash for one call.
func (t *Tmk) read() (*C.hm_tmk, error) {
	t.mu.RLock()
	if t.p == nil {
		t.mu.RUnlock()
		return nil, ErrClosed
	}
	return t.p, nil
}

// use makes one C call on the hash under its read lock.
func (t *Tmk) use(op string, c func(p *C.hm_tmk) C.hm_status) error {
	p, err := t.read()
	if err != nil {
		return err
	}
	defer t.mu.RUnlock()
	return call(op, func() C.hm_status { return c(p) })
}

// HashTmkFile hashes a video file to TMK+PDQF, byte for byte as Meta's
// tmk-hash-video does: every frame, upright, 64x64 RGB at 15 frames per
// second (docs/tmk.md). The hasher's limits (input bytes; pixels per
// frame) and the limits of opts (nil for the defaults) apply: MaxFrames
// counts the 15-fps frames hashed (the default 100,000 is 1 h 51 min),
// MaxWorkPixels the decoded pixels plus 4,096 per frame hashed,
// NoAnimatedImages refuses animated GIF; vPDQ's frame choice (Mode,
// Interval, Types, Downscale, ApplyRotation, LumaPlane, TrimBorders) does
// not apply. ctx cancels the decode in the middle (ErrCancelled wrapping
// ctx.Err()).
//
// The VideoInfo says what the decoder found (Partial for a damaged
// stream: the hash is then of the frames that decoded); it is filled on
// failure too once the video opened.
//
// Errors: ErrIO, ErrUnknownFormat, ErrUnsupported (a codec not allowed,
// animated WebP), ErrDecode (no frame decodes, or none falls at a 15-fps
// output time), ErrLimit, ErrCancelled, ErrNoMemory, ErrHasherBusy.
func (h *Hasher) HashTmkFile(ctx context.Context, path string, opts *VideoOptions) (*Tmk, VideoInfo, error) {
	cpath, err := cString("HashTmkFile", "path", path)
	if err != nil {
		return nil, VideoInfo{}, err
	}
	defer C.free(unsafe.Pointer(cpath))
	return h.hashTmk(ctx, "HashTmkFile", opts, func(o *C.hm_video_opts, out **C.hm_tmk, info *C.hm_video_info) C.hm_status {
		return C.hm_tmk_hash_file(h.p, cpath, o, out, info)
	})
}

// HashTmkBytes is HashTmkFile for a video in memory (read during the call
// only, not copied).
func (h *Hasher) HashTmkBytes(ctx context.Context, data []byte, opts *VideoOptions) (*Tmk, VideoInfo, error) {
	return h.hashTmk(ctx, "HashTmkBytes", opts, func(o *C.hm_video_opts, out **C.hm_tmk, info *C.hm_video_info) C.hm_status {
		return C.hm_tmk_hash_memory(h.p, inputPtr(data), C.size_t(len(data)), o, out, info)
	})
}

func (h *Hasher) hashTmk(ctx context.Context, op string, opts *VideoOptions,
	hash func(*C.hm_video_opts, **C.hm_tmk, *C.hm_video_info) C.hm_status) (*Tmk, VideoInfo, error) {
	if err := ctxErr(ctx, op); err != nil {
		return nil, VideoInfo{}, err
	}
	o := videoOptsToC(opts)
	flag := (*C.int)(C.calloc(1, C.sizeof_int))
	if flag == nil {
		return nil, VideoInfo{}, errorf(ErrNoMemory, op, "out of memory")
	}
	defer C.free(unsafe.Pointer(flag))
	C.hmgo_video_opts_set_flag(&o, flag)
	stop := watch(ctx, flag)
	defer stop()
	if err := h.acquire(); err != nil {
		return nil, VideoInfo{}, err
	}
	defer h.mu.Unlock()
	var p *C.hm_tmk
	var info C.hm_video_info
	if err := call(op, func() C.hm_status { return hash(&o, &p, &info) }); err != nil {
		return nil, videoInfoFromC(&info), cancelledErr(ctx, err)
	}
	return newTmk(p), videoInfoFromC(&info), nil
}

// HashTmkFile hashes a video file to TMK+PDQF with default hasher options
// (see Hasher.HashTmkFile). Safe for concurrent use: each call takes a
// hasher from a pool.
func HashTmkFile(ctx context.Context, path string, opts *VideoOptions) (*Tmk, VideoInfo, error) {
	h, put, err := pooledHasher("HashTmkFile")
	if err != nil {
		return nil, VideoInfo{}, err
	}
	defer put()
	return h.HashTmkFile(ctx, path, opts)
}

// HashTmkBytes hashes a video in memory to TMK+PDQF with default hasher
// options (see Hasher.HashTmkFile). Safe for concurrent use.
func HashTmkBytes(ctx context.Context, data []byte, opts *VideoOptions) (*Tmk, VideoInfo, error) {
	h, put, err := pooledHasher("HashTmkBytes")
	if err != nil {
		return nil, VideoInfo{}, err
	}
	defer put()
	return h.HashTmkBytes(ctx, data, opts)
}

// ParseTmk reads a .tmk file's bytes (exactly TmkFileSize), checked field
// by field: the size, the magics, TMK+PDQF's parameters, a frame count
// >= 0, every float finite and of the magnitude or norm the algorithm
// gives it. A damaged or foreign file is ErrParse with the first fault
// named. Close the hash when done.
func ParseTmk(data []byte) (*Tmk, error) {
	return parseTmk("ParseTmk", data, func(p unsafe.Pointer, n C.size_t, out **C.hm_tmk) C.hm_status {
		return C.hm_tmk_from_bytes(p, n, out)
	})
}

// ParseTmkBase64 reads the base64 of a .tmk file (TCAP's form: the
// standard alphabet, '=' padding optional, no white space), then checks
// it as ParseTmk does. Errors: ErrParse.
func ParseTmkBase64(text string) (*Tmk, error) {
	return parseTmk("ParseTmkBase64", []byte(text), func(p unsafe.Pointer, n C.size_t, out **C.hm_tmk) C.hm_status {
		return C.hm_tmk_from_base64((*C.char)(p), n, out)
	})
}

func parseTmk(op string, data []byte, parse func(unsafe.Pointer, C.size_t, **C.hm_tmk) C.hm_status) (*Tmk, error) {
	p := inputPtr(data)
	var t *C.hm_tmk
	if err := call(op, func() C.hm_status { return parse(p, C.size_t(len(data)), &t) }); err != nil {
		return nil, err
	}
	return newTmk(t), nil
}

// Bytes returns the .tmk file (TmkFileSize bytes): a hash read from a
// file gives the same bytes back.
func (t *Tmk) Bytes() ([]byte, error) {
	buf := make([]byte, TmkFileSize)
	if err := t.use("Bytes", func(p *C.hm_tmk) C.hm_status {
		return C.hm_tmk_to_bytes(p, unsafe.Pointer(&buf[0]), C.size_t(len(buf)), nil)
	}); err != nil {
		return nil, err
	}
	return buf, nil
}

// Base64 returns the base64 of the .tmk file (padded, TmkBase64Len
// characters): TCAP's hash for hash_type "TMK".
func (t *Tmk) Base64() (string, error) {
	buf := make([]byte, TmkBase64Len+1)
	if err := t.use("Base64", func(p *C.hm_tmk) C.hm_status {
		return C.hm_tmk_to_base64(p, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), nil)
	}); err != nil {
		return "", err
	}
	return string(buf[:TmkBase64Len]), nil
}

// Info returns the header: frame-feature count, fps, periods,
// coefficients, dimension.
func (t *Tmk) Info() (TmkInfo, error) {
	var i C.hm_tmk_info
	if err := t.use("Info", func(p *C.hm_tmk) C.hm_status { return C.hm_tmk_get_info(p, &i) }); err != nil {
		return TmkInfo{}, err
	}
	return TmkInfo{Frames: int(i.frames), FPS: int(i.fps), Periods: int(i.periods),
		Coefficients: int(i.coefficients), Dimension: int(i.dimension)}, nil
}

// Average returns the level-1 feature, TmkDim floats (the average frame
// feature; level 1 is the cosine similarity of two of them), e.g. for a
// vector database's nearest-neighbour search.
func (t *Tmk) Average() ([]float32, error) {
	out := make([]float32, TmkDim)
	if err := t.use("Average", func(p *C.hm_tmk) C.hm_status {
		return C.hm_tmk_get_average(p, (*C.float)(unsafe.Pointer(&out[0])), C.size_t(len(out)))
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// Scores scores t against u bit for bit as tmk-two-level-score does
// (level 2 costs about 0.2 ms). Level 1 is symmetric; level 2 of
// u.Scores(t) may differ from t.Scores(u) in the float's last bits
// (docs/tmk.md), so score a pair in a fixed order.
func (t *Tmk) Scores(u *Tmk) (TmkScores, error) {
	var s TmkScores
	err := t.score("Scores", u, &s.Level1, &s.Level2)
	return s, err
}

// Level1 returns the level-1 score alone, a few hundred times cheaper
// than level 2: a filter before Scores.
func (t *Tmk) Level1(u *Tmk) (float32, error) {
	var l1 float32
	err := t.score("Level1", u, &l1, nil)
	return l1, err
}

// Matches reports whether t and u match with the reference's default
// thresholds; level 2 is computed only when level 1 passes.
func (t *Tmk) Matches(u *Tmk) (bool, error) {
	return t.MatchesAt(u, TmkDefaultThreshold(1), TmkDefaultThreshold(2))
}

// MatchesAt is Matches with the given thresholds.
func (t *Tmk) MatchesAt(u *Tmk, level1, level2 float32) (bool, error) {
	l1, err := t.Level1(u)
	if err != nil || l1 < level1 {
		return false, err
	}
	s, err := t.Scores(u)
	return err == nil && s.MatchesAt(level1, level2), err
}

// score read-locks t and u (in a fixed order, so that two goroutines
// scoring a pair each way cannot deadlock with Close) for one C call.
func (t *Tmk) score(op string, u *Tmk, level1, level2 *float32) error {
	if u == nil {
		return errorf(ErrInvalidArgument, op, "nil Tmk")
	}
	first, second := t, u
	if uintptr(unsafe.Pointer(u)) < uintptr(unsafe.Pointer(t)) {
		first, second = u, t
	}
	if _, err := first.read(); err != nil {
		return err
	}
	defer first.mu.RUnlock()
	if second != first {
		if _, err := second.read(); err != nil {
			return err
		}
		defer second.mu.RUnlock()
	}
	return call(op, func() C.hm_status {
		return C.hm_tmk_scores(t.p, u.p, (*C.float)(unsafe.Pointer(level1)), (*C.float)(unsafe.Pointer(level2)))
	})
}
