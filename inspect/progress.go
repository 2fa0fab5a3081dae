package inspect

import (
	"sync"
	"sync/atomic"

	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/crawler"
)

// Phases of an inspection, as a progress line names them.
const (
	PhaseCrawl    = "爬取"
	PhaseChecks   = "汇总检查"
	PhaseRender   = checks.PhaseRender
	PhaseCloaking = checks.PhaseCloaking
	PhaseExternal = checks.PhaseExternal
	PhaseReport   = "生成报告"
)

// Progress is what a progress line shows about a running inspection.
type Progress struct {
	// Phase is what the inspection is doing now (PhaseCrawl, …); Done and
	// Total count its steps where it has them (pages rendered of those
	// sampled).
	Phase       string
	Done, Total int
	// Crawl is the crawler's counters, once it runs.
	Crawl crawler.Progress
	// Attachments counts attachments read so far.
	Attachments int
}

// Tracker follows one inspection for a progress line. Set it in Options;
// Snapshot may be called from any goroutine.
type Tracker struct {
	mu          sync.Mutex
	phase       string
	done, total int
	cr          *crawler.Crawler
	attachments atomic.Int64
}

// Set records the phase and its counts; a nil Tracker ignores it.
func (t *Tracker) Set(phase string, done, total int) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.phase, t.done, t.total = phase, done, total
	t.mu.Unlock()
}

func (t *Tracker) crawler(cr *crawler.Crawler) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.cr = cr
	t.phase, t.done, t.total = PhaseCrawl, 0, 0
	t.mu.Unlock()
}

func (t *Tracker) attachment() {
	if t != nil {
		t.attachments.Add(1)
	}
}

// Snapshot returns the progress now; the zero Progress before the
// inspection starts.
func (t *Tracker) Snapshot() Progress {
	if t == nil {
		return Progress{}
	}
	t.mu.Lock()
	p := Progress{Phase: t.phase, Done: t.done, Total: t.total}
	cr := t.cr
	t.mu.Unlock()
	if cr != nil {
		p.Crawl = cr.Progress()
	}
	p.Attachments = int(t.attachments.Load())
	return p
}
