package readers

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestHanwebColumnPage(t *testing.T) {
	const site = "http://www.example.gov.cn"
	tests := []struct {
		name      string
		fixture   string
		links     []string
		request   string // method URL\nbody, "" for none
		skipped   map[string]int
		entryDate map[string]string
	}{
		{
			name:    "datastore-records-and-jpage-post",
			fixture: "hanweb/column.html",
			links: []string{
				"hanweb:datastore|page|" + site + "/art/2026/1/12/art_1201_30011.html|关于开展2026年春季植树活动的通知|2026-01-12|entry",
				// The title attribute beats a truncated anchor text.
				"hanweb:datastore|page|" + site + "/art/2026/1/9/art_1201_30010.html|示例市2026年第一批就业见习基地名单公示|2026-01-09|entry",
				// The date inside the anchor is not part of the title.
				"hanweb:datastore|page|" + site + "/art/2026/1/5/art_1201_30009.html|关于调整城区部分公交线路的公告|2026-01-05|entry",
				// A record with a column link and an article link: the article is the entry.
				"hanweb:datastore|page|" + site + "/col/col1201/index.html|[通知公告]||",
				"hanweb:datastore|page|" + site + "/art/2025/12/30/art_1201_30008.html|示例市冬季供暖保障工作方案|2025-12-30|entry",
			},
			// perPage 2 × groupSize 2: the page holds records 1–4, the script asks for 5–8.
			request: "POST " + site + "/module/web/jpage/dataproxy.jsp?startrecord=5&endrecord=8&perpage=2\n" +
				"col=1&appid=1&webid=1&path=%2F&columnid=1201&sourceContentType=1&unitid=2405671&webname=%E7%A4%BA%E4%BE%8B%E5%B8%82%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C&permissiontype=0",
		},
		{
			name:    "ajax-param-in-a-variable",
			fixture: "hanweb/param-var.html",
			links: []string{
				"hanweb:datastore|page|" + site + "/art/2026/2/1/art_88_501.html|示例县人民政府关于印发乡村振兴实施方案的通知|2026年2月1日|entry",
			},
			request: "POST " + site + "/module/web/jpage/dataproxy.jsp?startrecord=61&endrecord=120&perpage=20\n" +
				"col=1&appid=1&webid=2&path=%2F&columnid=88&sourceContentType=1&unitid=5501&webname=%E7%A4%BA%E4%BE%8B%E5%8E%BF&permissiontype=0",
		},
		{
			name:    "get-nextgroup-without-jpage-call",
			fixture: "hanweb/nextgroup.html",
			links: []string{
				"hanweb:datastore|page|" + site + "/art/2026/3/1/art_77_1.html|部门动态第一条信息标题|03-01|entry",
			},
			request: "GET " + site + "/module/web/jpage/dataproxy.jsp?page=2&webid=1&path=/&columnid=77&unitid=900&permissiontype=0\n",
		},
		{
			name:    "malformed-datastore-keeps-what-it-can",
			fixture: "hanweb/malformed.html",
			links: []string{
				"hanweb:datastore|page|" + site + "/art/2026/1/1/art_1_1.html|第一条正常的记录标题|2026-01-01|entry",
			},
			skipped: map[string]int{"hanweb-malformed-records": 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := fixture(t, tc.fixture, site+"/col/col1201/index.html")
			res := Hanweb{}.Read(p, DefaultLimits())
			equalLines(t, "links", show(res.Links), tc.links)
			got := ""
			for _, r := range res.Requests {
				got += r.Method + " " + r.URL.String() + "\n" + r.Body
			}
			if got != tc.request {
				t.Errorf("requests:\n got %q\nwant %q", got, tc.request)
			}
			if fmt.Sprint(res.Skipped) != fmt.Sprint(tc.skipped) && !(len(res.Skipped) == 0 && len(tc.skipped) == 0) {
				t.Errorf("skipped %v, want %v", res.Skipped, tc.skipped)
			}
		})
	}
}

func TestHanwebDataproxyChain(t *testing.T) {
	const site = "http://www.example.gov.cn"
	page := fixture(t, "hanweb/column.html", site+"/col/col1201/index.html")
	first := Hanweb{}.Read(page, DefaultLimits())
	if len(first.Requests) != 1 {
		t.Fatalf("requests %v", first.Requests)
	}
	ans := answer(t, "hanweb/answer.xml", first.Requests[0])
	res := Read(ans, DefaultLimits())
	t.Run("answer-records-are-links-of-the-proxy-answer", func(t *testing.T) {
		equalLines(t, "links", show(res.Links), []string{
			"hanweb:dataproxy|page|" + site + "/art/2025/12/20/art_1201_30007.html|关于公布第二批政务服务事项清单的通知|2025-12-20|entry",
			"hanweb:dataproxy|page|" + site + "/art/2025/12/11/art_1201_30006.html|示例市防汛抗旱应急预案（修订）|2025-12-11|entry",
			"hanweb:dataproxy|page|" + site + "/art/2025/11/28/art_1201_30005.html|关于做好岁末年初安全生产工作的通知|2025-11-28|entry",
			"hanweb:dataproxy|page|" + site + "/art/2025/11/2/art_1201_30004.html|示例市政府信息公开工作年度报告|2025-11-02|entry",
		})
	})
	t.Run("next-group-while-total-says-more", func(t *testing.T) {
		if len(res.Requests) != 1 {
			t.Fatalf("requests %v", res.Requests)
		}
		r := res.Requests[0]
		if r.Method != "POST" || r.URL.RawQuery != "startrecord=9&endrecord=12&perpage=2" || r.Body != first.Requests[0].Body {
			t.Errorf("next request %s %s %q", r.Method, r.URL, r.Body)
		}
	})
	t.Run("last-group-asks-no-more", func(t *testing.T) {
		last := res.Requests[0]
		body := `<datastore><totalrecord>9</totalrecord><recordset><record><![CDATA[<li><a href="/art/2025/10/1/art_1201_30003.html">最后一条信息的标题文字</a><span>2025-10-01</span></li>]]></record></recordset></datastore>`
		r := Read(&Page{URL: last.URL, Body: []byte(body), Request: &last}, DefaultLimits())
		if len(r.Links) != 1 || len(r.Requests) != 0 {
			t.Errorf("links %v requests %v", show(r.Links), r.Requests)
		}
	})
	t.Run("endless-paging-without-total-keeps-asking-one-at-a-time", func(t *testing.T) {
		// A server that always answers a full group and no total: the reader
		// asks for one more each time; the crawler's request budget ends it.
		req := first.Requests[0]
		body := `<datastore><recordset>` + strings.Repeat(`<record><![CDATA[<li><a href="/art/x.html">同一条反复出现的记录</a></li>]]></record>`, 4) + `</recordset></datastore>`
		r := Read(&Page{URL: req.URL, Body: []byte(body), Request: &req}, DefaultLimits())
		if len(r.Requests) != 1 || r.Requests[0].URL.Query().Get("startrecord") != "9" {
			t.Errorf("requests %v", r.Requests)
		}
	})
	t.Run("answer-that-is-not-a-datastore", func(t *testing.T) {
		req := first.Requests[0]
		r := Read(&Page{URL: req.URL, Body: []byte("<html>error</html>"), Request: &req}, DefaultLimits())
		if len(r.Links) != 0 || r.Skipped["hanweb-answer-not-datastore"] != 1 {
			t.Errorf("links %v skipped %v", r.Links, r.Skipped)
		}
	})
	t.Run("get-nextgroup-stops-at-totalpage", func(t *testing.T) {
		req := Request{Reader: "hanweb", Method: "GET", URL: mustURL(t, site+"/module/web/jpage/dataproxy.jsp?page=5&webid=1")}
		r := Read(answer(t, "hanweb/answer.xml", req), DefaultLimits())
		if len(r.Requests) != 0 {
			t.Errorf("page 5 of 5 asked for %v", r.Requests)
		}
		req.URL = mustURL(t, site+"/module/web/jpage/dataproxy.jsp?page=3&webid=1")
		r = Read(answer(t, "hanweb/answer.xml", req), DefaultLimits())
		if len(r.Requests) != 1 || r.Requests[0].URL.String() != site+"/module/web/jpage/dataproxy.jsp?page=4&appid=1&webid=1&path=/&columnid=1201&unitid=2405671&webname=%E7%A4%BA%E4%BE%8B%E5%B8%82" {
			t.Errorf("page 3 asked for %v", r.Requests)
		}
	})
}

func TestHanwebNeverSendsRequestsElsewhere(t *testing.T) {
	body := `<div><script type="text/xml"><datastore><recordset></recordset></datastore></script>
<script>$('#1').jpage({proxyUrl:'http://evil.example.net/module/web/jpage/dataproxy.jsp',perPage:10,totalRecord:100,ajaxParam:{columnid:1}});</script></div>`
	p := htmlPage(t, []byte(body), "http://www.example.gov.cn/col/col1/index.html")
	if res := (Hanweb{}).Read(p, DefaultLimits()); len(res.Requests) != 0 {
		t.Errorf("requests %v", res.Requests)
	}
}

func TestHanwebRecordCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<script type="text/xml"><datastore><recordset>`)
	for i := range 50 {
		fmt.Fprintf(&b, `<record><![CDATA[<li><a href="/art/%d.html">第%d条信息标题</a></li>]]></record>`, i, i)
	}
	b.WriteString(`</recordset></datastore></script>`)
	p := htmlPage(t, []byte(b.String()), "http://www.example.gov.cn/col/col1/index.html")
	lim := DefaultLimits()
	lim.MaxEntries = 10
	res := Hanweb{}.Read(p, lim)
	if len(res.Links) != 10 || res.Skipped["hanweb-records-capped"] != 40 {
		t.Errorf("links %d skipped %v", len(res.Links), res.Skipped)
	}
}

func FuzzHanwebDatastore(f *testing.F) {
	for _, s := range []string{
		`<datastore><totalrecord>3</totalrecord><recordset><record><![CDATA[<li><a href="/a.html">标题</a><span>2026-01-01</span></li>]]></record></recordset></datastore>`,
		`<datastore><nextgroup><![CDATA[<a href="./dataproxy.jsp?page=2"></a>]]></nextgroup><record><![CDATA[`,
		`<record>&lt;a href=x&gt;</record><record>`,
		`<datastore><recordset><record><![CDATA[<a href="/b.html"><a href="/c.html">x]]></record>`,
	} {
		f.Add(s)
	}
	base, _ := url.Parse("http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=10&perpage=10")
	f.Fuzz(func(t *testing.T, s string) {
		ds := parseDatastore(s, 100)
		if len(ds.records) > 100 {
			t.Fatalf("%d records past the cap", len(ds.records))
		}
		req := Request{Reader: "hanweb", Method: "POST", URL: base}
		res := Read(&Page{URL: base, Body: []byte(s), Request: &req}, Limits{MaxEntries: 100})
		if len(res.Requests) > 1 {
			t.Fatalf("an answer asked for %d requests", len(res.Requests))
		}
		for _, l := range res.Links {
			if !l.URL.IsAbs() || l.URL.Scheme != "http" && l.URL.Scheme != "https" {
				t.Fatalf("link %v", l.URL)
			}
		}
		// The same text as a page.
		page := htmlPage(t, []byte(`<script type="text/xml">`+s+`</script><script>`+s+`</script>`), "http://www.example.gov.cn/col/col1/index.html")
		res = Hanweb{}.Read(page, Limits{MaxEntries: 100}.WithDefaults())
		for _, r := range res.Requests {
			if r.URL.Host != "www.example.gov.cn" {
				t.Fatalf("request to %v", r.URL)
			}
		}
	})
}
