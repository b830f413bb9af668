// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// A Video dropped without Close is closed by its leak net, which gives
// its hasher back (and frees the C video first: the hasher stays alive
// until then).
func TestLeakNetClosesVideo(t *testing.T) {
	h := mustHasher(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := runtime.NumGoroutine()
	func() {
		v, err := h.OpenVideo(ctx, "testdata/video.mp4", nil)
		if err != nil {
			t.Fatal(err)
		}
		v.Next()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		h.mu.Lock()
		busy := h.busy
		h.mu.Unlock()
		if !busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the leak net did not close the video")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := h.HashFile("testdata/bridge.jpg", WantPDQ); err != nil {
		t.Error(err)
	}
	// The context watcher is gone too.
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines, %d before", n, before)
	}
}

// Objects dropped without Close are freed without crashing, whatever the
// order in which their cleanups run.
func TestLeakNetFreesEverything(t *testing.T) {
	for i := 0; i < 20; i++ {
		h, _ := NewHasher(nil)
		h.HashFile("testdata/bridge.jpg", WantPDQ)
		ix, _ := NewIndex()
		l, _ := ix.List("l")
		ix.Add(l, MustParse(PDQ, bridgePDQ), "", "")
		ix.Commit()
		s, _ := ix.Snapshot()
		s.Query([]Hash{MustParse(PDQ, bridgePDQ)})
		v, _ := OpenVideo(context.Background(), "testdata/video.mp4", nil)
		v.Next()
	}
	for i := 0; i < 5; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
}
