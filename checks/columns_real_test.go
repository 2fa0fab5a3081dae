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

// Column pages as real portals write them (our own markup on the shapes
// of Hanweb, TRS and hand-made county templates): a breadcrumb, a sidebar
// of sibling columns, a content block with a class that also names
// chrome, a pager, month-day dates, placeholders.

// realColumn is a column page: breadcrumb, sidebar, content.
func realColumn(name, content string) string {
	return `<div class="header"><img src="/images/logo.png" alt="示例县人民政府"><span>今天是 ` + day(0) + `</span></div>` +
		nav("信息公开", "/xxgk/", "通知公告", "/tzgg/", "政策文件", "/zcwj/") + `
<div class="container">
 <div class="position"><span>当前位置：</span><a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a> &gt; <a href="/xxgk/jgzn/">` + name + `</a></div>
 <div class="left_box">
  <div class="lm_title">信息公开</div>
  <ul class="lm_list"><li><a href="/xxgk/jgzn/">机构职能</a></li><li><a href="/xxgk/ldxx/">领导信息</a></li><li><a href="/xxgk/ghjh/">规划计划</a></li><li><a href="/xxgk/rsxx/">人事信息</a></li><li><a href="/xxgk/czzj/">财政资金</a></li></ul>
 </div>
 <div class="right_box">` + content + `</div>
</div>
<div class="footer">网站标识码：5300000001 主办：示例县人民政府办公室</div>`
}

func TestColumnsOnRealPages(t *testing.T) {
	homeList := `<ul><li><a href="/a/1.html">县委常委会召开会议研究部署工作</a><span>` + day(1) + `</span></li></ul>`
	home := nav("信息公开", "/xxgk/", "机构职能", "/xxgk/jgzn/", "领导信息", "/xxgk/ldxx/", "规划计划", "/xxgk/ghjh/", "人事信息", "/xxgk/rsxx/", "财政资金", "/xxgk/czzj/") + homeList
	dated := func(n int, age int) string {
		var b strings.Builder
		b.WriteString(`<ul class="list">`)
		for i := range n {
			fmt.Fprintf(&b, `<li><a href="/xxgk/jgzn/%d.html" target="_blank">示例县机构职能调整说明第%d号</a><span class="date">%s</span></li>`, i, i, day(age+i))
		}
		return b.String() + `</ul>`
	}
	for _, tc := range []struct {
		name string
		site fakeSite
		want string
		// entries and status of the column /xxgk/jgzn/ in the table
		entries int
		status  string
	}{
		{"placeholder-beats-breadcrumb-and-sidebar", fakeSite{[]string{"/", "/xxgk/jgzn/"}, map[string]string{
			"/":           home,
			"/xxgk/jgzn/": realColumn("机构职能", `<div class="list"><p class="nodata">暂无数据</p></div>`),
		}}, "blank-column:blank:/xxgk/jgzn/:medium", 0, "blank"},
		{"sidebar-is-not-a-hub", fakeSite{[]string{"/", "/xxgk/jgzn/"}, map[string]string{
			"/":           home,
			"/xxgk/jgzn/": realColumn("机构职能", dated(2, 400)),
		}}, "stale-column:stale:/xxgk/jgzn/:medium", 2, "stale"},
		{"content-block-classed-page", fakeSite{[]string{"/", "/xxgk/jgzn/"}, map[string]string{
			"/": home,
			"/xxgk/jgzn/": realColumn("机构职能", `<div class="page-content">`+dated(3, 5)+`</div>`+
				`<div class="page"><span>共 3 条</span> <a href="/xxgk/jgzn/index_1.html">下一页</a> <a href="/xxgk/jgzn/index_1.html">尾页</a></div>`),
		}}, "", 3, "ok"},
		{"dated-sidebar-does-not-freshen-a-stale-list", fakeSite{[]string{"/", "/xxgk/jgzn/"}, map[string]string{
			"/": home,
			"/xxgk/jgzn/": strings.Replace(realColumn("机构职能", dated(2, 400)), `<div class="left_box">`,
				`<div class="side-news"><h3>最新信息</h3><ul><li><a href="/a/1.html">县委常委会召开会议研究部署工作</a>`+day(1)+`</li><li><a href="/a/2.html">县政府召开第十次常务会议</a>`+day(2)+`</li></ul></div><div class="left_box">`, 1),
		}}, "stale-column:stale:/xxgk/jgzn/:medium", 2, "stale"},
		{"month-day-without-year-is-unknown", fakeSite{[]string{"/", "/xxgk/jgzn/"}, map[string]string{
			"/":           home,
			"/xxgk/jgzn/": realColumn("机构职能", `<ul><li><a href="/xxgk/jgzn/a1.html">关于调整机构职能的说明</a><span>`+colNow.AddDate(0, 0, -50).Format("01-02")+`</span></li><li><a href="/xxgk/jgzn/a2.html">关于内设机构的说明</a><span>`+colNow.AddDate(0, 0, -60).Format("01-02")+`</span></li></ul>`),
		}}, "stale-column:date-unknown:/xxgk/jgzn/:low", 2, "date-unknown"},
		{"month-day-takes-the-article-year", fakeSite{[]string{"/", "/xxgk/jgzn/", "/xxgk/jgzn/a1.html"}, map[string]string{
			"/":                  home,
			"/xxgk/jgzn/":        realColumn("机构职能", `<ul><li><a href="/xxgk/jgzn/a1.html">关于调整机构职能的说明</a><span>`+colNow.AddDate(0, 0, -400).Format("01-02")+`</span></li></ul>`),
			"/xxgk/jgzn/a1.html": `<html><head><meta name="PubDate" content="` + day(400) + ` 09:00"></head><body><p>正文</p></body></html>`,
		}}, "stale-column:stale:/xxgk/jgzn/:medium", 1, "stale"},
		{"month-day-takes-the-url-year", fakeSite{[]string{"/", "/xxgk/jgzn/"}, map[string]string{
			"/": home,
			"/xxgk/jgzn/": realColumn("机构职能", `<ul><li><a href="./`+colNow.AddDate(0, 0, -3).Format("200601")+`/t`+colNow.AddDate(0, 0, -3).Format("20060102")+`_4410001.html">关于调整机构职能的说明</a><span>`+
				colNow.AddDate(0, 0, -3).Format("01-02")+`</span></li></ul>`),
		}}, "", 1, "ok"},
		{"date-inside-the-anchor", fakeSite{[]string{"/", "/xxgk/jgzn/"}, map[string]string{
			"/": home,
			"/xxgk/jgzn/": realColumn("机构职能", `<ul><li><a href="/art/1.html" title="关于2026年1月1日起施行新办法的说明"><span>关于2026年1月1日起施行新办法的说明</span><i>`+day(400)+`</i></a></li>
<li><a href="/art/2.html"><span>机构职能调整说明</span><i>[`+day(380)+`]</i></a></li></ul>`),
		}}, "stale-column:stale:/xxgk/jgzn/:medium", 2, "stale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, cols := tc.site.run(t, nil)
			if got := kinds2(fs); got != tc.want {
				t.Errorf("findings %q, want %q\ncolumns %+v", got, tc.want, cols)
			}
			for _, c := range cols {
				if c.URL == "http://x.gov.cn/xxgk/jgzn/" && (c.Entries != tc.entries || c.Status != tc.status) {
					t.Errorf("column %+v, want %d entries, status %s", c, tc.entries, tc.status)
				}
			}
		})
	}
}

// TestRealHomepageFreshness: a real homepage's news sit in blocks of every
// name, after hundreds of service links; month-day dates on it are dated
// by the articles, or unknown — never a 首页不更新 veto.
func TestRealHomepageFreshness(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<div class="top"><span>今天是 ` + day(0) + `</span></div>` + nav("新闻中心", "/xwzx/", "信息公开", "/xxgk/"))
	b.WriteString(`<div class="service">`)
	for i := range 300 {
		fmt.Fprintf(&b, `<a href="/bs/%d.html">办事服务事项第%d项</a>`, i, i)
	}
	b.WriteString(`</div><div class="top-news"><div class="tab-menu"><span>要闻</span><span>通知</span></div><div class="tab-con">`)
	for i := range 40 {
		fmt.Fprintf(&b, `<li><a href="/xwzx/%d.html">示例县第%d条要闻动态标题</a><span>%s</span></li>`, i, i, day(1+i))
	}
	b.WriteString(`</div></div><div class="footer">版权所有 2003-2026</div>`)
	fs, _ := fakeSite{[]string{"/"}, map[string]string{"/": b.String()}}.run(t, nil)
	for _, f := range fs {
		if f.Kind == "homepage" || f.Kind == "homepage-warning" {
			t.Errorf("real homepage with 40 dated items judged %s: %s", f.Kind, f.Message)
		}
	}

	md := nav("新闻中心", "/xwzx/") + `<div class="hot"><ul>`
	for i := range 5 {
		md += fmt.Sprintf(`<li><a href="/xwzx/m%d.html">示例县第%d条要闻动态标题</a><em>%s</em></li>`, i, i, colNow.AddDate(0, 0, -20-i).Format("01-02"))
	}
	md += `</ul></div>`
	fs, _ = fakeSite{[]string{"/"}, map[string]string{"/": md}}.run(t, nil)
	if got := kinds2(fs); got != "stale-column:date-unknown:/:low" {
		t.Errorf("homepage with month-day dates only: %s", got)
	}
}

func TestBreadcrumbAndMenusAreNotEntries(t *testing.T) {
	page := realColumn("机构职能", `<ul><li><a href="/xxgk/jgzn/1.html">示例县机构职能调整说明</a><span>`+day(3)+`</span></li></ul>`)
	r := readListOf(t, page, false)
	if got := entryLines(r.Entries(nil)); got != "/xxgk/jgzn/1.html 示例县机构职能调整说明 "+day(3) {
		t.Errorf("entries\n%s", got)
	}
	// The breadcrumb's own text is not the page's content either.
	if strings.Contains(r.mainText, "当前位置") {
		t.Error("breadcrumb text in the main content")
	}
}

// TestScriptFedColumns: a column whose scripts build its list is read from
// its rendered document; unrendered, it is not called blank.
func TestScriptFedColumns(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rendered string // "" when the run could not render the page
		want     string
	}{
		{"rendered-fresh", `<ul id="xczx"><li><a href="/ztzl/xczx/art301.html">产业振兴工作推进情况</a><span>` + day(1) + `</span></li></ul>`, ""},
		{"rendered-stale", `<ul id="xczx"><li><a href="/ztzl/xczx/art301.html">产业振兴工作推进情况</a><span>` + day(20) + `</span></li></ul>`, "stale-column:stale:/ztzl/xczx/:high"},
		{"unrendered", "", "blank-column:unrendered:/ztzl/xczx/:info"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			chk, _ := newColumns(Deps{Config: cfg, Now: func() time.Time { return colNow }})
			pc := chk.(PageChecker)
			page := func(path, body, rendered string, home, fed bool) *crawler.Page {
				u, _ := url.Parse("http://x.gov.cn" + path)
				doc, _, _ := crawler.ParseHTML([]byte(body))
				p := &crawler.Page{URL: u, FinalURL: u, Doc: doc, Home: home, ScriptFed: fed}
				if rendered != "" {
					p.Rendered, _, _ = crawler.ParseHTML([]byte(rendered))
				}
				return p
			}
			pc.Page(context.Background(), page("/", nav("乡村振兴动态", "/ztzl/xczx/")+`<ul><li><a href="/a/1.html">县委常委会召开会议研究部署工作</a><span>`+day(1)+`</span></li></ul>`, "", true, false))
			pc.Page(context.Background(), page("/ztzl/xczx/", `<ul id="xczx"></ul><script>ul.innerHTML += '…'</script>`, tc.rendered, false, true))
			home, _ := url.Parse("http://x.gov.cn/")
			res, _ := chk.(Finisher).Finish(context.Background(), &Site{Home: home}, &crawler.Result{})
			if got := kinds2(res.Findings); got != tc.want {
				t.Errorf("findings %q, want %q", got, tc.want)
			}
		})
	}
}
