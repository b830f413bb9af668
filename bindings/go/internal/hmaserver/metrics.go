// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// Prometheus metrics, written in the text exposition format (version
// 0.0.4) with the standard library: a few counters and one histogram do
// not need a client library and its dependencies.

// latencyBuckets are the upper bounds (seconds) of the request latency
// histogram: lookups take well under a millisecond, videos minutes.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

type histogram struct {
	counts []uint64 // per bucket (not cumulative), then +Inf
	sum    float64
}

// reqKey labels the request histogram: the endpoint (its path pattern)
// and the status class.
type reqKey struct{ endpoint, class string }

// metrics holds the server's counters; every method is safe for
// concurrent use.
type metrics struct {
	mu             sync.Mutex
	requests       map[reqKey]*histogram
	hashes         map[string]uint64 // signal type -> signals computed
	lookups        map[string]uint64 // signal type -> signals looked up
	matches        map[string]uint64 // signal type -> matches found
	bankMatches    map[string]uint64 // bank -> matches found
	decodeFailures map[string]uint64 // the library's status name -> uploads
	reloads        map[string]uint64 // "ok" / "failed" -> reloads
}

func newMetrics() *metrics {
	return &metrics{requests: map[reqKey]*histogram{}, hashes: map[string]uint64{},
		lookups: map[string]uint64{}, matches: map[string]uint64{}, bankMatches: map[string]uint64{},
		decodeFailures: map[string]uint64{}, reloads: map[string]uint64{"ok": 0, "failed": 0}}
}

func (m *metrics) observe(endpoint string, code int, d time.Duration) {
	k := reqKey{endpoint, strconv.Itoa(code/100) + "xx"}
	secs := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, secs) // first bound >= secs
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.requests[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.requests[k] = h
	}
	h.counts[i]++
	h.sum += secs
}

func (m *metrics) add(counter map[string]uint64, key string, n uint64) {
	m.mu.Lock()
	counter[key] += n
	m.mu.Unlock()
}

func (m *metrics) reloaded(ok bool) {
	if ok {
		m.add(m.reloads, "ok", 1)
	} else {
		m.add(m.reloads, "failed", 1)
	}
}

// hashed counts an upload's hashing: the signals computed, or, when the
// library could not hash it, a decode failure by the library's status
// name (HM_E_DECODE, HM_E_LIMIT, ...).
func (m *metrics) hashed(types []*signalType, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var he *hashmatch.Error
	switch {
	case err == nil:
		for _, t := range types {
			m.hashes[t.Name]++
		}
	case errors.As(err, &he):
		m.decodeFailures[he.Status.Name()]++
	}
}

// find looks signals up on a store (Store.LookupBatch) and counts the
// lookups and what they found, before HMA's coin flip and bank filter.
func (s *Server) find(st *Store, sigs []signal) ([][]hit, error) {
	hits, err := st.LookupBatch(sigs)
	if err != nil {
		return nil, err
	}
	m := s.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, sig := range sigs {
		m.lookups[sig.Type.Name]++
		m.matches[sig.Type.Name] += uint64(len(hits[i]))
		for _, h := range hits[i] {
			m.bankMatches[h.Bank]++
		}
	}
	return hits, nil
}

// statusWriter records the status of a response for the metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives the server's own writer (http.MaxBytesReader needs it to
// close the connection after an oversized body).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument measures each request: its endpoint, status class and time.
func (s *Server) instrument(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		s.metrics.observe(s.endpointName(r.URL.Path), sw.code, time.Since(start))
	})
}

// endpointName is a path's label: its route's pattern, "other" for paths
// that are no endpoint (bounded: a client cannot make new labels).
func (s *Server) endpointName(path string) string {
	switch path {
	case "/status", "/status/live", "/metrics":
		return path
	}
	if rt, _ := s.match(path); rt != nil {
		return rt.name
	}
	return "other"
}

// residentBytes is the process's resident memory (VmRSS of
// /proc/self/status), 0 where it cannot be read.
func residentBytes() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "VmRSS:") {
			rest := strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:"))
			kb, err := strconv.ParseUint(strings.TrimSuffix(rest, " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// labelValue escapes a label value for the text format.
func labelValue(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// expo writes metric families in the text format.
type expo struct{ bytes.Buffer }

func (e *expo) family(name, typ, help string) {
	fmt.Fprintf(e, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (e *expo) sample(name, labels string, v float64) {
	if labels != "" {
		labels = "{" + labels + "}"
	}
	fmt.Fprintf(e, "%s%s %s\n", name, labels, formatFloat(v))
}

// counterByLabel writes one family whose samples are a counter map, by
// one label, in the label's order.
func (e *expo) counterByLabel(name, help, label string, counter map[string]uint64) {
	e.family(name, "counter", help)
	keys := make([]string, 0, len(counter))
	for k := range counter {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e.sample(name, fmt.Sprintf(`%s="%s"`, label, labelValue(k)), float64(counter[k]))
	}
}

// writeMetrics is GET /metrics.
func (s *Server) writeMetrics(w http.ResponseWriter) {
	var e expo
	m := s.metrics
	m.mu.Lock()
	const req = "hashmatchd_http_request_duration_seconds"
	e.family(req, "histogram", "Time to answer a request, by endpoint and status class (its _count is the requests).")
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].endpoint != keys[j].endpoint {
			return keys[i].endpoint < keys[j].endpoint
		}
		return keys[i].class < keys[j].class
	})
	for _, k := range keys {
		h := m.requests[k]
		labels := fmt.Sprintf(`endpoint="%s",class="%s"`, labelValue(k.endpoint), k.class)
		var cum uint64
		for i, n := range h.counts {
			cum += n
			le := "+Inf"
			if i < len(latencyBuckets) {
				le = formatFloat(latencyBuckets[i])
			}
			e.sample(req+"_bucket", labels+`,le="`+le+`"`, float64(cum))
		}
		e.sample(req+"_sum", labels, h.sum)
		e.sample(req+"_count", labels, float64(cum))
	}
	e.counterByLabel("hashmatchd_hashes_total", "Signals computed from uploads, by signal type.", "signal_type", m.hashes)
	e.counterByLabel("hashmatchd_lookups_total", "Signals looked up in the index, by signal type.", "signal_type", m.lookups)
	e.counterByLabel("hashmatchd_matches_total", "Matches found (before HMA's coin flip and bank filter), by signal type.", "signal_type", m.matches)
	e.counterByLabel("hashmatchd_bank_matches_total", "Matches found (before HMA's coin flip and bank filter), by bank.", "bank", m.bankMatches)
	e.counterByLabel("hashmatchd_decode_failures_total", "Uploads the library could not hash, by its status name.", "reason", m.decodeFailures)
	e.counterByLabel("hashmatchd_reloads_total", "Index reloads, by result.", "result", m.reloads)
	m.mu.Unlock()

	e.family("hashmatchd_index_ready", "gauge", "1 once the index is loaded.")
	st := s.acquire()
	if st == nil {
		e.sample("hashmatchd_index_ready", "", 0)
	} else {
		e.sample("hashmatchd_index_ready", "", 1)
		stats, err := st.idx.Stats()
		st.unref()
		if err == nil {
			e.family("hashmatchd_index_generation", "gauge", "The index in service: 1 for the one loaded at start, +1 per reload.")
			e.sample("hashmatchd_index_generation", "", float64(s.generation.Load()))
			e.family("hashmatchd_index_commits", "gauge", "Changes published to the index in service (curation commits).")
			e.sample("hashmatchd_index_commits", "", float64(stats.Generation))
			e.family("hashmatchd_index_entries", "gauge", "Entries of the index, by hash type (tmk: TMK+PDQF videos).")
			for t := hashmatch.PDQ; t <= hashmatch.HashTypeMax; t++ {
				e.sample("hashmatchd_index_entries", `type="`+t.String()+`"`, float64(stats.EntriesByType[t]))
			}
			e.sample("hashmatchd_index_entries", `type="tmk"`, float64(stats.TmkEntries))
			e.family("hashmatchd_index_bytes", "gauge", "Memory of the index in service, as the library reports it.")
			e.sample("hashmatchd_index_bytes", "", float64(stats.Bytes))
		}
	}
	e.family("hashmatchd_uploads_admitted", "gauge", "Uploads hashing or waiting for a worker.")
	e.sample("hashmatchd_uploads_admitted", "", float64(len(s.pool.slots)))
	e.family("process_resident_memory_bytes", "gauge", "Resident memory of the process (VmRSS).")
	e.sample("process_resident_memory_bytes", "", float64(residentBytes()))

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	io.Copy(w, &e)
}
