package crawler

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// This file is the crawl's memory of earlier runs (re-inspection). What a
// URL answered last time — its validators, its outcome, a page's links and
// the inspection's own record of its content — comes in through
// Config.Memory and decides, per URL, whether this run
//
//   - reads it as a first run would;
//   - asks for it conditionally (If-None-Match / If-Modified-Since, through
//     the outbound policy like every request) and, on 304 Not Modified,
//     lets the remembered page stand in for it: its links are crawled, its
//     link graph kept, and the inspection replays its findings (Unchanged);
//   - or does not request it at all: done by an earlier attempt of this
//     very run (Resumed), or not due today while a large site's link check
//     is spread over several days (Carried: the last check stands, with its
//     date).
//
// The homepage is always read. Pages whose readers made follow-up
// requests (their lists live outside the page) are never asked for
// conditionally, and what failed last time, the homepage, and what the
// inspection marks daily (columns, pages and files with findings) are
// requested every day.

// Known is what a run learnt about one URL, kept for the next runs.
type Known struct {
	URL string `json:"u"`
	// CheckedAt is when the URL was last requested: its answer read, or
	// confirmed unchanged (304).
	CheckedAt time.Time `json:"t"`
	// ETag and LastModified are the validators of the answer read.
	ETag         string `json:"e,omitempty"`
	LastModified string `json:"m,omitempty"`
	// Outcome is the request's outcome (Class empty: available).
	Outcome Outcome `json:"o"`
	// Page is what the page gave, when the URL was crawled as an HTML page.
	Page *KnownPage `json:"p,omitempty"`
	// Document is true for a page link that served a document (by its
	// content type): an attachment, never parsed.
	Document bool `json:"doc,omitempty"`
	// Read is true when the content was read: a page parsed, or a file
	// handed to Config.OnAttachment.
	Read bool `json:"r,omitempty"`
	// Daily asks for the URL every day, even when the spread skips others.
	Daily bool `json:"d,omitempty"`
	// Memo is the inspection's own record of the content (what the
	// callback set in Page.Memo or Attachment.Memo), opaque here (JSON).
	Memo json.RawMessage `json:"x,omitempty"`
}

// KnownPage is what a crawled page gave.
type KnownPage struct {
	FinalURL string      `json:"f"`
	Status   int         `json:"s"`
	Links    []KnownLink `json:"l,omitempty"`
	// Frames are the pages this one frames (their lists are its column's).
	Frames []string `json:"fr,omitempty"`
	// Dynamic: the page readers made follow-up requests for it (its lists
	// live outside the page, so a 304 of the page proves nothing of them).
	Dynamic bool `json:"dy,omitempty"`
}

// KnownLink is a Link as remembered.
type KnownLink struct {
	URL      string   `json:"u"`
	Kind     LinkKind `json:"k"`
	Tag      string   `json:"g,omitempty"`
	Attr     string   `json:"a,omitempty"`
	Text     string   `json:"t,omitempty"`
	Redirect bool     `json:"r,omitempty"`
}

// Memory is where a crawl's knowledge of URLs is kept between runs. Its
// methods are called from several goroutines at once.
type Memory interface {
	// Known returns what earlier runs learnt about url (nil: nothing).
	Known(ctx context.Context, url string) (*Known, error)
	// Learn records what this run learnt about a URL it requested.
	Learn(k *Known)
	// Touch records that url answered 304 Not Modified at a time: what is
	// known of it still holds.
	Touch(url string, at time.Time)
}

// Recheck says how a crawl uses its Memory.
type Recheck struct {
	// Conditional asks for pages and attachments read last time with
	// their validators, and reuses what is known on 304 Not Modified.
	Conditional bool
	// SpreadDays > 1 spreads the site's link check over that many days: a
	// URL is due on the day its hash names (SpreadDay), and otherwise not
	// requested unless it is daily, failed last time or was last checked
	// SpreadDays or more days ago.
	SpreadDays int
	// Today is this run's day number (DayNumber); Location the zone of
	// day numbers (UTC when nil).
	Today    int
	Location *time.Location
	// ResumeSince: URLs checked at or after it were done by an earlier
	// attempt of this run, and are reused without a request.
	ResumeSince time.Time
	// Now stamps what the run learns (time.Now when nil).
	Now func() time.Time
}

// Reuse says how a page or attachment handed to the callbacks stands for
// its URL.
type Reuse uint8

// Ways a remembered page or file stands in for its URL.
const (
	Fresh     Reuse = iota // read in this run
	Unchanged              // answered 304 Not Modified: the remembered content stands
	Carried                // not requested today (spread): the last check stands
	Resumed                // done by an earlier attempt of this run
)

// RecheckStats counts how a run used its memory.
type RecheckStats struct {
	// Conditional requests sent, and how many answered 304.
	Conditional, NotModified int
	// Pages and targets not requested: carried by the spread, or resumed.
	PagesCarried, TargetsCarried int
	PagesResumed, TargetsResumed int
	// OldestCarried and NewestCarried bound when what was carried was
	// last checked.
	OldestCarried, NewestCarried time.Time
}

// SpreadDay is the day (0 … days-1) of a spread of days on which url is
// due: a stable hash of the URL, so every URL is due once in any run of
// days consecutive days.
func SpreadDay(url string, days int) int {
	h := fnv.New64a()
	h.Write([]byte(url))
	return int(h.Sum64() % uint64(days))
}

// DayNumber is the number of the day of t in loc, counted from
// 1970-01-01.
func DayNumber(t time.Time, loc *time.Location) int {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// plan is how this run gets a URL.
type plan uint8

const (
	planFull plan = iota
	planConditional
	planResumed
	planCarried
)

func (p plan) reuse() Reuse {
	switch p {
	case planResumed:
		return Resumed
	case planCarried:
		return Carried
	}
	return Fresh
}

// recallState is a run's bookkeeping of its memory.
type recallState struct {
	conditional, notModified     atomic.Int64
	pagesCarried, targetsCarried atomic.Int64
	pagesResumed, targetsResumed atomic.Int64
	mu                           sync.Mutex
	oldest, newest               time.Time
}

func (s *recallState) stats() RecheckStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return RecheckStats{
		Conditional: int(s.conditional.Load()), NotModified: int(s.notModified.Load()),
		PagesCarried: int(s.pagesCarried.Load()), TargetsCarried: int(s.targetsCarried.Load()),
		PagesResumed: int(s.pagesResumed.Load()), TargetsResumed: int(s.targetsResumed.Load()),
		OldestCarried: s.oldest, NewestCarried: s.newest,
	}
}

func (s *recallState) count(how Reuse, page bool, k *Known) {
	switch {
	case how == Carried && page:
		s.pagesCarried.Add(1)
	case how == Carried:
		s.targetsCarried.Add(1)
	case how == Resumed && page:
		s.pagesResumed.Add(1)
	case how == Resumed:
		s.targetsResumed.Add(1)
	}
	if how == Carried {
		s.mu.Lock()
		if s.oldest.IsZero() || k.CheckedAt.Before(s.oldest) {
			s.oldest = k.CheckedAt
		}
		if k.CheckedAt.After(s.newest) {
			s.newest = k.CheckedAt
		}
		s.mu.Unlock()
	}
}

func (cr *Crawler) now() time.Time {
	if cr.cfg.Recheck.Now != nil {
		return cr.cfg.Recheck.Now()
	}
	return time.Now()
}

// recall looks a URL up in the memory and decides how to get it: asPage
// for a page to crawl, else a target to check.
func (cr *Crawler) recall(ctx context.Context, it Item, asPage bool) (*Known, plan) {
	m := cr.cfg.Memory
	if m == nil {
		return nil, planFull
	}
	k, err := m.Known(ctx, it.URL)
	if err != nil {
		cr.log.Warn("crawl memory", "url", it.URL, "err", err)
		return nil, planFull
	}
	if k == nil || (asPage && it.Depth == 0) || !cr.usable(k, it, asPage) {
		return k, planFull // the homepage is always read
	}
	rc := cr.cfg.Recheck
	if !rc.ResumeSince.IsZero() && !k.CheckedAt.Before(rc.ResumeSince) {
		return k, planResumed
	}
	if cr.carry(k) {
		return k, planCarried
	}
	if rc.Conditional && k.Read && (k.ETag != "" || k.LastModified != "") && !k.Outcome.Failed() && (k.Page == nil || !k.Page.Dynamic) {
		return k, planConditional
	}
	return k, planFull
}

// usable reports whether what is known of a URL can stand in for it in
// this run: a page needs its links, a file the checks read needs its
// findings; a failure is all there is to know of a failed URL.
func (cr *Crawler) usable(k *Known, it Item, asPage bool) bool {
	readsFiles := cr.cfg.OnAttachment != nil
	switch {
	case k.Outcome.Failed():
		return true
	case asPage:
		return k.Page != nil || (k.Document && (!readsFiles || k.Read))
	case it.Kind == KindAttachment && readsFiles:
		return k.Read && k.Page == nil
	}
	return true
}

// carry reports whether the spread leaves a URL for another day.
func (cr *Crawler) carry(k *Known) bool {
	rc := cr.cfg.Recheck
	if rc.SpreadDays < 2 || k.Daily || k.Outcome.Failed() || k.CheckedAt.IsZero() {
		return false
	}
	if rc.Today-DayNumber(k.CheckedAt, rc.Location) >= rc.SpreadDays {
		return false // overdue (a run missed its day)
	}
	return SpreadDay(k.URL, rc.SpreadDays) != rc.Today%rc.SpreadDays
}

type validatorsKey struct{}

// conditional returns ctx carrying k's validators for a conditional plan.
func (cr *Crawler) conditional(ctx context.Context, k *Known, p plan) context.Context {
	if p != planConditional {
		return ctx
	}
	cr.recalls.conditional.Add(1)
	return context.WithValue(ctx, validatorsKey{}, k)
}

// setConditional adds the validators ctx carries to a GET's headers.
func setConditional(ctx context.Context, method string, hdr http.Header) {
	k, ok := ctx.Value(validatorsKey{}).(*Known)
	if !ok || method != http.MethodGet {
		return
	}
	if k.ETag != "" {
		hdr.Set("If-None-Match", k.ETag)
	}
	if k.LastModified != "" {
		hdr.Set("If-Modified-Since", k.LastModified)
	}
}

// notModified reports a 304 answer to a conditional request that the
// remembered content may stand in for: the request ended where it did
// last time.
func (cr *Crawler) notModified(k *Known, p plan, res *fetchResult) bool {
	if p != planConditional || res.status != http.StatusNotModified {
		return false
	}
	last := k.URL
	if k.Page != nil && k.Page.FinalURL != "" {
		last = k.Page.FinalURL
	} else if k.Outcome.FinalURL != "" {
		last = k.Outcome.FinalURL
	}
	if res.finalURL != "" && res.finalURL != last {
		return false
	}
	cr.recalls.notModified.Add(1)
	return true
}

// replayPage hands over a page URL from memory instead of a response: its
// links are crawled like a fetched page's, the inspection replays its
// record (Page.Reused, Page.Known), a failure stays a failure.
func (cr *Crawler) replayPage(ctx context.Context, it Item, k *Known, how Reuse, onPage func(*Page)) {
	cr.recalls.count(how, true, k)
	defer cr.touch(k, how)
	if k.Page == nil {
		if k.Document && !k.Outcome.Failed() {
			cr.attach.Add(1)
			cr.deliverKnown(it.URL, k, how)
		}
		if k.Outcome.Failed() {
			cr.recordFailure(it, k.Outcome)
		}
		return
	}
	kp := k.Page
	pageURL, err := url.Parse(it.URL)
	if err != nil {
		return
	}
	final := pageURL
	if f, err := url.Parse(kp.FinalURL); err == nil && kp.FinalURL != "" {
		final = f
	}
	links := make([]Link, 0, len(kp.Links))
	for _, l := range kp.Links {
		u, err := url.Parse(l.URL)
		if err != nil {
			continue
		}
		links = append(links, Link{URL: u, Kind: l.Kind, Tag: l.Tag, Attr: l.Attr, Text: l.Text, Redirect: l.Redirect})
	}
	for _, f := range kp.Frames {
		cr.hook.frame(it.URL, f)
	}
	p := &Page{
		URL: pageURL, FinalURL: final, Status: kp.Status, Header: http.Header{}, Links: links,
		Depth: it.Depth, Home: it.Depth == 0, Reused: how, Known: k, Memo: k.Memo, Daily: k.Daily,
	}
	if top := cr.hook.framedBy(it.URL); top != "" {
		p.FramedBy, _ = url.Parse(top)
	}
	cr.crawled.Add(1)
	cr.linkCount.Add(int64(len(p.Links)))
	if onPage != nil {
		onPage(p)
	}
	targets := linkTargets(p.Links, knownTargets{})
	cr.refs.add(it.URL, it.Depth == 0, p.Links, targets)
	from := parent{depth: it.Depth, pattern: pathPattern(pageURL), chain: it.Chain, page: it.URL}
	for i, ln := range p.Links {
		cr.enqueue(ln, targets[i], from)
	}
	if k.Outcome.Failed() {
		cr.recordFailure(it, k.Outcome)
	}
}

// replayTarget settles a target from memory: a failure stays a failure,
// a file the checks read is handed over with its record.
func (cr *Crawler) replayTarget(it Item, k *Known, how Reuse) {
	cr.recalls.count(how, false, k)
	defer cr.touch(k, how)
	if k.Outcome.Failed() {
		cr.recordFailure(it, k.Outcome)
		return
	}
	if it.Kind == KindAttachment && k.Read {
		cr.deliverKnown(it.URL, k, how)
	}
}

// touch records a 304 in the memory.
func (cr *Crawler) touch(k *Known, how Reuse) {
	if how == Unchanged {
		cr.cfg.Memory.Touch(k.URL, cr.now())
	}
}

// deliverKnown hands a remembered file to Config.OnAttachment.
func (cr *Crawler) deliverKnown(raw string, k *Known, how Reuse) {
	if cr.cfg.OnAttachment == nil {
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	a := &Attachment{URL: u, FinalURL: u, Status: k.Outcome.Status, Header: http.Header{}, Reused: how, Known: k, Memo: k.Memo, Daily: k.Daily}
	if f, err := url.Parse(k.Outcome.FinalURL); err == nil && k.Outcome.FinalURL != "" {
		a.FinalURL = f
	}
	cr.cfg.OnAttachment(a)
}

// learn records what this run learnt about a URL, unless the run was
// cancelled meanwhile: what the checks made of it may then be partial.
func (cr *Crawler) learn(ctx context.Context, k *Known) {
	if cr.cfg.Memory == nil || ctx.Err() != nil {
		return
	}
	k.CheckedAt = cr.now()
	k.Outcome.Elapsed = 0
	k.Daily = k.Daily || k.Outcome.Failed()
	cr.cfg.Memory.Learn(k)
}

// learnPage records a page read in this run.
func (cr *Crawler) learnPage(ctx context.Context, it Item, p *Page, out Outcome) {
	if cr.cfg.Memory == nil {
		return
	}
	kp := &KnownPage{FinalURL: p.FinalURL.String(), Status: p.Status, Links: make([]KnownLink, len(p.Links)), Frames: p.frames, Dynamic: p.followUps > 0}
	for i, l := range p.Links {
		kp.Links[i] = KnownLink{URL: l.URL.String(), Kind: l.Kind, Tag: l.Tag, Attr: l.Attr, Text: l.Text, Redirect: l.Redirect}
	}
	cr.learn(ctx, &Known{
		URL: it.URL, ETag: p.Header.Get("ETag"), LastModified: p.Header.Get("Last-Modified"), Outcome: out, Page: kp,
		Read: true, Daily: it.Depth == 0 || p.Daily || kp.Dynamic, Memo: p.Memo,
	})
}

// learnFile records a file (a page link serving a document, or an
// attachment) or a target checked in this run; a is the file handed to
// the checks (nil if none).
func (cr *Crawler) learnFile(ctx context.Context, it Item, out Outcome, res *fetchResult, a *Attachment, document bool) {
	k := &Known{URL: it.URL, Outcome: out, Document: document}
	if res != nil && res.header != nil && a != nil {
		k.ETag, k.LastModified = res.header.Get("ETag"), res.header.Get("Last-Modified")
	}
	if a != nil {
		k.Read, k.Memo, k.Daily = true, a.Memo, a.Daily
	}
	cr.learn(ctx, k)
}
