// Package rules holds xunjian's configuration: the sites to inspect, the
// crawl policy, each check's thresholds and their defaults. Defaults live in
// an embedded YAML file (defaults.yaml) and follow the national indicator set;
// a user's file is decoded strictly on top of them, so a typo in a key fails
// loudly, naming the key.
package rules

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/xunjian/xunjian/finding"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// DefaultsYAML returns the embedded default configuration, as documented.
func DefaultsYAML() []byte { return bytes.Clone(defaultsYAML) }

// Sentinel errors, checked with errors.Is.
var (
	ErrNoSites      = errors.New("no site to inspect")
	ErrInvalidValue = errors.New("invalid value")
	ErrUnknownCheck = errors.New("unknown check")
)

// Config is a whole xunjian configuration file.
type Config struct {
	Sites   []Site  `yaml:"sites"`
	Crawl   Crawl   `yaml:"crawl"`
	Checks  Checks  `yaml:"checks"`
	Content Content `yaml:"content"`
	Columns Columns `yaml:"columns"`
	// Evaluation estimates the indicator set's deduction points.
	Evaluation Evaluation   `yaml:"evaluation"`
	Serve      Serve        `yaml:"serve"`
	Alerts     Alerts       `yaml:"alerts"`
	Report     ReportConfig `yaml:"report"`
	// Ignore lists finding ids a webmaster reviewed and marked as ignored
	// (忽略): they are left out of reports and alerts.
	Ignore []string `yaml:"ignore"`
}

// Site is one portal to inspect.
type Site struct {
	// Name is how reports and alerts call the site, e.g. 某某县人民政府.
	Name string `yaml:"name"`
	// URL is the homepage.
	URL string `yaml:"url"`
	// Hosts are other hosts crawled as part of the site (the homepage's host
	// always is), e.g. the bare domain or a department subdomain.
	Hosts []string `yaml:"hosts"`
	// DailyAt, TimeZone and ProbeInterval override serve's for this site.
	DailyAt       string   `yaml:"daily_at"`
	TimeZone      string   `yaml:"timezone"`
	ProbeInterval Duration `yaml:"probe_interval"`
}

// Serve configures the scheduled service.
type Serve struct {
	// Database is the SQLite history file.
	Database string `yaml:"database"`
	// ReportsDir holds each run's reports, by site and run id.
	ReportsDir string `yaml:"reports_dir"`
	// Dashboard is the read-only dashboard's listen address ("" for none).
	Dashboard string `yaml:"dashboard"`
	// BaseURL is how alerts link to the dashboard (default http://Dashboard).
	BaseURL string `yaml:"base_url"`
	// DailyAt is the daily inspection time (HH:MM) in TimeZone.
	DailyAt  string `yaml:"daily_at"`
	TimeZone string `yaml:"timezone"`
	// ProbeInterval spaces homepage probes (5 min: 288 a day; the national
	// rule wants at least 20).
	ProbeInterval Duration `yaml:"probe_interval"`
	// RunMissed runs at start-up a daily inspection missed while the
	// service was down.
	RunMissed bool `yaml:"run_missed"`
}

// Alerts configures where alerts go.
type Alerts struct {
	Slack    SlackAlerts     `yaml:"slack"`
	Webhooks []WebhookAlerts `yaml:"webhooks"`
	Email    EmailAlerts     `yaml:"email"`
	// DownAfter is how many consecutive failed probes alert.
	DownAfter int `yaml:"down_after"`
	// Reminder is the shortest interval between alerts of an open problem.
	Reminder Duration `yaml:"reminder"`
	// Digest sends the daily digest after each run.
	Digest bool `yaml:"digest"`
	// DeliverInterval is how often the outbox is tried.
	DeliverInterval Duration `yaml:"deliver_interval"`
}

// SlackAlerts: a bot token (read from the environment variable TokenEnv)
// and a channel, or an incoming webhook URL.
type SlackAlerts struct {
	TokenEnv   string `yaml:"token_env"`
	Channel    string `yaml:"channel"`
	WebhookURL string `yaml:"webhook_url"`
	// APIURL overrides Slack's API address (a proxy; tests).
	APIURL string `yaml:"api_url"`
}

// WebhookAlerts is a chat-bot webhook: format dingtalk, wecom, feishu or json.
type WebhookAlerts struct {
	Name   string `yaml:"name"`
	Format string `yaml:"format"`
	URL    string `yaml:"url"`
}

// EmailAlerts sends alerts over SMTP (password from PasswordEnv).
type EmailAlerts struct {
	SMTP        string   `yaml:"smtp"`
	From        string   `yaml:"from"`
	To          []string `yaml:"to"`
	Username    string   `yaml:"username"`
	PasswordEnv string   `yaml:"password_env"`
}

// Crawl is the crawl policy.
type Crawl struct {
	MaxDepth           int      `yaml:"max_depth"`
	MaxPages           int      `yaml:"max_pages"`
	MaxPageBytes       int64    `yaml:"max_page_bytes"`
	Timeout            Duration `yaml:"timeout"`
	Retries            int      `yaml:"retries"`
	RetryBackoff       Duration `yaml:"retry_backoff"`
	MaxRetryAfter      Duration `yaml:"max_retry_after"`
	Concurrency        int      `yaml:"concurrency"`
	Rate               float64  `yaml:"rate"`
	UserAgent          string   `yaml:"user_agent"`
	RobotsTxt          bool     `yaml:"robots_txt"`
	MaxURLLength       int      `yaml:"max_url_length"`
	MaxPagesPerPattern int      `yaml:"max_pages_per_pattern"`
	// MaxPatternChain stops a chain of pages that each link to the next
	// page of the same pattern (calendars, endless "next" links).
	MaxPatternChain int  `yaml:"max_pattern_chain"`
	MaxRedirects    int  `yaml:"max_redirects"`
	AllowPrivate    bool `yaml:"allow_private"`
	// AllowNetworks are CIDR ranges external links may reach even when
	// private (the demo and tests allow loopback this way).
	AllowNetworks []string `yaml:"allow_networks"`
	// AttachmentExtensions are file extensions treated as attachments:
	// checked for availability, never parsed as pages.
	AttachmentExtensions []string `yaml:"attachment_extensions"`
	// FrontierMemory is how many queued URLs are kept in memory before the
	// queue spills to a temporary file.
	FrontierMemory int `yaml:"frontier_memory"`
}

// Checks selects checks and holds their settings.
type Checks struct {
	// Enabled names the checks to run; every name must be registered.
	Enabled      []string           `yaml:"enabled"`
	Connectivity ConnectivityConfig `yaml:"connectivity"`
	BrokenLink   BrokenLinkConfig   `yaml:"broken_link"`
	DarkLink     DarkLinkConfig     `yaml:"dark_link"`
	ExternalLink ExternalLinkConfig `yaml:"external_link"`
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

// BrokenLinkConfig configures the link check.
type BrokenLinkConfig struct {
	External          bool `yaml:"external"`
	Soft404           bool `yaml:"soft_404"`
	MaxPagesPerTarget int  `yaml:"max_pages_per_target"`
}

// Evaluation configures the pre-evaluation's deduction estimates.
type Evaluation struct {
	// Deductions give points per finding and a cap, by item.
	Deductions map[string]DeductionRule `yaml:"deductions"`
}

// DeductionRule is the estimate for one deduction item.
type DeductionRule struct {
	Points float64 `yaml:"points"`
	Max    float64 `yaml:"max"`
}

// Columns configures the column-update check (栏目不更新, 空白栏目).
type Columns struct {
	// Days is how long a column of each type may go without new content.
	Days map[string]int `yaml:"days"`
	// WarnDays is when an early warning starts, per type (and "homepage").
	WarnDays map[string]int `yaml:"warn_days"`
	// Keywords classify a column by its name: the first type (in the order
	// news, notice, basic) with a keyword in the name wins.
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

// ColumnTypes are the column types, in classification order.
var ColumnTypes = []string{"news", "notice", "basic"}

// ReportConfig configures report output.
type ReportConfig struct {
	Formats []string `yaml:"formats"`
	FailOn  string   `yaml:"fail_on"`
}

// Formats known to the report writers.
var Formats = []string{"json", "html", "xlsx"}

// Default returns the embedded defaults.
func Default() Config {
	var c Config
	if err := decodeStrict(defaultsYAML, &c); err != nil {
		// The embedded file is tested; failing here is a build defect.
		panic(fmt.Sprintf("rules: embedded defaults.yaml: %v", err))
	}
	return c
}

// Load reads a config file over the defaults and validates it against the
// registered check names.
func Load(path string, checkNames []string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(data, checkNames)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes YAML over the defaults and validates the result. Sites may be
// empty here: the command line can add them; callers that need sites call
// RequireSites.
func Parse(data []byte, checkNames []string) (Config, error) {
	c := Default()
	if err := decodeStrict(data, &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(checkNames); err != nil {
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

// Validate checks every value, naming the key that is wrong.
func (c *Config) Validate(checkNames []string) error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %w: %s", key, ErrInvalidValue, fmt.Sprintf(format, args...)))
	}
	for i, s := range c.Sites {
		key := fmt.Sprintf("sites[%d].url", i)
		if _, err := ParseSiteURL(s.URL); err != nil {
			bad(key, "%v", err)
		}
		for j, h := range s.Hosts {
			if h == "" || strings.ContainsAny(h, "/ ") {
				bad(fmt.Sprintf("sites[%d].hosts[%d]", i, j), "%q is not a host name", h)
			}
		}
	}
	cr := &c.Crawl
	positive := func(key string, v int) {
		if v <= 0 {
			bad(key, "must be greater than 0, got %d", v)
		}
	}
	positive("crawl.max_depth", cr.MaxDepth)
	positive("crawl.max_pages", cr.MaxPages)
	positive("crawl.concurrency", cr.Concurrency)
	positive("crawl.max_url_length", cr.MaxURLLength)
	positive("crawl.max_pages_per_pattern", cr.MaxPagesPerPattern)
	positive("crawl.max_pattern_chain", cr.MaxPatternChain)
	positive("crawl.max_redirects", cr.MaxRedirects)
	positive("crawl.frontier_memory", cr.FrontierMemory)
	if cr.MaxPageBytes <= 0 {
		bad("crawl.max_page_bytes", "must be greater than 0, got %d", cr.MaxPageBytes)
	}
	if cr.Timeout.D() <= 0 {
		bad("crawl.timeout", "must be a positive duration such as 15s")
	}
	if cr.Retries < 0 || cr.Retries > 10 {
		bad("crawl.retries", "must be between 0 and 10, got %d", cr.Retries)
	}
	if cr.RetryBackoff.D() < 0 {
		bad("crawl.retry_backoff", "must not be negative")
	}
	if cr.MaxRetryAfter.D() < 0 {
		bad("crawl.max_retry_after", "must not be negative")
	}
	if cr.Rate <= 0 {
		bad("crawl.rate", "must be greater than 0 requests per second, got %g", cr.Rate)
	}
	if strings.TrimSpace(cr.UserAgent) == "" {
		bad("crawl.user_agent", "must not be empty: sites whitelist monitors by it")
	}
	for i, n := range cr.AllowNetworks {
		if _, _, err := net.ParseCIDR(n); err != nil {
			bad(fmt.Sprintf("crawl.allow_networks[%d]", i), "%q is not a CIDR range such as 127.0.0.0/8", n)
		}
	}
	for i, ext := range cr.AttachmentExtensions {
		if ext == "" || strings.ContainsAny(ext, "./ ") {
			bad(fmt.Sprintf("crawl.attachment_extensions[%d]", i), "%q: give the extension without a dot, e.g. pdf", ext)
		}
	}
	ch := &c.Checks
	if len(ch.Enabled) == 0 {
		bad("checks.enabled", "enable at least one check (known: %s)", strings.Join(checkNames, ", "))
	}
	for i, name := range ch.Enabled {
		if !slices.Contains(checkNames, name) {
			errs = append(errs, fmt.Errorf("checks.enabled[%d]: %w %q (known: %s)", i, ErrUnknownCheck, name, strings.Join(checkNames, ", ")))
		}
	}
	co := &ch.Connectivity
	if co.Probes < 1 || co.Probes > 100 {
		bad("checks.connectivity.probes", "must be between 1 and 100, got %d", co.Probes)
	}
	if co.Interval.D() < 0 {
		bad("checks.connectivity.interval", "must not be negative")
	}
	if co.Timeout.D() <= 0 {
		bad("checks.connectivity.timeout", "must be a positive duration such as 15s")
	}
	if co.CertWarnDays < 0 {
		bad("checks.connectivity.cert_warn_days", "must not be negative")
	}
	if co.SlowAfter.D() < 0 {
		bad("checks.connectivity.slow_after", "must not be negative")
	}
	if ch.DarkLink.CloakingPages < 0 || ch.DarkLink.CloakingPages > 1000 {
		bad("checks.dark_link.cloaking_pages", "must be between 0 and 1000, got %d", ch.DarkLink.CloakingPages)
	}
	if ch.DarkLink.RenderPages < 0 || ch.DarkLink.RenderPages > 1000 {
		bad("checks.dark_link.render_pages", "must be between 0 and 1000, got %d", ch.DarkLink.RenderPages)
	}
	if ch.DarkLink.RenderTimeout.D() <= 0 {
		bad("checks.dark_link.render_timeout", "must be a positive duration such as 30s")
	}
	if ch.DarkLink.Tabs < 1 || ch.DarkLink.Tabs > 16 {
		bad("checks.dark_link.tabs", "must be between 1 and 16, got %d", ch.DarkLink.Tabs)
	}
	if ch.ExternalLink.MaxTargets < 0 {
		bad("checks.external_link.max_targets", "must not be negative")
	}
	if ch.BrokenLink.MaxPagesPerTarget < 1 {
		bad("checks.broken_link.max_pages_per_target", "must be at least 1, got %d", ch.BrokenLink.MaxPagesPerTarget)
	}
	if c.Content.ContextChars < 0 || c.Content.ContextChars > 200 {
		bad("content.context_chars", "must be between 0 and 200, got %d", c.Content.ContextChars)
	}
	if c.Content.MaxAttachmentBytes <= 0 {
		bad("content.max_attachment_bytes", "must be greater than 0")
	}
	for i, p := range c.Content.Allow.Phrases {
		if strings.TrimSpace(p) == "" {
			bad(fmt.Sprintf("content.allow.phrases[%d]", i), "empty phrase")
		}
	}
	if _, err := c.Content.LoadPacks(nil, nil); err != nil {
		bad("content", "%v", err)
	}
	col := &c.Columns
	for _, typ := range append(slices.Clone(ColumnTypes), "homepage") {
		if col.Days[typ] <= 0 {
			bad("columns.days."+typ, "must be greater than 0 days")
		}
		if w := col.WarnDays[typ]; w < 0 || w > col.Days[typ] {
			bad("columns.warn_days."+typ, "must be between 0 and columns.days.%s (%d)", typ, col.Days[typ])
		}
	}
	if !slices.Contains(ColumnTypes, col.DefaultType) {
		bad("columns.default_type", "%q is not one of %s", col.DefaultType, strings.Join(ColumnTypes, ", "))
	}
	for i, o := range col.Overrides {
		key := fmt.Sprintf("columns.overrides[%d]", i)
		if o.URL == "" && o.Name == "" {
			bad(key, "give url or name")
		}
		if o.Type != "" && !slices.Contains(ColumnTypes, o.Type) {
			bad(key+".type", "%q is not one of %s", o.Type, strings.Join(ColumnTypes, ", "))
		}
		if o.Days < 0 {
			bad(key+".days", "must not be negative")
		}
	}
	for i, e := range col.Explicit {
		key := fmt.Sprintf("columns.explicit[%d]", i)
		if _, err := ParseSiteURL(e.URL); err != nil {
			bad(key+".url", "%v", err)
		}
		if e.Type != "" && !slices.Contains(ColumnTypes, e.Type) {
			bad(key+".type", "%q is not one of %s", e.Type, strings.Join(ColumnTypes, ", "))
		}
	}
	sv := &c.Serve
	if _, err := time.Parse("15:04", sv.DailyAt); err != nil {
		bad("serve.daily_at", "%q is not a time such as 02:00", sv.DailyAt)
	}
	if _, err := time.LoadLocation(sv.TimeZone); err != nil {
		bad("serve.timezone", "%q is not a time zone such as Asia/Shanghai", sv.TimeZone)
	}
	if sv.ProbeInterval.D() < time.Second {
		bad("serve.probe_interval", "must be at least 1s")
	}
	for i, site := range c.Sites {
		if site.DailyAt != "" {
			if _, err := time.Parse("15:04", site.DailyAt); err != nil {
				bad(fmt.Sprintf("sites[%d].daily_at", i), "%q is not a time such as 02:00", site.DailyAt)
			}
		}
		if site.TimeZone != "" {
			if _, err := time.LoadLocation(site.TimeZone); err != nil {
				bad(fmt.Sprintf("sites[%d].timezone", i), "%q is not a time zone", site.TimeZone)
			}
		}
	}
	for i, w := range c.Alerts.Webhooks {
		if !slices.Contains([]string{"dingtalk", "wecom", "feishu", "json"}, w.Format) {
			bad(fmt.Sprintf("alerts.webhooks[%d].format", i), "%q is not dingtalk, wecom, feishu or json", w.Format)
		}
		if _, err := ParseSiteURL(w.URL); err != nil {
			bad(fmt.Sprintf("alerts.webhooks[%d].url", i), "%v", err)
		}
	}
	if c.Alerts.DownAfter < 1 {
		bad("alerts.down_after", "must be at least 1")
	}
	if c.Alerts.DeliverInterval.D() < time.Second {
		bad("alerts.deliver_interval", "must be at least 1s")
	}
	for item, d := range c.Evaluation.Deductions {
		if d.Points < 0 || d.Max < 0 || d.Max > 100 {
			bad("evaluation.deductions."+item, "points and max must be between 0 and 100")
		}
	}
	if col.MinListEntries < 1 {
		bad("columns.min_list_entries", "must be at least 1")
	}
	for i, f := range c.Report.Formats {
		if !slices.Contains(Formats, f) {
			bad(fmt.Sprintf("report.formats[%d]", i), "unknown format %q (known: %s)", f, strings.Join(Formats, ", "))
		}
	}
	if _, err := finding.ParseSeverity(c.Report.FailOn); err != nil {
		bad("report.fail_on", "%v", err)
	}
	return errors.Join(errs...)
}

// ParseSiteURL checks that s is an absolute http(s) URL of a homepage.
func ParseSiteURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: the homepage URL must start with http:// or https://", s)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%q has no host", s)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// Duration is a time.Duration written as "15s" or "500ms" in YAML.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML accepts Go duration strings.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: want a duration such as 15s: %w", n.Line, err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: want a duration such as 15s, got %q", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }
