package checks

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/render"
)

// TestStylesheetFetchedOnce: pages crawled at once that link the same
// stylesheet fetch it once; the others wait for that fetch and use its
// result.
func TestStylesheetFetchedOnce(t *testing.T) {
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		time.Sleep(200 * time.Millisecond) // every page asks while the first fetch is on its way
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte(".x-hide{display:none}"))
	}))
	defer srv.Close()
	cfg := config.Default()
	home, _ := url.Parse(srv.URL + "/")
	c, err := newDarkLink(Deps{Config: cfg, SiteHosts: []string{home.Host}})
	if err != nil {
		t.Fatal(err)
	}
	const pages = 8
	found := make([]int, pages)
	var wg sync.WaitGroup
	for i := range pages {
		wg.Go(func() {
			u, _ := url.Parse(fmt.Sprintf("%s/p%d.html", srv.URL, i))
			doc, _, _ := crawler.ParseHTML([]byte(`<html><head><link rel="stylesheet" href="/site.css"></head><body>
			<div class="x-hide"><a href="http://bet.example/1">外链</a></div></body></html>`))
			found[i] = len(c.(PageChecker).Page(context.Background(), &crawler.Page{URL: u, FinalURL: u, Doc: doc}))
		})
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Errorf("stylesheet fetched %d times by %d pages at once, want 1", n, pages)
	}
	for i, n := range found {
		if n != 1 {
			t.Errorf("page %d: %d dark links, want 1 (the stylesheet's rule applied)", i, n)
		}
	}
}

// TestRenderPassOutlinesInParallel: each sampled page is loaded once, in
// parallel up to the tab limit: its dark links are outlined in the tab that
// rendered it (no second load), and only the homepage's own screenshot is
// taken (the one kept). The first load of each page waits until the other
// page's has started too, or gives up after 5 s.
func TestRenderPassOutlinesInParallel(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have Chromium: %v", err)
		}
		t.Skip(err)
	}
	var mu sync.Mutex
	loads := map[string]int{}
	rendering := make(chan struct{})
	var inFlight atomic.Int32
	var overlapped sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/p") {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		loads[r.URL.Path]++
		n := loads[r.URL.Path]
		mu.Unlock()
		if n == 1 {
			if inFlight.Add(1) == 2 {
				overlapped.Do(func() { close(rendering) })
			}
			defer inFlight.Add(-1)
			select {
			case <-rendering:
			case <-time.After(5 * time.Second):
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><body><p>正文</p><div style="display:none"><a href="http://bet.example%s">外链</a></div></body></html>`, r.URL.Path)
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.Checks.DarkLink.CloakingPages = 0
	cfg.Checks.DarkLink.RenderPages = 2
	cfg.Checks.DarkLink.Tabs = 2
	cfg.Checks.DarkLink.MaxScreenshots = 10
	cfg.Checks.DarkLink.RenderTimeout = config.Duration(30 * time.Second)
	home, _ := url.Parse(srv.URL + "/p0.html")
	c, err := newDarkLink(Deps{Config: cfg, SiteHosts: []string{home.Host}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/p0.html", "/p1.html"} {
		u, _ := url.Parse(srv.URL + p)
		doc, _, _ := crawler.ParseHTML([]byte(`<html><body><div style="display:none"><a href="http://bet.example` + p + `">外链</a></div></body></html>`))
		if fs := c.(PageChecker).Page(context.Background(), &crawler.Page{URL: u, FinalURL: u, Doc: doc}); len(fs) != 1 {
			t.Fatalf("static pass on %s: %+v", p, fs)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, err := c.(Finisher).Finish(ctx, &Site{Name: "t", Home: home}, &crawler.Result{})
	if err != nil {
		t.Fatal(err)
	}
	fs := res.Findings
	for _, f := range fs {
		if f.Kind == "render-failed" || f.Kind == "rendering-skipped" {
			t.Fatalf("rendering: %+v", f)
		}
	}
	mu.Lock()
	if loads["/p0.html"] != 1 || loads["/p1.html"] != 1 {
		t.Errorf("page loads %v, want each page once (its outline in the same tab)", loads)
	}
	mu.Unlock()
	select {
	case <-rendering:
	default:
		t.Error("the two pages were rendered one after the other")
	}
	// Screenshots taken: the homepage's, and the whole page and the crop
	// of each outline; none of the other page as loaded (it was not kept).
	rm, _ := res.Measurements["rendering"].(map[string]any)
	if n, _ := rm["captures"].(int64); n != 1+2*2 {
		t.Errorf("%v screenshots taken, want 5 (the homepage's, 2 outlines' page and crop)", rm["captures"])
	}
	// Each static finding gets the whole page and the crop around its
	// link, named for the inspection to put in its details.
	shots, crops, homeShot := 0, 0, false
	for _, a := range res.Artifacts {
		switch name := a.Name; {
		case strings.HasSuffix(name, "-crop.png"):
			crops++
			if a.Detail != "screenshot_crop" || len(a.Shows) != 1 || !strings.HasPrefix(string(a.Data), "\x89PNG") {
				t.Errorf("crop %s: detail %q, shows %v", name, a.Detail, a.Shows)
			}
		case name == "screenshots/homepage.png":
			homeShot = strings.HasPrefix(string(a.Data), "\x89PNG")
		case strings.HasPrefix(name, "screenshots/"):
			shots++
			if a.Detail != "" || len(a.Shows) != 1 {
				t.Errorf("screenshot %s: detail %q, shows %v", name, a.Detail, a.Shows)
			}
		}
	}
	if shots != 2 || crops != 2 || !homeShot {
		t.Errorf("%d outlined screenshots and %d crops, want 2 of each; homepage's %v", shots, crops, homeShot)
	}
}

// TestPassesWaitForSampledStaticPass: Start runs the rendering pass beside
// the crawl once the sample is complete — but only once every sampled
// page's static pass has ended, since the pass leaves to the static pass
// what it found. Here the second sampled page's stylesheet (which hides
// its link) is slow: no page is rendered while that page is in Page, even
// after the third, the last sampled, has been checked; once it returns,
// the pages are rendered before Finish is called, and each link is
// reported once, by the static pass (the rendering outlines it), not
// again as seen by the browser.
func TestPassesWaitForSampledStaticPass(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have Chromium: %v", err)
		}
		t.Skip(err)
	}
	release := make(chan struct{})
	var released sync.Once
	letGo := func() { released.Do(func() { close(release) }) }
	sheetAsked := make(chan struct{})
	var askOnce, renderOnce sync.Once
	rendered := make(chan struct{})
	page := `<html><head><link rel="stylesheet" href="/%s.css"></head><body><p>正文</p><div class="h"><a href="http://bet.example/%s">外链</a></div></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/p0.html", "/p1.html", "/p2.html":
			renderOnce.Do(func() { close(rendered) }) // only the browser asks for pages
			name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".html")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, page, name, name)
		case "/p0.css", "/p1.css", "/p2.css":
			if r.URL.Path == "/p1.css" {
				askOnce.Do(func() { close(sheetAsked) })
				<-release
			}
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprint(w, ".h{display:none}")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	defer letGo() // before the server closes, if the test failed
	cfg := config.Default()
	cfg.Checks.DarkLink.CloakingPages = 0
	cfg.Checks.DarkLink.RenderPages = 3
	cfg.Checks.DarkLink.RenderTimeout = config.Duration(30 * time.Second)
	home, _ := url.Parse(srv.URL + "/p0.html")
	c, err := newDarkLink(Deps{Config: cfg, SiteHosts: []string{home.Host}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	site := &Site{Name: "t", Home: home}
	started := make(chan struct{})
	go func() {
		defer close(started)
		if res, err := c.(Starter).Start(ctx, site); err != nil || len(res.Findings) > 0 {
			t.Errorf("Start: %+v %v", res, err)
		}
	}()
	static := func(p string) []finding.Finding {
		u, _ := url.Parse(srv.URL + p)
		name := strings.TrimSuffix(strings.TrimPrefix(p, "/"), ".html")
		doc, _, _ := crawler.ParseHTML([]byte(fmt.Sprintf(page, name, name)))
		return c.(PageChecker).Page(ctx, &crawler.Page{URL: u, FinalURL: u, Doc: doc})
	}
	if fs := static("/p0.html"); len(fs) != 1 {
		t.Fatalf("static pass on the homepage: %+v", fs)
	}
	second := make(chan []finding.Finding)
	go func() { second <- static("/p1.html") }()
	<-sheetAsked
	if fs := static("/p2.html"); len(fs) != 1 {
		t.Fatalf("static pass on the third page: %+v", fs)
	}
	select {
	case <-rendered:
		t.Fatal("a page was rendered while a sampled page's static pass ran")
	case <-time.After(time.Second):
	}
	letGo()
	if fs := <-second; len(fs) != 1 {
		t.Fatalf("static pass on the second page: %+v", fs)
	}
	select {
	case <-rendered:
	case <-time.After(60 * time.Second):
		t.Fatal("the sample was complete and no page was rendered before Finish")
	}
	res, err := c.(Finisher).Finish(ctx, site, &crawler.Result{})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	for _, f := range res.Findings {
		t.Errorf("the rendering pass reported %s %s (%s): the static pass had", f.Page, f.Target, f.Kind)
	}
	outlined := 0
	for _, a := range res.Artifacts {
		if strings.HasSuffix(a.Name, "-crop.png") && len(a.Shows) == 1 {
			outlined++
		}
	}
	if outlined != 3 {
		t.Errorf("%d crops of the static findings, want 3", outlined)
	}
	if m, _ := res.Measurements["rendering"].(map[string]any); m["pages"] != 3 {
		t.Errorf("rendering measurement %v", res.Measurements)
	}
}

// TestRenderPassSharesOneOutlinedPage: a page with three dark links, two
// screenshots allowed: the homepage as people see it (no outline in it),
// a crop for each of the first two links (labelled 【1】 and 【2】, the
// label's number carried for the inspection), one whole page with both
// outlined that both findings name, and nothing for the third (the cap).
func TestRenderPassSharesOneOutlinedPage(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have Chromium: %v", err)
		}
		t.Skip(err)
	}
	const body = `<html><body style="background:#fff"><p>正文</p><div style="display:none"><a href="http://bet.example/a">外链</a><a href="http://bet.example/b">外链</a><a href="http://bet.example/c">外链</a></div></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.Checks.DarkLink.CloakingPages = 0
	cfg.Checks.DarkLink.RenderPages = 1
	cfg.Checks.DarkLink.MaxScreenshots = 2
	cfg.Checks.DarkLink.RenderTimeout = config.Duration(30 * time.Second)
	home, _ := url.Parse(srv.URL + "/")
	c, err := newDarkLink(Deps{Config: cfg, SiteHosts: []string{home.Host}})
	if err != nil {
		t.Fatal(err)
	}
	doc, _, _ := crawler.ParseHTML([]byte(body))
	if fs := c.(PageChecker).Page(context.Background(), &crawler.Page{URL: home, FinalURL: home, Doc: doc}); len(fs) != 3 {
		t.Fatalf("static pass: %+v", fs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, err := c.(Finisher).Finish(ctx, &Site{Name: "t", Home: home}, &crawler.Result{})
	if err != nil {
		t.Fatal(err)
	}
	rm, _ := res.Measurements["rendering"].(map[string]any)
	if n, _ := rm["captures"].(int64); n != 1+2+1 {
		t.Errorf("%v screenshots taken, want 4 (the homepage, 2 crops, 1 whole page)", rm["captures"])
	}
	if rm["screenshots"] != 2 {
		t.Errorf("screenshots %v, want the cap, 2", rm["screenshots"])
	}
	var whole *Artifact
	labels := map[string]int{}
	red := map[string]bool{}
	for i, a := range res.Artifacts {
		img, err := png.Decode(bytes.NewReader(a.Data))
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		red[a.Name] = hasRed(img)
		switch {
		case strings.HasSuffix(a.Name, "-crop.png"):
			if len(a.Shows) != 1 || a.Detail != "screenshot_crop" {
				t.Errorf("crop %s: shows %v, detail %q", a.Name, a.Shows, a.Detail)
				continue
			}
			labels[a.Shows[0].Target] = a.Label
		case a.Name != "screenshots/homepage.png":
			if whole != nil {
				t.Errorf("two whole pages: %s and %s", whole.Name, a.Name)
			}
			whole = &res.Artifacts[i]
		}
	}
	if want := map[string]int{"http://bet.example/a": 1, "http://bet.example/b": 2}; !maps.Equal(labels, want) {
		t.Errorf("crops' labels %v, want %v", labels, want)
	}
	if whole == nil || len(whole.Shows) != 2 || whole.Detail != "" || whole.Label != 0 {
		t.Fatalf("the whole page: %+v", whole)
	}
	if red["screenshots/homepage.png"] || !red[whole.Name] {
		t.Errorf("red outlines: homepage %v (want none: taken before any outline), whole page %v", red["screenshots/homepage.png"], red[whole.Name])
	}
}

// hasRed reports whether img has the outline's red (#e00).
func hasRed(img image.Image) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r>>8 > 0xc0 && g>>8 < 0x30 && bl>>8 < 0x30 {
				return true
			}
		}
	}
	return false
}
