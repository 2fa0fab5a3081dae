package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
)

func connCheck(t *testing.T, mutate func(*config.Config), deps Deps) Check {
	t.Helper()
	cfg := config.Default()
	cfg.Checks.Connectivity.Interval = config.Duration(5 * time.Millisecond)
	cfg.Checks.Connectivity.Timeout = config.Duration(2 * time.Second)
	if mutate != nil {
		mutate(&cfg)
	}
	deps.Config = cfg
	list, err := Build([]string{"connectivity"}, deps)
	if err != nil {
		t.Fatal(err)
	}
	return list[0]
}

func kinds(fs []finding.Finding) string {
	var k []string
	for _, f := range fs {
		k = append(k, f.Kind+":"+string(f.Severity))
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

func runSite(t *testing.T, c Check, home string) ([]finding.Finding, Result) {
	t.Helper()
	u, _ := url.Parse(home)
	res, err := c.(Starter).Start(context.Background(), &Site{Name: "test", Home: u})
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings, res
}

func TestConnectivity(t *testing.T) {
	var calls atomic.Int64
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("<html>首页</html>"))
	}))
	defer flaky.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(40 * time.Millisecond)
		w.Write([]byte("ok"))
	}))
	defer slow.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL + "/"
	closed.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer tlsSrv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(tlsSrv.Certificate())
	trusted := &tls.Config{RootCAs: pool}
	notAfter := tlsSrv.Certificate().NotAfter

	// A firewall's challenge answers for a site that is up (a browser
	// passes it); a bare 412 with no firewall's markers is the site's own
	// failure.
	ruishu := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusPreconditionFailed)
		w.Write([]byte(`<html><head><meta content="x9Yq" r='m'><script r='m'>_$a();</script><script src="/4QbVtADbnLVI/c.FxJzG50F.js" r='m'></script></head></html>`))
	}))
	defer ruishu.Close()
	jiasule := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "__jsluid_s=0f3c2a; max-age=31536000; path=/; HttpOnly")
		w.WriteHeader(521)
		w.Write([]byte(`<script>document.cookie=('_')+('_j')+('sl_clearance_s=1')+';max-age=3600;path=/';location.href=location.pathname+location.search</script>`))
	}))
	defer jiasule.Close()
	bare412 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusPreconditionFailed)
		w.Write([]byte("<html><body>Precondition Failed</body></html>"))
	}))
	defer bare412.Close()

	for _, tc := range []struct {
		name   string
		home   string
		deps   Deps
		mutate func(*config.Config)
		want   string
	}{
		{"one-probe-fails-is-suspected", flaky.URL + "/", Deps{}, nil,
			"no-https:low,no-ipv6:low,probe-failed:medium"},
		// Down both ways: whether HTTPS is offered is unknown, and the
		// outage is the one finding about it.
		{"all-probes-fail-is-high", closedURL, Deps{}, nil,
			"down:high,no-ipv6:low"},
		{"slow-homepage", slow.URL + "/", Deps{}, func(c *config.Config) { c.Checks.Connectivity.SlowAfter = config.Duration(10 * time.Millisecond) },
			"no-https:low,no-ipv6:low,slow:low"},
		{"https-trusted-cert-fine", tlsSrv.URL + "/", Deps{TLS: trusted, Now: func() time.Time { return notAfter.Add(-60 * 24 * time.Hour) }}, nil,
			"no-ipv6:low"},
		{"cert-expiring", tlsSrv.URL + "/", Deps{TLS: trusted, Now: func() time.Time { return notAfter.Add(-10 * 24 * time.Hour) }}, nil,
			"cert-expiring:medium,no-ipv6:low"},
		{"cert-expired", tlsSrv.URL + "/", Deps{TLS: trusted, Now: func() time.Time { return notAfter.Add(24 * time.Hour) }}, nil,
			"cert-expired:high,no-ipv6:low"},
		{"untrusted-cert", tlsSrv.URL + "/", Deps{}, nil,
			"down:high,https-error:medium,no-ipv6:low"},
		{"ruishu-challenge-is-up", ruishu.URL + "/", Deps{}, nil,
			"no-https:low,no-ipv6:low"},
		{"jiasule-challenge-is-up", jiasule.URL + "/", Deps{}, nil,
			"no-https:low,no-ipv6:low"},
		{"bare-412-is-down", bare412.URL + "/", Deps{}, nil,
			"down:high,no-ipv6:low"},
		{"checks-off", slow.URL + "/", Deps{}, func(c *config.Config) {
			c.Checks.Connectivity.CheckHTTPS = false
			c.Checks.Connectivity.CheckIPv6 = false
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			fs, site := runSite(t, connCheck(t, tc.mutate, tc.deps), tc.home)
			if got := kinds(fs); got != tc.want {
				t.Errorf("findings %q, want %q", got, tc.want)
			}
			m, ok := site.Measurements["connectivity"].(ConnectivityResult)
			if !ok || len(m.Probes) != 3 {
				t.Fatalf("measurements: %+v", site.Measurements)
			}
			if fw := strings.Contains(tc.name, "challenge"); fw != (m.Probes[0].Firewall != "") {
				t.Errorf("probe's firewall %q", m.Probes[0].Firewall)
			}
			for _, f := range fs {
				if f.Page != tc.home || f.Message == "" {
					t.Errorf("finding lacks page or message: %+v", f)
				}
			}
		})
	}
}

func TestConnectivityPhases(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/index.html", http.StatusFound)
			return
		}
		w.Write([]byte("首页"))
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c := connCheck(t, nil, Deps{TLS: &tls.Config{RootCAs: pool, ServerName: "example.com"}})
	// "localhost" makes the probe resolve a name, so DNS time is measured.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "https://"))
	home := "https://localhost:" + port + "/"
	_, site := runSite(t, c, home)
	m := site.Measurements["connectivity"].(ConnectivityResult)
	p := m.Probes[0]
	if p.TLSMs <= 0 || p.TTFBMs <= 0 || p.TotalMs < p.TTFBMs || p.ConnectMs <= 0 {
		t.Errorf("phases not measured: %+v", p)
	}
	if len(p.Redirects) == 0 || !strings.HasSuffix(p.FinalURL, "/index.html") {
		t.Errorf("redirects %v final %s", p.Redirects, p.FinalURL)
	}
	if m.CertDaysLeft == nil || !m.HTTPS {
		t.Errorf("https %v cert days %v", m.HTTPS, m.CertDaysLeft)
	}
}

func TestConnectivityIPv6(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}}
	srv.Start()
	defer srv.Close()
	fs, site := runSite(t, connCheck(t, nil, Deps{}), srv.URL+"/")
	m := site.Measurements["connectivity"].(ConnectivityResult)
	if !m.IPv6Answers || len(m.IPv6Addresses) != 1 {
		t.Errorf("ipv6 %+v", m)
	}
	if got := kinds(fs); got != "no-https:low" {
		t.Errorf("findings %q, want only no-https", got)
	}
}
