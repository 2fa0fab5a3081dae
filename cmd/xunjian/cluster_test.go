package main

import (
	"context"
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

	"github.com/jackc/pgx/v5"

	"github.com/xunjian/xunjian/internal/pgtest"
	"github.com/xunjian/xunjian/internal/testutil"
)

// slowSite is a small portal whose pages take 800 ms each: with one
// request at a time a run takes about ten seconds.
func slowSite() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/" {
			fmt.Fprint(w, `<html><head><title>某县人民政府门户网站</title></head><body><h1>某县人民政府</h1><ul>`)
			for i := range 12 {
				fmt.Fprintf(w, `<li><a href="/col/p%d.html">政务公开第%d栏</a></li>`, i, i)
			}
			fmt.Fprint(w, `</ul></body></html>`)
			return
		}
		time.Sleep(800 * time.Millisecond)
		fmt.Fprint(w, `<html><body><p>通知公告</p></body></html>`)
	}))
}

type worker struct {
	cmd *exec.Cmd
	log *testutil.SyncBuffer
}

// TestClusterFailover runs three `xunjian serve` processes on one
// PostgreSQL database with twelve slow sites and a webhook that counts
// messages. It kills -9 the worker that holds a running inspection (read
// from River's job row) and stops (SIGSTOP) another past the rescue time,
// then lets it go on. Every site gets exactly one saved run for the day,
// every run's alert arrives exactly once, and the stopped worker's late
// save is refused.
func TestClusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three serve processes and PostgreSQL for a few minutes")
	}
	srv := pgtest.Start(t)
	dbURL := srv.NewDatabase(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "xunjian")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var sites strings.Builder
	for i := range 12 {
		s := slowSite()
		defer s.Close()
		fmt.Fprintf(&sites, "  - {name: 测试县%d, url: %q}\n", i, s.URL+"/")
	}
	var hookMu sync.Mutex
	hookKeys := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hookMu.Lock()
		hookKeys[r.Header.Get("Idempotency-Key")]++
		hookMu.Unlock()
	}))
	defer hook.Close()
	hookSnapshot := func() map[string]int {
		hookMu.Lock()
		defer hookMu.Unlock()
		out := map[string]int{}
		for k, v := range hookKeys {
			out[k] = v
		}
		return out
	}
	cfgPath := filepath.Join(dir, "xunjian.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`sites:
%scrawl:
  concurrency: 1
  rate: 100
  timeout: 3s
  retries: 0
  allow_networks: [127.0.0.0/8]
  checkpoint_interval: 1s
checks:
  enabled: [broken-link]
serve:
  database: %q
  reports_dir: %q
  dashboard: 127.0.0.1:0
  daily_at: "00:00"
  timezone: UTC
  probe_interval: 1h
  cluster:
    planner_interval: 2s
    probe_shards: 2
    concurrency: 2
    min_job_timeout: 20s
    rescue_after: 20s
alerts:
  digest: true
  webhooks:
    - {name: 计数, format: json, url: %q}
report:
  formats: [json]
`, sites.String(), dbURL, filepath.Join(dir, "reports"), hook.URL)), 0o644)

	ctx := context.Background()
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	workers := map[int]*worker{}
	for range 3 {
		w := &worker{log: &testutil.SyncBuffer{}}
		w.cmd = exec.Command(bin, "serve", "-c", cfgPath, "--log-level", "info")
		w.cmd.Stdout, w.cmd.Stderr = io.Discard, w.log
		if err := w.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		workers[w.cmd.Process.Pid] = w
	}
	defer func() {
		for _, w := range workers {
			w.cmd.Process.Signal(syscall.SIGCONT)
			w.cmd.Process.Kill()
			w.cmd.Wait()
		}
		if t.Failed() {
			for pid, w := range workers {
				t.Logf("--- worker %d log (tail) ---\n%s", pid, tail(w.log.String(), 4000))
			}
		}
	}()
	waitUntil := func(within time.Duration, what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) {
			if cond() {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("timed out after %v waiting for %s", within, what)
	}
	waitUntil(90*time.Second, "three workers", func() bool {
		var n int
		err := db.QueryRow(ctx, `SELECT COUNT(*) FROM workers`).Scan(&n)
		return err == nil && n == 3 // the table exists once the first worker migrated
	})

	// holders returns the pid of each worker holding a running inspection,
	// with its jobs, read from River's job rows and the workers table.
	type held struct {
		id      int64
		attempt int
		site    string
	}
	holders := func(running time.Duration) map[int][]held {
		rows, err := db.Query(ctx, `SELECT j.id, j.attempt, j.args->>'site', w.pid FROM river_job j
		  JOIN workers w ON w.id = j.attempted_by[array_upper(j.attempted_by, 1)]
		  WHERE j.kind = 'inspect' AND j.state = 'running' AND j.attempted_at < now() - $1::interval`, running.String())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int][]held{}
		for rows.Next() {
			var h held
			var pid int
			if err := rows.Scan(&h.id, &h.attempt, &h.site, &pid); err != nil {
				t.Fatal(err)
			}
			out[pid] = append(out[pid], h)
		}
		return out
	}
	var killed, stopped int
	var killedJobs, stoppedJobs []held
	// Killed a few pages into its run, past a checkpoint or two: the
	// rescued attempt resumes from it.
	waitUntil(60*time.Second, "a worker mid-run", func() bool {
		for pid, jobs := range holders(5 * time.Second) {
			killed, killedJobs = pid, jobs
			return true
		}
		return false
	})
	workers[killed].cmd.Process.Signal(syscall.SIGKILL)
	workers[killed].cmd.Wait()
	t.Logf("killed worker %d mid-run", killed)
	waitUntil(60*time.Second, "another worker mid-run", func() bool {
		for pid, jobs := range holders(2 * time.Second) {
			if pid != killed {
				stopped, stoppedJobs = pid, jobs
				return true
			}
		}
		return false
	})
	workers[stopped].cmd.Process.Signal(syscall.SIGSTOP)
	t.Logf("stopped worker %d holding jobs %+v", stopped, stoppedJobs)

	// Past the rescue, the stopped worker's jobs run again elsewhere and
	// are saved by another worker.
	waitUntil(180*time.Second, "the stopped worker's jobs saved by another worker", func() bool {
		for _, h := range stoppedJobs {
			if count(`SELECT COUNT(*) FROM runs WHERE site = $1`, h.site) == 0 {
				return false
			}
		}
		return true
	})
	workers[stopped].cmd.Process.Signal(syscall.SIGCONT)
	waitUntil(60*time.Second, "the woken worker's late save refused", func() bool {
		return strings.Count(workers[stopped].log.String(), "late save refused") >= len(stoppedJobs)
	})
	waitUntil(180*time.Second, "a run of every site", func() bool { return count(`SELECT COUNT(DISTINCT site) FROM runs`) == 12 })

	// Exactly one run per (site, day), no day lost.
	if n := count(`SELECT COUNT(*) FROM runs`); n != 12 {
		t.Errorf("%d runs saved, want 12", n)
	}
	if n := count(`SELECT COUNT(*) FROM (SELECT site, day FROM runs GROUP BY site, day HAVING COUNT(*) > 1) x`); n != 0 {
		t.Errorf("%d (site, day) pairs saved more than once", n)
	}
	if n := count(`SELECT COUNT(*) FROM inspect_days i WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.site = i.site AND r.day = i.day)`); n != 0 {
		t.Errorf("%d planned days without a run", n)
	}
	// The killed worker's runs were resumed by their rescued attempts from
	// the checkpoint, which the save then removed.
	for _, h := range killedJobs {
		var notes string
		var resumed int
		err := db.QueryRow(ctx, `SELECT COALESCE(report->>'notes', ''), COALESCE((report->'measurements'->'recheck'->>'pages_resumed')::int, 0)
		  FROM runs WHERE site = $1`, h.site).Scan(&notes, &resumed)
		if err != nil || !strings.Contains(notes, "本次接续") || resumed == 0 {
			t.Errorf("%s: the rescued run did not resume the killed attempt: %d pages resumed, notes %s (%v)", h.site, resumed, notes, err)
		}
		t.Logf("%s: the rescued attempt resumed %d pages the killed one had done", h.site, resumed)
	}
	if n := count(`SELECT COUNT(*) FROM checkpoints`); n > len(stoppedJobs) {
		t.Errorf("%d checkpoints of saved runs left (the stopped worker may leave %d)", n, len(stoppedJobs))
	}
	workerID := func(pid int) string {
		var id string
		db.QueryRow(ctx, `SELECT id FROM workers WHERE pid = $1`, pid).Scan(&id)
		return id
	}
	if id := workerID(stopped); id != "" {
		for _, h := range stoppedJobs {
			if n := count(`SELECT COUNT(*) FROM runs WHERE site = $1 AND worker = $2`, h.site, id); n != 0 {
				t.Errorf("the stopped worker's late run of %s was saved", h.site)
			}
			if n := count(`SELECT COUNT(*) FROM runs WHERE site = $1 AND job_id = $2 AND attempt > $3`, h.site, h.id, h.attempt); n != 1 {
				t.Errorf("%s: not saved by a later attempt of job %d", h.site, h.id)
			}
		}
	}
	// Exactly one alert per (run, channel, key): each run's digest.
	waitUntil(60*time.Second, "twelve alerts", func() bool { return len(hookSnapshot()) >= 12 })
	time.Sleep(2 * time.Second)
	got := hookSnapshot()
	rows, err := db.Query(ctx, `SELECT id FROM runs`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		want[fmt.Sprintf("run:%d:digest", id)] = true
	}
	rows.Close()
	for key, n := range got {
		if !want[key] {
			t.Errorf("unexpected alert %q", key)
		}
		if n != 1 {
			t.Errorf("alert %q delivered %d times", key, n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d alerts for %d runs", len(got), len(want))
	}
	// The survivors stop cleanly on SIGTERM.
	for pid, w := range workers {
		if pid == killed {
			continue
		}
		w.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- w.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("worker %d exit after SIGTERM: %v", pid, err)
			}
		case <-time.After(90 * time.Second):
			t.Errorf("worker %d did not stop on SIGTERM", pid)
		}
		w.cmd.Process.Kill()
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
