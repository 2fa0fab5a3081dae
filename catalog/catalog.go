// Package catalog describes xunjian's checks: for each, its name, its
// Chinese title, the finding names it reports under, whether its findings
// alert in real time, what its findings mean for the national indicator
// set's vetoes and deductions, and its configuration section. It is the
// light half of the check registry: reports, alerts, the pre-evaluation and
// the configuration read it without importing the checks themselves (and
// with them the crawler, Chromium and PDFium); package checks pairs each
// entry with its implementation.
package catalog

import (
	"slices"

	"github.com/xunjian/xunjian/finding"
)

// Check names: a check's registry name, also the `check` field of its
// findings unless it reports under other names.
const (
	Connectivity  = "connectivity"
	BrokenLink    = "broken-link"
	SensitiveWord = "sensitive-word"
	Typo          = "typo"
	Privacy       = "privacy"
	Columns       = "columns"
	DarkLink      = "dark-link"
	ExternalLink  = "external-link"
)

// Finding names that are not check names.
const (
	// StaleColumn and BlankColumn are what the columns check reports under
	// (栏目不更新 with 首页不更新, and 空白栏目).
	StaleColumn = "stale-column"
	BlankColumn = "blank-column"
	// Attachment names the findings about files that could not be read:
	// they come from the text reading shared by the content checks, not
	// from one check.
	Attachment = "attachment"
)

// Check describes one check.
type Check struct {
	// Name is the registry name (checks.enabled, --checks).
	Name string
	// Title is the Chinese name reports and alerts show.
	Title string
	// Findings are the names (and titles) its findings carry when they
	// are not Name; empty means its findings carry Name.
	Findings []Finding
	// Realtime: a new finding of this check alerts at once (every critical
	// finding does anyway).
	Realtime bool
	// Probe: its findings come from probing the homepage beside the crawl,
	// not from reading the site's pages, so they stand when the crawl
	// could read nothing (an unreachable site).
	Probe bool
	// Vetoes say which of its findings fail or warn a single-item veto.
	Vetoes []Veto
	// Deductions say which of its findings count towards a deduction item.
	Deductions []Deduction
	// Section is its configuration section; nil for checks configured only
	// through the shared content section.
	Section *Section
}

// Finding is a finding name with its Chinese title.
type Finding struct {
	Name  string
	Title string
}

// Veto is a check's part in a single-item veto (单项否决): its findings
// that fail the item, and those that only warn. The item counts as checked
// when one of the checks with a part in it ran.
type Veto struct {
	// Item is one of VetoItems' names.
	Item string
	// Fail and Warn select findings; nil selects none.
	Fail, Warn func(finding.Finding) bool
}

// Deduction is a check's part in a deduction item: the findings counted.
type Deduction struct {
	// Item is one of DeductionItems' keys.
	Item   string
	Counts func(finding.Finding) bool
}

// Section is where a check's settings live in the configuration file.
type Section struct {
	// Key is the section's key in the file, e.g. "checks.dark_link".
	Key string
	// Of returns the section in decoded settings, for validation.
	Of func(*Sections) Validator
}

// Kinds selects the findings named check (a finding name) of one of kinds,
// or of any kind when none is given.
func Kinds(check string, kinds ...string) func(finding.Finding) bool {
	return func(f finding.Finding) bool {
		return f.Check == check && (len(kinds) == 0 || slices.Contains(kinds, f.Kind))
	}
}

// All returns every registered check, in registry order.
func All() []Check { return slices.Clone(registry) }

// Names returns the registered check names in registry order.
func Names() []string {
	out := make([]string, len(registry))
	for i, c := range registry {
		out[i] = c.Name
	}
	return out
}

// Lookup returns the registered check named name.
func Lookup(name string) (Check, bool) {
	for _, c := range registry {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// FindingNames returns the names a check's findings carry: its own name, or
// the names it reports under.
func (c Check) FindingNames() []string {
	if len(c.Findings) == 0 {
		return []string{c.Name}
	}
	out := make([]string, len(c.Findings))
	for i, f := range c.Findings {
		out[i] = f.Name
	}
	return out
}

// FindingChecks returns the names the findings of the registered check
// name carry (name itself for a name not registered).
func FindingChecks(name string) []string {
	if c, ok := Lookup(name); ok {
		return c.FindingNames()
	}
	return []string{name}
}

// Owner returns the check whose findings carry the finding name fc.
func Owner(fc string) (Check, bool) {
	for _, c := range registry {
		if slices.Contains(c.FindingNames(), fc) {
			return c, true
		}
	}
	return Check{}, false
}

// Title returns the Chinese title of a check or finding name; an unknown
// name is returned as is (a report written by a later version may name
// checks this one does not know).
func Title(name string) string {
	for _, c := range registry {
		if c.Name == name {
			return c.Title
		}
		for _, f := range c.Findings {
			if f.Name == name {
				return f.Title
			}
		}
	}
	if name == attachment.Name {
		return attachment.Title
	}
	return name
}

// Realtime reports whether a new finding alerts at once: those of checks
// registered as real-time (dark links, privacy leaks) and every critical
// (veto-level) finding.
func Realtime(f finding.Finding) bool {
	if f.Severity == finding.Critical {
		return true
	}
	c, ok := Owner(f.Check)
	return ok && c.Realtime
}
