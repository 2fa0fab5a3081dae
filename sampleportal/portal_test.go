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
	// Without a browser the rendering-skipped note is expected, and the
	// link only a browser sees is not.
	if m, u := p.Diff(report(p.Expected(true)), false); len(m) != 1 || m[0].Kind != "rendering-skipped" || len(u) != 1 || u[0].Kind != "off-screen" {
		t.Errorf("browser report judged without a browser: missing %v, unexpected %v", m, u)
	}
}
