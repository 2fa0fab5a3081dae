package readers

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
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
	p.Doc.Find("meta[http-equiv]").EachWithBreak(func(_ int, m *goquery.Selection) bool {
		eq, _ := m.Attr("http-equiv")
		if !strings.EqualFold(strings.TrimSpace(eq), "refresh") {
			return true
		}
		content, _ := m.Attr("content")
		ref, ok := ParseRefresh(content)
		if !ok || ref == "" {
			return true // a bare delay reloads the page itself
		}
		if u, ok := resolve(b, ref); ok && u.String() != p.URL.String() {
			out.Links = append(out.Links, Link{URL: u, Kind: KindPage, Text: "自动跳转", Where: "meta-refresh", Redirect: true})
		}
		return false // browsers obey the first refresh only
	})
	if len(out.Links) > 0 {
		return out
	}
	// Script redirects: only on pages that show next to nothing.
	if utf8.RuneCountInString(strings.Join(strings.Fields(p.Doc.Find("body").Text()), "")) > maxRedirectPageText {
		return out
	}
	scripts, _ := inlineScripts(p.Doc, lim.MaxScriptBytes)
	for _, s := range scripts {
		if m := scriptRedirect.FindStringSubmatch(s); m != nil {
			if u, ok := resolve(b, m[1]); ok && u.String() != p.URL.String() {
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
