package netpolicy

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the connections accepted: a tunnel that reaches
// a service counts even when no HTTP request follows.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// internalConns is a service on 127.0.0.2 that counts every connection.
func internalConns(t *testing.T) (addr string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	cl := &countingListener{Listener: ln}
	srv := &httptest.Server{Listener: cl, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "内网系统")
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	return ln.Addr().String(), &cl.n
}

// rebinding answers a name public on its first lookup and internal on
// every later one: a check that resolves, followed by a connection that
// resolves again, is fooled; one resolution that is checked and dialled is
// not.
type rebinding struct {
	name    string
	private string
	calls   atomic.Int64
}

func (r *rebinding) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	if host != r.name {
		return resolver.LookupIPAddr(ctx, host)
	}
	if r.calls.Add(1) == 1 {
		return []net.IPAddr{{IP: net.ParseIP("203.0.113.7")}}, nil
	}
	return []net.IPAddr{{IP: net.ParseIP(r.private)}}, nil
}

// proxyClient is a Go client that goes through bp, trusting roots for
// https.
func proxyClient(bp *BrowserProxy, roots *x509.CertPool) *http.Client {
	pu, _ := url.Parse("http://" + bp.Addr())
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy:           http.ProxyURL(pu),
		TLSClientConfig: &tls.Config{RootCAs: roots},
	}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func startProxy(t *testing.T, p *Policy) *BrowserProxy {
	t.Helper()
	bp, err := p.StartBrowserProxy(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bp.Close() })
	return bp
}

// TestBrowserProxyGuard: through the proxy the site answers, and nothing
// reaches the internal service, however it is named: address, decimal
// form, a name resolving inside, a name that rebinds between a check and
// a connection (Allow is fooled by it; the proxy is not), the proxy's own
// address, over plain http and CONNECT.
func TestBrowserProxyGuard(t *testing.T) {
	inner, conns := internalConns(t)
	_, innerPort, _ := net.SplitHostPort(inner)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "site") }))
	defer site.Close()
	tlsSite := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tls site") }))
	defer tlsSite.Close()
	rb := &rebinding{name: "rebind.example", private: "127.0.0.2"}
	p := testPolicy(t, func(o *Options) {
		o.SiteHosts = []string{strings.TrimPrefix(site.URL, "http://")}
		o.Resolver = rb
	})
	if err := p.Allow(context.Background(), mustURL(t, "http://rebind.example:"+innerPort+"/")); err != nil {
		t.Fatalf("the rebinding name should fool Allow's look-up (first answer public): %v", err)
	}
	bp := startProxy(t, p)
	roots := x509.NewCertPool()
	roots.AddCert(tlsSite.Certificate())
	c := proxyClient(bp, roots)
	_, proxyPort, _ := net.SplitHostPort(bp.Addr())

	for _, tc := range []struct{ name, url, want string }{
		{"site", site.URL + "/", "site"},
		{"site-https-tunnel", tlsSite.URL + "/", "tls site"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Get(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != tc.want {
				t.Errorf("%s: %d %q", tc.url, resp.StatusCode, b)
			}
		})
	}
	for _, tc := range []struct{ name, url string }{
		{"address", "http://" + inner + "/"},
		{"decimal", "http://2130706434:" + innerPort + "/"},
		{"mapped", "http://[::ffff:127.0.0.2]:" + innerPort + "/"},
		{"name-inside", "http://intranet.example:" + innerPort + "/"},
		{"rebinding", "http://rebind.example:" + innerPort + "/"},
		{"tunnel-address", "https://" + inner + "/"},
		{"tunnel-name", "https://intranet.example:" + innerPort + "/"},
		{"proxy-itself", "http://127.0.0.1:" + proxyPort + "/"},
		{"proxy-itself-any", "http://0.0.0.0:" + proxyPort + "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Get(tc.url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", tc.url, resp.StatusCode)
				}
			} else if !strings.Contains(err.Error(), "Forbidden") {
				t.Errorf("%s: %v, want a refused tunnel", tc.url, err)
			}
		})
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("internal service reached %d times", n)
	}
	st := bp.Stats()
	if st.Refused != 9 || st.Tunnels != 3 || len(st.RefusedHosts) == 0 {
		t.Errorf("stats %+v, want 9 refused, 3 tunnels", st)
	}
}

// TestBrowserProxyLimits: requests through the proxy share the run's
// per-host limiter: a 429 the browser got throttles the host for every
// client, tunnels take a rate token, and a slow answer is cut at the
// policy's timeout.
func TestBrowserProxyLimits(t *testing.T) {
	var hits atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/busy":
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/slow":
			// Far slower than the timeout, so that a proxy without it
			// could not pass under any load; done when the proxy hangs up.
			select {
			case <-time.After(10 * time.Second):
			case <-r.Context().Done():
			}
		}
	}))
	defer site.Close()
	host := strings.TrimPrefix(site.URL, "http://")
	p := testPolicy(t, func(o *Options) { o.SiteHosts = []string{host}; o.Timeout = 500 * time.Millisecond })
	bp := startProxy(t, p)
	c := proxyClient(bp, nil)
	resp, err := c.Get(site.URL + "/busy")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := p.HostState(mustURL(t, site.URL)); st.Throttled != 1 || st.PausedUntil.IsZero() {
		t.Errorf("a 429 through the proxy left the host state %+v", st)
	}
	start := time.Now()
	resp, err = c.Get(site.URL + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// 1.5 s expected; 6 s leaves a loaded machine room (it took 2.7 s at
	// a load average of ~20) and still tells it from the 11 s without
	// the timeout.
	if resp.StatusCode != http.StatusGatewayTimeout || time.Since(start) > 6*time.Second {
		t.Errorf("slow answer: %d after %v, want 504 at the 500ms timeout (after the 1s Retry-After pause)", resp.StatusCode, time.Since(start))
	}
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Errorf("the Retry-After pause was not honoured: %v", el)
	}
}

// TestBrowserProxyTunnelIdleAndClose: a tunnel where nothing moves is
// closed after twice the timeout; Close ends tunnels still open.
func TestBrowserProxyTunnelIdleAndClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // never answers
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	p := testPolicy(t, func(o *Options) { o.SiteHosts = []string{"127.0.0.1"}; o.Timeout = 200 * time.Millisecond })
	bp := startProxy(t, p)
	open := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", bp.Addr())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", ln.Addr(), ln.Addr())
		r := bufio.NewReader(c)
		line, err := r.ReadString('\n')
		if err != nil || !strings.Contains(line, " 200 ") {
			t.Fatalf("CONNECT answer %q, %v", line, err)
		}
		for {
			l, err := r.ReadString('\n')
			if err != nil || l == "\r\n" {
				break
			}
		}
		return c, r
	}
	c, r := open()
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("idle tunnel: %v, want EOF", err)
	}
	if el := time.Since(start); el < 300*time.Millisecond || el > 5*time.Second {
		t.Errorf("idle tunnel closed after %v, want about 400ms", el)
	}
	c.Close()
	c2, r2 := open()
	defer c2.Close()
	done := make(chan struct{})
	go func() { bp.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the open tunnel")
	}
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r2.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("tunnel after Close: %v, want EOF", err)
	}
}

// TestBrowserProxyBodyCap: a plain http answer stops at the page limit.
func TestBrowserProxyBodyCap(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 3<<20))
	}))
	defer site.Close()
	p := testPolicy(t, func(o *Options) { o.SiteHosts = []string{"127.0.0.1"}; o.MaxPageBytes = 1 << 20 })
	c := proxyClient(startProxy(t, p), nil)
	resp, err := c.Get(site.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n > 1<<20+1 {
		t.Errorf("read %d bytes through the proxy, want at most %d", n, 1<<20+1)
	}
}

func TestParseConnectTarget(t *testing.T) {
	for _, tc := range []struct {
		in, host, port string
		ok             bool
	}{
		{"www.example.gov.cn:443", "www.example.gov.cn", "443", true},
		{"127.0.0.2:8080", "127.0.0.2", "8080", true},
		{"[::1]:443", "::1", "443", true},
		{"a_b.example:80", "a_b.example", "80", true},
		{"example.gov.cn", "", "", false},
		{":443", "", "", false},
		{"host:0", "", "", false},
		{"host:65536", "", "", false},
		{"host:+443", "", "", false},
		{"host:0443", "", "", false},
		{"[fe80::1%eth0]:443", "", "", false},
		{"user@host:443", "", "", false},
		{"host/path:443", "", "", false},
		{"ho st:443", "", "", false},
		{"中文.cn:443", "", "", false},
	} {
		h, p, err := ParseConnectTarget(tc.in)
		if (err == nil) != tc.ok || h != tc.host || p != tc.port {
			t.Errorf("ParseConnectTarget(%q) = %q, %q, %v", tc.in, h, p, err)
		}
	}
}

// FuzzParseConnectTarget: the authority of a CONNECT line comes from the
// browser, which a page steers; whatever it is, what is accepted joins
// back into one host:port with a host of the allowed characters.
func FuzzParseConnectTarget(f *testing.F) {
	for _, s := range []string{"www.example.gov.cn:443", "[::1]:80", "127.0.0.1:0", "a:b:c", "[::ffff:10.0.0.1]:443", "%00:1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, p, err := ParseConnectTarget(s)
		if err != nil {
			return
		}
		h2, p2, err := net.SplitHostPort(net.JoinHostPort(h, p))
		if err != nil || h2 != h || p2 != p {
			t.Fatalf("%q: %q %q does not round-trip", s, h, p)
		}
		if strings.ContainsAny(h, "/@ \t\r\n%") {
			t.Fatalf("%q: host %q", s, h)
		}
	})
}

// lookups counts the names the guard looks up, answering each with a
// documentation address.
type lookups struct {
	mu    sync.Mutex
	names map[string]int
}

func (l *lookups) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names[host]++
	return []net.IPAddr{{IP: net.ParseIP("192.0.2.1")}}, nil
}

// TestBrowserProxyDropsBrowserServices: Chromium's own service calls
// (component updates over plain http, sign-in and updates through
// CONNECT) answer 403 before their names are even looked up, counted
// apart from the policy's refusals; another public name is looked up as
// before.
func TestBrowserProxyDropsBrowserServices(t *testing.T) {
	l := &lookups{names: map[string]int{}}
	p := testPolicy(t, func(o *Options) {
		o.Resolver = l
		o.Timeout = 300 * time.Millisecond
	})
	bp := startProxy(t, p)
	c := proxyClient(bp, nil)
	for _, u := range []string{
		"http://clients2.google.com/service/update2/crx?os=linux",
		"https://accounts.google.com/ListAccounts",
		"https://update.googleapis.com/service/update2/json",
		"http://Update.GoogleAPIs.com./x",
	} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", u, resp.StatusCode)
			}
		} else if !strings.Contains(err.Error(), "Forbidden") {
			t.Errorf("%s: %v, want a refused tunnel", u, err)
		}
	}
	// A page's own public host is looked up (and, 192.0.2.1 being
	// unreachable, fails): the drop is by name, not a blanket refusal.
	if resp, err := c.Get("http://www.example.gov.cn/"); err == nil {
		resp.Body.Close()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for name, n := range l.names {
		if browserService(name) {
			t.Errorf("%s looked up %d times", name, n)
		}
	}
	if l.names["www.example.gov.cn"] == 0 {
		t.Errorf("the page's host was not looked up: %v", l.names)
	}
	st := bp.Stats()
	if st.BrowserOwn != 4 || st.Refused != 0 {
		t.Errorf("stats %+v, want 4 browser calls dropped and no refusals", st)
	}
}
