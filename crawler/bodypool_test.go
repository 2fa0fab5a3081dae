package crawler

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

// TestBodyPoolBounded: the pool keeps at most bodyPoolSize idle buffers,
// none over bodyPoolMax, and hands a kept buffer back empty.
func TestBodyPoolBounded(t *testing.T) {
	if poisonBodies {
		t.Skip("poisoned bodies are never reused")
	}
	p := newBodyPool()
	for range 2 * bodyPoolSize {
		p.put(make([]byte, 10, 64<<10))
	}
	if n := len(p.free); n != bodyPoolSize {
		t.Errorf("%d idle buffers, want %d", n, bodyPoolSize)
	}
	for range bodyPoolSize {
		if b := p.get(1000); len(b) != 0 || cap(b) != 64<<10 {
			t.Fatalf("got len %d cap %d, want a kept 64 KB buffer, empty", len(b), cap(b))
		}
	}
	p.put(make([]byte, 0, bodyPoolMax+1))
	if n := len(p.free); n != 0 {
		t.Errorf("a buffer over bodyPoolMax was kept (%d idle)", n)
	}
	p.put(make([]byte, 0, 8<<10))
	if b := p.get(100 << 10); cap(b) < 100<<10 {
		t.Errorf("get(100 KB) gave cap %d", cap(b))
	}
}

// TestReadPooled reads bodies of every length around the buffers' sizes,
// announced or not, one byte a read or all at once, into pooled buffers
// reused from one body to the next: each reads back exactly.
func TestReadPooled(t *testing.T) {
	bb := newBodyBudget(4<<20, t.TempDir())
	for _, n := range []int{0, 1, bodyFirst - 1, bodyFirst, bodyFirst + 1, 100 << 10, bodyPoolMax + 7, spoolFree, spoolFree + 1, 3 << 20} {
		body := bytes.Repeat([]byte("政务公开<p>"), n/14+1)[:n]
		for _, size := range []int64{-1, int64(n)} {
			for _, oneByte := range []bool{false, true} {
				if oneByte && n > 200<<10 {
					continue
				}
				var rr io.Reader = onlyReader{bytes.NewReader(body)}
				if oneByte {
					rr = iotest.OneByteReader(rr)
				}
				sp, data, err := bb.read(rr, 2<<20, size, true)
				if err != nil {
					t.Fatal(err)
				}
				want := body[:min(n, 2<<20)]
				if data == nil {
					if data, err = sp.load(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				if !bytes.Equal(data, want) {
					t.Errorf("%d bytes (size %d, one byte %v): read %d bytes, not the body", n, size, oneByte, len(data))
				}
				if n <= spoolFree && sp.buf == nil {
					t.Errorf("%d bytes: not in a pooled buffer", n)
				}
				sp.recycle()
				sp.free()
			}
		}
	}
	if poisonBodies {
		return
	}
	// Bodies of one size reuse one buffer.
	body := bytes.Repeat([]byte("x"), 90<<10)
	sp, a, _ := bb.read(onlyReader{bytes.NewReader(body)}, 1<<20, -1, true)
	sp.recycle()
	sp, b, _ := bb.read(onlyReader{bytes.NewReader(body)}, 1<<20, -1, true)
	sp.recycle()
	if &a[0] != &b[0] {
		t.Error("the second body was not read into the first one's buffer")
	}
}

// TestPagesKeepOwnStrings crawls pages of one template whose texts and
// attributes differ, through pooled bodies: what onPage copied of each
// page (as checks keep strings) is still that page's after the crawl,
// though every body buffer was reused for later pages.
func TestPagesKeepOwnStrings(t *testing.T) {
	const n = 60
	page := func(i int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "<html><head><title>第%d页</title></head><body><p class=c%d>正文%d %s</p>", i, i, i, strings.Repeat("填充", 2000))
		if i == 0 {
			for j := 1; j < n; j++ {
				fmt.Fprintf(&b, `<a href="/p/%d.html">文章%d</a>`, j, j)
			}
		}
		fmt.Fprintf(&b, "<i>尾%d</i></body></html>", i)
		return b.String()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if r.URL.Path != "/" {
			if _, err := fmt.Sscanf(r.URL.Path, "/p/%d.html", &i); err != nil {
				http.NotFound(w, r)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page(i))
	}))
	defer srv.Close()
	cr, err := New(testCrawlConfig(t, srv.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	kept := map[string][3]string{}
	_, err = cr.Run(context.Background(), func(p *Page) {
		title := p.Doc.Find("title").Text() // (a copy)
		class, _ := p.Doc.Find("p").Attr("class")
		mu.Lock()
		kept[p.URL.Path] = [3]string{title, strings.Clone(class), string(p.Text[len(p.Text)-20:])}
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != n {
		t.Fatalf("%d pages crawled, want %d", len(kept), n)
	}
	for path, got := range kept {
		var i int
		if path != "/" {
			fmt.Sscanf(path, "/p/%d.html", &i)
		}
		full := page(i)
		want := [3]string{fmt.Sprintf("第%d页", i), fmt.Sprintf("c%d", i), full[len(full)-20:]}
		if got != want {
			t.Errorf("%s: kept %q, want %q", path, got, want)
			break
		}
	}
}
