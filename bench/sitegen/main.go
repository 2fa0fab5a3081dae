// Command sitegen serves the benchmark portal (package internal/benchsite)
// on loopback: by default N pages of about 100 KB built like a CMS
// template's (a 2,000-rule linked stylesheet, inline style and scripts,
// content nested 120 elements deep, an article, a records table), each
// with about 40 links (5 tree links so every page is reachable in a few
// hops, 30 spread links, 3 navigation links, an image and an attachment)
// and a broken link on every 1000th page. -light serves the small pages
// of the spine benchmark instead (40 links, no stylesheet, no nesting).
//
// Pages, the stylesheet, the image and the attachments carry validators
// (ETag and Last-Modified, as a static web server sends them;
// -validators=false drops them) and answer conditional requests with 304
// Not Modified. GET /__change?n=K edits K pages (1, 2, …: new text, new
// validators), for a re-inspection of a changed site; /__stats reports
// (and resets) the page GETs, the requests and the 304 answers.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xunjian/xunjian/internal/benchsite"
)

func main() {
	pages := flag.Int("pages", 20000, "number of pages")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	validators := flag.Bool("validators", true, "send ETag and Last-Modified and answer conditional requests")
	light := flag.Bool("light", false, "small pages: 40 links, no stylesheet, no nesting")
	cssRules := flag.Int("css-rules", -1, "rules of the linked stylesheet (-1: 2000, 0 with -light)")
	pageBytes := flag.Int("page-bytes", -1, "approximate page size (-1: 102400, 0 with -light)")
	depth := flag.Int("depth", -1, "elements the content is nested in (-1: 120, 0 with -light)")
	flag.Parse()
	o := benchsite.Heavy(*pages)
	if *light {
		o = benchsite.Light(*pages)
	}
	for _, f := range []struct {
		set int
		to  *int
	}{{*cssRules, &o.CSSRules}, {*pageBytes, &o.PageBytes}, {*depth, &o.Depth}} {
		if f.set >= 0 {
			*f.to = f.set
		}
	}
	site := benchsite.New(o)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// The first line on stdout is the site's URL, for the bench script.
	fmt.Printf("http://%s/\n", ln.Addr())
	os.Stdout.Sync()
	n := *pages
	var requests, pageHits, notModified, changed atomic.Int64
	mux := http.NewServeMux()
	// /__stats reports (and resets) the request counts, so the bench script
	// knows how many pages each tool really fetched.
	mux.HandleFunc("/__stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d %d %d\n", pageHits.Swap(0), requests.Swap(0), notModified.Swap(0))
	})
	mux.HandleFunc("/__change", func(w http.ResponseWriter, r *http.Request) {
		k, _ := strconv.Atoi(r.URL.Query().Get("n"))
		changed.Store(int64(min(max(k, 0), n)))
		fmt.Fprintf(w, "%d\n", changed.Load())
	})
	// conditional answers 304 when the request's validators match the
	// resource's (If-None-Match first, as RFC 9110 says), and sets them.
	conditional := func(w http.ResponseWriter, r *http.Request, etag string, modified time.Time) bool {
		if !*validators {
			return false
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			if inm != etag {
				return false
			}
		} else if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err != nil || modified.Truncate(time.Second).After(ims) {
			return false
		}
		notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	// A page's version: pages 1..changed were edited once.
	version := func(i int) int {
		if i >= 1 && int64(i) <= changed.Load() {
			return 2
		}
		return 1
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		p := r.URL.Path
		if r.Method == http.MethodGet && (p == "/" || strings.HasPrefix(p, "/p/")) {
			pageHits.Add(1)
		}
		old := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
		switch {
		case p == "/":
			// The homepage changes every day: no validators.
			writePage(w, site.Page(0, 1))
		case strings.HasPrefix(p, "/p/") && strings.HasSuffix(p, ".html"):
			i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/p/"), ".html"))
			if err != nil || i < 0 || i >= n {
				http.NotFound(w, r)
				return
			}
			v := version(i)
			if conditional(w, r, fmt.Sprintf(`"p%d-v%d"`, i, v), benchsite.Published(i, v)) {
				return
			}
			writePage(w, site.Page(i, v))
		case p == benchsite.StylesheetPath && site.Stylesheet() != nil:
			if conditional(w, r, `"css"`, old) {
				return
			}
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Write(site.Stylesheet())
		case p == "/img/logo.png":
			if conditional(w, r, `"logo"`, old) {
				return
			}
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG\r\n\x1a\n"))
		case strings.HasPrefix(p, "/files/") && strings.HasSuffix(p, ".pdf"):
			if conditional(w, r, `"`+strings.TrimPrefix(p, "/files/")+`"`, old) {
				return
			}
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.4\n"))
		default:
			http.NotFound(w, r)
		}
	})
	log.Fatal(http.Serve(ln, mux))
}

func writePage(w http.ResponseWriter, page []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(page)
}
