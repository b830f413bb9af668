// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"math/bits"
	"os"
	"strconv"
	"strings"
	"testing"
)

// phoException is the one row of the pHash.org CSV whose 0.9.x column is
// not the library's value: CImg 1.4.9 (bundled by 0.9.x) decoded 1-bit
// PNGs differently from master's CImg (tests/test_reference.c).
const phoException = "pdq/data/misc-images/modes/1.png"

func phoValue(t *testing.T, h Hash) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(h.String(), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestPHashOrgReferenceVectors hashes reference images in the three
// packings and compares them with both columns of the CSV.
func TestPHashOrgReferenceVectors(t *testing.T) {
	rows := readCSV(t, "phash-cpp-dct-imagehash.csv")
	h := mustHasher(t, nil)
	n := 0
	for _, row := range rows {
		path := refPath(t, row[0])
		if !exists(path) {
			continue
		}
		n++
		hs, err := h.HashFile(path, WantPHashOrg)
		if err != nil {
			t.Fatalf("%s: %v", row[0], err)
		}
		if len(hs) != 3 || hs[0].Type != PHashOrgV09 || hs[1].Type != PHashOrg2014 ||
			hs[2].Type != PHashOrg2026 {
			t.Fatalf("%s: hashes %v", row[0], hs)
		}
		if got := hs[1].String(); got != row[2] {
			t.Errorf("%s: phashorg_2014 %s, want %s", row[0], got, row[2])
		}
		if got := hs[0].String(); (got == row[1]) == (row[0] == phoException) {
			t.Errorf("%s: phashorg_v09 %s, CSV %s (exception: %v)", row[0], got, row[1],
				row[0] == phoException)
		}
		if bits.Reverse64(phoValue(t, hs[0])) != phoValue(t, hs[2]) {
			t.Errorf("%s: phashorg_2026 %s is not phashorg_v09 %s reversed", row[0], hs[2], hs[0])
		}
	}
	if n < 44 {
		t.Errorf("%d reference images found, want at least 44", n)
	}
}

func TestPHashOrgNamesAndConstants(t *testing.T) {
	for _, c := range []struct {
		t    HashType
		name string
	}{{PHashOrgV09, "phashorg_v09"}, {PHashOrg2014, "phashorg_2014"}, {PHashOrg2026, "phashorg_2026"}} {
		if c.t.String() != c.name || c.t.Bits() != 64 || c.t.DefaultThreshold() != DefaultPHashOrgThreshold {
			t.Errorf("%d: %s %d bits threshold %d", int(c.t), c.t, c.t.Bits(), c.t.DefaultThreshold())
		}
		if got, err := ParseHashType(c.name); err != nil || got != c.t {
			t.Errorf("ParseHashType(%q) = %v, %v", c.name, got, err)
		}
		h, err := ParseTyped(c.name + ":8876f2cf300d56ec")
		if err != nil || h.Type != c.t {
			t.Errorf("ParseTyped %s: %v %v", c.name, h, err)
		}
		if b, _ := h.MarshalText(); string(b) != c.name+":8876f2cf300d56ec" {
			t.Errorf("MarshalText = %s", b)
		}
	}
	if WantPerceptual&WantPHashOrg != 0 || WantAll&WantPHashOrg != 0 {
		t.Error("WantPerceptual and WantAll keep the first release's types")
	}
}

func TestPHashOrgOdd2014Refused(t *testing.T) {
	_, err := Parse(PHashOrg2014, "8876f2cf300d56ed")
	wantStatus(t, err, ErrParse)
	if !strings.Contains(err.Error(), "bit 0") {
		t.Errorf("error %q does not say why", err)
	}
	_, err = NewHash(PHashOrg2014, []byte{0x88, 0x76, 0xf2, 0xcf, 0x30, 0x0d, 0x56, 0xed})
	wantStatus(t, err, ErrInvalidArgument)
	if _, err := Parse(PHashOrg2026, "8876f2cf300d56ed"); err != nil {
		t.Errorf("an odd phashorg_2026 value: %v", err)
	}
	if h, err := Parse(PHashOrg2014, "8876F2CF300D56EC"); err != nil || h.String() != "8876f2cf300d56ec" {
		t.Errorf("Parse upper case: %v %v", h, err)
	}
	for _, bad := range []string{"8876f2cf300d56e", "8876f2cf300d56eg", "8876f2cf300d5\x00ec"} {
		_, err := Parse(PHashOrgV09, bad)
		wantStatus(t, err, ErrParse)
	}
}

func TestPHashOrgConvert(t *testing.T) {
	rows := readCSV(t, "phash-cpp-dct-imagehash.csv")
	for _, row := range rows[:10] {
		if row[0] == phoException {
			continue
		}
		v09 := MustParse(PHashOrgV09, row[1])
		m14 := MustParse(PHashOrg2014, row[2])
		// 0.9.x <-> 2026: lossless
		f26, unknown, err := v09.Convert(PHashOrg2026)
		if err != nil || unknown != 0 || f26.Type != PHashOrg2026 {
			t.Fatalf("%s: v09 -> 2026: %v %d %v", row[0], f26, unknown, err)
		}
		if back, unknown, err := f26.Convert(PHashOrgV09); err != nil || unknown != 0 || !back.Equal(v09) {
			t.Errorf("%s: 2026 -> v09 = %v %d %v, want %v", row[0], back, unknown, err, v09)
		}
		// to 2014: coefficient 0 dropped, the CSV's other column
		for _, from := range []Hash{v09, f26} {
			if got, unknown, err := from.Convert(PHashOrg2014); err != nil || unknown != 0 || !got.Equal(m14) {
				t.Errorf("%s: %s -> 2014 = %v %d %v, want %v", row[0], from.Type, got, unknown, err, m14)
			}
		}
		// from 2014: one bit unknown (coefficient 0, set 0)
		back, unknown, err := m14.Convert(PHashOrgV09)
		if err != nil || unknown != 1 {
			t.Fatalf("%s: 2014 -> v09: %d %v", row[0], unknown, err)
		}
		if phoValue(t, back) != phoValue(t, v09)&^1 {
			t.Errorf("%s: 2014 -> v09 = %v, want %v without bit 0", row[0], back, v09)
		}
		if d, _ := back.Distance(v09); d != int(phoValue(t, v09)&1) {
			t.Errorf("%s: distance to the true value %d", row[0], d)
		}
	}
	// the variant is kept; other types are refused
	h := MustParse(PHashOrgV09, "6ed56019e69edc22")
	h.Variant = Rot90
	if c, _, err := h.Convert(PHashOrg2026); err != nil || c.Variant != Rot90 {
		t.Errorf("variant lost: %v %v", c, err)
	}
	_, _, err := MustParse(PHash, "aca29c1c33dc23d7").Convert(PHashOrgV09)
	wantStatus(t, err, ErrTypeMismatch)
	_, _, err = h.Convert(PDQ)
	wantStatus(t, err, ErrTypeMismatch)
	_, _, err = h.Convert(HashType(42))
	wantStatus(t, err, ErrInvalidArgument)
}

// TestPHashOrgIndex: an entry in one packing is never matched by a query
// in another, and matches once the query is converted to its packing.
func TestPHashOrgIndex(t *testing.T) {
	ix := mustIndex(t)
	list, err := ix.List("old")
	if err != nil {
		t.Fatal(err)
	}
	v09 := MustParse(PHashOrgV09, "6ed56019e69edc22")
	m14 := MustParse(PHashOrg2014, "8876f2cf300d56ec")
	if err := ix.Add(list, m14, "bridge", ""); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	f26, _, _ := v09.Convert(PHashOrg2026)
	if ms, err := ix.Query([]Hash{v09, f26}, WithRadius(64)); err != nil || len(ms) != 0 {
		t.Errorf("query across packings: %v %v", ms, err)
	}
	conv, _, _ := v09.Convert(PHashOrg2014)
	ms, err := ix.Query([]Hash{conv})
	if err != nil || len(ms) != 1 || ms[0].EntryID != "bridge" || ms[0].Distance != 0 ||
		ms[0].Type != PHashOrg2014 || ms[0].Threshold != DefaultPHashOrgThreshold {
		t.Errorf("converted query: %+v %v", ms, err)
	}
	st, err := ix.Stats()
	if err != nil || st.EntriesByType[PHashOrg2014] != 1 {
		t.Errorf("stats: %+v %v", st, err)
	}
}

// TestPHashOrgBytesAndPixels: memory, pixels and file give the same
// hashes, dihedral variants included.
func TestPHashOrgBytesAndPixels(t *testing.T) {
	h := mustHasher(t, nil)
	path := refPath(t, "pdq/data/reg-test-input/dih/bridge-1-original.jpg")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := WantPHashOrg | WantDihedral
	file, err := h.HashFile(path, want)
	if err != nil || len(file) != 24 {
		t.Fatalf("HashFile: %d hashes, %v", len(file), err)
	}
	mem, err := h.HashBytes(data, want)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := h.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	pix, err := h.HashImage(img, want)
	if err != nil {
		t.Fatal(err)
	}
	for i := range file {
		if file[i] != mem[i] || file[i] != pix[i] {
			t.Errorf("%d: file %v, bytes %v, pixels %v", i, file[i], mem[i], pix[i])
		}
	}
	// with a digest: the pHash.org hash comes before it
	hs, err := h.HashFile(path, WantPHashOrgV09|WantMD5)
	if err != nil || len(hs) != 2 || hs[0] != file[0] || hs[1].Type != MD5 {
		t.Errorf("pHash.org and MD5: %v %v", hs, err)
	}
}
