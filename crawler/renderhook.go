package crawler

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unsafe"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/crawler/htmlfast"
)

// Rendered discovery: links and list entries that exist only after a
// page's scripts run (lists whose URLs a script computes, entries fetched
// by XHR into an empty <ul>) are invisible to the page readers. Pages that
// look script-fed — the homepage, or a list-like page with no entries in
// its markup — are rendered in a browser (Config.Render, within
// crawl.render_pages a run), and what the rendered document links is
// crawled and checked like markup links (details.tag "rendered:a"); its
// document is the one the column check reads.

// Renderer loads a page in a browser and returns its document after its
// scripts ran, at most maxBytes long.
type Renderer func(ctx context.Context, url string, maxBytes int) (string, error)

// TagRendered prefixes the tag of links only the rendered document has.
const TagRendered = "rendered:"

var (
	// domBuilders are what inline scripts that build lists call.
	domBuilders = []string{"innerHTML", "document.write", "appendChild", "insertAdjacentHTML", ".append(", ".html(", "$.ajax", "$.get(",
		"$.getJSON", "$.post(", ".load(", "fetch(", "XMLHttpRequest", "new Vue", "createApp(", "template(", "laytpl", ".render("}
	// listPath: URLs of list pages (a column's index, a list, a paged list).
	listPath = regexp.MustCompile(`(?i)(/|/(index|list|default|more)(_\d+)?\.(s?html?|jsp|php|aspx?))$`)
	listName = regexp.MustCompile(`(?i)list|news|xw|lb|con|data|item`)
)

// scriptFed reports whether a page's own scripts build its content: an
// inline script that writes the DOM or fetches data, with an empty list
// container to fill or a list-like URL (the homepage needs only the
// script).
func scriptFed(p *Page) bool {
	if len(p.Entries) > 0 {
		return false // a reader already read the script's list
	}
	// The scripts are read only when the page could be script-fed
	// otherwise: reading a template's 50 KB of script for every page cost
	// 0.2 ms of each.
	var scripts []string
	empty := false
	total := 0
	// The tree is walked in a loop: a recursive walk through the 120
	// nested elements of a CMS template grew the page worker's stack on
	// every page once the collector had shrunk it (0.35 CPU-s of stack
	// copies in a 20,000-page run).
	for _, root := range p.Doc.Nodes {
		for c := htmlfast.NextNode(root, root, true); c != nil; {
			descend := c.Type == html.ElementNode
			if descend {
				switch c.Data {
				case "script":
					if _, src := attrOK(c, "src"); !src && c.FirstChild != nil && total < 4<<20 {
						total += len(c.FirstChild.Data)
						scripts = append(scripts, c.FirstChild.Data)
					}
					descend = false
				case "ul", "ol", "tbody":
					if !empty && !hasElementChild(c) {
						empty = true
					}
				case "div":
					if !empty && !hasElementChild(c) && strings.TrimSpace(nodeTextOf(c)) == "" && (listName.MatchString(attr(c, "id")) || listName.MatchString(attr(c, "class"))) {
						empty = true
					}
				}
			}
			c = htmlfast.NextNode(root, c, descend)
		}
	}
	if !p.Home && !empty && !listPath.MatchString(p.FinalURL.Path) {
		return false
	}
	for _, code := range scripts {
		for _, m := range domBuilders {
			if strings.Contains(code, m) {
				return true
			}
		}
	}
	return false
}

func hasElementChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return true
		}
	}
	return false
}

func nodeTextOf(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// discover renders a script-fed page (within the run's budget) and adds
// the links only its rendered document has; the rendered document is
// kept for list reading.
func (cr *Crawler) discover(ctx context.Context, p *Page) {
	if !scriptFed(p) {
		return
	}
	p.ScriptFed = true
	if cr.cfg.Render == nil || cr.cfg.Crawl.RenderPages <= 0 {
		return
	}
	if cr.renders.Add(1) > int64(cr.cfg.Crawl.RenderPages) {
		cr.skip("render-budget")
		return
	}
	start := time.Now()
	dom, err := cr.cfg.Render(ctx, p.FinalURL.String(), int(cr.cfg.Crawl.MaxPageBytes))
	if err != nil {
		cr.log.Info("render failed", "url", p.FinalURL.String(), "err", err)
		p.RenderError = err.Error()
		cr.skip("render-failed")
		return
	}
	// The tree's strings are views of dom (a string: never changed).
	capped, _ := capElements(unsafe.Slice(unsafe.StringData(dom), len(dom)), MaxElements)
	doc, _, err := parseOwnPage(capped)
	if err != nil {
		p.RenderError = err.Error()
		return
	}
	p.Rendered = doc
	cr.renderedOK.Add(1)
	have := make(map[string]bool, len(p.Links))
	for _, l := range p.Links {
		have[l.URL.String()] = true
	}
	added := 0
	for _, l := range dedupeLinks(ExtractLinksIn(doc, p.FinalURL, cr.attachExt, p.Charset)) {
		if have[l.URL.String()] {
			continue
		}
		l.Tag = TagRendered + l.Tag
		p.Links = append(p.Links, l)
		added++
	}
	cr.rendered.Add(int64(added))
	cr.log.Debug("rendered", "url", p.FinalURL.String(), "new_links", added, "ms", time.Since(start).Milliseconds())
}

// RenderedDoc is the document the column check reads: the rendered one
// when the page was rendered, else the markup.
func (p *Page) RenderedDoc() *goquery.Document {
	if p.Rendered != nil {
		return p.Rendered
	}
	return p.Doc
}
