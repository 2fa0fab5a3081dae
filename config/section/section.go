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
	"net"
	"net/url"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Sentinel errors, checked with errors.Is.
var (
	ErrInvalidValue = errors.New("invalid value")
	ErrUnknownCheck = errors.New("unknown check")
	ErrUnknownKey   = errors.New("unknown key")
	ErrSyntax       = errors.New("yaml syntax")
)

// Validator is a section that checks its own values. It does no I/O: what
// needs the file system (rule packs) is checked where it is loaded.
type Validator interface {
	Validate(p *Problems)
}

// Problem is one thing wrong with a value of the configuration: its full
// key, what is wrong in Chinese, and the sentinel it wraps
// (ErrInvalidValue, ErrUnknownCheck). Line, when known, is the line of
// the file where the key is written (package config fills it in).
type Problem struct {
	Key  string
	Msg  string
	Line int
	Err  error
}

func (p *Problem) Error() string {
	if p.Line > 0 && p.Key == "" {
		return fmt.Sprintf("第 %d 行：%s", p.Line, p.Msg)
	}
	if p.Line > 0 {
		return fmt.Sprintf("第 %d 行 %s：%s", p.Line, p.Key, p.Msg)
	}
	if p.Key == "" {
		return p.Msg
	}
	return p.Key + "：" + p.Msg
}

func (p *Problem) Unwrap() error { return p.Err }

// Problems collects what is wrong with a configuration, each problem naming
// the full key of the value ("checks.dark_link.tabs：…"). Sub gives a
// section its own prefix; all share one list.
type Problems struct {
	prefix string
	list   *[]*Problem
}

// NewProblems returns an empty collection at the file's top level.
func NewProblems() *Problems { return &Problems{list: new([]*Problem)} }

// Sub returns the collection for the section at key, relative to p's.
func (p *Problems) Sub(key string) *Problems {
	return &Problems{prefix: p.Key(key), list: p.list}
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
// section itself, "[2]" for an element) is invalid, saying why in Chinese.
func (p *Problems) Bad(key, format string, args ...any) {
	*p.list = append(*p.list, &Problem{Key: p.Key(key), Msg: fmt.Sprintf(format, args...), Err: ErrInvalidValue})
}

// Unknown records a name at key (relative) that is not one of those known
// (an unknown check): sentinel says which kind of name.
func (p *Problems) Unknown(key string, sentinel error, format string, args ...any) {
	*p.list = append(*p.list, &Problem{Key: p.Key(key), Msg: fmt.Sprintf(format, args...), Err: sentinel})
}

// Positive records key unless v > 0.
func (p *Problems) Positive(key string, v int) {
	if v <= 0 {
		p.Bad(key, "应大于 0，现为 %d", v)
	}
}

// Between records key unless lo <= v <= hi.
func (p *Problems) Between(key string, v, lo, hi int) {
	if v < lo || v > hi {
		p.Bad(key, "应在 %d 到 %d 之间，现为 %d", lo, hi, v)
	}
}

// List returns the problems recorded.
func (p *Problems) List() []*Problem { return *p.list }

// Err returns every problem recorded, or nil: a List error, one problem
// a line.
func (p *Problems) Err() error {
	if len(*p.list) == 0 {
		return nil
	}
	return List(*p.list)
}

// List is several problems of one configuration; errors.Is finds the
// sentinel of any of them.
type List []*Problem

func (l List) Error() string {
	lines := make([]string, len(l))
	for i, p := range l {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, p := range l {
		out[i] = p
	}
	return out
}

// ParseSiteURL checks that s is an absolute http(s) URL of a homepage.
func ParseSiteURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") && LooksLikeHost(s) {
		return nil, fmt.Errorf("“%s”缺少协议：请写成 https://%s 或 http://%s", s, s, s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("“%s”不是网址（%v）：首页地址应写成 https://www.example.gov.cn/ 这样", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("“%s”：首页地址必须以 http:// 或 https:// 开头", s)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("“%s”没有主机名：首页地址应写成 https://www.example.gov.cn/ 这样", s)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// LooksLikeHost reports whether s, written without a scheme, is a host
// name or address with an optional port and path (www.example.gov.cn,
// 10.0.0.1:8080/portal/): what users type for a homepage.
func LooksLikeHost(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\\") || strings.Contains(s, "://") {
		return false
	}
	host := s
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" || net.ParseIP(host) != nil {
		return true
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, r := range l {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f) {
				return false
			}
		}
	}
	return true
}

// Duration is a time.Duration written as "15s" or "500ms" in YAML.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML accepts Go duration strings.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	// A *yaml.TypeError lets the decoder go on and report every other
	// problem of the file too.
	var s string
	if n.Kind != yaml.ScalarNode || n.Decode(&s) != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a duration such as 15s", n.Line)}}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a duration such as 15s, got %q", n.Line, s)}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Suggest returns the candidate closest to word when it is close enough to
// be what the user meant (a typo: max_pagez for max_pages, brokenlink for
// broken-link), or "".
func Suggest(word string, candidates []string) string {
	best, bestD := "", 0
	norm := func(s string) string { return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s)) }
	for _, c := range candidates {
		d := distance(norm(word), norm(c))
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(1, len([]rune(word))/3) {
		return ""
	}
	return best
}

// distance is the edit distance of two strings in runes, a swap of two
// neighbours counting as one edit (nmae for name).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
