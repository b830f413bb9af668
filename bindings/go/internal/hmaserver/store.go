// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// Bank is a bank as HMA's curation API shows it: one list of the index.
type Bank struct {
	Name                 string  `json:"name"`
	MatchingEnabledRatio float64 `json:"matching_enabled_ratio"`
}

// bankMeta is what the index file does not hold about a bank: HMA's
// enabled ratio, and whether the bank was deleted (the index cannot drop a
// list: a deleted bank's list is emptied and disabled, and hidden).
type bankMeta struct {
	Ratio   float64 `json:"matching_enabled_ratio"`
	Deleted bool    `json:"deleted,omitempty"`
}

// sidecar is the bank metadata file kept beside the index file
// (INDEX.banks.json).
type sidecar struct {
	Version       int                 `json:"version"`
	NextContentID int64               `json:"next_content_id"`
	Banks         map[string]bankMeta `json:"banks"`
	// Content holds, per bank and content id, the content that is not
	// in the default state (enabled, no metadata): see contentMeta.
	Content map[string]map[string]contentMeta `json:"content,omitempty"`
}

// sidecarVersion is the version written; version 1 (before content
// records) is read too. A server that knows only version 1 refuses a
// version 2 file rather than forget which content is disabled.
const sidecarVersion = 2

// clone copies the sidecar deeply enough that changes to the copy's maps
// leave the original alone.
func (sc sidecar) clone() sidecar {
	out := sc
	out.Banks = make(map[string]bankMeta, len(sc.Banks))
	for k, v := range sc.Banks {
		out.Banks[k] = v
	}
	out.Content = make(map[string]map[string]contentMeta, len(sc.Content))
	for bank, recs := range sc.Content {
		m := make(map[string]contentMeta, len(recs))
		for id, r := range recs {
			m[id] = r
		}
		out.Content[bank] = m
	}
	return out
}

// SidecarPath is where the bank metadata of the index file indexPath lives.
func SidecarPath(indexPath string) string { return indexPath + ".banks.json" }

// bankNameRE is HMA's rule for bank names created through the API
// (UPPER_WITH_UNDERSCORE). Lists loaded from files keep their names.
var bankNameRE = regexp.MustCompile(`^[A-Z0-9_]+$`)

// Errors of the store, mapped to HTTP statuses by the server.
var (
	errBankNotFound = errors.New("bank not found")
	errBankExists   = errors.New("Bank already exists")
	errInvalid      = errors.New("invalid request")
	errNoPersist    = errors.New("curation needs an index file: start hashmatchd with --index FILE")
	errReloaded     = errors.New("the index is being reloaded, retry")
)

// view is what lookups read of the bank metadata: an immutable map
// replaced as a whole (copy on write) by each change.
type view struct {
	banks    map[string]bankMeta
	disabled map[contentKey]int64 // content not enabled: its disable_until_ts
	builtTo  int64                // Unix time of the last publish
}

// contentKey is one content of one bank: its bank and entry id.
type contentKey struct{ bank, id string }

// Store is the index and its bank metadata. Lookups run on the index
// without locks (each query on one snapshot) and read the bank metadata
// from an atomically swapped view; writers are serialised by mu, publish
// with one commit, then save the index file (the library's atomic save)
// and the sidecar (temp file, fsync, rename).
//
// A Store is reference counted (see reload.go): the server holds one
// reference while the store is current and each request one while it
// runs; the index is freed when the last goes, so a reload never frees an
// index under a request.
type Store struct {
	idx   *hashmatch.Index
	path  string   // index file; "" keeps everything in memory
	lists []string // hash lists loaded on top

	mu      sync.Mutex // serialises writers; guards side, retired and stamps
	side    sidecar
	retired bool        // replaced by a reload: changes are refused (errReloaded)
	stamps  []fileStamp // the files as this store last read or wrote them

	view atomic.Pointer[view]
	refs atomic.Int64
}

// OpenStore loads the index file indexPath (created when absent; "" for
// none) and its sidecar, then the hash lists (in any format
// `hashcheck index build` reads), and saves the result when it has a path.
func OpenStore(indexPath string, lists []string) (*Store, error) {
	idx, err := hashmatch.NewIndex()
	if err != nil {
		return nil, err
	}
	s := &Store{idx: idx, path: indexPath, lists: lists,
		side: sidecar{Version: sidecarVersion, NextContentID: 1, Banks: map[string]bankMeta{},
			Content: map[string]map[string]contentMeta{}}}
	s.refs.Store(1)
	if err := s.load(lists); err != nil {
		idx.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) load(lists []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The lists are stamped before they are read: a change made while
	// they load is seen by the next check of the file watch.
	s.stamps = stampFiles(s.watched())
	if s.path != "" {
		if _, err := os.Stat(s.path); err == nil {
			if err := s.idx.Load(s.path); err != nil {
				return err
			}
			if err := readSidecar(SidecarPath(s.path), &s.side); err != nil {
				return err
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	for _, l := range lists {
		if _, err := s.idx.LoadList(l, nil); err != nil {
			return err
		}
	}
	if err := s.idx.Commit(); err != nil {
		return err
	}
	// Every list gets metadata (the ratio follows its enabled flag) and
	// only lists do: metadata of a bank the index file lacks is dropped.
	infos, err := s.idx.Lists()
	if err != nil {
		return err
	}
	inIndex := make(map[string]bool, len(infos))
	for _, li := range infos {
		inIndex[li.Name] = true
	}
	for name := range s.side.Banks {
		if !inIndex[name] {
			delete(s.side.Banks, name)
		}
	}
	for name := range s.side.Content {
		if !inIndex[name] {
			delete(s.side.Content, name)
		}
	}
	for _, li := range infos {
		if _, ok := s.side.Banks[li.Name]; !ok {
			m := bankMeta{}
			if li.Enabled {
				m.Ratio = 1
			}
			s.side.Banks[li.Name] = m
		}
	}
	s.publishView()
	return s.persist()
}

func readSidecar(path string, side *sidecar) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, side); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if side.Version != 1 && side.Version != sidecarVersion {
		return fmt.Errorf("%s: unknown version %d", path, side.Version)
	}
	side.Version = sidecarVersion
	if side.Banks == nil {
		side.Banks = map[string]bankMeta{}
	}
	if side.Content == nil {
		side.Content = map[string]map[string]contentMeta{}
	}
	if side.NextContentID < 1 {
		side.NextContentID = 1
	}
	return nil
}

// publishView makes the current metadata visible to lookups. Called with
// mu held.
func (s *Store) publishView() {
	banks := make(map[string]bankMeta, len(s.side.Banks))
	for k, v := range s.side.Banks {
		banks[k] = v
	}
	disabled := map[contentKey]int64{}
	for bank, recs := range s.side.Content {
		for id, r := range recs {
			if r.DisableUntil != contentEnabled {
				disabled[contentKey{bank, id}] = r.DisableUntil
			}
		}
	}
	s.view.Store(&view{banks: banks, disabled: disabled, builtTo: time.Now().Unix()})
}

// persist saves the index file (the library saves atomically) and the
// sidecar. Called with mu held.
func (s *Store) persist() error {
	if s.path == "" {
		return nil
	}
	if err := s.idx.Save(s.path); err != nil {
		return err
	}
	data, err := json.MarshalIndent(&s.side, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(SidecarPath(s.path), append(data, '\n')); err != nil {
		return err
	}
	s.restamp(s.path, SidecarPath(s.path))
	return nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, synced and renamed over path; the directory is synced too, so
// a crash leaves the old file or the new one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Banks lists the banks (the index's lists not deleted), by name.
func (s *Store) Banks() []Bank {
	v := s.view.Load()
	out := make([]Bank, 0, len(v.banks))
	for name, m := range v.banks {
		if !m.Deleted {
			out = append(out, Bank{Name: name, MatchingEnabledRatio: m.Ratio})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Bank returns one bank.
func (s *Store) Bank(name string) (Bank, error) {
	m, ok := s.view.Load().banks[name]
	if !ok || m.Deleted {
		return Bank{}, errBankNotFound
	}
	return Bank{Name: name, MatchingEnabledRatio: m.Ratio}, nil
}

// checkBankName applies bankNameRE to a name the API gives a bank.
func checkBankName(name string) error {
	if !bankNameRE.MatchString(name) {
		return fmt.Errorf("%w: bank names must be UPPER_WITH_UNDERSCORE (^[A-Z0-9_]+$)", errInvalid)
	}
	return nil
}

func checkRatio(r float64) error {
	if !(r >= 0 && r <= 1) {
		return fmt.Errorf("%w: enabled_ratio must be between 0.0 and 1.0", errInvalid)
	}
	return nil
}

// change runs one serialised change: fn stages into a change set of its
// own (a failure discards it: the index's shared change set is never left
// half staged) and edits the sidecar; then the change set is committed,
// the metadata made visible, and both files saved. On a failure before
// the commit the sidecar is restored.
func (s *Store) change(fn func(tx *hashmatch.Txn) error) error {
	return s.changeThen(fn, nil)
}

// changeThen is change with a last edit of the sidecar, made after the
// commit and before the metadata is published (then may be nil).
func (s *Store) changeThen(fn func(tx *hashmatch.Txn) error, then func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.path == "" {
		return errNoPersist
	}
	if s.retired {
		return errReloaded
	}
	saved := s.side.clone()
	tx, err := s.idx.Begin()
	if err != nil {
		return err
	}
	defer tx.Close()
	if err = fn(tx); err == nil {
		err = tx.Commit()
	}
	if err != nil {
		s.side = saved
		s.publishView() // fn may have published a view of its own
		return err
	}
	if then != nil {
		then()
	}
	s.publishView()
	return s.persist()
}

// CreateBank creates a bank (or brings back a deleted one).
func (s *Store) CreateBank(name string, ratio float64) (Bank, error) {
	if err := checkBankName(name); err != nil {
		return Bank{}, err
	}
	if err := checkRatio(ratio); err != nil {
		return Bank{}, err
	}
	err := s.change(func(tx *hashmatch.Txn) error {
		if m, ok := s.side.Banks[name]; ok && !m.Deleted {
			return errBankExists
		}
		// A change set cannot create a list: the (empty) list is
		// published first, then its settings with the change set.
		list, err := s.idx.List(name)
		if err == nil {
			err = s.idx.Commit()
		}
		if err != nil {
			return err
		}
		s.side.Banks[name] = bankMeta{Ratio: ratio}
		return tx.SetEnabled(list, ratio > 0)
	})
	return Bank{Name: name, MatchingEnabledRatio: ratio}, err
}

// liveList is the list of a bank that exists and is not deleted. Called
// with mu held.
func (s *Store) liveList(name string) (hashmatch.ListID, bankMeta, error) {
	m, ok := s.side.Banks[name]
	if !ok || m.Deleted {
		return 0, m, errBankNotFound
	}
	list, err := s.idx.FindList(name)
	return list, m, err
}

// UpdateBank changes a bank (HMA's PUT /c/bank/<name>): its name when
// newName is not nil and differs, its enabled ratio when ratio is not nil;
// both in one commit. A rename moves the bank's list of the index, its
// metadata and content records to the new name; a deleted bank of the new
// name (an emptied, hidden list) is renamed out of the way first, to a
// name the API cannot create.
func (s *Store) UpdateBank(name string, newName *string, ratio *float64) (Bank, error) {
	var b Bank
	to := name
	if newName != nil {
		to = *newName
		if err := checkBankName(to); err != nil {
			return b, err
		}
	}
	if ratio != nil {
		if err := checkRatio(*ratio); err != nil {
			return b, err
		}
	}
	err := s.changeThen(func(tx *hashmatch.Txn) error {
		list, m, err := s.liveList(name)
		if err != nil {
			return err
		}
		if ratio != nil {
			m.Ratio = *ratio
			if err := tx.SetEnabled(list, m.Ratio > 0); err != nil {
				return err
			}
		}
		if to != name {
			// renameList first: it reads what the sidecar holds under `to`
			if err := s.renameList(tx, list, to); err != nil {
				return err
			}
			if recs, ok := s.side.Content[name]; ok {
				s.side.Content[to] = recs
			}
		}
		s.side.Banks[to] = m
		if to != name {
			// Until the commit, lookups may see either name: both are banks.
			s.publishView()
		}
		b = Bank{Name: to, MatchingEnabledRatio: m.Ratio}
		return nil
	}, func() {
		if to != name {
			delete(s.side.Banks, name)
			delete(s.side.Content, name)
		}
	})
	return b, err
}

// renameList stages the rename of a bank's list to `to`, moving a deleted
// bank of that name aside first. Called with mu held.
func (s *Store) renameList(tx *hashmatch.Txn, list hashmatch.ListID, to string) error {
	if o, ok := s.side.Banks[to]; ok {
		if !o.Deleted {
			return errBankExists
		}
		if err := s.moveAside(tx, to, o); err != nil {
			return err
		}
	}
	return tx.RenameList(list, to)
}

// moveAside renames the list of the deleted bank `name` to a free name
// outside HMA's bank names ("NAME~deleted~N"). Called with mu held.
func (s *Store) moveAside(tx *hashmatch.Txn, name string, m bankMeta) error {
	list, err := s.idx.FindList(name)
	if err != nil {
		return err
	}
	aside := ""
	for n := 1; aside == ""; n++ {
		c := fmt.Sprintf("%s~deleted~%d", name, n)
		if _, taken := s.side.Banks[c]; !taken {
			aside = c
		}
	}
	if err := tx.RenameList(list, aside); err != nil {
		return err
	}
	delete(s.side.Banks, name)
	s.side.Banks[aside] = m
	return nil
}

// DeleteBank empties, disables and hides a bank; deleting a bank that does
// not exist does nothing (as HMA).
func (s *Store) DeleteBank(name string) error {
	err := s.change(func(tx *hashmatch.Txn) error {
		list, _, err := s.liveList(name)
		if err != nil {
			return err
		}
		if _, err := tx.ClearList(list); err != nil {
			return err
		}
		s.side.Banks[name] = bankMeta{Deleted: true}
		delete(s.side.Content, name)
		return tx.SetEnabled(list, false)
	})
	if errors.Is(err, errBankNotFound) {
		return nil
	}
	return err
}

// AddContent adds one piece of content, its signals under one new content
// id, to a bank, with its metadata (nil: none), and returns the id.
func (s *Store) AddContent(bank string, sigs []signal, meta *contentMeta) (int64, error) {
	var id int64
	err := s.change(func(tx *hashmatch.Txn) error {
		list, _, err := s.liveList(bank)
		if err != nil {
			return err
		}
		id = s.side.NextContentID
		s.side.NextContentID++
		entry := strconv.FormatInt(id, 10)
		for _, sig := range sigs {
			switch sig.Type.Kind {
			case kindHash:
				err = tx.Add(list, sig.Hash, entry, "")
			case kindVPDQ:
				_, err = tx.AddVideo(list, sig.Frames, entry, "")
			case kindTMK:
				err = tx.AddTmk(list, sig.Tmk, entry, "")
			}
			if err != nil {
				return err
			}
		}
		if meta != nil {
			s.setContentMeta(bank, entry, *meta)
		}
		return nil
	})
	return id, err
}

// RemoveContent removes a content id's entries from a bank and returns how
// many pieces of content went (0 or 1), as HMA counts.
func (s *Store) RemoveContent(bank string, id int64) (int, error) {
	var n uint64
	err := s.change(func(tx *hashmatch.Txn) error {
		list, _, err := s.liveList(bank)
		if err != nil {
			return err
		}
		entry := strconv.FormatInt(id, 10)
		if n, err = tx.Remove(list, entry); err == nil {
			delete(s.side.Content[bank], entry)
		}
		return err
	})
	if n > 0 {
		return 1, err
	}
	return 0, err
}

// hit is one bank content that matched a signal: the index's match of its
// kind (one of the three is set).
type hit struct {
	Bank, EntryID, Labels string
	Hash                  *hashmatch.Match      // a hash signal's match
	Video                 *hashmatch.VideoMatch // a vPDQ signal's match
	Tmk                   *hashmatch.TmkMatch   // a TMK signal's match
}

// hmaDistance is the distance as HMA prints it (pretty_str): the Hamming
// distance, "Q%[T%]" for vPDQ, "L1[L2]" for TMK.
func (h hit) hmaDistance() string {
	switch {
	case h.Video != nil:
		return fmt.Sprintf("%.0f%%[%.0f%%]", h.Video.QueryPercent, h.Video.TargetPercent)
	case h.Tmk != nil:
		return fmt.Sprintf("%.4f[%.4f]", h.Tmk.Level1, h.Tmk.Level2)
	}
	return strconv.Itoa(h.Hash.Distance)
}

// LookupBatch finds the bank content each signal matches, in every bank
// that is not deleted (enabled or not, as HMA's raw lookup), one hit per
// content, best first; content disabled now (disable_until_ts) is left
// out. The hash signals are matched in one query of the
// index (one snapshot); videos one by one.
func (s *Store) LookupBatch(sigs []signal) ([][]hit, error) {
	out := make([][]hit, len(sigs))
	var hashes []hashmatch.Hash
	var at []int // position in sigs of each of hashes
	for i, sig := range sigs {
		switch sig.Type.Kind {
		case kindHash:
			hashes = append(hashes, sig.Hash)
			at = append(at, i)
		case kindVPDQ:
			ms, err := s.idx.MatchVideo(sig.Frames, hashmatch.WithDisabledLists())
			if err != nil {
				return nil, err
			}
			for k := range ms {
				m := &ms[k]
				out[i] = append(out[i], hit{Bank: m.ListName, EntryID: m.VideoID, Labels: m.Labels, Video: m})
			}
		case kindTMK:
			ms, err := s.idx.MatchTmk(sig.Tmk, hashmatch.WithDisabledLists())
			if err != nil {
				return nil, err
			}
			for k := range ms {
				m := &ms[k]
				out[i] = append(out[i], hit{Bank: m.ListName, EntryID: m.VideoID, Labels: m.Labels, Tmk: m})
			}
		}
	}
	if len(hashes) > 0 {
		ms, err := s.idx.Query(hashes, hashmatch.WithDisabledLists())
		if err != nil {
			return nil, err
		}
		seen := map[[2]string]bool{}
		last := -1
		for k := range ms {
			m := &ms[k]
			if m.Query != last {
				last = m.Query
				seen = map[[2]string]bool{}
			}
			key := [2]string{m.ListName, m.EntryID}
			// A video's frames are vPDQ content, not PDQ content;
			// hits come best first, so the first per content is kept.
			if m.FrameTime >= 0 || seen[key] {
				continue
			}
			seen[key] = true
			i := at[m.Query]
			out[i] = append(out[i], hit{Bank: m.ListName, EntryID: m.EntryID, Labels: m.Labels, Hash: m})
		}
	}
	v := s.view.Load()
	now := time.Now().Unix()
	for i, hits := range out {
		kept := hits[:0]
		for _, h := range hits {
			if !v.hides(h.Bank, h.EntryID, now) {
				kept = append(kept, h)
			}
		}
		out[i] = kept
	}
	return out, nil
}

// hides reports whether lookups leave out a bank's content at Unix time
// now: the bank is unknown or deleted, or the content is disabled.
func (v *view) hides(bank, id string, now int64) bool {
	m, ok := v.banks[bank]
	if !ok || m.Deleted {
		return true
	}
	until, off := v.disabled[contentKey{bank, id}]
	return off && !contentEnabledAt(until, now)
}

// Decide is the library's match policy (Index.Decide) on the store's
// index, over every bank that is not deleted (enabled or not, as
// LookupBatch), less content disabled now.
func (s *Store) Decide(hashes []hashmatch.Hash, opts []hashmatch.DecideOption) ([]hashmatch.Decision, error) {
	all := append([]hashmatch.DecideOption{hashmatch.WithDisabledLists()}, opts...)
	ds, err := s.idx.Decide(hashes, all...)
	if err != nil {
		return nil, err
	}
	v := s.view.Load()
	now := time.Now().Unix()
	kept := ds[:0]
	for _, d := range ds {
		if !v.hides(d.ListName, d.EntryID, now) {
			kept = append(kept, d)
		}
	}
	return kept, nil
}

// heldTypes are the hash types of which the index holds entries.
func (s *Store) heldTypes() (hashmatch.Types, error) {
	stats, err := s.idx.Stats()
	if err != nil {
		return 0, err
	}
	var out hashmatch.Types
	for t := hashmatch.PDQ; t <= hashmatch.HashTypeMax; t++ {
		if stats.EntriesByType[t] > 0 {
			out |= t.Want()
		}
	}
	return out, nil
}

// bankRatio is a bank's enabled ratio for lookups (false: no such bank).
func (s *Store) bankRatio(name string) (float64, bool) {
	m, ok := s.view.Load().banks[name]
	return m.Ratio, ok && !m.Deleted
}

// IndexStatus is HMA's /m/index/status entry of one signal type.
type IndexStatus struct {
	Present bool   `json:"present"`
	BuiltTo int64  `json:"built_to"`
	Size    uint64 `json:"size"`
}

// Status reports the index's size for a signal type: its entries of the
// type's hash type; for vpdq the known video frames counted with pdq's
// entries (the index does not count them apart), for tmk the entries that
// are not of a hash type.
func (s *Store) Status(st *signalType) (IndexStatus, error) {
	stats, err := s.idx.Stats()
	if err != nil {
		return IndexStatus{}, err
	}
	out := IndexStatus{Present: true, BuiltTo: s.view.Load().builtTo}
	switch st.Kind {
	case kindHash:
		out.Size = stats.EntriesByType[st.Hash]
	case kindVPDQ:
		out.Size = stats.EntriesByType[hashmatch.PDQ]
	case kindTMK:
		out.Size = stats.Entries
		for _, n := range stats.EntriesByType {
			out.Size -= n
		}
	}
	return out, nil
}
