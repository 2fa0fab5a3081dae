// Package reports writes inspection reports: JSON (the machine contract),
// a self-contained Chinese HTML page for webmasters, and a plain-text summary.
// Everything taken from a crawled site is escaped: a hacked page must not
// run script in the report that shows it.
package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/reports/layout"
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

// writers write the formats package layout names (report.formats is
// checked against layout.Formats; TestWritersCoverFormats keeps the two
// in step).
var writers = map[string]Writer{
	"json": WriteJSON,
	"html": WriteHTML,
	"xlsx": WriteLedger,
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
		file, known := layout.File(f)
		write := writers[f]
		if !known || write == nil {
			return paths, fmt.Errorf("unknown report format %q", f)
		}
		path := filepath.Join(dir, file)
		tmp, err := os.CreateTemp(dir, "."+file+".*")
		if err != nil {
			return paths, fmt.Errorf("write %s: %w", path, err)
		}
		err = write(tmp, r)
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
