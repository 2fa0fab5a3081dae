package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/serve"
)

// storedRun is one run as the history holds it.
type storedRun struct {
	complete bool
	report   *finding.Report
}

// storedRuns reads every run of every site from the history database.
func storedRuns(t *testing.T, db string) []storedRun {
	t.Helper()
	ctx := context.Background()
	s, err := serve.OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sites, err := s.Sites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []storedRun
	for _, site := range sites {
		runs, err := s.Runs(ctx, site, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			rep, _, err := s.Report(ctx, site, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, storedRun{complete: r.Complete, report: rep})
		}
	}
	return out
}

// dashboardShowsIncomplete serves the dashboard of the config's history and
// reports whether its overview marks the latest run as not complete.
func dashboardShowsIncomplete(t *testing.T, cfgPath string) bool {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	s, err := serve.OpenStore(context.Background(), cfg.Serve.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := &serve.Service{Config: cfg, Store: s}
	srv := httptest.NewServer((&serve.Dashboard{Current: func() *serve.Service { return svc }}).Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(body), "未完成")
}
