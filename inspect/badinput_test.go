package inspect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
)

// TestHostileSite crawls pages built to break parsers — binary bytes
// served as HTML, invalid UTF-8, a 5 MB single line, HTML nested 50,000
// deep, a "PDF" that is an HTML page, an "xlsx" that is random bytes — and
// expects a complete report with findings, not a crash or a hang.
func TestHostileSite(t *testing.T) {
	mux := http.NewServeMux()
	html := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(body))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		html(w, `<a href="/binary.html">b</a><a href="/invalid.html">i</a><a href="/long.html">l</a>
<a href="/nested.html">n</a><a href="/fake.pdf">f</a><a href="/random.xlsx">r</a>`)
	})
	mux.HandleFunc("/binary.html", func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 200_000)
		for i := range b {
			b[i] = byte(i*7919 + i>>3)
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(b)
	})
	mux.HandleFunc("/invalid.html", func(w http.ResponseWriter, r *http.Request) {
		html(w, "<p>\xff\xfe澳门\xc0博彩\xed\xa0\x80 13812345678</p>")
	})
	mux.HandleFunc("/long.html", func(w http.ResponseWriter, r *http.Request) {
		html(w, "<p>"+strings.Repeat("中华人民共合国", 250_000)+"</p>")
	})
	mux.HandleFunc("/nested.html", func(w http.ResponseWriter, r *http.Request) {
		html(w, strings.Repeat("<div>", 50_000)+"澳门博彩"+strings.Repeat("</div>", 50_000))
	})
	mux.HandleFunc("/fake.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("<html><body>六合彩开奖</body></html>"))
	})
	mux.HandleFunc("/random.xlsx", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Write([]byte("PK\x03\x04garbage that is no zip at all"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg := config.Default()
	cfg.Checks.Enabled = []string{"broken-link", "sensitive-word", "typo", "privacy"}
	cfg.Crawl.Rate = 1000
	cfg.Crawl.Timeout = config.Duration(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := Run(ctx, Options{Config: cfg, Site: config.Site{URL: srv.URL + "/"}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete || ctx.Err() != nil {
		t.Fatalf("complete=%v incomplete=%v check errors=%v", rep.Complete, rep.Incomplete, rep.CheckErrors)
	}
	got := map[string]bool{}
	for _, f := range rep.Findings {
		got[strings.TrimPrefix(f.Page, srv.URL)+"|"+f.Check+"|"+f.Kind] = true
	}
	for _, want := range []string{
		"/invalid.html|privacy|mobile",
		"/long.html|typo|serious",
		"/nested.html|sensitive-word|gambling",
		"/|attachment|attachment-unreadable", // reported on the page linking the file
	} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, got)
		}
	}
}
