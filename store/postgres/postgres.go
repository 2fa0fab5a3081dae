// Package postgres is the shared history of a cluster: PostgreSQL through
// pgx v5 (a connection pool). Same model as store/sqlite, plus the tables
// the cluster coordinates through (sites, planned days, workers, crawl
// checkpoints, alert deliveries). Schema changes are numbered migrations
// applied under a transaction-level advisory lock, so that workers starting
// at once migrate one at a time.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/store"
)

// migrations are applied in order; migration i brings the schema to
// version i+1. Never edit one that has shipped: add another.
var migrations = []string{
	`CREATE TABLE runs (
  id BIGSERIAL PRIMARY KEY,
  site TEXT NOT NULL,
  day TEXT,
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ NOT NULL,
  complete BOOLEAN NOT NULL,
  findings INTEGER NOT NULL,
  worst TEXT NOT NULL,
  report JSONB NOT NULL,
  worker TEXT NOT NULL DEFAULT '',
  job_id BIGINT,
  attempt INTEGER,
  saved_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX runs_site_day ON runs(site, day) WHERE day IS NOT NULL;
CREATE INDEX runs_site ON runs(site, id);
CREATE INDEX runs_started ON runs(started_at);
CREATE TABLE findings (
  run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  fid TEXT NOT NULL,
  status TEXT NOT NULL,
  first_seen TIMESTAMPTZ NOT NULL,
  check_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  page TEXT NOT NULL,
  target TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (run_id, fid)
);
CREATE TABLE artifacts (
  run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (run_id, name)
);
CREATE TABLE probes (
  site TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  ok BOOLEAN NOT NULL,
  total_ms DOUBLE PRECISION NOT NULL,
  detail TEXT NOT NULL,
  worker TEXT NOT NULL DEFAULT ''
);
CREATE INDEX probes_site ON probes(site, at);
CREATE INDEX probes_at ON probes(at);
CREATE TABLE alerts (
  key TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  first_sent TIMESTAMPTZ NOT NULL,
  last_sent TIMESTAMPTZ NOT NULL,
  resolved BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE outbox (
  id BIGSERIAL PRIMARY KEY,
  channel TEXT NOT NULL,
  key TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_try TIMESTAMPTZ NOT NULL,
  sent BOOLEAN NOT NULL DEFAULT false,
  delivered_at TIMESTAMPTZ,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX outbox_channel_key ON outbox(channel, key) WHERE key <> '';
CREATE INDEX outbox_due ON outbox(sent, next_try);
CREATE TABLE sites (
  key TEXT PRIMARY KEY,
  config JSONB NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE inspect_days (
  site TEXT NOT NULL,
  day TEXT NOT NULL,
  planned_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  job_id BIGINT,
  PRIMARY KEY (site, day)
);
CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  dashboard TEXT NOT NULL DEFAULT '',
  started_at TIMESTAMPTZ NOT NULL,
  seen_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE checkpoints (
  site TEXT NOT NULL,
  day TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  data JSONB NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site, day)
);
CREATE TABLE alert_deliveries (
  ref TEXT NOT NULL,
  channel TEXT NOT NULL,
  key TEXT NOT NULL,
  delivered_at TIMESTAMPTZ NOT NULL,
  worker TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (ref, channel, key)
);
CREATE INDEX alert_deliveries_at ON alert_deliveries(delivered_at);`,
	// 2: what the last crawls learnt per URL (conditional requests, the
	// weekly spread, resuming).
	`CREATE TABLE url_states (
  site TEXT NOT NULL,
  url TEXT NOT NULL,
  page BOOLEAN NOT NULL,
  checked_at TIMESTAMPTZ NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (site, url)
);
CREATE INDEX url_states_checked ON url_states(checked_at);`,
}

// Store is the PostgreSQL history.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url and brings its schema up to date.
// Errors name what failed; IsPermanent tells a wrong URL or password from
// a server that is down.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database %s@%s:%d/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Pool is the connection pool (the cluster's River client shares it).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool.
func (s *Store) Close() error { s.pool.Close(); return nil }

// IsPermanent reports whether a connection error will not go away by
// retrying: a wrong password, an unknown user or database, a bad URL.
func IsPermanent(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "28P01", "28000", "3D000", "42501":
			return true
		}
	}
	var pe *pgconn.ParseConfigError
	return errors.As(err, &pe)
}

// migrationLock is the advisory lock key migrations run under.
const migrationLock = 0x78756e6a69616e // "xunjian"

// WithMigrationLock runs fn in a transaction holding the migration lock:
// concurrent starts of several workers migrate one after the other.
func WithMigrationLock(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		return fn(tx)
	})
}

// WithSessionLock runs fn holding the migration lock on a connection of
// its own, for migrations that commit in several transactions (River's).
func WithSessionLock(ctx context.Context, pool *pgxpool.Pool, fn func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	return fn()
}

// Version returns the schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM xunjian_migrations`).Scan(&v)
	return v, err
}

func (s *Store) migrate(ctx context.Context) error {
	return WithMigrationLock(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS xunjian_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		var v int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM xunjian_migrations`).Scan(&v); err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		if v > len(migrations) {
			return fmt.Errorf("schema version %d is newer than this program's %d: upgrade xunjian", v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migration %d: %w", v+1, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO xunjian_migrations(version) VALUES ($1)`, v+1); err != nil {
				return fmt.Errorf("migration %d: %w", v+1, err)
			}
		}
		return nil
	})
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.UpdatePgx(ctx, func(tx *Tx) error { return fn(tx) })
}

// UpdatePgx is Update with the pgx transaction at hand, for the cluster to
// check job ownership and insert River jobs in the same transaction.
func (s *Store) UpdatePgx(ctx context.Context, fn func(*Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(&Tx{tx: tx}) })
}

// Tx is a PostgreSQL write transaction.
type Tx struct {
	tx pgx.Tx
	// Worker, JobID and Attempt are recorded with a saved run (cluster).
	Worker  string
	JobID   int64
	Attempt int
}

var _ store.Tx = (*Tx)(nil)

// Pgx returns the underlying transaction.
func (t *Tx) Pgx() pgx.Tx { return t.tx }

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// SaveRun implements store.Tx.
func (t *Tx) SaveRun(ctx context.Context, r store.NewRun) (int64, []finding.Finding, error) {
	rep := r.Report
	// Saves of one site queue here, so statuses are computed against the
	// run saved just before.
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('xunjian-site:' || $1))`, r.Site); err != nil {
		return 0, nil, fmt.Errorf("save run: %w", err)
	}
	var day *string
	if r.Day != "" {
		day = &r.Day
		var exists bool
		if err := t.tx.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM runs WHERE site = $1 AND day = $2)`, r.Site, r.Day).Scan(&exists); err != nil {
			return 0, nil, fmt.Errorf("save run: %w", err)
		}
		if exists {
			return 0, nil, fmt.Errorf("save run of %s for %s: %w", r.Site, r.Day, store.ErrDuplicateDay)
		}
	}
	prev := map[string]store.PrevFinding{}
	rows, err := t.tx.Query(ctx, `SELECT fid, first_seen, check_name, kind, severity, page, target, message FROM findings
	  WHERE run_id = (SELECT id FROM runs WHERE site = $1 ORDER BY id DESC LIMIT 1) AND status <> 'fixed'`, r.Site)
	if err != nil {
		return 0, nil, fmt.Errorf("save run: %w", err)
	}
	for rows.Next() {
		var p store.PrevFinding
		var sev string
		if err := rows.Scan(&p.ID, &p.FirstSeen, &p.Check, &p.Kind, &sev, &p.Page, &p.Target, &p.Message); err != nil {
			rows.Close()
			return 0, nil, fmt.Errorf("save run: %w", err)
		}
		p.Severity = finding.Severity(sev)
		prev[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("save run: %w", err)
	}
	fixed := store.Classify(rep, prev)
	body, err := json.Marshal(rep)
	if err != nil {
		return 0, nil, fmt.Errorf("save run: %w", err)
	}
	var jobID *int64
	var attempt *int
	if t.JobID != 0 {
		jobID, attempt = &t.JobID, &t.Attempt
	}
	var id int64
	err = t.tx.QueryRow(ctx, `INSERT INTO runs(site, day, started_at, finished_at, complete, findings, worst, report, worker, job_id, attempt)
	  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		r.Site, day, rep.StartedAt, rep.FinishedAt, rep.Complete, len(rep.Findings), string(rep.Worst()), string(body), t.Worker, jobID, attempt).Scan(&id)
	if err != nil {
		var pg *pgconn.PgError
		if errors.As(err, &pg) && pg.Code == "23505" {
			return 0, nil, fmt.Errorf("save run of %s for %s: %w", r.Site, r.Day, store.ErrDuplicateDay)
		}
		return 0, nil, fmt.Errorf("save run: %w", err)
	}
	batch := &pgx.Batch{}
	for _, list := range [][]finding.Finding{rep.Findings, fixed} {
		for _, f := range list {
			batch.Queue(`INSERT INTO findings(run_id, fid, status, first_seen, check_name, kind, severity, page, target, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			  ON CONFLICT (run_id, fid) DO UPDATE SET status = excluded.status`,
				id, f.ID, f.Status, *f.FirstSeen, f.Check, f.Kind, string(f.Severity), f.Page, f.Target, f.Message)
		}
	}
	for name, data := range rep.Artifacts {
		batch.Queue(`INSERT INTO artifacts(run_id, name, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, id, name, data)
	}
	if batch.Len() > 0 {
		if err := t.tx.SendBatch(ctx, batch).Close(); err != nil {
			return 0, nil, fmt.Errorf("save run: findings: %w", err)
		}
	}
	return id, fixed, nil
}

// Alert implements store.Tx.
func (t *Tx) Alert(ctx context.Context, key string) (store.AlertState, bool, error) {
	return alert(ctx, t.tx, key)
}

func alert(ctx context.Context, q querier, key string) (store.AlertState, bool, error) {
	var a store.AlertState
	err := q.QueryRow(ctx, `SELECT first_sent, last_sent, resolved FROM alerts WHERE key = $1`, key).Scan(&a.FirstSent, &a.LastSent, &a.Resolved)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("alert %s: %w", key, err)
	}
	return a, true, nil
}

// SetAlert implements store.Tx.
func (t *Tx) SetAlert(ctx context.Context, key, site string, at time.Time, resolved bool) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO alerts(key, site, first_sent, last_sent, resolved) VALUES ($1, $2, $3, $3, $4)
	  ON CONFLICT (key) DO UPDATE SET last_sent = excluded.last_sent, resolved = excluded.resolved,
	  first_sent = CASE WHEN alerts.resolved AND NOT excluded.resolved THEN excluded.first_sent ELSE alerts.first_sent END`,
		key, site, at, resolved)
	if err != nil {
		return fmt.Errorf("set alert %s: %w", key, err)
	}
	return nil
}

// RecentProbes implements store.Tx.
func (t *Tx) RecentProbes(ctx context.Context, site string, n int) ([]bool, error) {
	return recentProbes(ctx, t.tx, site, n)
}

// Enqueue implements store.Tx.
func (t *Tx) Enqueue(ctx context.Context, m store.OutboxMessage) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO outbox(channel, key, payload, next_try) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, m.Channel, m.Key, m.Payload, m.At)
	if err != nil {
		return fmt.Errorf("enqueue for %s: %w", m.Channel, err)
	}
	return nil
}

// Fixed implements store.Reader.
func (s *Store) Fixed(ctx context.Context, runID int64) ([]finding.Finding, error) {
	rows, err := s.pool.Query(ctx, `SELECT fid, first_seen, check_name, kind, severity, page, target, message FROM findings WHERE run_id = $1 AND status = 'fixed' ORDER BY fid`, runID)
	if err != nil {
		return nil, fmt.Errorf("fixed findings: %w", err)
	}
	defer rows.Close()
	var out []finding.Finding
	for rows.Next() {
		var f finding.Finding
		var first time.Time
		var sev string
		if err := rows.Scan(&f.ID, &first, &f.Check, &f.Kind, &sev, &f.Page, &f.Target, &f.Message); err != nil {
			return nil, fmt.Errorf("fixed findings: %w", err)
		}
		f.FirstSeen, f.Severity, f.Status = &first, finding.Severity(sev), store.StatusFixed
		out = append(out, f)
	}
	return out, rows.Err()
}

// Runs implements store.Reader.
func (s *Store) Runs(ctx context.Context, site string, limit int) ([]store.Run, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, r.site, COALESCE(r.day, ''), r.started_at, r.finished_at, r.complete, r.findings, r.worst,
	  (SELECT COUNT(*) FROM findings f WHERE f.run_id = r.id AND f.status = 'new'),
	  (SELECT COUNT(*) FROM findings f WHERE f.run_id = r.id AND f.status = 'fixed')
	  FROM runs r WHERE r.site = $1 ORDER BY r.id DESC LIMIT $2`, site, limit)
	if err != nil {
		return nil, fmt.Errorf("runs of %s: %w", site, err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		var r store.Run
		if err := rows.Scan(&r.ID, &r.Site, &r.Day, &r.StartedAt, &r.FinishedAt, &r.Complete, &r.Findings, &r.Worst, &r.New, &r.Fixed); err != nil {
			return nil, fmt.Errorf("runs of %s: %w", site, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Sites implements store.Reader.
func (s *Store) Sites(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT site FROM runs ORDER BY site`)
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	return out, nil
}

// Report implements store.Reader.
func (s *Store) Report(ctx context.Context, site string, runID int64) (*finding.Report, int64, error) {
	var body []byte
	var err error
	if runID == 0 {
		err = s.pool.QueryRow(ctx, `SELECT id, report::text FROM runs WHERE site = $1 ORDER BY id DESC LIMIT 1`, site).Scan(&runID, &body)
	} else {
		err = s.pool.QueryRow(ctx, `SELECT report::text FROM runs WHERE site = $1 AND id = $2`, site, runID).Scan(&body)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, fmt.Errorf("site %q run %d: %w", site, runID, store.ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("report: %w", err)
	}
	var rep finding.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		return nil, 0, fmt.Errorf("report %d: %w", runID, err)
	}
	return &rep, runID, nil
}

// Artifact implements store.Reader.
func (s *Store) Artifact(ctx context.Context, runID int64, name string) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM artifacts WHERE run_id = $1 AND name = $2`, runID, name).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("run %d file %q: %w", runID, name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("run %d file %q: %w", runID, name, err)
	}
	return data, nil
}

// AddProbe implements store.Store.
func (s *Store) AddProbe(ctx context.Context, p store.Probe) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO probes(site, at, ok, total_ms, detail, worker) VALUES ($1, $2, $3, $4, $5, $6)`, p.Site, p.At, p.OK, p.TotalMs, p.Detail, p.Worker); err != nil {
		return fmt.Errorf("add probe: %w", err)
	}
	return nil
}

// AddProbe implements store.Tx.
func (t *Tx) AddProbe(ctx context.Context, p store.Probe) error {
	if _, err := t.tx.Exec(ctx, `INSERT INTO probes(site, at, ok, total_ms, detail, worker) VALUES ($1, $2, $3, $4, $5, $6)`, p.Site, p.At, p.OK, p.TotalMs, p.Detail, p.Worker); err != nil {
		return fmt.Errorf("add probe: %w", err)
	}
	return nil
}

// Availability implements store.Reader.
func (s *Store) Availability(ctx context.Context, site string, since time.Time) (total, failed int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT ok) FROM probes WHERE site = $1 AND at >= $2`, site, since).Scan(&total, &failed)
	if err != nil {
		return 0, 0, fmt.Errorf("availability of %s: %w", site, err)
	}
	return total, failed, nil
}

// RecentProbes implements store.Reader.
func (s *Store) RecentProbes(ctx context.Context, site string, n int) ([]bool, error) {
	return recentProbes(ctx, s.pool, site, n)
}

func recentProbes(ctx context.Context, q querier, site string, n int) ([]bool, error) {
	rows, err := q.Query(ctx, `SELECT ok FROM probes WHERE site = $1 ORDER BY at DESC LIMIT $2`, site, n)
	if err != nil {
		return nil, fmt.Errorf("probes of %s: %w", site, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[bool])
	if err != nil {
		return nil, fmt.Errorf("probes of %s: %w", site, err)
	}
	return out, nil
}

// ProbeDays implements store.Reader.
func (s *Store) ProbeDays(ctx context.Context, site string, since time.Time) ([]store.ProbeDay, error) {
	rows, err := s.pool.Query(ctx, `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d, COUNT(*), COUNT(*) FILTER (WHERE NOT ok)
	  FROM probes WHERE site = $1 AND at >= $2 GROUP BY d ORDER BY d`, site, since)
	if err != nil {
		return nil, fmt.Errorf("probe days of %s: %w", site, err)
	}
	defer rows.Close()
	var out []store.ProbeDay
	for rows.Next() {
		var d store.ProbeDay
		if err := rows.Scan(&d.Day, &d.Total, &d.Failed); err != nil {
			return nil, fmt.Errorf("probe days of %s: %w", site, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// LastRunStart implements store.Reader.
func (s *Store) LastRunStart(ctx context.Context, site string) (time.Time, error) {
	var st *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT MAX(started_at) FROM runs WHERE site = $1`, site).Scan(&st); err != nil {
		return time.Time{}, fmt.Errorf("last run of %s: %w", site, err)
	}
	if st == nil {
		return time.Time{}, nil
	}
	return *st, nil
}

// Alert implements store.Reader.
func (s *Store) Alert(ctx context.Context, key string) (store.AlertState, bool, error) {
	return alert(ctx, s.pool, key)
}

// OpenAlerts implements store.Reader.
func (s *Store) OpenAlerts(ctx context.Context, site string) (map[string]store.AlertState, error) {
	rows, err := s.pool.Query(ctx, `SELECT key, first_sent, last_sent FROM alerts WHERE site = $1 AND NOT resolved`, site)
	if err != nil {
		return nil, fmt.Errorf("open alerts: %w", err)
	}
	defer rows.Close()
	out := map[string]store.AlertState{}
	for rows.Next() {
		var k string
		var a store.AlertState
		if err := rows.Scan(&k, &a.FirstSent, &a.LastSent); err != nil {
			return nil, fmt.Errorf("open alerts: %w", err)
		}
		out[k] = a
	}
	return out, rows.Err()
}

// Due implements store.Store.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]store.OutboxItem, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, channel, key, payload, attempts FROM outbox WHERE NOT sent AND next_try <= $1 ORDER BY id LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxItem
	for rows.Next() {
		var it store.OutboxItem
		if err := rows.Scan(&it.ID, &it.Channel, &it.Key, &it.Payload, &it.Attempts); err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Delivered implements store.Store.
func (s *Store) Delivered(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE outbox SET sent = true, attempts = attempts + 1, delivered_at = $2 WHERE id = $1`, id, at); err != nil {
		return fmt.Errorf("outbox %d delivered: %w", id, err)
	}
	return nil
}

// Retry implements store.Store.
func (s *Store) Retry(ctx context.Context, id int64, next time.Time, msg string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, next_try = $2, last_error = $3 WHERE id = $1`, id, next, msg); err != nil {
		return fmt.Errorf("outbox %d retry: %w", id, err)
	}
	return nil
}

// Pending implements store.Store.
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE NOT sent`).Scan(&n); err != nil {
		return 0, fmt.Errorf("outbox: %w", err)
	}
	return n, nil
}

// Prune implements store.Store; in a cluster it also forgets delivered
// alert jobs' records and finished days' checkpoints.
func (s *Store) Prune(ctx context.Context, r store.Retention, now time.Time) (store.Pruned, error) {
	var p store.Pruned
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if r.Runs > 0 {
			tag, err := tx.Exec(ctx, `DELETE FROM runs WHERE started_at < $1 AND id NOT IN (SELECT MAX(id) FROM runs GROUP BY site)`, now.Add(-r.Runs))
			if err != nil {
				return fmt.Errorf("prune runs: %w", err)
			}
			p.Runs = tag.RowsAffected()
			if _, err := tx.Exec(ctx, `DELETE FROM inspect_days WHERE planned_at < $1`, now.Add(-r.Runs)); err != nil {
				return fmt.Errorf("prune planned days: %w", err)
			}
		}
		if r.Probes > 0 {
			tag, err := tx.Exec(ctx, `DELETE FROM probes WHERE at < $1`, now.Add(-r.Probes))
			if err != nil {
				return fmt.Errorf("prune probes: %w", err)
			}
			p.Probes = tag.RowsAffected()
		}
		if r.DeliveredAlerts > 0 {
			cut := now.Add(-r.DeliveredAlerts)
			tag, err := tx.Exec(ctx, `DELETE FROM outbox WHERE sent AND COALESCE(delivered_at, next_try) < $1`, cut)
			if err != nil {
				return fmt.Errorf("prune alerts: %w", err)
			}
			p.Alerts = tag.RowsAffected()
			tag, err = tx.Exec(ctx, `DELETE FROM alert_deliveries WHERE delivered_at < $1`, cut)
			if err != nil {
				return fmt.Errorf("prune alerts: %w", err)
			}
			p.Alerts += tag.RowsAffected()
		}
		// A checkpoint outlives its day only when the run never finished.
		if _, err := tx.Exec(ctx, `DELETE FROM checkpoints WHERE updated_at < $1`, now.Add(-72*time.Hour)); err != nil {
			return fmt.Errorf("prune checkpoints: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM url_states WHERE checked_at < $1`, now.Add(-store.URLStateRetention)); err != nil {
			return fmt.Errorf("prune URL states: %w", err)
		}
		return nil
	})
	return p, err
}
