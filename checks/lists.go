package checks

import (
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/dates"
)

// List reading: what a page says as a list — its links with the dates shown
// beside them, its own publication date, its ColumnName, its navigation —
// for the column check (columns.go), which judges columns from it. Reading
// knows HTML; judging knows thresholds and the national counts.

// Caps of list reading.
const (
	maxEntries      = 200
	minTitleRunes   = 4
	maxAncestorHops = 4
	maxNavTextRunes = 12
)

var (
	notMain     = regexp.MustCompile(`(?i)(^|[-_ ])(nav|menu|header|head|top|footer|foot|bottom|side|sidebar|aside|crumb|breadcrumb|copyright|friend|daohang|dh|wzdh|fenye|page|pagination|pager)([-_ 0-9]|$)`)
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
// Entries come from the page's markup. The page readers of real CMS
// platforms (script-fed datastores, lists in JavaScript, iframes) will add
// the entries they read to it, in the same shape.
type listReading struct {
	page *crawler.Page
	now  time.Time
	// OwnDate is the page's own publication date (PubDate meta, else a
	// 发布时间：… line near the top of its text); zero for a list page.
	OwnDate time.Time
	// ColumnMeta is the ColumnName meta tag.
	ColumnMeta string

	anchors  []*html.Node // links of the main content
	mainText string
}

// readList reads a page's cheap parts, walking its tree once.
func readList(p *crawler.Page, now time.Time) listReading {
	r := listReading{page: p, now: now}
	meta := func(names ...string) string {
		for _, n := range names {
			if v, ok := p.Doc.Find(`meta[name="` + n + `"]`).First().Attr("content"); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	if v := meta("PubDate", "pubdate", "publishdate"); v != "" {
		if f, ok := dates.First(v, dates.Options{Now: now}); ok {
			r.OwnDate = f.Date
		}
	}
	r.anchors, r.mainText = mainAnchors(p.Doc.Find("body"))
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
	r.ColumnMeta = meta("ColumnName", "columnname")
	return r
}

// DatesInText counts the dates in the main content's text: a page with
// few is not a list.
func (r *listReading) DatesInText() int {
	return len(dates.Find(r.mainText, dates.Options{Now: r.now}))
}

// Entries returns the main content's links, each with the date shown
// beside it (attachments and pager links left out), at most maxEntries.
func (r *listReading) Entries(attachExt map[string]bool) []listEntry {
	return listEntries(r.anchors, r.page.URL, r.now, attachExt)
}

// Nav returns the page's navigation links (read on the homepage).
func (r *listReading) Nav() []listEntry { return navLinks(r.page.Doc, r.page.URL) }

// Title is the page's <title>.
func (r *listReading) Title() string {
	return strings.TrimSpace(r.page.Doc.Find("title").First().Text())
}

// Shows reports whether the main content shows one of phrases (暂无信息),
// whitespace ignored.
func (r *listReading) Shows(phrases []string) bool {
	compact := strings.Join(strings.Fields(r.mainText), "")
	for _, ph := range phrases {
		if strings.Contains(compact, ph) {
			return true
		}
	}
	return false
}

// listEntry is one link in a list, with its date if the list shows one.
type listEntry struct {
	Title string
	URL   string
	Date  time.Time
}

// mainAnchors walks the body once and returns the links of its main
// content — outside nav, header, footer, aside and elements whose class or
// id names navigation, headers, footers, sidebars or pagers — and the main
// content's text.
func mainAnchors(body *goquery.Selection) ([]*html.Node, string) {
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
			case "nav", "header", "footer", "aside", "script", "style", "noscript":
				continue
			}
			skip := false
			for _, a := range n.Attr {
				if (a.Key == "class" || a.Key == "id") && notMain.MatchString(a.Val) {
					skip = true
				}
			}
			if skip {
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
// (in the same item, cell row or block), the year taken from a heading
// before the list for month-day dates.
func listEntries(anchors []*html.Node, base *url.URL, now time.Time, attachExt map[string]bool) []listEntry {
	var out []listEntry
	seen := map[string]bool{}
	for _, a := range anchors {
		if len(out) >= maxEntries {
			break
		}
		href, ok := nodeAttr(a, "href")
		if !ok {
			continue
		}
		anchorText := nodeText(a, 400)
		title := strings.Join(strings.Fields(anchorText), " ")
		if t, ok := nodeAttr(a, "title"); ok && utf8.RuneCountInString(t) > utf8.RuneCountInString(title) {
			title = strings.TrimSpace(t)
		}
		if n := utf8.RuneCountInString(title); n < minTitleRunes || n <= 6 && pagerText.MatchString(title) {
			continue
		}
		u, err := crawler.Normalize(base, href)
		if err != nil || u.Host != base.Host || seen[u.String()] || attachExt[strings.ToLower(path.Ext(u.Path))] {
			continue // attachments are not entries of a column
		}
		seen[u.String()] = true
		e := listEntry{Title: title, URL: u.String()}
		node := a.Parent
		for hop := 0; hop < maxAncestorHops && node != nil && node.Type == html.ElementNode; hop++ {
			if node.Data == "body" || countAnchors(node, 4) > 3 {
				break // left the item: this is the whole list
			}
			rest := strings.Replace(nodeText(node, 2000), anchorText, " ", 1)
			if f, ok := dates.First(rest, dates.Options{Now: now}); ok {
				if f.Inferred {
					// A month-day date: the year of a heading before the list.
					if y := yearBefore(node); y != 0 {
						f, ok = dates.First(rest, dates.Options{Now: now, Year: y})
					}
				}
				if ok {
					e.Date = f.Date
					break
				}
			}
			node = node.Parent
		}
		out = append(out, e)
	}
	return out
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
