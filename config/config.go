// Package config reads xunjian's configuration file: the sites to inspect,
// the crawl policy, the checks' settings, the rule packs to load, the
// pre-evaluation's estimates, the daily service, alerts and reports.
// Defaults live in an embedded YAML file (defaults.yaml) and follow the
// national indicator set; a user's file is decoded strictly on top of them,
// so a typo in a key fails loudly, naming the key.
//
// Each section's struct and its validation live beside what it configures
// when that package does not read the whole configuration itself: the
// checks' sections with their descriptions in catalog, the content section
// with the rule packs in rules, the report section in reports, the
// deduction estimates in evaluate. Sections of the packages that run whole
// configurations (the crawl, serve and its alerts) live here, one file
// each. Validate asks every section to validate itself and does no I/O.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config/section"
	"github.com/xunjian/xunjian/evaluate"
	"github.com/xunjian/xunjian/reports"
	"github.com/xunjian/xunjian/rules"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// DefaultsYAML returns the embedded default configuration, as documented.
func DefaultsYAML() []byte { return bytes.Clone(defaultsYAML) }

// Sentinel errors, checked with errors.Is.
var (
	ErrNoSites      = errors.New("no site to inspect")
	ErrInvalidValue = section.ErrInvalidValue
	ErrUnknownCheck = section.ErrUnknownCheck
)

// Duration is a time.Duration written as "15s" or "500ms" in YAML.
type Duration = section.Duration

// Config is a whole xunjian configuration file.
type Config struct {
	Sites []Site `yaml:"sites"`
	Crawl Crawl  `yaml:"crawl"`
	// Sections are the checks' settings: the `checks:` and `columns:` keys.
	catalog.Sections `yaml:",inline"`
	Content          rules.Content `yaml:"content"`
	// Evaluation estimates the indicator set's deduction points.
	Evaluation evaluate.Config `yaml:"evaluation"`
	Serve      Serve           `yaml:"serve"`
	Alerts     Alerts          `yaml:"alerts"`
	Report     reports.Config  `yaml:"report"`
	// Ignore lists finding ids a webmaster reviewed and marked as ignored
	// (忽略): they are left out of reports and alerts.
	Ignore []string `yaml:"ignore"`
}

// Default returns the embedded defaults.
func Default() Config {
	var c Config
	if err := decodeStrict(defaultsYAML, &c); err != nil {
		// The embedded file is tested; failing here is a build defect.
		panic(fmt.Sprintf("config: embedded defaults.yaml: %v", err))
	}
	return c
}

// Load reads a config file over the defaults, validates it, and loads the
// rule packs it names (CheckPacks): a file that would fail an inspection
// fails here, naming the key.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(data)
	if err == nil {
		err = c.CheckPacks()
	}
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes YAML over the defaults and validates the result. Sites may be
// empty here: the command line can add them; callers that need sites call
// RequireSites.
func Parse(data []byte) (Config, error) {
	c := Default()
	if err := decodeStrict(data, &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func decodeStrict(data []byte, out *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w", cleanYAMLError(err))
	}
	return nil
}

// cleanYAMLError turns yaml.v3's Go-type wording into the user's keys.
func cleanYAMLError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  ")
	if i := strings.Index(msg, " not found in type "); i >= 0 {
		msg = strings.Replace(msg[:i], "field ", "unknown key ", 1)
	}
	return errors.New(msg)
}

// RequireSites fails when there is nothing to inspect.
func (c *Config) RequireSites() error {
	if len(c.Sites) == 0 {
		return ErrNoSites
	}
	return nil
}

// Validate asks every section to check its values, and returns every
// problem found, each naming its key. It reads no file: Load also loads
// the rule packs (CheckPacks).
func (c *Config) Validate() error {
	p := section.NewProblems()
	keys := map[string]int{}
	for i := range c.Sites {
		sp := p.Sub(fmt.Sprintf("sites[%d]", i))
		c.Sites[i].Validate(sp)
		// Sites are keyed by their whole homepage URL (history, report
		// folders): two entries with one key would share one history
		// and one of them would never be inspected.
		if _, err := ParseSiteURL(c.Sites[i].URL); err == nil {
			k := reports.SiteDir(c.Sites[i].URL)
			if j, dup := keys[k]; dup {
				sp.Bad("url", "%q is the homepage of sites[%d] already (same host, path and query): remove one entry", c.Sites[i].URL, j)
			} else {
				keys[k] = i
			}
		}
	}
	c.Crawl.Validate(p.Sub("crawl"))
	c.Sections.Validate(p)
	c.Content.Validate(p.Sub("content"))
	c.Serve.Validate(p.Sub("serve"))
	c.Alerts.Validate(p.Sub("alerts"))
	c.Evaluation.Validate(p.Sub("evaluation"))
	c.Report.Validate(p.Sub("report"))
	return p.Err()
}

// CheckPacks loads the rule packs the content section names, failing as
// validation does, naming the section. Load calls it after Validate, which
// reads no file.
func (c *Config) CheckPacks() error {
	if _, err := c.Content.LoadPacks(nil, nil); err != nil {
		p := section.NewProblems()
		p.Bad("content", "%v", err)
		return p.Err()
	}
	return nil
}

// ParseSiteURL checks that s is an absolute http(s) URL of a homepage.
func ParseSiteURL(s string) (*url.URL, error) { return section.ParseSiteURL(s) }
