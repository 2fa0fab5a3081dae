package inspect

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
)

// overlapSite is a site whose last page answers only once the dark-link
// check's passes have reached the homepage (Chromium, then a spider), or
// after overlapWait (less than a request's timeout): a run that starts those
// passes after the crawl waits overlapWait and says so (timedOut).
type overlapSite struct {
	*httptest.Server
	ua       string // the crawler's
	mu       sync.Mutex
	pages    int // the crawler's GETs of /pN.html
	rendered chan struct{}
	spider   chan struct{}
	onRender func()
	// lastOpen is true while the crawler's request for the last page is
	// open; duringCrawl says whether it was when Chromium came.
	lastOpen, duringCrawl bool
	once                  [2]sync.Once
	// waited is how long the last page waited for the passes; timedOut
	// that they did not come.
	waited   time.Duration
	timedOut bool
	// phase is the progress line's phase when the last page answered.
	phase func() string
	seen  string
}

const overlapPages = 12

// overlapWait is how long the last page waits for Chromium and a spider:
// long enough for Chromium to start on a loaded machine (10 s was not, at
// a load average of 37), within the crawl's request timeout (overlapConfig).
const overlapWait = 40 * time.Second

func newOverlapSite(t *testing.T, ua string) *overlapSite {
	s := &overlapSite{ua: ua, rendered: make(chan struct{}), spider: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *overlapSite) serve(w http.ResponseWriter, r *http.Request) {
	ua := r.Header.Get("User-Agent")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch {
	case r.URL.Path == "/":
		// Chromium asks for the page with an Accept header, the
		// cloaking pass's Go client without.
		browser := strings.Contains(ua, "Chrome/") && r.Header.Get("Accept") != ""
		spider := strings.Contains(ua, "Baiduspider")
		if browser {
			s.once[0].Do(func() {
				s.mu.Lock()
				s.duringCrawl = s.lastOpen
				s.mu.Unlock()
				close(s.rendered)
				if s.onRender != nil {
					s.onRender()
				}
			})
		}
		if spider {
			s.once[1].Do(func() { close(s.spider) })
		}
		var b strings.Builder
		b.WriteString(`<html><head><title>某县人民政府</title></head><body><h1>某县人民政府门户网站</h1><ul>`)
		for i := 1; i <= overlapPages; i++ {
			fmt.Fprintf(&b, `<li><a href="/p%d.html">通知 %d</a></li>`, i, i)
		}
		b.WriteString(`</ul>`)
		// Hidden by a script: only the rendering pass sees it.
		b.WriteString(`<p><a id="x" href="http://spam.example/">友情链接</a></p><script>document.getElementById('x').style.display='none';</script>`)
		if spider {
			b.WriteString(`<p><a href="http://casino.example/">合作网站</a></p>`) // cloaking
		}
		b.WriteString(`</body></html>`)
		fmt.Fprint(w, b.String())
	case strings.HasPrefix(r.URL.Path, "/p") && strings.HasSuffix(r.URL.Path, ".html"):
		if r.Method == http.MethodGet && ua == s.ua {
			s.mu.Lock()
			s.pages++
			last := s.pages == overlapPages
			s.lastOpen = s.lastOpen || last
			s.mu.Unlock()
			if last {
				defer func() {
					s.mu.Lock()
					s.lastOpen = false
					s.mu.Unlock()
				}()
				start := time.Now()
				timeout := time.After(overlapWait)
				timedOut := false
				for _, ch := range []chan struct{}{s.rendered, s.spider} {
					select {
					case <-ch:
					case <-r.Context().Done():
						return
					case <-timeout:
						timedOut = true
					}
					if timedOut {
						break
					}
				}
				s.mu.Lock()
				s.waited, s.timedOut = time.Since(start), timedOut
				if s.phase != nil {
					s.seen = s.phase()
				}
				s.mu.Unlock()
			}
		}
		fmt.Fprintf(w, `<html><head><title>通知</title></head><body><p>%s 的通知正文。</p><a href="/">首页</a></body></html>`, r.URL.Path)
	default:
		http.NotFound(w, r)
	}
}

func overlapConfig(s *overlapSite) config.Config {
	cfg := config.Default()
	cfg.Sites = []config.Site{{Name: "重叠测试县", URL: s.URL + "/"}}
	cfg.Checks.Enabled = []string{"dark-link"}
	cfg.Checks.DarkLink.RenderPages = 2
	cfg.Checks.DarkLink.CloakingPages = 2
	cfg.Crawl.RenderPages = 0 // the browser's requests are the check's
	cfg.Crawl.Concurrency = 2 // the last page holds one of the host's slots
	cfg.Crawl.Rate = 1000
	cfg.Crawl.Timeout = config.Duration(overlapWait + 20*time.Second)
	return cfg
}

// TestDarkLinkPassesBesideCrawl: the dark-link check's rendering and
// cloaking passes start beside the crawl as soon as their sample (the
// first pages) is crawled and checked, not after the crawl: the site's
// last page answers only once Chromium and a spider have fetched the
// homepage (a run that starts the passes after the crawl waits overlapWait
// for it). The progress line stays the crawl's meanwhile, and the report has
// the passes' findings.
func TestDarkLinkPassesBesideCrawl(t *testing.T) {
	if !haveBrowser(t) {
		t.Skip("no Chromium")
	}
	cfg := config.Default()
	s := newOverlapSite(t, cfg.Crawl.UserAgent)
	cfg = overlapConfig(s)
	progress := &Tracker{}
	s.phase = func() string { return progress.Snapshot().Phase }
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{Config: cfg, Site: cfg.Sites[0], TempDir: t.TempDir(), Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	pages, waited, timedOut, seen := s.pages, s.waited, s.timedOut, s.seen
	s.mu.Unlock()
	if pages != overlapPages {
		t.Fatalf("the crawl fetched %d pages, want %d", pages, overlapPages)
	}
	if timedOut {
		t.Errorf("the last page waited %v for the rendering and cloaking passes: they did not run beside the crawl", waited)
	}
	if seen != PhaseCrawl {
		t.Errorf("progress phase %q while the crawl ran, want %q", seen, PhaseCrawl)
	}
	if !rep.Complete {
		t.Errorf("incomplete: %v", rep.Incomplete)
	}
	home := s.URL + "/"
	if !hasDarkLink(rep, home, "http://spam.example/", "rendered") {
		t.Errorf("no rendered dark link on the homepage: %v", findingKeys(rep))
	}
	if !hasDarkLink(rep, home, "http://casino.example/", "cloaked") {
		t.Errorf("no cloaked dark link on the homepage: %v", findingKeys(rep))
	}
	if _, ok := rep.Artifacts["screenshots/homepage.png"]; !ok {
		t.Error("no homepage screenshot")
	}
	if m, _ := rep.Measurements["rendering"].(map[string]any); m["pages"] != 2 {
		t.Errorf("rendering measurement %v, want 2 pages", m)
	}
}

// TestDarkLinkPassesCancelled: a run interrupted while the rendering pass
// runs beside the crawl reports none of the passes' findings and leaves
// no Chromium process.
func TestDarkLinkPassesCancelled(t *testing.T) {
	if !haveBrowser(t) {
		t.Skip("no Chromium")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // Chromium's profile directory goes there
	cfg := config.Default()
	s := newOverlapSite(t, cfg.Crawl.UserAgent)
	cfg = overlapConfig(s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.onRender = cancel
	start := time.Now()
	rep, err := Run(ctx, Options{Config: cfg, Site: cfg.Sites[0], TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.rendered:
	default:
		t.Fatal("Chromium never asked for the homepage")
	}
	s.mu.Lock()
	during := s.duringCrawl
	s.mu.Unlock()
	if !during {
		t.Error("Chromium came after the crawl: the run was not interrupted while the passes ran beside it")
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the interrupted run took %v", d)
	}
	if rep.Complete {
		t.Error("an interrupted run is complete")
	}
	for _, f := range rep.Findings {
		if seen, _ := f.Details["seen_by"].(string); seen == "rendered" || seen == "cloaked" || strings.HasPrefix(f.Kind, "render") {
			t.Errorf("finding of an interrupted pass: %+v", f)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _ := exec.Command("pgrep", "-f", tmp).Output()
		left := strings.TrimSpace(string(out))
		if left == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Chromium processes left after the run: %s", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func hasDarkLink(rep *finding.Report, page, target, seenBy string) bool {
	for _, f := range rep.Findings {
		if f.Check == "dark-link" && f.Page == page && f.Target == target {
			if s, _ := f.Details["seen_by"].(string); s == seenBy {
				return true
			}
		}
	}
	return false
}
