// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// tmkRefs reads the 14 reference .tmk files, by name.
func tmkRefs(t testing.TB) map[string]*Tmk {
	refs := map[string]*Tmk{}
	for name := range tmkFrameCounts(t) {
		refs[name] = mustParseTmk(t, tmkRefBytes(t, name))
	}
	return refs
}

// tmkIndex is an index of the reference hashes, each under its name, in
// the list called list, committed.
func tmkIndex(t testing.TB, refs map[string]*Tmk, list string) (*Index, ListID) {
	t.Helper()
	ix := mustIndex(t)
	id, err := ix.List(list)
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range refs {
		if err := ix.AddTmk(id, h, name, "label "+name); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	return ix, id
}

func mustMatchTmk(t testing.TB, m interface {
	MatchTmk(*Tmk, ...TmkMatchOption) ([]TmkMatch, error)
}, q *Tmk, opts ...TmkMatchOption) []TmkMatch {
	t.Helper()
	got, err := m.MatchTmk(q, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func tmkIDs(ms []TmkMatch) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.ListName+"/"+m.VideoID)
	}
	sort.Strings(out)
	return out
}

// Each reference hash, matched against an index of all 14, finds itself
// and exactly the reference pairs whose published scores reach 0.7 on
// both levels, with those scores.
func TestTmkIndexMatchesReferencePairs(t *testing.T) {
	refs := tmkRefs(t)
	ix, list := tmkIndex(t, refs, "videos")
	type published struct {
		forward bool
		l1, l2  string
	}
	pairs := map[[2]string]published{}
	for _, r := range tmkCSV(t, "pair-scores.csv") {
		a, b := strings.TrimSuffix(r[0], ".tmk"), strings.TrimSuffix(r[1], ".tmk")
		pairs[[2]string{a, b}] = published{true, r[2], r[3]}
		pairs[[2]string{b, a}] = published{false, r[2], r[3]}
	}
	found := 0
	for q, qh := range refs {
		want := map[string]bool{q: true}
		for k, p := range pairs {
			l1, _ := strconv.ParseFloat(p.l1, 64)
			l2, _ := strconv.ParseFloat(p.l2, 64)
			if k[0] == q && l1 >= 0.7 && l2 >= 0.7 {
				want[k[1]] = true
			}
		}
		got := mustMatchTmk(t, ix, qh)
		if len(got) != len(want) {
			t.Errorf("%s: %d matches %v, want %v", q, len(got), tmkIDs(got), want)
		}
		for i, m := range got {
			if !want[m.VideoID] || m.ListName != "videos" || m.List != list || m.Labels != "label "+m.VideoID {
				t.Errorf("%s: unexpected match %+v", q, m)
				continue
			}
			if m.Threshold1 != TmkDefaultThreshold(1) || m.Threshold2 != TmkDefaultThreshold(2) {
				t.Errorf("%s: thresholds %v %v", q, m.Threshold1, m.Threshold2)
			}
			s, err := qh.Scores(refs[m.VideoID])
			if err != nil || s != (TmkScores{m.Level1, m.Level2}) {
				t.Errorf("%s %s: index scores %v %v, Scores %v (%v)", q, m.VideoID, m.Level1, m.Level2, s, err)
			}
			if i > 0 && (got[i-1].Level2 < m.Level2 || got[i-1].Level2 == m.Level2 && got[i-1].Level1 < m.Level1) {
				t.Errorf("%s: matches not ordered by level 2, level 1: %+v", q, got)
			}
			if m.VideoID == q {
				if math.Abs(float64(m.Level1)-1) > 1e-6 {
					t.Errorf("%s: self level 1 %v", q, m.Level1)
				}
				continue
			}
			p := pairs[[2]string{q, m.VideoID}]
			if fmt.Sprintf("%.6f", m.Level1) != p.l1 {
				t.Errorf("%s %s: level 1 %v, published %s", q, m.VideoID, m.Level1, p.l1)
			}
			l2, _ := strconv.ParseFloat(p.l2, 64)
			if p.forward && fmt.Sprintf("%.6f", m.Level2) != p.l2 ||
				!p.forward && math.Abs(float64(m.Level2)-l2) > 2e-6 { // scored the other way round
				t.Errorf("%s %s: level 2 %v, published %s", q, m.VideoID, m.Level2, p.l2)
			}
			found++
		}
	}
	if found == 0 || found%2 != 0 {
		t.Errorf("%d pair matches: want some, both ways", found)
	}
}

// WithTmkThresholds' matches are those of scoring every pair.
func TestTmkMatchThresholdsEqualScoringEveryPair(t *testing.T) {
	refs := tmkRefs(t)
	ix, _ := tmkIndex(t, refs, "videos")
	for _, th := range [][2]float32{{0, 0}, {0.5, 0.6}, {0.95, 0.5}, {1, 1}} {
		for q, qh := range refs {
			want := map[string]TmkScores{}
			for name, h := range refs {
				s, err := qh.Scores(h)
				if err != nil {
					t.Fatal(err)
				}
				if s.MatchesAt(th[0], th[1]) {
					want[name] = s
				}
			}
			got := map[string]TmkScores{}
			for _, m := range mustMatchTmk(t, ix, qh, WithTmkThresholds(th[0], th[1])) {
				got[m.VideoID] = TmkScores{m.Level1, m.Level2}
				if m.Threshold1 != th[0] || m.Threshold2 != th[1] {
					t.Errorf("%s %v: thresholds applied %v %v", q, th, m.Threshold1, m.Threshold2)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %v: %v, want %v", q, th, got, want)
			}
		}
	}
}

func mustTmkThresholds(t testing.TB, ix *Index, list ListID) [2]float32 {
	t.Helper()
	l1, l2, err := ix.TmkThresholds(list)
	if err != nil {
		t.Fatal(err)
	}
	return [2]float32{l1, l2}
}

// Each list applies its own thresholds; WithTmkThresholds overrides them
// all; disabled lists match only WithDisabledLists.
func TestTmkPerListThresholds(t *testing.T) {
	refs := tmkRefs(t)
	ix := mustIndex(t)
	loose, _ := ix.List("loose")
	strict, _ := ix.List("strict")
	for name, h := range refs {
		for _, l := range []ListID{loose, strict} {
			if err := ix.AddTmk(l, h, name, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	def := [2]float32{TmkDefaultThreshold(1), TmkDefaultThreshold(2)}
	// chair-20 scores 0.989083, 0.991138 against the reference
	if err := ix.SetTmkThreshold(strict, 1, 0.99); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := mustTmkThresholds(t, ix, strict); got != [2]float32{0.99, def[1]} {
		t.Errorf("strict thresholds %v", got)
	}
	if got := mustTmkThresholds(t, ix, loose); got != def {
		t.Errorf("loose thresholds %v", got)
	}
	q := refs[tmkRef]
	has := func(ms []TmkMatch, id string) bool {
		for _, m := range ms {
			if m.ListName+"/"+m.VideoID == id {
				return true
			}
		}
		return false
	}
	got := mustMatchTmk(t, ix, q)
	if !has(got, "loose/chair-20-sd-bar") || has(got, "strict/chair-20-sd-bar") || !has(got, "strict/"+tmkRef) {
		t.Errorf("per-list thresholds: %v", tmkIDs(got))
	}
	for _, m := range got {
		if m.ListName == "strict" && (m.Threshold1 != 0.99 || m.Threshold2 != def[1]) {
			t.Errorf("strict match's thresholds %v %v", m.Threshold1, m.Threshold2)
		}
	}
	// the query's thresholds apply to every list
	got = mustMatchTmk(t, ix, q, WithTmkThresholds(0.5, 0.5))
	var inLoose, inStrict []string
	for _, m := range got {
		if m.ListName == "loose" {
			inLoose = append(inLoose, m.VideoID)
		} else {
			inStrict = append(inStrict, m.VideoID)
		}
	}
	sort.Strings(inLoose)
	sort.Strings(inStrict)
	if !reflect.DeepEqual(inLoose, inStrict) || len(inLoose) < 2 {
		t.Errorf("WithTmkThresholds: loose %v, strict %v", inLoose, inStrict)
	}
	// level 2 alone; both levels at once (level 0); back to the defaults
	if err := ix.SetTmkThreshold(strict, 2, 0.995); err != nil {
		t.Fatal(err)
	}
	if err := ix.SetTmkThreshold(loose, 0, 0.999); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if a, b := mustTmkThresholds(t, ix, strict), mustTmkThresholds(t, ix, loose); a != [2]float32{0.99, 0.995} || b != [2]float32{0.999, 0.999} {
		t.Errorf("thresholds %v %v", a, b)
	}
	if got := tmkIDs(mustMatchTmk(t, ix, q)); !reflect.DeepEqual(got, []string{"loose/" + tmkRef, "strict/" + tmkRef}) {
		t.Errorf("strict thresholds: %v", got)
	}
	if err := ix.SetTmkThreshold(strict, 0, -1); err != nil {
		t.Fatal(err)
	}
	if err := ix.SetTmkThreshold(loose, 1, -1); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if a, b := mustTmkThresholds(t, ix, strict), mustTmkThresholds(t, ix, loose); a != def || b != [2]float32{def[0], 0.999} {
		t.Errorf("restored thresholds %v %v", a, b)
	}
	got = mustMatchTmk(t, ix, q)
	if !has(got, "strict/chair-20-sd-bar") || has(got, "loose/chair-20-sd-bar") {
		t.Errorf("restored thresholds: %v", tmkIDs(got))
	}
	// a disabled list
	if err := ix.SetEnabled(strict, false); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, m := range mustMatchTmk(t, ix, q) {
		if m.ListName == "strict" {
			t.Errorf("a disabled list matched: %+v", m)
		}
	}
	if !has(mustMatchTmk(t, ix, q, WithDisabledLists()), "strict/"+tmkRef) {
		t.Error("WithDisabledLists: the disabled list did not match")
	}
}

func TestTmkTxnSnapshotAndRemoval(t *testing.T) {
	refs := tmkRefs(t)
	a, b := refs[tmkRef], refs["chair-20-sd-bar"]
	ix := mustIndex(t)
	list, _ := ix.List("known")
	tx, err := ix.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.AddTmk(list, b, "twenty", "l"); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetTmkThreshold(list, 2, 0.995); err != nil {
		t.Fatal(err)
	}
	if got := mustMatchTmk(t, ix, a, WithTmkThresholds(0, 0)); len(got) != 0 {
		t.Errorf("staged entry visible before Commit: %v", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := mustMatchTmk(t, ix, a); len(got) != 0 { // level 2 0.991138 < 0.995
		t.Errorf("the transaction's threshold did not apply: %v", got)
	}
	got := mustMatchTmk(t, ix, a, WithTmkThresholds(-1, 0.99))
	if len(got) != 1 || got[0].VideoID != "twenty" || got[0].Labels != "l" || got[0].Threshold1 != TmkDefaultThreshold(1) {
		t.Errorf("WithTmkThresholds(-1, 0.99): %+v", got)
	}
	if err := tx.SetTmkThreshold(list, 0, -1); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	if err := tx.AddTmk(list, a, "x", ""); err != ErrClosed {
		t.Errorf("AddTmk on a closed Txn: %v", err)
	}
	if err := tx.SetTmkThreshold(list, 1, 0.5); err != ErrClosed {
		t.Errorf("SetTmkThreshold on a closed Txn: %v", err)
	}
	// the same hash and id again changes nothing
	if err := ix.AddTmk(list, b, "twenty", "l"); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, _ := ix.Stats(); st.Entries != 1 || st.TmkEntries != 1 || st.EntriesByType != [HashTypeMax + 1]uint64{} {
		t.Errorf("after adding one twice: %d entries, %d TMK, by type %v", st.Entries, st.TmkEntries, st.EntriesByType)
	}
	snap, err := ix.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if n, err := ix.Remove(list, "twenty"); err != nil || n != 1 {
		t.Fatalf("Remove: %d %v", n, err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, _ := ix.Stats(); st.TmkEntries != 0 {
		t.Errorf("%d TMK entries after the removal", st.TmkEntries)
	}
	if st, _ := snap.Stats(); st.TmkEntries != 1 {
		t.Errorf("the snapshot counts %d TMK entries, not 1", st.TmkEntries)
	}
	if got := mustMatchTmk(t, ix, a); len(got) != 0 {
		t.Errorf("removed entry matched: %v", got)
	}
	if got := mustMatchTmk(t, snap, a); len(got) != 1 || got[0].VideoID != "twenty" {
		t.Errorf("the snapshot lost its entry: %v", got)
	}
	if l1, l2, err := snap.TmkThresholds(list); err != nil || l1 != TmkDefaultThreshold(1) || l2 != TmkDefaultThreshold(2) {
		t.Errorf("snapshot thresholds %v %v %v", l1, l2, err)
	}
	if err := ix.AddTmk(list, a, "nineteen", ""); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.ClearList(list); err != nil || n != 1 {
		t.Fatalf("ClearList: %d %v", n, err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := mustMatchTmk(t, ix, a); len(got) != 0 {
		t.Errorf("cleared entry matched: %v", got)
	}
}

func TestTmkIndexSaveLoad(t *testing.T) {
	refs := tmkRefs(t)
	ix, list := tmkIndex(t, refs, "videos")
	if err := ix.SetTmkThreshold(list, 1, 0.9); err != nil {
		t.Fatal(err)
	}
	if err := ix.SetTmkThreshold(list, 2, 0.8); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tmk.hmi")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	data, err := ix.SaveBytes()
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := OpenIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fromFile.Close()
	fromBytes := mustIndex(t)
	if err := fromBytes.LoadBytes(data); err != nil {
		t.Fatal(err)
	}
	for _, other := range []*Index{fromFile, fromBytes} {
		if got := mustTmkThresholds(t, other, list); got != [2]float32{0.9, 0.8} {
			t.Errorf("loaded thresholds %v", got)
		}
		if st, _ := other.Stats(); st.TmkEntries != uint64(len(refs)) || st.Entries != st.TmkEntries {
			t.Errorf("loaded: %d entries, %d TMK, want %d of each", st.Entries, st.TmkEntries, len(refs))
		}
		for q, qh := range refs {
			for _, opts := range [][]TmkMatchOption{nil, {WithTmkThresholds(0.3, 0.3)}} {
				want := mustMatchTmk(t, ix, qh, opts...)
				if got := mustMatchTmk(t, other, qh, opts...); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: loaded %v, saved %v", q, got, want)
				}
			}
		}
	}
	// the loaded index takes more entries and saves again
	if err := fromFile.AddTmk(list, refs[tmkRef], "again", ""); err != nil {
		t.Fatal(err)
	}
	if err := fromFile.Commit(); err != nil {
		t.Fatal(err)
	}
	data, err = fromFile.SaveBytes()
	if err != nil {
		t.Fatal(err)
	}
	again := mustIndex(t)
	if err := again.LoadBytes(data); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range mustMatchTmk(t, again, refs[tmkRef]) {
		found = found || m.VideoID == "again"
	}
	if !found {
		t.Error("an entry added after a load was lost by save and load")
	}
}

func TestTmkIndexErrors(t *testing.T) {
	refs := tmkRefs(t)
	ix, list := tmkIndex(t, refs, "videos")
	q := refs[tmkRef]
	for _, c := range []struct {
		level int
		v     float32
	}{{1, 1.5}, {2, -0.5}, {1, float32(math.NaN())}, {0, 2}, {3, 0.5}, {-1, 0.5}} {
		wantStatus(t, ix.SetTmkThreshold(list, c.level, c.v), ErrInvalidArgument)
	}
	wantStatus(t, ix.SetTmkThreshold(9999, 1, 0.5), ErrNotFound)
	for _, th := range [][2]float32{{1.01, -1}, {-1, -0.1}, {float32(math.NaN()), 0.5}} {
		_, err := ix.MatchTmk(q, WithTmkThresholds(th[0], th[1]))
		wantStatus(t, err, ErrInvalidArgument)
	}
	_, err := ix.MatchTmk(nil)
	wantStatus(t, err, ErrInvalidArgument)
	wantStatus(t, ix.AddTmk(list, nil, "x", ""), ErrInvalidArgument)
	wantStatus(t, ix.AddTmk(list, q, "", ""), ErrInvalidArgument)
	wantStatus(t, ix.AddTmk(list, q, "a\x00b", ""), ErrInvalidArgument)
	if _, _, err := ix.TmkThresholds(9999); err == nil {
		t.Error("TmkThresholds of no list: no error")
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, _ := ix.Stats(); st.Entries != 14 {
		t.Errorf("%d entries after failed calls", st.Entries)
	}
	// closed objects
	closedTmk := mustParseTmk(t, tmkRefBytes(t, tmkRef))
	closedTmk.Close()
	if _, err := ix.MatchTmk(closedTmk); err != ErrClosed {
		t.Errorf("MatchTmk of a closed Tmk: %v", err)
	}
	if err := ix.AddTmk(list, closedTmk, "x", ""); err != ErrClosed {
		t.Errorf("AddTmk of a closed Tmk: %v", err)
	}
	snap, err := ix.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	snap.Close()
	if _, err := snap.MatchTmk(q); err != ErrClosed {
		t.Errorf("MatchTmk on a closed Snapshot: %v", err)
	}
	if _, _, err := snap.TmkThresholds(list); err != ErrClosed {
		t.Errorf("TmkThresholds on a closed Snapshot: %v", err)
	}
	ix.Close()
	if _, err := ix.MatchTmk(q); err != ErrClosed {
		t.Errorf("MatchTmk on a closed Index: %v", err)
	}
	if err := ix.AddTmk(list, q, "x", ""); err != ErrClosed {
		t.Errorf("AddTmk on a closed Index: %v", err)
	}
	if err := ix.SetTmkThreshold(list, 1, 0.5); err != ErrClosed {
		t.Errorf("SetTmkThreshold on a closed Index: %v", err)
	}
	if _, _, err := ix.TmkThresholds(list); err != ErrClosed {
		t.Errorf("TmkThresholds on a closed Index: %v", err)
	}
}

// Goroutines matching while a writer adds and commits, then while the query
// hash and the index are closed: every answer holds the committed entry,
// later calls return ErrClosed, and -race sees no race.
func TestTmkConcurrentMatchAddClose(t *testing.T) {
	refs := tmkRefs(t)
	ix := mustIndex(t)
	list, _ := ix.List("videos")
	if err := ix.AddTmk(list, refs[tmkRef], "first", ""); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	q := mustParseTmk(t, tmkRefBytes(t, tmkRef))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := ix.MatchTmk(q)
				if err == ErrClosed {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				found := false
				for _, m := range got {
					found = found || m.VideoID == "first"
				}
				if !found {
					errs <- fmt.Errorf("the committed entry is missing: %v", tmkIDs(got))
					return
				}
			}
		}()
	}
	i := 0
	for name, h := range refs {
		tx, err := ix.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.AddTmk(list, h, fmt.Sprint(name, i), ""); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		tx.Close()
		i++
	}
	q.Close()
	ix.Close()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := ix.MatchTmk(q); err != ErrClosed {
		t.Errorf("after Close: %v", err)
	}
}
