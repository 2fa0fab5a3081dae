package reports

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
)

// WriteSummary writes a short plain-text summary for the terminal: counts by
// severity and check, then the most urgent findings. Crawled text is
// stripped of control characters so it cannot drive the terminal.
func WriteSummary(w io.Writer, r *finding.Report, maxItems int) error {
	var b strings.Builder
	name := r.Name
	if name == "" {
		name = r.Site
	}
	if name == r.Site || !strings.Contains(r.Site, "://") {
		// No name of its own, or scan's report (its "site" is no address).
		fmt.Fprintf(&b, "%s\n", clean(name))
	} else {
		fmt.Fprintf(&b, "%s  %s\n", clean(name), clean(r.Site))
	}
	if !r.Complete {
		fmt.Fprintf(&b, "  巡检未完成：%s\n", clean(strings.Join(r.Incomplete, "；")))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  检查范围：%s\n", clean(n))
	}
	fmt.Fprintf(&b, "  用时 %s；页面 %d，链接 %d，目标 %d，附件 %d，请求 %d\n",
		r.FinishedAt.Sub(r.StartedAt).Round(100*time.Millisecond), r.Stats.Pages, r.Stats.Links,
		r.Stats.Targets, r.Stats.Attachments, r.Stats.Requests)
	if e := r.Evaluation; e != nil {
		var failed []string
		for _, v := range e.Vetoes {
			if v.Status == finding.VetoFail {
				failed = append(failed, v.Item)
			}
		}
		// The incomplete note is printed once, above: the verdict refers to it.
		seeAbove := func(s string) string { return referAbove(r, s, "见上") }
		fmt.Fprintf(&b, "  预评估：%s，估算得分 %s", e.VerdictLabel(), seeAbove(e.ScoreLabel()))
		if len(failed) > 0 {
			fmt.Fprintf(&b, "；单项否决不通过：%s", strings.Join(failed, "、"))
		}
		b.WriteByte('\n')
		for _, v := range e.Vetoes {
			if v.Status == finding.VetoFail || (v.Status == finding.VetoUnchecked && !catalog.IsManual(v.Item)) {
				// One line a veto: what fails it counted by check, and
				// the most serious finding (the report lists them all).
				l := newVetoLine(v)
				line := seeAbove(l.First)
				if l.Counts != "" {
					line = l.Counts + "；最严重：" + line
				}
				fmt.Fprintf(&b, "    %s（%s）：%s\n", v.Item, finding.VetoLabel(v.Status), clean(line))
			}
		}
	}
	if len(r.Findings) == 0 {
		b.WriteString("  未发现问题\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	bySev := map[finding.Severity]int{}
	for _, f := range r.Findings {
		bySev[f.Severity]++
	}
	var parts []string
	for _, s := range finding.Severities {
		if bySev[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s.Label(), bySev[s]))
		}
	}
	fmt.Fprintf(&b, "  问题 %d 个：%s\n", len(r.Findings), strings.Join(parts, "，"))
	counts := r.CountBy()
	for _, c := range rowChecks(r) {
		n := 0
		for _, v := range counts[c] {
			n += v
		}
		fmt.Fprintf(&b, "    %-14s %s %d\n", c, padColumns(catalog.Title(c), 20), n)
	}
	for i, f := range r.Findings {
		if i == maxItems {
			fmt.Fprintf(&b, "  ……另有 %d 个问题，见完整报告\n", len(r.Findings)-maxItems)
			break
		}
		where := "页面 " + clean(f.Page)
		if isFileURL(f.Page) {
			where = "文件 " + clean(displayPlace(f.Page))
		}
		fmt.Fprintf(&b, "  [%s] %s\n      %s", f.Severity.Label(), clean(f.Message), where)
		if f.Target != "" && f.Target != f.Page {
			fmt.Fprintf(&b, "\n      目标 %s", clean(f.Target))
		}
		if f.Anchor != "" {
			fmt.Fprintf(&b, "（%s）", clean(f.Anchor))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// clean drops control characters (terminal escapes) from crawled text.
// padColumns pads s with spaces to width terminal columns, a Chinese
// character taking two, so that the counts after it line up.
func padColumns(s string, width int) string {
	w := 0
	for _, r := range s {
		w++
		if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFF60) {
			w++
		}
	}
	if w >= width {
		return s
	}
	return s + strings.Repeat(" ", width-w)
}

// cleanLines is clean keeping line breaks: a ledger cell's lines.
func cleanLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	return strings.Join(lines, "\n")
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
