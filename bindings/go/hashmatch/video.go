// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"context"
	"io"
	"strconv"
	"sync"
	"time"
	"unsafe"
)

// FrameMode selects which frames of a video are hashed.
type FrameMode int

// Frame modes (docs/video.md).
const (
	// FramesInterval is vPDQ's rule: frame n (0-based, decode order) is
	// hashed when n % max(1, int(interval*fps)) == 0; every frame is
	// decoded. The default.
	FramesInterval FrameMode = 0
	// FramesKeyframes hashes keyframes only, at least Interval apart;
	// other frames are not decoded at all.
	FramesKeyframes FrameMode = 1
	// FramesAll hashes every frame (vpdq-hash-video's default).
	FramesAll FrameMode = 2
)

// VideoOptions are the options of a video. The zero value is the default
// (vPDQ's: PDQ of one frame per second, native size), with the C
// library's limits.
type VideoOptions struct {
	Mode FrameMode
	// Interval between hashed frames; 0 means the default, 1 s. A
	// negative value means none: every frame (FramesInterval) or every
	// keyframe (FramesKeyframes).
	Interval time.Duration
	// Types of each frame's hashes: WantPDQ (the default when 0),
	// optionally with WantPHash, WantDHash, WantAHash.
	Types Types
	// Downscale: 0 hashes frames at their size; N scales them to N x N
	// first (vpdq's -s N).
	Downscale int
	// ApplyRotation turns frames upright by the stream's rotation
	// metadata (vPDQ does not).
	ApplyRotation bool
	// NoAnimatedImages refuses animated GIF and WebP, which are otherwise
	// read as videos.
	NoAnimatedImages bool
	// LumaPlane: in keyframe mode, hash the decoder's luma plane directly
	// instead of converting to RGB as the other modes do (hashes 0-10 bits
	// apart from vPDQ's for the same frames; measured no faster).
	LumaPlane bool
	// TrimBorders hashes each frame inside its uniform borders (letterbox
	// and pillarbox bars; FindContent's rule) instead of the whole frame.
	TrimBorders bool
	// Tmk also computes the video's TMK+PDQF hash from the same decoding
	// as its frames (no second pass over the file): Video.TakeTmk gives
	// it once Next has returned io.EOF. It needs FramesInterval or
	// FramesAll (ErrInvalidArgument at open with FramesKeyframes) and a
	// video FFmpeg decodes (ErrUnsupported for an animated WebP). TMK's
	// 15-fps frames count against MaxFrames on their own and against
	// MaxWorkPixels, not in VideoInfo.FramesHashed. HashTmkFile and
	// HashTmkBytes ignore it.
	Tmk bool
	// MaxFrames is the most frames hashed; 0: 100,000.
	MaxFrames uint32
	// MaxDecoded is the most frames decoded; 0: 2,000,000.
	MaxDecoded uint64
	// MaxDuration is the longest media accepted; 0: 4 hours.
	MaxDuration time.Duration
	// TimeBudget is the wall-clock time for open and all frames; 0: 120 s;
	// negative: none. A context deadline works as well.
	TimeBudget time.Duration
	// MaxMemory is the most bytes of decoded pictures the decoder may hold
	// at once (its reference and reordering frames), checked from what the
	// stream declares before the first picture and at every picture;
	// 0: 512 MiB.
	MaxMemory uint64
	// MaxWorkPixels is the most pixels of work: every decoded frame counts
	// its size and every hashed frame its hashed size once more (the
	// decoding and hashing work, whatever the machine); 0: 5e10.
	MaxWorkPixels uint64
}

func videoOptsToC(opts *VideoOptions) C.hm_video_opts {
	var o C.hm_video_opts
	C.hm_video_opts_init(&o)
	if opts == nil {
		return o
	}
	o.mode = C.int32_t(opts.Mode)
	if opts.Interval < 0 {
		o.interval = 0
	} else if opts.Interval > 0 {
		o.interval = C.double(opts.Interval.Seconds())
	}
	if opts.Types != 0 {
		o.types = C.uint32_t(opts.Types)
	}
	o.downscale = C.int32_t(opts.Downscale)
	o.apply_rotation = C.int32_t(b2i64(opts.ApplyRotation))
	o.animated_images = C.int32_t(1 - b2i64(opts.NoAnimatedImages))
	o.rgb_exact = C.int32_t(1 - b2i64(opts.LumaPlane))
	o.trim_borders = C.int32_t(b2i64(opts.TrimBorders))
	o.tmk = C.int32_t(b2i64(opts.Tmk))
	if opts.MaxFrames != 0 {
		o.max_frames = C.uint32_t(opts.MaxFrames)
	}
	if opts.MaxDecoded != 0 {
		o.max_decoded = C.uint64_t(opts.MaxDecoded)
	}
	if opts.MaxDuration != 0 {
		o.max_duration = C.double(opts.MaxDuration.Seconds())
	}
	if opts.MaxMemory != 0 {
		o.max_memory = C.uint64_t(opts.MaxMemory)
	}
	if opts.MaxWorkPixels != 0 {
		o.max_work_pixels = C.uint64_t(opts.MaxWorkPixels)
	}
	if opts.TimeBudget < 0 {
		o.time_budget = 0
	} else if opts.TimeBudget > 0 {
		o.time_budget = C.double(opts.TimeBudget.Seconds())
	}
	return o
}

// VideoInfo is what the demuxer and decoder found.
type VideoInfo struct {
	Width, Height int     // the stream's frame size, which frames are hashed at
	FPS           float64 // avg_frame_rate, else r_frame_rate
	Duration      float64 // seconds; 0 when the container has none
	Rotation      int     // degrees counter-clockwise: 0, 90, 180, 270
	// Partial: the stream is damaged or truncated; what is missing is
	// missing, the frames returned are valid.
	Partial       bool
	FramesDecoded uint64
	FramesHashed  uint64
	DecodeErrors  uint64 // packets the decoder rejected
	Container     string // e.g. "mov,mp4,m4a,3gp,3g2,mj2"
	Codec         string // e.g. "h264"
	// FramesSkipped counts the frames not decoded because nothing needed
	// them: TMK+PDQF hashing (HashTmkFile) skips the non-reference frames
	// its 15-fps output drops; 0 for vPDQ.
	FramesSkipped uint64
}

// Frame is one hashed frame of a video.
type Frame struct {
	Number    uint64  // 0-based in decode order (keyframe mode: round(t * fps))
	Timestamp float64 // seconds
	Keyframe  bool    // the decoder marked it a keyframe
	Damaged   bool    // the decoder concealed errors in it
	Hashes    Hashes  // PDQ (with quality) first, then pHash, dHash, aHash as asked
}

// PDQ returns the frame's PDQ hash (the zero Hash if it has none).
func (f Frame) PDQ() Hash {
	h, _ := f.Hashes.Get(PDQ)
	return h
}

func frameFromC(c *C.hm_video_frame) Frame {
	f := Frame{Number: uint64(c.frame_number), Timestamp: float64(c.timestamp),
		Keyframe: c.keyframe != 0, Damaged: c.damaged != 0}
	n := int(c.nhashes)
	if n > len(c.hashes) {
		n = len(c.hashes)
	}
	f.Hashes = make(Hashes, n)
	for i := range f.Hashes {
		f.Hashes[i] = hashFromC(&c.hashes[i])
	}
	return f
}

func (f *Frame) toC(op string, c *C.hm_video_frame) error {
	if len(f.Hashes) > len(c.hashes) {
		return errorf(ErrInvalidArgument, op, "a frame holds at most "+strconv.Itoa(len(c.hashes))+" hashes")
	}
	c.frame_number = C.uint64_t(f.Number)
	c.timestamp = C.double(f.Timestamp)
	c.keyframe = C.int32_t(b2i64(f.Keyframe))
	c.damaged = C.int32_t(b2i64(f.Damaged))
	c.nhashes = C.int32_t(len(f.Hashes))
	for i := range f.Hashes {
		f.Hashes[i].toC(&c.hashes[i])
	}
	return nil
}

func framesToC(op string, frames []Frame) ([]C.hm_video_frame, error) {
	out := make([]C.hm_video_frame, len(frames))
	for i := range frames {
		if err := frames[i].toC(op, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Video reads and hashes the frames of a video through FFmpeg (local
// input only; allow-listed containers and codecs: docs/video.md).
//
// A Video serialises its calls (the C object serves one thread at a time)
// and owns its Hasher until Close. The context given when it was opened
// governs it until Close: when the context is done, the call in progress
// stops (libhashmatch's interrupt callback polls a flag that the context
// raises) and calls return an ErrCancelled error wrapping ctx.Err().
type Video struct {
	mu  sync.Mutex
	r   *videoRes
	ctx context.Context
	eof bool
	net leakNet
}

// videoRes is what a Video holds in C, apart from the Video itself so
// that its leak net can free it (and keeps the hasher alive until then).
type videoRes struct {
	v         *C.hm_video
	h         *Hasher
	ownHasher bool
	data      unsafe.Pointer // C copy of an in-memory video (C keeps a pointer to it)
	flag      *C.int         // the interrupt flag, polled by C
	stopWatch func()
}

func (r *videoRes) release() {
	r.stopWatch()
	r.h.mu.Lock()
	C.hm_video_close(r.v)
	r.h.busy = false
	r.h.mu.Unlock()
	C.free(r.data)
	C.free(unsafe.Pointer(r.flag))
	if r.ownHasher {
		r.h.Close()
	}
}

// watch raises flag when ctx is done, until the returned stop is called
// (which waits for the watcher, so flag may be freed afterwards).
func watch(ctx context.Context, flag *C.int) (stop func()) {
	if ctx.Done() == nil {
		return func() {}
	}
	quit, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-ctx.Done():
			C.hmgo_flag_set(flag)
		case <-quit:
		}
	}()
	return func() { close(quit); <-exited }
}

// cancelled turns a status into an error, tying ErrCancelled to the
// context's error.
func cancelledErr(ctx context.Context, err error) error {
	if e, ok := err.(*Error); ok && e.Status == ErrCancelled && ctx.Err() != nil {
		e.cause = ctx.Err()
	}
	return err
}

func ctxErr(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return &Error{Status: ErrCancelled, Op: op, Detail: err.Error(), cause: err}
	}
	return nil
}

// OpenVideo opens a video file for hashing with this hasher's limits
// (input bytes; pixels per frame) and opts (nil for the defaults). The
// Video owns the hasher until Video.Close. ctx governs the Video until
// Close (see Video).
//
// Errors: ErrIO, ErrUnknownFormat (no allowed container or no video
// stream), ErrUnsupported (codec not allowed), ErrLimit, ErrDecode,
// ErrCancelled, ErrNoMemory.
func (h *Hasher) OpenVideo(ctx context.Context, path string, opts *VideoOptions) (*Video, error) {
	return h.openVideo(ctx, "OpenVideo", path, nil, false, opts, false)
}

// OpenVideoBytes is OpenVideo for a video in memory. The bytes are copied
// into C memory (the C library reads them while the Video is open).
func (h *Hasher) OpenVideoBytes(ctx context.Context, data []byte, opts *VideoOptions) (*Video, error) {
	return h.openVideo(ctx, "OpenVideoBytes", "", data, true, opts, false)
}

// OpenVideo opens a video file with a hasher of its own (default
// options), freed by Video.Close.
func OpenVideo(ctx context.Context, path string, opts *VideoOptions) (*Video, error) {
	h, err := NewHasher(nil)
	if err != nil {
		return nil, err
	}
	return h.openVideo(ctx, "OpenVideo", path, nil, false, opts, true)
}

// OpenVideoBytes opens a video in memory with a hasher of its own.
func OpenVideoBytes(ctx context.Context, data []byte, opts *VideoOptions) (*Video, error) {
	h, err := NewHasher(nil)
	if err != nil {
		return nil, err
	}
	return h.openVideo(ctx, "OpenVideoBytes", "", data, true, opts, true)
}

func (h *Hasher) openVideo(ctx context.Context, op, path string, data []byte, inMemory bool,
	opts *VideoOptions, own bool) (v *Video, err error) {
	if own {
		defer func() {
			if err != nil {
				h.Close()
			}
		}()
	}
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	var cpath *C.char
	if !inMemory {
		if cpath, err = cString(op, "path", path); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(cpath))
	}
	o := videoOptsToC(opts)
	r := &videoRes{h: h, ownHasher: own, flag: (*C.int)(C.calloc(1, C.sizeof_int))}
	if r.flag == nil {
		return nil, errorf(ErrNoMemory, op, "out of memory")
	}
	if len(data) > 0 {
		r.data = C.CBytes(data)
	}
	C.hmgo_video_opts_set_flag(&o, r.flag)
	r.stopWatch = watch(ctx, r.flag)
	fail := func(err error) (*Video, error) {
		r.stopWatch()
		C.free(r.data)
		C.free(unsafe.Pointer(r.flag))
		return nil, err
	}
	if err := h.acquire(); err != nil {
		return fail(err)
	}
	if err := call(op, func() C.hm_status {
		if inMemory {
			return C.hm_video_open_memory(h.p, r.data, C.size_t(len(data)), &o, &r.v)
		}
		return C.hm_video_open_file(h.p, cpath, &o, &r.v)
	}); err != nil {
		h.mu.Unlock()
		return fail(cancelledErr(ctx, err))
	}
	h.busy = true
	h.mu.Unlock()
	v = &Video{r: r, ctx: ctx}
	v.net = armLeakNet(v, func(r *videoRes) { r.release() }, r)
	return v, nil
}

// Next returns the next hashed frame, or io.EOF at the end (check
// Info().Partial for damage). Errors: ErrLimit (a limit was hit; the
// frames returned so far are valid), ErrCancelled, ErrDecode (nothing
// decodable), ErrNoMemory.
func (v *Video) Next() (Frame, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.r == nil {
		return Frame{}, ErrClosed
	}
	if v.eof {
		return Frame{}, io.EOF
	}
	if err := ctxErr(v.ctx, "Next"); err != nil {
		return Frame{}, err
	}
	h := v.r.h
	h.mu.Lock()
	defer h.mu.Unlock()
	var f C.hm_video_frame
	var got C.int
	if err := call("Next", func() C.hm_status { return C.hm_video_next(v.r.v, &f, &got) }); err != nil {
		return Frame{}, cancelledErr(v.ctx, err)
	}
	if got == 0 {
		v.eof = true
		return Frame{}, io.EOF
	}
	return frameFromC(&f), nil
}

// ReadAll reads the remaining frames. On an error it returns the frames
// read before it with the error.
func (v *Video) ReadAll() ([]Frame, error) {
	var frames []Frame
	for {
		f, err := v.Next()
		if err == io.EOF {
			return frames, nil
		}
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
	}
}

// Info returns what the demuxer and decoder found so far.
func (v *Video) Info() (VideoInfo, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.r == nil {
		return VideoInfo{}, ErrClosed
	}
	var i C.hm_video_info
	if err := call("Info", func() C.hm_status { return C.hm_video_get_info(v.r.v, &i) }); err != nil {
		return VideoInfo{}, err
	}
	return videoInfoFromC(&i), nil
}

func videoInfoFromC(i *C.hm_video_info) VideoInfo {
	return VideoInfo{Width: int(i.width), Height: int(i.height), FPS: float64(i.fps),
		Duration: float64(i.duration), Rotation: int(i.rotation), Partial: i.partial != 0,
		FramesDecoded: uint64(i.frames_decoded), FramesHashed: uint64(i.frames_hashed),
		DecodeErrors: uint64(i.decode_errors), FramesSkipped: uint64(i.frames_skipped),
		Container: C.GoString(&i.container[0]), Codec: C.GoString(&i.codec[0])}
}

// TakeTmk returns the video's TMK+PDQF hash, computed from the same
// decoding as its frames (a Video opened with VideoOptions.Tmk), once Next
// has returned io.EOF: byte for byte the hash HashTmkFile gives. It can be
// taken once; close the hash when done (it outlives the Video).
//
// Errors: ErrInvalidArgument (the video was not opened with Tmk, is not
// read to its end, e.g. after Next returned an error, or its hash was
// taken already), ErrDecode (no frame falls at a 15-fps output time),
// ErrClosed.
func (v *Video) TakeTmk() (*Tmk, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.r == nil {
		return nil, ErrClosed
	}
	h := v.r.h
	h.mu.Lock()
	defer h.mu.Unlock()
	var p *C.hm_tmk
	if err := call("TakeTmk", func() C.hm_status { return C.hm_video_take_tmk(v.r.v, &p) }); err != nil {
		return nil, err
	}
	return newTmk(p), nil
}

// Close closes the video and gives its hasher back. Closing twice is
// harmless.
func (v *Video) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.r != nil {
		v.net.disarm(v)
		v.r.release()
		v.r = nil
	}
	return nil
}

// HashVideoFile hashes a video file's frames with default hasher options:
// OpenVideo, ReadAll, Info and Close in one call.
func HashVideoFile(ctx context.Context, path string, opts *VideoOptions) ([]Frame, VideoInfo, error) {
	v, err := OpenVideo(ctx, path, opts)
	if err != nil {
		return nil, VideoInfo{}, err
	}
	defer v.Close()
	frames, err := v.ReadAll()
	info, _ := v.Info()
	return frames, info, err
}

// ---- video matching (vPDQ rule) ------------------------------------------

// TimeRange is a span of time in seconds.
type TimeRange struct{ Start, End float64 }

// VideoMatch is one known video that matched.
type VideoMatch struct {
	VideoID       string
	ListName      string
	Labels        string
	List          ListID
	QueryFrames   int     // unique query frames of quality >= the minimum
	QueryMatched  int     // of which had a known frame within the distance
	TargetFrames  int     // frames of the known video in the index
	TargetMatched int     // of which matched some query frame
	QueryPercent  float64 // 100 * QueryMatched / QueryFrames
	TargetPercent float64 // 100 * TargetMatched / TargetFrames
	QueryRanges   []TimeRange
	TargetRanges  []TimeRange
	Variant       Dihedral // query orientation that matched (WithDihedral)
}

type videoOptFunc func(*C.hm_video_match_opts)

func (f videoOptFunc) applyVideo(o *C.hm_video_match_opts) { f(o) }

// WithFrameDistance sets the frame distance threshold (default 31).
func WithFrameDistance(d int) VideoMatchOption {
	return videoOptFunc(func(o *C.hm_video_match_opts) { o.distance = C.int32_t(d) })
}

// WithQueryPercent sets the share of unique query frames that must match
// (default 80, as python-threatexchange).
func WithQueryPercent(p float64) VideoMatchOption {
	return videoOptFunc(func(o *C.hm_video_match_opts) { o.query_percent = C.double(p) })
}

// WithTargetPercent sets the share of the known video's frames that must
// match (default 0).
func WithTargetPercent(p float64) VideoMatchOption {
	return videoOptFunc(func(o *C.hm_video_match_opts) { o.target_percent = C.double(p) })
}

// WithRangeGap joins matched frames less than this many seconds apart into
// one time range (default 2).
func WithRangeGap(seconds float64) VideoMatchOption {
	return videoOptFunc(func(o *C.hm_video_match_opts) { o.range_gap = C.double(seconds) })
}

// AddVideo stages the frames of a known video as entries of list, all
// with entry id videoID and labels: PDQ hashes of quality >= 50, identical
// hashes once. Each keeps its frame's time. It returns the frames kept.
func (ix *Index) AddVideo(list ListID, frames []Frame, videoID, labels string) (int, error) {
	return stageVideo(ix, list, frames, videoID, labels)
}

func stageVideo(w writer, list ListID, frames []Frame, videoID, labels string) (int, error) {
	cf, err := framesToC("AddVideo", frames)
	if err != nil {
		return 0, err
	}
	cid, clab, free, err := cEntry("AddVideo", "video id", videoID, labels, false)
	if err != nil {
		return 0, err
	}
	defer free()
	t, done, err := w.begin()
	if err != nil {
		return 0, err
	}
	defer done()
	var fp *C.hm_video_frame
	if len(cf) > 0 {
		fp = &cf[0]
	}
	var n C.size_t
	if err := call("AddVideo", func() C.hm_status {
		return C.hmgo_add_video(t, C.uint32_t(list), fp, C.size_t(len(cf)), cid, clab, &n)
	}); err != nil {
		return 0, err
	}
	return int(n), nil
}

// MatchVideo matches a video's frames (from a Video, or parsed vPDQ)
// against the known videos of the index with vPDQ's rule and returns the
// known videos that matched, by target share then query share,
// descending.
func (ix *Index) MatchVideo(frames []Frame, opts ...VideoMatchOption) ([]VideoMatch, error) {
	p, done, err := ix.use()
	if err != nil {
		return nil, err
	}
	defer done()
	return matchVideo(frames, opts, func(fp *C.hm_video_frame, n C.size_t, o *C.hm_video_match_opts, r *C.hm_results) C.hm_status {
		return C.hm_index_match_video(p, fp, n, o, r)
	})
}

// MatchVideo is Index.MatchVideo on this snapshot.
func (s *Snapshot) MatchVideo(frames []Frame, opts ...VideoMatchOption) ([]VideoMatch, error) {
	p, err := s.read()
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return matchVideo(frames, opts, func(fp *C.hm_video_frame, n C.size_t, o *C.hm_video_match_opts, r *C.hm_results) C.hm_status {
		return C.hm_snapshot_match_video(p, fp, n, o, r)
	})
}

func matchVideo(frames []Frame, opts []VideoMatchOption,
	match func(*C.hm_video_frame, C.size_t, *C.hm_video_match_opts, *C.hm_results) C.hm_status) ([]VideoMatch, error) {
	cf, err := framesToC("MatchVideo", frames)
	if err != nil {
		return nil, err
	}
	var o C.hm_video_match_opts
	C.hm_video_match_opts_init(&o)
	for _, opt := range opts {
		opt.applyVideo(&o)
	}
	res, err := newResults("MatchVideo")
	if err != nil {
		return nil, err
	}
	defer res.free()
	var fp *C.hm_video_frame
	if len(cf) > 0 {
		fp = &cf[0]
	}
	if err := call("MatchVideo", func() C.hm_status { return match(fp, C.size_t(len(cf)), &o, res.p) }); err != nil {
		return nil, err
	}
	n := int(C.hm_results_video_count(res.p))
	out := make([]VideoMatch, n)
	for i := range out {
		m := C.hm_results_video_get(res.p, C.size_t(i))
		vm := VideoMatch{VideoID: C.GoString(m.video_id), ListName: C.GoString(m.list_name),
			List: ListID(m.list), QueryFrames: int(m.query_frames), QueryMatched: int(m.query_matched),
			TargetFrames: int(m.target_frames), TargetMatched: int(m.target_matched),
			QueryPercent: float64(m.query_percent), TargetPercent: float64(m.target_percent),
			QueryRanges:  rangesFromC(m.query_ranges, m.n_query_ranges),
			TargetRanges: rangesFromC(m.target_ranges, m.n_target_ranges),
			Variant:      Dihedral(m.variant)}
		if m.labels != nil {
			vm.Labels = C.GoString(m.labels)
		}
		out[i] = vm
	}
	return out, nil
}

func rangesFromC(p *C.hm_time_range, n C.size_t) []TimeRange {
	if n == 0 || p == nil {
		return nil
	}
	src := unsafe.Slice(p, int(n))
	out := make([]TimeRange, len(src))
	for i, r := range src {
		out[i] = TimeRange{Start: float64(r.start), End: float64(r.end)}
	}
	return out
}
