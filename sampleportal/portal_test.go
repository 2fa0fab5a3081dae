package sampleportal

import (
	"slices"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/finding"
)

// TestDiff: a report holding exactly Expected has no difference; one
// planted problem dropped, a decoy reported and a problem reported twice
// are each named.
func TestDiff(t *testing.T) {
	p := &Portal{URL: "http://127.0.0.1:1/", ExternalURL: "http://127.0.0.1:2", SpamURL: "http://127.0.0.1:3"}
	report := func(fs []Finding) *finding.Report {
		rep := &finding.Report{}
		for _, f := range fs {
			rep.Findings = append(rep.Findings, finding.Finding{Check: f.Check, Kind: f.Kind, Page: f.Page, Target: f.Target, Severity: finding.Severity(f.Severity)})
		}
		return rep
	}
	for _, browser := range []bool{true, false} {
		want := p.Expected(browser)
		if m, u := p.Diff(report(want), browser); len(m)+len(u) != 0 {
			t.Errorf("browser %v, exact report: missing %v, unexpected %v", browser, m, u)
		}
	}
	want := p.Expected(true)
	dropped := want[3]
	decoy := Finding{"sensitive-word", "gambling", p.URL + "zcwj/jiedu.html", "", "high"}
	got := append(slices.Delete(slices.Clone(want), 3, 4), decoy, want[0])
	m, u := p.Diff(report(got), true)
	if !slices.Equal(m, []Finding{dropped}) {
		t.Errorf("missing %v, want [%v]", m, dropped)
	}
	wantU := []Finding{want[0], decoy}
	slices.SortFunc(wantU, func(a, b Finding) int { return strings.Compare(a.String(), b.String()) })
	if !slices.Equal(u, wantU) {
		t.Errorf("unexpected %v, want %v", u, wantU)
	}
	// Without a browser the rendering-skipped note and the unrendered
	// script column are expected, and what only a browser sees (the hidden
	// injected link, the deleted article of the script column) is not.
	kinds := func(fs []Finding) string {
		var k []string
		for _, f := range fs {
			k = append(k, f.Kind)
		}
		slices.Sort(k)
		return strings.Join(k, ",")
	}
	if m, u := p.Diff(report(p.Expected(true)), false); kinds(m) != "rendering-skipped,unrendered" || kinds(u) != "not-found,off-screen" {
		t.Errorf("browser report judged without a browser: missing %v, unexpected %v", m, u)
	}
}

// TestIncompleteDiff: the report must be incomplete for exactly the
// planted firewall section.
func TestIncompleteDiff(t *testing.T) {
	p := &Portal{URL: "http://127.0.0.1:1/"}
	line := p.ExpectedIncomplete()[0] + "，1 个地址未能检查（见“巡检被网站防火墙拦截”问题）"
	for _, tc := range []struct {
		name string
		rep  finding.Report
		ok   bool
	}{
		{"exact", finding.Report{Incomplete: []string{line}}, true},
		{"marked complete", finding.Report{Complete: true}, false},
		{"another reason too", finding.Report{Incomplete: []string{line, "巡检被中断"}}, false},
		{"firewall missing", finding.Report{Incomplete: []string{"巡检被中断"}}, false},
	} {
		if d := p.IncompleteDiff(&tc.rep); (d == "") != tc.ok {
			t.Errorf("%s: diff %q", tc.name, d)
		}
	}
}
