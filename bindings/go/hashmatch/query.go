// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include <stdlib.h>
// #include <hashmatch.h>
import "C"

import (
	"context"
	"sync"
	"unsafe"
)

// Match is one hit: a known entry whose hash lies within the threshold of
// a query hash.
type Match struct {
	Query     int      // index of the query hash in the call (dihedral: the group's original)
	Type      HashType // hash type
	Distance  int
	Threshold int      // the threshold applied: the list's, or the query radius
	List      ListID   // list id
	ListName  string   // list name
	EntryID   string   // the entry's id
	Labels    string   // the entry's labels ("" for none)
	Variant   Dihedral // the query variant that matched best (Original without dihedral matching)
	Hash      Hash     // the known hash that matched
	FrameTime float64  // time (s) of the frame when the entry is a frame of a known video; -1 otherwise
}

// QueryOption changes how a query matches; without options a query uses
// each list's own threshold, skips disabled lists and PDQ hashes of
// quality under DefaultPDQMinQuality.
type QueryOption interface{ applyQuery(*C.hm_query_opts) }

// VideoMatchOption changes how MatchVideo matches.
type VideoMatchOption interface{ applyVideo(*C.hm_video_match_opts) }

type queryOptFunc func(*C.hm_query_opts)

func (f queryOptFunc) applyQuery(o *C.hm_query_opts) { f(o) }

// WithRadius matches every entry within distance r (0..bits), ignoring the
// lists' thresholds.
func WithRadius(r int) QueryOption {
	return queryOptFunc(func(o *C.hm_query_opts) { o.radius = C.int32_t(r) })
}

// WithK returns the k nearest entries (ignoring list thresholds; within
// the radius when WithRadius is given too).
func WithK(k int) QueryOption {
	return queryOptFunc(func(o *C.hm_query_opts) { o.k = C.uint32_t(k) })
}

type dihedral struct{}

func (dihedral) applyQuery(o *C.hm_query_opts)       { o.flags |= C.HM_QUERY_DIHEDRAL }
func (dihedral) applyVideo(o *C.hm_video_match_opts) { o.flags |= C.HM_QUERY_DIHEDRAL }

// WithDihedral matches queries in their 8 rotations and mirrors; each
// entry is reported once, at its best distance (Match.Variant says which).
// The exact variants are used when the query hashes come from WantDihedral
// (a hash followed by its 7 variants); otherwise PDQ
// and aHash variants are derived from the hash's bits, and pHash and dHash
// queries are matched as they are. For a video match, the query video is
// matched in each orientation (frame variants from the PDQ bits) and a
// known video is reported once, in its best one (VideoMatch.Variant). For
// Decide, the query's perceptual hashes count in their 8 variants.
func WithDihedral() MatchOption { return dihedral{} }

// WithStructure forces a search structure (results are the same; for
// benchmarks and diagnostics).
func WithStructure(s Structure) QueryOption {
	return queryOptFunc(func(o *C.hm_query_opts) { o.structure = C.int32_t(s) })
}

type minQuality int

func (q minQuality) applyQuery(o *C.hm_query_opts)       { o.min_quality = C.int32_t(q) }
func (q minQuality) applyVideo(o *C.hm_video_match_opts) { o.min_quality = C.int32_t(q) }

// MatchOption is an option of queries, video matches and decisions
// (Decide).
type MatchOption interface {
	QueryOption
	VideoMatchOption
	DecideOption
}

// WithMinQuality sets the PDQ quality below which query hashes (or video
// frames) match nothing (for Decide: are not compared); 0 disables the
// floor. Default DefaultPDQMinQuality.
func WithMinQuality(q int) MatchOption { return minQuality(q) }

type disabledLists struct{}

func (disabledLists) applyQuery(o *C.hm_query_opts)       { o.include_disabled = 1 }
func (disabledLists) applyVideo(o *C.hm_video_match_opts) { o.include_disabled = 1 }
func (disabledLists) applyTmk(o *C.hm_tmk_match_opts)     { o.include_disabled = 1 }

// ListsOption is an option of every kind of match: queries, video matches
// and TMK matches.
type ListsOption interface {
	MatchOption
	TmkMatchOption
}

// WithDisabledLists includes disabled lists (a QueryOption, a
// VideoMatchOption, a DecideOption and a TmkMatchOption).
func WithDisabledLists() ListsOption { return disabledLists{} }

// The C defaults, read once (a cgo call less per query).
var defaultQueryOpts = func() (o C.hm_query_opts) {
	C.hm_query_opts_init(&o)
	return
}()

func queryOpts(opts []QueryOption) C.hm_query_opts {
	o := defaultQueryOpts
	for _, opt := range opts {
		opt.applyQuery(&o)
	}
	return o
}

// results is one hm_results object for one call. hm_results keeps a
// reference to the snapshot it answered from, so it is freed right after
// its matches are copied (pooling them would pin old snapshots).
type results struct{ p *C.hm_results }

func newResults(op string) (results, error) {
	var r *C.hm_results
	if err := call(op, func() C.hm_status { return C.hm_results_create(&r) }); err != nil {
		return results{}, err
	}
	return results{r}, nil
}

func (r results) free() { C.hm_results_free(r.p) }

// matches copies the hits into Go memory; query indices are shifted by
// base.
func (r results) matches(base int, dst []Match) []Match {
	n := int(C.hm_results_count(r.p))
	if n == 0 {
		return dst
	}
	if dst == nil {
		dst = make([]Match, 0, n)
	}
	var lastList C.uint32_t = ^C.uint32_t(0)
	var lastName string
	for i := 0; i < n; i++ {
		m := C.hm_results_get(r.p, C.size_t(i))
		if m.list != lastList { // hits are mostly grouped: one string per list
			lastList, lastName = m.list, C.GoString(m.list_name)
		}
		var labels string
		if m.labels != nil {
			labels = C.GoString(m.labels)
		}
		dst = append(dst, Match{
			Query: base + int(m.query), Type: HashType(m._type), Distance: int(m.distance),
			Threshold: int(m.threshold), List: ListID(m.list), ListName: lastName,
			EntryID: C.GoString(m.entry_id), Labels: labels, Variant: Dihedral(m.variant),
			Hash: hashFromC(&m.hash), FrameTime: float64(m.frame_time),
		})
	}
	return dst
}

// queryFn runs one query of n C hashes into res.
type queryFn func(q *C.hm_hash, n C.size_t, o *C.hm_query_opts, res *C.hm_results) C.hm_status

func runQuery(op string, hashes []Hash, opts []QueryOption, fn queryFn) ([]Match, error) {
	o := queryOpts(opts)
	res, err := newResults(op)
	if err != nil {
		return nil, err
	}
	defer res.free()
	var one C.hm_hash
	var q *C.hm_hash
	switch len(hashes) {
	case 0:
	case 1:
		hashes[0].toC(&one)
		q = &one
	default:
		cq := hashesToC(hashes)
		q = &cq[0]
	}
	if err := call(op, func() C.hm_status { return fn(q, C.size_t(len(hashes)), &o, res.p) }); err != nil {
		return nil, err
	}
	return res.matches(0, nil), nil
}

// batchChunk is how many hashes QueryBatch sends to C at a time (between
// two looks at the context).
const batchChunk = 1024

// runBatch queries hashes in chunks on one snapshot, so that the whole
// batch sees one state of the index and ctx is honoured between chunks.
func runBatch(ctx context.Context, op string, sp *C.hm_snapshot, hashes []Hash, opts []QueryOption) ([][]Match, error) {
	o := queryOpts(opts)
	res, err := newResults(op)
	if err != nil {
		return nil, err
	}
	defer res.free()
	cq := hashesToC(hashes)
	out := make([][]Match, len(hashes))
	var flat []Match
	for start := 0; start < len(hashes); {
		if err := ctx.Err(); err != nil {
			return nil, &Error{Status: ErrCancelled, Op: op, Detail: err.Error(), cause: err}
		}
		end := start + batchChunk
		if end > len(hashes) {
			end = len(hashes)
		}
		// Never split a PDQ original from the dihedral variants that
		// follow it: the C library groups them.
		if o.flags&C.HM_QUERY_DIHEDRAL != 0 {
			for end < len(hashes) && hashes[end].Type == PDQ && hashes[end].Variant != Original {
				end++
			}
		}
		if err := call(op, func() C.hm_status {
			return C.hm_snapshot_query(sp, &cq[start], C.size_t(end-start), &o, res.p)
		}); err != nil {
			return nil, err
		}
		flat = res.matches(start, flat[:0])
		for _, m := range flat {
			out[m.Query] = append(out[m.Query], m)
		}
		start = end
	}
	return out, nil
}

// Query matches query hashes (any mix of types) against the current
// snapshot and returns the hits ordered by query, distance, list id, entry
// id. Match.Query is the index of the query hash in hashes.
func (ix *Index) Query(hashes []Hash, opts ...QueryOption) ([]Match, error) {
	p, done, err := ix.use()
	if err != nil {
		return nil, err
	}
	defer done()
	return runQuery("Query", hashes, opts, func(q *C.hm_hash, n C.size_t, o *C.hm_query_opts, res *C.hm_results) C.hm_status {
		return C.hm_index_query(p, q, n, o, res)
	})
}

// QueryBatch matches many hashes on one snapshot and returns the hits of
// each query hash at its position (empty for none; with WithDihedral, at
// the position of each group's original). It checks ctx between chunks of
// hashes and returns an ErrCancelled error wrapping ctx.Err() when it is
// done.
func (ix *Index) QueryBatch(ctx context.Context, hashes []Hash, opts ...QueryOption) ([][]Match, error) {
	s, err := ix.Snapshot()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.QueryBatch(ctx, hashes, opts...)
}

// Snapshot is an immutable view of an index. It is safe for concurrent
// use and stays valid after the index is closed. Close releases it (the
// last holder frees it).
type Snapshot struct {
	mu  sync.RWMutex
	p   *C.hm_snapshot
	net leakNet
}

func newSnapshot(p *C.hm_snapshot) *Snapshot {
	s := &Snapshot{p: p}
	s.net = armLeakNet(s, func(p *C.hm_snapshot) { C.hm_snapshot_release(p) }, p)
	return s
}

// Close releases the snapshot after the calls in progress have returned.
func (s *Snapshot) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p != nil {
		s.net.disarm(s)
		C.hm_snapshot_release(s.p)
		s.p = nil
	}
	return nil
}

func (s *Snapshot) read() (*C.hm_snapshot, error) {
	s.mu.RLock()
	if s.p == nil {
		s.mu.RUnlock()
		return nil, ErrClosed
	}
	return s.p, nil
}

// Query is Index.Query on this snapshot.
func (s *Snapshot) Query(hashes []Hash, opts ...QueryOption) ([]Match, error) {
	p, err := s.read()
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return runQuery("Query", hashes, opts, func(q *C.hm_hash, n C.size_t, o *C.hm_query_opts, res *C.hm_results) C.hm_status {
		return C.hm_snapshot_query(p, q, n, o, res)
	})
}

// QueryBatch is Index.QueryBatch on this snapshot.
func (s *Snapshot) QueryBatch(ctx context.Context, hashes []Hash, opts ...QueryOption) ([][]Match, error) {
	p, err := s.read()
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return runBatch(ctx, "QueryBatch", p, hashes, opts)
}

// Stats returns the snapshot's statistics (counters are the index's).
func (s *Snapshot) Stats() (Stats, error) {
	p, err := s.read()
	if err != nil {
		return Stats{}, err
	}
	defer s.mu.RUnlock()
	var st C.hm_index_stats
	if err := call("Stats", func() C.hm_status { return C.hm_snapshot_stats(p, &st) }); err != nil {
		return Stats{}, err
	}
	return statsFromC(&st), nil
}

// Lists describes every list of the snapshot.
func (s *Snapshot) Lists() ([]ListInfo, error) {
	p, err := s.read()
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	n := int(C.hm_snapshot_list_count(p))
	out := make([]ListInfo, 0, n)
	for i := 0; i < n; i++ {
		var li C.hm_list_info
		if err := call("Lists", func() C.hm_status {
			return C.hm_snapshot_list_info(p, C.uint32_t(i), &li)
		}); err != nil {
			return nil, err
		}
		out = append(out, listInfoFromC(&li))
	}
	return out, nil
}

// ListInfo describes one list of the snapshot.
func (s *Snapshot) ListInfo(id ListID) (ListInfo, error) {
	p, err := s.read()
	if err != nil {
		return ListInfo{}, err
	}
	defer s.mu.RUnlock()
	var li C.hm_list_info
	if err := call("ListInfo", func() C.hm_status {
		return C.hm_snapshot_list_info(p, C.uint32_t(id), &li)
	}); err != nil {
		return ListInfo{}, err
	}
	return listInfoFromC(&li), nil
}

// FindList finds a list by name: ErrNotFound when absent.
func (s *Snapshot) FindList(name string) (ListID, error) {
	cname, err := cString("FindList", "name", name)
	if err != nil {
		return 0, err
	}
	defer C.free(unsafe.Pointer(cname))
	p, err := s.read()
	if err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	var id C.uint32_t
	if err := call("FindList", func() C.hm_status { return C.hm_snapshot_list_find(p, cname, &id) }); err != nil {
		return 0, err
	}
	return ListID(id), nil
}

// Save writes the snapshot to an index file, atomically (see Index.Save).
func (s *Snapshot) Save(path string) error {
	cpath, err := cString("Save", "path", path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	p, err := s.read()
	if err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return call("Save", func() C.hm_status { return C.hm_snapshot_save(p, cpath) })
}

// SaveBytes returns the snapshot in the index file format (for a database
// blob; Index.LoadBytes reads it back).
func (s *Snapshot) SaveBytes() ([]byte, error) {
	p, err := s.read()
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var data unsafe.Pointer
	var size C.size_t
	if err := call("SaveBytes", func() C.hm_status { return C.hm_snapshot_save_memory(p, &data, &size) }); err != nil {
		return nil, err
	}
	defer C.hm_free(data)
	return C.GoBytes(data, C.int(size)), nil
}

func listInfoFromC(li *C.hm_list_info) ListInfo {
	out := ListInfo{ID: ListID(li.id), Name: C.GoString(li.name), Enabled: li.enabled != 0,
		Entries: uint64(li.entries), Hits: uint64(li.hits)}
	for i := range out.Thresholds {
		out.Thresholds[i] = int(li.threshold[i])
	}
	return out
}
