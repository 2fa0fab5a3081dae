package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/xunjian/xunjian/alert"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/postgres"
	"github.com/xunjian/xunjian/store/sqlite"
)

// Options are what Run needs; zero fields get production defaults.
type Options struct {
	Config config.Config
	Log    *slog.Logger
	// Clock drives the scheduler (a fake clock in tests).
	Clock clockwork.Clock
	// Inspect and Probe replace the real inspection and probe (tests).
	Inspect InspectFunc
	Probe   ProbeFunc
	// Channels replace the channels built from the config (tests).
	Channels []alert.Channel
	// Ready is called with the dashboard's address once serving.
	Ready func(dashboard string)
}

// Channels builds the alert channels the config names.
func Channels(a config.Alerts) ([]alert.Channel, error) {
	var out []alert.Channel
	token := ""
	if a.Slack.TokenEnv != "" {
		token = os.Getenv(a.Slack.TokenEnv)
	}
	if a.Slack.WebhookURL != "" || (token != "" && a.Slack.Channel != "") {
		s, err := alert.NewSlack(token, a.Slack.Channel, a.Slack.WebhookURL, a.Slack.APIURL)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	for _, w := range a.Webhooks {
		secret := w.Secret
		if w.SecretEnv != "" {
			if secret = os.Getenv(w.SecretEnv); secret == "" {
				return nil, fmt.Errorf("alerts.webhooks %s: secret_env %s is not set", w.Name, w.SecretEnv)
			}
		}
		h, err := alert.NewWebhook(w.Name, w.Format, w.URL, alert.WithSecret(secret), alert.WithKeyword(w.Keyword),
			alert.WithMention(alert.Mention{Mobiles: w.AtMobiles, UserIDs: w.AtUserIDs, All: w.AtAll}))
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	if a.Email.SMTP != "" {
		pass := ""
		if a.Email.PasswordEnv != "" {
			pass = os.Getenv(a.Email.PasswordEnv)
		}
		e, err := alert.NewEmail(a.Email.SMTP, a.Email.From, a.Email.To, a.Email.Username, pass)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Run serves until ctx ends. A config on reload replaces the schedule and
// channels (SIGHUP); the history and the dashboard stay.
func Run(ctx context.Context, o Options, reload <-chan config.Config) error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	cfg := o.Config
	if err := cfg.RequireSites(); err != nil {
		return err
	}
	if IsClusterDatabase(cfg.Serve.Database) {
		return fmt.Errorf("serve.database: %s is a PostgreSQL URL: cluster mode runs through cluster.Run", RedactURL(cfg.Serve.Database))
	}
	st, err := sqlite.Open(ctx, cfg.Serve.Database)
	if err != nil {
		return fmt.Errorf("serve.database: %w", err)
	}
	defer st.Close()
	// Each config version gets its own Service; the dashboard reads the
	// current one, and the per-site locks are shared so that runs of one
	// site never overlap across a reload.
	var current atomic.Pointer[Service]
	locks := &siteLocks{}
	// running counts inspections (scheduled and missed), retiring the
	// schedulers a reload replaced while they wait for their jobs.
	var running, retiring sync.WaitGroup
	configure := func(c config.Config) error {
		channels := o.Channels
		if channels == nil {
			var err error
			if channels, err = Channels(c.Alerts); err != nil {
				return err
			}
		}
		svc := &Service{Store: st, Log: o.Log, locks: locks, Runs: ctx, Running: &running}
		svc.Config = c
		svc.Alerts = &alert.Dispatcher{Channels: channels, Log: o.Log, Reminder: c.Alerts.Reminder.D(), DownAfter: c.Alerts.DownAfter, MaxBackoff: time.Hour}
		if o.Clock != nil {
			svc.Now, svc.Alerts.Now = o.Clock.Now, o.Clock.Now
		}
		svc.Inspect = o.Inspect
		if svc.Inspect == nil {
			svc.Inspect = NewInspect(c, o.Log, st)
		}
		svc.Probe = o.Probe
		if svc.Probe == nil {
			var err error
			if svc.Probe, err = HomepageProbe(c); err != nil {
				return err
			}
		}
		current.Store(svc)
		return nil
	}
	if err := configure(cfg); err != nil {
		return err
	}
	var srv *http.Server
	if cfg.Serve.Dashboard != "" {
		ln, err := net.Listen("tcp", cfg.Serve.Dashboard)
		if err != nil {
			return fmt.Errorf("dashboard: %w", err)
		}
		srv = &http.Server{Handler: (&Dashboard{Current: current.Load}).Handler(), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}()
		o.Log.Info("dashboard", "addr", ln.Addr().String())
		if o.Ready != nil {
			o.Ready(ln.Addr().String())
		}
	} else if o.Ready != nil {
		o.Ready("")
	}
	// The history is pruned at start and every 6 hours, by the service of
	// the config in force (its retention settings).
	pruneCtx, stopPruning := context.WithCancel(ctx)
	pruned := make(chan struct{})
	defer func() { stopPruning(); <-pruned }()
	go func() {
		defer close(pruned)
		for {
			current.Load().Prune(pruneCtx)
			select {
			case <-pruneCtx.Done():
				return
			case <-time.After(6 * time.Hour):
			}
		}
	}()
	for {
		opts := []gocron.SchedulerOption{gocron.WithStopTimeout(2 * time.Minute), gocron.WithLocation(time.UTC)}
		if o.Clock != nil {
			opts = append(opts, gocron.WithClock(o.Clock))
		}
		sched, err := gocron.NewScheduler(opts...)
		if err != nil {
			return fmt.Errorf("scheduler: %w", err)
		}
		// The schedule's jobs get a context of their own, cancelled when a
		// new config replaces them: the scheduler's Shutdown then returns
		// once they stop instead of waiting out its stop timeout.
		jobs, stopJobs := context.WithCancel(ctx)
		svc := current.Load()
		if err := svc.Schedule(jobs, sched); err != nil {
			stopJobs()
			return err
		}
		sched.Start()
		if cfg.Serve.RunMissed {
			svc.RunMissed(ctx, &running)
		}
		select {
		case <-ctx.Done():
			// Running inspections see ctx cancelled: they stop and save
			// their partial reports, marked incomplete.
			o.Log.Info("shutting down", "reason", context.Cause(ctx).Error(), "note", "running inspections stop and are saved as incomplete")
			err := sched.Shutdown()
			stopJobs()
			retiring.Wait()
			running.Wait()
			svc.Alerts.Deliver(context.WithoutCancel(ctx), st)
			pending, _ := st.Pending(context.WithoutCancel(ctx))
			o.Log.Info("stopped", "alerts_pending", pending)
			if err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("scheduler shutdown: %w", err)
			}
			return nil
		case c := <-reload:
			o.Log.Info("config reloaded", "sites", len(c.Sites))
			// The old schedule's probes and deliveries stop now; an
			// inspection it started runs on to its end (in the server's
			// context) while the new schedule starts at once.
			stopJobs()
			old := sched
			retiring.Go(func() {
				switch err := old.Shutdown(); {
				case errors.Is(err, gocron.ErrStopJobsTimedOut):
					o.Log.Info("the replaced schedule's inspection runs on", "note", "it finishes with the config it started with")
				case err != nil:
					o.Log.Warn("scheduler shutdown", "err", err)
				}
			})
			if err := configure(c); err != nil {
				o.Log.Error("reload rejected, keeping the old config", "err", err)
				configure(cfg)
				continue
			}
			cfg = c
		}
	}
}

// OpenStore opens the history serve.database names: a SQLite file, or a
// PostgreSQL database (postgres:// URL). Errors name the setting.
func OpenStore(ctx context.Context, database string) (store.Store, error) {
	if IsClusterDatabase(database) {
		s, err := postgres.Open(ctx, database)
		if err != nil {
			return nil, fmt.Errorf("serve.database %s: %w", RedactURL(database), err)
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, database)
	if err != nil {
		return nil, fmt.Errorf("serve.database: %w", err)
	}
	return s, nil
}

// IsClusterDatabase reports whether serve.database names a PostgreSQL
// database (cluster mode) rather than a SQLite file.
func IsClusterDatabase(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// RedactURL hides the password of a database URL, for messages and logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// siteByKey finds a configured site by its key.
func (s *Service) siteByKey(key string) (config.Site, bool) {
	for _, site := range s.Config.Sites {
		if SiteKey(site) == key {
			return site, true
		}
	}
	return config.Site{}, false
}
