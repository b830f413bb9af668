// SPDX-License-Identifier: BSD-3-Clause

// Command hashmatchd is a long-running HTTP service that speaks
// Hasher-Matcher-Actioner's API (HMA 1.1.x: /h/hash, /m/lookup,
// /m/raw_lookup, /m/compare, /m/index/status, the /c/ bank curation
// subset, /status) on libhashmatch's index. docs/hashmatchd.md is its
// manual; `hashmatchd --help` lists the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/libhashmatch/libhashmatch/bindings/go/internal/hmaserver"
)

const usage = `hashmatchd: an HMA-compatible hash matching service on libhashmatch.

Usage: hashmatchd [flags]

Serves HMA 1.1.x's API (hasher /h/, matcher /m/, curation /c/, /status) on
an index file and/or hash lists. Every request but /status and /status/live
needs "Authorization: Bearer TOKEN"; curation needs a curation token.
Tokens come from files (one per line) or from HASHMATCHD_TOKENS and
HASHMATCHD_CURATION_TOKENS (comma-separated). SIGTERM or SIGINT stops it
after the requests in progress finish. SIGHUP, POST /admin/reload (a
curation token) and --watch reload the index file and the lists into a new
index, swapped in without losing a request. GET /metrics is Prometheus's
text format. GET /h/hash?url= and GET /m/lookup?url= fetch URLs only from
the hosts --fetch-allow names, never from private addresses unless
--fetch-allow-private. Manual: docs/hashmatchd.md.

Example (the bundled example list, no auth, local only):
  hashmatchd --no-auth --index /tmp/hm.hmi --list tests/data/example/known.csv

Flags:
`

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	config                               string
	listen                               string
	index                                string
	lists                                listFlag
	tokenFile, curationTokenFile         string
	noAuth                               bool
	maxBody                              int64
	workers, queue                       int
	readHeader, read, write, idle, drain time.Duration
	maxHeaderBytes                       int
	tlsCert, tlsKey                      string
	watch                                time.Duration
	metricsAuth                          bool
	maxBatch                             int
	fetchAllow                           listFlag
	fetchAllowPrivate                    bool
	fetchMaxBytes                        int64
	fetchTimeout                         time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("hashmatchd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, configHelp)
	}
	fs.StringVar(&o.config, "config", "", "JSON file of settings, keyed by flag name (see below); flags on the command line win")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:5000", "address to listen on (host:port; \":5000\" for every interface)")
	fs.StringVar(&o.index, "index", "", "index file: loaded at start, created when absent, saved atomically after every curation change (bank metadata in FILE.banks.json)")
	fs.Var(&o.lists, "list", "hash list to load at start, in any format `hashcheck index build` reads (repeatable)")
	fs.StringVar(&o.tokenFile, "token-file", "", "file of bearer tokens for the hasher and matcher, one per line (added to $HASHMATCHD_TOKENS)")
	fs.StringVar(&o.curationTokenFile, "curation-token-file", "", "file of bearer tokens for curation and everything else (added to $HASHMATCHD_CURATION_TOKENS)")
	fs.BoolVar(&o.noAuth, "no-auth", false, "serve without authentication (local development only; prints a warning)")
	fs.Int64Var(&o.maxBody, "max-body-bytes", hmaserver.DefaultMaxBodyBytes, "largest request body; larger ones get 413")
	fs.IntVar(&o.workers, "workers", 0, "uploads hashed at once (0: the number of CPUs)")
	fs.IntVar(&o.queue, "queue", 0, "uploads admitted beyond the workers, waiting; more get 503 with Retry-After (0: 2 x workers)")
	fs.DurationVar(&o.readHeader, "read-header-timeout", 10*time.Second, "time to read a request's headers")
	fs.DurationVar(&o.read, "read-timeout", 2*time.Minute, "time to read a whole request, body included")
	fs.DurationVar(&o.write, "write-timeout", 5*time.Minute, "time from the end of the headers to the end of the response (reading, hashing, answering)")
	fs.DurationVar(&o.idle, "idle-timeout", 2*time.Minute, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&o.drain, "shutdown-timeout", 30*time.Second, "on SIGTERM/SIGINT, how long requests in progress may take to finish")
	fs.IntVar(&o.maxHeaderBytes, "max-header-bytes", 64<<10, "largest request header block")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key, serve HTTPS")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.DurationVar(&o.watch, "watch", 0, "check the index file and the lists this often and reload when one changed (0: no file watch; SIGHUP and POST /admin/reload always reload)")
	fs.BoolVar(&o.metricsAuth, "metrics-auth", false, "GET /metrics needs a bearer token (by default it needs none)")
	fs.IntVar(&o.maxBatch, "max-batch", hmaserver.DefaultMaxBatch, "most signals in one POST /v1/lookup; more get 413")
	fs.Var(&o.fetchAllow, "fetch-allow", "allow GET /h/hash?url= and GET /m/lookup?url= to fetch from this host: a name, an IP address, or *.domain for the names under domain (repeatable; none: URL fetching is off)")
	fs.BoolVar(&o.fetchAllowPrivate, "fetch-allow-private", false, "let URL fetching connect to private, loopback, link-local and other special addresses (refused by default)")
	fs.Int64Var(&o.fetchMaxBytes, "fetch-max-bytes", 0, "largest body fetched from a URL; more is 413 (0: --max-body-bytes)")
	fs.DurationVar(&o.fetchTimeout, "fetch-timeout", hmaserver.DefaultFetchTimeout, "time for a whole URL fetch, redirects and body included; more is 504")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if o.config != "" {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if err := applyConfig(fs, o.config, set); err != nil {
			return nil, err
		}
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	return o, nil
}

// tokens reads the tokens of an environment variable and a file.
func tokens(env, file string) ([]string, error) {
	out := hmaserver.ParseTokens(os.Getenv(env))
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		out = append(out, hmaserver.ParseTokens(string(data))...)
	}
	return out, nil
}

// run is the program: it serves until ctx ends (a signal), then drains.
// ready, when not nil, gets the address listened on.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(addr string)) int {
	logger := log.New(stderr, "hashmatchd: ", log.LstdFlags)
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "hashmatchd:", err)
		return 2
	}
	cfg := hmaserver.Config{IndexPath: o.index, Lists: o.lists, NoAuth: o.noAuth,
		MaxBodyBytes: o.maxBody, Workers: o.workers, Queue: o.queue, Log: logger,
		MetricsAuth: o.metricsAuth, MaxBatch: o.maxBatch,
		Fetch: hmaserver.FetchConfig{Allow: o.fetchAllow, AllowPrivate: o.fetchAllowPrivate,
			MaxBytes: o.fetchMaxBytes, Timeout: o.fetchTimeout}}
	if cfg.Tokens, err = tokens("HASHMATCHD_TOKENS", o.tokenFile); err == nil {
		cfg.CurationTokens, err = tokens("HASHMATCHD_CURATION_TOKENS", o.curationTokenFile)
	}
	if err != nil {
		logger.Print(err)
		return 2
	}
	srv, err := hmaserver.New(cfg)
	if err != nil {
		logger.Print(err)
		return 2
	}
	if o.noAuth {
		logger.Print("WARNING: --no-auth: anyone who reaches this port can hash, match and change the banks; for local development only")
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		logger.Print(err)
		return 1
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: o.readHeader,
		ReadTimeout:       o.read,
		WriteTimeout:      o.write,
		IdleTimeout:       o.idle,
		MaxHeaderBytes:    o.maxHeaderBytes,
		ErrorLog:          logger,
	}
	// SIGHUP (reload) is caught from before the address is announced:
	// by default it would end the program.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	served := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			served <- hs.ServeTLS(ln, o.tlsCert, o.tlsKey)
		} else {
			served <- hs.Serve(ln)
		}
	}()
	logger.Printf("listening on %s; loading the index", ln.Addr())
	if ready != nil {
		ready(ln.Addr().String())
	}
	loaded := make(chan error, 1)
	go func() { loaded <- srv.Load() }()
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	if o.watch > 0 {
		go srv.Watch(wctx, o.watch)
	}

	code := 0
	for done := false; !done; {
		select {
		case err := <-loaded:
			if err != nil {
				logger.Printf("cannot load the index: %v", err)
				code, done = 1, true
			} else {
				logger.Print("index loaded: ready")
			}
			loaded = nil
		case <-hup:
			if res, err := srv.Reload(); err != nil {
				logger.Printf("SIGHUP: reload failed, still serving the previous index: %v", err)
			} else {
				logger.Printf("SIGHUP: reloaded (%v)", res)
			}
		case err := <-served:
			logger.Print(err)
			return 1
		case <-ctx.Done():
			logger.Print("stopping: finishing the requests in progress")
			done = true
		}
	}
	stopWatch()
	dctx, cancel := context.WithTimeout(context.Background(), o.drain)
	defer cancel()
	if err := hs.Shutdown(dctx); err != nil {
		logger.Printf("shutdown: %v", err)
		code = 1
	}
	if loaded != nil {
		<-loaded // never free the index under a load in progress
	}
	if err := srv.Close(); err != nil {
		logger.Printf("close: %v", err)
		code = 1
	}
	return code
}

func main() {
	hmaserver.LimitArenas()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr, nil))
}
