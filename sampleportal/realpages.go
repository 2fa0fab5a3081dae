package sampleportal

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/internal/fixtures"
)

// More of the CMS zoo: what real portals do to an inspection besides their
// list shapes (our own markup and text on the shapes of public pages, see
// /work/notes and crawler/readers):
//
//   - A WAF-protected section: 在线访谈 /zxft/ sits behind a 瑞数-style
//     firewall that answers every request with its 412 JavaScript
//     challenge. Planted: one finding for the site saying the inspection
//     was blocked, by what, from which URL on and what to whitelist — not a
//     broken link — and the report says it is incomplete.
//   - Rate limits: a query service that only ever answers 429 (planted:
//     suspected throttling, low), a download gateway that answers 503 with
//     Retry-After once, then the file (decoy).
//   - A script-only column: 乡村振兴 /ztzl/xczx/, whose list a script builds
//     from numbers and the clock (no reader can see it). Planted, with a
//     browser: a deleted article only the rendered list links; without
//     one: the column is "unrendered", never blank.
//   - Columns on real pages under 部门信息公开 /bmxxgk/: a breadcrumb
//     (当前位置), a sidebar of sibling columns, a content block classed
//     "page-content", a pager. Planted: 机构职能 shows only 暂无数据 (blank,
//     not a hub of its sidebar); 工作动态 writes month-day dates and
//     nothing says the year (date unknown, not stale); 通知公告 writes
//     month-day dates whose articles are 200 days old (stale); 政策文件 is
//     fresh in its "page-content" block (decoy) and carries a background
//     image that was deleted (planted, CSS url()), a srcset with a comma
//     inside its URL and a preconnect hint to a CDN root that refuses
//     requests (decoys), and a search link too long to check (named).
//   - A provincial platform on its own domain that carries 网站标识码 and
//     the 政府网站找错 button (decoy: a government site by identity).
//   - The GBK 政策文件 page links a search whose query a browser sends in
//     GBK (decoy: sent as UTF-8 it would 404).

// realZone is the homepage's block of links into these pages.
func (p *Portal) realZone() string {
	return `<h2>部门信息公开</h2>
<div class="subnav"><a href="/bmxxgk/jgzn/">机构职能</a> <a href="/bmxxgk/gzdt/">部门工作动态</a> <a href="/bmxxgk/tzgg/">部门通知公告</a> <a href="/bmxxgk/zcwj/">部门政策文件</a> <a href="/ztzl/xczx/">乡村振兴</a></div>
<p><a href="/zxft/index.html">在线访谈</a> <a href="` + p.PlatformURL + `/index.html">省政务服务网</a></p>`
}

// bmColumns are the 部门信息公开 columns, in sidebar order.
var bmColumns = []struct{ path, name string }{
	{"/bmxxgk/jgzn/", "机构职能"}, {"/bmxxgk/gzdt/", "部门工作动态"}, {"/bmxxgk/tzgg/", "部门通知公告"}, {"/bmxxgk/zcwj/", "部门政策文件"},
}

// Ages (days) of the real-page columns' entries.
var (
	bmGzdtAges = []int{12, 25, 40}
	bmTzggAges = []int{200, 230}
	bmZcwjAges = []int{3, 9, 16}
)

// longSearch is a link too long to check (a script-built search URL).
var longSearch = "/search/search.jsp?keyword=" + strings.Repeat("%E6%94%BF", 400)

// gbkSearch is the GBK page's search link; gbkQuery its query as a
// browser on a GBK page sends it.
const (
	gbkSearch = "/search/search.jsp?searchword=耕地保护"
	gbkQuery  = "searchword=%B8%FB%B5%D8%B1%A3%BB%A4"
)

// realColumnPage is a column page as hand-made county templates write it:
// header, breadcrumb, sidebar of sibling columns, content.
func realColumnPage(w http.ResponseWriter, name, content string) {
	var side strings.Builder
	for _, c := range bmColumns {
		fmt.Fprintf(&side, `<li><a href="%s">%s</a></li>`, c.path, c.name)
	}
	page(w, name, name, `<div class="position"><span>当前位置：</span><a href="/">首页</a> &gt; <a href="/bmxxgk/">部门信息公开</a> &gt; <span>`+name+`</span></div>
<div class="left_box"><div class="lm_title">部门信息公开</div><ul class="lm_list">`+side.String()+`</ul></div>
<div class="right_box">`+content+`</div>`)
}

// ruishuChallenge is our own page on the 瑞数 shape: a seed meta and
// scripts marked r='m', the $_ts runtime, nothing else.
const ruishuChallenge = `<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta id="Xq3vLwz0PkqR7Yd2" content="8wV2mTqLk3Zs" r='m'>
<script type="text/javascript" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=41857;$_ts.cd="pWrbqqAlcGVfrAlcGKq";</script>
<script type="text/javascript" charset="utf-8" src="/Kp3sXw9Lq2Vn/Fh7.b0c1d2e.js" r='m'></script></head><body></body></html>`

func (p *Portal) realHandlers(mux *http.ServeMux) {
	d := func(n int) string { return ago(n).Format("2006-01-02") }
	md := func(n int) string { return ago(n).Format("01-02") }
	article := func(w http.ResponseWriter, column, title string, age int) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		html := fmt.Sprintf(layout, column, title, "<h1>"+title+"</h1><p>正文内容。</p>", today())
		if age > 0 {
			html = strings.Replace(html, "<title>", `<meta name="PubDate" content="`+ago(age).Format("2006-01-02 15:04")+`"><title>`, 1)
		}
		w.Write([]byte(html))
	}

	// 在线访谈 behind the firewall: every request gets the challenge.
	mux.HandleFunc("/zxft/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		w.Header().Set("Set-Cookie", "Fk2vD9mW3aQpT80S=60b1c2d3e4f5; path=/; HttpOnly")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(412)
		w.Write([]byte(ruishuChallenge))
	})
	// A query service that only ever asks to come back later.
	mux.HandleFunc("/zxfw/bsjd.do", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	// A gateway that is busy once, then serves the file.
	mux.HandleFunc("/attach/download.do", func(w http.ResponseWriter, r *http.Request) {
		if p.hit(r) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.URL.Query().Get("fileid") != "88" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''%E5%8A%9E%E4%BA%8B%E6%8C%87%E5%8D%97.docx`)
		w.Write(bmGuideDOCX)
	})
	// The GBK page's search: only the query a browser sends answers.
	mux.HandleFunc("/search/search.jsp", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		if r.URL.RawQuery != gbkQuery {
			http.NotFound(w, r)
			return
		}
		page(w, "站内搜索", "站内搜索", `<p>搜索结果</p>`)
	})

	// The script-only column.
	mux.HandleFunc("/ztzl/xczx/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		switch r.URL.Path {
		case "/ztzl/xczx/", "/ztzl/xczx/index.html":
			page(w, "乡村振兴", "乡村振兴", `<ul class="news-list" id="xczx"></ul>
<script type="text/javascript">
(function () {
  var base = '/ztzl/xczx/', ids = [301, 302, 303], names = ['产业振兴', '人才振兴', '生态振兴'];
  var ul = document.getElementById('xczx');
  for (var i = 0; i < ids.length; i++) {
    var d = new Date(Date.now() - (i * 3 + 1) * 86400000);
    var ds = d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' + ('0' + d.getDate()).slice(-2);
    ul.innerHTML += '<li><a href="' + base + 'art' + ids[i] + '.html">' + names[i] + '工作推进情况通报</a><span>' + ds + '</span></li>';
  }
})();
</script>`)
		case "/ztzl/xczx/art301.html":
			article(w, "乡村振兴", "产业振兴工作推进情况通报", 1)
		case "/ztzl/xczx/art302.html":
			article(w, "乡村振兴", "人才振兴工作推进情况通报", 4)
		default:
			http.NotFound(w, r) // art303 was deleted
		}
	})

	// 部门信息公开: a hub, and columns on real page shapes.
	mux.HandleFunc("/bmxxgk/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		var b strings.Builder
		switch r.URL.Path {
		case "/bmxxgk/":
			b.WriteString("<ul>")
			for _, c := range bmColumns {
				fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, c.path, c.name)
			}
			b.WriteString("</ul>")
			page(w, "部门信息公开", "部门信息公开", b.String())
		case "/bmxxgk/jgzn/":
			realColumnPage(w, "机构职能", `<div class="list"><p class="nodata">暂无数据</p></div>`)
		case "/bmxxgk/gzdt/":
			b.WriteString(`<ul class="list">`)
			for i, age := range bmGzdtAges {
				fmt.Fprintf(&b, `<li><a href="/bmxxgk/gzdt/content_%d.html">部门工作动态第%d期</a><span>%s</span></li>`, 101+i, i+1, md(age))
			}
			realColumnPage(w, "部门工作动态", b.String()+`</ul>`)
		case "/bmxxgk/tzgg/":
			b.WriteString(`<ul class="list">`)
			for i, age := range bmTzggAges {
				fmt.Fprintf(&b, `<li><a href="/bmxxgk/tzgg/content_%d.html">关于部门年度工作安排的通知（第%d号）</a><span>[%s]</span></li>`, 201+i, i+1, md(age))
			}
			realColumnPage(w, "部门通知公告", b.String()+`</ul>`)
		case "/bmxxgk/zcwj/":
			b.WriteString(`<div class="banner" style="background:url(/images/bmxxgk-2019.jpg) no-repeat center">部门政策文件</div>
<link rel="preconnect" href="` + p.ExternalURL + `/cdn/">
<img src="/images/banner.png" srcset="/images/banner.png?w=300,400 2x" alt="横幅">
<div class="page-content"><ul>`)
			for i, age := range bmZcwjAges {
				fmt.Fprintf(&b, `<li><a href="/bmxxgk/zcwj/content_%d.html">部门规范性文件第%d号</a><span>%s</span></li>`, 301+i, i+1, d(age))
			}
			b.WriteString(`</ul></div>
<div class="pages"><span>共 3 条</span> <a href="/bmxxgk/zcwj/">首页</a> <a href="/bmxxgk/zcwj/">尾页</a></div>
<p><a href="/zxfw/bsjd.do?id=1">办事进度查询</a> <a href="/attach/download.do?fileid=88">办事指南下载</a> <a href="` + longSearch + `">查看全部搜索结果</a></p>`)
			realColumnPage(w, "部门政策文件", b.String())
		default:
			var n int
			switch {
			case sscan(r.URL.Path, "/bmxxgk/gzdt/content_%d.html", &n) && n >= 101 && n < 101+len(bmGzdtAges):
				article(w, "部门工作动态", fmt.Sprintf("部门工作动态第%d期", n-100), 0) // no date anywhere
			case sscan(r.URL.Path, "/bmxxgk/tzgg/content_%d.html", &n) && n >= 201 && n < 201+len(bmTzggAges):
				article(w, "部门通知公告", fmt.Sprintf("关于部门年度工作安排的通知（第%d号）", n-200), bmTzggAges[n-201])
			case sscan(r.URL.Path, "/bmxxgk/zcwj/content_%d.html", &n) && n >= 301 && n < 301+len(bmZcwjAges):
				article(w, "部门政策文件", fmt.Sprintf("部门规范性文件第%d号", n-300), bmZcwjAges[n-301])
			default:
				http.NotFound(w, r)
			}
		}
	})
}

// sscan reports whether s matches format exactly (one %d).
func sscan(s, format string, n *int) bool {
	_, err := fmt.Sscanf(s, format, n)
	return err == nil && fmt.Sprintf(format, *n) == s
}

var bmGuideDOCX = fixtures.DOCX("部门办事指南", "办理时限：五个工作日")

// platformHandler is a provincial platform on its own domain: a
// government site by its identity, not its domain.
func platformHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="SiteName" content="省政务服务网"><meta name="SiteIDCode" content="5300000012"><title>省政务服务网</title></head>
<body><h1>省政务服务网</h1><p>个人办事 法人办事</p><div class="footer">主办：省人民政府办公厅 网站标识码：5300000012
<script id="_jiucuo_" sitecode='5300000012' src='/exposure/jiucuo.js'></script></div></body></html>`))
	})
}

// startPlatform serves the platform on loopback.
func (p *Portal) startPlatform() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	p.PlatformURL = "http://" + ln.Addr().String()
	p.serve(ln, platformHandler())
	return nil
}

// RealPages returns the findings these pages plant (a part of Expected).
func (p *Portal) RealPages(browser bool) []Finding {
	u := func(path string) string { return strings.TrimSuffix(p.URL, "/") + path }
	long := u(longSearch[:512] + "…") // the report cuts a path and query at 512 bytes
	out := []Finding{
		{"broken-link", "firewall", p.URL, u("/zxft/index.html"), "high"},
		{"broken-link", "rate-limited", u("/bmxxgk/zcwj/"), u("/zxfw/bsjd.do?id=1"), "low"},
		{"broken-link", "not-found", u("/bmxxgk/zcwj/"), u("/images/bmxxgk-2019.jpg"), "medium"},
		{"broken-link", "url-too-long", u("/bmxxgk/zcwj/"), long, "info"},
		{"blank-column", "blank", u("/bmxxgk/jgzn/"), "", "medium"},
		{"stale-column", "date-unknown", u("/bmxxgk/gzdt/"), "", "low"},
		{"stale-column", "stale", u("/bmxxgk/tzgg/"), u("/bmxxgk/tzgg/content_201.html"), "high"},
	}
	if browser {
		out = append(out, Finding{"broken-link", "not-found", u("/ztzl/xczx/"), u("/ztzl/xczx/art303.html"), "medium"})
	} else {
		out = append(out, Finding{"blank-column", "unrendered", u("/ztzl/xczx/"), "", "info"})
	}
	return out
}

// ExpectedIncomplete returns what an inspection of the portal must say it
// could not check: the firewall-protected section, as the start of its
// line in the report's Incomplete.
func (p *Portal) ExpectedIncomplete() []string {
	return []string{"网站防火墙（瑞数）自 " + strings.TrimSuffix(p.URL, "/") + "/zxft/index.html 起拦截了巡检"}
}

// IncompleteDiff compares a report's incompleteness with
// ExpectedIncomplete: "" when the report is incomplete for exactly the
// planted reasons, else what differs.
func (p *Portal) IncompleteDiff(rep *finding.Report) string {
	want := p.ExpectedIncomplete()
	var extra []string
	matched := make([]bool, len(want))
	for _, line := range rep.Incomplete {
		ok := false
		for i, w := range want {
			if !matched[i] && strings.HasPrefix(line, w) {
				matched[i], ok = true, true
				break
			}
		}
		if !ok {
			extra = append(extra, "多出："+line)
		}
	}
	for i, w := range want {
		if !matched[i] {
			extra = append(extra, "缺少："+w)
		}
	}
	if rep.Complete && len(want) > 0 {
		extra = append(extra, "报告标为完整")
	}
	return strings.Join(extra, "；")
}
