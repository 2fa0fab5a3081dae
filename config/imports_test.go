package config_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestNoReportRenderers: the configuration (and so every package that
// only crawls and checks, which imports it) does not link the report
// renderers: the report section's type and validation live in
// reports/layout, not in package reports with its excelize ledger and
// HTML templates.
func TestNoReportRenderers(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".", "../reports/layout").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, self := range []string{"github.com/xunjian/xunjian/config", "github.com/xunjian/xunjian/reports/layout"} {
		if !slices.Contains(deps, self) {
			t.Fatalf("go list -deps does not list %s itself: %v", self, deps)
		}
	}
	for _, d := range deps {
		if d == "github.com/xunjian/xunjian/reports" || strings.HasPrefix(d, "github.com/xuri/excelize") || d == "html/template" {
			t.Errorf("config or reports/layout depends on %s", d)
		}
	}
}
