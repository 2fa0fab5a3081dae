// Package cluster is `xunjian serve` on several machines sharing one
// PostgreSQL database (serve.database: postgres://…): jobs on River
// (riverqueue/river with riverpgxv5), history in store/postgres. No
// scheduler, lock or queue of our own:
//
//   - A periodic planner job (every planner_interval, leader-enqueued,
//     idempotent) inserts one inspect{site, day} job per site whose local
//     daily time has passed, unique through River's unique jobs and a
//     unique (site, day) row in inspect_days, inserted in the same
//     transaction: a skipped tick, a restart or a leader change never loses
//     or doubles a day.
//   - An inspect job's timeout is three times the site's last run time
//     (bounded); the inspection stops at 80% of it and saves, so a live
//     worker saves before River's rescuer (max(rescue_after, timeout)) could
//     hand the job to another. The save transaction locks the job row and
//     checks that this attempt still owns it (River's JobCompleteTx checks
//     the state, not the attempt); a late save is refused. The run, its
//     findings' statuses, its alert jobs (InsertManyTx, unique by run,
//     channel and key) and the job's completion commit together.
//   - Probes: probe_shards periodic jobs per round, each probing the sites
//     whose hash falls in its shard; availability counts every worker's
//     probes.
//   - Reports and screenshots live in the database, so any worker's
//     dashboard serves any site; the dashboard lists workers and running
//     jobs.
//   - Sites: the database's copy of each site's settings wins over a
//     worker's config (logged); --push-sites makes this config the copy.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/xunjian/xunjian/alert"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/serve"
	"github.com/xunjian/xunjian/store/postgres"
)

// Options are what Run needs; zero fields get production defaults.
type Options struct {
	Config config.Config
	Log    *slog.Logger
	// Inspect and Probe replace the real inspection and probe (tests).
	Inspect serve.InspectFunc
	Probe   serve.ProbeFunc
	// Channels replace the channels built from the config (tests).
	Channels []alert.Channel
	// PushSites makes this config's sites the database's copy.
	PushSites bool
	// Ready is called with the dashboard's address once serving.
	Ready func(dashboard string)
}

// Node is one worker of the cluster.
type Node struct {
	id      string
	opts    Options
	log     *slog.Logger
	store   *postgres.Store
	client  *river.Client[pgx.Tx]
	current atomic.Pointer[serve.Service]
	sites   atomic.Pointer[map[string]config.Site]
	// stopping is closed when the node shuts down: a job interrupted by it
	// is handed back (snoozed) for another worker instead of being saved
	// incomplete.
	stopping chan struct{}
}

// Run serves as one worker of the cluster until ctx ends. A config on
// reload re-reads sites (the database's view still wins) and channels.
func Run(ctx context.Context, o Options, reload <-chan config.Config) error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	cfg := o.Config
	if err := cfg.RequireSites(); err != nil {
		return err
	}
	n := &Node{opts: o, log: o.Log, stopping: make(chan struct{})}
	n.id = cfg.Serve.Cluster.WorkerID
	if n.id == "" {
		host, _ := os.Hostname()
		n.id = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	n.log = o.Log.With("worker", n.id)
	st, err := Connect(ctx, cfg.Serve.Database, n.log)
	if err != nil {
		return err
	}
	if st == nil {
		return nil // ctx ended while waiting for the database
	}
	defer st.Close()
	n.store = st
	if err := n.migrateRiver(ctx); err != nil {
		return err
	}
	if err := n.configure(ctx, cfg); err != nil {
		return err
	}
	if err := n.newClient(cfg); err != nil {
		return err
	}
	var dash string
	if cfg.Serve.Dashboard != "" {
		ln, err := net.Listen("tcp", cfg.Serve.Dashboard)
		if err != nil {
			return fmt.Errorf("serve.dashboard: %w", err)
		}
		dash = ln.Addr().String()
		srv := &http.Server{Handler: (&serve.Dashboard{Current: n.current.Load, Cluster: n.dashboardSection}).Handler(), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}()
		n.log.Info("dashboard", "addr", dash)
	}
	hbCtx, stopHeartbeat := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHeartbeat()
	go n.heartbeat(hbCtx, dash)
	if err := n.startClient(ctx); err != nil {
		return err
	}
	n.log.Info("cluster worker started", "sites", len(*n.sites.Load()))
	if o.Ready != nil {
		o.Ready(dash)
	}
	for {
		select {
		case <-ctx.Done():
			close(n.stopping)
			// Running jobs see their context cancelled: inspections hand
			// their job back for another worker (which resumes from the
			// crawl checkpoint), deliveries are retried.
			sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := n.client.StopAndCancel(sctx); err != nil && !errors.Is(err, context.Canceled) {
				n.log.Warn("stopping River", "err", err)
			}
			n.leave(sctx)
			return nil
		case c := <-reload:
			if err := n.configure(ctx, c); err != nil {
				n.log.Error("reload rejected, keeping the old config", "err", err)
				continue
			}
			n.log.Info("config reloaded", "sites", len(*n.sites.Load()))
		}
	}
}

// Connect opens the database, waiting with backoff while it is down (a
// database not up yet at start-up is no reason to crash). A wrong URL,
// password, user or database name fails at once, naming the setting.
// It returns nil, nil if ctx ends first.
func Connect(ctx context.Context, url string, log *slog.Logger) (*postgres.Store, error) {
	wait := time.Second
	for {
		st, err := postgres.Open(ctx, url)
		if err == nil {
			return st, nil
		}
		if postgres.IsPermanent(err) {
			return nil, fmt.Errorf("serve.database %s: %w", serve.RedactURL(url), err)
		}
		if ctx.Err() != nil {
			return nil, nil
		}
		log.Warn("database unreachable, retrying", "database", serve.RedactURL(url), "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

// migrateRiver brings River's tables up to date through its migrator,
// under the same advisory lock as ours.
func (n *Node) migrateRiver(ctx context.Context) error {
	m, err := rivermigrate.New(riverpgxv5.New(n.store.Pool()), nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	// River's migrations commit one by one (a new enum value must be
	// committed before use): a session lock, not a transaction's.
	return postgres.WithSessionLock(ctx, n.store.Pool(), func() error {
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
		return nil
	})
}

// configure applies a config: sites agreed with the database, channels,
// the service the jobs and the dashboard use.
func (n *Node) configure(ctx context.Context, c config.Config) error {
	sites, err := n.syncSites(ctx, c.Sites, n.opts.PushSites)
	if err != nil {
		return err
	}
	channels := n.opts.Channels
	if channels == nil {
		if channels, err = serve.Channels(c.Alerts); err != nil {
			return err
		}
	}
	eff := c
	eff.Sites = sortedSites(sites)
	svc := &serve.Service{Config: eff, Store: n.store, Log: n.log}
	svc.Alerts = &alert.Dispatcher{Channels: channels, Log: n.log, Reminder: c.Alerts.Reminder.D(), DownAfter: c.Alerts.DownAfter, MaxBackoff: time.Hour}
	svc.Inspect = n.opts.Inspect
	if svc.Inspect == nil {
		svc.Inspect = serve.NewInspect(eff, n.log, n.store)
	}
	svc.Probe = n.opts.Probe
	if svc.Probe == nil {
		var err error
		if svc.Probe, err = serve.HomepageProbe(eff); err != nil {
			return err
		}
	}
	n.sites.Store(&sites)
	n.current.Store(svc)
	return nil
}

func (n *Node) svc() *serve.Service { return n.current.Load() }

func (n *Node) site(key string) (config.Site, bool) {
	s, ok := (*n.sites.Load())[key]
	return s, ok
}

// riverLogHandler keeps River's own logs to warnings and errors.
type riverLogHandler struct{ slog.Handler }

func (h riverLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (n *Node) newClient(cfg config.Config) error {
	cl := cfg.Serve.Cluster
	workers := river.NewWorkers()
	river.AddWorker(workers, &plannerWorker{n: n})
	river.AddWorker(workers, &inspectWorker{n: n})
	river.AddWorker(workers, &probeWorker{n: n})
	river.AddWorker(workers, &alertWorker{n: n})
	river.AddWorker(workers, &pruneWorker{n: n})
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(cl.PlannerInterval.D()), func() (river.JobArgs, *river.InsertOpts) {
			return PlannerArgs{}, nil
		}, &river.PeriodicJobOpts{ID: "planner", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return PruneArgs{}, nil
		}, &river.PeriodicJobOpts{ID: "prune", RunOnStart: true}),
	}
	every := cfg.Serve.ProbeInterval.D()
	for shard := range cl.ProbeShards {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
			return ProbeArgs{Shard: shard, Shards: cl.ProbeShards, Round: time.Now().Truncate(every).Unix()}, nil
		}, &river.PeriodicJobOpts{ID: fmt.Sprintf("probe-%d", shard), RunOnStart: true}))
	}
	// Each kind has its own timeout (Worker.Timeout), so the client's is
	// only a default; River wants RescueStuckJobsAfter at least as long.
	rescue := cl.RescueAfter.D()
	client, err := river.NewClient(riverpgxv5.New(n.store.Pool()), &river.Config{
		ID:     n.id,
		Logger: slog.New(riverLogHandler{n.log.Handler()}),
		Queues: map[string]river.QueueConfig{
			queueInspect:       {MaxWorkers: cl.Concurrency},
			river.QueueDefault: {MaxWorkers: 8},
		},
		Workers:                     workers,
		PeriodicJobs:                periodic,
		JobTimeout:                  rescue,
		RescueStuckJobsAfter:        rescue,
		CompletedJobRetentionPeriod: 48 * time.Hour,
	})
	if err != nil {
		return fmt.Errorf("river: %w", err)
	}
	n.client = client
	return nil
}

// startClient starts River, retrying while the database is down.
func (n *Node) startClient(ctx context.Context) error {
	wait := time.Second
	for {
		err := n.client.Start(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		n.log.Warn("starting River, retrying", "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

// heartbeat records this worker in the workers table for the dashboard.
func (n *Node) heartbeat(ctx context.Context, dash string) {
	host, _ := os.Hostname()
	started := time.Now()
	for {
		_, err := n.store.Pool().Exec(ctx, `INSERT INTO workers(id, host, pid, dashboard, started_at, seen_at) VALUES ($1, $2, $3, $4, $5, now())
		  ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, dashboard = excluded.dashboard, started_at = excluded.started_at, seen_at = now()`,
			n.id, host, os.Getpid(), dash, started)
		if err != nil && ctx.Err() == nil {
			n.log.Warn("worker heartbeat", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Second):
		}
	}
}

// leave removes this worker from the workers table at shutdown.
func (n *Node) leave(ctx context.Context) {
	if _, err := n.store.Pool().Exec(ctx, `DELETE FROM workers WHERE id = $1`, n.id); err != nil {
		n.log.Warn("worker leave", "err", err)
	}
}
