package readers

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(s string) string {
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestParseContentDisposition(t *testing.T) {
	tests := []struct {
		name, value, disposition, filename string
	}{
		{"ascii", `attachment; filename="report.pdf"`, "attachment", "report.pdf"},
		{"rfc5987-utf8-wins", `attachment; filename="????.xlsx"; filename*=UTF-8''%E8%A1%A5%E8%B4%B4%E5%90%8D%E5%8D%95.xlsx`, "attachment", "补贴名单.xlsx"},
		{"rfc5987-gbk", `attachment; filename*=GBK''` + "%B2%B9%CC%F9%C3%FB%B5%A5.xls", "attachment", "补贴名单.xls"},
		{"raw-gbk-bytes", "attachment; filename=\"" + gbk("2026年临时救助名单.xlsx") + "\"", "attachment", "2026年临时救助名单.xlsx"},
		{"raw-gbk-unquoted", "attachment;filename=" + gbk("公示.pdf"), "attachment", "公示.pdf"},
		{"raw-utf8", `inline; filename="公示名单.pdf"`, "inline", "公示名单.pdf"},
		{"percent-utf8-in-plain", `attachment; filename="%E5%8A%9E%E4%BA%8B%E6%8C%87%E5%8D%97.docx"`, "attachment", "办事指南.docx"},
		{"rfc2047-word", `attachment; filename="=?UTF-8?B?5YWs56S6LnBkZg==?="`, "attachment", "公示.pdf"},
		{"rfc2047-gbk-word", `attachment; filename="=?GBK?B?` + "uavKvi5wZGY=" + `?="`, "attachment", "公示.pdf"},
		{"path-stripped", `attachment; filename="..\..\upload\2026\名单.xls"`, "attachment", "名单.xls"},
		{"no-type", `filename=a.doc`, "", "a.doc"},
		{"escaped-quote-and-semicolon", `attachment; filename="a\"b;c.pdf"; size=10`, "attachment", `a"b;c.pdf`},
		{"bad-extended-falls-back", `attachment; filename=ok.pdf; filename*=broken`, "attachment", "ok.pdf"},
		{"latin1-declared-utf8-bytes", "attachment; filename*=ISO-8859-1''%E5%90%8D%E5%8D%95.pdf", "attachment", "名单.pdf"},
		{"empty", ``, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, f := ParseContentDisposition(tc.value)
			if d != tc.disposition || f != tc.filename {
				t.Errorf("ParseContentDisposition(%q) = %q, %q; want %q, %q", tc.value, d, f, tc.disposition, tc.filename)
			}
		})
	}
}

func TestReadFileAndIsDownload(t *testing.T) {
	tests := []struct {
		name     string
		header   http.Header
		file     File
		download bool
	}{
		{"jsp-gateway-labelled-html", http.Header{"Content-Type": {"text/html; charset=GBK"}, "Content-Disposition": {"attachment; filename=\"" + gbk("名单.xlsx") + "\""}},
			File{Name: "名单.xlsx", Ext: "xlsx", MediaType: "text/html", Disposition: "attachment"}, true},
		{"octet-stream-no-name", http.Header{"Content-Type": {"application/octet-stream"}, "Content-Disposition": {"attachment"}},
			File{MediaType: "application/octet-stream", Disposition: "attachment"}, true},
		{"pdf-inline", http.Header{"Content-Type": {"application/pdf"}, "Content-Disposition": {`inline; filename="a.pdf"`}},
			File{Name: "a.pdf", Ext: "pdf", MediaType: "application/pdf", Disposition: "inline"}, true},
		{"type-only", http.Header{"Content-Type": {"application/vnd.ms-excel"}},
			File{Ext: "xls", MediaType: "application/vnd.ms-excel"}, false},
		{"html-page-saved-as-attachment", http.Header{"Content-Type": {"text/html"}, "Content-Disposition": {`attachment; filename="index.html"`}},
			File{Name: "index.html", Ext: "html", MediaType: "text/html", Disposition: "attachment"}, false},
		{"plain-page", http.Header{"Content-Type": {"text/html; charset=utf-8"}}, File{MediaType: "text/html"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if f := ReadFile(tc.header); f != tc.file {
				t.Errorf("ReadFile = %+v, want %+v", f, tc.file)
			}
			if d := IsDownload(tc.header); d != tc.download {
				t.Errorf("IsDownload = %v", d)
			}
		})
	}
}

func TestGatewayLinks(t *testing.T) {
	body := `<p><a href="/module/download/downfile.jsp?classid=0&amp;filename=9f3c1a.xlsx">附件：名单</a>
<a href="/download.do?id=1024">报名表</a>
<a href="/download.do">下载中心</a>
<a href="/upload/2026/a" download="补贴名单.xls">补贴名单</a>
<a href="/xxgk/index.html">信息公开</a></p>`
	res := Gateway{}.Read(htmlPage(t, []byte(body), "http://www.example.gov.cn/art/2026/1/1/art_1_1.html"), DefaultLimits())
	equalLines(t, "links", show(res.Links), []string{
		"gateway|attachment|http://www.example.gov.cn/module/download/downfile.jsp?classid=0&filename=9f3c1a.xlsx|附件：名单||",
		"gateway|attachment|http://www.example.gov.cn/download.do?id=1024|报名表||",
		"gateway:download-attribute|attachment|http://www.example.gov.cn/upload/2026/a|补贴名单||",
	})
}

func FuzzContentDisposition(f *testing.F) {
	for _, s := range []string{
		`attachment; filename="a.pdf"`, `attachment; filename*=UTF-8''%E5%90%8D.pdf`,
		"attachment; filename=" + gbk("名单.xls"), `inline; filename="=?GBK?B?uavKvi5wZGY=?="`,
		`attachment; filename="\`, `;;;=;"`, `attachment; filename*=x'y'%zz`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, name := ParseContentDisposition(s)
		if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 255 || strings.ContainsAny(name, "/\\\x00\n") {
			t.Fatalf("name %q from %q", name, s)
		}
		IsDownload(http.Header{"Content-Disposition": {s}, "Content-Type": {s}})
	})
}
