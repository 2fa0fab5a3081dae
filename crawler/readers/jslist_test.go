package readers

import (
	"net/http"
	"strings"
	"testing"
)

func TestJSList(t *testing.T) {
	const dir = "http://www.example.gov.cn/xwzx/tpxw/"
	t.Run("item-array-in-a-script", func(t *testing.T) {
		res := JSList{}.Read(fixture(t, "jslist/itemobj.html", dir+"index.html"), DefaultLimits())
		equalLines(t, "links", show(res.Links), []string{
			"jslist:script|page|" + dir + "202601/t20260115_5520011.html|县领导调研农村人居环境整治工作|2026-01-15|entry",
			"jslist:script|page|" + dir + "202601/t20260111_5520001.html|我县召开优化营商环境推进会|2026-01-11|entry",
			// Unquoted keys, single quotes, a trailing comma and a comment.
			"jslist:script|page|http://www.example.gov.cn/xwzx/tpxw/202601/t20260107_5519900.html|全县安全生产检查工作有序开展|2026/01/07|entry",
			// An array of arrays is a list too.
			"jslist:script|page|http://www.example.gov.cn/zwgk/gzyd/2026.html|政务公开工作要点|2026-01-03|entry",
		})
	})
	t.Run("configuration-objects-are-not-lists", func(t *testing.T) {
		// A jpage call's {proxyUrl:'….jsp', barPosition:'bottom', ajaxParam:
		// {path:'/', webname:'示例市人民政府'}} has link- and title-like
		// values but is no list: no entry, no link to check.
		res := JSList{}.Read(fixture(t, "hanweb/column.html", "http://www.example.gov.cn/col/col1201/index.html"), DefaultLimits())
		if len(res.Links) != 0 {
			t.Errorf("links %v", show(res.Links))
		}
	})
	t.Run("json-endpoint-named-in-a-script", func(t *testing.T) {
		res := JSList{}.Read(fixture(t, "jslist/endpoint.html", "http://www.example.gov.cn/gkml/index.html"), DefaultLimits())
		if len(res.Requests) != 1 || res.Requests[0].Method != "GET" ||
			res.Requests[0].URL.String() != "http://www.example.gov.cn/gkml/api/list.json?page=1&sid=" {
			t.Errorf("requests %v (other hosts are never asked)", res.Requests)
		}
	})
	t.Run("json-answer-with-unix-times", func(t *testing.T) {
		req := Request{Reader: "jslist", Method: "GET", URL: mustURL(t, "http://www.example.gov.cn/gkml/api/list.json?page=1")}
		res := Read(answer(t, "jslist/articles.json", req), DefaultLimits())
		equalLines(t, "links", show(res.Links), []string{
			"jslist:endpoint|page|http://www.example.gov.cn/gkml/content/post_101.html|示例市关于进一步做好稳就业工作的通知|2026-01-01|entry",
			"jslist:endpoint|page|http://www.example.gov.cn/gkml/content/post_102.html|示例市2025年国民经济和社会发展统计公报|2025-12-19|entry",
			"jslist:endpoint|page|http://www.example.gov.cn/gkml/content/post_103.html|没有日期的信息条目也要读出||entry",
		})
	})
	t.Run("jsonp-push", func(t *testing.T) {
		req := Request{Reader: "jslist", Method: "GET", URL: mustURL(t, "http://www.example.gov.cn/pushinfo/pushinfo.jsonp")}
		res := Read(answer(t, "jslist/pushinfo.jsonp", req), DefaultLimits())
		equalLines(t, "links", show(res.Links), []string{
			"jslist:endpoint|page|http://www.example.gov.cn/zhengce/content/2026-01/10/content_9001.htm|国务院办公厅关于示例事项的通知|2026-01-10|entry",
			"jslist:endpoint|page|http://www.example.gov.cn/lianbo/2026-01/09/content_9000.htm|示例部委发布年度工作要点|2026-01-09|entry",
		})
	})
}

func TestJSListBounds(t *testing.T) {
	t.Run("huge-literal-is-capped", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("var list = [")
		for range 5000 {
			b.WriteString(`{"t":"这是一条很长的列表标题文字","u":"/a/b.html","d":"2026-01-01"},`)
		}
		b.WriteString("];")
		lim := DefaultLimits()
		lim.MaxEntries = 100
		res := JSList{}.Read(&Page{URL: mustURL(t, "http://x.gov.cn/"), Body: []byte(b.String()), Request: &Request{Reader: "jslist"}, Header: http.Header{}}, lim)
		if len(res.Links) > 100 || len(res.Skipped) == 0 {
			t.Errorf("%d links, skipped %v", len(res.Links), res.Skipped)
		}
	})
	t.Run("deep-nesting-is-refused", func(t *testing.T) {
		body := "var x = " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
		res := JSList{}.Read(&Page{URL: mustURL(t, "http://x.gov.cn/"), Body: []byte(body), Request: &Request{Reader: "jslist"}}, DefaultLimits())
		if res.Skipped["jslist-literal-too-large"] != 1 {
			t.Errorf("skipped %v", res.Skipped)
		}
	})
	t.Run("unterminated-strings-do-not-rescan-forever", func(t *testing.T) {
		body := strings.Repeat("=[", 300000)
		res := JSList{}.Read(&Page{URL: mustURL(t, "http://x.gov.cn/"), Body: []byte(body), Request: &Request{Reader: "jslist"}}, DefaultLimits())
		if res.Skipped["jslist-scan-capped"] != 1 {
			t.Errorf("skipped %v", res.Skipped)
		}
	})
}

func FuzzJSLiteral(f *testing.F) {
	for _, s := range []string{
		`var itemObj = [{"aT":"标题","aPd":"2026-01-01","aU":"./a.html"}];`,
		`cb([{title:'x', link:"/a.htm", pubDate: 1767225600}])`,
		`{"articles":[{"title":"中文标题","url":"/p.html","date":1722441600000}]}`,
		`[[` + "`" + `a` + "`" + `, '\u4e2d\ud83d\ude00', "/x.html"]]`,
		`x = {a: function(){ return [1,2,{b:3}] }, c: 'd' + "e"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lim := Limits{MaxEntries: 50, MaxNesting: 20}.WithDefaults()
		res := JSList{}.Read(&Page{URL: mustURL(t, "http://www.example.gov.cn/a/"), Body: []byte(s), Request: &Request{Reader: "jslist"}}, lim)
		if len(res.Links) > 50 {
			t.Fatalf("%d links past the cap", len(res.Links))
		}
		for _, l := range res.Links {
			if l.URL.Scheme != "http" && l.URL.Scheme != "https" {
				t.Fatalf("link %v", l.URL)
			}
		}
		if v, end, err := parseLiteral(s, 0, 20, 1000); err == nil && (v == nil || end > len(s)) {
			t.Fatalf("parse ok but value %v end %d", v, end)
		}
	})
}
