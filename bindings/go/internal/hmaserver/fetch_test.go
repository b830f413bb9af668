// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestSpecialAddr checks the address rule on a table: every special
// address refused, IPv4-mapped forms as their IPv4 address, public
// unicast addresses allowed.
func TestSpecialAddr(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "0.0.0.0", "0.1.2.3", "255.255.255.255", "240.0.0.1",
		"224.0.0.1", "239.255.255.250", "198.18.0.1", "192.0.2.1", "198.51.100.7", "203.0.113.9",
		"192.0.0.8", "192.88.99.1",
		"::", "::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1", "ff05::2",
		"fec0::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0",
		"::127.0.0.1", "::ffff:0:a00:1", "64:ff9b::a00:1", "64:ff9b:1::1", "2002:7f00:1::1",
		"2001::1", "2001:db8::1", "100::1", "3fff::1", "5f00::1",
	}
	allowed := []string{
		"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "192.169.0.1",
		"2606:4700:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2a00:1450:4001::1",
	}
	for _, s := range refused {
		if why := specialAddr(netip.MustParseAddr(s)); why == "" {
			t.Errorf("%s allowed, want refused", s)
		}
	}
	for _, s := range allowed {
		if why := specialAddr(netip.MustParseAddr(s)); why != "" {
			t.Errorf("%s refused (%s), want allowed", s, why)
		}
	}
	if why := specialAddr(netip.MustParseAddr("::ffff:127.0.0.1")); why != "loopback" {
		t.Errorf("::ffff:127.0.0.1: %q, want loopback (checked as its IPv4 address)", why)
	}
}

// TestFetchControl checks the dialer's hook, which sees the address a
// socket connects to (after resolution): that is where the rule holds.
func TestFetchControl(t *testing.T) {
	f, err := newFetcher(FetchConfig{Allow: []string{"example.com"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for addr, ok := range map[string]bool{"127.0.0.1:80": false, "[::ffff:127.0.0.1]:443": false,
		"[::1]:80": false, "10.0.0.1:8080": false, "8.8.8.8:80": true, "[2606:4700:4700::1111]:443": true} {
		if err := f.control("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("control(%s) = %v, want allowed=%v", addr, err, ok)
		}
	}
	f.cfg.AllowPrivate = true
	if err := f.control("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("with AllowPrivate: %v", err)
	}
}

func TestFetchHostAllowed(t *testing.T) {
	f, err := newFetcher(FetchConfig{Allow: []string{"media.example.com", "*.cdn.example.net", "192.0.2.7", "2001:db8::7"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for host, ok := range map[string]bool{
		"media.example.com": true, "MEDIA.Example.com.": true, "example.com": false,
		"x.media.example.com": false, "a.cdn.example.net": true, "a.b.cdn.example.net": true,
		"cdn.example.net": false, "evilcdn.example.net": false, "192.0.2.7": true, "192.0.2.8": false,
		"2001:db8::7": true,
	} {
		if got := f.hostAllowed(host); got != ok {
			t.Errorf("hostAllowed(%q) = %v, want %v", host, got, ok)
		}
	}
	for _, bad := range []string{"", "*.", "http://x", "a b", "user@host", "host:80"} {
		if _, err := newFetcher(FetchConfig{Allow: []string{bad}}, 1); err == nil {
			t.Errorf("--fetch-allow %q accepted", bad)
		}
	}
}

// mediaServer serves the bridge photo and the misbehaviours the fetcher
// must refuse, on loopback.
func mediaServer(t *testing.T, photo []byte, tlsOn bool) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/bridge.jpg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(photo)
	})
	mux.HandleFunc("/untyped", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(photo)
	})
	mux.HandleFunc("/same-host", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/bridge.jpg", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/other-host", func(w http.ResponseWriter, r *http.Request) {
		// the same server under another name: still another host
		_, port, _ := strings.Cut(r.Host, ":")
		http.Redirect(w, r, "http://localhost:"+port+"/bridge.jpg", http.StatusFound)
	})
	mux.HandleFunc("/big-declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(append(photo, make([]byte, 100)...))
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.(http.Flusher).Flush() // no Content-Length: the size shows only while reading
		w.Write(append(photo, make([]byte, 100)...))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/missing", http.NotFound)
	var ms *httptest.Server
	if tlsOn {
		ms = httptest.NewTLSServer(mux)
	} else {
		ms = httptest.NewServer(mux)
	}
	t.Cleanup(ms.Close)
	return ms
}

// fetchServer is the example server with URL fetching allowed for
// 127.0.0.1 and localhost.
// tlsConfig, when not nil, is the fetcher's TLS configuration.
func fetchServer(t *testing.T, photo []byte, allowPrivate bool, tlsConfig *tls.Config) *testServer {
	return startServer(t, Config{IndexPath: filepath.Join(t.TempDir(), "index.hmi"),
		Lists: []string{dataPath(t, "example", "known.csv")},
		Fetch: FetchConfig{Allow: []string{"127.0.0.1", "localhost"}, AllowPrivate: allowPrivate,
			MaxBytes: int64(len(photo)) + 50, Timeout: 700 * time.Millisecond, tlsConfig: tlsConfig}}, nil)
}

func hashURLPath(path, u string, extra ...string) string {
	q := url.Values{"url": {u}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return path + "?" + q.Encode()
}

// TestFetchURL fetches from a loopback server (allowed with AllowPrivate):
// the fetched photo hashes exactly as its upload, lookups by URL match as
// by upload, and every misbehaviour of the remote side is refused with
// its status.
func TestFetchURL(t *testing.T) {
	photo := readData(t, bridgeJPG)
	ms := mediaServer(t, photo, false)
	ts := fetchServer(t, photo, true, nil)

	uploaded := ts.hashText(t, "photo", photo)
	var fetched map[string]string
	ts.json(t, "GET", hashURLPath("/h/hash", ms.URL+"/bridge.jpg"), matchToken, nil, 200, &fetched)
	if !reflect.DeepEqual(fetched, uploaded) {
		t.Fatalf("GET /h/hash?url= = %v, the upload gives %v", fetched, uploaded)
	}
	known := knownHashes(t)["example-bridge"]
	if fetched["pdq"] != known["pdq"] || fetched["md5"] != known["md5"] {
		t.Fatalf("fetched hashes %v, the example list has %v", fetched, known)
	}
	var byURL, byUpload map[string]map[string][]matchJSON
	ts.json(t, "GET", hashURLPath("/m/lookup", ms.URL+"/bridge.jpg"), matchToken, nil, 200, &byURL)
	body, ct := multipartBody(t, "photo", "bridge.jpg", photo)
	code, got := ts.do(t, "POST", "/m/lookup", matchToken, ct, body)
	if code != 200 {
		t.Fatalf("POST /m/lookup: %d %s", code, got)
	}
	if err := json.Unmarshal(got, &byUpload); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(byURL, byUpload) || len(byURL["pdq"]["example-known"]) != 1 {
		t.Fatalf("GET /m/lookup?url= = %v, POST /m/lookup = %v", byURL, byUpload)
	}

	// content_type names what the response's Content-Type does not
	ts.json(t, "GET", hashURLPath("/h/hash", ms.URL+"/untyped", "content_type", "photo"), matchToken, nil, 200, &fetched)
	if !reflect.DeepEqual(fetched, uploaded) {
		t.Fatalf("content_type=photo: %v", fetched)
	}
	// a same-host redirect is followed
	ts.json(t, "GET", hashURLPath("/h/hash", ms.URL+"/same-host"), matchToken, nil, 200, &fetched)
	if !reflect.DeepEqual(fetched, uploaded) {
		t.Fatalf("same-host redirect: %v", fetched)
	}

	for _, c := range []struct {
		name, path string
		want       int
		msg        string
	}{
		{"untyped", hashURLPath("/h/hash", ms.URL+"/untyped"), 400, "content_type"},
		{"redirect to another host", hashURLPath("/h/hash", ms.URL+"/other-host"), 403, "another host"},
		{"redirect loop", hashURLPath("/h/hash", ms.URL+"/loop"), 502, "redirects"},
		{"declared oversize", hashURLPath("/h/hash", ms.URL+"/big-declared"), 413, "fetch limit"},
		{"chunked oversize", hashURLPath("/h/hash", ms.URL+"/big-chunked"), 413, "fetch limit"},
		{"slow server", hashURLPath("/h/hash", ms.URL+"/slow"), 504, "within"},
		{"remote 404", hashURLPath("/h/hash", ms.URL+"/missing"), 502, "404"},
		{"host not allowed", hashURLPath("/h/hash", strings.Replace(ms.URL, "127.0.0.1", "127.0.0.2", 1)+"/bridge.jpg"), 403, "not allowed"},
		{"lookup, host not allowed", hashURLPath("/m/lookup", "http://example.org/x.jpg"), 403, "not allowed"},
		{"file scheme", hashURLPath("/h/hash", "file:///etc/passwd"), 400, "http and https"},
		{"ftp scheme", hashURLPath("/h/hash", "ftp://127.0.0.1/x.jpg"), 400, "http and https"},
		{"credentials", hashURLPath("/h/hash", "http://u:p@127.0.0.1/x.jpg"), 400, "credentials"},
		{"no url", "/h/hash", 400, "url is required"},
		{"bad content_type", hashURLPath("/h/hash", ms.URL+"/bridge.jpg", "content_type", "audio"), 400, ""},
	} {
		start := time.Now()
		code, body := ts.do(t, "GET", c.path, matchToken, "", nil)
		if code != c.want {
			t.Errorf("%s: status %d, want %d: %s", c.name, code, c.want, body)
			continue
		}
		if msg := errorMessage(t, body); !strings.Contains(msg, c.msg) {
			t.Errorf("%s: message %q does not say %q", c.name, msg, c.msg)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: answered after %v", c.name, d)
		}
	}
	if code, body := ts.do(t, "GET", "/status", "", "", nil); code != 200 {
		t.Fatalf("server down after the refusals: %d %s", code, body)
	}
}

// TestFetchRefusesPrivate: without AllowPrivate the same loopback server
// is refused, by IP literal and by a name that resolves to loopback.
func TestFetchRefusesPrivate(t *testing.T) {
	photo := readData(t, bridgeJPG)
	ms := mediaServer(t, photo, false)
	ts := fetchServer(t, photo, false, nil)
	named := strings.Replace(ms.URL, "127.0.0.1", "localhost", 1)
	for _, u := range []string{ms.URL + "/bridge.jpg", named + "/bridge.jpg"} {
		for _, path := range []string{"/h/hash", "/m/lookup"} {
			code, body := ts.do(t, "GET", hashURLPath(path, u), matchToken, "", nil)
			if code != 403 {
				t.Fatalf("GET %s?url=%s: %d, want 403: %s", path, u, code, body)
			}
			if msg := errorMessage(t, body); !strings.Contains(msg, "loopback") {
				t.Fatalf("GET %s?url=%s: %q does not say loopback", path, u, msg)
			}
		}
	}
}

// TestFetchHTTPS fetches over TLS (the test server's certificate trusted
// by the fetcher's transport): the name is verified as usual while the
// checked address is dialled.
func TestFetchHTTPS(t *testing.T) {
	photo := readData(t, bridgeJPG)
	ms := mediaServer(t, photo, true)
	ts := fetchServer(t, photo, true, ms.Client().Transport.(*http.Transport).TLSClientConfig.Clone())
	var fetched map[string]string
	ts.json(t, "GET", hashURLPath("/h/hash", ms.URL+"/bridge.jpg"), matchToken, nil, 200, &fetched)
	if want := ts.hashText(t, "photo", photo); !reflect.DeepEqual(fetched, want) {
		t.Fatalf("https fetch: %v, upload: %v", fetched, want)
	}
	ts = fetchServer(t, photo, true, nil) // the system's roots only
	code, body := ts.do(t, "GET", hashURLPath("/h/hash", ms.URL+"/bridge.jpg"), matchToken, "", nil)
	if code != 502 || !strings.Contains(errorMessage(t, body), "certificate") {
		t.Fatalf("untrusted certificate: %d %s, want 502 naming the certificate", code, body)
	}
}
