package finding

import (
	"fmt"
	"strings"
	"testing"
)

func TestGroup(t *testing.T) {
	var fs []Finding
	// One template link broken on 300 pages, and one page with 500 broken images.
	for i := range 300 {
		fs = append(fs, Finding{Check: "broken-link", Severity: Low, Kind: "http-404", Page: fmt.Sprintf("http://x/p%d", i), Target: "http://x/gone.css", Message: "坏链接"})
	}
	for i := range 500 {
		fs = append(fs, Finding{Check: "broken-link", Severity: Medium, Kind: "http-404", Page: "http://x/hostile", Target: fmt.Sprintf("http://x/i%d.png", i), Message: "坏图片"})
	}
	fs = append(fs, Finding{Check: "typo", Severity: High, Kind: "typo", Page: "http://x/", Message: "错别字"})
	got := Group(fs, 100)
	counts := map[string]int{}
	for _, f := range got {
		counts[f.Check]++
		switch {
		case f.Target == "http://x/gone.css":
			if f.Details["pages"] != 300 || !strings.Contains(f.Message, "共 300 个页面") {
				t.Errorf("template link: %+v", f)
			}
		case f.Page == "http://x/hostile":
			if f.Details["targets"] != 500 {
				t.Errorf("hostile page: %+v", f)
			}
		}
	}
	if counts["broken-link"] != 2 || counts["typo"] != 1 {
		t.Errorf("grouped into %v, want 2 broken-link findings (one per target, one per page) and the typo", counts)
	}
	if len(Group(fs[:50], 100)) != 50 {
		t.Error("under the cap: changed")
	}
}

// Findings that share neither page nor target are listed up to the cap,
// the most urgent first, and the rest counted in one.
func TestGroupTruncates(t *testing.T) {
	var fs []Finding
	for i := range 1000 {
		sev := Low
		if i%100 == 0 {
			sev = Critical
		}
		fs = append(fs, Finding{Check: "privacy", Severity: sev, Kind: "mobile", Page: fmt.Sprintf("http://x/%d", i)})
	}
	got := Group(fs, 50)
	if len(got) != 50 {
		t.Fatalf("%d findings, want 50", len(got))
	}
	for _, f := range got[:10] {
		if f.Severity != Critical {
			t.Errorf("the most urgent are not kept first: %+v", f)
		}
	}
	last := got[49]
	if last.Kind != KindMore || last.Details["count"] != 951 || last.Severity != Low {
		t.Errorf("summary: %+v", last)
	}
}
