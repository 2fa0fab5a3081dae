package readers

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
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
	p.Doc.Find("iframe, frame").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if len(out.Frames) >= lim.MaxEntries {
			out.skip("iframe-capped", 1)
			return false
		}
		src, _ := s.Attr("src")
		u, ok := resolve(b, src)
		lazy := false
		if !ok {
			ds, has := s.Attr("data-src")
			if !has {
				return true
			}
			if u, ok = resolve(b, ds); !ok {
				return true
			}
			lazy = true
		}
		if !sameSite(u, p.URL) || u.String() == p.URL.String() || seen[u.String()] {
			return true
		}
		if frameHidden(s) {
			return true
		}
		seen[u.String()] = true
		out.Frames = append(out.Frames, u)
		if lazy {
			title, _ := s.Attr("title")
			out.Links = append(out.Links, Link{URL: u, Kind: KindFrame, Text: collapse(title, 100), Where: "iframe:data-src"})
		}
		return true
	})
	return out
}

// frameHidden reports a frame sized or styled out of sight.
func frameHidden(s *goquery.Selection) bool {
	for _, dim := range []string{"width", "height"} {
		if v, ok := s.Attr(dim); ok {
			v = strings.TrimSuffix(strings.TrimSpace(v), "px")
			if n, err := strconv.Atoi(v); err == nil && n <= 1 {
				return true
			}
		}
	}
	if st, ok := s.Attr("style"); ok && hiddenStyle.MatchString(st) {
		return true
	}
	_, hidden := s.Attr("hidden")
	return hidden
}
