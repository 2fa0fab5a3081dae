package checks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
)

func TestDomainListed(t *testing.T) {
	for _, tc := range []struct {
		host string
		list []string
		want bool
	}{
		{"www.yn.gov.cn", []string{"gov.cn"}, true},
		{"gov.cn", []string{"gov.cn"}, true},
		{"notgov.cn", []string{"gov.cn"}, false},
		{"gov.cn.evil.com", []string{"gov.cn"}, false},
		{"127.0.0.1:8080", []string{"127.0.0.1:8080"}, true},
		{"127.0.0.1:9090", []string{"127.0.0.1:8080"}, false},
	} {
		if got := domainListed(&url.URL{Host: tc.host}, tc.list); got != tc.want {
			t.Errorf("domainListed(%s, %v) = %v", tc.host, tc.list, got)
		}
	}
}

// TestDarkLinkStatic runs the static pass on one page: every technique,
// and decoys hidden on purpose inside the site.
func TestDarkLinkStatic(t *testing.T) {
	css := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(".x-hide{display:none}"))
	}))
	defer css.Close()
	cfg := config.Default()
	packs, _ := cfg.Content.LoadPacks(nil, nil)
	home, _ := url.Parse(css.URL + "/")
	c, err := newDarkLink(Deps{Config: cfg, Packs: packs, SiteHosts: []string{home.Host}})
	if err != nil {
		t.Fatal(err)
	}
	page := `<html><head><link rel="stylesheet" href="/site.css"><style>.g{color:#fff;background:#fff}</style></head><body>
	<div class="x-hide"><a href="http://bet.example/1">免费电影</a></div>
	<span class="g"><a href="http://bet.example/2">在线看</a></span>
	<div style="position:absolute;left:-5000px"><a href="http://bet.example/3">百家乐</a></div>
	<script>var s='<a href="http://bet.example/4">六合彩</a>';document.getElementById('x').innerHTML=s;</script>
	<div style="display:none"><a href="http://www.yn.gov.cn/">省政府</a></div>
	<ul style="display:none"><li><a href="/menu.html">菜单</a></li></ul>
	<a href="#main" style="position:absolute;left:-9999px">跳到主要内容</a>
	<div style="display:none"><a href="/x/澳门博彩.html">站内链接带敏感词</a></div>
	<a href="http://bet.example/visible">可见的外链</a>
	</body></html>`
	doc, _, _ := crawler.ParseHTML([]byte(page))
	fs := c.(PageChecker).Page(context.Background(), &crawler.Page{URL: home, FinalURL: home, Doc: doc})
	var got []string
	for _, f := range fs {
		u, _ := url.Parse(f.Target)
		got = append(got, f.Kind+":"+u.Path+":"+string(f.Severity))
	}
	want := "display-none:/1:high,same-color:/2:high,off-screen:/3:critical,display-none:/x/澳门博彩.html:critical,script-written:/4:critical"
	if strings.Join(got, ",") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, ","), want)
	}
	// Each finding says what to delete: the HTML around the link and the
	// CSS that hides it, with the rule's sheet and line.
	byPath := map[string]map[string]any{}
	for _, f := range fs {
		u, _ := url.Parse(f.Target)
		byPath[u.Path] = f.Details
	}
	for path, want := range map[string]map[string]any{
		"/1": {"css": "display: none", "css_selector": ".x-hide", "css_source": css.URL + "/site.css", "css_line": 1,
			"snippet": "<div class=\"x-hide\">\n  <a href=\"http://bet.example/1\">免费电影</a>\n</div>"},
		"/2": {"css": "color: #fff", "css_selector": ".g", "css_source": "页面内 <style>", "css_line": 1},
		"/3": {"css": "position: absolute; left: -5000px", "css_source": "style 属性",
			"snippet": "<div style=\"position:absolute;left:-5000px\">\n  <a href=\"http://bet.example/3\">百家乐</a>\n</div>"},
		"/4": {"snippet": "<script>\n  var s='<a href=\"http://bet.example/4\">六合彩</a>';document.getElementById('x').innerHTML=s;\n</script>"},
	} {
		for k, v := range want {
			if got := byPath[path][k]; got != v {
				t.Errorf("%s: details[%s] = %#v, want %#v", path, k, got, v)
			}
		}
	}
}

// TestCloaking serves spam only to Baiduspider and to visitors from a
// Baidu search, and a spider-only redirect; a visitor sees a clean page.
func TestCloaking(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua, ref := r.UserAgent(), r.Referer()
		switch {
		case r.URL.Path == "/redir" && strings.Contains(ua, "Googlebot"):
			http.Redirect(w, r, "http://bet.example/landing", http.StatusFound)
			return
		case strings.Contains(ua, "Baiduspider"):
			w.Write([]byte(`<p>澳门博彩</p><a href="http://bet.example/s">彩票</a><a href="/inside">站内</a>`))
			return
		case strings.Contains(ref, "baidu.com"):
			w.Write([]byte(`<a href="http://bet.example/r">看球</a>`))
			return
		}
		w.Write([]byte(`<p>正常页面</p>`))
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.Checks.DarkLink.RenderPages = 0
	packs, _ := cfg.Content.LoadPacks(nil, nil)
	home, _ := url.Parse(srv.URL + "/")
	c, _ := newDarkLink(Deps{Config: cfg, Packs: packs, SiteHosts: []string{home.Host}})
	for _, p := range []string{"/", "/redir"} {
		u, _ := url.Parse(srv.URL + p)
		doc, _, _ := crawler.ParseHTML([]byte("<p>x</p>"))
		c.(PageChecker).Page(context.Background(), &crawler.Page{URL: u, FinalURL: u, Doc: doc})
	}
	res, err := c.(Finisher).Finish(context.Background(), &Site{Name: "t", Home: home}, &crawler.Result{})
	fs := res.Findings
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		u, _ := url.Parse(f.Page)
		got = append(got, u.Path+" "+f.Kind+":"+f.Target+":"+f.Match+":"+fmt.Sprint(f.Details["variants"]))
	}
	want := []string{
		"/ cloaking-text::澳门博彩:[baiduspider baiduspider-mobile]",
		"/ cloaking:http://bet.example/r::[baidu-referer]",
		"/ cloaking:http://bet.example/s::[baiduspider baiduspider-mobile]",
		"/redir cloaking-text::澳门博彩:[baiduspider baiduspider-mobile]",
		"/redir cloaking:http://bet.example/r::[baidu-referer]",
		"/redir cloaking:http://bet.example/s::[baiduspider baiduspider-mobile]",
		"/redir cloaking-redirect:http://bet.example/landing::[googlebot]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRenderingSkippedWithoutChromium: no browser is a finding that says
// so, not a failure of the inspection.
func TestRenderingSkippedWithoutChromium(t *testing.T) {
	cfg := config.Default()
	cfg.Checks.DarkLink.Chromium = "/nonexistent/chromium"
	cfg.Checks.DarkLink.CloakingPages = 0
	c, _ := newDarkLink(Deps{Config: cfg})
	home, _ := url.Parse("http://x.gov.cn/")
	doc, _, _ := crawler.ParseHTML([]byte("<p>x</p>"))
	c.(PageChecker).Page(context.Background(), &crawler.Page{URL: home, FinalURL: home, Doc: doc})
	res, err := c.(Finisher).Finish(context.Background(), &Site{Name: "t", Home: home}, &crawler.Result{})
	fs := res.Findings
	if err != nil || len(fs) != 1 || fs[0].Kind != "rendering-skipped" || !strings.Contains(fs[0].Message, "apt-get install chromium") {
		t.Errorf("findings %+v, err %v", fs, err)
	}
}
