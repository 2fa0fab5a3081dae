package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "h", "xunjian.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestUpgradesFirstReleaseFile: a history file written before migrations
// were numbered (user_version 0, first schema) opens, keeps its runs and
// takes the new columns.
func TestUpgradesFirstReleaseFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations[0]); err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`INSERT INTO runs(site, started_at, finished_at, complete, findings, worst, report) VALUES ('x', 1, 2, 1, 0, '', '{"site":"http://x.gov.cn/","complete":true}')`)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(ctx); v != len(migrations) {
		t.Errorf("version %d, want %d", v, len(migrations))
	}
	runs, err := s.Runs(ctx, "x", 5)
	if err != nil || len(runs) != 1 || runs[0].Day != "" {
		t.Fatalf("runs after upgrade %+v %v", runs, err)
	}
	if _, _, err := storetest.Save(ctx, s, store.NewRun{Site: "x", Day: "2026-11-24", Report: storetest.Report(time.Now(), true)}); err != nil {
		t.Error(err)
	}
}

// TestOpenWhileWriting: opening the file (as the report command and the
// tests do) while the service writes never fails with SQLITE_BUSY.
func TestOpenWhileWriting(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	w, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r := storetest.Report(time.Now(), true, "a", "b", "c")
			if _, _, err := storetest.Save(ctx, w, store.NewRun{Site: "x", Report: r}); err != nil {
				t.Errorf("save %d: %v", i, err)
				return
			}
		}
	})
	for i := range 40 {
		r, err := Open(ctx, path)
		if err != nil {
			t.Errorf("open %d: %v", i, err)
			continue
		}
		if _, err := r.Runs(ctx, "x", 5); err != nil {
			t.Errorf("read %d: %v", i, err)
		}
		r.Close()
	}
	close(stop)
	wg.Wait()
}

// TestConcurrentCreate: processes opening a new file at once (the service
// and a reader, as serve's reload test does) all get it; switching a new
// file to WAL once failed here with SQLITE_BUSY, which the busy timeout does
// not cover.
func TestConcurrentCreate(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "x.db")
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				s, err := Open(context.Background(), path)
				if err != nil {
					t.Errorf("round %d, open %d: %v", round, i, err)
					return
				}
				s.Close()
			})
		}
		wg.Wait()
	}
}
