package inspect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/reports"
)

// TestHomepageNavigatingInsideIsNotScreenshot: a hacked homepage whose
// script sends the browser to an internal service (127.0.0.2, outside
// the site on 127.0.0.1 and outside allow_networks), and whose markup
// reaches it through an img, an iframe and fetch. A whole inspection with
// rendering (the crawl's rendered discovery and the dark-link check)
// makes no connection to the service, writes no homepage screenshot (the
// report says why, 未检查, in the JSON measurements and the HTML report),
// and reports where the page went.
func TestHomepageNavigatingInsideIsNotScreenshot(t *testing.T) {
	if !haveBrowser(t) {
		t.Skip("no Chromium")
	}
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	var conns atomic.Int64
	inner := &httptest.Server{Listener: &countingListener{Listener: ln, n: &conns}, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<html><body style="background:#c00"><h1>内网管理系统</h1></body></html>`)
	})}}
	inner.Start()
	defer inner.Close()
	i := "http://" + ln.Addr().String()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>某县人民政府</title></head><body><h1>某县人民政府门户网站</h1>
<ul id="list"></ul><img src="%[1]s/a.png"><iframe src="%[1]s/frame"></iframe>
<script>document.getElementById('list').innerHTML = '<li><a href="/xw/1.html">要闻</a></li>';
fetch('%[1]s/api').catch(function(){});
setTimeout(function(){ location.href = '%[1]s/admin'; }, 100);</script></body></html>`, i)
	}))
	defer site.Close()
	cfg := config.Default()
	cfg.Checks.Enabled = []string{"dark-link", "broken-link"}
	cfg.Checks.DarkLink.CloakingPages = 0
	cfg.Crawl.Rate = 1000
	cfg.Crawl.MaxPages = 5
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{Config: cfg, Site: config.Site{URL: site.URL + "/"}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the internal service got %d connections", n)
	}
	if _, ok := rep.Artifacts["screenshots/homepage.png"]; ok {
		t.Error("a homepage screenshot was kept for a homepage that navigated away")
	}
	rendering, _ := rep.Measurements["rendering"].(map[string]any)
	why, _ := rendering["homepage_unchecked"].(string)
	if !strings.HasPrefix(why, "未检查") || !strings.Contains(why, "127.0.0.2") {
		t.Errorf("rendering measurement %v: want the homepage screenshot marked 未检查 with where it went", rendering)
	}
	st, _ := rendering["browser_requests"].(netpolicy.ProxyStats)
	if st.Refused == 0 {
		t.Errorf("browser proxy stats %+v: no refusal counted", st)
	}
	left := false
	for _, f := range rep.Findings {
		if f.Check == "dark-link" && f.Kind == "render-left-page" && strings.Contains(f.Target, "127.0.0.2") {
			left = true
		}
	}
	if !left {
		t.Errorf("no render-left-page finding naming the internal address: %+v", rep.Findings)
	}
	var html bytes.Buffer
	if err := reports.WriteHTML(&html, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "未检查：首页在浏览器中自动跳转") || strings.Contains(html.String(), `alt="首页截图"`) {
		t.Error("the HTML report does not say why the homepage has no screenshot, or shows one")
	}
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}
