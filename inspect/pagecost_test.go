package inspect

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/crawler/htmlfast"
	"github.com/xunjian/xunjian/crawler/readers"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/internal/benchsite"
	"github.com/xunjian/xunjian/internal/benchtext"
	"golang.org/x/net/html"
)

// BenchmarkPageCost is the cost of one crawled page, part by part, on
// pages of the whole-process benchmark's site (internal/benchsite): an
// article and a column's list page of the heavy site (100 KB, a 2,000-rule
// linked stylesheet, content 120 elements deep) and a page of the light
// one (40 links). Each sub-benchmark is one part: the crawler's parse,
// link extraction and page readers, the inspection's reading of the
// page's text, and every default check's page pass (PageChecker.Page) or
// text pass (TextReader.Text), built as an inspection builds them; ns/op
// is the part's cost per page, allocs/op its allocations; each part
// cycles through 20 pages of the kind, after two untimed passes. The dark-link check fetches the
// stylesheet from a loopback server once, before the timing. A check that gets slower shows here before the whole-process
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
		{"heavy-list", benchsite.Heavy(20000), 1250}, // and 1300, 1350…
		{"light", benchsite.Light(20000), 1234},
	} {
		b.Run(kind.name, func(b *testing.B) { benchPageCost(b, benchsite.New(kind.o), kind.page) })
	}
}

// pageCostPages is how many pages of a kind the sub-benchmarks cycle
// through: a check that remembers across pages (stylesheets, template
// styles) is measured on pages it has not seen as well as on ones it has.
const pageCostPages = 20

func benchPageCost(b *testing.B, site *benchsite.Site, first int) {
	step := 1
	if benchsite.IsList(first) {
		step = 50
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == benchsite.StylesheetPath && site.Stylesheet() != nil {
			w.Header().Set("Content-Type", "text/css")
			w.Write(site.Stylesheet())
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.Crawl.AllowPrivate = true
	ctx := context.Background()
	list, err := Build(Options{Config: cfg, Site: config.Site{URL: srv.URL + "/"}, Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	attach := map[string]bool{}
	for _, e := range cfg.Crawl.AttachmentExtensions {
		attach[e] = true
	}
	var bodies [][]byte
	var pages []*crawler.Page
	var segs [][]extract.Segment
	for k := range pageCostPages {
		i := first + k*step
		body := site.Page(i, 1)
		u, _ := url.Parse(srv.URL + "/p/" + strconv.Itoa(i) + ".html")
		doc, _, err := crawler.ParseHTML(body)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
		pages = append(pages, &crawler.Page{URL: u, FinalURL: u, Status: 200, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			Charset: "utf-8", Text: body, Doc: doc, Links: crawler.ExtractLinksIn(doc, u, attach, "utf-8"), Depth: 1})
		segs = append(segs, extract.PageSegments(doc, maxSegmentText))
	}
	// each runs f on the pages in turn, after two passes over them: what
	// a check learns from a template's first pages (the dark-link check's
	// styles are kept the second time an element is met) is paid once a
	// run, and the whole-process figures include it.
	each := func(f func(k int)) func(*testing.B) {
		return func(b *testing.B) {
			for k := range 2 * pageCostPages {
				f(k % pageCostPages)
			}
			b.ReportAllocs()
			k := 0
			cpu := benchtext.StartCPU()
			for b.Loop() {
				f(k % pageCostPages)
				k++
			}
			cpu.ReportOp(b)
		}
	}
	b.Run("crawl:parse", each(func(k int) {
		if _, _, err := crawler.ParseHTML(bodies[k]); err != nil {
			b.Fatal(err)
		}
	}))
	// As the crawl parses its own pages: the page as read (a string, no
	// copy), the tree in an arena released after each page.
	var arena htmlfast.Arena
	strs := make([]string, len(bodies))
	for k, body := range bodies {
		strs[k] = string(body)
	}
	b.Run("crawl:parse:arena", each(func(k int) {
		arena.Release()
		if _, err := htmlfast.ParseStringIn(strs[k], &arena); err != nil {
			b.Fatal(err)
		}
	}))
	// The same pages with x/net/html, the parser crawler/htmlfast
	// replaces (its tree is the same): the parse's gain in this run.
	b.Run("crawl:parse:x-net-html", each(func(k int) {
		if _, err := html.Parse(bytes.NewReader(bodies[k])); err != nil {
			b.Fatal(err)
		}
	}))
	b.Run("crawl:links", each(func(k int) {
		if len(crawler.ExtractLinksIn(pages[k].Doc, pages[k].URL, attach, "utf-8")) < 35 {
			b.Fatal("links missing")
		}
	}))
	// The readers as the crawl runs them: with the run's memo of the
	// scripts that hold no list (the template's, read on the first pages).
	memo := readers.NewScriptMemo()
	b.Run("crawl:readers", each(func(k int) {
		readers.Read(&readers.Page{URL: pages[k].URL, Status: 200, Body: bodies[k], Doc: pages[k].Doc, Scripts: memo}, readers.Limits{})
	}))
	b.Run("inspect:page-text", each(func(k int) {
		segs, release := extract.PageSegmentsIn(pages[k].Doc, maxSegmentText) // as content.page
		if len(segs) == 0 {
			b.Fatal("no text")
		}
		release()
	}))
	// The sensitive-word and typo checks read a document's text in one
	// scan, made by the first of them to read it (sensitive-word, as an
	// inspection runs them): typo's row is its part once sensitive-word
	// has read the page, as a run's profile counts it, and
	// "sensitive-word+typo:text" is the two on a page.
	readers := map[string]checks.TextReader{}
	for _, c := range list {
		if tr, ok := c.(checks.TextReader); ok {
			readers[c.Name()] = tr
		}
	}
	doc := func(k int) *checks.Document { return &checks.Document{URL: pages[k].URL.String(), Segments: segs[k]} }
	for _, c := range list {
		if pc, ok := c.(checks.PageChecker); ok {
			pc.Page(ctx, pages[0]) // fetches the stylesheet, fills samples
			b.Run(c.Name()+":page", each(func(k int) { pc.Page(ctx, pages[k]) }))
		}
		if tr, ok := c.(checks.TextReader); ok {
			if sw := readers[catalog.SensitiveWord]; c.Name() == catalog.Typo && sw != nil {
				read := make([]*checks.Document, len(segs))
				for k := range read {
					read[k] = doc(k)
					sw.Text(ctx, read[k])
				}
				b.Run(c.Name()+":text", each(func(k int) { tr.Text(ctx, read[k]) }))
				continue
			}
			b.Run(c.Name()+":text", each(func(k int) { tr.Text(ctx, doc(k)) }))
		}
	}
	if sw, ty := readers[catalog.SensitiveWord], readers[catalog.Typo]; sw != nil && ty != nil {
		b.Run(catalog.SensitiveWord+"+"+catalog.Typo+":text", each(func(k int) {
			d := doc(k)
			sw.Text(ctx, d)
			ty.Text(ctx, d)
		}))
	}
}
