package crawler

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestParseSrcset(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"plain", "b.jpg 1x, c.jpg 2x", []string{"b.jpg", "c.jpg"}},
		{"comma inside a URL", "/img/x.jpg?w=100,200 1x, /img/y.jpg?crop=0,0,10,10 2x", []string{"/img/x.jpg?w=100,200", "/img/y.jpg?crop=0,0,10,10"}},
		{"no spaces after commas", "a.jpg 1x,b.jpg 2x", []string{"a.jpg", "b.jpg"}},
		{"no space after a comma: one URL, as browsers read it", "a.jpg,b.jpg", []string{"a.jpg,b.jpg"}},
		{"trailing comma ends the candidate", "a.jpg, b.jpg", []string{"a.jpg", "b.jpg"}},
		{"data placeholder", "data:image/gif;base64,R0lGODlhAQABAAAAACw= 1w, real.jpg 800w", []string{"data:image/gif;base64,R0lGODlhAQABAAAAACw=", "real.jpg"}},
		{"descriptor with parentheses", "a.jpg foo(1,2) 1x, b.jpg", []string{"a.jpg", "b.jpg"}},
		{"only commas", ",, ,", nil},
		{"one url", "  single.png  ", []string{"single.png"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseSrcset(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("ParseSrcset(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCSSURLs(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []CSSRef
	}{
		{"background", `background:url(/images/bg.jpg) no-repeat`, []CSSRef{{URL: "/images/bg.jpg"}}},
		{"quoted with spaces", `background-image: url( "../i/a b.png" )`, []CSSRef{{URL: "../i/a b.png"}}},
		{"single quotes, upper case", `BACKGROUND:URL('x.gif')`, []CSSRef{{URL: "x.gif"}}},
		{"escapes", `background:url(a\(1\).png); b: url("q\"x.png")`, []CSSRef{{URL: "a(1).png"}, {URL: `q"x.png`}}},
		{"hex escape", `background:url(\2f img\2f x.png)`, []CSSRef{{URL: "/img/x.png"}}},
		{"comment skipped", `/* url(no.png) */ .a{background:url(yes.png)}`, []CSSRef{{URL: "yes.png"}}},
		{"other function", `.a{filter:myurl(no.png)}`, nil},
		{"bad url with space", `.a{background:url(a b.png)} .b{background:url(ok.png)}`, []CSSRef{{URL: "ok.png"}}},
		{"imports", `@import "base.css"; @import url(print.css) print; .a{}`, []CSSRef{{URL: "base.css", Import: true}, {URL: "print.css", Import: true}}},
		{"image-set", `.a{background-image:image-set("a.png" 1x, "a2.png" 2x)} .b{content:"not a url"}`, []CSSRef{{URL: "a.png"}, {URL: "a2.png"}}},
		{"data url", `background:url(data:image/png;base64,iVBOR==)`, []CSSRef{{URL: "data:image/png;base64,iVBOR=="}}},
		{"unclosed at end", `background:url(end.png`, []CSSRef{{URL: "end.png"}}},
		{"unclosed comment", `/* url(no.png)`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CSSURLs(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("CSSURLs(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalizeAsBrowsers(t *testing.T) {
	base, _ := url.Parse("http://www.example.gov.cn/xwdt/index.html")
	for _, tc := range []struct{ name, ref, charset, want string }{
		{"colon alone is a path", ":", "", "http://www.example.gov.cn/xwdt/:"},
		{"digit before colon", "1:2.html", "", "http://www.example.gov.cn/xwdt/1:2.html"},
		{"same scheme without slashes", "http:art2.html", "", "http://www.example.gov.cn/xwdt/art2.html"},
		{"scheme and one slash", "http:/tzgg/a.html", "", "http://tzgg/a.html"},
		{"three slashes", "https:///cdn.example.com/a.js", "", "https://cdn.example.com/a.js"},
		{"bare percent", "/files/100%完成.doc", "", "http://www.example.gov.cn/files/100%25%E5%AE%8C%E6%88%90.doc"},
		{"utf-8 query", "/search.jsp?q=政府&p=1", "utf-8", "http://www.example.gov.cn/search.jsp?q=%E6%94%BF%E5%BA%9C&p=1"},
		{"gbk query", "/search.jsp?q=政府&p=1", "gb18030", "http://www.example.gov.cn/search.jsp?q=%D5%FE%B8%AE&p=1"},
		{"gbk path stays utf-8", "/附件/a.doc?n=名单", "gb18030", "http://www.example.gov.cn/%E9%99%84%E4%BB%B6/a.doc?n=%C3%FB%B5%A5"},
		{"space and quote in query", `/a?x=a b"c`, "", "http://www.example.gov.cn/a?x=a%20b%22c"},
		{"escaped query kept", "/a?x=%D5%FE", "gb18030", "http://www.example.gov.cn/a?x=%D5%FE"},
		{"fragment after query", "/a?x=1#top", "", "http://www.example.gov.cn/a?x=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := NormalizeIn(base, tc.ref, tc.charset)
			if err != nil || u.String() != tc.want {
				t.Errorf("NormalizeIn(%q, %q) = %v, %v; want %s", tc.ref, tc.charset, u, err, tc.want)
			}
		})
	}
	for _, ref := range []string{"a:b", "about:blank", "http:", "C:\\files\\a.doc"} {
		if u, err := Normalize(base, ref); err == nil {
			t.Errorf("Normalize(%q) = %v, want an error", ref, u)
		} else if !errors.Is(err, errSkipScheme) && !errors.Is(err, errEmptyRef) {
			t.Errorf("Normalize(%q): %v", ref, err)
		}
	}
}

func TestExtractLinksAsBrowsers(t *testing.T) {
	page := `<html><head>
	<link rel="preconnect" href="https://cdn.example.com/"><link rel="dns-prefetch" href="//static.example.com">
	<link rel="preload" href="/fonts/f.woff2" as="font"><link rel="prefetch" href="/next.html">
	<link rel="stylesheet" href="/css/a.css"><link rel="shortcut icon" href="/favicon.ico"><link rel="apple-touch-icon" href="/touch.png">
	<link rel="canonical" href="/xwdt/index.html">
	<style>.banner{background:url(../images/bg.jpg)} @font-face{src:url(/fonts/x.woff)} @import "/css/print.css";</style>
	</head><body>
	<div class="hero" style="background-image:url('/images/hero.png')"><a href=":">冒号链接</a></div>
	<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" srcset="data:image/gif;base64,R0lG 1x, /img/w.jpg?w=100,200 2x" alt="图">
	<a href="/search.jsp?q=政务公开">搜索</a>
	</body></html>`
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(page))
	u, _ := url.Parse("http://x.gov.cn/dir/page.html")
	got := map[string]string{}
	for _, l := range ExtractLinksIn(doc, u, nil, "gb18030") {
		got[l.URL.String()] = l.Kind.String() + "|" + l.Tag + "|" + l.Attr
	}
	want := map[string]string{
		"http://x.gov.cn/css/a.css":                             "stylesheet|link|href",
		"http://x.gov.cn/favicon.ico":                           "image|link|href",
		"http://x.gov.cn/touch.png":                             "image|link|href",
		"http://x.gov.cn/xwdt/index.html":                       "stylesheet|link|href",
		"http://x.gov.cn/images/bg.jpg":                         "image|style|url()",
		"http://x.gov.cn/fonts/x.woff":                          "stylesheet|style|url()",
		"http://x.gov.cn/css/print.css":                         "stylesheet|style|url()",
		"http://x.gov.cn/images/hero.png":                       "image|div|style",
		"http://x.gov.cn/dir/:":                                 "link|a|href",
		"http://x.gov.cn/img/w.jpg?w=100,200":                   "image|img|srcset",
		"http://x.gov.cn/search.jsp?q=%D5%FE%CE%F1%B9%AB%BF%AA": "link|a|href",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("extracted %d targets, want %d: %v", len(got), len(want), got)
	}
}

func FuzzSrcset(f *testing.F) {
	for _, s := range []string{"a.jpg 1x, b.jpg 2x", "x.jpg?w=1,2 2x", "data:a,b 1x", ",,(", "a.jpg f(,,) 1x, b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ParseSrcset(s)
		if len(got) > maxSrcsetCandidates {
			t.Fatalf("%d candidates", len(got))
		}
		for _, u := range got {
			if u == "" || strings.ContainsAny(u, " \t\n\r\f") || strings.HasSuffix(u, ",") || !strings.Contains(s, u) {
				t.Fatalf("bad candidate %q from %q", u, s)
			}
		}
	})
}

func FuzzCSSURLs(f *testing.F) {
	for _, s := range []string{`a{background:url(x.png)}`, `@import "a.css";`, `url("a\"b")`, `image-set("a" 1x)`, `/* url(`, `url(\`, `url(a\`, `\`, `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CSSURLs(s)
		if len(got) > maxCSSRefs {
			t.Fatalf("%d refs", len(got))
		}
		for _, r := range got {
			if r.URL == "" || r.URL != strings.TrimSpace(r.URL) {
				t.Fatalf("bad ref %q from %q", r.URL, s)
			}
		}
	})
}

func TestTooLongURLsAreNamed(t *testing.T) {
	long := "/search.jsp?q=" + strings.Repeat("x", 3000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/" {
			fmt.Fprintf(w, `<html><body><a href="/list.html">列表</a></body></html>`)
			return
		}
		fmt.Fprintf(w, `<html><body><a href="%s">超长</a><a href="%s">同一个</a></body></html>`, long, long)
	}))
	defer srv.Close()
	res, _ := runCrawl(t, testCrawlConfig(t, srv.URL+"/"))
	if len(res.NotChecked) != 1 {
		t.Fatalf("not checked %+v", res.NotChecked)
	}
	n := res.NotChecked[0]
	if n.Page != srv.URL+"/list.html" || n.Reason != "url-too-long" || n.Length != len(srv.URL)+len(long) ||
		n.URL != srv.URL+long[:maxNotCheckedURL]+"…" {
		t.Errorf("not checked %+v", n)
	}
	if res.SkippedReasons["url-too-long"] != 1 {
		t.Errorf("skipped %v", res.SkippedReasons)
	}
}

// ExtractLinksCapped keeps the first max distinct targets, as dedupeLinks
// would, and counts the distinct references past them without resolving
// them.
func TestExtractLinksCapped(t *testing.T) {
	page, _ := url.Parse("http://www.x.gov.cn/a/")
	html := `<a href="1.html">1</a><a href="1.html">again</a><a href="/a/1.html">same</a><img src="2.png">` +
		`<a href="3.html">3</a><a href="4.html">4</a><a href="4.html">4 again</a><img src="5.png">`
	for _, tc := range []struct {
		name string
		max  int
		want []string
		more int
	}{
		{"no cap", 0, []string{"1.html", "1.html", "1.html", "2.png", "3.html", "4.html", "4.html", "5.png"}, 0},
		{"duplicates do not count toward the cap", 2, []string{"1.html", "2.png"}, 3},
		{"cap above the page", 10, []string{"1.html", "2.png", "3.html", "4.html", "5.png"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
			if err != nil {
				t.Fatal(err)
			}
			links, more := ExtractLinksCapped(doc, page, nil, "", tc.max)
			var got []string
			for _, l := range links {
				got = append(got, strings.TrimPrefix(l.URL.String(), "http://www.x.gov.cn/a/"))
			}
			if !slices.Equal(got, tc.want) || more != tc.more {
				t.Errorf("got %v more %d, want %v more %d", got, more, tc.want, tc.more)
			}
		})
	}
}
