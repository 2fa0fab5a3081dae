package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/render"
)

// A column whose list a script builds: URLs computed from numbers, dates
// from the clock. No reader can see it; the browser can.
const scriptColumn = `<html><head><meta charset="utf-8"><title>乡村振兴</title></head><body>
<div class="main"><ul id="xczx"></ul></div>
<script>
var base = '/ztzl/xczx/', ids = [301, 302, 303], names = ['产业振兴', '人才振兴', '生态振兴'];
var ul = document.getElementById('xczx');
for (var i = 0; i < ids.length; i++) {
  var d = new Date(Date.now() - (i + 1) * 86400000);
  var ds = d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' + ('0' + d.getDate()).slice(-2);
  ul.innerHTML += '<li><a href="' + base + 'art' + ids[i] + '.html">' + names[i] + '工作推进情况</a><span>' + ds + '</span></li>';
}
</script></body></html>`

func TestRenderedDiscovery(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have Chromium: %v", err)
		}
		t.Skip(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<html><body><a href="/ztzl/xczx/">乡村振兴</a><a href="/plain/">普通栏目</a></body></html>`)
		case "/ztzl/xczx/":
			fmt.Fprint(w, scriptColumn)
		case "/plain/":
			fmt.Fprint(w, `<html><body><ul><li><a href="/plain/1.html">普通文章</a></li></ul><script>document.title = '普通';</script></body></html>`)
		case "/ztzl/xczx/art301.html", "/ztzl/xczx/art302.html", "/plain/1.html":
			fmt.Fprint(w, `<html><body>正文</body></html>`)
		default:
			http.NotFound(w, r) // art303 was deleted
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	u, _ := url.Parse(srv.URL)
	pol, err := netpolicy.New(netpolicy.Options{SiteHosts: []string{u.Host}})
	if err != nil {
		t.Fatal(err)
	}
	sh := render.NewShared(ctx, render.Config{Tabs: 1, Timeout: 30 * time.Second, Policy: pol}, 0)
	defer sh.Close()
	for _, budget := range []int{20, 0} {
		t.Run(fmt.Sprintf("budget-%d", budget), func(t *testing.T) {
			cfg := testCrawlConfig(t, srv.URL+"/")
			cfg.Crawl.RenderPages = budget
			cfg.Render = func(ctx context.Context, u string, max int) (string, error) {
				b, done, err := sh.Use()
				if err != nil {
					return "", err
				}
				defer done()
				return b.DOM(ctx, u, max)
			}
			res, pages := runCrawl(t, cfg)
			col := pages["/ztzl/xczx/"]
			if col == nil || !col.ScriptFed {
				t.Fatalf("script column not marked script-fed: %+v", col)
			}
			if pages["/plain/"].ScriptFed {
				t.Error("a page with a list in its markup marked script-fed")
			}
			var failed []string
			for _, f := range res.Failures {
				failed = append(failed, strings.TrimPrefix(f.URL, srv.URL))
			}
			if budget == 0 {
				if col.Rendered != nil || len(failed) != 0 || res.RenderedPages != 0 {
					t.Errorf("rendered without a budget: failures %v", failed)
				}
				return
			}
			if col.Rendered == nil || res.RenderedPages != 1 || res.RenderedLinks != 3 {
				t.Fatalf("rendered %d pages, %d links; doc %v", res.RenderedPages, res.RenderedLinks, col.Rendered != nil)
			}
			if strings.Join(failed, ",") != "/ztzl/xczx/art303.html" {
				t.Errorf("failures %v, want the deleted article only the script links", failed)
			}
			if pages["/ztzl/xczx/art301.html"] == nil {
				t.Error("a rendered link was not crawled")
			}
			for _, l := range col.Links {
				if strings.HasSuffix(l.URL.Path, "art301.html") && l.Tag != TagRendered+"a" {
					t.Errorf("rendered link tagged %q", l.Tag)
				}
			}
		})
	}
}
