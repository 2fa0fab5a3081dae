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
	"strings"
	"sync"
	"time"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/match"
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
	// Text is called with the readable text of every page and attachment
	// (only for checks registered as reading text), from several
	// goroutines at once.
	Text(ctx context.Context, doc *Document) []finding.Finding
}

// Document is the text of a page or an attachment, for content checks.
type Document struct {
	// URL is the page or the attachment.
	URL string
	// Attachment is true for files linked from pages (and files given to
	// scan); findings then name the file as their target.
	Attachment bool
	// FileLabel names such a file in messages: "附件" (the default) or "文件".
	FileLabel string
	Segments  []extract.Segment
}

// Deps are what checks are built with.
type Deps struct {
	Config rules.Config
	Logger *slog.Logger
	// Now returns the current time (fixed in tests).
	Now func() time.Time
	// TLS is the client TLS configuration for probes (tests trust their own CA).
	TLS *tls.Config
	// Packs are the loaded rule packs (content checks).
	Packs *rules.Packs
	// SiteHosts are the inspected site's hosts (host or host:port): links
	// elsewhere are external.
	SiteHosts []string

	// words is the sensitive-word matcher, built once by Build for every
	// check that reads words (nil without packs).
	words *wordMatcher
}

// wordMatcher is the automaton of the sensitive-word packs and their entries.
type wordMatcher struct {
	m       *match.Matcher
	entries []rules.WordEntry
}

// wordMatcher returns the shared matcher, building it when the deps did
// not come through Build (a check constructed on its own).
func (d Deps) wordMatcher() (*wordMatcher, error) {
	if d.words != nil {
		return d.words, nil
	}
	return newWordMatcher(d.Packs)
}

func newWordMatcher(p *rules.Packs) (*wordMatcher, error) {
	if p == nil {
		return nil, nil
	}
	words := make([]string, len(p.Words))
	weak := make([]bool, len(p.Words))
	for i, w := range p.Words {
		words[i], weak[i] = w.Word, w.Weak
	}
	m, err := match.BuildWith(words, match.Options{Words: match.Words(), Unbounded: weak})
	if err != nil {
		return nil, fmt.Errorf("sensitive-word packs: %w", err)
	}
	return &wordMatcher{m: m, entries: p.Words}, nil
}

// inScope reports whether u's host is one of the site's.
func (d Deps) inScope(u *url.URL) bool {
	for _, h := range d.SiteHosts {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}

// entry is one row of the registry.
type entry struct {
	name  string
	title string // Chinese name shown in reports
	build func(Deps) (Check, error)
	// text marks checks that read page and attachment text: the inspection
	// extracts text (and downloads attachments) only when one is enabled.
	text bool
}

// registry lists every check once. Config validation, --checks and the
// report titles all read it.
var registry = []entry{
	{"connectivity", "首页连通性", newConnectivity, false},
	{"broken-link", "链接可用性", newBrokenLink, false},
	{"sensitive-word", "敏感词", newSensitiveWord, true},
	{"typo", "错别字与严重表述错误", newTypo, true},
	{"privacy", "隐私泄露", newPrivacy, true},
	{"columns", "栏目更新", newColumns, false},
	{"dark-link", "暗链", newDarkLink, false},
	{"external-link", "外部链接", newExternalLink, false},
}

// findingChecks names the finding checks a registered check reports under,
// where they differ from its name.
var findingChecks = map[string][]string{
	"columns": {"stale-column", "blank-column"},
}

// FindingChecks returns the `check` values the findings of a registered
// check carry (its own name, or the names it reports under).
func FindingChecks(name string) []string {
	if fc, ok := findingChecks[name]; ok {
		return fc
	}
	return []string{name}
}

// AttachmentCheck names the findings about attachments that could not be
// read; they come with the content checks, not from a check of their own.
const AttachmentCheck = "attachment"

// ReadsText reports whether any of the named checks reads text.
func ReadsText(names []string) bool {
	for _, e := range registry {
		if e.text && slices.Contains(names, e.name) {
			return true
		}
	}
	return false
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
	AttachmentCheck: "附件可读性",
	"stale-column":  "栏目不更新",
	"blank-column":  "空白栏目",
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
	if deps.words == nil {
		w, err := newWordMatcher(deps.Packs)
		if err != nil {
			return nil, err
		}
		deps.words = w
	}
	for _, e := range registry {
		if slices.Contains(names, e.name) {
			c, err := e.build(deps)
			if err != nil {
				return nil, fmt.Errorf("check %s: %w", e.name, err)
			}
			out = append(out, c)
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
	artifacts    map[string][]byte
	evidence     map[[2]string]string
}

// AddArtifact keeps a file (a screenshot) to be written beside the report
// under name, a relative path such as "screenshots/home.png".
func (s *Site) AddArtifact(name string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.artifacts == nil {
		s.artifacts = map[string][]byte{}
	}
	s.artifacts[name] = data
}

// Evidence names the artifact that shows the problem at page and target,
// for findings reported before the artifact existed (the static pass).
func (s *Site) Evidence(page, target, artifact string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.evidence == nil {
		s.evidence = map[[2]string]string{}
	}
	s.evidence[[2]string{page, target}] = artifact
}

// EvidenceFor returns the artifact showing the problem at page and target.
func (s *Site) EvidenceFor(page, target string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.evidence[[2]string{page, target}]
}

// Artifacts returns the files checks kept.
func (s *Site) Artifacts() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.artifacts)
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

// noPages is embedded by checks that do not look at parsed pages.
type noPages struct{}

func (noPages) Page(context.Context, *crawler.Page) []finding.Finding { return nil }

// noText is embedded by checks that do not read text.
type noText struct{}

func (noText) Text(context.Context, *Document) []finding.Finding { return nil }

// noSite is embedded by checks with nothing to do for the whole site.
type noSite struct{}

func (noSite) Site(context.Context, *Site) ([]finding.Finding, error) { return nil, nil }
