package inspect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/pii"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/sqlite"
)

// TestMemoryKeepsNoPersonalData: the crawl memory is in the history
// database, which must hold no personal data. A page published at an
// address carrying an ID number, a page linking to an address carrying a
// mobile number and a page with an ID number in its text: the first two
// and the pages linking to them are not remembered (read in full every
// run, and counted), the third is,
// with its privacy finding masked; every stored record is decoded and
// searched. The next run still reports the finding.
func TestMemoryKeepsNoPersonalData(t *testing.T) {
	id := "11010519491231002" + string(pii.CheckChar("11010519491231002"))
	mobile := "13912345678"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Last-Modified", "Mon, 02 Nov 2026 08:00:00 GMT")
		switch {
		case r.URL.Path == "/":
			w.Write([]byte(`<html><body><a href="/p/` + id + `.html">公示</a> <a href="/list.html">名单</a> <a href="/notice.html">通知</a></body></html>`))
		case r.URL.Path == "/list.html":
			w.Write([]byte(`<html><body><a href="/q?m=` + mobile + `">联系人</a></body></html>`))
		case r.URL.Path == "/notice.html":
			w.Write([]byte(`<html><body><p>申请人身份证号：` + id + `，请于三日内到窗口领取。</p></body></html>`))
		default:
			w.Write([]byte(`<html><body><p>内容</p></body></html>`))
		}
	}))
	defer srv.Close()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := config.Default()
	cfg.Sites = []config.Site{{Name: "测试", URL: srv.URL + "/"}}
	cfg.Checks.Enabled = []string{"broken-link", "privacy"}
	cfg.Checks.BrokenLink.Soft404 = false
	cfg.Crawl.Rate, cfg.Crawl.AllowPrivate = 1000, true
	cfg.Crawl.RenderPages = 0
	run := func(day int) map[string]any {
		now := time.Date(2026, 11, 24+day, 9, 0, 0, 0, time.UTC)
		rep, err := Run(context.Background(), Options{Config: cfg, Site: cfg.Sites[0], Memory: st, Now: func() time.Time { return now }, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		privacy := 0
		for _, f := range rep.Findings {
			if f.Check == "privacy" && strings.HasSuffix(f.Page, "/notice.html") {
				privacy++
			}
		}
		if privacy == 0 {
			t.Errorf("day %d: the ID number in /notice.html not reported", day)
		}
		m, _ := rep.Measurements["recheck"].(map[string]any)
		return m
	}
	m := run(0)
	// The homepage and /list.html link to personal data, /p/… and /q?m=…
	// are at it.
	if n, _ := m["not_kept_personal_data"].(int); n != 4 {
		t.Errorf("records not kept for personal data: %v, want 4 (%v)", m["not_kept_personal_data"], m)
	}
	var stored []string
	err = st.ScanURLStates(context.Background(), MemoryKey(cfg.Sites[0]), func(s store.URLState) bool {
		stored = append(stored, strings.TrimPrefix(s.URL, srv.URL))
		var r record
		if err := decodeRecord(s.Data, &r); err != nil {
			t.Errorf("%s: %v", s.URL, err)
			return true
		}
		raw, _ := r.Known.MarshalBinary()
		for _, v := range []string{id, mobile} {
			if strings.Contains(s.URL, v) || strings.Contains(string(raw), v) {
				t.Errorf("stored record of %s holds %s", s.URL, v)
			}
		}
		return true
	})
	if err != nil || !slices.Contains(stored, "/notice.html") {
		t.Fatalf("stored %v (%v); want /notice.html, its finding masked", stored, err)
	}
	run(1)
}
