package checks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/render"
)

// benchDarkPage is a portal page with a framework-sized stylesheet (2,000
// rules) and 60 links.
func benchDarkPage() string {
	var b strings.Builder
	b.WriteString("<html><head><style>")
	for i := range 2000 {
		fmt.Fprintf(&b, ".c%d .d%d a{color:#%06x;margin-left:%dpx} #n%d{display:block}\n", i, i, i*97, i%40, i)
	}
	b.WriteString(`.hid{display:none}</style></head><body><div class="nav">`)
	for i := range 60 {
		fmt.Fprintf(&b, `<div class="c%d"><span class="d%d"><a href="/p/%d.html">栏目文章 %d</a></span></div>`, i, i, i, i)
	}
	b.WriteString(`</div><div class="hid"><a href="http://bet.example/">澳门博彩</a></div></body></html>`)
	return b.String()
}

// BenchmarkDarkLinkStatic is the static pass on one page: stylesheet
// parsing, cascade for every link's ancestors, noscript and script scans.
func BenchmarkDarkLinkStatic(b *testing.B) {
	cfg := config.Default()
	cfg.Checks.DarkLink.FetchCSS = false
	packs, _ := cfg.Content.LoadPacks(nil, nil)
	built, _ := newDarkLink(Deps{Config: cfg, Packs: packs, SiteHosts: []string{"www.example.gov.cn"}})
	c := built.(PageChecker)
	u, _ := url.Parse("http://www.example.gov.cn/")
	doc, _, _ := crawler.ParseHTML([]byte(benchDarkPage()))
	p := &crawler.Page{URL: u, FinalURL: u, Doc: doc}
	b.ReportAllocs()
	for b.Loop() {
		if fs := c.Page(context.Background(), p); len(fs) != 1 {
			b.Fatalf("%d findings", len(fs))
		}
	}
}

// BenchmarkRenderPage renders one page in headless Chromium (one browser,
// reused), the rendering pass's cost per page.
func BenchmarkRenderPage(b *testing.B) {
	if _, err := render.Find(""); err != nil {
		b.Skip(err)
	}
	srv := newPageServer(benchDarkPage())
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	pol, err := netpolicy.New(netpolicy.Options{SiteHosts: []string{u.Host}})
	if err != nil {
		b.Fatal(err)
	}
	br, err := render.Start(context.Background(), render.Config{Tabs: 1, Policy: pol})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	for b.Loop() {
		res, err := br.Render(context.Background(), srv.URL+"/")
		if err != nil || len(res.Elements) < 60 {
			b.Fatalf("%v, %d elements", err, len(res.Elements))
		}
	}
}

func newPageServer(page string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
}

// BenchmarkDarkLinkStaticPlain is the static pass on a page without
// stylesheets (40 links), the crawl's common case.
func BenchmarkDarkLinkStaticPlain(b *testing.B) {
	cfg := config.Default()
	packs, _ := cfg.Content.LoadPacks(nil, nil)
	built, _ := newDarkLink(Deps{Config: cfg, Packs: packs, SiteHosts: []string{"www.example.gov.cn"}})
	c := built.(PageChecker)
	var sb strings.Builder
	sb.WriteString(`<html><body><div class="nav"><a href="/">首页</a></div><ul>`)
	for i := range 40 {
		fmt.Fprintf(&sb, `<li><a href="/p/%d.html">相关信息 %d</a></li>`, i, i)
	}
	sb.WriteString(`</ul></body></html>`)
	u, _ := url.Parse("http://www.example.gov.cn/")
	doc, _, _ := crawler.ParseHTML([]byte(sb.String()))
	p := &crawler.Page{URL: u, FinalURL: u, Doc: doc}
	c.Page(context.Background(), p) // fills the sample
	b.ReportAllocs()
	for b.Loop() {
		c.Page(context.Background(), p)
	}
}
