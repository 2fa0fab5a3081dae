package readers

import (
	"regexp"
	"strconv"
	"strings"
)

// TRS reads TRS WCM pages. Their list pagers are written by script,
//
//	<script>createPageHTML(120, 0, "index", "html");</script>
//
// with a template function that writes links to index_1.html …
// index_119.html, which plain markup never shows; the reader expands the
// call's arguments (numbers, or variables set in the page's scripts) into
// those pages, at most Limits.MaxPagerPages of them. Articles live at
// ./YYYYMM/tYYYYMMDD_N.html, whose file name dates a list entry that shows
// no date. The editor (TRS_Editor) keeps its storage paths in OLDSRC and
// OLDHREF attributes: browsers never request those, so they are not links,
// but they tell a file link from a page link.
type TRS struct{}

// Name implements Reader.
func (TRS) Name() string { return "trs" }

var (
	createPageCall = regexp.MustCompile(`createPageHTML\s*\(\s*([A-Za-z_$][\w$.]*|\d+)\s*,\s*([A-Za-z_$][\w$.]*|\d+)\s*,\s*(["'])([^"'<>\s]{1,200})["']\s*,\s*(["'])([A-Za-z0-9]{1,10})["']\s*\)`)
	trsArticle     = regexp.MustCompile(`/(\d{6})/t(\d{4})(\d{2})(\d{2})_\d+\.s?html?$`)
	editorFileExt  = regexp.MustCompile(`(?i)\.(pdf|docx?|xlsx?|wps|et|dps|pptx?|ofd|ceb|zip|rar|7z|txt|csv)$`)
)

// Read implements Reader.
func (t TRS) Read(p *Page, lim Limits) Result {
	var out Result
	if p.Doc == nil {
		return out
	}
	b := base(p)
	scripts, _ := inlineScripts(p, lim)
	seen := map[string]bool{}
	for _, s := range scripts {
		if !containsAt(s, "createPageHTML", len("createPage")) { // 'H' is rare in script
			continue
		}
		for _, m := range createPageCall.FindAllStringSubmatch(s, -1) {
			total, ok := pagerNumber(m[1], scripts)
			if !ok || total <= 1 {
				continue
			}
			prefix, ext := m[4], m[6]
			n := total - 1
			if n > int64(lim.MaxPagerPages) {
				out.skip("trs-pager-capped", 1)
				n = int64(lim.MaxPagerPages)
			}
			for i := int64(1); i <= n; i++ {
				u, ok := resolve(b, prefix+"_"+strconv.FormatInt(i, 10)+"."+ext)
				if !ok || !sameSite(u, p.URL) || seen[u.String()] {
					continue
				}
				seen[u.String()] = true
				out.Links = append(out.Links, Link{URL: u, Kind: KindPage, Text: "第" + strconv.FormatInt(i+1, 10) + "页", Where: "trs:pager"})
			}
		}
	}
	taken := 0
	for _, a := range p.index(lim).anchors {
		href, _ := attrOf(a, "href")
		old, ok := attrOf(a, "oldsrc")
		if !ok {
			old, _ = attrOf(a, "oldhref")
		}
		article := strings.Contains(href, "/t") && strings.Contains(href, ".htm")
		if old == "" && !article {
			continue // most links: no URL to parse
		}
		u, ok := resolve(b, href)
		if !ok {
			continue
		}
		if old != "" && editorFileExt.MatchString(strings.TrimSpace(old)) && !editorFileExt.MatchString(u.Path) {
			out.Links = append(out.Links, Link{URL: u, Kind: KindAttachment, Text: collapse(nodeText(a), 100), Where: "trs:oldsrc"})
		}
		if m := trsArticle.FindStringSubmatch(u.Path); m != nil && m[1] == m[2]+m[3] && taken < lim.MaxEntries {
			taken++
			out.Links = append(out.Links, Link{URL: u, Kind: KindPage, Text: collapse(nodeText(a), 100),
				Date: m[2] + "-" + m[3] + "-" + m[4], Where: "trs:article-url", Entry: true})
		}
	}
	return out
}

// pagerNumber reads a pager argument: a number, or a variable the page's
// scripts set to a number (var countPage = 12).
func pagerNumber(arg string, scripts []string) (int64, bool) {
	if n, err := strconv.ParseInt(arg, 10, 64); err == nil {
		return n, true
	} else if strings.IndexFunc(arg, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return 1 << 62, true // digits beyond int64: a pager claiming more than anyone can list
	}
	re, err := regexp.Compile(`(?:^|[^\w$.])` + regexp.QuoteMeta(arg) + `\s*=\s*(\d{1,18})\b`)
	if err != nil {
		return 0, false
	}
	for _, s := range scripts {
		if m := re.FindStringSubmatch(s); m != nil {
			n, err := strconv.ParseInt(m[1], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
