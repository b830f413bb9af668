// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"
)

// Hot reload. The server's current Store is an atomic pointer; a reload
// builds a whole new Store from the files given at start (OpenStore: the
// index file, its bank metadata, the hash lists), swaps the pointer, and
// drops the server's reference to the old one. Each request holds a
// reference to the Store it started on (acquire in serve), so requests in
// flight finish on the old index and new ones get the new; the old index
// is freed (Index.Close: its C memory goes back) when its last request
// ends. Nothing is shared between the two but the files.

// ref takes a reference to the store, unless its last one is gone (it
// was replaced and freed meanwhile).
func (st *Store) ref() bool {
	for {
		n := st.refs.Load()
		if n <= 0 {
			return false
		}
		if st.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// unref drops a reference; the last frees the index and returns its
// memory to the system.
func (st *Store) unref() error {
	if st.refs.Add(-1) != 0 {
		return nil
	}
	err := st.idx.Close()
	releaseFreedMemory()
	return err
}

// acquire returns the current store with a reference the caller drops
// with unref, or nil before the index is loaded.
func (s *Server) acquire() *Store {
	for {
		st := s.store.Load()
		if st == nil || st.ref() {
			return st
		}
		// Replaced and freed between the load and the ref: the
		// pointer holds its successor now.
	}
}

// ReloadResult is what a reload reports (POST /admin/reload's answer).
type ReloadResult struct {
	Generation int64   `json:"generation"` // 1 for the index loaded at start, +1 per reload
	Entries    uint64  `json:"entries"`    // entries of the new index
	Bytes      uint64  `json:"bytes"`      // its memory, as the library reports it
	Seconds    float64 `json:"seconds"`    // time the reload took
}

var errNotLoaded = errors.New("the index is not loaded yet")

// Reload loads the files given at start into a new index and swaps it in
// (see above). Curation changes are held while it loads (they would be
// lost on the old index) and those that waited are refused with 503
// (errReloaded): their client retries on the new index. On a failure the
// old index stays in service.
func (s *Server) Reload() (ReloadResult, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	start := time.Now()
	old := s.store.Load()
	if old == nil {
		return ReloadResult{}, errNotLoaded
	}
	old.mu.Lock()
	next, err := OpenStore(s.cfg.IndexPath, s.cfg.Lists)
	if err != nil {
		old.mu.Unlock()
		s.metrics.reloaded(false)
		return ReloadResult{}, err
	}
	old.retired = true
	s.store.Store(next)
	old.mu.Unlock()
	if err := old.unref(); err != nil {
		s.log.Printf("reload: freeing the old index: %v", err)
	}
	s.metrics.reloaded(true)
	res := ReloadResult{Generation: s.generation.Add(1), Seconds: time.Since(start).Seconds()}
	if stats, err := next.idx.Stats(); err == nil {
		res.Entries, res.Bytes = stats.Entries, stats.Bytes
	}
	return res, nil
}

// fileStamp is what the file watch compares: a file's size and
// modification time (Exists false when it is absent).
type fileStamp struct {
	Path    string
	Exists  bool
	Size    int64
	ModTime int64 // nanoseconds
}

func stampFile(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{Path: path}
	}
	return fileStamp{Path: path, Exists: true, Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
}

func stampFiles(paths []string) []fileStamp {
	out := make([]fileStamp, len(paths))
	for i, p := range paths {
		out[i] = stampFile(p)
	}
	return out
}

// watched is the files a reload reads: the index file and its bank
// metadata, and the hash lists.
func (st *Store) watched() []string {
	var out []string
	if st.path != "" {
		out = append(out, st.path, SidecarPath(st.path))
	}
	return append(out, st.lists...)
}

// restamp records the store's own writes of files, so that the file
// watch does not take them for changes. Called with mu held.
func (st *Store) restamp(paths ...string) {
	for i := range st.stamps {
		for _, p := range paths {
			if st.stamps[i].Path == p {
				st.stamps[i] = stampFile(p)
			}
		}
	}
}

// changed reports whether the files differ from what the store last read
// or wrote, and returns their stamps. It holds the writers' lock: a save
// in progress is not mistaken for a change.
func (st *Store) changed() (bool, []fileStamp) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := stampFiles(st.watched())
	return !sameStamps(now, st.stamps), now
}

func sameStamps(a, b []fileStamp) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Watch polls the files a reload reads every interval until ctx ends and
// reloads when one changed (size or modification time) since the current
// index read or wrote it. A reload that fails is not tried again until the
// files change again.
func (s *Server) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var failed []fileStamp
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := s.acquire()
		if st == nil {
			continue
		}
		changed, now := st.changed()
		st.unref()
		if !changed || sameStamps(now, failed) {
			continue
		}
		if res, err := s.Reload(); err != nil {
			failed = now
			s.log.Printf("file watch: reload failed, still serving the previous index: %v", err)
		} else {
			failed = nil
			s.log.Printf("file watch: files changed: reloaded (%v)", res)
		}
	}
}

// adminReload is POST /admin/reload.
func (s *Server) adminReload(w http.ResponseWriter, _ *http.Request, _ *Store, _ []string) {
	res, err := s.Reload()
	if err != nil {
		s.fail(w, errf(http.StatusInternalServerError,
			"reload failed, still serving generation %d: %v", s.generation.Load(), err))
		return
	}
	s.log.Printf("reloaded on request (%v)", res)
	writeJSON(w, http.StatusOK, res)
}

// String describes a reload for logs.
func (r ReloadResult) String() string {
	return fmt.Sprintf("generation %d, %d entries, %d bytes, %.3fs", r.Generation, r.Entries, r.Bytes, r.Seconds)
}
