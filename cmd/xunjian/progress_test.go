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

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/inspect"
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

// TestProgressShowsPhases inspects a site whose external links are read
// after the crawl (slowly), with the progress line on: it names the crawl
// with its counts, then the external-link phase with done/total, then the
// report writing; a log line never starts after a painted progress line
// without clearing it; the line is cleared before run returns.
func TestProgressShowsPhases(t *testing.T) {
	external := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * progressEvery)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>外部网站</p>"))
	}))
	defer external.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path != "/" {
			time.Sleep(progressEvery)
			w.Write([]byte("<p>内容</p>"))
			return
		}
		fmt.Fprintf(w, `<a href="/a.html">一</a><a href="/b.html">二</a><a href="%s/x.html">外部</a><a href="%s/y.html">外部二</a>`, external.URL, external.URL)
	}))
	defer site.Close()
	cfgFile := filepath.Join(t.TempDir(), "xunjian.yaml")
	os.WriteFile(cfgFile, []byte(`crawl:
  timeout: 5s
  retries: 0
  rate: 500
  allow_networks: [127.0.0.0/8]
checks:
  enabled: [broken-link, external-link]
`), 0o644)
	var out strings.Builder
	stderr := &recordingWriter{}
	e := newEnv(&out, stderr, true)
	code := run(context.Background(), []string{"inspect", "-c", cfgFile, "--log-level", "info", "-o", t.TempDir(), site.URL + "/"}, e)
	if code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	var crawl, ext bool
	painted := false
	for _, w := range stderr.snapshot() {
		switch {
		case strings.HasPrefix(w.text, "\r\033[K[爬取] 页面 "):
			crawl = true
			painted = true
		case regexp.MustCompile(`^\r\033\[K\[外部链接\] \d/2$`).MatchString(w.text):
			ext = true
			painted = true
		case w.text == "\r\033[K":
			painted = false
		case strings.HasPrefix(w.text, "\r\033[K"):
			painted = true
		default: // a log line
			if painted {
				t.Errorf("log line written after a progress line without clearing it: %q", w.text)
			}
		}
	}
	if !crawl || !ext {
		t.Errorf("phases painted: crawl %v, external links %v: %s", crawl, ext, stderr)
	}
	if w := stderr.snapshot(); w[len(w)-1].text != "\r\033[K" && painted {
		t.Errorf("the progress line is not cleared at the end: %s", stderr)
	}
}

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		p    inspect.Progress
		want string
	}{
		{inspect.Progress{}, ""},
		{inspect.Progress{Phase: inspect.PhaseCrawl, Crawl: crawler.Progress{Pages: 12, Targets: 40, Queued: 3, Errors: 1, Requests: 60, Elapsed: 2 * time.Second}, Attachments: 2},
			"[爬取] 页面 12  目标 40  队列 3  错误 1  附件 2  30 请求/秒"},
		{inspect.Progress{Phase: inspect.PhaseRender, Done: 2, Total: 5}, "[渲染] 2/5 页"},
		{inspect.Progress{Phase: inspect.PhaseCloaking, Done: 1, Total: 10}, "[伪装检测] 1/10 页"},
		{inspect.Progress{Phase: inspect.PhaseReport, Crawl: crawler.Progress{Pages: 30, Targets: 90}}, "[生成报告] 页面 30  目标 90"},
	} {
		if got := progressLine(tc.p); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}
