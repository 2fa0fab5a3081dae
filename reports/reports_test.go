package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/xunjian/xunjian/finding"
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
	if !strings.Contains(h, "script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
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

func TestWriteFilesAndSiteDir(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteFiles(filepath.Join(dir, SiteDir("http://127.0.0.1:8080/")), sampleReport(), []string{"json", "html"})
	if err != nil || len(paths) != 2 {
		t.Fatalf("%v %v", paths, err)
	}
	if !strings.HasSuffix(paths[0], filepath.Join("127.0.0.1_8080", "report.json")) {
		t.Errorf("path %s", paths[0])
	}
	for _, tc := range []struct{ in, want string }{
		{"https://www.Example.gov.cn/", "www.example.gov.cn"},
		{"http://[::1]:80/", "__1_80"},
		{"http://../", "site"},
	} {
		if got := SiteDir(tc.in); got != tc.want {
			t.Errorf("SiteDir(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, err := WriteFiles(dir, sampleReport(), []string{"pdf"}); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestLedger(t *testing.T) {
	var b bytes.Buffer
	r := sampleReport()
	if err := WriteLedger(&b, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if !slices.Equal(sheets, []string{"概览", "首页连通性", "链接可用性"}) {
		t.Errorf("sheets %v", sheets)
	}
	rows, _ := f.GetRows("链接可用性")
	if len(rows) != 3 || rows[0][0] != "编号" || rows[0][12] != "整改责任人" {
		t.Fatalf("rows %v", rows)
	}
	if rows[1][0] != r.Findings[0].ID || rows[1][1] != "高" || rows[1][11] != "新增" {
		t.Errorf("first row %v", rows[1])
	}
	// 问题类型 is Chinese, from the catalog, not the kind's key.
	if rows[1][3] != "页面不存在（404）" {
		t.Errorf("问题类型 %q, want 页面不存在（404）", rows[1][3])
	}
	if strings.Contains(rows[1][6], "\x1b") {
		t.Error("control characters reached the ledger")
	}
}
