package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordingWriter is a terminal stand-in that records when each write came.
type recordingWriter struct {
	mu     sync.Mutex
	writes []timedWrite
}

type timedWrite struct {
	at   time.Time
	text string
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, timedWrite{time.Now(), string(p)})
	return len(p), nil
}

// String is everything written, for failure messages.
func (w *recordingWriter) String() string {
	var b strings.Builder
	for _, x := range w.snapshot() {
		b.WriteString(x.text)
	}
	return strconv.Quote(b.String())
}

func (w *recordingWriter) snapshot() []timedWrite {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]timedWrite(nil), w.writes...)
}

// TestProgressStopsWithItsSite inspects two sites with the progress line
// on: the first has seven pages, the second one slow page. Once the second
// site's crawl has begun nothing may paint the first site's counters, and
// once run returns nothing may paint at all.
func TestProgressStopsWithItsSite(t *testing.T) {
	many := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			for i := range 6 {
				fmt.Fprintf(w, `<a href="/p%d.html">第%d页</a>`, i, i)
			}
		case "/p0.html", "/p1.html", "/p2.html", "/p3.html", "/p4.html", "/p5.html":
			w.Write([]byte("<p>内容</p>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer many.Close()
	var secondStarted sync.Once
	var secondAt time.Time
	var secondMu sync.Mutex
	one := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secondStarted.Do(func() {
			secondMu.Lock()
			secondAt = time.Now()
			secondMu.Unlock()
		})
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		time.Sleep(4 * progressEvery)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>唯一的页面</p>"))
	}))
	defer one.Close()
	cfgFile := filepath.Join(t.TempDir(), "xunjian.yaml")
	os.WriteFile(cfgFile, []byte(`crawl:
  timeout: 5s
  retries: 0
  rate: 500
  allow_networks: [127.0.0.0/8]
checks:
  enabled: [broken-link]
`), 0o644)

	var out strings.Builder
	stderr := &recordingWriter{}
	e := newEnv(&out, stderr, true)
	code := run(context.Background(), []string{"inspect", "-c", cfgFile, "-o", t.TempDir(), many.URL + "/", one.URL + "/"}, e)
	returned := time.Now()
	if code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	time.Sleep(3 * progressEvery)

	pagesRe := regexp.MustCompile(`页面 (\d+)`)
	secondMu.Lock()
	second := secondAt
	secondMu.Unlock()
	if second.IsZero() {
		t.Fatal("the second site was never requested")
	}
	painted := false
	for _, w := range stderr.snapshot() {
		m := pagesRe.FindStringSubmatch(w.text)
		if m == nil {
			continue
		}
		if w.at.After(returned) {
			t.Errorf("progress painted %v after run returned: %q", w.at.Sub(returned), w.text)
		}
		n, _ := strconv.Atoi(m[1])
		if w.at.After(second) && n > 1 {
			t.Errorf("the first site's progress (%d pages) painted %v into the second site's crawl", n, w.at.Sub(second))
		}
		if w.at.After(second) && !w.at.After(returned) {
			painted = true
		}
	}
	if !painted {
		t.Errorf("no progress painted during the second site's slow crawl: %s", stderr)
	}
	if w := stderr.snapshot(); len(w) == 0 || w[len(w)-1].text != "\r\033[K" {
		t.Errorf("the progress line is not cleared at the end: %s", stderr)
	}
}
