package crawler

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/internal/benchsite"
	"github.com/xunjian/xunjian/internal/benchtext"
)

// benchPage is a list page shaped like a county portal's: 40 links.
func benchPage(i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>第%d页</title><link rel="stylesheet" href="/css/a.css"></head><body><div class="nav"><a href="/">首页</a></div><ul>`, i)
	for k := 1; k <= 36; k++ {
		fmt.Fprintf(&b, `<li><a href="/p/%d.html">关于做好冬季安全生产工作的通知 %d</a><span>2026-11-%02d</span></li>`, (i*37+k*53)%n, k, k%28+1)
	}
	b.WriteString(`</ul><img src="/img/logo.png" alt="标志"><a href="/files/a.pdf">附件</a><script src="/js/a.js"></script></body></html>`)
	return b.String()
}

func BenchmarkExtractLinks(b *testing.B) {
	page := []byte(benchPage(7, 1000))
	u, _ := url.Parse("http://www.example.gov.cn/p/7.html")
	ext := map[string]bool{"pdf": true}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
		if err != nil {
			b.Fatal(err)
		}
		if n := len(ExtractLinks(doc, u, ext)); n < 40 {
			b.Fatalf("%d links", n)
		}
	}
}

func BenchmarkDecodeGBK(b *testing.B) {
	page := gbk(benchPage(7, 1000))
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		Decode(page, "text/html; charset=gbk")
	}
}

// BenchmarkCrawl crawls a 2,000-page loopback site per iteration; the
// pages/s metric is the crawler's throughput with the server on the same cores.
func BenchmarkCrawl(b *testing.B) {
	const n = 2000
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if r.URL.Path != "/" {
			if _, err := fmt.Sscanf(r.URL.Path, "/p/%d.html", &i); err != nil || i >= n {
				if strings.HasPrefix(r.URL.Path, "/p/") || r.URL.Path == "/favicon.ico" {
					http.NotFound(w, r)
					return
				}
				w.Write([]byte("ok"))
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(benchPage(i, n)))
	}))
	defer srv.Close()
	pages := 0
	for b.Loop() {
		cfg := testCrawlConfig(&testing.T{}, srv.URL+"/")
		cfg.TempDir = b.TempDir()
		cfg.Crawl.Concurrency = 32
		cfg.Crawl.Rate = 1e6
		cfg.Crawl.MaxPagesPerPattern = 1e6
		cr, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		res, err := cr.Run(context.Background(), func(*Page) {})
		if err != nil {
			b.Fatal(err)
		}
		pages += res.Stats.Pages
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkReadBody reads a 100 KB body of unknown length (chunked or
// decoded from gzip, as most portal pages come) through the body budget:
// as an attachment's (copied once from pooled chunks) and as a page's
// (into a pooled buffer, handed back after the page: bodypool.go).
func BenchmarkReadBody(b *testing.B) {
	body := bytes.Repeat([]byte("<p>政务公开 notice</p>\n"), 100<<10/27)
	for _, pooled := range []bool{false, true} {
		b.Run(map[bool]string{false: "copy", true: "pooled"}[pooled], func(b *testing.B) {
			bb := newBodyBudget(20<<20, b.TempDir())
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				sp, data, err := bb.read(onlyReader{bytes.NewReader(body)}, 10<<20, -1, pooled)
				if err != nil || len(data) != len(body) {
					b.Fatal(len(data), err)
				}
				sp.recycle()
				sp.free()
			}
		})
	}
}

// onlyReader hides everything but Read (as a response body does).
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// BenchmarkCrawlHeavy crawls 500 pages of the whole-process benchmark's
// heavy site (internal/benchsite: 100 KB pages, ~40 links each, sent
// chunked as bench/sitegen sends them) from a loopback server in the same
// process, pages built beforehand; an op is the crawl of the 500 pages.
// cpu-ns/op is the process's CPU time for them (the server's writes
// and the parse included, the collector's too); allocs/page and B/page
// what the whole process allocated a page.
func BenchmarkCrawlHeavy(b *testing.B) {
	const n = 500
	site := benchsite.New(benchsite.Heavy(n))
	bodies := make([][]byte, n)
	for i := range n {
		bodies[i] = site.Page(i, 1)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(bodies[0])
		case strings.HasPrefix(p, "/p/") && strings.HasSuffix(p, ".html"):
			i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/p/"), ".html"))
			if err != nil || i < 0 || i >= n {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(bodies[i])
		case p == benchsite.StylesheetPath:
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Write(site.Stylesheet())
		case p == "/img/logo.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG\r\n\x1a\n"))
		case strings.HasPrefix(p, "/files/"):
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.4\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	crawl := func() int {
		cfg := testCrawlConfig(&testing.T{}, srv.URL+"/")
		cfg.TempDir = b.TempDir()
		cfg.Crawl = config.Default().Crawl
		cfg.Crawl.Concurrency = 32
		cfg.Crawl.Rate = 1e6
		cr, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		res, err := cr.Run(context.Background(), func(*Page) {})
		if err != nil {
			b.Fatal(err)
		}
		if res.Stats.Pages != n+1 { // and the homepage again as /p/0.html
			b.Fatalf("%d pages crawled, want %d", res.Stats.Pages, n+1)
		}
		return res.Stats.Pages
	}
	crawl() // warm: connections aside, the same work
	pages := 0
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu := benchtext.StartCPU()
	for b.Loop() {
		pages += crawl()
	}
	runtime.ReadMemStats(&ms1)
	cpu.ReportOp(b)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pages), "ns/page")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(pages), "allocs/page")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(pages), "B/page")
}
