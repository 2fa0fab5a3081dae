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
type Shared struct {
	ctx  context.Context
	cfg  Config
	mu   sync.Mutex
	b    *Browser
	err  error
	done bool
}

// NewShared prepares a browser bound to ctx (the run's context).
func NewShared(ctx context.Context, cfg Config) *Shared { return &Shared{ctx: ctx, cfg: cfg} }

// Get returns the running browser, starting it on first use.
func (s *Shared) Get() (*Browser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.done = true
		s.b, s.err = Start(s.ctx, s.cfg)
	}
	return s.b, s.err
}

// Close ends the browser, if it was started.
func (s *Shared) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	if s.b != nil {
		s.b.Close()
		s.b = nil
		s.err = fmt.Errorf("browser closed")
	}
}
