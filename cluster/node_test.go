package cluster

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/internal/pgtest"
)

// newTestNode is a worker that is set up but not started: its planner
// and save can be called directly.
func newTestNode(t testing.TB, cfg config.Config, log *slog.Logger) *Node {
	t.Helper()
	ctx := context.Background()
	n := &Node{id: cfg.Serve.Cluster.WorkerID, log: log, stopping: make(chan struct{}), opts: Options{
		// No request leaves the machine: probes and inspections are stubs.
		Probe: func(context.Context, string) (bool, float64, string) { return true, 1, "" },
		Inspect: func(context.Context, config.Site) (*finding.Report, error) {
			return nil, errors.New("no inspection in this test")
		},
	}}
	st, err := Connect(ctx, cfg.Serve.Database, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	n.store = st
	if err := n.migrateRiver(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.configure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := n.newClient(cfg); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPlannerIdempotent: planning again, from another worker, after a
// skipped tick or a restart, never doubles a day; the next day is planned
// once its daily time has passed.
// TestPlannersDoNotDeadlock: planners on several nodes planning the same
// days at once never fail — each day's rows are inserted in one order
// (in a map's random orders two planners' inserts waited on each other and
// PostgreSQL aborted one as a deadlock) — and every (site, day) is planned
// once.
func TestPlannersDoNotDeadlock(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	cfg := testConfig(t, db, 200)
	nodes := []*Node{newTestNode(t, cfg, slog.New(slog.DiscardHandler)), newTestNode(t, cfg, slog.New(slog.DiscardHandler)),
		newTestNode(t, cfg, slog.New(slog.DiscardHandler))}
	ctx := context.Background()
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	total := 0
	for day := range 6 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range 8 {
			wg.Go(func() {
				p, err := nodes[i%len(nodes)].Plan(ctx, start.Add(time.Duration(day)*24*time.Hour))
				if err != nil {
					t.Errorf("day %d planner %d: %v", day, i, err)
				}
				mu.Lock()
				total += p
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	if total != 6*200 {
		t.Errorf("planned %d jobs over 6 days of 200 sites, want %d", total, 6*200)
	}
}

func TestPlannerIdempotent(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	cfg := testConfig(t, db, 5)
	cfg.Serve.DailyAt, cfg.Serve.TimeZone = "02:00", "Asia/Shanghai"
	cfg.Sites[4].DailyAt = "09:00"
	a := newTestNode(t, cfg, slog.New(slog.DiscardHandler))
	b := newTestNode(t, cfg, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	pool := openPool(t, db)
	// 02:30 in Shanghai: four sites are due today, the 09:00 one is due
	// for yesterday (never run: it runs now, as a missed run).
	now := time.Date(2026, 11, 26, 18, 30, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var planned [4]int
	for i := range 4 {
		wg.Go(func() {
			n := a
			if i%2 == 1 {
				n = b
			}
			p, err := n.Plan(ctx, now)
			if err != nil {
				t.Error(err)
			}
			planned[i] = p
		})
	}
	wg.Wait()
	if sum := planned[0] + planned[1] + planned[2] + planned[3]; sum != 5 {
		t.Errorf("concurrent planners enqueued %v jobs, want 5 in all", planned)
	}
	if n := count(t, pool, `SELECT COUNT(*) FROM river_job WHERE kind = 'inspect'`); n != 5 {
		t.Errorf("%d inspect jobs", n)
	}
	if n := count(t, pool, `SELECT COUNT(*) FROM inspect_days WHERE day = '2026-11-27'`); n != 4 {
		t.Errorf("%d sites planned for the 27th", n)
	}
	if n := count(t, pool, `SELECT COUNT(*) FROM inspect_days WHERE day = '2026-11-26' AND site = 's4.example.gov.cn'`); n != 1 {
		t.Errorf("the 09:00 site is not planned for the 26th")
	}
	// Later the same day: nothing new, then 09:00 passes for the last site.
	if p, _ := a.Plan(ctx, now.Add(2*time.Hour)); p != 0 {
		t.Errorf("replanned %d", p)
	}
	if p, _ := b.Plan(ctx, now.Add(7*time.Hour)); p != 1 {
		t.Errorf("09:00 site: planned %d, want 1", p)
	}
	// Even with River's job rows gone (completed jobs are cleaned after a
	// while), the (site, day) rows keep a day from running twice.
	if _, err := pool.Exec(ctx, `DELETE FROM river_job`); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Plan(ctx, now.Add(8*time.Hour)); p != 0 {
		t.Errorf("replanned %d after River's rows were cleaned", p)
	}
	// A skipped day (the cluster was down) is not run twice either: only
	// the latest due day is planned.
	if p, _ := a.Plan(ctx, now.Add(72*time.Hour)); p != 5 {
		t.Errorf("three days later: planned %d, want 5", p)
	}
	// The job timeout follows the last run time.
	if got := JobTimeout(30*time.Minute, time.Hour, 20*time.Hour); got != 90*time.Minute {
		t.Errorf("timeout %v", got)
	}
	if got := JobTimeout(0, time.Hour, 20*time.Hour); got != time.Hour {
		t.Errorf("first-run timeout %v", got)
	}
	if got := JobTimeout(10*time.Hour, time.Hour, 20*time.Hour); got != 20*time.Hour {
		t.Errorf("capped timeout %v", got)
	}
}

// TestCheckOwner: the save's ownership check refuses a job that was
// rescued (another attempt) or finished.
func TestCheckOwner(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	cfg := testConfig(t, db, 1)
	n := newTestNode(t, cfg, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	res, err := n.client.Insert(ctx, InspectArgs{Site: "s0.example.gov.cn", Day: "2026-11-27", TimeoutMs: 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Job.ID
	pool := openPool(t, db)
	set := func(state string, attempt int) {
		if _, err := pool.Exec(ctx, `UPDATE river_job SET state = $2::river_job_state, attempt = $3, attempted_at = now(),
		  finalized_at = CASE WHEN $2 = 'completed' THEN now() END WHERE id = $1`, id, state, attempt); err != nil {
			t.Fatal(err)
		}
	}
	check := func(attempt int) error {
		return pgx.BeginFunc(ctx, n.store.Pool(), func(tx pgx.Tx) error { return checkOwner(ctx, tx, id, attempt) })
	}
	set("running", 1)
	if err := check(1); err != nil {
		t.Errorf("owner refused: %v", err)
	}
	set("running", 2) // rescued and picked up again
	if err := check(1); !errors.Is(err, errNotOwner) {
		t.Errorf("stale attempt: %v", err)
	}
	set("completed", 2)
	if err := check(2); !errors.Is(err, errNotOwner) {
		t.Errorf("finished job: %v", err)
	}
	if err := check(1); !errors.Is(err, errNotOwner) || !strings.Contains(err.Error(), "completed at attempt 2") {
		t.Errorf("message: %v", err)
	}
}

// TestSitesDatabaseWins: a worker whose config disagrees about a site uses
// the database's settings and says so; --push-sites replaces them.
func TestSitesDatabaseWins(t *testing.T) {
	srv := pgtest.Start(t)
	db := srv.NewDatabase(t)
	cfg := testConfig(t, db, 2)
	cfg.Sites[0].DailyAt = "02:00"
	newTestNode(t, cfg, slog.New(slog.DiscardHandler))
	other := testConfig(t, db, 1)
	other.Sites[0].DailyAt = "05:00"
	var logs bytes.Buffer
	n := newTestNode(t, other, slog.New(slog.NewTextHandler(&logs, nil)))
	if s, _ := n.site("s0.example.gov.cn"); s.DailyAt != "02:00" {
		t.Errorf("site settings %+v, want the database's 02:00", s)
	}
	if _, ok := n.site("s1.example.gov.cn"); !ok {
		t.Error("a site of another worker's config is not inspected")
	}
	if !strings.Contains(logs.String(), "the database's view wins") || !strings.Contains(logs.String(), "site=s0.example.gov.cn") {
		t.Errorf("difference not logged: %s", logs.String())
	}
	n.opts.PushSites = true
	if err := n.configure(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if s, _ := n.site("s0.example.gov.cn"); s.DailyAt != "05:00" {
		t.Errorf("after push %+v", s)
	}
	if _, ok := n.site("s1.example.gov.cn"); ok {
		t.Error("push kept a site the config dropped")
	}
}

// TestConnect: a wrong password fails at once naming the setting, without
// showing the password; a database down at start-up is waited for.
func TestConnect(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()
	bad := strings.Replace(srv.URL, pgtest.Password, "wrong-secret", 1)
	_, err := Connect(ctx, bad, slog.New(slog.DiscardHandler))
	if err == nil || !strings.HasPrefix(err.Error(), "serve.database postgres://postgres:xxxxx@") || !strings.Contains(err.Error(), "password authentication failed") || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("wrong password: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		st, err := Connect(ctx, srv.URL, slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil)))
		if st != nil {
			st.Close()
		}
		done <- err
	}()
	time.Sleep(2500 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("returned while the database was down: %v", err)
	default:
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not connect once the database was up")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "database unreachable, retrying") || strings.Contains(logs.String(), pgtest.Password) {
		t.Errorf("logs %s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
