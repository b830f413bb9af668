// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"bufio"
	"bytes"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// scrape reads /metrics without a token and parses the samples: the
// series ("name{labels}") -> value. Every line must be a comment or a
// sample.
func scrape(t *testing.T, ts *testServer) map[string]float64 {
	t.Helper()
	resp := ts.doResp(t, "GET", "/metrics", "", "", nil)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("not a sample line: %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetrics makes a few requests and checks that the counters moved by
// what they did: requests by endpoint and status class (and the
// histogram's buckets), signals hashed, lookups and matches by type and
// bank, a decode failure by the library's status name, the index gauges.
func TestMetrics(t *testing.T) {
	ts := exampleServer(t)
	known := knownHashes(t)
	before := scrape(t, ts)
	if before["hashmatchd_index_ready"] != 1 || before["hashmatchd_index_generation"] != 1 ||
		before[`hashmatchd_index_entries{type="pdq"}`] != 2 || before["hashmatchd_index_bytes"] <= 0 ||
		before["process_resident_memory_bytes"] < 1<<20 {
		t.Errorf("index and process gauges: %v", before)
	}
	ts.json(t, "GET", lookupPath("pdq", known["example-bridge"]["pdq"]), matchToken, nil, 200, nil)
	ts.json(t, "GET", lookupPath("pdq", flipBits(t, known["example-bridge"]["pdq"], 64)), matchToken, nil, 200, nil)
	jpeg := readData(t, bridgeJPG)
	if code, body := ts.upload(t, "/h/hash", matchToken, "photo", jpeg); code != 200 {
		t.Fatalf("hash: %d %s", code, body)
	}
	if code, _ := ts.upload(t, "/h/hash", matchToken, "photo", jpeg[:len(jpeg)/3]); code != 400 {
		t.Fatalf("truncated upload: %d", code)
	}
	ts.do(t, "GET", "/m/index/status", "", "", nil)                  // 401
	ts.do(t, "GET", "/c/bank/example-known", curationToken, "", nil) // 200
	ts.do(t, "GET", "/no/such/path", matchToken, "", nil)            // 404

	m := scrape(t, ts)
	for series, want := range map[string]float64{
		`hashmatchd_http_request_duration_seconds_count{endpoint="/m/lookup",class="2xx"}`:            2,
		`hashmatchd_http_request_duration_seconds_count{endpoint="/h/hash",class="2xx"}`:              1,
		`hashmatchd_http_request_duration_seconds_count{endpoint="/h/hash",class="4xx"}`:              1,
		`hashmatchd_http_request_duration_seconds_count{endpoint="/m/index/status",class="4xx"}`:      1,
		`hashmatchd_http_request_duration_seconds_count{endpoint="/c/bank/{name}",class="2xx"}`:       1,
		`hashmatchd_http_request_duration_seconds_count{endpoint="other",class="4xx"}`:                1,
		`hashmatchd_http_request_duration_seconds_bucket{endpoint="/m/lookup",class="2xx",le="+Inf"}`: 2,
		`hashmatchd_http_request_duration_seconds_count{endpoint="/metrics",class="2xx"}`:             1,
		`hashmatchd_hashes_total{signal_type="pdq"}`:                                                  1,
		`hashmatchd_hashes_total{signal_type="md5"}`:                                                  1,
		`hashmatchd_lookups_total{signal_type="pdq"}`:                                                 2,
		`hashmatchd_matches_total{signal_type="pdq"}`:                                                 1,
		`hashmatchd_bank_matches_total{bank="example-known"}`:                                         1,
		`hashmatchd_decode_failures_total{reason="HM_E_DECODE"}`:                                      1,
		`hashmatchd_reloads_total{result="ok"}`:                                                       0,
	} {
		if got, ok := m[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	// Buckets are cumulative and end at the count; the sum is the time.
	var les []string
	for k := range m {
		if strings.HasPrefix(k, `hashmatchd_http_request_duration_seconds_bucket{endpoint="/h/hash",class="2xx"`) {
			les = append(les, k)
		}
	}
	if len(les) != len(latencyBuckets)+1 {
		t.Fatalf("%d buckets, want %d", len(les), len(latencyBuckets)+1)
	}
	sort.Slice(les, func(i, j int) bool { return bucketBound(les[i]) < bucketBound(les[j]) })
	for i := 1; i < len(les); i++ {
		if m[les[i]] < m[les[i-1]] {
			t.Errorf("buckets not cumulative: %s %v < %s %v", les[i], m[les[i]], les[i-1], m[les[i-1]])
		}
	}
	if sum := m[`hashmatchd_http_request_duration_seconds_sum{endpoint="/h/hash",class="2xx"}`]; sum <= 0 || sum > 60 {
		t.Errorf("latency sum %v", sum)
	}
}

func bucketBound(series string) float64 {
	i := strings.Index(series, `le="`)
	v := strings.TrimSuffix(series[i+4:], `"}`)
	if v == "+Inf" {
		return 1e300
	}
	f, _ := strconv.ParseFloat(v, 64)
	return f
}

// TestMetricsAuth: with MetricsAuth, /metrics needs a token; bank names
// are escaped in labels.
func TestMetricsAuth(t *testing.T) {
	ts := startServer(t, Config{Tokens: []string{matchToken}, MetricsAuth: true}, nil)
	if code, _ := ts.do(t, "GET", "/metrics", "", "", nil); code != 401 {
		t.Errorf("/metrics without a token: %d, want 401", code)
	}
	code, body := ts.do(t, "GET", "/metrics", matchToken, "", nil)
	if code != 200 || !bytes.Contains(body, []byte("hashmatchd_index_ready 1\n")) {
		t.Errorf("/metrics with a token: %d %s", code, body)
	}
	if got := labelValue("a\"b\\c\nd"); got != `a\"b\\c\nd` {
		t.Errorf("labelValue = %s", got)
	}
}
