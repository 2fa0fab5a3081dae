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

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config/section"
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
			p.Bad("deductions."+item, "points and max must be between 0 and 100")
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

// Of evaluates the findings of a report for the checks that ran: each
// check's registry entry says which of its findings fail or warn which
// veto, and which count towards which deduction item.
func Of(r *finding.Report, rules Rules) *finding.Evaluation {
	ran := map[string]bool{}
	for _, c := range r.Checks {
		ran[c] = true
	}
	all := catalog.All()
	e := &finding.Evaluation{}
	for _, item := range catalog.VetoItems() {
		v := finding.Veto{Item: item.Name}
		if item.Manual != "" {
			v.Status, v.Evidence = Unchecked, item.Manual
			e.Vetoes = append(e.Vetoes, v)
			continue
		}
		checked := false
		var fail, warn []finding.Finding
		for _, c := range all {
			for _, part := range c.Vetoes {
				if part.Item != item.Name {
					continue
				}
				checked = checked || ran[c.Name]
				fail = append(fail, selected(r.Findings, part.Fail)...)
				warn = append(warn, selected(r.Findings, part.Warn)...)
			}
		}
		switch {
		case !checked:
			v.Status, v.Evidence = Unchecked, "本次巡检未运行相关检查项"
		case len(fail) > 0:
			v.Status, v.Evidence = Fail, fail[0].Message
			if len(fail) > 1 {
				v.Evidence += fmt.Sprintf("（共 %d 项）", len(fail))
			}
		case len(warn) > 0:
			v.Status, v.Evidence = Warning, warn[0].Message
		default:
			v.Status, v.Evidence = Pass, item.Pass
		}
		e.Vetoes = append(e.Vetoes, v)
	}

	total := 0.0
	for _, item := range catalog.DeductionItems() {
		count := 0
		for _, c := range all {
			for _, part := range c.Deductions {
				if part.Item == item.Key {
					count += len(selected(r.Findings, part.Counts))
				}
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
	e.Score = math.Round((100-total)*10) / 10
	e.Passed = e.Score >= 60
	for _, v := range e.Vetoes {
		if v.Status == Fail {
			e.Passed = false
		}
	}
	return e
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
