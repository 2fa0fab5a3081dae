package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/internal/fixtures"
)

// goErrorText matches the Go error wording that must not reach the people
// reading messages and evidence (it belongs in details.error).
var goErrorText = regexp.MustCompile(`dial tcp|connect: |context canceled|context deadline|net/http:|zip: |x509:|tls: |no such host|i/o timeout|EOF|incorrect format|not a document|redirect loop|address is private`)

// buildXunjian builds the real binary for tests that run it as a user does.
func buildXunjian(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "xunjian")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs bin with args and returns its exit code, stdout and stderr.
func runBinary(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	}
	t.Fatalf("%v: %v", args, err)
	return 0, "", ""
}

func readJSONReport(t *testing.T, path string) (*finding.Report, map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	return readReport(t, path), generic
}

// TestScanUnreadableFilesWithBinary: random bytes named 名单.xlsx, a fake
// PDF and a truncated xlsx are each a finding that says 无法读取，未检查
// and why, in Chinese; the scan is incomplete and exits 4 — never 未发现问题
// with exit 0. A picture named on the command line is not checked either
// and says so; one met in a directory is only counted.
func TestScanUnreadableFilesWithBinary(t *testing.T) {
	bin := buildXunjian(t)
	dir := t.TempDir()
	docs := filepath.Join(dir, "docs")
	os.Mkdir(docs, 0o755)
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i/13)
	}
	xlsx := fixtures.XLSX([][]string{{"姓名", "电话"}, {"钱某", "13812345678"}})
	files := map[string][]byte{
		"名单.xlsx":   random,
		"通知.pdf":    []byte("%PDF-1.4\nnot really a pdf\n"),
		"截断.xlsx":   xlsx[:len(xlsx)/2],
		"照片.png":    {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0},
		"clean.txt": []byte("关于开展冬季安全生产检查的通知"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(docs, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runBinary(t, bin, "scan", "--format", "json", "-o", out, docs)
	if code != exitIncomplete {
		t.Fatalf("exit %d, want %d (incomplete)\nstdout:\n%s\nstderr:\n%s", code, exitIncomplete, stdout, stderr)
	}
	if strings.Contains(stdout, "未发现问题") || !strings.Contains(stdout, "未完成") {
		t.Errorf("summary claims an all-clear or hides the incompleteness:\n%s", stdout)
	}
	rep, _ := readJSONReport(t, filepath.Join(out, "report.json"))
	if rep.Complete || len(rep.Incomplete) == 0 || !strings.Contains(strings.Join(rep.Incomplete, ""), "3 个文件无法读取") {
		t.Errorf("complete=%v incomplete=%q, want incomplete naming the 3 files", rep.Complete, rep.Incomplete)
	}
	unread := map[string]finding.Finding{}
	for _, f := range rep.Findings {
		if f.Kind == "attachment-unreadable" {
			unread[filePath(f.Page)] = f
		}
	}
	for _, name := range []string{"名单.xlsx", "通知.pdf", "截断.xlsx"} {
		f, ok := unread[filepath.Join(docs, name)]
		if !ok {
			t.Errorf("%s: no unreadable finding (findings %v)", name, rep.Findings)
			continue
		}
		if !strings.Contains(f.Message, "无法读取，未检查") {
			t.Errorf("%s: message %q does not say 无法读取，未检查", name, f.Message)
		}
		if goErrorText.MatchString(f.Message+f.Evidence) || f.Evidence == "" {
			t.Errorf("%s: message/evidence not in Chinese: %q / %q", name, f.Message, f.Evidence)
		}
		if e, _ := f.Details["error"].(string); e == "" {
			t.Errorf("%s: the technical error is not kept in details.error", name)
		}
	}
	if _, ok := unread[filepath.Join(docs, "照片.png")]; ok {
		t.Error("a picture met in a directory is reported as unreadable")
	}

	// The same picture named by the user: not checked, and said.
	code, stdout, _ = runBinary(t, bin, "scan", filepath.Join(docs, "照片.png"))
	if code != exitIncomplete || !strings.Contains(stdout, "未检查") {
		t.Errorf("named picture: exit %d, output:\n%s", code, stdout)
	}
	// A readable clean file is still a clean, complete scan.
	if code, stdout, _ = runBinary(t, bin, "scan", filepath.Join(docs, "clean.txt")); code != exitOK {
		t.Errorf("clean file: exit %d\n%s", code, stdout)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestInspectUnreachableSiteWithBinary: a site whose homepage refuses
// connections is one outage finding; the report is incomplete; the vetoes
// judged from pages are 未检查 saying why; no score is claimed.
func TestInspectUnreachableSiteWithBinary(t *testing.T) {
	bin := buildXunjian(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "xunjian.yaml")
	os.WriteFile(cfg, []byte(`crawl:
  timeout: 2s
  retries: 1
  retry_backoff: 50ms
  allow_networks: [127.0.0.0/8]
checks:
  connectivity:
    interval: 50ms
`), 0o644)
	home := "http://" + closedPort(t) + "/"
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runBinary(t, bin, "inspect", "-c", cfg, "-o", out, "--format", "json,html", home)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d (the outage is a high finding)\n%s\n%s", code, exitFindings, stdout, stderr)
	}
	matches, _ := filepath.Glob(filepath.Join(out, "*", "report.json"))
	if len(matches) != 1 {
		t.Fatalf("reports: %v", matches)
	}
	rep, raw := readJSONReport(t, matches[0])
	if rep.Complete || !strings.Contains(strings.Join(rep.Incomplete, ""), "首页无法打开") {
		t.Errorf("complete=%v incomplete=%q, want incomplete: the homepage could not be opened", rep.Complete, rep.Incomplete)
	}
	var outage []finding.Finding
	for _, f := range rep.Findings {
		if f.Page == home && (f.Kind == "down" || f.Check == "broken-link") {
			outage = append(outage, f)
		}
		if f.Kind == "no-https" {
			t.Errorf("a site that answers neither way is reported as not offering HTTPS: %+v", f)
		}
		if goErrorText.MatchString(f.Message + f.Evidence) {
			t.Errorf("finding not in Chinese: %q / %q", f.Message, f.Evidence)
		}
	}
	if len(outage) != 1 || outage[0].Kind != "down" || outage[0].Details["also_broken_link"] == nil {
		t.Errorf("the outage is %d findings (%+v), want one connectivity/down holding the crawl's view", len(outage), outage)
	}
	ev, _ := raw["evaluation"].(map[string]any)
	if _, ok := ev["score"]; ok {
		t.Errorf("a score is claimed for a site that could not be read: %v", ev["score"])
	}
	if ev["verdict"] != finding.VerdictFail {
		t.Errorf("verdict %v, want fail (站点无法访问 fails)", ev["verdict"])
	}
	for _, v := range rep.Evaluation.Vetoes {
		switch v.Item {
		case "首页不更新", "栏目不更新", "空白栏目", "严重表述错误（含被挂马、暗链）":
			if v.Status != finding.VetoUnchecked || !strings.Contains(v.Evidence, "首页无法打开") {
				t.Errorf("%s: %s %q, want 未检查 with the reason", v.Item, v.Status, v.Evidence)
			}
		case "站点无法访问":
			if v.Status != finding.VetoFail {
				t.Errorf("站点无法访问: %s", v.Status)
			}
		}
	}
	if strings.Contains(stdout, "估算得分 98") || !strings.Contains(stdout, "无法估算") {
		t.Errorf("summary claims a score:\n%s", stdout)
	}
	html, _ := os.ReadFile(strings.Replace(matches[0], "report.json", "report.html", 1))
	if !strings.Contains(string(html), "无法估算") || !strings.Contains(string(html), "未完成") {
		t.Error("the HTML report claims a score or hides the incompleteness")
	}
}

// TestUnwritableOutputFailsBeforeCrawling: an -o that cannot be written is
// found before the first request, in Chinese.
func TestUnwritableOutputFailsBeforeCrawling(t *testing.T) {
	var requests atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write([]byte("<p>首页</p>"))
	}))
	defer site.Close()
	file := filepath.Join(t.TempDir(), "not-a-dir")
	os.WriteFile(file, []byte("x"), 0o644)
	e, _, errb := testEnv()
	code := run(context.Background(), []string{"inspect", "--allow-private", "--checks", "broken-link", "-o", filepath.Join(file, "out"), site.URL + "/"}, e)
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests made before the output folder was found unwritable", n)
	}
	if s := errb.String(); !strings.Contains(s, "无法写入输出目录（-o）") || !strings.Contains(s, "路径中有一段不是目录") {
		t.Errorf("stderr does not say in Chinese what cannot be written: %s", s)
	}
	e2, _, errb2 := testEnv()
	if code := run(context.Background(), []string{"scan", "-o", filepath.Join(file, "out"), file}, e2); code != exitFailed || !strings.Contains(errb2.String(), "无法写入") {
		t.Errorf("scan: exit %d, %s", code, errb2)
	}
}

// TestReportsKeptWhenWritingFailsAtTheEnd: the output folder goes away
// during the crawl; the results are written to a temporary folder and the
// error says where.
func TestReportsKeptWhenWritingFailsAtTheEnd(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			// The folder checked before the crawl is replaced by a file.
			os.RemoveAll(out)
			os.WriteFile(out, []byte("x"), 0o644)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<p>首页</p><a href="/gone.html">旧链接</a>`))
	}))
	defer site.Close()
	e, stdout, errb := testEnv()
	code := run(context.Background(), []string{"inspect", "--allow-private", "--checks", "broken-link", "--format", "json", "-o", out, site.URL + "/"}, e)
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	m := regexp.MustCompile(`已另存到 (\S+)`).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("stderr does not say where the results are: %s", errb)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(m[1])) })
	rep := readReport(t, filepath.Join(m[1], "report.json"))
	if len(rep.Findings) == 0 || !strings.Contains(stdout.String(), m[1]) {
		t.Errorf("saved report has %d findings; stdout names it: %v", len(rep.Findings), strings.Contains(stdout.String(), m[1]))
	}
}

// TestServeInterruptedDuringRendering sends SIGINT to `xunjian serve` while
// Chromium renders the site: the run is saved incomplete (database, report,
// dashboard), no render failure caused by the interruption is filed as a
// problem of the site, and the log says how the run ended and that the
// service stopped.
func TestServeInterruptedDuringRendering(t *testing.T) {
	if !haveBrowser(t) {
		t.Skip("no Chromium")
	}
	bin := buildXunjian(t)
	rendering := make(chan struct{}, 1)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html><head><title>示例县</title></head><body><p>首页</p><img src="/hang.png"><a href="/p1.html">一</a></body></html>`)
		case "/p1.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<p>第一页</p><img src="/hang.png">`)
		case "/hang.png":
			if strings.Contains(r.UserAgent(), "Chrome") {
				select {
				case rendering <- struct{}{}:
				default:
				}
				select { // the browser waits for this image until the run ends
				case <-r.Context().Done():
				case <-time.After(time.Minute):
				}
				return
			}
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte{0x89, 'P', 'N', 'G'})
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "x.db")
	reportsDir := filepath.Join(dir, "reports")
	cfg := filepath.Join(dir, "xunjian.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`sites:
  - {name: 示例县, url: %q}
crawl:
  timeout: 5s
  retries: 0
  allow_networks: [127.0.0.0/8]
checks:
  enabled: [broken-link, dark-link]
  dark_link:
    render_pages: 2
    render_timeout: 50s
    cloaking_pages: 0
serve:
  database: %q
  reports_dir: %q
  dashboard: ""
  probe_interval: 1h
  run_missed: true
report:
  formats: [json, html]
`, site.URL+"/", db, reportsDir)), 0o644)
	p := exec.Command(bin, "serve", "-c", cfg, "--log-level", "info")
	var stderr bytes.Buffer
	p.Stderr = &stderr
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Process.Kill()
	select {
	case <-rendering:
	case <-time.After(90 * time.Second):
		t.Fatalf("Chromium never rendered the site; log:\n%s", stderr.String())
	}
	time.Sleep(300 * time.Millisecond)
	p.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not stop on SIGINT; log:\n%s", stderr.String())
	}
	log := stderr.String()

	runs := storedRuns(t, db)
	if len(runs) != 1 {
		t.Fatalf("%d runs saved, want the interrupted one; log:\n%s", len(runs), log)
	}
	if runs[0].complete {
		t.Error("the interrupted run is saved as complete in the database")
	}
	rep := runs[0].report
	if rep.Complete || !strings.Contains(strings.Join(rep.Incomplete, ""), "中断") {
		t.Errorf("stored report complete=%v incomplete=%q", rep.Complete, rep.Incomplete)
	}
	for _, f := range rep.Findings {
		if f.Kind == "render-failed" || strings.Contains(f.Evidence+fmt.Sprint(f.Details), "context canceled") {
			t.Errorf("the interruption is filed as a problem of the site: %+v", f)
		}
	}
	files, _ := filepath.Glob(filepath.Join(reportsDir, "*", "*", "report.html"))
	if len(files) != 1 {
		t.Fatalf("report files: %v", files)
	}
	html, _ := os.ReadFile(files[0])
	if !strings.Contains(string(html), "未完成") {
		t.Error("the HTML report of the interrupted run does not say it is incomplete")
	}
	if !dashboardShowsIncomplete(t, cfg) {
		t.Error("the dashboard does not show the run as incomplete")
	}
	for _, want := range []string{`msg="run finished"`, "verdict=", "report=", "complete=false", `msg="shutting down"`, `msg=stopped`} {
		if !strings.Contains(log, want) {
			t.Errorf("serve log lacks %s:\n%s", want, log)
		}
	}
}

// filePath is the local path of a scanned file's file:// URL.
func filePath(fileURL string) string {
	u, err := url.Parse(fileURL)
	if err != nil {
		return fileURL
	}
	return filepath.FromSlash(u.Path)
}

// TestBareHostGetsScheme: www.example.gov.cn written without a scheme is
// inspected over https:// when the host serves HTTPS, else http://, and
// stderr says which; a word that is no host is answered in Chinese with
// the fix.
func TestBareHostGetsScheme(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>首页</p>"))
	})
	plain := httptest.NewServer(page)
	defer plain.Close()
	secure := httptest.NewTLSServer(page)
	defer secure.Close()
	for _, tc := range []struct {
		name, srv, scheme string
	}{
		{"http-only", plain.URL, "http"},
		{"https", secure.URL, "https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bare := strings.TrimPrefix(strings.TrimPrefix(tc.srv, "http://"), "https://")
			dir := t.TempDir()
			e, _, errb := testEnv()
			run(context.Background(), []string{"inspect", "--allow-private", "--checks", "broken-link", "--format", "json", "-o", dir, bare}, e)
			matches, _ := filepath.Glob(filepath.Join(dir, "*", "report.json"))
			if len(matches) != 1 {
				t.Fatalf("no report; stderr: %s", errb)
			}
			rep := readReport(t, matches[0])
			if want := tc.scheme + "://" + bare + "/"; rep.Site != want {
				t.Errorf("inspected %s, want %s", rep.Site, want)
			}
			if !strings.Contains(errb.String(), "没有写协议") {
				t.Errorf("stderr does not say a scheme was chosen: %s", errb)
			}
		})
	}
	e, _, errb := testEnv()
	if code := run(context.Background(), []string{"inspect", "示例县政府网站"}, e); code != exitUsage || !strings.Contains(errb.String(), "不是网址") || !strings.Contains(errb.String(), "https://www.example.gov.cn/") {
		t.Errorf("not a host: exit %d, %s", code, errb)
	}
	e2, _, errb2 := testEnv()
	if code := run(context.Background(), []string{"scan", "www.example.gov.cn/a.html"}, e2); code != exitFailed || !strings.Contains(errb2.String(), "若是网址，请写成 https://www.example.gov.cn/a.html") {
		t.Errorf("scan of a bare URL: exit %d, %s", code, errb2)
	}
}

// TestCLIErrorsInChinese: what the command line answers a mistake with is
// Chinese, naming the flag or key.
func TestCLIErrorsInChinese(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, "没有“frobnicate”这个命令"},
		{[]string{"inspect", "--bogus", "x"}, "没有 -bogus 这个选项"},
		{[]string{"inspect", "--rate", "fast", "http://127.0.0.1:1/"}, "选项 -rate 的值“fast”无效"},
		{[]string{"inspect"}, "没有要巡检的站点"},
		{[]string{"inspect", "--fail-on", "urgent", "http://127.0.0.1:1/"}, "“urgent”不是严重程度"},
		{[]string{"inspect", "--checks", "brokenlink", "http://127.0.0.1:1/"}, "是否想写 broken-link？"},
		{[]string{"inspect", "--log-level", "loud", "http://127.0.0.1:1/"}, "没有“loud”这个日志级别"},
		{[]string{"inspect", "ftp://example.gov.cn/"}, "必须以 http:// 或 https:// 开头"},
		{[]string{"config", "check", "-c", "/nonexistent.yaml"}, "无法读取配置文件 /nonexistent.yaml：文件或目录不存在"},
		{[]string{"serve"}, "用法：xunjian serve -c 文件"},
	} {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			e, _, errb := testEnv()
			if code := run(context.Background(), tc.args, e); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", errb, tc.want)
			}
		})
	}
}
