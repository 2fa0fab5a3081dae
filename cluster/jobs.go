package cluster

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/xunjian/xunjian/alert"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/inspect"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/postgres"
)

const queueInspect = "inspect"

// Job kinds.
const (
	KindPlanner = "planner"
	KindInspect = "inspect"
	KindProbe   = "probe"
	KindAlert   = "alert"
	KindPrune   = "prune"
)

// PlannerArgs is the periodic planner job.
type PlannerArgs struct{}

// Kind implements river.JobArgs.
func (PlannerArgs) Kind() string { return KindPlanner }

// InsertOpts: one planner job waiting at a time.
func (PlannerArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

// pendingStates limit a unique job to one not yet finished.
var pendingStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}

// InspectArgs is one site's inspection for one day.
type InspectArgs struct {
	Site string `json:"site" river:"unique"`
	Day  string `json:"day" river:"unique"`
	// TimeoutMs is the job's timeout, from the site's last run time.
	TimeoutMs int64 `json:"timeout_ms"`
}

// Kind implements river.JobArgs.
func (InspectArgs) Kind() string { return KindInspect }

// InsertOpts: unique by (site, day) in every state River keeps.
func (InspectArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueInspect, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: append([]rivertype.JobState{rivertype.JobStateCompleted, rivertype.JobStateDiscarded, rivertype.JobStateCancelled}, pendingStates...)}}
}

// ProbeArgs is one shard of one probe round.
type ProbeArgs struct {
	Shard  int   `json:"shard" river:"unique"`
	Shards int   `json:"shards" river:"unique"`
	Round  int64 `json:"round" river:"unique"`
}

// Kind implements river.JobArgs.
func (ProbeArgs) Kind() string { return KindProbe }

// InsertOpts: one job per shard and round.
func (ProbeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// AlertArgs is one message for one channel.
type AlertArgs struct {
	Ref     string        `json:"ref" river:"unique"`
	Channel string        `json:"channel" river:"unique"`
	Key     string        `json:"key" river:"unique"`
	Message alert.Message `json:"message"`
}

// Kind implements river.JobArgs.
func (AlertArgs) Kind() string { return KindAlert }

// InsertOpts: unique by (run or probe, channel, key).
func (AlertArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 30, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: append([]rivertype.JobState{rivertype.JobStateCompleted, rivertype.JobStateDiscarded}, pendingStates...)}}
}

// PruneArgs is the periodic retention job.
type PruneArgs struct{}

// Kind implements river.JobArgs.
func (PruneArgs) Kind() string { return KindPrune }

// InsertOpts: one at a time.
func (PruneArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 2, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

// alertJobs turns a decision's messages into alert jobs.
func alertJobs(ref string, out []alert.Outgoing) []river.InsertManyParams {
	params := make([]river.InsertManyParams, 0, len(out))
	for _, o := range out {
		params = append(params, river.InsertManyParams{Args: AlertArgs{Ref: ref, Channel: o.Channel, Key: o.Key, Message: o.Message}})
	}
	return params
}

// --- planner ---

type plannerWorker struct {
	river.WorkerDefaults[PlannerArgs]
	n *Node
}

// Timeout: planning 1,500 sites takes well under a second.
func (w *plannerWorker) Timeout(*river.Job[PlannerArgs]) time.Duration { return 2 * time.Minute }

func (w *plannerWorker) Work(ctx context.Context, job *river.Job[PlannerArgs]) error {
	planned, err := w.n.Plan(ctx, time.Now())
	if err != nil {
		return err
	}
	if planned > 0 {
		w.n.log.Info("planner: inspections enqueued", "jobs", planned)
	}
	return nil
}

// Plan inserts the inspect job of every site whose daily time has passed
// and whose day is not planned yet, with its (site, day) row, in one
// transaction. Running it again, on any worker, inserts nothing more.
func (n *Node) Plan(ctx context.Context, now time.Time) (int, error) {
	svc := n.svc()
	cl := svc.Config.Serve.Cluster
	sites := *n.sites.Load()
	// The rows go in in the sites' order: planners on two nodes inserting
	// the same (site, day) rows in a map's random orders wait on each
	// other's unique-index entries and PostgreSQL aborts one of them as a
	// deadlock (seen in TestPlannerIdempotent under load).
	keys := slices.Sorted(maps.Keys(sites))
	days := make([]string, 0, len(sites))
	for _, key := range keys {
		days = append(days, svc.LastScheduled(sites[key], now).Format("2006-01-02"))
	}
	last, err := n.lastRunTimes(ctx)
	if err != nil {
		return 0, err
	}
	var planned int
	err = pgx.BeginFunc(ctx, n.store.Pool(), func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO inspect_days(site, day) SELECT * FROM unnest($1::text[], $2::text[])
		  ON CONFLICT DO NOTHING RETURNING site, day`, keys, days)
		if err != nil {
			return fmt.Errorf("planner: %w", err)
		}
		type sd struct{ site, day string }
		var fresh []sd
		for rows.Next() {
			var x sd
			if err := rows.Scan(&x.site, &x.day); err != nil {
				rows.Close()
				return fmt.Errorf("planner: %w", err)
			}
			fresh = append(fresh, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("planner: %w", err)
		}
		if len(fresh) == 0 {
			return nil
		}
		sort.Slice(fresh, func(i, j int) bool { return fresh[i].site < fresh[j].site })
		params := make([]river.InsertManyParams, 0, len(fresh))
		for _, x := range fresh {
			timeout := JobTimeout(last[x.site], cl.MinJobTimeout.D(), cl.MaxJobTimeout.D())
			params = append(params, river.InsertManyParams{Args: InspectArgs{Site: x.site, Day: x.day, TimeoutMs: timeout.Milliseconds()}})
		}
		res, err := n.client.InsertManyTx(ctx, tx, params)
		if err != nil {
			return fmt.Errorf("planner: insert jobs: %w", err)
		}
		for i, r := range res {
			if r.UniqueSkippedAsDuplicate {
				continue
			}
			planned++
			if _, err := tx.Exec(ctx, `UPDATE inspect_days SET job_id = $3 WHERE site = $1 AND day = $2`, fresh[i].site, fresh[i].day, r.Job.ID); err != nil {
				return fmt.Errorf("planner: %w", err)
			}
		}
		return nil
	})
	return planned, err
}

// JobTimeout is an inspect job's timeout: three times the last complete
// run's time, within [lo, hi] (lo when the site never ran).
func JobTimeout(last, lo, hi time.Duration) time.Duration {
	return min(max(3*last, lo), hi)
}

// lastRunTimes returns each site's last complete run time.
func (n *Node) lastRunTimes(ctx context.Context) (map[string]time.Duration, error) {
	rows, err := n.store.Pool().Query(ctx, `SELECT DISTINCT ON (site) site, EXTRACT(EPOCH FROM finished_at - started_at)::float8
	  FROM runs WHERE complete ORDER BY site, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("planner: last run times: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Duration{}
	for rows.Next() {
		var site string
		var secs float64
		if err := rows.Scan(&site, &secs); err != nil {
			return nil, fmt.Errorf("planner: last run times: %w", err)
		}
		out[site] = time.Duration(secs * float64(time.Second))
	}
	return out, rows.Err()
}

// --- inspect ---

type inspectWorker struct {
	river.WorkerDefaults[InspectArgs]
	n *Node
}

// Timeout is the job's own: the rescuer waits max(rescue_after, it).
func (w *inspectWorker) Timeout(job *river.Job[InspectArgs]) time.Duration {
	return time.Duration(job.Args.TimeoutMs) * time.Millisecond
}

// Fractions of the job timeout: the inspection stops, and the save gives
// up, before River's timeout and long before a rescue.
const (
	inspectShare = 0.8
	saveShare    = 0.95
)

// errNotOwner: the job is no longer this attempt's.
var errNotOwner = errors.New("the job is no longer this attempt's (rescued and run again, or finished)")

func (w *inspectWorker) Work(ctx context.Context, job *river.Job[InspectArgs]) error {
	n := w.n
	svc := n.svc()
	log := n.log.With("site", job.Args.Site, "day", job.Args.Day, "job", job.ID, "attempt", job.Attempt)
	site, ok := n.site(job.Args.Site)
	if !ok {
		log.Warn("inspection dropped: the site is no longer configured")
		return river.JobCancel(fmt.Errorf("site %s is no longer configured", job.Args.Site))
	}
	timeout := time.Duration(job.Args.TimeoutMs) * time.Millisecond
	start := time.Now()
	ictx, cancel := context.WithDeadline(ctx, start.Add(time.Duration(float64(timeout)*inspectShare)))
	log.Info("inspection start", "timeout", timeout)
	// A rescued attempt of the same (site, day) resumes from the checkpoint
	// the earlier one saved (inspect.Options.Memory).
	rep, err := svc.Inspect(inspect.WithScheduled(ictx, inspect.Scheduled{Day: job.Args.Day, Attempt: job.Attempt}), site)
	stopped := ictx.Err() != nil
	cancel()
	select {
	case <-n.stopping:
		// This worker is shutting down: hand the job back for another.
		log.Info("inspection handed back: worker stopping")
		return river.JobSnooze(time.Second)
	default:
	}
	if err != nil {
		return fmt.Errorf("site %s: %w", job.Args.Site, err)
	}
	if stopped {
		log.Warn("inspection stopped at its deadline; saving what it found", "after", time.Since(start).Round(time.Second), "complete", rep.Complete)
	}
	id, err := n.saveRun(ctx, job, site, rep, start.Add(time.Duration(float64(timeout)*saveShare)), log)
	switch {
	case errors.Is(err, errNotOwner):
		log.Warn("late save refused: another attempt owns this job now", "err", err)
		n.waitFinalized(context.WithoutCancel(ctx), job.ID, timeout)
		return nil
	case errors.Is(err, store.ErrDuplicateDay):
		log.Warn("save refused: this site's run for this day is already saved")
		return nil
	case err != nil:
		return err
	}
	svc.WriteReports(job.Args.Site, id, rep)
	svc.LogRunEnd(log, site, job.Args.Site, id, rep)
	return nil
}

// saveRun saves the run, its statuses, its alert jobs and the job's
// completion in one transaction, after checking under a row lock that this
// attempt still owns the job. While the database is unreachable it retries
// with backoff until the deadline. A worker that comes back after the
// deadline (frozen, or its machine suspended) still tries once: the
// ownership check, not the clock, decides whether its save stands.
func (n *Node) saveRun(ctx context.Context, job *river.Job[InspectArgs], site config.Site, rep *finding.Report, deadline time.Time, log interface {
	Warn(string, ...any)
}) (int64, error) {
	svc := n.svc()
	sctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), later(deadline, time.Now().Add(30*time.Second)))
	defer cancel()
	svc.AddAvailability(sctx, job.Args.Site, rep)
	wait := 500 * time.Millisecond
	for {
		var id int64
		err := n.store.UpdatePgx(sctx, func(tx *postgres.Tx) error {
			if err := checkOwner(sctx, tx.Pgx(), job.ID, job.Attempt); err != nil {
				return err
			}
			tx.Worker, tx.JobID, tx.Attempt = n.id, job.ID, job.Attempt
			var out []alert.Outgoing
			var err error
			if id, out, err = svc.SaveRun(sctx, tx, site, job.Args.Day, rep); err != nil {
				return err
			}
			if len(out) > 0 {
				if _, err := n.client.InsertManyTx(sctx, tx.Pgx(), alertJobs("run:"+strconv.FormatInt(id, 10), out)); err != nil {
					return fmt.Errorf("alert jobs: %w", err)
				}
			}
			if err := tx.DeleteCheckpoint(sctx, inspect.MemoryKey(site), job.Args.Day); err != nil {
				return err
			}
			if _, err := river.JobCompleteTx[*riverpgxv5.Driver](sctx, tx.Pgx(), job); err != nil {
				return fmt.Errorf("complete job: %w", err)
			}
			return nil
		})
		if err == nil || errors.Is(err, errNotOwner) || errors.Is(err, store.ErrDuplicateDay) {
			return id, err
		}
		if sctx.Err() != nil || time.Until(deadline) < wait {
			return 0, fmt.Errorf("save run of %s for %s: gave up at the deadline: %w", job.Args.Site, job.Args.Day, err)
		}
		log.Warn("save failed, retrying", "in", wait, "err", err)
		select {
		case <-sctx.Done():
		case <-time.After(wait):
		}
		wait = min(wait*2, 10*time.Second)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// checkOwner locks the job's row and checks that it is still running
// under this attempt. River's JobCompleteTx checks only the state: a
// worker that froze past the rescue would otherwise complete the job that
// another attempt is running.
func checkOwner(ctx context.Context, tx pgx.Tx, jobID int64, attempt int) error {
	var state string
	var cur int
	err := tx.QueryRow(ctx, `SELECT state::text, attempt FROM river_job WHERE id = $1 FOR UPDATE`, jobID).Scan(&state, &cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("job %d is gone: %w", jobID, errNotOwner)
	}
	if err != nil {
		return fmt.Errorf("job %d: %w", jobID, err)
	}
	if state != "running" || cur != attempt {
		return fmt.Errorf("job %d is %s at attempt %d, this is attempt %d: %w", jobID, state, cur, attempt, errNotOwner)
	}
	return nil
}

// waitFinalized waits (bounded) until the job is finished by whichever
// attempt owns it: River's completer, when this stale attempt returns,
// updates a running job whatever its attempt, and must find nothing
// running to update.
func (n *Node) waitFinalized(ctx context.Context, jobID int64, bound time.Duration) {
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		var state string
		err := n.store.Pool().QueryRow(ctx, `SELECT state::text FROM river_job WHERE id = $1`, jobID).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && (state == "completed" || state == "cancelled" || state == "discarded") {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// --- probes ---

type probeWorker struct {
	river.WorkerDefaults[ProbeArgs]
	n *Node
}

// Shard returns the probe shard of a site.
func Shard(site string, shards int) int {
	h := fnv.New32a()
	h.Write([]byte(site))
	return int(h.Sum32() % uint32(shards))
}

// Timeout: one probe round, at most 15 s per site, 8 at a time.
func (w *probeWorker) Timeout(*river.Job[ProbeArgs]) time.Duration {
	return max(w.n.svc().Config.Serve.ProbeInterval.D(), 2*time.Minute)
}

func (w *probeWorker) Work(ctx context.Context, job *river.Job[ProbeArgs]) error {
	n := w.n
	svc := n.svc()
	every := svc.Config.Serve.ProbeInterval.D()
	var mine []config.Site
	for key, site := range *n.sites.Load() {
		if Shard(key, job.Args.Shards) == job.Args.Shard {
			mine = append(mine, site)
		}
	}
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, site := range mine {
		key := serveKey(site)
		interval := every
		if site.ProbeInterval.D() > 0 {
			interval = site.ProbeInterval.D()
		}
		if interval > every {
			var last *time.Time
			if err := n.store.Pool().QueryRow(ctx, `SELECT MAX(at) FROM probes WHERE site = $1`, key).Scan(&last); err == nil && last != nil && time.Since(*last) < interval*9/10 {
				continue // this site's own interval is longer
			}
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := n.probe(ctx, site); err != nil {
				n.log.Warn("probe", "site", key, "err", err)
			}
		})
	}
	wg.Wait()
	return nil
}

func (n *Node) probe(ctx context.Context, site config.Site) error {
	svc := n.svc()
	ok, ms, reason := svc.Probe(ctx, site.URL)
	if ctx.Err() != nil {
		return nil
	}
	p := store.Probe{Site: serveKey(site), At: time.Now(), OK: ok, TotalMs: ms, Detail: reason, Worker: n.id}
	return n.store.UpdatePgx(ctx, func(tx *postgres.Tx) error {
		out, err := svc.RecordProbe(ctx, tx, site, p)
		if err != nil || len(out) == 0 {
			return err
		}
		_, err = n.client.InsertManyTx(ctx, tx.Pgx(), alertJobs(fmt.Sprintf("probe:%s:%d", p.Site, p.At.UnixNano()), out))
		return err
	})
}

// --- alerts ---

type alertWorker struct {
	river.WorkerDefaults[AlertArgs]
	n *Node
}

// NextRetry: 1 min, doubling, capped at an hour (as the embedded outbox).
func (w *alertWorker) NextRetry(job *river.Job[AlertArgs]) time.Time {
	return time.Now().Add(w.n.svc().Alerts.Backoff(job.Attempt - 1))
}

// Timeout: one delivery.
func (w *alertWorker) Timeout(*river.Job[AlertArgs]) time.Duration { return time.Minute }

func (w *alertWorker) Work(ctx context.Context, job *river.Job[AlertArgs]) error {
	n := w.n
	a := job.Args
	var done bool
	err := n.store.Pool().QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM alert_deliveries WHERE ref = $1 AND channel = $2 AND key = $3)`, a.Ref, a.Channel, a.Key).Scan(&done)
	if err != nil {
		return fmt.Errorf("alert %s: %w", a.Key, err)
	}
	if done {
		return nil // delivered by an earlier attempt that died before completing
	}
	c, ok := n.svc().Alerts.Channel(a.Channel)
	if !ok {
		return fmt.Errorf("alert %s: channel %s is not configured on worker %s", a.Key, a.Channel, n.id)
	}
	m := a.Message
	m.ID = a.Key
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	err = c.Send(sctx, m)
	cancel()
	if err != nil {
		n.log.Warn("alert not delivered", "channel", a.Channel, "key", a.Key, "attempt", job.Attempt, "err", err)
		return err
	}
	return pgx.BeginFunc(context.WithoutCancel(ctx), n.store.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO alert_deliveries(ref, channel, key, delivered_at, worker) VALUES ($1, $2, $3, now(), $4) ON CONFLICT DO NOTHING`, a.Ref, a.Channel, a.Key, n.id); err != nil {
			return err
		}
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
		return err
	})
}

// --- retention ---

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	n *Node
}

// Timeout: deleting a day's worth of old rows.
func (w *pruneWorker) Timeout(*river.Job[PruneArgs]) time.Duration { return 10 * time.Minute }

func (w *pruneWorker) Work(ctx context.Context, job *river.Job[PruneArgs]) error {
	w.n.svc().Prune(ctx)
	return nil
}
