package render

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/xunjian/xunjian/internal/benchsite"
)

// benchServer serves the benchmark's heavy pages (/, /p/N.html and the
// 2,000-rule stylesheet).
func benchServer(t testing.TB) *httptest.Server {
	site := benchsite.New(benchsite.Heavy(2000))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(site.Page(0, 1))
		case strings.HasPrefix(p, "/p/"):
			i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/p/"), ".html"))
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(site.Page(i, 1))
		case p == "/test":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(testPage))
		case p == benchsite.StylesheetPath:
			w.Header().Set("Content-Type", "text/css")
			w.Write(site.Stylesheet())
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestShellDrawsAsChromium: the headless shell, which Find prefers, sees
// the same links hidden in the same way as the full browser and draws the
// same pixels — the benchmark's heavy homepage as people see it, and a
// hidden link outlined (the whole page and the crop) — so the evidence is
// the browser's. CI installs both.
func TestShellDrawsAsChromium(t *testing.T) {
	needBrowser(t)
	full, err := exec.LookPath("chromium")
	if _, serr := os.Stat(shellBinary); err != nil || serr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have chromium and chromium-headless-shell: %v %v", err, serr)
		}
		t.Skip("needs chromium and chromium-headless-shell")
	}
	if p, _ := Find(""); p != shellBinary {
		t.Errorf("Find chose %s, want the headless shell %s", p, shellBinary)
	}
	srv := benchServer(t)
	type seen struct {
		elements   []Element
		home, outl []byte
		crop       []byte
		clip       Rect
	}
	look := func(exe string) seen {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cfg := Config{ExecPath: exe, Tabs: 2, Policy: sitePolicy(t, srv.URL)}
		if exe == "" && os.Getenv("XJ_SHELL_FLAGS") != "" {
			cfg.extraFlags = strings.Fields(os.Getenv("XJ_SHELL_FLAGS"))
		}
		b, err := Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		var s seen
		p, err := b.Open(ctx, srv.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		s.elements = p.Elements
		if s.home, err = p.Screenshot(ctx); err != nil {
			t.Fatal(err)
		}
		q, err := b.Open(ctx, srv.URL+"/test")
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		s.elements = append(s.elements, q.Elements...)
		for _, e := range q.Elements {
			if e.Technique == "display-none" {
				shot, err := q.Outline(ctx, e.Index)
				if err != nil {
					t.Fatal(err)
				}
				s.outl, s.crop, s.clip = shot.Full, shot.Crop, shot.Clip
				break
			}
		}
		return s
	}
	a, b := look(full), look("")
	if len(a.elements) < 40 || len(a.elements) != len(b.elements) {
		t.Fatalf("%d links rendered by chromium, %d by the shell", len(a.elements), len(b.elements))
	}
	for i := range a.elements {
		if !reflect.DeepEqual(a.elements[i], b.elements[i]) {
			t.Errorf("link %d as rendered differs:\nchromium %+v\nshell    %+v", i, a.elements[i], b.elements[i])
		}
	}
	if !samePixels(t, a.home, b.home) {
		t.Error("the heavy homepage's screenshot differs from Chromium's")
	}
	if a.clip != b.clip || !samePixels(t, a.crop, b.crop) || !samePixels(t, a.outl, b.outl) {
		t.Errorf("the outlined link differs from Chromium's (crop %+v, %+v)", a.clip, b.clip)
	}
}

// TestDownloadRefused: a page whose frame is an attachment saves nothing,
// anywhere (the browser's home, its profile, the working directory); as a
// control, the same page with downloads allowed into a folder does save
// the file there, so the frame does start a download.
func TestDownloadRefused(t *testing.T) {
	needBrowser(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DOWNLOAD_DIR", filepath.Join(home, "Downloads"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<html><body><p>附件</p><iframe src="/files/report.xlsx"></iframe><script>setTimeout(() => { const a = document.createElement('a'); a.href = '/files/list.xlsx'; a.download = 'list.xlsx'; document.body.appendChild(a); a.click(); }, 10);</script></body></html>`))
		default:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", `attachment; filename="`+filepath.Base(r.URL.Path)+`"`)
			w.Write([]byte("PK\x03\x04 xunjian download test"))
		}
	}))
	defer srv.Close()
	saved := func(dirs ...string) []string {
		var out []string
		for _, d := range dirs {
			filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
				if err == nil && !e.IsDir() && strings.Contains(e.Name(), ".xlsx") {
					out = append(out, p)
				}
				return nil
			})
		}
		return out
	}
	for _, allow := range []bool{true, false} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		b, err := Start(ctx, Config{Tabs: 1, Policy: sitePolicy(t, srv.URL)})
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		into := t.TempDir()
		if allow {
			if _, err := chromedp.CallBrowser(b.browser, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: into}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := b.Open(ctx, srv.URL+"/")
		if err == nil {
			time.Sleep(1500 * time.Millisecond)
			p.Close()
		}
		got := saved(home, into, b.dataDir, ".")
		b.Close()
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if allow && len(saved(into)) == 0 {
			t.Error("control: with downloads allowed nothing was saved, so the refusal proves nothing")
		}
		if !allow && len(got) != 0 {
			t.Errorf("downloads refused, yet saved: %v", got)
		}
	}
}
