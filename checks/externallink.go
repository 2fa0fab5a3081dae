package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/match"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/rules"
)

// externalLink inventories the external domains the site links to, with
// the pages that link to each, and reads each external page once a run: an
// honest old link whose expired domain now serves gambling is a serious
// problem nobody sees from the site itself.
type externalLink struct {
	deps   Deps
	cfg    catalog.ExternalLinkConfig
	words  *match.Matcher
	wordOf []rules.WordEntry
	client *http.Client

	mu      sync.Mutex
	domains map[string]*domainRefs
}

var (
	_ PageChecker = (*externalLink)(nil)
	_ Finisher    = (*externalLink)(nil)
)

// Caps on the inventory's memory.
const (
	maxDomains          = 5000
	maxPagesPerDomain   = 20
	maxTargetsPerDomain = 5
)

type domainRefs struct {
	pages   []string
	targets []string
	anchors map[string]string // target -> anchor text
	page    map[string]string // target -> first page
	count   int
}

func newExternalLink(d Deps) (Check, error) {
	c := &externalLink{deps: d, cfg: d.Config.Checks.ExternalLink, domains: map[string]*domainRefs{}}
	w, err := d.wordMatcher()
	if err != nil {
		return nil, err
	}
	if w != nil {
		c.words, c.wordOf = w.m, w.entries
	}
	// External pages are fetched under the run's outbound policy: no
	// private, loopback or link-local address unless the config allows it.
	pol, err := d.net()
	if err != nil {
		return nil, err
	}
	c.client = pol.Client(netpolicy.External)
	return c, nil
}

func (c *externalLink) Name() string { return catalog.ExternalLink }

// Memo implements Recaller: the check keeps nothing of a page but what
// its links say.
func (c *externalLink) Memo(*crawler.Page) (json.RawMessage, bool) { return nil, false }

// Recall implements Recaller: a remembered page has its links, all Page
// reads.
func (c *externalLink) Recall(ctx context.Context, p *crawler.Page, _ json.RawMessage) {
	c.Page(ctx, p)
}

func (c *externalLink) Page(_ context.Context, p *crawler.Page) []finding.Finding {
	page := p.URL.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range p.Links {
		if (l.Kind != crawler.KindPage && l.Kind != crawler.KindFrame) || c.deps.inScope(l.URL) {
			continue
		}
		d := l.URL.Host
		r := c.domains[d]
		if r == nil {
			if len(c.domains) >= maxDomains {
				continue
			}
			// Copies: the link's host and text are views of the page's
			// body, the next page's once onPage returns (crawler/bodypool.go).
			d = strings.Clone(d)
			r = &domainRefs{anchors: map[string]string{}, page: map[string]string{}}
			c.domains[d] = r
		}
		r.count++
		if len(r.pages) < maxPagesPerDomain && (len(r.pages) == 0 || r.pages[len(r.pages)-1] != page) {
			r.pages = append(r.pages, page)
		}
		t := l.URL.String()
		if _, ok := r.page[t]; !ok && len(r.targets) < maxTargetsPerDomain {
			r.targets = append(r.targets, t)
			r.page[t], r.anchors[t] = page, strings.Clone(l.Text)
		}
	}
	return nil
}

// Finish lists the domains the site links to (measured under the check's
// name) and reads their pages. A domain that is neither a government
// domain nor allowed is read first for its identity: a page carrying a
// 网站标识码, the 党政机关网站标识 or the 政府网站找错 button is a
// government site, whatever its domain, and is not for review. Every
// target read is also checked for harmful content: an expired domain that
// lost its markers and serves gambling is the finding.
func (c *externalLink) Finish(ctx context.Context, s *Site, _ *crawler.Result) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.domains))
	for d := range c.domains {
		names = append(names, d)
	}
	sort.Strings(names)
	var out []finding.Finding
	inventory := []map[string]any{}
	fetched, toFetch := 0, 0
	if c.cfg.FetchTargets {
		for d, r := range c.domains {
			switch u := (&url.URL{Host: d}); {
			case c.words != nil:
				toFetch += len(r.targets)
			case !domainListed(u, c.cfg.GovernmentDomains) && !domainListed(u, c.cfg.AllowDomains):
				toFetch++ // read for its identity only
			}
		}
		toFetch = min(toFetch, c.cfg.MaxTargets)
	}
	for _, d := range names {
		r := c.domains[d]
		u := &url.URL{Host: d}
		status := "review"
		switch {
		case domainListed(u, c.cfg.GovernmentDomains):
			status = "government"
		case domainListed(u, c.cfg.AllowDomains):
			status = "allowed"
		}
		views := map[string]*externalView{}
		for i, t := range r.targets {
			// Review domains are read for their identity; the rest only
			// when there are words to look for.
			if !c.cfg.FetchTargets || fetched >= c.cfg.MaxTargets || ctx.Err() != nil || c.words == nil && (status != "review" || i > 0) {
				break
			}
			s.Step(PhaseExternal, fetched, toFetch)
			fetched++
			views[t] = c.read(ctx, t)
		}
		var identity []string
		read := false
		for _, t := range r.targets {
			if v := views[t]; v != nil && v.ok {
				read = true
				if identity == nil {
					identity = v.markers
				}
			}
		}
		if status == "review" && len(identity) > 0 {
			status = "government-identified"
		}
		item := map[string]any{"domain": d, "status": status, "links": r.count, "pages": r.pages}
		if len(identity) > 0 {
			item["identity"] = identity
		}
		inventory = append(inventory, item)
		if status == "review" {
			why := "不在政府域名和白名单中，未能读取其页面确认身份"
			if read {
				why = "不在政府域名和白名单中，页面上也没有网站标识码、党政机关网站标识等政府网站标识"
			}
			out = append(out, finding.Finding{
				Check: c.Name(), Severity: finding.Low, Certainty: finding.Suspected, Kind: "review", Page: r.pages[0], Target: r.targets[0],
				Anchor: r.anchors[r.targets[0]], Match: d,
				Message:  fmt.Sprintf("外部链接待确认：%s（%s）", d, why),
				Evidence: fmt.Sprintf("%d 个页面共 %d 处链接到该域名", len(r.pages), r.count),
				Details:  map[string]any{"domain": d, "pages": len(r.pages), "links": r.count, "page_read": read},
			})
		}
		for _, t := range r.targets {
			v := views[t]
			if v == nil || v.word == "" {
				continue
			}
			msg := fmt.Sprintf("外部链接指向的网站含有“%s”等%s内容（可能是域名过期后被抢注），请删除该链接", v.word, categoryLabels[v.category])
			if len(v.markers) == 0 && looksGovernment(r.anchors[t]) {
				msg = fmt.Sprintf("外部链接“%s”像是政府网站，但该网站已没有政府网站标识，且含有“%s”等%s内容（可能是域名过期后被抢注），请删除该链接", r.anchors[t], v.word, categoryLabels[v.category])
			}
			out = append(out, finding.Finding{
				Check: c.Name(), Severity: finding.High, Certainty: finding.Confirmed, Kind: "bad-content", Page: r.page[t], Target: t,
				Anchor: r.anchors[t], Match: v.word,
				Message:  msg,
				Evidence: "本次巡检读取该外部页面时发现敏感词",
				Details:  map[string]any{"domain": d, "word": v.word, "category": v.category, "government_markers": len(v.markers) > 0},
			})
		}
	}
	return Result{Findings: out, Measurements: map[string]any{c.Name(): inventory}}, nil
}

// looksGovernment reports link text that names a government body.
func looksGovernment(text string) bool {
	for _, w := range []string{"政府", "委员会", "办公室", "局", "厅", "政务", "公安", "法院", "检察院"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// externalView is what reading one external page gave.
type externalView struct {
	ok       bool
	markers  []string
	word     string
	category string
}

// read fetches an external page and returns its government markers and
// the first sensitive word of a harmful category it shows.
func (c *externalLink) read(ctx context.Context, target string) *externalView {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v := &externalView{}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return v
	}
	req.Header.Set("User-Agent", c.deps.Config.Crawl.UserAgent)
	resp, err := c.client.Do(req)
	if err != nil {
		return v
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 2<<20))
	text, _ := crawler.Decode(body, resp.Header.Get("Content-Type"))
	doc, _, err := crawler.ParseHTML(text)
	if err != nil {
		return v
	}
	v.ok = resp.StatusCode < 400
	v.markers = govMarkers(doc, string(text))
	if c.words == nil {
		return v
	}
	for _, seg := range extract.PageSegments(doc, 1<<20) {
		for _, m := range c.words.FindAll([]byte(seg.Text)) {
			e := c.wordOf[m.Word]
			switch e.Category {
			case "gambling", "porn", "violence", "political":
				v.word, v.category = e.Word, e.Category
				return v
			}
		}
	}
	return v
}
