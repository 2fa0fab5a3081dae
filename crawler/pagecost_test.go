package crawler

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/xunjian/xunjian/internal/benchsite"
	"github.com/xunjian/xunjian/internal/benchtext"
)

// BenchmarkPagePasses is the crawl's own work on a page besides the parse
// and the page readers (inspect's BenchmarkPageCost has those), on 20
// articles of the whole-process benchmark's heavy site: what handlePage
// does with every page it fetched. cpu-ns/op is the process's CPU time a
// page, the collector's included.
func BenchmarkPagePasses(b *testing.B) {
	site := benchsite.New(benchsite.Heavy(20000))
	const n = 20
	var bodies [][]byte
	var pages []*Page
	for k := range n {
		i := 1234 + k
		body := site.Page(i, 1)
		doc, _, err := ParseHTML(body)
		if err != nil {
			b.Fatal(err)
		}
		u, _ := url.Parse("http://www.example.gov.cn/p/" + strconv.Itoa(i) + ".html")
		bodies = append(bodies, body)
		pages = append(pages, &Page{URL: u, FinalURL: u, Text: body, Doc: doc})
	}
	attach := map[string]bool{"pdf": true, "doc": true, "xls": true}
	judge := &soft404Judge{home: "http://www.example.gov.cn/", base: &soft404Baseline{status: 404}}
	sim := &similarPages{max: 100}
	for _, c := range []struct {
		name string
		f    func(k int)
	}{
		{"sniff", func(k int) { // the body checks before the parse
			if mayBeChallenge(bodies[k]) || heavy(bodies[k]) {
				b.Fatal("not an ordinary page")
			}
			Decode(bodies[k], "text/html; charset=utf-8")
		}},
		{"links", func(k int) {
			links, _ := ExtractLinksCapped(pages[k].Doc, pages[k].URL, attach, "utf-8", 100_000)
			if len(dedupeLinks(links)) < 35 {
				b.Fatal("links missing")
			}
		}},
		{"soft404", func(k int) {
			if judge.is(pages[k].URL.String(), pages[k].URL.String(), pages[k].Doc, len(bodies[k])) {
				b.Fatal("soft 404")
			}
		}},
		{"similar", func(k int) {
			h, n := pageSimhash(pages[k].Doc, 64<<10)
			sim.observe(pages[k].URL.String(), "/p/#.html", h, n)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for k := range 2 * n {
				c.f(k % n)
			}
			b.ReportAllocs()
			k := 0
			cpu := benchtext.StartCPU()
			for b.Loop() {
				c.f(k % n)
				k++
			}
			cpu.ReportOp(b)
		})
	}
}
