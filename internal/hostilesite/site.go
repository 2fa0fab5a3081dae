// Package hostilesite serves, on loopback, a portal built to attack the
// inspector: gzip bombs under every spelling of the encoding, huge and
// redirecting stylesheets, a page of a million links, a CSS page that made
// the ancestor key set blow up, never-answering link targets, a fan-out
// trap, redirects to an internal address, and personal data planted in
// every place a string can leave an inspection (anchor texts, titles, alt
// texts, URL paths and query strings, attachment and zip-entry names,
// full-width digits). An "internal" server on 127.0.0.2 counts every
// request that reached it: there must be none.
package hostilesite

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/xunjian/xunjian/pii"
)

// Personal data planted (synthesised: valid check characters, allocated
// mobile segments). Values lists every form that must never appear in an
// output.
var (
	ID      = "11010519491231002" + string(pii.CheckChar("11010519491231002"))
	ID2     = "53262719800101001" + string(pii.CheckChar("53262719800101001"))
	Mobile  = "13912345678"
	Mobile2 = "18687654321"
)

// FullWidth writes the ASCII digits of s full-width.
func FullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r += '０' - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Values are the planted values in every form an output could carry.
func Values() []string {
	var out []string
	for _, v := range []string{ID, ID2, Mobile, Mobile2} {
		out = append(out, v, FullWidth(v), url.PathEscape(FullWidth(v)))
	}
	return out
}

// Site is the running hostile portal.
type Site struct {
	URL string
	// InternalHits counts requests that reached the internal server.
	InternalHits atomic.Int64
	servers      []*httptest.Server
	listeners    []net.Listener
}

// Close stops every server.
func (s *Site) Close() {
	for _, srv := range s.servers {
		srv.CloseClientConnections()
		srv.Close()
	}
	for _, l := range s.listeners {
		l.Close()
	}
}

// Options size the attack.
type Options struct {
	// BombBytes is what each gzip bomb expands to.
	BombBytes int
	// Links is the number of links on the million-links page.
	Links int
	// NeverAnswering is the number of link targets that never answer.
	NeverAnswering int
}

// Start serves the hostile portal on 127.0.0.1 and the internal server on
// 127.0.0.2.
func Start(o Options) (*Site, error) {
	s := &Site{}
	internal := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.InternalHits.Add(1)
		w.Write([]byte("<a href='/secret'>内网</a>"))
	}))
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		return nil, fmt.Errorf("internal server on 127.0.0.2: %w", err)
	}
	internal.Listener = l
	internal.Start()
	s.servers = append(s.servers, internal)
	intURL := internal.URL

	var never []string
	for range o.NeverAnswering {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, err
		}
		s.listeners = append(s.listeners, ln)
		go func() {
			var held []net.Conn
			for {
				c, err := ln.Accept()
				if err != nil {
					for _, c := range held {
						c.Close()
					}
					return
				}
				held = append(held, c) // accepted, never answered
			}
		}()
		never = append(never, "http://"+ln.Addr().String()+"/never.html")
	}

	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = "<p>澳门</p>"[i%len("<p>澳门</p>")]
	}
	for n := 0; n < o.BombBytes; n += len(chunk) {
		zw.Write(chunk)
	}
	zw.Close()

	var million strings.Builder
	million.WriteString("<html><body>")
	for i := range o.Links {
		if i%2 == 0 {
			fmt.Fprintf(&million, `<a href="http://10.%d.%d.%d/x">内网</a>`, i>>16&255, i>>8&255, i&255)
		} else {
			fmt.Fprintf(&million, `<img src="/broken/%d.png">`, i)
		}
	}
	million.WriteString("</body></html>")

	var classes strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&classes, "c%d ", i)
	}
	var hideLinks strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&hideLinks, `<p><a href="http://bet.example/%d">x</a></p>`, i)
	}
	hugeCSS := strings.Repeat(".z{color:red}\n", 250_000)

	docx := officeWithEntry("word/"+Mobile+"名单.xml", "<w:document/>")
	var trapN atomic.Int64

	mux := http.NewServeMux()
	home := func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>政务公开 %s</title></head><body>
<h2>栏目 %s 最新动态</h2>
<a href="/bomb.html">压缩页面</a> <a href="/xgzip.html">x-gzip</a> <a href="/gzipct.html">gzip in Content-Type</a>
<a href="/million.html">百万链接</a> <a href="/hide.html">样式</a> <a href="/css.html">样式表</a>
<a href="/trap/start?sid=1">陷阱</a> <a href="/to-internal">跳转</a> <a href="%s/admin">内网链接</a>
<a href="/p/%s.html?mobile=%s">申请人 %s</a>
<a href="/files/%s.docx">%s 的材料</a>
<a href="/q?id=%s">%s</a>
<img src="/img/%s.png" alt="身份证 %s">
`, ID, FullWidth(Mobile2), intURL, ID, Mobile, ID2, Mobile2, FullWidth(ID), url.QueryEscape(FullWidth(Mobile)), FullWidth(ID2), Mobile, ID)
		for _, n := range never {
			fmt.Fprintf(w, `<a href="%s">无响应</a>`, n)
		}
		w.Write([]byte("</body></html>"))
	}
	mux.HandleFunc("/", home)
	serveBomb := func(enc, ct string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			if enc != "" {
				w.Header().Set("Content-Encoding", enc)
			}
			w.Write(bomb.Bytes())
		}
	}
	mux.HandleFunc("/bomb.html", serveBomb("gzip", "text/html; charset=utf-8"))
	mux.HandleFunc("/xgzip.html", serveBomb("x-gzip", "text/html"))
	mux.HandleFunc("/gzipct.html", serveBomb("gzip, identity", "application/gzip; text/html"))
	mux.HandleFunc("/million.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(million.String()))
	})
	mux.HandleFunc("/hide.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><style>.hide a{display:none}</style></head><body><div class="%shide">%s</div></body></html>`, classes.String(), hideLinks.String())
	})
	mux.HandleFunc("/css.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><head><link rel="stylesheet" href="/huge.css"><link rel="stylesheet" href="/redirect.css"></head><body><div style="display:none"><a href="http://bet.example/">x</a></div></body></html>`))
	})
	mux.HandleFunc("/huge.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte(hugeCSS))
	})
	mux.HandleFunc("/redirect.css", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, intURL+"/style.css", http.StatusFound)
	})
	mux.HandleFunc("/to-internal", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, intURL+"/", http.StatusFound)
	})
	mux.HandleFunc("/trap/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var b strings.Builder
		b.WriteString(`<html><body><h1>欢迎访问</h1><p>本栏目正在建设中，请稍后访问。</p>`)
		for range 10 {
			n := trapN.Add(1)
			fmt.Fprintf(&b, `<a href="/trap/%x/%x?sid=%d">更多</a>`, n*7919, n*104729, n)
		}
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>公示 %s</title></head><body><p>公示</p></body></html>`, Mobile2)
	})
	mux.HandleFunc("/files/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
		w.Write(docx)
	})
	srv := httptest.NewServer(mux)
	s.servers = append(s.servers, srv)
	s.URL = srv.URL + "/"
	return s, nil
}

// officeWithEntry is a zip whose one entry (named with personal data) is
// not what an office file needs: its reader's error quotes the name.
func officeWithEntry(name, body string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create(name)
	w.Write([]byte(body))
	zw.Close()
	return b.Bytes()
}
