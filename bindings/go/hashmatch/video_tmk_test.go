// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"bytes"
	"context"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// readVideo opens a video in memory with opts, reads all its frames and
// its info, and returns the Video still open (closed by the test's end).
func readVideo(t *testing.T, data []byte, opts *VideoOptions) (*Video, []Frame, VideoInfo) {
	t.Helper()
	v, err := OpenVideoBytes(context.Background(), data, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	frames, err := v.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	info, err := v.Info()
	if err != nil {
		t.Fatal(err)
	}
	return v, frames, info
}

// VideoOptions.Tmk: the frames equal those of a Video without it, and
// TakeTmk gives the reference's .tmk bytes, equal to HashTmkFile's, from
// the same decoding.
func TestVideoTakeTmkBesideVPDQ(t *testing.T) {
	for i, name := range []string{"pattern-sd-grey-bar", "pattern-sd-with-small-logo-bar"} {
		path := tmkVideo(t, name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		o := VideoOptions{Types: WantPDQ | WantPHash}
		if i%2 == 1 {
			o.Mode = FramesAll
		}
		aloneVideo, alone, aloneInfo := readVideo(t, data, &o)
		o.Tmk = true
		v, both, info := readVideo(t, data, &o)
		if len(both) == 0 || !reflect.DeepEqual(both, alone) {
			t.Errorf("%s: %d frames with TMK, %d without, or they differ", name, len(both), len(alone))
		}
		if info != aloneInfo || info.FramesSkipped != 0 || info.FramesHashed != uint64(len(both)) {
			t.Errorf("%s: info %+v with TMK, %+v without", name, info, aloneInfo)
		}
		tm, err := v.TakeTmk()
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := HashTmkFile(context.Background(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := mustBytes(t, tm)
		if !bytes.Equal(got, tmkRefBytes(t, name)) || !bytes.Equal(got, mustBytes(t, want)) {
			t.Errorf("%s: the hash beside vPDQ is not the reference's .tmk file", name)
		}
		if ti, _ := tm.Info(); ti.Frames != tmkFrameCounts(t)[name] {
			t.Errorf("%s: %d frame features", name, ti.Frames)
		}
		// once; and never for a Video opened without Tmk
		_, err = v.TakeTmk()
		wantStatus(t, err, ErrInvalidArgument)
		if !strings.Contains(err.Error(), "taken") {
			t.Errorf("%s: taken twice: %v", name, err)
		}
		_, err = aloneVideo.TakeTmk()
		wantStatus(t, err, ErrInvalidArgument)
		if !strings.Contains(err.Error(), "tmk option") {
			t.Errorf("%s: not asked: %v", name, err)
		}
		// the hash outlives the Video
		v.Close()
		if _, err := v.TakeTmk(); err != ErrClosed {
			t.Errorf("%s: closed video: %v", name, err)
		}
		if s, err := tm.Scores(want); err != nil || s.Level1 < 0.999 || s.Level2 < 0.999 {
			t.Errorf("%s: against HashTmkFile's: %+v %v", name, s, err)
		}
		tm.Close()
		want.Close()
	}
}

// HashTmkFile skips the non-reference frames its 15-fps output drops (a
// chair clip of the reference set); vPDQ decodes every frame.
func TestTmkFramesSkipped(t *testing.T) {
	ctx := context.Background()
	path := tmkVideo(t, tmkRef)
	tm, info, err := HashTmkFile(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	tm.Close()
	_, vinfo, err := HashVideoFile(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.FramesSkipped == 0 || vinfo.FramesSkipped != 0 ||
		info.FramesDecoded+info.FramesSkipped != vinfo.FramesDecoded {
		t.Errorf("TMK: %d decoded, %d skipped; vPDQ: %d decoded, %d skipped", info.FramesDecoded,
			info.FramesSkipped, vinfo.FramesDecoded, vinfo.FramesSkipped)
	}
}

// TakeTmk before the end, keyframe mode (allowed), animated WebP, a limit
// hit by TMK's frames alone.
func TestVideoTakeTmkMisuse(t *testing.T) {
	ctx := context.Background()
	ref := tmkVideo(t, tmkRef)
	v, err := OpenVideo(ctx, ref, &VideoOptions{Tmk: true, Interval: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Next(); err != nil {
		t.Fatal(err)
	}
	tm, err := v.TakeTmk()
	wantStatus(t, err, ErrInvalidArgument)
	if tm != nil || !strings.Contains(err.Error(), "end") {
		t.Errorf("before the end: %v", err)
	}
	rest, err := v.ReadAll()
	if err != nil || len(rest) != 3 {
		t.Fatalf("%d frames after the first (want 3): %v", len(rest), err)
	}
	if _, err := v.Next(); err != io.EOF {
		t.Errorf("after the end: %v", err)
	}
	tm, err = v.TakeTmk()
	if err != nil || !bytes.Equal(mustBytes(t, tm), tmkRefBytes(t, tmkRef)) {
		t.Errorf("at the end: %v", err)
	}
	tm.Close()
	v.Close()

	// keyframe mode: every frame decoded for TMK, vPDQ's frames the keyframes
	kf := &VideoOptions{Mode: FramesKeyframes}
	alone, _, err := HashVideoFile(ctx, ref, kf)
	if err != nil {
		t.Fatal(err)
	}
	kf.Tmk = true
	if v, err = OpenVideo(ctx, ref, kf); err != nil {
		t.Fatal(err)
	}
	keyframes, err := v.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if tm, err := v.TakeTmk(); err != nil || !bytes.Equal(mustBytes(t, tm), tmkRefBytes(t, tmkRef)) {
		t.Errorf("keyframe mode: TMK %v", err)
	} else {
		tm.Close()
	}
	v.Close()
	if len(keyframes) == 0 || !reflect.DeepEqual(keyframes, alone) {
		t.Errorf("keyframe mode with Tmk: %d frames, %d without", len(keyframes), len(alone))
	}
	_, err = OpenVideo(ctx, dataPath(t, "video", "anim.webp"), &VideoOptions{Tmk: true})
	wantStatus(t, err, ErrUnsupported)

	// TMK's 15-fps frames count against MaxFrames on their own: the 4
	// vPDQ frames pass, TMK's 284 do not; the hash is then not available
	o := VideoOptions{Tmk: true, Interval: 5 * time.Second, MaxFrames: 10}
	v, err = OpenVideo(ctx, ref, &o)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	_, err = v.ReadAll()
	wantStatus(t, err, ErrLimit)
	if !strings.Contains(err.Error(), "TMK") {
		t.Errorf("limit: %v", err)
	}
	_, err = v.TakeTmk()
	wantStatus(t, err, ErrInvalidArgument)
	o.Tmk = false
	if frames, _, err := HashVideoFile(ctx, ref, &o); err != nil || len(frames) != 4 {
		t.Errorf("without TMK: %d frames, %v", len(frames), err)
	}
}
