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
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/xunjian/xunjian/alert"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/history"
	"github.com/xunjian/xunjian/inspect"
	"github.com/xunjian/xunjian/reports"
)

// InspectFunc runs one inspection (inspect.Run in production).
type InspectFunc func(ctx context.Context, site config.Site) (*finding.Report, error)

// ProbeFunc requests a homepage once.
type ProbeFunc func(ctx context.Context, home string) (ok bool, totalMs float64, reason string)

// Service runs the schedule for the sites of a config.
type Service struct {
	Config   config.Config
	Store    *history.Store
	Alerts   *alert.Dispatcher
	Log      *slog.Logger
	Now      func() time.Time
	Inspect  InspectFunc
	Probe    ProbeFunc
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
func SiteKey(s config.Site) string { return reports.SiteDir(s.URL) }

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
// saves the run (statuses against the last one), writes its reports,
// and queues the digest and alerts.
func (s *Service) RunSite(ctx context.Context, site config.Site) error {
	key := SiteKey(site)
	mu := s.lock(key)
	if !mu.TryLock() {
		s.log().Info("run skipped: the previous run of this site is still going", "site", key)
		return nil
	}
	defer mu.Unlock()
	s.log().Info("inspection start", "site", key)
	rep, err := s.Inspect(ctx, site)
	if err != nil {
		return fmt.Errorf("site %s: %w", key, err)
	}
	s.addAvailability(context.WithoutCancel(ctx), key, rep)
	// A cancelled run is still saved, marked incomplete: finished data is
	// never lost, and an incomplete run fixes nothing.
	sctx := context.WithoutCancel(ctx)
	id, err := s.Store.SaveRun(sctx, key, rep)
	if err != nil {
		return fmt.Errorf("site %s: %w", key, err)
	}
	fixed, err := s.Store.Fixed(sctx, id)
	if err != nil {
		return err
	}
	dir := filepath.Join(s.Config.Serve.ReportsDir, key, strconv.FormatInt(id, 10))
	if _, err := reports.WriteFiles(dir, rep, s.Config.Report.Formats); err != nil {
		s.log().Error("write reports", "site", key, "run", id, "err", err)
	}
	if s.Alerts != nil {
		name := site.Name
		if name == "" {
			name = key
		}
		link := s.baseURL() + "/sites/" + key + "/runs/" + strconv.FormatInt(id, 10) + "/report.html"
		if err := s.Alerts.AfterRun(sctx, name, key, rep, fixed, link, s.Config.Alerts.Digest); err != nil {
			s.log().Error("alerts", "site", key, "err", err)
		}
	}
	s.log().Info("inspection saved", "site", key, "run", id, "findings", len(rep.Findings), "complete", rep.Complete)
	if s.RunsDone != nil {
		s.RunsDone(key)
	}
	return nil
}

func (s *Service) baseURL() string {
	if s.Config.Serve.BaseURL != "" {
		return strings.TrimSuffix(s.Config.Serve.BaseURL, "/")
	}
	return "http://" + s.Config.Serve.Dashboard
}

// addAvailability applies the national rule to the last 7 days of probes:
// veto at 5% of probes unanswered within 15 s, early warning at 3%, and a
// site unreachable more than 80% of the time is probably rebuilt or closed.
func (s *Service) addAvailability(ctx context.Context, key string, rep *finding.Report) {
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
		if v.Status == finding.VetoFail {
			rep.Evaluation.Passed = false
		}
	}
}

// ProbeSite probes the homepage once, records it, and alerts on downtime.
func (s *Service) ProbeSite(ctx context.Context, site config.Site) error {
	key := SiteKey(site)
	ok, ms, reason := s.Probe(ctx, site.URL)
	if ctx.Err() != nil {
		return nil
	}
	if err := s.Store.AddProbe(ctx, key, s.now(), ok, ms, reason); err != nil {
		return err
	}
	if s.Alerts != nil {
		name := site.Name
		if name == "" {
			name = key
		}
		return s.Alerts.AfterProbe(ctx, name, key, site.URL, ok, reason)
	}
	return nil
}

// HTTPProbe is the production probe: one GET of the homepage within the
// timeout (15 s: the national rule's failure).
func HTTPProbe(userAgent string, timeout time.Duration) ProbeFunc {
	client := &http.Client{Timeout: timeout}
	return func(ctx context.Context, home string) (bool, float64, string) {
		start := time.Now()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, home, nil)
		if err != nil {
			return false, 0, err.Error()
		}
		req.Header.Set("User-Agent", userAgent)
		resp, err := client.Do(req)
		ms := float64(time.Since(start).Microseconds()) / 1000
		if err != nil {
			return false, ms, err.Error()
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 8<<20))
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return false, ms, fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
		return true, ms, ""
	}
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
				if err := s.RunSite(ctx, site); err != nil {
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
			gocron.NewTask(func() { s.Alerts.Deliver(ctx) }),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithName("deliver alerts"),
		)
		if err != nil {
			return fmt.Errorf("schedule alert delivery: %w", err)
		}
	}
	return nil
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

// NewInspect returns the production InspectFunc for a config.
func NewInspect(cfg config.Config, log *slog.Logger) InspectFunc {
	return func(ctx context.Context, site config.Site) (*finding.Report, error) {
		return inspect.Run(ctx, inspect.Options{Config: cfg, Site: site, Logger: log})
	}
}
