package readers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/internal/benchsite"
	"github.com/xunjian/xunjian/internal/benchtext"
)

// plainPage is a county portal's list page without any CMS script shape:
// what most crawled pages look like, where the readers must cost little.
func plainPage() []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="X-UA-Compatible" content="IE=edge"><title>通知公告</title><link rel="stylesheet" href="/css/a.css"><script src="/js/jquery.js"></script></head><body><div class="nav"><a href="/">首页</a></div><ul>`)
	for k := 1; k <= 36; k++ {
		fmt.Fprintf(&b, `<li><a href="/p/%d.html">关于做好冬季安全生产工作的通知 %d</a><span>2026-11-%02d</span></li>`, k*53, k, k%28+1)
	}
	b.WriteString(`</ul><img src="/img/logo.png" alt="标志"><a href="/files/a.pdf">附件</a><script>var _hmt = _hmt || []; (function(){ var hm = document.createElement("script"); hm.src = "/tj.js"; })();</script></body></html>`)
	return []byte(b.String())
}

// BenchmarkReadPlainPage is the readers' cost on a page with none of
// their shapes (the parse is the crawler's and not counted).
func BenchmarkReadPlainPage(b *testing.B) {
	p := htmlPage(b, plainPage(), "http://www.example.gov.cn/tzgg/index.html")
	lim := DefaultLimits()
	b.ReportAllocs()
	for b.Loop() {
		q := *p // a fresh page: the element index is built once per page
		if res := Read(&q, lim); len(res.Links) != 0 {
			b.Fatal(show(res.Links))
		}
	}
}

// BenchmarkReadHanwebPage is the cost on a Hanweb column page.
func BenchmarkReadHanwebPage(b *testing.B) {
	p := fixture(b, "hanweb/column.html", "http://www.example.gov.cn/col/col1201/index.html")
	lim := DefaultLimits()
	b.ReportAllocs()
	for b.Loop() {
		q := *p
		if res := Read(&q, lim); len(res.Requests) != 1 {
			b.Fatal(res.Requests)
		}
	}
}

// BenchmarkReadHeavyPage is the readers' cost on the whole-process
// benchmark's heavy article (internal/benchsite: 100 KB, 50 KB of
// template script, content 120 elements deep), none of whose shapes is
// theirs. The element index is part of it.
func BenchmarkReadHeavyPage(b *testing.B) {
	p := htmlPage(b, benchsite.New(benchsite.Heavy(20000)).Page(1234, 1), "http://www.example.gov.cn/p/1234.html")
	lim := DefaultLimits()
	b.ReportAllocs()
	cpu := benchtext.StartCPU()
	for b.Loop() {
		q := *p
		if res := Read(&q, lim); len(res.Links)+len(res.Requests) != 0 {
			b.Fatal(show(res.Links), res.Requests)
		}
	}
	cpu.ReportOp(b)
}
