package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xunjian/xunjian/store"
)

func memoryOf(t *testing.T, s store.Store) store.Memory {
	t.Helper()
	m, ok := s.(store.Memory)
	if !ok {
		t.Fatalf("%T does not keep URL memory (store.Memory)", s)
	}
	return m
}

// urlMemory: states are kept per site and URL, replaced whole, touched
// without losing their data, counted, and pruned when no run requested
// them for store.URLStateRetention.
func urlMemory(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := memoryOf(t, s)
	if _, ok, err := m.URLState(ctx, "x", "http://x.gov.cn/a.html"); ok || err != nil {
		t.Fatalf("empty memory: %v %v", ok, err)
	}
	blob := bytes.Repeat([]byte{0, 1, 2, 0xff}, 5000) // binary, 20 kB
	at := day1.Add(time.Hour)
	var batch []store.URLState
	for i := range 300 {
		batch = append(batch, store.URLState{URL: fmt.Sprintf("http://x.gov.cn/%d.html", i), Page: i%3 != 0, CheckedAt: at, Data: []byte{byte(i)}})
	}
	batch = append(batch, store.URLState{URL: "http://x.gov.cn/a.html", Page: true, CheckedAt: at, Data: []byte("old")},
		store.URLState{URL: "http://x.gov.cn/a.html", Page: true, CheckedAt: at, Data: blob}) // the last of a URL wins
	if err := m.PutURLStates(ctx, "x", batch); err != nil {
		t.Fatal(err)
	}
	if err := m.PutURLStates(ctx, "y", []store.URLState{{URL: "http://x.gov.cn/a.html", CheckedAt: at, Data: []byte("y")}}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := m.URLState(ctx, "x", "http://x.gov.cn/a.html")
	if err != nil || !ok || !bytes.Equal(got.Data, blob) || !got.Page || !got.CheckedAt.Equal(at) {
		t.Fatalf("state back: ok %v err %v page %v at %v, %d bytes", ok, err, got.Page, got.CheckedAt, len(got.Data))
	}
	if y, _, _ := m.URLState(ctx, "y", "http://x.gov.cn/a.html"); string(y.Data) != "y" || y.Page {
		t.Errorf("other site's state %+v", y)
	}
	if n, err := m.CountPages(ctx, "x"); err != nil || n != 201 {
		t.Errorf("pages %d %v, want 201", n, err)
	}
	scanned := map[string]store.URLState{}
	if err := m.ScanURLStates(ctx, "x", func(st store.URLState) bool { scanned[st.URL] = st; return true }); err != nil {
		t.Fatal(err)
	}
	if a := scanned["http://x.gov.cn/a.html"]; len(scanned) != 301 || !bytes.Equal(a.Data, blob) || !a.Page || !a.CheckedAt.Equal(at) || scanned["http://x.gov.cn/3.html"].Page {
		t.Errorf("scanned %d states; a.html: page %v at %v, %d bytes", len(scanned), a.Page, a.CheckedAt, len(a.Data))
	}
	stopped := 0
	if err := m.ScanURLStates(ctx, "x", func(store.URLState) bool { stopped++; return stopped < 10 }); err != nil || stopped != 10 {
		t.Errorf("scan stopped after %d: %v", stopped, err)
	}
	// Replaced whole.
	if err := m.PutURLStates(ctx, "x", []store.URLState{{URL: "http://x.gov.cn/1.html", Page: false, CheckedAt: at.Add(time.Hour), Data: []byte("new")}}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := m.URLState(ctx, "x", "http://x.gov.cn/1.html"); string(got.Data) != "new" || got.Page || !got.CheckedAt.Equal(at.Add(time.Hour)) {
		t.Errorf("replaced state %+v", got)
	}
	// Touched: the time moves, the data stays; unknown URLs are ignored.
	later := at.Add(24 * time.Hour)
	if err := m.TouchURLs(ctx, "x", []string{"http://x.gov.cn/a.html", "http://x.gov.cn/2.html", "http://x.gov.cn/none.html"}, later); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://x.gov.cn/a.html", "http://x.gov.cn/2.html"} {
		if got, _, _ := m.URLState(ctx, "x", u); !got.CheckedAt.Equal(later) || len(got.Data) == 0 {
			t.Errorf("touched %s: %v, %d bytes", u, got.CheckedAt, len(got.Data))
		}
	}
	if _, ok, _ := m.URLState(ctx, "x", "http://x.gov.cn/none.html"); ok {
		t.Error("touching an unknown URL stored it")
	}
	if y, _, _ := m.URLState(ctx, "y", "http://x.gov.cn/a.html"); !y.CheckedAt.Equal(at) {
		t.Errorf("touch reached another site: %v", y.CheckedAt)
	}
	// Concurrent batches (a crawl's flushes and a resumed attempt's) do
	// not fail.
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			var b []store.URLState
			for i := range 50 {
				b = append(b, store.URLState{URL: fmt.Sprintf("http://x.gov.cn/c%d.html", i), Page: true, CheckedAt: at, Data: []byte{byte(w)}})
			}
			if err := m.PutURLStates(ctx, "x", b); err != nil {
				t.Errorf("writer %d: %v", w, err)
			}
		})
	}
	wg.Wait()
	// Pruned when nothing requested them for the retention.
	now := later.Add(store.URLStateRetention - time.Minute)
	if _, err := s.Prune(ctx, store.Retention{}, now); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := m.URLState(ctx, "x", "http://x.gov.cn/a.html"); !ok {
		t.Error("a URL touched within the retention was pruned")
	}
	if _, ok, _ := m.URLState(ctx, "x", "http://x.gov.cn/4.html"); ok {
		t.Error("a URL not requested for longer than the retention was kept")
	}
}

// checkpoints: one per (site, day), replaced by later attempts, deleted
// when the run is saved, pruned when its run never finished.
func checkpoints(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := memoryOf(t, s)
	if _, ok, err := m.Checkpoint(ctx, "x", "2026-11-24"); ok || err != nil {
		t.Fatalf("no checkpoint yet: %v %v", ok, err)
	}
	at := day1.Add(time.Hour)
	for attempt := 1; attempt <= 2; attempt++ {
		data, _ := json.Marshal(map[string]any{"started_at": day1, "pages": attempt * 10})
		if err := m.PutCheckpoint(ctx, store.Checkpoint{Site: "x", Day: "2026-11-24", Attempt: attempt, Data: data, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.PutCheckpoint(ctx, store.Checkpoint{Site: "x", Day: "2026-11-25", Attempt: 1, Data: []byte(`{}`), UpdatedAt: at.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c, ok, err := m.Checkpoint(ctx, "x", "2026-11-24")
	var back struct {
		StartedAt time.Time `json:"started_at"`
		Pages     int       `json:"pages"`
	}
	if err != nil || !ok || c.Attempt != 2 || !c.UpdatedAt.Equal(at) || json.Unmarshal(c.Data, &back) != nil || back.Pages != 20 || !back.StartedAt.Equal(day1) {
		t.Fatalf("checkpoint back: %+v %v %v (%s)", c, ok, err, c.Data)
	}
	if err := m.DeleteCheckpoint(ctx, "x", "2026-11-24"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := m.Checkpoint(ctx, "x", "2026-11-24"); ok {
		t.Error("deleted checkpoint still there")
	}
	if _, err := s.Prune(ctx, store.Retention{}, at.Add(24*time.Hour+73*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := m.Checkpoint(ctx, "x", "2026-11-25"); ok {
		t.Error("a checkpoint of a run that never finished outlived 72 hours")
	}
}
