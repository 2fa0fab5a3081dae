package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/xunjian/xunjian/inspect"
)

// progressEvery is how often the progress line is repainted.
const progressEvery = 500 * time.Millisecond

// terminal is stderr shared by the progress line and the logs: a log line
// first clears the progress line, so that neither starts in the middle of
// the other, and the next paint draws the progress again below it.
type terminal struct {
	mu      sync.Mutex
	w       io.Writer
	painted bool
}

// Write writes a log line on a line of its own.
func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLocked()
	return t.w.Write(p)
}

func (t *terminal) paint(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprint(t.w, "\r\033[K"+line)
	t.painted = true
}

func (t *terminal) clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLocked()
}

func (t *terminal) clearLocked() {
	if t.painted {
		fmt.Fprint(t.w, "\r\033[K")
		t.painted = false
	}
}

// progress shows the inspection's phase and counts on stderr while one
// site runs — [爬取] pages, targets, queue, errors, attachments, rate;
// [渲染] 2/5 页; [伪装检测] 3/10 页; [外部链接] 40/120; [生成报告] — only
// when stderr is a terminal. It lives as long as its site: stop ends it
// before the summary is printed and before the next site starts.
type progress struct {
	term    *terminal
	tracker *inspect.Tracker
	cancel  context.CancelFunc
	done    chan struct{}
}

// startProgress starts repainting the site's progress until stop is
// called or ctx ends. It returns nil when stderr is not a terminal (and
// a nil progress, whose tracker is nil, does nothing).
func startProgress(ctx context.Context, e env) *progress {
	if !e.progress || e.term == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &progress{term: e.term, tracker: &inspect.Tracker{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if line := progressLine(p.tracker.Snapshot()); line != "" {
				p.term.paint(line)
			}
		}
	}()
	return p
}

// progressLine is one snapshot as a line, short enough not to wrap on an
// 80-column terminal (a wrapped line could not be cleared).
func progressLine(s inspect.Progress) string {
	switch s.Phase {
	case "":
		return ""
	case inspect.PhaseCrawl:
		c := s.Crawl
		if c.Elapsed <= 0 {
			return ""
		}
		line := fmt.Sprintf("[%s] 页面 %d  目标 %d  队列 %d  错误 %d", s.Phase, c.Pages, c.Targets, c.Queued, c.Errors)
		if s.Attachments > 0 {
			line += fmt.Sprintf("  附件 %d", s.Attachments)
		}
		return line + fmt.Sprintf("  %.0f 请求/秒", float64(c.Requests)/c.Elapsed.Seconds())
	case inspect.PhaseRender, inspect.PhaseCloaking:
		return fmt.Sprintf("[%s] %d/%d 页", s.Phase, s.Done, s.Total)
	}
	if s.Total > 0 {
		return fmt.Sprintf("[%s] %d/%d", s.Phase, s.Done, s.Total)
	}
	return fmt.Sprintf("[%s] 页面 %d  目标 %d", s.Phase, s.Crawl.Pages, s.Crawl.Targets)
}

// Tracker is what the inspection reports its progress to (nil when no line
// is shown).
func (p *progress) Tracker() *inspect.Tracker {
	if p == nil {
		return nil
	}
	return p.tracker
}

// phase sets the phase the command itself is in (生成报告).
func (p *progress) phase(name string) {
	if p != nil {
		p.tracker.Set(name, 0, 0)
	}
}

// stop ends the repainting, waits until the last paint is written and
// clears the line. A nil progress does nothing.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
	p.term.clear()
}
