package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/reports/layout"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// hostile is what a hacked page could put into a report.
const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`

func sampleReport() *finding.Report {
	start := time.Date(2026, 11, 26, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	r := &finding.Report{
		Tool: "xunjian", Version: "0.1.0", Site: "http://www.example.gov.cn/", Name: "示例县人民政府",
		StartedAt: start, FinishedAt: start.Add(83 * time.Second), Complete: false,
		Incomplete: []string{"巡检被中断，报告只含中断前已检查的内容"},
		Checks:     []string{"connectivity", "broken-link"},
		Stats:      finding.Stats{Pages: 120, Links: 4800, Targets: 600, Attachments: 12, Errors: 3, Requests: 640, Retries: 4},
		Findings: []finding.Finding{
			{Check: "broken-link", Severity: finding.Medium, Certainty: finding.Confirmed, Kind: "not-found",
				Page: "http://www.example.gov.cn/xwdt/", Target: "http://www.example.gov.cn/a.xls", Anchor: hostile,
				Message: "其他页面不可用链接：附件失效（404 页面不存在）", Evidence: "HTTP 404；请求 1 次"},
			{Check: "broken-link", Severity: finding.High, Certainty: finding.Confirmed, Kind: "not-found",
				Page: "http://www.example.gov.cn/", Target: "http://www.example.gov.cn/old.html\x1b[2J", Anchor: "县长调研",
				Message: "首页不可用链接：链接失效（404 页面不存在）", Evidence: "HTTP 404；请求 1 次"},
			{Check: "connectivity", Severity: finding.Low, Certainty: finding.Confirmed, Kind: "no-https",
				Page: "http://www.example.gov.cn/", Target: "http://www.example.gov.cn/", Message: "网站未提供 HTTPS 访问"},
		},
		Measurements: map[string]any{"connectivity": map[string]any{
			"probes": []any{map[string]any{"at": "2026-11-26T08:00:00+08:00", "status": 200, "total_ms": 12.5, "final_url": hostile}},
			"failed": 0, "https": false, "ipv6_answers": false, "median_total_ms": 12.5,
		}},
	}
	for i := range r.Findings {
		r.Findings[i].Fingerprint()
	}
	r.Sort()
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file; got:\n%s", name, got)
	}
}

func TestSummaryGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSummary(&b, sampleReport(), 10); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Error("terminal escape from crawled text reached the summary")
	}
	golden(t, "summary.golden", b.Bytes())
}

func TestJSONGoldenAndRoundTrip(t *testing.T) {
	var b bytes.Buffer
	r := sampleReport()
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") {
		t.Error("JSON report holds raw <script>")
	}
	golden(t, "report.json.golden", b.Bytes())
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Findings) != 3 || back.Findings[0].ID != r.Findings[0].ID || back.Findings[1].Anchor != hostile {
		t.Errorf("round trip lost data: %+v", back.Findings)
	}
	for _, key := range []string{`"site"`, `"started_at"`, `"finished_at"`, `"complete"`, `"stats"`, `"findings"`, `"check"`, `"severity"`, `"page"`, `"target"`, `"kind"`, `"message"`, `"evidence"`, `"id"`} {
		if !strings.Contains(readGolden(t, "report.json.golden"), key) {
			t.Errorf("JSON contract key %s missing", key)
		}
	}
}

func readGolden(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHTMLEscapesAndIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	if strings.Contains(h, hostile) || strings.Contains(h, "<script>alert") || strings.Contains(h, "<img src=x") {
		t.Error("crawled markup reached the HTML report unescaped")
	}
	if !strings.Contains(h, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("escaped anchor text not shown")
	}
	// Only one script, the report's own, allowed by its hash in the CSP.
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(h, -1)
	if len(scripts) != 1 {
		t.Fatalf("%d inline scripts", len(scripts))
	}
	sum := sha256.Sum256([]byte(scripts[0][1]))
	// The browser reads the attribute with its character references
	// decoded (a hash's "+" is written &#43;).
	if !strings.Contains(html.UnescapeString(h), "script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Error("CSP does not allow exactly the report's script")
	}
	if regexp.MustCompile(`<(link|script|img)[^>]+(src|href)=`).MatchString(h) {
		t.Error("report loads an external asset")
	}
	for _, s := range []string{"网站巡检报告", "本次巡检未完成", "首页不可用链接", "首页连通性", "链接可用性"} {
		if !strings.Contains(h, s) {
			t.Errorf("html lacks %q", s)
		}
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteFiles(filepath.Join(dir, layout.SiteDir("http://127.0.0.1:8080/")), sampleReport(), []string{"json", "html"})
	if err != nil || len(paths) != 2 {
		t.Fatalf("%v %v", paths, err)
	}
	if !strings.HasSuffix(paths[0], filepath.Join("127.0.0.1_8080", "report.json")) {
		t.Errorf("path %s", paths[0])
	}
	if _, err := WriteFiles(dir, sampleReport(), []string{"pdf"}); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestWritersCoverFormats: every format the configuration accepts has a
// writer here, and there is no writer for a format it refuses.
func TestWritersCoverFormats(t *testing.T) {
	for _, f := range layout.Formats() {
		if writers[f] == nil {
			t.Errorf("format %q has no writer", f)
		}
	}
	for f := range writers {
		if _, ok := layout.File(f); !ok {
			t.Errorf("writer for %q, which layout does not list", f)
		}
	}
	dir := t.TempDir()
	paths, err := WriteFiles(dir, sampleReport(), layout.Formats())
	if err != nil || len(paths) != len(layout.Formats()) {
		t.Fatalf("%v %v", paths, err)
	}
	for i, f := range layout.Formats() {
		file, _ := layout.File(f)
		if paths[i] != filepath.Join(dir, file) {
			t.Errorf("format %s written to %s, want %s", f, paths[i], file)
		}
	}
}

func readLedger(t *testing.T, r *finding.Report, maxRows int) *excelize.File {
	t.Helper()
	var b bytes.Buffer
	if err := writeLedger(&b, r, maxRows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestLedger reads the 整改台账 back: one print-ready sheet of findings
// (序号 first, the id last, Chinese kinds, the fix, a 整改情况 drop-down,
// frozen and filtered header, widths for every column, borders and
// wrapping, A4 landscape fit to width with the header on every page) and
// the 概览 with the site, counts, vetoes and deductions.
func TestLedger(t *testing.T) {
	r := sampleReport()
	r.Evaluation = &finding.Evaluation{Score: new(88.5), Verdict: finding.VerdictFail, Passed: false,
		Vetoes:     []finding.Veto{{Item: "严重表述错误（含被挂马、暗链）", Status: finding.VetoFail, Evidence: "暗链 3 个"}, {Item: "首页不更新", Status: finding.VetoPass, Evidence: "首页两周内有更新"}},
		Deductions: []finding.Deduction{{Name: "首页不可用链接", Count: 1, Points: 1}}}
	f := readLedger(t, r, excelize.TotalRows-1)
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"概览", "整改台账"}) {
		t.Fatalf("sheets %v", sheets)
	}
	rows, _ := f.GetRows("整改台账")
	if len(rows) != 4 {
		t.Fatalf("%d rows, want a header and 3 findings", len(rows))
	}
	head := rows[0]
	col := func(name string) int { return slices.Index(head, name) }
	if head[0] != "序号" || head[len(head)-1] != "编号" || len(head) != len(ledgerColumns) {
		t.Errorf("header %v", head)
	}
	for i, fd := range r.Findings {
		row := rows[i+1]
		if row[0] != strconv.Itoa(i+1) || row[len(row)-1] != fd.ID || row[col("严重程度")] != fd.Severity.Label() ||
			row[col("整改建议")] != catalog.Fix(fd) || row[col("整改情况")] != "未整改" || row[col("状态")] != "新增" {
			t.Errorf("row %d: %v", i+1, row)
		}
		if k := row[col("问题类型")]; k == fd.Kind || k == "" {
			t.Errorf("row %d: 问题类型 %q is not Chinese", i+1, k)
		}
	}
	// 问题类型 is Chinese, from the catalog, not the kind's key.
	if k := rows[1][col("问题类型")]; k != "页面不存在（404）" {
		t.Errorf("问题类型 %q, want 页面不存在（404）", k)
	}
	if strings.Contains(strings.Join(rows[1], ""), "\x1b") || strings.Contains(strings.Join(rows[2], ""), "\x1b") {
		t.Error("control characters reached the ledger")
	}
	// The drop-down, the frozen header, the filter.
	progress, _ := excelize.ColumnNumberToName(col("整改情况") + 1)
	dvs, err := f.GetDataValidations("整改台账")
	if err != nil || len(dvs) != 1 || dvs[0].Type != "list" || dvs[0].Sqref != progress+"2:"+progress+"4" ||
		dvs[0].Formula1 != `"未整改,整改中,已整改,无需整改"` {
		t.Errorf("data validation %+v %v", dvs, err)
	}
	if p, err := f.GetPanes("整改台账"); err != nil || !p.Freeze || p.YSplit != 1 {
		t.Errorf("panes %+v %v", p, err)
	}
	names := map[string]string{}
	for _, d := range f.GetDefinedName() {
		if d.Scope == "整改台账" {
			names[d.Name] = d.RefersTo
		}
	}
	last, _ := excelize.ColumnNumberToName(len(ledgerColumns))
	if !strings.Contains(names["_xlnm._FilterDatabase"], "$A$1:$"+last+"$4") || names["_xlnm.Print_Titles"] != "'整改台账'!$1:$1" ||
		!strings.HasSuffix(names["_xlnm.Print_Area"], "$A:$"+progress) {
		t.Errorf("defined names %v", names)
	}
	// Print setup.
	pl, err := f.GetPageLayout("整改台账")
	if err != nil || *pl.Orientation != "landscape" || *pl.FitToWidth != 1 || *pl.FitToHeight != 0 || *pl.Size != 9 {
		t.Errorf("page layout %+v %v", pl, err)
	}
	if sp, err := f.GetSheetProps("整改台账"); err != nil || sp.FitToPage == nil || !*sp.FitToPage {
		t.Errorf("sheet props %+v %v", sp, err)
	}
	// Widths of every column, borders and wrapped text.
	for i, c := range ledgerColumns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if w, _ := f.GetColWidth("整改台账", name); w != c.width {
			t.Errorf("column %s (%s) width %v, want %v", name, c.head, w, c.width)
		}
	}
	styleID, _ := f.GetCellStyle("整改台账", "F2")
	style, err := f.GetStyle(styleID)
	if err != nil || len(style.Border) != 4 || style.Alignment == nil || !style.Alignment.WrapText {
		t.Errorf("body cell style %+v %v", style, err)
	}
	// 概览.
	overview, _ := f.GetRows("概览")
	text := ""
	for _, row := range overview {
		text += strings.Join(row, "|") + "\n"
	}
	for _, want := range []string{"示例县人民政府", "http://www.example.gov.cn/", "预计不合格", "88.5", "高|1", "中|1", "低|1",
		"链接可用性|0|1|1|0|0|2", "首页连通性|0|0|0|1|0|1", "严重表述错误（含被挂马、暗链）|不通过|暗链 3 个", "首页不可用链接|1|1", "未完成：巡检被中断"} {
		if !strings.Contains(text, want) {
			t.Errorf("概览 lacks %q:\n%s", want, text)
		}
	}
}

// TestLedgerRowLimit: findings beyond a sheet's rows continue on the next
// sheet, numbered on.
func TestLedgerRowLimit(t *testing.T) {
	r := sampleReport()
	f := readLedger(t, r, 2)
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"概览", "整改台账", "整改台账（2）"}) {
		t.Fatalf("sheets %v", sheets)
	}
	first, _ := f.GetRows("整改台账")
	second, _ := f.GetRows("整改台账（2）")
	if len(first) != 3 || len(second) != 2 || second[0][0] != "序号" || second[1][0] != "3" || second[1][len(second[1])-1] != r.Findings[2].ID {
		t.Errorf("first %v\nsecond %v", first, second)
	}
	if dvs, _ := f.GetDataValidations("整改台账（2）"); len(dvs) != 1 || !strings.HasSuffix(dvs[0].Sqref, "2") {
		t.Errorf("second sheet's drop-down %+v", dvs)
	}
	if empty := readLedger(t, &finding.Report{Site: "http://x.gov.cn/"}, 10); !slices.Equal(empty.GetSheetList(), []string{"概览", "整改台账"}) {
		t.Errorf("a report without findings: sheets %v", empty.GetSheetList())
	}
}

// TestHTMLDarkLinkEvidenceAndOrder: the verdict comes first, then the
// findings, then the evidence sections; a dark link shows the crop around
// it (embedded), the whole page as a file beside the report (never a data:
// URL, which Chromium will not open), the HTML to delete and the CSS rule,
// all escaped; every finding has its fix.
func TestHTMLDarkLinkEvidenceAndOrder(t *testing.T) {
	r := sampleReport()
	r.Findings = append(r.Findings, finding.Finding{Check: "dark-link", Severity: finding.Critical, Certainty: finding.Confirmed, Kind: "display-none",
		Page: "http://www.example.gov.cn/", Target: "http://bet.example/1", Anchor: "澳门博彩", Message: "暗链：隐藏的链接含敏感词“澳门博彩”",
		Details: map[string]any{"screenshot": "screenshots/abc123.png", "screenshot_crop": "screenshots/abc123-crop.png", "screenshot_label": 2.0,
			"snippet": `<div class="hid">` + hostile + `</div>`, "css": "display: none", "css_selector": ".hid", "css_source": "http://www.example.gov.cn/css/main.css", "css_line": 12.0}})
	r.Artifacts = map[string][]byte{"screenshots/abc123.png": []byte("\x89PNGfull"), "screenshots/abc123-crop.png": []byte("\x89PNGcrop")}
	r.Evaluation = &finding.Evaluation{Score: new(90.0), Verdict: finding.VerdictFail, Vetoes: []finding.Veto{{Item: "严重表述错误（含被挂马、暗链）", Status: finding.VetoFail, Evidence: "暗链 2 个；错别字 1 个",
		Findings: []finding.VetoFinding{{Check: "dark-link", Message: "暗链：隐藏的链接含敏感词“澳门博彩”"}, {Check: "typo", Message: "严重表述错误：中华人民共合国"}, {Check: "dark-link", Message: "暗链：另一个"}}}}}
	r.Measurements["columns"] = []any{
		map[string]any{"name": "新闻动态", "status": "ok", "days_since": 2.0},
		map[string]any{"name": "人事信息", "status": "stale", "days_since": 400.0},
		map[string]any{"name": "部门动态", "status": "warning", "days_since": 11.0},
		map[string]any{"name": "工作动态", "status": "stale", "days_since": 20.0},
		map[string]any{"name": "部门工作动态", "status": "date-unknown"},
	}
	r.Measurements["skipped"] = map[string]int{"url-too-long": 1, "robots-txt": 3}
	// A failed probe has no final URL; one a firewall answered names it.
	r.Measurements["connectivity"] = map[string]any{"probes": []any{
		map[string]any{"at": "2026-11-26T08:05:00+08:00", "class": "timeout", "total_ms": 10000.0},
		map[string]any{"at": "2026-11-26T08:10:00+08:00", "status": 202, "firewall": "瑞数", "final_url": "http://www.example.gov.cn/"}}}
	r.Sort()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	crop := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNGcrop"))
	for _, want := range []string{
		`<img class="crop" src="` + crop + `"`,
		`<a href="screenshots/abc123.png" target="_blank" rel="noopener noreferrer">查看整页截图</a>（本页所有暗链都已红框标出，此链接为标签【2】处）`,
		`&lt;div class=&#34;hid&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;`,
		`<code>.hid { display: none }</code>`, `http://www.example.gov.cn/css/main.css 第 12 行`,
		`预计不合格`, `单项否决不通过`, `估算得分 90 / 100`, `（robots.txt 禁止 3 个；链接过长（crawl.max_url_length） 1 个）`, `<b>连接超时</b>`, `瑞数防火墙应答（站点可访问）`,
		`<b>严重表述错误（含被挂马、暗链）</b>（暗链 2 个、错别字与严重表述错误 1 个）：暗链：隐藏的链接含敏感词“澳门博彩”</li>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %s", want)
		}
	}
	if strings.Contains(h, `href="data:`) {
		t.Error("a link opens a data: URL")
	}
	if n := strings.Count(h, `<div class="fix">`); n != len(r.Findings) {
		t.Errorf("%d fixes for %d findings", n, len(r.Findings))
	}
	pos := func(s string) int {
		i := strings.Index(h, s)
		if i < 0 {
			t.Fatalf("no %s", s)
		}
		return i
	}
	order := []string{`id="verdict"`, `id="findings-table"`, `id="evaluation"`, `id="summary"`, `id="columns"`, `id="connectivity"`}
	for i := 1; i < len(order); i++ {
		if pos(order[i-1]) > pos(order[i]) {
			t.Errorf("%s comes after %s", order[i-1], order[i])
		}
	}
	cols := []int{pos(">人事信息<"), pos(">工作动态<"), pos(">部门动态<"), pos(">部门工作动态<"), pos("<b>更新时间无法确定</b>"), pos(">新闻动态<")}
	if !slices.IsSorted(cols) {
		t.Errorf("columns not stale first, most overdue first: %v", cols)
	}
	// Every image is embedded or a file beside the report; links to
	// crawled pages are plain links.
	for _, m := range regexp.MustCompile(`<(img|script|link)[^>]*\b(src|href)="([^"]*)"`).FindAllStringSubmatch(h, -1) {
		if !strings.HasPrefix(m[3], "data:image/png;base64,") && !strings.HasPrefix(m[3], "screenshots/") {
			t.Errorf("report loads %s", m[0][:min(len(m[0]), 80)])
		}
	}
}

func TestWrapURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://www.example.gov.cn/xwdt/2024/a.html?id=1&t=2", "http://<wbr>www.example.gov.cn/<wbr>xwdt/<wbr>2024/<wbr>a.html?<wbr>id=<wbr>1&amp;<wbr>t=<wbr>2"},
		{"http://x.gov.cn/%E5%90%8D%E5%8D%95.xls", "http://<wbr>x.gov.cn/<wbr>名单.xls"},
		{`http://x.gov.cn/"><script>`, "http://<wbr>x.gov.cn/<wbr>&#34;&gt;&lt;script&gt;"},
		// Cut mid-escape (a too-long URL's finding): decoded up to the cut.
		{"http://x.gov.cn/s?k=%E6%94%BF%E5%BA%9C%E6%94%B…", "http://<wbr>x.gov.cn/<wbr>s?<wbr>k=<wbr>政府…"},
		// GBK escapes are not UTF-8: shown as written; a stray % too.
		{"http://x.gov.cn/%D5%FE%B8%AE.html", "http://<wbr>x.gov.cn/<wbr>%D5%FE%B8%AE.html"},
		{"http://x.gov.cn/100%25/a%zz", "http://<wbr>x.gov.cn/<wbr>100%/<wbr>a%zz"},
		// Shown to 200 characters; the link keeps the rest.
		{"http://x.gov.cn/" + strings.Repeat("a", 300), "http://<wbr>x.gov.cn/<wbr>" + strings.Repeat("a", 200-len("http://x.gov.cn/")) + "…"},
	} {
		if got := string(wrapURL(tc.in)); got != tc.want {
			t.Errorf("wrapURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// BenchmarkLedger writes the fix ledger of a report with 20,000 findings
// (go test ./reports -bench Ledger -benchmem).
func BenchmarkLedger(b *testing.B) {
	r := sampleReport()
	base := r.Findings[0]
	r.Findings = nil
	for i := range 20000 {
		f := base
		f.Page = fmt.Sprintf("http://www.example.gov.cn/xwdt/%d/index.html", i/20)
		f.Target = fmt.Sprintf("http://www.example.gov.cn/uploads/%d/附件%d.xls", i/20, i)
		f.Fingerprint()
		r.Findings = append(r.Findings, f)
	}
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteLedger(&buf, r); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len())/1e6, "MB-file")
	}
}

// TestIncompleteEvaluation: a pre-evaluation that could not gather its
// evidence shows no verdict and no score as if complete, in the HTML
// report (verdict box and vetoes) and the ledger's 概览.
func TestIncompleteEvaluation(t *testing.T) {
	r := sampleReport()
	r.Evaluation = &finding.Evaluation{ScoreNote: "首页无法访问，未能检查页面内容", Verdict: finding.VerdictUnknown,
		Vetoes: []finding.Veto{{Item: "站点无法访问", Status: finding.VetoPass, Evidence: "探测 24 次，失败 0 次"},
			{Item: "首页不更新", Status: finding.VetoUnchecked, Evidence: "未检查：首页无法访问"},
			{Item: "互动回应差", Status: finding.VetoUnchecked, Evidence: "需人工核查留言办理情况"}}}
	r.Incomplete = []string{"首页无法访问"}
	r.Evaluation.Vetoes = append(r.Evaluation.Vetoes, finding.Veto{Item: "空白栏目", Status: finding.VetoUnchecked, Evidence: "未能判定通过：但巡检不完整（首页无法访问）"})
	r.Notes = []string{"复查：12 个页面和附件自上次巡检以来没有改变（服务器答复 304），沿用上次读取的链接和检查结果"}
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	verdict := h[strings.Index(h, `<section id="verdict"`):strings.Index(h, `<section id="findings-section"`)]
	for _, want := range []string{`class="result none"`, "无法判定（部分指标未检查）", "估算得分 无法估算", `<div class="note">见上方说明，未能检查页面内容</div>`,
		"未检查：", "<b>首页不更新</b>：", "需人工检查：互动回应差", "<b>空白栏目</b>：<span class=\"muted\">未能判定通过：但巡检不完整（见上方说明）</span>"} {
		if !strings.Contains(verdict, want) {
			t.Errorf("verdict lacks %q:\n%s", want, verdict)
		}
	}
	if !strings.Contains(h, `<div class="notes"><b>检查范围：</b><div>复查：12 个页面`) {
		t.Error("the re-inspection's note is not shown")
	}
	if strings.Contains(h, "预计合格") || strings.Contains(h, "预计不合格") || strings.Contains(verdict, "/ 100") {
		t.Error("an incomplete run's report claims a verdict or a score")
	}
	f := readLedger(t, r, excelize.TotalRows-1)
	overview, _ := f.GetRows("概览")
	text := ""
	for _, row := range overview {
		text += strings.Join(row, "|") + "\n"
	}
	for _, want := range []string{"预评估结论|无法判定（部分指标未检查）", "估算得分|无法估算：首页无法访问，未能检查页面内容", "首页不更新|未检查|未检查：首页无法访问", "检查范围|复查：12 个页面"} {
		if !strings.Contains(text, want) {
			t.Errorf("概览 lacks %q:\n%s", want, text)
		}
	} // The terminal summary prints the incomplete note once and refers to
	// it; a failed veto is one line: counts by check, the most serious.
	r.Evaluation.Vetoes = append(r.Evaluation.Vetoes, finding.Veto{Item: "严重表述错误", Status: finding.VetoFail, Findings: []finding.VetoFinding{
		{Check: catalog.DarkLink, Severity: finding.Critical, Message: "暗链：隐藏的链接含敏感词"}, {Check: catalog.DarkLink, Severity: finding.Critical, Message: "暗链：另一条"},
		{Check: catalog.Typo, Severity: finding.Critical, Message: "严重表述错误：中华人民共合国"}}})
	b.Reset()
	if err := WriteSummary(&b, r, 5); err != nil {
		t.Fatal(err)
	}
	sum := b.String()
	if n := strings.Count(sum, "首页无法访问"); n != 1 {
		t.Errorf("the incomplete note printed %d times:\n%s", n, sum)
	}
	for _, want := range []string{"估算得分 无法估算：见上，未能检查页面内容", "空白栏目（未检查）：未能判定通过：但巡检不完整（见上）",
		"严重表述错误（不通过）：暗链 2 个、错别字与严重表述错误 1 个；最严重：暗链：隐藏的链接含敏感词\n"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

// TestScoreNoteReadsCleanly: the score note of a run cut short, as
// inspect writes it (巡检不完整（A；B）), reads without nested brackets and
// with one reference to the incomplete note above: in the terminal
// summary, the HTML report's verdict box and the ledger's 概览.
func TestScoreNoteReadsCleanly(t *testing.T) {
	r := sampleReport()
	r.Complete = false
	r.Incomplete = []string{"达到本站巡检时限 6h0m0s（crawl.time_budget），报告只含此前已检查的内容", "巡检被中断"}
	r.Evaluation = &finding.Evaluation{Verdict: finding.VerdictUnknown, ScoreNote: "巡检不完整（" + strings.Join(r.Incomplete, "；") + "）"}
	var b bytes.Buffer
	if err := WriteSummary(&b, r, 5); err != nil {
		t.Fatal(err)
	}
	sum := b.String()
	if !strings.Contains(sum, "估算得分 无法估算：巡检不完整（见上）\n") {
		t.Errorf("summary lacks 估算得分 无法估算：巡检不完整（见上）:\n%s", sum)
	}
	b.Reset()
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	verdict := h[strings.Index(h, `<section id="verdict"`):strings.Index(h, `<section id="findings-section"`)]
	if !strings.Contains(verdict, "无法估算<div class=\"note\">巡检不完整（见上方说明）</div>") {
		t.Errorf("verdict box lacks 无法估算 with the note 巡检不完整（见上方说明）:\n%s", verdict)
	}
	f := readLedger(t, r, excelize.TotalRows-1)
	overview, _ := f.GetRows("概览")
	text := ""
	for _, row := range overview {
		text += strings.Join(row, "|") + "\n"
	}
	if !strings.Contains(text, "估算得分|无法估算：巡检不完整（达到本站巡检时限") {
		t.Errorf("概览 lacks the score note:\n%s", text)
	}
	for name, out := range map[string]string{"summary": sum, "html": verdict, "ledger": text} {
		if strings.Contains(out, "））") || strings.Contains(out, "见上；") || strings.Contains(out, "见上方说明；") {
			t.Errorf("%s has nested brackets or a repeated reference:\n%s", name, out)
		}
	}
}

// TestLedgerEvidenceKeepsLines: the 证据 cell of a dark link keeps its
// parts (evidence, hiding rule, snippet, screenshot) and the snippet's own
// lines on lines of their own, control characters still stripped; a link
// text that is the matched word is written once; the 概览's 检查范围 keeps
// one note a line.
func TestLedgerEvidenceKeepsLines(t *testing.T) {
	r := sampleReport()
	r.Notes = []string{"复查：10 个页面没有改变", "本次检查了 1/7 的链接"}
	r.Findings = []finding.Finding{{Check: catalog.DarkLink, Severity: finding.Critical, Certainty: finding.Confirmed, Kind: "display-none",
		Page: "http://www.example.gov.cn/", Target: "http://bad.example/a1.html", Anchor: "澳门博彩", Match: "澳门博彩",
		Message: "暗链：隐藏的链接含敏感词“澳门博彩”", Evidence: "隐藏方式：display:none 隐藏\x1b[2J",
		Details: map[string]any{"css": "display: none", "snippet": "<div style=\"display:none\">\n  <a href=\"http://bad.example/a1.html\">澳门博彩</a>\n</div>", "screenshot": "screenshots/abc123.png"}}}
	r.Findings[0].Fingerprint()
	f := readLedger(t, r, excelize.TotalRows-1)
	rows, _ := f.GetRows("整改台账")
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	col := func(name string) string { return rows[1][slices.Index(rows[0], name)] }
	want := "隐藏方式：display:none 隐藏[2J\n隐藏规则：display: none\n源码片段：<div style=\"display:none\">\n  <a href=\"http://bad.example/a1.html\">澳门博彩</a>\n</div>\n截图：screenshots/abc123.png"
	if got := col("证据"); got != want {
		t.Errorf("证据 cell\n%q\nwant\n%q", got, want)
	}
	if got := col("链接文字或匹配内容"); got != "澳门博彩" {
		t.Errorf("链接文字或匹配内容 %q, want the word once", got)
	}
	overview, _ := f.GetRows("概览")
	found := false
	for _, row := range overview {
		if len(row) == 2 && row[0] == "检查范围" {
			found = row[1] == "复查：10 个页面没有改变\n本次检查了 1/7 的链接"
		}
	}
	if !found {
		t.Errorf("概览 检查范围 is not one note a line: %q", overview)
	}
}

// TestScannedFilesShownAsPaths: scan's findings are in local files
// (file://…): the summary and the HTML report show the file's path,
// decoded, labelled 文件, and the HTML makes no link of it (html/template
// would turn it into #ZgotmplZ); the summary's heading has no address.
func TestScannedFilesShownAsPaths(t *testing.T) {
	start := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	r := &finding.Report{Tool: "xunjian", Site: "scan", Name: "发布前检查", StartedAt: start, FinishedAt: start, Complete: true,
		Checks: []string{catalog.Privacy},
		Findings: []finding.Finding{{Check: catalog.Privacy, Severity: finding.High, Certainty: finding.Confirmed, Kind: "id-card",
			Page: "file:///home/%E7%BC%96%E8%BE%91/%E4%BD%8E%E4%BF%9D%E5%90%8D%E5%8D%95.csv", Target: "file:///home/%E7%BC%96%E8%BE%91/%E4%BD%8E%E4%BF%9D%E5%90%8D%E5%8D%95.csv",
			Message: "文件中泄露居民身份证号码：110105********1238"}}}
	r.Findings[0].Fingerprint()
	var sum bytes.Buffer
	if err := WriteSummary(&sum, r, 10); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sum.String(), "发布前检查\n") || !strings.Contains(sum.String(), "      文件 /home/编辑/低保名单.csv\n") {
		t.Errorf("summary:\n%s", sum.String())
	}
	var h bytes.Buffer
	if err := WriteHTML(&h, r); err != nil {
		t.Fatal(err)
	}
	page := h.String()
	if strings.Contains(page, `<span class="url">scan</span>`) {
		t.Error("the HTML report's heading shows scan's site key as an address")
	}
	if strings.Contains(page, "ZgotmplZ") || strings.Contains(page, `href="file:`) {
		t.Error("the HTML report links a local file")
	}
	if !strings.Contains(page, `<span class="lbl">文件</span>/<wbr>home/<wbr>编辑/<wbr>低保名单.csv`) {
		t.Errorf("the HTML report does not show the file's path:\n%s", page[strings.Index(page, "<tbody>"):])
	}
}
