// Package storetest holds the cases every store.Store implementation must
// pass; store/sqlite and store/postgres run them against a real SQLite file
// and a real PostgreSQL server.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/store"
)

// Opener returns a new, empty store for one test.
type Opener func(t *testing.T) store.Store

// Run runs every case against stores from open.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"runs and statuses", runsAndStatuses},
		{"one run per site and day", oneRunPerDay},
		{"run and alerts in one transaction", oneTransaction},
		{"probes and availability", probes},
		{"alert state", alertState},
		{"outbox", outbox},
		{"artifacts", artifacts},
		{"retention", retention},
		{"concurrent writers", concurrentWriters},
		{"URL memory", urlMemory},
		{"checkpoints", checkpoints},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

// Report builds a report with findings of the given ids.
func Report(start time.Time, complete bool, ids ...string) *finding.Report {
	r := &finding.Report{Site: "http://x.gov.cn/", StartedAt: start, FinishedAt: start.Add(time.Minute), Complete: complete}
	for _, id := range ids {
		r.Findings = append(r.Findings, finding.Finding{ID: id, Check: catalog.BrokenLink, Kind: "not-found", Severity: finding.High, Page: "http://x.gov.cn/", Message: "m" + id})
	}
	return r
}

// Save saves a run in its own transaction.
func Save(ctx context.Context, s store.Store, r store.NewRun) (id int64, fixed []finding.Finding, err error) {
	err = s.Update(ctx, func(tx store.Tx) error {
		id, fixed, err = tx.SaveRun(ctx, r)
		return err
	})
	return id, fixed, err
}

var day1 = time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)

func runsAndStatuses(t *testing.T, s store.Store) {
	ctx := context.Background()
	r1 := Report(day1, true, "a", "b")
	id1, fixed, err := Save(ctx, s, store.NewRun{Site: "x", Report: r1})
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed) != 0 || r1.Findings[0].Status != store.StatusNew || !r1.Findings[0].FirstSeen.Equal(day1) {
		t.Errorf("first run: fixed %v, finding %+v", fixed, r1.Findings[0])
	}
	r2 := Report(day1.Add(24*time.Hour), true, "b", "c")
	id2, fixed, err := Save(ctx, s, store.NewRun{Site: "x", Report: r2})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range r2.Findings {
		got[f.ID] = f.Status
	}
	if got["b"] != store.StatusPersisting || got["c"] != store.StatusNew || !r2.Findings[0].FirstSeen.Equal(day1) {
		t.Errorf("second run %v, first seen %v", got, r2.Findings[0].FirstSeen)
	}
	if len(fixed) != 1 || fixed[0].ID != "a" {
		t.Errorf("second run fixed %+v", fixed)
	}
	stored, err := s.Fixed(ctx, id2)
	if err != nil || len(stored) != 1 || stored[0].ID != "a" || stored[0].Status != store.StatusFixed || !stored[0].FirstSeen.Equal(day1) || stored[0].Message != "ma" {
		t.Errorf("stored fixed %+v %v", stored, err)
	}
	// An incomplete run fixes nothing, and a fixed finding that comes back
	// is new again.
	r3 := Report(day1.Add(48*time.Hour), false)
	id3, fixed, _ := Save(ctx, s, store.NewRun{Site: "x", Report: r3})
	if f, _ := s.Fixed(ctx, id3); len(f) != 0 || len(fixed) != 0 {
		t.Errorf("incomplete run fixed %v", f)
	}
	runs, err := s.Runs(ctx, "x", 10)
	if err != nil || len(runs) != 3 || runs[0].ID != id3 || runs[0].Complete || runs[1].New != 1 || runs[1].Fixed != 1 || runs[2].ID != id1 || runs[1].Worst != string(finding.High) {
		t.Errorf("runs %+v %v", runs, err)
	}
	if !runs[2].StartedAt.Equal(day1) {
		t.Errorf("started at %v", runs[2].StartedAt)
	}
	back, id, err := s.Report(ctx, "x", id2)
	if err != nil || id != id2 || len(back.Findings) != 2 || back.Findings[1].Status != store.StatusNew {
		t.Errorf("report back: %v %v %+v", err, id, back)
	}
	latest, id, err := s.Report(ctx, "x", 0)
	if err != nil || id != id3 || latest.Complete {
		t.Errorf("latest report: %v %v", err, id)
	}
	if _, _, err := s.Report(ctx, "nope", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown site: %v", err)
	}
	if _, _, err := s.Report(ctx, "x", id3+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown run: %v", err)
	}
	last, _ := s.LastRunStart(ctx, "x")
	if !last.Equal(r3.StartedAt) {
		t.Errorf("last run %v", last)
	}
	if last, _ := s.LastRunStart(ctx, "nope"); !last.IsZero() {
		t.Errorf("last run of an unknown site %v", last)
	}
	sites, _ := s.Sites(ctx)
	if len(sites) != 1 || sites[0] != "x" {
		t.Errorf("sites %v", sites)
	}
}

func oneRunPerDay(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, _, err := Save(ctx, s, store.NewRun{Site: "x", Day: "2026-11-24", Report: Report(day1, true, "a")}); err != nil {
		t.Fatal(err)
	}
	_, _, err := Save(ctx, s, store.NewRun{Site: "x", Day: "2026-11-24", Report: Report(day1.Add(time.Hour), true)})
	if !errors.Is(err, store.ErrDuplicateDay) {
		t.Fatalf("second run of the day: %v", err)
	}
	// Other days, other sites, and unscheduled runs are not limited.
	for _, r := range []store.NewRun{
		{Site: "x", Day: "2026-11-25", Report: Report(day1.Add(24*time.Hour), true)},
		{Site: "y", Day: "2026-11-24", Report: Report(day1, true)},
		{Site: "x", Report: Report(day1.Add(25*time.Hour), true)},
		{Site: "x", Report: Report(day1.Add(26*time.Hour), true)},
	} {
		if _, _, err := Save(ctx, s, r); err != nil {
			t.Errorf("%s %q: %v", r.Site, r.Day, err)
		}
	}
	runs, _ := s.Runs(ctx, "x", 10)
	if len(runs) != 4 || runs[3].Day != "2026-11-24" || runs[0].Day != "" {
		t.Errorf("runs %+v", runs)
	}
	// The refused run left nothing behind: the next run's statuses are
	// against the run of the 25th... which fixed "a".
	if runs[2].Fixed != 1 {
		t.Errorf("run of the 25th fixed %d", runs[2].Fixed)
	}
}

func oneTransaction(t *testing.T, s store.Store) {
	ctx := context.Background()
	boom := errors.New("crash between the run and its alerts")
	err := s.Update(ctx, func(tx store.Tx) error {
		if _, _, err := tx.SaveRun(ctx, store.NewRun{Site: "x", Report: Report(day1, true, "a")}); err != nil {
			return err
		}
		if err := tx.SetAlert(ctx, "finding:x:a", "x", day1, false); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, store.OutboxMessage{Channel: "slack", Key: "run:1:finding:a", Payload: "{}", At: day1}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update: %v", err)
	}
	runs, _ := s.Runs(ctx, "x", 10)
	n, _ := s.Pending(ctx)
	_, sent, _ := s.Alert(ctx, "finding:x:a")
	if len(runs) != 0 || n != 0 || sent {
		t.Errorf("rolled back, yet %d runs, %d messages, alert state %v", len(runs), n, sent)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		id, _, err := tx.SaveRun(ctx, store.NewRun{Site: "x", Report: Report(day1, true, "a")})
		if err != nil {
			return err
		}
		st, ok, err := tx.Alert(ctx, "finding:x:a")
		if err != nil || ok {
			return fmt.Errorf("alert state in tx: %v %v %w", st, ok, err)
		}
		if err := tx.SetAlert(ctx, "finding:x:a", "x", day1, false); err != nil {
			return err
		}
		if _, ok, _ := tx.Alert(ctx, "finding:x:a"); !ok {
			return errors.New("alert state not visible in its transaction")
		}
		return tx.Enqueue(ctx, store.OutboxMessage{Channel: "slack", Key: fmt.Sprintf("run:%d:finding:a", id), Payload: "{}", At: day1})
	})
	if err != nil {
		t.Fatal(err)
	}
	runs, _ = s.Runs(ctx, "x", 10)
	n, _ = s.Pending(ctx)
	if len(runs) != 1 || n != 1 {
		t.Errorf("committed: %d runs, %d messages", len(runs), n)
	}
}

func probes(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		if err := s.AddProbe(ctx, store.Probe{Site: "x", At: now.Add(-time.Duration(i) * 30 * time.Minute), OK: i%20 != 0, TotalMs: 120, Worker: fmt.Sprintf("w%d", i%3)}); err != nil {
			t.Fatal(err)
		}
	}
	s.AddProbe(ctx, store.Probe{Site: "y", At: now, OK: false})
	total, failed, err := s.Availability(ctx, "x", now.Add(-7*24*time.Hour))
	if err != nil || total != 100 || failed != 5 {
		t.Errorf("availability %d/%d %v", failed, total, err)
	}
	total, _, _ = s.Availability(ctx, "x", now.Add(-time.Hour))
	if total != 3 {
		t.Errorf("last hour: %d probes", total)
	}
	recent, _ := s.RecentProbes(ctx, "x", 3)
	if len(recent) != 3 || recent[0] || !recent[1] {
		t.Errorf("recent %v", recent)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		r, err := tx.RecentProbes(ctx, "y", 5)
		if err == nil && (len(r) != 1 || r[0]) {
			err = fmt.Errorf("recent in tx %v", r)
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
	days, err := s.ProbeDays(ctx, "x", now.Add(-3*24*time.Hour))
	if err != nil || len(days) != 4 || days[0].Day != "2026-11-23" || days[2].Day != "2026-11-25" || days[2].Total != 48 || days[2].Failed != 2 || days[3].Total != 1 || days[3].Failed != 1 {
		t.Errorf("probe days %+v %v", days, err)
	}
}

func alertState(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	if _, ok, _ := s.Alert(ctx, "k"); ok {
		t.Error("unknown alert found")
	}
	set := func(at time.Time, resolved bool) {
		t.Helper()
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.SetAlert(ctx, "k", "x", at, resolved) }); err != nil {
			t.Fatal(err)
		}
	}
	set(now, false)
	set(now.Add(time.Hour), false)
	a, ok, _ := s.Alert(ctx, "k")
	if !ok || !a.FirstSent.Equal(now) || !a.LastSent.Equal(now.Add(time.Hour)) || a.Resolved {
		t.Errorf("alert %+v", a)
	}
	if open, _ := s.OpenAlerts(ctx, "x"); len(open) != 1 || !open["k"].FirstSent.Equal(now) {
		t.Errorf("open %v", open)
	}
	set(now.Add(2*time.Hour), true)
	if open, _ := s.OpenAlerts(ctx, "x"); len(open) != 0 {
		t.Errorf("resolved alert still open")
	}
	// Reopened: a new first-sent date.
	set(now.Add(3*time.Hour), false)
	if a, _, _ := s.Alert(ctx, "k"); !a.FirstSent.Equal(now.Add(3 * time.Hour)) {
		t.Errorf("reopened alert %+v", a)
	}
}

func enqueue(t *testing.T, s store.Store, m store.OutboxMessage) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Enqueue(context.Background(), m) }); err != nil {
		t.Fatal(err)
	}
}

func outbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	enqueue(t, s, store.OutboxMessage{Channel: "slack", Key: "run:1:digest", Payload: "hello", At: now})
	enqueue(t, s, store.OutboxMessage{Channel: "slack", Key: "run:1:digest", Payload: "hello again", At: now})
	enqueue(t, s, store.OutboxMessage{Channel: "webhook:x", Key: "run:1:digest", Payload: "hello", At: now})
	enqueue(t, s, store.OutboxMessage{Channel: "webhook:x", Payload: "later", At: now.Add(time.Hour)})
	due, err := s.Due(ctx, now, 10)
	if err != nil || len(due) != 2 || due[0].Payload != "hello" || due[0].Key != "run:1:digest" || due[1].Channel != "webhook:x" {
		t.Fatalf("due %+v %v", due, err)
	}
	s.Retry(ctx, due[0].ID, now.Add(time.Minute), "503")
	if due, _ := s.Due(ctx, now, 10); len(due) != 1 {
		t.Errorf("retried message due before its next try: %+v", due)
	}
	due, _ = s.Due(ctx, now.Add(2*time.Hour), 10)
	if len(due) != 3 || due[0].Attempts != 1 {
		t.Errorf("due later %+v", due)
	}
	s.Delivered(ctx, due[0].ID, now)
	s.Delivered(ctx, due[1].ID, now)
	if n, _ := s.Pending(ctx); n != 1 {
		t.Errorf("pending %d", n)
	}
}

func artifacts(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := Report(day1, true)
	png := []byte("\x89PNG\r\n\x1a\n\x00binary\xff")
	r.Artifacts = map[string][]byte{"screenshots/homepage.png": png}
	id, _, err := Save(ctx, s, store.NewRun{Site: "x", Report: r})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Artifact(ctx, id, "screenshots/homepage.png")
	if err != nil || string(got) != string(png) {
		t.Errorf("artifact %q %v", got, err)
	}
	if _, err := s.Artifact(ctx, id, "screenshots/x.png"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown artifact: %v", err)
	}
}

func retention(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	var ids []int64
	for i := range 5 {
		r := Report(now.AddDate(0, 0, -100+i*30), true, "a")
		r.Artifacts = map[string][]byte{"screenshots/homepage.png": {1}}
		id, _, err := Save(ctx, s, store.NewRun{Site: "x", Report: r})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// A site whose only run is old keeps it.
	if _, _, err := Save(ctx, s, store.NewRun{Site: "old", Report: Report(now.AddDate(-1, 0, 0), true, "z")}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		s.AddProbe(ctx, store.Probe{Site: "x", At: now.AddDate(0, 0, -i*5), OK: true})
	}
	enqueue(t, s, store.OutboxMessage{Channel: "c", Key: "old", Payload: "p", At: now.AddDate(0, 0, -60)})
	enqueue(t, s, store.OutboxMessage{Channel: "c", Key: "new", Payload: "p", At: now.AddDate(0, 0, -1)})
	enqueue(t, s, store.OutboxMessage{Channel: "c", Key: "undelivered", Payload: "p", At: now.AddDate(0, 0, -90)})
	due, _ := s.Due(ctx, now, 10)
	for _, it := range due {
		switch it.Key {
		case "old":
			s.Delivered(ctx, it.ID, now.AddDate(0, 0, -59))
		case "new":
			s.Delivered(ctx, it.ID, now.AddDate(0, 0, -1))
		}
	}
	p, err := s.Prune(ctx, store.Retention{Runs: 60 * 24 * time.Hour, Probes: 30 * 24 * time.Hour, DeliveredAlerts: 30 * 24 * time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Runs != 2 || p.Probes != 3 || p.Alerts != 1 {
		t.Errorf("pruned %+v, want 2 runs, 3 probes, 1 alert", p)
	}
	runs, _ := s.Runs(ctx, "x", 10)
	if len(runs) != 3 || runs[2].ID != ids[2] {
		t.Errorf("kept runs %+v", runs)
	}
	if _, err := s.Artifact(ctx, ids[0], "screenshots/homepage.png"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("pruned run's artifact: %v", err)
	}
	if old, _ := s.Runs(ctx, "old", 10); len(old) != 1 {
		t.Errorf("a site's only run was pruned")
	}
	if n, _ := s.Pending(ctx); n != 1 {
		t.Errorf("undelivered messages pruned: %d pending", n)
	}
	// Statuses still work after pruning: "a" first seen on the kept run's
	// chain, still persisting.
	r := Report(now, true, "a")
	if _, _, err := Save(ctx, s, store.NewRun{Site: "x", Report: r}); err != nil || r.Findings[0].Status != store.StatusPersisting {
		t.Errorf("after prune: %v %+v", err, r.Findings[0])
	}
}

func concurrentWriters(t *testing.T, s store.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 4 {
		wg.Go(func() {
			site := fmt.Sprintf("s%d", w)
			for i := range 8 {
				r := Report(day1.Add(time.Duration(i)*time.Hour), true, fmt.Sprintf("f%d", i%3))
				_, _, err := Save(ctx, s, store.NewRun{Site: site, Day: fmt.Sprintf("2026-11-%02d", i+1), Report: r})
				if err != nil {
					errs <- fmt.Errorf("%s run %d: %w", site, i, err)
				}
				if err := s.AddProbe(ctx, store.Probe{Site: site, At: day1.Add(time.Duration(i) * time.Minute), OK: true}); err != nil {
					errs <- err
				}
				if _, err := s.Runs(ctx, site, 3); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := range 4 {
		runs, _ := s.Runs(ctx, fmt.Sprintf("s%d", w), 20)
		if len(runs) != 8 {
			t.Errorf("site %d: %d runs", w, len(runs))
		}
	}
}
