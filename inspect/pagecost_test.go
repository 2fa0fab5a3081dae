package inspect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/crawler/readers"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/internal/benchsite"
)

// BenchmarkPageCost is the cost of one crawled page, part by part, on
// pages of the whole-process benchmark's site (internal/benchsite): an
// article and a column's list page of the heavy site (100 KB, a 2,000-rule
// linked stylesheet, content 120 elements deep) and a page of the light
// one (40 links). Each sub-benchmark is one part: the crawler's parse,
// link extraction and page readers, the inspection's reading of the
// page's text, and every default check's page pass (PageChecker.Page) or
// text pass (TextReader.Text), built as an inspection builds them; ns/op
// is the part's cost per page, allocs/op its allocations. The dark-link
// check fetches the stylesheet from a loopback server once, before the
// timing. A check that gets slower shows here before the whole-process
// figures move:
//
//	go test -run XXX -bench PageCost -benchmem ./inspect
func BenchmarkPageCost(b *testing.B) {
	for _, kind := range []struct {
		name string
		o    benchsite.Options
		page int
	}{
		{"heavy-article", benchsite.Heavy(20000), 1234},
		{"heavy-list", benchsite.Heavy(20000), 1250},
		{"light", benchsite.Light(20000), 1234},
	} {
		b.Run(kind.name, func(b *testing.B) { benchPageCost(b, benchsite.New(kind.o), kind.page) })
	}
}

func benchPageCost(b *testing.B, site *benchsite.Site, i int) {
	body := site.Page(i, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == benchsite.StylesheetPath && site.Stylesheet() != nil {
			w.Header().Set("Content-Type", "text/css")
			w.Write(site.Stylesheet())
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/p/" + strconv.Itoa(i) + ".html")
	cfg := config.Default()
	cfg.Crawl.AllowPrivate = true
	ctx := context.Background()
	list, err := Build(Options{Config: cfg, Site: config.Site{URL: srv.URL + "/"}, Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	doc, _, err := crawler.ParseHTML(body)
	if err != nil {
		b.Fatal(err)
	}
	attach := map[string]bool{}
	for _, e := range cfg.Crawl.AttachmentExtensions {
		attach[e] = true
	}
	page := func() *crawler.Page {
		return &crawler.Page{URL: u, FinalURL: u, Status: 200, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			Charset: "utf-8", Text: body, Doc: doc, Links: crawler.ExtractLinksIn(doc, u, attach, "utf-8"), Depth: 1}
	}
	b.Run("crawl:parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := crawler.ParseHTML(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("crawl:links", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if len(crawler.ExtractLinksIn(doc, u, attach, "utf-8")) < 35 {
				b.Fatal("links missing")
			}
		}
	})
	b.Run("crawl:readers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			readers.Read(&readers.Page{URL: u, Status: 200, Body: body, Doc: doc}, readers.Limits{})
		}
	})
	b.Run("inspect:page-text", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if len(extract.PageSegments(doc, maxSegmentText)) == 0 {
				b.Fatal("no text")
			}
		}
	})
	p := page()
	segs := extract.PageSegments(doc, maxSegmentText)
	for _, c := range list {
		if pc, ok := c.(checks.PageChecker); ok {
			pc.Page(ctx, p) // fetches the stylesheet, fills samples
			b.Run(c.Name()+":page", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					pc.Page(ctx, p)
				}
			})
		}
		if tr, ok := c.(checks.TextReader); ok {
			b.Run(c.Name()+":text", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					tr.Text(ctx, &checks.Document{URL: u.String(), Segments: segs})
				}
			})
		}
	}
}
