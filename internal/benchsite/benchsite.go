// Package benchsite generates the benchmark portal's pages and stylesheet:
// the whole-process benchmark serves them (bench/sitegen) and the
// in-process per-check benchmarks read the same bytes, so a per-page cost
// measured in a testing.B is the cost of a page of the crawled site.
//
// A page looks like a county portal's article page built by a CMS
// template: a linked site stylesheet (Options.CSSRules rules, the same on
// every page), an inline <style> block and inline scripts (the template's,
// the same on every page), the content nested Options.Depth elements deep,
// a list of 35 dated links to other pages, three navigation links, an
// image and an attachment, a table of records and an icon sprite, padded
// with template script to about Options.PageBytes. Every 50th page (and
// the homepage) is a column's list page; the others are articles with
// their publication date and text that differs from page to page
// (government phrases mixed with words drawn per page, so that no two
// pages look alike to a near-duplicate detector), the dated list being
// their 相关信息.
// Page i's links: pages 5i+1…5i+5 (so every page is reachable in a few
// hops) and 30 pages spread over the site; every 1000th page also links a
// missing page.
package benchsite

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options shape the generated site.
type Options struct {
	// Pages is the number of pages (/, /p/1.html … /p/N-1.html).
	Pages int
	// CSSRules is the number of rules in /css/site.css, linked from every
	// page (0: no stylesheet, no inline style, no template scripts).
	CSSRules int
	// PageBytes pads pages to about this many bytes (0: no padding, no
	// article, table or sprite: the small pages of the spine benchmark).
	PageBytes int
	// Depth is how many elements deep the content is nested.
	Depth int
}

// Heavy are the benchmark's default options: realistic templates, not only
// small pages (issue 11).
func Heavy(pages int) Options {
	return Options{Pages: pages, CSSRules: 2000, PageBytes: 100 << 10, Depth: 120}
}

// Light are the small pages of the spine benchmark: 40 links, no
// stylesheet, no nesting.
func Light(pages int) Options { return Options{Pages: pages} }

// StylesheetPath is where pages link the site stylesheet.
const StylesheetPath = "/css/site.css"

// Site generates pages for one set of options. Its parts shared by every
// page are built once; Page is safe for concurrent use.
type Site struct {
	o      Options
	head   string // after <title>
	script string // template script before </body>
	sprite string
	css    []byte
}

// New returns the site of o.
func New(o Options) *Site {
	s := &Site{o: o}
	if o.CSSRules > 0 {
		s.css = stylesheet(o.CSSRules, o.Depth)
		s.head = `<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="` + StylesheetPath + `"><style>` + inlineStyle() + `</style><script>` + templateScript(6<<10) + `</script>`
	}
	if o.PageBytes > 0 {
		s.sprite = sprite()
		// What the fixed parts leave of the page's size, in script.
		rest := o.PageBytes - len(s.head) - len(s.sprite) - o.Depth*40 - 3*2500 - 35*200 - 100*160 - 2000
		s.script = templateScript(max(rest, 0))
	}
	return s
}

// Stylesheet returns /css/site.css (nil without one).
func (s *Site) Stylesheet() []byte { return s.css }

// Options returns the site's options.
func (s *Site) Options() Options { return s.o }

// Title is page i's title as its links show it.
func Title(i int) string {
	if i == 0 {
		return "示例县人民政府"
	}
	rng := rand.New(rand.NewPCG(uint64(i), 3))
	return topics[rng.IntN(len(topics))] + actions[rng.IntN(len(actions))] + subjects[rng.IntN(len(subjects))] + kinds[rng.IntN(len(kinds))]
}

// Published is page i's date in its version (pages edited once move 800
// days on).
func Published(i, version int) time.Time {
	return time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i%700)*24*time.Hour + time.Duration(version-1)*800*24*time.Hour)
}

var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// IsList reports whether page i is a column's list page (the homepage and
// every 50th page); the others are articles, with their own publication
// date (a PubDate meta tag and a 发布时间 line, as CMS article templates
// write them).
func IsList(i int) bool { return i%50 == 0 }

// Page returns page i (0 is the homepage) in its version (1, or 2 once
// edited).
func (s *Site) Page(i, version int) []byte {
	b := bufs.Get().(*bytes.Buffer)
	defer func() { b.Reset(); bufs.Put(b) }()
	n := s.o.Pages
	fmt.Fprintf(b, `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>%s_示例县人民政府</title>`, Title(i))
	if s.o.PageBytes > 0 {
		fmt.Fprintf(b, `<meta name="description" content="%s">`, Title(i))
		if !IsList(i) {
			fmt.Fprintf(b, `<meta name="PubDate" content="%s">`, Published(i, version).Format("2006-01-02 15:04"))
		}
	}
	b.WriteString(s.head)
	b.WriteString(`</head><body>`)
	if s.o.CSSRules > 0 {
		b.WriteString(`<a class="sr-only skip" href="#main">跳到主要内容</a>`)
	}
	b.WriteString(`<div class="nav"><a href="/">首页</a> <a href="/p/1.html">新闻动态</a> <a href="/p/2.html">通知公告</a></div>`)
	for d := range s.o.Depth {
		fmt.Fprintf(b, `<div class="w%d" id="w%d-%d">`, d, d, i%7)
	}
	b.WriteString(`<div class="main" id="main">`)
	if s.o.PageBytes > 0 {
		article(b, i, version)
	}
	b.WriteString(`<ul class="list">`)
	item := func(t int) {
		if s.o.PageBytes > 0 {
			fmt.Fprintf(b, `<li class="item"><a href="/p/%d.html" title="%s">%s</a><span class="date">%s</span></li>`, t, Title(t), Title(t), Published(t, 1).Format("2006-01-02"))
		} else {
			fmt.Fprintf(b, `<li><a href="/p/%d.html">%s %d</a></li>`, t, Title(t), t)
		}
	}
	for k := 1; k <= 5; k++ {
		if c := i*5 + k; c < n {
			item(c)
		}
	}
	for k := range 30 {
		item((i*37 + k*53 + k*k) % n)
	}
	b.WriteString(`</ul><img src="/img/logo.png" alt="标志">`)
	fmt.Fprintf(b, `<p>附件：<a href="/files/%d.pdf">附件%d.pdf</a></p>`, i%500, i%500)
	if i%1000 == 999 {
		fmt.Fprintf(b, `<a href="/missing/%d.html">已删除的文章</a>`, i)
	}
	if version > 1 {
		b.WriteString(`<p>（本文已更新）</p>`)
	}
	if s.o.PageBytes > 0 {
		records(b, i)
	}
	b.WriteString(`</div>`)
	for range s.o.Depth {
		b.WriteString(`</div>`)
	}
	b.WriteString(`<div class="footer"><p>示例县人民政府办公室主办 网站标识码 0000000000</p>`)
	if s.o.PageBytes > 0 {
		b.WriteString(`<p>地址：示例县人民路1号 邮编：000000 联系电话：0000-12345678</p>`)
	}
	b.WriteString(`</div>`)
	b.WriteString(s.sprite)
	if s.script != "" {
		b.WriteString(`<script>`)
		b.WriteString(s.script)
		b.WriteString(`</script>`)
	}
	b.WriteString(`</body></html>`)
	return bytes.Clone(b.Bytes())
}

// article writes an article (a column's introduction on a list page) of
// about 2,500 characters (1,600) of government text: phrases of the
// phrase lists and the page's own words (40 words drawn for the page, used
// as often as a text uses its key words: the k-th about 1/k as often as
// the first), so that pages differ as real articles do.
func article(b *bytes.Buffer, i, version int) {
	rng := rand.New(rand.NewPCG(uint64(i), 5))
	var own [40]string
	for k := range own {
		rs := make([]rune, 2+rng.IntN(3))
		for j := range rs {
			rs[j] = rune(0x4E00 + rng.IntN(3500))
		}
		own[k] = string(rs)
	}
	word := func() string {
		return own[min(int(float64(len(own))*rng.Float64()*rng.Float64()*rng.Float64()*1.5), len(own)-1)]
	}
	b.WriteString(`<div class="article"><h1>`)
	b.WriteString(Title(i))
	b.WriteString(`</h1>`)
	paragraphs := 8 // a list page's column introduction
	if !IsList(i) {
		fmt.Fprintf(b, `<p class="info">发布时间：%s 来源：%s</p>`, Published(i, version).Format("2006-01-02"), offices[i%len(offices)])
		paragraphs = 12
	}
	for range paragraphs {
		b.WriteString(`<p>`)
		for range 8 {
			if rng.IntN(3) == 0 {
				b.WriteString(topics[rng.IntN(len(topics))])
			}
			for range 2 + rng.IntN(4) {
				b.WriteString(word())
			}
			b.WriteString(actions[rng.IntN(len(actions))])
			b.WriteString(word())
			b.WriteString(subjects[rng.IntN(len(subjects))])
			switch rng.IntN(4) {
			case 0:
				b.WriteString(strconv.Itoa(2020 + rng.IntN(7)))
				b.WriteString(`年`)
			case 1:
				b.WriteString(`“`)
				b.WriteString(word())
				b.WriteString(kinds[rng.IntN(len(kinds))])
				b.WriteString(`”`)
			}
			b.WriteString(clauses[rng.IntN(len(clauses))])
		}
		b.WriteString(`</p>`)
	}
	b.WriteString(`</div>`)
}

// records writes a disclosure index table of 100 rows (no links).
func records(b *bytes.Buffer, i int) {
	b.WriteString(`<table class="xxgk"><thead><tr><th>索引号</th><th>名称</th><th>发布机构</th><th>日期</th></tr></thead><tbody>`)
	for r := range 100 {
		t := (i*101 + r*7919) % 100000
		fmt.Fprintf(b, `<tr><td>000000000/2026-%05d</td><td>%s</td><td>%s</td><td>2026-%02d-%02d</td></tr>`,
			t, Title(t+1), offices[t%len(offices)], t%12+1, t%28+1)
	}
	b.WriteString(`</tbody></table>`)
}

// sprite is an inline SVG icon sprite, hidden as templates hide theirs.
func sprite() string {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" style="display:none">`)
	rng := rand.New(rand.NewPCG(11, 11))
	for k := range 40 {
		fmt.Fprintf(&b, `<symbol id="icon-%d" viewBox="0 0 1024 1024"><path d="M`, k)
		for range 30 {
			fmt.Fprintf(&b, "%d %d L", rng.IntN(1024), rng.IntN(1024))
		}
		b.WriteString(`512 512z"></path></symbol>`)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// templateScript is about size bytes of the template's script: a settings
// literal, then handlers, as CMS templates carry them; none writes the
// DOM or fetches data.
func templateScript(size int) string {
	var b strings.Builder
	b.WriteString(`var siteConfig={siteId:"0000000000",columns:[`)
	for k := range 30 {
		fmt.Fprintf(&b, `{id:%d,name:"%s",code:"col%d",order:%d,visible:%t},`, k, subjects[k%len(subjects)], 1000+k, k, k%3 != 0)
	}
	b.WriteString("{}]};\n")
	for k := 0; b.Len() < size; k++ {
		fmt.Fprintf(&b, `function initColumn%d(){var el=document.getElementById("col%d");if(!el){return false}var items=el.getElementsByTagName("li");`+
			`for(var i=0;i<items.length;i++){items[i].onmouseover=function(){this.className+=" hover"};items[i].onmouseout=function(){this.className=this.className.replace(/\s*hover/g,"")}}`+
			`var opts={speed:%d,auto:%t,interval:%d,effect:"fade"};if(window.slider){window.slider(el,opts)}return true}`+"\n", k, 1000+k, 300+k%7*100, k%2 == 0, 3000+k)
	}
	return b.String()
}

// inlineStyle is the template's <style> block (40 rules).
func inlineStyle() string {
	var b strings.Builder
	b.WriteString(`.sr-only{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}`)
	for k := range 39 {
		fmt.Fprintf(&b, `.tpl-%d .item a{color:#%06x;font-size:%dpx}`, k, k*4093, 12+k%6)
	}
	return b.String()
}

// stylesheet is the site's stylesheet: rules in the shapes frameworks and
// CMS templates write (descendant and child selectors, classes, ids,
// pseudo-classes, media queries, groups), some naming the page's wrappers,
// some hiding elements the page does not have.
func stylesheet(rules, depth int) []byte {
	var b strings.Builder
	b.WriteString("@charset \"utf-8\";\n")
	w := func(i int) int { return i % max(depth, 1) }
	for i := range rules {
		switch i % 10 {
		case 0:
			fmt.Fprintf(&b, ".w%d .list li{line-height:28px;color:#333}\n", w(i))
		case 1:
			fmt.Fprintf(&b, ".col-%d a:hover{color:#c00;text-decoration:underline}\n", i)
		case 2:
			fmt.Fprintf(&b, "#m%d .item > a{font-size:14px;display:block}\n", i)
		case 3:
			fmt.Fprintf(&b, ".hide-%d{display:none}\n", i)
		case 4:
			fmt.Fprintf(&b, "@media (max-width:768px){.w%d .nav-%d{display:none}}\n", w(i), i)
		case 5:
			fmt.Fprintf(&b, ".article-%d p:nth-child(2n+1){text-indent:2em}\n", i)
		case 6:
			fmt.Fprintf(&b, ".btn-%d:before{content:\"\";position:absolute;left:-%dpx}\n", i, i%50)
		case 7:
			fmt.Fprintf(&b, "ul.list-%d li span.date{float:right;color:#999}\n", i)
		case 8:
			fmt.Fprintf(&b, ".w%d > div{box-sizing:border-box;width:100%%;height:auto;overflow:hidden}\n", w(i))
		case 9:
			fmt.Fprintf(&b, ".footer-%d,.links-%d a,.side-%d li{font-family:\"Microsoft YaHei\";background:#fff}\n", i, i, i)
		}
	}
	return []byte(b.String())
}

var (
	topics   = []string{"县政府", "县人民政府办公室", "各乡镇人民政府", "县直各单位", "县发展和改革局", "县财政局", "县教育局", "县卫生健康局", "县应急管理局", "县农业农村局", "县市场监督管理局", "县生态环境分局", "县住房和城乡建设局", "县人力资源和社会保障局", "县民政局", "县司法局", "县交通运输局", "县水利局", "县文化和旅游局", "县自然资源局"}
	actions  = []string{"关于做好", "关于进一步加强", "关于印发", "关于开展", "关于公布", "关于调整", "关于推进", "关于落实", "召开", "部署", "扎实推进", "全面开展"}
	subjects = []string{"冬季安全生产工作", "乡村振兴", "营商环境优化", "城乡居民医疗保险", "义务教育招生", "防汛抗旱", "森林防火", "食品安全", "政务公开", "耕地保护", "农村人居环境整治", "就业创业", "养老服务", "老旧小区改造", "道路交通安全", "安全生产大检查", "行政审批制度改革", "生态环境保护", "民生实事", "重大项目建设"}
	kinds    = []string{"的通知", "的实施方案", "的工作方案", "的意见", "的公告", "工作会议", "专项行动", "情况的报告", "的决定", "的通报"}
	clauses  = []string{"，", "，", "，", "。", "；", "、", "，确保各项措施落到实处。", "，切实保障人民群众生命财产安全。", "，进一步提升群众满意度。", "，按照有关规定执行。"}
	offices  = []string{"县人民政府办公室", "县发展和改革局", "县财政局", "县教育局", "县卫生健康局", "县应急管理局", "县农业农村局"}
)
