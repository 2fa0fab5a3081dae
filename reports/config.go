package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xunjian/xunjian/config/section"
	"github.com/xunjian/xunjian/finding"
)

// Config is the report section of the configuration (`report:`).
type Config struct {
	// Formats are the files an inspection writes (see Formats).
	Formats []string `yaml:"formats"`
	// FailOn is the severity from which `inspect` exits 1.
	FailOn string `yaml:"fail_on"`
	// MaxFindingsPerCheck is how many findings one check lists before
	// they are grouped (one per target with its pages, one per page with
	// its targets, then the rest counted): a hostile page cannot make a
	// 250 MB report.
	MaxFindingsPerCheck int `yaml:"max_findings_per_check"`
}

// Validate checks the formats against the writers and the severity.
func (c *Config) Validate(p *section.Problems) {
	for i, f := range c.Formats {
		if !slices.Contains(Formats(), f) {
			p.Bad(fmt.Sprintf("formats[%d]", i), "没有“%s”这种报告格式（可用：%s）", f, strings.Join(Formats(), ", "))
		}
	}
	if _, err := finding.ParseSeverity(c.FailOn); err != nil {
		p.Bad("fail_on", "%v", err)
	}
	p.Between("max_findings_per_check", c.MaxFindingsPerCheck, 10, 100_000)
}
