// Package checks holds xunjian's inspection checks, one per file, each
// described once in the catalog (name, title, finding names, alerting, the
// indicator set's vetoes and deductions, configuration section) and paired
// here with its implementation (registry.go). Checks know nothing of colly:
// they receive fetched, decoded, parsed pages while the crawl runs, and the
// crawl's result afterwards, and return findings.
//
// A check implements only the interfaces it needs, as Caddy's modules do:
// PageChecker for every crawled page, TextReader for the text of pages and
// attachments, Starter for site-level work that runs beside the crawl, and
// Finisher for the site-level pass after it.
package checks

import (
	"context"
	"net/url"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/finding"
)

// Check is one inspection check. On its own it does nothing: a check also
// implements one or more of PageChecker, TextReader, Starter and Finisher.
type Check interface {
	// Name is the check's catalog name.
	Name() string
}

// PageChecker looks at every crawled HTML page while the crawl runs.
//
// The homepage comes first, and alone: it is the crawl's only seed, and a
// page's links are queued only after every check has seen the page, so no
// other page reaches a check before the homepage's Page call has returned
// (the columns check reads the navigation from it; the dark-link check
// samples it first). After that, Page is called from several goroutines at
// once. It must not keep the page, nor a string of it without a copy
// (strings.Clone): the page's tree, body and links' strings are the next
// page's once Page has returned (crawler.Page.Text). Findings returned
// are copied by the inspection.
type PageChecker interface {
	Check
	Page(ctx context.Context, p *crawler.Page) []finding.Finding
}

// TextReader reads the text of every page and attachment, from several
// goroutines at once. A page's segments are valid until Text returns
// (extract.PageSegmentsIn): what it keeps of them it copies. The inspection extracts text (and downloads
// attachments) only when an enabled check reads it.
type TextReader interface {
	Check
	Text(ctx context.Context, doc *Document) []finding.Finding
}

// Starter does site-level work beside the crawl: Start is called once as
// the crawl starts and runs beside it (the homepage probes; the dark-link
// check's rendering and cloaking passes, from when their sample of pages
// is crawled). Its ctx ends with the run, or when the crawl fails (then no
// Finish is called); when the check is also a Finisher, Finish is called
// while Start may still run, and may wait for it.
type Starter interface {
	Check
	Start(ctx context.Context, site *Site) (Result, error)
}

// Finisher does the site-level pass after the crawl: Finish is called once
// with the crawl's result (partial when the inspection was cancelled, and
// then with ctx already done), beside the other checks' passes.
type Finisher interface {
	Check
	Finish(ctx context.Context, site *Site, crawl *crawler.Result) (Result, error)
}

// Site is what a check sees of the site being inspected.
type Site struct {
	Name string
	Home *url.URL
	// Phase, when set, is told what a long site-level pass is doing, for
	// a progress line: Step(渲染, 2, 5).
	Phase func(name string, done, total int)
}

// Phases a site-level pass reports through Site.Step.
const (
	PhaseRender   = "渲染"
	PhaseCloaking = "伪装检测"
	PhaseExternal = "外部链接"
)

// Step tells s.Phase, if any, that a pass is at done of total steps of the
// phase name.
func (s *Site) Step(name string, done, total int) {
	if s != nil && s.Phase != nil {
		s.Phase(name, done, total)
	}
}

// Result is what a site-level pass returns.
type Result struct {
	Findings []finding.Finding
	// Measurements go into the report's measurements under their keys:
	// the check's name, or a name of their own ("rendering").
	Measurements map[string]any
	// Artifacts are files written beside the report.
	Artifacts []Artifact
}

// Artifact is a file kept beside the report, such as a screenshot. A
// finding made together with it names it in its details ("screenshot",
// "screenshot_crop").
type Artifact struct {
	// Name is a relative path, such as "screenshots/homepage.png".
	Name string
	Data []byte
	// Shows names findings the check reported earlier (while the crawl
	// ran), by page and target, that the artifact is evidence for: the
	// inspection names the artifact in their details, under Detail.
	Shows []Spot
	// Detail is the details key that names the artifact: "screenshot"
	// (the default, the whole page) or "screenshot_crop" (the part around
	// the problem).
	Detail string
	// Label is the number of the outline's label (【Label】) in the whole
	// page, which shows several outlines at once: the inspection puts it
	// in the shown findings' details ("screenshot_label"; 0: none).
	Label int
}

// Spot is where a finding is: its page and its target.
type Spot struct {
	Page, Target string
}

// Document is the text of a page or an attachment, for TextReaders.
type Document struct {
	// URL is the page or the attachment.
	URL string
	// Attachment is true for files linked from pages (and files given to
	// scan); findings then name the file as their target.
	Attachment bool
	// FileLabel names such a file in messages: "附件" (the default) or "文件".
	FileLabel string
	Segments  []extract.Segment
	// scanned holds the matches of one reading of the segments for the
	// sensitive-word and typo checks (textScan), made by the first of
	// them that reads the document.
	scanned *scanned
}
