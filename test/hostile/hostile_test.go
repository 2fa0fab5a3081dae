// Package hostile runs the real xunjian binary against the hostile portal
// (internal/hostilesite). It is a package of its own so that its minutes
// do not share a test binary's time limit with the CLI tests.
package hostile

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xunjian/xunjian/internal/hostilesite"
	"github.com/xunjian/xunjian/internal/race"
	"github.com/xunjian/xunjian/internal/testutil"
)

// TestHostileSite runs the real binary against the hostile portal
// (internal/hostilesite): gzip bombs, a million links, the CSS blow-up
// page, huge and redirecting stylesheets, a fan-out trap, never-answering
// targets, redirects to an internal address, personal data everywhere.
// The run must write its reports within its limits, with the main
// process's peak RSS (the kernel's ru_maxrss of the child) at most
// 300 MB, no request reaching the internal server, and no planted value
// in any output: report.json, report.html, ledger.xlsx, stdout, the log;
// then `serve` runs it once: the SQLite history (database and WAL) and
// the webhook bodies a local recording server received.
func TestHostileSite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary against a hostile site")
	}
	if race.Enabled {
		// The binary is built without -race, but its peak RSS is a
		// measurement: under -race the suite runs beside every other
		// package's race tests on the same cores. .ci/run runs it again
		// without -race, alone.
		t.Skip("measures the real binary's memory and time: run without -race")
	}
	readSources(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "xunjian")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/xunjian/xunjian/cmd/xunjian").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	site, err := hostilesite.Start(hostilesite.Options{BombBytes: 512 << 20, Links: 1_000_000, NeverAnswering: 40})
	if err != nil {
		t.Skipf("hostile site: %v", err)
	}
	defer site.Close()

	var hooksMu sync.Mutex
	var hooks [][]byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooksMu.Lock()
		hooks = append(hooks, b)
		hooksMu.Unlock()
	}))
	defer hook.Close()

	cfg := filepath.Join(dir, "xunjian.yaml")
	db := filepath.Join(dir, "data", "x.db")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`sites:
  - {name: 被攻击的门户, url: %q}
crawl:
  timeout: 2s
  retries: 1
  retry_backoff: 200ms
  rate: 200
  max_similar_pages: 50
  time_budget: 2m
checks:
  enabled: [connectivity, broken-link, sensitive-word, typo, privacy, columns, dark-link, external-link]
  connectivity: {probes: 1, check_ipv6: false}
  dark_link: {render_pages: 0, cloaking_pages: 2}
  external_link: {fetch_targets: false}
report:
  formats: [json, html, xlsx]
alerts:
  webhooks: [{name: 值班群, format: json, url: %q}]
serve:
  database: %q
  reports_dir: %q
  dashboard: ""
  probe_interval: 1h
  run_missed: true
`, site.URL, hook.URL+"/hook", db, filepath.Join(dir, "served"))), 0o644)

	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "inspect", "-c", cfg, "-o", out, "--log-level", "debug")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if cmd.ProcessState == nil {
		t.Fatalf("inspect did not run: %v", err)
	}
	code := cmd.ProcessState.ExitCode()
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	t.Logf("inspect: exit %d in %v, peak RSS %d MB", code, took.Round(time.Second), peak>>10)
	if code != 0 && code != 1 {
		t.Fatalf("inspect exit %d: %v\n%s", code, err, lastBytes(stderr.String(), 3000))
	}
	if peak > 300<<10 {
		t.Errorf("peak RSS %d MB, want at most 300 MB", peak>>10)
	}
	if took > 2*time.Minute+30*time.Second {
		t.Errorf("the run took %v, past its 2 min budget", took)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*", "*"))
	var report []byte
	outputs := map[string][]byte{"stdout": stdout.Bytes(), "log": stderr.Bytes()}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		switch filepath.Base(f) {
		case "report.json":
			report = b
			outputs["report.json"] = b
		case "report.html":
			outputs["report.html"] = b
		case "ledger.xlsx":
			outputs["ledger.xlsx"] = unzipAll(t, b)
		}
	}
	for _, name := range []string{"report.json", "report.html", "ledger.xlsx"} {
		if len(outputs[name]) == 0 {
			t.Errorf("%s not written (files: %v)", name, files)
		}
	}
	var rep struct {
		Complete   bool
		Incomplete []string
		Findings   []struct{ Check, Kind, Page, Target, Message string }
		Stats      struct{ Pages, Targets int }
	}
	if err := json.Unmarshal(report, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	kinds := map[string]int{}
	for _, f := range rep.Findings {
		kinds[f.Check+"/"+f.Kind]++
	}
	t.Logf("report: %d KB, %d findings, pages %d, targets %d, incomplete %q\nkinds %v", len(report)>>10, len(rep.Findings), rep.Stats.Pages, rep.Stats.Targets, rep.Incomplete, kinds)
	for _, want := range []string{"broken-link/crawler-trap", "dark-link/not-analysed"} {
		if kinds[want] == 0 {
			t.Errorf("no %s finding", want)
		}
	}
	if len(report) > 20<<20 {
		t.Errorf("report.json is %d MB", len(report)>>20)
	}

	// serve: one run at start (run_missed), its history and its alerts.
	srv := exec.Command(bin, "serve", "-c", cfg, "--log-level", "debug")
	var serveLog testutil.SyncBuffer
	srv.Stdout, srv.Stderr = &serveLog, &serveLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		hooksMu.Lock()
		n := len(hooks)
		hooksMu.Unlock()
		if n > 0 && strings.Contains(serveLog.String(), "inspection done") {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // let the digest and the save finish
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()
	outputs["serve log"] = serveLog.Bytes()
	hooksMu.Lock()
	outputs["webhooks"] = bytes.Join(hooks, []byte("\n"))
	hooksMu.Unlock()
	if len(outputs["webhooks"]) == 0 {
		t.Error("no webhook body recorded")
	}
	for _, f := range []string{db, db + "-wal"} {
		if b, err := os.ReadFile(f); err == nil {
			outputs[filepath.Base(f)] = b
		}
	}
	if len(outputs["x.db"]) == 0 {
		t.Error("no history database")
	}

	if n := site.InternalHits.Load(); n != 0 {
		t.Errorf("%d requests reached the internal server", n)
	}
	for name, b := range outputs {
		for _, v := range hostilesite.Values() {
			if bytes.Contains(b, []byte(v)) {
				i := bytes.Index(b, []byte(v))
				t.Errorf("%s holds %q unmasked: …%s…", name, v, b[max(0, i-80):min(len(b), i+len(v)+40)])
			}
		}
	}
}

// readSources reads the module's files (outside testdata and dot
// folders, up to 1 MB: the Go sources and what they embed), which the
// binary is built from: go test's cache keys a result on the files a test
// reads, so a change anywhere in the product runs the suite again instead
// of replaying a pass of an older binary.
func readSources(t *testing.T) {
	t.Helper()
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if info, err := d.Info(); err != nil || !info.Mode().IsRegular() || info.Size() > 1<<20 {
			return err
		}
		_, err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatalf("reading the sources: %v", err)
	}
}

// unzipAll returns the concatenated entries of an xlsx (its XML parts).
func unzipAll(t *testing.T, b []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Errorf("ledger.xlsx: %v", err)
		return nil
	}
	var all bytes.Buffer
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			continue
		}
		io.Copy(&all, io.LimitReader(r, 256<<20))
		r.Close()
	}
	return all.Bytes()
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
