// Package serve is the daily routine (`xunjian serve`): per site, a full
// inspection every day at a set time in the site's time zone and homepage
// probes on their own interval, scheduled with gocron; history in SQLite;
// alerts through the outbox; a read-only dashboard. Runs of one site never
// overlap, a run missed while the service was down runs at start-up, and
// shutdown cancels a running inspection, which still saves its partial
// report marked incomplete.
package serve

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/xunjian/xunjian/alert"
	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/inspect"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/reports"
	"github.com/xunjian/xunjian/reports/layout"
	"github.com/xunjian/xunjian/store"
)

// InspectFunc runs one inspection (inspect.Run in production).
type InspectFunc func(ctx context.Context, site config.Site) (*finding.Report, error)

// ProbeFunc requests a homepage once.
type ProbeFunc func(ctx context.Context, home string) (ok bool, totalMs float64, reason string)

// Service runs the schedule for the sites of a config.
type Service struct {
	Config  config.Config
	Store   store.Store
	Alerts  *alert.Dispatcher
	Log     *slog.Logger
	Now     func() time.Time
	Inspect InspectFunc
	Probe   ProbeFunc
	// Runs is the context scheduled inspections run in, and Running counts
	// them (Run sets both: the server's lifetime). A reload that replaces
	// the schedule then lets a running inspection finish instead of
	// cancelling it; shutting down still stops it, saved as incomplete.
	// When Runs is nil they run in Schedule's context.
	Runs     context.Context
	Running  *sync.WaitGroup
	locks    *siteLocks
	initMu   sync.Mutex
	RunsDone func(site string) // test hook: called after each saved run
}

// siteLocks keeps one lock per site, shared across config reloads.
type siteLocks struct {
	mu sync.Mutex
	m  map[string]*sync.Mutex
}

// SiteKey is the stable id of a site in the history and the dashboard's
// URLs: its host and port.
func SiteKey(s config.Site) string { return layout.SiteDir(s.URL) }

func (s *Service) lock(key string) *sync.Mutex {
	s.initMu.Lock()
	if s.locks == nil {
		s.locks = &siteLocks{}
	}
	l := s.locks
	s.initMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*sync.Mutex{}
	}
	if l.m[key] == nil {
		l.m[key] = &sync.Mutex{}
	}
	return l.m[key]
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// RunSite inspects one site now, unless a run of it is already going:
// saves the run (statuses against the last one) and queues its digest and
// alerts in one transaction, then writes its report files.
func (s *Service) RunSite(ctx context.Context, site config.Site) error {
	key := SiteKey(site)
	mu := s.lock(key)
	if !mu.TryLock() {
		s.log().Info("run skipped: the previous run of this site is still going", "site", key)
		return nil
	}
	defer mu.Unlock()
	s.log().Info("inspection start", "site", key)
	// The day's checkpoint lets a run cut short by a crash resume when it
	// is run again (missed-run logic at the next start).
	day := s.LastScheduled(site, s.now()).Format("2006-01-02")
	rep, err := s.Inspect(inspect.WithScheduled(ctx, inspect.Scheduled{Day: day, Attempt: 1}), site)
	if err != nil {
		return fmt.Errorf("site %s: %w", key, err)
	}
	// A cancelled run is still saved, marked incomplete: finished data is
	// never lost, and an incomplete run fixes nothing.
	sctx := context.WithoutCancel(ctx)
	s.AddAvailability(sctx, key, rep)
	var id int64
	err = s.Store.Update(sctx, func(tx store.Tx) error {
		var out []alert.Outgoing
		var err error
		if id, out, err = s.SaveRun(sctx, tx, site, "", rep); err != nil {
			return err
		}
		return alert.Queue(sctx, tx, out, s.now())
	})
	if err != nil {
		return fmt.Errorf("site %s: %w", key, err)
	}
	if m, ok := s.Store.(store.Memory); ok {
		if err := m.DeleteCheckpoint(sctx, inspect.MemoryKey(site), day); err != nil {
			s.log().Warn("checkpoint", "site", key, "err", err)
		}
	}
	s.WriteReports(key, id, rep)
	s.LogRunEnd(s.log(), site, key, id, rep)
	if s.RunsDone != nil {
		s.RunsDone(key)
	}
	return nil
}

// SaveRun saves a run of site (day: the scheduled day, "" for none) in tx
// and decides its alerts, to be queued in the same transaction.
func (s *Service) SaveRun(ctx context.Context, tx store.Tx, site config.Site, day string, rep *finding.Report) (int64, []alert.Outgoing, error) {
	key := SiteKey(site)
	id, fixed, err := tx.SaveRun(ctx, store.NewRun{Site: key, Day: day, Report: rep})
	if err != nil {
		return 0, nil, err
	}
	if s.Alerts == nil {
		return id, nil, nil
	}
	out, err := s.Alerts.AfterRun(ctx, tx, "run:"+strconv.FormatInt(id, 10), SiteName(site), key, rep, fixed, s.ReportLink(key, id), s.Config.Alerts.Digest)
	if err != nil {
		return 0, nil, fmt.Errorf("alerts: %w", err)
	}
	return id, out, nil
}

// WriteReports writes a saved run's report files (a cache: the dashboard
// rebuilds them from the history when they are missing).
func (s *Service) WriteReports(key string, id int64, rep *finding.Report) {
	if s.Config.Serve.ReportsDir == "" {
		return
	}
	dir := filepath.Join(s.Config.Serve.ReportsDir, key, strconv.FormatInt(id, 10))
	if _, err := reports.WriteFiles(dir, rep, s.Config.Report.Formats); err != nil {
		s.log().Error("write reports", "site", key, "run", id, "err", err)
	}
}

// SiteName is how messages and the dashboard name a site.
func SiteName(site config.Site) string {
	if site.Name != "" {
		return site.Name
	}
	return SiteKey(site)
}

// ReportLink is the stable dashboard URL of a run's report.
func (s *Service) ReportLink(key string, id int64) string {
	return s.baseURL() + "/sites/" + key + "/runs/" + strconv.FormatInt(id, 10) + "/report.html"
}

// LogRunEnd logs how a run ended: the site, its counts by severity, the
// pre-evaluation's verdict and score, whether it is complete (and why
// not), and the report's URL on the dashboard.
func (s *Service) LogRunEnd(log *slog.Logger, site config.Site, key string, id int64, rep *finding.Report) {
	report := s.ReportLink(key, id)
	if s.Config.Serve.Dashboard == "" && s.Config.Serve.BaseURL == "" && s.Config.Serve.ReportsDir != "" {
		report = filepath.Join(s.Config.Serve.ReportsDir, key, strconv.FormatInt(id, 10), "report.html") // no dashboard serves it
	}
	bySev := map[finding.Severity]int{}
	for _, f := range rep.Findings {
		bySev[f.Severity]++
	}
	var counts []string
	for _, sev := range finding.Severities {
		if bySev[sev] > 0 {
			counts = append(counts, fmt.Sprintf("%s=%d", sev, bySev[sev]))
		}
	}
	args := []any{"site", key, "name", site.Name, "run", id, "findings", len(rep.Findings), "by_severity", strings.Join(counts, ",")}
	if e := rep.Evaluation; e != nil {
		score := "none"
		if e.Score != nil {
			score = strconv.FormatFloat(*e.Score, 'f', 1, 64)
		}
		args = append(args, "verdict", e.Verdict, "score", score)
	}
	args = append(args, "complete", rep.Complete)
	if !rep.Complete {
		args = append(args, "incomplete", strings.Join(rep.Incomplete, "；"))
	}
	args = append(args, "report", report, "duration", rep.FinishedAt.Sub(rep.StartedAt).Round(time.Second).String())
	log.Info("run finished", args...)
}

func (s *Service) baseURL() string {
	if s.Config.Serve.BaseURL != "" {
		return strings.TrimSuffix(s.Config.Serve.BaseURL, "/")
	}
	return "http://" + s.Config.Serve.Dashboard
}

// AddAvailability applies the national rule to the last 7 days of probes:
// veto at 5% of probes unanswered within 15 s, early warning at 3%, and a
// site unreachable more than 80% of the time is probably rebuilt or closed.
func (s *Service) AddAvailability(ctx context.Context, key string, rep *finding.Report) {
	total, failed, err := s.Store.Availability(ctx, key, s.now().Add(-7*24*time.Hour))
	if err != nil || total == 0 {
		return
	}
	ratio := float64(failed) / float64(total)
	if rep.Measurements == nil {
		rep.Measurements = map[string]any{}
	}
	rep.Measurements["availability"] = map[string]any{"probes": total, "failed": failed, "failure_ratio": ratio, "days": 7}
	if rep.Evaluation == nil {
		return
	}
	for i := range rep.Evaluation.Vetoes {
		v := &rep.Evaluation.Vetoes[i]
		if v.Item != "站点无法访问" {
			continue
		}
		ev := fmt.Sprintf("近 7 天首页探测 %d 次，失败 %d 次（%.1f%%）", total, failed, ratio*100)
		switch {
		case ratio > 0.8:
			v.Status, v.Evidence = finding.VetoFail, ev+"：网站长期无法访问，疑似正在改版或已关停"
		case ratio >= 0.05:
			v.Status, v.Evidence = finding.VetoFail, ev+"，达到 5% 的否决线"
		case ratio >= 0.03:
			v.Status, v.Evidence = finding.VetoWarning, ev+"，超过 3% 的预警线"
		default:
			if v.Status != finding.VetoFail {
				v.Status, v.Evidence = finding.VetoPass, ev
			}
		}
		rep.Evaluation.Settle(catalog.ManualItems()...)
	}
}

// ProbeSite probes the homepage once, records it, and alerts on downtime.
func (s *Service) ProbeSite(ctx context.Context, site config.Site) error {
	ok, ms, reason := s.Probe(ctx, site.URL)
	if ctx.Err() != nil {
		return nil
	}
	p := store.Probe{Site: SiteKey(site), At: s.now(), OK: ok, TotalMs: ms, Detail: reason}
	return s.Store.Update(ctx, func(tx store.Tx) error {
		out, err := s.RecordProbe(ctx, tx, site, p)
		if err != nil {
			return err
		}
		return alert.Queue(ctx, tx, out, s.now())
	})
}

// RecordProbe records a probe in tx and decides its alerts.
func (s *Service) RecordProbe(ctx context.Context, tx store.Tx, site config.Site, p store.Probe) ([]alert.Outgoing, error) {
	if err := tx.AddProbe(ctx, p); err != nil {
		return nil, err
	}
	if s.Alerts == nil {
		return nil, nil
	}
	ref := fmt.Sprintf("probe:%s:%d", p.Site, p.At.UnixNano())
	return s.Alerts.AfterProbe(ctx, tx, ref, SiteName(site), p.Site, site.URL, p.OK, p.Detail)
}

// HomepageProbe is the production probe: the connectivity check's own
// probe (checks.ProbeHomepage: a fresh connection, the outbound policy's
// User-Agent, guard and per-host limit) within the connectivity timeout
// (15 s: the national rule's failure).
func HomepageProbe(cfg config.Config) (ProbeFunc, error) {
	var hosts []string
	for _, site := range cfg.Sites {
		if u, err := config.ParseSiteURL(site.URL); err == nil {
			hosts = append(hosts, u.Host)
		}
		hosts = append(hosts, site.Hosts...)
	}
	pol, err := netpolicy.New(cfg.Crawl.Outbound(cfg.Content.MaxAttachmentBytes, hosts...))
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	timeout := cfg.Checks.Connectivity.Timeout.D()
	return func(ctx context.Context, home string) (bool, float64, string) {
		return checks.ProbeHomepage(ctx, pol, home, timeout)
	}, nil
}

// dailyAt returns a site's daily time and location.
func (s *Service) dailyAt(site config.Site) (hour, minute int, loc *time.Location) {
	at, tz := s.Config.Serve.DailyAt, s.Config.Serve.TimeZone
	if site.DailyAt != "" {
		at = site.DailyAt
	}
	if site.TimeZone != "" {
		tz = site.TimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	t, err := time.Parse("15:04", at)
	if err != nil {
		return 2, 0, loc
	}
	return t.Hour(), t.Minute(), loc
}

// LastScheduled returns the most recent daily run time at or before now.
func (s *Service) LastScheduled(site config.Site, now time.Time) time.Time {
	h, m, loc := s.dailyAt(site)
	n := now.In(loc)
	t := time.Date(n.Year(), n.Month(), n.Day(), h, m, 0, 0, loc)
	if t.After(n) {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

// Schedule registers every site's daily inspection and probes. Each job is
// a singleton: a trigger while the previous run goes on is skipped.
func (s *Service) Schedule(ctx context.Context, sched gocron.Scheduler) error {
	for _, site := range s.Config.Sites {
		h, m, loc := s.dailyAt(site)
		// A cron line in the site's own time zone: DST-safe, per site.
		_, err := sched.NewJob(
			gocron.CronJob(fmt.Sprintf("CRON_TZ=%s %d %d * * *", loc.String(), m, h), false),
			gocron.NewTask(func() {
				if ctx.Err() != nil {
					return // triggered as its schedule was being replaced or stopped
				}
				rctx := ctx
				if s.Runs != nil {
					rctx = s.Runs
				}
				if s.Running != nil {
					s.Running.Add(1)
					defer s.Running.Done()
				}
				if err := s.RunSite(rctx, site); err != nil {
					s.log().Error("daily inspection", "site", SiteKey(site), "err", err)
				}
			}),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithName("inspect "+SiteKey(site)),
		)
		if err != nil {
			return fmt.Errorf("schedule %s: %w", SiteKey(site), err)
		}
		every := s.Config.Serve.ProbeInterval.D()
		if site.ProbeInterval.D() > 0 {
			every = site.ProbeInterval.D()
		}
		_, err = sched.NewJob(
			gocron.DurationJob(every),
			gocron.NewTask(func() {
				if err := s.ProbeSite(ctx, site); err != nil {
					s.log().Error("probe", "site", SiteKey(site), "err", err)
				}
			}),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithStartAt(gocron.WithStartImmediately()),
			gocron.WithName("probe "+SiteKey(site)),
		)
		if err != nil {
			return fmt.Errorf("schedule probes of %s: %w", SiteKey(site), err)
		}
	}
	if s.Alerts != nil {
		_, err := sched.NewJob(
			gocron.DurationJob(s.Config.Alerts.DeliverInterval.D()),
			gocron.NewTask(func() { s.Alerts.Deliver(ctx, s.Store) }),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithName("deliver alerts"),
		)
		if err != nil {
			return fmt.Errorf("schedule alert delivery: %w", err)
		}
	}
	return nil
}

// Retention returns the history's retention settings.
func (s *Service) Retention() store.Retention {
	r := s.Config.Serve.Retention
	return store.Retention{Runs: r.Runs.D(), Probes: r.Probes.D(), DeliveredAlerts: r.DeliveredAlerts.D()}
}

// Prune deletes what the retention settings no longer keep.
func (s *Service) Prune(ctx context.Context) {
	p, err := s.Store.Prune(ctx, s.Retention(), s.now())
	if err != nil {
		s.log().Error("prune history", "err", err)
		return
	}
	if p.Runs+p.Probes+p.Alerts > 0 {
		s.log().Info("history pruned", "runs", p.Runs, "probes", p.Probes, "alerts", p.Alerts)
	}
}

// RunMissed starts, in the background, the daily runs missed while the
// service was down (or never run), and returns at once.
func (s *Service) RunMissed(ctx context.Context, wg *sync.WaitGroup) {
	for _, site := range s.Config.Sites {
		last, err := s.Store.LastRunStart(ctx, SiteKey(site))
		if err != nil {
			s.log().Error("history", "err", err)
			continue
		}
		due := s.LastScheduled(site, s.now())
		if !last.Before(due) {
			continue
		}
		s.log().Info("running a missed inspection", "site", SiteKey(site), "last", last, "due", due)
		wg.Go(func() {
			if err := s.RunSite(ctx, site); err != nil {
				s.log().Error("missed inspection", "site", SiteKey(site), "err", err)
			}
		})
	}
}

// NewInspect returns the production InspectFunc for a config; mem, when
// not nil, is the history's crawl memory (conditional requests, the
// spread, resuming a scheduled run).
func NewInspect(cfg config.Config, log *slog.Logger, mem store.Memory) InspectFunc {
	return func(ctx context.Context, site config.Site) (*finding.Report, error) {
		return inspect.Run(ctx, inspect.Options{Config: cfg, Site: site, Logger: log, Memory: mem})
	}
}
