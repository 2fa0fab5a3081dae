package catalog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config/section"
	"github.com/xunjian/xunjian/finding"
)

// TestEntriesConsistent: names and finding names are unique, every veto
// and deduction part names an item of the indicator set, every item a
// check can see has a check with a part in it, and section keys are unique.
func TestEntriesConsistent(t *testing.T) {
	seen := map[string]string{}
	sections := map[string]bool{}
	vetoItems := map[string]bool{}
	for _, it := range VetoItems() {
		vetoItems[it.Name] = false
		if (it.Pass == "") == (it.Manual == "") {
			t.Errorf("veto item %s: want a pass evidence or a manual note, not both", it.Name)
		}
	}
	deductionItems := map[string]bool{}
	for _, it := range DeductionItems() {
		deductionItems[it.Key] = false
	}
	for _, c := range All() {
		if c.Name == "" || c.Title == "" || c.Title == c.Name {
			t.Errorf("check %q: title %q", c.Name, c.Title)
		}
		names := append([]string{c.Name}, c.FindingNames()...)
		for _, n := range slices.Compact(names) {
			if other, dup := seen[n]; dup {
				t.Errorf("name %q used by %s and %s", n, other, c.Name)
			}
			seen[n] = c.Name
			if Title(n) == n {
				t.Errorf("finding name %q has no title", n)
			}
		}
		for _, v := range c.Vetoes {
			if _, ok := vetoItems[v.Item]; !ok {
				t.Errorf("check %s: veto item %q is not in VetoItems", c.Name, v.Item)
			}
			vetoItems[v.Item] = true
			if v.Fail == nil && v.Warn == nil {
				t.Errorf("check %s: veto %s selects nothing", c.Name, v.Item)
			}
		}
		for _, d := range c.Deductions {
			if _, ok := deductionItems[d.Item]; !ok {
				t.Errorf("check %s: deduction item %q is not in DeductionItems", c.Name, d.Item)
			}
			deductionItems[d.Item] = true
		}
		if s := c.Section; s != nil {
			if sections[s.Key] || s.Of == nil {
				t.Errorf("check %s: section %q duplicated or without accessor", c.Name, s.Key)
			}
			sections[s.Key] = true
		}
	}
	for _, it := range VetoItems() {
		if it.Manual == "" && !vetoItems[it.Name] {
			t.Errorf("veto item %s: no check has a part in it", it.Name)
		}
	}
	for key, used := range deductionItems {
		if !used {
			t.Errorf("deduction item %s: no check counts towards it", key)
		}
	}
	if Title(Attachment) == Attachment {
		t.Error("attachment findings have no title")
	}
}

func TestRealtimeAndOwners(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    finding.Finding
		want bool
	}{
		{"dark-link-info", finding.Finding{Check: DarkLink, Severity: finding.Info}, true},
		{"privacy-medium", finding.Finding{Check: Privacy, Severity: finding.Medium}, true},
		{"typo-critical", finding.Finding{Check: Typo, Severity: finding.Critical}, true},
		{"stale-column-high", finding.Finding{Check: StaleColumn, Severity: finding.High}, false},
		{"broken-link-high", finding.Finding{Check: BrokenLink, Severity: finding.High}, false},
		{"unknown-low", finding.Finding{Check: "later-check", Severity: finding.Low}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Realtime(tc.f); got != tc.want {
				t.Errorf("Realtime = %v, want %v", got, tc.want)
			}
		})
	}
	if c, ok := Owner(BlankColumn); !ok || c.Name != Columns {
		t.Errorf("Owner(blank-column) = %v %v", c.Name, ok)
	}
	if got := FindingChecks(Columns); !slices.Equal(got, []string{StaleColumn, BlankColumn}) {
		t.Errorf("FindingChecks(columns) = %v", got)
	}
	if got := Title("later-check"); got != "later-check" {
		t.Errorf("Title of an unknown name = %q", got)
	}
}

// TestSectionsValidateThroughRegistry: a registered check's section is
// validated under its key, through its registry entry.
func TestSectionsValidateThroughRegistry(t *testing.T) {
	s := Sections{Checks: Settings{Enabled: []string{DarkLink, "nope"}}}
	s.Checks.Connectivity = ConnectivityConfig{Probes: 1, Timeout: Duration(1)}
	s.Checks.BrokenLink.MaxPagesPerTarget = 1
	s.Checks.DarkLink = DarkLinkConfig{Tabs: 99, RenderTimeout: Duration(1)}
	s.Columns = ColumnsConfig{DefaultType: ColumnNews, MinListEntries: 1,
		Days: map[string]int{ColumnNews: 1, ColumnNotice: 1, ColumnBasic: 1, ColumnHomepage: 1}}
	p := section.NewProblems()
	s.Validate(p)
	err := p.Err()
	for _, want := range []string{
		`checks.enabled[1]：没有检查项“nope”`,
		"checks.dark_link.tabs：应在 1 到 16 之间，现为 99",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\ndoes not contain %q", err, want)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 2 {
		t.Errorf("%d problems, want 2: %v", n, err)
	}
}

// TestLightConsumers: the packages that only need to know about checks
// (titles, finding names, alerting, vetoes, config sections) do not pull in
// the checks' heavy machinery: colly, Chromium (chromedp), PDFium (wazero).
func TestLightConsumers(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../reports", "../alert", "../evaluate", "../config", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/xunjian/xunjian/catalog") {
		t.Fatalf("go list -deps does not list catalog itself: %v", deps)
	}
	for _, d := range deps {
		for _, heavy := range []string{"github.com/gocolly/colly", "github.com/chromedp/", "github.com/klippa-app/go-pdfium", "github.com/tetratelabs/wazero", "github.com/xunjian/xunjian/checks", "github.com/xunjian/xunjian/crawler"} {
			if strings.HasPrefix(d, heavy) {
				t.Errorf("reports, alert, evaluate or config depends on %s", d)
			}
		}
	}
}

// TestNoCheckNameLiterals: outside the catalog, code names checks and
// finding names through the catalog's constants, never as string literals
// (tests and the sample portal's expected findings aside). The literals
// listed here are other things that happen to share a name.
func TestNoCheckNameLiterals(t *testing.T) {
	names := map[string]bool{Attachment: true}
	for _, c := range All() {
		names[c.Name] = true
		for _, n := range c.FindingNames() {
			names[n] = true
		}
	}
	allowed := map[string]bool{
		"checks/typo.go:typo":                   true, // the finding kind of an ordinary typo
		"checks/content.go:attachment":          true, // the text segment of a file
		"extract/extract.go:attachment":         true, // the same segment, made there
		"crawler/page.go:attachment":            true, // a link's kind
		"crawler/readers/readers.go:attachment": true, // a reader link's kind
		"crawler/readers/gateway.go:attachment": true, // Content-Disposition's type
	}
	productSources(t, func(rel string, _ *token.FileSet, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			if field, ok := n.(*ast.Field); ok {
				// Struct tags (yaml:"columns") are keys, not names.
				if field.Type != nil {
					ast.Inspect(field.Type, visitLiterals(t, rel, names, allowed))
				}
				return false
			}
			return visitLiterals(t, rel, names, allowed)(n)
		})
	})
}

// productSources parses every Go file of the product (not tests, not the
// catalog itself, the sample portal, benchmarks or test data) and hands
// each to fn with its path relative to the repository.
func productSources(t *testing.T, fn func(rel string, fset *token.FileSet, f *ast.File)) {
	t.Helper()
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch rel {
			case "catalog", "sampleportal", "bench", ".git", "testdata":
				return filepath.SkipDir
			}
			if strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		fn(filepath.ToSlash(rel), fset, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func visitLiterals(t *testing.T, file string, names, allowed map[string]bool) func(ast.Node) bool {
	return func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err == nil && names[s] && !allowed[filepath.ToSlash(file)+":"+s] {
			t.Errorf("%s: literal %q: use the catalog's constant", file, s)
		}
		return true
	}
}

// TestKindLabels: every finding name a check reports under has Chinese
// labels for its kinds, with a default for kinds a later version adds.
func TestKindLabels(t *testing.T) {
	names := []string{Attachment}
	for _, c := range All() {
		names = append(names, c.FindingNames()...)
	}
	han := regexp.MustCompile(`\p{Han}`)
	for _, n := range names {
		labels := KindLabels(n)
		if labels[""] == "" {
			t.Errorf("%s: no default label", n)
		}
		for kind, l := range labels {
			if !han.MatchString(l) {
				t.Errorf("%s/%s: label %q is not Chinese", n, kind, l)
			}
		}
		if KindLabel(n, "some-future-kind") != labels[""] {
			t.Errorf("%s: an unknown kind does not get the default label", n)
		}
	}
	if KindLabel("not-a-check", "odd") != "odd" {
		t.Error("an unknown finding name's kind is not kept as is")
	}
}
