package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xunjian/xunjian/alert"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/internal/pgtest"
	"github.com/xunjian/xunjian/serve"
)

// hookCounter stands in for a chat webhook: it counts messages by their
// idempotency key.
type hookCounter struct {
	mu   sync.Mutex
	keys map[string]int
}

func (h *hookCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	if h.keys == nil {
		h.keys = map[string]int{}
	}
	h.keys[r.Header.Get("Idempotency-Key")]++
	h.mu.Unlock()
	w.Write([]byte(`{"errcode":0}`))
}

func (h *hookCounter) snapshot() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.keys {
		out[k] = v
	}
	return out
}

func testConfig(t testing.TB, db string, sites int) config.Config {
	cfg := config.Default()
	for i := range sites {
		cfg.Sites = append(cfg.Sites, config.Site{Name: fmt.Sprintf("站点%d", i), URL: fmt.Sprintf("http://s%d.example.gov.cn/", i)})
	}
	cfg.Serve.Database = db
	cfg.Serve.ReportsDir = ""
	cfg.Serve.Dashboard = "127.0.0.1:0"
	cfg.Serve.DailyAt, cfg.Serve.TimeZone = "00:00", "UTC"
	cfg.Serve.ProbeInterval = config.Duration(2 * time.Second)
	cfg.Serve.Cluster.PlannerInterval = config.Duration(time.Second)
	cfg.Serve.Cluster.ProbeShards = 4
	cfg.Serve.Cluster.MinJobTimeout = config.Duration(20 * time.Second)
	cfg.Serve.Cluster.RescueAfter = config.Duration(20 * time.Second)
	return cfg
}

func testLog(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

func dark(site string) finding.Finding {
	return finding.Finding{ID: "dark-" + site, Check: "dark-link", Severity: finding.Critical, Page: "http://" + site + "/", Message: "暗链"}
}

// TestTwoWorkersShareTheDay: two workers on one database inspect six
// sites: one run per (site, day), the alerts of each run delivered once,
// probes from both workers, and either dashboard shows every site and both
// workers.
func TestTwoWorkersShareTheDay(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	hook := &hookCounter{}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	wh, err := alert.NewWebhook("值班群", alert.JSON, hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	var inspections atomic.Int32
	inspect := func(ctx context.Context, s config.Site) (*finding.Report, error) {
		inspections.Add(1)
		time.Sleep(200 * time.Millisecond)
		now := time.Now()
		return &finding.Report{Site: s.URL, StartedAt: now.Add(-200 * time.Millisecond), FinishedAt: now, Complete: true,
			Findings: []finding.Finding{dark(serve.SiteKey(s))}}, nil
	}
	var probesBy sync.Map
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	dash := make([]string, 2)
	for i := range 2 {
		cfg := testConfig(t, db, 6)
		cfg.Serve.Cluster.WorkerID = fmt.Sprintf("w%d", i)
		ready := make(chan struct{})
		var once sync.Once
		wg.Go(func() {
			defer once.Do(func() { close(ready) })
			err := Run(ctx, Options{Config: cfg, Log: testLog(t).With("node", i), Inspect: inspect, Channels: []alert.Channel{wh},
				Probe: func(context.Context, string) (bool, float64, string) {
					probesBy.Store(i, true)
					return true, 5, ""
				},
				Ready: func(a string) { dash[i] = a; once.Do(func() { close(ready) }) }}, nil)
			if err != nil {
				t.Errorf("node %d: %v", i, err)
			}
		})
		<-ready
	}
	pool := openPool(t, db)
	waitFor(t, 60*time.Second, "six runs", func() bool { return count(t, pool, `SELECT COUNT(*) FROM runs`) == 6 })
	waitFor(t, 30*time.Second, "twelve alerts delivered", func() bool { return len(hook.snapshot()) == 12 })
	// A few more planner ticks change nothing.
	time.Sleep(3 * time.Second)
	if n := count(t, pool, `SELECT COUNT(*) FROM runs`); n != 6 {
		t.Errorf("%d runs after more planner ticks", n)
	}
	if n := count(t, pool, `SELECT COUNT(*) FROM (SELECT site, day FROM runs GROUP BY site, day HAVING COUNT(*) > 1) d`); n != 0 {
		t.Errorf("%d (site, day) with more than one run", n)
	}
	if n := inspections.Load(); n != 6 {
		t.Errorf("%d inspections, want 6", n)
	}
	for key, n := range hook.snapshot() {
		if n != 1 || !strings.HasPrefix(key, "run:") {
			t.Errorf("alert %q delivered %d times", key, n)
		}
	}
	if n := count(t, pool, `SELECT COUNT(DISTINCT worker) FROM runs`); n != 2 {
		t.Logf("runs saved by %d workers", n)
	}
	waitFor(t, 20*time.Second, "probes from both workers", func() bool {
		_, a := probesBy.Load(0)
		_, b := probesBy.Load(1)
		return a && b && count(t, pool, `SELECT COUNT(DISTINCT site) FROM probes`) == 6
	})
	for i, d := range dash {
		body := get(t, "http://"+d+"/")
		for _, want := range []string{"站点0", "站点5", "集群节点", "w0", "w1", "在线"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard %d lacks %q", i, want)
			}
		}
	}
	// Any worker's dashboard serves any site's report from the database.
	var site string
	var id int64
	pool.QueryRow(context.Background(), `SELECT site, id FROM runs WHERE worker = 'w1' LIMIT 1`).Scan(&site, &id)
	if body := get(t, fmt.Sprintf("http://%s/sites/%s/runs/%d/report.html", dash[0], site, id)); !strings.Contains(body, "暗链") {
		t.Errorf("worker 0's dashboard did not serve worker 1's report of %s", site)
	}
	cancel()
	wg.Wait()
}

func openPool(t *testing.T, url string) *pgx.Conn {
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func count(t *testing.T, c *pgx.Conn, q string, args ...any) int {
	t.Helper()
	var n int
	if err := c.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestDatabaseGoesAwayMidRun: the database stops while an inspection runs
// and is still down when it ends; the worker retries the save with backoff
// and saves the run once the database is back, without crashing.
func TestDatabaseGoesAwayMidRun(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	cfg := testConfig(t, db, 1)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	inspect := func(ctx context.Context, s config.Site) (*finding.Report, error) {
		once.Do(func() { close(started) })
		<-release
		now := time.Now()
		return &finding.Report{Site: s.URL, StartedAt: now, FinishedAt: now, Complete: true}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var logs bytes.Buffer
	var mu sync.Mutex
	go func() {
		done <- Run(ctx, Options{Config: cfg, Log: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil)), Inspect: inspect, Channels: []alert.Channel{},
			Probe: func(context.Context, string) (bool, float64, string) { return true, 1, "" }}, nil)
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("Run returned: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("no inspection started")
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	close(release)
	time.Sleep(3 * time.Second)
	select {
	case err := <-done:
		t.Fatalf("Run returned while the database was down: %v", err)
	default:
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	pool := openPool(t, db)
	waitFor(t, 30*time.Second, "the run saved after the database came back", func() bool { return count(t, pool, `SELECT COUNT(*) FROM runs`) == 1 })
	mu.Lock()
	if !strings.Contains(logs.String(), "save failed, retrying") {
		t.Errorf("no retry logged:\n%s", logs.String())
	}
	mu.Unlock()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(90 * time.Second):
		t.Error("Run did not return after cancel")
	}
}
