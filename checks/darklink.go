package checks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/crawler/htmlfast"
	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/hidden"
	"github.com/xunjian/xunjian/match"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/render"
	"github.com/xunjian/xunjian/rules"
)

// darkLink finds links hidden from people and aimed at search engines
// (暗链): statically from each page's HTML and stylesheets (display:none,
// off-screen, same colour as the background, tiny marquees, zero-size
// iframes, noscript, links written by script…), and by cloaking: the
// homepage and a sample of pages fetched again as Baiduspider, Googlebot,
// a mobile browser and with a search-engine Referer. A hidden link is a
// dark link when it leaves the site for a non-government domain or when its
// text or target holds a sensitive word; hidden menus and skip links inside
// the site are not.
type darkLink struct {
	deps   Deps
	cfg    catalog.DarkLinkConfig
	ext    catalog.ExternalLinkConfig
	words  *match.Matcher
	wordOf []rules.WordEntry
	// client reads stylesheets, cloakClient fetches pages as spiders:
	// both from the run's outbound policy.
	client, cloakClient *http.Client
	// pol is the run's outbound policy (a browser of the check's own goes
	// through it too).
	pol *netpolicy.Policy

	mu     sync.Mutex
	css    map[inlineKey]*hidden.Sheet // inline <style> blocks
	sheets map[string]*sheetFetch      // linked stylesheets by URL
	// cachedRules counts the rules the two caches hold (maxCachedRules).
	cachedRules int
	sample      []string
	// raw holds, for the pages rendered later, the links of the raw HTML
	// and the targets the static pass already reported.
	raw    map[string]map[string]bool
	static map[string]map[string]bool
	// styles holds the styles of template elements across pages.
	styles *hidden.StyleCache
	// quietScripts holds the long inline scripts known to write no
	// links (a template's, on every page), quietBytes their length.
	quietScripts map[string]struct{}
	quietBytes   int
	// passes are the rendering and cloaking passes (c.mu guards its
	// fields but res and prog).
	passes passRun
}

// passRun is the rendering and cloaking passes of a run. Start claims
// them and runs them beside the crawl once the sample is complete (its
// pages crawled and their static passes done: the passes compare with
// what those found) or the crawl has ended (a site with fewer pages);
// Finish waits for their result. When Start did not claim them first (the
// check used without it, as in tests), Finish runs them itself.
type passRun struct {
	claimed, byStart bool
	// inPage counts the sampled pages whose static pass is running.
	inPage int
	// ready is closed when the passes may compare (readyLocked), done when
	// Start's passes have ended; res is their result then.
	ready       chan struct{}
	readyClosed bool
	done        chan struct{}
	res         Result
	prog        passProgress
}

// sampleSize is how many pages the passes sample, the homepage first.
func (c *darkLink) sampleSize() int {
	return max(1, c.cfg.CloakingPages, c.cfg.RenderPages)
}

// readyLocked closes passes.ready, once, if the sample is complete and
// no sampled page is still in its static pass, or when crawlEnded. c.mu
// is held.
func (c *darkLink) readyLocked(crawlEnded bool) {
	r := &c.passes
	if r.readyClosed || r.inPage > 0 || (!crawlEnded && len(c.sample) < c.sampleSize()) {
		return
	}
	r.readyClosed = true
	close(r.ready)
}

// sampledPageDone is called as a sampled page's static pass ends.
func (c *darkLink) sampledPageDone() {
	c.mu.Lock()
	c.passes.inPage--
	c.readyLocked(false)
	c.mu.Unlock()
}

// passProgress holds the passes' last step for the progress line. While
// the crawl runs the line is the crawl's: the steps go on to the site's
// progress only once Finish waits for the passes, and not after they end.
type passProgress struct {
	mu           sync.Mutex
	site         *Site
	shown, ended bool
	name         string
	done, total  int
}

func (p *passProgress) step(name string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.name, p.done, p.total = name, done, total
	if p.shown && !p.ended {
		p.site.Step(name, done, total)
	}
}

// show passes the last step on, and the next ones.
func (p *passProgress) show() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shown = true
	if p.name != "" && !p.ended {
		p.site.Step(p.name, p.done, p.total)
	}
}

func (p *passProgress) end() {
	p.mu.Lock()
	p.ended = true
	p.mu.Unlock()
}

// Bounds of darkLink.quietScripts: scripts shorter than minQuietScript
// are read again (faster than looking them up), and past maxQuietBytes
// the set starts over.
const (
	minQuietScript = 4 << 10
	maxQuietBytes  = 4 << 20
)

// quiet reports whether code is a script known to write no links.
func (c *darkLink) quiet(code string) bool {
	if len(code) < minQuietScript {
		return false
	}
	c.mu.Lock()
	_, ok := c.quietScripts[code]
	c.mu.Unlock()
	return ok
}

// noteQuiet remembers that code writes no links.
func (c *darkLink) noteQuiet(code string) {
	if len(code) < minQuietScript || len(code) > maxQuietBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.quietBytes+len(code) > maxQuietBytes {
		clear(c.quietScripts)
		c.quietBytes = 0
	}
	if c.quietScripts == nil {
		c.quietScripts = map[string]struct{}{}
	}
	// A copy: the page's text may be a slice of its whole body.
	c.quietScripts[strings.Clone(code)] = struct{}{}
	c.quietBytes += len(code)
}

var (
	_ PageChecker = (*darkLink)(nil)
	_ Starter     = (*darkLink)(nil)
	_ Finisher    = (*darkLink)(nil)
)

func newDarkLink(d Deps) (Check, error) {
	pol, err := d.net()
	if err != nil {
		return nil, err
	}
	c := &darkLink{styles: hidden.NewStyleCache(20000), deps: d, cfg: d.Config.Checks.DarkLink, ext: d.Config.Checks.ExternalLink, css: map[inlineKey]*hidden.Sheet{}, sheets: map[string]*sheetFetch{},
		raw: map[string]map[string]bool{}, static: map[string]map[string]bool{},
		client: pol.Client(netpolicy.Stylesheet), cloakClient: pol.Client(netpolicy.Cloaking), pol: pol,
		passes: passRun{ready: make(chan struct{}), done: make(chan struct{})}}
	w, err := d.wordMatcher()
	if err != nil {
		return nil, err
	}
	if w != nil {
		c.words, c.wordOf = w.m, w.entries
	}
	return c, nil
}

func (c *darkLink) Name() string { return catalog.DarkLink }

// hiddenLink is a link people do not see.
type hiddenLink struct {
	url, text, technique, tag string
	// how says where it is hidden: the HTML to delete and the CSS that
	// hides it (details of the finding); for a link the stylesheets hide,
	// it is made from node and why when the link is listed (a hostile
	// page hides thousands).
	how  map[string]any
	node *html.Node
	st   *hidden.Styler
}

func (l hiddenLink) details() map[string]any {
	if l.how == nil && l.node != nil {
		why, _ := l.st.Explain(l.node)
		return explainDetails(l.node, why)
	}
	return l.how
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

var scriptLink = regexp.MustCompile(`(?is)<a[^>]*?href\s*=\s*\\?["']?([^"'\\\s>]+)[^>]*>(.{0,200}?)<\\?/a>`)

// mayWriteHTML reports whether code names what scriptWrites looks for
// (document.write, innerHTML, insertAdjacentHTML, in any case): the
// regexp reads a template's 50 KB of script at 15 MB/s, this at memory
// speed, so most pages never run it. Each word is looked for by a letter
// scripts use little (w, m, j: "i", the first letter of two of them, is
// in every other word of a script).
func mayWriteHTML(code string) bool {
	return containsFold(code, "write", 0) || containsFold(code, "innerhtml", 7) || containsFold(code, "insertadjacenthtml", 8)
}

// containsFold reports whether s contains lower (lower-case ASCII) in any
// ASCII case, reading s once for each case of lower's letter at anchor.
func containsFold(s, lower string, anchor int) bool {
	if len(s) < len(lower) {
		return false
	}
	next := func(from int, c byte) int {
		if j := strings.IndexByte(s[from:], c); j >= 0 {
			return from + j
		}
		return len(s)
	}
	c, up := lower[anchor], lower[anchor]-'a'+'A'
	lo, hi := next(anchor, c), next(anchor, up)
	for {
		i := min(lo, hi)
		start := i - anchor
		if start+len(lower) > len(s) {
			return false
		}
		if equalFoldASCII(s[start:start+len(lower)], lower) {
			return true
		}
		if i == lo {
			lo = next(i+1, c)
		} else {
			hi = next(i+1, up)
		}
	}
}

// equalFoldASCII reports whether s is lower (lower-case ASCII letters) in
// any case. Like strings.EqualFold on such a word: a non-ASCII byte in s
// never matches (a rune that folds to a letter, ſ or K, is longer than it).
func equalFoldASCII(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// pageParts are the elements the static pass reads, in document order,
// found in one walk of the page (five goquery Finds walked it once each,
// compiling their selectors every time).
type pageParts struct {
	styles     []*html.Node // <style>
	sheetLinks []*html.Node // <link rel~="stylesheet" href>
	links      []*html.Node // a[href], area[href], iframe[src], frame[src]
	noscripts  []*html.Node
	scripts    []*html.Node
}

// partsOf walks the tree by its own links (htmlfast.NextNode: a stack of
// every node's children cost a third of the static pass), and looks at an
// element's tag only when its first letter is one of theirs. The lists
// are the last page's, emptied (grown from nothing on every page they
// were 22 MB of a 20,000-page run): release gives them back.
func partsOf(doc *goquery.Document) *pageParts {
	ps := partsPool.Get().(*pageParts)
	for _, root := range doc.Nodes {
		for n := root; n != nil; n = htmlfast.NextNode(root, n, true) {
			if n.Type != html.ElementNode || n.Data == "" || !partLead[n.Data[0]] {
				continue
			}
			switch n.Data {
			case "style":
				ps.styles = append(ps.styles, n)
			case "link":
				if rel, ok := attrOf(n, "rel"); ok && hasAttrKey(n, "href") && slices.Contains(strings.Fields(rel), "stylesheet") {
					ps.sheetLinks = append(ps.sheetLinks, n)
				}
			case "a", "area":
				if hasAttrKey(n, "href") {
					ps.links = append(ps.links, n)
				}
			case "iframe", "frame":
				if hasAttrKey(n, "src") {
					ps.links = append(ps.links, n)
				}
			case "noscript":
				ps.noscripts = append(ps.noscripts, n)
			case "script":
				ps.scripts = append(ps.scripts, n)
			}
		}
	}
	return ps
}

// partsPool holds emptied pageParts.
var partsPool = sync.Pool{New: func() any { return new(pageParts) }}

// maxPooledParts bounds a list kept for the next page (a hostile page's
// 100,000 links are not kept).
const maxPooledParts = 4096

// release empties ps (its nodes are the page's, whose memory the next
// page's tree reuses) and gives it back for a later page; ps must not be
// used again.
func (ps *pageParts) release() {
	for _, l := range []*[]*html.Node{&ps.styles, &ps.sheetLinks, &ps.links, &ps.noscripts, &ps.scripts} {
		if cap(*l) > maxPooledParts {
			*l = nil
			continue
		}
		clear(*l)
		*l = (*l)[:0]
	}
	partsPool.Put(ps)
}

// partLead are the first letters of the tags partsOf keeps.
var partLead = [256]bool{'s': true, 'l': true, 'a': true, 'i': true, 'f': true, 'n': true}

func attrOf(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasAttrKey(n *html.Node, key string) bool {
	_, ok := attrOf(n, key)
	return ok
}

// elementText is goquery's Text of one element: a style's or script's one
// text node itself (no copy of a template's 50 KB of script), else its
// descendants' text.
func elementText(n *html.Node) string {
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode {
		return c.Data
	}
	return goquery.NewDocumentFromNode(n).Text()
}

var scriptWrites = regexp.MustCompile(`(?i)(document\.write(ln)?\s*\(|\.innerHTML\s*\+?=|insertAdjacentHTML\s*\()`)

func (c *darkLink) Page(ctx context.Context, p *crawler.Page) []finding.Finding {
	c.mu.Lock()
	sampled := len(c.sample) < c.sampleSize()
	if sampled {
		c.passes.inPage++
		defer c.sampledPageDone()
		c.sample = append(c.sample, p.URL.String())
		raw := map[string]bool{}
		for _, l := range p.Links {
			if !strings.HasPrefix(l.Tag, crawler.TagRendered) { // only the markup's links are raw
				raw[l.URL.String()] = true
			}
		}
		c.raw[p.URL.String()] = raw
		c.static[p.URL.String()] = map[string]bool{}
	}
	c.mu.Unlock()
	base := p.FinalURL
	if base == nil {
		base = p.URL
	}
	parts := partsOf(p.Doc)
	defer parts.release()
	var sheets []*hidden.Sheet
	var limits cssLimits
	order := 0
	for _, n := range parts.styles {
		if limits.full(&limits.sheets) {
			break
		}
		limits.add(c.inlineSheet(elementText(n), order), &sheets)
		order += 100000
	}
	if c.cfg.FetchCSS {
		for _, n := range parts.sheetLinks {
			if limits.full(&limits.sheets) {
				break
			}
			href, _ := attrOf(n, "href")
			u, err := crawler.Normalize(base, href)
			if err != nil || !c.deps.inScope(u) {
				continue
			}
			limits.add(c.stylesheet(ctx, u.String(), order), &sheets)
			order += 100000
		}
	}
	st := hidden.NewStyler(sheets...).WithCache(c.styles)
	defer st.Release()
	var links []hiddenLink
	for _, n := range parts.links {
		if st.Exhausted() {
			break
		}
		// Explain (which rule hides it, where) is asked only for the
		// links that are listed (details): a template's hidden skip
		// links and menus inside the site are not.
		tech := st.Technique(n)
		if tech == "" {
			continue
		}
		attr := "href"
		if n.Data == "iframe" || n.Data == "frame" {
			attr = "src"
		}
		v, _ := attrOf(n, attr)
		s := goquery.NewDocumentFromNode(n).Selection
		links = append(links, hiddenLink{url: v, text: strings.Join(strings.Fields(s.Text()), " "), technique: tech, tag: n.Data,
			node: n, st: st})
	}
	// Links inside <noscript> are text to the parser (scripting on): parse them.
	for _, n := range parts.noscripts {
		inner, err := goquery.NewDocumentFromReader(strings.NewReader(elementText(n)))
		if err != nil {
			continue
		}
		inner.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
			v, _ := a.Attr("href")
			links = append(links, hiddenLink{url: v, text: strings.TrimSpace(a.Text()), technique: "noscript", tag: "a",
				how: map[string]any{"snippet": wrapSnippet(n, outerHTML(a.Nodes[0])), "css": "<noscript>", "css_source": hidden.SourceMarkup}})
		})
	}
	// Links written by inline scripts never show in the raw HTML.
	for _, n := range parts.scripts {
		code := elementText(n)
		if len(code) > 1<<20 || c.quiet(code) {
			continue
		}
		if !mayWriteHTML(code) || !scriptWrites.MatchString(code) {
			c.noteQuiet(code)
			continue
		}
		for _, m := range scriptLink.FindAllStringSubmatch(code, 50) {
			text := html.UnescapeString(tagRE.ReplaceAllString(m[2], ""))
			links = append(links, hiddenLink{url: m[1], text: strings.TrimSpace(text), technique: "script-written", tag: "script",
				how: map[string]any{"snippet": wrapSnippet(n, scriptLine(code, m[0]))}})
		}
	}
	var out []finding.Finding
	if why := limits.reasons(st); why != "" {
		out = append(out, finding.Finding{
			Check: c.Name(), Severity: finding.Info, Kind: "not-analysed", Page: p.URL.String(),
			Message:  "该页暗链静态分析未完成（未检查）：" + why,
			Evidence: fmt.Sprintf("样式表 %d 个，规则 %d 条，匹配步数 %d", len(sheets), limits.rules, st.Work()),
			Details:  map[string]any{"sheets": len(sheets), "rules": limits.rules, "work": st.Work()},
		})
	}
	seen := map[string]bool{}
	listed, more := 0, 0
	for _, l := range links {
		u, err := crawler.Normalize(base, l.url)
		if err != nil {
			continue
		}
		word, external := c.verdict(u, l.text)
		if word == "" && !external {
			continue // a hidden menu or skip link inside the site
		}
		key := u.String() + "|" + l.technique
		if seen[key] {
			continue
		}
		if listed >= maxPageDarkLinks {
			more++ // a hostile page: the rest are counted, not listed
			continue
		}
		seen[key] = true
		listed++
		out = append(out, c.finding(p.URL.String(), u.String(), l.text, l.technique, "static", word, l.details()))
		if sampled {
			c.mu.Lock()
			c.static[p.URL.String()][u.String()] = true
			c.mu.Unlock()
		}
	}
	if more > 0 {
		out = append(out, finding.Finding{
			Check: c.Name(), Severity: finding.High, Certainty: finding.Suspected, Kind: "more-hidden-links", Page: p.URL.String(),
			Message:  fmt.Sprintf("该页另有 %d 个隐藏的外部或含敏感词链接未逐条列出（每页最多列出 %d 个），网站疑似被挂马", more, maxPageDarkLinks),
			Evidence: fmt.Sprintf("共 %d 个", listed+more), Details: map[string]any{"count": listed + more, "listed": listed},
		})
	}
	return out
}

// verdict says why a hidden link matters: a sensitive word in its text or
// target, or a target outside the site that is not a government or
// allowed domain.
func (c *darkLink) verdict(u *url.URL, text string) (word string, external bool) {
	if c.words != nil {
		target := u.String()
		if d, err := url.PathUnescape(target); err == nil {
			target = d
		}
		for _, s := range []string{text, target} {
			if ms := c.words.FindAll([]byte(s)); len(ms) > 0 {
				word = c.wordOf[ms[0].Word].Word
				break
			}
		}
	}
	external = !c.deps.inScope(u) && !domainListed(u, c.ext.GovernmentDomains) && !domainListed(u, c.ext.AllowDomains)
	return word, external
}

// domainListed matches a host against suffixes ("gov.cn" matches
// www.example.gov.cn) or exact host:port entries.
func domainListed(u *url.URL, list []string) bool {
	host := strings.ToLower(u.Hostname())
	for _, d := range list {
		d = strings.ToLower(strings.TrimPrefix(d, "."))
		if strings.EqualFold(d, u.Host) || host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

var techniqueLabels = map[string]string{
	"display-none": "display:none 隐藏", "visibility-hidden": "visibility:hidden 隐藏", "opacity-zero": "透明度为 0",
	"font-size-zero": "字号为 0", "off-screen": "定位到屏幕外", "text-indent": "负文本缩进移出可视区", "clip": "裁剪为不可见",
	"zero-size": "零尺寸且溢出隐藏", "same-color": "文字颜色与背景相同", "tiny-marquee": "微型滚动字幕", "zero-size-iframe": "零尺寸或隐藏的 iframe",
	"noscript": "放在 noscript 中", "hidden-attribute": "hidden 属性隐藏", "script-written": "由脚本写入（document.write/innerHTML）",
	"script-injected": "由脚本插入页面（原始 HTML 中没有）",
	"cloaking":        "仅对搜索引擎爬虫或搜索来源显示（伪装）", "cloaking-redirect": "仅对搜索引擎爬虫或搜索来源跳转（伪装）",
}

var seenByLabels = map[string]string{"static": "静态分析", "cloaked": "以爬虫身份访问", "rendered": "浏览器渲染"}

func (c *darkLink) finding(page, target, text, technique, how, word string, extra map[string]any) finding.Finding {
	// A hidden external link is certainly hidden, but only suspected to be
	// a dark link (疑似) until its text, target or the page it leads to
	// shows spam: the certainty says the same as the message.
	sev, cert := finding.High, finding.Suspected
	msg := fmt.Sprintf("疑似暗链：隐藏的外部链接（%s）", techniqueLabels[technique])
	if word != "" {
		sev, cert = finding.Critical, finding.Confirmed
		msg = fmt.Sprintf("暗链：隐藏的链接含敏感词“%s”（%s），请排查网站是否被篡改", word, techniqueLabels[technique])
	}
	details := map[string]any{"technique": technique, "seen_by": how}
	for k, v := range extra {
		details[k] = v
	}
	return finding.Finding{
		Check: c.Name(), Severity: sev, Certainty: cert, Kind: technique, Page: page, Target: target,
		Anchor: text, Match: word, Message: msg,
		Evidence: fmt.Sprintf("隐藏方式：%s；发现方式：%s", techniqueLabels[technique], seenByLabels[how]), Details: details,
	}
}

// Bounds of the static pass: the stylesheets and rules applied to one
// page, and the rules the run keeps parsed for later pages (about 0.8 KB
// each). A page past them is reported as not analysed, not styled with
// gigabytes.
const (
	maxPageSheets  = 64
	maxPageRules   = 50_000
	maxCachedRules = 60_000
	// maxPageDarkLinks caps the dark links listed for one page.
	maxPageDarkLinks = 500
)

// cssLimits counts what one page's static pass applied and why it fell short.
type cssLimits struct {
	sheets, rules       int
	truncated, dropped  int
	skipped, overBudget int
}

func (l *cssLimits) full(n *int) bool {
	if *n >= maxPageSheets {
		l.skipped++
		return true
	}
	return false
}

// add applies s unless the page's rules would pass maxPageRules.
func (l *cssLimits) add(s *hidden.Sheet, sheets *[]*hidden.Sheet) {
	l.sheets++
	if s.Truncated {
		l.truncated++
	}
	l.dropped += s.Dropped
	if l.rules+s.Rules() > maxPageRules {
		l.overBudget++
		return
	}
	l.rules += s.Rules()
	*sheets = append(*sheets, s)
}

// reasons says in Chinese why the page was not fully analysed ("" if it was).
func (l *cssLimits) reasons(st *hidden.Styler) string {
	var why []string
	if st.Exhausted() {
		why = append(why, "页面结构或样式过于复杂，超出分析预算（嵌套过深或规则过多）")
	}
	if l.skipped > 0 {
		why = append(why, fmt.Sprintf("样式表超过 %d 个，其余 %d 个未分析", maxPageSheets, l.skipped))
	}
	if l.overBudget > 0 {
		why = append(why, fmt.Sprintf("样式规则超过 %d 条，%d 个样式表未分析", maxPageRules, l.overBudget))
	}
	if l.truncated > 0 {
		why = append(why, fmt.Sprintf("%d 个样式表超过 %d MB，只分析了前 %d MB", l.truncated, hidden.MaxSheetBytes>>20, hidden.MaxSheetBytes>>20))
	}
	if l.dropped > 0 {
		why = append(why, fmt.Sprintf("%d 条样式规则过于复杂或超出上限，未分析", l.dropped))
	}
	return strings.Join(why, "；")
}

// inlineSheet parses a <style> block, once per distinct text: templates
// repeat the same block on every page.
// The block's text itself is the key (a SHA-256 of it was a tenth of the
// static pass once styles came from the cache): the sheet keeps pieces
// of its copy of the text, so the key costs no more memory.
func (c *darkLink) inlineSheet(text string, order int) *hidden.Sheet {
	c.mu.Lock()
	s, ok := c.css[inlineKey{text, order}]
	c.mu.Unlock()
	if ok {
		return s
	}
	// A copy: the sheet, cached for the run, holds pieces of its text,
	// which is a substring of the whole page (crawler/htmlfast).
	text = strings.Clone(text)
	s = hidden.ParseSheetFrom(text, order, "页面内 <style>")
	c.mu.Lock()
	if c.cachedRules+s.Rules() <= maxCachedRules {
		c.css[inlineKey{text, order}] = s
		c.cachedRules += s.Rules()
	}
	c.mu.Unlock()
	return s
}

// inlineKey is an inline <style> block: its text and its place among the
// page's sheets (the order its rules take).
type inlineKey struct {
	text  string
	order int
}

// sheetFetch is a linked stylesheet, fetched once a run: pages that need
// it while the fetch is on its way wait for it (done) instead of fetching
// it again.
type sheetFetch struct {
	done  chan struct{}
	sheet *hidden.Sheet
}

// stylesheet fetches and parses a linked stylesheet once a run.
func (c *darkLink) stylesheet(ctx context.Context, u string, order int) *hidden.Sheet {
	c.mu.Lock()
	f, ok := c.sheets[u]
	if !ok {
		f = &sheetFetch{done: make(chan struct{}), sheet: &hidden.Sheet{}}
		c.sheets[u] = f
	}
	c.mu.Unlock()
	if ok {
		<-f.done
		return f.sheet
	}
	defer func() {
		// The parsed sheet stays for later pages while the cache has
		// room; past it, later pages fetch and parse it again.
		c.mu.Lock()
		if c.cachedRules+f.sheet.Rules() <= maxCachedRules {
			c.cachedRules += f.sheet.Rules()
		} else {
			delete(c.sheets, u)
		}
		c.mu.Unlock()
		close(f.done)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err == nil {
		req.Header.Set("User-Agent", c.deps.Config.Crawl.UserAgent)
		if resp, err := c.client.Do(req); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, hidden.MaxSheetBytes+1))
			resp.Body.Close()
			if resp.StatusCode < 400 {
				text, _ := crawler.Decode(body, resp.Header.Get("Content-Type"))
				f.sheet = hidden.ParseSheetFrom(string(text), order, u)
			}
			if len(body) > hidden.MaxSheetBytes {
				f.sheet.Truncated = true
			}
		}
	}
	return f.sheet
}

// Spider and browser identities for the cloaking comparison.
var cloakVariants = []struct {
	name, ua, referer string
}{
	{"baiduspider", "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", ""},
	{"baiduspider-mobile", "Mozilla/5.0 (Linux;u;Android 4.2.2;zh-cn;) AppleWebKit/534.46 (KHTML,like Gecko) Version/5.1 Mobile Safari/10600.6.3 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", ""},
	{"googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ""},
	{"mobile", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", ""},
	{"baidu-referer", browserUA, "https://www.baidu.com/s?wd="},
}

const browserUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"

// view is what one identity got for a page.
type view struct {
	final string
	links map[string]string // URL -> text
	words map[string]bool   // sensitive words in the visible text
}

func (c *darkLink) fetchView(ctx context.Context, page, ua, referer string) (*view, error) {
	ctx, cancel := context.WithTimeout(ctx, c.deps.Config.Crawl.Timeout.D())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", ua)
	if referer != "" {
		req.Header.Set("Referer", referer+url.QueryEscape(req.URL.Host))
	}
	// Redirects within the site are followed; one that leaves it is noted,
	// not followed (it may lead to the spam site itself).
	var away string
	client := *c.cloakClient
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		if !c.deps.inScope(r.URL) {
			away = r.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if away != "" {
		return &view{final: away, links: map[string]string{}, words: map[string]bool{}}, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, c.deps.Config.Crawl.MaxPageBytes))
	text, _ := crawler.Decode(body, resp.Header.Get("Content-Type"))
	doc, _, err := crawler.ParseHTML(text)
	if err != nil {
		return nil, err
	}
	v := &view{final: resp.Request.URL.String(), links: map[string]string{}, words: map[string]bool{}}
	for _, l := range crawler.ExtractLinks(doc, resp.Request.URL, nil) {
		if l.Kind == crawler.KindPage || l.Kind == crawler.KindFrame {
			v.links[l.URL.String()] = l.Text
		}
	}
	if c.words != nil {
		for _, seg := range extract.PageSegments(doc, 1<<20) {
			for _, m := range c.words.FindAll([]byte(seg.Text)) {
				v.words[c.wordOf[m.Word].Word] = true
			}
		}
	}
	return v, nil
}

// Start runs the rendering and cloaking passes beside the crawl, from when
// their sample is complete (or the crawl has ended); Finish returns their
// result. It returns nothing itself.
func (c *darkLink) Start(ctx context.Context, s *Site) (Result, error) {
	r := &c.passes
	c.mu.Lock()
	if r.claimed { // Finish came first: it runs them
		c.mu.Unlock()
		return Result{}, nil
	}
	r.claimed, r.byStart = true, true
	c.mu.Unlock()
	defer close(r.done)
	defer r.prog.end()
	r.prog.mu.Lock()
	r.prog.site = s
	r.prog.mu.Unlock()
	select {
	case <-r.ready:
	case <-ctx.Done(): // the run ended (or the crawl failed) first
		return Result{}, nil
	}
	r.res = c.runPasses(ctx, s, r.prog.step)
	return Result{}, nil
}

// Finish returns the result of the rendering and cloaking passes, waiting
// for those Start runs (or running them). A run interrupted during the
// crawl (ctx done when Finish is called) reports none of their findings
// nor screenshots, as when the passes ran after the crawl and did nothing
// then; an interruption or the time budget ending while Finish waits cuts
// the passes short, and what they had found stays.
func (c *darkLink) Finish(ctx context.Context, s *Site, _ *crawler.Result) (Result, error) {
	r := &c.passes
	c.mu.Lock()
	byStart := r.byStart
	r.claimed = true
	c.readyLocked(true) // the crawl has ended: the sample is what it got
	c.mu.Unlock()
	if !byStart {
		return c.runPasses(ctx, s, s.Step), nil
	}
	interrupted := ctx.Err() != nil
	r.prog.show()
	<-r.done
	if interrupted {
		return Result{Measurements: withoutHomepageNote(r.res.Measurements)}, nil
	}
	return r.res, nil
}

// withoutHomepageNote is the passes' measurements without why the
// homepage has no screenshot (its finding is not reported).
func withoutHomepageNote(m map[string]any) map[string]any {
	rm, ok := m["rendering"].(map[string]any)
	if !ok {
		return m
	}
	out := maps.Clone(m)
	rm = maps.Clone(rm)
	delete(rm, "homepage_unchecked")
	out["rendering"] = rm
	return out
}

// runPasses renders the sampled pages in Chromium, then compares what
// spiders and search referrals get with what people get. The sample is the
// first pages crawled, the homepage first. step is told the passes'
// progress.
func (c *darkLink) runPasses(ctx context.Context, s *Site, step func(name string, done, total int)) Result {
	c.mu.Lock()
	pages := append([]string(nil), c.sample...)
	c.mu.Unlock()
	res := c.renderPass(ctx, s, step, pages[:min(len(pages), c.cfg.RenderPages)])
	out := res.Findings
	cloak := pages[:min(len(pages), c.cfg.CloakingPages)]
	for i, page := range cloak {
		if ctx.Err() != nil {
			break
		}
		step(PhaseCloaking, i, len(cloak))
		normal, err := c.fetchView(ctx, page, browserUA, "")
		if err != nil {
			continue
		}
		cloaked := map[string][]string{} // target -> variants
		texts := map[string]string{}
		redirects := map[string][]string{}
		cloakedWords := map[string][]string{} // word -> variants
		for _, v := range cloakVariants {
			got, err := c.fetchView(ctx, page, v.ua, v.referer)
			if err != nil {
				continue
			}
			if fu, _ := url.Parse(got.final); fu != nil {
				if nu, _ := url.Parse(normal.final); nu != nil && fu.Host != nu.Host {
					redirects[got.final] = append(redirects[got.final], v.name)
				}
			}
			for l, text := range got.links {
				if _, ok := normal.links[l]; !ok {
					cloaked[l] = append(cloaked[l], v.name)
					texts[l] = text
				}
			}
			for w := range got.words {
				if !normal.words[w] {
					cloakedWords[w] = append(cloakedWords[w], v.name)
				}
			}
		}
		words := make([]string, 0, len(cloakedWords))
		for w := range cloakedWords {
			words = append(words, w)
		}
		sort.Strings(words)
		for _, w := range words {
			f := c.finding(page, "", "", "cloaking-text", "cloaked", w, map[string]any{"variants": cloakedWords[w]})
			f.Message = fmt.Sprintf("暗链：页面只对搜索引擎爬虫或搜索来源显示敏感词“%s”，请排查网站是否被篡改", w)
			out = append(out, f)
		}
		targets := make([]string, 0, len(cloaked))
		for t := range cloaked {
			targets = append(targets, t)
		}
		sort.Strings(targets)
		for _, t := range targets {
			u, err := url.Parse(t)
			if err != nil {
				continue
			}
			word, external := c.verdict(u, texts[t])
			if word == "" && !external {
				continue
			}
			out = append(out, c.finding(page, t, texts[t], "cloaking", "cloaked", word, map[string]any{"variants": cloaked[t]}))
		}
		for t, vs := range redirects {
			u, _ := url.Parse(t)
			word, _ := c.verdict(u, "")
			out = append(out, c.finding(page, t, "", "cloaking-redirect", "cloaked", word, map[string]any{"variants": vs}))
		}
	}
	res.Findings = out
	return res
}

// renderPass renders pages in headless Chromium: links hidden by what only
// a browser computes (script-applied styles, layout), links injected by
// script (absent from the raw HTML), and screenshots as evidence — of the
// homepage as people see it, and of every page with a dark link, the link
// outlined. Without Chromium it says rendering was skipped, and why. What
// happened is measured as "rendering".
func (c *darkLink) renderPass(ctx context.Context, s *Site, step func(name string, done, total int), pages []string) Result {
	if len(pages) == 0 {
		return Result{}
	}
	began := time.Now()
	b, done, err := c.browser(ctx)
	if err != nil {
		return Result{
			Findings: []finding.Finding{{
				Check: c.Name(), Severity: finding.Info, Kind: "rendering-skipped", Page: s.Home.String(),
				Message:  "未进行浏览器渲染检查（静态分析和伪装检查照常进行）：" + renderSkipReason(err),
				Evidence: explain.Error(err), Details: map[string]any{"error": err.Error()},
			}},
			Measurements: map[string]any{"rendering": map[string]any{"skipped": true, "reason": err.Error()}},
		}
	}
	defer done()
	if log := c.deps.Logger; log != nil {
		log.Debug("dark-link rendering start", "pages", len(pages), "browser_start_seconds", time.Since(began).Seconds())
	}
	var out []finding.Finding
	var artifacts []Artifact
	shots := 0
	rendered := 0
	homeUnchecked := "" // why the homepage has no screenshot
	var mu sync.Mutex
	var wg sync.WaitGroup
	// mu guards out, artifacts, shots and rendered only: a page's rendering and its
	// outlined screenshots run outside it, up to the browser's tab limit.
	var finishedPages atomic.Int64
	step(PhaseRender, 0, len(pages))
	for i, page := range pages {
		wg.Go(func() {
			defer func() { step(PhaseRender, int(finishedPages.Add(1)), len(pages)) }()
			// The page is loaded once: its screenshot (the homepage's only,
			// the one kept) and its dark links outlined come from the same tab.
			rp, err := b.Open(ctx, page)
			var homeShot []byte
			if err == nil && i == 0 {
				homeShot, err = rp.Screenshot(ctx) // as people see it, before any outline
			}
			if err != nil {
				if rp != nil {
					rp.Close()
				}
				if ctx.Err() != nil {
					return // the run was interrupted: nothing to say about the page
				}
				f, why := renderFailure(c.Name(), page, err)
				mu.Lock()
				out = append(out, f)
				if i == 0 {
					homeUnchecked = why
				}
				mu.Unlock()
				return
			}
			defer rp.Close()
			if i == 0 {
				mu.Lock()
				artifacts = append(artifacts, Artifact{Name: "screenshots/homepage.png", Data: homeShot})
				mu.Unlock()
			}
			c.mu.Lock()
			raw, static := c.raw[page], c.static[page]
			c.mu.Unlock()
			var found []finding.Finding
			evidence := map[string]int{} // target -> element index
			for _, e := range rp.Elements {
				u, err := url.Parse(e.Href)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
					continue
				}
				u.Fragment = ""
				target := u.String()
				injected := !raw[target]
				word, external := c.verdict(u, e.Text)
				if static[target] {
					evidence[target] = e.Index
					continue
				}
				tech := e.Technique
				if tech == "" && injected && word != "" {
					tech = "script-injected"
				}
				if tech == "" || (word == "" && !external) {
					continue
				}
				how := map[string]any{"injected_by_script": injected}
				if e.Snippet != "" {
					how["snippet"] = e.Snippet
				}
				if e.Style != "" {
					how["css"] = e.Style
					how["css_source"] = "浏览器计算样式"
				}
				if e.HiddenBy != "" {
					how["hidden_by"] = e.HiddenBy
				}
				found = append(found, c.finding(page, target, e.Text, tech, "rendered", word, how))
				evidence[target] = e.Index
			}
			// Evidence, in the tab that rendered the page (no second load):
			// for each dark link a crop around it, outlined and labelled
			// 【k】; then the whole page once with all of them outlined and
			// labelled, one file shared by the page's findings (one
			// whole-page screenshot a page instead of one a link). A
			// screenshot slot (a crop) is taken before and given back if
			// the crop fails, so the cap holds with pages in parallel.
			targets := slices.Collect(maps.Keys(evidence))
			slices.SortFunc(targets, func(a, b string) int { return evidence[a] - evidence[b] })
			var marks []render.Mark
			var cropped []string
			for _, target := range targets {
				mu.Lock()
				slot := shots < c.cfg.MaxScreenshots
				if slot {
					shots++
				}
				mu.Unlock()
				if !slot {
					break
				}
				label := len(marks) + 1
				shot, err := rp.Crop(ctx, evidence[target], label)
				if err != nil {
					mu.Lock()
					shots--
					mu.Unlock()
					continue
				}
				marks = append(marks, render.Mark{Index: evidence[target], Label: label})
				cropped = append(cropped, target)
				name := fmt.Sprintf("screenshots/%s-crop.png", shortHash(page+"|"+target))
				cut := Artifact{Name: name, Data: shot.Crop, Detail: "screenshot_crop", Label: label}
				if !c.evidenceFor(found, target, "screenshot_crop", name, label) {
					// Reported by the static pass during the crawl.
					cut.Shows = []Spot{{Page: page, Target: target}}
				}
				mu.Lock()
				artifacts = append(artifacts, cut)
				mu.Unlock()
			}
			if len(marks) > 0 {
				if whole, err := rp.OutlineAll(ctx, marks); err == nil {
					name := fmt.Sprintf("screenshots/%s.png", shortHash(page))
					full := Artifact{Name: name, Data: whole}
					for _, target := range cropped {
						if !c.evidenceFor(found, target, "screenshot", name, 0) {
							full.Shows = append(full.Shows, Spot{Page: page, Target: target})
						}
					}
					mu.Lock()
					artifacts = append(artifacts, full)
					mu.Unlock()
				}
			}
			mu.Lock()
			rendered++
			out = append(out, found...)
			mu.Unlock()
		})
	}
	wg.Wait()
	m := map[string]any{"skipped": false, "pages": rendered, "screenshots": shots, "browser_requests": b.ProxyStats(), "captures": b.Captures()}
	if log := c.deps.Logger; log != nil {
		log.Debug("dark-link rendering done", "pages", rendered, "screenshots", shots, "captures", b.Captures(), "seconds", time.Since(began).Seconds())
	}
	if homeUnchecked != "" {
		m["homepage_unchecked"] = homeUnchecked
	}
	return Result{Findings: out, Measurements: map[string]any{"rendering": m}, Artifacts: artifacts}
}

// evidenceFor names the screenshot file in the details (under key) of
// the findings of found about target, with the number of its outline's
// label when label > 0; it reports whether there was one.
func (c *darkLink) evidenceFor(found []finding.Finding, target, key, name string, label int) bool {
	named := false
	for j := range found {
		if found[j].Target == target {
			found[j].Details[key] = name
			if label > 0 {
				found[j].Details["screenshot_label"] = label
			}
			named = true
		}
	}
	return named
}

// renderFailure is the finding for a page that did not render, and why,
// in Chinese, its screenshot was not taken. A page whose tab left it (a
// script, a meta refresh or a redirect taking the browser to another site
// or an internal address) is reported with where it went: the browser was
// stopped there, and a screenshot of what it showed would not be the page.
func renderFailure(check, page string, err error) (finding.Finding, string) {
	var left *render.LeftPageError
	if errors.As(err, &left) {
		return finding.Finding{
			Check: check, Severity: finding.Low, Kind: "render-left-page", Page: page, Target: left.To,
			Message:  fmt.Sprintf("页面在浏览器中自动跳转到其他网站或内网地址（%s），浏览器已拦截；该页未截图、未做渲染检查，只做了静态检查。请确认跳转是否为网站本意，排查是否被篡改", left.To),
			Evidence: explain.Error(err), Details: map[string]any{"error": err.Error(), "refused": left.Refused},
		}, fmt.Sprintf("未检查：首页在浏览器中自动跳转到 %s（已拦截），截图不是首页本身，未保存", left.To)
	}
	return finding.Finding{
		Check: check, Severity: finding.Info, Kind: "render-failed", Page: page,
		Message:  "页面未能在时限内完成浏览器渲染，该页只做了静态检查",
		Evidence: explain.Error(err), Details: map[string]any{"error": err.Error()},
	}, "未检查：首页未能在时限内完成浏览器渲染"
}

// maxSnippet bounds the HTML a finding quotes.
const maxSnippet = 600

// explainDetails turns where a link is hidden into the finding's details:
// the HTML to delete from the template (the hiding element around the
// link) and the CSS declaration that hides it, with its rule and source.
func explainDetails(link *html.Node, why hidden.Reason) map[string]any {
	out := map[string]any{"snippet": wrapSnippet(why.Element, outerHTML(link))}
	if why.Element == link {
		out["snippet"] = outerHTML(link)
	}
	if why.Declaration != "" {
		out["css"] = why.Declaration
	}
	if why.Selector != "" {
		out["css_selector"] = why.Selector
	}
	if why.Source != "" {
		out["css_source"] = why.Source
	}
	if why.Line > 0 {
		out["css_line"] = why.Line
	}
	return out
}

// outerHTML renders n as HTML, cut to maxSnippet bytes (rendering stops
// there: a hostile element carries 100,000 classes).
func outerHTML(n *html.Node) string {
	w := &capWriter{max: maxSnippet + utf8.UTFMax}
	if err := html.Render(w, n); err != nil && !w.full {
		return ""
	}
	return cutUTF8(w.b.String(), maxSnippet)
}

// capWriter keeps the first max bytes written and then fails, which ends
// html.Render.
type capWriter struct {
	b    strings.Builder
	max  int
	full bool
}

var errSnippetFull = errors.New("snippet full")

func (w *capWriter) Write(p []byte) (int, error) {
	if room := w.max - w.b.Len(); len(p) > room {
		w.b.Write(p[:room])
		w.full = true
		return room, errSnippetFull
	}
	return w.b.Write(p)
}

// wrapSnippet shows inner inside the start and end tags of the element
// that hides it.
func wrapSnippet(outer *html.Node, inner string) string {
	if outer == nil || outer.Type != html.ElementNode {
		return inner
	}
	shallow := &html.Node{Type: html.ElementNode, Data: outer.Data, DataAtom: outer.DataAtom, Attr: outer.Attr}
	w := &capWriter{max: maxSnippet + utf8.UTFMax}
	if err := html.Render(w, shallow); err != nil && !w.full {
		return inner
	}
	tags := w.b.String() // "<div class="hid"></div>"
	end := "</" + outer.Data + ">"
	start := strings.TrimSuffix(tags, end)
	return cutUTF8(start, maxSnippet) + "\n  " + inner + "\n" + end
}

// scriptLine returns the line of code that holds match, cut to maxSnippet.
func scriptLine(code, match string) string {
	i := strings.Index(code, match)
	if i < 0 {
		return cutUTF8(match, maxSnippet)
	}
	start := strings.LastIndexByte(code[:i], '\n') + 1
	end := len(code)
	if j := strings.IndexByte(code[i+len(match):], '\n'); j >= 0 {
		end = i + len(match) + j
	}
	return cutUTF8(strings.TrimSpace(code[start:end]), maxSnippet)
}

// cutUTF8 cuts s to at most n bytes on a character boundary, marking the cut.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// browser is the run's shared Chromium, or one of the check's own, and
// done, which ends the pass's use of it (closing the check's own).
func (c *darkLink) browser(ctx context.Context) (b *render.Browser, done func(), err error) {
	if c.deps.Browser != nil {
		return c.deps.Browser.Use()
	}
	b, err = render.Start(ctx, browserConfig(c.cfg, c.pol, c.deps.Logger))
	if err != nil {
		return nil, nil, err
	}
	return b, b.Close, nil
}

func renderSkipReason(err error) string {
	if errors.Is(err, render.ErrNoBrowser) {
		return "未安装 Chromium（Debian/Ubuntu：apt-get install chromium-headless-shell）"
	}
	return "Chromium 启动失败"
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}
