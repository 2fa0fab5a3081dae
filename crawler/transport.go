package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// ErrPrivateAddress is returned for an external host that resolves to a
// private, loopback or link-local address while those are not allowed.
var ErrPrivateAddress = errors.New("address is private, loopback or link-local")

// originalContentType is where the transport keeps a response's real
// Content-Type: colly re-decodes bodies whose header names a charset, with
// decoders that lose GB18030 text, so the charset is hidden from it and
// Decode applies it instead.
const originalContentType = "X-Xunjian-Content-Type"

// hostLimits enforces politeness per host: at most `concurrency` requests in
// flight and `rate` requests per second, plus pauses asked for by
// Retry-After. colly's LimitRule limits per rule, not per host.
type hostLimits struct {
	concurrency int
	rate        float64
	mu          sync.Mutex
	hosts       map[string]*hostLimit
}

type hostLimit struct {
	slots   chan struct{}
	limiter *rate.Limiter
	// pausedUntil is a unix-nano time before which no request starts.
	pausedUntil atomic.Int64
}

func newHostLimits(concurrency int, perSecond float64) *hostLimits {
	return &hostLimits{concurrency: concurrency, rate: perSecond, hosts: map[string]*hostLimit{}}
}

func (l *hostLimits) get(host string) *hostLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.hosts[host]
	if h == nil {
		burst := max(1, int(l.rate))
		h = &hostLimit{slots: make(chan struct{}, l.concurrency), limiter: rate.NewLimiter(rate.Limit(l.rate), burst)}
		l.hosts[host] = h
	}
	return h
}

// acquire waits for a slot and a rate token for host, honouring ctx.
func (l *hostLimits) acquire(ctx context.Context, host string) (release func(), err error) {
	h := l.get(host)
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release = sync.OnceFunc(func() { <-h.slots })
	if until := h.pausedUntil.Load(); until > 0 {
		if err := sleepCtx(ctx, time.Until(time.Unix(0, until))); err != nil {
			release()
			return nil, err
		}
	}
	if err := h.limiter.Wait(ctx); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// pause delays every request to host until t (a 429 or 503 Retry-After).
func (l *hostLimits) pause(host string, t time.Time) {
	h := l.get(host)
	for {
		cur := h.pausedUntil.Load()
		if cur >= t.UnixNano() || h.pausedUntil.CompareAndSwap(cur, t.UnixNano()) {
			return
		}
	}
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limitedTransport applies host limits around a base transport, times each
// request out, and hides charsets from colly (see originalContentType).
//
// The timeout starts once the host's politeness wait is over, so waiting
// behind a Retry-After pause or the rate limit never counts as the site being
// slow (an http.Client timeout would include that wait).
type limitedTransport struct {
	base     http.RoundTripper
	limits   *hostLimits
	timeout  time.Duration
	requests atomic.Int64
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	hostRelease, err := t.limits.acquire(req.Context(), req.URL.Host)
	if err != nil {
		return nil, err
	}
	t.requests.Add(1)
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	release := func() { cancel(); hostRelease() }
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		release()
		if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
			return nil, fmt.Errorf("no answer within %v: %w", t.timeout, context.DeadlineExceeded)
		}
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); strings.Contains(strings.ToLower(ct), "charset") {
		resp.Header.Set(originalContentType, ct)
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			resp.Header.Set("Content-Type", mt)
		} else {
			resp.Header.Del("Content-Type")
		}
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// releasingBody frees the host slot when the body is closed.
type releasingBody struct {
	io.ReadCloser
	release func()
	once    sync.Once
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// guardedDialer refuses private, loopback and link-local addresses for hosts
// other than the site's own, so that a crawler inside a government network
// cannot be turned into a probe of that network by a planted link.
type guardedDialer struct {
	dialer       *net.Dialer
	resolver     *net.Resolver
	allowPrivate bool
	allowNets    []*net.IPNet
	ownHosts     map[string]bool
}

// GuardedDial returns a DialContext that refuses private, loopback and
// link-local addresses (unless allowPrivate, or inside allowNetworks CIDR
// ranges) for every host but ownHosts: the crawl's rule, for other code
// that fetches external pages.
func GuardedDial(timeout time.Duration, allowPrivate bool, allowNetworks, ownHosts []string) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	d := &guardedDialer{
		dialer:       &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second},
		resolver:     net.DefaultResolver,
		allowPrivate: allowPrivate,
		ownHosts:     map[string]bool{},
	}
	for _, n := range allowNetworks {
		_, ipn, err := net.ParseCIDR(n)
		if err != nil {
			return nil, fmt.Errorf("allow_networks: %w", err)
		}
		d.allowNets = append(d.allowNets, ipn)
	}
	for _, h := range ownHosts {
		if hh, _, err := net.SplitHostPort(h); err == nil {
			h = hh
		}
		d.ownHosts[strings.ToLower(h)] = true
	}
	return d.DialContext, nil
}

func (d *guardedDialer) allowed(ip net.IP) bool {
	if d.allowPrivate || !IsPrivateIP(ip) {
		return true
	}
	for _, n := range d.allowNets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func (d *guardedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if d.ownHosts[strings.ToLower(host)] {
		return d.dialer.DialContext(ctx, network, addr)
	}
	var ips []net.IPAddr
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IPAddr{{IP: ip}}
	} else {
		ips, err = d.resolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, err
		}
	}
	var lastErr error = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	for _, ip := range ips {
		if !d.allowed(ip.IP) {
			lastErr = fmt.Errorf("dial %s (%s): %w", host, ip.IP, ErrPrivateAddress)
			continue
		}
		c, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// IsPrivateIP reports loopback, private (RFC 1918, fc00::/7), link-local,
// unspecified, CGNAT (100.64/10) and multicast addresses.
func IsPrivateIP(ip net.IP) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	if v4 := ip.To4(); v4 != nil && v4[0] == 100 && v4[1]&0xC0 == 64 {
		return true
	}
	return false
}
