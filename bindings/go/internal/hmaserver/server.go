// SPDX-License-Identifier: BSD-3-Clause

// Package hmaserver is hashmatchd's HTTP service: HMA 1.1.x's hasher,
// matcher and curation API (same paths, parameters, fields and JSON
// shapes) on libhashmatch's index. See docs/hashmatchd.md.
package hmaserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// DefaultMaxBodyBytes is HMA's upload limit: 100 MB.
const DefaultMaxBodyBytes = 100 << 20

// Config is what the server is started with.
type Config struct {
	IndexPath      string   // index file, created when absent; "" for none (read-only)
	Lists          []string // hash lists loaded at start
	Tokens         []string // bearer tokens of the hasher and matcher
	CurationTokens []string // bearer tokens of curation (and everything else)
	NoAuth         bool     // no authentication (local development)
	MaxBodyBytes   int64    // request body limit; 0: DefaultMaxBodyBytes
	Workers        int      // uploads hashed at once; 0: the CPUs
	Queue          int      // uploads waiting beyond those; 0: 2 x Workers
	Video          *hashmatch.VideoOptions
	Log            *log.Logger // nil: the standard logger
	MetricsAuth    bool        // /metrics needs a token (by default it needs none)
	MaxBatch       int         // signals in one POST /v1/lookup; 0: DefaultMaxBatch
	Fetch          FetchConfig // URL fetching (GET /h/hash?url=); off unless Fetch.Allow names hosts
}

// Server serves the API. The zero value is not usable: New.
type Server struct {
	cfg        Config
	auth       auth
	pool       *pool
	store      atomic.Pointer[Store] // nil until the index is loaded
	reloadMu   sync.Mutex            // serialises Load, Reload and Close
	generation atomic.Int64          // 1 for the index loaded at start, +1 per reload
	metrics    *metrics
	log        *log.Logger
	fetcher    *fetcher // nil: URL fetching is off
}

// New checks the configuration and returns a server whose index is not
// loaded yet (/status answers 503 until Load).
func New(cfg Config) (*Server, error) {
	if !cfg.NoAuth && len(cfg.Tokens)+len(cfg.CurationTokens) == 0 {
		return nil, errTokens
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 2 * cfg.Workers
	}
	if cfg.Log == nil {
		cfg.Log = log.Default()
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	f, err := newFetcher(cfg.Fetch, cfg.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, pool: newPool(cfg.Workers, cfg.Queue), log: cfg.Log,
		auth: auth{off: cfg.NoAuth}, metrics: newMetrics(), fetcher: f}
	for _, t := range cfg.Tokens {
		s.auth.match = append(s.auth.match, []byte(t))
	}
	for _, t := range cfg.CurationTokens {
		s.auth.curation = append(s.auth.curation, []byte(t))
	}
	return s, nil
}

// Load opens the index and lists; the server is ready afterwards.
func (s *Server) Load() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	st, err := OpenStore(s.cfg.IndexPath, s.cfg.Lists)
	if err != nil {
		return err
	}
	s.store.Store(st)
	s.generation.Store(1)
	return nil
}

// Close releases the index (once the requests still on it end). Call it
// after the HTTP server has drained.
func (s *Server) Close() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if st := s.store.Swap(nil); st != nil {
		return st.unref()
	}
	return nil
}

// httpError is an error with its HTTP status; the body is HMA's
// {"message": ...}.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func errf(code int, format string, a ...any) *httpError {
	return &httpError{code, fmt.Sprintf(format, a...)}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return // the client went away
	}
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	var he *httpError
	if !errors.As(err, &he) {
		he = s.classify(err)
	}
	if he.code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if he.code >= 500 {
		s.log.Printf("error: %v", err)
	}
	writeJSON(w, he.code, map[string]string{"message": he.msg})
}

// classify maps the library's and the store's errors to statuses: bad
// input is a 4xx that says what was wrong, never a 5xx.
func (s *Server) classify(err error) *httpError {
	switch {
	case errors.Is(err, errBankNotFound):
		return errf(http.StatusNotFound, "%v", err)
	case errors.Is(err, errBankExists):
		return errf(http.StatusForbidden, "%v", err)
	case errors.Is(err, errInvalid):
		return errf(http.StatusBadRequest, "%v", err)
	case errors.Is(err, errNoPersist):
		return errf(http.StatusForbidden, "%v", err)
	case errors.Is(err, errReloaded):
		return errf(http.StatusServiceUnavailable, "%v", err)
	case errors.Is(err, hashmatch.ErrUnknownFormat), errors.Is(err, hashmatch.ErrDecode),
		errors.Is(err, hashmatch.ErrParse), errors.Is(err, hashmatch.ErrInvalidArgument),
		errors.Is(err, hashmatch.ErrUnsupported):
		return errf(http.StatusBadRequest, "cannot use the upload: %v", err)
	case errors.Is(err, hashmatch.ErrLimit):
		return errf(http.StatusRequestEntityTooLarge, "the upload exceeds a decode limit: %v", err)
	case errors.Is(err, hashmatch.ErrCancelled), errors.Is(err, context.Canceled),
		errors.Is(err, context.DeadlineExceeded):
		return errf(http.StatusServiceUnavailable, "cancelled: %v", err)
	}
	return errf(http.StatusInternalServerError, "internal error: %v", err)
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler {
	return s.instrument(s.serve)
}

// handlerFunc serves one method of an endpoint on the loaded store; args
// are the path's parameters (bank name, content id).
type handlerFunc = func(w http.ResponseWriter, r *http.Request, st *Store, args []string)

// route is one endpoint: its name (path pattern, the metrics' label), its
// method handlers and the role it needs.
type route struct {
	name    string
	role    role
	methods map[string]handlerFunc
}

// match finds the route of a path: fixed paths and /c/bank/<name>[/...].
func (s *Server) match(path string) (*route, []string) {
	m := func(role role, h map[string]handlerFunc) *route { return &route{path, role, h} }
	switch path {
	case "/h/hash":
		return m(roleMatch, map[string]handlerFunc{"GET": s.hashMedia, "POST": s.hashMedia}), nil
	case "/m/lookup":
		return m(roleMatch, map[string]handlerFunc{"GET": s.lookupGet, "POST": s.lookupContent}), nil
	case "/m/raw_lookup":
		return m(roleMatch, map[string]handlerFunc{"GET": s.rawLookup}), nil
	case "/m/compare":
		return m(roleMatch, map[string]handlerFunc{"POST": s.compare}), nil
	case "/m/index/status":
		return m(roleMatch, map[string]handlerFunc{"GET": s.indexStatus}), nil
	case "/c/banks":
		return m(roleCurate, map[string]handlerFunc{"GET": s.banksList, "POST": s.bankCreate}), nil
	case "/c/signal_type":
		return m(roleCurate, map[string]handlerFunc{"GET": func(w http.ResponseWriter, _ *http.Request, _ *Store, _ []string) {
			writeJSON(w, http.StatusOK, signalTypeConfigs())
		}}), nil
	case "/c/content_type":
		return m(roleCurate, map[string]handlerFunc{"GET": func(w http.ResponseWriter, _ *http.Request, _ *Store, _ []string) {
			writeJSON(w, http.StatusOK, contentTypeConfigs())
		}}), nil
	case "/admin/reload":
		return m(roleCurate, map[string]handlerFunc{"POST": s.adminReload}), nil
	case "/v1/hash":
		return m(roleMatch, map[string]handlerFunc{"POST": s.nativeHash}), nil
	case "/v1/lookup":
		return m(roleMatch, map[string]handlerFunc{"POST": s.nativeLookup}), nil
	case "/v1/decide":
		return m(roleMatch, map[string]handlerFunc{"POST": s.nativeDecide}), nil
	}
	rest := strings.TrimPrefix(path, "/c/bank/")
	if rest == path || rest == "" {
		return nil, nil
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 1:
		return &route{"/c/bank/{name}", roleCurate, map[string]handlerFunc{"GET": s.bankGet,
			"PUT": s.bankUpdate, "DELETE": s.bankDelete}}, parts
	case len(parts) == 2 && parts[1] == "signal":
		return &route{"/c/bank/{name}/signal", roleCurate,
			map[string]handlerFunc{"POST": s.bankAddSignal}}, parts[:1]
	case len(parts) == 2 && parts[1] == "content":
		return &route{"/c/bank/{name}/content", roleCurate,
			map[string]handlerFunc{"POST": s.bankAddContent}}, parts[:1]
	case len(parts) == 3 && parts[1] == "content":
		return &route{"/c/bank/{name}/content/{id}", roleCurate, map[string]handlerFunc{"GET": s.bankGetContent,
			"PUT": s.bankUpdateContent, "DELETE": s.bankDeleteContent}}, []string{parts[0], parts[2]}
	}
	return nil, nil
}

// unauthorized answers a request without a valid token.
func (s *Server) unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="hashmatchd"`)
	s.fail(w, errf(http.StatusUnauthorized, "missing or invalid bearer token"))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/status/live":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "I-AM-ALIVE")
		return
	case "/status":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if s.store.Load() == nil {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "INDEX-NOT-READY")
			return
		}
		io.WriteString(w, "I-AM-ALIVE")
		return
	case "/metrics":
		if s.cfg.MetricsAuth && s.auth.roleOf(r) == roleNone {
			s.unauthorized(w)
			return
		}
		s.writeMetrics(w)
		return
	}
	rt, args := s.match(r.URL.Path)
	if rt == nil {
		s.fail(w, errf(http.StatusNotFound, "no such endpoint: %s", r.URL.Path))
		return
	}
	switch got := s.auth.roleOf(r); {
	case got == roleNone:
		s.unauthorized(w)
		return
	case got < rt.role:
		s.fail(w, errf(http.StatusForbidden, "this token may not use curation endpoints"))
		return
	}
	h := rt.methods[r.Method]
	if h == nil {
		allow := make([]string, 0, len(rt.methods))
		for m := range rt.methods {
			allow = append(allow, m)
		}
		sort.Strings(allow)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.fail(w, errf(http.StatusMethodNotAllowed, "method %s not allowed", r.Method))
		return
	}
	// The request keeps the index it starts on, whatever reloads
	// happen meanwhile (reload.go).
	st := s.acquire()
	if st == nil {
		s.fail(w, errf(http.StatusServiceUnavailable, "index not yet ready"))
		return
	}
	defer st.unref()
	// Every body is capped; a declared size over the cap is refused
	// before a byte of it is read.
	if r.ContentLength > s.cfg.MaxBodyBytes {
		w.Header().Set("Connection", "close")
		s.fail(w, errf(http.StatusRequestEntityTooLarge,
			"request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, s.cfg.MaxBodyBytes))
		return
	}
	raw := w
	if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
		raw = u.Unwrap()
	}
	r.Body = http.MaxBytesReader(raw, r.Body, s.cfg.MaxBodyBytes)
	h(w, r, st, args)
}

// bodyError turns an error reading a request body into its status.
func (s *Server) bodyError(err error) *httpError {
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		return errf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", mbe.Limit)
	case errors.As(err, &ne) && ne.Timeout():
		return errf(http.StatusRequestTimeout, "timed out reading the request body")
	}
	return errf(http.StatusBadRequest, "malformed request body: %v", err)
}

// readUpload reads HMA's upload: a multipart/form-data body with exactly
// one file, whose field name is its content type (photo or video).
func (s *Server) readUpload(r *http.Request) (content string, data []byte, err error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return "", nil, errf(http.StatusBadRequest, "Missing multipart/form-data file upload")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, errf(http.StatusBadRequest, "Missing multipart/form-data file upload: %v", err)
	}
	found := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, s.bodyError(err)
		}
		if part.FileName() == "" { // a form value, not a file
			if _, err := io.Copy(io.Discard, part); err != nil {
				return "", nil, s.bodyError(err)
			}
			continue
		}
		if found {
			return "", nil, errf(http.StatusBadRequest, "Only one file allowed per request")
		}
		found = true
		content = part.FormName()
		if data, err = io.ReadAll(part); err != nil {
			return "", nil, s.bodyError(err)
		}
	}
	if !found {
		return "", nil, errf(http.StatusBadRequest, "Missing multipart/form-data file upload")
	}
	return content, data, nil
}

// readContent reads what a request hashes: a POST's upload, or the URL a
// GET names, fetched (fetchURL).
func (s *Server) readContent(r *http.Request) (content string, data []byte, err error) {
	if r.Method != http.MethodGet {
		return s.readUpload(r)
	}
	return s.fetchURL(r)
}

// fetchURL fetches the URL of a request's `url` parameter, with HMA's
// optional `content_type`.
func (s *Server) fetchURL(r *http.Request) (content string, data []byte, err error) {
	q := r.URL.Query()
	if q.Get("url") == "" {
		return "", nil, errf(http.StatusBadRequest, "url is required")
	}
	if s.fetcher == nil {
		return "", nil, urlFetchDisabled
	}
	return s.fetcher.fetch(r.Context(), q.Get("url"), q.Get("content_type"))
}

// hashRequest admits an upload or a URL fetch into the worker pool (a
// place is taken before a byte is read), reads it (read), selects the
// signal types of its content type (pick: requestedTypes for the
// endpoints that take HMA's `types` parameter; its errors are 400s) and
// runs hash on a worker; it returns the upload's content type and those
// signal types.
func (s *Server) hashRequest(r *http.Request, read func(*http.Request) (string, []byte, error),
	pick func(content string) ([]*signalType, error),
	hash func(ctx context.Context, content string, types []*signalType, data []byte) error) (string, []*signalType, error) {
	if !s.pool.enter() {
		return "", nil, errf(http.StatusServiceUnavailable, "too many uploads in progress, retry later")
	}
	defer s.pool.leave()
	content, data, err := read(r)
	if err != nil {
		return "", nil, err
	}
	types, err := pick(content)
	if err != nil {
		return "", nil, errf(http.StatusBadRequest, "%v", err)
	}
	err = s.pool.run(r.Context(), func() error { return hash(r.Context(), content, types, data) })
	s.metrics.hashed(types, err)
	return content, types, err
}

// requestedTypes picks the signal types of a request's `types` parameter
// (HMA's; contentSignalTypes), for hashRequest.
func requestedTypes(r *http.Request) func(content string) ([]*signalType, error) {
	return func(content string) ([]*signalType, error) {
		return contentSignalTypes(content, r.URL.Query().Get("types"))
	}
}

// hashText hashes what read reads (an upload, a URL's content) to the
// text form of its signals (HMA's /h/hash answer).
func (s *Server) hashText(r *http.Request, read func(*http.Request) (string, []byte, error)) (map[string]string, error) {
	var out map[string]string
	_, _, err := s.hashRequest(r, read, requestedTypes(r), func(ctx context.Context, content string, types []*signalType, data []byte) error {
		var err error
		out, err = hashContent(ctx, content, types, data, s.cfg.Video)
		return err
	})
	return out, err
}

// urlFetchDisabled: GET /h/hash?url= and GET /m/lookup?url= when no host
// is allowed (fetch.go).
var urlFetchDisabled = errf(http.StatusForbidden,
	"URL fetching is disabled: start hashmatchd with --fetch-allow HOST, or upload the file with POST (multipart/form-data)")

func (s *Server) hashMedia(w http.ResponseWriter, r *http.Request, _ *Store, _ []string) {
	out, err := s.hashText(r, s.readContent)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// matchJSON is one match of HMA's lookup: bank_content_id is a number for
// numeric ids (every id curation gives) and the id string otherwise.
type matchJSON struct {
	BankContentID any    `json:"bank_content_id"`
	Distance      string `json:"distance"`
}

func contentID(entry string) any {
	if n, err := strconv.ParseInt(entry, 10, 64); err == nil && strconv.FormatInt(n, 10) == entry {
		return n
	}
	return entry
}

// strToBool is HMA's boolean parameter rule.
func strToBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, errf(http.StatusBadRequest, "invalid boolean parameter - prefer true/false")
}

// bankFilter is HMA's optional `banks` parameter: comma-separated names.
func bankFilter(r *http.Request) map[string]bool {
	v := r.URL.Query().Get("banks")
	if v == "" {
		return nil
	}
	out := map[string]bool{}
	for _, b := range strings.Split(v, ",") {
		out[b] = true
	}
	return out
}

// coinflip is HMA's per-request draw in [0, 1): a bank matches when its
// enabled ratio is >= the draw. A `seed` makes it the same for the same
// seed (derived with SHA-256, not Python's generator); bypass_coinflip
// makes it 0, so every bank matches, disabled ones included, as HMA.
func coinflip(r *http.Request) (float64, error) {
	q := r.URL.Query()
	if b := q.Get("bypass_coinflip"); b != "" {
		bypass, err := strToBool(b)
		if err != nil {
			return 0, err
		}
		if bypass {
			return 0, nil
		}
	}
	var b [8]byte
	if seed, ok := q["seed"]; ok && len(seed) > 0 {
		sum := sha256.Sum256([]byte(seed[0]))
		copy(b[:], sum[:8])
	} else if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53), nil
}

// signalParams parses the signal of a lookup's `signal_type` and `signal`
// parameters; missing is the error when one is absent.
func signalParams(q url.Values, missing string) (signal, error) {
	if q.Get("signal") == "" || q.Get("signal_type") == "" {
		return signal{}, errf(http.StatusBadRequest, "%s", missing)
	}
	return parseQuerySignal(q.Get("signal_type"), q.Get("signal"))
}

// parseQuerySignal parses a signal named by type and value, HMA's errors.
func parseQuerySignal(typeName, value string) (signal, error) {
	st := findSignalType(typeName)
	if st == nil {
		return signal{}, errf(http.StatusBadRequest, "No such SignalType '%s'", typeName)
	}
	sig, err := parseSignal(st, value)
	if err != nil {
		return signal{}, errf(http.StatusBadRequest, "invalid signal: %v", err)
	}
	return sig, nil
}

// lookup is HMA's lookup of one signal: the matching content grouped by
// bank, of the banks the coin flip enables (and the `banks` filter
// keeps).
func (s *Server) lookup(st *Store, sig signal, flip float64, banks map[string]bool) (map[string][]matchJSON, error) {
	found, err := s.find(st, []signal{sig})
	if err != nil {
		return nil, err
	}
	out := map[string][]matchJSON{}
	for _, h := range found[0] {
		ratio, ok := st.bankRatio(h.Bank)
		if !ok || ratio < flip || (banks != nil && !banks[h.Bank]) {
			continue
		}
		out[h.Bank] = append(out[h.Bank], matchJSON{contentID(h.EntryID), h.hmaDistance()})
	}
	return out, nil
}

func (s *Server) lookupGet(w http.ResponseWriter, r *http.Request, st *Store, _ []string) {
	q := r.URL.Query()
	if q.Get("url") != "" {
		s.lookupContent(w, r, st, nil)
		return
	}
	sig, err := signalParams(q, "Either url or both signal and signal_type are required")
	if err != nil {
		s.fail(w, err)
		return
	}
	defer sig.Close()
	flip, err := coinflip(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	out, err := s.lookup(st, sig, flip, bankFilter(r))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// lookupContent hashes an upload (POST) or a URL (GET) and looks up
// every signal: HMA's POST /m/lookup and GET /m/lookup?url=.
func (s *Server) lookupContent(w http.ResponseWriter, r *http.Request, st *Store, _ []string) {
	flip, err := coinflip(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	hashes, err := s.hashText(r, s.readContent)
	if err != nil {
		s.fail(w, err)
		return
	}
	banks := bankFilter(r)
	out := map[string]map[string][]matchJSON{}
	for name, value := range hashes {
		sig, err := parseQuerySignal(name, value)
		if err != nil {
			s.fail(w, err)
			return
		}
		out[name], err = s.lookup(st, sig, flip, banks)
		sig.Close()
		if err != nil {
			s.fail(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) rawLookup(w http.ResponseWriter, r *http.Request, st *Store, _ []string) {
	q := r.URL.Query()
	withDistance := false
	if v := q.Get("include_distance"); v != "" {
		var err error
		if withDistance, err = strToBool(v); err != nil {
			s.fail(w, err)
			return
		}
	}
	sig, err := signalParams(q, "signal and signal_type are required")
	if err != nil {
		s.fail(w, err)
		return
	}
	defer sig.Close()
	found, err := s.find(st, []signal{sig})
	if err != nil {
		s.fail(w, err)
		return
	}
	banks := bankFilter(r)
	matches := []any{}
	for _, h := range found[0] {
		if banks != nil && !banks[h.Bank] {
			continue
		}
		if withDistance {
			matches = append(matches, matchJSON{contentID(h.EntryID), h.hmaDistance()})
		} else {
			matches = append(matches, contentID(h.EntryID))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"matches": matches})
}

// readJSON decodes a JSON request body into v.
func (s *Server) readJSON(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return s.bodyError(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errf(http.StatusBadRequest, "the body is not the JSON expected: %v", err)
	}
	return nil
}

func (s *Server) compare(w http.ResponseWriter, r *http.Request, _ *Store, _ []string) {
	var req map[string][]string
	if err := s.readJSON(r, &req); err != nil {
		s.fail(w, err)
		return
	}
	out := map[string]any{}
	for name, pair := range req {
		st := findSignalType(name)
		if st == nil {
			s.fail(w, errf(http.StatusBadRequest, "No such SignalType '%s'", name))
			return
		}
		if len(pair) != 2 {
			s.fail(w, errf(http.StatusBadRequest, "Comparison hash list length must be exactly 2"))
			return
		}
		if st.Kind != kindHash {
			s.fail(w, errf(http.StatusBadRequest, "%s does not support hash comparison", name))
			return
		}
		var hs [2]hashmatch.Hash
		for i, v := range pair {
			sig, err := parseSignal(st, v)
			if err != nil {
				s.fail(w, errf(http.StatusBadRequest, "Invalid %s hash: %v", name, err))
				return
			}
			hs[i] = sig.Hash
		}
		d, err := hs[0].Distance(hs[1])
		if err != nil {
			s.fail(w, err)
			return
		}
		out[name] = []any{d <= st.Hash.DefaultThreshold(), map[string]int{"distance": d}}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) indexStatus(w http.ResponseWriter, r *http.Request, st *Store, _ []string) {
	types := signalTypes
	if name, ok := r.URL.Query()["signal_type"]; ok {
		t := findSignalType(name[0])
		if t == nil {
			s.fail(w, errf(http.StatusBadRequest, "No such signal type '%s'", name[0]))
			return
		}
		types = []signalType{*t}
	}
	out := map[string]IndexStatus{}
	for i := range types {
		status, err := st.Status(&types[i])
		if err != nil {
			s.fail(w, err)
			return
		}
		out[types[i].Name] = status
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) banksList(w http.ResponseWriter, _ *http.Request, st *Store, _ []string) {
	writeJSON(w, http.StatusOK, st.Banks())
}

// bankBody is HMA's body of bank creation and update.
type bankBody struct {
	Name         *string  `json:"name"`
	EnabledRatio *float64 `json:"enabled_ratio"`
	Enabled      *bool    `json:"enabled"`
}

// ratio is the enabled ratio a body asks for: enabled_ratio wins over
// enabled (true: 1, false: 0); nil when neither is given.
func (b bankBody) ratio() *float64 {
	if b.EnabledRatio != nil {
		return b.EnabledRatio
	}
	if b.Enabled != nil {
		r := 0.0
		if *b.Enabled {
			r = 1
		}
		return &r
	}
	return nil
}

func (s *Server) bankCreate(w http.ResponseWriter, r *http.Request, st *Store, _ []string) {
	var body bankBody
	if err := s.readJSON(r, &body); err != nil {
		s.fail(w, err)
		return
	}
	if body.Name == nil {
		s.fail(w, errf(http.StatusBadRequest, "name is required"))
		return
	}
	ratio := 1.0
	if p := body.ratio(); p != nil {
		ratio = *p
	}
	b, err := st.CreateBank(*body.Name, ratio)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

func (s *Server) bankGet(w http.ResponseWriter, _ *http.Request, st *Store, args []string) {
	b, err := st.Bank(args[0])
	if err != nil {
		s.fail(w, errf(http.StatusNotFound, "bank '%s' not found", args[0]))
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) bankUpdate(w http.ResponseWriter, r *http.Request, st *Store, args []string) {
	var body bankBody
	if err := s.readJSON(r, &body); err != nil {
		s.fail(w, err)
		return
	}
	if _, err := st.Bank(args[0]); err != nil {
		s.fail(w, errf(http.StatusNotFound, "Bank not found"))
		return
	}
	b, err := st.UpdateBank(args[0], body.Name, body.ratio())
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) bankDelete(w http.ResponseWriter, _ *http.Request, st *Store, args []string) {
	if err := st.DeleteBank(args[0]); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "Done"})
}

func (s *Server) bankAddSignal(w http.ResponseWriter, r *http.Request, st *Store, args []string) {
	if _, err := st.Bank(args[0]); err != nil {
		s.fail(w, errf(http.StatusNotFound, "bank '%s' not found", args[0]))
		return
	}
	var body map[string]string
	if err := s.readJSON(r, &body); err != nil {
		s.fail(w, err)
		return
	}
	s.addSignals(w, st, args[0], body, nil)
}

func (s *Server) bankDeleteContent(w http.ResponseWriter, _ *http.Request, st *Store, args []string) {
	id, err := pathContentID(args[1])
	if err != nil {
		s.fail(w, err)
		return
	}
	if _, err := st.Bank(args[0]); err != nil {
		s.fail(w, errf(http.StatusNotFound, "bank '%s' not found", args[0]))
		return
	}
	n, err := st.RemoveContent(args[0], id)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
}
