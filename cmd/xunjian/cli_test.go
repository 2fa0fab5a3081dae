package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/internal/fixtures"
	"github.com/xunjian/xunjian/pii"
	"github.com/xunjian/xunjian/render"
	"github.com/xunjian/xunjian/reports"
	"github.com/xunjian/xunjian/sampleportal"
)

func testEnv() (env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return newEnv(&out, &errb, false), &out, &errb
}

var loopback = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)

// pathKey drops the random loopback ports so findings compare across runs.
func pathKey(check, kind, page, target, sev string) string {
	return strings.Join([]string{check, kind, loopback.ReplaceAllString(page, ""), loopback.ReplaceAllString(target, ""), sev}, "|")
}

func readReport(t *testing.T, path string) *finding.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestDemo runs `xunjian demo` as a user would and checks the JSON report
// holds exactly the sample portal's planted problems and nothing on decoys.
func TestDemo(t *testing.T) {
	e, out, errb := testEnv()
	dir := t.TempDir()
	if code := run(context.Background(), []string{"demo", "-o", dir}, e); code != exitOK {
		t.Fatalf("demo exit %d, stderr:\n%s", code, errb)
	}
	// The demo's folder does not change with the portal's port.
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "report.json"))
	if len(matches) != 1 || filepath.Base(filepath.Dir(matches[0])) != "demo" {
		t.Fatalf("report.json files: %v, want one in %s", matches, filepath.Join(dir, "demo"))
	}
	if _, err := os.Stat(strings.Replace(matches[0], "report.json", "report.html", 1)); err != nil {
		t.Errorf("no html report: %v", err)
	}
	rep := readReport(t, matches[0])
	var got, want []string
	for _, f := range rep.Findings {
		got = append(got, pathKey(f.Check, f.Kind, f.Page, f.Target, string(f.Severity)))
	}
	p := &sampleportal.Portal{URL: "http://127.0.0.1:1/", ExternalURL: "http://127.0.0.1:2"}
	for _, f := range p.Expected(haveBrowser(t)) {
		want = append(want, pathKey(f.Check, f.Kind, f.Page, f.Target, f.Severity))
	}
	slices.Sort(got)
	slices.Sort(want)
	for _, f := range rep.Findings {
		// Certainty words and badges agree: 疑似 only on a suspected
		// finding; and what people read is Chinese.
		if strings.Contains(f.Message, "疑似") && f.Certainty != finding.Suspected {
			t.Errorf("%s/%s says 疑似 but is %q: %s", f.Check, f.Kind, f.Certainty, f.Message)
		}
		if f.Check == "dark-link" && f.Severity == finding.High && f.Certainty != finding.Suspected {
			t.Errorf("a hidden external link without spam is %q: %s", f.Certainty, f.Message)
		}
		if goErrorText.MatchString(f.Message + f.Evidence) {
			t.Errorf("%s/%s not in Chinese: %q / %q", f.Check, f.Kind, f.Message, f.Evidence)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("demo findings differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// Incomplete only for the firewall-protected section it plants.
	if rep.Complete || len(rep.Incomplete) != 1 || !strings.Contains(rep.Incomplete[0], "网站防火墙（瑞数）") || !strings.Contains(rep.Incomplete[0], "/zxft/index.html") {
		t.Errorf("demo report incompleteness: complete=%v %q", rep.Complete, rep.Incomplete)
	}
	for _, s := range []string{"内置样例站点已启动", "首页不可用链接", "report.html"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}
}

func TestExitCodes(t *testing.T) {
	p, err := sampleportal.Start(context.Background(), sampleportal.Options{Slow: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// A clean site: one page linking one working page and a missing image
	// (a finding below critical).
	clean := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/", "/a.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<html><head><title>示例</title></head><body><a href="/a.html">文章</a><img src="/gone.png" alt="图"></body></html>`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer clean.Close()
	cfgFile := filepath.Join(t.TempDir(), "xunjian.yaml")
	os.WriteFile(cfgFile, []byte(`crawl:
  timeout: 1s
  retries: 0
  rate: 500
  allow_networks: [127.0.0.0/8]
checks:
  enabled: [broken-link]
`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"no-args", nil, exitUsage},
		{"unknown-command", []string{"frobnicate"}, exitUsage},
		{"inspect-no-url", []string{"inspect"}, exitUsage},
		{"bad-url", []string{"inspect", "ftp://example.gov.cn/"}, exitUsage},
		{"unknown-check", []string{"inspect", "--checks", "nope", p.URL}, exitUsage},
		{"bad-fail-on", []string{"inspect", "--fail-on", "urgent", p.URL}, exitUsage},
		{"findings-at-fail-on", []string{"inspect", "-c", cfgFile, "-o", t.TempDir(), p.URL}, exitFindings},
		// The sample portal plants a section behind a firewall: its report
		// is incomplete, so findings below --fail-on are not a clean exit.
		{"findings-below-fail-on-incomplete", []string{"inspect", "-c", cfgFile, "--fail-on", "critical", "-o", t.TempDir(), p.URL}, exitIncomplete},
		{"findings-below-fail-on", []string{"inspect", "-c", cfgFile, "--fail-on", "critical", "-o", t.TempDir(), clean.URL + "/"}, exitOK},
		{"flags-after-url", []string{"inspect", clean.URL + "/", "-c", cfgFile, "--fail-on", "critical", "-o", t.TempDir()}, exitOK},
		// The homepage refuses connections: nothing at --fail-on, but the
		// site's content was not checked — never exit 0.
		{"incomplete-below-fail-on", []string{"inspect", "-c", cfgFile, "--fail-on", "critical", "-o", t.TempDir(), "http://" + closedPort(t) + "/"}, exitIncomplete},
		{"config-check-ok", []string{"config", "check", "-c", filepath.Join("..", "..", "xunjian.example.yaml")}, exitOK},
		{"config-check-bad", []string{"config", "check", "-c", filepath.Join("..", "..", "config", "testdata", "bad", "typo-key.yaml")}, exitUsage},
		{"config-check-missing", []string{"config", "check", "-c", "/nonexistent.yaml"}, exitUsage},
		{"version", []string{"version"}, exitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _, errb := testEnv()
			if got := run(context.Background(), tc.args, e); got != tc.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", got, tc.want, errb)
			}
		})
	}
}

func TestConfigCheckNamesKey(t *testing.T) {
	e, _, errb := testEnv()
	run(context.Background(), []string{"config", "check", "-c", filepath.Join("..", "..", "config", "testdata", "bad", "typo-key.yaml")}, e)
	if !strings.Contains(errb.String(), "第 2 行 crawl.max_pagez：crawl 下没有 max_pagez 这个键，是否想写 max_pages？") {
		t.Errorf("stderr does not name the bad key: %s", errb)
	}
}

// TestInterruptedInspectionWritesPartialReport cancels mid-crawl, as
// Ctrl-C does, and expects a report marked incomplete and exit code 3.
func TestInterruptedInspectionWritesPartialReport(t *testing.T) {
	p, err := sampleportal.Start(context.Background(), sampleportal.Options{Slow: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	dir := t.TempDir()
	e, _, errb := testEnv()
	code := run(ctx, []string{"inspect", "--allow-private", "--checks", "broken-link", "-o", dir, p.URL}, e)
	if code != exitFailed {
		t.Errorf("exit %d, want %d; stderr: %s", code, exitFailed, errb)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "report.json"))
	if len(matches) != 1 {
		t.Fatalf("no partial report: %v", matches)
	}
	rep := readReport(t, matches[0])
	if rep.Complete || len(rep.Incomplete) == 0 {
		t.Errorf("partial report complete=%v incomplete=%v", rep.Complete, rep.Incomplete)
	}
}

func TestScan(t *testing.T) {
	dir := t.TempDir()
	id := sampleportal.IDNumbers[0]
	gbkText, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("网上公告：六合彩开奖结果\n"))
	files := map[string][]byte{
		"名单.docx":    fixtures.DOCX("低保对象名单", "赵某 "+id),
		"名单.xlsx":    fixtures.XLSX([][]string{{"姓名", "电话"}, {"钱某", "13812345678"}}),
		"公告.txt":     gbkText,
		"通知.html":    []byte(`<html><head><title>通知</title></head><body><p>根据《中华人民共合国公务员法》</p><script>var x="澳门博彩";</script></body></html>`),
		"损坏.xlsx":    fixtures.XLSX([][]string{{"a"}})[:100],
		"干净.txt":     []byte("关于开展冬季安全生产检查的通知"),
		"custom.txt": []byte("某某违禁品 出售"),
	}
	for name, data := range files {
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	words := filepath.Join(t.TempDir(), "words.txt")
	os.WriteFile(words, []byte("某某违禁品\tcustom\n"), 0o644)
	e, out, errb := testEnv()
	code := run(context.Background(), []string{"scan", "--words", words, "-o", filepath.Join(t.TempDir(), "out"), dir}, e)
	if code != exitFindings {
		t.Fatalf("exit %d, stderr %s", code, errb)
	}
	s := out.String()
	for _, want := range []string{
		"文件中泄露居民身份证号码：" + pii.MaskID(id),
		"文件中泄露手机号码：138****5678",
		"文件中敏感词（赌博）：六合彩开奖",
		"严重表述错误：中华人民共合国，应为：中华人民共和国",
		"文件无法读取，未检查",
		"敏感词（自定义）：某某违禁品",
		"report.json",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("scan output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, id) || strings.Contains(s, "澳门博彩") {
		t.Errorf("scan output republishes an ID or reads script text:\n%s", s)
	}
	// Nothing severe enough for --fail-on critical but the serious error.
	e2, _, _ := testEnv()
	if code := run(context.Background(), []string{"scan", "--quiet", filepath.Join(dir, "干净.txt")}, e2); code != exitOK {
		t.Errorf("clean file: exit %d", code)
	}
	e3, _, errb3 := testEnv()
	if code := run(context.Background(), []string{"scan", filepath.Join(dir, "missing.docx")}, e3); code != exitFailed || !strings.Contains(errb3.String(), "missing.docx") {
		t.Errorf("missing file: exit %d, %s", code, errb3)
	}
}

func TestRulesCheck(t *testing.T) {
	e, out, _ := testEnv()
	if code := run(context.Background(), []string{"rules", "check"}, e); code != exitOK || !strings.Contains(out.String(), "规则包有效") {
		t.Errorf("builtin packs: exit %d, %s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "typos.txt")
	os.WriteFile(bad, []byte("# 说明\n按装\t安装\n只有一列\n"), 0o644)
	e2, _, errb := testEnv()
	if code := run(context.Background(), []string{"rules", "check", "--typos", bad}, e2); code != exitUsage || !strings.Contains(errb.String(), "typos.txt 第 3 行") {
		t.Errorf("bad pack: exit %d, %s", code, errb)
	}
	badSev := filepath.Join(t.TempDir(), "words.txt")
	os.WriteFile(badSev, []byte("赌博\tgambling\turgent\n"), 0o644)
	e3, _, errb3 := testEnv()
	if code := run(context.Background(), []string{"inspect", "--words", badSev, "http://127.0.0.1:1/"}, e3); code != exitUsage || !strings.Contains(errb3.String(), "words.txt 第 1 行") {
		t.Errorf("bad word pack on inspect: exit %d, %s", code, errb3)
	}
}

// haveBrowser reports whether headless Chromium can run here; in CI, whose
// .ci/run installs it, it must.
func haveBrowser(t *testing.T) bool {
	if _, err := render.Find(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have Chromium: %v", err)
		}
		return false
	}
	return true
}

// TestInspectProfiles: --cpuprofile and --memprofile write the two
// profiles of the run (gzipped pprof protobufs); an unwritable path stops
// the command before the crawl.
func TestInspectProfiles(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<p>首页</p><a href="/a.html">文章</a>`))
	}))
	defer site.Close()
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	e, _, errb := testEnv()
	code := run(context.Background(), []string{"inspect", "--allow-private", "--checks", "broken-link", "--format", "json", "-o", filepath.Join(dir, "out"),
		"--cpuprofile", cpu, "--memprofile", mem, site.URL + "/"}, e)
	if code != exitOK && code != exitFindings {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, f := range []string{cpu, mem} {
		b, err := os.ReadFile(f)
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: not a pprof file (%d bytes, %v)", f, len(b), err)
		}
	}
	e, _, errb = testEnv()
	code = run(context.Background(), []string{"inspect", "--allow-private", "-o", filepath.Join(dir, "out"), "--memprofile", filepath.Join(dir, "no", "mem.pprof"), site.URL + "/"}, e)
	if code != exitFailed || !strings.Contains(errb.String(), "--memprofile") {
		t.Errorf("unwritable profile: exit %d, %s", code, errb)
	}
}
