package crawler

import (
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/PuerkitoBio/goquery"
	"github.com/xunjian/xunjian/crawler/htmlfast"
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

// refMaybe marks, by length and first byte, the element names refAttrs
// may hold: most of a page's elements (div, li, span, td…) are told apart
// without a map lookup.
var refMaybe = func() (t [8][256]bool) {
	for tag := range refAttrs {
		t[len(tag)][tag[0]] = true
	}
	return t
}()

// refSpecs returns refAttrs[tag].
func refSpecs(tag string) ([]struct {
	attr string
	kind LinkKind
}, bool) {
	if len(tag) == 0 || len(tag) >= len(refMaybe) || !refMaybe[len(tag)][tag[0]] {
		return nil, false
	}
	specs, ok := refAttrs[tag]
	return specs, ok
}

// ExtractLinks returns every reference in doc, resolved against the page's
// <base href> (or pageURL) and normalised: a[href], area, iframe/frame,
// img src/data-src/srcset, input[type=image], script, link, embed, object,
// audio/video/source, CSS url() in style attributes and <style> blocks,
// and form actions (recorded, never requested). attachmentExt holds
// lower-case extensions (no dot) that mark attachments. The document is
// walked once. Non-ASCII queries are encoded as UTF-8; ExtractLinksIn
// encodes them in the page's charset.
func ExtractLinks(doc *goquery.Document, pageURL *url.URL, attachmentExt map[string]bool) []Link {
	return ExtractLinksIn(doc, pageURL, attachmentExt, "")
}

// ExtractLinksIn is ExtractLinks for a page decoded from charset, read as
// a browser reads it: srcset by the HTML standard's algorithm (commas
// inside URLs), background images and @import in style attributes and
// <style> blocks, <link> by its rel (stylesheets and icons are resources;
// preconnect, dns-prefetch, preload, prefetch, modulepreload and prerender
// are hints, never requested by a page view that does not use them), and
// queries encoded in the page's charset.
func ExtractLinksIn(doc *goquery.Document, pageURL *url.URL, attachmentExt map[string]bool, charset string) []Link {
	links, _ := ExtractLinksCapped(doc, pageURL, attachmentExt, charset, 0)
	return links
}

// ExtractLinksCapped is ExtractLinksIn keeping the references to the
// first max distinct targets (as dedupeLinks keeps them; all when max <=
// 0). The rest are not resolved, only counted: more is the number of
// distinct references past the cap, by their text as written (a hostile
// page carries 10^6 links, 28 MB resolved).
func ExtractLinksCapped(doc *goquery.Document, pageURL *url.URL, attachmentExt map[string]bool, charset string, max int) (links []Link, more int) {
	links, more, _ = extractLinks(doc, pageURL, attachmentExt, charset, max, 0)
	return links, more
}

// extractLinks is ExtractLinksCapped, also returning each link's target
// as a string (URL.String: made for the cap's set of targets, kept for
// the reference log and the queue, linkTargets). hint is how many links
// to make room for (the last page's: growing the slices and the set from
// nothing was a fifth of the extraction's time).
func extractLinks(doc *goquery.Document, pageURL *url.URL, attachmentExt map[string]bool, charset string, max, hint int) (links []Link, more int, keys []string) {
	// References resolve against the first <base href> (as goquery's
	// Find("base[href]").First() finds it), met in the same walk: a page
	// that has one before any reference costs nothing more, and one after
	// references (rare) makes the walk start again.
	base := pageURL
	baseSeen := false
	type rawRef struct {
		ref  string
		kind LinkKind
	}
	var seen map[string]bool
	var past map[rawRef]bool // made when the cap is reached
	hint = min(hint+hint/4, 4096)
	if max > 0 {
		hint = min(hint, max)
		// The set of targets is the last page's, emptied (made for
		// every page it was 28 MB of a 20,000-page run).
		seen = targetSets.Get().(map[string]bool)
		defer func() {
			if len(seen) <= maxPooledTargets {
				clear(seen)
				targetSets.Put(seen)
			}
		}()
	}
	links, keys = make([]Link, 0, hint), make([]string, 0, hint)
	reset := func() {
		links, more, keys = links[:0], 0, keys[:0]
		clear(seen)
		clear(past)
	}
	add := func(ref string, kind LinkKind, tag, attr, text string) {
		if max > 0 && len(links) >= max {
			if past == nil {
				past = map[rawRef]bool{}
			}
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
		k := u.String()
		if max > 0 {
			if seen[k] {
				return
			}
			seen[k] = true
		}
		links = append(links, Link{URL: u, Kind: kind, Tag: tag, Attr: attr, Text: text})
		keys = append(keys, k)
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
	// visit reads one node; false when the walk must start again.
	visit := func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		if !baseSeen && n.Data == "base" {
			if href, ok := anyAttr(n, "href"); ok {
				baseSeen = true
				if b, err := NormalizeIn(pageURL, href, charset); err == nil {
					base = b
				}
				if len(links) > 0 || more > 0 {
					reset()
					return false
				}
			}
		}
		if n.Data == "style" {
			if c := n.FirstChild; c != nil && c.Type == html.TextNode && hasCSSRef(c.Data) {
				addCSS(c.Data, "style", "url()")
			}
			return true
		}
		if v, ok := attrOK(n, "style"); ok && hasCSSRef(v) {
			addCSS(v, n.Data, "style")
		}
		specs, ok := refSpecs(n.Data)
		if !ok {
			return true
		}
		if n.Data == "input" && !strings.EqualFold(attr(n, "type"), "image") {
			return true
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
				text = linkText(n)
			}
			if sp.attr == "srcset" {
				for _, cand := range ParseSrcset(v) {
					add(cand, kind, n.Data, sp.attr, text)
				}
				continue
			}
			add(v, kind, n.Data, sp.attr, text)
		}
		return true
	}
	// In document order, by the tree's links (pages nest elements
	// arbitrarily deep); once more from the start when a <base href>
	// comes after references.
	for again := true; again; {
		again = false
	nodes:
		for _, root := range doc.Nodes {
			for n := root; n != nil; n = htmlfast.NextNode(root, n, true) {
				if !visit(n) {
					again = true
					break nodes
				}
			}
		}
	}
	return links, more, keys
}

// targetSets holds emptied sets of a page's link targets (extractLinks).
var targetSets = sync.Pool{New: func() any { return map[string]bool{} }}

// maxPooledTargets bounds a set of targets kept for the next page (a
// hostile page's 100,000 links are not kept).
const maxPooledTargets = 4096

// anyAttr returns the first attribute named key in any namespace (as
// goquery's Attr and cascadia's [key] read them).
func anyAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// fontExt marks url() targets that are fonts (page resources, not images).
var fontExt = map[string]bool{".woff": true, ".woff2": true, ".ttf": true, ".otf": true, ".eot": true}

// hasCSSRef reports CSS text that may hold a url() or @import, without
// allocating (style attributes are on most elements of some pages).
func hasCSSRef(s string) bool {
	if strings.IndexByte(s, '@') >= 0 {
		return true
	}
	for i := 3; i < len(s); i++ {
		if s[i] == '(' && (strings.EqualFold(s[i-3:i], "url") || strings.EqualFold(s[i-3:i], "set")) {
			return true
		}
	}
	return false
}

// linkRelKind reads a <link rel>: whether a page view requests its href,
// and as what. Resource hints only warm a connection or a cache (a CDN
// root that answers 403 to preconnect is not broken); stylesheets and
// icons are requested; other relations (canonical, alternate…) are links
// checked as before.
func linkRelKind(rel string) (LinkKind, bool) {
	hint, icon := false, false
	for _, t := range strings.Fields(strings.ToLower(rel)) {
		switch {
		case t == "stylesheet":
			return KindStyle, true
		case t == "preconnect", t == "dns-prefetch", t == "preload", t == "prefetch", t == "modulepreload", t == "prerender":
			hint = true
		case strings.Contains(t, "icon"):
			icon = true
		}
	}
	switch {
	case icon:
		return KindImage, true
	case hint:
		return 0, false
	}
	return KindStyle, true
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
		// The text is read where it is: an anchor of one text node (most
		// of them) is its own text, copied nowhere; more pieces are
		// joined in a builder. At most about 400 bytes are read.
		var first, alt string
		var b strings.Builder
		pieces, size := 0, 0
		for c := n; c != nil && size <= 400; {
			descend := true
			switch c.Type {
			case html.TextNode:
				switch pieces {
				case 0:
					first = c.Data
				case 1:
					b.WriteString(first)
					fallthrough
				default:
					b.WriteString(c.Data)
				}
				pieces++
				size += len(c.Data)
				descend = false
			case html.ElementNode:
				if c.Data == "img" && alt == "" {
					alt = attr(c, "alt")
				}
				if c.Data == "script" || c.Data == "style" {
					descend = false
				}
			}
			c = htmlfast.NextNode(n, c, descend)
		}
		t = first
		if pieces > 1 {
			t = b.String()
		}
		if isBlank(t) {
			t = alt
		}
	case "img", "area", "input":
		t = attr(n, "alt")
	}
	if isBlank(t) {
		t = attr(n, "title")
	}
	return collapse(t, 100)
}

// isBlank reports whether s is empty or white space only
// (strings.TrimSpace(s) == "", without the trimming).
func isBlank(s string) bool {
	blank := true
	eachField(s, func(string) bool {
		blank = false
		return false
	})
	return blank
}

// extension returns the lower-case extension of the URL path, without dot.
func extension(u *url.URL) string {
	ext := path.Ext(u.Path)
	if ext == "" {
		return ""
	}
	return strings.ToLower(ext[1:])
}
