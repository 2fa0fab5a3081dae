package readers

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/xunjian/xunjian/crawler/htmlfast"
	"golang.org/x/net/html"
)

// MetaRefresh reads where a page sends the browser on its own: <meta
// http-equiv="refresh" content="0;url=/site/index.html"> (very common at a
// portal's root) and script-only pages whose one job is
// window.location.href = '…'. The target is followed like an HTTP
// redirect (Link.Redirect) and checked like any link, so a start page that
// refreshes to a deleted page is reported.
type MetaRefresh struct{}

// Name implements Reader.
func (MetaRefresh) Name() string { return "meta-refresh" }

// scriptRedirect matches a top-level assignment of a literal URL to the
// location: location.href = "…", window.location = '…',
// location.replace("…"), top.location.href = '…'.
var scriptRedirect = regexp.MustCompile(`(?:^|[;\s{}])(?:window\.|top\.|self\.|document\.)?location(?:\.href)?\s*(?:=\s*|\.(?:replace|assign)\s*\(\s*)["']([^"'\s<>]+)["']`)

// maxRedirectPageText is the visible text a script-redirect page may have:
// a page with real content that also moves the browser is left alone.
const maxRedirectPageText = 200

// Read implements Reader.
func (r MetaRefresh) Read(p *Page, lim Limits) Result {
	var out Result
	if p.Doc == nil {
		return out
	}
	b := base(p)
	idx := p.index(lim)
	for _, m := range idx.metas {
		eq, _ := attrOf(m, "http-equiv")
		if !strings.EqualFold(strings.TrimSpace(eq), "refresh") {
			continue
		}
		content, _ := attrOf(m, "content")
		ref, ok := ParseRefresh(content)
		if !ok || ref == "" {
			continue // a bare delay reloads the page itself
		}
		if u, ok := resolve(b, ref); ok && u.String() != p.URL.String() {
			out.Links = append(out.Links, Link{URL: u, Kind: KindPage, Text: "自动跳转", Where: "meta-refresh", Redirect: true})
		}
		return out // browsers obey the first refresh only
	}
	// Script redirects: only on pages that show next to nothing (told
	// first: the text of a page with content ends the count after a few
	// nodes, where searching its scripts reads all of them).
	if len(idx.scripts) == 0 || textLonger(p.Doc.Nodes, maxRedirectPageText) {
		return out
	}
	for _, s := range idx.scripts {
		if !strings.Contains(s, "location") {
			continue
		}
		if m := scriptRedirect.FindStringSubmatchIndex(s); m != nil && topLevel(s, m[0]) {
			if u, ok := resolve(b, s[m[2]:m[3]]); ok && u.String() != p.URL.String() {
				out.Links = append(out.Links, Link{URL: u, Kind: KindPage, Text: "自动跳转", Where: "meta-refresh:script", Redirect: true})
				break
			}
		}
	}
	return out
}

// ParseRefresh parses a refresh value ("5; url='/a.html'") as browsers do
// (HTML's shared declarative refresh steps) and returns the URL text,
// empty when the page refreshes itself. ok is false when browsers ignore
// the value.
func ParseRefresh(content string) (ref string, ok bool) {
	s := content
	i := 0
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
	skipSpace := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	lower := func(c byte) byte { return c | 0x20 }
	skipSpace()
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start && (i >= len(s) || s[i] != '.') {
		return "", false
	}
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	if i < len(s) {
		if s[i] != ';' && s[i] != ',' && !isSpace(s[i]) {
			return "", false
		}
		skipSpace()
		if i < len(s) && (s[i] == ';' || s[i] == ',') {
			i++
		}
		skipSpace()
	}
	if i >= len(s) {
		return "", true
	}
	// "url =", each step optional as browsers read it.
	if lower(s[i]) == 'u' {
		i++
		if i < len(s) && lower(s[i]) == 'r' {
			i++
			if i < len(s) && lower(s[i]) == 'l' {
				i++
				skipSpace()
				if i < len(s) && s[i] == '=' {
					i++
					skipSpace()
				}
			}
		}
	}
	rest := s[i:]
	if rest != "" && (rest[0] == '\'' || rest[0] == '"') {
		q := rest[0]
		rest = rest[1:]
		if k := strings.IndexByte(rest, q); k >= 0 {
			rest = rest[:k]
		}
	}
	return strings.TrimSpace(rest), true
}

// topLevel reports whether s[:i] closes every brace it opens: a location
// assignment inside a function or an if block (a mobile-site switch, a
// "back" button) is no redirect of the page.
func topLevel(s string, i int) bool {
	depth := 0
	for _, c := range s[:i] {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
		}
	}
	return depth <= 0
}

// textLonger reports whether the visible text (scripts and styles left
// out) has more than max non-space runes; it stops counting there.
func textLonger(nodes []*html.Node, max int) bool {
	n := 0
	for _, root := range nodes {
		for x := root; x != nil; {
			descend := true
			switch x.Type {
			case html.TextNode:
				for _, r := range x.Data {
					if !unicode.IsSpace(r) {
						if n++; n > max {
							return true
						}
					}
				}
				descend = false
			case html.ElementNode:
				switch x.Data {
				case "script", "style", "noscript", "template", "head":
					descend = false
				}
			}
			x = htmlfast.NextNode(root, x, descend)
		}
	}
	return false
}
