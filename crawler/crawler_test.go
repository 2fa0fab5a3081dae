package crawler

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xunjian/xunjian/config"
)

// fixture is one local site with a route per crawler behaviour under test.
type fixture struct {
	srv       *httptest.Server
	mu        sync.Mutex
	hits      map[string]int
	methods   map[string][]string
	rateFirst atomic.Bool
}

func gbk(s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{hits: map[string]int{}, methods: map[string][]string{}}
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body>%s</body></html>", title, body)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		page(w, "首页", `
			<a href="/gbk.html">GBK 页面</a>
			<a href="/meta-gbk.html">meta 声明</a>
			<a href="/undeclared.html">未声明编码</a>
			<a href="/loop/a">重定向循环</a>
			<a href="/head405.pdf">只接受 GET 的附件</a>
			<a href="/ratelimited.html">限流页面</a>
			<a href="/slow.html">慢页面</a>
			<a href="/huge.html">超大页面</a>
			<a href="/cal/2024/1">日历</a>
			<a href="/missing.html">不存在的页面</a>
			<a href="/deleted.html">已删除的文章</a>
			<a href="mailto:x@example.gov.cn">信箱</a>
			<a href="javascript:void(0)">脚本</a>
			<a href="tel:0871-1234567">电话</a>
			<img src="/img/logo.png" alt="标志">
			<img src="/img/missing.png" alt="坏图">
			<form action="/search"><input name="q"></form>
			<a href="/gbk.html#top">同一页面带片段</a>
			<a href="http://localhost:1/x">本机地址的外链</a>
			<a href="/download.do?id=7">下载名单</a>`)
	})
	mux.HandleFunc("/gbk.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=gbk")
		// 𠮷 (U+20BB7) needs a 4-byte GB18030 sequence: a GBK decoder loses it.
		w.Write(gbk(`<html><head><title>县政府工作动态</title></head><body><p>𠮷祥村通知</p><a href="/gbk-child.html">下级</a></body></html>`))
	})
	mux.HandleFunc("/gbk-child.html", func(w http.ResponseWriter, r *http.Request) { page(w, "下级页面", "内容") })
	mux.HandleFunc("/meta-gbk.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(gbk(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>通知公告</title></head><body>通知</body></html>`))
	})
	mux.HandleFunc("/undeclared.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(gbk(`<html><head><title>政策文件</title></head><body>政策</body></html>`))
	})
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/b", http.StatusFound) })
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/a", http.StatusFound) })
	mux.HandleFunc("/head405.pdf", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.methods[r.URL.Path] = append(f.methods[r.URL.Path], r.Method)
		f.mu.Unlock()
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4 fake"))
	})
	mux.HandleFunc("/ratelimited.html", func(w http.ResponseWriter, r *http.Request) {
		if !f.rateFirst.Swap(true) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		page(w, "限流之后", "ok")
	})
	mux.HandleFunc("/slow.html", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/huge.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<html><body><a href=\"/gbk.html\">x</a>"))
		w.Write([]byte(strings.Repeat("大", 200_000)))
		w.Write([]byte("<a href=\"/beyond-cap.html\">cut off</a></body></html>"))
	})
	mux.HandleFunc("/cal/", func(w http.ResponseWriter, r *http.Request) {
		var y, m int
		fmt.Sscanf(r.URL.Path, "/cal/%d/%d", &y, &m)
		f.mu.Lock()
		f.hits["cal"]++
		f.mu.Unlock()
		page(w, "日历", fmt.Sprintf(`<a href="/cal/%d/%d">下个月</a>`, y+(m/12), m%12+1))
	})
	mux.HandleFunc("/deleted.html", func(w http.ResponseWriter, r *http.Request) {
		page(w, "提示信息", "<h1>您访问的页面不存在</h1>")
	})
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("User-agent: *\nDisallow: /cal/\n"))
	})
	mux.HandleFunc("/download.do", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/msword")
		w.Write([]byte("\xd0\xcf\x11\xe0 doc bytes"))
	})
	mux.HandleFunc("/img/logo.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG"))
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func testCrawlConfig(t *testing.T, home string) Config {
	c := config.Default().Crawl
	c.Timeout = config.Duration(time.Second)
	c.RetryBackoff = config.Duration(10 * time.Millisecond)
	c.Retries = 1
	c.Rate = 1000
	c.Concurrency = 4
	c.MaxPageBytes = 100_000
	c.MaxPatternChain = 4
	u, _ := url.Parse(home)
	return Config{Home: u, Crawl: c, CheckExternal: true, Soft404: true, TempDir: t.TempDir()}
}

func runCrawl(t *testing.T, cfg Config) (*Result, map[string]*Page) {
	t.Helper()
	cr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	pages := map[string]*Page{}
	res, err := cr.Run(context.Background(), func(p *Page) {
		mu.Lock()
		pages[p.URL.Path] = keptPage(p)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, pages
}

// keptPage is p as a test keeps it past onPage: the page's body buffer is
// the next page's then (bodypool.go), so its text and the strings of its
// links and entries are copied (its tree is the arena's: not read later).
func keptPage(p *Page) *Page {
	c := *p
	c.Text = bytes.Clone(p.Text)
	c.Links = make([]Link, len(p.Links))
	for i, l := range p.Links {
		u := *l.URL
		u.Scheme, u.Opaque, u.Host, u.Path, u.RawPath = strings.Clone(u.Scheme), strings.Clone(u.Opaque), strings.Clone(u.Host), strings.Clone(u.Path), strings.Clone(u.RawPath)
		u.RawQuery, u.Fragment, u.RawFragment = strings.Clone(u.RawQuery), strings.Clone(u.Fragment), strings.Clone(u.RawFragment)
		l.URL, l.Tag, l.Attr, l.Text = &u, strings.Clone(l.Tag), strings.Clone(l.Attr), strings.Clone(l.Text)
		c.Links[i] = l
	}
	c.Entries = make([]ListEntry, len(p.Entries))
	for i, e := range p.Entries {
		c.Entries[i] = ListEntry{URL: strings.Clone(e.URL), Title: strings.Clone(e.Title), Date: strings.Clone(e.Date), Where: strings.Clone(e.Where)}
	}
	return &c
}

func TestCrawlFixture(t *testing.T) {
	f := newFixture(t)
	res, pages := runCrawl(t, testCrawlConfig(t, f.srv.URL+"/"))
	failed := map[string]Failure{}
	for _, fl := range res.Failures {
		u, _ := url.Parse(fl.URL)
		failed[u.Path] = fl
	}

	t.Run("charset", func(t *testing.T) {
		for _, tc := range []struct {
			path, want, charset string
		}{
			{"/gbk.html", "𠮷祥村通知", "gb18030"},
			{"/meta-gbk.html", "通知", "gb18030"},
			{"/undeclared.html", "政策", "gb18030"},
			{"/", "首页", "utf-8"},
		} {
			p := pages[tc.path]
			if p == nil {
				t.Errorf("%s not crawled", tc.path)
				continue
			}
			if !strings.Contains(string(p.Text), tc.want) || p.Charset != tc.charset {
				t.Errorf("%s: charset %s, text lacks %q", tc.path, p.Charset, tc.want)
			}
		}
		if pages["/gbk-child.html"] == nil {
			t.Error("link on the GBK page not followed")
		}
		if ct := pages["/gbk.html"].Header.Get("Content-Type"); ct != "text/html; charset=gbk" {
			t.Errorf("page header Content-Type = %q, want the original", ct)
		}
	})
	t.Run("classes", func(t *testing.T) {
		for _, tc := range []struct{ path, class string }{
			{"/loop/a", ClassRedirectLoop},
			{"/missing.html", ClassNotFound},
			{"/img/missing.png", ClassNotFound},
			{"/slow.html", ClassTimeout},
			{"/deleted.html", ClassSoft404},
			{"/", ""},
		} {
			got := failed[tc.path].Outcome.Class
			if got != tc.class {
				t.Errorf("%s: class %q, want %q", tc.path, got, tc.class)
			}
		}
		if !failed["/missing.html"].Outcome.Confirmed() {
			t.Error("404 must be confirmed")
		}
		if to := failed["/slow.html"].Outcome; to.Attempts != 2 || !to.Confirmed() {
			t.Errorf("timeout: attempts %d confirmed %v, want 2 attempts agreeing", to.Attempts, to.Confirmed())
		}
	})
	t.Run("refs", func(t *testing.T) {
		fl := failed["/img/missing.png"]
		if fl.TotalRefs != 1 || len(fl.Refs) != 1 || fl.Refs[0].Text != "坏图" || !fl.Refs[0].Home || fl.Kind != KindImage {
			t.Errorf("refs of missing image = %+v (kind %v)", fl.Refs, fl.Kind)
		}
	})
	t.Run("head-405-falls-back-to-get", func(t *testing.T) {
		if _, ok := failed["/head405.pdf"]; ok {
			t.Error("attachment answering GET reported broken")
		}
		f.mu.Lock()
		got := strings.Join(f.methods["/head405.pdf"], ",")
		f.mu.Unlock()
		if got != "HEAD,GET" {
			t.Errorf("methods = %s, want HEAD,GET", got)
		}
	})
	t.Run("429-retry-after", func(t *testing.T) {
		if _, ok := failed["/ratelimited.html"]; ok {
			t.Error("429 then 200 reported broken")
		}
		if pages["/ratelimited.html"] == nil {
			t.Error("page after 429 not crawled")
		}
	})
	t.Run("huge-page-truncated", func(t *testing.T) {
		p := pages["/huge.html"]
		if p == nil || !p.Truncated {
			t.Fatal("huge page not truncated")
		}
		if len(p.Text) > 100_000 {
			t.Errorf("text %d bytes over the cap", len(p.Text))
		}
	})
	t.Run("trap-calendar", func(t *testing.T) {
		f.mu.Lock()
		n := f.hits["cal"]
		f.mu.Unlock()
		if n != 5 || res.SkippedReasons["trap-chain"] != 1 {
			t.Errorf("calendar fetched %d times (skipped %v), want 5 by max_pattern_chain", n, res.SkippedReasons)
		}
	})
	t.Run("private-external", func(t *testing.T) {
		var found bool
		for _, fl := range res.Failures {
			if strings.Contains(fl.URL, "localhost:1") {
				found = fl.Outcome.Class == ClassPrivate
			}
		}
		if !found {
			t.Error("external loopback link not blocked as private-address")
		}
	})
	t.Run("skipped-schemes-and-forms", func(t *testing.T) {
		for _, fl := range res.Failures {
			if strings.Contains(fl.URL, "/search") || strings.HasPrefix(fl.URL, "mailto") {
				t.Errorf("requested %s", fl.URL)
			}
		}
	})
}

func TestCancelGivesPartialResult(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := testCrawlConfig(t, f.srv.URL+"/")
	cr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	res, err := cr.Run(ctx, func(p *Page) { once.Do(cancel) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || len(res.Incomplete) == 0 {
		t.Errorf("cancelled crawl complete=%v incomplete=%v", res.Complete, res.Incomplete)
	}
}

func TestMaxPagesPerPattern(t *testing.T) {
	f := newFixture(t)
	cfg := testCrawlConfig(t, f.srv.URL+"/")
	cfg.Crawl.MaxPagesPerPattern = 2
	res, pages := runCrawl(t, cfg)
	if pages["/cal/2024/1"] == nil || pages["/cal/2024/2"] == nil || pages["/cal/2024/3"] != nil {
		t.Errorf("calendar pages crawled beyond the per-pattern cap of 2")
	}
	if res.SkippedReasons["trap-pattern"] == 0 {
		t.Errorf("skipped = %v, want trap-pattern", res.SkippedReasons)
	}
}

func TestMaxPagesCap(t *testing.T) {
	f := newFixture(t)
	cfg := testCrawlConfig(t, f.srv.URL+"/")
	cfg.Crawl.MaxPages = 3
	res, pages := runCrawl(t, cfg)
	if len(pages) != 3 || res.Complete {
		t.Errorf("crawled %d pages complete=%v, want 3 and incomplete", len(pages), res.Complete)
	}
}

func TestAttachmentsReachChecks(t *testing.T) {
	f := newFixture(t)
	cfg := testCrawlConfig(t, f.srv.URL+"/")
	var mu sync.Mutex
	got := map[string]string{}
	cfg.OnAttachment = func(a *Attachment) {
		mu.Lock()
		got[a.URL.Path] = a.Header.Get("Content-Type") + "|" + string(a.Body)
		mu.Unlock()
	}
	res, _ := runCrawl(t, cfg)
	if got["/head405.pdf"] != "application/pdf|%PDF-1.4 fake" {
		t.Errorf("pdf by extension: %q", got["/head405.pdf"])
	}
	if got["/download.do"] != "application/msword|\xd0\xcf\x11\xe0 doc bytes" {
		t.Errorf("document by content type: %q", got["/download.do"])
	}
	f.mu.Lock()
	methods := strings.Join(f.methods["/head405.pdf"], ",")
	f.mu.Unlock()
	if methods != "GET" {
		t.Errorf("attachment requested with %s, want one GET", methods)
	}
	if res.Stats.Attachments < 2 {
		t.Errorf("attachments counted: %d", res.Stats.Attachments)
	}
}

func TestRobotsTxtOptIn(t *testing.T) {
	f := newFixture(t)
	cfg := testCrawlConfig(t, f.srv.URL+"/")
	cfg.Crawl.RobotsTxt = true
	res, pages := runCrawl(t, cfg)
	if pages["/cal/2024/1"] != nil {
		t.Error("crawled a page robots.txt disallows")
	}
	if res.SkippedReasons["robots-txt"] != 1 {
		t.Errorf("skipped %v, want robots-txt 1", res.SkippedReasons)
	}
	for _, fl := range res.Failures {
		if strings.Contains(fl.URL, "/cal/") {
			t.Errorf("robots-disallowed page reported as failure: %+v", fl)
		}
	}
}

// TestProgressWhileRunning: a progress line reads the crawler's counters
// from its own goroutine, from before Run starts until after it returns
// (under -race this found Run's start time written unguarded; CI failure
// in cmd/xunjian's TestProgressShowsPhases).
func TestProgressWhileRunning(t *testing.T) {
	f := newFixture(t)
	cr, err := New(testCrawlConfig(t, f.srv.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	if p := cr.Progress(); p.Elapsed != 0 || p.Pages != 0 {
		t.Fatalf("progress before Run = %+v, want zero", p)
	}
	stop := make(chan struct{})
	polled := make(chan Progress)
	go func() {
		var last Progress
		for {
			select {
			case <-stop:
				polled <- last
				return
			default:
				last = cr.Progress()
			}
		}
	}()
	if _, err := cr.Run(context.Background(), func(*Page) {}); err != nil {
		t.Fatal(err)
	}
	close(stop)
	last := <-polled
	if p := cr.Progress(); p.Elapsed <= 0 || p.Pages == 0 || p.Pages < last.Pages {
		t.Errorf("progress after Run = %+v (last polled %+v), want elapsed time and pages", p, last)
	}
}
