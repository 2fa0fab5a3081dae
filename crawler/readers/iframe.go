package readers

import (
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// Iframe reads framed lists. 信息公开 directories and other columns are
// often served by another system and framed into the portal's column page
// (<iframe src="/xxgk/list.html" onload="setHeight(this)">), and old
// portals are framesets. The framed page's list belongs to the column
// that frames it: Result.Frames names the visible, same-site frames so
// the crawl can attribute them. Lazy frames (data-src) are links too.
// Hidden and zero-size frames are left to the dark-link check: they are
// not a column's content.
type Iframe struct{}

// Name implements Reader.
func (Iframe) Name() string { return "iframe" }

var hiddenStyle = regexp.MustCompile(`(?i)display\s*:\s*none|visibility\s*:\s*hidden|(?:^|[;\s])(?:width|height)\s*:\s*0*[01](?:px)?\s*(?:;|$)`)

// Read implements Reader.
func (f Iframe) Read(p *Page, lim Limits) Result {
	var out Result
	if p.Doc == nil {
		return out
	}
	b := base(p)
	seen := map[string]bool{}
	for _, n := range p.index(lim).frames {
		if len(out.Frames) >= lim.MaxEntries {
			out.skip("iframe-capped", 1)
			break
		}
		src, _ := attrOf(n, "src")
		u, ok := resolve(b, src)
		lazy := false
		if !ok {
			ds, has := attrOf(n, "data-src")
			if !has {
				continue
			}
			if u, ok = resolve(b, ds); !ok {
				continue
			}
			lazy = true
		}
		if !sameSite(u, p.URL) || u.String() == p.URL.String() || seen[u.String()] || frameHidden(n) {
			continue
		}
		seen[u.String()] = true
		out.Frames = append(out.Frames, u)
		if lazy {
			title, _ := attrOf(n, "title")
			out.Links = append(out.Links, Link{URL: u, Kind: KindFrame, Text: collapse(title, 100), Where: "iframe:data-src"})
		}
	}
	return out
}

// frameHidden reports a frame sized or styled out of sight.
func frameHidden(n *html.Node) bool {
	for _, dim := range []string{"width", "height"} {
		if v, ok := attrOf(n, dim); ok {
			v = strings.TrimSuffix(strings.TrimSpace(v), "px")
			if n, err := strconv.Atoi(v); err == nil && n <= 1 {
				return true
			}
		}
	}
	if st, ok := attrOf(n, "style"); ok && hiddenStyle.MatchString(st) {
		return true
	}
	_, hidden := attrOf(n, "hidden")
	return hidden
}
