package netpolicy

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// The hook: requests the Go client does not make, seen through a
// browser's request interception, can be held to the same rules by calling
// Allow, then Wait, and feeding the answer to Observe. Chromium does not
// rely on it: interception misses WebSockets, service workers' fetches,
// preconnects and WebRTC, and Allow's look-up is not the browser's (DNS
// rebinding); it goes through a BrowserProxy instead.
//	if err := pol.Allow(ctx, u); err != nil { fail the request (BlockedByClient) }
//	release, err := pol.Wait(ctx, u)       // per-host slot and rate
//	if err != nil { fail the request }
//	continue the request; on its response: pol.Observe(u, status, header)
//	release() when it has finished or failed

// Allow applies the guard to a request made outside the policy's clients.
// data:, blob: and about: URLs make no connection and pass; http, https, ws
// and wss URLs pass when their host is one of the site's or every address
// it resolves to now is allowed (the browser resolves again on its own, so
// a name with any internal address is refused); any other scheme is
// refused.
func (p *Policy) Allow(ctx context.Context, u *url.URL) error {
	if u == nil {
		return fmt.Errorf("no URL: %w", ErrScheme)
	}
	switch strings.ToLower(u.Scheme) {
	case "data", "blob", "about":
		return nil
	case "http", "https", "ws", "wss":
	default:
		return fmt.Errorf("%s: %w", u.Scheme, ErrScheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%s: no host: %w", u.Redacted(), ErrScheme)
	}
	if p.guard.isOwn(host) {
		return nil
	}
	if ip, ok := ParseHostAddr(host); ok {
		if !p.guard.allowedAddr(ip) {
			return fmt.Errorf("%s (%s): %w", host, ip, ErrPrivateAddress)
		}
		return nil
	}
	addrs, err := p.guard.resolver.LookupIPAddr(ctx, strings.TrimRight(host, "."))
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok || !p.guard.allowedAddr(ip) {
			return fmt.Errorf("%s (%s): %w", host, a.IP, ErrPrivateAddress)
		}
	}
	return nil
}

// Wait takes a request slot for u's host and waits for its rate and any
// Retry-After pause, like every request of the policy's clients; release
// frees the slot (call it once the request has finished or failed). A
// ws/wss URL counts against its http/https host.
func (p *Policy) Wait(ctx context.Context, u *url.URL) (release func(), err error) {
	return p.limits.acquire(ctx, limitKey(httpURL(u)))
}

// Observe tells the limiter how u's host answered, so a 429 or 503 seen by
// the browser slows every request to that host, as one seen by a client.
func (p *Policy) Observe(u *url.URL, status int, header http.Header) {
	if header == nil {
		header = http.Header{}
	}
	p.limits.observe(limitKey(httpURL(u)), status, header)
}

func httpURL(u *url.URL) *url.URL {
	switch strings.ToLower(u.Scheme) {
	case "ws":
		c := *u
		c.Scheme = "http"
		return &c
	case "wss":
		c := *u
		c.Scheme = "https"
		return &c
	}
	return u
}

// SiteHost reports whether host (host or host:port) is one of the
// inspected site's own hosts.
func (p *Policy) SiteHost(host string) bool { return p.guard.isOwn(host) }
