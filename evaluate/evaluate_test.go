package evaluate

import (
	"encoding/json"
	"strings"
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
	all := []string{"connectivity", "broken-link", "typo", "columns", "dark-link", "external-link"}
	clean := Of(report(all), rules, Inputs{})
	if !clean.Passed || clean.Score == nil || *clean.Score != 100 || status(clean, "站点无法访问") != Pass || status(clean, "互动回应差") != Unchecked {
		t.Errorf("clean site: %+v", clean)
	}
	notRun := Of(report([]string{"broken-link"}), rules, Inputs{})
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
	), rules, Inputs{})
	for item, want := range map[string]string{
		"站点无法访问": Fail, "首页不更新": Warning, "空白栏目": Fail, "严重表述错误（含被挂马、暗链）": Fail, "栏目不更新": Pass,
	} {
		if got := status(bad, item); got != want {
			t.Errorf("%s: %s, want %s", item, got, want)
		}
	}
	// 2 (homepage) + 0.2 (others) + 0.5 (typo) + 1 (IPv6, capped) = 3.7
	if bad.Score == nil || *bad.Score != 96.3 || bad.Passed {
		t.Errorf("score %v passed %v, deductions %+v", bad.Score, bad.Passed, bad.Deductions)
	}
	many := report(all)
	for range 30 {
		many.Findings = append(many.Findings, finding.Finding{Check: "broken-link", Severity: finding.High, Certainty: finding.Confirmed, Details: home})
	}
	if e := Of(many, rules, Inputs{}); e.Score == nil || *e.Score != 95 {
		t.Errorf("cap: score %v", e.Score)
	}
}

func vetoOf(e *finding.Evaluation, item string) finding.Veto {
	for _, v := range e.Vetoes {
		if v.Item == item {
			return v
		}
	}
	return finding.Veto{}
}

var allChecks = []string{"connectivity", "broken-link", "sensitive-word", "typo", "privacy", "columns", "dark-link", "external-link"}

// TestUnreachableSiteClaimsNothing: the homepage could not be opened, so
// nothing judged from pages passes and no score is estimated; the outage
// itself fails its veto.
func TestUnreachableSiteClaimsNothing(t *testing.T) {
	rep := report(allChecks,
		finding.Finding{Check: "connectivity", Kind: "down", Severity: finding.High, Message: "首页无法访问：3 次探测全部失败"},
		finding.Finding{Check: "connectivity", Kind: "no-ipv6", Severity: finding.Low, Message: "没有 IPv6"},
	)
	e := Of(rep, rules, Inputs{NoContent: "首页无法打开（连接被拒绝），网站内容未能检查"})
	if got := status(e, "站点无法访问"); got != Fail {
		t.Errorf("站点无法访问 = %s, want fail", got)
	}
	for _, item := range []string{"首页不更新", "栏目不更新", "空白栏目", "严重表述错误（含被挂马、暗链）"} {
		v := vetoOf(e, item)
		if v.Status != Unchecked || !strings.Contains(v.Evidence, "首页无法打开") || strings.Contains(v.Evidence, "通过") {
			t.Errorf("%s = %s %q, want unchecked saying why", item, v.Status, v.Evidence)
		}
	}
	if e.Score != nil || !strings.Contains(e.ScoreNote, "首页无法打开") || !strings.Contains(e.ScoreLabel(), "无法估算") {
		t.Errorf("score %v note %q, want none and why", e.Score, e.ScoreNote)
	}
	if e.Verdict != finding.VerdictFail || e.Passed {
		t.Errorf("verdict %s passed %v, want fail (the outage fails a veto)", e.Verdict, e.Passed)
	}
	b, _ := json.Marshal(e)
	if strings.Contains(string(b), `"score"`) {
		t.Errorf("JSON claims a score: %s", b)
	}
}

// TestPartialAndFailedChecks: an interrupted run passes nothing judged from
// pages but keeps what it found; a failed check leaves its items unchecked;
// with nothing failed the verdict is unknown, not pass.
func TestPartialAndFailedChecks(t *testing.T) {
	rep := report(allChecks, finding.Finding{Check: "stale-column", Kind: "stale", Severity: finding.High, Message: "栏目不更新：“工作动态”"})
	rep.CheckErrors = map[string]string{"dark-link": "render: boom"}
	e := Of(rep, rules, Inputs{Partial: "巡检不完整（巡检被中断）"})
	if v := vetoOf(e, "首页不更新"); v.Status != Unchecked || !strings.Contains(v.Evidence, "巡检被中断") {
		t.Errorf("首页不更新 = %+v", v)
	}
	if v := vetoOf(e, "栏目不更新"); v.Status != Warning || !strings.Contains(v.Evidence, "工作动态") || !strings.Contains(v.Evidence, "未检查") {
		t.Errorf("栏目不更新 = %+v, want the warning and what was not checked", v)
	}
	if v := vetoOf(e, "严重表述错误（含被挂马、暗链）"); v.Status != Unchecked || !strings.Contains(v.Evidence, "暗链") {
		t.Errorf("严重表述错误 = %+v, want unchecked naming the failed check", v)
	}
	if v := vetoOf(e, "站点无法访问"); v.Status != Pass {
		t.Errorf("站点无法访问 = %+v: the probes ran whole", v)
	}
	if e.Score != nil || e.Verdict != finding.VerdictUnknown || e.Passed {
		t.Errorf("score %v verdict %s passed %v, want no score, unknown", e.Score, e.Verdict, e.Passed)
	}
}

// TestVetoListsAllEvidence: a veto failed for a wording error and three
// gambling dark links names all four, critical first; every stale column
// is named under 栏目不更新.
func TestVetoListsAllEvidence(t *testing.T) {
	rep := report(allChecks,
		finding.Finding{ID: "1", Check: "typo", Kind: "serious", Severity: finding.Critical, Message: "严重表述错误：中华人民共合国"},
		finding.Finding{ID: "2", Check: "dark-link", Kind: "display-none", Severity: finding.Critical, Message: "暗链：澳门博彩"},
		finding.Finding{ID: "3", Check: "dark-link", Kind: "tiny-marquee", Severity: finding.Critical, Message: "暗链：体育投注"},
		finding.Finding{ID: "4", Check: "dark-link", Kind: "script-written", Severity: finding.Critical, Message: "暗链：百家乐"},
		finding.Finding{ID: "5", Check: "stale-column", Kind: "stale", Severity: finding.Medium, Message: "栏目不更新：“人事信息”"},
		finding.Finding{ID: "6", Check: "stale-column", Kind: "stale", Severity: finding.High, Message: "栏目不更新：“工作动态”"},
		finding.Finding{ID: "7", Check: "stale-column", Kind: "veto-news-notice", Severity: finding.Critical, Message: "5 个栏目不更新"},
	)
	e := Of(rep, rules, Inputs{})
	v := vetoOf(e, "严重表述错误（含被挂马、暗链）")
	if v.Status != Fail || len(v.Findings) != 4 {
		t.Fatalf("严重表述错误 = %+v, want fail with 4 findings", v)
	}
	for _, w := range []string{"中华人民共合国", "澳门博彩", "体育投注", "百家乐", "共 4 项"} {
		if !strings.Contains(v.Evidence, w) {
			t.Errorf("evidence %q lacks %q", v.Evidence, w)
		}
	}
	c := vetoOf(e, "栏目不更新")
	if c.Status != Fail || len(c.Findings) != 3 || c.Findings[0].ID != "7" || c.Findings[1].ID != "6" || c.Findings[2].ID != "5" {
		t.Errorf("栏目不更新 = %+v, want the veto finding then every stale column, most serious first", c)
	}
	if !strings.Contains(c.Evidence, "人事信息") || !strings.Contains(c.Evidence, "工作动态") {
		t.Errorf("栏目不更新 evidence %q names not every stale column", c.Evidence)
	}
	if e.Verdict != finding.VerdictFail || e.Score == nil {
		t.Errorf("verdict %s score %v", e.Verdict, e.Score)
	}
}
