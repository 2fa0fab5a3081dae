package crawler

import (
	"math/rand/v2"
	"net/url"
	"path"
	"reflect"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// extractLinksBefore is ExtractLinksCapped as it was before its walk met
// the <base href> itself and linkText read the tree in place: the
// reference the faster code must agree with.
func extractLinksBefore(doc *goquery.Document, pageURL *url.URL, attachmentExt map[string]bool, charset string, max int) (links []Link, more int) {
	base := pageURL
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := NormalizeIn(pageURL, href, charset); err == nil {
			base = b
		}
	}
	type rawRef struct {
		ref  string
		kind LinkKind
	}
	var seen map[string]bool
	var past map[rawRef]bool
	if max > 0 {
		seen, past = map[string]bool{}, map[rawRef]bool{}
	}
	add := func(ref string, kind LinkKind, tag, attr, text string) {
		if max > 0 && len(links) >= max {
			if k := (rawRef{ref, kind}); !past[k] {
				past[k] = true
				more++
			}
			return
		}
		u, err := NormalizeIn(base, ref, charset)
		if err != nil {
			return
		}
		if kind == KindPage || kind == KindFrame || kind == KindEmbed {
			if attachmentExt[extension(u)] {
				kind = KindAttachment
			}
		}
		if max > 0 {
			k := u.String()
			if seen[k] {
				return
			}
			seen[k] = true
		}
		links = append(links, Link{URL: u, Kind: kind, Tag: tag, Attr: attr, Text: text})
	}
	addCSS := func(css, tag, attr string) {
		for _, r := range CSSURLs(css) {
			kind := KindImage
			if r.Import || fontExt[strings.ToLower(path.Ext(strings.SplitN(r.URL, "?", 2)[0]))] {
				kind = KindStyle
			}
			add(r.URL, kind, tag, attr, "")
		}
	}
	visit := func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "style" {
			if c := n.FirstChild; c != nil && c.Type == html.TextNode && hasCSSRef(c.Data) {
				addCSS(c.Data, "style", "url()")
			}
			return
		}
		if v, ok := attrOK(n, "style"); ok && hasCSSRef(v) {
			addCSS(v, n.Data, "style")
		}
		specs, ok := refAttrs[n.Data]
		if !ok {
			return
		}
		if n.Data == "input" && !strings.EqualFold(attr(n, "type"), "image") {
			return
		}
		text := ""
		for _, sp := range specs {
			v, ok := attrOK(n, sp.attr)
			if !ok {
				continue
			}
			kind := sp.kind
			if n.Data == "link" {
				var follow bool
				if kind, follow = linkRelKind(attr(n, "rel")); !follow {
					continue
				}
			}
			if text == "" {
				text = linkTextBefore(n)
			}
			if sp.attr == "srcset" {
				for _, cand := range ParseSrcset(v) {
					add(cand, kind, n.Data, sp.attr, text)
				}
				continue
			}
			add(v, kind, n.Data, sp.attr, text)
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
	return links, more
}

// linkTextBefore is linkText as it was: anchor text, else alt or title.
func linkTextBefore(n *html.Node) string {
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
	return collapseBefore(t, 100)
}

// collapseBefore is collapse as it was.
func collapseBefore(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// randomLinkPage is a page of random references of every kind, anchor
// texts with every kind of white space and malformed UTF-8, and <base>
// elements anywhere.
func randomLinkPage(rng *rand.Rand) string {
	texts := []string{"政府", " ", "\t", "\n", "\u3000", "\u00a0", "abc", "\xe4\xb8", "\xff", "&nbsp;", "1２", strings.Repeat("长", 120)}
	refs := []string{"a.html", "/b/c.html", "../d.pdf", "http://x.gov.cn/e", "//y.gov.cn/f?q=政务", "#top", "mailto:x@y", "g.html#h", " i.jpg ", "%zz", ""}
	elems := []string{
		`<a href="%s">%s</a>`, `<a href="%s"><img src="%s" alt="%s"></a>`, `<img src="%s" alt="%s">`, `<base href="%s">`,
		`<link rel="stylesheet" href="%s">`, `<link rel="preload" href="%s">`, `<script src="%s"></script>`, `<iframe src="%s"></iframe>`,
		`<form action="%s">%s</form>`, `<area href="%s" title="%s">`, `<div style="background:url(%s)">%s</div>`, `<img srcset="%s 1x, %s 2x">`,
		`<input type="image" src="%s">`, `<p>%s<b>%s</b></p>`, `<a href="%s"><script>x</script>%s<span>%s</span></a>`, `<svg><base href="%s"/></svg>`,
	}
	var b strings.Builder
	b.WriteString("<html><head>")
	for range rng.IntN(40) {
		e := elems[rng.IntN(len(elems))]
		var args []any
		for strings.Contains(e, "%s") {
			e = strings.Replace(e, "%s", "\x00", 1)
			if rng.IntN(2) == 0 {
				args = append(args, refs[rng.IntN(len(refs))])
			} else {
				var t strings.Builder
				for range rng.IntN(5) {
					t.WriteString(texts[rng.IntN(len(texts))])
				}
				args = append(args, t.String())
			}
		}
		for _, a := range args {
			e = strings.Replace(e, "\x00", a.(string), 1)
		}
		b.WriteString(e)
		if rng.IntN(8) == 0 {
			b.WriteString("</head><body>")
		}
	}
	return b.String()
}

func checkLinksAsBefore(t *testing.T, page string, max int) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		return
	}
	u, _ := url.Parse("http://x.gov.cn/dir/page.html")
	attach := map[string]bool{"pdf": true}
	got, gotMore := ExtractLinksCapped(doc, u, attach, "gb18030", max)
	want, wantMore := extractLinksBefore(doc, u, attach, "gb18030", max)
	if hinted, hintedMore, keys := extractLinks(doc, u, attach, "gb18030", max, len(page)%7); len(keys) != len(got) || !reflect.DeepEqual(hinted, got) || hintedMore != gotMore {
		t.Fatalf("with a hint: %d links (%d targets as strings), more %d; without: %d links, more %d", len(hinted), len(keys), hintedMore, len(got), gotMore)
	} else {
		for i, k := range keys {
			if k != got[i].URL.String() {
				t.Fatalf("link %d: target %q as a string, URL %q", i, k, got[i].URL)
			}
		}
	}
	if len(got) == 0 && len(want) == 0 && gotMore == wantMore {
		return
	}
	if !reflect.DeepEqual(got, want) || gotMore != wantMore {
		t.Fatalf("max %d: links\n%+v more %d\nbefore\n%+v more %d\nof %q", max, got, gotMore, want, wantMore, page)
	}
}

func TestExtractLinksAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		checkLinksAsBefore(t, randomLinkPage(rng), []int{0, 1, 3, 100}[rng.IntN(4)])
	}
}

func FuzzExtractLinksAsBefore(f *testing.F) {
	f.Add(`<a href="x">y</a><base href="//evil"><img srcset=",, ,">`, 0)
	f.Add(`<a href="a"> 长 \u3000 文 </a><base href="/s/"><a href="b">b</a>`, 1)
	f.Fuzz(func(t *testing.T, page string, max int) {
		checkLinksAsBefore(t, page, max%8)
	})
}
