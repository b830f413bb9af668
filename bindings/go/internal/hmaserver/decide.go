// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// POST /v1/decide (docs/hashmatchd.md): the library's match policy
// (Index.Decide) on an uploaded photo hashed with every hash type the
// index holds, one decision per bank content that says why it matched.
// It is part of the native API rather than an option of HMA's /m/lookup,
// whose answer is per signal type: a decision is per content, across
// types.

// decideHash is one hash an upload was decided with.
type decideHash struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	Quality *int   `json:"quality,omitempty"` // PDQ
}

// decisionJSON is one bank content the policy matched.
type decisionJSON struct {
	Bank         string         `json:"bank"`
	EnabledRatio float64        `json:"bank_enabled_ratio"`
	EntryID      string         `json:"entry_id"`
	Labels       string         `json:"labels"`
	Rule         string         `json:"rule"`
	Types        []string       `json:"types"`
	Agreed       []string       `json:"agreed"`
	Distances    map[string]int `json:"distances"`
	Score        *float64       `json:"score"` // null: no perceptual type compared
	Threshold    float64        `json:"threshold"`
	Comparisons  int            `json:"comparisons"`
}

func typeNames(ts []hashmatch.HashType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}

func decisionToJSON(d *hashmatch.Decision, ratio float64) decisionJSON {
	out := decisionJSON{Bank: d.ListName, EnabledRatio: ratio, EntryID: d.EntryID, Labels: d.Labels,
		Rule: d.Rule.String(), Types: typeNames(d.Types), Agreed: typeNames(d.Agreed),
		Distances: make(map[string]int, len(d.Distances)), Threshold: d.Threshold,
		Comparisons: d.Comparisons}
	for t, dist := range d.Distances {
		out.Distances[t.String()] = dist
	}
	if d.HasScore {
		score := d.Score
		out.Score = &score
	}
	return out
}

// decideParams reads /v1/decide's own parameters: dihedral (match the
// photo in its 8 rotations and mirrors) and max_score (the fused-score
// threshold). types is refused: the policy uses every type.
func decideParams(q url.Values) (opts []hashmatch.DecideOption, dihedral bool, err error) {
	if _, ok := q["types"]; ok {
		return nil, false, errf(http.StatusBadRequest,
			"/v1/decide hashes the photo with every hash type the index holds: it takes no types")
	}
	if v := q.Get("dihedral"); v != "" {
		if dihedral, err = strToBool(v); err != nil {
			return nil, false, err
		}
		if dihedral {
			opts = append(opts, hashmatch.WithDihedral())
		}
	}
	if v, ok := q["max_score"]; ok {
		f, perr := strconv.ParseFloat(v[0], 64)
		if perr != nil {
			return nil, false, errf(http.StatusBadRequest, "max_score %q is not a number", v[0])
		}
		opts = append(opts, hashmatch.WithMaxScore(f))
	}
	return opts, dihedral, nil
}

// photoSignalTypes are the photo signal types of the hash types in want
// (those hashmatchd names: the metrics count them).
func photoSignalTypes(want hashmatch.Types) []*signalType {
	var out []*signalType
	for i := range signalTypes {
		if st := &signalTypes[i]; st.Content == contentPhoto && st.Kind == kindHash && want&st.Hash.Want() != 0 {
			out = append(out, st)
		}
	}
	return out
}

// nativeDecide is POST /v1/decide: an uploaded photo (as POST /h/hash)
// hashed with every hash type the index holds (PDQ, pHash, dHash, aHash,
// MD5, SHA-256; PDQ and MD5 when it holds none) and decided by the
// library's match policy. Parameters: banks, include_disabled (as
// /v1/hash), dihedral, max_score.
func (s *Server) nativeDecide(w http.ResponseWriter, r *http.Request, st *Store, _ []string) {
	banks, err := requestBanks(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	opts, dihedral, err := decideParams(r.URL.Query())
	if err != nil {
		s.fail(w, err)
		return
	}
	// The library validates the options (max_score); an empty query
	// checks them before a byte of the upload is read.
	if _, err := st.Decide(nil, opts); err != nil {
		s.fail(w, errf(http.StatusBadRequest, "%v", err))
		return
	}
	want, err := st.heldTypes()
	if err != nil {
		s.fail(w, err)
		return
	}
	if want == 0 {
		want = hashmatch.WantPDQ | hashmatch.WantMD5
	}
	pick := func(content string) ([]*signalType, error) {
		if content != contentPhoto {
			return nil, fmt.Errorf("/v1/decide takes a photo (the field %q), not %q", contentPhoto, content)
		}
		return photoSignalTypes(want), nil
	}
	if dihedral {
		want |= hashmatch.WantDihedral
	}
	var hashes hashmatch.Hashes
	content, _, err := s.hashRequest(r, s.readContent, pick, func(_ context.Context, _ string, _ []*signalType, data []byte) error {
		var err error
		hashes, err = hashmatch.HashBytes(data, want)
		return err
	})
	if err != nil {
		s.fail(w, err)
		return
	}
	ds, err := st.Decide(hashes, opts)
	if err != nil {
		s.fail(w, err)
		return
	}
	used := []decideHash{}
	for _, h := range hashes {
		if h.Variant != hashmatch.Original {
			continue
		}
		dh := decideHash{Type: h.Type.String(), Value: h.String()}
		if h.Quality >= 0 {
			q := h.Quality
			dh.Quality = &q
		}
		used = append(used, dh)
	}
	out := []decisionJSON{}
	for i := range ds {
		if ratio, ok := banks.keeps(st, ds[i].ListName); ok {
			out = append(out, decisionToJSON(&ds[i], ratio))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"content_type": content, "hashes": used, "decisions": out})
}
