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
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config/section"
	"github.com/xunjian/xunjian/evaluate"
	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/reports/layout"
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
	ErrUnknownKey   = section.ErrUnknownKey
	ErrSyntax       = section.ErrSyntax
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
	Report     layout.Config   `yaml:"report"`
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
		return Config{}, fmt.Errorf("无法读取配置文件 %s：%s（%w）", path, explain.Error(err), err)
	}
	c, err := Parse(data)
	if err == nil {
		err = c.CheckPacks()
	}
	var fe *Error
	switch {
	case errors.As(err, &fe):
		fe.File = path
		return Config{}, fe
	case err != nil:
		return Config{}, &Error{File: path, Problems: problemsOf(err)}
	}
	return c, nil
}

// Error is every problem of a configuration file, each naming its line
// (when the file has it) and its key, in Chinese; errors.Is finds the
// sentinel of any of them (ErrUnknownKey, ErrInvalidValue, …).
type Error struct {
	// File is the file's path, when it was read from one.
	File     string
	Problems section.List
}

func (e *Error) Error() string {
	head := "配置"
	if e.File != "" {
		head = "配置文件 " + e.File + " "
	}
	if len(e.Problems) == 1 {
		return head + "有误：" + e.Problems[0].Error()
	}
	lines := []string{fmt.Sprintf("%s有 %d 处错误：", head, len(e.Problems))}
	for _, p := range e.Problems {
		lines = append(lines, "  "+p.Error())
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems.
func (e *Error) Unwrap() []error { return e.Problems.Unwrap() }

// problemsOf returns an error's problems: those of a section.List, or the
// error as one problem.
func problemsOf(err error) section.List {
	var l section.List
	if errors.As(err, &l) {
		return l
	}
	return section.List{{Msg: err.Error(), Err: err}}
}

// Parse decodes YAML over the defaults and validates the result. Sites may be
// empty here: the command line can add them; callers that need sites call
// RequireSites.
//
// Every problem of the file is reported at once (an *Error): syntax
// errors, unknown keys (with the key probably meant), values of the wrong
// type and invalid values, each with its line and full key.
func Parse(data []byte) (Config, error) {
	c := Default()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Config{}, &Error{Problems: section.List{syntaxProblem(err)}}
	}
	nodes := index(&doc)
	var problems section.List
	if err := decodeStrict(data, &c); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return Config{}, &Error{Problems: section.List{syntaxProblem(err)}}
		}
		problems = fileProblems(te, nodes)
	}
	if err := c.Validate(); err != nil {
		for _, p := range problemsOf(err) {
			if !slices.ContainsFunc(problems, func(q *section.Problem) bool { return q.Key == p.Key }) {
				p.Line = lineOf(nodes, p.Key)
				problems = append(problems, p)
			}
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b *section.Problem) int {
			switch {
			case a.Line == b.Line:
				return 0
			case a.Line == 0:
				return 1
			case b.Line == 0:
				return -1
			}
			return a.Line - b.Line
		})
		return Config{}, &Error{Problems: problems}
	}
	return c, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem explains a YAML syntax error in Chinese, keeping the
// parser's words.
func syntaxProblem(err error) *section.Problem {
	msg := err.Error()
	p := &section.Problem{Err: section.ErrSyntax}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	p.Msg = "YAML 格式错误（" + msg + "）：检查缩进（只用空格，不用 Tab）、冒号后是否有空格、括号和引号是否成对"
	return p
}

// decodeStrict decodes data over out, refusing unknown keys; a
// *yaml.TypeError lists every unknown key and mistyped value (the rest is
// decoded).
func decodeStrict(data []byte, out *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// RequireSites fails when there is nothing to inspect.
func (c *Config) RequireSites() error {
	if len(c.Sites) == 0 {
		return errNoSites
	}
	return nil
}

// errNoSites says ErrNoSites to the user.
var errNoSites = fmt.Errorf("没有要巡检的站点：请给出首页网址，或在配置文件的 sites: 中列出站点（%w）", ErrNoSites)

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
			k := layout.SiteDir(c.Sites[i].URL)
			if j, dup := keys[k]; dup {
				sp.Bad("url", "“%s”与 sites[%d] 的首页相同（主机、路径和参数都相同）：请删除其中一项", c.Sites[i].URL, j)
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
		// The packs' errors say in Chinese which file, which line and
		// what is wrong (a file that cannot be read: why, explained).
		p := section.NewProblems()
		p.Bad("content", "%v", err)
		return p.Err()
	}
	return nil
}

// ParseSiteURL checks that s is an absolute http(s) URL of a homepage.
func ParseSiteURL(s string) (*url.URL, error) { return section.ParseSiteURL(s) }
