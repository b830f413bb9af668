// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include <hashmatch.h>
import "C"

import "strconv"

// Fused-score thresholds of Decide (WithMaxScore), calibrated on the
// robustness corpus (docs/matching.md): the largest score at which
// unrelated images match at a false-match rate of 1e-4 (the default) or
// 1e-6 per pair of a query and a known image. The C library's
// HM_DECIDE_SCORE_FPR_1E4 and HM_DECIDE_SCORE_FPR_1E6.
const (
	DecideScoreFPR1e4 float64 = C.HM_DECIDE_SCORE_FPR_1E4
	DecideScoreFPR1e6 float64 = C.HM_DECIDE_SCORE_FPR_1E6
)

// Rule is why Decide matched a known item (Decision.Rule): the first of
// the rules that holds, in this order.
type Rule int

// Decision rules (the C library's HM_RULE_*).
const (
	// RuleExact: an MD5 or SHA-256 of the query equals one of the item's.
	RuleExact Rule = C.HM_RULE_EXACT
	// RulePDQ: PDQ within the list's PDQ threshold, PDQ's own rule.
	RulePDQ Rule = C.HM_RULE_PDQ
	// RuleSingle: the one perceptual type both sides have, within the
	// list's threshold for it.
	RuleSingle Rule = C.HM_RULE_SINGLE
	// RuleFused: two or more perceptual types whose fused score is at most
	// Decision.Threshold.
	RuleFused Rule = C.HM_RULE_FUSED
)

var ruleNames = [...]string{RuleExact: "exact", RulePDQ: "pdq", RuleSingle: "single", RuleFused: "fused"}

// String returns the rule's lowercase name ("exact", "pdq", "single",
// "fused").
func (r Rule) String() string {
	if r >= RuleExact && r <= RuleFused {
		return ruleNames[r]
	}
	return "Rule(" + strconv.Itoa(int(r)) + ")"
}

// Decision is Decide's decision on one known item (the entries of one list
// that share an entry id) that matched.
type Decision struct {
	List     ListID // list id
	ListName string // list name
	EntryID  string // the item's entry id
	Labels   string // the labels of the item's entry that found it ("" for none)
	Rule     Rule   // why it matched
	// Types are the hash types compared, in ascending order: those both
	// the query and the item have (PDQ only when the query's quality
	// passes the floor).
	Types []HashType
	// Agreed are the types of Types within the list's own threshold for
	// them.
	Agreed []HashType
	// Distances is the smallest distance of each type of Types (over the
	// query's hashes and variants and the item's entries).
	Distances map[HashType]int
	// Score is the fused score of the perceptual types compared (lower is
	// closer; docs/matching.md), when HasScore; HasScore is false (and
	// Score 0) when no perceptual type was compared (the C library's NaN).
	Score    float64
	HasScore bool
	// Threshold is the fused threshold for these comparisons: the
	// WithMaxScore value, tightened for Comparisons > 1.
	Threshold float64
	// Comparisons is the most hash pairs compared for one type: query
	// hashes (dihedral variants included) times the item's entries of
	// that type.
	Comparisons int
}

// DecideOption changes how Decide decides; without options it skips
// disabled lists and PDQ hashes of quality under DefaultPDQMinQuality, and
// fuses scores at DecideScoreFPR1e4. WithDihedral, WithMinQuality and
// WithDisabledLists are DecideOptions too.
type DecideOption interface{ applyDecide(*C.hm_decide_opts) }

func (dihedral) applyDecide(o *C.hm_decide_opts)      { o.flags |= C.HM_QUERY_DIHEDRAL }
func (q minQuality) applyDecide(o *C.hm_decide_opts)  { o.min_quality = C.int32_t(q) }
func (disabledLists) applyDecide(o *C.hm_decide_opts) { o.include_disabled = 1 }

type maxScore float64

func (s maxScore) applyDecide(o *C.hm_decide_opts) { o.max_score = C.double(s) }

// WithMaxScore sets the fused-score threshold for one comparison per type:
// a negative number, DecideScoreFPR1e4 (the default) or DecideScoreFPR1e6
// for the calibrated false-match rates. Decide returns an
// ErrInvalidArgument error for 0, a positive number, NaN or an infinity.
func WithMaxScore(s float64) DecideOption { return maxScore(s) }

// The C defaults, read once.
var defaultDecideOpts = func() (o C.hm_decide_opts) {
	C.hm_decide_opts_init(&o)
	return
}()

// typesOf lists the types of an HM_TYPE_BIT mask in ascending order.
func typesOf(mask C.uint32_t) []HashType {
	var out []HashType
	for t := PDQ; t <= HashTypeMax; t++ {
		if mask&(1<<uint(t)) != 0 {
			out = append(out, t)
		}
	}
	return out
}

// decisions copies the decisions of res into Go memory.
func (r results) decisions() []Decision {
	n := int(C.hm_results_decision_count(r.p))
	out := make([]Decision, 0, n)
	for i := 0; i < n; i++ {
		d := C.hm_results_decision_get(r.p, C.size_t(i))
		dec := Decision{List: ListID(d.list), ListName: C.GoString(d.list_name),
			EntryID: C.GoString(d.entry_id), Rule: Rule(d.rule), Types: typesOf(d.types),
			Agreed: typesOf(d.agreed), Threshold: float64(d.threshold),
			Comparisons: int(d.comparisons)}
		if d.labels != nil {
			dec.Labels = C.GoString(d.labels)
		}
		if s := float64(d.score); s == s { // NaN: no perceptual type compared
			dec.Score, dec.HasScore = s, true
		}
		dec.Distances = make(map[HashType]int, len(dec.Types))
		for _, t := range dec.Types {
			dec.Distances[t] = int(d.distance[t])
		}
		out = append(out, dec)
	}
	return out
}

// decideFn runs one decision on n C hashes into res.
type decideFn func(q *C.hm_hash, n C.size_t, o *C.hm_decide_opts, res *C.hm_results) C.hm_status

func runDecide(hashes []Hash, opts []DecideOption, fn decideFn) ([]Decision, error) {
	const op = "Decide"
	o := defaultDecideOpts
	for _, opt := range opts {
		opt.applyDecide(&o)
	}
	res, err := newResults(op)
	if err != nil {
		return nil, err
	}
	defer res.free()
	var q *C.hm_hash
	if len(hashes) > 0 {
		cq := hashesToC(hashes)
		q = &cq[0]
	}
	if err := call(op, func() C.hm_status { return fn(q, C.size_t(len(hashes)), &o, res.p) }); err != nil {
		return nil, err
	}
	return res.decisions(), nil
}

// Decide decides, for one image hashed with several types (every hash of
// one hashing call: PDQ, pHash, dHash, aHash, MD5, SHA-256, with their
// variants), which known items match, using every hash type both the
// query and the item have (the C library's hm_index_decide). An item
// matches, in this order, when an MD5 or SHA-256 is equal (RuleExact),
// when PDQ is within the list's PDQ threshold (RulePDQ: every item Query
// matches by PDQ matches here too, so PDQ-only lists keep PDQ's rule),
// when the one perceptual type compared is within the list's threshold
// (RuleSingle), or when two or more perceptual types give a fused score
// at most the threshold (RuleFused; calibration in docs/matching.md).
//
// It returns the matched items ordered by rule, then score, then list id,
// then entry id. A decision costs more than a Query with the lists'
// thresholds: each perceptual type is searched within the radius no fused
// match can lie beyond.
func (ix *Index) Decide(hashes []Hash, opts ...DecideOption) ([]Decision, error) {
	p, done, err := ix.use()
	if err != nil {
		return nil, err
	}
	defer done()
	return runDecide(hashes, opts, func(q *C.hm_hash, n C.size_t, o *C.hm_decide_opts, res *C.hm_results) C.hm_status {
		return C.hm_index_decide(p, q, n, o, res)
	})
}

// Decide is Index.Decide on this snapshot.
func (s *Snapshot) Decide(hashes []Hash, opts ...DecideOption) ([]Decision, error) {
	p, err := s.read()
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return runDecide(hashes, opts, func(q *C.hm_hash, n C.size_t, o *C.hm_decide_opts, res *C.hm_results) C.hm_status {
		return C.hm_snapshot_decide(p, q, n, o, res)
	})
}
