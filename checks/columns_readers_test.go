package checks

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
)

// readerPage is a crawled page with what the page readers found on it.
type readerPage struct {
	path     string
	body     string
	entries  []crawler.ListEntry
	framedBy string
}

func runReaderPages(t *testing.T, pages []readerPage) []Column {
	t.Helper()
	chk, err := newColumns(Deps{Config: config.Default(), Now: func() time.Time { return colNow }})
	if err != nil {
		t.Fatal(err)
	}
	for i, rp := range pages {
		u, _ := url.Parse("http://x.gov.cn" + rp.path)
		doc, _, err := crawler.ParseHTML([]byte(rp.body))
		if err != nil {
			t.Fatal(err)
		}
		p := &crawler.Page{URL: u, Doc: doc, Home: i == 0, Entries: rp.entries}
		if rp.framedBy != "" {
			p.FramedBy, _ = url.Parse("http://x.gov.cn" + rp.framedBy)
		}
		chk.(PageChecker).Page(context.Background(), p)
	}
	home, _ := url.Parse("http://x.gov.cn/")
	res, err := chk.(Finisher).Finish(context.Background(), &Site{Name: "x", Home: home}, &crawler.Result{})
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := res.Measurements["columns"].([]Column)
	return cols
}

func TestColumnsReadReaderEntries(t *testing.T) {
	e := func(path, title string, age int) crawler.ListEntry {
		return crawler.ListEntry{URL: "http://x.gov.cn" + path, Title: title, Date: day(age), Where: "hanweb:dataproxy"}
	}
	tests := []struct {
		name   string
		pages  []readerPage
		column string // path of the column checked
		status string
		newest string
		count  int
	}{
		{
			name: "script-fed-column-is-not-blank",
			pages: []readerPage{
				{path: "/", body: nav("通知公告", "/col/col7/index.html")},
				// The markup has no list: a Hanweb datastore and dataproxy group.
				{path: "/col/col7/index.html", body: `<div id="88"></div>`, entries: []crawler.ListEntry{
					e("/art/1.html", "第一组的第一条信息", 3), e("/art/2.html", "第二组里的一条信息", 40),
				}},
			},
			column: "/col/col7/", status: "ok", newest: day(3), count: 2,
		},
		{
			name: "reader-date-fills-an-undated-dom-entry",
			pages: []readerPage{
				{path: "/", body: nav("工作动态", "/gzdt/")},
				{path: "/gzdt/", body: `<ul><li><a href="/gzdt/202601/t20260105_1.html">县政府召开常务会议</a></li></ul>`,
					entries: []crawler.ListEntry{{URL: "http://x.gov.cn/gzdt/202601/t20260105_1.html", Title: "县政府召开常务会议", Date: day(5), Where: "trs:article-url"}}},
			},
			column: "/gzdt/", status: "ok", newest: day(5), count: 1,
		},
		{
			name: "framed-list-belongs-to-the-framing-column",
			pages: []readerPage{
				{path: "/", body: nav("通知公告", "/xxgk/")},
				{path: "/xxgk/", body: `<iframe src="/gk/list.html"></iframe>`},
				{path: "/gk/list.html", framedBy: "/xxgk/", body: list("/gk/1.html", "关于开展专项检查的通知 "+day(200), "/gk/2.html", "关于调整办事时间的公告 "+day(260))},
			},
			column: "/xxgk/", status: "stale", newest: day(200), count: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cols := runReaderPages(t, tc.pages)
			var col *Column
			for i := range cols {
				if cols[i].URL == "http://x.gov.cn"+tc.column {
					col = &cols[i]
				}
				if cols[i].URL == "http://x.gov.cn/gk/list.html" {
					t.Errorf("a framed list is a column of its own: %+v", cols[i])
				}
			}
			if col == nil {
				t.Fatalf("no column %s in %+v", tc.column, cols)
			}
			if col.Status != tc.status || col.Newest != tc.newest || col.Entries != tc.count {
				t.Errorf("column %+v, want status %s newest %s entries %d", *col, tc.status, tc.newest, tc.count)
			}
		})
	}
}
