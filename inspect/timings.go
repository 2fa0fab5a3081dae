package inspect

import (
	"sync/atomic"
	"time"

	"github.com/xunjian/xunjian/checks"
)

// timings adds up where an inspection's time goes, for the report's
// measurements.timings: per check, the time in its page pass
// (PageChecker.Page), its text pass (TextReader.Text, over pages and
// attachments), Start and Finish; and the inspection's own work on pages
// (reading their text into segments). Times of concurrent calls are
// summed, so on a busy machine they include time spent waiting for a CPU;
// compare them with each other, and see bench/run.sh and the per-check
// benchmarks for CPU per page. A nil *timings records nothing.
type timings struct {
	byCheck  map[string]*checkTime // built before the crawl, read-only after
	segments atomic.Int64          // ns reading pages' text into segments
	pages    atomic.Int64          // pages whose text was read
	crawl    time.Duration         // wall time of the crawl
	finish   time.Duration         // wall time of the final passes
}

type checkTime struct {
	page, text, start, finish atomic.Int64 // ns
	pages, texts              atomic.Int64 // calls
}

func newTimings(list []checks.Check) *timings {
	t := &timings{byCheck: map[string]*checkTime{}}
	for _, c := range list {
		t.byCheck[c.Name()] = &checkTime{}
	}
	return t
}

// check returns the counters of a check (nil for a nil *timings or an
// unknown check).
func (t *timings) check(name string) *checkTime {
	if t == nil {
		return nil
	}
	return t.byCheck[name]
}

// Each adder records the time since start; a nil receiver records
// nothing.
func (c *checkTime) addPage(start time.Time) {
	if c != nil {
		c.page.Add(int64(time.Since(start)))
		c.pages.Add(1)
	}
}

func (c *checkTime) addText(start time.Time) {
	if c != nil {
		c.text.Add(int64(time.Since(start)))
		c.texts.Add(1)
	}
}

func (c *checkTime) addSite(start time.Time, finish bool) {
	switch {
	case c == nil:
	case finish:
		c.finish.Add(int64(time.Since(start)))
	default:
		c.start.Add(int64(time.Since(start)))
	}
}

func (t *timings) addSegments(start time.Time) {
	if t != nil {
		t.segments.Add(int64(time.Since(start)))
		t.pages.Add(1)
	}
}

// measurement is measurements.timings: seconds (3 decimals) and counts,
// per check and for the inspection.
func (t *timings) measurement() map[string]map[string]any {
	secs := func(ns int64) float64 { return float64(ns/1e6) / 1e3 }
	out := map[string]map[string]any{
		"inspection": {
			"crawl_s": secs(int64(t.crawl)), "final_passes_s": secs(int64(t.finish)),
			"page_text_s": secs(t.segments.Load()), "pages": t.pages.Load(),
		},
	}
	for name, c := range t.byCheck {
		m := map[string]any{}
		if n := c.pages.Load(); n > 0 {
			m["page_s"], m["pages"] = secs(c.page.Load()), n
		}
		if n := c.texts.Load(); n > 0 {
			m["text_s"], m["texts"] = secs(c.text.Load()), n
		}
		if v := c.start.Load(); v > 0 {
			m["start_s"] = secs(v)
		}
		if v := c.finish.Load(); v > 0 {
			m["finish_s"] = secs(v)
		}
		out[name] = m
	}
	return out
}
