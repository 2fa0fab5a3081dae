package rules

import (
	"time"

	"github.com/xunjian/xunjian/config/section"
)

// Extract bounds attachment text extraction (`content.extract`), which runs
// in worker processes (package extract/worker): a file that hangs, crashes
// or exhausts memory there costs one attachment finding, not the run. It
// lives here, in the content section, because the worker package sits
// above the crawler, which reads the configuration.
type Extract struct {
	// Workers is how many files are read at once, one process each.
	Workers int `yaml:"workers"`
	// Timeout bounds one file; the worker is killed past it.
	Timeout section.Duration `yaml:"timeout"`
	// MemoryLimitMB is the resident memory one worker may use.
	MemoryLimitMB int `yaml:"memory_limit_mb"`
	// AddressSpaceMB is the worker's RLIMIT_AS: 0 for memory_limit_mb +
	// 2048 (Go and WebAssembly reserve address space they do not use),
	// -1 for none.
	AddressSpaceMB int `yaml:"address_space_mb"`
	// MaxTextBytes caps the text taken from one file; longer files are
	// checked in part and reported as such.
	MaxTextBytes int `yaml:"max_text_bytes"`
}

// Validate checks the extract section's values.
func (e *Extract) Validate(p *section.Problems) {
	p.Between("workers", e.Workers, 1, 64)
	if e.Timeout.D() < time.Second {
		p.Bad("timeout", "至少为 1s")
	}
	if e.MemoryLimitMB < 64 {
		p.Bad("memory_limit_mb", "至少为 64，现为 %d", e.MemoryLimitMB)
	}
	if e.AddressSpaceMB < -1 || (e.AddressSpaceMB > 0 && e.AddressSpaceMB < e.MemoryLimitMB) {
		p.Bad("address_space_mb", "应为 0（默认）、-1（不限）或不小于 memory_limit_mb，现为 %d", e.AddressSpaceMB)
	}
	if e.MaxTextBytes < 1<<10 {
		p.Bad("max_text_bytes", "至少为 1024，现为 %d", e.MaxTextBytes)
	}
}
