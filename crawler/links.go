package crawler

import (
	"net/url"
	"path"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// refAttrs lists, per element, the attributes that hold references and the
// kind of target they point at.
var refAttrs = map[string][]struct {
	attr string
	kind LinkKind
}{
	"a":      {{"href", KindPage}},
	"area":   {{"href", KindPage}},
	"iframe": {{"src", KindFrame}},
	"frame":  {{"src", KindFrame}},
	"img":    {{"src", KindImage}, {"data-src", KindImage}, {"srcset", KindImage}},
	"input":  {{"src", KindImage}},
	"script": {{"src", KindScript}},
	"link":   {{"href", KindStyle}},
	"embed":  {{"src", KindEmbed}},
	"object": {{"data", KindEmbed}},
	"audio":  {{"src", KindEmbed}},
	"video":  {{"src", KindEmbed}, {"poster", KindImage}},
	"source": {{"src", KindEmbed}, {"srcset", KindImage}},
	"form":   {{"action", KindForm}},
}

// ExtractLinks returns every reference in doc, resolved against the page's
// <base href> (or pageURL) and normalised: a[href], area, iframe/frame,
// img src/data-src/srcset, input[type=image], script, link, embed, object,
// audio/video/source, and form actions (recorded, never requested).
// attachmentExt holds lower-case extensions (no dot) that mark attachments.
// The document is walked once.
func ExtractLinks(doc *goquery.Document, pageURL *url.URL, attachmentExt map[string]bool) []Link {
	base := pageURL
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := Normalize(pageURL, href); err == nil {
			base = b
		}
	}
	var links []Link
	add := func(ref string, kind LinkKind, tag, attr, text string) {
		u, err := Normalize(base, ref)
		if err != nil {
			return
		}
		if kind == KindPage || kind == KindFrame || kind == KindEmbed {
			if attachmentExt[extension(u)] {
				kind = KindAttachment
			}
		}
		links = append(links, Link{URL: u, Kind: kind, Tag: tag, Attr: attr, Text: text})
	}
	visit := func(n *html.Node) {
		if n.Type == html.ElementNode {
			if specs, ok := refAttrs[n.Data]; ok {
				if n.Data == "input" && !strings.EqualFold(attr(n, "type"), "image") {
					specs = nil
				}
				text := ""
				for _, sp := range specs {
					v, ok := attrOK(n, sp.attr)
					if !ok {
						continue
					}
					if text == "" {
						text = linkText(n)
					}
					if sp.attr == "srcset" {
						for _, cand := range strings.Split(v, ",") {
							if f := strings.Fields(cand); len(f) > 0 {
								add(f[0], sp.kind, n.Data, sp.attr, text)
							}
						}
						continue
					}
					add(v, sp.kind, n.Data, sp.attr, text)
				}
			}
		}
	}
	// Iterative, in document order: pages nest elements arbitrarily deep.
	stack := make([]*html.Node, 0, 64)
	for i := len(doc.Nodes) - 1; i >= 0; i-- {
		stack = append(stack, doc.Nodes[i])
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		visit(n)
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
		}
	}
	return links
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

// linkText is what a webmaster sees for the reference: anchor text, else
// alt or title.
func linkText(n *html.Node) string {
	var t string
	switch n.Data {
	case "a", "form":
		var b strings.Builder
		var alt string
		stack := []*html.Node{n}
		for len(stack) > 0 && b.Len() <= 400 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
				continue
			case html.ElementNode:
				if c.Data == "img" && alt == "" {
					alt = attr(c, "alt")
				}
				if c.Data == "script" || c.Data == "style" {
					continue
				}
			}
			for cc := c.LastChild; cc != nil; cc = cc.PrevSibling {
				stack = append(stack, cc)
			}
		}
		t = b.String()
		if strings.TrimSpace(t) == "" {
			t = alt
		}
	case "img", "area", "input":
		t = attr(n, "alt")
	}
	if strings.TrimSpace(t) == "" {
		t = attr(n, "title")
	}
	return collapse(t, 100)
}

// extension returns the lower-case extension of the URL path, without dot.
func extension(u *url.URL) string {
	ext := path.Ext(u.Path)
	if ext == "" {
		return ""
	}
	return strings.ToLower(ext[1:])
}
