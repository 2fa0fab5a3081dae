package config

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/xunjian/xunjian/config/section"
)

// Crawl is the crawl policy (`crawl:`), read by the crawler.
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
	MaxPatternChain int `yaml:"max_pattern_chain"`
	// MaxSimilarPages stops following the links of pages whose visible
	// text is nearly the same as this many pages already crawled (fan-out
	// traps: ever-new URLs serving one page); 0 turns it off.
	MaxSimilarPages int  `yaml:"max_similar_pages"`
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
	// MaxLinksPerPage caps the links read from one page (a hostile page
	// carries 337,000); the rest are counted and reported.
	MaxLinksPerPage int `yaml:"max_links_per_page"`
	// MaxTargets caps the distinct URLs (pages and link targets) a run
	// requests; the rest are counted and reported.
	MaxTargets int `yaml:"max_targets"`
	// TimeBudget ends a site's run as incomplete, with what was found,
	// when it has taken this long (sites[].time_budget overrides it); the
	// last fifth (at most 5 minutes) is kept for the checks' final passes.
	TimeBudget Duration `yaml:"time_budget"`
	// LinkGraphRefs bounds the referring places of failed targets held in
	// memory for the report (the whole link graph is on disk).
	LinkGraphRefs int `yaml:"link_graph_refs"`
	// ConditionalGet: a re-inspection (serve, or inspect --state) asks for
	// the pages and attachments it read last time with their validators
	// (If-None-Match, If-Modified-Since); an unchanged one (304) keeps
	// what the last run learnt of it: its links and its findings.
	ConditionalGet bool `yaml:"conditional_get"`
	// SpreadDays > 1 spreads the link check of a large site over that many
	// days by a stable hash of each URL: the homepage, columns and what
	// had problems are checked every day, every other URL once in
	// SpreadDays, keeping its last result (and date) in between.
	SpreadDays int `yaml:"spread_days"`
	// SpreadMinPages: the spread applies to sites whose last crawl had at
	// least this many pages; smaller sites are checked in full every day.
	SpreadMinPages int `yaml:"spread_min_pages"`
	// CheckpointInterval is how often a run saves what it learnt and its
	// progress, so that another attempt of a scheduled run resumes it.
	CheckpointInterval Duration `yaml:"checkpoint_interval"`
	// RenderPages is how many script-fed pages a run renders in headless
	// Chromium to find the links and list entries their scripts add
	// (rendered discovery); 0 turns it off.
	RenderPages int `yaml:"render_pages"`
}

// Validate checks the crawl policy.
func (cr *Crawl) Validate(p *section.Problems) {
	p.Positive("max_depth", cr.MaxDepth)
	p.Positive("max_pages", cr.MaxPages)
	p.Positive("concurrency", cr.Concurrency)
	p.Positive("max_url_length", cr.MaxURLLength)
	p.Positive("max_pages_per_pattern", cr.MaxPagesPerPattern)
	p.Positive("max_pattern_chain", cr.MaxPatternChain)
	if cr.MaxSimilarPages < 0 {
		p.Bad("max_similar_pages", "不能为负数（0 表示关闭此项保护）")
	}
	p.Positive("max_redirects", cr.MaxRedirects)
	p.Positive("frontier_memory", cr.FrontierMemory)
	p.Positive("max_links_per_page", cr.MaxLinksPerPage)
	p.Positive("max_targets", cr.MaxTargets)
	p.Positive("link_graph_refs", cr.LinkGraphRefs)
	p.Between("spread_days", cr.SpreadDays, 0, 31)
	if cr.SpreadMinPages < 0 {
		p.Bad("spread_min_pages", "不能为负数")
	}
	if cr.CheckpointInterval.D() <= 0 {
		p.Bad("checkpoint_interval", "应为正的时长，如 30s")
	}
	if cr.RenderPages < 0 {
		p.Bad("render_pages", "不能为负数，现为 %d", cr.RenderPages)
	}
	if cr.MaxPageBytes <= 0 {
		p.Bad("max_page_bytes", "应大于 0，现为 %d", cr.MaxPageBytes)
	}
	if cr.TimeBudget.D() < time.Minute {
		p.Bad("time_budget", "至少为 1m，现为 %v", cr.TimeBudget.D())
	}
	if cr.Timeout.D() <= 0 {
		p.Bad("timeout", "应为正的时长，如 15s")
	}
	p.Between("retries", cr.Retries, 0, 10)
	if cr.RetryBackoff.D() < 0 {
		p.Bad("retry_backoff", "不能为负数")
	}
	if cr.MaxRetryAfter.D() < 0 {
		p.Bad("max_retry_after", "不能为负数")
	}
	if cr.Rate <= 0 {
		p.Bad("rate", "应大于每秒 0 个请求，现为 %g", cr.Rate)
	}
	if strings.TrimSpace(cr.UserAgent) == "" {
		p.Bad("user_agent", "不能为空：网站按它把巡检加入白名单")
	}
	for i, n := range cr.AllowNetworks {
		if _, _, err := net.ParseCIDR(n); err != nil {
			p.Bad(fmt.Sprintf("allow_networks[%d]", i), "“%s”不是网段，应写成 127.0.0.0/8 这样", n)
		}
	}
	for i, ext := range cr.AttachmentExtensions {
		if ext == "" || strings.ContainsAny(ext, "./ ") {
			p.Bad(fmt.Sprintf("attachment_extensions[%d]", i), "“%s”：扩展名不要带点，如 pdf", ext)
		}
	}
}
