// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// decideAnswer is POST /v1/decide's answer.
type decideAnswer struct {
	ContentType string         `json:"content_type"`
	Hashes      []decideHash   `json:"hashes"`
	Decisions   []decisionJSON `json:"decisions"`
}

func (a decideAnswer) types() []string {
	var out []string
	for _, h := range a.Hashes {
		out = append(out, h.Type)
	}
	sort.Strings(out)
	return out
}

func (a decideAnswer) find(bank, entry string) *decisionJSON {
	for i := range a.Decisions {
		if a.Decisions[i].Bank == bank && a.Decisions[i].EntryID == entry {
			return &a.Decisions[i]
		}
	}
	return nil
}

func (ts *testServer) decide(t *testing.T, query string, data []byte) decideAnswer {
	t.Helper()
	code, body := ts.upload(t, "/v1/decide"+query, matchToken, "photo", data)
	if code != 200 {
		t.Fatalf("POST /v1/decide%s: %d %s", query, code, body)
	}
	var out decideAnswer
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// reencodeJPEG decodes a JPEG and encodes it again with Go's encoder.
func reencodeJPEG(t *testing.T, data []byte, quality int) []byte {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecidePhoto: the photo is hashed with every type of the example
// list; the photo itself is decided by its digest with every type at
// distance 0, a copy re-encoded by Go's image/jpeg by PDQ's rule, with
// the distances of the hashes themselves.
func TestDecidePhoto(t *testing.T) {
	ts := exampleServer(t)
	known := knownHashes(t)
	held := map[string]bool{}
	for _, hs := range known {
		for ty := range hs {
			held[ty] = true
		}
	}
	var heldTypes []string
	for ty := range held {
		heldTypes = append(heldTypes, ty)
	}
	sort.Strings(heldTypes)
	bridge := known["example-bridge"]
	var bridgeTypes []string
	for ty := range bridge {
		bridgeTypes = append(bridgeTypes, ty)
	}
	sort.Strings(bridgeTypes)
	sortedTypes := func(ts []string) []string {
		out := append([]string(nil), ts...)
		sort.Strings(out)
		return out
	}

	jpg := readData(t, bridgeJPG)
	got := ts.decide(t, "", jpg)
	if got.ContentType != "photo" || !reflect.DeepEqual(got.types(), heldTypes) {
		t.Fatalf("hashed %v, the index holds %v: %+v", got.types(), heldTypes, got)
	}
	for _, h := range got.Hashes {
		if v, ok := bridge[h.Type]; ok && v != h.Value {
			t.Errorf("%s = %s, the list's %s", h.Type, h.Value, v)
		}
		if (h.Quality != nil) != (h.Type == "pdq") {
			t.Errorf("%s quality %v", h.Type, h.Quality)
		}
	}
	if len(got.Decisions) == 0 {
		t.Fatalf("no decisions: %+v", got)
	}
	d := got.Decisions[0]
	if d.Bank != "example-known" || d.EntryID != "example-bridge" || d.Labels != "demo photo: bridge" ||
		d.Rule != "exact" || d.EnabledRatio != 1 || d.Comparisons != 1 || d.Score == nil ||
		d.Threshold != hashmatch.DecideScoreFPR1e4 {
		t.Errorf("the photo itself: %+v", d)
	}
	if !reflect.DeepEqual(sortedTypes(d.Types), bridgeTypes) || !reflect.DeepEqual(sortedTypes(d.Agreed), bridgeTypes) {
		t.Errorf("types %v agreed %v, the list's %v", d.Types, d.Agreed, bridgeTypes)
	}
	for _, ty := range bridgeTypes {
		if dist, ok := d.Distances[ty]; !ok || dist != 0 {
			t.Errorf("%s distance %d (%v)", ty, dist, ok)
		}
	}

	copyJPG := reencodeJPEG(t, jpg, 50)
	qs, err := hashmatch.HashBytes(copyJPG, hashmatch.WantAll)
	if err != nil {
		t.Fatal(err)
	}
	got = ts.decide(t, "", copyJPG)
	c := got.find("example-known", "example-bridge")
	if c == nil {
		t.Fatalf("the re-encoded copy: %+v", got)
	}
	if c.Rule != "pdq" || c.Score == nil || !(*c.Score < c.Threshold) {
		t.Errorf("the re-encoded copy: %+v", c)
	}
	if !reflect.DeepEqual(sortedTypes(c.Types), bridgeTypes) {
		t.Errorf("the copy compared %v, want %v", c.Types, bridgeTypes)
	}
	for _, ty := range bridgeTypes {
		ht, _ := hashmatch.ParseHashType(ty)
		q, _ := qs.Get(ht)
		want, err := q.Distance(hashmatch.MustParse(ht, bridge[ty]))
		if err != nil {
			t.Fatal(err)
		}
		if (ht == hashmatch.MD5 || ht == hashmatch.SHA256) && want != 0 {
			want = 1 // a decision's digests: equal (0) or not (1)
		}
		agreed := false
		for _, a := range c.Agreed {
			agreed = agreed || a == ty
		}
		if c.Distances[ty] != want || agreed != (want <= ht.DefaultThreshold()) {
			t.Errorf("%s: distance %d agreed %v, the hashes' distance %d", ty, c.Distances[ty], agreed, want)
		}
	}
}

// TestDecideHashesEveryTypeHeld: the types hashed follow the index's
// content: none (PDQ and MD5, nothing decided), dHash alone (decided by
// the one type's rule), then PDQ too.
func TestDecideHashesEveryTypeHeld(t *testing.T) {
	ts := startServer(t, Config{IndexPath: t.TempDir() + "/index.hmi"}, nil)
	jpg := readData(t, bridgeJPG)
	got := ts.decide(t, "", jpg)
	if !reflect.DeepEqual(got.types(), []string{"md5", "pdq"}) || len(got.Decisions) != 0 {
		t.Fatalf("empty index: %+v", got)
	}
	hs, err := hashmatch.HashBytes(jpg, hashmatch.WantPDQ|hashmatch.WantDHash)
	if err != nil {
		t.Fatal(err)
	}
	dh, _ := hs.Get(hashmatch.DHash)
	pdq, _ := hs.Get(hashmatch.PDQ)
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "DH"}, 201, nil)
	var added struct{ ID int64 }
	ts.json(t, "POST", "/c/bank/DH/signal", curationToken, map[string]string{"dhash": dh.String()}, 200, &added)
	got = ts.decide(t, "", jpg)
	if !reflect.DeepEqual(got.types(), []string{"dhash"}) || len(got.Decisions) != 1 {
		t.Fatalf("dHash only: %+v", got)
	}
	d := got.Decisions[0]
	if d.EntryID != fmt.Sprint(added.ID) || d.Rule != "single" || !reflect.DeepEqual(d.Types, []string{"dhash"}) ||
		!reflect.DeepEqual(d.Distances, map[string]int{"dhash": 0}) {
		t.Errorf("dHash only: %+v", d)
	}
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "PQ"}, 201, nil)
	ts.json(t, "POST", "/c/bank/PQ/signal", curationToken, map[string]string{"pdq": pdq.String()}, 200, nil)
	if got = ts.decide(t, "", jpg); !reflect.DeepEqual(got.types(), []string{"dhash", "pdq"}) || len(got.Decisions) != 2 {
		t.Errorf("dHash and PDQ: %+v", got)
	}
}

// TestDecideBanks: the banks filter, disabled banks (include_disabled),
// disabled content and deleted banks, as /v1/hash.
func TestDecideBanks(t *testing.T) {
	ts := exampleServer(t)
	jpg := readData(t, bridgeJPG)
	pdq := knownHashes(t)["example-bridge"]["pdq"]
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "CUR"}, 201, nil)
	var added struct{ ID int64 }
	ts.json(t, "POST", "/c/bank/CUR/signal", curationToken, map[string]string{"pdq": pdq}, 200, &added)
	id := fmt.Sprint(added.ID)
	both := ts.decide(t, "", jpg)
	if both.find("example-known", "example-bridge") == nil || both.find("CUR", id) == nil {
		t.Fatalf("both banks: %+v", both)
	}
	if got := ts.decide(t, "?banks=CUR", jpg); len(got.Decisions) != 1 || got.find("CUR", id) == nil {
		t.Errorf("banks=CUR: %+v", got.Decisions)
	}
	ts.json(t, "PUT", "/c/bank/CUR/content/"+id, curationToken, map[string]any{"disable_until_ts": 0}, 200, nil)
	if got := ts.decide(t, "?include_disabled=true", jpg); got.find("CUR", id) != nil || got.find("example-known", "example-bridge") == nil {
		t.Errorf("disabled content decided: %+v", got.Decisions)
	}
	ts.json(t, "PUT", "/c/bank/example-known", curationToken, map[string]any{"enabled": false}, 200, nil)
	if got := ts.decide(t, "", jpg); len(got.Decisions) != 0 {
		t.Errorf("disabled bank decided: %+v", got.Decisions)
	}
	got := ts.decide(t, "?include_disabled=true", jpg)
	if d := got.find("example-known", "example-bridge"); d == nil || d.EnabledRatio != 0 {
		t.Errorf("include_disabled: %+v", got.Decisions)
	}
	ts.json(t, "DELETE", "/c/bank/example-known", curationToken, nil, 200, nil)
	if got := ts.decide(t, "?include_disabled=true", jpg); len(got.Decisions) != 0 {
		t.Errorf("deleted bank decided: %+v", got.Decisions)
	}
}

// TestDecideDihedral: a rotated copy is decided with dihedral=true only,
// over the 8 variants, at a tightened threshold.
func TestDecideDihedral(t *testing.T) {
	ts := exampleServer(t)
	rotated := readData(t, "pdq-reference/threatexchange/pdq/data/reg-test-input/dih/bridge-2-rotate-90.jpg")
	if d := ts.decide(t, "", rotated).find("example-known", "example-bridge"); d != nil {
		t.Errorf("a rotated copy decided without dihedral: %+v", d)
	}
	got := ts.decide(t, "?dihedral=true", rotated)
	d := got.find("example-known", "example-bridge")
	if d == nil || d.Rule != "pdq" || d.Comparisons != 8 || !(d.Threshold < hashmatch.DecideScoreFPR1e4) ||
		d.Distances["pdq"] != 0 {
		t.Errorf("dihedral=true: %+v", d)
	}
	for _, h := range got.Hashes {
		if h.Type == "pdq" && h.Value == knownHashes(t)["example-bridge"]["pdq"] {
			t.Errorf("the answer lists a variant as the photo's hash: %+v", got.Hashes)
		}
	}
	if n := len(got.Hashes); n != len(ts.decide(t, "", rotated).Hashes) {
		t.Errorf("%d hashes listed with dihedral=true", n)
	}
}

// TestDecideBadRequests: bad parameters and uploads are 400s that say
// what was wrong (max_score through the library's own check), the method
// and the token as on every endpoint.
func TestDecideBadRequests(t *testing.T) {
	ts := exampleServer(t)
	jpg := readData(t, bridgeJPG)
	for _, c := range []struct{ query, field, says string }{
		{"?max_score=abc", "photo", "max_score"},
		{"?max_score=0", "photo", "max_score"},
		{"?max_score=2", "photo", "max_score"},
		{"?max_score=NaN", "photo", "max_score"},
		{"?max_score=-Inf", "photo", "max_score"},
		{"?dihedral=maybe", "photo", "boolean"},
		{"?include_disabled=x", "photo", "boolean"},
		{"?types=pdq", "photo", "types"},
		{"", "video", "photo"},
	} {
		code, body := ts.upload(t, "/v1/decide"+c.query, matchToken, c.field, jpg)
		if code != 400 || !strings.Contains(errorMessage(t, body), c.says) {
			t.Errorf("%s (%s): %d %s", c.query, c.field, code, body)
		}
	}
	if code, body := ts.upload(t, "/v1/decide", matchToken, "photo", jpg[:100]); code != 400 {
		t.Errorf("truncated upload: %d %s", code, body)
	}
	if code, _ := ts.do(t, "GET", "/v1/decide", matchToken, "", nil); code != 405 {
		t.Errorf("GET: %d", code)
	}
	if code, _ := ts.upload(t, "/v1/decide", "", "photo", jpg); code != 401 {
		t.Errorf("no token: %d", code)
	}
	strict := strconv.FormatFloat(hashmatch.DecideScoreFPR1e6, 'g', -1, 64)
	got := ts.decide(t, "?max_score="+strict, jpg)
	if len(got.Decisions) == 0 || got.Decisions[0].Threshold != hashmatch.DecideScoreFPR1e6 {
		t.Errorf("max_score=%s: %+v", strict, got.Decisions)
	}
}
