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
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/xunjian/xunjian/netpolicy"
)

// ErrNoBrowser is returned when no Chromium is installed.
var ErrNoBrowser = errors.New("no Chromium found (install it: apt-get install chromium-headless-shell)")

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
	// extraFlags are more Chromium flags ("--name" or "--name=value";
	// tests' measurements only).
	extraFlags []string
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
	// captures counts the screenshots taken (whole pages and crops).
	captures atomic.Int64
}

// shellBinary is Debian's chromium-headless-shell itself (/usr/bin's is
// a shell script that runs it as a child).
const shellBinary = "/usr/lib/chromium/chromium-headless-shell"

// Find returns the Chromium binary to use: the headless shell when
// installed (Chromium's automation build: the same pages and pixels, about
// a quarter of the full browser's CPU), else the full browser.
func Find(execPath string) (string, error) {
	if execPath != "" {
		if _, err := os.Stat(execPath); err != nil {
			return "", fmt.Errorf("%w: %v", ErrNoBrowser, err)
		}
		return execPath, nil
	}
	if _, err := os.Stat(shellBinary); err == nil {
		return shellBinary, nil
	}
	for _, name := range []string{"chromium-headless-shell", "headless-shell", "chromium", "chromium-browser", "google-chrome"} {
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
	if !cfg.webrtcUDP {
		// The headless shell reads no profile preferences: the switch.
		opts = append(opts, chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"))
	}
	if strings.Contains(filepath.Base(path), "headless") {
		// The shell's text hinting is "full" where Debian's fontconfig
		// (which the full browser follows) says slight: with it, text
		// has the same widths and pixels (TestShellDrawsAsChromium).
		opts = append(opts, chromedp.Flag("font-render-hinting", "slight"))
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	if cfg.UserAgent != "" {
		opts = append(opts, chromedp.UserAgent(cfg.UserAgent))
	}
	for _, f := range cfg.extraFlags {
		name, value, ok := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if !ok {
			opts = append(opts, chromedp.Flag(name, true))
		} else {
			opts = append(opts, chromedp.Flag(name, value))
		}
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

// Captures is how many screenshots (whole pages and crops) the browser
// has taken.
func (b *Browser) Captures() int64 { return b.captures.Load() }

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
	// Snippet is the link's HTML inside the start and end tags of the
	// element that hides it; HiddenBy names that element as a CSS path
	// and Style the computed style that hides it ("display: none").
	Snippet  string `json:"snippet"`
	HiddenBy string `json:"hidden_by"`
	Style    string `json:"style"`
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
  const cut = (s) => { s = s.replace(/ data-xj-i="\d+"/g, ''); return s.length > 600 ? s.slice(0, 600) + '…' : s; };
  const name = (e) => { let n = e.tagName.toLowerCase(); if (e.id) n += '#' + e.id; else if (e.classList.length) n += '.' + Array.from(e.classList).slice(0, 3).join('.'); return n; };
  const path = (e) => { const p = []; for (let x = e; x && x.nodeType === 1 && p.length < 4; x = x.parentElement) { p.unshift(name(x)); if (x.id) break; } return p.join(' > '); };
  els.forEach((el, i) => {
    el.setAttribute('data-xj-i', String(i));
    const tag = el.tagName.toLowerCase();
    const r = el.getBoundingClientRect();
    let tech = '', hider = null, style = '';
    for (let e = el; e && e.nodeType === 1 && !tech; e = e.parentElement) {
      const s = getComputedStyle(e);
      hider = e;
      if (s.display === 'none') { tech = 'display-none'; style = 'display: none'; }
      else if (s.visibility === 'hidden' || s.visibility === 'collapse') { tech = 'visibility-hidden'; style = 'visibility: ' + s.visibility; }
      else if (parseFloat(s.opacity) <= 0.05) { tech = 'opacity-zero'; style = 'opacity: ' + s.opacity; }
      else if (parseFloat(s.fontSize) <= 1 && tag !== 'iframe') { tech = 'font-size-zero'; style = 'font-size: ' + s.fontSize; }
      else if (s.clip && /rect\(0(px)?,? 0(px)?/.test(s.clip)) { tech = 'clip'; style = 'clip: ' + s.clip; }
      else if (e.tagName === 'MARQUEE' && (e.offsetHeight <= 10 || e.offsetWidth <= 10)) { tech = 'tiny-marquee'; style = 'width: ' + e.offsetWidth + 'px; height: ' + e.offsetHeight + 'px'; }
    }
    if (!tech) {
      hider = el;
      const s = getComputedStyle(el);
      const frame = tag === 'iframe' || tag === 'frame';
      // An iframe's box includes its border: its content area decides.
      if (frame ? (el.clientWidth <= 1 || el.clientHeight <= 1) : (r.width <= 1 || r.height <= 1)) { tech = frame ? 'zero-size-iframe' : 'zero-size'; style = 'width: ' + r.width + 'px; height: ' + r.height + 'px'; }
      else if (r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0 || r.left + window.scrollX >= vw || r.top + window.scrollY >= vh) {
        tech = 'off-screen';
        for (let e = el; e && e.nodeType === 1; e = e.parentElement) { const c = getComputedStyle(e); if (c.position === 'absolute' || c.position === 'fixed') { hider = e; style = 'position: ' + c.position + '; left: ' + c.left + '; top: ' + c.top; break; } }
      }
      else if (tag === 'a') { const c = rgb(s.color); if (c && c === bgOf(el)) { tech = 'same-color'; style = 'color: rgb(' + c + ')'; } }
    }
    let snippet = '', hiddenBy = '';
    if (tech) {
      snippet = cut(el.outerHTML);
      if (hider && hider !== el) {
        const shell = hider.cloneNode(false).outerHTML, end = '</' + hider.tagName.toLowerCase() + '>';
        snippet = cut(shell.endsWith(end) ? shell.slice(0, -end.length) : shell) + '\n  ' + snippet + '\n' + end;
      }
      hiddenBy = path(hider || el);
    }
    out.push({i, tag, href: el.href || el.src || '', text: (el.innerText || el.textContent || '').trim().slice(0, 100), technique: tech,
      x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height, snippet, hidden_by: hiddenBy, style});
  });
  return out;
})()`

// Page is a page loaded in a tab, its links and iframes marked
// (data-xj-i) and their visibility read (Elements). The tab stays on the
// page, and holds one of the browser's tab slots, until Close: the page's
// screenshot and its elements outlined one after the other are taken
// from it, with no second load. Each step (the load, a screenshot, an
// outline) is bounded by the render timeout and by its own context.
type Page struct {
	URL      string
	Elements []Element

	b      *Browser
	tab    context.Context
	nav    *navWatch
	cancel context.CancelFunc
	once   sync.Once
	// dirty: an outline could not be undone.
	dirty bool
}

// Open loads url in a new tab at a desktop browser's viewport (1366 x 900)
// and reads how each of its links and iframes is hidden, if it is. The
// caller must Close it.
func (b *Browser) Open(ctx context.Context, url string) (*Page, error) {
	p, err := b.openAt(ctx, url, chromedp.EmulateViewport(1366, 900))
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", url, err)
	}
	return p, nil
}

// openAt takes a tab slot, loads url in a new tab with the viewport given,
// and marks its links; the error is the load's, or a *LeftPageError when
// the tab has left the page.
func (b *Browser) openAt(ctx context.Context, url string, viewport chromedp.Action[chromedp.Void]) (*Page, error) {
	select {
	case b.tabs <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	tab, cancel := chromedp.NewContext(b.browser)
	p := &Page{URL: url, b: b, tab: tab, cancel: cancel}
	step, end := p.step(ctx)
	defer end()
	nav, err := watch(tab, step, b.cfg.Policy, url)
	if err == nil {
		p.nav = nav
		err = chromedp.Do(step,
			viewport,
			fonts,
			chromedp.Navigate(url),
			chromedp.WaitReady("body"),
			chromedp.Sleep(300*time.Millisecond), // late document.write and timers
		)
	}
	if err == nil {
		p.Elements, err = chromedp.Run(step, chromedp.Evaluate[[]Element](visibilityJS))
	}
	if err == nil {
		err = nav.left(step)
	}
	if err != nil {
		err = nav.explain(step, err)
		p.Close()
		return nil, err
	}
	return p, nil
}

// fonts gives a tab the default fonts Debian's Chromium 156 uses, which
// the headless shell (which has no font preferences of its own) lacks:
// measured with CSS.getPlatformFontsForNode, a zh-CN page's default,
// sans-serif and unresolvable families (微软雅黑, 宋体 on a Linux
// machine) are drawn in Noto Sans CJK SC, Latin letters included; serif in
// Noto Serif CJK SC; monospace in fontconfig's monospace. With them the
// shell's screenshot of the benchmark's homepage has Chromium's pixels.
var fonts = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := cdp.Call(ctx, t, page.SetFontFamilies, page.SetFontFamiliesParams{
		FontFamilies: &page.FontFamilies{Fixed: "Monospace"},
		ForScripts: []*page.ScriptFontFamilies{
			{Script: "Hans", FontFamilies: &page.FontFamilies{Standard: "Noto Sans CJK SC", SansSerif: "Noto Sans CJK SC", Serif: "Noto Serif CJK SC", Fixed: "Monospace"}},
		},
	})
	return err
})

// step is the context of one step in the page's tab: the render timeout,
// and ctx's end.
func (p *Page) step(ctx context.Context) (context.Context, func()) {
	step, cancel := context.WithTimeout(p.tab, p.b.cfg.Timeout)
	stop := context.AfterFunc(ctx, cancel)
	return step, func() {
		stop()
		cancel()
	}
}

// Close closes the page's tab and gives its slot back.
func (p *Page) Close() {
	p.once.Do(func() {
		p.cancel()
		<-p.b.tabs
	})
}

// Screenshot returns the whole page as people see it (PNG), or a
// *LeftPageError when the tab has left the page since it was loaded.
func (p *Page) Screenshot(ctx context.Context) ([]byte, error) {
	step, end := p.step(ctx)
	defer end()
	png, err := chromedp.Run(step, p.b.fullPNG(false))
	// Checked after the screenshot: a navigation that could be in it has
	// been seen by then.
	if lerr := p.nav.left(step); lerr != nil {
		return nil, fmt.Errorf("render %s: %w", p.URL, lerr)
	}
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", p.URL, err)
	}
	return png, nil
}

// Render loads a page, waits for scripts, and returns its links' rendered
// visibility and a screenshot.
func (b *Browser) Render(ctx context.Context, url string) (*Result, error) {
	p, err := b.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	png, err := p.Screenshot(ctx)
	if err != nil {
		return nil, err
	}
	return &Result{URL: url, Elements: p.Elements, Screenshot: png}, nil
}

// fullPNG captures the whole page, beyond the viewport, as PNG. fast
// encodes it for speed: the same pixels, encoded in a third of Chromium's
// time (a 1366 x 5,400 page: ~0.25 against ~0.6 CPU-s), in a file ~20 %
// larger — for the outlined whole page, a file beside the report; the
// homepage and the crops, which the HTML report embeds, keep the smaller
// encoding.
func (b *Browser) fullPNG(fast bool) chromedp.Action[[]byte] {
	return b.capture(nil, fast)
}

// capture captures clip of the page (nil: all of it) as PNG, encoded for
// speed when fast.
func (b *Browser) capture(clip *page.Viewport, fast bool) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		b.captures.Add(1)
		yes, speed := true, fast
		res, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, Clip: clip, CaptureBeyondViewport: &yes, FromSurface: &yes, OptimizeForSpeed: &speed,
		})
		if err != nil {
			return nil, err
		}
		return res.Data, nil
	}
}

// Shot is the evidence for one element: the page with it outlined, and a
// crop around it at full size.
type Shot struct {
	// Full is the whole page (PNG).
	Full []byte
	// Crop is the part of the page around the element, or around its
	// nearest ancestor with a box when the element has none (PNG).
	Crop []byte
	// Clip is the crop's rectangle in page coordinates.
	Clip Rect
}

// Rect is a rectangle in CSS pixels of the page.
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Crop sizes in CSS pixels: the margin kept around the element, the
// smallest crop (enough to recognise the place on the page) and the
// largest (readable at full size in a report).
const (
	cropMarginX, cropMarginY = 160, 100
	cropMinW, cropMinH       = 640, 280
	cropMaxW, cropMaxH       = 1100, 700
)

// CropRect returns the crop around box on a page of pageW x pageH: the box
// with a margin, at least cropMin and at most cropMax in size (centred on
// the box's start when the box is bigger), inside the page.
func CropRect(box Rect, pageW, pageH float64) Rect {
	grow := func(start, size, margin, minSize, maxSize, limit float64) (float64, float64) {
		lo, hi := start-margin, start+size+margin
		if hi-lo < minSize {
			mid := start + size/2
			lo, hi = mid-minSize/2, mid+minSize/2
		}
		if hi-lo > maxSize {
			lo = max(start-margin, lo)
			hi = lo + maxSize
		}
		if lo < 0 {
			hi, lo = hi-lo, 0
		}
		if hi > limit {
			lo, hi = max(0, lo-(hi-limit)), limit
		}
		return lo, hi - lo
	}
	var r Rect
	r.X, r.W = grow(box.X, box.W, cropMarginX, cropMinW, cropMaxW, pageW)
	r.Y, r.H = grow(box.Y, box.H, cropMarginY, cropMinH, cropMaxH, pageH)
	return r
}

// outlineJS shows elements (data-xj-i) where they sit on the page: for
// each of the marks given as JSON ([{"i": index, "n": label}], %s), it
// undoes what hides it (display, visibility, opacity, font size,
// off-screen position, clipping, zero size), colours and outlines it in
// red, and labels the place — with 【n】 first when n > 0, so that several
// outlines on one page can be told apart and matched with their crops —;
// it returns each element's box (null for an element that is gone) and
// the page's size. An element that still has no box gets its nearest
// ancestor with one outlined dashed. What it changes, restoreJS undoes.
const outlineJS = `(() => { const marks = %s;
  const doc = document.documentElement, W = Math.max(doc.scrollWidth, window.innerWidth), H = Math.max(doc.scrollHeight, window.innerHeight);
  const onPage = (e) => { const r = e.getBoundingClientRect(), t = doc.getBoundingClientRect(); const x = r.left - t.left, y = r.top - t.top;
    return r.width > 1 && r.height > 1 && x + r.width > 0 && y + r.height > 0 && x < W && y < H ? {x, y, w: r.width, h: r.height} : null; };
  // Every element changed keeps its style attribute as it was, and the
  // labels are removed, when restoreJS runs (registered before any change).
  const saved = new Map();
  const labels = [];
  // (Set first, then removed: Blink writes a changed inline style into the
  // attribute lazily, and a bare removeAttribute left style="".)
  window.__xjRestore = () => { labels.forEach((l) => l.remove()); saved.forEach((v, e) => { e.setAttribute('style', v === null ? '' : v); if (v === null) e.removeAttribute('style'); }); };
  const set = (e, k, v) => { if (!saved.has(e)) saved.set(e, e.getAttribute('style')); e.style.setProperty(k, v, 'important'); };
  // Show each hidden link where it sits: undo what hides it on the link
  // and its ancestors, so the crop shows the place and the link itself.
  const shown = marks.map((m) => {
    const el = document.querySelector('[data-xj-i="' + m.i + '"]'); if (!el) return null;
    let revealed = false;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none') { set(e, 'display', e === el || /^(A|SPAN|FONT|B|EM|STRONG)$/.test(e.tagName) ? 'inline-block' : 'block'); revealed = true; }
      if (s.visibility !== 'visible') { set(e, 'visibility', 'visible'); revealed = true; }
      if (parseFloat(s.opacity) < 1) { set(e, 'opacity', '1'); revealed = true; }
      if (parseFloat(s.fontSize) <= 1) { set(e, 'font-size', '14px'); revealed = true; }
      if (parseFloat(s.textIndent) < -100) { set(e, 'text-indent', '0'); revealed = true; }
      if (s.clip && s.clip !== 'auto') { set(e, 'clip', 'auto'); revealed = true; }
      if ((s.position === 'absolute' || s.position === 'fixed') && !onPage(e)) { set(e, 'position', 'static'); revealed = true; }
      if (s.overflow === 'hidden' && (e.clientHeight <= 1 || e.clientWidth <= 1)) { set(e, 'overflow', 'visible'); set(e, 'height', 'auto'); set(e, 'width', 'auto'); revealed = true; }
      if (e.tagName === 'MARQUEE' && (e.offsetHeight <= 10 || e.offsetWidth <= 10)) { set(e, 'height', 'auto'); set(e, 'width', 'auto'); revealed = true; }
      if ((e.tagName === 'IFRAME' || e.tagName === 'FRAME') && (e.clientWidth <= 1 || e.clientHeight <= 1)) { set(e, 'width', '300px'); set(e, 'height', '80px'); revealed = true; }
    }
    set(el, 'color', '#e00'); set(el, 'background', '#fff3f3');
    set(el, 'outline', '4px solid #e00'); set(el, 'outline-offset', '2px');
    return {el, m, revealed};
  });
  // Boxes once every element is shown (showing one can move another).
  const boxes = shown.map((x) => {
    if (!x) return null;
    let box = onPage(x.el);
    for (let e = x.el.parentElement; e && !box; e = e.parentElement) { set(e, 'outline', '3px dashed #e00'); box = onPage(e); }
    return box || {x: 0, y: 0, w: Math.min(W, 1100), h: Math.min(H, 700)};
  });
  // A label goes where it covers no other label and no other outlined
  // element — beside its box, under it, over it, or a little further
  // down —, else where it covers no other label, else beside its box.
  const placed = [];
  const clear = (r, own, others) => ![...placed, ...(others ? boxes.filter((b, k) => b && k !== own) : [])].some((o) => r.x < o.x + o.w + 2 && o.x < r.x + r.w + 2 && r.y < o.y + o.h + 1 && o.y < r.y + r.h + 1);
  const out = shown.map((x, k) => {
    if (!x) return null;
    const box = boxes[k];
    const label = document.createElement('div');
    label.textContent = (x.m.n > 0 ? '【' + x.m.n + '】' : '') + (x.revealed ? '隐藏的链接（平时看不见，此处临时显示）：' : '隐藏的链接：') + ((x.el.textContent || '').trim().slice(0, 40) || x.el.getAttribute('href') || x.el.getAttribute('src') || '');
    label.setAttribute('style', 'position:absolute;z-index:2147483647;background:#e00;color:#fff;font:14px/20px sans-serif;padding:1px 6px;white-space:nowrap;max-width:600px;overflow:hidden;' +
      'left:0;top:0');
    document.body.appendChild(label);
    labels.push(label);
    // Beside the box where there is room, else under it: never over the page's own text around it.
    const lw = label.offsetWidth, lh = label.offsetHeight;
    const right = box.x + box.w + 12 + lw <= W;
    const under = {x: Math.max(0, Math.min(box.x, W - lw)), y: box.y + box.h + 6, w: lw, h: lh};
    const spots = [right ? {x: box.x + box.w + 12, y: box.y + Math.max(0, box.h / 2 - 11), w: lw, h: lh} : under, under, {x: under.x, y: Math.max(0, box.y - lh - 6), w: lw, h: lh}];
    for (let i = 1; i <= 3; i++) spots.push({x: under.x, y: under.y + i * (lh + 2), w: lw, h: lh}); // a little further down
    const at = spots.find((r) => clear(r, k, true)) || spots.find((r) => clear(r, k, false)) || spots[0];
    placed.push(at);
    label.style.left = at.x + 'px';
    label.style.top = at.y + 'px';
    return box;
  });
  return {boxes: out, w: Math.max(doc.scrollWidth, window.innerWidth), h: Math.max(doc.scrollHeight, window.innerHeight)}; })()`

// Mark is an element to outline (data-xj-i) and the number its label
// carries (0: none).
type Mark struct {
	Index int `json:"i"`
	Label int `json:"n"`
}

// outlined is what outlineJS returns.
type outlined struct {
	Boxes []*Rect `json:"boxes"`
	PW    float64 `json:"w"`
	PH    float64 `json:"h"`
}

// show runs outlineJS for marks.
func show(step context.Context, marks []Mark) (*outlined, error) {
	js, err := json.Marshal(marks)
	if err != nil {
		return nil, err
	}
	at, err := chromedp.Run(step, chromedp.Evaluate[*outlined](fmt.Sprintf(outlineJS, js)))
	if err != nil {
		return nil, err
	}
	if at == nil || len(at.Boxes) != len(marks) {
		return nil, fmt.Errorf("outline: no answer from the page")
	}
	return at, nil
}

// restoreJS puts the page back as it was before outlineJS: the style
// attributes it changed as they were, its label removed. It reports
// whether there was an outline to undo.
const restoreJS = `(() => { const r = window.__xjRestore; delete window.__xjRestore; if (typeof r !== 'function') return false; r(); return true; })()`

// Outline shows element index (data-xj-i) outlined in red on the page (see
// outlineJS) and returns the whole page and a crop around the element;
// then it puts the page back as it was loaded (restoreJS), for the next
// outline. Screenshot before Outline shows the page as people see it.
func (p *Page) Outline(ctx context.Context, index int) (*Shot, error) {
	return p.marked(ctx, []Mark{{Index: index}}, true, true)
}

// Crop is Outline without the whole page: the crop around element index,
// its label numbered label (see outlineJS; 0: none). A page's crops and
// one OutlineAll of the same marks are the evidence for several elements
// at the cost of one whole-page screenshot.
func (p *Page) Crop(ctx context.Context, index, label int) (*Shot, error) {
	return p.marked(ctx, []Mark{{Index: index, Label: label}}, false, true)
}

// OutlineAll shows every mark outlined and labelled at once and returns
// the whole page (PNG, encoded for speed); then it puts the page back as
// it was loaded.
func (p *Page) OutlineAll(ctx context.Context, marks []Mark) ([]byte, error) {
	shot, err := p.marked(ctx, marks, true, false)
	if err != nil {
		return nil, err
	}
	return shot.Full, nil
}

// marked outlines marks, takes the whole page (full) and a crop around the
// first mark (crop), and puts the page back as loaded.
func (p *Page) marked(ctx context.Context, marks []Mark, full, crop bool) (*Shot, error) {
	if p.dirty {
		return nil, fmt.Errorf("screenshot %s: the page was not restored after the last outline", p.URL)
	}
	step, end := p.step(ctx)
	defer end()
	shot, err := p.outline(step, marks, full, crop)
	// Back to the page as loaded, whatever happened: outlineJS keeps
	// what it changed from its first change on.
	if restored, rerr := chromedp.Run(step, chromedp.Evaluate[bool](restoreJS)); rerr != nil || !restored {
		p.dirty = true
	}
	// Checked after the screenshots: a navigation that could be in them
	// has been seen by then.
	if lerr := p.nav.left(step); lerr != nil {
		return nil, fmt.Errorf("screenshot %s: %w", p.URL, lerr)
	}
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: %w", p.URL, err)
	}
	return shot, nil
}

func (p *Page) outline(step context.Context, marks []Mark, full, crop bool) (*Shot, error) {
	at, err := show(step, marks)
	if err != nil {
		return nil, err
	}
	shot := &Shot{}
	if crop {
		if at.Boxes[0] == nil {
			return nil, fmt.Errorf("element %d is gone", marks[0].Index)
		}
		shot.Clip = CropRect(*at.Boxes[0], at.PW, at.PH)
	} else if !slices.ContainsFunc(at.Boxes, func(r *Rect) bool { return r != nil }) {
		return nil, fmt.Errorf("elements %v are gone", marks)
	}
	if full {
		if shot.Full, err = chromedp.Run(step, p.b.fullPNG(true)); err != nil {
			return nil, err
		}
	}
	if crop {
		clip := &page.Viewport{X: shot.Clip.X, Y: shot.Clip.Y, Width: shot.Clip.W, Height: shot.Clip.H, Scale: 1}
		if shot.Crop, err = chromedp.Run(step, p.b.capture(clip, false)); err != nil {
			return nil, fmt.Errorf("crop: %w", err)
		}
	}
	return shot, nil
}

// Outline loads a page with element index (data-xj-i) shown and outlined
// in red (see outlineJS) and returns the whole page and a crop around the
// element.
func (b *Browser) Outline(ctx context.Context, url string, index int) (*Shot, error) {
	p, err := b.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: %w", url, err)
	}
	defer p.Close()
	return p.Outline(ctx, index)
}

// Look loads url as a person's screen of width x height CSS pixels shows
// it (a phone's, honouring the page's viewport meta, when mobile), runs
// script, and returns its result as JSON and a screenshot of the whole
// page. Tests use it to check what the report and the dashboard look like.
func (b *Browser) Look(ctx context.Context, url string, width, height int, mobile bool, script string) (png []byte, result json.RawMessage, err error) {
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	p, err := b.openAt(ctx, url, chromedp.EmulateViewport(int64(width), int64(height), opts...))
	if err != nil {
		return nil, nil, fmt.Errorf("look at %s: %w", url, err)
	}
	defer p.Close()
	step, end := p.step(ctx)
	defer end()
	if script != "" {
		if result, err = chromedp.Run(step, chromedp.Evaluate[json.RawMessage](script)); err != nil {
			return nil, nil, fmt.Errorf("look at %s: script: %w", url, err)
		}
	}
	if png, err = chromedp.Run(step, p.b.fullPNG(false)); err != nil {
		return nil, nil, fmt.Errorf("look at %s: %w", url, err)
	}
	return png, result, nil
}
