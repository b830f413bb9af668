// SPDX-License-Identifier: BSD-3-Clause

//go:build go1.23

package hashmatch

import (
	"context"
	"testing"
)

func TestFramesIterator(t *testing.T) {
	v, err := OpenVideo(context.Background(), "testdata/video.mp4", &VideoOptions{Mode: FramesAll, MaxFrames: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	n := 0
	var last error
	for f, err := range v.Frames() {
		if err != nil {
			last = err
			break
		}
		if f.Number != uint64(n) {
			t.Errorf("frame %d numbered %d", n, f.Number)
		}
		n++
		if n == 5 {
			break
		}
	}
	if n != 5 || last != nil {
		t.Fatalf("%d frames, %v", n, last)
	}
	// Resumes where it stopped; the limit ends it with an error.
	for f, err := range v.Frames() {
		if err != nil {
			last = err
			break
		}
		if f.Number != uint64(n) {
			t.Errorf("frame %d numbered %d", n, f.Number)
		}
		n++
	}
	if n != 20 {
		t.Errorf("%d frames", n)
	}
	wantStatus(t, last, ErrLimit)
}
