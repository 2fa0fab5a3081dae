package catalog

import "github.com/xunjian/xunjian/finding"

// registry lists every check once, in the order reports show them. Package
// checks pairs each entry with its implementation (checks/registry.go); a
// test fails when the two disagree.
var registry = []Check{
	{
		Name: Connectivity, Title: "首页连通性", Probe: true,
		Vetoes: []Veto{{Item: VetoSiteDown, Fail: Kinds(Connectivity, "down"), Warn: Kinds(Connectivity, "probe-failed")}},
		Deductions: []Deduction{
			{Item: DeductIPv6, Counts: Kinds(Connectivity, "no-ipv6", "ipv6-unreachable")},
			{Item: DeductHTTPS, Counts: Kinds(Connectivity, "no-https", "https-error")},
		},
		Section: &Section{Key: "checks.connectivity", Of: func(s *Sections) Validator { return &s.Checks.Connectivity }},
	},
	{
		Name: BrokenLink, Title: "链接可用性",
		Deductions: []Deduction{
			{Item: DeductHomepageLinks, Counts: func(f finding.Finding) bool { return confirmedBrokenLink(f) && onHomepage(f) }},
			{Item: DeductOtherLinks, Counts: func(f finding.Finding) bool { return confirmedBrokenLink(f) && !onHomepage(f) }},
		},
		Section: &Section{Key: "checks.broken_link", Of: func(s *Sections) Validator { return &s.Checks.BrokenLink }},
	},
	{Name: SensitiveWord, Title: "敏感词"},
	{
		Name: Typo, Title: "错别字与严重表述错误",
		Vetoes:     []Veto{{Item: VetoSerious, Fail: Kinds(Typo, "serious")}},
		Deductions: []Deduction{{Item: DeductTypos, Counts: Kinds(Typo, "typo")}},
	},
	{Name: Privacy, Title: "隐私泄露", Realtime: true},
	{
		Name: Columns, Title: "栏目更新",
		Findings: []Finding{{StaleColumn, "栏目不更新"}, {BlankColumn, "空白栏目"}},
		Vetoes: []Veto{
			{Item: VetoHomepageStale, Fail: Kinds(StaleColumn, "homepage"), Warn: Kinds(StaleColumn, "homepage-warning")},
			{Item: VetoColumnsStale, Fail: Kinds(StaleColumn, "veto-news-notice", "veto-any"), Warn: Kinds(StaleColumn, "stale", "undated")},
			{Item: VetoBlankColumns, Fail: Kinds(BlankColumn, "veto"), Warn: Kinds(BlankColumn, "veto-warning", "blank")},
		},
		Section: &Section{Key: "columns", Of: func(s *Sections) Validator { return &s.Columns }},
	},
	{
		Name: DarkLink, Title: "暗链", Realtime: true,
		Vetoes: []Veto{{Item: VetoSerious, Fail: func(f finding.Finding) bool {
			return f.Check == DarkLink && f.Severity == finding.Critical
		}}},
		Section: &Section{Key: "checks.dark_link", Of: func(s *Sections) Validator { return &s.Checks.DarkLink }},
	},
	{
		Name: ExternalLink, Title: "外部链接",
		Deductions: []Deduction{{Item: DeductExternalLinks, Counts: Kinds(ExternalLink, "bad-content")}},
		Section:    &Section{Key: "checks.external_link", Of: func(s *Sections) Validator { return &s.Checks.ExternalLink }},
	},
}

// attachment titles the findings about unreadable files (see Attachment).
var attachment = Finding{Attachment, "附件可读性"}

// confirmedBrokenLink: a firewall that kept the inspection out is not a
// broken link (its one finding says what to whitelist).
func confirmedBrokenLink(f finding.Finding) bool {
	return f.Check == BrokenLink && f.Certainty == finding.Confirmed && f.Kind != "firewall"
}

// onHomepage reports a broken-link finding on the homepage (its details say
// so; the severity alone does not: an intranet link there is medium).
func onHomepage(f finding.Finding) bool {
	home, _ := f.Details["homepage"].(bool)
	return home
}
