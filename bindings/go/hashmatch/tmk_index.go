// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include "shim.h"
import "C"

// ---- TMK+PDQF in the index -------------------------------------------------

// TmkMatch is one known video whose TMK+PDQF hash matched (MatchTmk).
type TmkMatch struct {
	VideoID    string
	ListName   string
	Labels     string
	List       ListID
	Level1     float32 // query.Scores(known).Level1, to the bit
	Level2     float32 // query.Scores(known).Level2, to the bit
	Threshold1 float32 // the level-1 threshold applied: the list's or WithTmkThresholds'
	Threshold2 float32 // the level-2 threshold applied
}

// TmkMatchOption changes how MatchTmk matches (WithTmkThresholds,
// WithDisabledLists).
type TmkMatchOption interface{ applyTmk(*C.hm_tmk_match_opts) }

type tmkOptFunc func(*C.hm_tmk_match_opts)

func (f tmkOptFunc) applyTmk(o *C.hm_tmk_match_opts) { f(o) }

// WithTmkThresholds matches with these thresholds of level 1 and level 2
// (0 to 1) in every list instead of each list's own; -1 keeps a level's
// list thresholds.
func WithTmkThresholds(level1, level2 float32) TmkMatchOption {
	return tmkOptFunc(func(o *C.hm_tmk_match_opts) {
		o.level1, o.level2 = C.float(level1), C.float(level2)
	})
}

// AddTmk stages a known video's TMK+PDQF hash as an entry of list, with
// entry id videoID (1 to MaxEntryID bytes) and labels ("" for none). The
// hash is copied (h may be closed afterwards); adding the same hash with
// the same id to the same list again changes nothing. Remove and
// ClearList remove TMK entries as they remove others.
func (ix *Index) AddTmk(list ListID, h *Tmk, videoID, labels string) error {
	return stageTmk(ix, list, h, videoID, labels)
}

// SetTmkThreshold sets a list's TMK threshold of level 1 or 2 (or of both
// when level is 0): 0 to 1, or -1 to restore the default
// (TmkDefaultThreshold). A known video matches when both its scores reach
// its list's thresholds. Staged until Commit.
func (ix *Index) SetTmkThreshold(list ListID, level int, threshold float32) error {
	return stageTmkThreshold(ix, list, level, threshold)
}

// TmkThresholds returns a list's TMK thresholds as of the last commit
// (see Snapshot.TmkThresholds).
func (ix *Index) TmkThresholds(list ListID) (level1, level2 float32, err error) {
	s, err := ix.Snapshot()
	if err != nil {
		return 0, 0, err
	}
	defer s.Close()
	return s.TmkThresholds(list)
}

// TmkThresholds returns the TMK thresholds that MatchTmk applies to the
// entries of list: the list's own, or the defaults.
func (s *Snapshot) TmkThresholds(list ListID) (level1, level2 float32, err error) {
	p, err := s.read()
	if err != nil {
		return 0, 0, err
	}
	defer s.mu.RUnlock()
	var t [2]C.float
	for level := range t {
		if err := call("TmkThresholds", func() C.hm_status {
			return C.hm_snapshot_list_tmk_threshold(p, C.uint32_t(list), C.int(level+1), &t[level])
		}); err != nil {
			return 0, 0, err
		}
	}
	return float32(t[0]), float32(t[1]), nil
}

// MatchTmk matches a video's TMK+PDQF hash against the known videos'
// (AddTmk): a known video matches when both scores of q.Scores(known)
// reach its list's thresholds (SetTmkThreshold) or WithTmkThresholds'.
// Level 1 filters every entry, level 2 is computed only for those that
// pass it; the matches are exactly those of scoring every pair
// (docs/tmk.md). They are ordered by level 2, then level 1, descending,
// then list id and video id.
func (ix *Index) MatchTmk(q *Tmk, opts ...TmkMatchOption) ([]TmkMatch, error) {
	p, done, err := ix.use()
	if err != nil {
		return nil, err
	}
	defer done()
	return matchTmk(q, opts, func(qp *C.hm_tmk, o *C.hm_tmk_match_opts, r *C.hm_results) C.hm_status {
		return C.hm_index_match_tmk(p, qp, o, r)
	})
}

// MatchTmk is Index.MatchTmk on this snapshot.
func (s *Snapshot) MatchTmk(q *Tmk, opts ...TmkMatchOption) ([]TmkMatch, error) {
	p, err := s.read()
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return matchTmk(q, opts, func(qp *C.hm_tmk, o *C.hm_tmk_match_opts, r *C.hm_results) C.hm_status {
		return C.hm_snapshot_match_tmk(p, qp, o, r)
	})
}

// matchTmk runs one TMK match on an index or snapshot its caller holds.
// Locks are taken in one order everywhere: the index, snapshot or writer
// first, then the hash.
func matchTmk(q *Tmk, opts []TmkMatchOption,
	match func(*C.hm_tmk, *C.hm_tmk_match_opts, *C.hm_results) C.hm_status) ([]TmkMatch, error) {
	if q == nil {
		return nil, errorf(ErrInvalidArgument, "MatchTmk", "nil Tmk")
	}
	qp, err := q.read()
	if err != nil {
		return nil, err
	}
	defer q.mu.RUnlock()
	var o C.hm_tmk_match_opts
	C.hm_tmk_match_opts_init(&o)
	for _, opt := range opts {
		opt.applyTmk(&o)
	}
	res, err := newResults("MatchTmk")
	if err != nil {
		return nil, err
	}
	defer res.free()
	if err := call("MatchTmk", func() C.hm_status { return match(qp, &o, res.p) }); err != nil {
		return nil, err
	}
	n := int(C.hm_results_tmk_count(res.p))
	out := make([]TmkMatch, n)
	for i := range out {
		m := C.hm_results_tmk_get(res.p, C.size_t(i))
		out[i] = TmkMatch{VideoID: C.GoString(m.video_id), ListName: C.GoString(m.list_name),
			List: ListID(m.list), Level1: float32(m.level1), Level2: float32(m.level2),
			Threshold1: float32(m.threshold1), Threshold2: float32(m.threshold2)}
		if m.labels != nil {
			out[i].Labels = C.GoString(m.labels)
		}
	}
	return out, nil
}

func stageTmk(w writer, list ListID, h *Tmk, videoID, labels string) error {
	if h == nil {
		return errorf(ErrInvalidArgument, "AddTmk", "nil Tmk")
	}
	cid, clab, free, err := cEntry("AddTmk", "video id", videoID, labels, false)
	if err != nil {
		return err
	}
	defer free()
	t, done, err := w.begin()
	if err != nil {
		return err
	}
	defer done()
	hp, err := h.read() // after the writer: matchTmk's lock order
	if err != nil {
		return err
	}
	defer h.mu.RUnlock()
	return call("AddTmk", func() C.hm_status { return C.hmgo_add_tmk(t, C.uint32_t(list), hp, cid, clab) })
}

func stageTmkThreshold(w writer, list ListID, level int, threshold float32) error {
	levels := []int{level}
	if level == 0 {
		levels = []int{1, 2}
	}
	t, done, err := w.begin()
	if err != nil {
		return err
	}
	defer done()
	for _, l := range levels {
		if err := call("SetTmkThreshold", func() C.hm_status {
			return C.hmgo_set_tmk_threshold(t, C.uint32_t(list), C.int(l), C.float(threshold))
		}); err != nil {
			return err
		}
	}
	return nil
}
