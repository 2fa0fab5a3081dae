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
	"sync"
	"time"

	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/evaluate"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/rules"
)

// Version is the tool version written into reports.
const Version = "0.1.0"

// Options configure one inspection.
type Options struct {
	Config rules.Config
	Site   rules.Site
	Logger *slog.Logger
	// TempDir holds the crawl's spill files.
	TempDir string
	// Now returns the current time (fixed in tests).
	Now func() time.Time
	// TLS is the client TLS configuration for probes.
	TLS *tls.Config
	// OnProgress, if set, receives the crawler once it exists, so a caller
	// can show progress.
	OnProgress func(*crawler.Crawler)
	// ExtraWords and ExtraTypos are rule pack files given on the command line.
	ExtraWords, ExtraTypos []string
	// Extractor reads attachments; one is made (and closed) when nil.
	Extractor *extract.Extractor
}

// Build loads the rule packs and builds the enabled checks.
func Build(o Options) ([]checks.Check, error) {
	packs, err := o.Config.Content.LoadPacks(o.ExtraWords, o.ExtraTypos)
	if err != nil {
		return nil, err
	}
	var hosts []string
	if u, err := rules.ParseSiteURL(o.Site.URL); err == nil {
		hosts = append(hosts, u.Host)
	}
	hosts = append(hosts, o.Site.Hosts...)
	return checks.Build(o.Config.Checks.Enabled, checks.Deps{Config: o.Config, Logger: o.Logger, Now: o.Now, TLS: o.TLS, Packs: packs, SiteHosts: hosts})
}

// Run inspects one site. A cancelled ctx gives a partial report marked
// incomplete, not an error; an error means the inspection could not run.
func Run(ctx context.Context, o Options) (*finding.Report, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	home, err := rules.ParseSiteURL(o.Site.URL)
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", o.Site.URL, err)
	}
	cfg := o.Config
	enabled := cfg.Checks.Enabled
	list, err := Build(o)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	checkErrs := map[string]string{}
	fail := func(name string, err error) {
		mu.Lock()
		checkErrs[name] = err.Error()
		mu.Unlock()
		o.Logger.Warn("check failed", "check", name, "site", home.String(), "err", err)
	}
	ex := o.Extractor
	if ex == nil && checks.ReadsText(enabled) {
		ex = newExtractor()
		defer ex.Close()
	}
	text := newContent(list, ex, cfg.Content.Allow, fail)
	// Attachments with findings: their referring pages are looked up when
	// the crawl ends, so that findings name the page to fix.
	attachmentHits := map[string]bool{}
	var onAttachment func(*crawler.Attachment)
	var collect func([]finding.Finding)
	if text.active() && cfg.Content.Attachments {
		onAttachment = func(a *crawler.Attachment) {
			fs := text.file(ctx, a.URL.String(), a.Body, a.Truncated)
			if len(fs) > 0 {
				mu.Lock()
				attachmentHits[a.URL.String()] = true
				mu.Unlock()
			}
			collect(fs)
		}
	}
	bl := cfg.Checks.BrokenLink
	cr, err := crawler.New(crawler.Config{
		OnAttachment:       onAttachment,
		MaxAttachmentBytes: cfg.Content.MaxAttachmentBytes,
		RefsFor: func() []string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Sorted(maps.Keys(attachmentHits))
		},
		Home:             home,
		Hosts:            o.Site.Hosts,
		Crawl:            cfg.Crawl,
		CheckExternal:    bl.External,
		Soft404:          bl.Soft404 && slices.Contains(enabled, "broken-link"),
		MaxRefsPerTarget: bl.MaxPagesPerTarget,
		TempDir:          o.TempDir,
		Logger:           o.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", home, err)
	}
	if o.OnProgress != nil {
		o.OnProgress(cr)
	}
	rep := &finding.Report{
		Tool: "xunjian", Version: Version, Site: home.String(), Name: o.Site.Name,
		StartedAt: o.Now(), Checks: names(list),
	}
	site := checks.NewSite(o.Site.Name, home)
	collect = func(fs []finding.Finding) {
		if len(fs) == 0 {
			return
		}
		mu.Lock()
		rep.Findings = append(rep.Findings, fs...)
		mu.Unlock()
	}

	var wg sync.WaitGroup
	for _, c := range list {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					fail(c.Name(), fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
				}
			}()
			fs, err := c.Site(ctx, site)
			collect(fs)
			if err != nil {
				fail(c.Name(), err)
			}
		})
	}
	o.Logger.Info("crawl start", "site", home.String(), "checks", enabled)
	res, err := cr.Run(ctx, func(p *crawler.Page) {
		for _, c := range list {
			collect(safePage(ctx, c, p, fail))
		}
		collect(text.page(ctx, p.URL.String(), p.Doc))
	})
	if err != nil {
		site.Finish(&crawler.Result{})
		wg.Wait()
		return nil, fmt.Errorf("site %s: crawl: %w", home, err)
	}
	site.Finish(res)
	wg.Wait()

	rep.FinishedAt = o.Now()
	rep.Stats = res.Stats
	rep.Complete = res.Complete
	rep.Incomplete = res.Incomplete
	if len(checkErrs) > 0 {
		rep.CheckErrors = checkErrs
		rep.Complete = false
		for name, e := range checkErrs {
			rep.Incomplete = append(rep.Incomplete, fmt.Sprintf("检查项 %s 未能完成：%s", name, firstLine(e)))
		}
		slices.Sort(rep.Incomplete)
	}
	linkAttachmentFindings(rep.Findings, res.Referrers)
	rep.Measurements = site.Measurements()
	rep.Artifacts = site.Artifacts()
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if name := site.EvidenceFor(f.Page, f.Target); name != "" && f.Check == "dark-link" {
			if f.Details == nil {
				f.Details = map[string]any{}
			}
			if _, ok := f.Details["screenshot"]; !ok {
				f.Details["screenshot"] = name
			}
		}
	}
	if len(res.SkippedReasons) > 0 {
		rep.Measurements["skipped"] = res.SkippedReasons
	}
	for i := range rep.Findings {
		rep.Findings[i].Fingerprint()
	}
	rep.Findings, rep.Ignored = ignore(rep.Findings, cfg.Ignore)
	rep.Sort()
	rep.Evaluation = evaluate.Of(rep, EvaluationRules(cfg))
	o.Logger.Info("inspection done", "site", home.String(), "pages", rep.Stats.Pages, "findings", len(rep.Findings), "complete", rep.Complete)
	return rep, nil
}

// EvaluationRules converts the config's deduction estimates.
func EvaluationRules(cfg rules.Config) evaluate.Rules {
	out := evaluate.Rules{}
	for item, d := range cfg.Evaluation.Deductions {
		out[item] = evaluate.Rule{Points: d.Points, Max: d.Max}
	}
	return out
}

func newExtractor() *extract.Extractor { return extract.New(extract.Config{}) }

// linkAttachmentFindings names, for findings in attachments, the page that
// links to the file (the page to fix) instead of the file itself.
func linkAttachmentFindings(fs []finding.Finding, referrers map[string][]crawler.Ref) {
	for i := range fs {
		f := &fs[i]
		if f.Target == "" || f.Page != f.Target {
			continue
		}
		refs := referrers[f.Target]
		if len(refs) == 0 {
			continue
		}
		f.Page = refs[0].Page
		if f.Details == nil {
			f.Details = map[string]any{}
		}
		f.Details["linked_from"] = len(refs)
		if refs[0].Text != "" {
			f.Anchor = refs[0].Text
		}
	}
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
func safePage(ctx context.Context, c checks.Check, p *crawler.Page, fail func(string, error)) (fs []finding.Finding) {
	defer func() {
		if r := recover(); r != nil {
			fail(c.Name(), fmt.Errorf("panic on %s: %v", p.URL, r))
			fs = nil
		}
	}()
	return c.Page(ctx, p)
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
