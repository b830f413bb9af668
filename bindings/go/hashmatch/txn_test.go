// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"math/rand"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

func entryIDs(t *testing.T, ix *Index, h Hash) []string {
	t.Helper()
	ms, err := ix.Query([]Hash{h}, WithRadius(0))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.EntryID)
	}
	return ids
}

func TestTxnPublishesTogetherAndAlone(t *testing.T) {
	r := rand.New(rand.NewSource(31))
	old, repl, other := randomPDQ(r), randomPDQ(r), randomPDQ(r)
	ix := mustIndex(t)
	l, _ := ix.List("known")
	ix.Add(l, old, "e1", "v1")
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	tx, err := ix.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	if n, err := tx.Remove(l, "e1"); n != 1 || err != nil {
		t.Fatalf("Remove: %d, %v", n, err)
	}
	if err := tx.Add(l, repl, "e1", "v2"); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetThreshold(l, PDQ, 12); err != nil {
		t.Fatal(err)
	}
	// the index's own change set is another one
	ix.Add(l, other, "e2", "")
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if ids := entryIDs(t, ix, old); len(ids) != 1 || len(entryIDs(t, ix, repl)) != 0 {
		t.Fatalf("before the transaction's commit: %v", ids)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if len(entryIDs(t, ix, old)) != 0 {
		t.Error("the old hash is still there")
	}
	ms, _ := ix.Query([]Hash{repl})
	if len(ms) != 1 || ms[0].Labels != "v2" || ms[0].Threshold != 12 {
		t.Errorf("after: %+v", ms)
	}
	// a failed call reports the set's own message
	if err := tx.SetThreshold(l, PHash, 70); err == nil {
		t.Error("threshold 70 accepted for pHash")
	} else {
		wantStatus(t, err, ErrInvalidArgument)
	}
}

func TestTxnListsVideosLoadAndClose(t *testing.T) {
	r := rand.New(rand.NewSource(32))
	ix := mustIndex(t)
	tx, err := ix.Begin()
	if err != nil {
		t.Fatal(err)
	}
	h := randomPDQ(r)
	rep, err := tx.LoadListBytes([]byte("pdq "+h.String()+"\n"), "feed", nil)
	if err != nil || rep.Added != 1 {
		t.Fatalf("LoadListBytes: %+v, %v", rep, err)
	}
	v, _ := ix.List("videos")
	frames := make([]Frame, 3)
	for i := range frames {
		f := randomPDQ(r)
		f.Quality = 90
		frames[i] = Frame{Number: uint64(i), Timestamp: float64(i), Hashes: Hashes{f}}
	}
	if n, err := tx.AddVideo(v, frames, "clip", ""); n != 3 || err != nil {
		t.Fatalf("AddVideo: %d, %v", n, err)
	}
	if st, _ := ix.Stats(); st.Entries != 0 {
		t.Fatal("staged changes visible before Commit")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, _ := ix.Stats(); st.Entries != 4 {
		t.Fatalf("%d entries", st.Entries)
	}
	// an index file loaded over the content cancels older change sets
	tx.Add(v, randomPDQ(r), "x", "")
	path := filepath.Join(t.TempDir(), "i.hmi")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	if err := ix.Load(path); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, tx.Commit(), ErrCancelled)
	tx.Close()
	if err := tx.Add(v, h, "y", ""); err != ErrClosed {
		t.Errorf("after Close: %v", err)
	}
	// a change set outliving its index
	tx2, _ := ix.Begin()
	ix.Close()
	if err := tx2.Commit(); err != ErrClosed {
		t.Errorf("after the index's Close: %v", err)
	}
	tx2.Close()
}

// An entry replaced in a Txn is never seen missing or doubled while
// another goroutine stages and commits through the index's own change set
// (run with -race).
func TestTxnReplacesAtomically(t *testing.T) {
	r := rand.New(rand.NewSource(33))
	versions := []Hash{randomPDQ(r), randomPDQ(r)}
	noise := make([]Hash, 32)
	for i := range noise {
		noise[i] = randomPDQ(r)
	}
	ix := mustIndex(t)
	l, _ := ix.List("l")
	ix.Add(l, versions[0], "r", "")
	ix.Commit()
	var stop atomic.Bool
	var bad, checked atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				ms, err := ix.Query(versions, WithRadius(0))
				if err != nil || len(ms) != 1 {
					bad.Add(1)
				}
				checked.Add(1)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			ix.Add(l, noise[i%32], "n"+strconv.Itoa(i%32), "")
			ix.Commit()
		}
	}()
	tx, _ := ix.Begin()
	rounds := 200
	if testing.Short() {
		rounds = 50
	}
	for i := 1; i <= rounds; i++ {
		if n, err := tx.Remove(l, "r"); n != 1 || err != nil {
			t.Errorf("Remove: %d, %v", n, err)
		}
		tx.Add(l, versions[i%2], "r", "")
		if err := tx.Commit(); err != nil {
			t.Error(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	tx.Close()
	if checked.Load() == 0 || bad.Load() != 0 {
		t.Fatalf("%d of %d answers saw the entry missing or doubled", bad.Load(), checked.Load())
	}
}

// RenameList: staged like a setting, refused when the name is taken (when
// staged, and at commit when another change set took it meanwhile).
func TestRenameList(t *testing.T) {
	r := rand.New(rand.NewSource(33))
	ix := mustIndex(t)
	h := randomPDQ(r)
	a, _ := ix.List("old")
	if _, err := ix.List("other"); err != nil {
		t.Fatal(err)
	}
	ix.Add(a, h, "x", "")
	ix.Commit()
	wantStatus(t, ix.RenameList(a, "other"), ErrInvalidArgument)
	wantStatus(t, ix.RenameList(a, ""), ErrInvalidArgument)
	wantStatus(t, ix.RenameList(99, "n"), ErrNotFound)
	if err := ix.RenameList(a, "new"); err != nil {
		t.Fatal(err)
	}
	listOf := func() string {
		ms, err := ix.Query([]Hash{h})
		if err != nil || len(ms) != 1 {
			t.Fatalf("query: %v, %v", ms, err)
		}
		return ms[0].ListName
	}
	if got := listOf(); got != "old" {
		t.Errorf("before the commit: %q", got)
	}
	ix.Commit()
	if got := listOf(); got != "new" {
		t.Errorf("after the commit: %q", got)
	}
	if id, err := ix.FindList("new"); err != nil || id != a {
		t.Errorf("FindList(new): %v, %v", id, err)
	}
	tx, _ := ix.Begin()
	defer tx.Close()
	if err := tx.RenameList(a, "third"); err != nil {
		t.Fatal(err)
	}
	ix.List("third")
	wantStatus(t, tx.Commit(), ErrInvalidArgument)
	if err := tx.RenameList(a, "fourth"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := listOf(); got != "fourth" {
		t.Errorf("after the change set's commit: %q", got)
	}
}
