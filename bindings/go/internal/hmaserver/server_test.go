// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func lookupPath(signalType, signal string, extra ...string) string {
	q := url.Values{"signal_type": {signalType}, "signal": {signal}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/m/lookup?" + q.Encode()
}

// TestHMAClientPhotoSequence makes the requests an HMA client makes for a
// photo: a multipart POST /h/hash with Bearer auth, then GET /m/lookup for
// each signal type it returned; and the same as one POST /m/lookup.
func TestHMAClientPhotoSequence(t *testing.T) {
	ts := exampleServer(t)
	known := knownHashes(t)["example-bridge"]

	code, body := ts.upload(t, "/h/hash", matchToken, "photo", readData(t, bridgeJPG))
	if code != 200 {
		t.Fatalf("POST /h/hash: %d %s", code, body)
	}
	var hashes map[string]string
	if err := json.Unmarshal(body, &hashes); err != nil {
		t.Fatal(err)
	}
	// HMA's shape: signal type -> hash string; the values are the
	// example list's (the reference PDQ and the file's MD5).
	if want := map[string]string{"pdq": known["pdq"], "md5": known["md5"]}; !reflect.DeepEqual(hashes, want) {
		t.Fatalf("POST /h/hash = %v, want %v", hashes, want)
	}
	for st, h := range hashes {
		var got map[string][]map[string]any
		ts.json(t, "GET", lookupPath(st, h), matchToken, nil, 200, &got)
		want := map[string][]map[string]any{"example-known": {{"bank_content_id": "example-bridge", "distance": "0"}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GET /m/lookup %s = %v, want %v", st, got, want)
		}
	}

	// A hash a few bits away still matches PDQ, at its distance.
	near := flipBits(t, known["pdq"], 5)
	var got map[string][]matchJSON
	ts.json(t, "GET", lookupPath("pdq", near), matchToken, nil, 200, &got)
	if len(got["example-known"]) != 1 || got["example-known"][0].Distance != "5" {
		t.Errorf("near PDQ lookup = %v, want example-bridge at distance 5", got)
	}
	// An unrelated one matches nothing: {} (an object, not null).
	code, body = ts.do(t, "GET", lookupPath("pdq", strings.Repeat("0", 64)), matchToken, "", nil)
	if code != 200 || strings.TrimSpace(string(body)) != "{}" {
		t.Errorf("no-match lookup = %d %s, want 200 {}", code, body)
	}

	// POST /m/lookup: signal type -> bank -> matches.
	code, body = ts.upload(t, "/m/lookup", matchToken, "photo", readData(t, bridgeJPG))
	if code != 200 {
		t.Fatalf("POST /m/lookup: %d %s", code, body)
	}
	var all map[string]map[string][]map[string]any
	if err := json.Unmarshal(body, &all); err != nil {
		t.Fatal(err)
	}
	if k := keys(all); !reflect.DeepEqual(k, []string{"md5", "pdq"}) {
		t.Fatalf("POST /m/lookup keys = %v", k)
	}
	for st, banks := range all {
		if m := banks["example-known"]; len(m) != 1 || m[0]["bank_content_id"] != "example-bridge" {
			t.Errorf("POST /m/lookup %s = %v", st, banks)
		}
	}
	// types= selects signal types, as HMA's.
	code, body = ts.upload(t, "/h/hash?types=phash", matchToken, "photo", readData(t, bridgeJPG))
	if code != 200 || strings.TrimSpace(string(body)) != fmt.Sprintf(`{"phash":"%s"}`, known["phash"]) {
		t.Errorf("POST /h/hash?types=phash = %d %s", code, body)
	}
}

// flipBits returns a hex hash with its first n bits inverted.
func flipBits(t *testing.T, h string, n int) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		b[i/8] ^= 0x80 >> (i % 8)
	}
	return hex.EncodeToString(b)
}

// TestHMAClientVideoSequence hashes a video as HMA's clients upload it and
// checks each signal against an independent reference, then banks the
// signals and finds the video with each signal type.
func TestHMAClientVideoSequence(t *testing.T) {
	ts := exampleServer(t)
	video := readData(t, "video", "test-padded-dimensions.mp4")
	hashes := ts.hashText(t, "video", video)
	if k := keys(hashes); !reflect.DeepEqual(k, []string{"tmk", "video_md5", "vpdq"}) {
		t.Fatalf("video signal types = %v", k)
	}
	if sum := md5.Sum(video); hashes["video_md5"] != hex.EncodeToString(sum[:]) {
		t.Errorf("video_md5 = %s, want %x", hashes["video_md5"], sum)
	}
	tmk, err := base64.StdEncoding.DecodeString(hashes["tmk"])
	if err != nil || !bytes.Equal(tmk, readData(t, "tmk", "expected", "tmk", "test-padded-dimensions.tmk")) {
		t.Errorf("tmk is not the reference .tmk in base64 (err %v)", err)
	}
	checkVPDQ(t, hashes["vpdq"])

	// Bank the video's signals, then find it with each of them.
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "VIDEOS"}, 201, nil)
	var added struct {
		ID      int64             `json:"id"`
		Signals map[string]string `json:"signals"`
	}
	ts.json(t, "POST", "/c/bank/VIDEOS/signal", curationToken, hashes, 200, &added)
	if !reflect.DeepEqual(added.Signals, hashes) {
		t.Errorf("added signals = %v", added.Signals)
	}
	for st, h := range hashes {
		var got map[string][]matchJSON
		ts.json(t, "GET", lookupPath(st, h), matchToken, nil, 200, &got)
		m := got["VIDEOS"]
		if len(got) != 1 || len(m) != 1 || m[0].BankContentID != float64(added.ID) {
			t.Errorf("lookup %s = %v, want content %d in VIDEOS", st, got, added.ID)
		}
	}
	// hashmatch.pytx's name of the TMK signal type is the same type.
	var viaAlias map[string][]matchJSON
	ts.json(t, "GET", lookupPath("video_tmk_pdqf", hashes["tmk"]), matchToken, nil, 200, &viaAlias)
	if m := viaAlias["VIDEOS"]; len(m) != 1 || m[0].BankContentID != float64(added.ID) {
		t.Errorf("lookup video_tmk_pdqf = %v", viaAlias)
	}
	// POST /m/lookup of the re-encoded rotated copy finds it by vPDQ.
	code, body := ts.upload(t, "/m/lookup", matchToken, "video", readData(t, "video", "rotated-90.mp4"))
	if code != 200 {
		t.Fatalf("POST /m/lookup video: %d %s", code, body)
	}
	var all map[string]map[string][]matchJSON
	if err := json.Unmarshal(body, &all); err != nil {
		t.Fatal(err)
	}
	if m := all["vpdq"]["VIDEOS"]; len(m) != 1 || m[0].Distance != "100%[100%]" {
		t.Errorf("POST /m/lookup rotated video vpdq = %v", all["vpdq"])
	}
}

// checkVPDQ compares the compact vPDQ signal (python-threatexchange's
// JSON list of "hex,quality,seconds") with the upstream sample hashes,
// frame by frame at the same timestamps.
func checkVPDQ(t *testing.T, signal string) {
	t.Helper()
	var frames []string
	if err := json.Unmarshal([]byte(signal), &frames); err != nil || len(frames) < 2 {
		t.Fatalf("vpdq signal is not a JSON list of frames: %.200s", signal)
	}
	f, err := os.Open(dataPath(t, "pdq-reference/threatexchange/vpdq/sample-hashes/test-padded-dimensions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ref := map[string]string{} // seconds -> hash
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), ",")
		var sec float64
		fmt.Sscan(p[3], &sec)
		ref[fmt.Sprintf("%.3f", sec)] = p[2]
	}
	for _, fr := range frames {
		p := strings.Split(fr, ",")
		var sec float64
		if len(p) != 3 {
			t.Fatalf("frame %q is not hex,quality,seconds", fr)
		}
		fmt.Sscan(p[2], &sec)
		if want := ref[fmt.Sprintf("%.3f", sec)]; p[0] != want {
			t.Errorf("frame at %s s: %s, reference %s", p[2], p[0], want)
		}
	}
}

// TestRawLookupCompareStatus checks the shapes of /m/raw_lookup,
// /m/compare and /m/index/status against HMA's.
func TestRawLookupCompareStatus(t *testing.T) {
	ts := exampleServer(t)
	known := knownHashes(t)
	pdq := known["example-pen"]["pdq"]

	var raw map[string][]any
	ts.json(t, "GET", "/m/raw_lookup?"+url.Values{"signal_type": {"pdq"}, "signal": {pdq}}.Encode(),
		matchToken, nil, 200, &raw)
	if !reflect.DeepEqual(raw, map[string][]any{"matches": {"example-pen"}}) {
		t.Errorf("raw_lookup = %v", raw)
	}
	ts.json(t, "GET", "/m/raw_lookup?"+url.Values{"signal_type": {"pdq"}, "signal": {pdq},
		"include_distance": {"true"}}.Encode(), matchToken, nil, 200, &raw)
	want := map[string][]any{"matches": {map[string]any{"bank_content_id": "example-pen", "distance": "0"}}}
	if !reflect.DeepEqual(raw, want) {
		t.Errorf("raw_lookup include_distance = %v, want %v", raw, want)
	}
	ts.json(t, "GET", "/m/raw_lookup?"+url.Values{"signal_type": {"pdq"}, "signal": {pdq},
		"banks": {"OTHER"}}.Encode(), matchToken, nil, 200, &raw)
	if len(raw["matches"]) != 0 || raw["matches"] == nil {
		t.Errorf("raw_lookup banks=OTHER = %v, want empty list", raw)
	}
	code, body := ts.do(t, "GET", "/m/raw_lookup?signal_type=pdq&signal="+pdq+"&include_distance=maybe", matchToken, "", nil)
	if code != 400 || !strings.Contains(errorMessage(t, body), "boolean") {
		t.Errorf("include_distance=maybe: %d %s", code, body)
	}

	// compare: signal type -> [match, {"distance": d}].
	var cmp map[string][]any
	ts.json(t, "POST", "/m/compare", matchToken, map[string][]string{
		"pdq": {pdq, flipBits(t, pdq, 9)},
		"md5": {known["example-pen"]["md5"], known["example-bridge"]["md5"]},
	}, 200, &cmp)
	wantCmp := map[string][]any{
		"pdq": {true, map[string]any{"distance": float64(9)}},
		"md5": {false, map[string]any{"distance": float64(hamming(t, known["example-pen"]["md5"], known["example-bridge"]["md5"]))}},
	}
	if !reflect.DeepEqual(cmp, wantCmp) {
		t.Errorf("compare = %v, want %v", cmp, wantCmp)
	}
	ts.json(t, "POST", "/m/compare", matchToken, map[string][]string{"pdq": {pdq, flipBits(t, pdq, 40)}}, 200, &cmp)
	if cmp["pdq"][0] != false {
		t.Errorf("compare at distance 40 = %v, want no match", cmp)
	}
	for _, bad := range []string{`{"pdq": ["` + pdq + `"]}`, `{"nope": ["a", "b"]}`, `{"pdq": ["zz", "` + pdq + `"]}`, `[1]`} {
		code, body := ts.do(t, "POST", "/m/compare", matchToken, "application/json", []byte(bad))
		if code != 400 {
			t.Errorf("compare %s: %d %s, want 400", bad, code, body)
		}
		errorMessage(t, body)
	}

	// index/status: every signal type, {present, built_to, size}.
	var status map[string]map[string]any
	ts.json(t, "GET", "/m/index/status", matchToken, nil, 200, &status)
	if k := keys(status); !reflect.DeepEqual(k, []string{"ahash", "dhash", "md5", "pdq", "phash",
		"phashorg_2014", "phashorg_2026", "phashorg_v09", "tmk", "video_md5", "vpdq"}) {
		t.Errorf("index/status types = %v", k)
	}
	for name, s := range status {
		if k := keys(s); !reflect.DeepEqual(k, []string{"built_to", "present", "size"}) || s["present"] != true {
			t.Errorf("index/status %s = %v", name, s)
		}
	}
	// The example list: 2 PDQ, 1 pHash, 2 MD5.
	for name, n := range map[string]float64{"pdq": 2, "phash": 1, "md5": 2, "video_md5": 2, "dhash": 0, "tmk": 0} {
		if status[name]["size"] != n {
			t.Errorf("index/status %s size = %v, want %v", name, status[name]["size"], n)
		}
	}
	var one map[string]map[string]any
	ts.json(t, "GET", "/m/index/status?signal_type=pdq", matchToken, nil, 200, &one)
	if k := keys(one); !reflect.DeepEqual(k, []string{"pdq"}) {
		t.Errorf("index/status?signal_type=pdq = %v", one)
	}
	code, body = ts.do(t, "GET", "/m/index/status?signal_type=nope", matchToken, "", nil)
	if code != 400 {
		t.Errorf("index/status?signal_type=nope: %d %s", code, body)
	}

	// HMA's signal and content type listings.
	var sigTypes []map[string]any
	ts.json(t, "GET", "/c/signal_type", curationToken, nil, 200, &sigTypes)
	var names []string
	for _, st := range sigTypes {
		if k := keys(st); !reflect.DeepEqual(k, []string{"enabled_ratio", "name"}) || st["enabled_ratio"] != 1.0 {
			t.Errorf("signal type entry %v", st)
		}
		names = append(names, st["name"].(string))
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, keys(status)) {
		t.Errorf("GET /c/signal_type names %v, index/status %v", names, keys(status))
	}
	var contentTypes []map[string]any
	ts.json(t, "GET", "/c/content_type", curationToken, nil, 200, &contentTypes)
	if !reflect.DeepEqual(contentTypes, []map[string]any{{"name": "photo", "enabled": true}, {"name": "video", "enabled": true}}) {
		t.Errorf("GET /c/content_type = %v", contentTypes)
	}
	if code, _ := ts.do(t, "GET", "/c/signal_type", matchToken, "", nil); code != 403 {
		t.Errorf("GET /c/signal_type with a matcher token: %d, want 403", code)
	}
}

func hamming(t *testing.T, a, b string) int {
	x, _ := hex.DecodeString(a)
	y, _ := hex.DecodeString(b)
	d := 0
	for i := range x {
		for v := x[i] ^ y[i]; v != 0; v &= v - 1 {
			d++
		}
	}
	return d
}
