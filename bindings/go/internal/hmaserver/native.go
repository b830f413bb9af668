// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"context"
	"net/http"
	"strings"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// The native JSON API, under /v1/ (docs/hashmatchd.md): an upload's hashes
// with their matches in one call, and batch lookups. Matches carry what
// the library reports (distance and threshold, labels, the vPDQ and TMK
// scores); banks are filtered by their enabled flag, without HMA's coin
// flip.

// DefaultMaxBatch is the most signals one POST /v1/lookup may carry.
const DefaultMaxBatch = 1000

// nativeSignal is one signal and its matches.
type nativeSignal struct {
	Type    string        `json:"type"`
	Value   string        `json:"value"`
	Quality *int          `json:"quality,omitempty"` // PDQ quality of a computed hash
	Frames  *int          `json:"frames,omitempty"`  // vPDQ: frames of the video
	Matches []nativeMatch `json:"matches"`
}

// nativeMatch is one bank content a signal matched: distance and
// threshold for a hash, vpdq or tmk scores for a video.
type nativeMatch struct {
	Bank         string      `json:"bank"`
	EnabledRatio float64     `json:"bank_enabled_ratio"`
	EntryID      string      `json:"entry_id"`
	Labels       string      `json:"labels"`
	Distance     *int        `json:"distance,omitempty"`
	Threshold    *int        `json:"threshold,omitempty"`
	VPDQ         *vpdqScores `json:"vpdq,omitempty"`
	TMK          *tmkScores  `json:"tmk,omitempty"`
}

// vpdqScores is the library's vPDQ match of a known video.
type vpdqScores struct {
	QueryPercent  float64      `json:"query_percent"`
	TargetPercent float64      `json:"target_percent"`
	QueryFrames   int          `json:"query_frames"`
	QueryMatched  int          `json:"query_matched"`
	TargetFrames  int          `json:"target_frames"`
	TargetMatched int          `json:"target_matched"`
	QueryRanges   [][2]float64 `json:"query_ranges"`
	TargetRanges  [][2]float64 `json:"target_ranges"`
}

// tmkScores is the library's TMK+PDQF match of a known video.
type tmkScores struct {
	Level1     float32 `json:"level1"`
	Level2     float32 `json:"level2"`
	Threshold1 float32 `json:"threshold1"`
	Threshold2 float32 `json:"threshold2"`
}

func ranges(rs []hashmatch.TimeRange) [][2]float64 {
	out := make([][2]float64, len(rs))
	for i, r := range rs {
		out[i] = [2]float64{r.Start, r.End}
	}
	return out
}

// bankChoice is which banks a native lookup reports: the named ones (nil:
// all), enabled ones only unless includeDisabled.
type bankChoice struct {
	names           map[string]bool
	includeDisabled bool
}

// requestBanks is the bank choice of a request's `banks` and
// `include_disabled` parameters.
func requestBanks(r *http.Request) (bankChoice, error) {
	banks := bankChoice{names: bankFilter(r)}
	if v := r.URL.Query().Get("include_disabled"); v != "" {
		var err error
		if banks.includeDisabled, err = strToBool(v); err != nil {
			return bankChoice{}, err
		}
	}
	return banks, nil
}

// keeps reports whether the choice reports a bank, and its enabled ratio.
func (b bankChoice) keeps(st *Store, bank string) (float64, bool) {
	ratio, ok := st.bankRatio(bank)
	return ratio, ok && (b.names == nil || b.names[bank]) && (ratio > 0 || b.includeDisabled)
}

// nativeMatches turns a signal's hits into matches of the chosen banks.
func nativeMatches(st *Store, hits []hit, banks bankChoice) []nativeMatch {
	out := []nativeMatch{}
	for _, h := range hits {
		ratio, ok := banks.keeps(st, h.Bank)
		if !ok {
			continue
		}
		m := nativeMatch{Bank: h.Bank, EnabledRatio: ratio, EntryID: h.EntryID, Labels: h.Labels}
		switch {
		case h.Hash != nil:
			m.Distance, m.Threshold = &h.Hash.Distance, &h.Hash.Threshold
		case h.Video != nil:
			v := h.Video
			m.VPDQ = &vpdqScores{v.QueryPercent, v.TargetPercent, v.QueryFrames, v.QueryMatched,
				v.TargetFrames, v.TargetMatched, ranges(v.QueryRanges), ranges(v.TargetRanges)}
		case h.Tmk != nil:
			m.TMK = &tmkScores{h.Tmk.Level1, h.Tmk.Level2, h.Tmk.Threshold1, h.Tmk.Threshold2}
		}
		out = append(out, m)
	}
	return out
}

// lookupSignals looks signals up and pairs each with its matches; values
// are the signals' text forms.
func (s *Server) lookupSignals(st *Store, sigs []signal, values []string, banks bankChoice) ([]nativeSignal, error) {
	found, err := s.find(st, sigs)
	if err != nil {
		return nil, err
	}
	out := make([]nativeSignal, len(sigs))
	for i, sig := range sigs {
		out[i] = nativeSignal{Type: sig.Type.Name, Value: values[i],
			Matches: nativeMatches(st, found[i], banks)}
		switch {
		case sig.Type.Kind == kindHash && sig.Hash.Quality >= 0:
			q := sig.Hash.Quality
			out[i].Quality = &q
		case sig.Type.Kind == kindVPDQ:
			n := len(sig.Frames)
			out[i].Frames = &n
		}
	}
	return out, nil
}

func closeSignals(sigs []signal) {
	for _, sig := range sigs {
		sig.Close()
	}
}

// nativeHash is POST /v1/hash: an upload (as POST /h/hash) hashed and
// looked up in one call. Parameters: types, banks, include_disabled.
func (s *Server) nativeHash(w http.ResponseWriter, r *http.Request, st *Store, _ []string) {
	banks, err := requestBanks(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	var sigs []signal
	var values []string
	defer func() { closeSignals(sigs) }()
	content, _, err := s.hashRequest(r, s.readContent, requestedTypes(r), func(ctx context.Context, content string, types []*signalType, data []byte) error {
		hashes, err := hashSignals(data, types)
		if err != nil {
			return err
		}
		var videoTypes []*signalType
		for _, t := range types {
			if t.Kind != kindHash {
				videoTypes = append(videoTypes, t)
			}
		}
		var texts map[string]string
		if len(videoTypes) > 0 {
			if texts, err = hashContent(ctx, content, videoTypes, data, s.cfg.Video); err != nil {
				return err
			}
		}
		for _, t := range types {
			sig, value := signal{Type: t}, texts[t.Name]
			if t.Kind == kindHash {
				sig.Hash = hashes[t.Name]
				value = sig.Hash.String()
			} else if sig, err = parseSignal(t, value); err != nil {
				return err
			}
			sigs = append(sigs, sig)
			values = append(values, value)
		}
		return nil
	})
	if err != nil {
		s.fail(w, err)
		return
	}
	out, err := s.lookupSignals(st, sigs, values, banks)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"content_type": content, "signals": out})
}

// lookupBody is POST /v1/lookup's request.
type lookupBody struct {
	Signals []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"signals"`
	Banks           []string `json:"banks"`
	IncludeDisabled bool     `json:"include_disabled"`
}

// nativeLookup is POST /v1/lookup: many signals looked up in one request
// (at most Config.MaxBatch; the hashes in one query of the index).
func (s *Server) nativeLookup(w http.ResponseWriter, r *http.Request, st *Store, _ []string) {
	var body lookupBody
	if err := s.readJSON(r, &body); err != nil {
		s.fail(w, err)
		return
	}
	switch n := len(body.Signals); {
	case n == 0:
		s.fail(w, errf(http.StatusBadRequest, "signals is required: a list of {\"type\": ..., \"value\": ...}"))
		return
	case n > s.cfg.MaxBatch:
		s.fail(w, errf(http.StatusRequestEntityTooLarge, "%d signals in one request; at most %d", n, s.cfg.MaxBatch))
		return
	}
	banks := bankChoice{includeDisabled: body.IncludeDisabled}
	if body.Banks != nil {
		banks.names = map[string]bool{}
		for _, b := range body.Banks {
			banks.names[b] = true
		}
	}
	sigs := make([]signal, 0, len(body.Signals))
	values := make([]string, 0, len(body.Signals))
	defer func() { closeSignals(sigs) }()
	for i, in := range body.Signals {
		sig, err := parseQuerySignal(in.Type, in.Value)
		if err != nil {
			s.fail(w, errf(http.StatusBadRequest, "signals[%d]: %v", i, err))
			return
		}
		sigs = append(sigs, sig)
		values = append(values, strings.TrimSpace(in.Value))
		if sig.Type.Kind == kindHash {
			values[i] = sig.Hash.String()
		}
	}
	out, err := s.lookupSignals(st, sigs, values, banks)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}
