// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// addedJSON is HMA's answer to an add: the new content id and its signals.
type addedJSON struct {
	ID      int64             `json:"id"`
	Signals map[string]string `json:"signals"`
}

// contentServer serves an index file in dir, with the bank PHOTOS, and
// may fetch from loopback.
func contentServer(t *testing.T, dir string, create bool) *testServer {
	ts := startServer(t, Config{IndexPath: filepath.Join(dir, "index.hmi"),
		Fetch: FetchConfig{Allow: []string{"127.0.0.1"}, AllowPrivate: true}}, nil)
	if create {
		ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "PHOTOS"}, 201, nil)
	}
	return ts
}

// photosHits are the PHOTOS content ids a PDQ lookup finds: through
// GET /m/lookup, GET /m/raw_lookup and POST /v1/lookup, which must agree.
func (ts *testServer) photosHits(t *testing.T, pdq string) []any {
	t.Helper()
	var byLookup map[string][]matchJSON
	ts.json(t, "GET", lookupPath("pdq", pdq), matchToken, nil, 200, &byLookup)
	var raw struct {
		Matches []any `json:"matches"`
	}
	ts.json(t, "GET", "/m/raw_lookup?"+url.Values{"signal_type": {"pdq"}, "signal": {pdq},
		"banks": {"PHOTOS"}}.Encode(), matchToken, nil, 200, &raw)
	var native struct {
		Results []struct {
			Matches []struct {
				EntryID string `json:"entry_id"`
			} `json:"matches"`
		} `json:"results"`
	}
	ts.json(t, "POST", "/v1/lookup", matchToken, map[string]any{"banks": []string{"PHOTOS"},
		"signals": []map[string]string{{"type": "pdq", "value": pdq}}}, 200, &native)
	var ids, nativeIDs []any
	for _, m := range byLookup["PHOTOS"] {
		ids = append(ids, m.BankContentID)
	}
	for _, m := range native.Results[0].Matches {
		nativeIDs = append(nativeIDs, contentID(m.EntryID))
	}
	if fmt.Sprint(ids) != fmt.Sprint(raw.Matches) || fmt.Sprint(ids) != fmt.Sprint(nativeIDs) {
		t.Fatalf("lookups disagree: /m/lookup %v, /m/raw_lookup %v, /v1/lookup %v", ids, raw.Matches, nativeIDs)
	}
	return ids
}

// TestContentAddGetDisable: add a photo by upload and by URL, with and
// without metadata; the answers have HMA's shapes; the content is found
// at once; disabling it (for good, until a time) hides it from every
// lookup and enabling it brings it back; a restart from the saved files
// keeps all of it.
func TestContentAddGetDisable(t *testing.T) {
	dir := t.TempDir()
	ts := contentServer(t, dir, true)
	photo := readData(t, bridgeJPG)
	hashes := ts.hashText(t, "photo", photo)

	// By upload: every default signal type of a photo, under one id.
	code, body := ts.upload(t, "/c/bank/PHOTOS/content", curationToken, "photo", photo)
	var added addedJSON
	if code != 200 || json.Unmarshal(body, &added) != nil {
		t.Fatalf("add by upload: %d %s", code, body)
	}
	if added.ID < 1 || !reflect.DeepEqual(added.Signals, hashes) {
		t.Fatalf("add by upload = %s, /h/hash gives %v", body, hashes)
	}
	id1 := added.ID
	if got := ts.photosHits(t, hashes["pdq"]); fmt.Sprint(got) != fmt.Sprint([]any{float64(id1)}) {
		t.Fatalf("after add: PHOTOS hits %v, want [%d]", got, id1)
	}

	// HMA's GET shape: id, disable_until_ts (1: enabled), original media
	// URI, bank; metadata and note null when none was given.
	var got map[string]any
	ts.json(t, "GET", fmt.Sprintf("/c/bank/PHOTOS/content/%d", id1), curationToken, nil, 200, &got)
	want := map[string]any{"id": float64(id1), "disable_until_ts": 1.0, "original_media_uri": nil,
		"bank": map[string]any{"name": "PHOTOS", "matching_enabled_ratio": 1.0}, "metadata": nil, "note": nil}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GET content = %v, want %v", got, want)
	}

	// By URL, with HMA's metadata in the JSON body and a note.
	ms := mediaServer(t, photo, false)
	meta := map[string]any{"content_id": "abc-1", "content_uri": "https://example.com/b.jpg",
		"json": map[string]any{"case": 7.0}, "collab": map[string]any{"TX": []any{"k1"}}}
	ts.json(t, "POST", hashURLPath("/c/bank/PHOTOS/content", ms.URL+"/bridge.jpg"), curationToken,
		map[string]any{"metadata": meta, "note": "seen twice"}, 200, &added)
	if added.ID != id1+1 || !reflect.DeepEqual(added.Signals, hashes) {
		t.Fatalf("add by URL = %+v", added)
	}
	id2 := added.ID
	ts.json(t, "GET", fmt.Sprintf("/c/bank/PHOTOS/content/%d", id2), curationToken, nil, 200, &got)
	if !reflect.DeepEqual(got["metadata"], meta) || got["note"] != "seen twice" ||
		got["original_media_uri"] != "https://example.com/b.jpg" {
		t.Fatalf("GET content with metadata = %v", got)
	}
	// An upload's metadata comes in the query.
	mq, _ := json.Marshal(map[string]any{"content_id": "abc-2"})
	body, ct := multipartBody(t, "photo", "b.jpg", photo)
	code, resp := ts.do(t, "POST", "/c/bank/PHOTOS/content?"+url.Values{"metadata": {string(mq)}}.Encode(),
		curationToken, ct, body)
	if code != 200 || json.Unmarshal(resp, &added) != nil {
		t.Fatalf("add with query metadata: %d %s", code, resp)
	}
	id3 := added.ID
	ts.json(t, "GET", fmt.Sprintf("/c/bank/PHOTOS/content/%d", id3), curationToken, nil, 200, &got)
	if !reflect.DeepEqual(got["metadata"], map[string]any{"content_id": "abc-2", "content_uri": nil,
		"json": nil, "collab": nil}) {
		t.Fatalf("query metadata = %v", got["metadata"])
	}
	all := fmt.Sprint([]any{float64(id1), float64(id2), float64(id3)})
	if hits := ts.photosHits(t, hashes["pdq"]); fmt.Sprint(hits) != all {
		t.Fatalf("three contents: hits %v", hits)
	}

	// Disabled for good (0): gone from every lookup, the rest stays.
	put := func(id int64, until any) map[string]any {
		t.Helper()
		var out map[string]any
		ts.json(t, "PUT", fmt.Sprintf("/c/bank/PHOTOS/content/%d", id), curationToken,
			map[string]any{"disable_until_ts": until}, 200, &out)
		return out
	}
	if out := put(id1, 0); out["disable_until_ts"] != 0.0 || out["id"] != float64(id1) {
		t.Fatalf("PUT disable = %v", out)
	}
	rest := fmt.Sprint([]any{float64(id2), float64(id3)})
	if hits := ts.photosHits(t, hashes["pdq"]); fmt.Sprint(hits) != rest {
		t.Fatalf("id %d disabled: hits %v, want %s", id1, hits, rest)
	}
	// Until a time: hidden until it passes, then back without a change.
	until := time.Now().Unix() + 2
	if out := put(id2, fmt.Sprint(until)); out["disable_until_ts"] != float64(until) ||
		!reflect.DeepEqual(out["metadata"], meta) {
		t.Fatalf("PUT disable until = %v (metadata must stay)", out)
	}
	if hits := ts.photosHits(t, hashes["pdq"]); fmt.Sprint(hits) != fmt.Sprint([]any{float64(id3)}) {
		t.Fatalf("id %d disabled until %d: hits %v", id2, until, hits)
	}

	// Restart from the saved files: the states and metadata are kept.
	ts.stop()
	ts = contentServer(t, dir, false)
	if hits := ts.photosHits(t, hashes["pdq"]); fmt.Sprint(hits) != fmt.Sprint([]any{float64(id3)}) {
		t.Fatalf("after restart: hits %v", hits)
	}
	ts.json(t, "GET", fmt.Sprintf("/c/bank/PHOTOS/content/%d", id2), curationToken, nil, 200, &got)
	if got["disable_until_ts"] != float64(until) || got["note"] != "seen twice" {
		t.Fatalf("after restart: %v", got)
	}
	time.Sleep(time.Until(time.Unix(until+1, 0)))
	if hits := ts.photosHits(t, hashes["pdq"]); fmt.Sprint(hits) != rest {
		t.Fatalf("after %d passed: hits %v, want %s", until, hits, rest)
	}
	// Enabled again (1); a PUT without disable_until_ts changes nothing.
	put(id1, 1)
	if hits := ts.photosHits(t, hashes["pdq"]); fmt.Sprint(hits) != all {
		t.Fatalf("re-enabled: hits %v", hits)
	}
	ts.json(t, "PUT", fmt.Sprintf("/c/bank/PHOTOS/content/%d", id1), curationToken, map[string]any{}, 200, &got)
	if got["disable_until_ts"] != 1.0 {
		t.Fatalf("empty PUT = %v", got)
	}
	// The sidecar keeps records of non-default content only, and
	// deleting a content drops its record.
	ts.json(t, "DELETE", fmt.Sprintf("/c/bank/PHOTOS/content/%d", id2), curationToken, nil, 200, nil)
	side, err := os.ReadFile(SidecarPath(filepath.Join(dir, "index.hmi")))
	if err != nil {
		t.Fatal(err)
	}
	var sc sidecar
	if err := json.Unmarshal(side, &sc); err != nil {
		t.Fatal(err)
	}
	if sc.Version != sidecarVersion || len(sc.Content["PHOTOS"]) != 1 || sc.Content["PHOTOS"][fmt.Sprint(id3)].Metadata == nil {
		t.Fatalf("sidecar content = %+v", sc.Content)
	}
	code, _ = ts.do(t, "GET", fmt.Sprintf("/c/bank/PHOTOS/content/%d", id2), curationToken, "", nil)
	if code != 404 {
		t.Fatalf("GET deleted content: %d", code)
	}
}

// TestContentBadInput: unknown banks and ids, malformed bodies and
// metadata, non-media uploads get a clear 4xx, and the server stays up.
func TestContentBadInput(t *testing.T) {
	ts := contentServer(t, t.TempDir(), true)
	photo := readData(t, bridgeJPG)
	var added addedJSON
	body, ct := multipartBody(t, "photo", "b.jpg", photo)
	code, resp := ts.do(t, "POST", "/c/bank/PHOTOS/content", curationToken, ct, body)
	if code != 200 || json.Unmarshal(resp, &added) != nil {
		t.Fatalf("add: %d %s", code, resp)
	}
	cpath := fmt.Sprintf("/c/bank/PHOTOS/content/%d", added.ID)
	notMedia, nmct := multipartBody(t, "photo", "x.jpg", []byte("this is not an image at all"))
	tooLong := strings.Repeat("n", maxNoteLen+1)
	far := fmt.Sprint(time.Now().Add(maxDisableAhead + time.Hour).Unix())
	for _, c := range []struct {
		name, method, path, ct, body string
		want                         int
		msg                          string
	}{
		{"add to unknown bank", "POST", "/c/bank/NOPE/content", ct, string(body), 404, "bank 'NOPE' not found"},
		{"add without content", "POST", "/c/bank/PHOTOS/content", "", "", 400, "Neither `url` nor multipart"},
		{"add non-media", "POST", "/c/bank/PHOTOS/content", nmct, string(notMedia), 400, "cannot use the upload"},
		{"add video field, photo bytes", "POST", "/c/bank/PHOTOS/content?types=tmk", ct, string(body), 400, "doesn't exist"},
		{"metadata not an object", "POST", "/c/bank/PHOTOS/content?url=http://127.0.0.1:1/x", "application/json",
			`{"metadata": [1]}`, 400, "metadata should be a json object"},
		{"metadata unknown key", "POST", "/c/bank/PHOTOS/content?url=http://127.0.0.1:1/x", "application/json",
			`{"metadata": {"owner": "x"}}`, 400, "Invalid metadata"},
		{"metadata wrong type", "POST", "/c/bank/PHOTOS/content?url=http://127.0.0.1:1/x", "application/json",
			`{"metadata": {"content_id": 5}}`, 400, "Invalid metadata"},
		{"malformed add body", "POST", "/c/bank/PHOTOS/content?url=http://127.0.0.1:1/x", "application/json",
			`{"metadata":`, 400, "not the JSON expected"},
		{"note too long", "POST", "/c/bank/PHOTOS/content?note=" + tooLong, ct, string(body), 400, "note must be at most"},
		{"get unknown bank", "GET", "/c/bank/NOPE/content/1", "", "", 404, "bank 'NOPE' not found"},
		{"get unknown id", "GET", "/c/bank/PHOTOS/content/999", "", "", 404, "content '999' not found"},
		{"get non-integer id", "GET", "/c/bank/PHOTOS/content/abc", "", "", 404, "content 'abc' not found"},
		{"get with signals", "GET", cpath + "?include_signals=true", "", "", 400, "include_signals is not supported"},
		{"put unknown id", "PUT", "/c/bank/PHOTOS/content/999", "application/json", `{"disable_until_ts": 0}`, 404, "content '999' not found"},
		{"put unknown bank", "PUT", "/c/bank/NOPE/content/1", "application/json", `{"disable_until_ts": 0}`, 404, "bank 'NOPE' not found"},
		{"put malformed", "PUT", cpath, "application/json", `{"disable_until_ts":`, 400, "not the JSON expected"},
		{"put not a number", "PUT", cpath, "application/json", `{"disable_until_ts": "soon"}`, 400, "must be an integer"},
		{"put negative", "PUT", cpath, "application/json", `{"disable_until_ts": -5}`, 400, "non-negative"},
		{"put too far", "PUT", cpath, "application/json", `{"disable_until_ts": ` + far + `}`, 400, "5 years"},
		{"rename to a bad name", "PUT", "/c/bank/PHOTOS", "application/json", `{"name": "other"}`, 400, "UPPER_WITH_UNDERSCORE"},
		{"update unknown bank", "PUT", "/c/bank/NOPE", "application/json", `{"enabled": false}`, 404, "Bank not found"},
	} {
		var rd []byte
		if c.body != "" {
			rd = []byte(c.body)
		}
		code, resp := ts.do(t, c.method, c.path, curationToken, c.ct, rd)
		if code != c.want || !strings.Contains(errorMessage(t, resp), c.msg) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, code, resp, c.want, c.msg)
		}
	}
	// Fetching off: adding by URL is refused as /h/hash?url= is.
	off := startServer(t, Config{IndexPath: filepath.Join(t.TempDir(), "index.hmi")}, nil)
	off.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "B"}, 201, nil)
	code, resp = off.do(t, "POST", "/c/bank/B/content?url=http://127.0.0.1/x.jpg", curationToken, "", nil)
	if code != 403 || !strings.Contains(errorMessage(t, resp), "URL fetching is disabled") {
		t.Errorf("add by URL with fetching off: %d %s", code, resp)
	}
	// A matcher token may not curate.
	code, _ = ts.do(t, "GET", cpath, matchToken, "", nil)
	if code != 403 {
		t.Errorf("GET content with a matcher token: %d, want 403", code)
	}
	// Still up, the content unchanged and enabled.
	var got map[string]any
	ts.json(t, "GET", cpath, curationToken, nil, 200, &got)
	if got["disable_until_ts"] != 1.0 {
		t.Fatalf("after bad requests: %v", got)
	}
	var bank map[string]any
	ts.json(t, "GET", "/c/bank/PHOTOS", curationToken, nil, 200, &bank)
	if bank["name"] != "PHOTOS" {
		t.Fatalf("bank after refused rename: %v", bank)
	}
}

// TestSidecarVersions: a version 1 bank metadata file (before content
// records) is read and rewritten as the current version; an unknown
// version stops the load with its name.
func TestSidecarVersions(t *testing.T) {
	dir := t.TempDir()
	index := filepath.Join(dir, "index.hmi")
	ts := contentServer(t, dir, true)
	ts.stop()
	v1 := []byte(`{"version": 1, "next_content_id": 7, "banks": {"PHOTOS": {"matching_enabled_ratio": 0.5}}}`)
	if err := os.WriteFile(SidecarPath(index), v1, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := OpenStore(index, nil)
	if err != nil {
		t.Fatalf("version 1: %v", err)
	}
	b, err := st.Bank("PHOTOS")
	st.unref()
	if err != nil || b.MatchingEnabledRatio != 0.5 {
		t.Fatalf("version 1 bank = %+v, %v", b, err)
	}
	var sc sidecar
	data, _ := os.ReadFile(SidecarPath(index))
	if err := json.Unmarshal(data, &sc); err != nil || sc.Version != sidecarVersion || sc.NextContentID != 7 {
		t.Fatalf("rewritten sidecar = %s", data)
	}
	if err := os.WriteFile(SidecarPath(index), []byte(`{"version": 99, "banks": {}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(index, nil); err == nil || !strings.Contains(err.Error(), "unknown version 99") {
		t.Fatalf("version 99: %v", err)
	}
}
