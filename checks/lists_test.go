package checks

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/crawler"
)

func readListOf(t testing.TB, page string, home bool) listReading {
	t.Helper()
	doc, _, err := crawler.ParseHTML([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("http://x.gov.cn/xwdt/")
	return readList(&crawler.Page{URL: u, Doc: doc, Home: home}, colNow)
}

func entryLines(es []listEntry) string {
	var b []string
	for _, e := range es {
		d := "-"
		if !e.Date.IsZero() {
			d = e.Date.Format("2006-01-02")
		}
		u, _ := url.Parse(e.URL)
		b = append(b, u.Path+" "+e.Title+" "+d)
	}
	return strings.Join(b, "\n")
}

// TestListReading reads pages the way portals write lists: the date beside
// each link, a month-day under a year heading, pagers and navigation left
// out, attachments not entries, an article's own date.
func TestListReading(t *testing.T) {
	attach := map[string]bool{".pdf": true}
	for _, tc := range []struct {
		name, page string
		entries    string
		own        string
		meta       string
	}{
		{"date-beside-link",
			`<ul><li><a href="/a/1.html">县政府召开常务会议</a><span>2026-11-20</span></li><li><a href="/a/2.html">全县秋冬种工作推进会</a> 2026年11月3日</li></ul>`,
			"/a/1.html 县政府召开常务会议 2026-11-20\n/a/2.html 全县秋冬种工作推进会 2026-11-03", "", ""},
		{"month-day-under-year-heading",
			`<h3>2025年</h3><ul><li><a href="/a/3.html">关于做好冬季防火工作的通知</a><span>12-01</span></li></ul>`,
			"/a/3.html 关于做好冬季防火工作的通知 2025-12-01", "", ""},
		{"pager-nav-and-attachments-left-out",
			`<div class="nav"><a href="/xwdt/">新闻动态栏目</a></div><ul><li><a href="/a/4.html">乡村振兴工作简报第十期</a><span>2026-10-01</span></li>
			 <li><a href="/files/x.pdf">政策文件全文下载</a><span>2026-10-02</span></li></ul><div class="pager"><a href="/xwdt/index_2.html">下一页</a></div><a href="/xwdt/index_3.html">2</a>`,
			"/a/4.html 乡村振兴工作简报第十期 2026-10-01", "", ""},
		{"undated-link",
			`<ul><li><a href="/a/5.html">机构职能与领导分工</a></li></ul>`,
			"/a/5.html 机构职能与领导分工 -", "", ""},
		{"article-own-date-and-column-meta",
			`<html><head><meta name="ColumnName" content="政务动态"></head><body><h1>标题</h1><p>发布时间：2026-11-02 来源：县政府办</p><p>正文</p></body></html>`,
			"", "2026-11-02", "政务动态"},
		{"pubdate-meta",
			`<html><head><meta name="PubDate" content="2026-09-30 10:00"></head><body><p>正文</p></body></html>`,
			"", "2026-09-30", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := readListOf(t, tc.page, false)
			if got := entryLines(r.Entries(attach)); got != tc.entries {
				t.Errorf("entries\n%s\nwant\n%s", got, tc.entries)
			}
			own := ""
			if !r.OwnDate.IsZero() {
				own = r.OwnDate.Format("2006-01-02")
			}
			if own != tc.own || r.ColumnMeta != tc.meta {
				t.Errorf("own date %q meta %q, want %q %q", own, r.ColumnMeta, tc.own, tc.meta)
			}
		})
	}
}

func TestListReadingNavAndPlaceholders(t *testing.T) {
	r := readListOf(t, `<html><head><title>首页</title></head><body><div id="menu"><a href="/">首页</a><a href="/zwdt/">政务动态</a><a href="/tzgg/">通知公告</a></div>
		<div class="main"><p>暂 无 信 息</p></div></body></html>`, true)
	var nav []string
	for _, n := range r.Nav() {
		nav = append(nav, n.Title)
	}
	if strings.Join(nav, ",") != "政务动态,通知公告" {
		t.Errorf("nav %v", nav)
	}
	if !r.Shows([]string{"暂无信息"}) || r.Shows([]string{"正在建设"}) || r.Title() != "首页" {
		t.Errorf("placeholder or title wrong: %q", r.Title())
	}
	if n := r.DatesInText(); n != 0 {
		t.Errorf("%d dates in text", n)
	}
}

// FuzzListReading: list reading takes any page without panicking, and stays
// within its caps.
func FuzzListReading(f *testing.F) {
	f.Add(`<ul><li><a href="/a/1.html">县政府召开常务会议</a><span>2026-11-20</span></li></ul>`)
	f.Add(`<h3>2025年</h3><table><tr><td><a href="x">通知公告通知公告</a></td><td>12-01</td></tr></table>`)
	f.Add(`<meta name="PubDate" content="99999-99-99"><p>发布时间：</p><a href="javascript:void(0)">更多>></a>`)
	f.Fuzz(func(t *testing.T, page string) {
		doc, _, err := crawler.ParseHTML([]byte(page))
		if err != nil {
			return
		}
		u, _ := url.Parse("http://x.gov.cn/")
		r := readList(&crawler.Page{URL: u, Doc: doc, Home: true}, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
		if es := r.Entries(nil); len(es) > maxEntries {
			t.Errorf("%d entries, cap %d", len(es), maxEntries)
		}
		r.Nav()
		r.Shows([]string{"暂无信息"})
		r.DatesInText()
	})
}
