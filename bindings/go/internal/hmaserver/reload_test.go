// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// randomPDQ is a random PDQ hash in hex.
func randomPDQ(r *rand.Rand) string {
	b := make([]byte, 32)
	r.Read(b)
	return fmt.Sprintf("%x", b)
}

// writeList writes a CSV hash list (the example list's columns) of PDQ
// hashes: entry id -> hash, in the list named list.
func writeList(t testing.TB, path, list string, entries [][2]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("hash_type,hash,entry_id,list,labels\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "pdq,%s,%s,%s,\n", e[1], e[0], list)
	}
	// Through a rename, as a program that replaces a list should.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// rawIDs is /m/raw_lookup's answer for a PDQ hash: the ids matched, or
// the status when it is not 200.
func (ts *testServer) rawIDs(pdq string) ([]string, int, error) {
	resp, err := ts.Client().Get(ts.URL + "/m/raw_lookup?signal_type=pdq&signal=" + url.QueryEscape(pdq))
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, resp.StatusCode, nil
	}
	var out struct{ Matches []any }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, 200, err
	}
	ids := make([]string, len(out.Matches))
	for i, m := range out.Matches {
		ids[i] = fmt.Sprint(m)
	}
	return ids, 200, nil
}

// settledRSS is the resident memory once Go's garbage is collected and
// returned to the system.
func settledRSS() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	return residentBytes()
}

// TestReloadUnderLoad reloads a 20,000-hash list 100 times (through
// POST /admin/reload and Reload) while clients query continuously and
// the list changes between reloads: every answer is 200 and right (a hash
// always in the list always matches, one never in it never does, one
// toggled matches exactly when the last reload read it), and resident
// memory after reload 100 is that after reload 10, within a margin far
// under one leaked index per reload.
func TestReloadUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("reloads 100 times")
	}
	r := rand.New(rand.NewSource(17))
	var base [][2]string
	for i := 0; i < 20000; i++ {
		base = append(base, [2]string{fmt.Sprintf("e%d", i), randomPDQ(r)})
	}
	always, never, toggled := base[12345][1], randomPDQ(r), randomPDQ(r)
	path := filepath.Join(t.TempDir(), "big.csv")
	with := append(append([][2]string(nil), base...), [2]string{"toggled", toggled})
	writeList(t, path, "BIG", base)
	ts := startServer(t, Config{NoAuth: true, Lists: []string{path}}, nil)

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var queries atomic.Int64
	errs := make(chan string, 100)
	report := func(format string, a ...any) {
		select {
		case errs <- fmt.Sprintf(format, a...):
		default:
		}
	}
	for c := 0; c < 3; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				for _, q := range []struct {
					hash string
					want []string // nil: either
				}{{always, []string{"e12345"}}, {never, []string{}}, {toggled, nil}} {
					ids, code, err := ts.rawIDs(q.hash)
					queries.Add(1)
					switch {
					case err != nil || code != 200:
						report("lookup during reloads: status %d, %v", code, err)
					case q.want != nil && strings.Join(ids, ",") != strings.Join(q.want, ","):
						report("lookup during reloads: %v, want %v", ids, q.want)
					case q.want == nil && len(ids) > 1:
						report("toggled hash: %v", ids)
					}
				}
			}
		}()
	}

	var rss10 uint64
	for i := 1; i <= 100; i++ {
		present := i%2 == 1
		if present {
			writeList(t, path, "BIG", with)
		} else {
			writeList(t, path, "BIG", base)
		}
		if i%2 == 0 {
			var res ReloadResult
			ts.json(t, "POST", "/admin/reload", "", nil, 200, &res)
			if res.Generation != int64(i+1) || res.Entries != uint64(len(base)) {
				t.Fatalf("reload %d: %+v", i, res)
			}
		} else if res, err := ts.srv.Reload(); err != nil || res.Entries != uint64(len(with)) {
			t.Fatalf("reload %d: %+v, %v", i, res, err)
		}
		// A request after the reload sees the new index.
		ids, code, err := ts.rawIDs(toggled)
		if err != nil || code != 200 || (len(ids) == 1) != present {
			t.Fatalf("after reload %d (toggled in the list: %v): %v %d %v", i, present, ids, code, err)
		}
		if i == 10 {
			rss10 = settledRSS()
		}
	}
	stop()
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	rss100 := settledRSS()
	t.Logf("%d queries during 100 reloads of %d hashes; RSS after reload 10: %.1f MiB, after 100: %.1f MiB",
		queries.Load(), len(base), float64(rss10)/(1<<20), float64(rss100)/(1<<20))
	if queries.Load() < 100 {
		t.Errorf("only %d queries ran during the reloads", queries.Load())
	}
	// One index of 20,000 PDQ hashes is about 5 MiB (the library's
	// count): a leak of one per reload would add over 400 MiB in 90
	// reloads. The margin covers the allocators' noise (the race
	// detector's shadow memory too).
	if rss10 == 0 || rss100 > rss10+rss10/5+(16<<20) {
		t.Errorf("resident memory grew across reloads: %d after reload 10, %d after 100", rss10, rss100)
	}
	var m struct{ ok, failed float64 }
	metrics := scrape(t, ts)
	m.ok, m.failed = metrics[`hashmatchd_reloads_total{result="ok"}`], metrics[`hashmatchd_reloads_total{result="failed"}`]
	if m.ok != 100 || m.failed != 0 || metrics["hashmatchd_index_generation"] != 101 {
		t.Errorf("reload metrics: %+v, generation %v", m, metrics["hashmatchd_index_generation"])
	}
}

// TestReloadIndexFileAndWatch: a reload reads the index file as another
// program rewrote it; a failed reload keeps the old index in service (500
// with the reason, counted); the file watch reloads on a change and not on
// the server's own saves (curation).
func TestReloadIndexFileAndWatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.hmi")
	ts := startServer(t, Config{IndexPath: path, Lists: []string{dataPath(t, "example", "known.csv")}}, nil)
	extra := "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
	lookup := func() []string {
		t.Helper()
		req := "/m/raw_lookup?signal_type=pdq&signal=" + extra
		var out struct{ Matches []any }
		ts.json(t, "GET", req, matchToken, nil, 200, &out)
		ids := []string{}
		for _, m := range out.Matches {
			ids = append(ids, fmt.Sprint(m))
		}
		return ids
	}
	// Another program adds an entry to the index file.
	addToFile := func(id string) {
		t.Helper()
		ix, err := hashmatch.OpenIndex(path)
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		list, err := ix.FindList("example-known")
		if err == nil {
			err = ix.Add(list, hashmatch.MustParse(hashmatch.PDQ, extra), id, "")
		}
		if err == nil {
			err = ix.Commit()
		}
		if err == nil {
			err = ix.Save(path)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	addToFile("from-another-program")
	if got := lookup(); len(got) != 0 {
		t.Fatalf("matched before the reload: %v", got)
	}
	code, _ := ts.do(t, "POST", "/admin/reload", matchToken, "", nil)
	if code != 403 {
		t.Errorf("reload with a matching token: %d, want 403", code)
	}
	var res ReloadResult
	ts.json(t, "POST", "/admin/reload", curationToken, nil, 200, &res)
	if got := lookup(); strings.Join(got, ",") != "from-another-program" || res.Generation != 2 {
		t.Fatalf("after the reload: %v, %+v", got, res)
	}

	// A corrupt index file: the reload fails, the old index serves on.
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, body := ts.do(t, "POST", "/admin/reload", curationToken, "", nil)
	if msg := errorMessage(t, body); code != 500 || !strings.Contains(msg, "still serving generation 2") {
		t.Errorf("reload of a corrupt file: %d %s", code, msg)
	}
	if got := lookup(); len(got) != 1 {
		t.Errorf("after a failed reload: %v", got)
	}
	if m := scrape(t, ts); m[`hashmatchd_reloads_total{result="failed"}`] != 1 {
		t.Errorf("failed reload not counted")
	}
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.srv.Reload(); err != nil {
		t.Fatal(err)
	}

	// The file watch: the server's own save (a curation change) is no
	// change; another program's is.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan struct{})
	go func() { ts.srv.Watch(ctx, 20*time.Millisecond); close(done) }()
	defer func() { stop(); <-done }()
	gen := ts.srv.generation.Load()
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "WATCHED"}, 201, nil)
	time.Sleep(200 * time.Millisecond)
	if g := ts.srv.generation.Load(); g != gen {
		t.Errorf("the watch reloaded after the server's own save: generation %d -> %d", gen, g)
	}
	addToFile("second")
	// the new index serves before Reload counts its generation: wait for both
	for deadline := time.Now().Add(10 * time.Second); len(lookup()) != 2 || ts.srv.generation.Load() == gen; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the watch did not reload: %v", lookup())
		}
	}
	// The reload saved the files itself: that is no change either.
	gen = ts.srv.generation.Load()
	time.Sleep(200 * time.Millisecond)
	if g := ts.srv.generation.Load(); g != gen {
		t.Errorf("the watch reloaded again after its own reload: generation %d -> %d", gen, g)
	}
	var banks []Bank
	ts.json(t, "GET", "/c/banks", curationToken, nil, 200, &banks)
	if len(banks) != 2 {
		t.Errorf("banks after the watched reload: %+v", banks)
	}
}

// TestCurationDuringReload: a curation change that waited for a reload is
// refused with 503 and Retry-After (it would be lost on the old index);
// retried, it lands on the new one and is kept.
func TestCurationDuringReload(t *testing.T) {
	ts := exampleServer(t)
	st := ts.srv.acquire()
	defer st.unref()
	st.mu.Lock() // a reload holds the old store's writers like this
	resp := make(chan int, 1)
	go func() {
		code, _ := ts.do(t, "POST", "/c/banks", curationToken, "application/json", []byte(`{"name":"LATE"}`))
		resp <- code
	}()
	time.Sleep(100 * time.Millisecond) // the change waits on mu
	next, err := OpenStore(ts.cfg.IndexPath, ts.cfg.Lists)
	if err != nil {
		t.Fatal(err)
	}
	st.retired = true
	ts.srv.store.Store(next)
	st.mu.Unlock()
	st.unref() // the server's reference, as Reload drops it
	if code := <-resp; code != 503 {
		t.Fatalf("change on a replaced index: %d, want 503", code)
	}
	ts.json(t, "POST", "/c/banks", curationToken, map[string]any{"name": "LATE"}, 201, nil)
	if _, err := ts.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	ts.json(t, "GET", "/c/bank/LATE", curationToken, nil, 200, nil)
}
