// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The repository's test data (tests/data), found from this package's
// directory; HASHMATCH_TESTDATA overrides it.
func dataDir(t testing.TB) string {
	d := os.Getenv("HASHMATCH_TESTDATA")
	if d == "" {
		d = filepath.Join("..", "..", "..", "tests", "data")
	}
	if _, err := os.Stat(filepath.Join(d, "pdq-reference")); err != nil {
		t.Skipf("test data not found at %s (set HASHMATCH_TESTDATA)", d)
	}
	return d
}

func dataPath(t testing.TB, rel ...string) string {
	return filepath.Join(append([]string{dataDir(t)}, rel...)...)
}

// refPath is a file of the reference set named as the expected CSVs name
// it ("pdq/data/...").
func refPath(t testing.TB, rel string) string {
	if strings.HasPrefix(rel, "imagehash:") {
		return dataPath(t, "pdq-reference", "imagehash", strings.TrimPrefix(rel, "imagehash:"))
	}
	return dataPath(t, "pdq-reference", "threatexchange", rel)
}

func readCSV(t testing.TB, name string) [][]string {
	f, err := os.Open(dataPath(t, "pdq-reference", "expected", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

func mustHasher(t testing.TB, o *HasherOptions) *Hasher {
	t.Helper()
	h, err := NewHasher(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func mustIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := NewIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func wantStatus(t testing.TB, err error, st Status) {
	t.Helper()
	if !errors.Is(err, st) {
		t.Fatalf("error %v, want %v (%d)", err, st, int(st))
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != st {
		t.Fatalf("error %#v is not an *Error with status %d", err, int(st))
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
