package config

import (
	"time"

	"github.com/xunjian/xunjian/config/section"
)

// Serve configures the scheduled service (`serve:`). It lives here, not in
// package serve, because serve runs whole configurations: it imports this
// package, which therefore cannot import it.
type Serve struct {
	// Database is the history: a SQLite file (one machine), or a
	// postgres:// URL, which selects cluster mode (workers sharing the
	// database, jobs on River).
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
	// Retention is how long the history keeps things.
	Retention Retention `yaml:"retention"`
	// Cluster tunes cluster mode.
	Cluster Cluster `yaml:"cluster"`
}

// Retention is how long the history keeps runs, probes and delivered
// alerts (0: forever). A site's latest run is always kept.
type Retention struct {
	Runs            Duration `yaml:"runs"`
	Probes          Duration `yaml:"probes"`
	DeliveredAlerts Duration `yaml:"delivered_alerts"`
}

// Cluster tunes cluster mode (serve.database: postgres://...).
type Cluster struct {
	// PlannerInterval is how often the planner enqueues the day's due
	// inspections (idempotent: a skipped tick loses nothing).
	PlannerInterval Duration `yaml:"planner_interval"`
	// ProbeShards splits each probe round into this many jobs (sites by
	// hash), spread over the workers.
	ProbeShards int `yaml:"probe_shards"`
	// Concurrency is how many inspections one worker runs at once.
	Concurrency int `yaml:"concurrency"`
	// An inspection job's timeout is three times the site's previous run
	// time, between MinJobTimeout and MaxJobTimeout; the inspection itself
	// stops earlier and saves (incomplete if need be) before the job could
	// be rescued.
	MinJobTimeout Duration `yaml:"min_job_timeout"`
	MaxJobTimeout Duration `yaml:"max_job_timeout"`
	// RescueAfter is River's RescueStuckJobsAfter: a job of a dead worker
	// runs again elsewhere after max(RescueAfter, its timeout).
	RescueAfter Duration `yaml:"rescue_after"`
	// WorkerID names this worker (default host-pid).
	WorkerID string `yaml:"worker_id"`
}

// Validate checks the service's schedule.
func (s *Serve) Validate(p *section.Problems) {
	if _, err := time.Parse("15:04", s.DailyAt); err != nil {
		p.Bad("daily_at", "“%s”不是时刻，应写成 02:00 这样", s.DailyAt)
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		p.Bad("timezone", "“%s”不是时区，应写成 Asia/Shanghai 这样", s.TimeZone)
	}
	if s.ProbeInterval.D() < time.Second {
		p.Bad("probe_interval", "至少为 1s")
	}
	if r := s.Retention.Probes.D(); r != 0 && r < 8*24*time.Hour {
		p.Bad("retention.probes", "至少保留 8 天（192h）：可用率按近 7 天计算")
	}
	if s.Retention.Runs.D() < 0 || s.Retention.Probes.D() < 0 || s.Retention.DeliveredAlerts.D() < 0 {
		p.Bad("retention", "保留时长不能为负数")
	}
	cl := s.Cluster
	if cl.PlannerInterval.D() < time.Second {
		p.Bad("cluster.planner_interval", "至少为 1s")
	}
	if cl.ProbeShards < 1 || cl.ProbeShards > 1024 {
		p.Bad("cluster.probe_shards", "应在 1 到 1024 之间")
	}
	if cl.Concurrency < 1 {
		p.Bad("cluster.concurrency", "至少为 1")
	}
	if cl.MinJobTimeout.D() < 5*time.Second || cl.MaxJobTimeout.D() < cl.MinJobTimeout.D() {
		p.Bad("cluster.min_job_timeout", "至少为 5s，且不超过 max_job_timeout")
	}
	if cl.RescueAfter.D() < 5*time.Second {
		p.Bad("cluster.rescue_after", "至少为 5s")
	}
}
