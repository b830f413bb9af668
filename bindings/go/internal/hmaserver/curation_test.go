// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCurationRoundTrip: create a bank, add a signal, look it up, disable
// the bank, delete the content, restart from the saved files, delete the
// bank; every change visible to the next lookup and kept across the
// restart.
func TestCurationRoundTrip(t *testing.T) {
	dir := t.TempDir()
	indexPath := filepath.Join(dir, "index.hmi")
	ts := startServer(t, Config{IndexPath: indexPath}, nil)

	var bank map[string]any
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "TEST_BANK"}, 201, &bank)
	if !reflect.DeepEqual(bank, map[string]any{"name": "TEST_BANK", "matching_enabled_ratio": 1.0}) {
		t.Errorf("POST /c/banks = %v", bank)
	}
	code, body := ts.do(t, "POST", "/c/banks", curationToken, "application/json", []byte(`{"name": "TEST_BANK"}`))
	if code != 403 || errorMessage(t, body) != "Bank already exists" {
		t.Errorf("duplicate bank: %d %s", code, body)
	}
	code, body = ts.do(t, "POST", "/c/banks", curationToken, "application/json", []byte(`{"name": "lower-case"}`))
	if code != 400 {
		t.Errorf("bank name lower-case: %d %s, want 400", code, body)
	}
	code, _ = ts.do(t, "POST", "/c/banks", curationToken, "application/json", []byte(`{"name": "R", "enabled_ratio": 1.5}`))
	if code != 400 {
		t.Errorf("enabled_ratio 1.5: %d, want 400", code)
	}
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "OFF", "enabled": false}, 201, &bank)
	if bank["matching_enabled_ratio"] != 0.0 {
		t.Errorf("bank created disabled = %v", bank)
	}
	var banks []map[string]any
	ts.json(t, "GET", "/c/banks", curationToken, nil, 200, &banks)
	want := []map[string]any{{"name": "OFF", "matching_enabled_ratio": 0.0}, {"name": "TEST_BANK", "matching_enabled_ratio": 1.0}}
	if !reflect.DeepEqual(banks, want) {
		t.Errorf("GET /c/banks = %v, want %v", banks, want)
	}
	ts.json(t, "GET", "/c/bank/TEST_BANK", curationToken, nil, 200, &bank)
	if bank["name"] != "TEST_BANK" {
		t.Errorf("GET /c/bank/TEST_BANK = %v", bank)
	}
	code, body = ts.do(t, "GET", "/c/bank/NOPE", curationToken, "", nil)
	if code != 404 {
		t.Errorf("GET /c/bank/NOPE: %d %s", code, body)
	}

	// Add a PDQ and an MD5 as one content; the lookup finds it at once.
	pdq := "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	md := "d35c785545392755e7e4164457657269"
	var added struct {
		ID      int64             `json:"id"`
		Signals map[string]string `json:"signals"`
	}
	// Upper-case hex is accepted and echoed in canonical lower case.
	ts.json(t, "POST", "/c/bank/TEST_BANK/signal", curationToken, map[string]string{"pdq": pdq, "md5": strings.ToUpper(md)}, 200, &added)
	if added.ID < 1 || !reflect.DeepEqual(added.Signals, map[string]string{"pdq": pdq, "md5": md}) {
		t.Errorf("add signal = %+v", added)
	}
	found := func(ts *testServer, signalType, signal string, extra ...string) []matchJSON {
		t.Helper()
		var got map[string][]matchJSON
		ts.json(t, "GET", lookupPath(signalType, signal, extra...), matchToken, nil, 200, &got)
		return got["TEST_BANK"]
	}
	for st, h := range map[string]string{"pdq": pdq, "md5": md} {
		if m := found(ts, st, h); len(m) != 1 || m[0].BankContentID != float64(added.ID) {
			t.Errorf("lookup %s after add = %v, want content %d", st, m, added.ID)
		}
	}
	var second struct{ ID int64 }
	other := flipBits(t, pdq, 100)
	ts.json(t, "POST", "/c/bank/TEST_BANK/signal", curationToken, map[string]string{"pdq": other}, 200, &second)
	if second.ID == added.ID {
		t.Errorf("two contents got the same id %d", second.ID)
	}
	for _, bad := range []string{`{"pdq": "abc"}`, `{"nope": "abc"}`, `{}`, `not json`} {
		code, body := ts.do(t, "POST", "/c/bank/TEST_BANK/signal", curationToken, "application/json", []byte(bad))
		if code != 400 {
			t.Errorf("add signal %s: %d %s, want 400", bad, code, body)
		}
	}
	code, _ = ts.do(t, "POST", "/c/bank/NOPE/signal", curationToken, "application/json", []byte(`{"pdq": "`+pdq+`"}`))
	if code != 404 {
		t.Errorf("add signal to a missing bank: %d, want 404", code)
	}

	// Disabled (ratio 0): lookups skip it unless bypass_coinflip;
	// raw_lookup ignores the flag, as HMA's.
	ts.json(t, "PUT", "/c/bank/TEST_BANK", curationToken, map[string]any{"enabled": false}, 200, &bank)
	if bank["matching_enabled_ratio"] != 0.0 {
		t.Errorf("PUT enabled=false = %v", bank)
	}
	if m := found(ts, "pdq", pdq); m != nil {
		t.Errorf("disabled bank matched: %v", m)
	}
	if m := found(ts, "pdq", pdq, "bypass_coinflip", "true"); len(m) != 1 {
		t.Errorf("bypass_coinflip on a disabled bank = %v, want the content", m)
	}
	var raw map[string][]any
	ts.json(t, "GET", "/m/raw_lookup?signal_type=md5&signal="+md, matchToken, nil, 200, &raw)
	if len(raw["matches"]) != 1 || raw["matches"][0] != float64(added.ID) {
		t.Errorf("raw_lookup on a disabled bank = %v", raw)
	}
	// Ratio 0.5 with a seed: the same answer for the same seed, and
	// both answers among the seeds.
	ts.json(t, "PUT", "/c/bank/TEST_BANK", curationToken, map[string]any{"enabled_ratio": 0.5}, 200, nil)
	hits := 0
	for i := 0; i < 40; i++ {
		seed := fmt.Sprint("content-", i)
		a, b := found(ts, "pdq", pdq, "seed", seed), found(ts, "pdq", pdq, "seed", seed)
		if len(a) != len(b) {
			t.Fatalf("seed %s gave two answers", seed)
		}
		hits += len(a)
	}
	if hits == 0 || hits == 40 {
		t.Errorf("ratio 0.5 matched %d of 40 seeds", hits)
	}
	ts.json(t, "PUT", "/c/bank/TEST_BANK", curationToken, map[string]any{"enabled_ratio": 1.0}, 200, nil)

	// Delete the first content: it no longer matches; the second does.
	var del map[string]any
	ts.json(t, "DELETE", fmt.Sprintf("/c/bank/TEST_BANK/content/%d", added.ID), curationToken, nil, 200, &del)
	if !reflect.DeepEqual(del, map[string]any{"deleted": 1.0}) {
		t.Errorf("DELETE content = %v", del)
	}
	ts.json(t, "DELETE", fmt.Sprintf("/c/bank/TEST_BANK/content/%d", added.ID), curationToken, nil, 200, &del)
	if del["deleted"] != 0.0 {
		t.Errorf("DELETE content again = %v", del)
	}
	if m := found(ts, "pdq", pdq, "bypass_coinflip", "true"); len(m) != 0 {
		t.Errorf("deleted content still matches: %v", m)
	}
	if m := found(ts, "pdq", other); len(m) != 1 {
		t.Errorf("the other content = %v", m)
	}

	// Restart from the saved files: banks, ratios and contents kept.
	ts.stop()
	ts2 := startServer(t, Config{IndexPath: indexPath}, nil)
	ts2.json(t, "GET", "/c/banks", curationToken, nil, 200, &banks)
	if !reflect.DeepEqual(banks, want) {
		t.Errorf("banks after restart = %v, want %v", banks, want)
	}
	if m := found(ts2, "pdq", other); len(m) != 1 || m[0].BankContentID != float64(second.ID) {
		t.Errorf("content after restart = %v", m)
	}
	if m := found(ts2, "pdq", pdq, "bypass_coinflip", "true"); len(m) != 0 {
		t.Errorf("deleted content after restart = %v", m)
	}
	var third struct{ ID int64 }
	ts2.json(t, "POST", "/c/bank/TEST_BANK/signal", curationToken, map[string]string{"pdq": pdq}, 200, &third)
	if third.ID <= second.ID {
		t.Errorf("content id after restart %d reuses an id (<= %d)", third.ID, second.ID)
	}

	// Delete the bank: gone from the list and from lookups.
	ts2.json(t, "DELETE", "/c/bank/TEST_BANK", curationToken, nil, 200, &del)
	if del["message"] != "Done" {
		t.Errorf("DELETE bank = %v", del)
	}
	ts2.json(t, "GET", "/c/banks", curationToken, nil, 200, &banks)
	if len(banks) != 1 || banks[0]["name"] != "OFF" {
		t.Errorf("banks after delete = %v", banks)
	}
	if m := found(ts2, "pdq", other, "bypass_coinflip", "true"); len(m) != 0 {
		t.Errorf("a deleted bank's content matched: %v", m)
	}
	// The sidecar is JSON beside the index, with no temporary left.
	var side sidecar
	data, err := os.ReadFile(SidecarPath(indexPath))
	if err == nil {
		err = json.Unmarshal(data, &side)
	}
	if err != nil || !side.Banks["TEST_BANK"].Deleted || side.Banks["OFF"].Deleted {
		t.Errorf("sidecar = %+v (%v)", side, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	// A deleted bank can be created again, empty.
	ts2.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "TEST_BANK"}, 201, nil)
	if m := found(ts2, "pdq", other); len(m) != 0 {
		t.Errorf("re-created bank kept old content: %v", m)
	}
}

// TestCurationNeedsIndexFile: without --index, changes could not be kept,
// so curation refuses them.
func TestCurationNeedsIndexFile(t *testing.T) {
	ts := startServer(t, Config{Lists: []string{dataPath(t, "example", "known.csv")}}, nil)
	code, body := ts.do(t, "POST", "/c/banks", curationToken, "application/json", []byte(`{"name": "X"}`))
	if code != 403 || !strings.Contains(errorMessage(t, body), "--index") {
		t.Errorf("curation without an index file: %d %s", code, body)
	}
	var banks []Bank
	ts.json(t, "GET", "/c/banks", curationToken, nil, 200, &banks)
	if len(banks) != 1 || banks[0] != (Bank{"example-known", 1}) {
		t.Errorf("banks of the example list = %v", banks)
	}
}

// TestLookupsDuringCuration: lookups running while curation adds and
// removes content always get a whole answer: the content nobody touches is
// always found, no request fails.
func TestLookupsDuringCuration(t *testing.T) {
	ts := exampleServer(t)
	pen := knownHashes(t)["example-pen"]["pdq"]
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "BUSY"}, 201, nil)
	stop := make(chan struct{})
	errs := make(chan string, 8)
	done := make(chan struct{})
	for g := 0; g < 3; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// Not ts.do: t.Fatal belongs to the test's goroutine.
				req, _ := http.NewRequest("GET", ts.URL+lookupPath("pdq", pen), nil)
				req.Header.Set("Authorization", "Bearer "+matchToken)
				resp, err := ts.Client().Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var got map[string][]matchJSON
				if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || len(got["example-known"]) != 1 {
					errs <- fmt.Sprintf("%d %s", resp.StatusCode, body)
					return
				}
			}
		}()
	}
	busy := flipBits(t, pen, 64)
	for i := 0; i < 30; i++ {
		var added struct{ ID int64 }
		ts.json(t, "POST", "/c/bank/BUSY/signal", curationToken, map[string]string{"pdq": busy}, 200, &added)
		var got map[string][]matchJSON
		ts.json(t, "GET", lookupPath("pdq", busy), matchToken, nil, 200, &got)
		if len(got["BUSY"]) != 1 {
			t.Fatalf("round %d: added content not found at once: %v", i, got)
		}
		ts.json(t, "DELETE", fmt.Sprintf("/c/bank/BUSY/content/%d", added.ID), curationToken, nil, 200, nil)
	}
	close(stop)
	for g := 0; g < 3; g++ {
		<-done
	}
	select {
	case e := <-errs:
		t.Errorf("a lookup during curation failed: %s", e)
	default:
	}
}

// TestBankRename: PUT /c/bank/<name> with a "name" renames the bank (its
// list, metadata and content records) in one commit, kept across a
// restart; a live bank's name is refused, a deleted bank's is reused.
func TestBankRename(t *testing.T) {
	dir := t.TempDir()
	indexPath := filepath.Join(dir, "index.hmi")
	ts := startServer(t, Config{IndexPath: indexPath}, nil)
	pdq := "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	other := flipBits(t, pdq, 100)
	for _, b := range []string{"OLD", "TAKEN", "GONE"} {
		ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": b}, 201, nil)
	}
	var c1, c2 struct{ ID int64 }
	ts.json(t, "POST", "/c/bank/OLD/signal", curationToken, map[string]string{"pdq": pdq}, 200, &c1)
	ts.json(t, "POST", "/c/bank/OLD/signal", curationToken, map[string]string{"pdq": other}, 200, &c2)
	ts.json(t, "PUT", fmt.Sprintf("/c/bank/OLD/content/%d", c2.ID), curationToken,
		map[string]any{"disable_until_ts": 0}, 200, nil)
	ts.json(t, "DELETE", "/c/bank/GONE", curationToken, nil, 200, nil)
	banksOf := func(ts *testServer, signal string) map[string][]matchJSON {
		t.Helper()
		var got map[string][]matchJSON
		ts.json(t, "GET", lookupPath("pdq", signal), matchToken, nil, 200, &got)
		return got
	}

	// Refused, and nothing changes: a live bank's name, a bad name, a bad
	// ratio beside a good name, an unknown bank.
	for _, c := range []struct {
		path, body string
		want       int
	}{
		{"/c/bank/OLD", `{"name": "TAKEN"}`, 403},
		{"/c/bank/OLD", `{"name": "lower"}`, 400},
		{"/c/bank/OLD", `{"name": "NEW", "enabled_ratio": 2}`, 400},
		{"/c/bank/NOPE", `{"name": "NEW"}`, 404},
	} {
		code, body := ts.do(t, "PUT", c.path, curationToken, "application/json", []byte(c.body))
		if code != c.want {
			t.Errorf("PUT %s %s: %d %s, want %d", c.path, c.body, code, body, c.want)
		}
	}
	if got := banksOf(ts, pdq); len(got["OLD"]) != 1 || len(got) != 1 {
		t.Fatalf("after refused renames: %v", got)
	}

	// Renamed with a new ratio in one request.
	var bank map[string]any
	ts.json(t, "PUT", "/c/bank/OLD", curationToken, map[string]any{"name": "NEW", "enabled_ratio": 1.0}, 200, &bank)
	if !reflect.DeepEqual(bank, map[string]any{"name": "NEW", "matching_enabled_ratio": 1.0}) {
		t.Errorf("PUT rename = %v", bank)
	}
	if code, _ := ts.do(t, "GET", "/c/bank/OLD", curationToken, "", nil); code != 404 {
		t.Errorf("GET the old name: %d, want 404", code)
	}
	check := func(ts *testServer, bank string) {
		t.Helper()
		if got := banksOf(ts, pdq); len(got) != 1 || len(got[bank]) != 1 || got[bank][0].BankContentID != float64(c1.ID) {
			t.Errorf("lookup after the rename to %s: %v", bank, got)
		}
		// the disabled content stayed disabled under the new name
		if got := banksOf(ts, other); len(got) != 0 {
			t.Errorf("disabled content after the rename to %s: %v", bank, got)
		}
		var content map[string]any
		ts.json(t, "GET", fmt.Sprintf("/c/bank/%s/content/%d", bank, c2.ID), curationToken, nil, 200, &content)
		if content["disable_until_ts"] != 0.0 {
			t.Errorf("content record after the rename to %s: %v", bank, content)
		}
	}
	check(ts, "NEW")

	// To the name of a deleted bank: it is moved out of the way.
	ts.json(t, "PUT", "/c/bank/NEW", curationToken, map[string]any{"name": "GONE"}, 200, nil)
	check(ts, "GONE")
	var banks []map[string]any
	ts.json(t, "GET", "/c/banks", curationToken, nil, 200, &banks)
	want := []map[string]any{{"name": "GONE", "matching_enabled_ratio": 1.0}, {"name": "TAKEN", "matching_enabled_ratio": 1.0}}
	if !reflect.DeepEqual(banks, want) {
		t.Errorf("banks after renames = %v, want %v", banks, want)
	}

	// Kept across a restart.
	ts.stop()
	ts2 := startServer(t, Config{IndexPath: indexPath}, nil)
	check(ts2, "GONE")
	ts2.json(t, "GET", "/c/banks", curationToken, nil, 200, &banks)
	if !reflect.DeepEqual(banks, want) {
		t.Errorf("banks after restart = %v, want %v", banks, want)
	}
}
