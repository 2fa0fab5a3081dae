package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/xunjian/xunjian/config/section"
)

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
	// TimeBudget overrides crawl.time_budget for this site.
	TimeBudget Duration `yaml:"time_budget"`
}

// Validate checks one entry of `sites:`.
func (s *Site) Validate(p *section.Problems) {
	if _, err := section.ParseSiteURL(s.URL); err != nil {
		p.Bad("url", "%v", err)
	}
	for j, h := range s.Hosts {
		if h == "" || strings.ContainsAny(h, "/ ") {
			p.Bad(fmt.Sprintf("hosts[%d]", j), "“%s”不是主机名", h)
		}
	}
	if d := s.TimeBudget.D(); d != 0 && d < time.Minute {
		p.Bad("time_budget", "至少为 1m，现为 %v", d)
	}
	if s.DailyAt != "" {
		if _, err := time.Parse("15:04", s.DailyAt); err != nil {
			p.Bad("daily_at", "“%s”不是时刻，应写成 02:00 这样", s.DailyAt)
		}
	}
	if s.TimeZone != "" {
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			p.Bad("timezone", "“%s”不是时区，应写成 Asia/Shanghai 这样", s.TimeZone)
		}
	}
}
