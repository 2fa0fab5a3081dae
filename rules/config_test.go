package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testChecks = []string{"connectivity", "broken-link"}

func TestDefaultsValid(t *testing.T) {
	c := Default()
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
	c, err := Load(filepath.Join("..", "xunjian.example.yaml"), testChecks)
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
			_, err = Load(f, testChecks)
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
	_, err := Parse([]byte("checks:\n  enabled: [nope]\n"), testChecks)
	if !errors.Is(err, ErrUnknownCheck) {
		t.Errorf("unknown check: err = %v, want ErrUnknownCheck", err)
	}
	_, err = Parse([]byte("crawl:\n  rate: 0\n"), testChecks)
	if !errors.Is(err, ErrInvalidValue) {
		t.Errorf("zero rate: err = %v, want ErrInvalidValue", err)
	}
	c, err := Parse([]byte("report:\n  fail_on: medium\n"), testChecks)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RequireSites(); !errors.Is(err, ErrNoSites) {
		t.Errorf("RequireSites = %v, want ErrNoSites", err)
	}
}
