// Package crawler fetches a site: pages in scope are crawled and parsed,
// every other reference (images, scripts, attachments, external links) is
// requested once to check that it is available. It is built on colly for the
// requests (on a client of the run's outbound policy, package netpolicy:
// per-host politeness, the private-address guard, decoded and capped
// bodies) and goquery for parsing, and adds what a site inspection needs
// that colly lacks: charset decoding that handles GBK pages, retries with
// backoff and Retry-After (fetch.go), trap guards, a bounded-memory visited
// set and frontier, and a reference log for reporting every page that
// carries a broken link.
package crawler

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler/readers"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/netpolicy"
)

// Config is what one crawl needs.
type Config struct {
	// Home is the homepage URL; its host is in scope.
	Home *url.URL
	// Hosts are more in-scope hosts (host or host:port).
	Hosts []string
	Crawl config.Crawl
	// CheckExternal requests out-of-scope targets to check availability.
	CheckExternal bool
	// Soft404 enables soft-404 detection on in-scope pages.
	Soft404 bool
	// MaxRefsPerTarget caps how many referring pages are kept per failed target.
	MaxRefsPerTarget int
	// TempDir holds spill files; os.TempDir when empty.
	TempDir string
	Logger  *slog.Logger
	// Visited and Frontier replace the in-memory defaults (e.g. a shared store).
	Visited  Visited
	Frontier Frontier
	// Policy is the run's outbound policy, shared with the checks; one is
	// built from Crawl and the site's hosts when nil.
	Policy *netpolicy.Policy
	// OnAttachment, if set, receives every available attachment with its
	// bytes (up to crawl.max_page_bytes), from several goroutines at once;
	// attachments are then fetched with GET instead of HEAD. Content checks
	// (sensitive words, privacy) read attachments through it.
	OnAttachment func(*Attachment)
	// MaxAttachmentBytes caps an attachment handed to OnAttachment
	// (crawl.max_page_bytes when 0).
	MaxAttachmentBytes int64
	// AttachmentsAtOnce bounds the attachments the link checks download
	// and hand to OnAttachment at once (0: no bound), so that they are
	// requested no faster than OnAttachment reads them: otherwise every
	// check worker holds one waiting for a reader, and an interrupted run
	// has downloaded them for nothing.
	AttachmentsAtOnce int
	// RefsFor, if set, is called when the crawl ends and names more
	// targets (besides failures) whose referring pages Result.Referrers
	// must hold, e.g. attachments with findings.
	RefsFor func() []string
	// Readers bounds the page readers (readers.DefaultLimits when zero).
	Readers readers.Limits
	// Memory, if set, is what earlier runs learnt per URL, and Recheck how
	// this run uses it (conditional requests, the spread, resuming; see
	// recall.go).
	Memory  Memory
	Recheck Recheck
	// Render, if set, renders script-fed pages in a browser (at most
	// crawl.render_pages a run): rendered discovery (renderhook.go).
	Render Renderer
}

// Failure is a target that could not be used, with the pages that carry it.
type Failure struct {
	URL     string
	Kind    LinkKind
	Outcome Outcome
	// Refs are up to MaxRefsPerTarget referring places; TotalRefs counts all.
	Refs      []Ref
	TotalRefs int
}

// Result is what a crawl found beyond the pages it handed over.
type Result struct {
	Stats finding.Stats
	// SkippedReasons counts references not followed, by reason.
	SkippedReasons map[string]int
	// Complete is false if the crawl was cancelled or stopped by a cap.
	Complete   bool
	Incomplete []string
	// Failures are the targets that failed, sorted by URL.
	Failures []Failure
	// Home is the homepage's outcome.
	Home Outcome
	// Referrers holds the referring places of the targets Config.RefsFor named.
	Referrers map[string][]Ref
	// Traps are the parts of the site the trap guards stopped following.
	Traps []Trap
	// Recheck counts how the run used Config.Memory.
	Recheck RecheckStats
	// Blocked are the hosts whose firewall answered instead of the site
	// (their targets are not in Failures), sorted by host.
	Blocked []Blocked
	// Throttled counts the 429 and 503 answers per host, retries included
	// (hosts that never answered them are absent).
	Throttled map[string]int
	// RenderedPages counts the script-fed pages rendered for discovery,
	// RenderedLinks the links only their rendered documents had.
	RenderedPages, RenderedLinks int
	// NotChecked names references the crawl did not request (too long),
	// up to maxNotChecked, with the page that carries each.
	NotChecked []NotChecked
}

// NotChecked is a reference the crawl did not request, and why.
type NotChecked struct {
	// URL is the reference, its path and query cut to maxNotCheckedURL
	// bytes; Length is its full length.
	URL    string
	Length int
	Page   string
	// Reason: "url-too-long".
	Reason string
}

// Bounds of the not-checked list.
const (
	maxNotChecked    = 50
	maxNotCheckedURL = 512
)

// Progress is a snapshot for a progress line.
type Progress struct {
	Pages, Targets, Queued, Errors int
	Requests                       int64
	Elapsed                        time.Duration
}

// Crawler crawls one site once. Create it with New.
type Crawler struct {
	cfg       Config
	log       *slog.Logger
	collector *colly.Collector
	policy    *netpolicy.Policy
	transport *collyTransport
	scope     map[string]bool
	attachExt map[string]bool
	visited   Visited
	pages     *workQueue
	checks    *workQueue
	refs      *refLog
	judge     *soft404Judge
	hook      readHook
	// scripts remembers the inline scripts the page readers found no
	// list in (the template's, read on the first pages only).
	scripts *readers.ScriptMemo
	recalls recallState
	walls   walls
	// start is when Run began (nil before): Progress reads it from
	// another goroutine.
	start atomic.Pointer[time.Time]

	mu       sync.Mutex
	failures map[string]*Failure
	patterns map[string]int
	// patternTraps and chainTraps count, per pattern, the references the
	// per-pattern and chain guards turned away, with an example.
	patternTraps map[string]*Trap
	similar      *similarPages
	bigPages     chan struct{} // one page over bigPage bytes at a time
	// arenas hold the memory of the page trees being checked, for the
	// next pages' (*htmlfast.Arena; about pageWork() of them).
	arenas sync.Pool
	// working bounds the pages parsed and checked at once (pageWork):
	// requests stay many in flight, trees and checks as many as the CPUs
	// can work on.
	working     chan struct{}
	attachSlots chan struct{} // Config.AttachmentsAtOnce (nil: no bound)
	skipped     map[string]int
	notChecked  []NotChecked
	capHit      bool
	targetCap   bool
	linksCut    int // pages whose links passed crawl.max_links_per_page
	homeOut     Outcome
	pageCount   atomic.Int64
	renders     atomic.Int64 // render attempts (the budget)
	renderedOK  atomic.Int64 // pages rendered
	rendered    atomic.Int64 // links only rendering found
	crawled     atomic.Int64
	targets     atomic.Int64
	linkCount   atomic.Int64
	linkHint    atomic.Int64 // the links of the last page (extractLinks)
	attach      atomic.Int64
	errs        atomic.Int64
	retries     atomic.Int64
	bytesRead   atomic.Int64
}

// New validates cfg and builds a crawler.
func New(cfg Config) (*Crawler, error) {
	if cfg.Home == nil {
		return nil, errors.New("crawler: no homepage")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxRefsPerTarget < 1 {
		cfg.MaxRefsPerTarget = 200
	}
	if err := cfg.Readers.Validate(); err != nil {
		return nil, fmt.Errorf("crawler: %w", err)
	}
	home := canonical(&url.URL{Scheme: cfg.Home.Scheme, Host: cfg.Home.Host, Path: cfg.Home.Path, RawQuery: cfg.Home.RawQuery})
	cfg.Home = home
	cr := &Crawler{
		cfg:       cfg,
		log:       cfg.Logger,
		scope:     map[string]bool{home.Host: true},
		attachExt: map[string]bool{},
		visited:   cfg.Visited,
		failures:  map[string]*Failure{},
		patterns:  map[string]int{},
		skipped:   map[string]int{},

		patternTraps: map[string]*Trap{},
		similar:      &similarPages{max: cfg.Crawl.MaxSimilarPages},
		scripts:      readers.NewScriptMemo(),
		bigPages:     make(chan struct{}, 1),
		working:      make(chan struct{}, pageWork()),
	}
	if cfg.AttachmentsAtOnce > 0 {
		cr.attachSlots = make(chan struct{}, cfg.AttachmentsAtOnce)
	}
	for _, h := range cfg.Hosts {
		cr.scope[strings.ToLower(h)] = true
	}
	for _, e := range cfg.Crawl.AttachmentExtensions {
		cr.attachExt[strings.ToLower(e)] = true
	}
	if cr.visited == nil {
		cr.visited = NewVisited()
	}
	pf := cfg.Frontier
	if pf == nil {
		pf = NewFrontier(cfg.Crawl.FrontierMemory, cfg.TempDir)
	}
	cr.pages = newWorkQueue(pf)
	cr.checks = newWorkQueue(NewFrontier(cfg.Crawl.FrontierMemory, cfg.TempDir))

	pol := cfg.Policy
	if pol == nil {
		var hosts []string
		for h := range cr.scope {
			hosts = append(hosts, h)
		}
		var err error
		pol, err = netpolicy.New(cfg.Crawl.Outbound(cfg.MaxAttachmentBytes, hosts...))
		if err != nil {
			return nil, fmt.Errorf("crawler: %w", err)
		}
	}
	cr.policy = pol
	fileLimit := cfg.MaxAttachmentBytes
	if fileLimit <= 0 {
		fileLimit = cfg.Crawl.MaxPageBytes
	}
	// One byte past each limit tells a truncated body; the budget holds
	// two of the largest bodies.
	cr.transport = &collyTransport{
		next:      pol.Transport(netpolicy.Crawl),
		bodies:    newBodyBudget(2*(max(fileLimit, cfg.Crawl.MaxPageBytes)+1), cfg.TempDir),
		pageLimit: cfg.Crawl.MaxPageBytes + 1,
		fileLimit: fileLimit + 1,
	}
	cr.collector = cr.newCollector()
	return cr, nil
}

// Run crawls the site, calling onPage (from several goroutines at once) for
// every in-scope HTML page, and returns the failures and statistics. A
// cancelled ctx stops the crawl early; the partial result is still returned.
// A page's tree (Page.Doc) and its body (Page.Text) are reused for
// another page once onPage has returned: onPage keeps what it needs of
// them as copied strings (strings.Clone; the tree's and the links'
// strings are views of the body).
//
// The homepage is delivered first and alone: it is the only seed, and a
// page's links are queued only after onPage has returned for it, so no other
// page reaches onPage before the homepage's call has returned (checks rely
// on it; TestHomepageDeliveredFirstAndAlone).
func (cr *Crawler) Run(ctx context.Context, onPage func(*Page)) (*Result, error) {
	now := time.Now()
	cr.start.Store(&now)
	cr.collector.Context = ctx
	refs, err := newRefLog(cr.cfg.TempDir)
	if err != nil {
		return nil, err
	}
	cr.refs = refs
	defer refs.close()
	defer cr.pages.f.Close()
	defer cr.checks.f.Close()
	stopP := cr.pages.watch(ctx)
	stopC := cr.checks.watch(ctx)
	defer stopP()
	defer stopC()

	if cr.cfg.Soft404 {
		cr.judge = &soft404Judge{home: cr.cfg.Home.String(), base: cr.probeMissingPage(ctx)}
	}
	home := cr.cfg.Home.String()
	cr.visited.Add(home)
	cr.targets.Add(1)
	cr.pageCount.Add(1)
	if err := cr.pages.push(Item{URL: home, Depth: 0, Kind: KindPage}); err != nil {
		return nil, err
	}

	// The check queue must not look finished while pages can still add to
	// it: hold one pending item until the page workers are done.
	cr.checks.mu.Lock()
	cr.checks.pending++
	cr.checks.mu.Unlock()
	var wg sync.WaitGroup
	pageWorkers := max(1, min(cr.cfg.Crawl.Concurrency*len(cr.scope), 256))
	// Many workers: a target that never answers holds one for timeout ×
	// attempts; the per-host limit still bounds each host.
	checkWorkers := max(16, min(cr.cfg.Crawl.Concurrency*16, 128))
	for range pageWorkers {
		wg.Go(func() {
			for {
				it, ok := cr.pages.pop()
				if !ok {
					return
				}
				cr.handlePage(ctx, it, onPage)
				cr.pages.done()
			}
		})
	}
	// Availability checks run beside the crawl and finish after it: they
	// wait until the page queue is drained and nothing is left to check.
	var cwg sync.WaitGroup
	for range checkWorkers {
		cwg.Go(func() {
			for {
				it, ok := cr.checks.pop()
				if !ok {
					return
				}
				cr.handleTarget(ctx, it)
				cr.checks.done()
			}
		})
	}
	wg.Wait()
	cr.checks.done() // no page worker pushes any more
	cwg.Wait()
	if cr.pages.err != nil {
		return nil, cr.pages.err
	}
	if cr.checks.err != nil {
		return nil, cr.checks.err
	}
	return cr.result(ctx)
}

// probeMissingPage asks the site for a URL that cannot exist, to learn how it
// answers missing pages (a real 404, a 200 "not found" page, a redirect).
func (cr *Crawler) probeMissingPage(ctx context.Context) *soft404Baseline {
	var b [8]byte
	crand.Read(b[:])
	u := *cr.cfg.Home
	u.Path = "/xunjian-no-such-page-" + hex.EncodeToString(b[:]) + ".html"
	u.RawQuery = ""
	res := cr.fetchOnce(ctx, http.MethodGet, u.String(), bodyHTML, false)
	if res.err != nil {
		return nil
	}
	base := &soft404Baseline{status: res.status}
	if res.finalURL != u.String() {
		base.finalURL = res.finalURL
	}
	if res.status == 200 && res.gotBody {
		text, _ := Decode(res.data, res.header.Get(originalContentType))
		if doc, _, err := ParseHTML(text); err == nil {
			vis := visibleText(doc)
			base.title = strings.TrimSpace(doc.Find("title").First().Text())
			base.textLen = len(vis)
			base.simhash = simhash(vis)
		}
	}
	return base
}

// handlePage fetches and parses one in-scope page and queues its links.
func (cr *Crawler) handlePage(ctx context.Context, it Item, onPage func(*Page)) {
	known, plan := cr.recall(ctx, it, true)
	if plan == planResumed || plan == planCarried {
		cr.replayPage(ctx, it, known, plan.reuse(), onPage)
		return
	}
	mode := bodyHTML
	if cr.cfg.OnAttachment != nil {
		mode = bodyAny
	}
	out, res := cr.fetch(cr.conditional(ctx, known, plan), http.MethodGet, it.URL, mode)
	defer res.free()
	// The body's buffer is the next page's once the crawl is done with
	// this one (bodypool.go): its tree released (deferred below, so
	// before this), onPage returned, its links learnt and queued. A
	// body handed to the checks as an attachment is left to the collector.
	delivered := false
	defer func() {
		if !delivered {
			res.recycle()
		}
	}()
	cr.observe(it, out)
	if it.Depth == 0 {
		cr.mu.Lock()
		cr.homeOut = out
		cr.mu.Unlock()
	}
	if ctx.Err() != nil && out.Class != "" {
		return // cancelled mid-request: not a finding
	}
	if cr.notModified(known, plan, res) {
		cr.replayPage(ctx, it, known, Unchanged, onPage)
		return
	}
	pageURL, _ := url.Parse(it.URL)
	final := pageURL
	if res.finalURL != "" {
		if f, err := url.Parse(res.finalURL); err == nil {
			final = canonical(f)
		}
	}
	if !out.Failed() && res.gotBody {
		// A big body waits on file for the body budget (spool.go).
		if err := res.load(ctx); err != nil {
			if ctx.Err() == nil {
				cr.log.Warn("page body", "url", it.URL, "err", err)
			}
			return
		}
	}
	if !out.Failed() && (!isHTML(res.header) || readers.IsDownload(res.header)) {
		// A page link that serves a document: an attachment by content type.
		cr.attach.Add(1)
		delivered = true
		cr.learnFile(ctx, it, out, res, cr.deliverAttachment(pageURL, res), true)
		return
	}
	learnt := false
	if !out.Failed() && res.gotBody && cr.inScope(final) {
		cr.crawled.Add(1)
		select {
		case cr.working <- struct{}{}:
			defer func() { <-cr.working }()
		case <-ctx.Done():
			return
		}
		tags := bytes.Count(res.data, []byte("<"))
		if heavyPage(res.data, tags) {
			// One big page in memory at a time: its tree and the checks'
			// work on it cost tens of MB (hostile pages come in threes).
			select {
			case cr.bigPages <- struct{}{}:
				defer func() { <-cr.bigPages }()
			case <-ctx.Done():
				return
			}
		}
		text, cs := Decode(res.data, res.header.Get(originalContentType))
		truncated := int64(len(res.data)) > cr.cfg.Crawl.MaxPageBytes
		if truncated {
			text = text[:min(len(text), int(cr.cfg.Crawl.MaxPageBytes))]
		}
		cut := false
		if tags > MaxElements || !sameBytes(text, res.data) {
			// (The body's tags are counted: a page that is the body, of
			// no more tags than MaxElements, needs no other count.)
			text, cut = capElements(text, MaxElements)
		}
		if cut {
			// The page is what was parsed: the rest of a 10 MB body is
			// not held while the checks read the page.
			truncated = true
			text = bytes.Clone(text)
			res.data = nil
			res.free()
		}
		// The tree's memory is the next page's once this one is done:
		// nothing keeps the page, its document or its nodes beyond this
		// call (the checks keep strings; the crawl keeps links).
		ar := cr.arena()
		defer cr.releaseArena(ar)
		doc, flattened, err := parseOwnPageIn(text, ar)
		if err != nil {
			cr.log.Warn("parse page", "url", it.URL, "err", err)
			return
		}
		if cr.judge != nil && it.Depth > 0 {
			if cr.judge.is(it.URL, final.String(), doc, len(text)) {
				out.Class = ClassSoft404
			}
		}
		// Links resolve against the final URL: relative links on a
		// redirected page are relative to where the page really is.
		links, more, keys := extractLinks(doc, final, cr.attachExt, cs, cr.cfg.Crawl.MaxLinksPerPage, int(cr.linkHint.Load()))
		cr.linkHint.Store(int64(len(links)))
		known := knownTargets{keys: keys, urls: make([]*url.URL, len(links))}
		for i := range links {
			known.urls[i] = links[i].URL
		}
		if cr.cfg.Crawl.MaxLinksPerPage <= 0 {
			links = dedupeLinks(links) // (with a cap, ExtractLinksCapped keeps one of each)
		}
		p := &Page{
			URL: pageURL, FinalURL: final, Status: res.status, Header: restoreHeader(res.header),
			Charset: cs, Text: text, Truncated: truncated, Doc: doc, Links: links, Flattened: flattened,
			Depth: it.Depth, Home: it.Depth == 0,
		}
		// Page readers: script-fed lists, script pagers, frames, meta refresh, gateways.
		cr.readPage(ctx, it, p)
		// Rendered discovery: what only scripts put on the page.
		cr.discover(ctx, p)
		cr.linkCount.Add(int64(len(p.Links) + more))
		if n := cr.cfg.Crawl.MaxLinksPerPage; n > 0 && (len(p.Links) > n || more > 0) {
			// A hostile page: its first links are checked, the rest counted.
			cr.mu.Lock()
			cr.skipped["links-per-page"] += max(0, len(p.Links)-n) + more
			cr.linksCut++
			cr.mu.Unlock()
			p.Links = p.Links[:min(n, len(p.Links)):min(n, len(p.Links))]
		}
		if onPage != nil {
			onPage(p)
		}
		cr.learnPage(ctx, it, p, out)
		learnt = true
		targets := linkTargets(p.Links, known)
		cr.refs.add(it.URL, it.Depth == 0, p.Links, targets)
		from := parent{depth: it.Depth, pattern: pathPattern(pageURL), chain: it.Chain, page: it.URL}
		similar := false
		if it.Depth > 0 && cr.similar.enabled() {
			h, n := pageSimhash(doc, 64<<10)
			similar = cr.similar.observe(it.URL, from.pattern, h, n)
		}
		if similar {
			// One more page of a fan-out trap: its links are checked
			// where already known, never followed.
			cr.skip("trap-similar")
		} else {
			for i, ln := range p.Links {
				cr.enqueue(ln, targets[i], from)
			}
		}
	}
	if out.Failed() {
		cr.recordFailure(it, out)
	}
	if !learnt {
		cr.learnFile(ctx, it, out, res, nil, false)
	}
}

// pageWork is how many pages are parsed and checked at once: two per CPU
// and two more (a page's checks sometimes wait: a stylesheet's fetch, a
// rendering). With 32 requests in flight each page worker held a parsed
// tree through its checks; 32 trees of 100 KB pages were 20 MB of live
// heap for a machine that works on two at a time.
func pageWork() int { return 2*runtime.GOMAXPROCS(0) + 2 }

// linkTargets returns the target of each link as a string (URL.String),
// once for the reference log and the queue; "" for form actions, recorded
// on the page and never requested. The strings the link extraction made
// are taken where the link is still the one extracted there.
func linkTargets(links []Link, known knownTargets) []string {
	out := make([]string, len(links))
	for i, l := range links {
		switch {
		case l.Kind == KindForm:
		case i < len(known.urls) && l.URL == known.urls[i]:
			out[i] = known.keys[i]
		default:
			out[i] = l.URL.String()
		}
	}
	return out
}

// knownTargets are the targets as strings (keys) of the links a page's
// extraction found (urls: their URLs, in order).
type knownTargets struct {
	keys []string
	urls []*url.URL
}

// dedupeLinks keeps the first reference to each (target, kind) in a page.
func dedupeLinks(links []Link) []Link {
	seen := make(map[string]bool, len(links))
	out := links[:0]
	for _, l := range links {
		k := l.URL.String()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, l)
	}
	return out
}

// handleTarget checks a target's availability: HEAD first, GET when HEAD is
// refused or lies (405, 501, 403 and other errors).
func (cr *Crawler) handleTarget(ctx context.Context, it Item) {
	known, plan := cr.recall(ctx, it, false)
	if plan == planResumed || plan == planCarried {
		cr.replayTarget(it, known, plan.reuse())
		return
	}
	if it.Kind == KindAttachment && cr.cfg.OnAttachment != nil {
		// Content checks read attachments: one GET gives both the
		// availability and the bytes.
		if cr.attachSlots != nil {
			select {
			case cr.attachSlots <- struct{}{}:
				defer func() { <-cr.attachSlots }()
			case <-ctx.Done():
				return
			}
		}
		out, res := cr.fetch(cr.conditional(ctx, known, plan), http.MethodGet, it.URL, bodyAny)
		defer res.free()
		cr.observe(it, out)
		if ctx.Err() != nil && out.Failed() {
			return
		}
		if cr.notModified(known, plan, res) {
			cr.replayTarget(it, known, Unchanged)
			return
		}
		if out.Failed() {
			cr.recordFailure(it, out)
			cr.learnFile(ctx, it, out, res, nil, false)
			return
		}
		if err := res.load(ctx); err != nil {
			if ctx.Err() == nil {
				cr.log.Warn("attachment body", "url", it.URL, "err", err)
			}
			return
		}
		u, _ := url.Parse(it.URL)
		cr.learnFile(ctx, it, out, res, cr.deliverAttachment(u, res), false)
		return
	}
	out, _ := cr.fetch(ctx, http.MethodHead, it.URL, bodyNone)
	if headLies(out) {
		// GET decides; an error page is read to tell a firewall's.
		out, _ = cr.fetch(ctx, http.MethodGet, it.URL, bodyError)
	}
	cr.observe(it, out)
	if ctx.Err() != nil && out.Failed() {
		return
	}
	if out.Failed() {
		cr.recordFailure(it, out)
	}
	cr.learnFile(ctx, it, out, nil, nil, false)
}

// headLies reports a HEAD answer that GET may contradict: servers and WAFs
// that refuse HEAD (405, 501, 403, 400, 406) or drop the connection, and
// the statuses of firewalls' challenge pages (412, 418, 493, 512, 521),
// which only their body tells apart. 404 and 410 are trusted, so a broken
// target costs one request.
func headLies(o Outcome) bool {
	switch o.Status {
	case 400, 403, 405, 406, 501, 412, 418, 493, 512, 521:
		return true
	}
	return o.Status == 0 && (o.Class == ClassReset || o.Class == ClassNetwork)
}

// deliverAttachment hands a downloaded attachment to Config.OnAttachment
// and returns it (nil when there was none to hand).
func (cr *Crawler) deliverAttachment(u *url.URL, res *fetchResult) *Attachment {
	if cr.cfg.OnAttachment == nil || !res.gotBody {
		return nil
	}
	a := &Attachment{URL: u, Status: res.status, Header: restoreHeader(res.header), Body: res.data}
	a.Name = readers.ReadFile(a.Header).Name
	limit := cr.cfg.MaxAttachmentBytes
	if limit <= 0 {
		limit = cr.cfg.Crawl.MaxPageBytes
	}
	if int64(len(a.Body)) > limit {
		a.Body, a.Truncated = a.Body[:limit], true
	}
	if f, err := url.Parse(res.finalURL); err == nil && res.finalURL != "" {
		a.FinalURL = f
	} else {
		a.FinalURL = u
	}
	cr.cfg.OnAttachment(a)
	return a
}

func (cr *Crawler) recordFailure(it Item, out Outcome) {
	if out.Class == ClassRobots {
		cr.skip("robots-txt")
		return
	}
	if out.Class == ClassFirewall {
		cr.block(it, out) // not checked, not broken
		return
	}
	cr.errs.Add(1)
	cr.mu.Lock()
	defer cr.mu.Unlock()
	cr.failures[it.URL] = &Failure{URL: it.URL, Kind: it.Kind, Outcome: out}
}

func (cr *Crawler) inScope(u *url.URL) bool {
	return cr.scope[u.Host] || cr.scope[u.Hostname()]
}

func (cr *Crawler) skip(reason string) {
	cr.mu.Lock()
	cr.skipped[reason]++
	cr.mu.Unlock()
}

// notCheck names a reference the crawl does not request, once per URL
// (by its cut form), up to maxNotChecked.
func (cr *Crawler) notCheck(u, page, reason string) {
	// The scheme and host stay whole; the path and query are cut.
	cut := u
	head := 0
	if i := strings.Index(u, "://"); i >= 0 {
		head = i + 3
		if j := strings.IndexByte(u[head:], '/'); j >= 0 {
			head += j
		}
	}
	if len(cut)-head > maxNotCheckedURL {
		cut = strings.ToValidUTF8(cut[:head+maxNotCheckedURL], "") + "…"
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if len(cr.notChecked) >= maxNotChecked {
		return
	}
	for _, n := range cr.notChecked {
		if n.URL == cut && n.Reason == reason {
			return
		}
	}
	cr.notChecked = append(cr.notChecked, NotChecked{URL: cut, Length: len(u), Page: page, Reason: reason})
}

// parent is what enqueue needs to know of the page a link was found on.
type parent struct {
	depth   int
	pattern string
	chain   int
	page    string
}

// enqueue queues a link's target (s, its URL as a string) once per run: as
// a page to crawl when it is an in-scope page within the caps, else as a
// target to check.
func (cr *Crawler) enqueue(ln Link, s string, from parent) {
	depth := from.depth + 1
	if ln.Redirect {
		depth = from.depth // a meta refresh is followed like a redirect
	}
	if ln.Kind == KindForm {
		return
	}
	u := ln.URL
	if len(s) > cr.cfg.Crawl.MaxURLLength {
		cr.skip("url-too-long")
		cr.notCheck(s, from.page, "url-too-long")
		return
	}
	in := cr.inScope(u)
	if !in && !cr.cfg.CheckExternal {
		cr.skip("external")
		return
	}
	isNew, err := cr.visited.Add(s)
	if err != nil {
		cr.log.Warn("visited set", "err", err)
		return
	}
	if !isNew {
		return
	}
	if ln.Kind == KindAttachment {
		cr.attach.Add(1)
	}
	crawl := in && (ln.Kind == KindPage || ln.Kind == KindFrame) && depth <= cr.cfg.Crawl.MaxDepth
	chain := 0
	if crawl {
		p := pathPattern(u)
		if p == from.pattern {
			chain = from.chain + 1
		}
		if chain > cr.cfg.Crawl.MaxPatternChain {
			cr.skip("trap-chain")
			cr.noteTrap("chain", p, s)
			return
		}
		cr.mu.Lock()
		n := cr.patterns[p]
		if n < cr.cfg.Crawl.MaxPagesPerPattern {
			cr.patterns[p] = n + 1
		}
		cr.mu.Unlock()
		if n >= cr.cfg.Crawl.MaxPagesPerPattern {
			cr.skip("trap-pattern")
			cr.noteTrap("pattern", p, s)
			return
		}
		if cr.pageCount.Add(1) > int64(cr.cfg.Crawl.MaxPages) {
			cr.mu.Lock()
			cr.capHit = true
			cr.mu.Unlock()
			cr.skip("max-pages")
			return
		}
	}
	if n := cr.cfg.Crawl.MaxTargets; n > 0 && cr.targets.Load() >= int64(n) {
		cr.mu.Lock()
		cr.targetCap = true
		cr.mu.Unlock()
		cr.skip("max-targets")
		return
	}
	cr.targets.Add(1)
	var qerr error
	if crawl {
		qerr = cr.pages.push(Item{URL: s, Depth: depth, Kind: ln.Kind, Chain: chain})
	} else {
		qerr = cr.checks.push(Item{URL: s, Depth: depth, Kind: ln.Kind})
	}
	if qerr != nil {
		cr.log.Error("queue", "url", s, "err", qerr)
	}
}

// noteTrap counts a reference a trap guard turned away (at most 1,000
// patterns are told apart).
func (cr *Crawler) noteTrap(reason, pattern, example string) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	key := reason + " " + pattern
	t := cr.patternTraps[key]
	if t == nil {
		if len(cr.patternTraps) >= 1000 {
			return
		}
		n := cr.patterns[pattern]
		if reason == "chain" {
			n = cr.cfg.Crawl.MaxPatternChain
		}
		t = &Trap{Reason: reason, Pattern: pattern, Example: example, Pages: n}
		cr.patternTraps[key] = t
	}
	t.Skipped++
}

// bigPage is the body size from which pages are handled one at a time,
// heavyTags the number of tags (a page of 20,000 tags is a tree of about
// 5 MB).
const (
	bigPage   = 1 << 20
	heavyTags = 20_000
)

// heavy reports a page body handled one at a time: over bigPage bytes or
// heavyTags tags.
func heavy(body []byte) bool {
	return heavyPage(body, bytes.Count(body, []byte("<")))
}

// sameBytes reports whether a and b are the same bytes in memory.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// heavyPage is heavy for a body of tags '<'.
func heavyPage(body []byte, tags int) bool {
	return len(body) > bigPage || tags > heavyTags
}

// Interrupted is the reason a cancelled crawl gives in Result.Incomplete.
const Interrupted = "巡检被中断，报告只含中断前已检查的内容"

// Progress returns counters for a progress line.
func (cr *Crawler) Progress() Progress {
	var elapsed time.Duration
	if t := cr.start.Load(); t != nil {
		elapsed = time.Since(*t)
	}
	return Progress{
		Pages:    int(cr.crawled.Load()),
		Targets:  int(cr.targets.Load()),
		Queued:   cr.pages.f.Len() + cr.checks.f.Len(),
		Errors:   int(cr.errs.Load()),
		Requests: cr.transport.requests.Load(),
		Elapsed:  elapsed,
	}
}

func (cr *Crawler) result(ctx context.Context) (*Result, error) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	r := &Result{
		Complete:       true,
		SkippedReasons: map[string]int{},
		Home:           cr.homeOut,
	}
	if ctx.Err() != nil {
		r.Complete = false
		r.Incomplete = append(r.Incomplete, Interrupted)
	}
	if cr.capHit {
		r.Complete = false
		r.Incomplete = append(r.Incomplete, fmt.Sprintf("达到页面数上限 %d（crawl.max_pages），其余页面未检查", cr.cfg.Crawl.MaxPages))
	}
	if cr.targetCap {
		r.Complete = false
		r.Incomplete = append(r.Incomplete, fmt.Sprintf("达到链接目标数上限 %d（crawl.max_targets），其余 %d 个链接目标未检查", cr.cfg.Crawl.MaxTargets, cr.skipped["max-targets"]))
	}
	if cr.linksCut > 0 {
		r.Complete = false
		r.Incomplete = append(r.Incomplete, fmt.Sprintf("%d 个页面的链接超过每页上限 %d 个（crawl.max_links_per_page），超出的 %d 个链接未检查", cr.linksCut, cr.cfg.Crawl.MaxLinksPerPage, cr.skipped["links-per-page"]))
	}
	for _, t := range cr.patternTraps {
		r.Traps = append(r.Traps, *t)
	}
	sort.Slice(r.Traps, func(i, j int) bool { return r.Traps[i].Skipped > r.Traps[j].Skipped })
	r.Traps = append(cr.similar.traps(), r.Traps...)
	skipped := 0
	for k, v := range cr.skipped {
		r.SkippedReasons[k] = v
		skipped += v
	}
	cr.settleWalls(r)
	wanted := map[string]bool{}
	for u := range cr.failures {
		wanted[u] = true
	}
	for _, b := range r.Blocked {
		wanted[b.FirstURL] = true
	}
	var extra []string
	if cr.cfg.RefsFor != nil {
		extra = cr.cfg.RefsFor()
		for _, u := range extra {
			wanted[u] = true
		}
	}
	// The referring places kept in memory are bounded for the whole run
	// (crawl.link_graph_refs): with many failed targets each keeps fewer
	// (at least 5); the totals stay exact.
	limit := cr.cfg.MaxRefsPerTarget
	if budget := cr.cfg.Crawl.LinkGraphRefs; budget > 0 && len(wanted) > 0 {
		limit = min(limit, max(5, budget/len(wanted)))
	}
	refs, totals, err := cr.refs.collect(wanted, limit)
	if err != nil {
		return nil, err
	}
	for i := range r.Blocked {
		if rs := refs[r.Blocked[i].FirstURL]; len(rs) > 0 {
			r.Blocked[i].FirstPage = rs[0].Page
		}
	}
	for u, f := range cr.failures {
		f.Refs = refs[u]
		f.TotalRefs = totals[u]
		r.Failures = append(r.Failures, *f)
	}
	sort.Slice(r.Failures, func(i, j int) bool { return r.Failures[i].URL < r.Failures[j].URL })
	if len(extra) > 0 {
		r.Referrers = map[string][]Ref{}
		for _, u := range extra {
			r.Referrers[u] = refs[u]
		}
	}
	r.NotChecked = append([]NotChecked(nil), cr.notChecked...)
	r.RenderedPages, r.RenderedLinks = int(cr.renderedOK.Load()), int(cr.rendered.Load())
	r.Stats = finding.Stats{
		Pages:       int(cr.crawled.Load()),
		Links:       int(cr.linkCount.Load()),
		Targets:     int(cr.targets.Load()),
		Attachments: int(cr.attach.Load()),
		Errors:      int(cr.errs.Load()),
		Skipped:     skipped,
		Requests:    int(cr.transport.requests.Load()),
		Retries:     int(cr.retries.Load()),
		BytesRead:   cr.bytesRead.Load(),
	}
	r.Recheck = cr.recalls.stats()
	return r, nil
}
