package checks

import (
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/dates"
	"github.com/xunjian/xunjian/internal/benchsite"
)

// readMetaBefore is readMeta as it was before it walked the tree by its
// own links: a stack of every node's children and a map of the names met.
func readMetaBefore(p *crawler.Page, now time.Time) listReading {
	r := listReading{page: p, now: now}
	found := map[string]string{}
	stack := append([]*html.Node(nil), p.Doc.Nodes...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Type == html.ElementNode && n.Data == "meta" {
			var name, content string
			hasContent := false
			for _, a := range n.Attr {
				switch a.Key {
				case "name":
					name = a.Val
				case "content":
					content, hasContent = a.Val, true
				}
			}
			if _, seen := found[name]; hasContent && !seen && slices.Contains(metaNames[:], name) {
				found[name] = strings.TrimSpace(content)
			}
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
		}
	}
	first := func(names ...string) string {
		for _, n := range names {
			if v, ok := found[n]; ok {
				return v
			}
		}
		return ""
	}
	if v := first("PubDate", "pubdate", "publishdate"); v != "" {
		if f, ok := dates.First(v, dates.Options{Now: now}); ok {
			r.OwnDate = f.Date
		}
	}
	r.ColumnMeta = first("ColumnName", "columnname")
	return r
}

// metaAsBefore parses page and compares readMeta with readMetaBefore.
func metaAsBefore(t testing.TB, page []byte) {
	t.Helper()
	doc, _, err := crawler.ParseHTML(page)
	if err != nil {
		return
	}
	u, _ := url.Parse("http://www.example.gov.cn/a/1.html")
	p := &crawler.Page{URL: u, FinalURL: u, Doc: doc}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	got, want := readMeta(p, now), readMetaBefore(p, now)
	if !got.OwnDate.Equal(want.OwnDate) || got.ColumnMeta != want.ColumnMeta {
		t.Fatalf("readMeta = %v %q, before %v %q on %q", got.OwnDate, got.ColumnMeta, want.OwnDate, want.ColumnMeta, page)
	}
}

// TestReadMetaAsBefore holds readMeta to the walk it replaced: on the
// benchmark site's pages (articles and lists, with their PubDate and
// ColumnName tags) and on random pages of meta tags in head and body,
// repeated names, empty and missing contents, tags nested in other
// elements and in templates.
func TestReadMetaAsBefore(t *testing.T) {
	site := benchsite.New(benchsite.Heavy(2000))
	for _, i := range []int{0, 1, 3, 50, 100, 1234} {
		metaAsBefore(t, site.Page(i, 1))
	}
	pieces := []string{
		`<meta name="PubDate" content="2024-05-06 10:00">`, `<meta name="pubdate" content="2023-01-02">`,
		`<meta name="publishdate" content=" 2022年3月4日 ">`, `<meta name="PubDate" content="">`, `<meta name="PubDate">`,
		`<meta name="ColumnName" content="通知公告">`, `<meta name="columnname" content="政策文件">`, `<meta name="ColumnName" content=" ">`,
		`<meta content="工作动态" name="ColumnName">`, `<meta name="x" name="ColumnName" content="要闻">`, `<meta name="ColumnName" name="x" content="要闻">`,
		`<meta name="keywords" content="a">`, `<meta name="PUBDATE" content="2021-01-01">`, `<meta content="2020-02-02">`,
		`<div>`, `</div>`, `<p>文字</p>`, `<template>`, `</template>`, `<svg><meta name="PubDate" content="2019-09-09"></svg>`,
		`</head><body>`, `<table><tr><td>`, `</td></tr></table>`, `<ul><li>2024-01-01 <a href="/x">标题</a></li></ul>`,
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 20000 {
		var b strings.Builder
		b.WriteString("<html><head>")
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		metaAsBefore(t, []byte(b.String()))
	}
}

// FuzzReadMetaAsBefore: on any page, readMeta reads what the walk it
// replaced read.
func FuzzReadMetaAsBefore(f *testing.F) {
	f.Add([]byte(`<html><head><meta name="PubDate" content="2024-05-06"><meta name="ColumnName" content="通知公告"></head></html>`))
	f.Add([]byte(`<meta name="columnname" content="a"><body><meta name="ColumnName" content="b"><meta name="pubdate" content="2020-01-01">`))
	f.Fuzz(func(t *testing.T, page []byte) {
		if len(page) > 1<<16 {
			return
		}
		metaAsBefore(t, page)
	})
}
