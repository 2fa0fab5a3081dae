// Package evaluate pre-evaluates a report against the national indicator
// set for government websites (国办秘函〔2019〕19号): each single-item veto
// (单项否决) passed or failed with its evidence, and the deduction items a
// crawler can see with estimated points, so a webmaster knows before an
// evaluation where the site stands. Point values are estimates for
// prioritising work, configurable, not the evaluators' figures.
package evaluate

import (
	"fmt"
	"math"

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

// Deduction items.
const (
	HomepageLinks = "homepage-broken-links"
	OtherLinks    = "other-broken-links"
	Typos         = "typos"
	IPv6          = "ipv6"
	HTTPS         = "https"
	ExternalLinks = "external-links"
)

var itemNames = map[string]string{
	HomepageLinks: "首页不可用链接", OtherLinks: "其他页面不可用链接", Typos: "错别字",
	IPv6: "未支持 IPv6", HTTPS: "未提供 HTTPS", ExternalLinks: "指向违规内容的外部链接",
}

// ItemName is an item's Chinese name.
func ItemName(item string) string {
	if n, ok := itemNames[item]; ok {
		return n
	}
	return item
}

// Of evaluates the findings of a report for the checks that ran.
func Of(r *finding.Report, rules Rules) *finding.Evaluation {
	ran := map[string]bool{}
	for _, c := range r.Checks {
		ran[c] = true
	}
	has := func(check string, kinds ...string) []finding.Finding {
		var out []finding.Finding
		for _, f := range r.Findings {
			if f.Check != check {
				continue
			}
			if len(kinds) == 0 {
				out = append(out, f)
				continue
			}
			for _, k := range kinds {
				if f.Kind == k {
					out = append(out, f)
				}
			}
		}
		return out
	}
	e := &finding.Evaluation{}
	veto := func(item string, checked bool, fail, warn []finding.Finding, pass string) {
		v := finding.Veto{Item: item}
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
			v.Status, v.Evidence = Pass, pass
		}
		e.Vetoes = append(e.Vetoes, v)
	}
	veto("站点无法访问", ran["connectivity"], has("connectivity", "down"), has("connectivity", "probe-failed"),
		"本次巡检首页探测均成功（一周可用率由 serve 持续监测）")
	veto("首页不更新", ran["columns"], has("stale-column", "homepage"), has("stale-column", "homepage-warning"), "首页两周内有更新")
	veto("栏目不更新", ran["columns"], has("stale-column", "veto-news-notice", "veto-any"), has("stale-column", "stale", "undated"),
		"未达到栏目不更新的否决数量")
	veto("空白栏目", ran["columns"], has("blank-column", "veto"), has("blank-column", "veto-warning", "blank"), "没有空白栏目")
	serious := has("typo", "serious")
	for _, f := range has("dark-link") {
		if f.Severity == finding.Critical {
			serious = append(serious, f)
		}
	}
	veto("严重表述错误（含被挂马、暗链）", ran["typo"] || ran["dark-link"], serious, nil, "未发现严重表述错误和暗链")
	e.Vetoes = append(e.Vetoes, finding.Veto{Item: "互动回应差", Status: Unchecked, Evidence: "需人工核查留言办理情况"})

	count := func(pred func(finding.Finding) bool) int {
		n := 0
		for _, f := range r.Findings {
			if pred(f) {
				n++
			}
		}
		return n
	}
	items := []struct {
		item  string
		count int
	}{
		{HomepageLinks, count(func(f finding.Finding) bool {
			return f.Check == "broken-link" && f.Certainty == finding.Confirmed && onHomepage(f)
		})},
		{OtherLinks, count(func(f finding.Finding) bool {
			return f.Check == "broken-link" && f.Certainty == finding.Confirmed && !onHomepage(f)
		})},
		{Typos, count(func(f finding.Finding) bool { return f.Check == "typo" && f.Kind == "typo" })},
		{IPv6, count(func(f finding.Finding) bool {
			return f.Check == "connectivity" && (f.Kind == "no-ipv6" || f.Kind == "ipv6-unreachable")
		})},
		{HTTPS, count(func(f finding.Finding) bool {
			return f.Check == "connectivity" && (f.Kind == "no-https" || f.Kind == "https-error")
		})},
		{ExternalLinks, count(func(f finding.Finding) bool { return f.Check == "external-link" && f.Kind == "bad-content" })},
	}
	total := 0.0
	for _, it := range items {
		rule, ok := rules[it.item]
		if !ok || it.count == 0 {
			continue
		}
		p := math.Min(rule.Points*float64(it.count), rule.Max)
		p = math.Round(p*10) / 10
		e.Deductions = append(e.Deductions, finding.Deduction{Item: it.item, Name: ItemName(it.item), Count: it.count, Points: p})
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

// onHomepage reports a broken-link finding on the homepage (its details say
// so; the severity alone does not: an intranet link there is medium).
func onHomepage(f finding.Finding) bool {
	home, _ := f.Details["homepage"].(bool)
	return home
}
