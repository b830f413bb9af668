// SPDX-License-Identifier: BSD-3-Clause

package main

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func dataPath(t *testing.T, rel string) string {
	d := os.Getenv("HASHMATCH_TESTDATA")
	if d == "" {
		d = filepath.Join("..", "..", "..", "..", "tests", "data")
	}
	p := filepath.Join(d, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("test data not found: %s (set HASHMATCH_TESTDATA)", p)
	}
	return p
}

// syncBuffer is a log that the server goroutine writes and the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestHelpAndBadFlags(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, nil); code != 0 {
		t.Errorf("--help exit %d", code)
	}
	for _, f := range []string{"--index", "--list", "--token-file", "--curation-token-file", "--no-auth",
		"--max-body-bytes", "--workers", "--queue", "--read-timeout", "--shutdown-timeout", "--watch",
		"--metrics-auth", "--max-batch", "--fetch-allow", "--fetch-allow-private", "--fetch-max-bytes", "--fetch-timeout"} {
		if !strings.Contains(out.String(), strings.TrimPrefix(f, "-")) {
			t.Errorf("--help does not mention %s", f)
		}
	}
	t.Setenv("HASHMATCHD_TOKENS", "")
	t.Setenv("HASHMATCHD_CURATION_TOKENS", "")
	out.Reset()
	if code := run(context.Background(), []string{"--listen", "127.0.0.1:0"}, &out, nil); code != 2 ||
		!strings.Contains(out.String(), "no bearer tokens") {
		t.Errorf("no tokens: exit %d, %s", code, out.String())
	}
	if code := run(context.Background(), []string{"--bogus"}, &out, nil); code != 2 {
		t.Errorf("unknown flag: exit %d", code)
	}
}

// TestServeAndDrain starts the program on the example list with a token
// from the environment, and stops it (as SIGTERM does) while an upload is
// in progress: the upload finishes with 200, then the program exits 0.
func TestServeAndDrain(t *testing.T) {
	known := dataPath(t, "example/known.csv")
	jpeg, err := os.ReadFile(dataPath(t, "pdq-reference/threatexchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HASHMATCHD_TOKENS", "secret-1, secret-2")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	addrc := make(chan string, 1)
	exit := make(chan int, 1)
	var log syncBuffer
	index := filepath.Join(t.TempDir(), "new.hmi")
	go func() {
		exit <- run(ctx, []string{"--listen", "127.0.0.1:0", "--index", index, "--list", known},
			&log, func(a string) { addrc <- a })
	}()
	base := "http://" + <-addrc
	get := func(path string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer secret-2")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for deadline := time.Now().Add(10 * time.Second); get("/status") != 200; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %s", log.String())
		}
	}
	if _, err := os.Stat(index); err != nil {
		t.Errorf("the index file was not created: %v", err)
	}

	// An upload in progress when the stop comes.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("photo", "b.jpg")
	fw.Write(jpeg)
	mw.Close()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", base+"/h/hash", pr)
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer secret-1")
	done := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `"pdq"`) {
			done <- -1
			return
		}
		done <- resp.StatusCode
	}()
	data := body.Bytes()
	pw.Write(data[:100])
	time.Sleep(200 * time.Millisecond) // the handler is reading the body
	stop()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(log.String(), "stopping"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no stop logged")
		}
	}
	pw.Write(data[100:])
	pw.Close()
	if code := <-done; code != 200 {
		t.Errorf("upload in progress at shutdown: %d, want 200", code)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d: %s", code, log.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not exit after the drain")
	}
	if code := get("/status/live"); code != 0 {
		t.Errorf("still serving after exit: %d", code)
	}
}

// startProgram runs the program with args (on a free loopback port) until
// the test ends, and returns its address and log once it is ready.
func startProgram(t *testing.T, args ...string) (string, *syncBuffer) {
	ctx, stop := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	exit := make(chan int, 1)
	log := &syncBuffer{}
	go func() {
		exit <- run(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), log, func(a string) { addrc <- a })
	}()
	base := "http://" + <-addrc
	t.Cleanup(func() {
		stop()
		if code := <-exit; code != 0 {
			t.Errorf("exit %d: %s", code, log.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/status"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base, log
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %s", log.String())
		}
	}
}

// TestReloadOnSignalAndWatch: a line added to a list is matched after a
// SIGHUP, and, in a program started with --watch, without one; /metrics
// counts the reload.
func TestReloadOnSignalAndWatch(t *testing.T) {
	orig, err := os.ReadFile(dataPath(t, "example/known.csv"))
	if err != nil {
		t.Fatal(err)
	}
	const extra = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0"
	added := append(append([]byte(nil), orig...), "pdq,"+extra+",added-later,example-known,\n"...)
	get := func(base, path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	waitMatch := func(base string, log *syncBuffer, what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if strings.Contains(get(base, "/m/raw_lookup?signal_type=pdq&signal="+extra), "added-later") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the added line never matched: %s", what, log.String())
			}
		}
	}
	for _, watch := range []bool{false, true} {
		list := filepath.Join(t.TempDir(), "known.csv")
		if err := os.WriteFile(list, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"--no-auth", "--list", list}
		if watch {
			args = append(args, "--watch", "50ms")
		}
		base, log := startProgram(t, args...)
		if got := get(base, "/m/raw_lookup?signal_type=pdq&signal="+extra); got != "{\"matches\":[]}\n" {
			t.Fatalf("matched before the change: %s", got)
		}
		if err := os.WriteFile(list, added, 0o644); err != nil {
			t.Fatal(err)
		}
		// The new index serves before the reload is logged and counted:
		// both are waited for, not raced.
		eventually := func(what string, ok func() bool) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%s: %s", what, log.String())
				}
			}
		}
		if watch {
			waitMatch(base, log, "--watch")
			eventually("no reload logged", func() bool {
				return strings.Contains(log.String(), "file watch: files changed: reloaded")
			})
		} else {
			time.Sleep(100 * time.Millisecond) // no watch: nothing reloads
			if strings.Contains(get(base, "/m/raw_lookup?signal_type=pdq&signal="+extra), "added-later") {
				t.Fatal("reloaded without a SIGHUP or --watch")
			}
			if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			waitMatch(base, log, "SIGHUP")
			eventually("no reload logged", func() bool {
				return strings.Contains(log.String(), "SIGHUP: reloaded (generation 2")
			})
		}
		eventually("reload not counted", func() bool {
			return strings.Contains(get(base, "/metrics"), "hashmatchd_reloads_total{result=\"ok\"} 1\n")
		})
	}
}
