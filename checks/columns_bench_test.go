package checks

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
)

// BenchmarkColumnsPage measures the column check's work on one list page
// of 40 dated links, the per-page cost it adds to the crawl.
func BenchmarkColumnsPage(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<html><head><title>工作动态</title></head><body><div class="nav"><a href="/">首页</a></div><ul>`)
	for i := range 40 {
		fmt.Fprintf(&sb, `<li><a href="/p/%d.html">关于做好冬季安全生产工作的通知 %d</a><span>2026-11-%02d</span></li>`, i, i, i%28+1)
	}
	sb.WriteString(`</ul><div class="footer">版权所有 2026年11月26日</div></body></html>`)
	doc, _, _ := crawler.ParseHTML([]byte(sb.String()))
	u, _ := url.Parse("http://www.example.gov.cn/gzdt/")
	built, _ := newColumns(Deps{Config: config.Default(), Now: func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }})
	c := built.(PageChecker)
	p := &crawler.Page{URL: u, Doc: doc}
	b.ReportAllocs()
	for b.Loop() {
		c.Page(context.Background(), p)
	}
	if n := len(c.(*columns).pages[u.String()].Entries); n != 40 {
		b.Fatalf("%d entries", n)
	}
}
