package serve

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/xunjian/xunjian/alert"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/sqlite"
)

func runsOf(t *testing.T, db, site string) []store.Run {
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs, _ := s.Runs(context.Background(), site, 10)
	return rs
}

// TestGracefulShutdownSavesPartialRun: SIGTERM (ctx cancelled) during an
// inspection; the run stops and is saved, marked incomplete.
func TestGracefulShutdownSavesPartialRun(t *testing.T) {
	cfg := testConfig(t)
	cfg.Serve.Dashboard = "127.0.0.1:0"
	started := make(chan struct{})
	inspect := func(ctx context.Context, s config.Site) (*finding.Report, error) {
		close(started)
		<-ctx.Done()
		r := fakeReport(time.Now())
		r.Complete, r.Incomplete = false, []string{"巡检被中断"}
		return r, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	var dash atomic.Value
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Inspect: inspect, Channels: []alert.Channel{},
			Probe: func(context.Context, string) (bool, float64, string) { return true, 1, "" },
			Ready: func(a string) { dash.Store(a) }}, nil)
	}()
	<-started
	resp, err := http.Get("http://" + dash.Load().(string) + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("dashboard: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	rs := runsOf(t, cfg.Serve.Database, "www.example.gov.cn")
	if len(rs) != 1 || rs[0].Complete {
		t.Errorf("runs after shutdown: %+v", rs)
	}
}

// TestReloadAddsSite: a new config (SIGHUP) schedules its new site, whose
// first run starts at once; the old site is not rerun.
func TestReloadAddsSite(t *testing.T) {
	cfg := testConfig(t)
	var calls atomic.Int32
	inspect := func(ctx context.Context, s config.Site) (*finding.Report, error) {
		calls.Add(1)
		r := fakeReport(time.Now())
		r.Site = s.URL
		return r, nil
	}
	reload := make(chan config.Config)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Inspect: inspect, Channels: []alert.Channel{},
			Probe: func(context.Context, string) (bool, float64, string) { return true, 1, "" }}, reload)
	}()
	waitFor(t, "first site's run", func() bool { return len(runsOf(t, cfg.Serve.Database, "www.example.gov.cn")) == 1 })
	next := cfg
	next.Sites = append(append([]config.Site{}, cfg.Sites...), config.Site{Name: "新站", URL: "http://new.example.gov.cn/"})
	reload <- next
	waitFor(t, "new site's run", func() bool { return len(runsOf(t, cfg.Serve.Database, "new.example.gov.cn")) == 1 })
	if n := calls.Load(); n != 2 {
		t.Errorf("%d inspections, want 2", n)
	}
	cancel()
	<-done
}

// TestReloadDoesNotWaitForRunningJobs: a scheduled job still running when
// a new config arrives (SIGHUP) is cancelled, so the new schedule starts at
// once instead of after the scheduler's two-minute stop timeout.
func TestReloadDoesNotWaitForRunningJobs(t *testing.T) {
	cfg := testConfig(t)
	cfg.Serve.RunMissed = false
	blocked := make(chan struct{})
	var probed sync.Map // home URL -> true
	probe := func(ctx context.Context, home string) (bool, float64, string) {
		if _, again := probed.LoadOrStore(home, true); !again && home == cfg.Sites[0].URL {
			close(blocked)
			<-ctx.Done() // a probe that hangs until its context ends
		}
		return true, 1, ""
	}
	reload := make(chan config.Config)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Channels: []alert.Channel{}, Probe: probe,
			Inspect: func(context.Context, config.Site) (*finding.Report, error) { return fakeReport(time.Now()), nil }}, reload)
	}()
	<-blocked
	next := cfg
	next.Sites = append(append([]config.Site{}, cfg.Sites...), config.Site{Name: "新站", URL: "http://new.example.gov.cn/"})
	reload <- next
	waitFor(t, "the new config's first probe", func() bool { _, ok := probed.Load("http://new.example.gov.cn/"); return ok })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// TestReloadLetsScheduledInspectionFinish: a config reloaded (SIGHUP)
// while the 02:00 inspection runs replaces the schedule at once (the new
// site is probed) but does not cancel the inspection: it finishes and is
// saved complete.
func TestReloadLetsScheduledInspectionFinish(t *testing.T) {
	cfg := testConfig(t)
	cfg.Serve.RunMissed = false
	// 17:59 UTC is 01:59 in Shanghai: the daily run is a minute away.
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 26, 17, 59, 0, 0, time.UTC))
	started, release := make(chan struct{}), make(chan struct{})
	var cancelled atomic.Bool
	inspect := func(ctx context.Context, s config.Site) (*finding.Report, error) {
		close(started)
		select {
		case <-release:
		case <-ctx.Done():
			cancelled.Store(true)
		}
		return fakeReport(clock.Now()), nil
	}
	var probed sync.Map
	reload := make(chan config.Config)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Inspect: inspect, Channels: []alert.Channel{}, Clock: clock,
			Probe: func(_ context.Context, home string) (bool, float64, string) {
				probed.Store(home, true)
				return true, 1, ""
			}}, reload)
	}()
	clock.BlockUntilContext(ctx, 2) // the probe's next firing and the daily run are armed
	clock.Advance(2 * time.Minute)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the 02:00 inspection did not start")
	}
	next := cfg
	next.Sites = append(append([]config.Site{}, cfg.Sites...), config.Site{Name: "新站", URL: "http://new.example.gov.cn/"})
	reload <- next
	waitFor(t, "the new config's first probe", func() bool { _, ok := probed.Load("http://new.example.gov.cn/"); return ok })
	if cancelled.Load() {
		t.Fatal("the reload cancelled the running inspection")
	}
	close(release)
	waitFor(t, "the inspection saved", func() bool { return len(runsOf(t, cfg.Serve.Database, "www.example.gov.cn")) == 1 })
	if rs := runsOf(t, cfg.Serve.Database, "www.example.gov.cn"); !rs[0].Complete || cancelled.Load() {
		t.Errorf("run %+v, cancelled %v", rs[0], cancelled.Load())
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
