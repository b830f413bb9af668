// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"runtime/cgo"
	"sync"
	"unsafe"
)

// ListID identifies a list of an index; lists are numbered from 0 in
// creation order.
type ListID uint32

// AllLists makes Remove act on every list.
const AllLists ListID = 0xffffffff

// Limits of an index.
const (
	MaxLists   = 65535 // lists in one index
	MaxName    = 255   // bytes in a list name
	MaxEntryID = 1024  // bytes in an entry id
	MaxLabels  = 4096  // bytes in a labels string
)

// Default thresholds and query quality floor.
const (
	DefaultPDQThreshold   = 31 // PDQ: distance <= 31
	Default64BitThreshold = 10 // pHash, dHash, aHash: <= 10
	DefaultPDQMinQuality  = 50 // PDQ queries below match nothing
	// DefaultPHashOrgThreshold is pHash.org's hash's, every packing:
	// measured at a false-match rate of 1e-4 per pair (docs/robustness.md).
	DefaultPHashOrgThreshold = 13
)

// Structure is a search structure of the index. All of them return
// exactly the same results.
type Structure int

// Search structures.
const (
	StructAuto   Structure = 0 // chosen per query by a cost model
	StructScan   Structure = 1 // SIMD linear scan
	StructMIH    Structure = 2 // exact multi-index hashing
	StructBKTree Structure = 3 // BK-tree (built only when asked for)
)

// IndexParam is a parameter of an index (Index.Set, Index.Get).
type IndexParam int

// Index parameters.
const (
	// IndexStructures: bit mask of structures to build besides the scan:
	// (1<<StructMIH) | (1<<StructBKTree). Default 1<<StructMIH. Applies
	// to segments built afterwards.
	IndexStructures IndexParam = 1
	// IndexDefaultStructure: the Structure queries use when theirs is
	// StructAuto. Default StructAuto.
	IndexDefaultStructure IndexParam = 2
	// IndexMaxLine: longest hash-list line accepted, bytes. Default 65536.
	IndexMaxLine IndexParam = 3
	// IndexMaxEntries: most entries the index accepts. Default 10^9.
	IndexMaxEntries IndexParam = 4
)

// Index holds known hashes (entries) grouped in lists and finds those
// within a distance of query hashes, exactly.
//
// An Index is safe for concurrent use: queries (Query, QueryBatch, Decide,
// MatchVideo, Snapshot, Stats, Lists) run without locks in the C library
// on immutable snapshots, from any number of goroutines, while writers
// (lists, Add, Remove, LoadList, Load, Commit, Set) are serialised.
// Changes are staged and become visible together at Commit. The Index's
// change set is shared by all goroutines; a Txn (Begin) is one writer's
// own.
//
// Close frees the index; it waits for calls in progress. Snapshots and
// match results taken before stay valid.
type Index struct {
	// mu guards p against Close: every call holds it for reading (the C
	// index serialises its writers itself).
	mu  sync.RWMutex
	p   *C.hm_index
	net leakNet
}

// NewIndex creates an empty index. Close it when done.
func NewIndex() (*Index, error) {
	var p *C.hm_index
	if err := call("NewIndex", func() C.hm_status { return C.hm_index_create(&p) }); err != nil {
		return nil, err
	}
	ix := &Index{p: p}
	ix.net = armLeakNet(ix, func(p *C.hm_index) { C.hm_index_free(p) }, p)
	return ix, nil
}

// OpenIndex creates an index with the content of an index file (see
// Load).
func OpenIndex(path string) (*Index, error) {
	ix, err := NewIndex()
	if err != nil {
		return nil, err
	}
	if err := ix.Load(path); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

// Close frees the index after the calls in progress have returned.
// Closing twice is harmless; other methods then return ErrClosed.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.p != nil {
		ix.net.disarm(ix)
		C.hm_index_free(ix.p)
		ix.p = nil
	}
	return nil
}

// use starts a call on the index: it stays open until done is called.
func (ix *Index) use() (p *C.hm_index, done func(), err error) {
	ix.mu.RLock()
	if ix.p == nil {
		ix.mu.RUnlock()
		return nil, nil, ErrClosed
	}
	return ix.p, ix.mu.RUnlock, nil
}

// Set sets an index parameter.
func (ix *Index) Set(param IndexParam, v int64) error {
	p, done, err := ix.use()
	if err != nil {
		return err
	}
	defer done()
	return call("Set", func() C.hm_status {
		return C.hm_index_set(p, C.hm_index_param(param), C.int64_t(v))
	})
}

// Get reads an index parameter.
func (ix *Index) Get(param IndexParam) (int64, error) {
	p, done, err := ix.use()
	if err != nil {
		return 0, err
	}
	defer done()
	var v C.int64_t
	if err := call("Get", func() C.hm_status {
		return C.hm_index_get(p, C.hm_index_param(param), &v)
	}); err != nil {
		return 0, err
	}
	return int64(v), nil
}

// List finds the list called name, creating it (enabled, default
// thresholds) when it does not exist. Names are 1 to MaxName bytes of
// UTF-8 without control characters. A new list is staged until Commit.
func (ix *Index) List(name string) (ListID, error) {
	cname, err := cString("List", "name", name)
	if err != nil {
		return 0, err
	}
	defer C.free(unsafe.Pointer(cname))
	p, done, err := ix.use()
	if err != nil {
		return 0, err
	}
	defer done()
	var id C.uint32_t
	if err := call("List", func() C.hm_status { return C.hm_index_list(p, cname, &id) }); err != nil {
		return 0, err
	}
	return ListID(id), nil
}

// SetThreshold sets a list's distance threshold for one hash type (0..
// t.Bits(); -1 restores the default), or for every type when t is 0.
// Staged until Commit.
func (ix *Index) SetThreshold(list ListID, t HashType, threshold int) error {
	return stageThreshold(ix, list, t, threshold)
}

// SetEnabled enables or disables a list (disabled lists never match
// unless a query asks for them). Staged until Commit.
func (ix *Index) SetEnabled(list ListID, enabled bool) error {
	return stageEnabled(ix, list, enabled)
}

// RenameList stages a new name for a list (the rules of List for names);
// the list keeps its id, entries, settings and hit counter. Queries, List
// and snapshots know it by its old name until Commit publishes the new
// one. A name another list has, or is being renamed to in the same change
// set, is an ErrInvalidArgument, when staged and again at commit (another
// writer may have taken it meanwhile: the commit then fails whole).
func (ix *Index) RenameList(list ListID, name string) error {
	return stageRename(ix, list, name)
}

// ClearList stages the removal of every entry of a list (the list, its
// settings and counters stay) and returns how many.
func (ix *Index) ClearList(list ListID) (uint64, error) {
	return stageClear(ix, list)
}

// Add stages one entry: h (any type) in list, with an entry id (1 to
// MaxEntryID bytes; "" uses the hash's canonical string) and labels (""
// for none). The hash's quality and variant are not stored. Adding an
// entry equal to one present does nothing.
func (ix *Index) Add(list ListID, h Hash, entryID, labels string) error {
	return stageAdd(ix, list, h, entryID, labels)
}

// Remove stages the removal of every hash of entryID in list (or in every
// list with AllLists), committed or staged, and returns how many. An id
// that is not there is not an error.
func (ix *Index) Remove(list ListID, entryID string) (uint64, error) {
	return stageRemove(ix, list, entryID)
}

// Commit publishes the changes staged in the index's own change set as a
// new snapshot, atomically: queries that start afterwards see all of
// them, queries already running finish on the snapshot they started with.
// The index's change set is shared by every goroutine that calls its
// writer methods, so Commit publishes what any of them staged there; a
// writer whose changes must appear together and alone uses a Txn
// (Begin).
func (ix *Index) Commit() error {
	return commit(ix)
}

// writer is where staging calls go: the Index's own change set, shared by
// every goroutine, or a Txn's.
type writer interface {
	// begin starts a writer call: the C target stays valid until done.
	begin() (t C.hmgo_target, done func(), err error)
}

func (ix *Index) begin() (C.hmgo_target, func(), error) {
	p, done, err := ix.use()
	return C.hmgo_target{idx: p}, done, err
}

func stageThreshold(w writer, list ListID, ht HashType, threshold int) error {
	t, done, err := w.begin()
	if err != nil {
		return err
	}
	defer done()
	return call("SetThreshold", func() C.hm_status {
		return C.hmgo_set_threshold(t, C.uint32_t(list), C.int(ht), C.int(threshold))
	})
}

func stageEnabled(w writer, list ListID, enabled bool) error {
	t, done, err := w.begin()
	if err != nil {
		return err
	}
	defer done()
	return call("SetEnabled", func() C.hm_status {
		return C.hmgo_set_enabled(t, C.uint32_t(list), C.int(b2i64(enabled)))
	})
}

func stageRename(w writer, list ListID, name string) error {
	cname, err := cString("RenameList", "name", name)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cname))
	t, done, err := w.begin()
	if err != nil {
		return err
	}
	defer done()
	return call("RenameList", func() C.hm_status {
		return C.hmgo_rename(t, C.uint32_t(list), cname)
	})
}

func stageClear(w writer, list ListID) (uint64, error) {
	t, done, err := w.begin()
	if err != nil {
		return 0, err
	}
	defer done()
	var n C.uint64_t
	if err := call("ClearList", func() C.hm_status {
		return C.hmgo_list_clear(t, C.uint32_t(list), &n)
	}); err != nil {
		return 0, err
	}
	return uint64(n), nil
}

// cEntry converts an entry's id (what names it in errors; "" is NULL when
// idOptional) and labels ("" is NULL) to C strings; free releases both.
func cEntry(op, what, id, labels string, idOptional bool) (cid, clab *C.char, free func(), err error) {
	conv := cString
	if idOptional {
		conv = cStringOrNil
	}
	if cid, err = conv(op, what, id); err != nil {
		return nil, nil, nil, err
	}
	if clab, err = cStringOrNil(op, "labels", labels); err != nil {
		C.free(unsafe.Pointer(cid))
		return nil, nil, nil, err
	}
	return cid, clab, func() { C.free(unsafe.Pointer(cid)); C.free(unsafe.Pointer(clab)) }, nil
}

func stageAdd(w writer, list ListID, h Hash, entryID, labels string) error {
	cid, clab, free, err := cEntry("Add", "entry id", entryID, labels, true)
	if err != nil {
		return err
	}
	defer free()
	t, done, err := w.begin()
	if err != nil {
		return err
	}
	defer done()
	var ch C.hm_hash
	h.toC(&ch)
	return call("Add", func() C.hm_status { return C.hmgo_add(t, C.uint32_t(list), &ch, cid, clab) })
}

func stageRemove(w writer, list ListID, entryID string) (uint64, error) {
	cid, err := cString("Remove", "entry id", entryID)
	if err != nil {
		return 0, err
	}
	defer C.free(unsafe.Pointer(cid))
	t, done, err := w.begin()
	if err != nil {
		return 0, err
	}
	defer done()
	var n C.uint64_t
	if err := call("Remove", func() C.hm_status { return C.hmgo_remove(t, C.uint32_t(list), cid, &n) }); err != nil {
		return 0, err
	}
	return uint64(n), nil
}

func commit(w writer) error {
	t, done, err := w.begin()
	if err != nil {
		return err
	}
	defer done()
	return call("Commit", func() C.hm_status { return C.hmgo_commit(t) })
}

// ListFormat is a hash-list file format (docs/hashlist-formats.md).
type ListFormat int

// Hash-list formats.
const (
	ListAuto      ListFormat = 0 // detected from the first data line
	ListPlain     ListFormat = 1 // one hash per line
	ListTyped     ListFormat = 2 // "<type> <hash>" per line
	ListPytxCSV   ListFormat = 3 // python-threatexchange dataset CSV
	ListCanonical ListFormat = 4 // hash_type,hash,entry_id,list,labels
)

// LoadOptions are the options of LoadList. The zero value is the
// default: format detected, strict.
type LoadOptions struct {
	Format ListFormat
	// HashType of plain lines; 0: from the length (32 hex digits: MD5;
	// 16 and 64 digits are ambiguous: the load fails with
	// ErrInvalidArgument without this field).
	HashType HashType
	// Lenient skips and counts bad lines (a malformed hash, an unknown
	// type name, a NUL byte, bytes that are not UTF-8); by default the
	// first bad line fails the load and nothing of the file is staged.
	Lenient bool
	// IncludeNegative keeps python-threatexchange NEGATIVE_CLASS rows.
	IncludeNegative bool
	// List for lines that name none; "": the file's base name (or the
	// name given to LoadListBytes).
	List string
	// Labels for lines that carry none.
	Labels string
	// OnError, when set, is called for each rejected line (lenient) or
	// for the failing line (strict), during the load, on the calling
	// goroutine. It must not call the Index (its writer lock is held); a
	// panic in it is raised again by the load call.
	OnError func(source string, line uint64, message string)
}

// LoadReport is what a load did.
type LoadReport struct {
	Lines        uint64     // lines read, comments and blanks included
	Added        uint64     // entries staged
	Duplicates   uint64     // entries already present
	Rejected     uint64     // bad lines skipped (lenient mode)
	Unsupported  uint64     // well-formed lines of a pytx signal type not indexed (url, raw_text, ...)
	Negative     uint64     // pytx NEGATIVE_CLASS rows skipped
	Format       ListFormat // the format used (after detection)
	FirstBadLine uint64     // line number of the first rejected line
	UnknownType  uint64     // of the rejected lines, those naming an unknown hash type ("pdg")
}

// listCallback carries LoadOptions.OnError through C, and a panic of it
// back out: a panic must not unwind through C frames, so it is caught in
// the callback, the rest of the load's lines are not reported, and it is
// raised again once the C call has returned.
type listCallback struct {
	fn       func(string, uint64, string)
	panicked bool
	panicVal any
}

//export hmgoListError
func hmgoListError(user C.uintptr_t, source *C.char, line C.uint64_t, message *C.char) {
	cb := cgo.Handle(user).Value().(*listCallback)
	if cb.panicked {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			cb.panicked, cb.panicVal = true, r
		}
	}()
	cb.fn(C.GoString(source), uint64(line), C.GoString(message))
}

// loadList runs one hm_*_load_list* call with opts converted.
func loadList(w writer, op string, opts *LoadOptions,
	load func(t C.hmgo_target, o *C.hm_list_load_opts, r *C.hm_list_load_report) C.hm_status) (LoadReport, error) {
	var o C.hm_list_load_opts
	C.hm_list_load_opts_init(&o)
	var cb *listCallback
	if opts != nil {
		o.format = C.int32_t(opts.Format)
		o.hash_type = C.int32_t(opts.HashType)
		if opts.Lenient {
			o.strict = 0
		}
		o.include_negative = C.int32_t(b2i64(opts.IncludeNegative))
		var err error
		if o.list, err = cStringOrNil(op, "list", opts.List); err != nil {
			return LoadReport{}, err
		}
		defer C.free(unsafe.Pointer(o.list))
		if o.labels, err = cStringOrNil(op, "labels", opts.Labels); err != nil {
			return LoadReport{}, err
		}
		defer C.free(unsafe.Pointer(o.labels))
		if opts.OnError != nil {
			cb = &listCallback{fn: opts.OnError}
			h := cgo.NewHandle(cb)
			defer h.Delete()
			C.hmgo_list_opts_set_callback(&o, C.uintptr_t(h))
		}
	}
	t, done, err := w.begin()
	if err != nil {
		return LoadReport{}, err
	}
	defer done()
	var r C.hm_list_load_report
	err = call(op, func() C.hm_status { return load(t, &o, &r) })
	if cb != nil && cb.panicked {
		panic(cb.panicVal) // the deferred calls unlock the index
	}
	rep := LoadReport{Lines: uint64(r.lines), Added: uint64(r.added),
		Duplicates: uint64(r.duplicates), Rejected: uint64(r.rejected),
		Unsupported: uint64(r.unsupported), Negative: uint64(r.negative),
		Format: ListFormat(r.format), FirstBadLine: uint64(r.first_bad_line),
		UnknownType: uint64(r.unknown_type)}
	return rep, err
}

// LoadList stages every entry of a hash-list file (formats:
// docs/hashlist-formats.md). opts may be nil. Errors name the file and
// line: ErrIO; ErrParse (a bad line, strict mode); ErrUnknownFormat
// (nothing loaded from a file with content: every line rejected, or of
// types not indexed, in either mode); ErrInvalidArgument (bare hashes of
// an ambiguous length without HashType, a List or Labels that is not
// UTF-8 text); ErrLimit; ErrNoMemory. The report is filled as far as the
// load went.
func (ix *Index) LoadList(path string, opts *LoadOptions) (LoadReport, error) {
	return stageListFile(ix, path, opts)
}

func stageListFile(w writer, path string, opts *LoadOptions) (LoadReport, error) {
	cpath, err := cString("LoadList", "path", path)
	if err != nil {
		return LoadReport{}, err
	}
	defer C.free(unsafe.Pointer(cpath))
	return loadList(w, "LoadList", opts, func(t C.hmgo_target, o *C.hm_list_load_opts, r *C.hm_list_load_report) C.hm_status {
		return C.hmgo_load_list(t, cpath, o, r)
	})
}

// LoadListBytes is LoadList for a list in memory; name is used in
// messages and as the default list name.
func (ix *Index) LoadListBytes(data []byte, name string, opts *LoadOptions) (LoadReport, error) {
	return stageListBytes(ix, data, name, opts)
}

func stageListBytes(w writer, data []byte, name string, opts *LoadOptions) (LoadReport, error) {
	cname, err := cString("LoadListBytes", "name", name)
	if err != nil {
		return LoadReport{}, err
	}
	defer C.free(unsafe.Pointer(cname))
	// The C call may keep nothing, so Go memory is fine; C copies what it
	// stages.
	return loadList(w, "LoadListBytes", opts, func(t C.hmgo_target, o *C.hm_list_load_opts, r *C.hm_list_load_report) C.hm_status {
		return C.hmgo_load_list_memory(t, bytesPtr(data), C.size_t(len(data)), cname, o, r)
	})
}

// Save writes the current snapshot to an index file (docs/index-format.md)
// atomically: a crash leaves the old file or the new one. Safe while
// other goroutines query.
func (ix *Index) Save(path string) error {
	s, err := ix.Snapshot()
	if err != nil {
		return err
	}
	defer s.Close()
	err = s.Save(path)
	if e, ok := err.(*Error); ok {
		e.Op = "Save"
	}
	return err
}

// SaveBytes returns the current snapshot in the index file format, the
// bytes Save would write. Safe while other goroutines query.
func (ix *Index) SaveBytes() ([]byte, error) {
	s, err := ix.Snapshot()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.SaveBytes()
}

// Load replaces the whole content of the index (lists and entries, staged
// or committed) with an index file's and publishes it. A corrupt,
// truncated or unknown-version file gives ErrCorrupt and leaves the index
// unchanged.
func (ix *Index) Load(path string) error {
	cpath, err := cString("Load", "path", path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	p, done, err := ix.use()
	if err != nil {
		return err
	}
	defer done()
	return call("Load", func() C.hm_status { return C.hm_index_load(p, cpath) })
}

// LoadBytes is Load from the bytes of an index file in memory (e.g. a
// blob kept in a database); the bytes are only read during the call.
func (ix *Index) LoadBytes(data []byte) error {
	p, done, err := ix.use()
	if err != nil {
		return err
	}
	defer done()
	return call("LoadBytes", func() C.hm_status {
		return C.hm_index_load_memory(p, bytesPtr(data), C.size_t(len(data)))
	})
}

// Snapshot takes the current snapshot: an immutable view that queries
// and saves see whole, whatever writers do meanwhile. Close it when done.
func (ix *Index) Snapshot() (*Snapshot, error) {
	p, done, err := ix.use()
	if err != nil {
		return nil, err
	}
	defer done()
	var sp *C.hm_snapshot
	if err := call("Snapshot", func() C.hm_status { return C.hm_index_acquire(p, &sp) }); err != nil {
		return nil, err
	}
	return newSnapshot(sp), nil
}

// Stats returns the statistics of the current snapshot and the index's
// counters.
func (ix *Index) Stats() (Stats, error) {
	p, done, err := ix.use()
	if err != nil {
		return Stats{}, err
	}
	defer done()
	var s C.hm_index_stats
	if err := call("Stats", func() C.hm_status { return C.hm_index_stats_get(p, &s) }); err != nil {
		return Stats{}, err
	}
	return statsFromC(&s), nil
}

// Lists describes the lists of the current snapshot.
func (ix *Index) Lists() ([]ListInfo, error) {
	s, err := ix.Snapshot()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Lists()
}

// FindList finds a committed list by name (ErrNotFound when absent),
// without creating it.
func (ix *Index) FindList(name string) (ListID, error) {
	s, err := ix.Snapshot()
	if err != nil {
		return 0, err
	}
	defer s.Close()
	return s.FindList(name)
}

// Stats are counters pulled from an index.
type Stats struct {
	Entries         uint64                  // live entries, all types (hashes and TMK+PDQF)
	EntriesByType   [HashTypeMax + 1]uint64 // indexed by HashType
	TmkEntries      uint64                  // live TMK+PDQF entries (AddTmk): not in EntriesByType
	UniqueHashes    uint64                  // distinct (type, hash) codes, summed over segments
	Bytes           uint64                  // memory of the snapshot
	BytesStructures uint64                  // of which codes and search structures
	Queries         uint64                  // query hashes served since the index was created
	Hits            uint64                  // hits reported since then
	Generation      uint64                  // commits published
	Lists           int
	Segments        int // immutable parts searched
}

func statsFromC(s *C.hm_index_stats) Stats {
	out := Stats{Entries: uint64(s.entries), UniqueHashes: uint64(s.unique_hashes),
		Bytes: uint64(s.bytes), BytesStructures: uint64(s.bytes_structures),
		Queries: uint64(s.queries), Hits: uint64(s.hits), Generation: uint64(s.generation),
		Lists: int(s.lists), Segments: int(s.segments), TmkEntries: uint64(s.tmk_entries)}
	for i := range out.EntriesByType {
		out.EntriesByType[i] = uint64(s.entries_by_type[i])
	}
	return out
}

// ListInfo describes a list as a snapshot sees it.
type ListInfo struct {
	ID         ListID
	Name       string
	Enabled    bool
	Thresholds [HashTypeMax + 1]int // indexed by HashType; [0] unused
	Entries    uint64               // live entries
	Hits       uint64               // matches reported since the index was created
}

// Threshold is the list's distance threshold for type t.
func (l ListInfo) Threshold(t HashType) int {
	if t.valid() {
		return l.Thresholds[t]
	}
	return -1
}
