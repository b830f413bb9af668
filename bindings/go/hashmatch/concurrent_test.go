// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"context"
	"errors"
	"math/rand"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Readers query while a writer keeps changing the index and committing
// (the Go form of tests/test_index_threads.c; run with -race). The
// writer's content is a function of the snapshot's generation, so each
// reader checks that every answer is exactly the one its snapshot must
// give: nothing wrong, nothing lost, no mix of two snapshots.
func TestConcurrentQueriesWhileCommitting(t *testing.T) {
	const nStable, nFlip, readers = 300, 40, 4
	rounds := 150
	if testing.Short() {
		rounds = 30
	}
	ix := mustIndex(t)
	r := rand.New(rand.NewSource(3))
	list, _ := ix.List("l")
	stable := make([]Hash, nStable)
	for i := range stable {
		stable[i] = randomPDQ(r)
		ix.Add(list, stable[i], "s"+strconv.Itoa(i), "")
	}
	flip := make([]Hash, nFlip)
	for i := range flip {
		flip[i] = randomPDQ(r)
		if i%2 == 0 {
			ix.Add(list, flip[i], "f"+strconv.Itoa(i), "")
		}
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	st0, _ := ix.Stats()
	first := st0.Generation
	present := func(g uint64, i int) bool { return (g-first+uint64(i))%2 == 0 }

	var done atomic.Bool
	var checked, bad atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < readers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for !done.Load() {
				s, err := ix.Snapshot()
				if err != nil {
					bad.Add(1)
					return
				}
				st, _ := s.Stats()
				q := append([]Hash(nil), flip...)
				for k := 0; k < 8; k++ {
					q = append(q, stable[(int(st.Generation)*7+k)%nStable])
				}
				var ms []Match
				if w%2 == 0 {
					ms, err = s.Query(q, WithRadius(0))
				} else {
					var per [][]Match
					per, err = s.QueryBatch(context.Background(), q, WithRadius(0))
					for _, p := range per {
						ms = append(ms, p...)
					}
				}
				if err != nil {
					bad.Add(1)
				}
				seen := make([]int, len(q))
				for _, m := range ms {
					seen[m.Query]++
				}
				for i := 0; i < nFlip; i++ {
					if (seen[i] == 1) != present(st.Generation, i) || seen[i] > 1 {
						bad.Add(1)
					}
				}
				for k := 0; k < 8; k++ {
					if seen[nFlip+k] != 1 {
						bad.Add(1)
					}
				}
				s.Close()
				checked.Add(1)
				// And through the index directly.
				if ms, err := ix.Query(stable[:16], WithRadius(0)); err != nil || len(ms) != 16 {
					bad.Add(1)
				}
			}
		}(w)
	}
	for round := 1; round <= rounds; round++ {
		for i := 0; i < nFlip; i++ {
			id := "f" + strconv.Itoa(i)
			if (round+i)%2 == 0 {
				ix.Add(list, flip[i], id, "")
			} else {
				ix.Remove(list, id)
			}
		}
		if err := ix.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	done.Store(true)
	wg.Wait()
	st, _ := ix.Stats()
	if st.Generation != first+uint64(rounds) {
		t.Errorf("generation %d, want %d", st.Generation, first+uint64(rounds))
	}
	if checked.Load() == 0 || bad.Load() != 0 {
		t.Errorf("%d checks, %d bad", checked.Load(), bad.Load())
	}
	t.Logf("%d snapshots published, %d reader checks", rounds, checked.Load())
}

// Close waits for the calls in progress; later calls get ErrClosed.
func TestCloseWhileQuerying(t *testing.T) {
	ix, err := NewIndex()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(4))
	list, _ := ix.List("l")
	qs := make([]Hash, 64)
	for i := range qs {
		qs[i] = randomPDQ(r)
		ix.Add(list, qs[i], "", "")
	}
	ix.Commit()
	var wg sync.WaitGroup
	var ok, closed atomic.Int64
	start := make(chan struct{})
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 200; i++ {
				ms, err := ix.Query(qs, WithRadius(0))
				switch {
				case err == ErrClosed:
					closed.Add(1)
				case err != nil || len(ms) != len(qs):
					t.Errorf("query: %d matches, %v", len(ms), err)
					return
				default:
					ok.Add(1)
				}
				if err := ix.Add(list, qs[0], "again", ""); err != nil && err != ErrClosed {
					t.Errorf("add: %v", err)
				}
			}
		}()
	}
	close(start)
	for ok.Load() < 50 && closed.Load() == 0 {
		runtime.Gosched()
	}
	ix.Close()
	wg.Wait()
	if ok.Load()+closed.Load() != 8*200 {
		t.Errorf("%d ok + %d closed", ok.Load(), closed.Load())
	}
}

// Goroutines that fail different calls at once on one shared Index (and
// on a Hasher each) each get their own call's message: the C library
// keeps one message per OS thread, and the binding reads it on the thread
// that made the call (run with -race; goroutines move between threads).
func TestConcurrentErrorMessagesAreTheCallers(t *testing.T) {
	const workers = 8
	rounds := 300
	if testing.Short() {
		rounds = 60
	}
	ix := mustIndex(t)
	list, err := ix.List("shared")
	if err != nil {
		t.Fatal(err)
	}
	var wrong atomic.Int64
	var wg sync.WaitGroup
	stop, committerDone := make(chan struct{}), make(chan struct{})
	go func() { // successful commits meanwhile
		defer close(committerDone)
		for {
			select {
			case <-stop:
				return
			default:
				if ix.Commit() != nil {
					wrong.Add(1)
				}
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			h, err := NewHasher(nil)
			if err != nil {
				wrong.Add(1)
				return
			}
			defer h.Close()
			for r := 0; r < rounds; r++ {
				bad := 1000 + w*rounds + r
				var err error
				var want string
				switch r % 3 {
				case 0:
					err = ix.SetThreshold(list, PDQ, bad)
					want = "threshold " + strconv.Itoa(bad) + " out of range"
				case 1:
					want = "/nonexistent/list-" + strconv.Itoa(bad) + ".csv"
					_, err = ix.LoadList(want, nil)
				default:
					want = "/nonexistent/image-" + strconv.Itoa(bad) + ".jpg"
					_, err = h.HashFile(want, WantPDQ)
				}
				var e *Error
				if !errors.As(err, &e) || !strings.Contains(e.Detail, want) {
					t.Errorf("worker %d round %d: %v, want a message with %q", w, r, err, want)
					wrong.Add(1)
				}
				runtime.Gosched()
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	<-committerDone
	if wrong.Load() != 0 {
		t.Fatalf("%d wrong messages", wrong.Load())
	}
}
