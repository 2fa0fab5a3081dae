// Package checks holds xunjian's inspection checks, one per file, behind one
// interface and listed in one registry. Checks know nothing of colly: they
// receive fetched, decoded, parsed pages while the crawl runs, and the whole
// site (the crawl's result, the homepage) afterwards, and return findings.
package checks

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/rules"
)

// Check is one inspection check.
type Check interface {
	// Name is the check's registry name, also the findings' `check` field.
	Name() string
	// Page is called for every crawled page, from several goroutines at
	// once; it must not keep the page.
	Page(ctx context.Context, p *crawler.Page) []finding.Finding
	// Site is called once per inspection, as the crawl starts, and may run
	// beside it; site.Crawl waits for the crawl's result.
	Site(ctx context.Context, site *Site) ([]finding.Finding, error)
}

// Deps are what checks are built with.
type Deps struct {
	Config rules.Config
	Logger *slog.Logger
	// Now returns the current time (fixed in tests).
	Now func() time.Time
	// TLS is the client TLS configuration for probes (tests trust their own CA).
	TLS *tls.Config
}

// entry is one row of the registry.
type entry struct {
	name  string
	title string // Chinese name shown in reports
	build func(Deps) Check
}

// registry lists every check once. Config validation, --checks and the
// report titles all read it.
var registry = []entry{
	{"connectivity", "首页连通性", newConnectivity},
	{"broken-link", "链接可用性", newBrokenLink},
}

// Names returns the registered check names in registry order.
func Names() []string {
	out := make([]string, len(registry))
	for i, e := range registry {
		out[i] = e.name
	}
	return out
}

// Title returns a check's Chinese title, or the name for checks not yet
// registered (report shapes admit checks added later).
func Title(name string) string {
	for _, e := range registry {
		if e.name == name {
			return e.title
		}
	}
	if t, ok := futureTitles[name]; ok {
		return t
	}
	return name
}

// futureTitles names the checks of the JSON contract that later releases add,
// so reports read by this version still title them.
var futureTitles = map[string]string{
	"dark-link":      "暗链",
	"external-link":  "外部链接",
	"sensitive-word": "敏感词",
	"typo":           "错别字",
	"privacy":        "隐私泄露",
	"stale-column":   "栏目不更新",
	"blank-column":   "空白栏目",
}

// Build returns the checks named, in registry order.
func Build(names []string, deps Deps) ([]Check, error) {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	var out []Check
	for _, n := range names {
		if !slices.Contains(Names(), n) {
			return nil, fmt.Errorf("%w %q (known: %v)", rules.ErrUnknownCheck, n, Names())
		}
	}
	for _, e := range registry {
		if slices.Contains(names, e.name) {
			out = append(out, e.build(deps))
		}
	}
	return out, nil
}

// Site is what a check sees of the whole inspection.
type Site struct {
	Name string
	Home *url.URL
	done chan struct{}
	res  *crawler.Result

	mu           sync.Mutex
	measurements map[string]any
}

// NewSite returns a Site whose crawl result is delivered by Finish.
func NewSite(name string, home *url.URL) *Site {
	return &Site{Name: name, Home: home, done: make(chan struct{}), measurements: map[string]any{}}
}

// Finish hands the crawl result to the checks waiting in Crawl.
func (s *Site) Finish(res *crawler.Result) {
	s.res = res
	close(s.done)
}

// Crawl waits for the crawl to finish and returns its result, or nil if ctx
// ends first. A cancelled crawl still finishes (with a partial result), so
// checks wait for it even when ctx is cancelled, bounded by a grace period.
func (s *Site) Crawl(ctx context.Context) *crawler.Result {
	select {
	case <-s.done:
		return s.res
	case <-ctx.Done():
	}
	select {
	case <-s.done:
		return s.res
	case <-time.After(30 * time.Second):
		return nil
	}
}

// Record keeps a check's measurements (timings, counts) for the report.
func (s *Site) Record(check string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.measurements[check] = v
}

// Measurements returns what checks recorded.
func (s *Site) Measurements() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.measurements)
}

// noPages is embedded by checks that only work on the whole site.
type noPages struct{}

func (noPages) Page(context.Context, *crawler.Page) []finding.Finding { return nil }
