// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Defaults of the URL fetcher (GET /h/hash?url=, GET /m/lookup?url=).
const (
	DefaultFetchTimeout   = 30 * time.Second
	DefaultFetchRedirects = 3
)

// FetchConfig is the URL fetcher's policy. Fetching is off unless Allow
// names at least one host.
type FetchConfig struct {
	// Allow lists the hosts that may be fetched: exact names or IP
	// literals ("media.example.com", "192.0.2.7"), or "*.example.com" for
	// every name under example.com (not example.com itself).
	Allow []string
	// AllowPrivate lets the fetcher connect to any address; by default
	// private, loopback, link-local, multicast, unspecified and other
	// special-purpose addresses are refused (specialAddr).
	AllowPrivate bool
	MaxBytes     int64         // largest body fetched; 0: the request body limit
	Timeout      time.Duration // whole fetch, redirects and body included; 0: DefaultFetchTimeout
	MaxRedirects int           // same-host redirects followed; 0: DefaultFetchRedirects, <0: none

	tlsConfig *tls.Config // nil: the system's roots (tests trust their own server)
}

// fetcher fetches media by URL without becoming a request-forgery tool:
// http and https only, allow-listed hosts only, the name resolved by the
// fetcher and every address checked before it is dialled (the checked
// address is the one connected: no second lookup, no DNS-rebinding
// window), no proxy, redirects only to the same host and re-checked, the
// body capped in size and the whole fetch in time.
type fetcher struct {
	cfg    FetchConfig
	client *http.Client
}

// newFetcher returns the fetcher of cfg, or nil when fetching is off.
func newFetcher(cfg FetchConfig, maxBody int64) (*fetcher, error) {
	if len(cfg.Allow) == 0 {
		return nil, nil
	}
	for _, h := range cfg.Allow {
		if err := validAllowPattern(h); err != nil {
			return nil, err
		}
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = maxBody
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultFetchTimeout
	}
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = DefaultFetchRedirects
	}
	f := &fetcher{cfg: cfg}
	tr := &http.Transport{
		Proxy:                 nil, // never through a proxy: it would dial for us, unchecked
		DialContext:           f.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
		TLSClientConfig:       cfg.tlsConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	f.client = &http.Client{Transport: tr, Timeout: cfg.Timeout, CheckRedirect: f.checkRedirect}
	return f, nil
}

// validAllowPattern checks one --fetch-allow value.
func validAllowPattern(h string) error {
	name := strings.TrimPrefix(h, "*.")
	if name == "" || strings.ContainsAny(name, "*/:@ ") && !isIPv6Literal(name) {
		return fmt.Errorf("--fetch-allow %q: give a host name, an IP address or *.domain", h)
	}
	return nil
}

func isIPv6Literal(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

// hostAllowed reports whether a URL's host name is on the allow list.
func (f *fetcher) hostAllowed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range f.cfg.Allow {
		p = strings.ToLower(strings.TrimSuffix(p, "."))
		if suffix := strings.TrimPrefix(p, "*"); suffix != p {
			if strings.HasSuffix(host, suffix) && len(host) > len(suffix) {
				return true
			}
		} else if host == p {
			return true
		}
	}
	return false
}

// checkURL is the check of the URL asked for and of every redirect.
func (f *fetcher) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return errf(http.StatusBadRequest, "url: only http and https URLs are fetched, not %q", u.Scheme)
	}
	if u.User != nil {
		return errf(http.StatusBadRequest, "url: credentials in URLs are not accepted")
	}
	if u.Hostname() == "" {
		return errf(http.StatusBadRequest, "url: no host")
	}
	if !f.hostAllowed(u.Hostname()) {
		return errf(http.StatusForbidden, "url: host %q is not allowed (--fetch-allow)", u.Hostname())
	}
	return nil
}

// checkRedirect follows a few redirects to the same host, each checked
// as the first URL.
func (f *fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.cfg.MaxRedirects {
		return errf(http.StatusBadGateway, "url: more than %d redirects", f.cfg.MaxRedirects)
	}
	if !strings.EqualFold(req.URL.Hostname(), via[0].URL.Hostname()) {
		return errf(http.StatusForbidden, "url: redirect to another host (%q) refused", req.URL.Hostname())
	}
	return f.checkURL(req.URL)
}

// specialRanges are the address blocks the fetcher refuses besides those
// netip classifies (loopback, private, link-local, multicast,
// unspecified): IANA's special-purpose registries (RFC 6890 and later)
// and the IPv6 forms that embed an IPv4 address a gateway would reach.
var specialRanges = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // shared address space (carrier-grade NAT)
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation (TEST-NET-1)
		"192.88.99.0/24",  // 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation (TEST-NET-2)
		"203.0.113.0/24",  // documentation (TEST-NET-3)
		"240.0.0.0/4",     // reserved, and 255.255.255.255 broadcast
		"::/96",           // IPv4-compatible (deprecated), :: and ::1
		"64:ff9b::/96",    // NAT64 (an IPv4 address behind a gateway)
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments (Teredo included)
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4 (an IPv4 address behind a relay)
		"3fff::/20",       // documentation
		"5f00::/16",       // segment routing (SRv6) SIDs
		"fec0::/10",       // site-local (deprecated)
		"::ffff:0:0:0/96", // IPv4-translated
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// specialAddr says why an address may not be fetched from, or "" when it
// is a public unicast address. IPv4-mapped IPv6 addresses are checked as
// the IPv4 address they carry.
func specialAddr(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	switch {
	case !a.IsValid():
		return "not an address"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	}
	for _, p := range specialRanges {
		if p.Contains(a) {
			return "special-purpose (" + p.String() + ")"
		}
	}
	return ""
}

// addrRefused is a dial refused by the address check.
type addrRefused struct {
	addr string
	why  string
}

func (e *addrRefused) Error() string {
	return fmt.Sprintf("%s is %s (--fetch-allow-private allows it)", e.addr, e.why)
}

// control runs on every socket before it connects, with the address it
// connects to: the one place the address check is enforced.
func (f *fetcher) control(_, address string, _ syscall.RawConn) error {
	if f.cfg.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &addrRefused{address, "not an address"}
	}
	if why := specialAddr(ap.Addr()); why != "" {
		return &addrRefused{ap.Addr().String(), why}
	}
	return nil
}

// dial resolves the host itself and dials its addresses as IP literals,
// each checked by control: what was checked is what is connected.
func (f *fetcher) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else if ips, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, err
	}
	d := &net.Dialer{Control: f.control}
	var first error
	for _, ip := range ips {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("%s: no address", host)
	}
	return nil, first
}

// fetch downloads rawURL and returns its content type (HMA's: the
// `content_type` parameter, else photo for image/* and video for video/*
// responses) and its bytes.
func (f *fetcher) fetch(ctx context.Context, rawURL, contentType string) (string, []byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", nil, errf(http.StatusBadRequest, "url: %v", err)
	}
	if err := f.checkURL(u); err != nil {
		return "", nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", nil, errf(http.StatusBadRequest, "url: %v", err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return "", nil, f.fetchError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", nil, errf(http.StatusBadGateway, "url: the server answered %s", resp.Status)
	}
	if contentType == "" {
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		switch {
		case strings.HasPrefix(mt, "image/"):
			contentType = "photo"
		case strings.HasPrefix(mt, "video/"):
			contentType = "video"
		default:
			return "", nil, errf(http.StatusBadRequest,
				"url: cannot tell the content type from %q: give content_type=photo or video", mt)
		}
	}
	if resp.ContentLength > f.cfg.MaxBytes {
		return "", nil, errf(http.StatusRequestEntityTooLarge,
			"url: %d bytes exceed the fetch limit of %d bytes", resp.ContentLength, f.cfg.MaxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes+1))
	if err != nil {
		return "", nil, f.fetchError(err)
	}
	if int64(len(data)) > f.cfg.MaxBytes {
		return "", nil, errf(http.StatusRequestEntityTooLarge,
			"url: the body exceeds the fetch limit of %d bytes", f.cfg.MaxBytes)
	}
	return contentType, data, nil
}

// fetchError turns a failed fetch into its status: a refusal of the
// policy is 403 (or what checkRedirect said), a timeout 504, the rest 502.
func (f *fetcher) fetchError(err error) *httpError {
	var he *httpError
	var refused *addrRefused
	var ne net.Error
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &refused):
		return errf(http.StatusForbidden, "url: %v", refused)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return errf(http.StatusGatewayTimeout, "url: no complete answer within %v", f.cfg.Timeout)
	}
	return errf(http.StatusBadGateway, "url: %v", err)
}
