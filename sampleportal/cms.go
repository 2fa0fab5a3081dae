package sampleportal

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xunjian/xunjian/internal/fixtures"
)

// The CMS zoo: columns shaped like the platforms most government portals
// run on (our own markup modelled on their public pages, see
// crawler/readers), each with one problem reachable only through its
// shape, and decoys.
//
//   - Hanweb (大汉 JCMS) column /col/col1201/: entries in a <script
//     type="text/xml"> datastore, further groups only through the POST the
//     page's jpage script makes to /module/web/jpage/dataproxy.jsp. Planted:
//     a deleted article listed only in the second group.
//   - TRS WCM column /zwdt/xzdt/: pager written by createPageHTML(3, 0,
//     "index", "html"). Planted: a deleted article linked only from
//     index_2.html. Decoy: the articles' OLDSRC editor paths (never
//     requested by browsers, absent on the server).
//   - A list held in a JavaScript literal (var itemObj = […]) and a JSON
//     endpoint at /tpxw/. Planted: a deleted item in the literal.
//   - 政府信息公开 at /zfxxgk/ frames its list from /gkml/list.html. Planted:
//     the framed list is 400 days old, so the framing column is stale.
//   - Meta refresh start pages: /zmhd/ refreshes to a deleted page
//     (planted), /bsfw/ to a working one (decoy).
//   - Download gateways on a Hanweb article: downfile.jsp serves a
//     spreadsheet with a resident's ID number labelled text/html; charset=GBK
//     with a GBK Content-Disposition name (planted); download.do answers 429
//     once, then a clean form with an RFC 5987 name (decoy).

// cmsZone is the homepage's block of links into the zoo.
const cmsZone = `<h2>政务公开专区</h2>
<p><a href="/col/col1201/index.html">公示公告</a> <a href="/zwdt/xzdt/index.html">乡镇动态</a> <a href="/tpxw/index.html">图片新闻</a>
<a href="/zfxxgk/index.html">政府信息公开</a> <a href="/zmhd/">政民互动</a> <a href="/bsfw/">办事服务</a></p>`

// hanwebArticle is the path of the Hanweb column's article n, published
// age days before the run.
func hanwebArticle(n, age int) string {
	d := ago(age)
	return fmt.Sprintf("/art/%d/%d/%d/art_1201_%d.html", d.Year(), int(d.Month()), d.Day(), n)
}

// hanwebAges are the ages of the column's ten records, newest first; the
// page holds the first group (perPage 3 × groupSize 2), dataproxy the rest.
// Record 9 was deleted.
var hanwebAges = []int{3, 6, 9, 15, 21, 28, 35, 44, 52, 63}

const hanwebDeleted = 9

// trsArticle is the path of the TRS column's article n, age days old.
func trsArticle(n, age int) string {
	d := ago(age)
	return fmt.Sprintf("/zwdt/xzdt/%s/t%s_%d.html", d.Format("200601"), d.Format("20060102"), 4410000+n)
}

// The TRS column's pages: index.html, index_1.html, index_2.html.
var trsPages = [][]struct{ n, age int }{
	{{1, 2}, {2, 5}, {3, 8}},
	{{4, 16}, {5, 23}},
	{{6, 31}, {7, 45}, {9, 58}}, // article 9 was deleted
}

const trsDeleted = 9

// jsItems are the JavaScript-literal list at /tpxw/: title, path, age.
var jsItems = []struct {
	title, path string
	age         int
}{
	{"县领导调研农村人居环境整治工作", "/tpxw/2026/tp1.html", 1},
	{"全县冬季安全生产检查有序开展", "/tpxw/2026/tp2.html", 4},
	{"示例县举办返乡创业培训班", "/tpxw/2026/tp3.html", 9},
	{"图片新闻：乡村道路提档升级", "/tpxw/2025/tp-old.html", 20}, // deleted
}

const jsDeleted = "/tpxw/2025/tp-old.html"

// gatewayURL is the planted download gateway's path and query.
const gatewayURL = "/module/download/downfile.jsp?classid=0&filename=7a1c52e9d04b.xlsx"

var (
	hanwebArticleRE = regexp.MustCompile(`^/art/\d{4}/\d{1,2}/\d{1,2}/art_1201_(\d+)\.html$`)
	trsArticleRE    = regexp.MustCompile(`^/zwdt/xzdt/\d{6}/t\d{8}_(\d+)\.html$`)
)

func (p *Portal) cmsHandlers(mux *http.ServeMux) {
	d := func(n int) string { return ago(n).Format("2006-01-02") }
	// An article of the zoo: PubDate meta dates it, as real articles do.
	article := func(w http.ResponseWriter, column, title string, age int, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		html := fmt.Sprintf(layout, column, title, "<h1>"+title+"</h1>"+body, today())
		html = strings.Replace(html, "<title>", `<meta name="PubDate" content="`+ago(age).Format("2006-01-02 15:04")+`"><title>`, 1)
		w.Write([]byte(html))
	}

	// Hanweb column and its dataproxy.
	mux.HandleFunc("/col/col1201/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		if r.URL.Path != "/col/col1201/index.html" && r.URL.Path != "/col/col1201/" {
			http.NotFound(w, r)
			return
		}
		var b strings.Builder
		b.WriteString(`<div id="5501"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=1201&unitid=5501&permissiontype=0"></a>]]></nextgroup><recordset>`)
		for i, age := range hanwebAges[:6] {
			fmt.Fprintf(&b, "\n<record><![CDATA[<li><a href=\"%s\" title=\"公示公告第%d号\" target=\"_blank\">公示公告第%d号</a><span>%s</span></li>]]></record>", hanwebArticle(i+1, age), i+1, i+1, d(age))
		}
		b.WriteString(`
</recordset></datastore></script></div>
<script type="text/javascript">
if (window.jQuery) { $(document).ready(function(){ $('#5501').jpage({dataStore: dataStore, proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage:3, totalRecord:10, groupSize:2, barPosition:'bottom', ajaxParam:{col:1,appid:1,webid:1,path:'/',columnid:1201,sourceContentType:1,unitid:'5501',webname:'示例县人民政府',permissiontype:0}}); }); }
</script>`)
		page(w, "公示公告", "公示公告", b.String())
	})
	mux.HandleFunc("/module/web/jpage/dataproxy.jsp", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		r.ParseForm()
		// Only the request the page's script makes gets records.
		if r.Method != http.MethodPost || r.PostForm.Get("columnid") != "1201" || r.PostForm.Get("unitid") != "5501" ||
			r.URL.Query().Get("startrecord") != "7" || r.URL.Query().Get("endrecord") != "12" || r.URL.Query().Get("perpage") != "3" {
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.Write([]byte(`<datastore><totalrecord>0</totalrecord><recordset></recordset></datastore>`))
			return
		}
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>10</totalrecord><totalpage>4</totalpage><recordset>`)
		for i := 6; i < len(hanwebAges); i++ {
			n := i + 1
			title := fmt.Sprintf("公示公告第%d号", n)
			if n == hanwebDeleted {
				title = "关于第二批惠民项目的公示（已撤下）"
			}
			fmt.Fprintf(&b, "\n<record><![CDATA[<li><a href=\"%s\" title=\"%s\" target=\"_blank\">%s</a><span>%s</span></li>]]></record>", hanwebArticle(n, hanwebAges[i]), title, title, d(hanwebAges[i]))
		}
		b.WriteString("\n</recordset></datastore>")
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("/art/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		m := hanwebArticleRE.FindStringSubmatch(r.URL.Path)
		n := 0
		if m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		if n < 1 || n > len(hanwebAges) || n == hanwebDeleted || r.URL.Path != hanwebArticle(n, hanwebAges[n-1]) {
			http.NotFound(w, r)
			return
		}
		body := "<p>现将有关事项公示如下。</p>"
		if n == 1 {
			body += `<p><a href="` + gatewayURL + `">附件：2026年临时救助对象名单</a></p>
<p><a href="/download.do?id=1024">附件：申请表</a></p>`
		}
		article(w, "公示公告", fmt.Sprintf("公示公告第%d号", n), hanwebAges[n-1], body)
	})
	mux.HandleFunc("/module/download/downfile.jsp", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		if r.URL.Query().Get("filename") != "7a1c52e9d04b.xlsx" {
			http.NotFound(w, r)
			return
		}
		// A JSP gateway keeps its page's content type; the file name is GBK.
		name, _ := simplifiedchinese.GBK.NewEncoder().String("2026年临时救助对象名单.xlsx")
		w.Header().Set("Content-Type", "text/html; charset=GBK")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Write(gatewayXLSX)
	})
	mux.HandleFunc("/download.do", func(w http.ResponseWriter, r *http.Request) {
		// Rate limited once, then a clean form: no finding.
		if p.hit(r) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if r.URL.Query().Get("id") != "1024" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="form.docx"; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8.docx`)
		w.Write(gatewayDOCX)
	})

	// TRS column: pager by script, articles by date, editor paths.
	mux.HandleFunc("/zwdt/xzdt/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		idx := -1
		switch r.URL.Path {
		case "/zwdt/xzdt/", "/zwdt/xzdt/index.html":
			idx = 0
		case "/zwdt/xzdt/index_1.html":
			idx = 1
		case "/zwdt/xzdt/index_2.html":
			idx = 2
		}
		if idx >= 0 {
			var b strings.Builder
			b.WriteString(`<table class="list">`)
			for _, a := range trsPages[idx] {
				path := trsArticle(a.n, a.age)
				fmt.Fprintf(&b, "\n<tr><td><a href=\".%s\">乡镇动态第%d号</a></td><td>%s</td></tr>", strings.TrimPrefix(path, "/zwdt/xzdt"), a.n, d(a.age))
			}
			b.WriteString(`</table>
<script>
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){ return; }
	for(var i=0; i<_nPageCount; i++){
		var href = i == 0 ? _sPageName+"."+_sPageExt : _sPageName+"_"+i+"."+_sPageExt;
		document.write(i == _nCurrIndex ? (i+1)+" " : "<a href=\""+href+"\">"+(i+1)+"</a> ");
	}
}
</script>
<div class="fy"><script>createPageHTML(3, ` + strconv.Itoa(idx) + `, "index", "html");</script></div>`)
			page(w, "乡镇动态", "乡镇动态", b.String())
			return
		}
		m := trsArticleRE.FindStringSubmatch(r.URL.Path)
		for _, pg := range trsPages {
			for _, a := range pg {
				if m == nil || a.n == trsDeleted || r.URL.Path != trsArticle(a.n, a.age) {
					continue
				}
				stamp := ago(a.age).Format("20060102")
				article(w, "乡镇动态", fmt.Sprintf("乡镇动态第%d号", a.n), a.age, `<div class="TRS_Editor"><p>各乡镇认真落实冬季防火工作部署。</p>
<p><img src="/images/banner.png" OLDSRC="W0`+stamp+`5521.png" alt="工作现场"></p>
<p><a href="./P0`+stamp+`5521.pdf" OLDSRC="/protect/P0`+stamp[:6]+`/P0`+stamp+`/P0`+stamp+`5521.pdf">附件：工作简报.pdf</a></p></div>`)
				return
			}
		}
		if strings.HasSuffix(r.URL.Path, "5521.pdf") {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(trsPDF)
			return
		}
		http.NotFound(w, r)
	})

	// A list in a JavaScript literal, and a JSON endpoint.
	mux.HandleFunc("/tpxw/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		switch r.URL.Path {
		case "/tpxw/", "/tpxw/index.html":
			var items []string
			for _, it := range jsItems {
				items = append(items, fmt.Sprintf(`{"aT":"%s","aPd":"%s","aU":"%s","aPic":"/images/banner.png"}`, it.title, d(it.age), it.path))
			}
			page(w, "图片新闻", "图片新闻", `<ul class="pic-list" id="tpxw"></ul>
<script type="text/javascript">
var itemObj = [`+strings.Join(items, ",\n")+`];
for (var i = 0; i < itemObj.length; i++) {
	document.getElementById('tpxw').innerHTML += '<li><img src="' + itemObj[i].aPic + '"><a href="' + itemObj[i].aU + '">' + itemObj[i].aT + '</a><span>' + itemObj[i].aPd + '</span></li>';
}
if (window.fetch) { fetch('/tpxw/more.json').then(function(r){ return r.json(); }); }
</script>`)
		case "/tpxw/more.json":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			fmt.Fprintf(w, `{"total":1,"articles":[{"title":"图片新闻：全县冬季农田水利建设","url":"/tpxw/2026/tp4.html","first_publish_time":%d}]}`, ago(12).Unix())
		case jsDeleted:
			http.NotFound(w, r)
		default:
			for _, it := range append(jsItems, struct {
				title, path string
				age         int
			}{"图片新闻：全县冬季农田水利建设", "/tpxw/2026/tp4.html", 12}) {
				if it.path == r.URL.Path {
					article(w, "图片新闻", it.title, it.age, "<p>图片新闻正文。</p>")
					return
				}
			}
			http.NotFound(w, r)
		}
	})

	// 政府信息公开 frames its list from another system.
	mux.HandleFunc("/zfxxgk/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		if r.URL.Path != "/zfxxgk/" && r.URL.Path != "/zfxxgk/index.html" {
			http.NotFound(w, r)
			return
		}
		page(w, "政府信息公开", "政府信息公开", `<iframe id="xxgkframe" src="/gkml/list.html" width="100%" height="600" frameborder="0" scrolling="no"></iframe>`)
	})
	mux.HandleFunc("/gkml/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		switch r.URL.Path {
		case "/gkml/list.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<html><head><meta charset="utf-8"><title>目录</title></head><body><ul>
<li><a href="/gkml/1.html" target="_parent">示例县机构职能概况</a><span>%s</span></li>
<li><a href="/gkml/2.html" target="_parent">示例县领导分工情况</a><span>%s</span></li>
</ul></body></html>`, d(400), d(480))
		case "/gkml/1.html":
			article(w, "政府信息公开", "示例县机构职能概况", 400, "<p>机构职能。</p>")
		case "/gkml/2.html":
			article(w, "政府信息公开", "示例县领导分工情况", 480, "<p>领导分工。</p>")
		default:
			http.NotFound(w, r)
		}
	})

	// Meta refresh start pages.
	refresh := func(w http.ResponseWriter, to string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><meta http-equiv="refresh" content="0;url=%s"><title>示例县人民政府</title></head><body></body></html>`, to)
	}
	mux.HandleFunc("/zmhd/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		if r.URL.Path != "/zmhd/" {
			http.NotFound(w, r) // /zmhd/wsdc/index.html was removed
			return
		}
		refresh(w, "/zmhd/wsdc/index.html")
	})
	mux.HandleFunc("/bsfw/", func(w http.ResponseWriter, r *http.Request) {
		p.hit(r)
		switch r.URL.Path {
		case "/bsfw/":
			refresh(w, "'./portal.html'")
		case "/bsfw/portal.html":
			page(w, "办事服务", "办事服务", `<p>网上办事大厅</p>`)
		default:
			http.NotFound(w, r)
		}
	})
}

var (
	gatewayXLSX = fixtures.XLSX([][]string{
		{"序号", "姓名", "身份证号", "救助金额"},
		{"1", "周某", IDNumbers[3], "1200"},
	})
	gatewayDOCX = fixtures.DOCX("临时救助申请表", "申请人姓名：＿＿＿＿", "申请事由：＿＿＿＿")
	trsPDF      = fixtures.GBKPDF("乡镇工作简报")
)

// CMSZoo returns the findings the CMS zoo plants (a part of Expected).
func (p *Portal) CMSZoo() []Finding {
	u := func(path string) string { return strings.TrimSuffix(p.URL, "/") + path }
	return []Finding{
		{"broken-link", "not-found", u("/col/col1201/index.html"), u(hanwebArticle(hanwebDeleted, hanwebAges[hanwebDeleted-1])), "medium"},
		{"broken-link", "not-found", u("/zwdt/xzdt/index_2.html"), u(trsArticle(trsDeleted, trsPages[2][2].age)), "medium"},
		{"broken-link", "not-found", u("/tpxw/index.html"), u(jsDeleted), "medium"},
		{"broken-link", "not-found", u("/zmhd/"), u("/zmhd/wsdc/index.html"), "medium"},
		{"stale-column", "stale", u("/zfxxgk/"), u("/gkml/1.html"), "medium"},
		{"privacy", "id-card", u(hanwebArticle(1, hanwebAges[0])), u(gatewayURL), "high"},
	}
}
