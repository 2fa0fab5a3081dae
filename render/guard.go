package render

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/xunjian/xunjian/netpolicy"
)

// What Chromium may reach is decided outside it: it is started with the
// run's netpolicy.BrowserProxy as its only way out (see Start), so every
// connection of every tab, frame, worker and service worker passes the
// private-address guard on the address dialled and the per-host limiter.
// Request interception adds one thing the proxy cannot know: which frame
// asked. A tab may not leave the page it renders — a meta refresh, a
// script's location change, a form or a redirect taking its main frame to
// another host — because what it would then show (and screenshot, and hand
// to the crawl as the page's document) is not the page. Such a navigation
// is refused (the tab shows an error page instead) and the render fails
// with a *LeftPageError; the page's own hosts and the site's may be
// navigated to.

// LeftPageError is a render whose tab left the page: its main frame went,
// or tried to go, to another site or an address of no site.
type LeftPageError struct {
	// URL is the page asked for; To is where the tab went or tried to go.
	URL, To string
	// Refused: the navigation was stopped (the tab shows an error page).
	Refused bool
}

func (e *LeftPageError) Error() string {
	if e.Refused {
		return fmt.Sprintf("page %s navigated to %s (refused: another site)", e.URL, e.To)
	}
	return fmt.Sprintf("page %s navigated to %s (another site)", e.URL, e.To)
}

// navWatch refuses a tab's main-frame navigations off the page's site and
// remembers the first one.
type navWatch struct {
	start *url.URL
	pol   *netpolicy.Policy
	main  cdp.FrameID

	mu   sync.Mutex
	away string
}

// watch starts guarding tab's navigations (before it is navigated to
// start) for as long as tab lives: document requests are paused, the main
// frame's checked. call bounds its calls to the browser (tab or a
// shorter context of it).
func watch(tab, call context.Context, pol *netpolicy.Policy, start string) (*navWatch, error) {
	u, err := url.Parse(start)
	if err != nil {
		return nil, err
	}
	// The tab is opened with tab itself (chromedp ties a tab's message
	// loop to the context of its first call), within call's bounds (the
	// caller closes the tab when call ends first).
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Do(tab) }()
	select {
	case err := <-opened:
		if err != nil {
			return nil, err
		}
	case <-call.Done():
		return nil, call.Err()
	}
	events := chromedp.Events(tab, fetch.RequestPaused)
	c := chromedp.FromContext(tab)
	if c == nil || c.Target == nil {
		return nil, fmt.Errorf("no tab")
	}
	w := &navWatch{start: u, pol: pol, main: cdp.FrameID(c.Target.TargetID)}
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			go w.decide(tab, ev)
		}
	}()
	_, err = chromedp.Call(call, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*", ResourceType: network.ResourceTypeDocument, RequestStage: fetch.RequestStageRequest},
	}})
	if err != nil {
		return nil, fmt.Errorf("request interception: %w", err)
	}
	return w, nil
}

// decide lets a paused document request go on, unless it takes the main
// frame off the site.
func (w *navWatch) decide(tab context.Context, ev fetch.EventRequestPaused) {
	if ev.FrameID == w.main && ev.Request != nil && !w.onSite(ev.Request.URL) {
		w.mu.Lock()
		if w.away == "" {
			w.away = ev.Request.URL
		}
		w.mu.Unlock()
		chromedp.Call(tab, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		return
	}
	chromedp.Call(tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
}

// onSite reports whether a main-frame navigation to raw stays on the page:
// http(s) to the page's host or one of the site's hosts.
func (w *navWatch) onSite(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Hostname(), w.start.Hostname()) || w.pol.SiteHost(u.Host)
}

// explain turns a failed load into a *LeftPageError when the tab tried
// to leave the page (a refused redirect of the page itself, a navigation
// that destroyed the document a script was reading): the refusal, not its
// consequence, is why it failed.
// A navigation that needs no request (about:blank, a javascript: URL) is
// never refused, so the frame itself is asked where it is: a script read
// while the page left for about:blank fails with "Inspected target
// navigated or closed", and the tab is then on about:blank.
func (w *navWatch) explain(tab context.Context, err error) error {
	if w == nil || err == nil {
		return err
	}
	w.mu.Lock()
	away := w.away
	w.mu.Unlock()
	if away != "" {
		return &LeftPageError{URL: w.start.String(), To: away, Refused: true}
	}
	if tab.Err() == nil {
		var left *LeftPageError
		if lerr := w.left(tab); errors.As(lerr, &left) {
			return left
		}
	}
	return err
}

// left returns a *LeftPageError when the tab went, or tried to go, off
// the page: a refused navigation, or a main frame now elsewhere (a
// document that failed to load, about:blank, another site).
func (w *navWatch) left(tab context.Context) error {
	w.mu.Lock()
	away := w.away
	w.mu.Unlock()
	if away != "" {
		return &LeftPageError{URL: w.start.String(), To: away, Refused: true}
	}
	tree, err := chromedp.Call(tab, cdppage.GetFrameTree, cdp.Empty{})
	if err != nil {
		return err
	}
	if tree.FrameTree == nil || tree.FrameTree.Frame == nil {
		return fmt.Errorf("no frame tree")
	}
	f := tree.FrameTree.Frame
	if f.UnreachableURL != "" {
		return &LeftPageError{URL: w.start.String(), To: f.UnreachableURL, Refused: true}
	}
	if !w.onSite(f.URL) {
		return &LeftPageError{URL: w.start.String(), To: f.URL}
	}
	return nil
}
