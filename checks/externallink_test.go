package checks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
)

// External sites as they are: government sites on other domains carry
// their 网站标识码 and badges (our own markup on the public shapes); an
// expired domain that lost them serves gambling.
func TestExternalSitesByIdentity(t *testing.T) {
	serve := func(body string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(body))
		}))
		t.Cleanup(s.Close)
		return s
	}
	// A provincial service platform on its own domain: meta and jiucuo button.
	platform := serve(`<html><head><meta name="SiteName" content="省政务服务网"><meta name="SiteIDCode" content="5300000012"><title>省政务服务网</title></head>
<body><p>办事服务</p><div class="footer">主办：省人民政府办公厅 <script id="_jiucuo_" sitecode='5300000012' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'></script></div></body></html>`)
	// A county site on a .com domain: only the CONAC badge and the footer code.
	county := serve(`<html><body><div class="copyright">网站标识码：5326270001 <span id="_ideConac"><a href="//bszs.conac.cn/sitename?method=show&id=0A1B"><img src="//dcs.conac.cn/image/red.png"></a></span></div></body></html>`)
	// The old forestry bureau site: the domain expired and was re-registered.
	expired := serve(`<html><head><title>澳门博彩官方网站</title></head><body><h1>澳门博彩 注册送彩金</h1></body></html>`)
	// A travel agency: neither government nor harmful.
	plain := serve(`<html><head><meta name="SiteIDCode" content="28"></head><body><p>旅游线路</p></body></html>`)

	cfg := config.Default()
	cfg.Crawl.AllowNetworks = []string{"127.0.0.0/8"}
	packs, err := cfg.Content.LoadPacks(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := Build([]string{catalog.ExternalLink}, Deps{Config: cfg, Packs: packs, SiteHosts: []string{"www.example.gov.cn"}})
	if err != nil {
		t.Fatal(err)
	}
	c := list[0]
	home, _ := url.Parse("http://www.example.gov.cn/")
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(`<a href="` + platform.URL + `/index.html">省政务服务网</a>
<a href="` + county.URL + `/">示例县人民政府</a><a href="` + expired.URL + `/index.html">县林业局</a><a href="` + plain.URL + `/">旅游线路</a>`))
	p := &crawler.Page{URL: home, FinalURL: home, Doc: doc, Home: true, Links: crawler.ExtractLinks(doc, home, nil)}
	c.(PageChecker).Page(context.Background(), p)
	res, err := c.(Finisher).Finish(context.Background(), &Site{Home: home}, &crawler.Result{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]finding.Finding{}
	for _, f := range res.Findings {
		got[f.Kind+" "+f.Match+" "+strings.TrimPrefix(f.Target, "http://")] = f
	}
	host := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	want := []string{
		"review " + host(expired) + " " + host(expired) + "/index.html",
		"bad-content 澳门博彩 " + host(expired) + "/index.html",
		"review " + host(plain) + " " + host(plain) + "/",
	}
	if len(got) != len(want) {
		t.Errorf("findings %v, want %v", keys(got), want)
	}
	for _, w := range want {
		if _, ok := got[w]; !ok {
			t.Errorf("missing %s in %v", w, keys(got))
		}
	}
	if f := got["bad-content 澳门博彩 "+host(expired)+"/index.html"]; !strings.Contains(f.Message, "已没有政府网站标识") {
		t.Errorf("expired government domain message: %s", f.Message)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "非政府网站") {
			t.Errorf("a site called 非政府网站: %s", f.Message)
		}
	}
	inv, _ := res.Measurements[catalog.ExternalLink].([]map[string]any)
	ids := map[string]any{}
	for _, it := range inv {
		ids[it["domain"].(string)] = it["status"]
	}
	if ids[host(platform)] != "government-identified" || ids[host(county)] != "government-identified" || ids[host(plain)] != "review" {
		t.Errorf("inventory %v", inv)
	}
}

func keys(m map[string]finding.Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestGovMarkers(t *testing.T) {
	for _, tc := range []struct{ name, page, want string }{
		{"meta", `<meta name="SiteIDCode" content="bm07000001">`, "网站标识码 bm07000001"},
		{"footer text", `<p>网站标识码 1304000009</p>`, "网站标识码 1304000009"},
		{"conac script", `<script>document.write(unescape("%3Cspan id='_ideConac' %3E%3C/span%3E%3Cscript src='http://dcs.conac.cn/js/05/107/0000/41468768/CA051070000414687680001.js'%3E%3C/script%3E"));</script>`, "党政机关网站标识"},
		{"jiucuo", `<script id="_jiucuo_" sitecode='3609220011' src='http://pucha.kaipuyun.cn/exposure/jiucuo.js'></script>`, "政府网站找错（网站标识码 3609220011）"},
		{"not a code", `<meta name="SiteIDCode" content="28"><p>网站标识码：暂无</p>`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(tc.page))
			if got := strings.Join(govMarkers(doc, tc.page), "|"); got != tc.want {
				t.Errorf("markers %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzGovMarkers(f *testing.F) {
	f.Add(`<meta name="SiteIDCode" content="bm07000001"><script id="_jiucuo_" sitecode='`)
	f.Add(`网站标识码：1304000009 dcs.conac.cn`)
	f.Fuzz(func(t *testing.T, page string) {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			return
		}
		if len(govMarkers(doc, page)) > 4 {
			t.Fatal("more markers than kinds")
		}
	})
}
