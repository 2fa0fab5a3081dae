// Command sitegen serves a generated portal on loopback for benchmarks: N
// pages of about 40 links each (5 tree links so every page is reachable in a
// few hops, 30 spread links, 3 navigation links, an image and an
// attachment), with a broken link on every 1000th page.
//
// Pages, the image and the attachments carry validators (ETag and
// Last-Modified, as a static web server sends them; -validators=false
// drops them) and answer conditional requests with 304 Not Modified.
// GET /__change?n=K edits K pages (1, 2, …: new text, new validators), for
// a re-inspection of a changed site; /__stats reports (and resets) the
// page GETs, the requests and the 304 answers.
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
)

func main() {
	pages := flag.Int("pages", 20000, "number of pages")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	validators := flag.Bool("validators", true, "send ETag and Last-Modified and answer conditional requests")
	flag.Parse()
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
	published := func(i, v int) time.Time {
		return time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i%700)*24*time.Hour + time.Duration(v-1)*800*24*time.Hour)
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
			writePage(w, 0, n, 1)
		case strings.HasPrefix(p, "/p/") && strings.HasSuffix(p, ".html"):
			i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/p/"), ".html"))
			if err != nil || i < 0 || i >= n {
				http.NotFound(w, r)
				return
			}
			v := version(i)
			if conditional(w, r, fmt.Sprintf(`"p%d-v%d"`, i, v), published(i, v)) {
				return
			}
			writePage(w, i, n, v)
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

func writePage(w http.ResponseWriter, i, n, version int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>第%d页_示例县人民政府</title></head><body>`, i)
	b.WriteString(`<div class="nav"><a href="/">首页</a> <a href="/p/1.html">新闻动态</a> <a href="/p/2.html">通知公告</a></div><ul>`)
	for k := 1; k <= 5; k++ {
		if c := i*5 + k; c < n {
			fmt.Fprintf(&b, `<li><a href="/p/%d.html">栏目文章 %d</a></li>`, c, c)
		}
	}
	for k := 0; k < 30; k++ {
		t := (i*37 + k*53 + k*k) % n
		fmt.Fprintf(&b, `<li><a href="/p/%d.html">相关信息 %d 关于做好冬季安全生产工作的通知</a></li>`, t, t)
	}
	b.WriteString(`</ul><img src="/img/logo.png" alt="标志">`)
	fmt.Fprintf(&b, `<p>附件：<a href="/files/%d.pdf">附件%d.pdf</a></p>`, i%500, i%500)
	if i%1000 == 999 {
		fmt.Fprintf(&b, `<a href="/missing/%d.html">已删除的文章</a>`, i)
	}
	if version > 1 {
		b.WriteString(`<p>（本文已更新）</p>`)
	}
	b.WriteString(`<p>示例县人民政府办公室主办 网站标识码 0000000000</p></body></html>`)
	w.Write([]byte(b.String()))
}
