// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomPDQ makes a reproducible random PDQ hash.
func randomPDQ(r *rand.Rand) Hash {
	b := make([]byte, 32)
	r.Read(b)
	h, _ := NewHash(PDQ, b)
	return h
}

// flipBits returns h with n distinct bits flipped.
func flipBits(h Hash, n int, r *rand.Rand) Hash {
	b := h.Bytes()
	for _, k := range r.Perm(len(b) * 8)[:n] {
		b[k/8] ^= 1 << (k % 8)
	}
	out, _ := NewHash(h.Type, b)
	return out
}

func loadKnown(t *testing.T) *Index {
	ix := mustIndex(t)
	rep, err := ix.LoadList("testdata/known.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 5 || rep.Format != ListCanonical || rep.Lines != 6 {
		t.Fatalf("report %+v", rep)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestIndexKnownList(t *testing.T) {
	ix := loadKnown(t)
	hs, err := HashFile(dataPath(t, "pdq-reference/threatexchange/pdq/data/bridge-mods/shrink-a-lot.jpg"), WantPDQ|WantPHash|WantMD5)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ix.Query(hs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("%d matches: %+v", len(ms), ms)
	}
	pdq, ph := ms[0], ms[1]
	if pdq.Type != PDQ || pdq.Query != 0 || pdq.EntryID != "example-bridge" || pdq.ListName != "example-known" ||
		pdq.Labels != "demo photo: bridge" || pdq.Threshold != 31 || pdq.Distance > 31 || pdq.FrameTime != -1 {
		t.Errorf("pdq match %+v", pdq)
	}
	if d, _ := hs[0].Distance(pdq.Hash); d != pdq.Distance || pdq.Hash.String() != bridgePDQ {
		t.Errorf("match hash %v at %d", pdq.Hash, pdq.Distance)
	}
	if ph.Type != PHash || ph.Query != 1 || ph.Distance != 0 || ph.Threshold != 10 {
		t.Errorf("phash match %+v", ph)
	}
	// Every field of Stats and Lists.
	st, err := ix.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 5 || st.EntriesByType[PDQ] != 2 || st.EntriesByType[MD5] != 2 || st.Lists != 1 ||
		st.Generation == 0 || st.Queries == 0 || st.Hits < 2 || st.Bytes == 0 {
		t.Errorf("stats %+v", st)
	}
	lists, err := ix.Lists()
	if err != nil || len(lists) != 1 {
		t.Fatalf("lists %v %v", lists, err)
	}
	l := lists[0]
	if l.Name != "example-known" || !l.Enabled || l.Entries != 5 || l.Threshold(PDQ) != 31 ||
		l.Threshold(PHash) != 10 || l.Threshold(MD5) != 0 || l.Hits < 2 {
		t.Errorf("list %+v", l)
	}
	if id, err := ix.FindList("example-known"); err != nil || id != l.ID {
		t.Errorf("FindList: %v %v", id, err)
	}
	_, err = ix.FindList("nope")
	wantStatus(t, err, ErrNotFound)
}

func TestIndexStagingAndSettings(t *testing.T) {
	ix := mustIndex(t)
	r := rand.New(rand.NewSource(1))
	a := randomPDQ(r)
	list, err := ix.List("gifct")
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Add(list, a, "te-1", "tag:x"); err != nil {
		t.Fatal(err)
	}
	if ms, _ := ix.Query([]Hash{a}); len(ms) != 0 {
		t.Error("staged entry visible before Commit")
	}
	ix.Commit()
	near := flipBits(a, 20, r)
	far := flipBits(a, 40, r)
	if ms, _ := ix.Query([]Hash{near, far}); len(ms) != 1 || ms[0].Query != 0 || ms[0].Distance != 20 {
		t.Errorf("default threshold: %+v", ms)
	}
	// Quality: a PDQ query of known quality under 50 matches nothing.
	low := near
	low.Quality = 10
	if ms, _ := ix.Query([]Hash{low}); len(ms) != 0 {
		t.Error("low-quality query matched")
	}
	if ms, _ := ix.Query([]Hash{low}, WithMinQuality(0)); len(ms) != 1 {
		t.Error("WithMinQuality(0)")
	}
	// Radius and k-NN ignore the list threshold.
	if ms, _ := ix.Query([]Hash{far}, WithRadius(40)); len(ms) != 1 || ms[0].Threshold != 40 {
		t.Errorf("radius 40: %+v", ms)
	}
	if ms, _ := ix.Query([]Hash{far}, WithRadius(19)); len(ms) != 0 {
		t.Error("radius 19")
	}
	b := randomPDQ(r)
	ix.Add(list, b, "", "")
	ix.Commit()
	ms, err := ix.Query([]Hash{far}, WithK(2))
	if err != nil || len(ms) != 2 || ms[0].EntryID != "te-1" || ms[1].EntryID != b.String() || ms[1].Labels != "" {
		t.Errorf("k-NN: %+v %v", ms, err)
	}
	// Every structure answers the same.
	for _, s := range []Structure{StructScan, StructMIH, StructBKTree} {
		got, err := ix.Query([]Hash{near, far}, WithStructure(s), WithRadius(64))
		if err != nil || len(got) != 2 {
			t.Errorf("structure %d: %+v %v", s, got, err)
		}
	}
	// Thresholds and enabling, staged until Commit.
	if err := ix.SetThreshold(list, PDQ, 45); err != nil {
		t.Fatal(err)
	}
	ix.Commit()
	if ms, _ := ix.Query([]Hash{far}); len(ms) != 1 || ms[0].Threshold != 45 {
		t.Errorf("threshold 45: %+v", ms)
	}
	ix.SetThreshold(list, PDQ, -1)
	ix.SetEnabled(list, false)
	ix.Commit()
	if ms, _ := ix.Query([]Hash{near}); len(ms) != 0 {
		t.Error("disabled list matched")
	}
	if ms, _ := ix.Query([]Hash{near}, WithDisabledLists()); len(ms) != 1 || ms[0].Threshold != 31 {
		t.Errorf("WithDisabledLists: %+v", ms)
	}
	if li, _ := ix.Lists(); li[0].Enabled || li[0].Threshold(PDQ) != 31 {
		t.Errorf("list info %+v", li[0])
	}
	ix.SetEnabled(list, true)
	// Remove and clear.
	n, err := ix.Remove(AllLists, "te-1")
	if err != nil || n != 1 {
		t.Errorf("Remove: %d %v", n, err)
	}
	ix.Commit()
	if ms, _ := ix.Query([]Hash{near}); len(ms) != 0 {
		t.Error("removed entry matched")
	}
	if n, err := ix.ClearList(list); err != nil || n != 1 {
		t.Errorf("ClearList: %d %v", n, err)
	}
	ix.Commit()
	if st, _ := ix.Stats(); st.Entries != 0 || st.Lists != 1 {
		t.Errorf("after clear %+v", st)
	}
	// Bad arguments.
	wantStatus(t, ix.SetThreshold(list, PDQ, 300), ErrInvalidArgument)
	wantStatus(t, ix.Add(ListID(77), a, "x", ""), ErrNotFound)
	wantStatus(t, ix.Add(list, a, strings.Repeat("x", MaxEntryID+1), ""), ErrInvalidArgument)
	wantStatus(t, ix.Add(list, a, "nul\x00", ""), ErrInvalidArgument)
	if _, err := ix.List(""); err == nil {
		t.Error("empty list name accepted")
	}
	if _, err := ix.Query([]Hash{{}}); err == nil {
		t.Error("zero hash queried")
	}
	// Parameters.
	if err := ix.Set(IndexMaxLine, 1234); err != nil {
		t.Fatal(err)
	}
	if v, err := ix.Get(IndexMaxLine); err != nil || v != 1234 {
		t.Errorf("Get: %d %v", v, err)
	}
	wantStatus(t, ix.Set(IndexParam(99), 1), ErrInvalidArgument)
}

func TestDihedralQuery(t *testing.T) {
	ix := loadKnown(t)
	rot, err := HashFile("testdata/bridge-rotate-90.jpg", WantPDQ)
	if err != nil {
		t.Fatal(err)
	}
	if ms, _ := ix.Query(rot); len(ms) != 0 {
		t.Fatalf("rotated copy matched without dihedral: %+v", ms)
	}
	ms, err := ix.Query(rot, WithDihedral())
	if err != nil || len(ms) != 1 || ms[0].EntryID != "example-bridge" || ms[0].Variant == Original {
		t.Fatalf("bit-derived variants: %+v %v", ms, err)
	}
	// The exact DCT-domain variants, as one group.
	rot8, _ := HashFile("testdata/bridge-rotate-90.jpg", WantPDQ|WantDihedral)
	ms, err = ix.Query(rot8, WithDihedral())
	if err != nil || len(ms) != 1 || ms[0].Query != 0 {
		t.Fatalf("exact variants: %+v %v", ms, err)
	}
	if ms[0].Variant != Rot270 {
		t.Errorf("variant %v", ms[0].Variant)
	}
}

func TestLoadListOptionsAndErrors(t *testing.T) {
	ix := mustIndex(t)
	list := "# a comment\n" +
		"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n" +
		"not a hash\n" +
		"1f811b9d267fbc6693c0c7f30e041f9df49b836303e10f067fcdfc12c02d01f9\n"
	// Strict (default): the bad line fails the load, nothing is staged.
	rep, err := ix.LoadListBytes([]byte(list), "mem", &LoadOptions{HashType: PDQ})
	wantStatus(t, err, ErrParse)
	var e *Error
	errors.As(err, &e)
	if !strings.Contains(e.Detail, "mem:3") {
		t.Errorf("detail %q", e.Detail)
	}
	ix.Commit()
	if st, _ := ix.Stats(); st.Entries != 0 {
		t.Errorf("strict load staged %d", st.Entries)
	}
	// Lenient, with a callback, a list name and labels.
	type bad struct {
		src  string
		line uint64
		msg  string
	}
	var bads []bad
	rep, err = ix.LoadListBytes([]byte(list), "mem", &LoadOptions{
		Format: ListPlain, HashType: PDQ, Lenient: true, List: "plain", Labels: "lbl",
		OnError: func(src string, line uint64, msg string) { bads = append(bads, bad{src, line, msg}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 2 || rep.Rejected != 1 || rep.FirstBadLine != 3 || rep.Lines != 4 || rep.Format != ListPlain {
		t.Errorf("report %+v", rep)
	}
	if len(bads) != 1 || bads[0].src != "mem" || bads[0].line != 3 || bads[0].msg == "" {
		t.Errorf("callback %+v", bads)
	}
	ix.Commit()
	ms, _ := ix.Query([]Hash{MustParse(PDQ, bridgePDQ)})
	if len(ms) != 1 || ms[0].ListName != "plain" || ms[0].Labels != "lbl" || ms[0].EntryID != bridgePDQ {
		t.Errorf("loaded entry %+v", ms)
	}
	// A panic in the callback comes back out of the load, and the index
	// stays usable.
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v", r)
			}
		}()
		ix.LoadListBytes([]byte(list), "mem", &LoadOptions{HashType: PDQ, Lenient: true,
			OnError: func(string, uint64, string) { panic("boom") }})
		t.Error("no panic")
	}()
	if _, err := ix.List("after-panic"); err != nil {
		t.Errorf("index after a callback panic: %v", err)
	}
	// Duplicates counted, ambiguous plain hashes refused, missing files.
	rep, err = ix.LoadListBytes([]byte(list), "mem", &LoadOptions{HashType: PDQ, Lenient: true, List: "plain", Labels: "lbl"})
	if err != nil || rep.Duplicates != 2 || rep.Added != 0 {
		t.Errorf("duplicates: %+v %v", rep, err)
	}
	// (a 64-digit plain hash may be PDQ or SHA-256: the type is needed)
	_, err = ix.LoadListBytes([]byte(list), "mem", nil)
	wantStatus(t, err, ErrInvalidArgument)
	_, err = ix.LoadList("testdata/no-such-list.csv", nil)
	wantStatus(t, err, ErrIO)
	// pytx CSV with a negative row.
	pytx := "signal_type,signal_str,collab,category,tags\n" +
		"pdq," + bridgePDQ + ",c1,POSITIVE_CLASS,a b\n" +
		"pdq,1f811b9d267fbc6693c0c7f30e041f9df49b836303e10f067fcdfc12c02d01f9,c1,NEGATIVE_CLASS,\n" +
		"url,https://example.com,c1,POSITIVE_CLASS,\n"
	rep, err = ix.LoadListBytes([]byte(pytx), "pytx", nil)
	if err != nil || rep.Format != ListPytxCSV || rep.Added != 1 || rep.Negative != 1 || rep.Unsupported != 1 {
		t.Errorf("pytx: %+v %v", rep, err)
	}
	rep, err = ix.LoadListBytes([]byte(pytx), "pytx", &LoadOptions{IncludeNegative: true})
	if err != nil || rep.Added != 1 || rep.Duplicates != 1 {
		t.Errorf("pytx with negatives: %+v %v", rep, err)
	}
}

func TestLoadListMistypedTypeAndGarbage(t *testing.T) {
	ix := mustIndex(t)
	// A mistyped type name: an error naming the line and the name ...
	_, err := ix.LoadListBytes([]byte("pdg,"+bridgePDQ+"\n"), "typo.csv", nil)
	wantStatus(t, err, ErrParse)
	if !strings.Contains(err.Error(), `typo.csv:1: unknown hash type "pdg"`) {
		t.Errorf("error %q", err)
	}
	// ... or, lenient, a counted skip.
	rep, err := ix.LoadListBytes([]byte("pdq,"+bridgePDQ+",a\npdg,"+bridgePDQ+",b\n"), "t",
		&LoadOptions{Lenient: true})
	if err != nil || rep.Added != 1 || rep.Rejected != 1 || rep.UnknownType != 1 || rep.FirstBadLine != 2 {
		t.Errorf("lenient: %+v %v", rep, err)
	}
	// Nothing loaded from a file with content fails in both modes.
	for _, lenient := range []bool{false, true} {
		rep, err = ix.LoadListBytes([]byte("url https://example.com/\nraw_text some words\n"), "u",
			&LoadOptions{Lenient: lenient})
		wantStatus(t, err, ErrUnknownFormat)
		if rep.Unsupported != 2 || !strings.Contains(err.Error(), "u: nothing loaded from 2 lines") {
			t.Errorf("unsupported only: %+v %v", rep, err)
		}
	}
	// Garbage: bytes of every value, NULs included.
	garbage := make([]byte, 5000)
	for i := range garbage {
		garbage[i] = byte(i*7919 + i/13)
	}
	_, err = ix.LoadListBytes(garbage, "garbage", nil)
	wantStatus(t, err, ErrParse)
	_, err = ix.LoadListBytes(garbage, "garbage", &LoadOptions{Lenient: true})
	wantStatus(t, err, ErrUnknownFormat)
	// NUL bytes and malformed UTF-8 are bad lines.
	_, err = ix.LoadListBytes([]byte("pdq,"+bridgePDQ+",id\x00,other\n"), "n", nil)
	wantStatus(t, err, ErrParse)
	if !strings.Contains(err.Error(), "n:1: NUL byte") {
		t.Errorf("error %q", err)
	}
	_, err = ix.LoadListBytes([]byte("pdq,"+bridgePDQ+",id,list,caf\xe9\n"), "l", nil)
	wantStatus(t, err, ErrParse)
	_, err = ix.List("caf\xe9")
	wantStatus(t, err, ErrInvalidArgument)
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, _ := ix.Stats(); st.Entries != 1 || st.Lists != 1 {
		t.Errorf("staged %d entries in %d lists, want 1 in 1", st.Entries, st.Lists)
	}
}

func TestSaveLoad(t *testing.T) {
	ix := loadKnown(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "known.hmi")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := OpenIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	q, _ := HashFile("testdata/bridge.jpg", WantAll)
	a, _ := ix.Query(q)
	b, _ := back.Query(q)
	if len(a) != 3 || len(a) != len(b) {
		t.Fatalf("%d vs %d matches", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("match %d: %+v vs %+v", i, a[i], b[i])
		}
	}
	// In memory: the file's bytes exactly.
	saved, err := ix.SaveBytes()
	file, _ := os.ReadFile(path)
	if err != nil || !bytes.Equal(saved, file) {
		t.Errorf("SaveBytes: %d bytes, file %d, %v", len(saved), len(file), err)
	}
	// Corrupt files are refused and leave the index as it was.
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0x40
	bad := filepath.Join(dir, "bad.hmi")
	os.WriteFile(bad, data, 0o644)
	wantStatus(t, back.Load(bad), ErrCorrupt)
	if ms, _ := back.Query(q); len(ms) != 3 {
		t.Error("index changed by a failed load")
	}
	// From memory.
	mem := mustIndex(t)
	good, _ := os.ReadFile(path)
	if err := mem.LoadBytes(good); err != nil {
		t.Fatal(err)
	}
	if ms, _ := mem.Query(q); len(ms) != 3 {
		t.Error("LoadBytes lost entries")
	}
	wantStatus(t, mem.LoadBytes(data), ErrCorrupt)
	wantStatus(t, mem.LoadBytes(nil), ErrCorrupt)
	_, err = OpenIndex(filepath.Join(dir, "missing.hmi"))
	if err == nil {
		t.Error("missing file opened")
	}
	err = ix.Save(filepath.Join(dir, "no", "such", "dir", "x.hmi"))
	var e *Error
	if !errors.As(err, &e) || e.Status != ErrIO || e.Op != "Save" || e.Detail == "" {
		t.Errorf("save error %#v", err)
	}
}

func TestSnapshots(t *testing.T) {
	ix := loadKnown(t)
	s, err := ix.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	q := []Hash{MustParse(PDQ, bridgePDQ)}
	l, _ := ix.List("example-known")
	ix.Remove(l, "example-bridge")
	ix.Commit()
	if ms, _ := ix.Query(q); len(ms) != 0 {
		t.Error("removed entry still in the index")
	}
	if ms, _ := s.Query(q); len(ms) != 1 {
		t.Error("snapshot changed")
	}
	st, _ := s.Stats()
	cur, _ := ix.Stats()
	if st.Generation+1 != cur.Generation || st.Entries != 5 || cur.Entries != 2 {
		t.Errorf("snapshot %+v, current %+v", st, cur)
	}
	li, err := s.ListInfo(0)
	if err != nil || li.Name != "example-known" || li.Entries != 5 {
		t.Errorf("ListInfo %+v %v", li, err)
	}
	if id, err := s.FindList("example-known"); err != nil || id != 0 {
		t.Errorf("FindList %v %v", id, err)
	}
	path := filepath.Join(t.TempDir(), "snap.hmi")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	// The snapshot outlives its index.
	ix.Close()
	if _, err := ix.Query(q); err != ErrClosed {
		t.Errorf("closed index: %v", err)
	}
	if ms, err := s.Query(q); err != nil || len(ms) != 1 {
		t.Errorf("snapshot after index Close: %v %v", ms, err)
	}
	back, err := OpenIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if ms, _ := back.Query(q); len(ms) != 1 {
		t.Error("saved snapshot lost the entry")
	}
	s.Close()
	if _, err := s.Query(q); err != ErrClosed {
		t.Errorf("closed snapshot: %v", err)
	}
}

func TestQueryBatch(t *testing.T) {
	ix := mustIndex(t)
	r := rand.New(rand.NewSource(2))
	list, _ := ix.List("l")
	known := make([]Hash, 500)
	for i := range known {
		known[i] = randomPDQ(r)
		ix.Add(list, known[i], "", "")
	}
	ix.Commit()
	// 3000 queries: every third near a known hash; more than two chunks.
	qs := make([]Hash, 3000)
	for i := range qs {
		if i%3 == 0 {
			qs[i] = flipBits(known[(i/3)%len(known)], 10, r)
		} else {
			qs[i] = randomPDQ(r)
		}
	}
	got, err := ix.QueryBatch(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(qs) {
		t.Fatalf("%d result slots", len(got))
	}
	flat, _ := ix.Query(qs)
	n := 0
	for i, ms := range got {
		want := 0
		if i%3 == 0 {
			want = 1
		}
		if len(ms) != want {
			t.Fatalf("query %d: %d matches", i, len(ms))
		}
		for _, m := range ms {
			if m.Query != i || m != flat[n] {
				t.Fatalf("query %d: %+v vs %+v", i, m, flat[n])
			}
			n++
		}
	}
	if n != len(flat) {
		t.Errorf("batch %d matches, query %d", n, len(flat))
	}
	// Dihedral groups are kept whole across chunk boundaries.
	g8, _ := HashFile("testdata/bridge-rotate-90.jpg", WantPDQ|WantDihedral)
	ix.Add(list, MustParse(PDQ, bridgePDQ), "bridge", "")
	ix.Commit()
	pad := make([]Hash, batchChunk-3)
	for i := range pad {
		pad[i] = randomPDQ(r)
	}
	got, err = ix.QueryBatch(context.Background(), append(pad, g8...), WithDihedral())
	if err != nil {
		t.Fatal(err)
	}
	if ms := got[len(pad)]; len(ms) != 1 || ms[0].EntryID != "bridge" || ms[0].Variant != Rot270 {
		t.Errorf("group across a chunk boundary: %+v", ms)
	}
	// Cancellation.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ix.QueryBatch(ctx, qs)
	wantStatus(t, err, ErrCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cause: %v", err)
	}
	if got, err := ix.QueryBatch(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("empty batch: %v %v", got, err)
	}
}
