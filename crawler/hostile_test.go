package crawler

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
)

// One page with 20,000 links: the first max_links_per_page are checked,
// the rest counted and reported; past max_targets nothing more is
// requested, and the report says how many were left.
func TestLinkAndTargetCaps(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path != "/" {
			w.WriteHeader(404)
			return
		}
		var b strings.Builder
		for i := range 20000 {
			fmt.Fprintf(&b, `<img src="/i%d.png">`, i)
		}
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name               string
		perPage, targets   int
		wantFailures       int
		wantSkip, wantNote string
	}{
		{"links-per-page", 1000, 300000, 1000, "links-per-page", "超出的 19000 个链接未检查"},
		{"max-targets", 10000, 500, 499, "max-targets", "其余 9501 个链接目标未检查"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requests.Store(0)
			cfg := testCrawlConfig(t, srv.URL+"/")
			cfg.Crawl.MaxPageBytes = 10 << 20
			cfg.Crawl.Retries = 0
			cfg.Soft404 = false
			cfg.Crawl.MaxLinksPerPage, cfg.Crawl.MaxTargets = tc.perPage, tc.targets
			res, _ := runCrawl(t, cfg)
			if len(res.Failures) != tc.wantFailures {
				t.Errorf("%d failures, want %d", len(res.Failures), tc.wantFailures)
			}
			if res.Complete || res.SkippedReasons[tc.wantSkip] == 0 || !strings.Contains(strings.Join(res.Incomplete, "\n"), tc.wantNote) {
				t.Errorf("complete %v, skipped %v, incomplete %q", res.Complete, res.SkippedReasons, res.Incomplete)
			}
			if n := requests.Load(); n > int64(tc.wantFailures)+5 {
				t.Errorf("%d requests for %d targets", n, tc.wantFailures)
			}
		})
	}
}

// A fan-out trap: every page links to ten new pages under ever-new paths
// with a session id, all serving the same text. The similar-pages guard
// stops following them after max_similar_pages and says so; without it
// the crawl would run to max_pages.
func TestFanOutTrap(t *testing.T) {
	var served atomic.Int64
	var next atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var b strings.Builder
		b.WriteString(`<html><body><h1>欢迎访问</h1><p>本栏目正在建设中，请稍后访问。联系电话：0871-64123456</p>`)
		if r.URL.Path == "/" {
			b.WriteString(`<a href="/news/1.html">新闻</a><a href="/t/start?sid=1">入口</a>`)
		}
		if strings.HasPrefix(r.URL.Path, "/t/") {
			for range 10 {
				n := next.Add(1)
				fmt.Fprintf(&b, `<a href="/t/%x/%x?sid=%d">更多</a>`, n*7919, n*104729, n)
			}
		}
		b.WriteString(`</body></html>`)
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	cfg := testCrawlConfig(t, srv.URL+"/")
	cfg.Soft404 = false
	cfg.Crawl.MaxPages = 20000
	cfg.Crawl.MaxPatternChain = 1000
	cfg.Crawl.MaxSimilarPages = 50
	res, pages := runCrawl(t, cfg)
	if len(pages) > 50*10+20 {
		t.Errorf("%d pages crawled: the trap was followed past its cap", len(pages))
	}
	if pages["/news/1.html"] == nil {
		t.Error("the ordinary page was not crawled")
	}
	var trap *Trap
	for i := range res.Traps {
		if res.Traps[i].Reason == "similar-pages" {
			trap = &res.Traps[i]
		}
	}
	if trap == nil || trap.Pages != 50 || trap.Skipped == 0 || res.SkippedReasons["trap-similar"] == 0 {
		t.Fatalf("traps %+v, skipped %v", res.Traps, res.SkippedReasons)
	}
	t.Logf("%d pages crawled, %d requests; trap %+v", len(pages), served.Load(), *trap)
}

// Forty links to hosts that accept connections and never answer: each
// costs timeout × attempts, and they are checked concurrently, so the
// crawl takes a few timeouts, not forty.
func TestNeverAnsweringTargets(t *testing.T) {
	var hosts []string
	for range 40 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close() // held open, never answered
			}
		}()
		hosts = append(hosts, ln.Addr().String())
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		for _, h := range hosts {
			fmt.Fprintf(w, `<a href="http://%s/x.html">外站</a>`, h)
		}
	}))
	defer srv.Close()
	cfg := testCrawlConfig(t, srv.URL+"/")
	cfg.Soft404 = false
	cfg.Crawl.AllowNetworks = []string{"127.0.0.0/8"}
	cfg.Crawl.Timeout = 500 * 1e6
	cfg.Crawl.Retries = 1
	cfg.Crawl.RetryBackoff = 100 * 1e6
	start := time.Now()
	res, _ := runCrawl(t, cfg)
	took := time.Since(start)
	timeouts := 0
	for _, f := range res.Failures {
		if f.Outcome.Class == ClassTimeout {
			timeouts++
		}
	}
	if timeouts != 40 {
		t.Errorf("%d timeouts, want 40", timeouts)
	}
	// Serially: 40 × (2 × 0.5 s + 0.1 s) = 44 s.
	if took > 15*time.Second {
		t.Errorf("40 never-answering targets took %v", took)
	}
	t.Logf("40 never-answering targets: %v", took)
}

// Bodies over spoolFree while the body budget is full go to a file and
// come back whole: eight 3 MB pages and four 3 MB attachments, sent in two
// halves so that all workers hold a big body at once, with a budget of two
// 4 MB bodies. Every page's last link is found, every attachment arrives
// intact, the budget held never passes its total and is all given back,
// and no spill file is left.
func TestBigBodiesSpooled(t *testing.T) {
	const size = 3 << 20
	filler := strings.Repeat("政务公开正文内容。", size/27)
	file := func(n int) []byte {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*7 + n)
		}
		return b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		switch {
		case r.URL.Path == "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			for i := range 8 {
				fmt.Fprintf(w, `<a href="/big/%d.html">页</a>`, i)
			}
			for i := range 4 {
				fmt.Fprintf(w, `<a href="/file/%d.pdf">附件</a>`, i)
			}
		case sscan(r.URL.Path, "/big/%d.html", &n):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<html><body><p>"+filler[:len(filler)/2])
			w.(http.Flusher).Flush()
			time.Sleep(150 * time.Millisecond)
			fmt.Fprintf(w, `%s</p><a href="/end/%d.html">完</a></body></html>`, filler[len(filler)/2:], n)
		case sscan(r.URL.Path, "/file/%d.pdf", &n):
			w.Header().Set("Content-Type", "application/pdf")
			b := file(n)
			w.Write(b[:size/2])
			w.(http.Flusher).Flush()
			time.Sleep(150 * time.Millisecond)
			w.Write(b[size/2:])
		case strings.HasPrefix(r.URL.Path, "/end/"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<p>end</p>")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := testCrawlConfig(t, srv.URL+"/")
	cfg.Crawl.MaxPageBytes, cfg.MaxAttachmentBytes = 4<<20, 4<<20
	cfg.Crawl.Timeout = config.Duration(10 * time.Second)
	cfg.Soft404 = false
	var mu sync.Mutex
	files := map[string]bool{}
	cfg.OnAttachment = func(a *Attachment) {
		var n int
		sscan(a.URL.Path, "/file/%d.pdf", &n)
		mu.Lock()
		files[a.URL.Path] = bytes.Equal(a.Body, file(n))
		mu.Unlock()
	}
	cr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]bool{}
	res, err := cr.Run(context.Background(), func(p *Page) {
		mu.Lock()
		pages[p.URL.Path] = true
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if p := fmt.Sprintf("/end/%d.html", i); !pages[p] {
			t.Errorf("%s not crawled: page %d's body lost its end", p, i)
		}
	}
	for i := range 4 {
		if p := fmt.Sprintf("/file/%d.pdf", i); !files[p] {
			t.Errorf("%s: delivered %v, intact %v", p, len(files) > 0, files[p])
		}
	}
	b := cr.transport.bodies
	t.Logf("budget %d MB, peak held %.1f MB, %d bodies spilled, failures %d", b.total>>20, float64(b.peak.Load())/(1<<20), b.spilled.Load(), len(res.Failures))
	if b.spilled.Load() == 0 {
		t.Error("no body went to a file")
	}
	if b.peak.Load() > b.total || b.held.Load() != 0 {
		t.Errorf("budget %d: peak %d, still held %d", b.total, b.peak.Load(), b.held.Load())
	}
	if left, _ := filepath.Glob(filepath.Join(cfg.TempDir, "xunjian-body-*")); len(left) > 0 {
		t.Errorf("spill files left: %v", left)
	}
}

func sscan(s, format string, n *int) bool {
	_, err := fmt.Sscanf(s, format, n)
	return err == nil
}

// Attachments are requested no faster than OnAttachment reads them: with
// AttachmentsAtOnce 2, twenty links to attachments and a slow reader, at
// most two are ever downloaded and not yet read (without the bound, every
// check worker held one).
func TestAttachmentsAtOnce(t *testing.T) {
	var held, most atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			for i := range 20 {
				fmt.Fprintf(w, `<a href="/f/%d.pdf">附件</a>`, i)
			}
			return
		}
		n := held.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4 x"))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name     string
		atOnce   int
		wantMost int64
	}{
		{"bounded", 2, 2},
		{"unbounded", 0, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			held.Store(0)
			most.Store(0)
			cfg := testCrawlConfig(t, srv.URL+"/")
			cfg.Soft404 = false
			cfg.AttachmentsAtOnce = tc.atOnce
			var read atomic.Int64
			cfg.OnAttachment = func(a *Attachment) {
				time.Sleep(30 * time.Millisecond)
				read.Add(1)
				held.Add(-1)
			}
			runCrawl(t, cfg)
			if read.Load() != 20 {
				t.Errorf("%d attachments read, want 20", read.Load())
			}
			if tc.atOnce > 0 && most.Load() > tc.wantMost || tc.atOnce == 0 && most.Load() <= 2 {
				t.Errorf("at most %d attachments downloaded and not yet read (AttachmentsAtOnce %d)", most.Load(), tc.atOnce)
			}
			t.Logf("AttachmentsAtOnce %d: at most %d held", tc.atOnce, most.Load())
		})
	}
}
