package crawler

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/xunjian/xunjian/crawler/readers"
)

// cmsSite serves one page of each CMS shape the readers read, with a
// broken link reachable only through that shape.
type cmsSite struct {
	srv      *httptest.Server
	mu       sync.Mutex
	proxy    []string // dataproxy requests: "METHOD query|body|referer|xhr"
	endless  bool
	requests map[string]int
}

func newCMSSite(t *testing.T) *cmsSite {
	t.Helper()
	s := &cmsSite{requests: map[string]int{}}
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><head><meta charset=\"utf-8\"><title>测试</title></head><body>%s</body></html>", body)
	}
	record := func(path, title, date string) string {
		return fmt.Sprintf(`<record><![CDATA[<li><a href="%s" title="%s">%s</a><span>%s</span></li>]]></record>`, path, title, title, date)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		switch r.URL.Path {
		case "/":
			page(w, `<meta http-equiv="refresh" content="0;url=/site/index.html">`)
		case "/site/index.html":
			page(w, `<a href="/col/col7/index.html">通知公告</a> <a href="/trs/index.html">工作动态</a>
<a href="/js/index.html">图片新闻</a> <a href="/frame/index.html">信息公开</a> <a href="/a/1.html">正文</a> <a href="/loop/a.html">互相嵌套</a>`)
		case "/col/col7/index.html":
			page(w, `<div id="88"><script type="text/xml"><datastore><recordset>`+
				record("/art/1.html", "第一组的第一条信息", "2026-01-10")+record("/art/2.html", "第一组的第二条信息", "2026-01-09")+
				`</recordset></datastore></script></div>
<script>$('#88').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:1,totalRecord:4,groupSize:2,ajaxParam:{col:1,webid:1,columnid:7,unitid:'88',webname:'测试站'}});</script>`)
		case "/art/1.html", "/art/2.html", "/art/3.html", "/trs/index_1.html", "/js/ok.html", "/frame/list.html":
			page(w, `<p>正文</p>`)
		case "/trs/index.html":
			page(w, `<script>createPageHTML(3, 0, "index", "html");</script>`)
		case "/trs/index_2.html":
			page(w, `<a href="/trs/gone.html">只在第三页的文章</a>`)
		case "/js/index.html":
			page(w, `<script>var itemObj=[{"aT":"脚本列表里的好文章","aPd":"2026-01-02","aU":"/js/ok.html"},{"aT":"脚本列表里的坏链接","aPd":"2026-01-01","aU":"/js/gone.html"}];</script>`)
		case "/frame/index.html":
			page(w, `<iframe src="/frame/list.html" width="100%" height="600"></iframe>`)
		case "/loop/a.html":
			page(w, `<iframe src="/loop/b.html" width="100%"></iframe>`)
		case "/loop/b.html":
			page(w, `<iframe src="/loop/a.html" width="100%"></iframe>`)
		case "/a/1.html":
			page(w, `<a href="/module/download/downfile.jsp?classid=0&filename=ab12.xlsx">附件：名单</a>`)
		case "/module/download/downfile.jsp":
			// A JSP gateway: the file comes labelled text/html.
			w.Header().Set("Content-Type", "text/html; charset=GBK")
			w.Header().Set("Content-Disposition", "attachment; filename=\""+string(gbk("名单.xlsx"))+"\"")
			w.Write([]byte("PK\x03\x04 xlsx bytes"))
		default:
			http.NotFound(w, r)
		}
	})
	mux.HandleFunc("/module/web/jpage/dataproxy.jsp", func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		r.ParseForm()
		s.mu.Lock()
		s.proxy = append(s.proxy, fmt.Sprintf("%s %s|%s|%s|%s", r.Method, r.URL.RawQuery, r.PostForm.Encode(), r.Referer(), r.Header.Get("X-Requested-With")))
		endless := s.endless
		s.mu.Unlock()
		if r.Method != http.MethodPost || r.PostForm.Get("columnid") != "7" || r.PostForm.Get("unitid") != "88" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		if endless {
			// Always a full group, never a total: endless paging.
			fmt.Fprint(w, `<datastore><recordset>`+record("/art/3.html", "翻不完的分页里的条目", "2025-12-01")+record("/art/3.html", "翻不完的分页里的条目", "2025-12-01")+`</recordset></datastore>`)
			return
		}
		fmt.Fprint(w, `<datastore><totalrecord>4</totalrecord><recordset>`+
			record("/art/3.html", "第二组里的正常信息", "2025-12-20")+record("/art/gone.html", "只在第二组里的坏链接", "2025-12-10")+
			`</recordset></datastore>`)
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *cmsSite) count(r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	s.mu.Unlock()
}

func TestReadersInTheCrawl(t *testing.T) {
	s := newCMSSite(t)
	cfg := testCrawlConfig(t, s.srv.URL+"/")
	cfg.Crawl.MaxDepth = 2
	var mu sync.Mutex
	var attachments []string
	cfg.OnAttachment = func(a *Attachment) {
		mu.Lock()
		attachments = append(attachments, a.URL.Path+"|"+a.Name+"|"+string(a.Body[:2]))
		mu.Unlock()
	}
	res, pages := runCrawl(t, cfg)
	u := func(p string) string { return s.srv.URL + p }
	failed := map[string]Failure{}
	for _, f := range res.Failures {
		failed[f.URL] = f
	}
	refOf := func(target string) (Ref, bool) {
		f, ok := failed[u(target)]
		if !ok || len(f.Refs) == 0 {
			return Ref{}, false
		}
		return f.Refs[0], true
	}

	t.Run("meta-refresh-followed-like-a-redirect", func(t *testing.T) {
		// MaxDepth 2: the refresh target is at depth 0, so the columns two
		// hops from it are crawled.
		p := pages["/site/index.html"]
		if p == nil || p.Depth != 0 || !p.Home {
			t.Fatalf("refresh target page %+v", p)
		}
		if pages["/trs/index_2.html"] == nil {
			t.Error("pages two hops below the refresh target not crawled")
		}
	})
	t.Run("broken-link-only-in-dataproxy-group-2", func(t *testing.T) {
		ref, ok := refOf("/art/gone.html")
		if !ok || ref.Page != u("/col/col7/index.html") || ref.Text != "只在第二组里的坏链接" || ref.Tag != "hanweb:dataproxy" {
			t.Errorf("failure %+v ref %+v", failed[u("/art/gone.html")], ref)
		}
	})
	t.Run("dataproxy-request-is-the-pages-own", func(t *testing.T) {
		s.mu.Lock()
		defer s.mu.Unlock()
		want := "POST startrecord=3&endrecord=4&perpage=1|col=1&columnid=7&unitid=88&webid=1&webname=%E6%B5%8B%E8%AF%95%E7%AB%99|" + u("/col/col7/index.html") + "|XMLHttpRequest"
		if !slices.Equal(s.proxy, []string{want}) {
			t.Errorf("proxy requests\n got %q\nwant %q", s.proxy, want)
		}
	})
	t.Run("entries-with-dates-from-both-groups", func(t *testing.T) {
		p := pages["/col/col7/index.html"]
		if p == nil {
			t.Fatal("column page not crawled")
		}
		var got []string
		for _, e := range p.Entries {
			got = append(got, strings.TrimPrefix(e.URL, s.srv.URL)+"|"+e.Title+"|"+e.Date+"|"+e.Where)
		}
		want := []string{
			"/art/1.html|第一组的第一条信息|2026-01-10|hanweb:datastore",
			"/art/2.html|第一组的第二条信息|2026-01-09|hanweb:datastore",
			"/art/3.html|第二组里的正常信息|2025-12-20|hanweb:dataproxy",
			"/art/gone.html|只在第二组里的坏链接|2025-12-10|hanweb:dataproxy",
		}
		if !slices.Equal(got, want) {
			t.Errorf("entries\n got %q\nwant %q", got, want)
		}
	})
	t.Run("trs-pager-pages-crawled", func(t *testing.T) {
		ref, ok := refOf("/trs/gone.html")
		if !ok || ref.Page != u("/trs/index_2.html") || pages["/trs/index_1.html"] == nil {
			t.Errorf("ref %+v ok %v", ref, ok)
		}
		if _, ok := failed[u("/trs/index_3.html")]; ok {
			t.Error("pager expanded past its count")
		}
	})
	t.Run("js-literal-entry-checked", func(t *testing.T) {
		ref, ok := refOf("/js/gone.html")
		if !ok || ref.Page != u("/js/index.html") || ref.Text != "脚本列表里的坏链接" || ref.Tag != "jslist:script" {
			t.Errorf("ref %+v ok %v", ref, ok)
		}
	})
	t.Run("framed-list-belongs-to-framing-page", func(t *testing.T) {
		p := pages["/frame/list.html"]
		if p == nil || p.FramedBy == nil || p.FramedBy.String() != u("/frame/index.html") {
			t.Errorf("framed page %+v", p)
		}
	})
	t.Run("frames-framing-each-other", func(t *testing.T) {
		a, b := pages["/loop/a.html"], pages["/loop/b.html"]
		if a == nil || b == nil || a.FramedBy != nil || b.FramedBy == nil || b.FramedBy.Path != "/loop/a.html" {
			t.Errorf("a %+v b %+v", a, b)
		}
	})
	t.Run("gateway-download-is-an-attachment", func(t *testing.T) {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(attachments, []string{"/module/download/downfile.jsp|名单.xlsx|PK"}) {
			t.Errorf("attachments %q", attachments)
		}
		if pages["/module/download/downfile.jsp"] != nil {
			t.Error("gateway parsed as a page")
		}
	})
	t.Run("exact-failures", func(t *testing.T) {
		var got []string
		for _, f := range res.Failures {
			got = append(got, strings.TrimPrefix(f.URL, s.srv.URL)+" "+f.Outcome.Class)
		}
		want := []string{"/art/gone.html not-found", "/js/gone.html not-found", "/trs/gone.html not-found"}
		if !slices.Equal(got, want) {
			t.Errorf("failures %q, want %q", got, want)
		}
	})
}

func TestReaderRequestsAreBounded(t *testing.T) {
	s := newCMSSite(t)
	s.endless = true
	cfg := testCrawlConfig(t, s.srv.URL+"/col/col7/index.html")
	cfg.Readers = readers.Limits{MaxRequests: 5}
	res, pages := runCrawl(t, cfg)
	s.mu.Lock()
	n := len(s.proxy)
	s.mu.Unlock()
	if n != 5 {
		t.Errorf("%d dataproxy requests, want the cap of 5", n)
	}
	if res.SkippedReasons["reader-requests-capped"] != 1 {
		t.Errorf("skipped %v", res.SkippedReasons)
	}
	if p := pages["/col/col7/index.html"]; p == nil || len(p.Entries) != 2+5*2 {
		t.Errorf("entries %d", len(p.Entries))
	}
}

func TestReaderRequestsCountAgainstMaxPages(t *testing.T) {
	s := newCMSSite(t)
	s.endless = true
	cfg := testCrawlConfig(t, s.srv.URL+"/col/col7/index.html")
	cfg.Crawl.MaxPages = 3
	res, _ := runCrawl(t, cfg)
	s.mu.Lock()
	n := len(s.proxy)
	s.mu.Unlock()
	if n != 2 || res.Complete {
		t.Errorf("%d dataproxy requests with max_pages 3 (home + 2), complete=%v", n, res.Complete)
	}
}

func TestMergeReaderLinks(t *testing.T) {
	cr, err := New(testCrawlConfig(t, "http://www.example.gov.cn/"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := url.Parse("http://www.example.gov.cn/a/index.html")
	markup, _ := url.Parse("http://www.example.gov.cn/download.do?id=1")
	p := &Page{FinalURL: page, Links: []Link{{URL: markup, Kind: KindPage, Tag: "a", Attr: "href", Text: "报名表"}}}
	target, _ := url.Parse("http://www.example.gov.cn/site/")
	cr.mergeReaderLinks(p, []readers.Link{
		{URL: markup, Kind: readers.KindAttachment, Text: "别的文字", Where: "gateway"},
		{URL: target, Kind: readers.KindPage, Text: "自动跳转", Where: "meta-refresh", Redirect: true},
		{URL: mustParse("http://www.example.gov.cn/b.PDF"), Kind: readers.KindPage, Text: "文件", Where: "jslist:script", Entry: true, Date: "2026-01-01"},
	})
	var got []string
	for _, l := range p.Links {
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%v", l.URL, l.Kind, l.Tag, l.Text, l.Redirect))
	}
	want := []string{
		"http://www.example.gov.cn/download.do?id=1|attachment|a|报名表|false", // markup anchor kept, kind upgraded
		"http://www.example.gov.cn/site/|link|meta-refresh|自动跳转|true",
		"http://www.example.gov.cn/b.PDF|attachment|jslist:script|文件|false", // by extension
	}
	if !slices.Equal(got, want) {
		t.Errorf("links\n got %q\nwant %q", got, want)
	}
	if len(p.Entries) != 1 || p.Entries[0].Date != "2026-01-01" {
		t.Errorf("entries %+v", p.Entries)
	}
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
