package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xunjian/xunjian/config/section"
)

// Validator is a configuration section that checks its own values.
type Validator = section.Validator

// Duration is a duration written as "15s" in the configuration file.
type Duration = section.Duration

// Sections are the checks' settings as the configuration file holds them;
// config.Config embeds them inline, so `checks:` and `columns:` are keys at
// the file's top level. A check's section is a struct with a Validate
// method, a field here, and its defaults in config/defaults.yaml; its
// registry entry names it.
type Sections struct {
	Checks  Settings      `yaml:"checks"`
	Columns ColumnsConfig `yaml:"columns"`
}

// Settings is the `checks:` section: which checks run, and the settings of
// those that have their own.
type Settings struct {
	// Enabled names the checks to run; every name must be registered.
	Enabled      []string           `yaml:"enabled"`
	Connectivity ConnectivityConfig `yaml:"connectivity"`
	BrokenLink   BrokenLinkConfig   `yaml:"broken_link"`
	DarkLink     DarkLinkConfig     `yaml:"dark_link"`
	ExternalLink ExternalLinkConfig `yaml:"external_link"`
}

// Validate checks the enabled names against the registry, then asks each
// registered check's section to validate itself.
func (s *Sections) Validate(p *section.Problems) {
	known := strings.Join(Names(), ", ")
	if len(s.Checks.Enabled) == 0 {
		p.Bad("checks.enabled", "至少启用一个检查项（可用：%s）", known)
	}
	for i, name := range s.Checks.Enabled {
		if _, ok := Lookup(name); !ok {
			msg := fmt.Sprintf("没有检查项“%s”", name)
			if s := section.Suggest(name, Names()); s != "" {
				msg += fmt.Sprintf("，是否想写 %s？", s)
			} else {
				msg += "（可用：" + known + "）"
			}
			p.Unknown(fmt.Sprintf("checks.enabled[%d]", i), section.ErrUnknownCheck, "%s", msg)
		}
	}
	for _, c := range registry {
		if c.Section != nil {
			c.Section.Of(s).Validate(p.Sub(c.Section.Key))
		}
	}
}

// ConnectivityConfig configures the homepage connectivity probes.
type ConnectivityConfig struct {
	Probes       int      `yaml:"probes"`
	Interval     Duration `yaml:"interval"`
	Timeout      Duration `yaml:"timeout"`
	CertWarnDays int      `yaml:"cert_warn_days"`
	SlowAfter    Duration `yaml:"slow_after"`
	CheckIPv6    bool     `yaml:"check_ipv6"`
	CheckHTTPS   bool     `yaml:"check_https"`
}

// Validate implements Validator.
func (c *ConnectivityConfig) Validate(p *section.Problems) {
	p.Between("probes", c.Probes, 1, 100)
	if c.Interval.D() < 0 {
		p.Bad("interval", "不能为负数")
	}
	if c.Timeout.D() <= 0 {
		p.Bad("timeout", "应为正的时长，如 15s")
	}
	if c.CertWarnDays < 0 {
		p.Bad("cert_warn_days", "不能为负数")
	}
	if c.SlowAfter.D() < 0 {
		p.Bad("slow_after", "不能为负数")
	}
}

// BrokenLinkConfig configures the link check.
type BrokenLinkConfig struct {
	External          bool `yaml:"external"`
	Soft404           bool `yaml:"soft_404"`
	MaxPagesPerTarget int  `yaml:"max_pages_per_target"`
}

// Validate implements Validator.
func (c *BrokenLinkConfig) Validate(p *section.Problems) {
	if c.MaxPagesPerTarget < 1 {
		p.Bad("max_pages_per_target", "至少为 1，现为 %d", c.MaxPagesPerTarget)
	}
}

// DarkLinkConfig configures the dark-link check.
type DarkLinkConfig struct {
	// FetchCSS reads the site's linked stylesheets (classes hidden there).
	FetchCSS bool `yaml:"fetch_css"`
	// CloakingPages is how many pages (the homepage first) are fetched
	// again as search spiders and with a search-engine Referer.
	CloakingPages int `yaml:"cloaking_pages"`
	// RenderPages is how many pages (the homepage first) are rendered in
	// headless Chromium; 0 turns rendering off.
	RenderPages int `yaml:"render_pages"`
	// Chromium is the browser binary; found on PATH when empty.
	Chromium string `yaml:"chromium"`
	// RenderTimeout bounds one page in the browser.
	RenderTimeout Duration `yaml:"render_timeout"`
	// Tabs bounds the pages rendered at once.
	Tabs int `yaml:"tabs"`
	// MaxScreenshots caps the evidence screenshots of a run.
	MaxScreenshots int `yaml:"max_screenshots"`
}

// Validate implements Validator.
func (c *DarkLinkConfig) Validate(p *section.Problems) {
	p.Between("cloaking_pages", c.CloakingPages, 0, 1000)
	p.Between("render_pages", c.RenderPages, 0, 1000)
	if c.RenderTimeout.D() <= 0 {
		p.Bad("render_timeout", "应为正的时长，如 30s")
	}
	p.Between("tabs", c.Tabs, 1, 16)
}

// ExternalLinkConfig configures the external-link inventory; its domain
// lists also tell the dark-link check which hidden links are harmless.
type ExternalLinkConfig struct {
	// GovernmentDomains are suffixes of government sites (gov.cn).
	GovernmentDomains []string `yaml:"government_domains"`
	// AllowDomains are other domains reviewed and accepted (suffix match;
	// host:port allowed).
	AllowDomains []string `yaml:"allow_domains"`
	// FetchTargets reads external pages once a run and looks for
	// sensitive words (an expired domain bought by a gambling site).
	FetchTargets bool `yaml:"fetch_targets"`
	// MaxTargets caps the external pages read.
	MaxTargets int `yaml:"max_targets"`
}

// Validate implements Validator.
func (c *ExternalLinkConfig) Validate(p *section.Problems) {
	if c.MaxTargets < 0 {
		p.Bad("max_targets", "不能为负数")
	}
}

// Column types, in classification order, and the homepage's thresholds.
const (
	ColumnNews     = "news"
	ColumnNotice   = "notice"
	ColumnBasic    = "basic"
	ColumnHomepage = "homepage"
)

// ColumnTypes returns the column types in classification order (the first
// type with a keyword in a column's name wins).
func ColumnTypes() []string { return []string{ColumnNews, ColumnNotice, ColumnBasic} }

// ColumnsConfig configures the column-update check (栏目不更新, 空白栏目).
type ColumnsConfig struct {
	// Days is how long a column of each type may go without new content
	// (and "homepage": 首页不更新).
	Days map[string]int `yaml:"days"`
	// WarnDays is when an early warning starts, per type (and "homepage").
	WarnDays map[string]int `yaml:"warn_days"`
	// Keywords classify a column by its name: the first type (in the order
	// of ColumnTypes) with a keyword in the name wins.
	Keywords map[string][]string `yaml:"keywords"`
	// DefaultType is the type of a column whose name matches no keyword.
	DefaultType string `yaml:"default_type"`
	// Placeholders mark a blank column's page (暂无信息).
	Placeholders []string `yaml:"placeholders"`
	// MinListEntries is how many dated links make a page a list page.
	MinListEntries int `yaml:"min_list_entries"`
	// Overrides change a column's type or threshold, or exclude it (an
	// archive that legitimately gets nothing new).
	Overrides []ColumnOverride `yaml:"overrides"`
	// Explicit lists columns by URL, for sites whose navigation is
	// rendered by script.
	Explicit []ExplicitColumn `yaml:"explicit"`
	// Veto holds the national counts: stale news and notice columns, stale
	// columns of any type, blank columns; and the early warning for blanks.
	Veto ColumnVeto `yaml:"veto"`
}

// ColumnOverride matches a column by URL or name.
type ColumnOverride struct {
	URL     string `yaml:"url"`
	Name    string `yaml:"name"`
	Type    string `yaml:"type"`
	Days    int    `yaml:"days"`
	Exclude bool   `yaml:"exclude"`
}

// ExplicitColumn is a column given by URL.
type ExplicitColumn struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
	Type string `yaml:"type"`
}

// ColumnVeto holds the veto and warning counts.
type ColumnVeto struct {
	StaleNewsNotice int `yaml:"stale_news_notice"`
	StaleAny        int `yaml:"stale_any"`
	Blank           int `yaml:"blank"`
	BlankWarning    int `yaml:"blank_warning"`
}

// Validate implements Validator.
func (c *ColumnsConfig) Validate(p *section.Problems) {
	types := ColumnTypes()
	typeList := strings.Join(types, ", ")
	for _, typ := range append(ColumnTypes(), ColumnHomepage) {
		if c.Days[typ] <= 0 {
			p.Bad("days."+typ, "应大于 0 天")
		}
		if w := c.WarnDays[typ]; w < 0 || w > c.Days[typ] {
			p.Bad("warn_days."+typ, "应在 0 到 columns.days.%s（%d）之间", typ, c.Days[typ])
		}
	}
	if !slices.Contains(types, c.DefaultType) {
		p.Bad("default_type", "“%s”不是可用的类型（可用：%s）", c.DefaultType, typeList)
	}
	for i, o := range c.Overrides {
		key := fmt.Sprintf("overrides[%d]", i)
		if o.URL == "" && o.Name == "" {
			p.Bad(key, "请给出 url 或 name")
		}
		if o.Type != "" && !slices.Contains(types, o.Type) {
			p.Bad(key+".type", "“%s”不是可用的类型（可用：%s）", o.Type, typeList)
		}
		if o.Days < 0 {
			p.Bad(key+".days", "不能为负数")
		}
	}
	for i, e := range c.Explicit {
		key := fmt.Sprintf("explicit[%d]", i)
		if _, err := section.ParseSiteURL(e.URL); err != nil {
			p.Bad(key+".url", "%v", err)
		}
		if e.Type != "" && !slices.Contains(types, e.Type) {
			p.Bad(key+".type", "“%s”不是可用的类型（可用：%s）", e.Type, typeList)
		}
	}
	if c.MinListEntries < 1 {
		p.Bad("min_list_entries", "至少为 1")
	}
}
