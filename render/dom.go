package render

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// DOM loads a page in a tab, lets its scripts run until the number of
// links stops changing (script-fed lists arrive after the load: XHR,
// timers), and returns the document as the browser built it, serialised,
// at most maxBytes long. It is the crawl's view of links and list entries
// that exist only after scripts run.
func (b *Browser) DOM(ctx context.Context, url string, maxBytes int) (string, error) {
	select {
	case b.tabs <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-b.tabs }()
	tab, cancel := chromedp.NewContext(b.browser)
	defer cancel()
	tab, cancelT := context.WithTimeout(tab, b.cfg.Timeout)
	defer cancelT()
	stop := context.AfterFunc(ctx, cancelT)
	defer stop()
	nav, err := watch(tab, tab, b.cfg.Policy, url)
	if err != nil {
		return "", fmt.Errorf("render %s: %w", url, err)
	}
	html, err := settled(tab, url, maxBytes)
	if err == nil {
		err = nav.left(tab)
	}
	if err != nil {
		return "", fmt.Errorf("render %s: %w", url, nav.explain(tab, err))
	}
	if len(html) > maxBytes {
		html = strings.ToValidUTF8(html[:maxBytes], "")
	}
	return html, nil
}

// settled loads url in tab and returns its document once the links and
// the resources fetched stay the same for three polls in a row (750 ms of
// quiet, at most ~5 s), at most maxBytes long (UTF-16 units).
func settled(tab context.Context, url string, maxBytes int) (string, error) {
	if err := chromedp.Do(tab, chromedp.Navigate(url), chromedp.WaitReady("body")); err != nil {
		return "", err
	}
	last, quiet := -1, 0
	for range 20 {
		n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('a[href],iframe[src],img[src]').length + performance.getEntriesByType('resource').length`))
		if err != nil {
			return "", err
		}
		if n == last {
			if quiet++; quiet == 3 {
				break
			}
		} else {
			last, quiet = n, 0
		}
		if err := chromedp.Do(tab, chromedp.Sleep(250*time.Millisecond)); err != nil {
			return "", err
		}
	}
	js := fmt.Sprintf(`(() => { const h = document.documentElement.outerHTML; return h.length > %d ? h.slice(0, %d) : h; })()`, maxBytes, maxBytes)
	return chromedp.Run(tab, chromedp.Evaluate[string](js))
}

// Shared is one browser for a run, started on first use and shared by
// everything that renders (the crawl's discovery, the dark-link check):
// one Chromium, one tab limit. A failed start is remembered: every user
// gets the same error, and Chromium is not tried again.
//
// A browser nobody uses for Idle is closed, and the next Use starts
// another: an inspection renders its few pages near its start (the
// dark-link pass) and now and then later (script-fed lists), and an idle
// Chromium held its processes' memory and, on our side, the protocol's
// buffers grown to the largest screenshot (~4 MB of live heap, which the
// collector's soft limit paid for with ~25 % more collections a run).
type Shared struct {
	ctx context.Context
	cfg Config
	// idle is how long an unused browser stays open (0: until Close).
	idle time.Duration

	mu     sync.Mutex
	b      *Browser
	err    error
	done   bool // started (or failed), or closed for good
	users  int
	timer  *time.Timer
	starts int
}

// NewShared prepares a browser bound to ctx (the run's context), closed
// after idle without a user (0: kept until Close).
func NewShared(ctx context.Context, cfg Config, idle time.Duration) *Shared {
	return &Shared{ctx: ctx, cfg: cfg, idle: idle}
}

// Use returns the running browser, starting it if none is, and release,
// which the caller calls once it no longer uses the browser (the browser
// is not closed for idleness while a user holds it). release is nil when
// err is not.
func (s *Shared) Use() (b *Browser, release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.done = true
		s.starts++
		s.b, s.err = Start(s.ctx, s.cfg)
	}
	if s.err != nil {
		return nil, nil, s.err
	}
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.users++
	b = s.b
	var once sync.Once
	return b, func() { once.Do(func() { s.release(b) }) }, nil
}

// release ends one use of b, arming the idle timer when it was the last.
func (s *Shared) release(b *Browser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users--
	if s.users > 0 || s.idle <= 0 || s.b != b {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(s.idle, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.timer != t || s.users > 0 || s.b != b {
			return // used again (or closed) since
		}
		s.timer = nil
		b.Close()
		s.b, s.err, s.done = nil, nil, false
	})
	s.timer = t
}

// Running reports whether a browser is open now.
func (s *Shared) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b != nil
}

// Starts is how many browsers the run has started (or tried to).
func (s *Shared) Starts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts
}

// Close ends the browser, if one is open; Use fails after it.
func (s *Shared) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.b != nil {
		s.b.Close()
		s.b = nil
	}
	s.err = fmt.Errorf("browser closed")
}
