//go:build htmlfastpoison && linux

package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"testing"
)

// TestReleasedBodyPoisoned: built with -tags htmlfastpoison, a string
// of a page kept past onPage without a copy (as a check that forgot
// strings.Clone would) faults where it is read after the page is done.
func TestReleasedBodyPoisoned(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><head><title>政务公开</title></head><body><p class=政务公开>正文</p></body></html>")
	}))
	defer srv.Close()
	cr, err := New(testCrawlConfig(t, srv.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	var title string // a class attribute's value: a view of the body
	if _, err := cr.Run(context.Background(), func(p *Page) {
		title, _ = p.Doc.Find("p").Attr("class") // kept without strings.Clone
	}); err != nil {
		t.Fatal(err)
	}
	if title == "" {
		t.Fatal("no page crawled")
	}
	faulted := func() (faulted bool) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() { faulted = recover() != nil }()
		for i := range len(title) {
			bodySink += int(title[i])
		}
		return false
	}()
	if !faulted {
		t.Error("a string kept past its page was read: the released body is not poisoned")
	}
}

var bodySink int
