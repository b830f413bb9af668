// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func readSample(t *testing.T, name string) ([]Frame, []string) {
	data, err := os.ReadFile(dataPath(t, "pdq-reference/threatexchange/vpdq/sample-hashes", name))
	if err != nil {
		t.Fatal(err)
	}
	frames, err := ReadVPDQ(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return frames, strings.Split(strings.TrimSpace(string(data)), "\n")
}

// Every frame of the sample video equals ThreatExchange's published vPDQ
// output (docs/video.md: all 150 exact).
func TestVideoMatchesReference(t *testing.T) {
	want, lines := readSample(t, "test-padded-dimensions.txt")
	v, err := OpenVideo(context.Background(), "testdata/video.mp4", &VideoOptions{Mode: FramesAll})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	frames, err := v.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != len(want) || len(frames) != 150 {
		t.Fatalf("%d frames, want %d", len(frames), len(want))
	}
	for i, f := range frames {
		w := want[i]
		if f.Number != w.Number || f.PDQ().String() != w.PDQ().String() || f.PDQ().Quality != w.PDQ().Quality {
			t.Errorf("frame %d: %d %v q%d, want %d %v q%d", i, f.Number, f.PDQ(), f.PDQ().Quality,
				w.Number, w.PDQ(), w.PDQ().Quality)
		}
		line, err := f.VPDQLine()
		if err != nil || line != lines[i] {
			t.Errorf("line %d: %q, want %q (%v)", i, line, lines[i], err)
		}
	}
	info, err := v.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 1080 || info.Height != 1080 || info.Codec != "h264" || info.FramesHashed != 150 ||
		info.Partial || info.FPS < 29 || info.FPS > 31 || !strings.Contains(info.Container, "mp4") {
		t.Errorf("info %+v", info)
	}
	if _, err := v.Next(); err != io.EOF {
		t.Errorf("after the end: %v", err)
	}
	v.Close()
	if _, err := v.Next(); err != ErrClosed {
		t.Errorf("closed: %v", err)
	}
}

func TestVideoOptionsAndMemory(t *testing.T) {
	data, err := os.ReadFile("testdata/video.mp4")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Default: vPDQ's one frame per second.
	a, info, err := HashVideoFile(ctx, "testdata/video.mp4", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 5 || a[1].Number != 30 || info.FramesDecoded != 150 {
		t.Errorf("interval mode: %d frames, info %+v", len(a), info)
	}
	// From memory: the same frames; other hash types; downscale.
	v, err := OpenVideoBytes(ctx, data, &VideoOptions{Types: WantPDQ | WantPHash | WantDHash | WantAHash})
	if err != nil {
		t.Fatal(err)
	}
	b, err := v.ReadAll()
	v.Close()
	if err != nil || len(b) != len(a) {
		t.Fatalf("memory: %d frames, %v", len(b), err)
	}
	for i := range a {
		if !b[i].PDQ().Equal(a[i].PDQ()) || len(b[i].Hashes) != 4 || b[i].Hashes[3].Type != AHash {
			t.Errorf("frame %d: %v vs %v", i, b[i].Hashes, a[i].Hashes)
		}
	}
	h := mustHasher(t, nil)
	v, err = h.OpenVideo(ctx, "testdata/video.mp4", &VideoOptions{Mode: FramesKeyframes, Interval: -1, Downscale: 64})
	if err != nil {
		t.Fatal(err)
	}
	k, err := v.ReadAll()
	v.Close()
	if err != nil || len(k) == 0 || !k[0].Keyframe {
		t.Errorf("keyframes: %+v %v", k, err)
	}
	// Limits.
	v, _ = h.OpenVideo(ctx, "testdata/video.mp4", &VideoOptions{Mode: FramesAll, MaxFrames: 7})
	lim, err := v.ReadAll()
	v.Close()
	wantStatus(t, err, ErrLimit)
	if len(lim) != 7 {
		t.Errorf("%d frames before the limit", len(lim))
	}
	_, err = h.OpenVideo(ctx, "testdata/video.mp4", &VideoOptions{MaxDuration: time.Second})
	wantStatus(t, err, ErrLimit)
	// The decoder's picture memory and the work (150 frames of 1080 x 1080
	// decoded, 5 hashed).
	const px = 1080 * 1080
	for _, c := range []struct {
		opts   VideoOptions
		frames int
		msg    string
	}{
		{VideoOptions{MaxMemory: 1}, 0, "max_memory"},
		{VideoOptions{MaxMemory: 64 << 20}, 5, ""},
		{VideoOptions{MaxWorkPixels: 155 * px}, 5, ""},
		{VideoOptions{MaxWorkPixels: 155*px - 1}, 5, "max_work_pixels"},
		{VideoOptions{MaxWorkPixels: 40 * px}, 2, "max_work_pixels"},
	} {
		v, err := h.OpenVideo(ctx, "testdata/video.mp4", &c.opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.ReadAll()
		v.Close()
		if len(got) != c.frames || (c.msg == "") != (err == nil) ||
			(err != nil && !strings.Contains(err.Error(), c.msg)) {
			t.Errorf("%+v: %d frames, %v", c.opts, len(got), err)
		}
		if c.msg != "" {
			wantStatus(t, err, ErrLimit)
		}
	}
	// Errors.
	_, err = h.OpenVideo(ctx, "testdata/missing.mp4", nil)
	wantStatus(t, err, ErrIO)
	_, err = h.OpenVideo(ctx, "testdata/bridge.jpg", nil)
	wantStatus(t, err, ErrUnknownFormat)
	_, err = h.OpenVideoBytes(ctx, nil, nil)
	wantStatus(t, err, ErrDecode)
	_, err = h.OpenVideoBytes(ctx, []byte("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n"), nil)
	wantStatus(t, err, ErrUnknownFormat)
	// The hasher still works after all that.
	if _, err := h.HashFile("testdata/bridge.jpg", WantPDQ); err != nil {
		t.Error(err)
	}
}

func TestVideoOwnsHasher(t *testing.T) {
	h := mustHasher(t, nil)
	v, err := h.OpenVideo(context.Background(), "testdata/video.mp4", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.HashFile("testdata/bridge.jpg", WantPDQ); err != ErrHasherBusy {
		t.Errorf("hasher used while a video is open: %v", err)
	}
	if _, err := h.OpenVideo(context.Background(), "testdata/video.mp4", nil); err != ErrHasherBusy {
		t.Errorf("second video on one hasher: %v", err)
	}
	if err := h.Close(); err != ErrHasherBusy {
		t.Errorf("Close of a busy hasher: %v", err)
	}
	if _, err := v.Next(); err != nil {
		t.Error(err)
	}
	v.Close()
	v.Close()
	if _, err := h.HashFile("testdata/bridge.jpg", WantPDQ); err != nil {
		t.Errorf("hasher after Video.Close: %v", err)
	}
}

func TestVideoContext(t *testing.T) {
	// Done before opening.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := OpenVideo(ctx, "testdata/video.mp4", nil)
	wantStatus(t, err, ErrCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cause %v", err)
	}
	// Done between frames.
	ctx, cancel = context.WithCancel(context.Background())
	v, err := OpenVideo(ctx, "testdata/video.mp4", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = v.Next()
	wantStatus(t, err, ErrCancelled)
	v.Close()

	// Done while the C library decodes: with one hashed frame per 1000 s
	// the second Next decodes every other frame in one call; the flag that
	// the context raises must stop it early.
	path := dataPath(t, "video", "doorknob-hd-no-bar.mp4")
	opts := &VideoOptions{Interval: 1000 * time.Second}
	v, _ = OpenVideo(context.Background(), path, opts)
	v.Next()
	t0 := time.Now()
	v.Next()
	full := time.Since(t0)
	v.Close()
	if full < 40*time.Millisecond {
		t.Skipf("the decode takes %v: too short to cancel in the middle", full)
	}
	ctx, cancel = context.WithCancel(context.Background())
	v, err = OpenVideo(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	v.Next()
	time.AfterFunc(full/4, cancel)
	t0 = time.Now()
	_, err = v.Next()
	took := time.Since(t0)
	wantStatus(t, err, ErrCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cause %v", err)
	}
	if took > full*3/4 {
		t.Errorf("cancelled call took %v of %v", took, full)
	}
	var e *Error
	errors.As(err, &e)
	if !strings.Contains(e.Detail, "cancel") {
		t.Errorf("detail %q", e.Detail)
	}

	// A deadline.
	dctx, dcancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer dcancel()
	time.Sleep(time.Millisecond)
	_, err = OpenVideo(dctx, path, nil)
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
}

func TestVPDQFormats(t *testing.T) {
	frames, lines := readSample(t, "doorknob-hd-no-bar.txt")
	for i, f := range frames {
		if l, _ := f.VPDQLine(); l != lines[i] {
			t.Fatalf("line %d: %q, want %q", i, l, lines[i])
		}
	}
	var buf bytes.Buffer
	if err := WriteVPDQ(&buf, frames); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(buf.String()) != strings.Join(lines, "\n") {
		t.Error("WriteVPDQ")
	}
	compact, err := FormatVPDQCompact(frames)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(compact, `["`) {
		t.Errorf("compact %.60q", compact)
	}
	back, err := ParseVPDQCompact(compact)
	if err != nil || len(back) != len(frames) {
		t.Fatalf("%d frames back, %v", len(back), err)
	}
	for i := range back {
		if !back[i].PDQ().Equal(frames[i].PDQ()) || back[i].PDQ().Quality != frames[i].PDQ().Quality ||
			back[i].Number != uint64(i) {
			t.Errorf("compact frame %d: %+v vs %+v", i, back[i], frames[i])
		}
	}
	if _, err := ParseVPDQCompact(`["nonsense"]`); !errors.Is(err, ErrParse) {
		t.Errorf("bad compact: %v", err)
	}
	if _, err := ParseVPDQLine("1,2,3"); !errors.Is(err, ErrParse) {
		t.Errorf("bad line: %v", err)
	}
	if _, err := ReadVPDQ(strings.NewReader(lines[0] + "\n\nbroken\n")); !errors.Is(err, ErrParse) {
		t.Errorf("ReadVPDQ: %v", err)
	}
	if s, err := FormatVPDQCompact(nil); err != nil || s != "[]" {
		t.Errorf("empty compact: %q %v", s, err)
	}
}

func TestVideoMatching(t *testing.T) {
	ctx := context.Background()
	known, _, err := HashVideoFile(ctx, "testdata/video.mp4", &VideoOptions{Mode: FramesAll})
	if err != nil {
		t.Fatal(err)
	}
	ix := mustIndex(t)
	list, _ := ix.List("videos")
	n, err := ix.AddVideo(list, known, "padded", "sample video")
	if err != nil || n == 0 || n > len(known) {
		t.Fatalf("AddVideo: %d %v", n, err)
	}
	other, _ := readSample(t, "doorknob-hd-no-bar.txt")
	ix.AddVideo(list, other, "doorknob", "")
	ix.Commit()
	// The rotated re-encode of the known video matches it.
	q, _, err := HashVideoFile(ctx, dataPath(t, "video", "rotated-90.mp4"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ix.MatchVideo(q)
	if err != nil || len(ms) != 1 {
		t.Fatalf("MatchVideo: %+v %v", ms, err)
	}
	m := ms[0]
	if m.VideoID != "padded" || m.ListName != "videos" || m.Labels != "sample video" || m.QueryPercent < 80 ||
		m.TargetFrames != n || len(m.QueryRanges) == 0 || len(m.TargetRanges) == 0 {
		t.Errorf("match %+v", m)
	}
	// A snapshot matches what it saw.
	snap, err := ix.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if ms, err := snap.MatchVideo(q); err != nil || len(ms) != 1 || ms[0].VideoID != "padded" {
		t.Errorf("Snapshot.MatchVideo: %+v %v", ms, err)
	}
	snap.Close()
	if _, err := snap.MatchVideo(q); err != ErrClosed {
		t.Errorf("closed snapshot: %v", err)
	}
	// Turned upright by its metadata the clip is rotated: found only in
	// another orientation.
	up, _, err := HashVideoFile(ctx, dataPath(t, "video", "rotated-90.mp4"), &VideoOptions{ApplyRotation: true})
	if err != nil {
		t.Fatal(err)
	}
	if ms, _ := ix.MatchVideo(up); len(ms) != 0 {
		t.Errorf("upright without WithDihedral: %+v", ms)
	}
	if ms, err := ix.MatchVideo(up, WithDihedral()); err != nil || len(ms) != 1 || ms[0].Variant != Rot270 {
		t.Errorf("upright WithDihedral: %+v %v", ms, err)
	}
	// Options: require most of the known video too.
	if ms, _ := ix.MatchVideo(q, WithTargetPercent(99.9)); len(ms) != 0 {
		t.Errorf("target 99.9%%: %+v", ms)
	}
	if ms, _ := ix.MatchVideo(q, WithFrameDistance(0), WithQueryPercent(1), WithRangeGap(0.5), WithMinQuality(0)); len(ms) > 1 {
		t.Errorf("options: %+v", ms)
	}
	// An image query that hits a frame reports its time.
	hits, _ := ix.Query([]Hash{known[30].PDQ()}, WithRadius(0))
	if len(hits) == 0 || hits[0].FrameTime < 0 {
		t.Errorf("frame hit %+v", hits)
	}
	if ms, err := ix.MatchVideo(nil); err != nil || len(ms) != 0 {
		t.Errorf("no frames: %v %v", ms, err)
	}
	bad := []Frame{{Hashes: make(Hashes, 9)}} // HM_FRAME_HASHES is 8
	if _, err := ix.MatchVideo(bad); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("9 hashes in a frame: %v", err)
	}
}
