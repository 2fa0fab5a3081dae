package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gocolly/colly/v2"

	"github.com/xunjian/xunjian/crawler/readers"
)

// This file is the crawl's one hook for the page readers (package
// readers): what they find in a parsed page joins the page's markup links
// and is crawled and checked the same way (same page, anchor text, date),
// their follow-up requests (Hanweb dataproxy groups, JSON endpoints) are
// fetched within the page caps, and framed pages learn which page frames
// them.

// maxFramed bounds the framed-page map of a run.
const maxFramed = 50000

// readHook is the readers' state for one run.
type readHook struct {
	mu sync.Mutex
	// framer maps a framed page to the page that frames it (the top of a
	// chain of frames).
	framer map[string]string
}

// framedBy returns the page that frames target ("" if none).
func (h *readHook) framedBy(target string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.framer[target]
}

// frame records that page frames target; a frame of a framed page belongs
// to the top page, and a page never frames itself (frames that frame each
// other).
func (h *readHook) frame(page, target string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.framer == nil {
		h.framer = map[string]string{}
	}
	if top, ok := h.framer[page]; ok {
		page = top
	}
	if page == target || len(h.framer) >= maxFramed {
		return
	}
	if _, ok := h.framer[target]; !ok {
		h.framer[target] = page
	}
}

// readPage runs the page readers on a parsed page, fetches the follow-up
// requests they ask for, and adds what they found to p.Links and
// p.Entries. Reader links to a target the markup already links keep the
// markup's anchor; the reader can only make it an attachment or a
// redirect.
func (cr *Crawler) readPage(ctx context.Context, it Item, p *Page) {
	lim := cr.cfg.Readers.WithDefaults()
	if top := cr.hook.framedBy(it.URL); top != "" {
		p.FramedBy, _ = url.Parse(top)
	}
	res := readers.Read(&readers.Page{URL: p.FinalURL, Status: p.Status, Header: p.Header, Body: p.Text, Doc: p.Doc, Scripts: cr.scripts}, lim)
	for _, f := range res.Frames {
		if u, err := Normalize(p.FinalURL, f.String()); err == nil && cr.inScope(u) {
			cr.hook.frame(it.URL, u.String())
			p.frames = append(p.frames, u.String())
		}
	}
	links := res.Links
	skipped := res.Skipped
	queue := res.Requests
	seen := map[string]bool{}
	budget := lim.MaxRequests
	for len(queue) > 0 && ctx.Err() == nil {
		req := queue[0]
		queue = queue[1:]
		if seen[req.Key()] {
			continue
		}
		seen[req.Key()] = true
		if !cr.inScope(req.URL) {
			cr.skip("reader-request-off-site")
			continue
		}
		if budget == 0 {
			cr.skip("reader-requests-capped")
			break
		}
		budget--
		p.followUps++
		if cr.pageCount.Add(1) > int64(cr.cfg.Crawl.MaxPages) {
			cr.mu.Lock()
			cr.capHit = true
			cr.mu.Unlock()
			cr.skip("max-pages")
			break
		}
		ans, err := cr.fetchRequest(ctx, req, p.FinalURL)
		if err != nil {
			cr.log.Info("reader request failed", "page", it.URL, "reader", req.Reader, "url", req.URL.String(), "err", err)
			cr.skip("reader-request-failed")
			continue
		}
		r := readers.Read(ans, lim)
		links = append(links, r.Links...)
		queue = append(queue, r.Requests...)
		for k, v := range r.Skipped {
			if skipped == nil {
				skipped = map[string]int{}
			}
			skipped[k] += v
		}
	}
	for k, v := range skipped {
		cr.mu.Lock()
		cr.skipped["reader-"+k] += v
		cr.mu.Unlock()
	}
	cr.mergeReaderLinks(p, links)
}

// mergeReaderLinks adds reader links to the page's links and entries.
func (cr *Crawler) mergeReaderLinks(p *Page, links []readers.Link) {
	if len(links) == 0 {
		return
	}
	at := make(map[string]int, len(p.Links))
	for i, l := range p.Links {
		at[l.URL.String()] = i
	}
	for _, rl := range links {
		u, err := Normalize(p.FinalURL, rl.URL.String())
		if err != nil {
			continue
		}
		key := u.String()
		if rl.Entry {
			p.Entries = append(p.Entries, ListEntry{URL: key, Title: rl.Text, Date: rl.Date, Where: rl.Where})
		}
		kind := KindPage
		switch {
		case rl.Kind == readers.KindAttachment || cr.attachExt[extension(u)]:
			kind = KindAttachment
		case rl.Kind == readers.KindFrame:
			kind = KindFrame
		}
		if i, ok := at[key]; ok {
			l := &p.Links[i]
			if kind == KindAttachment && (l.Kind == KindPage || l.Kind == KindFrame) {
				l.Kind = KindAttachment
			}
			l.Redirect = l.Redirect || rl.Redirect
			continue
		}
		at[key] = len(p.Links)
		p.Links = append(p.Links, Link{URL: u, Kind: kind, Tag: rl.Where, Text: rl.Text, Redirect: rl.Redirect})
	}
}

// fetchRequest makes a reader's follow-up request as the page's script
// would (same User-Agent and politeness, the page as Referer, an XHR
// header) and returns the decoded answer for the reader that asked.
func (cr *Crawler) fetchRequest(ctx context.Context, req readers.Request, page *url.URL) (*readers.Page, error) {
	res := &fetchResult{body: bodyAny}
	cctx := colly.NewContext()
	cctx.Put("res", res)
	hdr := http.Header{}
	hdr.Set("User-Agent", cr.cfg.Crawl.UserAgent)
	hdr.Set("Accept", "application/xml, text/xml, application/json, */*; q=0.01")
	hdr.Set("Accept-Language", "zh-CN,zh;q=0.9")
	hdr.Set("X-Requested-With", "XMLHttpRequest")
	hdr.Set("Referer", page.String())
	var body io.Reader
	if req.Body != "" {
		body = strings.NewReader(req.Body)
		ct := req.ContentType
		if ct == "" {
			ct = "application/x-www-form-urlencoded; charset=UTF-8"
		}
		hdr.Set("Content-Type", ct)
	}
	err := cr.collector.Request(req.Method, req.URL.String(), body, cctx, hdr)
	cr.bytesRead.Add(int64(len(res.data)))
	switch {
	case res.err != nil:
		return nil, res.err
	case err != nil && !errors.Is(err, colly.ErrAbortedAfterHeaders):
		return nil, err
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case res.status >= 400 || !res.gotBody:
		return nil, fmt.Errorf("HTTP %d", res.status)
	}
	text, _ := Decode(res.data, res.header.Get(originalContentType))
	if int64(len(text)) > cr.cfg.Crawl.MaxPageBytes {
		text = text[:cr.cfg.Crawl.MaxPageBytes]
	}
	final := req.URL
	if f, err := url.Parse(res.finalURL); err == nil && res.finalURL != "" {
		final = f
	}
	return &readers.Page{URL: final, Status: res.status, Header: restoreHeader(res.header), Body: text, Request: &req}, nil
}
