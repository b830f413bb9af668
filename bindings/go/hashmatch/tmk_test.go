// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const tmkRef = "chair-19-sd-bar"

// tmkVideo is a reference video of tests/data/tmk (two of them are in
// tests/data/video).
func tmkVideo(t testing.TB, name string) string {
	p := dataPath(t, "tmk", "videos", name+".mp4")
	if !exists(p) {
		p = dataPath(t, "video", name+".mp4")
	}
	return p
}

func tmkRefBytes(t testing.TB, name string) []byte {
	data, err := os.ReadFile(dataPath(t, "tmk", "expected", "tmk", name+".tmk"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func tmkCSV(t testing.TB, name string) [][]string {
	f, err := os.Open(dataPath(t, "tmk", "expected", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// tmkFrameCounts maps a reference video's name to its frame-feature count.
func tmkFrameCounts(t testing.TB) map[string]int {
	out := map[string]int{}
	for _, r := range tmkCSV(t, "frame-counts.csv") {
		n, err := strconv.Atoi(r[1])
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(r[0], ".tmk")] = n
	}
	return out
}

func mustParseTmk(t testing.TB, data []byte) *Tmk {
	t.Helper()
	tm, err := ParseTmk(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tm.Close() })
	return tm
}

func mustBytes(t testing.TB, tm *Tmk) []byte {
	t.Helper()
	b, err := tm.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Three reference videos (about 0.3 s each) hash to the reference's .tmk
// bytes, from a file and from memory; the info counts the frames.
func TestTmkHashIsByteIdenticalToReference(t *testing.T) {
	counts := tmkFrameCounts(t)
	ctx := context.Background()
	for _, name := range []string{"pattern-sd-grey-bar", "pattern-sd-with-small-logo-bar", "doorknob-hd-no-bar"} {
		want := tmkRefBytes(t, name)
		tm, info, err := HashTmkFile(ctx, tmkVideo(t, name), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(mustBytes(t, tm), want) {
			t.Errorf("%s: .tmk bytes differ from the reference's", name)
		}
		ti, err := tm.Info()
		if err != nil || ti != (TmkInfo{counts[name], 15, 4, 32, TmkDim}) {
			t.Errorf("%s: info %+v, %v; want %d frames", name, ti, err, counts[name])
		}
		if info.FramesHashed != uint64(counts[name]) || info.Partial || info.Codec != "h264" {
			t.Errorf("%s: video info %+v", name, info)
		}
		tm.Close()
	}
	name := "pattern-sd-grey-bar"
	data, err := os.ReadFile(tmkVideo(t, name))
	if err != nil {
		t.Fatal(err)
	}
	h := mustHasher(t, nil)
	// vPDQ's frame choice does not apply
	tm, _, err := h.HashTmkBytes(ctx, data, &VideoOptions{Mode: FramesKeyframes, Downscale: 32, TrimBorders: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	if !bytes.Equal(mustBytes(t, tm), tmkRefBytes(t, name)) {
		t.Error("from memory: .tmk bytes differ from the reference's")
	}
}

// Every reference file reads and writes back byte for byte, as bytes and
// as base64 (checked against encoding/base64); the header is read.
func TestTmkFilesRoundTrip(t *testing.T) {
	counts := tmkFrameCounts(t)
	if len(counts) != 14 {
		t.Fatalf("%d reference files", len(counts))
	}
	for name, frames := range counts {
		raw := tmkRefBytes(t, name)
		if len(raw) != TmkFileSize {
			t.Fatalf("%s: %d bytes", name, len(raw))
		}
		tm := mustParseTmk(t, raw)
		if !bytes.Equal(mustBytes(t, tm), raw) {
			t.Errorf("%s: bytes differ after a round trip", name)
		}
		b64, err := tm.Base64()
		if err != nil || b64 != base64.StdEncoding.EncodeToString(raw) || len(b64) != TmkBase64Len {
			t.Errorf("%s: base64 differs from encoding/base64's (%v)", name, err)
		}
		u, err := ParseTmkBase64(b64)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(mustBytes(t, u), raw) {
			t.Errorf("%s: bytes differ after a base64 round trip", name)
		}
		u.Close()
		if ti, _ := tm.Info(); ti.Frames != frames {
			t.Errorf("%s: %d frames, want %d", name, ti.Frames, frames)
		}
	}
	raw := tmkRefBytes(t, tmkRef)
	u, err := ParseTmkBase64(base64.RawStdEncoding.EncodeToString(raw)) // unpadded
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if !bytes.Equal(mustBytes(t, u), raw) {
		t.Error("unpadded base64: bytes differ")
	}
}

func patch(raw []byte, off int, b []byte) []byte {
	out := append([]byte(nil), raw...)
	copy(out[off:], b)
	return out
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// Damaged or foreign files and text are ErrParse with the fault named.
func TestTmkDamagedInputIsRefused(t *testing.T) {
	raw := tmkRefBytes(t, tmkRef)
	nan := le32(math.Float32bits(float32(math.NaN())))
	for _, c := range []struct {
		data []byte
		word string
	}{
		{raw[:len(raw)-1], "truncated"},
		{append(append([]byte(nil), raw...), 0), "too long"},
		{nil, "truncated"},
		{patch(raw, 0, []byte("TMK2")), "magic"},
		{patch(raw, 12, le32(25)), "frames per second"},
		{patch(raw, 28, le32(0xffffffff)), "frame count"},
		{patch(raw, 176, nan), "pure-average"},
		{patch(raw, 2000, nan), "cosine feature"},
	} {
		tm, err := ParseTmk(c.data)
		wantStatus(t, err, ErrParse)
		if tm != nil || !strings.Contains(err.Error(), c.word) {
			t.Errorf("%q: %v, want %q in the message", c.word, err, c.word)
		}
	}
	b64 := base64.StdEncoding.EncodeToString(raw)
	for _, text := range []string{b64[:len(b64)-8], b64[:100] + " " + b64[101:], b64[:100] + "-" + b64[101:],
		b64[:100] + "\x00" + b64[101:], "", base64.StdEncoding.EncodeToString(raw[:len(raw)-1])} {
		tm, err := ParseTmkBase64(text)
		wantStatus(t, err, ErrParse)
		if tm != nil {
			t.Error("a hash from bad base64")
		}
	}
}

// Every pair of expected/pair-scores.csv to its six printed decimals;
// level 1 alone and each way the same; Matches as the thresholds say.
func TestTmkScoresEqualReference(t *testing.T) {
	refs := map[string]*Tmk{}
	for name := range tmkFrameCounts(t) {
		refs[name] = mustParseTmk(t, tmkRefBytes(t, name))
	}
	rows := tmkCSV(t, "pair-scores.csv")
	if len(rows) != 14*13/2 {
		t.Fatalf("%d pairs", len(rows))
	}
	matched := 0
	for _, r := range rows {
		a, b := refs[strings.TrimSuffix(r[0], ".tmk")], refs[strings.TrimSuffix(r[1], ".tmk")]
		s, err := a.Scores(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := []string{fmt.Sprintf("%.6f", s.Level1), fmt.Sprintf("%.6f", s.Level2)}; got[0] != r[2] || got[1] != r[3] {
			t.Errorf("%s %s: %v, want %v", r[0], r[1], got, r[2:])
		}
		l1, err := b.Level1(a)
		if err != nil || l1 != s.Level1 {
			t.Errorf("%s %s: level 1 alone %v (%v), with level 2 %v", r[0], r[1], l1, err, s.Level1)
		}
		back, _ := b.Scores(a)
		if math.Abs(float64(back.Level2-s.Level2)) > 1e-6 {
			t.Errorf("%s %s: level 2 each way %v, %v", r[0], r[1], s.Level2, back.Level2)
		}
		l1want, _ := strconv.ParseFloat(r[2], 64)
		l2want, _ := strconv.ParseFloat(r[3], 64)
		want := l1want >= 0.7 && l2want >= 0.7
		m, err := a.Matches(b)
		if err != nil || m != want || s.Matches() != want {
			t.Errorf("%s %s: Matches %v (%v), scores say %v", r[0], r[1], m, err, want)
		}
		if want {
			matched++
		}
	}
	if matched == 0 || matched == len(rows) {
		t.Errorf("%d of %d pairs match: both outcomes should occur", matched, len(rows))
	}
}

func TestTmkAverageAndThresholds(t *testing.T) {
	a := mustParseTmk(t, tmkRefBytes(t, tmkRef))
	b := mustParseTmk(t, tmkRefBytes(t, "pattern-hd-no-bar"))
	u, err := a.Average()
	if err != nil || len(u) != TmkDim {
		t.Fatal(len(u), err)
	}
	v, _ := b.Average()
	var dot, nu, nv float64
	for i := range u {
		dot += float64(u[i]) * float64(v[i])
		nu += float64(u[i]) * float64(u[i])
		nv += float64(v[i]) * float64(v[i])
	}
	l1, _ := a.Level1(b)
	if cos := dot / math.Sqrt(nu*nv); math.Abs(cos-float64(l1)) > 1e-5 {
		t.Errorf("level 1 %v, cosine of the averages %v", l1, cos)
	}
	self, _ := a.Scores(a)
	if math.Abs(float64(self.Level1)-1) > 1e-6 || math.Abs(float64(self.Level2)-1) > 1e-6 {
		t.Errorf("against itself: %+v", self)
	}
	// the thresholds are the C float 0.7: a score equal to it matches,
	// one just below does not
	edge := float32(0.7)
	if TmkDefaultThreshold(1) != edge || TmkDefaultThreshold(2) != edge || TmkDefaultThreshold(3) != -1 {
		t.Errorf("thresholds %v %v %v", TmkDefaultThreshold(1), TmkDefaultThreshold(2), TmkDefaultThreshold(3))
	}
	below := math.Nextafter32(edge, 0)
	if !(TmkScores{edge, edge}).Matches() || (TmkScores{below, 1}).Matches() || (TmkScores{1, below}).Matches() {
		t.Error("Matches at the threshold's edge")
	}
	c := mustParseTmk(t, tmkRefBytes(t, "chair-20-sd-bar")) // 0.989083, 0.991138
	for _, x := range []struct {
		l1, l2 float32
		want   bool
	}{{0.98, 0.99, true}, {0.99, 0.5, false}, {0.5, 0.995, false}} {
		if m, err := a.MatchesAt(c, x.l1, x.l2); err != nil || m != x.want {
			t.Errorf("MatchesAt(%v, %v) = %v, %v", x.l1, x.l2, m, err)
		}
	}
}

func TestTmkClose(t *testing.T) {
	a, err := ParseTmk(tmkRefBytes(t, tmkRef))
	if err != nil {
		t.Fatal(err)
	}
	b := mustParseTmk(t, tmkRefBytes(t, tmkRef))
	a.Close()
	a.Close()
	if _, err := a.Bytes(); err != ErrClosed {
		t.Errorf("Bytes after Close: %v", err)
	}
	if _, err := a.Base64(); err != ErrClosed {
		t.Errorf("Base64 after Close: %v", err)
	}
	if _, err := a.Info(); err != ErrClosed {
		t.Errorf("Info after Close: %v", err)
	}
	if _, err := a.Average(); err != ErrClosed {
		t.Errorf("Average after Close: %v", err)
	}
	if _, err := b.Scores(a); err != ErrClosed {
		t.Errorf("Scores against a closed hash: %v", err)
	}
	if _, err := a.Level1(b); err != ErrClosed {
		t.Errorf("Level1 of a closed hash: %v", err)
	}
	if _, err := b.Matches(nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Matches(nil): %v", err)
	}
}

// Goroutines score pairs each way while the hashes are closed: no
// deadlock, no use after free (run under -race), every call either
// scores or returns ErrClosed.
func TestTmkConcurrentScoresAndClose(t *testing.T) {
	raw := [2][]byte{tmkRefBytes(t, tmkRef), tmkRefBytes(t, "chair-20-sd-bar")}
	for round := 0; round < 20; round++ {
		var ts [2]*Tmk
		for i := range ts {
			ts[i] = mustParseTmk(t, raw[i])
		}
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				a, b := ts[g%2], ts[1-g%2]
				for i := 0; i < 5; i++ {
					s, err := a.Scores(b)
					if err != nil && err != ErrClosed {
						t.Error(err)
						return
					}
					if err == nil && fmt.Sprintf("%.6f", s.Level1) != "0.989083" {
						t.Errorf("level 1 %v", s.Level1)
					}
				}
			}(g)
		}
		for i := range ts {
			wg.Add(1)
			go func(i int) { defer wg.Done(); ts[i].Close() }(i)
		}
		wg.Wait()
	}
}

// A 1-frame video hashes (0.518 against itself, as the reference); a
// 0-frame one is ErrDecode; a 10-hour one hits the duration limit, and,
// raised, max_frames; each limit; what is no video.
func TestTmkLimitsAndErrors(t *testing.T) {
	ctx := context.Background()
	lim := func(name string) string { return dataPath(t, "tmk", "limits", name) }
	one, _, err := HashTmkFile(ctx, lim("one-frame.mp4"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	if ti, _ := one.Info(); ti.Frames != 1 {
		t.Errorf("one frame: %d", ti.Frames)
	}
	if s, _ := one.Scores(one); math.Abs(float64(s.Level2)-0.5183507) > 1e-5 {
		t.Errorf("one frame against itself: level 2 %v", s.Level2)
	}
	expect := func(h *Hasher, path string, o *VideoOptions, st Status, word string) {
		t.Helper()
		if h == nil {
			h = mustHasher(t, nil)
		}
		tm, _, err := h.HashTmkFile(ctx, path, o)
		wantStatus(t, err, st)
		if tm != nil || !strings.Contains(err.Error(), word) {
			t.Errorf("%s: %v, want %q in the message", filepath.Base(path), err, word)
		}
	}
	expect(nil, lim("no-frames.avi"), nil, ErrDecode, "no frame")
	ten := lim("ten-hours.mkv")
	expect(nil, ten, nil, ErrLimit, "max_duration")
	expect(nil, ten, &VideoOptions{MaxDuration: 40000e9, MaxFrames: 1000}, ErrLimit, "max_frames")
	ref := tmkVideo(t, tmkRef)
	for _, c := range []struct {
		o    VideoOptions
		word string
	}{
		{VideoOptions{MaxFrames: 100}, "max_frames"},
		{VideoOptions{MaxDecoded: 50}, "max_decoded"},
		{VideoOptions{MaxDuration: 5e9}, "max_duration"},
		{VideoOptions{MaxWorkPixels: 20_000_000}, "max_work_pixels"},
		{VideoOptions{MaxMemory: 1 << 20}, "max_memory"},
		{VideoOptions{TimeBudget: 1}, "time budget"},
	} {
		o := c.o
		expect(nil, ref, &o, ErrLimit, c.word)
	}
	expect(mustHasher(t, &HasherOptions{MaxInputBytes: 100_000}), ref, nil, ErrLimit, "MAX_INPUT_BYTES")
	expect(mustHasher(t, &HasherOptions{MaxPixels: 100_000}), ref, nil, ErrLimit, "pixel")
	expect(nil, dataPath(t, "video", "anim.webp"), nil, ErrUnsupported, "WebP")
	expect(nil, dataPath(t, "tmk", "expected", "tmk", tmkRef+".tmk"), nil, ErrUnknownFormat, "")
	expect(nil, dataPath(t, "tmk", "no-such-video.mp4"), nil, ErrIO, "")
	expect(nil, ref+"\x00x", nil, ErrInvalidArgument, "NUL")
	if _, _, err := HashTmkBytes(ctx, nil, nil); !errors.Is(err, ErrDecode) {
		t.Errorf("no bytes: %v", err)
	}
	// the hasher: busy while a Video owns it, closed after Close
	h, err := NewHasher(nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := h.OpenVideo(ctx, "testdata/video.mp4", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.HashTmkFile(ctx, ref, nil); err != ErrHasherBusy {
		t.Errorf("busy hasher: %v", err)
	}
	v.Close()
	h.Close()
	if _, _, err := h.HashTmkFile(ctx, ref, nil); err != ErrClosed {
		t.Errorf("closed hasher: %v", err)
	}
}

// A context cancels the hashing in the middle; one already done stops it
// before it starts.
func TestTmkCancel(t *testing.T) {
	ref := tmkVideo(t, tmkRef)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := HashTmkFile(ctx, ref, nil)
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v", err)
	}
	// in the middle: the video takes about 0.6 s
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(50*time.Millisecond, cancel)
	tm, info, err := HashTmkFile(ctx, ref, nil)
	if err == nil { // the hash may have finished before the cancel landed
		tm.Close()
		t.Skip("the hashing finished before the cancel")
	}
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if info.FramesDecoded == 0 || info.FramesDecoded >= 564 {
		t.Errorf("cancelled after %d of 564 frames: not in the middle", info.FramesDecoded)
	}
}
