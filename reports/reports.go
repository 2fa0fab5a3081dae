// Package reports writes inspection reports: JSON (the machine contract),
// a self-contained Chinese HTML page for webmasters, and a plain-text summary.
// Everything taken from a crawled site is escaped: a hacked page must not
// run script in the report that shows it.
package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
)

// WriteJSON writes the report as indented JSON. HTML-significant characters
// are escaped (\u003c) so the file is safe to embed anywhere.
func WriteJSON(w io.Writer, r *finding.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(true)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(r io.Reader) (*finding.Report, error) {
	var rep finding.Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("read json report: %w", err)
	}
	return &rep, nil
}

// Writer writes one format.
type Writer func(io.Writer, *finding.Report) error

type writer struct {
	format string
	file   string
	write  Writer
}

// writers are the report formats, each with its file and writer: the one
// list the configuration's report.formats is checked against.
var writers = []writer{
	{"json", "report.json", WriteJSON},
	{"html", "report.html", WriteHTML},
	{"xlsx", "ledger.xlsx", WriteLedger},
}

// Formats returns the format names WriteFiles knows.
func Formats() []string {
	out := make([]string, len(writers))
	for i, w := range writers {
		out[i] = w.format
	}
	return out
}

// WriteFiles writes the report in each format into dir (created if needed)
// and returns the paths written. A file is written to a temporary name
// and renamed, so a reader never sees half a report.
func WriteFiles(dir string, r *finding.Report, formats []string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report dir: %w", err)
	}
	var paths []string
	for _, f := range formats {
		i := slices.IndexFunc(writers, func(w writer) bool { return w.format == f })
		if i < 0 {
			return paths, fmt.Errorf("unknown report format %q", f)
		}
		w := writers[i]
		path := filepath.Join(dir, w.file)
		tmp, err := os.CreateTemp(dir, "."+w.file+".*")
		if err != nil {
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
		err = w.write(tmp, r)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), 0o644) // CreateTemp's 0600 would hide reports from the web server
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	for name, data := range r.Artifacts {
		clean := filepath.Clean(filepath.FromSlash(name))
		if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
			return paths, fmt.Errorf("artifact %q: not a relative path", name)
		}
		path := filepath.Join(dir, clean)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
	}
	return paths, nil
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

// rowChecks lists the finding checks a report's summary shows: those of
// the checks that ran (zero counts included: checked, nothing found), then
// any other check that has findings (e.g. attachment).
func rowChecks(r *finding.Report) []string {
	var names []string
	for _, c := range r.Checks {
		for _, fc := range catalog.FindingChecks(c) {
			if !slices.Contains(names, fc) {
				names = append(names, fc)
			}
		}
	}
	counts := r.CountBy()
	var extra []string
	for c := range counts {
		if !slices.Contains(names, c) {
			extra = append(extra, c)
		}
	}
	slices.Sort(extra)
	return append(names, extra...)
}
