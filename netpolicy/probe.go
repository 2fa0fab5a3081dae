package netpolicy

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"time"
)

// ProbeResult is one homepage request with its phases.
type ProbeResult struct {
	// Status is the final answer's status (0 when none came).
	Status int
	// Err is why no answer came (or the body could not be read).
	Err error
	// DNS, Connect, TLS and TTFB are the first lookup, connection, TLS
	// handshake and the time to the first response byte; Total is the
	// whole request with its body.
	DNS, Connect, TLS, TTFB, Total time.Duration
	// Redirects are the URLs redirected to, in order.
	Redirects []string
	// FinalURL is where the last answer came from.
	FinalURL string
	// RemoteAddr is the first connection's address.
	RemoteAddr string
	// CertNotAfter is the expiry of the final answer's certificate.
	CertNotAfter time.Time
	// Header and Head are the final answer's header and the first
	// ProbeHead bytes of its body (enough to tell a firewall's challenge
	// or block page from the site's own answer).
	Header http.Header
	Head   []byte
}

// ProbeHead is how much of a probed body Probe keeps.
const ProbeHead = 64 << 10

// Probe requests target once, the way the national rule's availability
// probe does: over a fresh connection (never a pooled one) on network
// ("tcp", "tcp4" or "tcp6"), each phase timed with httptrace, within
// timeout. target's host is trusted as the site's own (the probe is of the
// homepage, which may be an intranet address); redirects pass the guard.
// The probe waits for its host's slot and rate like any request, and its
// clock starts after that wait.
func (p *Policy) Probe(ctx context.Context, target, network string, timeout time.Duration) ProbeResult {
	var r ProbeResult
	u, err := url.Parse(target)
	if err != nil {
		r.Err = err
		return r
	}
	if timeout <= 0 {
		timeout = p.o.Timeout
	}
	g := p.guard.withOwn(u.Host)
	if err := g.checkURL(u); err != nil {
		r.Err = err
		return r
	}
	release, err := p.limits.acquire(ctx, limitKey(u))
	if err != nil {
		r.Err = err
		return r
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	force := ""
	if network == "tcp4" || network == "tcp6" {
		force = network
	}
	base := &http.Transport{
		DialContext:         newDialer(g, timeout, force).DialContext,
		DisableKeepAlives:   true,
		DisableCompression:  true,
		TLSClientConfig:     p.o.TLS,
		TLSHandshakeTimeout: timeout,
	}
	defer base.CloseIdleConnections()
	t := &transport{p: p, purpose: Probe, base: base, guard: g}
	client := &http.Client{
		Transport: t,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if err := p.CheckRedirect(req, via); err != nil {
				return err
			}
			r.Redirects = append(r.Redirects, req.URL.String())
			return nil
		},
	}
	// The trace's callbacks may run on the transport's dialling goroutine,
	// which can outlive a failed request: phases are kept under a lock.
	var mu sync.Mutex
	var ph struct {
		dns, connect, tls, ttfb       time.Duration
		remote                        string
		dnsStart, connStart, tlsStart time.Time
	}
	start := time.Now()
	trace := &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { mu.Lock(); ph.dnsStart = time.Now(); mu.Unlock() },
		DNSDone: func(httptrace.DNSDoneInfo) {
			mu.Lock()
			if ph.dns == 0 {
				ph.dns = time.Since(ph.dnsStart)
			}
			mu.Unlock()
		},
		ConnectStart: func(string, string) { mu.Lock(); ph.connStart = time.Now(); mu.Unlock() },
		ConnectDone: func(_, addr string, err error) {
			mu.Lock()
			if err == nil && ph.connect == 0 {
				ph.connect = time.Since(ph.connStart)
				ph.remote = addr
			}
			mu.Unlock()
		},
		TLSHandshakeStart: func() { mu.Lock(); ph.tlsStart = time.Now(); mu.Unlock() },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			mu.Lock()
			if err == nil && ph.tls == 0 {
				ph.tls = time.Since(ph.tlsStart)
			}
			mu.Unlock()
		},
		GotFirstResponseByte: func() {
			mu.Lock()
			if ph.ttfb == 0 {
				ph.ttfb = time.Since(start)
			}
			mu.Unlock()
		},
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, target, nil)
	if err != nil {
		r.Err = err
		return r
	}
	resp, err := client.Do(req)
	if err == nil {
		r.Head, err = io.ReadAll(io.LimitReader(resp.Body, ProbeHead))
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
		}
		resp.Body.Close()
		r.Status = resp.StatusCode
		r.Header = resp.Header
		r.FinalURL = resp.Request.URL.String()
		if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
			r.CertNotAfter = resp.TLS.PeerCertificates[0].NotAfter
		}
	}
	r.Total = time.Since(start)
	r.Err = err
	mu.Lock()
	r.DNS, r.Connect, r.TLS, r.TTFB, r.RemoteAddr = ph.dns, ph.connect, ph.tls, ph.ttfb, ph.remote
	mu.Unlock()
	return r
}
