package crawler

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestCrawlCapsDecodedPages: pages compressed in the forms a hostile portal
// used (x-gzip, gzip named only in Content-Type, br) expand to 16 MiB each;
// the crawl keeps max_page_bytes of each, marks them truncated, and still
// reads the links of a small compressed page.
func TestCrawlCapsDecodedPages(t *testing.T) {
	big := []byte("<html><body><a href=\"/after.html\">后面</a>" + strings.Repeat("大", 16<<20/3) + "</body></html>")
	var gz, small, br bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	w.Write(big)
	w.Close()
	w = gzip.NewWriter(&small)
	w.Write([]byte(`<html><body><a href="/after.html">后面</a></body></html>`))
	w.Close()
	bw := brotli.NewWriterLevel(&br, 1)
	bw.Write(big)
	bw.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><body><a href="/xgzip.html">1</a><a href="/ctgzip.html">2</a><a href="/br.html">3</a><a href="/small.html">4</a></body></html>`))
	})
	serve := func(path, encoding, ctype string, body []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if encoding != "" {
				w.Header().Set("Content-Encoding", encoding)
			}
			w.Header().Set("Content-Type", ctype)
			w.Write(body)
		})
	}
	serve("/xgzip.html", "x-gzip", "text/html", gz.Bytes())
	serve("/ctgzip.html", "", "text/html; gzip", gz.Bytes())
	serve("/br.html", "br", "text/html", br.Bytes())
	serve("/small.html", "gzip, identity", "text/html", small.Bytes())
	mux.HandleFunc("/after.html", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>后面</html>")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg := testCrawlConfig(t, srv.URL+"/")
	res, pages := runCrawl(t, cfg)
	for _, path := range []string{"/xgzip.html", "/ctgzip.html", "/br.html"} {
		p := pages[path]
		if p == nil {
			t.Errorf("%s not crawled (failures %+v)", path, res.Failures)
			continue
		}
		if !p.Truncated || int64(len(p.Text)) > cfg.Crawl.MaxPageBytes {
			t.Errorf("%s: truncated %v, %d bytes of text (cap %d)", path, p.Truncated, len(p.Text), cfg.Crawl.MaxPageBytes)
		}
	}
	if p := pages["/small.html"]; p == nil || p.Truncated || len(p.Links) != 1 {
		t.Errorf("small gzip page: %+v", p)
	}
	if pages["/after.html"] == nil {
		t.Error("link in a compressed page not followed")
	}
	if res.Stats.BytesRead > 1<<20 {
		t.Errorf("read %d bytes for 4 capped pages", res.Stats.BytesRead)
	}
}
