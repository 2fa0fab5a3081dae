package extract

import (
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/crawler"
)

// htmlSegments decodes and parses an HTML file and returns its segments.
func htmlSegments(data []byte, maxText int) ([]Segment, bool, error) {
	text, _ := crawler.Decode(data, "")
	doc, _, err := crawler.ParseHTML(text)
	if err != nil {
		return nil, false, fmt.Errorf("%w: html: %v", ErrCorrupt, err)
	}
	segs, truncated := pageSegments(doc, maxText)
	return segs, truncated, nil
}

// blockTags end a line in the visible text, so words of two blocks do not
// run together in matches and quotes.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "tr": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "table": true, "ul": true, "ol": true, "section": true,
	"article": true, "header": true, "footer": true, "nav": true, "dd": true, "dt": true, "hr": true, "form": true,
	"blockquote": true, "pre": true, "option": true,
}

// cellTags end a table cell with a tab, so rows stay rows and a number's
// column header can be found (privacy in context).
var cellTags = map[string]bool{"td": true, "th": true}

// skipTags hold no visible text.
var skipTags = map[string]bool{"script": true, "style": true, "noscript": true, "template": true, "head": true, "svg": true, "iframe": true, "object": true}

// PageSegments returns what a person reads on a page: its title, meta
// description, image alt texts and the visible body text (scripts and
// styles left out), each capped at maxText bytes.
func PageSegments(doc *goquery.Document, maxText int) []Segment {
	segs, _ := pageSegments(doc, maxText)
	return segs
}

func pageSegments(doc *goquery.Document, maxText int) (segs []Segment, truncated bool) {
	add := func(where, text string) {
		text = strings.TrimSpace(text)
		if text == "" {
			return
		}
		if len(text) > maxText {
			text = strings.ToValidUTF8(text[:maxText], "")
			truncated = true
		}
		segs = append(segs, Segment{Where: where, Text: text})
	}
	add("title", doc.Find("title").First().Text())
	if d, ok := doc.Find(`meta[name="description" i], meta[name="Description"]`).First().Attr("content"); ok {
		add("meta-description", d)
	}
	var alts []string
	doc.Find("img[alt]").Each(func(_ int, s *goquery.Selection) {
		if a, _ := s.Attr("alt"); strings.TrimSpace(a) != "" {
			alts = append(alts, strings.TrimSpace(a))
		}
	})
	add("alt", strings.Join(alts, "\n"))
	// Iterative walk: hostile pages nest elements hundreds of thousands
	// deep to hide text from tools that stop at some depth.
	var b strings.Builder
	type frame struct {
		n    *html.Node
		exit bool
		cell bool
	}
	stack := make([]frame, 0, 64)
	for i := len(doc.Nodes) - 1; i >= 0; i-- {
		stack = append(stack, frame{n: doc.Nodes[i]})
	}
	for len(stack) > 0 && b.Len() <= maxText {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.n
		if f.exit {
			if f.cell {
				b.WriteByte('\t')
			} else {
				b.WriteByte('\n')
			}
			continue
		}
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			continue
		case html.ElementNode:
			if skipTags[n.Data] {
				continue
			}
			if blockTags[n.Data] {
				stack = append(stack, frame{n: n, exit: true})
			} else if cellTags[n.Data] {
				stack = append(stack, frame{n: n, exit: true, cell: true})
			}
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, frame{n: c})
		}
	}
	if len(stack) > 0 {
		truncated = true
	}
	add("body", collapseLines(b.String()))
	return segs, truncated
}

// collapseLines folds runs of spaces and drops empty lines; tabs between
// table cells stay (a row's trailing tab goes).
func collapseLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		cells := strings.Split(l, "\t")
		for i, c := range cells {
			cells[i] = strings.Join(strings.Fields(c), " ")
		}
		for len(cells) > 1 && cells[len(cells)-1] == "" {
			cells = cells[:len(cells)-1]
		}
		if l = strings.Join(cells, "\t"); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
