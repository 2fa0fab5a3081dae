package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/sampleportal"
	"github.com/xunjian/xunjian/serve"
	"github.com/xunjian/xunjian/store/sqlite"
)

// TestServeSurvivesSIGKILL runs `xunjian serve` as a real process on two
// sites, kills it with SIGKILL while the slow site's inspection runs, and
// restarts it: the finished run of the fast site is intact, and the slow
// site's missed run runs at start-up.
func TestServeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "xunjian")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	portal, err := sampleportal.Start(context.Background(), sampleportal.Options{Slow: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer portal.Close()
	// The slow site never ends before the kill, however long the fast
	// one takes on a loaded machine: until then every page links to a
	// further page; after it the site is the 16 pages.
	var killed atomic.Bool
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(800 * time.Millisecond)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/" {
			for i := range 16 {
				fmt.Fprintf(w, `<a href="/p%d.html">第%d页</a>`, i, i)
			}
			return
		}
		w.Write([]byte("<p>内容</p>"))
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/p%d.html", &i); err == nil && !killed.Load() {
			fmt.Fprintf(w, `<a href="/p%d.html">下一页</a>`, i+16)
		}
	}))
	defer slow.Close()
	db := filepath.Join(dir, "data", "x.db")
	cfg := filepath.Join(dir, "xunjian.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`sites:
  - {name: 快站, url: %q}
  - {name: 慢站, url: %q}
crawl:
  concurrency: 1
  rate: 100
  timeout: 1s
  retries: 0
  allow_networks: [127.0.0.0/8]
  render_pages: 0 # the fast site must stay faster than the slow one
checks:
  enabled: [broken-link]
serve:
  database: %q
  reports_dir: %q
  dashboard: ""
  probe_interval: 1h
  run_missed: true
report:
  formats: [json]
`, portal.URL, slow.URL+"/", db, filepath.Join(dir, "reports"))), 0o644)
	runs := func(site string) int {
		s, err := sqlite.Open(context.Background(), db)
		if err != nil {
			return -1
		}
		defer s.Close()
		rs, _ := s.Runs(context.Background(), site, 10)
		return len(rs)
	}
	waitRuns := func(site string, n int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			if runs(site) == n {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: %d runs after %v, want %d", site, runs(site), within, n)
	}
	fastKey := serve.SiteKey(config.Site{URL: portal.URL})
	slowKey := serve.SiteKey(config.Site{URL: slow.URL + "/"})

	p1 := exec.Command(bin, "serve", "-c", cfg, "--log-level", "warn")
	p1.Stderr = os.Stderr
	if err := p1.Start(); err != nil {
		t.Fatal(err)
	}
	waitRuns(fastKey, 1, 60*time.Second)
	if n := runs(slowKey); n != 0 {
		t.Fatalf("slow site finished before the kill (%d runs): make it slower", n)
	}
	p1.Process.Signal(syscall.SIGKILL)
	p1.Wait()
	killed.Store(true)

	p2 := exec.Command(bin, "serve", "-c", cfg, "--log-level", "warn")
	p2.Stderr = os.Stderr
	if err := p2.Start(); err != nil {
		t.Fatal(err)
	}
	defer p2.Process.Kill()
	waitRuns(slowKey, 1, 60*time.Second)
	if n := runs(fastKey); n != 1 {
		t.Errorf("fast site has %d runs after the restart, want its 1 finished run and no rerun", n)
	}
	p2.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p2.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop on SIGTERM")
	}

	// `xunjian report` rebuilds a stored run in every format.
	out := filepath.Join(dir, "rebuilt")
	e, stdout, errb := testEnv()
	if code := run(context.Background(), []string{"report", "-c", cfg, "--site", "快站", "-o", out}, e); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, errb)
	}
	for _, f := range []string{"report.json", "report.html", "ledger.xlsx"} {
		if _, err := os.Stat(filepath.Join(out, fastKey, "1", f)); err != nil {
			t.Errorf("rebuilt %s: %v (%s)", f, err, stdout)
		}
	}
	e2, _, _ := testEnv()
	if code := run(context.Background(), []string{"report", "-c", cfg, "--site", "无此站点"}, e2); code != exitUsage {
		t.Errorf("unknown site: exit %d", code)
	}
}
