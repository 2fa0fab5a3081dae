// Package redact is the one place where personal data is masked before
// anything leaves an inspection: the report (every finding's page, target,
// anchor, match, message, evidence and details, the measurements, the
// reasons a run is incomplete and the checks' errors, which quote file
// names, sheet names and zip entries) and the log. The reports, the
// ledger, the terminal, the history database and the alerts all read the
// redacted report, so no check has to remember to mask.
//
// A value is personal data when package pii says so (resident ID numbers
// with their check character, mobile numbers, bank card numbers after a
// card word), in ASCII or full-width digits, also inside percent-encoded
// URLs and stuck to letters (u110101199003074514.xls).
package redact

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/pii"
)

// Masker masks personal data in text.
type Masker struct {
	scan pii.Scanner
}

// New returns a Masker; now bounds birth dates (nil: the clock).
func New(now func() time.Time) Masker {
	return Masker{scan: pii.Scanner{Now: now, Loose: true}}
}

// Text returns s with every personal value masked. When s holds
// percent-encoded bytes that decode to personal data, the decoded text is
// returned, masked (the encoded form cannot be masked in place).
func (m Masker) Text(s string) string {
	if !hasDigit(s) {
		return s
	}
	out := m.mask(s)
	if strings.IndexByte(out, '%') >= 0 {
		if dec, err := url.PathUnescape(strings.ReplaceAll(out, "+", "%20")); err == nil && dec != out {
			if masked := m.mask(dec); masked != dec {
				return masked
			}
		} else if err != nil {
			if dec := unescapeLoose(out); dec != out {
				if masked := m.mask(dec); masked != dec {
					return masked
				}
			}
		}
	}
	return out
}

func (m Masker) mask(s string) string {
	b := []byte(s)
	var out strings.Builder
	last := 0
	m.scan.Scan(b, func(h pii.Hit) {
		out.Write(b[last:h.Start])
		out.WriteString(h.Masked)
		last = h.End
	})
	if last == 0 {
		return s
	}
	out.Write(b[last:])
	return out.String()
}

// hasDigit: personal data needs digits, ASCII or full-width (EF BC 9x), or
// percent-encoded ones.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' || c == 0xEF {
			return true
		}
	}
	return false
}

// unescapeLoose decodes the valid %XX escapes of s and keeps the rest.
func unescapeLoose(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// Report masks every string of rep in place: findings, measurements,
// reasons, errors. Call it once, where the report leaves the checks,
// before findings are fingerprinted (an id must not be a hash of a
// person's number).
func (m Masker) Report(rep *finding.Report) {
	rep.Site, rep.Name = m.Text(rep.Site), m.Text(rep.Name)
	for i, s := range rep.Incomplete {
		rep.Incomplete[i] = m.Text(s)
	}
	for k, v := range rep.CheckErrors {
		rep.CheckErrors[k] = m.Text(v)
	}
	for i := range rep.Findings {
		m.Finding(&rep.Findings[i])
	}
	for k, v := range rep.Measurements {
		rep.Measurements[k] = m.Value(v)
	}
}

// Finding masks one finding in place.
func (m Masker) Finding(f *finding.Finding) {
	f.Page, f.Target, f.Match, f.Anchor = m.Text(f.Page), m.Text(f.Target), m.Text(f.Match), m.Text(f.Anchor)
	f.Message, f.Evidence = m.Text(f.Message), m.Text(f.Evidence)
	for k, v := range f.Details {
		f.Details[k] = m.Value(v)
	}
}

// Value masks the strings inside a details or measurements value. Values
// of other types (a check's typed measurements) go through their JSON form
// and come back generic only when they held personal data.
func (m Masker) Value(v any) any {
	switch x := v.(type) {
	case nil, bool, int, int64, float64, time.Duration, time.Time:
		return v
	case string:
		return m.Text(x)
	case []string:
		for i := range x {
			x[i] = m.Text(x[i])
		}
		return x
	case map[string]string:
		for k, s := range x {
			x[k] = m.Text(s)
		}
		return x
	case map[string]int:
		return m.keys(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[m.Text(k)] = m.Value(e)
		}
		return out
	case []any:
		for i := range x {
			x[i] = m.Value(x[i])
		}
		return x
	case []map[string]any:
		for i := range x {
			x[i] = m.Value(x[i]).(map[string]any)
		}
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	if masked := m.Text(string(b)); masked == string(b) {
		return v
	}
	var generic any
	if json.Unmarshal(b, &generic) != nil {
		return v
	}
	return m.Value(generic)
}

func (m Masker) keys(x map[string]int) map[string]int {
	out := make(map[string]int, len(x))
	for k, n := range x {
		out[m.Text(k)] += n
	}
	return out
}

// Handler wraps a log handler so that the message and every string
// attribute (errors too) are masked: crawled URLs and file contents reach
// the log in errors.
func (m Masker) Handler(h slog.Handler) slog.Handler { return handler{m: m, next: h} }

type handler struct {
	m    Masker
	next slog.Handler
}

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.m.Text(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.m.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler {
	for i := range as {
		as[i] = h.m.attr(as[i])
	}
	return handler{m: h.m, next: h.next.WithAttrs(as)}
}

func (h handler) WithGroup(name string) slog.Handler {
	return handler{m: h.m, next: h.next.WithGroup(name)}
}

func (m Masker) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, m.Text(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i := range g {
			out[i] = m.attr(g[i])
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, m.Text(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, m.Text(x.String()))
		default:
			if masked := m.Value(x); masked != nil {
				return slog.Any(a.Key, masked)
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// Logger returns l with its handler wrapped (nil stays nil).
func (m Masker) Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return nil
	}
	if _, ok := l.Handler().(handler); ok {
		return l
	}
	return slog.New(m.Handler(l.Handler()))
}
