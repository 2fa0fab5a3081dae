package readers

import (
	"fmt"
	"strings"
	"testing"
)

func TestTRS(t *testing.T) {
	const dir = "http://www.example.gov.cn/xxgk/gzdt/"
	tests := []struct {
		name    string
		fixture string
		links   []string
		skipped map[string]int
	}{
		{
			name:    "pager-call-and-article-urls",
			fixture: "trs/list.html",
			links: []string{
				// createPageHTML(5, 0, "index", "html"): index_1 … index_4.
				"trs:pager|page|" + dir + "index_1.html|第2页||",
				"trs:pager|page|" + dir + "index_2.html|第3页||",
				"trs:pager|page|" + dir + "index_3.html|第4页||",
				"trs:pager|page|" + dir + "index_4.html|第5页||",
				// ./YYYYMM/tYYYYMMDD_N.html dates an entry; a file whose month
				// does not match its directory is not an article URL.
				"trs:article-url|page|" + dir + "202601/t20260114_4410021.html|县政府召开第十二次常务会议|2026-01-14|entry",
				"trs:article-url|page|" + dir + "202601/t20260108_4409876.html|全县冬春季森林防火工作部署会召开|2026-01-08|entry",
				"trs:article-url|page|http://www.example.gov.cn/xwzx/202512/t20251230_4408800.html|示例县举办返乡创业培训班|2025-12-30|entry",
			},
		},
		{
			name:    "pager-arguments-in-variables",
			fixture: "trs/vars.html",
			links: []string{
				"trs:pager|page|" + dir + "index_1.shtml|第2页||",
				"trs:pager|page|" + dir + "index_2.shtml|第3页||",
				"trs:pager|page|" + dir + "index_3.shtml|第4页||",
			},
		},
		{
			name:    "editor-paths-are-not-links-but-tell-files",
			fixture: "trs/article.html",
			links: []string{
				// href without extension, OLDHREF names a PDF: a file link.
				"trs:oldsrc|attachment|" + dir + "P020260105331560001122|实施细则||",
				"trs:article-url|page|http://www.example.gov.cn/xxgk/202512/t20251210_4405555.html|相关链接：往期公告|2025-12-10|entry",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := TRS{}.Read(fixture(t, tc.fixture, dir+"index.html"), DefaultLimits())
			equalLines(t, "links", show(res.Links), tc.links)
			if fmt.Sprint(res.Skipped) != fmt.Sprint(tc.skipped) && !(len(res.Skipped) == 0 && len(tc.skipped) == 0) {
				t.Errorf("skipped %v, want %v", res.Skipped, tc.skipped)
			}
		})
	}
}

func TestTRSPagerClaimingABillionPages(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxPagerPages = 50
	res := TRS{}.Read(fixture(t, "trs/huge.html", "http://www.example.gov.cn/a/index.html"), lim)
	if len(res.Links) != 100 || res.Skipped["trs-pager-capped"] != 2 {
		t.Errorf("%d links, skipped %v", len(res.Links), res.Skipped)
	}
	last := res.Links[len(res.Links)-1].URL.String()
	if last != "http://www.example.gov.cn/a/list_50.htm" {
		t.Errorf("last page %s", last)
	}
}

func FuzzTRSPager(f *testing.F) {
	for _, s := range []string{
		`createPageHTML(5, 0, "index", "html");`,
		`var countPage = 9;createPageHTML(countPage, 0, 'list', 'shtml')`,
		`createPageHTML(99999999999999999999, 1, "../../x", "htm")`,
		`createPageHTML(n, 0, "a b", "html")`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		page := htmlPage(t, []byte("<script>"+strings.ReplaceAll(s, "</script", "")+"</script>"), "http://www.example.gov.cn/col/index.html")
		lim := DefaultLimits()
		lim.MaxPagerPages = 20
		res := TRS{}.Read(page, lim)
		pagers := strings.Count(s, "createPageHTML")
		if n := len(res.Links); n > pagers*20 {
			t.Fatalf("%d pager links from %d calls", n, pagers)
		}
		for _, l := range res.Links {
			if l.URL.Host != "www.example.gov.cn" {
				t.Fatalf("pager link off site: %v", l.URL)
			}
		}
	})
}
