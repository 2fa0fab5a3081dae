package config

import (
	"time"

	"github.com/xunjian/xunjian/config/section"
)

// Serve configures the scheduled service (`serve:`). It lives here, not in
// package serve, because serve runs whole configurations: it imports this
// package, which therefore cannot import it.
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

// Validate checks the service's schedule.
func (s *Serve) Validate(p *section.Problems) {
	if _, err := time.Parse("15:04", s.DailyAt); err != nil {
		p.Bad("daily_at", "%q is not a time such as 02:00", s.DailyAt)
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		p.Bad("timezone", "%q is not a time zone such as Asia/Shanghai", s.TimeZone)
	}
	if s.ProbeInterval.D() < time.Second {
		p.Bad("probe_interval", "must be at least 1s")
	}
}
