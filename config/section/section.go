// Package section holds what every part of the configuration file shares,
// so that a section's struct and its validation can live beside what it
// configures (the checks' descriptions in catalog, the rule packs in rules,
// the reports, the pre-evaluation) without importing package config, which
// reads the file: durations written as "15s", the sentinel errors, the
// homepage URL rule, and Problems, which collects what is wrong with a
// section, naming each key.
package section

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Sentinel errors, checked with errors.Is.
var (
	ErrInvalidValue = errors.New("invalid value")
	ErrUnknownCheck = errors.New("unknown check")
)

// Validator is a section that checks its own values. It does no I/O: what
// needs the file system (rule packs) is checked where it is loaded.
type Validator interface {
	Validate(p *Problems)
}

// Problems collects what is wrong with a configuration, each problem naming
// the full key of the value ("checks.dark_link.tabs: invalid value: …").
// Sub gives a section its own prefix; all share one list.
type Problems struct {
	prefix string
	errs   *[]error
}

// NewProblems returns an empty collection at the file's top level.
func NewProblems() *Problems { return &Problems{errs: new([]error)} }

// Sub returns the collection for the section at key, relative to p's.
func (p *Problems) Sub(key string) *Problems {
	return &Problems{prefix: p.Key(key), errs: p.errs}
}

// Key is the full key of key inside p's section.
func (p *Problems) Key(key string) string {
	switch {
	case p.prefix == "":
		return key
	case key == "":
		return p.prefix
	case strings.HasPrefix(key, "["):
		return p.prefix + key
	}
	return p.prefix + "." + key
}

// Bad records that the value at key (relative to p's section; "" for the
// section itself, "[2]" for an element) is invalid, saying why.
func (p *Problems) Bad(key, format string, args ...any) {
	*p.errs = append(*p.errs, fmt.Errorf("%s: %w: %s", p.Key(key), ErrInvalidValue, fmt.Sprintf(format, args...)))
}

// Add records an error that names its key itself.
func (p *Problems) Add(err error) {
	if err != nil {
		*p.errs = append(*p.errs, err)
	}
}

// Positive records key unless v > 0.
func (p *Problems) Positive(key string, v int) {
	if v <= 0 {
		p.Bad(key, "must be greater than 0, got %d", v)
	}
}

// Between records key unless lo <= v <= hi.
func (p *Problems) Between(key string, v, lo, hi int) {
	if v < lo || v > hi {
		p.Bad(key, "must be between %d and %d, got %d", lo, hi, v)
	}
}

// Err returns every problem recorded, joined, or nil.
func (p *Problems) Err() error { return errors.Join(*p.errs...) }

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
