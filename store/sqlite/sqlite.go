// Package sqlite is the embedded history: one SQLite file (modernc.org/sqlite,
// pure Go, no server). WAL journal so that the dashboard reads while a run is
// saved; every write transaction starts IMMEDIATE (it takes the write lock at
// BEGIN and waits for it up to the busy timeout, instead of failing with
// SQLITE_BUSY when a read transaction would have to be upgraded); schema
// changes are numbered migrations recorded in PRAGMA user_version.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/store"
)

// migrations are applied in order; migration i brings the schema to
// version i+1. Never edit one that has shipped: add another.
var migrations = []string{
	// 1: the history as first released (IF NOT EXISTS: files made before
	// migrations were numbered adopt it unchanged).
	`CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  site TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  findings INTEGER NOT NULL,
  worst TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_site ON runs(site, id);
CREATE TABLE IF NOT EXISTS findings (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  fid TEXT NOT NULL,
  status TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  check_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  page TEXT NOT NULL,
  target TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (run_id, fid)
);
CREATE TABLE IF NOT EXISTS probes (
  site TEXT NOT NULL,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  total_ms REAL NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS probes_site ON probes(site, at);
CREATE TABLE IF NOT EXISTS alerts (
  key TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  first_sent INTEGER NOT NULL,
  last_sent INTEGER NOT NULL,
  resolved INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_try INTEGER NOT NULL,
  sent INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);`,
	// 2: one scheduled run per (site, day); outbox keys (idempotency) and
	// delivery times (retention); run artifacts (screenshots) in the
	// database; who probed; indexes for retention.
	`ALTER TABLE runs ADD COLUMN day TEXT;
CREATE UNIQUE INDEX runs_site_day ON runs(site, day) WHERE day IS NOT NULL;
CREATE INDEX runs_started ON runs(started_at);
ALTER TABLE outbox ADD COLUMN key TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN delivered_at INTEGER;
CREATE UNIQUE INDEX outbox_channel_key ON outbox(channel, key) WHERE key != '';
CREATE INDEX outbox_due ON outbox(sent, next_try);
ALTER TABLE probes ADD COLUMN worker TEXT NOT NULL DEFAULT '';
CREATE INDEX probes_at ON probes(at);
CREATE TABLE artifacts (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (run_id, name)
);`,
	// 3: what the last crawls learnt per URL (conditional requests, the
	// weekly spread, resuming) and the checkpoints of runs in progress.
	`CREATE TABLE url_states (
  site TEXT NOT NULL,
  url TEXT NOT NULL,
  page INTEGER NOT NULL,
  checked_at INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (site, url)
);
CREATE INDEX url_states_checked ON url_states(checked_at);
CREATE TABLE checkpoints (
  site TEXT NOT NULL,
  day TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  data TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (site, day)
);`,
}

// Store is the SQLite history.
type Store struct {
	db *sql.DB

	stmtMu  sync.Mutex
	urlStmt *sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	dsn := "file:" + path + "?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	// Readers run beside the one writer (WAL); writers queue on the
	// database's lock, waiting up to the busy timeout.
	db.SetMaxOpenConns(4)
	s := &Store{db: db}
	if err := s.walMode(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	return s, nil
}

// walMode switches the file to WAL (once: the mode is kept in the file).
// The switch needs the file to itself and SQLite does not wait for it
// (the busy timeout does not apply), so two processes creating the file at
// once would see SQLITE_BUSY: retry for a while instead.
func (s *Store) walMode(ctx context.Context) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		var mode string
		err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode=WAL`).Scan(&mode)
		if err == nil && mode == "wal" {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("journal mode %q", mode)
		}
		if time.Now().After(deadline) || !strings.Contains(err.Error(), "SQLITE_BUSY") {
			return fmt.Errorf("WAL journal: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Version returns the schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v)
	return v, err
}

func (s *Store) migrate(ctx context.Context) error {
	v, err := s.Version(ctx)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program's %d: upgrade xunjian", v, len(migrations))
	}
	for v < len(migrations) {
		// IMMEDIATE: two processes opening a new file at once queue here,
		// and the second finds the version moved on.
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		var cur int
		if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&cur); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if cur != v {
			tx.Rollback()
			v = cur
			continue
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		v++
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmtMu.Lock()
	if s.urlStmt != nil {
		s.urlStmt.Close()
	}
	s.stmtMu.Unlock()
	return s.db.Close()
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(&txn{q: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: commit: %w", err)
	}
	return nil
}

type txn struct{ q queryer }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *txn) SaveRun(ctx context.Context, r store.NewRun) (int64, []finding.Finding, error) {
	rep := r.Report
	var day any
	if r.Day != "" {
		day = r.Day
		var n int
		if err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE site = ? AND day = ?`, r.Site, r.Day).Scan(&n); err != nil {
			return 0, nil, fmt.Errorf("save run: %w", err)
		}
		if n > 0 {
			return 0, nil, fmt.Errorf("save run of %s for %s: %w", r.Site, r.Day, store.ErrDuplicateDay)
		}
	}
	prev := map[string]store.PrevFinding{}
	var prevID int64
	err := t.q.QueryRowContext(ctx, `SELECT id FROM runs WHERE site = ? ORDER BY id DESC LIMIT 1`, r.Site).Scan(&prevID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("save run: %w", err)
	}
	if prevID != 0 {
		rows, err := t.q.QueryContext(ctx, `SELECT fid, first_seen, check_name, kind, severity, page, target, message FROM findings WHERE run_id = ? AND status != 'fixed'`, prevID)
		if err != nil {
			return 0, nil, fmt.Errorf("save run: %w", err)
		}
		for rows.Next() {
			var p store.PrevFinding
			var first int64
			var sev string
			if err := rows.Scan(&p.ID, &first, &p.Check, &p.Kind, &sev, &p.Page, &p.Target, &p.Message); err != nil {
				rows.Close()
				return 0, nil, fmt.Errorf("save run: %w", err)
			}
			p.Severity, p.FirstSeen = finding.Severity(sev), time.Unix(0, first)
			prev[p.ID] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, nil, fmt.Errorf("save run: %w", err)
		}
	}
	fixed := store.Classify(rep, prev)
	body, err := json.Marshal(rep)
	if err != nil {
		return 0, nil, fmt.Errorf("save run: %w", err)
	}
	res, err := t.q.ExecContext(ctx, `INSERT INTO runs(site, day, started_at, finished_at, complete, findings, worst, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Site, day, rep.StartedAt.UnixNano(), rep.FinishedAt.UnixNano(), boolInt(rep.Complete), len(rep.Findings), string(rep.Worst()), string(body))
	if err != nil {
		return 0, nil, fmt.Errorf("save run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, nil, fmt.Errorf("save run: %w", err)
	}
	const ins = `INSERT OR REPLACE INTO findings(run_id, fid, status, first_seen, check_name, kind, severity, page, target, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	for _, list := range [][]finding.Finding{rep.Findings, fixed} {
		for _, f := range list {
			if _, err := t.q.ExecContext(ctx, ins, id, f.ID, f.Status, f.FirstSeen.UnixNano(), f.Check, f.Kind, string(f.Severity), f.Page, f.Target, f.Message); err != nil {
				return 0, nil, fmt.Errorf("save run: %w", err)
			}
		}
	}
	for name, data := range rep.Artifacts {
		if _, err := t.q.ExecContext(ctx, `INSERT OR REPLACE INTO artifacts(run_id, name, data) VALUES (?, ?, ?)`, id, name, data); err != nil {
			return 0, nil, fmt.Errorf("save run: artifact %s: %w", name, err)
		}
	}
	return id, fixed, nil
}

func (t *txn) Alert(ctx context.Context, key string) (store.AlertState, bool, error) {
	return alert(ctx, t.q, key)
}

func alert(ctx context.Context, q queryer, key string) (store.AlertState, bool, error) {
	var first, last int64
	var resolved int
	err := q.QueryRowContext(ctx, `SELECT first_sent, last_sent, resolved FROM alerts WHERE key = ?`, key).Scan(&first, &last, &resolved)
	if errors.Is(err, sql.ErrNoRows) {
		return store.AlertState{}, false, nil
	}
	if err != nil {
		return store.AlertState{}, false, fmt.Errorf("alert %s: %w", key, err)
	}
	return store.AlertState{FirstSent: time.Unix(0, first), LastSent: time.Unix(0, last), Resolved: resolved == 1}, true, nil
}

func (t *txn) SetAlert(ctx context.Context, key, site string, at time.Time, resolved bool) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO alerts(key, site, first_sent, last_sent, resolved) VALUES (?, ?, ?, ?, ?)
	  ON CONFLICT(key) DO UPDATE SET last_sent = excluded.last_sent, resolved = excluded.resolved,
	  first_sent = CASE WHEN alerts.resolved = 1 AND excluded.resolved = 0 THEN excluded.first_sent ELSE alerts.first_sent END`,
		key, site, at.UnixNano(), at.UnixNano(), boolInt(resolved))
	if err != nil {
		return fmt.Errorf("set alert %s: %w", key, err)
	}
	return nil
}

func (t *txn) RecentProbes(ctx context.Context, site string, n int) ([]bool, error) {
	return recentProbes(ctx, t.q, site, n)
}

func (t *txn) Enqueue(ctx context.Context, m store.OutboxMessage) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO outbox(channel, key, payload, next_try) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, m.Channel, m.Key, m.Payload, m.At.UnixNano())
	if err != nil {
		return fmt.Errorf("enqueue for %s: %w", m.Channel, err)
	}
	return nil
}

// Fixed implements store.Reader.
func (s *Store) Fixed(ctx context.Context, runID int64) ([]finding.Finding, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT fid, first_seen, check_name, kind, severity, page, target, message FROM findings WHERE run_id = ? AND status = 'fixed' ORDER BY fid`, runID)
	if err != nil {
		return nil, fmt.Errorf("fixed findings: %w", err)
	}
	defer rows.Close()
	var out []finding.Finding
	for rows.Next() {
		var f finding.Finding
		var first int64
		var sev string
		if err := rows.Scan(&f.ID, &first, &f.Check, &f.Kind, &sev, &f.Page, &f.Target, &f.Message); err != nil {
			return nil, fmt.Errorf("fixed findings: %w", err)
		}
		t := time.Unix(0, first)
		f.FirstSeen, f.Severity, f.Status = &t, finding.Severity(sev), store.StatusFixed
		out = append(out, f)
	}
	return out, rows.Err()
}

// Runs implements store.Reader.
func (s *Store) Runs(ctx context.Context, site string, limit int) ([]store.Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.site, COALESCE(r.day, ''), r.started_at, r.finished_at, r.complete, r.findings, r.worst,
	  (SELECT COUNT(*) FROM findings f WHERE f.run_id = r.id AND f.status = 'new'),
	  (SELECT COUNT(*) FROM findings f WHERE f.run_id = r.id AND f.status = 'fixed')
	  FROM runs r WHERE r.site = ? ORDER BY r.id DESC LIMIT ?`, site, limit)
	if err != nil {
		return nil, fmt.Errorf("runs of %s: %w", site, err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		var r store.Run
		var st, fi int64
		var complete int
		if err := rows.Scan(&r.ID, &r.Site, &r.Day, &st, &fi, &complete, &r.Findings, &r.Worst, &r.New, &r.Fixed); err != nil {
			return nil, fmt.Errorf("runs of %s: %w", site, err)
		}
		r.StartedAt, r.FinishedAt, r.Complete = time.Unix(0, st), time.Unix(0, fi), complete == 1
		out = append(out, r)
	}
	return out, rows.Err()
}

// Sites implements store.Reader.
func (s *Store) Sites(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT site FROM runs ORDER BY site`)
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var site string
		if err := rows.Scan(&site); err != nil {
			return nil, fmt.Errorf("sites: %w", err)
		}
		out = append(out, site)
	}
	return out, rows.Err()
}

// Report implements store.Reader.
func (s *Store) Report(ctx context.Context, site string, runID int64) (*finding.Report, int64, error) {
	var body string
	var err error
	if runID == 0 {
		err = s.db.QueryRowContext(ctx, `SELECT id, report FROM runs WHERE site = ? ORDER BY id DESC LIMIT 1`, site).Scan(&runID, &body)
	} else {
		err = s.db.QueryRowContext(ctx, `SELECT report FROM runs WHERE site = ? AND id = ?`, site, runID).Scan(&body)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("site %q run %d: %w", site, runID, store.ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("report: %w", err)
	}
	var rep finding.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		return nil, 0, fmt.Errorf("report %d: %w", runID, err)
	}
	return &rep, runID, nil
}

// Artifact implements store.Reader.
func (s *Store) Artifact(ctx context.Context, runID int64, name string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM artifacts WHERE run_id = ? AND name = ?`, runID, name).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("run %d file %q: %w", runID, name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("run %d file %q: %w", runID, name, err)
	}
	return data, nil
}

// AddProbe implements store.Store.
func (s *Store) AddProbe(ctx context.Context, p store.Probe) error { return addProbe(ctx, s.db, p) }

func (t *txn) AddProbe(ctx context.Context, p store.Probe) error { return addProbe(ctx, t.q, p) }

func addProbe(ctx context.Context, q queryer, p store.Probe) error {
	_, err := q.ExecContext(ctx, `INSERT INTO probes(site, at, ok, total_ms, detail, worker) VALUES (?, ?, ?, ?, ?, ?)`, p.Site, p.At.UnixNano(), boolInt(p.OK), p.TotalMs, p.Detail, p.Worker)
	if err != nil {
		return fmt.Errorf("add probe: %w", err)
	}
	return nil
}

// Availability implements store.Reader.
func (s *Store) Availability(ctx context.Context, site string, since time.Time) (total, failed int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(1 - ok), 0) FROM probes WHERE site = ? AND at >= ?`, site, since.UnixNano()).Scan(&total, &failed)
	if err != nil {
		return 0, 0, fmt.Errorf("availability of %s: %w", site, err)
	}
	return total, failed, nil
}

// RecentProbes implements store.Reader.
func (s *Store) RecentProbes(ctx context.Context, site string, n int) ([]bool, error) {
	return recentProbes(ctx, s.db, site, n)
}

func recentProbes(ctx context.Context, q queryer, site string, n int) ([]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT ok FROM probes WHERE site = ? ORDER BY at DESC LIMIT ?`, site, n)
	if err != nil {
		return nil, fmt.Errorf("probes of %s: %w", site, err)
	}
	defer rows.Close()
	var out []bool
	for rows.Next() {
		var ok int
		if err := rows.Scan(&ok); err != nil {
			return nil, fmt.Errorf("probes of %s: %w", site, err)
		}
		out = append(out, ok == 1)
	}
	return out, rows.Err()
}

// ProbeDays implements store.Reader.
func (s *Store) ProbeDays(ctx context.Context, site string, since time.Time) ([]store.ProbeDay, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT date(at / 1000000000, 'unixepoch') AS d, COUNT(*), SUM(1 - ok) FROM probes WHERE site = ? AND at >= ? GROUP BY d ORDER BY d`, site, since.UnixNano())
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
	var st sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(started_at) FROM runs WHERE site = ?`, site).Scan(&st)
	if err != nil {
		return time.Time{}, fmt.Errorf("last run of %s: %w", site, err)
	}
	if !st.Valid {
		return time.Time{}, nil
	}
	return time.Unix(0, st.Int64), nil
}

// Alert implements store.Reader.
func (s *Store) Alert(ctx context.Context, key string) (store.AlertState, bool, error) {
	return alert(ctx, s.db, key)
}

// OpenAlerts implements store.Reader.
func (s *Store) OpenAlerts(ctx context.Context, site string) (map[string]store.AlertState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, first_sent, last_sent FROM alerts WHERE site = ? AND resolved = 0`, site)
	if err != nil {
		return nil, fmt.Errorf("open alerts: %w", err)
	}
	defer rows.Close()
	out := map[string]store.AlertState{}
	for rows.Next() {
		var k string
		var first, last int64
		if err := rows.Scan(&k, &first, &last); err != nil {
			return nil, fmt.Errorf("open alerts: %w", err)
		}
		out[k] = store.AlertState{FirstSent: time.Unix(0, first), LastSent: time.Unix(0, last)}
	}
	return out, rows.Err()
}

// Due implements store.Store.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]store.OutboxItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, channel, key, payload, attempts FROM outbox WHERE sent = 0 AND next_try <= ? ORDER BY id LIMIT ?`, now.UnixNano(), limit)
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
	if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET sent = 1, attempts = attempts + 1, delivered_at = ? WHERE id = ?`, at.UnixNano(), id); err != nil {
		return fmt.Errorf("outbox %d delivered: %w", id, err)
	}
	return nil
}

// Retry implements store.Store.
func (s *Store) Retry(ctx context.Context, id int64, next time.Time, msg string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_try = ?, last_error = ? WHERE id = ?`, next.UnixNano(), msg, id); err != nil {
		return fmt.Errorf("outbox %d retry: %w", id, err)
	}
	return nil
}

// Pending implements store.Store.
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE sent = 0`).Scan(&n); err != nil {
		return 0, fmt.Errorf("outbox: %w", err)
	}
	return n, nil
}

// Prune implements store.Store.
func (s *Store) Prune(ctx context.Context, r store.Retention, now time.Time) (store.Pruned, error) {
	var p store.Pruned
	err := s.Update(ctx, func(tx store.Tx) error {
		q := tx.(*txn).q
		if r.Runs > 0 {
			cut := now.Add(-r.Runs).UnixNano()
			// Keep each site's latest run: the next run's statuses need it.
			keep := `started_at < ? AND id NOT IN (SELECT MAX(id) FROM runs GROUP BY site)`
			for _, stmt := range []string{
				`DELETE FROM findings WHERE run_id IN (SELECT id FROM runs WHERE ` + keep + `)`,
				`DELETE FROM artifacts WHERE run_id IN (SELECT id FROM runs WHERE ` + keep + `)`,
			} {
				if _, err := q.ExecContext(ctx, stmt, cut); err != nil {
					return fmt.Errorf("prune runs: %w", err)
				}
			}
			res, err := q.ExecContext(ctx, `DELETE FROM runs WHERE `+keep, cut)
			if err != nil {
				return fmt.Errorf("prune runs: %w", err)
			}
			p.Runs, _ = res.RowsAffected()
		}
		if r.Probes > 0 {
			res, err := q.ExecContext(ctx, `DELETE FROM probes WHERE at < ?`, now.Add(-r.Probes).UnixNano())
			if err != nil {
				return fmt.Errorf("prune probes: %w", err)
			}
			p.Probes, _ = res.RowsAffected()
		}
		if r.DeliveredAlerts > 0 {
			res, err := q.ExecContext(ctx, `DELETE FROM outbox WHERE sent = 1 AND COALESCE(delivered_at, next_try) < ?`, now.Add(-r.DeliveredAlerts).UnixNano())
			if err != nil {
				return fmt.Errorf("prune alerts: %w", err)
			}
			p.Alerts, _ = res.RowsAffected()
		}
		return pruneMemory(ctx, q, now)
	})
	return p, err
}
