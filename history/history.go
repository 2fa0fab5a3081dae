// Package history keeps what scheduled inspections found, in an embedded
// SQLite database (modernc.org/sqlite: pure Go, no server, no cgo): runs
// with their reports, findings classed new, persisting or fixed against the
// previous run with the date each was first seen, homepage probes for the
// 7-day availability, and alert state and the alert outbox, so that nothing
// is lost or sent twice across restarts. Every run is written in one
// transaction: a process killed mid-run loses only that run.
package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite"

	"github.com/xunjian/xunjian/finding"
)

// ErrNotFound is returned for a run or site the history does not hold.
var ErrNotFound = errors.New("not found in history")

const schema = `
CREATE TABLE IF NOT EXISTS runs (
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
);
`

// Store is the history database.
type Store struct {
	db *sql.DB
}

// Open opens (creating if needed) the database at path.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; SQLite serialises anyway
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("history %s: schema: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Run summarises one stored run.
type Run struct {
	ID         int64     `json:"id"`
	Site       string    `json:"site"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Complete   bool      `json:"complete"`
	Findings   int       `json:"findings"`
	Worst      string    `json:"worst"`
	New        int       `json:"new"`
	Fixed      int       `json:"fixed"`
}

// SaveRun stores a report for site, in one transaction: each finding gets
// its status (new or persisting) and first-seen date from the site's
// previous run, and the previous run's findings that are gone are stored as
// fixed. The report's findings are updated in place. It returns the run id.
func (s *Store) SaveRun(ctx context.Context, site string, rep *finding.Report) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}
	defer tx.Rollback()
	prev := map[string]prevFinding{}
	var prevID int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM runs WHERE site = ? ORDER BY id DESC LIMIT 1`, site).Scan(&prevID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("save run: %w", err)
	}
	if prevID != 0 {
		rows, err := tx.QueryContext(ctx, `SELECT fid, first_seen, check_name, kind, severity, page, target, message FROM findings WHERE run_id = ? AND status != 'fixed'`, prevID)
		if err != nil {
			return 0, fmt.Errorf("save run: %w", err)
		}
		for rows.Next() {
			var p prevFinding
			var first int64
			if err := rows.Scan(&p.fid, &first, &p.check, &p.kind, &p.severity, &p.page, &p.target, &p.message); err != nil {
				rows.Close()
				return 0, fmt.Errorf("save run: %w", err)
			}
			p.firstSeen = time.Unix(0, first)
			prev[p.fid] = p
		}
		rows.Close()
	}
	current := map[string]bool{}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		current[f.ID] = true
		first := rep.StartedAt
		f.Status = "new"
		if p, ok := prev[f.ID]; ok {
			first, f.Status = p.firstSeen, "persisting"
		}
		t := first
		f.FirstSeen = &t
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO runs(site, started_at, finished_at, complete, findings, worst, report) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		site, rep.StartedAt.UnixNano(), rep.FinishedAt.UnixNano(), boolInt(rep.Complete), len(rep.Findings), string(rep.Worst()), string(body))
	if err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}
	id, _ := res.LastInsertId()
	stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO findings(run_id, fid, status, first_seen, check_name, kind, severity, page, target, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}
	defer stmt.Close()
	for _, f := range rep.Findings {
		if _, err := stmt.ExecContext(ctx, id, f.ID, f.Status, f.FirstSeen.UnixNano(), f.Check, f.Kind, string(f.Severity), f.Page, f.Target, f.Message); err != nil {
			return 0, fmt.Errorf("save run: %w", err)
		}
	}
	// A finding of the last run that this (complete) run no longer has is
	// fixed; an incomplete run proves nothing fixed.
	if rep.Complete {
		for fid, p := range prev {
			if current[fid] {
				continue
			}
			if _, err := stmt.ExecContext(ctx, id, fid, "fixed", p.firstSeen.UnixNano(), p.check, p.kind, p.severity, p.page, p.target, p.message); err != nil {
				return 0, fmt.Errorf("save run: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}
	return id, nil
}

type prevFinding struct {
	fid, check, kind, severity, page, target, message string
	firstSeen                                         time.Time
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Fixed returns the findings a run marked fixed.
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
		f.FirstSeen, f.Severity, f.Status = &t, finding.Severity(sev), "fixed"
		out = append(out, f)
	}
	return out, rows.Err()
}

// Runs lists a site's runs, newest first, with their new and fixed counts.
func (s *Store) Runs(ctx context.Context, site string, limit int) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.site, r.started_at, r.finished_at, r.complete, r.findings, r.worst,
	  (SELECT COUNT(*) FROM findings f WHERE f.run_id = r.id AND f.status = 'new'),
	  (SELECT COUNT(*) FROM findings f WHERE f.run_id = r.id AND f.status = 'fixed')
	  FROM runs r WHERE r.site = ? ORDER BY r.id DESC LIMIT ?`, site, limit)
	if err != nil {
		return nil, fmt.Errorf("runs of %s: %w", site, err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var st, fi int64
		var complete int
		if err := rows.Scan(&r.ID, &r.Site, &st, &fi, &complete, &r.Findings, &r.Worst, &r.New, &r.Fixed); err != nil {
			return nil, fmt.Errorf("runs of %s: %w", site, err)
		}
		r.StartedAt, r.FinishedAt, r.Complete = time.Unix(0, st), time.Unix(0, fi), complete == 1
		out = append(out, r)
	}
	return out, rows.Err()
}

// Sites lists the sites with runs.
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
			return nil, err
		}
		out = append(out, site)
	}
	return out, rows.Err()
}

// Report returns a stored report (runID 0: the site's latest).
func (s *Store) Report(ctx context.Context, site string, runID int64) (*finding.Report, int64, error) {
	var body string
	var err error
	if runID == 0 {
		err = s.db.QueryRowContext(ctx, `SELECT id, report FROM runs WHERE site = ? ORDER BY id DESC LIMIT 1`, site).Scan(&runID, &body)
	} else {
		err = s.db.QueryRowContext(ctx, `SELECT report FROM runs WHERE site = ? AND id = ?`, site, runID).Scan(&body)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("site %q run %d: %w", site, runID, ErrNotFound)
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

// AddProbe records one homepage probe.
func (s *Store) AddProbe(ctx context.Context, site string, at time.Time, ok bool, totalMs float64, detail string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO probes(site, at, ok, total_ms, detail) VALUES (?, ?, ?, ?, ?)`, site, at.UnixNano(), boolInt(ok), totalMs, detail)
	if err != nil {
		return fmt.Errorf("add probe: %w", err)
	}
	return nil
}

// Availability counts a site's probes and failures since a time.
func (s *Store) Availability(ctx context.Context, site string, since time.Time) (total, failed int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(1 - ok), 0) FROM probes WHERE site = ? AND at >= ?`, site, since.UnixNano()).Scan(&total, &failed)
	if err != nil {
		return 0, 0, fmt.Errorf("availability of %s: %w", site, err)
	}
	return total, failed, nil
}

// RecentProbes returns the last n probes' outcomes, newest first.
func (s *Store) RecentProbes(ctx context.Context, site string, n int) ([]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ok FROM probes WHERE site = ? ORDER BY at DESC LIMIT ?`, site, n)
	if err != nil {
		return nil, fmt.Errorf("probes of %s: %w", site, err)
	}
	defer rows.Close()
	var out []bool
	for rows.Next() {
		var ok int
		if err := rows.Scan(&ok); err != nil {
			return nil, err
		}
		out = append(out, ok == 1)
	}
	return out, rows.Err()
}

// ProbeDay is one day's availability.
type ProbeDay struct {
	Day    string `json:"day"`
	Total  int    `json:"total"`
	Failed int    `json:"failed"`
}

// ProbeDays returns availability per day since a time (UTC days).
func (s *Store) ProbeDays(ctx context.Context, site string, since time.Time) ([]ProbeDay, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT date(at / 1000000000, 'unixepoch') AS d, COUNT(*), SUM(1 - ok) FROM probes WHERE site = ? AND at >= ? GROUP BY d ORDER BY d`, site, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("probe days of %s: %w", site, err)
	}
	defer rows.Close()
	var out []ProbeDay
	for rows.Next() {
		var d ProbeDay
		if err := rows.Scan(&d.Day, &d.Total, &d.Failed); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// LastRunStart returns when the site's latest run started (zero if none).
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

// AlertState is an alert's record: first and last sent, resolved or not.
type AlertState struct {
	FirstSent, LastSent time.Time
	Resolved            bool
}

// Alert returns an alert's state (ok false if it was never sent).
func (s *Store) Alert(ctx context.Context, key string) (AlertState, bool, error) {
	var a AlertState
	var first, last int64
	var resolved int
	err := s.db.QueryRowContext(ctx, `SELECT first_sent, last_sent, resolved FROM alerts WHERE key = ?`, key).Scan(&first, &last, &resolved)
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("alert %s: %w", key, err)
	}
	return AlertState{FirstSent: time.Unix(0, first), LastSent: time.Unix(0, last), Resolved: resolved == 1}, true, nil
}

// SetAlert records that an alert was sent (or resolved) at a time.
func (s *Store) SetAlert(ctx context.Context, key, site string, at time.Time, resolved bool) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO alerts(key, site, first_sent, last_sent, resolved) VALUES (?, ?, ?, ?, ?)
	  ON CONFLICT(key) DO UPDATE SET last_sent = excluded.last_sent, resolved = excluded.resolved,
	  first_sent = CASE WHEN alerts.resolved = 1 AND excluded.resolved = 0 THEN excluded.first_sent ELSE alerts.first_sent END`,
		key, site, at.UnixNano(), at.UnixNano(), boolInt(resolved))
	if err != nil {
		return fmt.Errorf("set alert %s: %w", key, err)
	}
	return nil
}

// OpenAlerts returns the keys of a site's unresolved alerts.
func (s *Store) OpenAlerts(ctx context.Context, site string) (map[string]AlertState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, first_sent, last_sent FROM alerts WHERE site = ? AND resolved = 0`, site)
	if err != nil {
		return nil, fmt.Errorf("open alerts: %w", err)
	}
	defer rows.Close()
	out := map[string]AlertState{}
	for rows.Next() {
		var k string
		var first, last int64
		if err := rows.Scan(&k, &first, &last); err != nil {
			return nil, err
		}
		out[k] = AlertState{FirstSent: time.Unix(0, first), LastSent: time.Unix(0, last)}
	}
	return out, rows.Err()
}

// OutboxItem is a message waiting for its channel.
type OutboxItem struct {
	ID       int64
	Channel  string
	Payload  string
	Attempts int
}

// Enqueue stores a message for a channel; it is sent until delivered.
func (s *Store) Enqueue(ctx context.Context, channel, payload string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO outbox(channel, payload, next_try) VALUES (?, ?, ?)`, channel, payload, at.UnixNano())
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// Due returns messages whose next try is due, oldest first.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, channel, payload, attempts FROM outbox WHERE sent = 0 AND next_try <= ? ORDER BY id LIMIT ?`, now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var it OutboxItem
		if err := rows.Scan(&it.ID, &it.Channel, &it.Payload, &it.Attempts); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Delivered marks a message sent.
func (s *Store) Delivered(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET sent = 1, attempts = attempts + 1 WHERE id = ?`, id)
	return err
}

// Retry records a failed attempt and the next try.
func (s *Store) Retry(ctx context.Context, id int64, next time.Time, msg string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_try = ?, last_error = ? WHERE id = ?`, next.UnixNano(), msg, id)
	return err
}

// Pending counts undelivered messages.
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE sent = 0`).Scan(&n)
	return n, err
}
