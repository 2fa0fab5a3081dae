package render

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/xunjian/xunjian/netpolicy"
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

const testPage = `<html><head><style>.hid{display:none}</style></head><body style="background:#fff">
<a id="v" href="/visible">看得见的链接</a>
<div class="hid"><a href="http://bet.example/1">澳门博彩</a></div>
<a href="http://bet.example/2" style="color:#fff">同色</a>
<iframe src="/frame" width="0" height="0"></iframe>
<div id="x"></div>
<script>var a = document.createElement('a'); a.href = 'http://bet.example/3'; a.textContent = '脚本注入'; a.style.position = 'absolute'; a.style.left = '-3000px'; document.getElementById('x').appendChild(a);</script>
</body></html>`

// sitePolicy is the outbound policy of a run inspecting the site at
// base (a loopback test server: the site's own host).
func sitePolicy(t testing.TB, base string, mutate ...func(*netpolicy.Options)) *netpolicy.Policy {
	t.Helper()
	o := netpolicy.Options{Timeout: 10 * time.Second}
	if base != "" {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		o.SiteHosts = []string{u.Host}
	}
	for _, m := range mutate {
		m(&o)
	}
	p, err := netpolicy.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

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
		w.Write([]byte(testPage))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b, err := Start(ctx, Config{Tabs: 2, Policy: sitePolicy(t, srv.URL)})
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
	for _, e := range res.Elements {
		if e.Href == "http://bet.example/1" {
			if e.Style != "display: none" || !strings.HasSuffix(e.HiddenBy, "div.hid") ||
				!strings.HasPrefix(e.Snippet, `<div class="hid">`) || !strings.Contains(e.Snippet, `<a href="http://bet.example/1">澳门博彩</a>`) {
				t.Errorf("hidden link's evidence: style %q, hidden by %q, snippet %q", e.Style, e.HiddenBy, e.Snippet)
			}
		}
	}
	// The same-colour link has a box: the crop is around it, at full size,
	// with the red outline in it.
	shot, err := b.Outline(ctx, srv.URL+"/", idx["http://bet.example/2"])
	if err != nil {
		t.Fatalf("outline screenshot: %v", err)
	}
	if !bytes.HasPrefix(shot.Full, []byte("\x89PNG")) {
		t.Error("full screenshot is not a PNG")
	}
	img, err := png.Decode(bytes.NewReader(shot.Crop))
	if err != nil {
		t.Fatalf("crop: %v", err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != int(shot.Clip.W) || h != int(shot.Clip.H) || w < cropMinW || h < cropMinH || w > cropMaxW || h > cropMaxH {
		t.Errorf("crop %dx%d, clip %+v", w, h, shot.Clip)
	}
	red := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 200 && g>>8 < 40 && bl>>8 < 40 {
				red++
			}
		}
	}
	if red < 100 {
		t.Errorf("crop shows %d red pixels: the outline is not in it", red)
	}
	if os.Getenv("XUNJIAN_SHOTS") != "" {
		os.WriteFile(filepath.Join(os.Getenv("XUNJIAN_SHOTS"), "render-crop.png"), shot.Crop, 0o644)
	}
	// A display:none link has no box: it is shown where it sits, so the
	// crop is the smallest one around it, not the whole page.
	hidden, err := b.Outline(ctx, srv.URL+"/", idx["http://bet.example/1"])
	if err != nil {
		t.Fatalf("outline of a hidden link: %v", err)
	}
	if hidden.Clip.W != cropMinW || hidden.Clip.H != cropMinH {
		t.Errorf("crop around a display:none link: %+v, want the smallest crop around the shown link", hidden.Clip)
	}
	if os.Getenv("XUNJIAN_SHOTS") != "" {
		os.WriteFile(filepath.Join(os.Getenv("XUNJIAN_SHOTS"), "render-crop-hidden.png"), hidden.Crop, 0o644)
	}
	b.Close()
	if l := leftoversAfter(dir); l != "" {
		t.Errorf("chromium processes left after Close: %s", l)
	}
}

func TestCancelEndsChromium(t *testing.T) {
	needBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	b, err := Start(ctx, Config{Policy: sitePolicy(t, "")})
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
	b, err := Start(ctx, Config{Timeout: 2 * time.Second, Policy: sitePolicy(t, srv.URL)})
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

func TestCropRect(t *testing.T) {
	for _, tc := range []struct {
		name         string
		box          Rect
		pageW, pageH float64
		want         Rect
	}{
		{"small-in-middle", Rect{600, 800, 100, 20}, 1366, 3000, Rect{330, 670, 640, 280}},
		{"at-top-left", Rect{5, 5, 100, 20}, 1366, 3000, Rect{0, 0, 640, 280}},
		{"at-bottom-right", Rect{1300, 2990, 60, 10}, 1366, 3000, Rect{726, 2720, 640, 280}},
		{"wide-box-margin", Rect{100, 100, 700, 300}, 1366, 3000, Rect{0, 0, 1020, 500}},
		{"huge-box-capped", Rect{200, 400, 1200, 2000}, 1366, 3000, Rect{40, 300, 1100, 700}},
		{"page-smaller-than-crop", Rect{10, 10, 50, 10}, 500, 200, Rect{0, 0, 500, 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CropRect(tc.box, tc.pageW, tc.pageH); got != tc.want {
				t.Errorf("CropRect = %+v, want %+v", got, tc.want)
			}
		})
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
	sh := NewShared(ctx, Config{Tabs: 1, Policy: sitePolicy(t, srv.URL)}, 0)
	b, done, err := sh.Use()
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if b2, done2, _ := sh.Use(); b2 != b {
		t.Error("a second Use started another browser")
	} else {
		done2()
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
	if _, _, err := sh.Use(); err == nil {
		t.Error("Use after Close gave a browser")
	}
	time.Sleep(500 * time.Millisecond)
	if left := leftovers(dir); left != "" {
		t.Errorf("Chromium processes left after Close: %s", left)
	}
}

// TestOutlinesInOneLoad: a page's screenshot and its hidden links outlined
// one after the other come from one load of the page, and are what loading
// the page again for each outline gave (the same crop rectangle and the
// same pixels); after the outlines the page is as it was loaded: the same
// visibility of every link, the same screenshot.
func TestOutlinesInOneLoad(t *testing.T) {
	needBrowser(t)
	var loads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			loads.Add(1)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(testPage))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b, err := Start(ctx, Config{Tabs: 1, Policy: sitePolicy(t, srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.Open(ctx, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	before, err := p.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var hidden []int
	for _, e := range p.Elements {
		if e.Technique != "" {
			hidden = append(hidden, e.Index)
		}
	}
	if len(hidden) != 4 {
		t.Fatalf("%d hidden elements, want 4: %+v", len(hidden), p.Elements)
	}
	shots := map[int]*Shot{}
	for _, i := range hidden {
		if shots[i], err = p.Outline(ctx, i); err != nil {
			t.Fatalf("outline %d: %v", i, err)
		}
	}
	after, err := p.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again, err := chromedp.Run(p.tab, chromedp.Evaluate[[]Element](visibilityJS))
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if n := loads.Load(); n != 1 {
		t.Errorf("the page was loaded %d times for its screenshot and %d outlines, want once", n, len(hidden))
	}
	if !reflect.DeepEqual(again, p.Elements) {
		t.Errorf("after the outlines the links read\n%+v\nwant as loaded\n%+v", again, p.Elements)
	}
	if !samePixels(t, before, after) {
		t.Error("after the outlines the page does not look as loaded")
	}
	// The former way: the page loaded again for each outline.
	for _, i := range hidden {
		fresh, err := b.Outline(ctx, srv.URL+"/", i)
		if err != nil {
			t.Fatalf("outline %d in a new load: %v", i, err)
		}
		if fresh.Clip != shots[i].Clip {
			t.Errorf("element %d: crop %+v in one load, %+v in a new load", i, shots[i].Clip, fresh.Clip)
		}
		if !samePixels(t, fresh.Crop, shots[i].Crop) || !samePixels(t, fresh.Full, shots[i].Full) {
			t.Errorf("element %d: the outlined page differs from a new load's", i)
		}
	}
}

// samePixels reports whether two PNGs hold the same image.
func samePixels(t *testing.T, a, b []byte) bool {
	t.Helper()
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if ia.Bounds() != ib.Bounds() {
		return false
	}
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				return false
			}
		}
	}
	return true
}

// TestCropsAndOneOutlinedPage: a page's hidden links each get a crop with
// its label numbered (【1】…【4】), the crop rectangle Outline gives; then one
// whole page shows all four outlined and labelled at once (red at each
// link's box), and afterwards the page is as it was loaded.
func TestCropsAndOneOutlinedPage(t *testing.T) {
	needBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(testPage))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := Start(ctx, Config{Tabs: 1, Policy: sitePolicy(t, srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.Open(ctx, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	before, err := p.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var marks []Mark
	for _, e := range p.Elements {
		if e.Technique != "" {
			marks = append(marks, Mark{Index: e.Index, Label: len(marks) + 1})
		}
	}
	if len(marks) != 4 {
		t.Fatalf("%d hidden elements, want 4", len(marks))
	}
	taken := b.Captures()
	for _, m := range marks {
		one, err := p.Outline(ctx, m.Index)
		if err != nil {
			t.Fatal(err)
		}
		c, err := p.Crop(ctx, m.Index, m.Label)
		if err != nil {
			t.Fatal(err)
		}
		if c.Full != nil || len(c.Crop) == 0 || c.Clip != one.Clip {
			t.Errorf("element %d: crop %+v (whole page %d bytes), want the crop of Outline %+v and no whole page", m.Index, c.Clip, len(c.Full), one.Clip)
		}
	}
	if n := b.Captures() - taken; n != 4*2+4 {
		t.Errorf("%d screenshots for 4 outlines and 4 crops, want 12", n)
	}
	// The labels, as the whole page shows them.
	at, err := show(p.tab, marks)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := chromedp.Run(p.tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('body > div')).map(d => d.textContent).filter(s => s.startsWith('【'))`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(p.tab, chromedp.Evaluate[bool](restoreJS)); err != nil {
		t.Fatal(err)
	}
	if len(texts) != 4 || texts[0] != "【1】隐藏的链接（平时看不见，此处临时显示）：澳门博彩" || texts[1] != "【2】隐藏的链接：同色" || !strings.HasPrefix(texts[3], "【4】") {
		t.Errorf("labels %q", texts)
	}
	whole, err := p.OutlineAll(ctx, marks)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(whole))
	if err != nil {
		t.Fatal(err)
	}
	for i, box := range at.Boxes {
		if box == nil {
			t.Fatalf("mark %d: no box", i+1)
		}
		red := 0
		for y := int(box.Y) - 6; y <= int(box.Y+box.H)+6; y++ {
			for x := int(box.X) - 6; x <= int(box.X+box.W)+6; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); r>>8 > 0xc0 && g>>8 < 0x30 && bl>>8 < 0x30 {
					red++
				}
			}
		}
		if red < 20 {
			t.Errorf("mark %d (%+v): %d red pixels around it in the whole page, want its outline", i+1, box, red)
		}
	}
	after, err := p.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !samePixels(t, before, after) {
		t.Error("after the outlines the page does not look as loaded")
	}
}

// TestSharedClosesWhenIdle: the shared browser closes once nobody has used
// it for its idle time (its processes end), not while a user holds it, and
// the next Use starts another that renders; Close stops a pending idle
// close and leaves nothing running.
func TestSharedClosesWhenIdle(t *testing.T) {
	needBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><body><a href="/a.html">县政府信息公开</a></body></html>`))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const idle = 300 * time.Millisecond
	sh := NewShared(ctx, Config{Tabs: 1, Policy: sitePolicy(t, srv.URL)}, idle)
	defer sh.Close()
	render := func(b *Browser) {
		t.Helper()
		html, err := b.DOM(ctx, srv.URL+"/", 1<<20)
		if err != nil || !strings.Contains(html, "县政府信息公开") {
			t.Fatalf("render: %v (%d bytes)", err, len(html))
		}
	}

	// Held across several idle times: stays open.
	b1, done1, err := sh.Use()
	if err != nil {
		t.Fatal(err)
	}
	render(b1)
	time.Sleep(4 * idle)
	if !sh.Running() || sh.Starts() != 1 {
		t.Fatalf("closed while in use: running %v, starts %d", sh.Running(), sh.Starts())
	}
	// Released and used again within the idle time: the same browser.
	done1()
	done1() // a second call is a no-op, not a second release
	b2, done2, err := sh.Use()
	if err != nil || b2 != b1 {
		t.Fatalf("Use within the idle time: %v, same browser %v", err, b2 == b1)
	}
	done2()
	// Released and left: closed, its processes gone.
	dir := b1.dataDir
	deadline := time.Now().Add(30 * time.Second)
	for sh.Running() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if sh.Running() {
		t.Fatal("idle browser not closed")
	}
	if left := leftoversAfter(dir); left != "" {
		t.Errorf("Chromium processes left after the idle close: %s", left)
	}
	// The next Use starts another, which renders.
	b3, done3, err := sh.Use()
	if err != nil {
		t.Fatal(err)
	}
	if b3 == b1 || sh.Starts() != 2 {
		t.Fatalf("after the idle close: new browser %v, starts %d", b3 != b1, sh.Starts())
	}
	render(b3)
	done3()
	// Close with the idle close pending: nothing left, no later start.
	sh.Close()
	if left := leftoversAfter(b3.dataDir); left != "" {
		t.Errorf("Chromium processes left after Close: %s", left)
	}
	time.Sleep(2 * idle)
	if _, _, err := sh.Use(); err == nil || sh.Starts() != 2 {
		t.Errorf("Use after Close: %v, starts %d", err, sh.Starts())
	}
}
