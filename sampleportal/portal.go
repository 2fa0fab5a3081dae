// Package sampleportal is the built-in sample county portal that `xunjian
// demo` inspects and the end-to-end tests use as their fixture. It plants
// one problem of every kind xunjian knows, and decoys that a good tool must
// not report. Expected lists the findings an inspection must produce.
package sampleportal

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/internal/fixtures"
	"github.com/xunjian/xunjian/pii"
)

// Portal is a running sample portal and the "external" site it links to,
// both on loopback.
type Portal struct {
	// URL is the portal's homepage; ExternalURL the other site's root.
	URL         string
	ExternalURL string
	// SpamURL is a gambling site hackers link to (and an expired domain the
	// portal once linked to honestly).
	SpamURL string
	// PlatformURL is a provincial platform on its own domain that says it
	// is a government site (网站标识码, 政府网站找错).
	PlatformURL string
	servers     []*http.Server
	mu          sync.Mutex
	hits        map[string]int
	slow        time.Duration
	// notModified counts 304 answers (Options.Validators).
	notModified atomic.Int64
}

// NotModified returns how many requests the portal answered 304 Not
// Modified (Options.Validators).
func (p *Portal) NotModified() int { return int(p.notModified.Load()) }

// Options tune the portal for a caller's timeouts.
type Options struct {
	// Slow is how long the planted slow page takes to answer; make it longer
	// than the crawl timeout. Default 3s.
	Slow time.Duration
	// Validators makes the portal answer conditional requests like a
	// static web server: ETag and Last-Modified on every page and file,
	// 304 Not Modified when they match (validators.go).
	Validators bool
}

// Start serves the portal and the external site on 127.0.0.1 until ctx ends
// or Close is called.
func Start(ctx context.Context, o Options) (*Portal, error) {
	if o.Slow == 0 {
		o.Slow = 3 * time.Second
	}
	p := &Portal{hits: map[string]int{}, slow: o.Slow}
	extLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sample portal: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		extLn.Close()
		return nil, fmt.Errorf("sample portal: %w", err)
	}
	spamLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		extLn.Close()
		ln.Close()
		return nil, fmt.Errorf("sample portal: %w", err)
	}
	if err := p.startPlatform(); err != nil {
		extLn.Close()
		ln.Close()
		spamLn.Close()
		return nil, fmt.Errorf("sample portal: %w", err)
	}
	p.SpamURL = "http://" + spamLn.Addr().String()
	p.serve(spamLn, spamHandler())
	p.ExternalURL = "http://" + extLn.Addr().String()
	p.URL = "http://" + ln.Addr().String() + "/"
	p.serve(extLn, p.externalHandler())
	h := p.handler()
	if o.Validators {
		h = withValidators(h, func() { p.notModified.Add(1) })
	}
	p.serve(ln, h)
	context.AfterFunc(ctx, func() { p.Close() })
	return p, nil
}

func (p *Portal) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	p.servers = append(p.servers, srv)
	go srv.Serve(ln)
}

// Close stops both servers.
func (p *Portal) Close() {
	for _, s := range p.servers {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s.Shutdown(ctx)
		cancel()
		s.Close()
	}
}

// Hits returns how often xunjian's crawler (its User-Agent) requested a path,
// for tests of "once per run"; the browser and the cloaking probes, which
// present other identities, are not counted.
func (p *Portal) Hits(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

// hit counts a request and returns its number (1 for the first); requests
// from other identities than the crawler are counted apart.
func (p *Portal) hit(r *http.Request) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := r.URL.Path
	if !strings.Contains(r.UserAgent(), "xunjian") {
		key = "other " + key
	}
	p.hits[key]++
	return p.hits[key]
}

const layout = `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="SiteName" content="示例县人民政府"><meta name="ColumnName" content="%s">
<title>%s_示例县人民政府</title></head>
<body><a class="skip" href="#main" style="position:absolute;left:-9999px">跳到主要内容</a>
<div class="nav"><a href="/">首页</a> <a href="/xwdt/">新闻动态</a> <a href="/gzdt/">工作动态</a> <a href="/bmdt/">部门动态</a> <a href="/tzgg/">通知公告</a> <a href="/zcwj/">政策文件</a> <a href="/zcjd/">政策解读</a> <a href="/rsxx/">人事信息</a> <a href="/ghjh/">规划计划</a> <a href="/xxgk/">信息公开</a> <a href="/lsda/">历史档案</a> <a href="/hdjl/">互动交流</a></div>
<div id="main">%s</div>
<div class="footer">主办：示例县人民政府办公室 网站标识码：0000000000 今天是 %s <a href="mailto:zfb@example.gov.cn">联系我们</a></div>
</body></html>`

func page(w http.ResponseWriter, column, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, layout, column, title, body, today())
}

// today is the footer's date: a date outside any list, which the column
// check must ignore.
func today() string { return time.Now().Format("2006年1月2日") }

// ago is the date n days before the request, so that columns sit on the
// side of their thresholds they were planted on whatever the run date.
func ago(n int) time.Time { return time.Now().AddDate(0, 0, -n) }

func (p *Portal) handler() http.Handler {
	mux := http.NewServeMux()
	ext := p.ExternalURL
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		if r.URL.Path != "/" && r.URL.Path != "/index.html" {
			http.NotFound(w, r)
			return
		}
		spam := p.SpamURL
		// Cloaking: links only Baiduspider, or a visitor from a Baidu
		// search, gets.
		cloaked := ""
		if strings.Contains(r.UserAgent(), "Baiduspider") {
			cloaked += `<a href="` + spam + `/a8.html">彩票资讯</a>`
		}
		if strings.Contains(r.Referer(), "baidu.com") {
			cloaked += `<a href="` + spam + `/a9.html">手机彩票</a>`
		}
		// Dark links, one per technique, and decoys that are hidden on
		// purpose and point inside the site.
		dark := `<link rel="stylesheet" href="/css/site.css">
<div class="links">友情链接：<a href="` + spam + `/index.html">示例县旅游协会</a> <a href="` + ext + `/index.html">市人民政府</a></div>
<div style="display:none"><a href="` + spam + `/a1.html">澳门博彩</a></div>
<div class="hdlk"><a href="` + spam + `/a2.html">免费电影</a></div>
<p style="font-size:0"><a href="` + spam + `/a3.html">在线视频</a></p>
<div style="background:#fff"><a style="color:#fff" href="` + spam + `/a4.html">游戏下载</a></div>
<marquee height="1" width="1"><a href="` + spam + `/a5.html">体育投注</a></marquee>
<iframe src="` + spam + `/frame.html" width="0" height="0" frameborder="0"></iframe>
<noscript><a href="` + spam + `/a6.html">棋牌游戏</a></noscript>
<script>document.write('<a href="` + spam + `/a7.html">百家乐</a>');</script>
<ul class="m-menu" style="display:none"><li><a href="/xwdt/">新闻动态</a></li><li><a href="/tzgg/">通知公告</a></li></ul>
<a class="wza" href="/wza.html" style="display:none">无障碍浏览</a>
<div id="jsx"></div><script>(function(){var a=document.createElement('a');a.href='` + spam + `/a10.html';a.textContent='快三开奖';a.style.position='absolute';a.style.left='-3000px';document.getElementById('jsx').appendChild(a);})();</script>` + cloaked
		page(w, "首页", "首页", dark+`
<h2>要闻</h2>
<ul>
<li><a href="/xwdt/2026/art1.html">县委常委会召开会议研究部署冬季安全生产工作</a> <span>`+ago(2).Format("2006-01-02")+`</span></li>
<li><a href="/xwdt/2023/old-article.html">县长调研春耕生产</a> <span>`+ago(400).Format("2006-01-02")+`</span></li>
</ul>
<img src="/images/banner.png" alt="为民服务">
<img src="/images/banner-2019.jpg" alt="专题横幅">
<h2>办事服务</h2>
<a href="/download/guide.pdf">办事指南下载</a>
<a href="/ztzl/ratelimited.html">专题专栏</a>
<a href="http://10.0.0.1/oa/">内网办公系统</a>
<a href="`+ext+`/index.html">市政府门户网站</a>
<a href="`+ext+`/moved.html">省政务服务网</a>
<a href="tel:0871-1234567">值班电话</a> <a href="javascript:void(0)">打印本页</a>
<form action="/search.do"><input name="q"><button>搜索</button></form>`+cmsZone+p.realZone())
	})
	mux.HandleFunc("/css/site.css", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte(".hdlk{display:none}\n.links a{color:#333}\n@media (max-width:600px){.m-menu{display:block}}\n"))
	})
	mux.HandleFunc("/wza.html", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		page(w, "无障碍", "无障碍浏览", `<p>无障碍浏览说明</p>`)
	})
	mux.HandleFunc("/images/banner.png", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n"))
	})
	mux.HandleFunc("/download/guide.pdf", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		// A server that refuses HEAD: a link checker must fall back to GET.
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(guidePDF)
	})
	mux.HandleFunc("/ztzl/ratelimited.html", func(w http.ResponseWriter, r *http.Request) {
		// Rate limited once, then fine: Retry-After must be honoured, no finding.
		if p.hit(r) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		page(w, "专题专栏", "专题专栏", `<p>优化营商环境专题</p>`)
	})
	mux.HandleFunc("/xwdt/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		switch r.URL.Path {
		case "/xwdt/", "/xwdt/index.html":
			d := func(n int) string { return ago(n).Format("2006-01-02") }
			page(w, "新闻动态", "新闻动态", `<ul>
<li><a href="/xwdt/2026/art1.html">县委常委会召开会议研究部署冬季安全生产工作</a><span>`+d(2)+`</span></li>
<li><a href="/xwdt/2026/art2.html">我县发放2026年度耕地地力保护补贴</a><span>`+d(5)+`</span></li>
<li><a href="/xwdt/2026/art3.html">全县404户群众喜迁新居</a><span>`+d(9)+`</span></li>
<li><a href="/xwdt/2026/deleted.html">关于某项工作的报道</a><span>`+d(20)+`</span></li>
<li><a href="/xwdt/live.html">网络直播：县长访谈</a><span>`+d(30)+`</span></li>
</ul>
<div class="page"><a href="/xwdt/index_1.html">下一页</a></div>
<img src="/images/banner-2019.jpg" alt="专题横幅">`)
		case "/xwdt/index_1.html":
			// The second page of the list (pagination): older entries.
			d := func(n int) string { return ago(n).Format("2006/01/02") }
			page(w, "新闻动态", "新闻动态", `<ul>
<li><a href="/xwdt/2026/art1.html">县委常委会召开会议研究部署冬季安全生产工作</a><span>`+d(2)+`</span></li>
<li><a href="/xwdt/2026/art3.html">全县404户群众喜迁新居</a><span>`+d(40)+`</span></li>
</ul>`)
		case "/xwdt/2026/art1.html":
			// Injected spam split by symbols, as hacked pages carry it.
			page(w, "新闻动态", "县委常委会召开会议研究部署冬季安全生产工作", `<p>11月20日，县委常委会召开会议……</p>
<p>点击进入澳*门*博*彩官方网站</p>`)
		case "/xwdt/2026/art2.html":
			// A contact's mobile number; decoys: an office landline, an
			// already masked ID, a crackdown on online gambling.
			page(w, "新闻动态", "我县发放2026年度耕地地力保护补贴", `<p>补贴名单见附件。咨询电话：0876-7623373，联系人：张老师 13812345678。</p>
<p>示例：身份证号 532627********1234。公安机关同步开展打击网赌专项行动。</p>
<p><a href="/uploads/2021/补贴名单.xls">附件：补贴名单.xls</a></p>
<p><a href="/uploads/2026/dibao.xlsx">附件：2026年低保对象名单.xlsx</a></p>
<p><a href="/uploads/2026/gongshi.pdf">附件：公示.pdf</a></p>`)
		case "/xwdt/2026/art3.html":
			// Decoy: "404" in a real article is not a "page not found" page.
			// Typo: 截止 before a date should be 截至.
			page(w, "新闻动态", "全县404户群众喜迁新居", `<h1>全县404户群众喜迁新居</h1><p>截止2026年10月底，易地搬迁安置点建成……</p>`)
		case "/xwdt/2026/deleted.html":
			// Soft 404: a 200 answer that says the page does not exist.
			page(w, "提示信息", "提示信息", `<h1>您访问的页面不存在或已被删除</h1>`)
		case "/xwdt/live.html":
			select {
			case <-time.After(p.slow):
			case <-r.Context().Done():
			}
			page(w, "新闻动态", "网络直播", `<p>直播</p>`)
		default:
			http.NotFound(w, r)
		}
	})
	mux.HandleFunc("/tzgg/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		switch r.URL.Path {
		case "/tzgg/", "/tzgg/index.html":
			// Stale: the newest notice is 200 days old (the limit is 180).
			d := func(n int) string { return ago(n).Format("2006年1月2日") }
			page(w, "通知公告", "通知公告", `<ul>
<li><a href="/tzgg/loop1.html">关于开展安全生产大检查的通知</a>（`+d(250)+`）</li>
<li><a href="/tzgg/notice1.html">关于2026年度公务员招录的公告</a>（`+d(200)+`）</li>
</ul>`)
		case "/tzgg/loop1.html":
			http.Redirect(w, r, "/tzgg/loop2.html", http.StatusFound)
		case "/tzgg/loop2.html":
			http.Redirect(w, r, "/tzgg/loop1.html", http.StatusFound)
		case "/tzgg/notice1.html":
			// Serious wording error in the country's name; decoy: 截止 not
			// before a date is right.
			page(w, "通知公告", "关于2026年度公务员招录的公告", `<p>根据《中华人民共合国公务员法》，现将有关事项公告如下。报名截止日期为12月1日。</p>
<p>报名表：<a href="/uploads/2026/baomingbiao.docx">报名表.docx</a></p>
<p>往年名单：<a href="/uploads/2025/mingdan.xlsx">2025年名单.xlsx</a></p>`)
		default:
			http.NotFound(w, r)
		}
	})
	serveFile := func(path, contentType string, data []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			p.hit(r)
			w.Header().Set("Content-Type", contentType)
			w.Write(data)
		})
	}
	const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	// A registration form with the contact's mobile number in it.
	serveFile("/uploads/2026/baomingbiao.docx", docxType, fixtures.DOCX("2026年度公务员招录报名表", "咨询联系人：王老师，手机 13912345678"))
	// A published low-income list with full ID numbers (planted) and an
	// already masked column (decoy).
	serveFile("/uploads/2026/dibao.xlsx", xlsxType, fixtures.XLSX([][]string{
		{"序号", "姓名", "身份证号", "脱敏身份证号"},
		{"1", "赵某", IDNumbers[0], "532627********1234"},
		{"2", "钱某", IDNumbers[1], "532627********5678"},
	}))
	// A notice typeset by office software: GBK-EUC-H font, no ToUnicode map.
	serveFile("/uploads/2026/gongshi.pdf", "application/pdf", fixtures.GBKPDF("关于2026年度临时救助对象的公示", "孙某 "+IDNumbers[2]))
	// A truncated spreadsheet: it cannot be read, which must be said.
	serveFile("/uploads/2025/mingdan.xlsx", xlsxType, fixtures.XLSX([][]string{{"姓名"}, {"某某"}})[:300])
	mux.HandleFunc("/zcwj/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		if r.URL.Path != "/zcwj/" && r.URL.Path != "/zcwj/index.html" {
			http.NotFound(w, r)
			return
		}
		// Many county portals still serve GBK.
		w.Header().Set("Content-Type", "text/html; charset=gbk")
		// A hacked GBK page: spam that only a GB18030-aware decoder reads.
		body := fmt.Sprintf(strings.Replace(layout, `charset="utf-8"`, `charset="gbk"`, 1), "政策文件", "政策文件", `<ul>
<li><a href="/zcwj/2020/zcjd.html">关于印发《示例县耕地保护实施办法》的通知</a> [`+ago(30).Format("01-02")+`]</li>
</ul><p>六合彩开奖直播</p><p><a href="`+gbkSearch+`">站内搜索：耕地保护</a></p>`)
		// Month-day dates under a year heading.
		body = strings.Replace(body, "<ul>", "<h3>"+ago(30).Format("2006")+"年</h3><ul>", 1)
		b, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(body))
		w.Write(b)
	})
	p.columnHandlers(mux)
	p.cmsHandlers(mux)
	p.realHandlers(mux)
	mux.HandleFunc("/hdjl/", func(w http.ResponseWriter, r *http.Request) {
		n := p.hit(r)
		switch r.URL.Path {
		case "/hdjl/", "/hdjl/index.html":
			// Decoy: a transient 500 that a retry clears.
			if n == 1 {
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
				return
			}
			page(w, "互动交流", "互动交流", `<a href="/hdjl/mailbox.html">县长信箱</a>`)
		case "/hdjl/mailbox.html":
			http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	})
	return mux
}

// column is a planted column: its list shows its entries' dates in one of
// the formats Chinese portals use.
type column struct {
	path, name string
	ages       []int                  // days before the run, newest first
	format     func(time.Time) string // how the list writes a date
	item       func(a, date string) string
	note       string
}

func (p *Portal) columnHandlers(mux *http.ServeMux) {
	li := func(a, date string) string { return "<li>" + a + "<span>" + date + "</span></li>" }
	cols := []column{
		// News 20 days old: stale (14). Dates as 【MM-DD】, the year inferred.
		{"/gzdt/", "工作动态", []int{20, 35}, func(t time.Time) string { return "【" + t.Format("01-02") + "】" }, li, ""},
		// News 11 days old: an early warning (10), not yet stale.
		{"/bmdt/", "部门动态", []int{11, 16}, func(t time.Time) string { return t.Format("2006.01.02") }, li, ""},
		// Personnel 400 days old: stale (365). The date in its own cell.
		{"/rsxx/", "人事信息", []int{400, 500}, func(t time.Time) string { return t.Format("2006-01-02") },
			func(a, date string) string { return "<tr><td>" + a + "</td><td>" + date + "</td></tr>" }, ""},
		// Plans 100 days old: fine (365). 发布时间：… in the item.
		{"/ghjh/", "规划计划", []int{100}, func(t time.Time) string { return "发布时间：" + t.Format("2006-01-02") }, li, ""},
		// Policy interpretations: no dates in the list; the articles' PubDate
		// meta (60 days) dates them: fine (180).
		{"/zcjd/", "政策解读", []int{60, 90}, nil, li, ""},
		// An archive 800 days old, excluded by the config: no finding.
		{"/lsda/", "历史档案", []int{800}, func(t time.Time) string { return t.Format("2006-01-02") }, li, ""},
		// A blank column: a placeholder only.
		{"/xxgk/", "信息公开", nil, nil, li, "<p>暂无信息</p>"},
	}
	for _, c := range cols {
		mux.HandleFunc(c.path, func(w http.ResponseWriter, r *http.Request) {
			p.hit(r)
			if r.URL.Path == c.path || r.URL.Path == c.path+"index.html" {
				var b strings.Builder
				if strings.HasPrefix(c.path, "/rsxx") {
					b.WriteString("<table>")
				} else {
					b.WriteString("<ul>")
				}
				for i, age := range c.ages {
					a := fmt.Sprintf(`<a href="%sart%d.html">%s第%d号信息</a>`, c.path, i+1, c.name, i+1)
					date := ""
					if c.format != nil {
						date = c.format(ago(age))
					}
					b.WriteString(c.item(a, date))
				}
				if strings.HasPrefix(c.path, "/rsxx") {
					b.WriteString("</table>")
				} else {
					b.WriteString("</ul>")
				}
				b.WriteString(c.note)
				page(w, c.name, c.name, b.String())
				return
			}
			var n int
			if _, err := fmt.Sscanf(strings.TrimPrefix(r.URL.Path, c.path), "art%d.html", &n); err != nil || n < 1 || n > len(c.ages) {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			art := fmt.Sprintf(`<h1>%s第%d号信息</h1><p>正文内容。</p>`, c.name, n)
			body := fmt.Sprintf(layout, c.name, c.name, art, today())
			body = strings.Replace(body, "<title>", `<meta name="PubDate" content="`+ago(c.ages[n-1]).Format("2006-01-02 15:04")+`"><title>`, 1)
			w.Write([]byte(body))
		})
	}
}

// Config is the configuration the demo and the end-to-end tests inspect the
// portal with: loopback allowed, short timeouts so the planted slow page
// fails fast, and the archive column excluded.
func (p *Portal) Config() config.Config {
	c := config.Default()
	c.Sites = []config.Site{{Name: "示例县人民政府（内置样例站点）", URL: p.URL}}
	c.Crawl.AllowNetworks = []string{"127.0.0.0/8", "::1/128"}
	c.Crawl.Timeout = config.Duration(time.Second)
	c.Crawl.Retries = 1
	c.Crawl.RetryBackoff = config.Duration(100 * time.Millisecond)
	c.Crawl.Rate = 200
	c.Crawl.Concurrency = 8
	c.Checks.Connectivity.Interval = config.Duration(200 * time.Millisecond)
	c.Checks.Connectivity.Timeout = config.Duration(5 * time.Second)
	c.Columns.Overrides = append(c.Columns.Overrides, catalog.ColumnOverride{URL: strings.TrimSuffix(p.URL, "/") + "/lsda/", Exclude: true})
	// The "external" server plays the city government's portal.
	c.Checks.ExternalLink.GovernmentDomains = append(c.Checks.ExternalLink.GovernmentDomains, strings.TrimPrefix(p.ExternalURL, "http://"))
	return c
}

// IDNumbers are the (fictitious, checksum-valid) resident ID numbers the
// portal leaks in its attachments.
var IDNumbers = []string{idNumber("53262719850312002"), idNumber("53262719920607103"), idNumber("53262719780101204"), idNumber("53262720010909406")}

func idNumber(first17 string) string { return first17 + string(pii.CheckChar(first17)) }

var guidePDF = fixtures.GBKPDF("示例县政务服务办事指南")

// spamHandler is the gambling site dark links point to.
func spamHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><head><title>澳门博彩官方网站</title></head><body><h1>澳门博彩 注册送彩金</h1></body></html>`))
	})
}

func (p *Portal) externalHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/index.html", func(w http.ResponseWriter, r *http.Request) {
		page(w, "首页", "市政府门户网站", `<p>市政府</p>`)
	})
	mux.HandleFunc("/", http.NotFound)
	return mux
}

// Finding is one finding the sample portal must produce: check, kind, and
// the paths of page and target on the portal (or full URLs elsewhere).
type Finding struct {
	Check, Kind, Page, Target, Severity string
}

// Expected returns exactly the findings an inspection of the portal with
// the demo configuration produces, with headless Chromium available
// (browser) or not. Page and target are absolute URLs.
func (p *Portal) Expected(browser bool) []Finding {
	u := func(path string) string { return strings.TrimSuffix(p.URL, "/") + path }
	home := p.URL
	out := []Finding{
		{"connectivity", "no-https", home, home, "low"},
		{"connectivity", "no-ipv6", home, home, "low"},
		{"broken-link", "not-found", home, u("/xwdt/2023/old-article.html"), "high"},
		{"broken-link", "not-found", home, u("/images/banner-2019.jpg"), "high"},
		{"broken-link", "not-found", u("/xwdt/"), u("/images/banner-2019.jpg"), "medium"},
		{"broken-link", "private-address", home, "http://10.0.0.1/oa/", "medium"},
		{"broken-link", "not-found", home, p.ExternalURL + "/moved.html", "high"},
		{"broken-link", "not-found", u("/xwdt/2026/art2.html"), u("/uploads/2021/%E8%A1%A5%E8%B4%B4%E5%90%8D%E5%8D%95.xls"), "medium"},
		{"broken-link", "soft-404", u("/xwdt/"), u("/xwdt/2026/deleted.html"), "low"},
		{"broken-link", "timeout", u("/xwdt/"), u("/xwdt/live.html"), "medium"},
		{"broken-link", "redirect-loop", u("/tzgg/"), u("/tzgg/loop1.html"), "medium"},
		{"broken-link", "not-found", u("/zcwj/"), u("/zcwj/2020/zcjd.html"), "medium"},
		{"broken-link", "server-error", u("/hdjl/"), u("/hdjl/mailbox.html"), "medium"},
		{"sensitive-word", "gambling", u("/xwdt/2026/art1.html"), "", "high"},
		{"sensitive-word", "gambling", u("/zcwj/"), "", "high"},
		{"typo", "typo", u("/xwdt/2026/art3.html"), "", "medium"},
		{"typo", "serious", u("/tzgg/notice1.html"), "", "critical"},
		{"privacy", "mobile", u("/xwdt/2026/art2.html"), "", "medium"},
		{"privacy", "mobile", u("/tzgg/notice1.html"), u("/uploads/2026/baomingbiao.docx"), "medium"},
		{"privacy", "id-card", u("/xwdt/2026/art2.html"), u("/uploads/2026/dibao.xlsx"), "high"},
		{"privacy", "id-card", u("/xwdt/2026/art2.html"), u("/uploads/2026/dibao.xlsx"), "high"},
		{"privacy", "id-card", u("/xwdt/2026/art2.html"), u("/uploads/2026/gongshi.pdf"), "high"},
		{"attachment", "attachment-unreadable", u("/tzgg/notice1.html"), u("/uploads/2025/mingdan.xlsx"), "low"},
		{"stale-column", "stale", u("/tzgg/"), u("/tzgg/notice1.html"), "high"},
		{"stale-column", "stale", u("/gzdt/"), u("/gzdt/art1.html"), "high"},
		{"stale-column", "warning", u("/bmdt/"), u("/bmdt/art1.html"), "low"},
		{"stale-column", "stale", u("/rsxx/"), u("/rsxx/art1.html"), "medium"},
		{"stale-column", "undated", u("/hdjl/"), "", "medium"},
		{"blank-column", "blank", u("/xxgk/"), "", "medium"},
		{"dark-link", "display-none", home, p.SpamURL + "/a1.html", "critical"},
		// Hidden links to the gambling site: each is one critical dark
		// link, with the external-link check's view of its target (bad
		// content) and the sensitive word of its anchor in its details.
		{"dark-link", "display-none", home, p.SpamURL + "/a2.html", "critical"},
		{"dark-link", "font-size-zero", home, p.SpamURL + "/a3.html", "critical"},
		{"dark-link", "same-color", home, p.SpamURL + "/a4.html", "critical"},
		{"dark-link", "tiny-marquee", home, p.SpamURL + "/a5.html", "critical"},
		{"dark-link", "zero-size-iframe", home, p.SpamURL + "/frame.html", "high"},
		{"dark-link", "noscript", home, p.SpamURL + "/a6.html", "high"},
		{"dark-link", "script-written", home, p.SpamURL + "/a7.html", "critical"},
		{"dark-link", "cloaking", home, p.SpamURL + "/a8.html", "high"},
		{"dark-link", "cloaking", home, p.SpamURL + "/a9.html", "high"},
		{"external-link", "review", home, p.SpamURL + "/index.html", "low"},
		{"external-link", "review", home, "http://10.0.0.1/oa/", "low"},
		{"external-link", "bad-content", home, p.SpamURL + "/index.html", "high"},
	}
	out = append(out, p.CMSZoo()...)
	out = append(out, p.RealPages(browser)...)
	if browser {
		// Only a browser sees a link a script creates and hides.
		out = append(out, Finding{"dark-link", "off-screen", home, p.SpamURL + "/a10.html", "high"})
	} else {
		out = append(out, Finding{"dark-link", "rendering-skipped", home, "", "info"})
	}
	return out
}

// String names a finding in one line: check/kind page -> target (severity).
func (f Finding) String() string {
	s := f.Check + "/" + f.Kind + " " + f.Page
	if f.Target != "" {
		s += " -> " + f.Target
	}
	return s + " (" + f.Severity + ")"
}

// Diff compares a report of the portal with Expected(browser), counting
// repeats: missing are planted problems the report lacks, unexpected are
// findings it should not hold (a decoy reported, a problem reported
// twice). Both are sorted; both empty means the report is exactly right.
func (p *Portal) Diff(rep *finding.Report, browser bool) (missing, unexpected []Finding) {
	want := map[Finding]int{}
	for _, f := range p.Expected(browser) {
		want[f]++
	}
	for _, f := range rep.Findings {
		got := Finding{f.Check, f.Kind, f.Page, f.Target, string(f.Severity)}
		if want[got] > 0 {
			want[got]--
			continue
		}
		unexpected = append(unexpected, got)
	}
	for f, n := range want {
		for range n {
			missing = append(missing, f)
		}
	}
	byString := func(a, b Finding) int { return strings.Compare(a.String(), b.String()) }
	slices.SortFunc(missing, byString)
	slices.SortFunc(unexpected, byString)
	return missing, unexpected
}
