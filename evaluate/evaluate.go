// Package evaluate pre-evaluates a report against the national indicator
// set for government websites (国办秘函〔2019〕19号): each single-item veto
// (单项否决) passed or failed with its evidence, and the deduction items a
// crawler can see with estimated points, so a webmaster knows before an
// evaluation where the site stands. Point values are estimates for
// prioritising work, configurable, not the evaluators' figures.
package evaluate

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config/section"
	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/finding"
)

// Veto statuses.
const (
	Pass      = finding.VetoPass
	Fail      = finding.VetoFail
	Warning   = finding.VetoWarning
	Unchecked = finding.VetoUnchecked
)

// Rule gives a deduction item its points per finding and its cap.
type Rule struct {
	Points float64 `yaml:"points"`
	Max    float64 `yaml:"max"`
}

// Rules are the deduction estimates by item.
type Rules map[string]Rule

// Config is the evaluation section of the configuration (`evaluation:`).
type Config struct {
	// Deductions give points per finding and a cap, by item.
	Deductions Rules `yaml:"deductions"`
}

// Validate checks the estimates.
func (c *Config) Validate(p *section.Problems) {
	for _, item := range slices.Sorted(maps.Keys(c.Deductions)) {
		if d := c.Deductions[item]; d.Points < 0 || d.Max < 0 || d.Max > 100 {
			p.Bad("deductions."+item, "points 和 max 应在 0 到 100 之间")
		}
	}
}

// Deduction items (the catalog's keys).
const (
	HomepageLinks = catalog.DeductHomepageLinks
	OtherLinks    = catalog.DeductOtherLinks
	Typos         = catalog.DeductTypos
	IPv6          = catalog.DeductIPv6
	HTTPS         = catalog.DeductHTTPS
	ExternalLinks = catalog.DeductExternalLinks
)

// ItemName is a deduction item's Chinese name.
func ItemName(item string) string {
	for _, it := range catalog.DeductionItems() {
		if it.Key == item {
			return it.Name
		}
	}
	return item
}

// Inputs say what the inspection could gather, so that the evaluation
// claims nothing its evidence does not support.
type Inputs struct {
	// NoContent, when set, says why none of the site's pages could be read
	// (首页无法打开…): every item judged from pages is unchecked and
	// there is no score.
	NoContent string
	// Partial, when set, says why the pages were read only in part (the
	// run was interrupted, a cap was reached): nothing judged from pages
	// passes, and there is no score; what was found still fails or warns.
	Partial string
}

// Of evaluates the findings of a report for the checks that ran: each
// check's registry entry says which of its findings fail or warn which
// veto, and which count towards which deduction item. An item whose
// evidence could not be gathered (its check did not run or failed, the
// pages could not be read) is unchecked, saying why, unless what was
// found already fails it; the score is estimated only when every
// deduction item's evidence was gathered.
func Of(r *finding.Report, rules Rules, in Inputs) *finding.Evaluation {
	ran := map[string]bool{}
	for _, c := range r.Checks {
		ran[c] = true
	}
	all := catalog.All()
	// missing says why a check's evidence is missing, "" when it is not.
	missing := func(c catalog.Check) string {
		switch {
		case !ran[c.Name]:
			return "本次巡检未运行相关检查项（" + c.Title + "）"
		case r.CheckErrors[c.Name] != "":
			return "检查项“" + c.Title + "”未能完成：" + explain.Text(firstLine(r.CheckErrors[c.Name]))
		case !c.Probe && in.NoContent != "":
			return in.NoContent
		}
		return ""
	}
	partial := func(c catalog.Check) string {
		if c.Probe {
			return ""
		}
		return in.Partial
	}
	e := &finding.Evaluation{}
	var manual []string
	for _, item := range catalog.VetoItems() {
		v := finding.Veto{Item: item.Name}
		if item.Manual != "" {
			v.Status, v.Evidence = Unchecked, item.Manual
			e.Vetoes = append(e.Vetoes, v)
			manual = append(manual, item.Name)
			continue
		}
		var fail, warn []finding.Finding
		var why, part []string
		checked := false
		for _, c := range all {
			for _, p := range c.Vetoes {
				if p.Item != item.Name {
					continue
				}
				if m := missing(c); m != "" {
					why = append(why, m)
				} else {
					checked = true
				}
				if pa := partial(c); pa != "" && ran[c.Name] {
					part = append(part, pa)
				}
				fail = append(fail, selected(r.Findings, p.Fail)...)
				warn = append(warn, selected(r.Findings, p.Warn)...)
			}
		}
		why, part = uniq(why), uniq(part)
		switch {
		case len(fail) > 0:
			v.Status = Fail
			v.Findings = vetoFindings(append(bySeverity(fail), bySeverity(warn)...))
			v.Evidence = evidence(fail, warn)
		case !checked:
			v.Status, v.Evidence = Unchecked, join(why)
		case len(warn) > 0:
			v.Status = Warning
			v.Findings = vetoFindings(bySeverity(warn))
			v.Evidence = evidence(nil, warn)
			if len(why)+len(part) > 0 {
				v.Evidence += "。另有未检查的部分：" + join(append(why, part...))
			}
		case len(why)+len(part) > 0:
			v.Status, v.Evidence = Unchecked, "未能判定通过：已检查的部分未发现问题，但"+join(append(why, part...))
		default:
			v.Status, v.Evidence = Pass, item.Pass
		}
		e.Vetoes = append(e.Vetoes, v)
	}

	total := 0.0
	var noScore []string
	for _, item := range catalog.DeductionItems() {
		count := 0
		for _, c := range all {
			for _, part := range c.Deductions {
				if part.Item != item.Key {
					continue
				}
				if m := missing(c); m != "" {
					noScore = append(noScore, m)
				} else if pa := partial(c); pa != "" {
					noScore = append(noScore, pa)
				}
				count += len(selected(r.Findings, part.Counts))
			}
		}
		rule, ok := rules[item.Key]
		if !ok || count == 0 {
			continue
		}
		p := math.Min(rule.Points*float64(count), rule.Max)
		p = math.Round(p*10) / 10
		e.Deductions = append(e.Deductions, finding.Deduction{Item: item.Key, Name: item.Name, Count: count, Points: p})
		total += p
	}
	if noScore = uniq(noScore); len(noScore) == 0 {
		score := math.Round((100-total)*10) / 10
		e.Score = &score
	} else {
		e.ScoreNote = join(noScore)
	}
	e.Settle(manual...)
	return e
}

// maxEvidence caps the findings a veto's evidence line quotes; the veto's
// Findings list them all.
const maxEvidence = 20

// evidence quotes every finding that fails (then warns) a veto, the most
// serious first: "严重表述错误：…；暗链：…（共 4 项）".
func evidence(fail, warn []finding.Finding) string {
	all := append(bySeverity(fail), bySeverity(warn)...)
	var msgs []string
	seen := map[string]bool{}
	for _, f := range all {
		if !seen[f.Message] {
			seen[f.Message] = true
			msgs = append(msgs, f.Message)
		}
	}
	out := strings.Join(msgs[:min(len(msgs), maxEvidence)], "；")
	if len(msgs) > maxEvidence {
		out += fmt.Sprintf("；等（另有 %d 项）", len(msgs)-maxEvidence)
	}
	if len(all) > 1 {
		out += fmt.Sprintf("（共 %d 项）", len(all))
	}
	return out
}

// bySeverity orders findings most serious first, keeping report order
// among equals.
func bySeverity(fs []finding.Finding) []finding.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b finding.Finding) int { return b.Severity.Rank() - a.Severity.Rank() })
	return out
}

func vetoFindings(fs []finding.Finding) []finding.VetoFinding {
	out := make([]finding.VetoFinding, 0, len(fs))
	seen := map[string]bool{}
	for _, f := range fs {
		key := f.ID + "\x00" + f.Check + f.Kind + f.Page + f.Target + f.Match
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, finding.VetoFinding{ID: f.ID, Check: f.Check, Severity: f.Severity, Message: f.Message, Page: f.Page})
	}
	return out
}

func uniq(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func join(s []string) string { return strings.Join(s, "；") }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// selected returns the findings pred selects, in report order.
func selected(fs []finding.Finding, pred func(finding.Finding) bool) []finding.Finding {
	if pred == nil {
		return nil
	}
	var out []finding.Finding
	for _, f := range fs {
		if pred(f) {
			out = append(out, f)
		}
	}
	return out
}
