package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/internal/pgtest"
)

// BenchmarkPlanAndClaim measures the cluster's own overhead for a day of
// 1,500 sites on three workers: the planner's transaction, River's claims,
// the save transactions (ownership check, statuses, completion). The
// inspection itself is a stub returning a report of 40 findings, a third
// of them new each day. One iteration is one day. Reported: inspect jobs
// per second and the database's growth per day.
//
//	go test -run XXX -bench PlanAndClaim -benchtime 3x ./cluster/
func BenchmarkPlanAndClaim(b *testing.B) {
	const sites = 1500
	srv := pgtest.Start(b)
	db := srv.NewDatabase(b)
	cfg := testConfig(b, db, sites)
	cfg.Serve.Cluster.Concurrency = 8
	cfg.Serve.Cluster.PlannerInterval = config.Duration(time.Hour)
	cfg.Serve.ProbeInterval = config.Duration(time.Hour)
	cfg.Serve.Cluster.ProbeShards = 1
	cfg.Alerts.Digest = false
	day := 0
	inspect := func(ctx context.Context, s config.Site) (*finding.Report, error) {
		now := time.Now()
		r := &finding.Report{Site: s.URL, StartedAt: now, FinishedAt: now, Complete: true, Checks: []string{"broken-link"}}
		for i := range 40 {
			id := i
			if i%3 == 0 {
				id = i + 1000*day // a third change every day
			}
			r.Findings = append(r.Findings, finding.Finding{ID: fmt.Sprintf("f%d", id), Check: "broken-link", Kind: "not-found", Severity: finding.Medium,
				Page: s.URL + fmt.Sprintf("col/%d/index.html", i), Target: s.URL + fmt.Sprintf("art/%d.html", id), Message: "其他页面不可用链接：HTTP 404"})
		}
		return r, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var nodes []*Node
	for i := range 3 {
		c := cfg
		c.Serve.Cluster.WorkerID = fmt.Sprintf("bench%d", i)
		n := newTestNode(b, c, slog.New(slog.DiscardHandler))
		n.opts.Inspect = inspect
		n.opts.Probe = func(context.Context, string) (bool, float64, string) { return true, 1, "" }
		if err := n.configure(ctx, c); err != nil {
			b.Fatal(err)
		}
		if err := n.client.Start(ctx); err != nil {
			b.Fatal(err)
		}
		defer n.client.Stop(context.Background())
		nodes = append(nodes, n)
	}
	pool := nodes[0].store.Pool()
	size := func() int64 {
		var n int64
		pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
		return n
	}
	runs := func() int {
		var n int
		pool.QueryRow(ctx, `SELECT COUNT(*) FROM runs`).Scan(&n)
		return n
	}
	base := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	start := size()
	b.ResetTimer()
	var total time.Duration
	for i := range b.N {
		day = i
		t0 := time.Now()
		planned, err := nodes[i%3].Plan(ctx, base.AddDate(0, 0, i))
		if err != nil || planned != sites {
			b.Fatalf("planned %d: %v", planned, err)
		}
		for runs() < sites*(i+1) {
			time.Sleep(20 * time.Millisecond)
		}
		total += time.Since(t0)
	}
	b.StopTimer()
	b.ReportMetric(float64(sites*b.N)/total.Seconds(), "jobs/s")
	pool.Exec(ctx, `VACUUM`)
	b.ReportMetric(float64(size()-start)/float64(b.N)/(1<<20), "MB/day")
}
