// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// pHash.org's hash of bridgeJPG in its 0.9.x and 2014-2022 packings, from
// tests/data/pdq-reference/expected/phash-cpp-dct-imagehash.csv; the 2026
// packing is the 0.9.x value bit-reversed.
const (
	bridgeV09  = "6ed56019e69edc22"
	bridge2014 = "8876f2cf300d56ec"
	bridge2026 = "443b79679806ab76"
)

// TestPHashOrgSignalTypes: the pHash.org packings are signal types of
// their own, hashed when asked with types=, banked from a list, looked up
// in their own packing only (never across packings), refused when the
// value is not one of the packing, and decided by /v1/decide.
func TestPHashOrgSignalTypes(t *testing.T) {
	list := filepath.Join(t.TempDir(), "pho.csv")
	csv := "hash_type,hash,entry_id,list,labels\n" +
		"phashorg_2014," + bridge2014 + ",bridge-2014,old-phash-list,\n"
	if err := os.WriteFile(list, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, Config{IndexPath: filepath.Join(t.TempDir(), "index.hmi"),
		Lists: []string{list}}, nil)
	jpg := readData(t, bridgeJPG)

	// /h/hash: the reference values, only when asked for.
	hashes := ts.hashText(t, "photo", jpg)
	for name := range hashes {
		if strings.HasPrefix(name, "phashorg") {
			t.Errorf("POST /h/hash without types= gave %s", name)
		}
	}
	code, body := ts.upload(t, "/h/hash?types=phashorg_v09,phashorg_2014,phashorg_2026",
		matchToken, "photo", jpg)
	var got map[string]string
	if code != 200 || json.Unmarshal(body, &got) != nil {
		t.Fatalf("POST /h/hash?types=phashorg_*: %d %s", code, body)
	}
	want := map[string]string{"phashorg_v09": bridgeV09, "phashorg_2014": bridge2014,
		"phashorg_2026": bridge2026}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("POST /h/hash?types=phashorg_* = %v, want %v", got, want)
	}

	// lookups: the list's packing matches, the same value in another
	// packing does not.
	var m map[string][]matchJSON
	ts.json(t, "GET", lookupPath("phashorg_2014", bridge2014), matchToken, nil, 200, &m)
	if len(m["old-phash-list"]) != 1 || m["old-phash-list"][0].Distance != "0" {
		t.Errorf("phashorg_2014 lookup = %v, want bridge-2014 at distance 0", m)
	}
	ts.json(t, "GET", lookupPath("phashorg_2014", flipBits(t, bridge2014, 4)), matchToken, nil, 200, &m)
	if len(m["old-phash-list"]) != 1 || m["old-phash-list"][0].Distance != "4" {
		t.Errorf("near phashorg_2014 lookup = %v, want distance 4", m)
	}
	for st, v := range map[string]string{"phashorg_v09": bridgeV09, "phashorg_2026": bridge2026} {
		code, body := ts.do(t, "GET", lookupPath(st, v), matchToken, "", nil)
		if code != 200 || strings.TrimSpace(string(body)) != "{}" {
			t.Errorf("%s lookup of the same value = %d %s, want {}", st, code, body)
		}
	}
	// an odd value is in no version's 2014 packing: refused, with the reason
	code, body = ts.do(t, "GET", lookupPath("phashorg_2014", bridgeV09[:15]+"1"), matchToken, "", nil)
	if code != 400 || !strings.Contains(errorMessage(t, body), "bit 0") {
		t.Errorf("odd phashorg_2014 lookup = %d %s, want 400 naming bit 0", code, body)
	}

	// the index's status counts the entry under its packing
	var status map[string]map[string]any
	ts.json(t, "GET", "/m/index/status?signal_type=phashorg_2014", matchToken, nil, 200, &status)
	if status["phashorg_2014"]["size"] != float64(1) {
		t.Errorf("index/status phashorg_2014 = %v, want size 1", status)
	}

	// /v1/decide hashes with the types the index holds: pHash.org's
	// packing decides an item that has no other perceptual type.
	a := ts.decide(t, "", jpg)
	d := a.find("old-phash-list", "bridge-2014")
	if d == nil || !reflect.DeepEqual(d.Types, []string{"phashorg_2014"}) ||
		d.Distances["phashorg_2014"] != 0 {
		t.Errorf("/v1/decide = %+v, want bridge-2014 by phashorg_2014 at 0", a)
	}
}
