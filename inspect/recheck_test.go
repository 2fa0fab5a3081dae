package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/internal/pgtest"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/postgres"
	"github.com/xunjian/xunjian/store/sqlite"
)

// historyStore is a history that keeps the crawl memory: both stores.
type historyStore interface {
	store.Store
	store.Memory
}

// forEachStore runs fn against a real SQLite file and a real PostgreSQL
// database (skipped, saying so, when the server binaries are missing
// outside CI).
func forEachStore(t *testing.T, fn func(t *testing.T, st historyStore)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "xunjian.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		srv := pgtest.Start(t)
		st, err := postgres.Open(context.Background(), srv.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}

// recheckRun inspects the site on a day (days after recheckDay) with the
// memory, saves the run in the history and returns the report and the
// findings the run marked fixed.
func recheckRun(ctx context.Context, t *testing.T, st historyStore, cfg config.Config, day int) (*finding.Report, []finding.Finding) {
	t.Helper()
	now := recheckDay.AddDate(0, 0, day)
	rep, err := Run(ctx, Options{Config: cfg, Site: cfg.Sites[0], Memory: st, Now: func() time.Time { return now }, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var fixed []finding.Finding
	err = st.Update(context.Background(), func(tx store.Tx) error {
		var err error
		_, fixed, err = tx.SaveRun(context.Background(), store.NewRun{Site: "recheck", Report: rep})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep, fixed
}

func findingKeys(rep *finding.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, fmt.Sprintf("%s %s %s %s %s", f.ID, f.Check, f.Kind, f.Page, f.Target))
	}
	slices.Sort(out)
	return out
}

// hasFinding reports a finding of a check on a page (or about a target).
func hasFinding(rep *finding.Report, check, pageOrTarget string) bool {
	for _, f := range rep.Findings {
		if f.Check == check && (strings.HasSuffix(f.Page, pageOrTarget) || strings.HasSuffix(f.Target, pageOrTarget)) {
			return true
		}
	}
	return false
}

// plantedFindings checks that a report holds every problem the site
// plants: the replayed findings below are not vacuous.
func plantedFindings(t *testing.T, rep *finding.Report) {
	t.Helper()
	for _, w := range []struct{ check, where string }{
		{catalog.SensitiveWord, "/a/7.html"},
		{catalog.Typo, "/a/13.html"},
		{catalog.Privacy, "/a/10.html"},
		{catalog.BrokenLink, "/missing/21.html"},
		{catalog.DarkLink, "/a/30.html"},
		{catalog.StaleColumn, "/tzgg/"},
	} {
		if !hasFinding(rep, w.check, w.where) {
			t.Errorf("no %s finding on %s; findings:\n  %s", w.check, w.where, strings.Join(findingKeys(rep), "\n  "))
		}
	}
}

func recheckOf(rep *finding.Report) map[string]any {
	m, _ := rep.Measurements["recheck"].(map[string]any)
	return m
}

// TestRecheckUnchangedSite: a re-inspection of a site that did not change
// asks for every page and file conditionally, reads none of them again
// (304), keeps every finding (same ids, persisting, nothing fixed) and the
// columns' judgement, and transfers a small part of the bytes.
func TestRecheckUnchangedSite(t *testing.T) {
	forEachStore(t, func(t *testing.T, st historyStore) {
		ctx := context.Background()
		site := newRecheckSite(t)
		cfg := site.config()
		first, _ := recheckRun(ctx, t, st, cfg, 0)
		full := site.take()
		plantedFindings(t, first)
		if len(first.Notes) != 0 {
			t.Errorf("first run notes %q", first.Notes)
		}
		second, fixed := recheckRun(ctx, t, st, cfg, 1)
		again := site.take()

		if got, want := findingKeys(second), findingKeys(first); !slices.Equal(got, want) {
			t.Errorf("findings differ after a 304 re-inspection\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		if len(fixed) != 0 {
			t.Errorf("an unchanged site had findings marked fixed: %v", fixed)
		}
		for _, f := range second.Findings {
			if f.Status != store.StatusPersisting {
				t.Errorf("finding %s %s on %s is %s, want persisting", f.Check, f.Kind, f.Page, f.Status)
			}
		}
		// The same columns, dated the same, one day older.
		c1, _ := json.Marshal(first.Measurements[catalog.Columns])
		c2, _ := json.Marshal(second.Measurements[catalog.Columns])
		var t1, t2 []map[string]any
		json.Unmarshal(c1, &t1)
		json.Unmarshal(c2, &t2)
		for i := range t1 {
			if d, ok := t1[i]["days_since"].(float64); ok {
				t1[i]["days_since"] = d + 1
			}
		}
		if len(t1) != 2 || fmt.Sprint(t1) != fmt.Sprint(t2) {
			t.Errorf("column table differs:\n first %s\nsecond %s", c1, c2)
		}
		// Nothing but the homepage was read again; every page and file was
		// asked for once, conditionally.
		pages := 0
		for path, c := range again {
			switch {
			case path == "/" || strings.HasPrefix(path, "/missing/") || path == "/img/logo.png" || strings.HasPrefix(path, "/xunjian-no-such-page"):
			case c.Full != 0 || c.NotModified != 1:
				t.Errorf("%s: %+v in the re-inspection, want one 304", path, c)
			default:
				pages++
			}
		}
		if want := recheckArticles + 2 + recheckArticles/5; pages != want {
			t.Errorf("%d pages and files answered 304, want %d", pages, want)
		}
		if m := recheckOf(second); m["not_modified"] != pages || m["conditional_requests"] != pages {
			t.Errorf("recheck measurement %v, want %d conditional requests answered 304", m, pages)
		}
		if len(second.Notes) != 1 || !strings.Contains(second.Notes[0], "304") {
			t.Errorf("notes %q", second.Notes)
		}
		a, b := sum(full), sum(again)
		if b.Full*10 > a.Full {
			t.Errorf("full answers: %d in the re-inspection, %d in the first run", b.Full, a.Full)
		}
		if second.Stats.BytesRead*3 > first.Stats.BytesRead {
			t.Errorf("bytes read: %d in the re-inspection, %d in the first run (want under a third)", second.Stats.BytesRead, first.Stats.BytesRead)
		}
		t.Logf("requests %d → %d (full answers %d → %d), bytes %d → %d", first.Stats.Requests, second.Stats.Requests, a.Full, b.Full, first.Stats.BytesRead, second.Stats.BytesRead)
	})
}

// TestRecheckChangedPages: pages and files that changed are read again
// (their new problems found, their removed ones fixed); the rest answer
// 304 and keep theirs.
func TestRecheckChangedPages(t *testing.T) {
	forEachStore(t, func(t *testing.T, st historyStore) {
		ctx := context.Background()
		site := newRecheckSite(t)
		cfg := site.config()
		first, _ := recheckRun(ctx, t, st, cfg, 0)
		site.take()
		site.edit("/a/8.html", `<p>严禁参与澳门赌场活动。</p>`)
		site.fix("/a/13.html")
		site.fix("/files/10.txt")
		second, fixed := recheckRun(ctx, t, st, cfg, 1)
		again := site.take()
		for _, p := range []string{"/a/8.html", "/a/13.html", "/files/10.txt"} {
			if c := again[p]; c.Full != 1 || c.NotModified != 0 {
				t.Errorf("changed %s: %+v, want read again", p, c)
			}
		}
		if c := again["/a/7.html"]; c.Full != 0 || c.NotModified != 1 {
			t.Errorf("unchanged /a/7.html: %+v, want one 304", c)
		}
		if !hasFinding(second, catalog.SensitiveWord, "/a/8.html") {
			t.Error("the word added to /a/8.html was not found")
		}
		if !hasFinding(second, catalog.SensitiveWord, "/a/7.html") || !hasFinding(second, catalog.DarkLink, "/a/30.html") {
			t.Error("unchanged pages lost their findings")
		}
		var fixedWhere []string
		for _, f := range fixed {
			fixedWhere = append(fixedWhere, f.Check+" "+f.Page)
		}
		slices.Sort(fixedWhere)
		base := strings.TrimSuffix(site.URL(), "/")
		want := []string{catalog.Privacy + " " + base + "/a/10.html", catalog.Typo + " " + base + "/a/13.html"}
		if !slices.Equal(fixedWhere, want) {
			t.Errorf("fixed %q, want %q", fixedWhere, want)
		}
		if n := len(first.Findings) + 1 - 2; len(second.Findings) != n {
			t.Errorf("%d findings, want %d", len(second.Findings), n)
		}
	})
}

// TestSpreadChecksEveryLinkOnceAWeek: with crawl.spread_days 7, after a
// full first run each URL that is neither daily nor a problem is requested
// on exactly one of the next seven days; the homepage, the columns, pages
// and files with findings and the broken link every day; every day's
// report has the same findings (nothing fixed) and says what it checked.
func TestSpreadChecksEveryLinkOnceAWeek(t *testing.T) {
	forEachStore(t, func(t *testing.T, st historyStore) {
		ctx := context.Background()
		site := newRecheckSite(t)
		cfg := site.config()
		cfg.Crawl.SpreadDays = 7
		cfg.Crawl.SpreadMinPages = 50
		first, _ := recheckRun(ctx, t, st, cfg, 0)
		site.take()
		if m := recheckOf(first); m["spread_days"] != nil {
			t.Errorf("the first run (nothing known) was spread: %v", m)
		}
		week := map[string]int{} // requests per path over days 1-7
		daily := []string{"/", "/xwdt/", "/tzgg/", "/a/7.html", "/a/13.html", "/a/30.html", "/files/10.txt", "/missing/21.html"}
		for day := 1; day <= 7; day++ {
			rep, fixed := recheckRun(ctx, t, st, cfg, day)
			got := site.take()
			for p, c := range got {
				week[p] += c.total()
			}
			for _, p := range daily {
				if got[p].total() == 0 {
					t.Errorf("day %d: daily %s not requested", day, p)
				}
			}
			if len(fixed) != 0 || !slices.Equal(findingKeys(rep), findingKeys(first)) {
				t.Errorf("day %d: findings changed (fixed %d)\n got:\n  %s\nwant:\n  %s", day, len(fixed), strings.Join(findingKeys(rep), "\n  "), strings.Join(findingKeys(first), "\n  "))
			}
			m := recheckOf(rep)
			if m["spread_days"] != 7 || m["pages_carried"].(int) < recheckArticles/2 {
				t.Errorf("day %d: recheck %v", day, m)
			}
			note := strings.Join(rep.Notes, "\n")
			if !strings.Contains(note, "本次检查了 1/7 的链接") || !strings.Contains(note, "最近一次检查于 2026-11-") {
				t.Errorf("day %d: notes %q", day, rep.Notes)
			}
			if !rep.Complete {
				t.Errorf("day %d: incomplete %v", day, rep.Incomplete)
			}
		}
		isDaily := map[string]bool{}
		for _, p := range daily {
			isDaily[p] = true
		}
		spread := 0
		for p, n := range week {
			switch {
			case strings.HasPrefix(p, "/xunjian-no-such-page"):
			case isDaily[p]:
				if n != 7 {
					t.Errorf("daily %s requested %d times in 7 days", p, n)
				}
			case n != 1:
				t.Errorf("%s requested %d times in 7 days, want once", p, n)
			default:
				spread++
			}
		}
		// Every article and file and the logo: each once.
		if want := recheckArticles - 3 + recheckArticles/5 - 1 + 1; spread != want {
			t.Errorf("%d URLs requested once in the week, want %d; paths: %v", spread, want, slices.Sorted(maps.Keys(week)))
		}
	})
}

// TestResumeDoesNotRefetch: an attempt of a scheduled run cut short (its
// worker stopped) leaves its checkpoint and what it learnt; the next
// attempt of the same (site, day) resumes: nothing the first attempt
// finished is requested again, and the report is the one a single run
// gives.
func TestResumeDoesNotRefetch(t *testing.T) {
	forEachStore(t, func(t *testing.T, st historyStore) {
		site := newRecheckSite(t)
		cfg := site.config()
		cfg.Crawl.Concurrency = 2
		now := recheckDay
		opts := Options{Config: cfg, Site: cfg.Sites[0], Memory: st, Now: func() time.Time { return now }, TempDir: t.TempDir()}
		day := inspect1Day
		// Attempt 1 stops once the site has answered 50 article GETs.
		ctx1, cancel := context.WithCancel(WithScheduled(context.Background(), Scheduled{Day: day, Attempt: 1}))
		var once sync.Once
		site.mu.Lock()
		site.onGet = func(n int) {
			if n >= 50 {
				once.Do(cancel)
			}
		}
		site.mu.Unlock()
		part, err := Run(ctx1, opts)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if part.Complete {
			t.Fatal("attempt 1 was not cut short")
		}
		site.mu.Lock()
		site.onGet = nil
		site.mu.Unlock()
		before := site.take()
		cp, ok, err := st.Checkpoint(context.Background(), MemoryKey(cfg.Sites[0]), day)
		if err != nil || !ok || cp.Attempt != 1 {
			t.Fatalf("checkpoint after attempt 1: %+v %v %v", cp, ok, err)
		}
		done := map[string]bool{}
		base := strings.TrimSuffix(site.URL(), "/")
		st.ScanURLStates(context.Background(), MemoryKey(cfg.Sites[0]), func(s store.URLState) bool {
			if p, ok := strings.CutPrefix(s.URL, base); ok {
				done[p] = true
			}
			return true
		})
		if len(done) < 20 {
			t.Fatalf("attempt 1 saved %d URLs", len(done))
		}

		now = recheckDay.Add(time.Hour)
		rep, err := Run(WithScheduled(context.Background(), Scheduled{Day: day, Attempt: 2}), opts)
		if err != nil {
			t.Fatal(err)
		}
		after := site.take()
		for p, c := range after {
			if done[p] && p != "/" && c.total() > 0 {
				t.Errorf("%s was done by attempt 1 and requested again: %+v", p, c)
			}
		}
		for p := range done {
			if before[p].total() == 0 {
				t.Errorf("%s saved as done but never requested by attempt 1", p)
			}
		}
		if !rep.Complete {
			t.Errorf("resumed run incomplete: %v", rep.Incomplete)
		}
		m := recheckOf(rep)
		if m["pages_resumed"].(int) < 20 || !strings.Contains(strings.Join(rep.Notes, ""), "本次接续") {
			t.Errorf("resume not reported: %v %q", m, rep.Notes)
		}
		// The resumed report is the report of one uninterrupted run.
		fresh, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fresh.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Close()
		single, err := Run(context.Background(), Options{Config: cfg, Site: cfg.Sites[0], Memory: fresh, Now: func() time.Time { return now }, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		plantedFindings(t, rep)
		if got, want := findingKeys(rep), findingKeys(single); !slices.Equal(got, want) {
			t.Errorf("resumed run's findings differ from a single run's\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		requests := sum(before).total() + sum(after).total()
		t.Logf("attempt 1: %d requests, %d URLs saved; attempt 2: %d requests; single run: %d requests", sum(before).total(), len(done), sum(after).total(), single.Stats.Requests)
		if requests > single.Stats.Requests+2*cfg.Crawl.Concurrency+4 {
			t.Errorf("the two attempts made %d requests, a single run %d", requests, single.Stats.Requests)
		}
	})
}

const inspect1Day = "2026-11-24"
