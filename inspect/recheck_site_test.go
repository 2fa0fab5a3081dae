package inspect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
)

// recheckSite is a portal on loopback that answers conditional requests
// like a static web server (ETag from the content, Last-Modified), whose
// pages can be edited between runs, and that counts what it served per
// path: full answers, 304s and HEADs.
//
// Layout: a homepage (no validators: it changes daily) linking two
// columns and the first articles; /xwdt/ lists recent articles (a fresh
// column), /tzgg/ old notices (a stale column); articles link five more
// (a tree), a shared logo and, for every fifth one, an attachment. Planted
// problems: a gambling word (article 7), a typo (article 13), an ID number
// in an attachment (file 10), a broken link (article 21), a hidden link
// to a spam site (article 30), a stale column.
type recheckSite struct {
	t        *testing.T
	srv, ext *httptest.Server
	articles int

	mu     sync.Mutex
	edits  map[string]string // path → extra content, for edited pages
	fixed  map[string]bool   // paths whose planted problem was removed
	served map[string]*served
	// onGet, when set, is called (outside the lock) for each GET of an
	// article, with how many article GETs the site has answered.
	onGet func(n int)
	gets  int
}

type served struct {
	Full, NotModified, Head int
}

// total is every request of the path.
func (s served) total() int { return s.Full + s.NotModified + s.Head }

const recheckArticles = 120

func newRecheckSite(t *testing.T) *recheckSite {
	s := &recheckSite{t: t, articles: recheckArticles, edits: map[string]string{}, fixed: map[string]bool{}, served: map[string]*served{}}
	s.ext = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>外部网站</title></head><body>外部网站</body></html>`)
	}))
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() { s.srv.Close(); s.ext.Close() })
	return s
}

func (s *recheckSite) URL() string { return s.srv.URL + "/" }

// config is an inspection of the site without Chromium or slow probes.
func (s *recheckSite) config() config.Config {
	c := config.Default()
	c.Sites = []config.Site{{Name: "复查测试县", URL: s.URL()}}
	c.Checks.Enabled = []string{"broken-link", "sensitive-word", "typo", "privacy", "columns", "dark-link", "external-link"}
	c.Checks.DarkLink.RenderPages = 0
	c.Checks.DarkLink.CloakingPages = 0
	c.Checks.ExternalLink.FetchTargets = false
	c.Checks.BrokenLink.Soft404 = false
	c.Crawl.Rate = 1000
	c.Crawl.Concurrency = 8
	c.Crawl.AllowPrivate = true
	c.Crawl.RetryBackoff = config.Duration(10 * time.Millisecond)
	c.Content.Extract.Workers = 1
	c.Crawl.CheckpointInterval = config.Duration(200 * time.Millisecond)
	return c
}

// edit changes a page (new content, new validators).
func (s *recheckSite) edit(path, extra string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.edits[path] = extra
}

// fix removes the problem planted in a page or file.
func (s *recheckSite) fix(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixed[path] = true
}

// take returns what was served since the last call, by path.
func (s *recheckSite) take() map[string]served {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]served{}
	for p, c := range s.served {
		out[p] = *c
	}
	s.served = map[string]*served{}
	s.gets = 0
	return out
}

// sum adds up served counts.
func sum(m map[string]served) (s served) {
	for _, c := range m {
		s.Full += c.Full
		s.NotModified += c.NotModified
		s.Head += c.Head
	}
	return s
}

var recheckDay = time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)

// validID is a synthetic resident ID number with a valid check digit.
func validID() string {
	base := "53262719800101123"
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	return base + string("10X98765432"[sum%11])
}

func (s *recheckSite) content(path string) (body, ctype string, validators bool, ok bool) {
	html := func(title, main string) string {
		return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + title + `_复查测试县人民政府</title></head><body>` +
			`<div class="nav"><a href="/">首页</a> <a href="/xwdt/">新闻动态</a> <a href="/tzgg/">通知公告</a></div><div id="main">` + main + `</div>` +
			`<div class="footer">复查测试县人民政府办公室主办</div></body></html>`
	}
	date := func(i int) string { return recheckDay.AddDate(0, 0, -2-i).Format("2006-01-02") }
	switch {
	case path == "/":
		var b strings.Builder
		b.WriteString(`<h2>要闻</h2><ul>`)
		for i := range 5 {
			fmt.Fprintf(&b, `<li><a href="/a/%d.html">县政府召开第%d次常务会议</a> <span>%s</span></li>`, i, i, date(i))
		}
		b.WriteString(`</ul><a href="` + s.ext.URL + `/index.html">市人民政府</a>`)
		return html("首页", b.String()), "text/html; charset=utf-8", false, true
	case path == "/xwdt/":
		var b strings.Builder
		b.WriteString(`<ul>`)
		for i := range 20 {
			fmt.Fprintf(&b, `<li><a href="/a/%d.html">县政府召开第%d次常务会议</a> <span>%s</span></li>`, i, i, date(i))
		}
		b.WriteString(`</ul>`)
		return html("新闻动态", b.String()), "text/html; charset=utf-8", true, true
	case path == "/tzgg/":
		var b strings.Builder
		b.WriteString(`<ul>`)
		for i := range 6 {
			fmt.Fprintf(&b, `<li><a href="/a/%d.html">关于做好第%d批项目申报工作的通知</a> <span>%s</span></li>`, 100+i, i, recheckDay.AddDate(0, 0, -400-i).Format("2006-01-02"))
		}
		b.WriteString(`</ul>`)
		return html("通知公告", b.String()), "text/html; charset=utf-8", true, true
	case strings.HasPrefix(path, "/a/") && strings.HasSuffix(path, ".html"):
		var i int
		if _, err := fmt.Sscanf(path, "/a/%d.html", &i); err != nil || i < 0 || i >= s.articles {
			return "", "", false, false
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<h1>县政府召开第%d次常务会议</h1><p>发布时间：%s</p><p>会议研究了冬季安全生产工作。</p><ul>`, i, date(i))
		for k := 1; k <= 5; k++ {
			if c := i*5 + k; c < s.articles {
				fmt.Fprintf(&b, `<li><a href="/a/%d.html">相关文章%d</a></li>`, c, c)
			}
		}
		b.WriteString(`</ul><img src="/img/logo.png" alt="县徽">`)
		if i%5 == 0 {
			fmt.Fprintf(&b, `<a href="/files/%d.txt">附件%d</a>`, i, i)
		}
		switch {
		case s.fixed[path]:
		case i == 7:
			b.WriteString(`<p>警惕澳门赌场的网络广告。</p>`)
		case i == 13:
			b.WriteString(`<p>遇事不要暴燥。</p>`)
		case i == 21:
			b.WriteString(`<a href="/missing/21.html">已删除的文章</a>`)
		case i == 30:
			b.WriteString(`<div style="display:none"><a href="http://spam.example.com/a.html">澳门博彩</a></div>`)
		}
		b.WriteString(s.edits[path])
		return html(fmt.Sprintf("第%d次常务会议", i), b.String()), "text/html; charset=utf-8", true, true
	case path == "/img/logo.png":
		return "\x89PNG\r\n\x1a\n", "image/png", true, true
	case strings.HasPrefix(path, "/files/") && strings.HasSuffix(path, ".txt"):
		text := "项目申报须知\n请按时提交材料。\n"
		if path == "/files/10.txt" && !s.fixed[path] {
			text = "补贴发放名单\n张三 " + validID() + "\n"
		}
		return text + s.edits[path], "text/plain; charset=utf-8", true, true
	}
	return "", "", false, false
}

func (s *recheckSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, ctype, validators, ok := s.content(r.URL.Path)
	edited := s.edits[r.URL.Path] != "" || s.fixed[r.URL.Path]
	c := s.served[r.URL.Path]
	if c == nil {
		c = &served{}
		s.served[r.URL.Path] = c
	}
	onGet, n := s.onGet, 0
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/a/") {
		s.gets++
		n = s.gets
	}
	s.mu.Unlock()
	if onGet != nil && n > 0 {
		onGet(n)
	}
	count := func(f func(*served)) {
		s.mu.Lock()
		f(c)
		s.mu.Unlock()
	}
	if !ok {
		count(func(c *served) { c.Full++ })
		http.NotFound(w, r)
		return
	}
	if validators {
		sum := sha256.Sum256([]byte(body))
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		modified := recheckDay.AddDate(0, -1, 0)
		if edited {
			modified = recheckDay.AddDate(0, 0, 1)
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", modified.Format(http.TimeFormat))
		if inm := r.Header.Get("If-None-Match"); inm == etag && r.Method == http.MethodGet {
			count(func(c *served) { c.NotModified++ })
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", ctype)
	if r.Method == http.MethodHead {
		count(func(c *served) { c.Head++ })
		return
	}
	count(func(c *served) { c.Full++ })
	fmt.Fprint(w, body)
}
