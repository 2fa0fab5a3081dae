package serve

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/xunjian/xunjian/alert"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/sqlite"
	"github.com/xunjian/xunjian/store/storetest"
)

func testConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.Sites = []config.Site{{Name: "示例县", URL: "http://www.example.gov.cn/"}}
	cfg.Serve.Database = filepath.Join(t.TempDir(), "x.db")
	cfg.Serve.ReportsDir = filepath.Join(t.TempDir(), "reports")
	cfg.Serve.Dashboard = ""
	return cfg
}

func fakeReport(start time.Time, fs ...finding.Finding) *finding.Report {
	r := &finding.Report{Site: "http://www.example.gov.cn/", StartedAt: start, FinishedAt: start.Add(time.Minute), Complete: true,
		Checks: []string{"broken-link"}, Evaluation: &finding.Evaluation{Score: new(100.0), Verdict: finding.VerdictPass, Passed: true,
			Vetoes: []finding.Veto{{Item: "站点无法访问", Status: finding.VetoPass}}}}
	r.Findings = append(r.Findings, fs...)
	return r
}

// waitFor polls cond for up to 30 s: a failure detector for events that
// take milliseconds, with room for a loaded machine under -race.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// jobOutcomes is a gocron.Monitor: it counts, per job, the firings that
// ran and those skipped because the job's previous run still held its
// singleton slot.
type jobOutcomes struct {
	mu sync.Mutex
	n  map[string]map[gocron.JobStatus]int
}

func (o *jobOutcomes) IncrementJob(_ uuid.UUID, name string, _ []string, status gocron.JobStatus) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[string]map[gocron.JobStatus]int{}
	}
	if o.n[name] == nil {
		o.n[name] = map[gocron.JobStatus]int{}
	}
	o.n[name][status]++
}

func (o *jobOutcomes) RecordJobTiming(time.Time, time.Time, uuid.UUID, string, []string) {}

func (o *jobOutcomes) of(name string) map[gocron.JobStatus]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps.Clone(o.n[name])
}

func (o *jobOutcomes) count(name string, statuses ...gocron.JobStatus) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, s := range statuses {
		n += o.n[name][s]
	}
	return n
}

// TestScheduleWithFakeClock drives gocron with a fake clock: probes every
// 5 minutes, the daily run at 02:00 Asia/Shanghai, in milliseconds.
//
// gocron does a firing's bookkeeping asynchronously: it arms the next
// firing before the run starts, frees the job's singleton slot after it
// ends, and prunes past schedule times when told the run started. A fake
// clock that jumps 5 minutes as soon as the next firing is armed can
// overtake that bookkeeping: the firing is then skipped (the slot is still
// held) or repeated at once (its time was pruned). Neither can happen at
// real 5-minute intervals. The test used to expect exactly one probe per
// step and failed about one run in three under load; it now steps until
// enough probes have run (gocron's monitor tells each firing's outcome),
// all before 02:00, and expects exactly one daily run after.
func TestScheduleWithFakeClock(t *testing.T) {
	cfg := testConfig(t)
	st, err := sqlite.Open(context.Background(), cfg.Serve.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// 17:00 UTC is 01:00 in Shanghai: the daily run is due in an hour.
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC))
	due := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	var inspections, probes atomic.Int32
	svc := &Service{Config: cfg, Store: st, Now: clock.Now,
		Inspect: func(ctx context.Context, s config.Site) (*finding.Report, error) {
			inspections.Add(1)
			return fakeReport(clock.Now()), nil
		},
		Probe: func(ctx context.Context, home string) (bool, float64, string) { probes.Add(1); return true, 12, "" },
	}
	outcomes := &jobOutcomes{}
	sched, err := gocron.NewScheduler(gocron.WithClock(clock), gocron.WithLocation(time.UTC), gocron.WithMonitor(outcomes))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := svc.Schedule(ctx, sched); err != nil {
		t.Fatal(err)
	}
	probeJob, dailyJob := "probe "+SiteKey(cfg.Sites[0]), "inspect "+SiteKey(cfg.Sites[0])
	fired := func() int { return outcomes.count(probeJob, gocron.Success, gocron.Fail, gocron.SingletonRescheduled) }
	sched.Start()
	defer sched.Shutdown()
	waitFor(t, "the probe at start", func() bool { return fired() >= 1 })
	const wantProbes = 4
	for outcomes.count(probeJob, gocron.Success) < wantProbes {
		if !clock.Now().Add(5 * time.Minute).Before(due) {
			t.Fatalf("%d probes ran by %v, want %d: firings %v", outcomes.count(probeJob, gocron.Success), clock.Now(), wantProbes, outcomes.of(probeJob))
		}
		clock.BlockUntilContext(ctx, 2) // the probe's next firing and the daily run are armed
		before := fired()
		clock.Advance(5 * time.Minute)
		waitFor(t, "the probe's firing", func() bool { return fired() > before })
		if inspections.Load() != 0 {
			t.Fatalf("inspected before 02:00 (%v)", clock.Now())
		}
	}
	// 18:05 UTC = 02:05 Shanghai: the 02:00 run has fired.
	clock.BlockUntilContext(ctx, 2)
	clock.Advance(due.Add(5 * time.Minute).Sub(clock.Now()))
	waitFor(t, "daily inspection", func() bool { return outcomes.count(dailyJob, gocron.Success) == 1 })
	if n := inspections.Load(); n != 1 {
		t.Errorf("%d inspections, want 1", n)
	}
	if n := probes.Load(); n < wantProbes {
		t.Errorf("%d probes, want at least %d", n, wantProbes)
	}
	waitFor(t, "saved run", func() bool { runs, _ := st.Runs(ctx, "www.example.gov.cn", 5); return len(runs) == 1 })
	total, _, _ := st.Availability(ctx, "www.example.gov.cn", clock.Now().Add(-2*time.Hour))
	if total < wantProbes {
		t.Errorf("%d probes recorded, want at least %d", total, wantProbes)
	}
}

func TestRunSiteNeverOverlaps(t *testing.T) {
	cfg := testConfig(t)
	st, _ := sqlite.Open(context.Background(), cfg.Serve.Database)
	defer st.Close()
	release := make(chan struct{})
	var calls atomic.Int32
	svc := &Service{Config: cfg, Store: st, Inspect: func(ctx context.Context, s config.Site) (*finding.Report, error) {
		calls.Add(1)
		<-release
		return fakeReport(time.Now()), nil
	}}
	var wg sync.WaitGroup
	wg.Go(func() { svc.RunSite(context.Background(), cfg.Sites[0]) })
	waitFor(t, "first run", func() bool { return calls.Load() == 1 })
	svc.RunSite(context.Background(), cfg.Sites[0]) // returns at once: skipped
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d inspections ran, want 1", calls.Load())
	}
}

func TestRunSiteHistoryReportsAlertsAvailability(t *testing.T) {
	cfg := testConfig(t)
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		w.Write([]byte(`{"errcode":0}`))
	}))
	defer hook.Close()
	st, _ := sqlite.Open(context.Background(), cfg.Serve.Database)
	defer st.Close()
	wh, _ := alert.NewWebhook("值班群", alert.WeCom, hook.URL)
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	dark := finding.Finding{ID: "d1", Check: "dark-link", Severity: finding.Critical, Page: "http://www.example.gov.cn/", Message: "暗链"}
	var next *finding.Report
	svc := &Service{Config: cfg, Store: st, Now: func() time.Time { return now },
		Alerts:  &alert.Dispatcher{Channels: []alert.Channel{wh}, Now: func() time.Time { return now }, Reminder: 24 * time.Hour, DownAfter: 3},
		Inspect: func(ctx context.Context, s config.Site) (*finding.Report, error) { return next, nil },
	}
	// A week of probes, 10% failing: the availability veto fails.
	for i := range 100 {
		st.AddProbe(context.Background(), store.Probe{Site: "www.example.gov.cn", At: now.Add(-time.Duration(i) * time.Hour), OK: i%10 != 0, TotalMs: 10})
	}
	next = fakeReport(now, dark)
	if err := svc.RunSite(context.Background(), cfg.Sites[0]); err != nil {
		t.Fatal(err)
	}
	svc.Alerts.Deliver(context.Background(), st)
	if len(got) != 2 || !strings.Contains(got[0], "每日巡检") || !strings.Contains(got[1], "发现新问题：暗链") {
		t.Errorf("alerts %q", got)
	}
	if !strings.Contains(got[0], "/sites/www.example.gov.cn/runs/1/report.html") {
		t.Errorf("digest lacks the stable report link: %s", got[0])
	}
	rep, _, _ := st.Report(context.Background(), "www.example.gov.cn", 1)
	if rep.Evaluation.Vetoes[0].Status != finding.VetoFail || !strings.Contains(rep.Evaluation.Vetoes[0].Evidence, "10.0%") {
		t.Errorf("availability veto %+v", rep.Evaluation.Vetoes[0])
	}
	for _, f := range []string{"report.json", "report.html", "ledger.xlsx"} {
		if _, err := filepath.Glob(filepath.Join(cfg.Serve.ReportsDir, "www.example.gov.cn", "1", f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// Fixed the next day: a resolved message.
	now = now.Add(24 * time.Hour)
	next = fakeReport(now)
	svc.RunSite(context.Background(), cfg.Sites[0])
	svc.Alerts.Deliver(context.Background(), st)
	if len(got) != 4 || !strings.Contains(got[2], "已修复 1") || !strings.Contains(got[3], "问题已修复：暗链") {
		t.Errorf("after the fix %q", got[2:])
	}
}

func TestRunMissed(t *testing.T) {
	cfg := testConfig(t)
	st, _ := sqlite.Open(context.Background(), cfg.Serve.Database)
	defer st.Close()
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC) // 11:00 in Shanghai
	var calls atomic.Int32
	svc := &Service{Config: cfg, Store: st, Now: func() time.Time { return now },
		Inspect: func(ctx context.Context, s config.Site) (*finding.Report, error) {
			calls.Add(1)
			return fakeReport(now), nil
		}}
	var wg sync.WaitGroup
	svc.RunMissed(context.Background(), &wg) // never run: runs now
	wg.Wait()
	svc.RunMissed(context.Background(), &wg) // ran after today's 02:00: nothing
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d runs, want 1", calls.Load())
	}
	if got := svc.LastScheduled(cfg.Sites[0], now); !got.Equal(time.Date(2026, 11, 26, 2, 0, 0, 0, mustLoc("Asia/Shanghai"))) {
		t.Errorf("last scheduled %v", got)
	}
}

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func TestDashboard(t *testing.T) {
	cfg := testConfig(t)
	st, _ := sqlite.Open(context.Background(), cfg.Serve.Database)
	defer st.Close()
	svc := &Service{Config: cfg, Store: st, Now: time.Now}
	rep := fakeReport(time.Now(), finding.Finding{ID: "x1", Check: "broken-link", Severity: finding.High, Page: "http://www.example.gov.cn/", Message: "首页不可用链接<script>"})
	storetest.Save(context.Background(), st, store.NewRun{Site: "www.example.gov.cn", Report: rep})
	st.AddProbe(context.Background(), store.Probe{Site: "www.example.gov.cn", At: time.Now(), OK: true, TotalMs: 10})
	srv := httptest.NewServer((&Dashboard{Current: func() *Service { return svc }}).Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		path, want string
		code       int
	}{
		{"/", "示例县", 200},
		{"/", "100.0%", 200},
		{"/sites/www.example.gov.cn/", "巡检记录", 200},
		{"/sites/www.example.gov.cn/", "<svg", 200},
		{"/sites/www.example.gov.cn/runs/1/report.html", "首页不可用链接&lt;script&gt;", 200},
		{"/sites/www.example.gov.cn/runs/1/report.json", `"id": "x1"`, 200},
		{"/sites/www.example.gov.cn/runs/1/ledger.xlsx", "PK", 200},
		{"/sites/www.example.gov.cn/latest/report.json", `"id": "x1"`, 200},
		{"/sites/www.example.gov.cn/runs/9/report.html", "", 404},
		{"/sites/nope/", "", 404},
		{"/sites/www.example.gov.cn/runs/1/..%2f..%2fx.db", "", 404},
		{"/sites/www.example.gov.cn/runs/1/secret.txt", "", 404},
	} {
		code, body := get(tc.path)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d, body lacks %q", tc.path, code, tc.want)
		}
	}
}

// TestDashboardIncompleteRun: a run that could not check everything shows
// no verdict and no score as if it were complete: 无法判定, 无法估算 with
// the reason, the unchecked vetoes named, the run marked 未完成.
func TestDashboardIncompleteRun(t *testing.T) {
	cfg := testConfig(t)
	st, _ := sqlite.Open(context.Background(), cfg.Serve.Database)
	defer st.Close()
	svc := &Service{Config: cfg, Store: st, Now: time.Now}
	rep := fakeReport(time.Now())
	rep.Complete, rep.Incomplete = false, []string{"巡检被中断"}
	rep.Evaluation = &finding.Evaluation{ScoreNote: "巡检被中断，未能检查全部页面", Verdict: finding.VerdictUnknown,
		Vetoes: []finding.Veto{{Item: "站点无法访问", Status: finding.VetoPass}, {Item: "首页不更新", Status: finding.VetoUnchecked, Evidence: "巡检被中断"},
			{Item: "互动回应差", Status: finding.VetoUnchecked, Evidence: "需人工核查留言办理情况"}}}
	storetest.Save(context.Background(), st, store.NewRun{Site: "www.example.gov.cn", Report: rep})
	srv := httptest.NewServer((&Dashboard{Current: func() *Service { return svc }}).Handler())
	defer srv.Close()
	for path, wants := range map[string][]string{
		"/":                          {"无法判定（部分指标未检查）", "无法估算", "未检查：首页不更新", "未完成"},
		"/sites/www.example.gov.cn/": {"无法判定（部分指标未检查）", "估算得分 无法估算", "无法估算得分：巡检被中断，未能检查全部页面", "未检查：首页不更新<"},
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if resp.StatusCode != 200 || strings.Contains(body, "预计合格") || strings.Contains(body, "预计不合格") {
			t.Errorf("GET %s: %d, claims a verdict:\n%s", path, resp.StatusCode, body)
		}
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s lacks %q", path, want)
			}
		}
	}
}

// failingOutbox is a store whose outbox writes fail: a crash between
// saving a run and queueing its alerts.
type failingOutbox struct{ store.Store }

func (f failingOutbox) Update(ctx context.Context, fn func(store.Tx) error) error {
	return f.Store.Update(ctx, func(tx store.Tx) error { return fn(failingTx{tx}) })
}

type failingTx struct{ store.Tx }

func (failingTx) Enqueue(context.Context, store.OutboxMessage) error {
	return errors.New("disk full")
}

// TestRunAndAlertsOneTransaction: when the alerts of a run cannot be
// queued, the run is not saved either, so the next run finds the problem
// new again and alerts: nothing is lost between the two writes.
func TestRunAndAlertsOneTransaction(t *testing.T) {
	cfg := testConfig(t)
	st, err := sqlite.Open(context.Background(), cfg.Serve.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, string(b))
		w.Write([]byte(`{"errcode":0}`))
	}))
	defer hook.Close()
	wh, _ := alert.NewWebhook("值班群", alert.WeCom, hook.URL)
	dark := finding.Finding{ID: "d1", Check: "dark-link", Severity: finding.Critical, Page: "http://www.example.gov.cn/", Message: "暗链"}
	svc := &Service{Config: cfg, Store: failingOutbox{st},
		Alerts: &alert.Dispatcher{Channels: []alert.Channel{wh}, Reminder: 24 * time.Hour, DownAfter: 3},
		Inspect: func(ctx context.Context, s config.Site) (*finding.Report, error) {
			return fakeReport(time.Now(), dark), nil
		},
	}
	if err := svc.RunSite(context.Background(), cfg.Sites[0]); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("run with a failing outbox: %v", err)
	}
	if runs, _ := st.Runs(context.Background(), "www.example.gov.cn", 5); len(runs) != 0 {
		t.Fatalf("run saved without its alerts: %+v", runs)
	}
	if _, ok, _ := st.Alert(context.Background(), "finding:www.example.gov.cn:d1"); ok {
		t.Fatal("alert state recorded for an alert never queued")
	}
	svc.Store = st
	if err := svc.RunSite(context.Background(), cfg.Sites[0]); err != nil {
		t.Fatal(err)
	}
	svc.Alerts.Deliver(context.Background(), st)
	if len(got) != 2 || !strings.Contains(got[1], "发现新问题：暗链") {
		t.Errorf("alerts after the retry: %q", got)
	}
}
