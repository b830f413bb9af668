// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// stillUp checks that the server answers a lookup after a bad request.
func stillUp(t *testing.T, ts *testServer) {
	t.Helper()
	code, body := ts.do(t, "GET", lookupPath("md5", knownHashes(t)["example-pen"]["md5"]), matchToken, "", nil)
	if code != 200 || !strings.Contains(string(body), "example-pen") {
		t.Fatalf("server not serving after a bad request: %d %s", code, body)
	}
}

func TestAuth(t *testing.T) {
	ts := exampleServer(t)
	path := lookupPath("md5", knownHashes(t)["example-pen"]["md5"])
	for _, tok := range []string{"", "wrong-token", matchToken + "x"} {
		resp := ts.doResp(t, "GET", path, tok, "", nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("token %q: %d %s, want 401 with WWW-Authenticate", tok, resp.StatusCode, body)
		}
		errorMessage(t, body)
	}
	// Not a bearer scheme.
	req, _ := http.NewRequest("GET", ts.URL+path, nil)
	req.SetBasicAuth("user", matchToken)
	if resp, err := ts.Client().Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("basic auth: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}
	// The matching token cannot curate; the curation token does both.
	code, body := ts.do(t, "GET", "/c/banks", matchToken, "", nil)
	if code != 403 {
		t.Errorf("matching token on /c/banks: %d %s, want 403", code, body)
	}
	if code, _ := ts.do(t, "GET", "/c/banks", curationToken, "", nil); code != 200 {
		t.Errorf("curation token on /c/banks: %d", code)
	}
	if code, _ := ts.do(t, "GET", path, curationToken, "", nil); code != 200 {
		t.Errorf("curation token on /m/lookup: %d", code)
	}
	// Health checks need no token.
	for _, p := range []string{"/status", "/status/live"} {
		if code, body := ts.do(t, "GET", p, "", "", nil); code != 200 || string(body) != "I-AM-ALIVE" {
			t.Errorf("%s: %d %q", p, code, body)
		}
	}
	// No tokens and no --no-auth: refused.
	if _, err := New(Config{}); err == nil {
		t.Error("New without tokens or NoAuth succeeded")
	}
}

func TestNotReady(t *testing.T) {
	srv, err := New(Config{NoAuth: true, Log: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	ts := &testServer{Server: hs, srv: srv}
	if code, body := ts.do(t, "GET", "/status", "", "", nil); code != 503 || string(body) != "INDEX-NOT-READY" {
		t.Errorf("/status before load: %d %q, want 503", code, body)
	}
	if code, _ := ts.do(t, "GET", "/status/live", "", "", nil); code != 200 {
		t.Errorf("/status/live before load: %d, want 200", code)
	}
	if code, body := ts.do(t, "GET", lookupPath("pdq", strings.Repeat("0", 64)), "", "", nil); code != 503 {
		t.Errorf("lookup before load: %d %s, want 503", code, body)
	}
	if err := srv.Load(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if code, _ := ts.do(t, "GET", "/status", "", "", nil); code != 200 {
		t.Errorf("/status after load: %d", code)
	}
}

// TestBadInput: each bad request gets a clear 4xx in HMA's error shape and
// the server keeps serving.
func TestBadInput(t *testing.T) {
	ts := startServer(t, Config{IndexPath: t.TempDir() + "/i.hmi", MaxBodyBytes: 1 << 20,
		Lists: []string{dataPath(t, "example", "known.csv")}}, nil)
	jpeg := readData(t, bridgeJPG)
	pdq := knownHashes(t)["example-pen"]["pdq"]

	cases := []struct {
		name, method, path, contentType string
		body                            []byte
		want                            int
	}{
		{"non-media upload", "POST", "/h/hash", "", nil, 400},
		{"truncated image", "POST", "/h/hash", "", nil, 400},
		{"empty upload", "POST", "/h/hash", "", nil, 400},
		{"video field with an image's bytes cut", "POST", "/m/lookup", "", nil, 400},
		{"unknown content type field", "POST", "/h/hash", "", nil, 400},
		{"not multipart", "POST", "/h/hash", "application/json", []byte(`{}`), 400},
		{"unknown types=", "POST", "/h/hash?types=vpdq", "", nil, 400},
		{"malformed pdq", "GET", lookupPath("pdq", "f8f8f0ce"), "", nil, 400},
		{"non-hex pdq", "GET", lookupPath("pdq", strings.Repeat("z", 64)), "", nil, 400},
		{"malformed vpdq", "GET", lookupPath("vpdq", `["nope"]`), "", nil, 400},
		{"malformed tmk", "GET", lookupPath("tmk", "AAAA"), "", nil, 400},
		{"unknown signal type", "GET", lookupPath("sha1", pdq), "", nil, 400},
		{"missing signal", "GET", "/m/lookup?signal_type=pdq", "", nil, 400},
		{"url fetching", "GET", "/h/hash?url=http://127.0.0.1/x.jpg", "", nil, 403},
		{"lookup by url", "GET", "/m/lookup?url=http://127.0.0.1/x.jpg", "", nil, 403},
		{"no such endpoint", "GET", "/m/nope", "", nil, 404},
		{"wrong method", "DELETE", "/m/lookup", "", nil, 405},
	}
	bodies := map[string][2]string{ // name -> field, content
		"non-media upload":                      {"photo", "this is a text file, not an image\n"},
		"truncated image":                       {"photo", string(jpeg[:len(jpeg)/3])},
		"empty upload":                          {"photo", ""},
		"video field with an image's bytes cut": {"video", string(jpeg[:200])},
		"unknown content type field":            {"audio", string(jpeg)},
		"unknown types=":                        {"photo", string(jpeg)},
	}
	for _, c := range cases {
		body, ct := c.body, c.contentType
		if b, ok := bodies[c.name]; ok {
			body, ct = multipartBody(t, b[0], "f", []byte(b[1]))
		}
		code, got := ts.do(t, c.method, c.path, matchToken, ct, body)
		if code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, got, c.want)
			continue
		}
		t.Logf("%s: %d %s", c.name, code, strings.TrimSpace(errorMessage(t, got)))
	}
	// Two files in one request.
	var two strings.Builder
	b1, ct := multipartBody(t, "photo", "a.jpg", jpeg)
	boundary := ct[strings.Index(ct, "boundary=")+len("boundary="):]
	two.Write(b1[:len(b1)-len("--"+boundary+"--\r\n")])
	two.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"b.jpg\"\r\n\r\n")
	two.Write(jpeg)
	two.WriteString("\r\n--" + boundary + "--\r\n")
	if code, got := ts.do(t, "POST", "/h/hash", matchToken, ct, []byte(two.String())); code != 400 ||
		errorMessage(t, got) != "Only one file allowed per request" {
		t.Errorf("two files: %d %s", code, got)
	}
	// Over the body limit, sent chunked (no Content-Length): 413.
	big, ct := multipartBody(t, "photo", "big.jpg", make([]byte, 1200<<10))
	req, _ := http.NewRequest("POST", ts.URL+"/h/hash", io.MultiReader(strings.NewReader(string(big))))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+matchToken)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("over-limit chunked upload: %d %s, want 413", resp.StatusCode, got)
	}
	stillUp(t, ts)
}

// rawRequest writes raw bytes on a new connection and returns the status
// line the server answers with ("" when it closes without one).
func rawRequest(t *testing.T, addr, head string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// TestHugeClaimedUpload: a 2 GB Content-Length is refused from the
// headers, before any of it is read.
func TestHugeClaimedUpload(t *testing.T) {
	ts := exampleServer(t)
	start := time.Now()
	line := rawRequest(t, ts.Listener.Addr().String(), "POST /h/hash HTTP/1.1\r\nHost: x\r\n"+
		"Authorization: Bearer "+matchToken+"\r\nContent-Type: multipart/form-data; boundary=b\r\n"+
		"Content-Length: 2147483648\r\n\r\n--b\r\n")
	if !strings.Contains(line, " 413 ") {
		t.Errorf("2 GB claimed upload: %q, want 413", line)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("413 took %v", d)
	}
	stillUp(t, ts)
}

// TestSlowClients: a client that sends its headers too slowly
// (slowloris) is cut off by the header timeout, one that sends its body
// too slowly gets 408; neither holds the server up.
func TestSlowClients(t *testing.T) {
	ts := startServer(t, Config{Lists: []string{dataPath(t, "example", "known.csv")}}, func(hs *http.Server) {
		hs.ReadHeaderTimeout = 300 * time.Millisecond
		hs.ReadTimeout = 600 * time.Millisecond
	})
	addr := ts.Listener.Addr().String()

	// Slowloris: headers never finished.
	var conns []net.Conn
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		conns = append(conns, c)
	}
	stillUp(t, ts) // served while 20 connections dribble
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		_, err := io.ReadAll(c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("slow-header connection %d still open after %v", i, time.Since(start))
		}
	}

	// Slow body: headers on time, the body stalls past the read timeout.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "POST /h/hash HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"+
		"--b\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"x\"\r\n\r\nabc", matchToken)
	line, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.Contains(line, " 408 ") {
		t.Errorf("stalled body: %q, want 408", line)
	}
	stillUp(t, ts)
}

// TestQueueFull: with one worker and one waiting place, a third upload in
// progress is refused at once with 503 and Retry-After; the two admitted
// finish.
func TestQueueFull(t *testing.T) {
	ts := startServer(t, Config{Workers: 1, Queue: 1, Lists: []string{dataPath(t, "example", "known.csv")}}, nil)
	jpeg := readData(t, bridgeJPG)
	body, ct := multipartBody(t, "photo", "b.jpg", jpeg)
	type result struct {
		code int
		err  error
	}
	var writers []*io.PipeWriter
	// On a failure the held uploads end too, so that the server's shutdown
	// in the cleanup does not wait for them forever.
	defer func() {
		for _, pw := range writers {
			pw.CloseWithError(errors.New("test over"))
		}
	}()
	results := make(chan result, 2)
	for i := 0; i < 2; i++ {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		req, _ := http.NewRequest("POST", ts.URL+"/h/hash", pr)
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+matchToken)
		go func() {
			resp, err := ts.Client().Do(req)
			if err != nil {
				results <- result{0, err}
				return
			}
			resp.Body.Close()
			results <- result{resp.StatusCode, nil}
		}()
		pw.Write(body[:10]) // admitted: the handler is reading the body
	}
	// The two are admitted once their handlers read: poll until the
	// third is refused (it must be, as long as they hold their places).
	deadline := time.Now().Add(30 * time.Second) // -race on a loaded machine is slow
	for {
		resp := ts.doResp(t, "POST", "/h/hash", matchToken, ct, body)
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 503 {
			if resp.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			errorMessage(t, got)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("third upload never refused: last %d %s", resp.StatusCode, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, pw := range writers {
		pw.Write(body[10:])
		pw.Close()
	}
	for i := 0; i < 2; i++ {
		if r := <-results; r.err != nil || r.code != 200 {
			t.Errorf("admitted upload: %d %v", r.code, r.err)
		}
	}
	stillUp(t, ts)
}
