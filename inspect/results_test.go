package inspect

import (
	"testing"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
)

type named string

func (n named) Name() string { return string(n) }

// TestResultArtifactsShowEarlierFindings: an artifact that shows a spot
// becomes the screenshot of that check's earlier finding there, not of
// another check's finding at the same spot, and never replaces one a
// finding named itself.
func TestResultArtifactsShowEarlierFindings(t *testing.T) {
	rep := &finding.Report{Measurements: map[string]any{}, Findings: []finding.Finding{
		{Check: catalog.DarkLink, Page: "p", Target: "t", Kind: "display-none"},
		{Check: catalog.SensitiveWord, Page: "p", Target: "t"},
		{Check: catalog.DarkLink, Page: "p", Target: "u", Details: map[string]any{"screenshot": "screenshots/own.png"}},
	}}
	r := result{check: named(catalog.DarkLink), Result: checks.Result{
		Findings:     []finding.Finding{{Check: catalog.DarkLink, Page: "p", Target: "v", Details: map[string]any{"screenshot": "screenshots/v.png"}}},
		Measurements: map[string]any{"rendering": map[string]any{"skipped": false}},
		Artifacts: []checks.Artifact{
			{Name: "screenshots/t.png", Data: []byte("t"), Shows: []checks.Spot{{Page: "p", Target: "t"}}},
			{Name: "screenshots/u.png", Data: []byte("u"), Shows: []checks.Spot{{Page: "p", Target: "u"}}},
			{Name: "screenshots/v.png", Data: []byte("v")},
		},
	}}
	r.addTo(rep)
	shot := func(i int) any { return rep.Findings[i].Details["screenshot"] }
	if shot(0) != "screenshots/t.png" || rep.Findings[1].Details != nil || shot(2) != "screenshots/own.png" || shot(3) != "screenshots/v.png" {
		t.Errorf("screenshots: %v, %v, %v, %v", shot(0), rep.Findings[1].Details, shot(2), shot(3))
	}
	if len(rep.Artifacts) != 3 || string(rep.Artifacts["screenshots/u.png"]) != "u" || rep.Measurements["rendering"] == nil {
		t.Errorf("artifacts %v measurements %v", rep.Artifacts, rep.Measurements)
	}
}

// TestAttachmentFindingsMoveToTheLinkingPage: findings kept by file move to
// the first page linking to it; a file nobody links to keeps its own URL.
func TestAttachmentFindingsMoveToTheLinkingPage(t *testing.T) {
	inFiles := map[string][]finding.Finding{
		"http://x/a.xls": {{Check: catalog.Privacy, Page: "http://x/a.xls", Target: "http://x/a.xls"}},
		"http://x/b.pdf": {{Check: catalog.Attachment, Page: "http://x/b.pdf", Target: "http://x/b.pdf"}},
	}
	refs := map[string][]crawler.Ref{"http://x/a.xls": {{Page: "http://x/list.html", Text: "名单"}, {Page: "http://x/other.html"}}}
	got := linkAttachmentFindings(inFiles, refs)
	if len(got) != 2 {
		t.Fatalf("%d findings", len(got))
	}
	a, b := got[0], got[1]
	if a.Page != "http://x/list.html" || a.Anchor != "名单" || a.Details["linked_from"] != 2 || a.Target != "http://x/a.xls" {
		t.Errorf("linked finding %+v", a)
	}
	if b.Page != "http://x/b.pdf" || b.Details != nil {
		t.Errorf("unlinked finding %+v", b)
	}
}
