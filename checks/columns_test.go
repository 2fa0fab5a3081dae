package checks

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
)

var colNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func day(n int) string { return colNow.AddDate(0, 0, -n).Format("2006-01-02") }

// site is a set of pages (path -> body) crawled in order, the homepage first.
type fakeSite struct {
	order []string
	pages map[string]string
}

func (fs fakeSite) run(t *testing.T, mutate func(*catalog.ColumnsConfig)) ([]finding.Finding, []Column) {
	t.Helper()
	cfg := config.Default()
	if mutate != nil {
		mutate(&cfg.Columns)
	}
	chk, err := newColumns(Deps{Config: cfg, Now: func() time.Time { return colNow }})
	if err != nil {
		t.Fatal(err)
	}
	home, _ := url.Parse("http://x.gov.cn/")
	for i, path := range fs.order {
		u, _ := url.Parse("http://x.gov.cn" + path)
		doc, _, err := crawler.ParseHTML([]byte(fs.pages[path]))
		if err != nil {
			t.Fatal(err)
		}
		chk.(PageChecker).Page(context.Background(), &crawler.Page{URL: u, Doc: doc, Home: i == 0})
	}
	res, err := chk.(Finisher).Finish(context.Background(), &Site{Name: "x", Home: home}, &crawler.Result{})
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := res.Measurements["columns"].([]Column)
	return res.Findings, cols
}

func nav(items ...string) string {
	var b strings.Builder
	b.WriteString(`<div class="nav"><a href="/">首页</a>`)
	for i := 0; i+1 < len(items); i += 2 {
		fmt.Fprintf(&b, `<a href="%s">%s</a>`, items[i+1], items[i])
	}
	return b.String() + `</div>`
}

// list writes a list of links; "title date" items put the date after the
// link, as portals do.
func list(items ...string) string {
	var b strings.Builder
	b.WriteString("<ul>")
	for i := 0; i+1 < len(items); i += 2 {
		title, date, _ := strings.Cut(items[i+1], " ")
		fmt.Fprintf(&b, `<li><a href="%s">%s</a> <span>%s</span></li>`, items[i], title, date)
	}
	return b.String() + "</ul>"
}

func kinds2(fs []finding.Finding) string {
	var k []string
	for _, f := range fs {
		u, _ := url.Parse(f.Page)
		k = append(k, f.Check+":"+f.Kind+":"+u.Path+":"+string(f.Severity))
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

func TestColumns(t *testing.T) {
	homeList := func(age int) string {
		return `<ul><li><a href="/a/1.html">县委常委会召开会议研究部署工作</a><span>` + day(age) + `</span></li></ul>`
	}
	for _, tc := range []struct {
		name   string
		site   fakeSite
		mutate func(*catalog.ColumnsConfig)
		want   string
	}{
		{"fresh-news-column", fakeSite{[]string{"/", "/xwdt/"}, map[string]string{
			"/":      nav("新闻动态", "/xwdt/") + homeList(1),
			"/xwdt/": list("/a/1.html", "新闻一二三四 "+day(3), "/a/2.html", "新闻二三四五 "+day(30)),
		}}, nil, ""},
		{"stale-news-column", fakeSite{[]string{"/", "/xwdt/"}, map[string]string{
			"/":      nav("工作动态", "/xwdt/") + homeList(1),
			"/xwdt/": list("/a/1.html", "新闻一二三四 "+day(15)),
		}}, nil, "stale-column:stale:/xwdt/:high"},
		{"early-warning", fakeSite{[]string{"/", "/xwdt/"}, map[string]string{
			"/":      nav("要闻", "/xwdt/") + homeList(1),
			"/xwdt/": list("/a/1.html", "新闻一二三四 "+day(12)),
		}}, nil, "stale-column:warning:/xwdt/:low"},
		{"notice-six-months", fakeSite{[]string{"/", "/tzgg/", "/zcwj/"}, map[string]string{
			"/":      nav("通知公告", "/tzgg/", "政策文件", "/zcwj/") + homeList(1),
			"/tzgg/": list("/a/1.html", "通知一二三四 "+day(120)),
			"/zcwj/": list("/a/2.html", "文件一二三四 "+day(190)),
		}}, nil, "stale-column:stale:/zcwj/:high"},
		{"basic-one-year-medium", fakeSite{[]string{"/", "/rsxx/"}, map[string]string{
			"/":      nav("人事信息", "/rsxx/") + homeList(1),
			"/rsxx/": list("/a/1.html", "任免一二三四 "+day(366)),
		}}, nil, "stale-column:stale:/rsxx/:medium"},
		{"blank-and-placeholder", fakeSite{[]string{"/", "/k1/", "/k2/"}, map[string]string{
			"/":    nav("机构职能", "/k1/", "领导信息", "/k2/") + homeList(1),
			"/k1/": "<p>暂无信息</p>",
			"/k2/": "<div></div>",
		}}, nil, "blank-column:blank:/k1/:medium,blank-column:blank:/k2/:medium"},
		{"undated-entries-count-as-stale", fakeSite{[]string{"/", "/xwdt/"}, map[string]string{
			"/":      nav("新闻动态", "/xwdt/") + homeList(1),
			"/xwdt/": list("/a/9.html", "没有日期的新闻标题"),
		}}, nil, "stale-column:undated:/xwdt/:high"},
		{"article-pubdate-dates-undated-list", fakeSite{[]string{"/", "/xwdt/", "/a/9.html"}, map[string]string{
			"/":         nav("新闻动态", "/xwdt/") + homeList(1),
			"/xwdt/":    list("/a/9.html", "没有日期的新闻标题"),
			"/a/9.html": `<html><head><meta name="PubDate" content="` + day(2) + ` 10:00"></head><body>正文</body></html>`,
		}}, nil, ""},
		{"visible-publish-time-dates-article", fakeSite{[]string{"/", "/xwdt/", "/a/9.html"}, map[string]string{
			"/":         nav("新闻动态", "/xwdt/") + homeList(1),
			"/xwdt/":    list("/a/9.html", "没有日期的新闻标题"),
			"/a/9.html": `<p>来源：县政府办　发布时间：` + day(20) + `</p><p>正文</p>`,
		}}, nil, "stale-column:stale:/xwdt/:high"},
		{"pagination-merged-newest-on-page-2", fakeSite{[]string{"/", "/xwdt/", "/xwdt/index_1.html"}, map[string]string{
			"/":                  nav("新闻动态", "/xwdt/") + homeList(1),
			"/xwdt/":             list("/a/1.html", "旧新闻一二三 "+day(40)) + `<div class="page"><a href="/xwdt/index_1.html">下一页</a></div>`,
			"/xwdt/index_1.html": list("/a/2.html", "新新闻一二三 "+day(3)),
		}}, nil, ""},
		{"footer-and-sidebar-dates-ignored", fakeSite{[]string{"/", "/xwdt/"}, map[string]string{
			"/":      nav("新闻动态", "/xwdt/") + homeList(1),
			"/xwdt/": list("/a/1.html", "旧新闻一二三 "+day(40)) + `<div class="sidebar"><a href="/a/5.html">侧栏最新 ` + day(1) + `</a></div><div class="footer">今天是 ` + day(0) + `</div>`,
		}}, nil, "stale-column:stale:/xwdt/:high"},
		{"month-day-under-year-heading", fakeSite{[]string{"/", "/xwdt/"}, map[string]string{
			"/":      nav("新闻动态", "/xwdt/") + homeList(1),
			"/xwdt/": `<h3>2025年</h3><ul><li><a href="/a/1.html">去年的新闻标题</a> [` + colNow.AddDate(0, 0, -3).Format("01-02") + `]</li></ul>`,
		}}, nil, "stale-column:stale:/xwdt/:high"},
		{"override-exclude-and-type", fakeSite{[]string{"/", "/lsda/", "/zxdt/"}, map[string]string{
			"/":      nav("历史档案", "/lsda/", "专项工作", "/zxdt/") + homeList(1),
			"/lsda/": list("/a/1.html", "档案一二三四 "+day(900)),
			"/zxdt/": list("/a/2.html", "专项一二三四 "+day(20)),
		}}, func(c *catalog.ColumnsConfig) {
			c.Overrides = []catalog.ColumnOverride{{URL: "http://x.gov.cn/lsda/", Exclude: true}, {Name: "专项工作", Type: "news", Days: 30}}
		}, ""},
		{"explicit-column-without-nav", fakeSite{[]string{"/", "/js/"}, map[string]string{
			"/":    homeList(1),
			"/js/": list("/a/1.html", "脚本栏目文章 "+day(20)),
		}}, func(c *catalog.ColumnsConfig) {
			c.Explicit = []catalog.ExplicitColumn{{Name: "脚本渲染栏目", URL: "http://x.gov.cn/js/", Type: "news"}}
		}, "stale-column:stale:/js/:high"},
		{"list-page-outside-nav", fakeSite{[]string{"/", "/sub/"}, map[string]string{
			"/": homeList(1),
			"/sub/": "<title>乡镇动态_示例县人民政府</title>" + list("/a/1.html", "乡镇动态一 "+day(30), "/a/2.html", "乡镇动态二 "+day(31), "/a/3.html", "乡镇动态三 "+day(32),
				"/a/4.html", "乡镇动态四 "+day(33), "/a/5.html", "乡镇动态五 "+day(34)),
		}}, nil, "stale-column:stale:/sub/:high"},
		{"hub-page-of-sub-columns", fakeSite{[]string{"/", "/zwgk/", "/zwgk/a/", "/zwgk/b/"}, map[string]string{
			"/":        nav("政务公开", "/zwgk/") + homeList(1),
			"/zwgk/":   list("/zwgk/a/", "政策文件栏目", "/zwgk/b/", "人事信息栏目"),
			"/zwgk/a/": `<meta name="ColumnName" content="政策文件">` + list("/a/1.html", "文件一二三四 "+day(10)),
			"/zwgk/b/": `<meta name="ColumnName" content="人事信息">` + list("/a/2.html", "任免一二三四 "+day(10)),
		}}, nil, ""},
		{"homepage-not-updated", fakeSite{[]string{"/"}, map[string]string{"/": homeList(15)}}, nil, "stale-column:homepage:/:critical"},
		{"homepage-warning", fakeSite{[]string{"/"}, map[string]string{"/": homeList(10)}}, nil, "stale-column:homepage-warning:/:medium"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, cols := tc.site.run(t, tc.mutate)
			if got := kinds2(fs); got != tc.want {
				t.Errorf("findings %q, want %q\ncolumns %+v", got, tc.want, cols)
			}
		})
	}
}

func TestColumnVeto(t *testing.T) {
	pages := map[string]string{}
	var navItems []string
	order := []string{"/"}
	for i := range 5 {
		p := fmt.Sprintf("/news%d/", i)
		navItems = append(navItems, fmt.Sprintf("动态%d", i), p)
		pages[p] = list(fmt.Sprintf("/a/%d.html", i), "旧新闻一二三 "+day(30))
		order = append(order, p)
	}
	for i := range 3 {
		p := fmt.Sprintf("/blank%d/", i)
		navItems = append(navItems, fmt.Sprintf("机构%d", i), p)
		pages[p] = "<p>暂无内容</p>"
		order = append(order, p)
	}
	pages["/"] = nav(navItems...) + `<ul><li><a href="/a/x.html">首页新闻一二三</a>` + day(1) + `</li></ul>`
	fs, cols := fakeSite{order, pages}.run(t, nil)
	got := kinds2(fs)
	for _, want := range []string{"stale-column:veto-news-notice:/:critical", "blank-column:veto-warning:/:high"} {
		if !strings.Contains(got, want) {
			t.Errorf("findings %s lack %s", got, want)
		}
	}
	if strings.Contains(got, "veto-any") {
		t.Error("veto-any at 5 stale columns (threshold 10)")
	}
	if len(cols) != 8 {
		t.Errorf("%d columns in the table", len(cols))
	}
	for _, f := range fs {
		if f.Kind == "stale" && (f.Details["days_overdue"] != 16 || f.Details["newest_date"] != day(30) || f.Target == "") {
			t.Errorf("stale details %+v", f.Details)
		}
	}
}
