package main

import (
	"context"
	"fmt"
	"time"

	"github.com/xunjian/xunjian/crawler"
)

// progressEvery is how often the progress line is repainted.
const progressEvery = 500 * time.Millisecond

// progress shows "pages, targets, queue, errors, rate" on stderr while one
// site's crawl runs, only when stderr is a terminal. It lives as long as
// its site: stop ends it before the next site starts.
type progress struct {
	e      env
	cancel context.CancelFunc
	done   chan struct{}
}

// startProgress starts repainting cr's progress until stop is called or
// ctx ends. It returns nil when stderr is not a terminal.
func startProgress(ctx context.Context, cr *crawler.Crawler, e env) *progress {
	if !e.progress {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &progress{e: e, cancel: cancel, done: make(chan struct{})}
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
			c := cr.Progress()
			if c.Elapsed <= 0 {
				continue
			}
			fmt.Fprintf(e.stderr, "\r\033[K页面 %d  目标 %d  队列 %d  错误 %d  %.0f 请求/秒",
				c.Pages, c.Targets, c.Queued, c.Errors, float64(c.Requests)/c.Elapsed.Seconds())
		}
	}()
	return p
}

// stop ends the repainting, waits until the last paint is written and
// clears the line. A nil progress does nothing.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
	fmt.Fprint(p.e.stderr, "\r\033[K")
}
