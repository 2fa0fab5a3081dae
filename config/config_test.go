package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config"
)

func TestDefaultsValid(t *testing.T) {
	c := config.Default()
	if err := c.Validate(); err != nil {
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
	c, err := config.Load(filepath.Join("..", "xunjian.example.yaml"))
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
			_, err = config.Load(f)
			if err == nil {
				t.Fatal("config loaded, want an error")
			}
			// Every problem at once: one line of the .err file each.
			lines := strings.Split(strings.TrimSpace(string(want)), "\n")
			for _, line := range lines {
				if !strings.Contains(err.Error(), strings.TrimSpace(line)) {
					t.Errorf("error %q\ndoes not contain %q", err, line)
				}
			}
			var fe *config.Error
			if !errors.As(err, &fe) || fe.File != f || len(fe.Problems) != len(lines) {
				t.Errorf("error %#v: want a *config.Error of %s with %d problems", err, f, len(lines))
			}
		})
	}
}

func TestSentinels(t *testing.T) {
	_, err := config.Parse([]byte("checks:\n  enabled: [nope]\n"))
	if !errors.Is(err, config.ErrUnknownCheck) {
		t.Errorf("unknown check: err = %v, want config.ErrUnknownCheck", err)
	}
	_, err = config.Parse([]byte("crawl:\n  rate: 0\n"))
	if !errors.Is(err, config.ErrInvalidValue) {
		t.Errorf("zero rate: err = %v, want config.ErrInvalidValue", err)
	}
	c, err := config.Parse([]byte("report:\n  fail_on: medium\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RequireSites(); !errors.Is(err, config.ErrNoSites) {
		t.Errorf("RequireSites = %v, want config.ErrNoSites", err)
	}
}

// TestValidateReadsNoFile: a pack that does not exist passes validation
// (which reads nothing) and fails loading, naming the section.
func TestValidateReadsNoFile(t *testing.T) {
	data := []byte("content:\n  typo_packs: [/nonexistent/typos.txt]\n")
	c, err := config.Parse(data)
	if err != nil {
		t.Fatalf("Parse = %v, want no error: validation must not read pack files", err)
	}
	err = c.CheckPacks()
	if !errors.Is(err, config.ErrInvalidValue) || !strings.Contains(err.Error(), "content：无法读取规则包 /nonexistent/typos.txt：文件或目录不存在（open /nonexistent/typos.txt") {
		t.Errorf("CheckPacks = %v", err)
	}
}
