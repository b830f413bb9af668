// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include "shim.h"
import "C"

import "sync"

// Txn is a change set of one writer (Index.Begin): what it stages is
// published by its Commit alone, in one snapshot, and never half done by
// another goroutine's commit, as can happen to changes staged through the
// Index's own methods, whose change set every goroutine shares. Use one
// to replace an entry (Remove, then Add) or a list (ClearList, then
// LoadList).
//
// Its methods stage as the Index's methods of the same names do. Staging
// checks duplicates and counts removals against the snapshot current at
// its first change; Commit applies the changes, in order, to whatever is
// current then (what other writers committed meanwhile stays). After
// Commit the Txn is empty and may be used again. Close discards what is
// staged. After Index.Load (or LoadBytes) a Txn begun before returns
// ErrCancelled; after Index.Close, ErrClosed.
//
// A Txn is safe for use by several goroutines, but its changes are one
// series: use it from one at a time.
type Txn struct {
	ix *Index
	// mu guards p against Close: every call holds it.
	mu  sync.Mutex
	p   *C.hm_txn
	net leakNet
}

// Begin starts a change set of its own for one writer. Close it when
// done (Commit does not).
func (ix *Index) Begin() (*Txn, error) {
	p, done, err := ix.use()
	if err != nil {
		return nil, err
	}
	defer done()
	var t *C.hm_txn
	if err := call("Begin", func() C.hm_status { return C.hm_txn_begin(p, &t) }); err != nil {
		return nil, err
	}
	tx := &Txn{ix: ix, p: t}
	tx.net = armLeakNet(tx, func(p *C.hm_txn) { C.hm_txn_free(p) }, t)
	return tx, nil
}

// Close discards what is staged and frees the change set. Closing twice is
// harmless; other methods then return ErrClosed.
func (tx *Txn) Close() error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.p != nil {
		tx.net.disarm(tx)
		C.hm_txn_free(tx.p)
		tx.p = nil
	}
	return nil
}

func (tx *Txn) begin() (C.hmgo_target, func(), error) {
	tx.mu.Lock()
	if tx.p == nil {
		tx.mu.Unlock()
		return C.hmgo_target{}, nil, ErrClosed
	}
	p, done, err := tx.ix.use()
	if err != nil {
		tx.mu.Unlock()
		return C.hmgo_target{}, nil, err
	}
	return C.hmgo_target{idx: p, txn: tx.p}, func() { done(); tx.mu.Unlock() }, nil
}

// Add stages one entry in the change set (see Index.Add).
func (tx *Txn) Add(list ListID, h Hash, entryID, labels string) error {
	return stageAdd(tx, list, h, entryID, labels)
}

// Remove stages the removal of every hash of entryID in list, or in every
// list with AllLists, and returns how many the snapshot it is staged
// against holds (see Index.Remove). At Commit it also removes what other
// writers added under that id meanwhile.
func (tx *Txn) Remove(list ListID, entryID string) (uint64, error) {
	return stageRemove(tx, list, entryID)
}

// ClearList stages the removal of every entry of a list (see
// Index.ClearList).
func (tx *Txn) ClearList(list ListID) (uint64, error) {
	return stageClear(tx, list)
}

// SetThreshold stages a list's threshold (see Index.SetThreshold).
func (tx *Txn) SetThreshold(list ListID, t HashType, threshold int) error {
	return stageThreshold(tx, list, t, threshold)
}

// SetEnabled stages a list's enabled flag (see Index.SetEnabled).
func (tx *Txn) SetEnabled(list ListID, enabled bool) error {
	return stageEnabled(tx, list, enabled)
}

// RenameList stages a list's new name (see Index.RenameList).
func (tx *Txn) RenameList(list ListID, name string) error {
	return stageRename(tx, list, name)
}

// LoadList stages every entry of a hash-list file (see Index.LoadList).
func (tx *Txn) LoadList(path string, opts *LoadOptions) (LoadReport, error) {
	return stageListFile(tx, path, opts)
}

// LoadListBytes stages every entry of a hash list in memory (see
// Index.LoadListBytes).
func (tx *Txn) LoadListBytes(data []byte, name string, opts *LoadOptions) (LoadReport, error) {
	return stageListBytes(tx, data, name, opts)
}

// AddVideo stages the frames of a known video (see Index.AddVideo).
func (tx *Txn) AddVideo(list ListID, frames []Frame, videoID, labels string) (int, error) {
	return stageVideo(tx, list, frames, videoID, labels)
}

// AddTmk stages a known video's TMK+PDQF hash (see Index.AddTmk).
func (tx *Txn) AddTmk(list ListID, h *Tmk, videoID, labels string) error {
	return stageTmk(tx, list, h, videoID, labels)
}

// SetTmkThreshold stages a list's TMK threshold (see
// Index.SetTmkThreshold).
func (tx *Txn) SetTmkThreshold(list ListID, level int, threshold float32) error {
	return stageTmkThreshold(tx, list, level, threshold)
}

// Commit publishes the change set's changes as one new snapshot. On
// failure nothing is published and the changes stay staged.
func (tx *Txn) Commit() error {
	return commit(tx)
}
