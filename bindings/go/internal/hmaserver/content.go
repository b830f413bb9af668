// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// HMA's disable_until_ts: 0 is disabled for good, 1 enabled, any other
// value disabled until that Unix time (enabled from it on).
const (
	contentDisabled int64 = 0
	contentEnabled  int64 = 1
)

// maxDisableAhead is HMA's bound on disable_until_ts: less than five
// years (of 365 days) from now.
const maxDisableAhead = 5 * 365 * 24 * time.Hour

// maxNoteLen is HMA's bound on a content's note, in characters.
const maxNoteLen = 255

// contentEnabledAt is HMA's rule: is content with this disable_until_ts
// enabled at Unix time now?
func contentEnabledAt(until, now int64) bool {
	switch until {
	case contentDisabled:
		return false
	case contentEnabled:
		return true
	}
	return until <= now
}

// contentMetadata is HMA's BankedContentMetadata: every key optional,
// no other key allowed.
type contentMetadata struct {
	ContentID  *string             `json:"content_id"`
	ContentURI *string             `json:"content_uri"`
	JSON       map[string]any      `json:"json"`
	Collab     map[string][]string `json:"collab"`
}

// contentMeta is what the sidecar keeps of one content that is not in
// the default state (enabled, without metadata or note). The index holds
// its signals; this record is dropped with the content or its bank.
type contentMeta struct {
	DisableUntil int64            `json:"disable_until_ts"`
	Metadata     *contentMetadata `json:"metadata,omitempty"`
	Note         *string          `json:"note,omitempty"`
}

func (m contentMeta) isDefault() bool {
	return m.DisableUntil == contentEnabled && m.Metadata == nil && m.Note == nil
}

// setContentMeta records a content's state, dropping the record when it
// is the default. Called with mu held, inside a change.
func (s *Store) setContentMeta(bank, entry string, m contentMeta) {
	if m.isDefault() {
		delete(s.side.Content[bank], entry)
		return
	}
	if s.side.Content[bank] == nil {
		s.side.Content[bank] = map[string]contentMeta{}
	}
	s.side.Content[bank][entry] = m
}

// errContentNotFound: no content of that id in the bank.
var errContentNotFound = errors.New("content not found")

// contentExists reports whether a bank's list holds entries under the
// entry id. The index has no lookup by entry id: a removal staged in a
// change set of its own counts them (a binary search per segment), and
// the change set is discarded, never committed.
func (s *Store) contentExists(bank, entry string) (bool, error) {
	list, _, err := s.liveList(bank)
	if err != nil {
		return false, err
	}
	tx, err := s.idx.Begin()
	if err != nil {
		return false, err
	}
	defer tx.Close()
	n, err := tx.Remove(list, entry)
	return n > 0, err
}

// ContentInfo is HMA's answer about one bank content
// (BankContentResponse, without the signals).
type ContentInfo struct {
	ID               int64            `json:"id"`
	DisableUntil     int64            `json:"disable_until_ts"`
	OriginalMediaURI *string          `json:"original_media_uri"`
	Bank             Bank             `json:"bank"`
	Metadata         *contentMetadata `json:"metadata"`
	Note             *string          `json:"note"`
}

// contentInfo describes one content. Called with mu held.
func (s *Store) contentInfo(bank string, id int64) (ContentInfo, error) {
	entry := strconv.FormatInt(id, 10)
	ok, err := s.contentExists(bank, entry)
	if err != nil {
		return ContentInfo{}, err
	}
	if !ok {
		return ContentInfo{}, errContentNotFound
	}
	m, has := s.side.Content[bank][entry]
	if !has {
		m = contentMeta{DisableUntil: contentEnabled}
	}
	info := ContentInfo{ID: id, DisableUntil: m.DisableUntil, Metadata: m.Metadata, Note: m.Note,
		Bank: Bank{Name: bank, MatchingEnabledRatio: s.side.Banks[bank].Ratio}}
	if m.Metadata != nil {
		info.OriginalMediaURI = m.Metadata.ContentURI
	}
	return info, nil
}

// Content describes one content of a bank.
func (s *Store) Content(bank string, id int64) (ContentInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.contentInfo(bank, id)
}

// SetContentDisabled sets a content's disable_until_ts (HMA's magic
// values included) and returns the content as it now is.
func (s *Store) SetContentDisabled(bank string, id int64, until int64) (ContentInfo, error) {
	var info ContentInfo
	err := s.change(func(_ *hashmatch.Txn) error {
		cur, err := s.contentInfo(bank, id)
		if err != nil {
			return err
		}
		entry := strconv.FormatInt(id, 10)
		s.setContentMeta(bank, entry, contentMeta{DisableUntil: until, Metadata: cur.Metadata, Note: cur.Note})
		info, err = s.contentInfo(bank, id)
		return err
	})
	return info, err
}

// pathContentID parses a content id of a path: HMA's routes take integers
// only, and anything else is no content (404).
func pathContentID(v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, errf(http.StatusNotFound, "content '%s' not found", v)
	}
	return id, nil
}

// contentFail answers a store error of a content request: an unknown bank
// or content is HMA's 404.
func (s *Server) contentFail(w http.ResponseWriter, err error, bank string, id int64) {
	switch {
	case errors.Is(err, errBankNotFound):
		err = errf(http.StatusNotFound, "bank '%s' not found", bank)
	case errors.Is(err, errContentNotFound):
		err = errf(http.StatusNotFound, "content '%d' not found", id)
	}
	s.fail(w, err)
}

func (s *Server) bankGetContent(w http.ResponseWriter, r *http.Request, st *Store, args []string) {
	id, err := pathContentID(args[1])
	if err != nil {
		s.fail(w, err)
		return
	}
	if v := r.URL.Query().Get("include_signals"); v != "" {
		if want, err := strToBool(v); err != nil || want {
			s.fail(w, errf(http.StatusBadRequest,
				"include_signals is not supported: the index does not give back a content's signals by id"))
			return
		}
	}
	info, err := st.Content(args[0], id)
	if err != nil {
		s.contentFail(w, err, args[0], id)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// readDisableUntil reads HMA's content update body: an optional
// disable_until_ts, an integer (or a string of one), 0 to five years
// ahead. Absent, the content keeps its state (nil).
func (s *Server) readDisableUntil(r *http.Request) (*int64, error) {
	var body map[string]json.RawMessage
	if err := s.readJSON(r, &body); err != nil {
		return nil, err
	}
	raw, ok := body["disable_until_ts"]
	if !ok {
		return nil, nil
	}
	var text string
	if json.Unmarshal(raw, &text) != nil {
		text = string(raw)
	}
	until, err := strconv.ParseInt(text, 10, 64)
	switch {
	case err != nil:
		return nil, errf(http.StatusBadRequest, "disable_until_ts must be an integer, got %s", raw)
	case until < 0:
		return nil, errf(http.StatusBadRequest, "disable_until_ts must be a non-negative integer")
	case until > time.Now().Add(maxDisableAhead).Unix():
		return nil, errf(http.StatusBadRequest, "disable_until_ts must be less than 5 years in the future")
	}
	return &until, nil
}

func (s *Server) bankUpdateContent(w http.ResponseWriter, r *http.Request, st *Store, args []string) {
	id, err := pathContentID(args[1])
	if err != nil {
		s.fail(w, err)
		return
	}
	until, err := s.readDisableUntil(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	var info ContentInfo
	if until == nil {
		info, err = st.Content(args[0], id)
	} else {
		info, err = st.SetContentDisabled(args[0], id, *until)
	}
	if err != nil {
		s.contentFail(w, err, args[0], id)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// addBody is the JSON body that may come with HMA's add by URL:
// {"metadata": {...}, "note": "..."}.
type addBody struct {
	Metadata json.RawMessage `json:"metadata"`
	Note     *string         `json:"note"`
}

// parseMetadata checks HMA's content metadata: a JSON object of its known
// keys only (400 naming the problem otherwise).
func parseMetadata(raw []byte) (*contentMetadata, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || raw[0] != '{' {
		return nil, errf(http.StatusBadRequest, "metadata should be a json object")
	}
	var m contentMetadata
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, errf(http.StatusBadRequest, "Invalid metadata: %v", err)
	}
	return &m, nil
}

// readAddMeta reads the metadata and note of an add: from the JSON body
// (HMA's add by URL), else from the `metadata` (JSON text) and `note`
// query parameters (the only place beside an upload's file). nil when
// none is given.
func (s *Server) readAddMeta(r *http.Request) (*contentMeta, error) {
	q := r.URL.Query()
	body := addBody{Metadata: json.RawMessage(q.Get("metadata"))}
	if n, ok := q["note"]; ok {
		body.Note = &n[0]
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
		if err := s.readJSON(r, &body); err != nil {
			return nil, err
		}
	}
	md, err := parseMetadata(body.Metadata)
	if err != nil {
		return nil, err
	}
	if body.Note != nil && utf8.RuneCountInString(*body.Note) > maxNoteLen {
		return nil, errf(http.StatusBadRequest, "note must be at most %d characters", maxNoteLen)
	}
	m := contentMeta{DisableUntil: contentEnabled, Metadata: md, Note: body.Note}
	if m.isDefault() {
		return nil, nil
	}
	return &m, nil
}

// readAddContent reads what an add hashes: the URL of HMA's `url`
// parameter, fetched (when fetching is on), else the upload.
func (s *Server) readAddContent(r *http.Request) (string, []byte, error) {
	if r.URL.Query().Get("url") != "" {
		return s.fetchURL(r)
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return "", nil, errf(http.StatusBadRequest, "Neither `url` nor multipart file upload was received")
	}
	return s.readUpload(r)
}

// bankAddContent is HMA's POST /c/bank/<name>/content: hashes an upload
// or a URL with the content type's signal types (or `types`) and adds
// every signal under one new content id, with the metadata given.
func (s *Server) bankAddContent(w http.ResponseWriter, r *http.Request, st *Store, args []string) {
	if _, err := st.Bank(args[0]); err != nil {
		s.fail(w, errf(http.StatusNotFound, "bank '%s' not found", args[0]))
		return
	}
	meta, err := s.readAddMeta(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	hashes, err := s.hashText(r, s.readAddContent)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.addSignals(w, st, args[0], hashes, meta)
}

// addSignals adds signals given in their text form (signal type name →
// value) as one new content, and answers HMA's {"id": ..., "signals":
// ...}, the signals as validated (hashes in canonical lower-case hex).
func (s *Server) addSignals(w http.ResponseWriter, st *Store, bank string, values map[string]string, meta *contentMeta) {
	if len(values) == 0 {
		s.fail(w, errf(http.StatusBadRequest, "No signals given"))
		return
	}
	var sigs []signal
	defer func() {
		for _, sig := range sigs {
			sig.Close()
		}
	}()
	signals := make(map[string]string, len(values))
	for name, value := range values {
		t := findSignalType(name)
		if t == nil {
			s.fail(w, errf(http.StatusBadRequest, "No such signal type %s", name))
			return
		}
		sig, err := parseSignal(t, value)
		if err != nil {
			s.fail(w, errf(http.StatusBadRequest, "%v", err))
			return
		}
		sigs = append(sigs, sig)
		signals[name] = value
		if t.Kind == kindHash {
			signals[name] = sig.Hash.String()
		}
	}
	id, err := st.AddContent(bank, sigs, meta)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "signals": signals})
}
