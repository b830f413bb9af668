// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// nativeHashAnswer is POST /v1/hash's answer.
type nativeHashAnswer struct {
	ContentType string         `json:"content_type"`
	Signals     []nativeSignal `json:"signals"`
}

func (a nativeHashAnswer) signal(t *testing.T, name string) nativeSignal {
	t.Helper()
	for _, s := range a.Signals {
		if s.Type == name {
			return s
		}
	}
	t.Fatalf("no %s signal in %+v", name, a)
	return nativeSignal{}
}

func (ts *testServer) nativeHash(t *testing.T, query, field string, data []byte) nativeHashAnswer {
	t.Helper()
	code, body := ts.upload(t, "/v1/hash"+query, matchToken, field, data)
	if code != 200 {
		t.Fatalf("POST /v1/hash%s: %d %s", query, code, body)
	}
	var out nativeHashAnswer
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNativeHashPhoto: one call returns the photo's hashes (the example
// list's, computed independently by the reference tools) with their
// matches: bank, entry, labels, distance, threshold, quality; the bank's
// enabled flag and the banks filter apply.
func TestNativeHashPhoto(t *testing.T) {
	ts := exampleServer(t)
	known := knownHashes(t)["example-bridge"]
	jpeg := readData(t, bridgeJPG)
	got := ts.nativeHash(t, "?types=pdq,md5,phash", "photo", jpeg)
	if got.ContentType != "photo" || len(got.Signals) != 3 {
		t.Fatalf("answer %+v", got)
	}
	for name, threshold := range map[string]int{"pdq": 31, "md5": 0, "phash": 10} {
		s := got.signal(t, name)
		if s.Value != known[name] {
			t.Errorf("%s = %s, want %s", name, s.Value, known[name])
		}
		if (s.Quality != nil) != (name == "pdq") || (s.Quality != nil && (*s.Quality < 50 || *s.Quality > 100)) {
			t.Errorf("%s quality %v", name, s.Quality)
		}
		if len(s.Matches) != 1 {
			t.Fatalf("%s matches %+v", name, s.Matches)
		}
		m := s.Matches[0]
		if m.Bank != "example-known" || m.EntryID != "example-bridge" || m.Labels != "demo photo: bridge" ||
			m.Distance == nil || *m.Distance != 0 || m.Threshold == nil || *m.Threshold != threshold ||
			m.EnabledRatio != 1 || m.VPDQ != nil || m.TMK != nil {
			t.Errorf("%s match %+v", name, m)
		}
	}
	if got := ts.nativeHash(t, "?banks=OTHER", "photo", jpeg); len(got.signal(t, "pdq").Matches) != 0 {
		t.Errorf("banks=OTHER matched %+v", got)
	}
	ts.json(t, "PUT", "/c/bank/example-known", curationToken, map[string]any{"enabled": false}, 200, nil)
	if got := ts.nativeHash(t, "", "photo", jpeg); len(got.signal(t, "pdq").Matches) != 0 {
		t.Errorf("disabled bank matched %+v", got)
	}
	got = ts.nativeHash(t, "?include_disabled=true", "photo", jpeg)
	if m := got.signal(t, "pdq").Matches; len(m) != 1 || m[0].EnabledRatio != 0 {
		t.Errorf("include_disabled: %+v", m)
	}
	if code, body := ts.upload(t, "/v1/hash", matchToken, "photo", jpeg[:100]); code != 400 {
		t.Errorf("truncated upload: %d %s", code, body)
	}
}

// TestNativeHashVideo: a video's vPDQ and TMK matches carry the library's
// scores: the same video matches itself fully by both, with its time
// ranges; a rotated re-encoding matches by vPDQ.
func TestNativeHashVideo(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes three videos")
	}
	ts := exampleServer(t)
	video := readData(t, "video", "test-padded-dimensions.mp4")
	hashes := ts.hashText(t, "video", video)
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "VIDEOS"}, 201, nil)
	var added struct{ ID int64 }
	ts.json(t, "POST", "/c/bank/VIDEOS/signal", curationToken, hashes, 200, &added)
	id := fmt.Sprint(added.ID)

	got := ts.nativeHash(t, "", "video", video)
	if got.ContentType != "video" || len(got.Signals) != 3 {
		t.Fatalf("answer %+v", got)
	}
	for name, value := range hashes {
		if s := got.signal(t, name); s.Value != value || len(s.Matches) != 1 || s.Matches[0].EntryID != id {
			t.Errorf("%s: %+v", name, s)
		}
	}
	vp := got.signal(t, "vpdq")
	v := vp.Matches[0].VPDQ
	if vp.Frames == nil || *vp.Frames < 2 || v == nil || v.QueryPercent != 100 || v.TargetPercent != 100 ||
		v.QueryMatched != v.QueryFrames || v.TargetMatched != v.TargetFrames || v.QueryFrames == 0 ||
		len(v.QueryRanges) == 0 || len(v.TargetRanges) == 0 || v.QueryRanges[0][1] <= v.QueryRanges[0][0] {
		t.Errorf("vpdq of the video itself: %+v, frames %v", v, vp.Frames)
	}
	tm := got.signal(t, "tmk").Matches[0].TMK
	if tm == nil || tm.Level1 < 0.99 || tm.Level2 < 0.99 || tm.Level1 < tm.Threshold1 || tm.Level2 < tm.Threshold2 ||
		tm.Threshold1 <= 0 || tm.Threshold2 <= 0 {
		t.Errorf("tmk of the video itself: %+v", tm)
	}
	if m := got.signal(t, "video_md5").Matches[0]; m.Distance == nil || *m.Distance != 0 {
		t.Errorf("video_md5 match %+v", m)
	}

	rot := ts.nativeHash(t, "?types=vpdq", "video", readData(t, "video", "rotated-90.mp4"))
	if m := rot.signal(t, "vpdq").Matches; len(m) != 1 || m[0].VPDQ.QueryPercent != 100 {
		t.Errorf("rotated video: %+v", m)
	}
}

type batchAnswer struct {
	Results []nativeSignal `json:"results"`
}

type batchSignal struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// TestNativeBatchLookup: a batch gives each signal's matches in order,
// the same as one lookup of each (/m/raw_lookup with distances); the
// batch size is bounded (413), and an empty batch or a bad signal is 400
// naming it.
func TestNativeBatchLookup(t *testing.T) {
	ts := startServer(t, Config{IndexPath: t.TempDir() + "/i.hmi",
		Lists: []string{dataPath(t, "example", "known.csv")}, MaxBatch: 200}, nil)
	known := knownHashes(t)
	r := rand.New(rand.NewSource(3))
	var sigs []batchSignal
	for i := 0; i < 200; i++ {
		switch i % 4 {
		case 0: // near a known PDQ
			k := []string{"example-bridge", "example-pen"}[r.Intn(2)]
			sigs = append(sigs, batchSignal{"pdq", flipBits(t, known[k]["pdq"], r.Intn(40))})
		case 1:
			sigs = append(sigs, batchSignal{"pdq", randomPDQ(r)})
		case 2:
			sigs = append(sigs, batchSignal{"md5", known["example-bridge"]["md5"]})
		default:
			sigs = append(sigs, batchSignal{"phash", strings.ToUpper(known["example-bridge"]["phash"])})
		}
	}
	var got batchAnswer
	ts.json(t, "POST", "/v1/lookup", matchToken, map[string]any{"signals": sigs}, 200, &got)
	if len(got.Results) != len(sigs) {
		t.Fatalf("%d results for %d signals", len(got.Results), len(sigs))
	}
	matched := 0
	for i, s := range sigs {
		res := got.Results[i]
		if res.Type != s.Type || res.Value != strings.ToLower(s.Value) {
			t.Fatalf("result %d is %s %s, want %s %s", i, res.Type, res.Value, s.Type, s.Value)
		}
		var one struct {
			Matches []matchJSON `json:"matches"`
		}
		ts.json(t, "GET", "/m/raw_lookup?include_distance=true&signal_type="+s.Type+"&signal="+s.Value,
			matchToken, nil, 200, &one)
		var want, have []string
		for _, m := range one.Matches {
			want = append(want, fmt.Sprintf("%v/%s", m.BankContentID, m.Distance))
		}
		for _, m := range res.Matches {
			have = append(have, fmt.Sprintf("%s/%d", m.EntryID, *m.Distance))
		}
		if strings.Join(have, " ") != strings.Join(want, " ") {
			t.Errorf("signal %d (%s): batch %v, single %v", i, s.Type, have, want)
		}
		matched += len(res.Matches)
	}
	if matched < 100 {
		t.Errorf("only %d matches in the batch", matched)
	}

	for _, c := range []struct {
		name string
		body any
		code int
		msg  string
	}{
		{"too many", map[string]any{"signals": append(sigs, sigs[0])}, 413, "at most 200"},
		{"empty", map[string]any{"signals": []batchSignal{}}, 400, "signals is required"},
		{"bad hash", map[string]any{"signals": []batchSignal{sigs[0], {"pdq", "zz"}}}, 400, "signals[1]"},
		{"unknown type", map[string]any{"signals": []batchSignal{{"sha1", "00"}}}, 400, "No such SignalType"},
		{"not JSON", "nope", 400, "not the JSON expected"},
	} {
		data, _ := json.Marshal(c.body)
		code, body := ts.do(t, "POST", "/v1/lookup", matchToken, "application/json", data)
		if code != c.code || !strings.Contains(errorMessage(t, body), c.msg) {
			t.Errorf("%s: %d %s", c.name, code, body)
		}
	}
	if code, _ := ts.do(t, "POST", "/v1/lookup", "", "application/json", []byte(`{}`)); code != 401 {
		t.Errorf("without a token: %d", code)
	}
}
