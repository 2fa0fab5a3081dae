package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseHostAddr(t *testing.T) {
	for _, tc := range []struct {
		name, host, want string // want "" means: a name, not an address
	}{
		{"dotted", "127.0.0.2", "127.0.0.2"},
		{"decimal", "2130706434", "127.0.0.2"},
		{"hex", "0x7f000002", "127.0.0.2"},
		{"hex-upper", "0X7F000002", "127.0.0.2"},
		{"octal-dotted", "0177.0.0.02", "127.0.0.2"},
		{"octal-whole", "017700000002", "127.0.0.2"},
		{"hex-dotted", "0x7f.0x0.0x0.0x2", "127.0.0.2"},
		{"short-two-parts", "127.2", "127.0.0.2"},
		{"short-three-parts", "127.0.2", "127.0.0.2"},
		{"trailing-dot", "127.0.0.2.", "127.0.0.2"},
		{"zero", "0", "0.0.0.0"},
		{"ipv6-bracketed", "[::1]", "::1"},
		{"ipv4-mapped", "::ffff:127.0.0.2", "::ffff:127.0.0.2"},
		{"ipv4-mapped-hex", "[::ffff:7f00:2]", "::ffff:127.0.0.2"},
		{"zone", "fe80::1%eth0", "fe80::1%eth0"},
		{"name", "www.gov.cn", ""},
		{"localhost", "localhost", ""},
		{"numeric-label-name", "123.example", ""},
		{"five-parts", "1.2.3.4.5", ""},
		{"part-over-255", "256.1.1.1", ""},
		{"last-part-too-big", "1.2.65536", ""},
		{"bad-octal", "0189.0.0.1", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ip, ok := ParseHostAddr(tc.host)
			if tc.want == "" {
				if ok {
					t.Errorf("%q read as address %s", tc.host, ip)
				}
				return
			}
			if !ok || ip != netip.MustParseAddr(tc.want) {
				t.Errorf("%q = %v, %v; want %s", tc.host, ip, ok, tc.want)
			}
		})
	}
}

func TestIsPrivate(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", true}, {"127.255.255.254", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"172.31.255.255", true},
		{"192.168.1.1", true}, {"169.254.169.254", true}, {"100.64.0.1", true}, {"100.127.255.255", true},
		{"0.0.0.0", true}, {"0.1.2.3", true}, {"224.0.0.1", true}, {"255.255.255.255", true}, {"198.18.0.1", true},
		{"::1", true}, {"::", true}, {"fe80::1", true}, {"fc00::1", true}, {"fd12:3456::1", true}, {"ff02::1", true},
		{"fec0::1", true}, {"::ffff:10.0.0.1", true}, {"::ffff:127.0.0.1", true}, {"::127.0.0.1", true},
		{"64:ff9b::a00:1", true}, {"64:ff9b:1::1", true}, {"2002:7f00:1::", true}, {"2002:a00:1::1", true},
		{"8.8.8.8", false}, {"1.1.1.1", false}, {"100.128.0.1", false}, {"172.32.0.1", false}, {"202.96.134.133", false},
		{"2400:3200::1", false}, {"64:ff9b::808:808", false}, {"2002:808:808::1", false}, {"::ffff:8.8.8.8", false},
	} {
		t.Run(tc.ip, func(t *testing.T) {
			if got := IsPrivate(netip.MustParseAddr(tc.ip)); got != tc.want {
				t.Errorf("IsPrivate(%s) = %v, want %v", tc.ip, got, tc.want)
			}
			if got := IsPrivateIP(net.ParseIP(tc.ip)); got != tc.want {
				t.Errorf("IsPrivateIP(%s) = %v, want %v", tc.ip, got, tc.want)
			}
		})
	}
}

// internal is a service on 127.0.0.2 standing for an intranet host: the
// guard must keep every request away from it.
type internal struct {
	srv  *httptest.Server
	port string
	hits atomic.Int64
}

func newInternal(t *testing.T) *internal {
	t.Helper()
	in := &internal{}
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	in.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.hits.Add(1)
		w.Write([]byte(".secret{display:none} 内网"))
	})}}
	in.srv.Start()
	t.Cleanup(in.srv.Close)
	_, in.port, _ = net.SplitHostPort(ln.Addr().String())
	return in
}

// testResolver answers names from a table, like DNS that points a planted
// name at an internal address.
type testResolver map[string][]string

func (r testResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	addrs, ok := r[host]
	if !ok {
		return net.DefaultResolver.LookupIPAddr(ctx, host)
	}
	var out []net.IPAddr
	for _, a := range addrs {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	return out, nil
}

var resolver = testResolver{
	"intranet.example": {"127.0.0.2"},
	"mixed.example":    {"203.0.113.7", "127.0.0.2"},
	"public.example":   {"203.0.113.7"},
	"ext.example":      {"127.0.0.1"},
}

func testPolicy(t *testing.T, mutate func(*Options)) *Policy {
	t.Helper()
	o := Options{
		UserAgent: "xunjian-test", Concurrency: 4, Rate: 1000, Timeout: 2 * time.Second,
		MaxRetryAfter: time.Second, MaxPageBytes: 1 << 20, Resolver: resolver,
	}
	if mutate != nil {
		mutate(&o)
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(ctx context.Context, c *http.Client, u string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// hostForms are the spellings of the internal service's address (and of
// names pointing at it) that the guard must refuse.
func hostForms(port string) []struct{ name, url string } {
	return []struct{ name, url string }{
		{"dotted", "http://127.0.0.2:" + port + "/"},
		{"decimal", "http://2130706434:" + port + "/"},
		{"hex", "http://0x7f000002:" + port + "/"},
		{"octal", "http://0177.0.0.02:" + port + "/"},
		{"short", "http://127.2:" + port + "/"},
		{"trailing-dot", "http://127.0.0.2.:" + port + "/"},
		{"ipv4-mapped", "http://[::ffff:127.0.0.2]:" + port + "/"},
		{"ipv4-mapped-hex", "http://[::ffff:7f00:2]:" + port + "/"},
		{"userinfo", "http://www.gov.cn@127.0.0.2:" + port + "/"},
		{"userinfo-password", "http://user:pass@127.0.0.2:" + port + "/"},
		{"name-resolving-inside", "http://intranet.example:" + port + "/"},
		{"name-resolving-mixed", "http://mixed.example:" + port + "/"},
		{"localhost", "http://localhost:" + port + "/"},
		{"localhost-dot", "http://localhost.:" + port + "/"},
		{"unspecified", "http://0.0.0.0:" + port + "/"},
		{"unspecified-v6", "http://[::]:" + port + "/"},
		{"loopback-v6", "http://[::1]:" + port + "/"},
	}
}

// TestGuardRefusesHostForms requests the internal service directly under
// every spelling, for every purpose: nothing may reach it.
func TestGuardRefusesHostForms(t *testing.T) {
	in := newInternal(t)
	p := testPolicy(t, func(o *Options) { o.SiteHosts = []string{"www.example.gov.cn"} })
	for _, purpose := range []Purpose{Crawl, Document, Stylesheet, Cloaking, External, Delivery} {
		for _, f := range hostForms(in.port) {
			t.Run(purpose.String()+"/"+f.name, func(t *testing.T) {
				_, _, err := get(context.Background(), p.Client(purpose), f.url)
				if !errors.Is(err, ErrPrivateAddress) {
					t.Errorf("%s: err = %v, want ErrPrivateAddress", f.url, err)
				}
			})
		}
	}
	if n := in.hits.Load(); n != 0 {
		t.Errorf("internal service reached %d times", n)
	}
}

// TestGuardAllows: the site's own hosts may be internal; allow_networks and
// allow_private open the guard.
func TestGuardAllows(t *testing.T) {
	in := newInternal(t)
	for _, tc := range []struct {
		name   string
		mutate func(*Options)
		url    string
	}{
		{"own-host", func(o *Options) { o.SiteHosts = []string{"127.0.0.2:" + in.port} }, "http://127.0.0.2:" + in.port + "/"},
		{"own-host-name", func(o *Options) { o.SiteHosts = []string{"intranet.example"} }, "http://intranet.example:" + in.port + "/"},
		{"allow-networks", func(o *Options) { o.AllowNetworks = []string{"127.0.0.0/8"} }, "http://2130706434:" + in.port + "/"},
		{"allow-networks-mapped", func(o *Options) { o.AllowNetworks = []string{"127.0.0.0/8"} }, "http://[::ffff:127.0.0.2]:" + in.port + "/"},
		{"allow-private", func(o *Options) { o.AllowPrivate = true }, "http://intranet.example:" + in.port + "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := in.hits.Load()
			resp, _, err := get(context.Background(), testPolicy(t, tc.mutate).Client(Crawl), tc.url)
			if err != nil || resp.StatusCode != 200 || in.hits.Load() != before+1 {
				t.Errorf("%s: err %v, hits %d", tc.url, err, in.hits.Load()-before)
			}
		})
	}
	if _, err := New(Options{AllowNetworks: []string{"127.0.0.0/33"}}); err == nil || !strings.Contains(err.Error(), "allow_networks") {
		t.Errorf("bad CIDR accepted: %v", err)
	}
}

// TestRedirectToPrivateRefused: a URL on an allowed host that redirects to
// the internal service, fetched for every purpose that follows redirects.
// Loopback 127.0.0.1 is allowed (the allowed "public" side), 127.0.0.2 is
// not.
func TestRedirectToPrivateRefused(t *testing.T) {
	in := newInternal(t)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		to := r.URL.Query().Get("to")
		if to == "" {
			w.Write([]byte("ok"))
			return
		}
		http.Redirect(w, r, to, http.StatusFound)
	}))
	defer site.Close()
	p := testPolicy(t, func(o *Options) { o.AllowNetworks = []string{"127.0.0.1/32"} })
	targets := []struct{ name, to string }{
		{"dotted", "http://127.0.0.2:" + in.port + "/a.css"},
		{"decimal", "http://2130706434:" + in.port + "/a.css"},
		{"name-resolving-inside", "http://intranet.example:" + in.port + "/a.css"},
		{"mapped", "http://[::ffff:127.0.0.2]:" + in.port + "/a.css"},
		{"chain", site.URL + "/?to=" + url.QueryEscape("http://127.0.0.2:"+in.port+"/a.css")},
		{"scheme", "file:///etc/passwd"},
	}
	for _, purpose := range []Purpose{Document, Stylesheet, Cloaking, External} {
		for _, tg := range targets {
			t.Run(purpose.String()+"/"+tg.name, func(t *testing.T) {
				_, _, err := get(context.Background(), p.Client(purpose), site.URL+"/?to="+url.QueryEscape(tg.to))
				if !errors.Is(err, ErrPrivateAddress) && !errors.Is(err, ErrScheme) {
					t.Errorf("err = %v, want the guard's refusal", err)
				}
			})
		}
	}
	// An external site under another name that resolves to an allowed
	// address, redirecting inside.
	t.Run("external-by-name", func(t *testing.T) {
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(site.URL, "http://"))
		_, _, err := get(context.Background(), p.Client(External), "http://ext.example:"+port+"/?to="+url.QueryEscape("http://intranet.example:"+in.port+"/"))
		if !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("probe", func(t *testing.T) {
		r := p.Probe(context.Background(), site.URL+"/?to="+url.QueryEscape("http://127.0.0.2:"+in.port+"/"), "tcp", 2*time.Second)
		if !errors.Is(r.Err, ErrPrivateAddress) || r.Status != 0 {
			t.Errorf("probe: status %d err %v", r.Status, r.Err)
		}
	})
	t.Run("probe-of-internal-homepage-is-allowed", func(t *testing.T) {
		// The homepage itself may be internal (an intranet portal): its
		// host is the site's; only hops elsewhere are guarded.
		r := testPolicy(t, nil).Probe(context.Background(), "http://127.0.0.2:"+in.port+"/", "tcp", 2*time.Second)
		if r.Err != nil || r.Status != 200 {
			t.Errorf("probe: status %d err %v", r.Status, r.Err)
		}
	})
	t.Run("webhook-with-allow", func(t *testing.T) {
		// The configured endpoint is trusted even though it is loopback;
		// a redirect from it to another internal host is not.
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.2:"+in.port+"/hook", http.StatusTemporaryRedirect)
		}))
		defer hook.Close()
		c, err := DeliveryClient(2*time.Second, hook.URL)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, hook.URL, strings.NewReader(`{"text":"告警"}`))
		_, err = c.Do(req)
		if !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("webhook redirect: err = %v", err)
		}
		ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"errcode":0}`)) }))
		defer ok.Close()
		c, _ = DeliveryClient(2*time.Second, ok.URL)
		req, _ = http.NewRequestWithContext(context.Background(), http.MethodPost, ok.URL, strings.NewReader(`{}`))
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("webhook on its configured loopback endpoint: %v", err)
		} else {
			resp.Body.Close()
		}
	})
	if n := in.hits.Load(); n != 1 { // the allowed internal-homepage probe only
		t.Errorf("internal service reached %d times, want 1", n)
	}
}

func TestTooManyRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fmt.Sprintf("/%d", len(r.URL.Path)), http.StatusFound)
	}))
	defer srv.Close()
	p := testPolicy(t, func(o *Options) { o.AllowNetworks = []string{"127.0.0.1/32"}; o.MaxRedirects = 3 })
	_, _, err := get(context.Background(), p.Client(External), srv.URL+"/")
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("err = %v", err)
	}
}
