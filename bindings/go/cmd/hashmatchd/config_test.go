// SPDX-License-Identifier: BSD-3-Clause

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hashmatchd.json")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConfigFile: the file sets options of every kind, the command line
// overrides one scalar and one list, and the result is what the flags
// alone would give.
func TestConfigFile(t *testing.T) {
	p := writeConfig(t, `{"listen": "127.0.0.1:7000", "index": "/srv/i.hmi", "list": ["a.csv", "b.csv"],
		"workers": 4, "queue": 9, "read-timeout": "90s", "metrics-auth": true, "no-auth": false,
		"max-body-bytes": 1048576, "fetch-allow": ["media.example.com"], "fetch-allow-private": true}`)
	o, err := parseFlags([]string{"--workers", "3", "--config", p, "--fetch-allow", "x.example.org"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want, err := parseFlags([]string{"--listen", "127.0.0.1:7000", "--index", "/srv/i.hmi", "--list", "a.csv",
		"--list", "b.csv", "--workers", "3", "--queue", "9", "--read-timeout", "90s", "--metrics-auth",
		"--max-body-bytes", "1048576", "--fetch-allow", "x.example.org", "--fetch-allow-private"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want.config = p
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("with the file:\n %+v\nwant\n %+v", o, want)
	}
	if o.workers != 3 || o.read != 90*time.Second || !reflect.DeepEqual([]string(o.fetchAllow), []string{"x.example.org"}) {
		t.Fatalf("overrides lost: workers %d, read %v, fetch-allow %v", o.workers, o.read, o.fetchAllow)
	}
}

// TestConfigFileErrors: each mistake is an error that names the key (or
// the file), never a silent default.
func TestConfigFileErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{`{"listn": ":5000"}`, `unknown key "listn"`},
		{`{"config": "other.json"}`, `unknown key "config"`},
		{`{"help": true}`, `unknown key "help"`},
		{`{"workers": "many"}`, `key "workers"`},
		{`{"workers": true}`, `key "workers"`},
		{`{"read-timeout": 5}`, `key "read-timeout"`},
		{`{"no-auth": "yes"}`, `key "no-auth"`},
		{`{"listen": [":5000"]}`, `key "listen": a list is only for a repeatable flag`},
		{`{"list": [1]}`, `key "list": want a list of strings`},
		{`{"index": null}`, `key "index"`},
		{`{"index": {"path": "x"}}`, `key "index"`},
		{`{"listen": ":5000",}`, `not a JSON object`},
		{`["listen"]`, `not a JSON object`},
		{`{"listen": ":1"} {"listen": ":2"}`, `want one JSON object`},
		{`null`, `want one JSON object`},
	} {
		p := writeConfig(t, c.text)
		_, err := parseFlags([]string{"--config", p}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.text, err, c.want)
		}
	}
	if _, err := parseFlags([]string{"--config", "/nonexistent/hashmatchd.json"}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "/nonexistent/hashmatchd.json") {
		t.Errorf("missing file: %v", err)
	}
	var out strings.Builder
	if _, err := parseFlags([]string{"--help"}, &out); err == nil || !strings.Contains(out.String(), `"fetch-allow": [`) {
		t.Errorf("--help does not show the file's form: %s", out.String())
	}
}

// TestConfigFileServes starts the program from a file (its listen
// address overridden on the command line) that allows URL fetching from
// a loopback media server: the settings reach the server.
func TestConfigFileServes(t *testing.T) {
	jpeg, err := os.ReadFile(dataPath(t, "pdq-reference/threatexchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(jpeg)
	}))
	defer media.Close()
	cfg, _ := json.Marshal(map[string]any{"listen": "192.0.2.1:1", "no-auth": true,
		"list":        []string{dataPath(t, "example/known.csv")},
		"fetch-allow": []string{"127.0.0.1"}, "fetch-allow-private": true})
	base, _ := startProgram(t, "--config", writeConfig(t, string(cfg)))
	resp, err := http.Get(base + "/m/lookup?" + url.Values{"url": {media.URL + "/b.jpg"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]map[string][]map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /m/lookup?url=: %d %v", resp.StatusCode, err)
	}
	if m := got["pdq"]["example-known"]; len(m) != 1 || m[0]["bank_content_id"] != "example-bridge" {
		t.Fatalf("GET /m/lookup?url= = %v, want the example bridge", got)
	}
}
