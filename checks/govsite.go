package checks

import (
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// Government sites by identity, not only by domain: every Chinese
// government website is registered with a 网站标识码 (ten digits, or "bm"
// and eight digits for State Council departments) that its pages carry in
// <meta name="SiteIDCode"> and in their footer, most show the
// 党政机关网站标识 (CONAC's red badge, dcs.conac.cn) and the 政府网站找错
// button (<script id="_jiucuo_" sitecode=…>, jiucuo.js). A site on any
// domain whose page carries them says it is a government site.

var (
	siteCode     = regexp.MustCompile(`^(?i:\d{10}|bm\d{8})$`)
	siteCodeText = regexp.MustCompile(`网站(?:标识|识别)码\s*[:：]?\s*((?i:\d{10}|bm\d{8}))`)
	jiucuoCode   = regexp.MustCompile(`(?i)sitecode\s*=\s*\\?["']?((?:\d{10}|bm\d{8}))`)
)

// govMarkers returns the government-site markers a page carries, as
// evidence ("网站标识码 1304000009", "党政机关网站标识", "政府网站找错");
// none for an ordinary site. body is the page's decoded text.
func govMarkers(doc *goquery.Document, body string) []string {
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	doc.Find("meta[name][content]").EachWithBreak(func(_ int, m *goquery.Selection) bool {
		name, _ := m.Attr("name")
		v, _ := m.Attr("content")
		if strings.EqualFold(name, "SiteIDCode") && siteCode.MatchString(strings.TrimSpace(v)) {
			add("网站标识码 " + strings.TrimSpace(v))
			return false
		}
		return true
	})
	if len(body) > 2<<20 {
		body = body[:2<<20]
	}
	if m := siteCodeText.FindStringSubmatch(body); m != nil {
		add("网站标识码 " + m[1])
	}
	low := strings.ToLower(body)
	if strings.Contains(low, "dcs.conac.cn") || strings.Contains(low, "bszs.conac.cn") || strings.Contains(low, "_ideconac") {
		add("党政机关网站标识")
	}
	if strings.Contains(low, "jiucuo.js") || strings.Contains(low, `id="_jiucuo_"`) || strings.Contains(low, "id='_jiucuo_'") {
		if m := jiucuoCode.FindStringSubmatch(body); m != nil {
			add("政府网站找错（网站标识码 " + m[1] + "）")
		} else {
			add("政府网站找错")
		}
	}
	return out
}
