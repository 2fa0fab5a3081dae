// Package store is the history of scheduled inspections behind one
// interface, with two implementations: store/sqlite (an embedded SQLite
// file, the default for one machine) and store/postgres (PostgreSQL through
// pgx, shared by the workers of a cluster). It keeps runs with their reports
// and artifacts, findings classed new, persisting or fixed against the
// previous run with the date each was first seen, homepage probes for the
// 7-day availability, alert state and the alert outbox. A run, its findings'
// statuses and the alerts it causes are written in one transaction (Update),
// so a crash never keeps a run without its alerts or the reverse.
//
// The shared tests in store/storetest run the same cases on both.
package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/xunjian/xunjian/finding"
)

// ErrNotFound is returned for a run, site or file the history does not hold.
var ErrNotFound = errors.New("not found in history")

// ErrDuplicateDay is returned by SaveRun for a second run of a (site, day).
var ErrDuplicateDay = errors.New("a run of this site is already saved for this day")

// Finding statuses against the previous run.
const (
	StatusNew        = "new"
	StatusPersisting = "persisting"
	StatusFixed      = "fixed"
)

// Store is the history database.
type Store interface {
	Reader
	// Update runs fn in one write transaction: committed if fn returns nil,
	// rolled back otherwise.
	Update(ctx context.Context, fn func(Tx) error) error
	// AddProbe records one homepage probe.
	AddProbe(ctx context.Context, p Probe) error
	// Due returns outbox messages whose next try is due, oldest first.
	Due(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error)
	// Delivered marks an outbox message sent at a time.
	Delivered(ctx context.Context, id int64, at time.Time) error
	// Retry records a failed attempt and the next try.
	Retry(ctx context.Context, id int64, next time.Time, msg string) error
	// Pending counts undelivered messages.
	Pending(ctx context.Context) (int, error)
	// Prune deletes what the retention settings no longer keep.
	Prune(ctx context.Context, r Retention, now time.Time) (Pruned, error)
	Close() error
}

// Reader is what the dashboard and reports read.
type Reader interface {
	// Runs lists a site's runs, newest first, with their new and fixed counts.
	Runs(ctx context.Context, site string, limit int) ([]Run, error)
	// Sites lists the sites with runs.
	Sites(ctx context.Context) ([]string, error)
	// Report returns a stored report (runID 0: the site's latest) and its id.
	Report(ctx context.Context, site string, runID int64) (*finding.Report, int64, error)
	// Artifact returns a file stored with a run (a screenshot).
	Artifact(ctx context.Context, runID int64, name string) ([]byte, error)
	// Fixed returns the findings a run marked fixed.
	Fixed(ctx context.Context, runID int64) ([]finding.Finding, error)
	// LastRunStart returns when the site's latest run started (zero if none).
	LastRunStart(ctx context.Context, site string) (time.Time, error)
	// Availability counts a site's probes and failures since a time.
	Availability(ctx context.Context, site string, since time.Time) (total, failed int, err error)
	// ProbeDays returns availability per UTC day since a time.
	ProbeDays(ctx context.Context, site string, since time.Time) ([]ProbeDay, error)
	// RecentProbes returns the last n probes' outcomes, newest first.
	RecentProbes(ctx context.Context, site string, n int) ([]bool, error)
	// Alert returns an alert's state (ok false if it was never sent).
	Alert(ctx context.Context, key string) (AlertState, bool, error)
	// OpenAlerts returns a site's unresolved alerts by key.
	OpenAlerts(ctx context.Context, site string) (map[string]AlertState, error)
}

// Tx is one write transaction.
type Tx interface {
	// SaveRun stores a run: each finding of the report gets its status (new
	// or persisting) and first-seen date from the site's previous run, and a
	// complete run stores the previous run's findings that are gone as fixed
	// (an incomplete run proves nothing fixed). The report's findings are
	// updated in place. It returns the run id and the fixed findings; a run
	// with a Day of a (site, day) already saved fails with ErrDuplicateDay.
	SaveRun(ctx context.Context, r NewRun) (id int64, fixed []finding.Finding, err error)
	// Alert and SetAlert read and write an alert's state.
	Alert(ctx context.Context, key string) (AlertState, bool, error)
	SetAlert(ctx context.Context, key, site string, at time.Time, resolved bool) error
	// AddProbe and RecentProbes are the Store's and Reader's, inside the
	// transaction.
	AddProbe(ctx context.Context, p Probe) error
	RecentProbes(ctx context.Context, site string, n int) ([]bool, error)
	// Enqueue stores a message for a channel's outbox; a second message
	// with the same channel and key is ignored.
	Enqueue(ctx context.Context, m OutboxMessage) error
}

// NewRun is a run to save.
type NewRun struct {
	Site string
	// Day is the local day ("2006-01-02") a scheduled run is for; at most
	// one run per (site, day). Empty for runs outside the daily schedule.
	Day    string
	Report *finding.Report
}

// Run summarises one stored run.
type Run struct {
	ID         int64     `json:"id"`
	Site       string    `json:"site"`
	Day        string    `json:"day,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Complete   bool      `json:"complete"`
	Findings   int       `json:"findings"`
	Worst      string    `json:"worst"`
	New        int       `json:"new"`
	Fixed      int       `json:"fixed"`
}

// Probe is one homepage probe.
type Probe struct {
	Site    string
	At      time.Time
	OK      bool
	TotalMs float64
	Detail  string
	// Worker names who probed (cluster mode).
	Worker string
}

// ProbeDay is one day's availability.
type ProbeDay struct {
	Day    string `json:"day"`
	Total  int    `json:"total"`
	Failed int    `json:"failed"`
}

// AlertState is an alert's record: first and last sent, resolved or not.
type AlertState struct {
	FirstSent, LastSent time.Time
	Resolved            bool
}

// OutboxMessage is a message for one channel.
type OutboxMessage struct {
	Channel string
	// Key identifies the message (its run or probe and what it says): the
	// idempotency key channels that support one receive.
	Key     string
	Payload string
	At      time.Time
}

// OutboxItem is a message waiting for its channel.
type OutboxItem struct {
	ID       int64
	Channel  string
	Key      string
	Payload  string
	Attempts int
}

// Retention says how long the history keeps things; zero keeps forever.
// A site's latest run is always kept (the next run's statuses need it).
type Retention struct {
	Runs            time.Duration
	Probes          time.Duration
	DeliveredAlerts time.Duration
}

// Pruned counts what Prune deleted.
type Pruned struct {
	Runs, Probes, Alerts int64
}

// PrevFinding is a finding of a site's previous run.
type PrevFinding struct {
	finding.Finding
	FirstSeen time.Time
}

// Classify sets the status and first-seen date of each finding of rep
// against the previous run's open findings, and returns the previous
// findings this run fixed (none if the run is incomplete). Both stores use
// it inside SaveRun's transaction.
func Classify(rep *finding.Report, prev map[string]PrevFinding) []finding.Finding {
	current := map[string]bool{}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		current[f.ID] = true
		first := rep.StartedAt
		f.Status = StatusNew
		if p, ok := prev[f.ID]; ok {
			first, f.Status = p.FirstSeen, StatusPersisting
		}
		t := first
		f.FirstSeen = &t
	}
	if !rep.Complete {
		return nil
	}
	var fixed []finding.Finding
	for id, p := range prev {
		if current[id] {
			continue
		}
		f := p.Finding
		t := p.FirstSeen
		f.FirstSeen, f.Status = &t, StatusFixed
		fixed = append(fixed, f)
	}
	slices.SortFunc(fixed, func(a, b finding.Finding) int { return strings.Compare(a.ID, b.ID) })
	return fixed
}
