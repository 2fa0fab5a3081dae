package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/xunjian/xunjian/internal/mediatype"
	"github.com/xunjian/xunjian/netpolicy"
)

// This file is the crawler's colly adapter and retry logic: every request
// of the crawl goes through colly, on a client from the run's outbound
// policy (netpolicy: User-Agent, per-host politeness shared with the
// checks' requests, the private-address guard on every dial and redirect
// hop, deadlines, decoded and capped bodies); retries with backoff and
// Retry-After are decided here, from the outcome's class.

// originalContentType is where the adapter keeps a response's real
// Content-Type: colly re-decodes bodies whose header names a charset, with
// decoders that lose GB18030 text, so the charset is hidden from it and
// Decode applies it instead.
const originalContentType = "X-Xunjian-Content-Type"

// collyTransport sits between colly and the policy's transport: it counts
// the crawl's requests and hides charsets from colly (see
// originalContentType).
type collyTransport struct {
	next     http.RoundTripper
	requests atomic.Int64
	// sources maps a host to the local address the crawl's first
	// connection to it came from: what its firewall saw (firewall.go).
	sources sync.Map
	// bodies spools the bodies of pages and attachments (spool.go):
	// HTML up to pageLimit bytes, anything else up to fileLimit.
	bodies               *bodyBudget
	pageLimit, fileLimit int64
}

func (t *collyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	var spooled *fetchResult
	if id := req.Header.Get(spoolHeader); id != "" {
		if v, ok := t.bodies.pending.Load(id); ok {
			spooled = v.(*fetchResult)
		}
		req = req.Clone(req.Context())
		req.Header.Del(spoolHeader)
	}
	if host := req.URL.Host; !t.known(host) {
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
			if a, ok := ci.Conn.LocalAddr().(*net.TCPAddr); ok {
				t.sources.LoadOrStore(host, a.IP.String())
			}
		}}))
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if spooled != nil {
		t.spool(spooled, req, resp)
	}
	if ct := resp.Header.Get("Content-Type"); strings.Contains(strings.ToLower(ct), "charset") {
		resp.Header.Set(originalContentType, ct)
		if mt, _, err := mediatype.Parse(ct); err == nil {
			resp.Header.Set("Content-Type", mt)
		} else {
			resp.Header.Del("Content-Type")
		}
	}
	return resp, nil
}

// spool reads the body of a page or attachment answer into res (memory
// or file, spool.go) and hands colly an empty one. Redirects and the
// answers colly would abort after the headers are left to colly.
func (t *collyTransport) spool(res *fetchResult, req *http.Request, resp *http.Response) {
	if req.Method != http.MethodGet || resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return
	}
	limit, page := t.fileLimit, isHTML(resp.Header)
	switch {
	case page:
		limit = t.pageLimit
	case res.body != bodyAny:
		return
	}
	sp, data, err := t.bodies.read(resp.Body, limit, resp.ContentLength, page)
	resp.Body.Close()
	res.spool, res.data, res.spoolErr = sp, data, err
	resp.Body, resp.ContentLength = http.NoBody, 0
	resp.Header.Del("Content-Length")
}

func (t *collyTransport) known(host string) bool {
	_, ok := t.sources.Load(host)
	return ok
}

// source returns the local address connections to host came from ("" if
// none was made).
func (t *collyTransport) source(host string) string {
	v, _ := t.sources.Load(host)
	s, _ := v.(string)
	return s
}

// newCollector builds the colly collector. Fields are set after
// NewCollector because colly reads COLLY_* environment variables there and
// our configuration must win.
func (cr *Crawler) newCollector() *colly.Collector {
	c := colly.NewCollector()
	c.UserAgent = cr.cfg.Crawl.UserAgent
	c.MaxDepth = 0
	c.AllowURLRevisit = true // deduplication is ours (bounded memory)
	c.IgnoreRobotsTxt = !cr.cfg.Crawl.RobotsTxt
	c.MaxBodySize = int(max(cr.cfg.Crawl.MaxPageBytes, cr.cfg.MaxAttachmentBytes)) + 1 // +1 to detect truncation
	c.ParseHTTPErrorResponse = true
	c.DetectCharset = false
	c.Async = false
	c.CacheDir = ""
	c.AllowedDomains = nil
	// No client timeout: the policy's transport times each request out
	// after the politeness wait. The client is our own copy, so colly may
	// set its CheckRedirect.
	client := cr.policy.Client(netpolicy.Crawl)
	client.Transport = cr.transport
	c.SetClient(client)
	c.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) > cr.cfg.Crawl.MaxRedirects {
			return fmt.Errorf("%w: more than %d", errTooManyRedirects, cr.cfg.Crawl.MaxRedirects)
		}
		// Every hop passes the guard (the dial checks again after
		// resolving the name).
		if err := cr.policy.CheckURL(req.URL); err != nil {
			return err
		}
		next := canonical(&url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host, Path: req.URL.Path, RawQuery: req.URL.RawQuery}).String()
		for _, v := range via {
			prev := canonical(&url.URL{Scheme: v.URL.Scheme, Host: v.URL.Host, Path: v.URL.Path, RawQuery: v.URL.RawQuery}).String()
			if prev == next {
				return fmt.Errorf("%w: back to %s", errRedirectLoop, next)
			}
		}
		return nil
	})
	c.OnResponseHeaders(func(r *colly.Response) {
		res := r.Ctx.GetAny("res").(*fetchResult)
		res.status = r.StatusCode
		// The response's own header, not a copy: colly only reads it
		// after this, and it is ours once the request returns.
		res.header = *r.Headers
		res.finalURL = r.Request.URL.String()
		if res.body == bodyNone || (res.body == bodyHTML && !isHTML(res.header)) || res.body == bodyError && r.StatusCode < 400 {
			r.Request.Abort()
		}
	})
	c.OnResponse(func(r *colly.Response) {
		res := r.Ctx.GetAny("res").(*fetchResult)
		res.status = r.StatusCode
		if res.spool == nil {
			res.data = r.Body
		}
		res.gotBody = true
	})
	c.OnError(func(r *colly.Response, err error) {
		res := r.Ctx.GetAny("res").(*fetchResult)
		if errors.Is(err, colly.ErrAbortedAfterHeaders) {
			return
		}
		res.err = err
	})
	return c
}

// isHTML reports whether the (original) content type is an HTML page; a
// missing type counts, since many old CMSs send none.
func isHTML(h http.Header) bool {
	ct := h.Get(originalContentType)
	if ct == "" {
		ct = h.Get("Content-Type")
	}
	if ct == "" {
		return true
	}
	mt, _, _ := mediatype.Parse(ct)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// bodyMode says which response bodies a request reads.
type bodyMode uint8

const (
	bodyNone  bodyMode = iota // headers only (availability checks)
	bodyHTML                  // HTML pages only (the crawl)
	bodyAny                   // everything (attachments handed to content checks)
	bodyError                 // error answers only (to tell a firewall's page from a broken target)
)

// fetchResult collects what colly's callbacks saw for one request.
type fetchResult struct {
	body     bodyMode
	status   int
	header   http.Header
	finalURL string
	data     []byte
	gotBody  bool
	err      error
	// spool holds a spooled body (data is nil while it is on file);
	// spoolErr is an error reading it.
	spool    *spool
	spoolErr error
}

// load makes data the whole body, reading a spooled one back from its
// file (waiting for the body budget).
func (res *fetchResult) load(ctx context.Context) error {
	if res.spool == nil || res.data != nil {
		return nil
	}
	data, err := res.spool.load(ctx)
	if err != nil {
		return fmt.Errorf("load body: %w", err)
	}
	res.data = data
	return nil
}

// free gives a spooled body's budget back (and removes its file).
func (res *fetchResult) free() {
	if res != nil {
		res.spool.free()
	}
}

// recycle hands a page's body buffer back for another page's (bodypool.go)
// once nothing refers to the body: the page's tree is released and every
// string of it that is kept has been copied.
func (res *fetchResult) recycle() {
	if res != nil && res.spool != nil && res.spool.buf != nil {
		res.data = nil
		res.spool.recycle()
	}
}

// sniff is the body, or the start of a spooled one still on file.
func (res *fetchResult) sniff() []byte {
	if res.data == nil && res.spool != nil {
		return res.spool.head
	}
	return res.data
}

// size is the body's length, on file or not.
func (res *fetchResult) size() int64 {
	if res.spool != nil {
		return res.spool.n
	}
	return int64(len(res.data))
}

// fetchOnce makes one request through colly; with spooled, the body of
// a page or attachment is read by the adapter (spool.go) and the caller
// must free the result.
func (cr *Crawler) fetchOnce(ctx context.Context, method, target string, body bodyMode, spooled bool) *fetchResult {
	res := &fetchResult{body: body}
	cctx := colly.NewContext()
	cctx.Put("res", res)
	hdr := http.Header{}
	if spooled && (body == bodyHTML || body == bodyAny) {
		id := cr.transport.bodies.register(res)
		defer cr.transport.bodies.pending.Delete(id)
		hdr.Set(spoolHeader, id)
	}
	hdr.Set("User-Agent", cr.cfg.Crawl.UserAgent)
	hdr.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	hdr.Set("Accept-Language", "zh-CN,zh;q=0.9")
	setConditional(ctx, method, hdr)
	err := cr.collector.Request(method, target, nil, cctx, hdr)
	if err != nil && res.err == nil && !errors.Is(err, colly.ErrAbortedAfterHeaders) && res.status == 0 {
		res.err = err
	}
	if ctx.Err() != nil && res.status == 0 && res.err == nil {
		res.err = ctx.Err()
	}
	if res.spoolErr != nil && res.err == nil {
		res.err = res.spoolErr // as colly reports a body it could not read
	}
	cr.bytesRead.Add(res.size())
	return res
}

// fetch requests target with retries and backoff and returns the outcome;
// for pages and attachments it also returns the body, spooled: the caller
// loads it (fetchResult.load) before reading data and frees it when done.
func (cr *Crawler) fetch(ctx context.Context, method, target string, body bodyMode) (Outcome, *fetchResult) {
	start := time.Now()
	var out Outcome
	var res *fetchResult
	classes := map[string]bool{}
	attempts := cr.policy.Attempts()
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			cr.retries.Add(1)
		}
		res.free() // a retried answer's spooled body
		res = cr.fetchOnce(ctx, method, target, body, true)
		out = Outcome{Status: res.status, FinalURL: res.finalURL, Attempts: attempt}
		if res.header != nil {
			out.ContentType = res.header.Get(originalContentType)
			if out.ContentType == "" {
				out.ContentType = res.header.Get("Content-Type")
			}
		}
		if res.err != nil {
			out.Class = ClassifyError(res.err)
			out.Err = res.err.Error()
		} else {
			out.Class = ClassifyStatus(res.status)
		}
		if fw := cr.firewallAnswer(target, res); fw != nil {
			out.Firewall = fw
			if fw.Kind != "rate-limit" {
				out.Class = ClassFirewall // a challenge or block page: retrying is hammering
				break
			}
		}
		if out.Class == "" {
			break
		}
		classes[out.Class] = true
		if method == http.MethodHead && headLies(out) {
			break // GET decides, without retrying HEAD
		}
		if ctx.Err() != nil || !retryable(out.Class) || attempt == attempts {
			break
		}
		// A 429/503 has already paused and slowed the host in the policy;
		// this request waits for its Retry-After (capped) or the backoff.
		wait := cr.policy.RetryWait(attempt, res.status, res.header)
		if sleepCtx(ctx, wait) != nil {
			break
		}
	}
	out.Agree = out.Class != "" && len(classes) == 1
	out.Elapsed = time.Since(start)
	return out, res
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// restoreHeader puts back the Content-Type hidden from colly.
func restoreHeader(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	if ct := h.Get(originalContentType); ct != "" {
		h.Set("Content-Type", ct)
		h.Del(originalContentType)
	}
	return h
}
