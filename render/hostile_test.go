package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xunjian/xunjian/netpolicy"
)

// intranet is a service on 127.0.0.2 standing for a host inside the
// government network (the inspected site is on 127.0.0.1): it counts every
// TCP connection (a tunnel or a preconnect counts without a request), the
// paths requested, and every UDP datagram on a port of its own (WebRTC's
// STUN/TURN, WebTransport's QUIC).
type intranet struct {
	http, udp string // host:port
	port      string
	conns     atomic.Int64
	datagrams atomic.Int64
	mu        sync.Mutex
	paths     map[string]int
}

type countConns struct {
	net.Listener
	n *atomic.Int64
}

func (l countConns) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func newIntranet(t *testing.T) *intranet {
	t.Helper()
	in := &intranet{paths: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		if ciNeeds() {
			t.Fatalf("cannot listen on 127.0.0.2: %v", err)
		}
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	srv := &httptest.Server{Listener: countConns{ln, &in.conns}, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.mu.Lock()
		in.paths[r.URL.Path]++
		in.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		io.WriteString(w, `<html><body style="background:#c00"><h1>内网管理系统 INTERNAL</h1></body></html>`)
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	in.http = ln.Addr().String()
	_, in.port, _ = net.SplitHostPort(in.http)
	pc, err := net.ListenPacket("udp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	in.udp = pc.LocalAddr().String()
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			in.datagrams.Add(1)
		}
	}()
	return in
}

func (in *intranet) hitPaths() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []string
	for p := range in.paths {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ciNeeds: under CI, what a test needs must be there.
func ciNeeds() bool { return os.Getenv("CI") != "" }

// hostilePage reaches for the intranet every way a page can: subresources
// (img by address, by a name resolving inside, in decimal form; iframe,
// stylesheet, CSS background, script), favicon, prefetch, preconnect,
// dns-prefetch, fetch, XHR, WebSocket, EventSource, beacon, a dedicated
// worker's fetch, a service worker's fetches, WebRTC (STUN/TURN over UDP
// and TURN over TCP) and WebTransport.
func hostilePage(in *intranet) string {
	_, udpPort, _ := net.SplitHostPort(in.udp)
	r := strings.NewReplacer("{I}", "http://"+in.http, "{N}", "http://intranet.test:"+in.port, "{D}", "http://2130706434:"+in.port,
		"{P}", in.port, "{U}", udpPort)
	return r.Replace(`<!doctype html><html><head><meta charset="utf-8">
<link rel="icon" href="{I}/favicon.ico">
<link rel="prefetch" href="{I}/prefetch">
<link rel="preconnect" href="{I}">
<link rel="dns-prefetch" href="//intranet.test">
<link rel="stylesheet" href="{I}/style.css">
<style>body{background:url({I}/bg.png)}</style>
</head><body><h1>县政府门户网站</h1>
<img src="{I}/img.png"><img src="{N}/name.png"><img src="{D}/decimal.png">
<iframe src="{I}/frame"></iframe>
<script src="{I}/script.js" async></script>
<script>
fetch('{I}/fetch').catch(function(){});
var x = new XMLHttpRequest(); x.open('GET', '{I}/xhr'); x.send();
try { new WebSocket('ws://127.0.0.2:{P}/ws'); } catch (e) {}
try { new EventSource('{I}/sse'); } catch (e) {}
try { navigator.sendBeacon('{I}/beacon', 'x'); } catch (e) {}
try { new Worker('/worker.js'); } catch (e) {}
if (navigator.serviceWorker) navigator.serviceWorker.register('/sw.js').catch(function(){});
try {
  var pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.2:{U}'},
    {urls: ['turn:127.0.0.2:{U}?transport=udp', 'turn:127.0.0.2:{P}?transport=tcp'], username: 'u', credential: 'c'}]});
  pc.createDataChannel('x');
  pc.createOffer().then(function(o){ return pc.setLocalDescription(o); }).catch(function(){});
} catch (e) {}
try { new WebTransport('https://127.0.0.2:{U}/wt').ready.catch(function(){}); } catch (e) {}
</script></body></html>`)
}

// hostileSite serves the hostile page, its worker scripts, and pages
// that navigate away in each way; /canary counts what reached the site.
func hostileSite(t *testing.T, in *intranet) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var scripts atomic.Int64
	i := "http://" + in.http
	nav := func(body string) string {
		return `<html><head><meta charset="utf-8">` + body + `</head><body><h1>县政府门户网站</h1><p>首页内容</p></body></html>`
	}
	pages := map[string]string{
		"/":         hostilePage(in),
		"/meta":     nav(`<meta http-equiv="refresh" content="0;url=` + i + `/meta">`),
		"/js":       nav(`<script>setTimeout(function(){ location.href = '` + i + `/js'; }, 50);</script>`),
		"/name":     nav(`<script>location.replace('http://intranet.test:` + in.port + `/name');</script>`),
		"/offsite":  nav(`<script>location.href = 'http://www.example.com/';</script>`),
		"/hop":      nav(`<script>location.href = '/redirect';</script>`),
		"/form":     nav(`<script>window.onload = function(){ var f = document.createElement('form'); f.method = 'POST'; f.action = '` + i + `/form'; document.body.appendChild(f); f.submit(); };</script>`),
		"/blank":    nav(`<script>setTimeout(function(){ location.href = 'about:blank'; }, 50);</script>`),
		"/samesite": nav(`<script>location.href = '/landing';</script>`),
		"/landing":  nav(``),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/worker.js":
			scripts.Add(1)
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, "fetch('%s/worker-fetch').catch(function(){});", i)
			return
		case "/sw.js":
			scripts.Add(1)
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, "fetch('%[1]s/sw-eval').catch(function(){});\nself.addEventListener('install', function(e){ e.waitUntil(fetch('%[1]s/sw-install').catch(function(){})); });\nself.addEventListener('activate', function(e){ fetch('%[1]s/sw-activate').catch(function(){}); });", i)
			return
		case "/redirect":
			http.Redirect(w, r, i+"/hop", http.StatusFound)
			return
		}
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &scripts
}

// hostilePolicy is the run's policy for the site on 127.0.0.1, with
// intranet.test resolving to the intranet; open adds 127.0.0.2 to
// allow_networks.
func hostilePolicy(t *testing.T, site string, open bool) *netpolicy.Policy {
	return sitePolicy(t, site, func(o *netpolicy.Options) {
		o.Resolver = mapResolver{"intranet.test": "127.0.0.2"}
		o.Timeout = 5 * time.Second
		if open {
			o.AllowNetworks = []string{"127.0.0.2/32"}
		}
	})
}

type mapResolver map[string]string

func (m mapResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	if a, ok := m[host]; ok {
		return []net.IPAddr{{IP: net.ParseIP(a)}}, nil
	}
	return nil, &net.DNSError{Err: "no such host (test)", Name: host, IsNotFound: true}
}

// TestHostilePageReachesNoIntranet: a page reaching for an internal
// service in every way a page can (see hostilePage) is rendered; with the
// policy's allow_networks opened to the service (the control) the same
// page reaches it through most of those ways, so each one is live; with
// the default policy nothing reaches it: no TCP connection, no UDP
// datagram.
func TestHostilePageReachesNoIntranet(t *testing.T) {
	needBrowser(t)
	for _, open := range []bool{true, false} {
		name := "guarded"
		if open {
			name = "control-allowed"
		}
		t.Run(name, func(t *testing.T) {
			in := newIntranet(t)
			site, scripts := hostileSite(t, in)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			// The control also leaves WebRTC's UDP alone, to show that
			// the page does send datagrams when nothing stops it.
			b, err := Start(ctx, Config{Tabs: 1, Timeout: 20 * time.Second, Policy: hostilePolicy(t, site.URL, open), webrtcUDP: open})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if _, err := b.DOM(ctx, site.URL+"/", 1<<20); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond) // the service worker's late fetches
			paths, conns, grams := in.hitPaths(), in.conns.Load(), in.datagrams.Load()
			st := b.ProxyStats()
			t.Logf("intranet: %d connections, %d datagrams, paths %v; proxy %+v; site scripts %d", conns, grams, paths, st, scripts.Load())
			if scripts.Load() < 2 {
				t.Errorf("the worker and service worker scripts were fetched %d times, want both", scripts.Load())
			}
			if open {
				for _, want := range []string{"/img.png", "/name.png", "/decimal.png", "/frame", "/fetch", "/xhr", "/ws", "/worker-fetch", "/sw-eval"} {
					if !containsPath(paths, want) {
						t.Errorf("control: %s did not reach the allowed service: the page's mechanism is dead, so the guarded run proves nothing for it", want)
					}
				}
				if grams == 0 {
					t.Error("control: no WebRTC datagram reached the service with UDP left alone")
				}
				return
			}
			if conns != 0 || grams != 0 || len(paths) != 0 {
				t.Errorf("the intranet was reached: %d connections, %d datagrams, paths %v", conns, grams, paths)
			}
			if st.Refused < 8 || st.Requests+st.Tunnels == 0 {
				t.Errorf("proxy stats %+v: the refusals were not the proxy's", st)
			}
		})
	}
}

func containsPath(paths []string, p string) bool {
	for _, x := range paths {
		if x == p {
			return true
		}
	}
	return false
}

// TestNavigationAwayIsRefused: a page whose main frame leaves for an
// internal address (meta refresh, script, a name resolving inside, a
// same-site page redirecting inside, the page itself redirecting inside,
// a form), another site, or about:blank is
// not rendered: Render, DOM and Outline fail with a *LeftPageError and no
// screenshot, and nothing reaches the intranet; a same-site navigation
// renders.
func TestNavigationAwayIsRefused(t *testing.T) {
	needBrowser(t)
	in := newIntranet(t)
	site, _ := hostileSite(t, in)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b, err := Start(ctx, Config{Tabs: 2, Timeout: 15 * time.Second, Policy: hostilePolicy(t, site.URL, false)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, tc := range []struct{ path, to string }{
		{"/meta", "127.0.0.2"}, {"/js", "127.0.0.2"}, {"/name", "intranet.test"}, {"/offsite", "www.example.com"},
		{"/hop", "127.0.0.2"}, {"/redirect", "127.0.0.2"}, {"/form", "127.0.0.2"}, {"/blank", "about:blank"},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			res, err := b.Render(ctx, site.URL+tc.path)
			var left *LeftPageError
			if !errors.As(err, &left) {
				t.Fatalf("Render: %v, want a LeftPageError", err)
			}
			if res != nil {
				t.Error("a result (and screenshot) for a page that left")
			}
			if !strings.Contains(left.To, tc.to) {
				t.Errorf("left to %q, want %q", left.To, tc.to)
			}
			if _, err := b.DOM(ctx, site.URL+tc.path, 1<<20); !errors.As(err, &left) {
				t.Errorf("DOM: %v, want a LeftPageError", err)
			}
		})
	}
	if _, err := b.Outline(ctx, site.URL+"/js", 0); !errors.As(err, new(*LeftPageError)) {
		t.Errorf("Outline: %v, want a LeftPageError", err)
	}
	res, err := b.Render(ctx, site.URL+"/samesite")
	if err != nil || len(res.Screenshot) == 0 {
		t.Errorf("same-site navigation: %v", err)
	}
	if n, p := in.conns.Load(), in.hitPaths(); n != 0 || len(p) != 0 {
		t.Errorf("the intranet was reached: %d connections, paths %v", n, p)
	}
	if st := b.ProxyStats(); containsPath(st.RefusedHosts, "www.example.com:80") {
		t.Errorf("the off-site navigation reached the proxy (it should stop in the tab): %+v", st)
	}
}
