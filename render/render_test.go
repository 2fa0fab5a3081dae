package render

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// needBrowser skips where no Chromium is installed, except in CI, whose
// .ci/run installs it: there a missing browser is a failure.
func needBrowser(t testing.TB) {
	if _, err := Find(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have Chromium: %v", err)
		}
		t.Skip(err)
	}
}

const page = `<html><head><style>.hid{display:none}</style></head><body style="background:#fff">
<a id="v" href="/visible">看得见的链接</a>
<div class="hid"><a href="http://bet.example/1">澳门博彩</a></div>
<a href="http://bet.example/2" style="color:#fff">同色</a>
<iframe src="/frame" width="0" height="0"></iframe>
<div id="x"></div>
<script>var a = document.createElement('a'); a.href = 'http://bet.example/3'; a.textContent = '脚本注入'; a.style.position = 'absolute'; a.style.left = '-3000px'; document.getElementById('x').appendChild(a);</script>
</body></html>`

func leftovers(dir string) string {
	out, _ := exec.Command("pgrep", "-f", dir).Output()
	return strings.TrimSpace(string(out))
}

// leftoversAfter waits up to 20 s for Chromium's processes started with
// dir to end and returns those still running. They end in well under a
// second on an idle machine; a fixed sleep before looking failed on a
// loaded one, where a process that exits late is not a leak.
func leftoversAfter(dir string) string {
	deadline := time.Now().Add(20 * time.Second)
	for {
		l := leftovers(dir)
		if l == "" || time.Now().After(deadline) {
			return l
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRender(t *testing.T) {
	needBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b, err := Start(ctx, Config{Tabs: 2})
	if err != nil {
		t.Fatal(err)
	}
	dir := b.dataDir
	res, err := b.Render(ctx, srv.URL+"/")
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	got := map[string]string{}
	idx := map[string]int{}
	for _, e := range res.Elements {
		got[e.Href] = e.Technique
		idx[e.Href] = e.Index
	}
	for href, want := range map[string]string{
		srv.URL + "/visible":   "",
		"http://bet.example/1": "display-none",
		"http://bet.example/2": "same-color",
		srv.URL + "/frame":     "zero-size-iframe",
		"http://bet.example/3": "off-screen",
	} {
		if tech, ok := got[href]; !ok || tech != want {
			t.Errorf("%s: technique %q (present %v), want %q", href, tech, ok, want)
		}
	}
	if !bytes.HasPrefix(res.Screenshot, []byte("\x89PNG")) {
		t.Error("screenshot is not a PNG")
	}
	png, err := b.Outline(ctx, srv.URL+"/", idx["http://bet.example/2"])
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("outline screenshot: %v", err)
	}
	b.Close()
	if l := leftoversAfter(dir); l != "" {
		t.Errorf("chromium processes left after Close: %s", l)
	}
}

func TestCancelEndsChromium(t *testing.T) {
	needBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	b, err := Start(ctx, Config{})
	if err != nil {
		t.Fatal(err)
	}
	dir := b.dataDir
	cancel()
	if l := leftoversAfter(dir); l != "" {
		t.Errorf("chromium processes left after cancel: %s", l)
	}
	b.Close()
}

// TestRenderTimeout: a page that never finishes loading fails within the
// time limit instead of hanging the run.
func TestRenderTimeout(t *testing.T) {
	needBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(20 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	b, err := Start(ctx, Config{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := time.Now()
	if _, err := b.Render(ctx, srv.URL+"/"); err == nil {
		t.Error("a hanging page rendered")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("render took %v with a 2s limit", d)
	}
}

func TestDOMAndShared(t *testing.T) {
	needBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/list.json":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`[{"t":"县政府常务会议","n":7}]`))
		default:
			// A list that exists only after a script computes its URLs
			// and another fetches its entries.
			w.Write([]byte(`<html><body><ul id="list"></ul><script>
var base = '/xw' + 'zx/', ul = document.getElementById('list');
for (var i = 1; i <= 3; i++) { ul.innerHTML += '<li><a href="' + base + 'a' + (100 + i) + '.html">第' + i + '条</a></li>'; }
setTimeout(function(){ fetch('/list.json').then(function(r){ return r.json(); }).then(function(d){ d.forEach(function(x){ ul.innerHTML += '<li><a href="' + base + 'b' + x.n + '.html">' + x.t + '</a></li>'; }); }); }, 400);
</script></body></html>`))
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	sh := NewShared(ctx, Config{Tabs: 1})
	b, err := sh.Get()
	if err != nil {
		t.Fatal(err)
	}
	if b2, _ := sh.Get(); b2 != b {
		t.Error("a second Get started another browser")
	}
	dir := b.dataDir
	html, err := b.DOM(ctx, srv.URL+"/", 1<<20)
	if err != nil {
		sh.Close()
		t.Fatal(err)
	}
	for _, want := range []string{`href="/xwzx/a101.html"`, `href="/xwzx/a103.html"`, `href="/xwzx/b7.html"`, "县政府常务会议"} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered DOM lacks %s", want)
		}
	}
	if short, err := b.DOM(ctx, srv.URL+"/", 100); err != nil || len(short) > 100 {
		t.Errorf("capped DOM: %d bytes, %v", len(short), err)
	}
	sh.Close()
	if _, err := sh.Get(); err == nil {
		t.Error("Get after Close gave a browser")
	}
	time.Sleep(500 * time.Millisecond)
	if left := leftovers(dir); left != "" {
		t.Errorf("Chromium processes left after Close: %s", left)
	}
}
