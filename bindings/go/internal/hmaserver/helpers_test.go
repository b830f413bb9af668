// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

const (
	matchToken    = "match-token-for-tests"
	curationToken = "curation-token-for-tests"
)

// dataPath is a file of the repository's test data (tests/data);
// HASHMATCH_TESTDATA overrides the folder, as for the binding's tests.
func dataPath(t testing.TB, rel ...string) string {
	d := os.Getenv("HASHMATCH_TESTDATA")
	if d == "" {
		d = filepath.Join("..", "..", "..", "..", "tests", "data")
	}
	if _, err := os.Stat(filepath.Join(d, "example")); err != nil {
		t.Skipf("test data not found at %s (set HASHMATCH_TESTDATA)", d)
	}
	return filepath.Join(append([]string{d}, rel...)...)
}

func readData(t testing.TB, rel ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(dataPath(t, rel...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const bridgeJPG = "pdq-reference/threatexchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg"

// knownHashes reads the example list: entry id -> hash type -> hash.
func knownHashes(t testing.TB) map[string]map[string]string {
	f, err := os.Open(dataPath(t, "example", "known.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range rows[1:] {
		if out[r[2]] == nil {
			out[r[2]] = map[string]string{}
		}
		out[r[2]][r[0]] = r[1]
	}
	return out
}

// testServer is a server on loopback and what it was started with.
type testServer struct {
	*httptest.Server
	srv *Server
	cfg Config
}

// startServer starts a loaded server on a real loopback listener; tune
// may change the http.Server (timeouts) before it starts.
func startServer(t *testing.T, cfg Config, tune func(*http.Server)) *testServer {
	t.Helper()
	if cfg.Tokens == nil && !cfg.NoAuth {
		cfg.Tokens = []string{matchToken}
		cfg.CurationTokens = []string{curationToken}
	}
	cfg.Log = log.New(io.Discard, "", 0)
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Load(); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	if tune != nil {
		tune(hs.Config)
	}
	hs.Start()
	ts := &testServer{Server: hs, srv: srv, cfg: cfg}
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) stop() {
	ts.Close()
	ts.srv.Close()
}

// exampleServer serves the example list with an index file in a
// temporary folder.
func exampleServer(t *testing.T) *testServer {
	return startServer(t, Config{IndexPath: filepath.Join(t.TempDir(), "index.hmi"),
		Lists: []string{dataPath(t, "example", "known.csv")}}, nil)
}

// do sends a request and returns the status and body.
func (ts *testServer) do(t *testing.T, method, path, token, contentType string, body []byte) (int, []byte) {
	t.Helper()
	resp := ts.doResp(t, method, path, token, contentType, body)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (ts *testServer) doResp(t *testing.T, method, path, token, contentType string, body []byte) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// json expects status want and decodes the JSON body into v.
func (ts *testServer) json(t *testing.T, method, path, token string, body any, want int, v any) {
	t.Helper()
	var data []byte
	ct := ""
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
		ct = "application/json"
	}
	code, got := ts.do(t, method, path, token, ct, data)
	if code != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, got)
	}
	if v != nil {
		if err := json.Unmarshal(got, v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, got)
		}
	}
}

// multipartBody is an upload as HMA's clients send it: one file in the
// field named by its content type.
func multipartBody(t testing.TB, field, filename string, data []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// upload posts a file to path and returns status and body.
func (ts *testServer) upload(t *testing.T, path, token, field string, data []byte) (int, []byte) {
	t.Helper()
	body, ct := multipartBody(t, field, "upload", data)
	return ts.do(t, "POST", path, token, ct, body)
}

// errorMessage checks HMA's error shape, {"message": "..."}, and returns
// the message.
func errorMessage(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("error body is not JSON: %q", body)
	}
	msg, ok := m["message"].(string)
	if len(m) != 1 || !ok || msg == "" {
		t.Fatalf("error body is not {\"message\": ...}: %s", body)
	}
	return msg
}

// hashText posts an upload to /h/hash and returns its signals.
func (ts *testServer) hashText(t *testing.T, field string, data []byte) map[string]string {
	t.Helper()
	code, body := ts.upload(t, "/h/hash", matchToken, field, data)
	if code != 200 {
		t.Fatalf("POST /h/hash %s: %d %s", field, code, body)
	}
	var hashes map[string]string
	if err := json.Unmarshal(body, &hashes); err != nil {
		t.Fatal(err)
	}
	return hashes
}
