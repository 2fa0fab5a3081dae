package evaluate

import (
	"testing"

	"github.com/xunjian/xunjian/finding"
)

var rules = Rules{
	HomepageLinks: {Points: 1, Max: 5}, OtherLinks: {Points: 0.1, Max: 5}, Typos: {Points: 0.5, Max: 5}, IPv6: {Points: 1, Max: 1},
}

var home = map[string]any{"homepage": true}

func report(checks []string, fs ...finding.Finding) *finding.Report {
	return &finding.Report{Checks: checks, Findings: fs}
}

func status(e *finding.Evaluation, item string) string {
	for _, v := range e.Vetoes {
		if v.Item == item {
			return v.Status
		}
	}
	return "missing"
}

func TestOf(t *testing.T) {
	all := []string{"connectivity", "broken-link", "typo", "columns", "dark-link"}
	clean := Of(report(all), rules)
	if !clean.Passed || clean.Score != 100 || status(clean, "站点无法访问") != Pass || status(clean, "互动回应差") != Unchecked {
		t.Errorf("clean site: %+v", clean)
	}
	notRun := Of(report([]string{"broken-link"}), rules)
	if status(notRun, "首页不更新") != Unchecked {
		t.Errorf("columns not run: %+v", notRun.Vetoes)
	}
	bad := Of(report(all,
		finding.Finding{Check: "connectivity", Kind: "down", Message: "首页无法访问"},
		finding.Finding{Check: "stale-column", Kind: "homepage-warning", Message: "首页即将超期"},
		finding.Finding{Check: "blank-column", Kind: "veto", Message: "空白栏目 5 个"},
		finding.Finding{Check: "dark-link", Severity: finding.Critical, Message: "暗链"},
		finding.Finding{Check: "broken-link", Severity: finding.High, Certainty: finding.Confirmed, Details: home},
		finding.Finding{Check: "broken-link", Severity: finding.High, Certainty: finding.Suspected, Details: home},
		// An intranet link on the homepage is medium, but still on the homepage.
		finding.Finding{Check: "broken-link", Kind: "private-address", Severity: finding.Medium, Certainty: finding.Confirmed, Details: home},
		finding.Finding{Check: "broken-link", Severity: finding.Medium, Certainty: finding.Confirmed},
		finding.Finding{Check: "broken-link", Severity: finding.Medium, Certainty: finding.Confirmed},
		finding.Finding{Check: "typo", Kind: "typo"},
		finding.Finding{Check: "connectivity", Kind: "no-ipv6"},
		finding.Finding{Check: "connectivity", Kind: "no-ipv6"},
	), rules)
	for item, want := range map[string]string{
		"站点无法访问": Fail, "首页不更新": Warning, "空白栏目": Fail, "严重表述错误（含被挂马、暗链）": Fail, "栏目不更新": Pass,
	} {
		if got := status(bad, item); got != want {
			t.Errorf("%s: %s, want %s", item, got, want)
		}
	}
	// 2 (homepage) + 0.2 (others) + 0.5 (typo) + 1 (IPv6, capped) = 3.7
	if bad.Score != 96.3 || bad.Passed {
		t.Errorf("score %v passed %v, deductions %+v", bad.Score, bad.Passed, bad.Deductions)
	}
	many := report(all)
	for range 30 {
		many.Findings = append(many.Findings, finding.Finding{Check: "broken-link", Severity: finding.High, Certainty: finding.Confirmed, Details: home})
	}
	if e := Of(many, rules); e.Score != 95 {
		t.Errorf("cap: score %v", e.Score)
	}
}
