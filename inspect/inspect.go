// Package inspect runs one inspection of one site: it crawls the site, hands
// every page to the checks, gives the checks the crawl's result, and
// assembles the report. It is the job that `xunjian inspect`, `xunjian demo`
// and the scheduler all run.
package inspect

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/evaluate"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/extract/worker"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/redact"
	"github.com/xunjian/xunjian/render"
	"github.com/xunjian/xunjian/store"
)

// Version is the tool version written into reports.
const Version = "0.1.0"

// Options configure one inspection.
type Options struct {
	Config config.Config
	Site   config.Site
	Logger *slog.Logger
	// TempDir holds the crawl's spill files.
	TempDir string
	// Now returns the current time (fixed in tests).
	Now func() time.Time
	// TLS is the client TLS configuration for probes.
	TLS *tls.Config
	// Progress, if set, follows the inspection's phases and counts, for a
	// progress line.
	Progress *Tracker
	// ExtraWords and ExtraTypos are rule pack files given on the command line.
	ExtraWords, ExtraTypos []string
	// Extractor reads attachments; when nil, a pool of worker processes
	// is made (and closed) for the run.
	Extractor extract.Extractor
	// Policy is the outbound policy of the run (crawl, checks, scan);
	// built from Config and the site when nil.
	Policy *netpolicy.Policy
	// Memory, if set, keeps what runs learn per URL (memory.go): a
	// re-inspection asks for unchanged pages conditionally, spreads a
	// large site's link check (crawl.spread_days), and a scheduled run
	// (WithScheduled) resumes what an earlier attempt began.
	Memory store.Memory
	// Browser is the run's shared Chromium (rendered discovery and the
	// dark-link check); Run makes one (started on first use) when nil.
	Browser *render.Shared
}

// siteHosts are the inspected site's hosts: the homepage's, then the
// configured others.
func siteHosts(s config.Site) []string {
	var hosts []string
	if u, err := config.ParseSiteURL(s.URL); err == nil {
		hosts = append(hosts, u.Host)
	}
	return append(hosts, s.Hosts...)
}

// policy returns o.Policy, or the run's outbound policy built from the
// config, the site's hosts and extra trusted hosts.
func (o Options) policy(extra ...string) (*netpolicy.Policy, error) {
	if o.Policy != nil {
		return o.Policy, nil
	}
	no := o.Config.Crawl.Outbound(o.Config.Content.MaxAttachmentBytes, append(siteHosts(o.Site), extra...)...)
	no.TLS = o.TLS
	p, err := netpolicy.New(no)
	if err != nil {
		return nil, fmt.Errorf("outbound policy: %w", err)
	}
	return p, nil
}

// Build loads the rule packs and builds the enabled checks.
func Build(o Options) ([]checks.Check, error) {
	packs, err := o.Config.Content.LoadPacks(o.ExtraWords, o.ExtraTypos)
	if err != nil {
		return nil, err
	}
	pol, err := o.policy()
	if err != nil {
		return nil, err
	}
	return checks.Build(o.Config.Checks.Enabled, checks.Deps{Config: o.Config, Logger: o.Logger, Now: o.Now, TLS: o.TLS, Packs: packs, SiteHosts: siteHosts(o.Site), Net: pol, Browser: o.Browser})
}

// Run inspects one site. A cancelled ctx gives a partial report marked
// incomplete, not an error; an error means the inspection could not run.
//
// The checks' passes run in this order: Start (beside the crawl, from its
// start), Page and Text for every page (the homepage first, alone), the
// attachments' text as they arrive, then Finish with the crawl's result.
func Run(ctx context.Context, o Options) (*finding.Report, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// Errors built from crawled URLs and file contents reach the log:
	// masked there, as the report is below.
	mask := redact.New(o.Now)
	o.Logger = mask.Logger(o.Logger)
	home, err := config.ParseSiteURL(o.Site.URL)
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", o.Site.URL, err)
	}
	cfg := o.Config
	enabled := cfg.Checks.Enabled
	// One outbound policy for the run: the crawl and every check's
	// requests share its per-host limits and guard.
	if o.Policy, err = o.policy(); err != nil {
		return nil, err
	}
	// The site's time budget: the whole run ends by its deadline; the
	// crawl (and the checks that read pages) stops earlier, leaving the
	// last fifth, at most 5 minutes, to the final passes.
	budget := cfg.Crawl.TimeBudget.D()
	if o.Site.TimeBudget.D() > 0 {
		budget = o.Site.TimeBudget.D()
	}
	outer := ctx
	if budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	crawlCtx := ctx
	if budget > 0 {
		var cancel context.CancelFunc
		crawlCtx, cancel = context.WithTimeout(ctx, budget-min(budget/5, 5*time.Minute))
		defer cancel()
	}
	if o.Browser == nil {
		o.Browser = checks.SharedBrowser(ctx, cfg, o.Policy, o.Logger)
		defer o.Browser.Close()
	}
	list, err := Build(o)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	checkErrs := map[string]string{}
	failures := 0
	fail := func(name string, err error) {
		mu.Lock()
		checkErrs[name] = err.Error()
		failures++
		mu.Unlock()
		o.Logger.Warn("check failed", "check", name, "site", home.String(), "err", err)
	}
	parts := newParts(ctx, list)
	text := newContent(list, nil, cfg.Content.Allow, fail)
	text.parts = parts
	if text.active() {
		text.ex = o.Extractor
		if text.ex == nil {
			if text.ex, err = NewExtractor(cfg, o.Logger); err != nil {
				return nil, err
			}
			defer text.ex.Close()
		}
	}
	mem, recheck, err := o.openMemory(ctx, home.String())
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", home, err)
	}
	var known crawler.Memory
	if mem != nil {
		defer mem.close()
		known = mem
		mem.failures = func() int {
			mu.Lock()
			defer mu.Unlock()
			return failures
		}
	}
	// Findings in attachments, by file: when the crawl ends they move to
	// the page that links to the file (the page to fix).
	inFiles := map[string][]finding.Finding{}
	var onAttachment func(*crawler.Attachment)
	var collect func([]finding.Finding)
	if text.active() && cfg.Content.Attachments {
		onAttachment = func(a *crawler.Attachment) {
			defer o.Progress.attachment()
			file := a.URL.String()
			fs := mem.file(a, func() fileFindings { return text.file(crawlCtx, file, a.Body, a.Truncated) })
			if len(fs.inFile) > 0 {
				mu.Lock()
				inFiles[file] = append(inFiles[file], fs.inFile...)
				mu.Unlock()
			}
			collect(fs.onPage)
		}
	}
	bl := cfg.Checks.BrokenLink
	cr, err := crawler.New(crawler.Config{
		Memory:             known,
		Recheck:            recheck,
		OnAttachment:       onAttachment,
		MaxAttachmentBytes: cfg.Content.MaxAttachmentBytes,
		AttachmentsAtOnce:  2 * cfg.Content.Extract.Workers,
		RefsFor: func() []string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Sorted(maps.Keys(inFiles))
		},
		Home:             home,
		Hosts:            o.Site.Hosts,
		Crawl:            cfg.Crawl,
		CheckExternal:    bl.External,
		Soft404:          bl.Soft404 && slices.Contains(enabled, catalog.BrokenLink),
		MaxRefsPerTarget: bl.MaxPagesPerTarget,
		TempDir:          o.TempDir,
		Logger:           o.Logger,
		Policy:           o.Policy,
		Render:           renderer(o.Browser),
	})
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", home, err)
	}
	o.Progress.crawler(cr)
	if mem != nil {
		mem.progress = cr.Progress
	}
	rep := &finding.Report{
		Tool: "xunjian", Version: Version, Site: home.String(), Name: o.Site.Name,
		StartedAt: o.Now(), Checks: names(list),
	}
	site := &checks.Site{Name: o.Site.Name, Home: home, Phase: o.Progress.Set}
	collect = func(fs []finding.Finding) {
		if len(fs) == 0 {
			return
		}
		for i := range fs {
			keepOwnStrings(&fs[i])
		}
		mu.Lock()
		rep.Findings = append(rep.Findings, fs...)
		mu.Unlock()
	}
	var results []result
	keep := func(c checks.Check, r checks.Result) {
		mu.Lock()
		results = append(results, result{check: c, Result: r})
		mu.Unlock()
	}

	// The Starters' context ends with the run, or at once when the crawl
	// fails: a Starter may wait for the crawl (the dark-link check's
	// passes wait for their sample), and Finish will not be called.
	startCtx, stopStarters := context.WithCancel(ctx)
	defer stopStarters()
	var started sync.WaitGroup
	for _, c := range list {
		if s, ok := c.(checks.Starter); ok {
			started.Go(func() {
				parts.do("start:"+c.Name(), "", func() {
					keep(c, safeSite(c, fail, func() (checks.Result, error) { return s.Start(startCtx, site) }))
				})
			})
		}
	}
	var pageCheckers []checks.PageChecker
	for _, c := range list {
		if pc, ok := c.(checks.PageChecker); ok {
			pageCheckers = append(pageCheckers, pc)
		}
	}
	o.Logger.Info("crawl start", "site", home.String(), "checks", enabled)
	parts.label("crawl") // the crawl's goroutines start with it
	defer parts.label("")

	res, err := cr.Run(crawlCtx, mem.page(crawlCtx, checks.Recallers(list), collect, func(p *crawler.Page) []finding.Finding {
		var fs []finding.Finding
		for _, c := range pageCheckers {
			parts.do("page:"+c.Name(), "crawl", func() { fs = append(fs, safePage(crawlCtx, c, p, fail)...) })
		}
		return append(fs, text.page(crawlCtx, p)...)
	}))
	if err != nil {
		stopStarters()
		started.Wait()
		return nil, fmt.Errorf("site %s: crawl: %w", home, err)
	}
	parts.label("")
	o.Progress.Set(PhaseChecks, 0, 0)
	var finished sync.WaitGroup
	for _, c := range list {
		if f, ok := c.(checks.Finisher); ok {
			finished.Go(func() {
				parts.do("finish:"+c.Name(), "", func() {
					keep(c, safeSite(c, fail, func() (checks.Result, error) { return f.Finish(ctx, site, res) }))
				})
			})
		}
	}
	started.Wait()
	finished.Wait()

	rep.FinishedAt = o.Now()
	rep.Stats = res.Stats
	rep.Complete = res.Complete
	rep.Incomplete = res.Incomplete
	rep.Findings = append(rep.Findings, linkAttachmentFindings(inFiles, res.Referrers)...)
	rep.Measurements = map[string]any{}
	for _, r := range results {
		r.addTo(rep)
	}
	if len(res.SkippedReasons) > 0 {
		rep.Measurements["skipped"] = res.SkippedReasons
	}
	if mem != nil {
		mem.note(rep, recheck, res.Recheck)
	}
	if res.RenderedPages > 0 {
		rep.Measurements["rendered_discovery"] = map[string]int{"pages": res.RenderedPages, "links": res.RenderedLinks}
	}
	// The crawl's context ends on an interruption or when the time budget
	// runs out: either way what it cut short is not a finding.
	in := settle(crawlCtx, rep, res, checkErrs)
	if outer.Err() == nil && crawlCtx.Err() != nil {
		// Not interrupted: the budget ran out.
		rep.Incomplete = slices.DeleteFunc(rep.Incomplete, func(s string) bool { return s == interruptedNote })
		addIncomplete(rep, fmt.Sprintf("达到本站巡检时限 %v（crawl.time_budget），报告只含此前已检查的内容", budget))
		in.Partial = "巡检不完整（" + strings.Join(rep.Incomplete, "；") + "）"
	}
	// The one place findings leave the checks: personal data in any of
	// their strings (URLs, anchors, file and sheet names, errors) is
	// masked here, before ids are derived from them.
	mask.Report(rep)
	rep.Findings = finding.Group(rep.Findings, cfg.Report.MaxFindingsPerCheck)
	for i := range rep.Findings {
		rep.Findings[i].Fingerprint()
	}
	rep.Findings, rep.Ignored = ignore(rep.Findings, cfg.Ignore)
	rep.Sort()
	rep.Evaluation = evaluate.Of(rep, cfg.Evaluation.Deductions, in)
	o.Logger.Info("inspection done", "site", home.String(), "pages", rep.Stats.Pages, "findings", len(rep.Findings), "complete", rep.Complete)
	return rep, nil
}

// renderer lets the crawl render script-fed pages in the run's browser.
func renderer(b *render.Shared) crawler.Renderer {
	return func(ctx context.Context, url string, maxBytes int) (string, error) {
		br, done, err := b.Use()
		if err != nil {
			return "", err
		}
		defer done()
		return br.DOM(ctx, url, maxBytes)
	}
}

// result is one check's site-level pass.
type result struct {
	check checks.Check
	checks.Result
}

// addTo puts a pass's findings, measurements and artifacts into the
// report. An artifact that shows findings the check reported during the
// crawl becomes their screenshot.
func (r result) addTo(rep *finding.Report) {
	rep.Findings = append(rep.Findings, r.Findings...)
	maps.Copy(rep.Measurements, r.Measurements)
	if len(r.Artifacts) == 0 {
		return
	}
	if rep.Artifacts == nil {
		rep.Artifacts = map[string][]byte{}
	}
	ours := catalog.FindingChecks(r.check.Name())
	for _, a := range r.Artifacts {
		rep.Artifacts[a.Name] = a.Data
		key := a.Detail
		if key == "" {
			key = "screenshot"
		}
		for _, spot := range a.Shows {
			for i := range rep.Findings {
				f := &rep.Findings[i]
				if f.Page != spot.Page || f.Target != spot.Target || !slices.Contains(ours, f.Check) {
					continue
				}
				if f.Details == nil {
					f.Details = map[string]any{}
				}
				if _, ok := f.Details[key]; !ok {
					f.Details[key] = a.Name
					if a.Label > 0 {
						f.Details["screenshot_label"] = a.Label
					}
				}
			}
		}
	}
}

// NewExtractor returns the pool of worker processes that read attachments
// (content.extract in the config).
func NewExtractor(cfg config.Config, logger *slog.Logger) (extract.Extractor, error) {
	e := cfg.Content.Extract
	as := int64(e.AddressSpaceMB) << 20
	if e.AddressSpaceMB < 0 {
		as = -1
	}
	return worker.New(worker.Config{
		Workers: e.Workers, Timeout: e.Timeout.D(), MemoryLimit: int64(e.MemoryLimitMB) << 20, AddressSpace: as,
		Extract: extract.Config{MaxText: e.MaxTextBytes}, Logger: logger,
	})
}

// linkAttachmentFindings returns the findings in attachments, each moved to
// the page that links to its file (the page to fix), with how many pages
// link to it and the link's text.
func linkAttachmentFindings(inFiles map[string][]finding.Finding, referrers map[string][]crawler.Ref) []finding.Finding {
	var out []finding.Finding
	for _, file := range slices.Sorted(maps.Keys(inFiles)) {
		refs := referrers[file]
		for _, f := range inFiles[file] {
			if len(refs) > 0 {
				f.Page = refs[0].Page
				if f.Details == nil {
					f.Details = map[string]any{}
				}
				f.Details["linked_from"] = len(refs)
				if refs[0].Text != "" {
					f.Anchor = refs[0].Text
				}
			}
			out = append(out, f)
		}
	}
	return out
}

// ignore drops findings whose id the user marked as ignored.
func ignore(fs []finding.Finding, ids []string) ([]finding.Finding, int) {
	if len(ids) == 0 {
		return fs, 0
	}
	skip := map[string]bool{}
	for _, id := range ids {
		skip[id] = true
	}
	out := fs[:0]
	for _, f := range fs {
		if !skip[f.ID] {
			out = append(out, f)
		}
	}
	return out, len(fs) - len(out)
}

// safePage runs one check on one page; a panic becomes a check error and the
// crawl goes on.
func safePage(ctx context.Context, c checks.PageChecker, p *crawler.Page, fail func(string, error)) (fs []finding.Finding) {
	defer func() {
		if r := recover(); r != nil {
			fail(c.Name(), fmt.Errorf("panic on %s: %v", p.URL, r))
			fs = nil
		}
	}()
	return c.Page(ctx, p)
}

// safeSite runs one site-level pass; an error or a panic becomes a check
// error, and whatever the pass returned is kept.
func safeSite(c checks.Check, fail func(string, error), pass func() (checks.Result, error)) (r checks.Result) {
	defer func() {
		if p := recover(); p != nil {
			fail(c.Name(), fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	r, err := pass()
	if err != nil {
		fail(c.Name(), err)
	}
	return r
}

func names(list []checks.Check) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.Name()
	}
	return out
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// keepOwnStrings copies a finding's strings, kept until the report: a
// check's match, anchor or details can be a substring of the page's text
// or attributes, and a page's parsed strings are substrings of the whole
// page (crawler/htmlfast), which one finding would otherwise keep alive
// for the run.
func keepOwnStrings(f *finding.Finding) {
	f.Kind, f.Page, f.Target = strings.Clone(f.Kind), strings.Clone(f.Page), strings.Clone(f.Target)
	f.Match, f.Anchor = strings.Clone(f.Match), strings.Clone(f.Anchor)
	f.Message, f.Evidence = strings.Clone(f.Message), strings.Clone(f.Evidence)
	if f.Details != nil {
		f.Details = cloneStrings(f.Details).(map[string]any)
	}
}

// cloneStrings is v with its strings copied, through maps and slices.
func cloneStrings(v any) any {
	switch v := v.(type) {
	case string:
		return strings.Clone(v)
	case []string:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = strings.Clone(s)
		}
		return out
	case map[string]string:
		out := make(map[string]string, len(v))
		for k, s := range v {
			out[strings.Clone(k)] = strings.Clone(s)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[strings.Clone(k)] = cloneStrings(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = cloneStrings(x)
		}
		return out
	case []map[string]any:
		out := make([]map[string]any, len(v))
		for i, x := range v {
			out[i] = cloneStrings(x).(map[string]any)
		}
		return out
	}
	return v
}
