package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/reports/layout"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/sqlite"
)

// TestReportFindsSitesNotInTheConfig: `xunjian report --site` takes the
// name or homepage a run was saved with even when the config does not list
// the site (the demo's history, another team's sites), and a site or run
// the history lacks is a Chinese usage error naming what the history has.
func TestReportFindsSitesNotInTheConfig(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "xunjian.db")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	site := "http://127.0.0.1:9/"
	start := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	rep := &finding.Report{Tool: "xunjian", Site: site, Name: "示例站", StartedAt: start, FinishedAt: start.Add(time.Minute), Complete: true}
	if err := st.Update(ctx, func(tx store.Tx) error {
		_, _, err := tx.SaveRun(ctx, store.NewRun{Site: layout.SiteDir(site), Report: rep})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	cfg := filepath.Join(dir, "xunjian.yaml")
	if err := os.WriteFile(cfg, []byte("serve:\n  database: "+db+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, site, run string
		want            int
		stderr          string
	}{
		{"by-name", "示例站", "", exitOK, ""},
		{"by-url", site, "", exitOK, ""},
		{"by-key", "127.0.0.1_9", "", exitOK, ""},
		{"unknown-site", "无此站点", "", exitUsage, "历史记录中没有站点“无此站点”：--site 可写站点名称、首页网址或 主机_端口；已有的站点：127.0.0.1_9（示例站）"},
		{"unknown-run", "示例站", "99", exitUsage, "历史记录中没有站点 127.0.0.1_9 编号为 99 的巡检"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := []string{"report", "-c", cfg, "--site", tc.site, "-o", out, "--format", "json"}
			if tc.run != "" {
				args = append(args, "--run", tc.run)
			}
			e, _, errb := testEnv()
			if code := run(ctx, args, e); code != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.want, errb)
			}
			if tc.want == exitOK {
				got, err := os.ReadFile(filepath.Join(out, "127.0.0.1_9", "1", "report.json"))
				if err != nil || !strings.Contains(string(got), "示例站") {
					t.Errorf("rebuilt report: %v\n%s", err, got)
				}
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errb, tc.stderr)
			}
		})
	}
}
