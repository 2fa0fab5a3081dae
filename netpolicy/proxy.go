package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// BrowserProxy is a forward HTTP proxy on loopback through which a browser
// of the run reaches the network. Chromium is started with --proxy-server
// pointing at it and nothing bypassing it (not even loopback), so every
// connection the browser makes — page loads, subresources, favicons,
// navigations and their redirects, frames, dedicated, shared and service
// workers' fetches, WebSockets, prefetches and preconnects — arrives here
// as a plain http request or a CONNECT tunnel, and the proxy applies the
// policy to it:
//
//   - the guard on the address actually dialled: a name is resolved once,
//     here, every address checked and the allowed one dialled by address,
//     so a name that answers public to a check and private to the browser
//     (DNS rebinding) gets nowhere; the site's own hosts and
//     crawl.allow_networks pass as for every request;
//   - the per-host slot and rate shared with every request of the run:
//     each plain http request is one request, its answer observed (429,
//     503, Retry-After); an https or ws/wss tunnel is one request when it
//     opens (what runs inside is encrypted);
//   - the request timeout (from the end of the politeness wait to the end
//     of the answer's headers, and of its body for plain http), a tunnel
//     idle for twice that is closed, and a plain http answer is cut after
//     the page byte limit.
//
// Refused requests answer 403 (a tunnel is not opened) and are counted in
// Stats. The proxy refuses its own address, so a page cannot make the
// browser loop through it. Chromium's own service calls (component
// updates, sign-in, safe browsing, field trials), which it makes despite
// its flags, answer 403 before any name is looked up: they are not the
// page's, and an inspection has no reason to reach Google.
type BrowserProxy struct {
	p    *Policy
	log  *slog.Logger
	ln   net.Listener
	srv  *http.Server
	dial *dialer
	rt   *http.Transport
	rp   *httputil.ReverseProxy
	port string
	idle time.Duration

	mu      sync.Mutex
	conns   map[net.Conn]struct{} // both ends of open tunnels
	closed  bool
	refused []string        // refused hosts, first maxRefusedHosts
	seen    map[string]bool // refused hosts logged at info, at most maxLoggedHosts
	wg      sync.WaitGroup

	requests, tunnels, nrefused, own atomic.Int64
}

// browserServiceHosts are the hosts of Chromium's own services, as seen
// going out through the proxy in benchmark runs (update, accounts) and as
// Chromium's source names them (safe browsing, optimisation hints,
// autofill, variations, component downloads).
var browserServiceHosts = map[string]bool{
	"accounts.google.com":                     true,
	"android.clients.google.com":              true,
	"clients1.google.com":                     true,
	"clients2.google.com":                     true,
	"clients2.googleusercontent.com":          true,
	"clientservices.googleapis.com":           true,
	"content-autofill.googleapis.com":         true,
	"edgedl.me.gvt1.com":                      true,
	"optimizationguide-pa.googleapis.com":     true,
	"redirector.gvt1.com":                     true,
	"safebrowsing.googleapis.com":             true,
	"safebrowsingohttpgateway.googleapis.com": true,
	"update.googleapis.com":                   true,
}

// browserService reports whether host (no port) is one of Chromium's own
// services.
func browserService(host string) bool {
	return browserServiceHosts[strings.TrimSuffix(strings.ToLower(host), ".")]
}

// dropOwn answers one of Chromium's own service calls with 403, counted
// apart from the policy's refusals.
func (bp *BrowserProxy) dropOwn(w http.ResponseWriter, host string) {
	bp.own.Add(1)
	bp.log.Debug("browser's own service call dropped", "host", host)
	http.Error(w, "xunjian: browser service calls are not forwarded", http.StatusForbidden)
}

// maxRefusedHosts bounds the refused hosts Stats lists; maxLoggedHosts
// those logged at info.
const (
	maxRefusedHosts = 20
	maxLoggedHosts  = 256
)

// ProxyStats counts what a BrowserProxy handled.
type ProxyStats struct {
	// Requests are plain http requests forwarded (or refused).
	Requests int64 `json:"requests"`
	// Tunnels are CONNECT tunnels asked for (https, ws, wss).
	Tunnels int64 `json:"tunnels"`
	// Refused counts requests and tunnels the guard refused.
	Refused int64 `json:"refused"`
	// RefusedHosts are the first refused host:port pairs, each once.
	RefusedHosts []string `json:"refused_hosts,omitempty"`
	// BrowserOwn counts Chromium's own service calls (updates, sign-in…)
	// answered 403 without leaving the machine.
	BrowserOwn int64 `json:"browser_own"`
}

// StartBrowserProxy starts a BrowserProxy on 127.0.0.1 (a free port);
// Close stops it. log gets one line per refused request (nil: none).
func (p *Policy) StartBrowserProxy(log *slog.Logger) (*BrowserProxy, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("browser proxy: %w", err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	bp := &BrowserProxy{p: p, log: log, ln: ln, port: port, idle: 2 * p.o.Timeout, conns: map[net.Conn]struct{}{}, seen: map[string]bool{}}
	bp.dial = newDialer(p.guard, p.o.Timeout, "")
	bp.dial.deny = bp.self
	bp.rt = &http.Transport{
		DialContext:           bp.dial.DialContext,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   max(p.o.Concurrency, 2),
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: p.o.Timeout,
		DisableCompression:    true, // the browser's Accept-Encoding and its decoding
	}
	discard := newDiscardLog()
	bp.rp = &httputil.ReverseProxy{
		// The outgoing request is the incoming one (absolute URL, Host
		// header), without hop-by-hop and X-Forwarded headers.
		Rewrite:      func(*httputil.ProxyRequest) {},
		Transport:    roundTripFunc(bp.roundTrip),
		ErrorHandler: bp.failed,
		ErrorLog:     discard,
	}
	bp.srv = &http.Server{
		Handler:           bp,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          discard,
	}
	bp.wg.Go(func() { bp.srv.Serve(ln) })
	return bp, nil
}

// Addr is the proxy's address, 127.0.0.1:port.
func (bp *BrowserProxy) Addr() string { return bp.ln.Addr().String() }

// Stats returns what the proxy handled so far.
func (bp *BrowserProxy) Stats() ProxyStats {
	bp.mu.Lock()
	hosts := append([]string(nil), bp.refused...)
	bp.mu.Unlock()
	return ProxyStats{Requests: bp.requests.Load(), Tunnels: bp.tunnels.Load(), Refused: bp.nrefused.Load(), RefusedHosts: hosts, BrowserOwn: bp.own.Load()}
}

// Close stops the proxy, ends its open tunnels and waits for them.
func (bp *BrowserProxy) Close() error {
	bp.mu.Lock()
	bp.closed = true
	for c := range bp.conns {
		c.Close()
	}
	bp.mu.Unlock()
	err := bp.srv.Close()
	bp.rt.CloseIdleConnections()
	bp.wg.Wait()
	return err
}

// self reports whether ip:port is the proxy itself (it listens on
// 127.0.0.1; 0.0.0.0 and other loopback forms reach it too).
func (bp *BrowserProxy) self(ip netip.Addr, port string) bool {
	ip = ip.WithZone("").Unmap()
	return port == bp.port && (ip.IsLoopback() || ip.IsUnspecified())
}

func (bp *BrowserProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		bp.connect(w, r)
		return
	}
	if !r.URL.IsAbs() || r.URL.Host == "" || !strings.EqualFold(r.URL.Scheme, "http") {
		// A request for the proxy itself, or https/ftp in absolute form,
		// which browsers send as CONNECT or not at all.
		http.Error(w, "xunjian browser proxy: absolute http URL or CONNECT expected", http.StatusBadRequest)
		return
	}
	bp.requests.Add(1)
	bp.log.Debug("browser request", "method", r.Method, "host", r.URL.Host)
	if r.Header.Get("Upgrade") != "" {
		// Browsers tunnel WebSockets with CONNECT; an upgrade in a plain
		// request is not forwarded.
		http.Error(w, "xunjian browser proxy: upgrade not supported, use CONNECT", http.StatusNotImplemented)
		return
	}
	if browserService(r.URL.Hostname()) {
		bp.dropOwn(w, r.URL.Host)
		return
	}
	if err := bp.p.guard.checkURL(r.URL); err != nil {
		bp.refuse(w, r.URL.Host, err)
		return
	}
	bp.rp.ServeHTTP(w, r)
}

// roundTrip forwards one plain http request: the host's slot and rate,
// then the timeout, the guarded dial, the answer observed and its body
// capped; the slot is freed when the body is closed.
func (bp *BrowserProxy) roundTrip(req *http.Request) (*http.Response, error) {
	key := limitKey(req.URL)
	release, err := bp.p.limits.acquire(req.Context(), key)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(req.Context(), bp.p.o.Timeout)
	done := sync.OnceFunc(func() { cancel(); release() })
	resp, err := bp.rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		done()
		return nil, err
	}
	bp.p.limits.observe(key, resp.StatusCode, resp.Header)
	resp.Body = &cappedBody{rc: resp.Body, limit: bp.p.Limit(Crawl), left: bp.p.Limit(Crawl), done: done}
	return resp, nil
}

// failed answers a forwarded request that got no answer.
func (bp *BrowserProxy) failed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrPrivateAddress) {
		bp.refuse(w, r.URL.Host, err)
		return
	}
	status := http.StatusBadGateway
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		status = http.StatusGatewayTimeout
	}
	http.Error(w, "xunjian browser proxy: no answer", status)
}

// refuse answers 403 for a host the guard refused, and counts it.
func (bp *BrowserProxy) refuse(w http.ResponseWriter, host string, err error) {
	bp.nrefused.Add(1)
	bp.mu.Lock()
	first := !bp.seen[host] && len(bp.seen) < maxLoggedHosts
	if first {
		bp.seen[host] = true
	}
	if first && len(bp.refused) < maxRefusedHosts {
		bp.refused = append(bp.refused, host)
	}
	bp.mu.Unlock()
	// One line a host at info, for the first hosts (a page can ask
	// thousands of times, of thousands of addresses).
	level := slog.LevelDebug
	if first {
		level = slog.LevelInfo
	}
	bp.log.Log(context.Background(), level, "browser request refused", "host", host, "err", err)
	http.Error(w, "xunjian: refused by the outbound policy", http.StatusForbidden)
}

// connect opens a CONNECT tunnel: the target checked and dialled through
// the guard after the host's slot and rate, then bytes copied both ways
// until either side closes or the tunnel stays idle.
func (bp *BrowserProxy) connect(w http.ResponseWriter, r *http.Request) {
	bp.tunnels.Add(1)
	host, port, err := ParseConnectTarget(r.Host)
	if err != nil {
		http.Error(w, "xunjian browser proxy: bad CONNECT target", http.StatusBadRequest)
		return
	}
	u := connectURL(host, port)
	bp.log.Debug("browser tunnel", "host", u.Host)
	if browserService(host) {
		bp.dropOwn(w, u.Host)
		return
	}
	if err := bp.p.guard.checkURL(u); err != nil {
		bp.refuse(w, u.Host, err)
		return
	}
	release, err := bp.p.limits.acquire(r.Context(), limitKey(u))
	if err != nil {
		http.Error(w, "xunjian browser proxy: cancelled", http.StatusServiceUnavailable)
		return
	}
	dctx, cancel := context.WithTimeout(r.Context(), bp.p.o.Timeout)
	up, err := bp.dial.DialContext(dctx, "tcp", u.Host)
	cancel()
	release()
	if err != nil {
		if errors.Is(err, ErrPrivateAddress) {
			bp.refuse(w, u.Host, err)
			return
		}
		http.Error(w, "xunjian browser proxy: no connection", http.StatusBadGateway)
		return
	}
	down, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return
	}
	if !bp.track(up, down) {
		up.Close()
		down.Close()
		return
	}
	if _, err := io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n"); err == nil {
		if n := brw.Reader.Buffered(); n > 0 {
			b, _ := brw.Reader.Peek(n)
			_, err = up.Write(b)
		}
		if err == nil {
			var last atomic.Int64
			last.Store(time.Now().UnixNano())
			var both sync.WaitGroup
			both.Go(func() { bp.pipe(up, down, &last) })
			both.Go(func() { bp.pipe(down, up, &last) })
			bp.wg.Go(func() {
				both.Wait()
				bp.untrack(up, down)
			})
			return
		}
	}
	bp.untrack(up, down)
}

// track registers a tunnel's connections so Close can end them; false
// once the proxy is closed.
func (bp *BrowserProxy) track(cs ...net.Conn) bool {
	bp.mu.Lock()
	defer bp.mu.Unlock()
	if bp.closed {
		return false
	}
	for _, c := range cs {
		bp.conns[c] = struct{}{}
	}
	return true
}

func (bp *BrowserProxy) untrack(cs ...net.Conn) {
	bp.mu.Lock()
	for _, c := range cs {
		delete(bp.conns, c)
	}
	bp.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
}

// pipe copies src to dst until src ends (then half-closes dst) or fails,
// or neither direction of the tunnel moved a byte for the idle time.
func (bp *BrowserProxy) pipe(dst, src net.Conn, last *atomic.Int64) {
	buf := make([]byte, 32<<10)
	for {
		src.SetReadDeadline(time.Now().Add(bp.idle))
		n, err := src.Read(buf)
		if n > 0 {
			last.Store(time.Now().UnixNano())
			dst.SetWriteDeadline(time.Now().Add(bp.idle))
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && time.Since(time.Unix(0, last.Load())) < bp.idle {
			continue // the other direction is busy
		}
		if errors.Is(err, io.EOF) {
			if cw, ok := dst.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
				return
			}
		}
		break
	}
	dst.Close()
	src.Close()
}

// ParseConnectTarget reads the authority of a CONNECT request (host:port,
// [v6]:port): a host name of letters, digits, '-', '_' and '.' or an IP
// address, and a port from 1 to 65535. host comes back without brackets.
func ParseConnectTarget(authority string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(authority)
	if err != nil {
		return "", "", fmt.Errorf("CONNECT %q: %w", authority, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", "", fmt.Errorf("CONNECT %q: bad port", authority)
	}
	if host == "" || len(host) > 253 {
		return "", "", fmt.Errorf("CONNECT %q: bad host", authority)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return "", "", fmt.Errorf("CONNECT %q: zoned address", authority)
		}
		return host, port, nil
	}
	for _, c := range host {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return "", "", fmt.Errorf("CONNECT %q: bad host", authority)
		}
	}
	return host, port, nil
}

// connectURL is a CONNECT target as the URL the guard and the limiter
// know it by: port 80 is http (a ws:// tunnel), any other https.
func connectURL(host, port string) *url.URL {
	scheme := "https"
	if port == "80" {
		scheme = "http"
	}
	return &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port)}
}

// cappedBody ends a forwarded answer after its byte limit and frees the
// host's slot when closed.
type cappedBody struct {
	rc          io.ReadCloser
	limit, left int64
	done        func()
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		if n, err := b.rc.Read(one[:]); n == 0 && err != nil {
			return 0, err // ended at the limit
		}
		return 0, fmt.Errorf("answer larger than %d bytes: cut", b.limit)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error {
	err := b.rc.Close()
	b.done()
	return err
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// newDiscardLog is a log.Logger for net/http's own complaints (a browser
// closing a connection early), which are not the run's business.
func newDiscardLog() *log.Logger { return log.New(io.Discard, "", 0) }
