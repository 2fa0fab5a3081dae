package checks

import (
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/crawler/htmlfast"
	"github.com/xunjian/xunjian/dates"
)

// List reading: what a page says as a list — its links with the dates shown
// beside them, its own publication date, its ColumnName, its navigation —
// for the column check (columns.go), which judges columns from it. Reading
// knows HTML; judging knows thresholds and the national counts.

// Caps of list reading.
const (
	maxEntries      = 200
	maxHomeEntries  = 2000 // a real homepage carries 300–600 links
	minTitleRunes   = 4
	maxAncestorHops = 4
	maxGroupHops    = 8
	maxNavTextRunes = 12
)

var (
	// notMain: class or id tokens of blocks that are not a page's own
	// content: navigation, footers, sidebars, breadcrumbs, friend links.
	notMain = regexp.MustCompile(`(?i)(^|[-_ ])(nav|menu|header|footer|foot|side|sidebar|aside|crumb|breadcrumb|copyright|friend|daohang|dh|wzdh)([-_ 0-9]|$)`)
	// maybeMain: tokens that name both chrome and content blocks (a
	// "page" or "top-news" section holds the list): such a block is left
	// out only when it holds no dated list and no placeholder.
	maybeMain = regexp.MustCompile(`(?i)(^|[-_ ])(head|top|bottom|fenye|page|pagination|pager)([-_ 0-9]|$)`)
	// notMainTokens and maybeMainTokens are the two regexps' tokens, for
	// hasToken (an ASCII class or id: nearly all of them).
	notMainTokens   = []string{"nav", "menu", "header", "footer", "foot", "side", "sidebar", "aside", "crumb", "breadcrumb", "copyright", "friend", "daohang", "dh", "wzdh"}
	maybeMainTokens = []string{"head", "top", "bottom", "fenye", "page", "pagination", "pager"}
	// crumbMark: the label a breadcrumb starts with (当前位置：首页 > …).
	crumbMark   = regexp.MustCompile(`^\s*(当前|您的|你的|您现在的|你现在的|您所在的|所在|现在|当前所在)?位置\s*[:：>»]`)
	navLike     = regexp.MustCompile(`(?i)(nav|menu|daohang|lanmu|column|channel)`)
	pagerText   = regexp.MustCompile(`^(下一页|上一页|下页|上页|首页|尾页|末页|最后一页|第一页|[<>«»]+|\d+|更多|more|更多>>|>>)$`)
	pubDateText = regexp.MustCompile(`(发布时间|发布日期|发文日期|成文日期|时间|日期)\s*[:：]`)
)

// listReading is one page read as a list. It is read in two steps, so that
// the crawl's hot path pays for dating entries only on pages that can be
// columns: readList takes what is cheap (the page's own date, ColumnName,
// the main content's links and text, one walk of the tree), and Entries
// dates the links when the column check asks.
//
// Entries come from the page's markup and from the page readers of real
// CMS platforms (crawler.Page.Entries: Hanweb datastores and dataproxy
// groups, lists in JavaScript, TRS article URLs), in the same shape.
type listReading struct {
	page *crawler.Page
	now  time.Time
	// OwnDate is the page's own publication date (PubDate meta, else a
	// 发布时间：… line near the top of its text); zero for a list page.
	OwnDate time.Time
	// ColumnMeta is the ColumnName meta tag.
	ColumnMeta string

	anchors   []*html.Node // links of the main content
	mainText  string
	compacted *string
}

// compact is the main content's text without whitespace (once).
func (r *listReading) compact() string {
	if r.compacted == nil {
		c := dropSpaces(r.mainText)
		r.compacted = &c
	}
	return *r.compacted
}

// dropSpaces is strings.Join(strings.Fields(s), ""): s without its
// Unicode white space, in one pass and one string.
func dropSpaces(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		// Copy up to the next byte that may begin a space: an ASCII
		// space or the lead byte of a non-ASCII one (C2, E1, E2, E3).
		j := i
		for j < len(s) && !spaceLead[s[j]] {
			j++
		}
		b = append(b, s[i:j]...)
		if j == len(s) {
			break
		}
		if s[j] < utf8.RuneSelf {
			i = j + 1 // an ASCII space
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsSpace(r) {
			b = append(b, s[j:j+size]...)
		}
		i = j + size
	}
	return string(b)
}

// spaceLead marks the bytes a Unicode white space rune can begin with.
var spaceLead = func() (t [256]bool) {
	for _, c := range []byte{'\t', '\n', '\v', '\f', '\r', ' ', 0xC2, 0xE1, 0xE2, 0xE3} {
		t[c] = true
	}
	return t
}()

// placeholderHints are what the placeholders of blank columns start with
// (暂无信息, 暂无数据, 正在建设…), in whitespace-free text.
var placeholderHints = []string{"暂无", "没有信息", "没有记录", "建设中", "敬请期待"}

func hasPlaceholderHint(compact string) bool { return containsAnyOf(compact, placeholderHints) }

// containsAnyOf reports whether s contains one of phrases, as
// strings.Contains each would, in one pass: a bitmap of the phrases'
// first two bytes says where one may start (Chinese phrases start with
// the lead bytes of half of a Chinese text's characters, so searching
// for each in turn read a list page's 25 KB a dozen times).
func containsAnyOf(s string, phrases []string) bool {
	var pairs [1 << 16 / 64]uint64
	for _, p := range phrases {
		switch len(p) {
		case 0:
			return true
		case 1:
			if strings.IndexByte(s, p[0]) >= 0 {
				return true
			}
		default:
			k := uint(p[0])<<8 | uint(p[1])
			pairs[k>>6] |= 1 << (k & 63)
		}
	}
	for i := 0; i+1 < len(s); i++ {
		k := uint(s[i])<<8 | uint(s[i+1])
		if pairs[k>>6]&(1<<(k&63)) == 0 {
			continue
		}
		for _, p := range phrases {
			if len(p) > 1 && strings.HasPrefix(s[i:], p) {
				return true
			}
		}
	}
	return false
}

// readList reads a page's cheap parts: its meta tags (readMeta), then its
// body (readMain).
func readList(p *crawler.Page, now time.Time) listReading {
	r := readMeta(p, now)
	r.readMain()
	return r
}

// metaNames are the meta tags a list reading uses, in the order they
// are preferred: the three dates, then the two column names.
var metaNames = [...]string{"PubDate", "pubdate", "publishdate", "ColumnName", "columnname"}

// readMeta reads the page's own date from its PubDate meta tag and its
// ColumnName, in one walk of the tree (goquery's Find walked it once per
// name) by the tree's own links (htmlfast.NextNode: a stack of every
// node's children, grown on every page, was 47 MB of a 20,000-page run),
// the first tag of each name kept.
func readMeta(p *crawler.Page, now time.Time) listReading {
	r := listReading{page: p, now: now}
	var found [len(metaNames)]string
	var have [len(metaNames)]bool
	// The roots from the last (as the stack this walk replaced popped
	// them); a document has one.
	for i := len(p.Doc.Nodes) - 1; i >= 0; i-- {
		root := p.Doc.Nodes[i]
		for n := root; n != nil; n = htmlfast.NextNode(root, n, true) {
			if n.Type != html.ElementNode || n.Data != "meta" {
				continue
			}
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
			if k := slices.Index(metaNames[:], name); hasContent && k >= 0 && !have[k] {
				found[k], have[k] = strings.TrimSpace(content), true
			}
		}
	}
	first := func(from, to int) string {
		for k := from; k < to; k++ {
			if have[k] {
				return found[k]
			}
		}
		return ""
	}
	if v := first(0, 3); v != "" {
		if f, ok := dates.First(v, dates.Options{Now: now}); ok {
			r.OwnDate = f.Date
		}
	}
	r.ColumnMeta = first(3, 5)
	return r
}

// readMain walks the body once for its main content's links and text, and
// dates the page by a 发布时间 line near its top when no meta tag did.
func (r *listReading) readMain() {
	p, now := r.page, r.now
	// The document as a browser built it when the page was rendered
	// (script-fed lists), else the markup.
	r.anchors, r.mainText = mainAnchors(p.RenderedDoc().Find("body"), p.Home)
	if r.OwnDate.IsZero() {
		// An article's 发布时间 sits near its top.
		head := r.mainText[:min(len(r.mainText), 8192)]
		if !strings.Contains(head, "时间") && !strings.Contains(head, "日期") {
			head = ""
		}
		if loc := pubDateText.FindStringIndex(head); loc != nil {
			if f, ok := dates.First(head[loc[1]:min(len(head), loc[1]+60)], dates.Options{Now: now}); ok {
				r.OwnDate = f.Date
			}
		}
	}
}

// DatesInText counts the dates in the main content's text and beside the
// entries page readers found: a page with few is not a list.
func (r *listReading) DatesInText() int {
	n := len(dates.Find(r.mainText, dates.Options{Now: r.now}))
	for _, e := range r.page.Entries {
		if _, ok := dates.First(e.Date, dates.Options{Now: r.now}); ok {
			n++
		}
	}
	return n
}

// Entries returns the main content's links, each with the date shown
// beside it (attachments and pager links left out), then the entries page
// readers found outside the markup, at most maxEntries.
//
// Menus are not entries: a block of undated links to columns (a sidebar
// of sibling columns, a section's sub-menu) is left out when the page has
// other entries or shows a placeholder (暂无信息 beats the sidebar); a
// section page made only of such links keeps them (a hub).
func (r *listReading) Entries(attachExt map[string]bool) []listEntry {
	limit := maxEntries
	if r.page.Home {
		limit = maxHomeEntries
	}
	raw := listEntries(r.anchors, r.page.URL, r.page.Charset, r.now, attachExt, limit)
	entries := dropMenus(raw, hasPlaceholderHint(r.compact()))
	return readerEntries(entries, r.page.Entries, r.page.URL, r.now, attachExt, limit)
}

// Nav returns the page's navigation links (read on the homepage).
func (r *listReading) Nav() []listEntry { return navLinks(r.page.RenderedDoc(), r.page.URL) }

// Title is the page's <title>.
func (r *listReading) Title() string {
	return strings.TrimSpace(r.page.Doc.Find("title").First().Text())
}

// Shows reports whether the main content shows one of phrases (暂无信息),
// whitespace ignored.
func (r *listReading) Shows(phrases []string) bool {
	return containsAnyOf(r.compact(), phrases)
}

// listEntry is one link in a list, with its date if the list shows one.
type listEntry struct {
	Title string
	URL   string
	Date  time.Time
	// Month and Day are a month-day date (10-11) whose year nothing on
	// the page says (Date is then zero): the article's own date or its
	// URL decides, else the date is unknown — never the run's year.
	Month, Day int
}

// mainAnchors walks the body once and returns the links of its main
// content — outside nav, header, footer, aside, breadcrumbs (当前位置：…)
// and elements whose class or id names navigation, footers, sidebars or
// breadcrumbs — and the main content's text. Blocks whose class names
// both chrome and content (page, top, head…) are left out only when they
// hold no dated list and no placeholder; on the homepage every block is
// read that way, since its news sit in blocks of every name.
func mainAnchors(body *goquery.Selection, home bool) ([]*html.Node, string) {
	var anchors []*html.Node
	var text strings.Builder
	stack := append([]*html.Node(nil), body.Nodes...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch n.Type {
		case html.TextNode:
			if text.Len() < 1<<20 {
				text.WriteString(n.Data)
				text.WriteByte(' ')
			}
			continue
		case html.ElementNode:
			switch n.Data {
			case "script", "style", "noscript":
				continue
			case "nav", "header", "footer", "aside":
				if !home || !holdsContent(n) {
					continue
				}
			}
			if chrome(n, home) || isCrumb(n) {
				continue
			}
			if n.Data == "a" {
				anchors = append(anchors, n)
			}
		}
		for ch := n.LastChild; ch != nil; ch = ch.PrevSibling {
			stack = append(stack, ch)
		}
	}
	return anchors, text.String()
}

// chrome reports a block its class or id names as not content.
func chrome(n *html.Node, home bool) bool {
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" {
			continue
		}
		if tokenIn(a.Val, notMainTokens, notMain) {
			return !home || !holdsContent(n)
		}
		if tokenIn(a.Val, maybeMainTokens, maybeMain) {
			return !holdsContent(n)
		}
	}
	return false
}

// tokenIn reports whether re — (?i)(^|[-_ ])(tokens…)([-_ 0-9]|$) —
// matches v: by hand for ASCII values (every element's class and id is
// read, and the regexps were a third of a list page's reading), by re
// for others (case folding then reaches ſ and K).
func tokenIn(v string, tokens []string, re *regexp.Regexp) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return re.MatchString(v)
		}
	}
	for p := 0; p < len(v); p++ {
		if p > 0 && v[p-1] != '-' && v[p-1] != '_' && v[p-1] != ' ' {
			continue
		}
		for _, t := range tokens {
			e := p + len(t)
			if e > len(v) || !equalFoldASCII(v[p:e], t) {
				continue
			}
			if e == len(v) || v[e] == '-' || v[e] == '_' || v[e] == ' ' || v[e] >= '0' && v[e] <= '9' {
				return true
			}
		}
	}
	return false
}

// holdsContent reports a block holding a dated list (two dates or more
// beside links) or a placeholder: a page's content, whatever its class.
func holdsContent(n *html.Node) bool {
	t := nodeText(n, 20000)
	if hasPlaceholderHint(dropSpaces(t)) {
		return true
	}
	return countAnchors(n, 2) >= 2 && len(dates.Find(t, dates.Options{})) >= 2
}

// isCrumb reports a breadcrumb: a small block whose own text starts with
// 当前位置 (or 您的位置…), directly or in an inline child.
func isCrumb(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		t := ""
		switch {
		case c.Type == html.TextNode:
			t = c.Data
		case c.Type == html.ElementNode && inline[c.Data]:
			t = nodeText(c, 80)
		default:
			continue
		}
		if strings.TrimSpace(t) == "" {
			continue
		}
		return strings.Contains(t, "位置") && crumbMark.MatchString(t) && countAnchors(n, 9) <= 8
	}
	return false
}

var inline = map[string]bool{"span": true, "strong": true, "b": true, "em": true, "i": true, "font": true, "label": true, "img": true}

func nodeAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// nodeText is the text under n, capped.
func nodeText(n *html.Node, limit int) string {
	var b strings.Builder
	stack := []*html.Node{n}
	for len(stack) > 0 && b.Len() < limit {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x.Type == html.TextNode {
			b.WriteString(x.Data)
			continue
		}
		if x.Type == html.ElementNode && (x.Data == "script" || x.Data == "style") {
			continue
		}
		for ch := x.LastChild; ch != nil; ch = ch.PrevSibling {
			stack = append(stack, ch)
		}
	}
	return b.String()
}

// countAnchors counts links under n, stopping at limit.
func countAnchors(n *html.Node, limit int) int {
	count := 0
	stack := []*html.Node{n}
	for len(stack) > 0 && count < limit {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x.Type == html.ElementNode && x.Data == "a" {
			if _, ok := nodeAttr(x, "href"); ok {
				count++
			}
		}
		for ch := x.FirstChild; ch != nil; ch = ch.NextSibling {
			stack = append(stack, ch)
		}
	}
	return count
}

// listEntries returns the links of a list with the date shown beside each
// (in the same item, cell row or block, or in an element of its own
// inside the link), the year taken from a heading before the list for
// month-day dates — and no year when there is none. Anchor URLs are read
// as the crawl reads them (the page's charset).
func listEntries(anchors []*html.Node, base *url.URL, charset string, now time.Time, attachExt map[string]bool, limit int) []rawEntry {
	var out []rawEntry
	seen := map[string]bool{}
	many := map[*html.Node]bool{} // blocks known to hold more than 3 links
	for _, a := range anchors {
		if len(out) >= limit {
			break
		}
		href, ok := nodeAttr(a, "href")
		if !ok {
			continue
		}
		anchorText := nodeText(a, 400)
		inside := dateInside(a, now)
		title := anchorText
		if inside.text != "" {
			title = strings.Replace(title, inside.text, " ", 1)
		}
		title = strings.Join(strings.Fields(title), " ")
		if t, ok := nodeAttr(a, "title"); ok && utf8.RuneCountInString(t) > utf8.RuneCountInString(title) {
			title = strings.TrimSpace(t)
		}
		if n := utf8.RuneCountInString(title); n < minTitleRunes || n <= 6 && pagerText.MatchString(title) {
			continue
		}
		u, err := crawler.NormalizeIn(base, href, charset)
		if err != nil || u.Host != base.Host || seen[u.String()] || attachExt[strings.ToLower(path.Ext(u.Path))] {
			continue // attachments are not entries of a column
		}
		seen[u.String()] = true
		e := rawEntry{listEntry: listEntry{Title: title, URL: u.String()}}
		found, ok := inside.found, inside.text != ""
		node := a.Parent
		for hop := 0; hop < maxGroupHops && node != nil && node.Type == html.ElementNode; hop++ {
			e.group = node
			if node.Data == "body" || many[node] {
				break
			}
			if countAnchors(node, 4) > 3 {
				many[node] = true
				break // left the item: this is the whole list
			}
			if ok || hop >= maxAncestorHops {
				node = node.Parent
				continue // dated (or too far): only the list is sought
			}
			rest := strings.Replace(nodeText(node, 2000), anchorText, " ", 1)
			if f, okf := dates.First(rest, dates.Options{Now: now}); okf {
				found, ok = f, true
				if f.Inferred {
					// A month-day date: the year of a heading before the list.
					if y := yearBefore(node); y != 0 {
						found, ok = dates.First(rest, dates.Options{Now: now, Year: y})
						found.Inferred = false
					}
				}
			}
			node = node.Parent
		}
		if ok {
			if found.Inferred {
				e.Month, e.Day = int(found.Date.Month()), found.Date.Day()
			} else {
				e.Date = found.Date
			}
		}
		out = append(out, e)
	}
	return out
}

// rawEntry is an entry with the block that holds its list (for telling
// menus from lists); the block is never kept beyond list reading.
type rawEntry struct {
	listEntry
	group *html.Node
}

// inDate is a date an anchor holds in an element of its own.
type inDate struct {
	found dates.Found
	text  string
}

// dateInside finds a date an anchor holds in a child element whose whole
// text is the date (<a><span>标题</span><i>2020-08-14</i></a>); a date in
// the title's own words (关于2026年1月1日起施行…) is not its date.
func dateInside(a *html.Node, now time.Time) inDate {
	for c := a.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		t := strings.TrimSpace(nodeText(c, 60))
		t = strings.Trim(t, "[]【】()（） ")
		if t == "" || len(t) > 40 {
			continue
		}
		if f, ok := dates.First(t, dates.Options{Now: now}); ok && f.Start == 0 && strings.TrimSpace(t[f.End:]) == "" {
			return inDate{found: f, text: strings.TrimSpace(nodeText(c, 60))}
		}
	}
	return inDate{}
}

// dropMenus leaves out blocks of menu links — three or more undated links
// in one block, to column-like URLs or with short names — when the page
// has other entries or shows a placeholder.
func dropMenus(raw []rawEntry, placeholder bool) []listEntry {
	type stat struct{ n, undated, columnish, short int }
	stats := map[*html.Node]*stat{}
	for _, e := range raw {
		s := stats[e.group]
		if s == nil {
			s = &stat{}
			stats[e.group] = s
		}
		s.n++
		if !e.Date.IsZero() || e.Month != 0 {
			continue // a dated entry: its block is a list
		}
		s.undated++
		if isListURL(e.URL) {
			s.columnish++
		}
		if utf8.RuneCountInString(e.Title) <= 8 {
			s.short++
		}
	}
	menu := func(g *html.Node) bool {
		s := stats[g]
		return s.n >= 3 && s.undated == s.n && (2*s.columnish >= s.n || s.short == s.n)
	}
	other := false
	for _, e := range raw {
		if !menu(e.group) {
			other = true
			break
		}
	}
	out := make([]listEntry, 0, len(raw))
	for _, e := range raw {
		if (other || placeholder) && menu(e.group) {
			continue
		}
		out = append(out, e.listEntry)
	}
	return out
}

// readerEntries adds the entries page readers found outside the markup to
// the ones read from the DOM: a new link is a new entry; a link the DOM list
// already has takes the reader's date when the DOM showed none.
func readerEntries(entries []listEntry, found []crawler.ListEntry, base *url.URL, now time.Time, attachExt map[string]bool, limit int) []listEntry {
	if len(found) == 0 {
		return entries
	}
	at := make(map[string]int, len(entries))
	for i, e := range entries {
		at[e.URL] = i
	}
	for _, f := range found {
		u, err := crawler.Normalize(base, f.URL)
		if err != nil || u.Host != base.Host || attachExt[strings.ToLower(path.Ext(u.Path))] {
			continue
		}
		var e listEntry
		if d, ok := dates.First(f.Date, dates.Options{Now: now}); ok {
			if d.Inferred {
				e.Month, e.Day = int(d.Date.Month()), d.Date.Day()
			} else {
				e.Date = d.Date
			}
		}
		if i, ok := at[u.String()]; ok {
			if entries[i].Date.IsZero() && entries[i].Month == 0 {
				entries[i].Date, entries[i].Month, entries[i].Day = e.Date, e.Month, e.Day
			}
			continue
		}
		title := strings.Join(strings.Fields(f.Title), " ")
		if len(entries) >= limit || utf8.RuneCountInString(title) < minTitleRunes {
			continue
		}
		at[u.String()] = len(entries)
		e.Title, e.URL = title, u.String()
		entries = append(entries, e)
	}
	return entries
}

// yearBefore finds a year heading ("2024年") among the previous siblings
// of the list holding n, for dates written without a year.
func yearBefore(n *html.Node) int {
	for s := n; s != nil && s.Type == html.ElementNode && s.Data != "body"; s = s.Parent {
		for p := s.PrevSibling; p != nil; p = p.PrevSibling {
			if p.Type != html.ElementNode {
				continue
			}
			if y, ok := dates.YearHeading(nodeText(p, 40)); ok {
				return y
			}
			if countAnchors(p, 1) > 0 {
				break
			}
		}
	}
	return 0
}

// navLinks returns the homepage's navigation: links inside nav-like
// containers, by name.
func navLinks(doc *goquery.Document, base *url.URL) []listEntry {
	var out []listEntry
	seen := map[string]bool{}
	doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		inNav := false
		for n := a.Parent(); n.Length() > 0 && !inNav; n = n.Parent() {
			if len(n.Nodes) == 0 || n.Nodes[0].Type != html.ElementNode {
				break
			}
			name := goquery.NodeName(n)
			cls, _ := n.Attr("class")
			id, _ := n.Attr("id")
			inNav = name == "nav" || navLike.MatchString(cls) || navLike.MatchString(id)
		}
		if !inNav {
			return
		}
		text := strings.Join(strings.Fields(a.Text()), "")
		if n := utf8.RuneCountInString(text); n < 2 || n > maxNavTextRunes || text == "首页" || text == "网站首页" {
			return
		}
		href, _ := a.Attr("href")
		u, err := crawler.Normalize(base, href)
		if err != nil || u.Host != base.Host || u.String() == base.String() || seen[u.String()] {
			return
		}
		seen[u.String()] = true
		out = append(out, listEntry{Title: text, URL: u.String()})
	})
	return out
}
