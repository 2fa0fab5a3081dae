package history

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/xunjian/xunjian/finding"
)

func rep(start time.Time, complete bool, ids ...string) *finding.Report {
	r := &finding.Report{Site: "http://x.gov.cn/", StartedAt: start, FinishedAt: start.Add(time.Minute), Complete: complete}
	for _, id := range ids {
		r.Findings = append(r.Findings, finding.Finding{ID: id, Check: "broken-link", Kind: "not-found", Severity: finding.High, Page: "http://x.gov.cn/", Message: "m" + id})
	}
	return r
}

func TestRunsAndStatuses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h", "xunjian.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	day1 := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	r1 := rep(day1, true, "a", "b")
	id1, err := s.SaveRun(ctx, "x", r1)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Findings[0].Status != "new" || !r1.Findings[0].FirstSeen.Equal(day1) {
		t.Errorf("first run statuses %+v", r1.Findings[0])
	}
	r2 := rep(day1.Add(24*time.Hour), true, "b", "c")
	id2, _ := s.SaveRun(ctx, "x", r2)
	got := map[string]string{}
	for _, f := range r2.Findings {
		got[f.ID] = f.Status
	}
	if got["b"] != "persisting" || got["c"] != "new" || !r2.Findings[0].FirstSeen.Equal(day1) {
		t.Errorf("second run %v, first seen %v", got, r2.Findings[0].FirstSeen)
	}
	fixed, _ := s.Fixed(ctx, id2)
	if len(fixed) != 1 || fixed[0].ID != "a" || fixed[0].Status != "fixed" {
		t.Errorf("fixed %+v", fixed)
	}
	// An incomplete run fixes nothing.
	r3 := rep(day1.Add(48*time.Hour), false)
	id3, _ := s.SaveRun(ctx, "x", r3)
	if fixed, _ := s.Fixed(ctx, id3); len(fixed) != 0 {
		t.Errorf("incomplete run fixed %v", fixed)
	}
	runs, _ := s.Runs(ctx, "x", 10)
	if len(runs) != 3 || runs[0].ID != id3 || runs[1].New != 1 || runs[1].Fixed != 1 || runs[2].ID != id1 {
		t.Errorf("runs %+v", runs)
	}
	// Survives reopening, as after a restart.
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	back, id, err := s.Report(ctx, "x", id2)
	if err != nil || id != id2 || len(back.Findings) != 2 || back.Findings[1].Status != "new" {
		t.Errorf("report back: %v %v %+v", err, id, back)
	}
	if _, _, err := s.Report(ctx, "nope", 0); err == nil {
		t.Error("unknown site found")
	}
	last, _ := s.LastRunStart(ctx, "x")
	if !last.Equal(r3.StartedAt) {
		t.Errorf("last run %v", last)
	}
}

func TestProbesAlertsOutbox(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		s.AddProbe(ctx, "x", now.Add(-time.Duration(i)*5*time.Minute), i%20 != 0, 120, "")
	}
	total, failed, _ := s.Availability(ctx, "x", now.Add(-7*24*time.Hour))
	if total != 100 || failed != 5 {
		t.Errorf("availability %d/%d", failed, total)
	}
	recent, _ := s.RecentProbes(ctx, "x", 3)
	if len(recent) != 3 || recent[0] {
		t.Errorf("recent %v", recent)
	}
	if _, ok, _ := s.Alert(ctx, "k"); ok {
		t.Error("unknown alert found")
	}
	s.SetAlert(ctx, "k", "x", now, false)
	s.SetAlert(ctx, "k", "x", now.Add(time.Hour), false)
	a, ok, _ := s.Alert(ctx, "k")
	if !ok || !a.FirstSent.Equal(now) || !a.LastSent.Equal(now.Add(time.Hour)) || a.Resolved {
		t.Errorf("alert %+v", a)
	}
	open, _ := s.OpenAlerts(ctx, "x")
	if len(open) != 1 {
		t.Errorf("open %v", open)
	}
	s.SetAlert(ctx, "k", "x", now.Add(2*time.Hour), true)
	if open, _ := s.OpenAlerts(ctx, "x"); len(open) != 0 {
		t.Errorf("resolved alert still open")
	}
	s.Enqueue(ctx, "slack", "hello", now)
	s.Enqueue(ctx, "webhook", "later", now.Add(time.Hour))
	due, _ := s.Due(ctx, now, 10)
	if len(due) != 1 || due[0].Payload != "hello" {
		t.Fatalf("due %+v", due)
	}
	s.Retry(ctx, due[0].ID, now.Add(time.Minute), "503")
	if due, _ := s.Due(ctx, now, 10); len(due) != 0 {
		t.Error("retried message due before its next try")
	}
	due, _ = s.Due(ctx, now.Add(2*time.Hour), 10)
	if len(due) != 2 || due[0].Attempts != 1 {
		t.Errorf("due later %+v", due)
	}
	s.Delivered(ctx, due[0].ID)
	if n, _ := s.Pending(ctx); n != 1 {
		t.Errorf("pending %d", n)
	}
}
