package layout

import (
	"strings"
	"testing"
)

// Two sites on one host with different paths are two sites (their history
// key and report folder differ); the scheme, a trailing slash and
// /index.html do not make another site.
func TestSiteDirKeysFullHomepage(t *testing.T) {
	same := [][]string{
		{"http://www.x.gov.cn/", "https://www.x.gov.cn", "http://WWW.X.GOV.CN/index.html"},
		{"http://www.x.gov.cn/zwgk/", "https://www.x.gov.cn/zwgk", "http://www.x.gov.cn/zwgk/index.html"},
	}
	for _, group := range same {
		for _, u := range group[1:] {
			if SiteDir(u) != SiteDir(group[0]) {
				t.Errorf("SiteDir(%q) = %q, SiteDir(%q) = %q: want one site", u, SiteDir(u), group[0], SiteDir(group[0]))
			}
		}
	}
	distinct := []string{
		"http://www.x.gov.cn/", "http://www.x.gov.cn/zwgk/", "http://www.x.gov.cn/zw/gk/", "http://www.x.gov.cn/zw_gk/",
		"http://www.x.gov.cn/?site=2", "http://www.x.gov.cn/县区/", "http://www.x.gov.cn/镇/", "http://www.x.gov.cn:8080/zwgk/",
	}
	seen := map[string]string{}
	for _, u := range distinct {
		k := SiteDir(u)
		if prev, ok := seen[k]; ok {
			t.Errorf("%q and %q share the key %q", prev, u, k)
		}
		seen[k] = u
		if strings.ContainsAny(k, `/\?*:<>|"`) || len(k) > 120 {
			t.Errorf("SiteDir(%q) = %q: not a safe folder name", u, k)
		}
	}
	if got := SiteDir("http://www.x.gov.cn/zwgk/"); !strings.HasPrefix(got, "www.x.gov.cn_zwgk-") {
		t.Errorf("SiteDir = %q, want the host and path readable", got)
	}
}
