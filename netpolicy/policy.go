// Package netpolicy owns every outbound request xunjian makes. One Policy
// is built per run from the crawl configuration and handed to the crawler,
// the checks, scan and serve; it gives out HTTP clients for purposes (a
// crawled page, a resource check, a stylesheet, a cloaking fetch with a
// spider's User-Agent, an external page, a homepage probe on a fresh
// connection, a webhook delivery) that all apply the same rules:
//
//   - the User-Agent the site owner can whitelist;
//   - per-host politeness: a concurrency limit and a request rate shared by
//     every request of the run to that host, slowed down on 429/503 and
//     paused for the Retry-After asked (capped);
//   - the private-address guard on every dial and every redirect hop:
//     private, loopback, link-local, CGNAT and other internal addresses, in
//     any spelling (decimal, hex, octal, IPv4-mapped IPv6 …), are refused
//     unless they are the site's own hosts or explicitly allowed;
//   - a deadline per request that starts after the politeness wait, on top
//     of the caller's context;
//   - bodies decoded (gzip, x-gzip, deflate, br, stacked, gzip named only in
//     Content-Type) and capped after decoding at the purpose's byte limit.
//
// Requests the Go client does not make get the same rules: Chromium's all
// go through a BrowserProxy (see StartBrowserProxy), and Allow, Wait and
// Observe expose the guard and limiter to a request-interception handler.
package netpolicy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Options are the policy's settings; config.Crawl.Outbound fills them from the
// configuration. Zero values get the defaults noted.
type Options struct {
	// UserAgent is sent with every request that does not set its own.
	UserAgent string
	// Concurrency is the number of requests in flight per host (default 4).
	Concurrency int
	// Rate is the requests per second per host (default 10).
	Rate float64
	// Timeout bounds one request, from the end of its politeness wait to
	// the end of its body (default 15 s).
	Timeout time.Duration
	// Retries, RetryBackoff and MaxRetryAfter drive Attempts, Backoff and
	// RetryWait; MaxRetryAfter also caps a host's Retry-After pause
	// (default 60 s).
	Retries       int
	RetryBackoff  time.Duration
	MaxRetryAfter time.Duration
	// MaxRedirects bounds the redirects a fetch follows (default 10).
	MaxRedirects int
	// AllowPrivate turns the private-address guard off; AllowNetworks are
	// CIDR ranges it lets through.
	AllowPrivate  bool
	AllowNetworks []string
	// SiteHosts are the inspected site's hosts (host or host:port): they
	// may resolve to anything (an intranet portal inspected from inside).
	SiteHosts []string
	// MaxPageBytes caps a page, stylesheet or external page after
	// decoding (default 10 MiB); MaxAttachmentBytes caps an attachment or
	// a scanned document (default MaxPageBytes).
	MaxPageBytes       int64
	MaxAttachmentBytes int64
	// TLS is the client TLS configuration (tests trust their own CA).
	TLS *tls.Config
	// Resolver replaces the system resolver for the guard (tests).
	Resolver Resolver
}

// Purpose says what a request is for; it selects the body limit, whether
// the per-host limiter applies and how connections are made.
type Purpose uint8

// The purposes.
const (
	// Crawl is the colly adapter's transport: pages, availability checks
	// of link targets (HEAD, or GET without reading the body) and
	// attachments. Its bodies are capped one byte past the larger of the
	// page and attachment limits, so that the adapter, which reads through
	// colly, tells a truncated body by its length.
	Crawl Purpose = iota
	// Document is a file downloaded on its own (`xunjian scan URL`),
	// capped like an attachment.
	Document
	// Stylesheet is a stylesheet of the site read by the dark-link check.
	Stylesheet
	// Cloaking is a page fetched again as a search spider or with a search
	// Referer; the caller sets the User-Agent.
	Cloaking
	// External is a page of another site read by the external-link check.
	External
	// Probe is a homepage probe; see Policy.Probe.
	Probe
	// Delivery is an alert sent to a webhook or chat API: no politeness,
	// still the guard, the timeout and the context.
	Delivery
)

var purposeNames = [...]string{"crawl", "document", "stylesheet", "cloaking", "external", "probe", "delivery"}

func (p Purpose) String() string {
	if int(p) < len(purposeNames) {
		return purposeNames[p]
	}
	return fmt.Sprintf("purpose(%d)", p)
}

// Policy is the outbound policy of one run. It is safe for concurrent use.
type Policy struct {
	o      Options
	guard  *guard
	limits *limits
	// pool is the shared connection-making transport of every purpose but
	// probes (fresh connections) and deliveries (their own pool).
	pool, delivery *http.Transport
}

// New validates o, applies defaults and builds the policy.
func New(o Options) (*Policy, error) {
	if o.Concurrency < 1 {
		o.Concurrency = 4
	}
	if o.Rate <= 0 {
		o.Rate = 10
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 60 * time.Second
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 10
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = 10 << 20
	}
	if o.MaxAttachmentBytes <= 0 {
		o.MaxAttachmentBytes = o.MaxPageBytes
	}
	o.SiteHosts = slices.Clone(o.SiteHosts)
	g, err := newGuard(o.AllowPrivate, o.AllowNetworks, o.SiteHosts, o.Resolver)
	if err != nil {
		return nil, fmt.Errorf("netpolicy: %w", err)
	}
	p := &Policy{o: o, guard: g, limits: newLimits(o.Concurrency, o.Rate, o.MaxRetryAfter)}
	p.pool = p.newPool(g, max(o.Concurrency, 2))
	p.delivery = p.newPool(g, 2)
	return p, nil
}

// newPool is a keep-alive transport dialling through g. Compression is
// the policy's business (see body), so Go's transparent gzip is off.
func (p *Policy) newPool(g *guard, perHost int) *http.Transport {
	return &http.Transport{
		DialContext:           newDialer(g, p.o.Timeout, "").DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       60 * time.Second,
		TLSHandshakeTimeout:   p.o.Timeout,
		ResponseHeaderTimeout: p.o.Timeout,
		TLSClientConfig:       p.o.TLS,
		DisableCompression:    true,
	}
}

// Limit is the decoded-body byte limit of purpose.
func (p *Policy) Limit(purpose Purpose) int64 {
	switch purpose {
	case Crawl:
		return max(p.o.MaxPageBytes, p.o.MaxAttachmentBytes) + 1
	case Document:
		return p.o.MaxAttachmentBytes
	case Delivery:
		return 1 << 20
	}
	return p.o.MaxPageBytes
}

// Client returns a new client for purpose; clients of one policy share
// its connections, guard and limiter, and a caller may change the
// returned client (its CheckRedirect, say) without affecting others.
// Every request must carry its context (http.NewRequestWithContext).
func (p *Policy) Client(purpose Purpose) *http.Client {
	return &http.Client{Transport: p.Transport(purpose), CheckRedirect: p.CheckRedirect}
}

// Transport returns the policy's RoundTripper for purpose: guard on the
// request's URL, politeness wait, deadline, User-Agent, decoding and cap.
// Redirects are the client's: each hop comes back through RoundTrip and
// is guarded again.
func (p *Policy) Transport(purpose Purpose) http.RoundTripper {
	t := &transport{p: p, purpose: purpose, base: p.pool, limited: true, guard: p.guard}
	if purpose == Delivery {
		t.base, t.limited = p.delivery, false
	}
	return t
}

// CheckRedirect is the policy's redirect rule, the default of its
// clients: at most MaxRedirects hops, each passing the guard.
func (p *Policy) CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > p.o.MaxRedirects {
		return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, p.o.MaxRedirects)
	}
	return p.guard.checkURL(req.URL)
}

// CheckURL applies the guard's static rules to u (scheme, and a host
// written as an internal address in any form) without resolving names.
func (p *Policy) CheckURL(u *url.URL) error { return p.guard.checkURL(u) }

// HostState returns what the limiter knows of u's host.
func (p *Policy) HostState(u *url.URL) HostState { return p.limits.state(limitKey(u)) }

// transport is the policy's RoundTripper for one purpose.
type transport struct {
	p       *Policy
	purpose Purpose
	base    http.RoundTripper
	limited bool
	guard   *guard
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.guard.checkURL(req.URL); err != nil {
		closeReqBody(req)
		return nil, err
	}
	ctx := req.Context()
	release := func() {}
	key := limitKey(req.URL)
	if t.limited {
		r, err := t.p.limits.acquire(ctx, key)
		if err != nil {
			closeReqBody(req)
			return nil, err
		}
		release = r
	}
	rctx, cancel := context.WithTimeout(ctx, t.p.o.Timeout)
	done := func() { cancel(); release() }
	out := req.Clone(rctx)
	if out.Header.Get("User-Agent") == "" && t.p.o.UserAgent != "" {
		out.Header.Set("User-Agent", t.p.o.UserAgent)
	}
	if out.Header.Get("Accept-Encoding") == "" && out.Header.Get("Range") == "" && out.Method != http.MethodHead {
		out.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		done()
		if errors.Is(rctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			return nil, fmt.Errorf("no answer within %v: %w", t.p.o.Timeout, context.DeadlineExceeded)
		}
		return nil, err
	}
	if t.limited {
		t.p.limits.observe(key, resp.StatusCode, resp.Header)
	}
	wrapBody(resp, t.p.Limit(t.purpose), done)
	return resp, nil
}

func closeReqBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// dialTimeout is how long a delivery's connection may take to open.
const dialTimeout = 15 * time.Second

// DeliveryClient is a client for alert deliveries to the given endpoints
// (webhook, chat API or relay URLs): their hosts may be internal (a relay
// inside the government network), any redirect elsewhere passes the guard;
// no per-host politeness; each request times out after timeout.
func DeliveryClient(timeout time.Duration, endpoints ...string) (*http.Client, error) {
	var hosts []string
	for _, e := range endpoints {
		if u, err := url.Parse(e); err == nil && u.Host != "" {
			hosts = append(hosts, u.Host)
		}
	}
	p, err := New(Options{Timeout: timeout, SiteHosts: hosts})
	if err != nil {
		return nil, err
	}
	return p.Client(Delivery), nil
}

// Dial opens a connection for a delivery that is not HTTP (SMTP): addr's
// host is trusted as configured, the dial honours ctx and timeout, and the
// connection ends at the earlier of ctx's end and now+timeout.
func Dial(ctx context.Context, addr string, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = dialTimeout
	}
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); !ok || dl.After(time.Now().Add(timeout)) {
		c.SetDeadline(time.Now().Add(timeout))
	}
	// ctx ending (its deadline, a cancel) ends the conversation at once,
	// after ctx.Err is set, so callers can tell why.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	return &ctxConn{Conn: c, stop: stop}, nil
}

// ctxConn is a connection whose deadline follows a context until closed.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}
