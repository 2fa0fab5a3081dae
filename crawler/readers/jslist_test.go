package readers

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/internal/benchsite"
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

// TestScriptMemoAsWithout: reading pages with one memo shared by all, in
// any order and each twice, gives what reading them without it gives:
// every fixture, the benchmark site's pages, a page whose URL is not
// http (its links do not resolve), and pages whose same template script sits beside a
// script that holds a list, a JSON endpoint or a literal too deep to
// read. The template scripts are remembered; the others are not.
func TestScriptMemoAsWithout(t *testing.T) {
	const template = `var siteConfig={siteId:"1",columns:[{id:1,name:"政务公开",code:"col1"},{}]};function init(){var opts={speed:300,effect:"fade"};return opts}`
	list := `var news=[{title:"县领导调研农村人居环境整治工作",url:"/xwzx/202601/t20260115_1.html",date:"2026-01-15"},{title:"我县召开优化营商环境推进会",url:"/xwzx/202601/t20260111_2.html",date:"2026-01-11"}];`
	deep := "var x=" + strings.Repeat("[", 200) + strings.Repeat("]", 200) + ";"
	pages := map[string][]byte{
		"template":           []byte(`<html><head><script>` + template + `</script></head><body><p>正文</p></body></html>`),
		"template-and-list":  []byte(`<html><head><script>` + template + `</script></head><body><script>` + list + `</script></body></html>`),
		"list-then-template": []byte(`<html><body><script>` + list + `</script><script>` + template + `</script></body></html>`),
		"endpoint":           []byte(`<html><body><script>` + template + `</script><script>$.getJSON("api/list.json?page=1")</script></body></html>`),
		"deep":               []byte(`<html><body><script>` + template + `</script><script>` + deep + `</script></body></html>`),
		"file-url":           []byte(`<html><head><script>` + list + `</script><script>` + template + `</script></head></html>`),
		"list-alone":         []byte(`<html><body><script>` + list + `</script></body></html>`),
	}
	site := benchsite.New(benchsite.Heavy(200))
	for _, i := range []int{3, 4, 50} {
		pages["bench-"+strconv.Itoa(i)] = site.Page(i, 1)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.html"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages[f] = b
	}
	var names []string
	for n := range pages {
		names = append(names, n)
	}
	sort.Strings(names)
	read := func(name string, memo *ScriptMemo) string {
		u := "http://www.example.gov.cn/xwzx/index.html"
		if name == "file-url" {
			u = "file:///srv/www/xwzx/index.html"
		}
		p := htmlPage(t, pages[name], u)
		p.Scripts = memo
		res := Read(p, DefaultLimits())
		return fmt.Sprintf("%q %v %v %v", show(res.Links), res.Requests, res.Frames, res.Skipped)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for round := range 20 {
		memo := NewScriptMemo()
		for _, k := range rng.Perm(2 * len(names)) {
			name := names[k%len(names)]
			if got, want := read(name, memo), read(name, nil); got != want {
				t.Fatalf("round %d, %s: with the memo %s, without %s", round, name, got, want)
			}
		}
		if _, ok := memo.plain(template); !ok {
			t.Error("the template script is not remembered")
		}
		for _, s := range []string{list, deep} {
			if _, ok := memo.plain(s); ok {
				t.Errorf("%.40s… remembered", s)
			}
		}
	}
}
