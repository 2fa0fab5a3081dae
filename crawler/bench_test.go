package crawler

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
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
// decoded from gzip, as most portal pages come) through the body budget.
func BenchmarkReadBody(b *testing.B) {
	body := bytes.Repeat([]byte("<p>政务公开 notice</p>\n"), 100<<10/27)
	bb := newBodyBudget(20<<20, b.TempDir())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		sp, data, err := bb.read(onlyReader{bytes.NewReader(body)}, 10<<20, -1)
		if err != nil || len(data) != len(body) {
			b.Fatal(len(data), err)
		}
		sp.free()
	}
}

// onlyReader hides everything but Read (as a response body does).
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }
