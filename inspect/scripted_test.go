package inspect

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
)

// scriptedSite is a small portal whose two lists live outside the markup:
// a Hanweb column's datastore and a JavaScript literal, each with one entry
// a hacker added.
func scriptedSite(t *testing.T, spamDatastore, spamScript string) string {
	t.Helper()
	day := time.Now().AddDate(0, 0, -3).Format("2006-01-02")
	page := func(w http.ResponseWriter, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title></head><body><div class="main">%s</div></body></html>`, title, body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			page(w, "工作动态", "<p>县政府召开常务会议，研究部署冬季安全生产工作。</p><span>"+day+"</span>")
			return
		}
		page(w, "示例县人民政府", `<a href="/col/col1/index.html">公示公告</a> <a href="/tpxw/">图片新闻</a><p>欢迎访问示例县人民政府门户网站。</p>`)
	})
	mux.HandleFunc("/col/col1/index.html", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<div id="1501"><script type="text/xml"><datastore><recordset>`)
		for i, title := range []string{"关于冬季供暖工作的通知", spamDatastore, "关于公布第三批惠民项目的公示"} {
			fmt.Fprintf(&b, "\n<record><![CDATA[<li><a href=\"/art/%d.html\" title=\"%s\" target=\"_blank\">%s</a><span>%s</span></li>]]></record>", i+1, title, title, day)
		}
		b.WriteString("\n</recordset></datastore></script></div>")
		page(w, "公示公告", b.String())
	})
	mux.HandleFunc("/tpxw/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/tpxw/" {
			page(w, "图片新闻", "<p>县领导到乡镇调研。</p>")
			return
		}
		var items []string
		for i, title := range []string{"县领导调研乡村振兴工作", spamScript} {
			items = append(items, fmt.Sprintf(`{"aT":"%s","aPd":"%s","aU":"/tpxw/%d.html"}`, title, day, i+1))
		}
		page(w, "图片新闻", `<ul id="tpxw"></ul><script type="text/javascript">
var itemObj = [`+strings.Join(items, ",\n")+`];
for (var i = 0; i < itemObj.length; i++) { document.getElementById('tpxw').innerHTML += '<li><a href="' + itemObj[i].aU + '">' + itemObj[i].aT + '</a></li>'; }
</script>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// TestScriptedListsAreRead: the content checks read the titles of list
// entries that only a page's scripts show (a Hanweb datastore, a
// JavaScript literal), where hacked CMS lists carry their spam; the
// finding says where it was found.
func TestScriptedListsAreRead(t *testing.T) {
	for _, tc := range []struct {
		name             string
		datastore, jsLit string
		want             []string // pages with a sensitive-word finding in a list
	}{
		{"spam-in-both", "澳门新葡京娱乐场官网开户送彩金", "真人百家乐在线投注平台", []string{"/col/col1/index.html", "/tpxw/"}},
		{"clean-lists", "关于征集民生实事项目的公告", "县长走访慰问困难群众", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			c.Sites = []config.Site{{Name: "脚本列表测试县", URL: scriptedSite(t, tc.datastore, tc.jsLit)}}
			c.Checks.Enabled = []string{"sensitive-word", "typo", "privacy"}
			c.Crawl.Rate = 1000
			c.Crawl.AllowPrivate = true
			c.Crawl.RenderPages = 0
			c.Content.Extract.Workers = 1
			rep, err := Run(context.Background(), Options{Config: c, Site: c.Sites[0], TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				if f.Check == catalog.SensitiveWord && f.Details["where"] == "list" {
					if !strings.Contains(f.Evidence, "脚本列表") {
						t.Errorf("evidence %q does not say where", f.Evidence)
					}
					if p := strings.TrimPrefix(f.Page, strings.TrimSuffix(c.Sites[0].URL, "/")); !slices.Contains(got, p) {
						got = append(got, p)
					}
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				for _, f := range rep.Findings {
					t.Logf("%s %s %s %v %s", f.Check, f.Kind, f.Page, f.Details["where"], f.Evidence)
				}
				t.Errorf("list findings on %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRenderedTextIsRead: text that only a page's script writes (here
// split in the script's source, so no static reading sees it) is read by
// the content checks from the rendered document, once.
func TestRenderedTextIsRead(t *testing.T) {
	if !haveBrowser(t) {
		t.Skip("no Chromium")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例县人民政府</title></head><body>
<p>欢迎访问示例县人民政府门户网站。</p><ul id="newslist"></ul>
<script>var d = ['县政府召开常务会议', '澳门' + '博彩' + '网址'];
for (var i = 0; i < d.length; i++) { document.getElementById('newslist').innerHTML += '<li>' + d[i] + '</li>'; }</script>
</body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := config.Default()
	c.Sites = []config.Site{{Name: "渲染文本测试县", URL: srv.URL + "/"}}
	c.Checks.Enabled = []string{"sensitive-word"}
	c.Crawl.Rate = 1000
	c.Crawl.AllowPrivate = true
	c.Crawl.RenderPages = 5
	c.Content.Extract.Workers = 1
	rep, err := Run(context.Background(), Options{Config: c, Site: c.Sites[0], TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range rep.Findings {
		t.Logf("%s %s %s %v %s", f.Check, f.Kind, f.Page, f.Details["where"], f.Evidence)
		if f.Check == catalog.SensitiveWord && f.Details["where"] == "rendered" && strings.Contains(f.Evidence, "脚本生成的内容") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d findings in the rendered text, want 1 (measurements %v)", n, rep.Measurements["rendered_discovery"])
	}
}
