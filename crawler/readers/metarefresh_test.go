package readers

import "testing"

func TestParseRefresh(t *testing.T) {
	tests := []struct {
		name, content, ref string
		ok                 bool
	}{
		{"plain", "0;url=/site/index.html", "/site/index.html", true},
		{"upper-case-and-spaces", " 0 ; URL = http://www.example.gov.cn/ ", "http://www.example.gov.cn/", true},
		{"single-quoted", "3;url='./web/index.shtml'", "./web/index.shtml", true},
		{"double-quoted-with-tail", `5; url="a.html" ignored`, "a.html", true},
		{"comma", "0,url=/b.html", "/b.html", true},
		{"space-separator", "5 url=/c.html", "/c.html", true},
		{"no-url-keyword", "0; /d.html", "/d.html", true},
		{"fraction", "1.5; url=/e.html", "/e.html", true},
		{"self-refresh", "300", "", true},
		{"not-a-refresh", "url=/f.html", "", false},
		{"junk-after-delay", "5x; url=/g.html", "", false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, ok := ParseRefresh(tc.content)
			if ref != tc.ref || ok != tc.ok {
				t.Errorf("ParseRefresh(%q) = %q, %v; want %q, %v", tc.content, ref, ok, tc.ref, tc.ok)
			}
		})
	}
}

func TestMetaRefresh(t *testing.T) {
	tests := []struct {
		name, fixture string
		links         []string
	}{
		{"root-page", "metarefresh/root.html", []string{"meta-refresh|page|http://www.example.gov.cn/site/index.html|自动跳转||redirect"}},
		// Browsers obey the first refresh only.
		{"first-of-two", "metarefresh/quoted.html", []string{"meta-refresh|page|http://www.example.gov.cn/web/index.shtml|自动跳转||redirect"}},
		{"self-refresh-is-no-link", "metarefresh/self.html", nil},
		{"script-only-page", "metarefresh/script.html", []string{"meta-refresh:script|page|http://www.example.gov.cn/portal/index.html|自动跳转||redirect"}},
		// A page with content and a location assignment in a function is
		// not a redirect page.
		{"content-page-with-script", "metarefresh/content-with-script.html", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := MetaRefresh{}.Read(fixture(t, tc.fixture, "http://www.example.gov.cn/"), DefaultLimits())
			equalLines(t, "links", show(res.Links), tc.links)
		})
	}
}

func FuzzMetaRefresh(f *testing.F) {
	for _, s := range []string{"0;url=/a", "5; URL='b'", "1.2.3,url=\"c\"", " 7 u r l = d", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, ok := ParseRefresh(s)
		if !ok && ref != "" {
			t.Fatalf("not a refresh but ref %q", ref)
		}
		if len(ref) > len(s) {
			t.Fatalf("ref %q longer than %q", ref, s)
		}
	})
}

func TestScriptRedirectOnlyAtTopLevel(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		redirect     bool
	}{
		{"top-level", `window.location.href = "/portal/";`, true},
		{"replace", `location.replace('/portal/')`, true},
		{"mobile-switch", `if (/Mobile/.test(navigator.userAgent)) { location.href = "/m/"; }`, false},
		{"back-button", `function goBack(){ location.href = "/"; }`, false},
		{"after-a-function", `function f(){ return 1; } top.location.href='/portal/';`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := htmlPage(t, []byte("<html><head><script>"+tc.script+"</script></head><body></body></html>"), "http://www.example.gov.cn/")
			res := MetaRefresh{}.Read(p, DefaultLimits())
			if got := len(res.Links) == 1; got != tc.redirect {
				t.Errorf("redirect %v, want %v (%v)", got, tc.redirect, show(res.Links))
			}
		})
	}
}
