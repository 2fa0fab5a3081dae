// Package render drives Debian's headless Chromium through chromedp: it
// renders a page, reports for every link and iframe whether a person can
// see it (computed style up the ancestor chain, box, position on screen,
// colour against the effective background), and takes screenshots with an
// element outlined. One browser serves a run, with a bounded number of
// tabs; Close (or cancelling the context given to Start) ends every
// Chromium process it started.
package render

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xunjian/xunjian/netpolicy"
)

// ErrNoBrowser is returned when no Chromium is installed.
var ErrNoBrowser = errors.New("no Chromium found (install it: apt-get install chromium)")

// Config configures the browser.
type Config struct {
	// ExecPath is the Chromium binary; found on PATH when empty.
	ExecPath string
	// Tabs bounds how many pages render at once.
	Tabs int
	// Timeout bounds one page's rendering.
	Timeout time.Duration
	// UserAgent is the browser's User-Agent.
	UserAgent string
	// Policy is the run's outbound policy (required): Chromium reaches the
	// network only through a netpolicy.BrowserProxy applying it.
	Policy *netpolicy.Policy
	// Logger gets the proxy's refusals (nil: none).
	Logger *slog.Logger

	// webrtcUDP leaves WebRTC's UDP alone (tests' control runs only).
	webrtcUDP bool
}

// Browser is one headless Chromium for a run.
type Browser struct {
	cfg     Config
	alloc   context.Context
	cancelA context.CancelFunc
	browser context.Context
	cancelB context.CancelFunc
	tabs    chan struct{}
	dataDir string
	proxy   *netpolicy.BrowserProxy
	once    sync.Once
}

// Find returns the Chromium binary to use.
func Find(execPath string) (string, error) {
	if execPath != "" {
		if _, err := os.Stat(execPath); err != nil {
			return "", fmt.Errorf("%w: %v", ErrNoBrowser, err)
		}
		return execPath, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// ErrNoPolicy is returned by Start without an outbound policy.
var ErrNoPolicy = errors.New("render: no outbound policy (Config.Policy)")

// Start launches Chromium behind a proxy of cfg.Policy. Cancelling ctx
// ends it too.
func Start(ctx context.Context, cfg Config) (*Browser, error) {
	if cfg.Policy == nil {
		return nil, ErrNoPolicy
	}
	path, err := Find(cfg.ExecPath)
	if err != nil {
		return nil, err
	}
	if cfg.Tabs < 1 {
		cfg.Tabs = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	dir, err := os.MkdirTemp("", "xunjian-chromium-*")
	if err != nil {
		return nil, fmt.Errorf("chromium profile: %w", err)
	}
	if err := writePrefs(dir, cfg.webrtcUDP); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	proxy, err := cfg.Policy.StartBrowserProxy(cfg.Logger)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1366, 900),
	}
	opts = append(opts, isolation(proxy.Addr())...)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	if cfg.UserAgent != "" {
		opts = append(opts, chromedp.UserAgent(cfg.UserAgent))
	}
	b := &Browser{cfg: cfg, tabs: make(chan struct{}, cfg.Tabs), dataDir: dir, proxy: proxy}
	b.alloc, b.cancelA = chromedp.NewExecAllocator(ctx, opts...)
	b.browser, b.cancelB = chromedp.NewContext(b.alloc)
	// Run with no actions starts the browser (bound to b.browser, not to a
	// shorter context, which would end it).
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(b.browser) }()
	select {
	case err := <-done:
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("start chromium %s: %w", path, err)
		}
	case <-time.After(30 * time.Second):
		b.Close()
		return nil, fmt.Errorf("start chromium %s: no answer in 30s", path)
	}
	// Downloads (a frame navigated to an attachment) are not saved.
	if _, err := chromedp.CallBrowser(b.browser, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorDeny}); err != nil {
		b.Close()
		return nil, fmt.Errorf("start chromium %s: %w", path, err)
	}
	return b, nil
}

// isolation are the flags that leave Chromium no way to the network but
// the proxy at addr: every URL through it, loopback included (Chromium
// bypasses proxies for loopback by default); no name resolved by Chromium
// itself (the proxy resolves, and checks what it dials), so no DNS
// prefetch either. With the profile's prefs (WebRTC without UDP of its
// own) and Start's other flags (no QUIC, no background networking).
func isolation(addr string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ProxyServer("http://" + addr),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
	}
}

// prefs are the profile's preferences: WebRTC may use no UDP that does
// not go through the proxy (an HTTP proxy carries none, so none at all;
// TURN over TCP goes through the proxy), and no network prediction.
const prefs = `{"webrtc":{"ip_handling_policy":"disable_non_proxied_udp","multiple_routes_enabled":false,"nonproxied_udp_enabled":false},"net":{"network_prediction_options":2}}`

// writePrefs writes prefs into the profile at dir before Chromium starts
// (none with webrtcUDP).
func writePrefs(dir string, webrtcUDP bool) error {
	if webrtcUDP {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o700); err != nil {
		return fmt.Errorf("chromium profile: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(prefs), 0o600); err != nil {
		return fmt.Errorf("chromium profile: %w", err)
	}
	return nil
}

// Close ends Chromium and its proxy, and removes its profile.
func (b *Browser) Close() {
	b.once.Do(func() {
		b.cancelB()
		b.cancelA()
		b.proxy.Close()
		os.RemoveAll(b.dataDir)
	})
}

// ProxyStats is what Chromium's requests through the proxy came to.
func (b *Browser) ProxyStats() netpolicy.ProxyStats { return b.proxy.Stats() }

// Element is a link or iframe as rendered.
type Element struct {
	Index     int     `json:"i"`
	Tag       string  `json:"tag"`
	Href      string  `json:"href"`
	Text      string  `json:"text"`
	Technique string  `json:"technique"`
	X         float64 `json:"x"`
	Y         float64 `json:"y"`
	Width     float64 `json:"w"`
	Height    float64 `json:"h"`
}

// Result is a rendered page.
type Result struct {
	URL      string
	Elements []Element
	// Screenshot is the page as people see it (PNG).
	Screenshot []byte
}

// visibilityJS marks every a[href], area and iframe with data-xj-i and
// returns how each is hidden, walking computed styles up the ancestors.
const visibilityJS = `(() => {
  const out = [];
  const els = document.querySelectorAll('a[href], area[href], iframe[src], frame[src]');
  const vw = Math.max(document.documentElement.scrollWidth, window.innerWidth);
  const vh = Math.max(document.documentElement.scrollHeight, window.innerHeight);
  const rgb = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c || ''); if (!m) return null; const p = m[1].split(',').map(s => parseFloat(s)); if (p.length > 3 && p[3] === 0) return null; return p.slice(0,3).join(','); };
  const bgOf = (el) => { for (let e = el; e && e.nodeType === 1; e = e.parentElement) { const b = rgb(getComputedStyle(e).backgroundColor); if (b) return b; } return '255,255,255'; };
  els.forEach((el, i) => {
    el.setAttribute('data-xj-i', String(i));
    const tag = el.tagName.toLowerCase();
    const r = el.getBoundingClientRect();
    let tech = '';
    for (let e = el; e && e.nodeType === 1 && !tech; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none') tech = 'display-none';
      else if (s.visibility === 'hidden' || s.visibility === 'collapse') tech = 'visibility-hidden';
      else if (parseFloat(s.opacity) <= 0.05) tech = 'opacity-zero';
      else if (parseFloat(s.fontSize) <= 1 && tag !== 'iframe') tech = 'font-size-zero';
      else if (s.clip && /rect\(0(px)?,? 0(px)?/.test(s.clip)) tech = 'clip';
      else if (e.tagName === 'MARQUEE' && (e.offsetHeight <= 10 || e.offsetWidth <= 10)) tech = 'tiny-marquee';
    }
    if (!tech) {
      const frame = tag === 'iframe' || tag === 'frame';
      // An iframe's box includes its border: its content area decides.
      if (frame ? (el.clientWidth <= 1 || el.clientHeight <= 1) : (r.width <= 1 || r.height <= 1)) tech = frame ? 'zero-size-iframe' : 'zero-size';
      else if (r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0 || r.left + window.scrollX >= vw || r.top + window.scrollY >= vh) tech = 'off-screen';
      else if (tag === 'a') { const c = rgb(getComputedStyle(el).color); if (c && c === bgOf(el)) tech = 'same-color'; }
    }
    out.push({i, tag, href: el.href || el.src || '', text: (el.innerText || el.textContent || '').trim().slice(0, 100), technique: tech,
      x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height});
  });
  return out;
})()`

// open takes a tab slot, loads url in a new tab bounded by the render
// timeout (and by ctx), and marks its links; left says whether the tab
// has left the page since (a *LeftPageError), done releases everything.
func (b *Browser) open(ctx context.Context, url string) (tab context.Context, elements []Element, left func() error, done func(), err error) {
	select {
	case b.tabs <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, nil, nil, ctx.Err()
	}
	tab, cancel := chromedp.NewContext(b.browser)
	tab, cancelT := context.WithTimeout(tab, b.cfg.Timeout)
	stop := context.AfterFunc(ctx, cancelT)
	done = func() {
		stop()
		cancelT()
		cancel()
		<-b.tabs
	}
	nav, err := watch(tab, b.cfg.Policy, url)
	if err == nil {
		err = chromedp.Do(tab,
			chromedp.EmulateViewport(1366, 900),
			chromedp.Navigate(url),
			chromedp.WaitReady("body"),
			chromedp.Sleep(300*time.Millisecond), // late document.write and timers
		)
	}
	if err == nil {
		elements, err = chromedp.Run(tab, chromedp.Evaluate[[]Element](visibilityJS))
	}
	if err == nil {
		err = nav.left(tab)
	}
	if err != nil {
		done()
		return nil, nil, nil, nil, nav.explain(err)
	}
	left = func() error { return nav.left(tab) }
	return tab, elements, left, done, nil
}

// Render loads a page, waits for scripts, and returns its links' rendered
// visibility and a screenshot.
func (b *Browser) Render(ctx context.Context, url string) (*Result, error) {
	tab, elements, left, done, err := b.open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", url, err)
	}
	defer done()
	res := &Result{URL: url, Elements: elements}
	// Checked after the screenshot: a navigation that could be in it has
	// been seen by then.
	res.Screenshot, err = chromedp.Run(tab, chromedp.FullScreenshot(100)) // 100: PNG
	if err := left(); err != nil {
		return nil, fmt.Errorf("render %s: %w", url, err)
	}
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", url, err)
	}
	return res, nil
}

// Outline screenshots a page with element i (data-xj-i) outlined in red;
// an element without a box gets its nearest ancestor with one outlined too
// (dashed), and the full page is captured.
func (b *Browser) Outline(ctx context.Context, url string, index int) ([]byte, error) {
	tab, _, left, done, err := b.open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: %w", url, err)
	}
	defer done()
	js := fmt.Sprintf(`(() => { const el = document.querySelector('[data-xj-i="%d"]'); if (!el) return false;
	  el.style.setProperty('outline', '4px solid #e00', 'important'); el.style.setProperty('outline-offset', '2px', 'important');
	  for (let e = el.parentElement; e; e = e.parentElement) { e.style.setProperty('outline', '2px dashed #e00', 'important'); if (e.offsetWidth > 0) break; }
	  el.scrollIntoView({block: 'center'}); return true; })()`, index)
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](js)); err != nil {
		return nil, fmt.Errorf("screenshot %s: %w", url, err)
	}
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if lerr := left(); lerr != nil {
		err = lerr
	}
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: %w", url, err)
	}
	return png, nil
}
