package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/checks"
	"github.com/xunjian/xunjian/rules"
)

// testChecks is the real registry: defaults and example configs must name
// registered checks only.
var testChecks = checks.Names()

func TestDefaultsValid(t *testing.T) {
	c := rules.Default()
	if err := c.Validate(testChecks); err != nil {
		t.Fatalf("embedded defaults do not validate: %v", err)
	}
	if c.Crawl.MaxPages < 100000 {
		t.Errorf("default page cap %d is below a large county portal's 100,000 pages", c.Crawl.MaxPages)
	}
	if c.Crawl.Timeout.D().Seconds() != 15 {
		t.Errorf("default timeout = %v, want 15s (national rule)", c.Crawl.Timeout.D())
	}
	if c.Crawl.RobotsTxt {
		t.Error("robots.txt must be off by default for one's own site")
	}
}

func TestExampleConfigLoads(t *testing.T) {
	c, err := rules.Load(filepath.Join("..", "xunjian.example.yaml"), testChecks)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sites) == 0 || c.Sites[0].Name == "" {
		t.Errorf("example config has no named site: %+v", c.Sites)
	}
}

// TestBadConfigs loads every testdata/bad/*.yaml and expects the error text
// kept beside it in the .err file.
func TestBadConfigs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad configs found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			_, err = rules.Load(f, testChecks)
			if err == nil {
				t.Fatal("config loaded, want an error")
			}
			for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
				if !strings.Contains(err.Error(), line) {
					t.Errorf("error %q\ndoes not contain %q", err, line)
				}
			}
		})
	}
}

func TestSentinels(t *testing.T) {
	_, err := rules.Parse([]byte("checks:\n  enabled: [nope]\n"), testChecks)
	if !errors.Is(err, rules.ErrUnknownCheck) {
		t.Errorf("unknown check: err = %v, want rules.ErrUnknownCheck", err)
	}
	_, err = rules.Parse([]byte("crawl:\n  rate: 0\n"), testChecks)
	if !errors.Is(err, rules.ErrInvalidValue) {
		t.Errorf("zero rate: err = %v, want rules.ErrInvalidValue", err)
	}
	c, err := rules.Parse([]byte("report:\n  fail_on: medium\n"), testChecks)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RequireSites(); !errors.Is(err, rules.ErrNoSites) {
		t.Errorf("RequireSites = %v, want rules.ErrNoSites", err)
	}
}
