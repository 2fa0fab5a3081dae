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
	fmt.Fprintf(&b, "%s  %s\n", clean(name), r.Site)
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
		fmt.Fprintf(&b, "  预评估：%s，估算得分 %s", e.VerdictLabel(), e.ScoreLabel())
		if len(failed) > 0 {
			fmt.Fprintf(&b, "；单项否决不通过：%s", strings.Join(failed, "、"))
		}
		b.WriteByte('\n')
		for _, v := range e.Vetoes {
			if v.Status == finding.VetoFail || (v.Status == finding.VetoUnchecked && !catalog.IsManual(v.Item)) {
				fmt.Fprintf(&b, "    %s（%s）：%s\n", v.Item, finding.VetoLabel(v.Status), clean(v.Evidence))
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
		fmt.Fprintf(&b, "    %-14s %-8s %d\n", c, catalog.Title(c), n)
	}
	for i, f := range r.Findings {
		if i == maxItems {
			fmt.Fprintf(&b, "  ……另有 %d 个问题，见完整报告\n", len(r.Findings)-maxItems)
			break
		}
		fmt.Fprintf(&b, "  [%s] %s\n      页面 %s", f.Severity.Label(), clean(f.Message), clean(f.Page))
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
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
