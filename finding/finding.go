// Package finding holds the shapes every check produces and every report
// writer consumes: findings, their severities, and the inspection report.
// The JSON encoding of Report is xunjian's stable machine contract (see
// README, "JSON report").
package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Severity orders findings by how urgently a webmaster must act.
type Severity string

// Severities from most to least urgent. Critical is reserved for problems that
// are single-item vetoes (单项否决) of the national indicator set.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Severities lists every severity, most urgent first.
var Severities = []Severity{Critical, High, Medium, Low, Info}

// Rank returns a number that grows with urgency; unknown severities rank 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 5
	case High:
		return 4
	case Medium:
		return 3
	case Low:
		return 2
	case Info:
		return 1
	}
	return 0
}

// Label is the Chinese name shown in reports.
func (s Severity) Label() string {
	switch s {
	case Critical:
		return "严重"
	case High:
		return "高"
	case Medium:
		return "中"
	case Low:
		return "低"
	case Info:
		return "提示"
	}
	return string(s)
}

// ParseSeverity accepts a severity name and reports an error naming the valid ones.
func ParseSeverity(s string) (Severity, error) {
	for _, v := range Severities {
		if string(v) == strings.ToLower(strings.TrimSpace(s)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("“%s”不是严重程度（可用：critical、high、medium、low、info）", s)
}

// Certainty says whether a problem is confirmed or only suspected (疑似).
type Certainty string

// Certainties.
const (
	Confirmed Certainty = "confirmed"
	Suspected Certainty = "suspected"
)

// Label is the Chinese name shown in reports.
func (c Certainty) Label() string {
	if c == Suspected {
		return "疑似"
	}
	if c == Confirmed {
		return "确认"
	}
	return ""
}

// Finding is one problem found on a site. Checks fill every field but ID,
// which Fingerprint derives.
type Finding struct {
	// ID is a stable fingerprint of check, kind, page, target and match, so
	// that runs can be compared and findings ignored.
	ID        string    `json:"id"`
	Check     string    `json:"check"`
	Severity  Severity  `json:"severity"`
	Certainty Certainty `json:"certainty,omitempty"`
	Kind      string    `json:"kind,omitempty"`
	// Page is the absolute URL of the page where the problem is.
	Page string `json:"page"`
	// Target is the absolute URL of the link or resource, where there is one.
	Target string `json:"target,omitempty"`
	// Match is the matched text, where there is one (masked for privacy findings).
	Match string `json:"match,omitempty"`
	// Anchor is the link text or alt text that carries Target on Page.
	Anchor string `json:"anchor,omitempty"`
	// Message is one Chinese sentence saying what is wrong.
	Message string `json:"message"`
	// Evidence is what was observed (status, error, timings), in Chinese.
	Evidence string `json:"evidence,omitempty"`
	// Details carries check-specific structured data (numbers, phases).
	Details map[string]any `json:"details,omitempty"`
	// FirstSeen and Status come from the history of scheduled runs:
	// status is new, persisting or fixed against the previous run.
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	Status    string     `json:"status,omitempty"`
}

// Fingerprint sets f.ID from the fields that identify the problem, not from
// the evidence, which changes from run to run.
func (f *Finding) Fingerprint() {
	h := sha256.New()
	for _, part := range []string{f.Check, f.Kind, f.Page, f.Target, f.Match} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	f.ID = hex.EncodeToString(h.Sum(nil)[:8])
}

// Stats counts what an inspection covered.
type Stats struct {
	Pages       int `json:"pages"`
	Links       int `json:"links"`
	Targets     int `json:"targets"`
	Attachments int `json:"attachments"`
	Errors      int `json:"errors"`
	// Skipped counts references not followed: out of scope hosts beyond the
	// link check, trap guards, private addresses.
	Skipped   int   `json:"skipped"`
	Requests  int   `json:"requests"`
	Retries   int   `json:"retries"`
	BytesRead int64 `json:"bytes_read"`
}

// Report is the result of inspecting one site; its JSON form is the contract.
type Report struct {
	Tool       string    `json:"tool"`
	Version    string    `json:"version"`
	Site       string    `json:"site"`
	Name       string    `json:"name,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Complete is false when the inspection was cancelled or a cap stopped it.
	Complete bool `json:"complete"`
	// Incomplete says why Complete is false, in Chinese.
	Incomplete []string `json:"incomplete,omitempty"`
	// Notes say in Chinese what the run checked when, where that is not
	// simply everything today: what a re-inspection kept from earlier
	// runs (unchanged pages, the spread's other days, a resumed run).
	Notes    []string  `json:"notes,omitempty"`
	Checks   []string  `json:"checks"`
	Stats    Stats     `json:"stats"`
	Findings []Finding `json:"findings"`
	// Ignored counts findings left out because config `ignore` lists their id.
	Ignored int `json:"ignored,omitempty"`
	// CheckErrors lists checks that could not run, with the reason.
	CheckErrors map[string]string `json:"check_errors,omitempty"`
	// Measurements holds what checks measured beside their findings, keyed
	// by check (connectivity: each probe's DNS, connect, TLS, TTFB, total).
	Measurements map[string]any `json:"measurements,omitempty"`
	// Evaluation is the pre-evaluation against the national indicator set.
	Evaluation *Evaluation `json:"evaluation,omitempty"`
	// Artifacts are files written beside the report (screenshots), by
	// relative path; findings name them in details.screenshot.
	Artifacts map[string][]byte `json:"-"`
}

// Sort orders findings most urgent first, then by check, page and target, so
// reports are deterministic.
func (r *Report) Sort() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		if a.Page != b.Page {
			return a.Page < b.Page
		}
		if a.Target != b.Target {
			return a.Target < b.Target
		}
		return a.ID < b.ID
	})
}

// CountBy returns the number of findings per check and severity.
func (r *Report) CountBy() map[string]map[Severity]int {
	out := map[string]map[Severity]int{}
	for _, f := range r.Findings {
		if out[f.Check] == nil {
			out[f.Check] = map[Severity]int{}
		}
		out[f.Check][f.Severity]++
	}
	return out
}

// Worst returns the most urgent severity among the findings, or "" if none.
func (r *Report) Worst() Severity {
	var worst Severity
	for _, f := range r.Findings {
		if f.Severity.Rank() > worst.Rank() {
			worst = f.Severity
		}
	}
	return worst
}
