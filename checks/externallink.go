package checks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
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
			r.page[t], r.anchors[t] = page, l.Text
		}
	}
	return nil
}

// Finish lists the domains the site links to (measured under the check's
// name) and reads their pages.
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
	if c.cfg.FetchTargets && c.words != nil {
		for _, r := range c.domains {
			toFetch += len(r.targets)
		}
		toFetch = min(toFetch, c.cfg.MaxTargets)
	}
	for _, d := range names {
		r := c.domains[d]
		u := &url.URL{Host: d}
		gov := domainListed(u, c.cfg.GovernmentDomains)
		allowed := domainListed(u, c.cfg.AllowDomains)
		status := "review"
		switch {
		case gov:
			status = "government"
		case allowed:
			status = "allowed"
		}
		inventory = append(inventory, map[string]any{"domain": d, "status": status, "links": r.count, "pages": r.pages})
		if status == "review" {
			out = append(out, finding.Finding{
				Check: c.Name(), Severity: finding.Low, Certainty: finding.Suspected, Kind: "review", Page: r.pages[0], Target: r.targets[0],
				Anchor: r.anchors[r.targets[0]], Match: d,
				Message:  fmt.Sprintf("外部链接待确认：%s（非政府网站，未在白名单中）", d),
				Evidence: fmt.Sprintf("%d 个页面共 %d 处链接到该域名", len(r.pages), r.count),
				Details:  map[string]any{"domain": d, "pages": len(r.pages), "links": r.count},
			})
		}
		if !c.cfg.FetchTargets || c.words == nil {
			continue
		}
		for _, t := range r.targets {
			if fetched >= c.cfg.MaxTargets || ctx.Err() != nil {
				break
			}
			s.Step(PhaseExternal, fetched, toFetch)
			fetched++
			word, category := c.badContent(ctx, t)
			if word == "" {
				continue
			}
			out = append(out, finding.Finding{
				Check: c.Name(), Severity: finding.High, Certainty: finding.Confirmed, Kind: "bad-content", Page: r.page[t], Target: t,
				Anchor: r.anchors[t], Match: word,
				Message:  fmt.Sprintf("外部链接指向的网站含有“%s”等%s内容（可能是域名过期后被抢注），请删除该链接", word, categoryLabels[category]),
				Evidence: "本次巡检读取该外部页面时发现敏感词",
				Details:  map[string]any{"domain": d, "word": word, "category": category},
			})
		}
	}
	return Result{Findings: out, Measurements: map[string]any{c.Name(): inventory}}, nil
}

// badContent reads an external page and returns the first sensitive word
// of a harmful category it shows.
func (c *externalLink) badContent(ctx context.Context, target string) (word, category string) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", ""
	}
	req.Header.Set("User-Agent", c.deps.Config.Crawl.UserAgent)
	resp, err := c.client.Do(req)
	if err != nil {
		return "", ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 2<<20))
	text, _ := crawler.Decode(body, resp.Header.Get("Content-Type"))
	doc, _, err := crawler.ParseHTML(text)
	if err != nil {
		return "", ""
	}
	for _, seg := range extract.PageSegments(doc, 1<<20) {
		for _, m := range c.words.FindAll([]byte(seg.Text)) {
			e := c.wordOf[m.Word]
			switch e.Category {
			case "gambling", "porn", "violence", "political":
				return e.Word, e.Category
			}
		}
	}
	return "", ""
}
