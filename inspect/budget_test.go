package inspect

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/sampleportal"
)

// A site slower than its time budget: the run ends by the budget, as
// incomplete, saying the budget (not an interruption) ended it, with the
// homepage's findings kept.
func TestTimeBudgetEndsRunIncomplete(t *testing.T) {
	p, err := sampleportal.Start(context.Background(), sampleportal.Options{Slow: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := portalConfig(p)
	cfg.Crawl.Timeout = config.Duration(10 * time.Second)
	site := cfg.Sites[0]
	site.TimeBudget = config.Duration(3 * time.Second)
	start := time.Now()
	rep, err := Run(context.Background(), Options{Config: cfg, Site: site, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if rep.Complete || !slices.ContainsFunc(rep.Incomplete, func(s string) bool { return strings.Contains(s, "crawl.time_budget") }) ||
		slices.Contains(rep.Incomplete, crawler.Interrupted) {
		t.Errorf("complete %v, incomplete %q: want the time budget named, not an interruption", rep.Complete, rep.Incomplete)
	}
	if took > 6*time.Second {
		t.Errorf("a 3 s budget took %v", took)
	}
	if rep.Stats.Pages == 0 {
		t.Error("nothing found before the budget ran out")
	}
}
