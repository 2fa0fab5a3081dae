package checks

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/netpolicy"
)

// intranetService stands for a host inside the government network, on
// 127.0.0.2: the site (127.0.0.1) is the inspected one, this is not.
func intranetService(t *testing.T, body string) (base string, hits *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	hits = &atomic.Int64{}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(body))
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

// TestStylesheetRedirectToIntranetRefused: the site's stylesheet redirects
// to an internal address (issue 10); the dark-link check's fetch goes
// through the outbound policy, which refuses the hop, so the internal
// stylesheet (which would hide the spam link) is never read.
func TestStylesheetRedirectToIntranetRefused(t *testing.T) {
	inner, hits := intranetService(t, ".x-hide{display:none}")
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner+"/site.css", http.StatusFound)
	}))
	defer site.Close()
	cfg := config.Default()
	packs, _ := cfg.Content.LoadPacks(nil, nil)
	home, _ := url.Parse(site.URL + "/")
	c, err := newDarkLink(Deps{Config: cfg, Packs: packs, SiteHosts: []string{home.Host}})
	if err != nil {
		t.Fatal(err)
	}
	doc, _, _ := crawler.ParseHTML([]byte(`<html><head><link rel="stylesheet" href="/site.css"></head><body><div class="x-hide"><a href="http://bet.example/1">免费电影</a></div></body></html>`))
	fs := c.(PageChecker).Page(context.Background(), &crawler.Page{URL: home, FinalURL: home, Doc: doc})
	if hits.Load() != 0 {
		t.Errorf("internal stylesheet fetched %d times", hits.Load())
	}
	if len(fs) != 0 {
		t.Errorf("findings from a stylesheet that was never read: %+v", fs)
	}
}

// TestProbeRedirectToIntranetRefused: a homepage that redirects to an
// internal address; the connectivity probe (and serve's, which is the same
// function) does not follow it and says why.
func TestProbeRedirectToIntranetRefused(t *testing.T) {
	inner, hits := intranetService(t, "内网系统")
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner+"/", http.StatusFound)
	}))
	defer site.Close()
	cfg := config.Default()
	pol, err := netpolicy.New(cfg.Crawl.Outbound(cfg.Content.MaxAttachmentBytes))
	if err != nil {
		t.Fatal(err)
	}
	ok, _, reason := ProbeHomepage(context.Background(), pol, site.URL+"/", cfg.Checks.Connectivity.Timeout.D())
	if ok || !strings.Contains(reason, "内网") {
		t.Errorf("probe ok=%v reason %q", ok, reason)
	}
	fs, s := runSite(t, connCheck(t, func(c *config.Config) { c.Checks.Connectivity.Probes = 1 }, Deps{}), site.URL+"/")
	r := s.Measurements["connectivity"].(ConnectivityResult)
	if r.Probes[0].Class != crawler.ClassPrivate || kinds(fs) == "" {
		t.Errorf("connectivity probe: %+v, findings %s", r.Probes[0], kinds(fs))
	}
	if hits.Load() != 0 {
		t.Errorf("internal service reached %d times", hits.Load())
	}
}
