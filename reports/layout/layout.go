// Package layout names what an inspection writes and where: the report
// formats and the file each is written to, the folder of each site
// (SiteDir), and the report section of the configuration (`report:`) that
// chooses among them. It imports nothing heavy, so package config and
// the packages that only crawl and check can name formats and folders
// without linking the renderers (html/template, excelize) of package
// reports, which writes the files.
package layout

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/xunjian/xunjian/config/section"
	"github.com/xunjian/xunjian/finding"
)

// formats are the report formats, each with the file it is written to:
// the one list report.formats and --format are checked against.
var formats = []struct{ name, file string }{
	{"json", "report.json"},
	{"html", "report.html"},
	{"xlsx", "ledger.xlsx"},
}

// Formats returns the format names, in the order of the list.
func Formats() []string {
	out := make([]string, len(formats))
	for i, f := range formats {
		out[i] = f.name
	}
	return out
}

// File returns the name of the file format is written to, and whether
// format is one.
func File(format string) (string, bool) {
	for _, f := range formats {
		if f.name == format {
			return f.file, true
		}
	}
	return "", false
}

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

// Validate checks the formats against the format list, the severity and
// the findings cap.
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

// SiteDir names a site's report folder, and its key in the history,
// after its homepage: host and port ("www.example.gov.cn",
// "127.0.0.1_8080"), then, for a homepage below the root, its path and
// query with a short hash of them ("www.example.gov.cn_zwgk-3f2a9c"), so
// two sites on one host are two sites. The scheme and a trailing slash do
// not count: http and https of one homepage are one site.
func SiteDir(siteURL string) string {
	s := siteURL
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	host, rest := s, ""
	if i := strings.IndexAny(s, "/?"); i >= 0 {
		host, rest = s[:i], s[i:]
	}
	host = strings.NewReplacer(":", "_", "[", "", "]", "").Replace(strings.ToLower(host))
	host = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, host)
	if host == "" || host == "." || host == ".." {
		host = "site"
	}
	rest = strings.TrimSuffix(strings.TrimSuffix(rest, "/"), "/index.html")
	if rest == "" || rest == "/" {
		return host
	}
	// The path's letters and digits, for people; the hash, for uniqueness.
	var b strings.Builder
	for _, r := range rest {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			if b.Len() < 40 {
				b.WriteRune(r)
			}
		default:
			if b.Len() > 0 && b.Len() < 40 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		}
	}
	sum := sha256.Sum256([]byte(rest))
	name := strings.Trim(b.String(), "_.")
	if name == "" {
		return host + "-" + hex.EncodeToString(sum[:3])
	}
	return host + "_" + name + "-" + hex.EncodeToString(sum[:3])
}
