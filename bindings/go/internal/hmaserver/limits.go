// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// pool bounds the hashing work: at most `workers` uploads hash at once and
// at most `workers + queue` requests hold an upload (read or waiting), so
// memory stays under (workers + queue) x the body limit. A request that
// finds the queue full is refused at once (503, Retry-After).
type pool struct {
	slots chan struct{} // requests admitted: hashing or waiting
	work  chan struct{} // requests hashing
}

func newPool(workers, queue int) *pool {
	return &pool{slots: make(chan struct{}, workers+queue), work: make(chan struct{}, workers)}
}

// enter admits a request, or returns false when the queue is full.
func (p *pool) enter() bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (p *pool) leave() { <-p.slots }

// run waits for a worker (or the context's end) and runs fn on it.
func (p *pool) run(ctx context.Context, fn func() error) error {
	select {
	case p.work <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.work }()
	return fn()
}

// Roles of bearer tokens: a matching token opens the hasher and the
// matcher; a curation token opens curation as well.
type role int

const (
	roleNone role = iota
	roleMatch
	roleCurate
)

// auth holds the bearer tokens.
type auth struct {
	off      bool
	match    [][]byte
	curation [][]byte
}

func anyEqual(tokens [][]byte, t []byte) bool {
	ok := 0
	for _, k := range tokens {
		ok |= subtle.ConstantTimeCompare(k, t)
	}
	return ok == 1
}

// roleOf is the role a request's Authorization header grants.
func (a *auth) roleOf(r *http.Request) role {
	if a.off {
		return roleCurate
	}
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return roleNone
	}
	t := []byte(strings.TrimSpace(h[len(prefix):]))
	switch {
	case anyEqual(a.curation, t):
		return roleCurate
	case anyEqual(a.match, t):
		return roleMatch
	}
	return roleNone
}

// errTokens: the server refuses to start without a token unless auth is
// off on purpose.
var errTokens = errors.New("no bearer tokens: give --token-file / HASHMATCHD_TOKENS (and --curation-token-file / HASHMATCHD_CURATION_TOKENS), or --no-auth for local development")

// ParseTokens reads tokens from a file's or a variable's text: one per
// line or comma-separated, blank lines and lines starting with # ignored.
func ParseTokens(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, t := range strings.Split(line, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}
