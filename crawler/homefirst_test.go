package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHomepageDeliveredFirstAndAlone: the homepage reaches onPage before
// any other page, and no other page is delivered until the homepage's
// onPage has returned, however many workers the crawl runs. Checks rely on
// it (the columns check reads the navigation from the homepage; the
// dark-link check samples it first).
func TestHomepageDeliveredFirstAndAlone(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString("<html><body>")
		if r.URL.Path == "/" {
			for i := range 40 {
				fmt.Fprintf(&b, `<a href="/p%d.html">栏目%d</a>`, i, i)
			}
		} else {
			fmt.Fprintf(&b, `<a href="/">首页</a><a href="%s-next.html">下一篇</a>`, strings.TrimSuffix(r.URL.Path, ".html"))
		}
		b.WriteString("</body></html>")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(b.String()))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg := testCrawlConfig(t, srv.URL+"/")
	cfg.Crawl.Concurrency = 16
	cfg.Crawl.MaxDepth = 2
	cr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	homeDone := false
	var early []string
	_, err = cr.Run(context.Background(), func(p *Page) {
		mu.Lock()
		order = append(order, p.URL.Path)
		if !p.Home && !homeDone {
			early = append(early, p.URL.Path)
		}
		mu.Unlock()
		if p.Home {
			// Give the other workers every chance to deliver a page early.
			time.Sleep(200 * time.Millisecond)
			mu.Lock()
			homeDone = true
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(order) < 41 || order[0] != "/" {
		t.Fatalf("delivered %d pages, first %v", len(order), order[:min(3, len(order))])
	}
	if len(early) > 0 {
		t.Errorf("pages delivered while the homepage was with the checks: %v", early)
	}
}
