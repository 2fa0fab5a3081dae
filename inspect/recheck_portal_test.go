package inspect

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/sampleportal"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/sqlite"
)

// TestSamplePortalRecheck: the sample portal served like a static web
// server (ETag, 304) and inspected twice with a history: the second run,
// where most pages and files answer 304 and stand in from the memory,
// finds exactly what the first did and what the portal plants — every
// check's findings, the CMS readers' (Hanweb, TRS, JS lists, frames), the
// columns' — and marks nothing fixed.
func TestSamplePortalRecheck(t *testing.T) {
	ctx := context.Background()
	p, err := sampleportal.Start(ctx, sampleportal.Options{Slow: 3 * time.Second, Validators: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := portalConfig(p)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "xunjian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run := func() (*finding.Report, []finding.Finding) {
		rep, err := Run(ctx, Options{Config: cfg, Site: cfg.Sites[0], TempDir: t.TempDir(), Memory: st})
		if err != nil {
			t.Fatal(err)
		}
		var fixed []finding.Finding
		err = st.Update(ctx, func(tx store.Tx) error {
			_, fixed, err = tx.SaveRun(ctx, store.NewRun{Site: "portal", Report: rep})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return rep, fixed
	}
	var want []string
	for _, f := range p.Expected(haveBrowser(t)) {
		want = append(want, key(f))
	}
	slices.Sort(want)
	keys := func(rep *finding.Report) []string {
		var got []string
		for _, f := range rep.Findings {
			got = append(got, key(sampleportal.Finding{Check: f.Check, Kind: f.Kind, Page: f.Page, Target: f.Target, Severity: string(f.Severity)}))
		}
		slices.Sort(got)
		return got
	}
	first, _ := run()
	if got := keys(first); !slices.Equal(got, want) {
		t.Errorf("first run's findings differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	before := p.NotModified()
	second, fixed := run()
	unchanged := p.NotModified() - before
	if got := keys(second); !slices.Equal(got, want) {
		t.Errorf("re-inspection's findings differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if len(fixed) != 0 {
		var f []string
		for _, x := range fixed {
			f = append(f, x.Check+" "+x.Kind+" "+x.Page+" "+x.Target)
		}
		t.Errorf("the re-inspection of an unchanged portal fixed:\n  %s", strings.Join(f, "\n  "))
	}
	// Each 304 the portal sent is one the inspection counted, but for
	// answers to attempts that had already timed out and were retried (a
	// loaded machine): those the run counts as retries.
	m := recheckOf(second)
	counted, _ := m["not_modified"].(int)
	if unchanged < 20 || counted > unchanged || unchanged > counted+second.Stats.Retries {
		t.Errorf("%d answers 304, measured %v with %d retries", unchanged, m, second.Stats.Retries)
	}
	t.Logf("%d pages and files answered 304; bytes read %d → %d", unchanged, first.Stats.BytesRead, second.Stats.BytesRead)
}
