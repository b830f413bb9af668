// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	if VersionNumber() != HeaderVersionNumber {
		t.Errorf("linked library %d (%s), header %d", VersionNumber(), Version(), HeaderVersionNumber)
	}
	if Version() == "" {
		t.Error("empty version string")
	}
}

func TestHashTypeNames(t *testing.T) {
	for ty := PDQ; ty <= HashTypeMax; ty++ {
		if ty.String() != cHashTypeName(ty) {
			t.Errorf("%d: %q, C says %q", ty, ty.String(), cHashTypeName(ty))
		}
		back, err := ParseHashType(ty.String())
		if err != nil || back != ty {
			t.Errorf("ParseHashType(%q) = %v, %v", ty.String(), back, err)
		}
	}
	if _, err := ParseHashType("whash"); !errors.Is(err, ErrParse) {
		t.Errorf("ParseHashType(whash): %v", err)
	}
	if PDQ.Bits() != 256 || PHash.Bits() != 64 || MD5.Bits() != 128 || HashType(HashTypeMax+1).Bits() != 0 {
		t.Error("Bits")
	}
	if PDQ.DefaultThreshold() != DefaultPDQThreshold || AHash.DefaultThreshold() != Default64BitThreshold ||
		SHA256.DefaultThreshold() != 0 || HashType(HashTypeMax+1).DefaultThreshold() != -1 {
		t.Error("DefaultThreshold")
	}
	if WantPDQ|WantPHash != PDQ.Want()|PHash.Want() {
		t.Error("Want")
	}
}

// Parse and String are Go code; they must agree with the C library's
// hm_hash_from_string / hm_hash_to_string on everything.
func TestParseStringAgreeWithC(t *testing.T) {
	inputs := []string{
		"", "0", "aca29c1c33dc23d7", "ACA29C1C33DC23D7", "aca29c1c33dc23d", "aca29c1c33dc23d7a",
		"0xa29c1c33dc23d7", " ca29c1c33dc23d7", "aca29c1c33dc23dg",
		"d35c785545392755e7e4164457657269",
		"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
		"F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22",
		"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2",
		strings.Repeat("0", 64), strings.Repeat("f", 64), strings.Repeat("f", 63) + "\n",
	}
	for ty := PDQ; ty <= SHA256; ty++ {
		for _, s := range inputs {
			h, err := Parse(ty, s)
			ch, st := cHashParse(ty, s)
			if (err == nil) != (st == 0) {
				t.Errorf("Parse(%v, %q): Go %v, C %v", ty, s, err, st)
				continue
			}
			if err != nil {
				wantStatus(t, err, ErrParse)
				continue
			}
			if !h.Equal(ch) || h.Quality != -1 || ch.Quality != -1 {
				t.Errorf("Parse(%v, %q): Go %v, C %v", ty, s, h, ch)
			}
			if h.String() != cHashString(h) || h.String() != strings.ToLower(s) {
				t.Errorf("String: Go %q, C %q, input %q", h.String(), cHashString(h), s)
			}
		}
	}
}

func TestDistance(t *testing.T) {
	a := MustParse(PDQ, "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
	b := MustParse(PDQ, "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	d, err := a.Distance(b)
	if err != nil || d != cHashDistance(a, b) || d == 0 {
		t.Fatalf("Distance %d %v, C %d", d, err, cHashDistance(a, b))
	}
	if d, _ := a.Distance(a); d != 0 {
		t.Error("self distance")
	}
	z := MustParse(PDQ, strings.Repeat("0", 64))
	o := MustParse(PDQ, strings.Repeat("f", 64))
	if d, _ := z.Distance(o); d != 256 {
		t.Errorf("all bits: %d", d)
	}
	p := MustParse(PHash, "aca29c1c33dc23d7")
	if _, err := a.Distance(p); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("type mismatch: %v", err)
	}
}

func TestNewHashBytesText(t *testing.T) {
	p := MustParse(PHash, "aca29c1c33dc23d7")
	q, err := NewHash(PHash, p.Bytes())
	if err != nil || !q.Equal(p) || q != p {
		t.Fatalf("NewHash: %v %v", q, err)
	}
	if _, err := NewHash(PHash, make([]byte, 9)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("NewHash short: %v", err)
	}
	b, err := json.Marshal(map[string]Hash{"h": p})
	if err != nil || string(b) != `{"h":"phash:aca29c1c33dc23d7"}` {
		t.Fatalf("json: %s %v", b, err)
	}
	var back map[string]Hash
	if err := json.Unmarshal(b, &back); err != nil || !back["h"].Equal(p) {
		t.Fatalf("json back: %v %v", back, err)
	}
	if _, err := ParseTyped("phash-aca29c1c33dc23d7"); !errors.Is(err, ErrParse) {
		t.Error("ParseTyped without colon")
	}
	if (Hash{}).String() != "" {
		t.Error("zero hash string")
	}
}

func TestErrorText(t *testing.T) {
	_, err := Parse(PDQ, "xyz")
	var e *Error
	if !errors.As(err, &e) || e.Op != "Parse" || e.Detail == "" {
		t.Fatalf("%#v", err)
	}
	if !strings.HasPrefix(err.Error(), "hashmatch: Parse: ") {
		t.Errorf("message %q", err.Error())
	}
	if ErrDecode.Error() == "" || errors.Is(err, ErrDecode) {
		t.Error("status sentinel")
	}
}

// The Go constants are literals (readable in go doc); they must equal the
// C header's values.
func TestConstantsMatchHeader(t *testing.T) {
	cs := cConstants()
	if len(cs) < 70 {
		t.Fatalf("only %d constants", len(cs))
	}
	for _, c := range cs {
		if c.go_ != c.c {
			t.Errorf("%s = %d, C says %d", c.name, c.go_, c.c)
		}
	}
}
