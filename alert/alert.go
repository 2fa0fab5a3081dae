// Package alert tells webmasters what an inspection found: a daily digest
// per site and real-time alerts (homepage down and recovered, a new dark
// link, a new privacy leak, a new veto-level problem), to Slack (slack-go:
// bot token or incoming webhook), to the webhooks Chinese teams use
// (DingTalk, WeCom, Feishu, or generic JSON) and by e-mail. Messages are
// built apart from sending them; sending goes through the history's outbox,
// so a channel that is down delays alerts but never loses them and never
// blocks an inspection. Findings are masked exactly as in reports.
package alert

import (
	"fmt"
	"sort"
	"strings"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
)

// Level is how urgent a message is.
type Level string

// Levels.
const (
	Info     Level = "info"
	Warning  Level = "warning"
	Critical Level = "critical"
	Resolved Level = "resolved"
)

// Message is one alert, channel-neutral.
type Message struct {
	Site  string   `json:"site"`
	Title string   `json:"title"`
	Lines []string `json:"lines"`
	Link  string   `json:"link,omitempty"`
	Level Level    `json:"level"`
	// ID is the message's idempotency key (what caused it, and which
	// message of it this is): a retried delivery carries the same ID, so a
	// receiver that supports one can drop the duplicate.
	ID string `json:"id,omitempty"`
}

// Text renders a message as plain text.
func (m Message) Text() string {
	var b strings.Builder
	b.WriteString(m.Title)
	for _, l := range m.Lines {
		b.WriteString("\n")
		b.WriteString(l)
	}
	if m.Link != "" {
		b.WriteString("\n报告：" + m.Link)
	}
	return b.String()
}

// Markdown renders a message for DingTalk and WeCom markdown.
func (m Message) Markdown() string {
	var b strings.Builder
	b.WriteString("### " + mdEscape(m.Title))
	for _, l := range m.Lines {
		b.WriteString("\n\n- " + mdEscape(l))
	}
	if m.Link != "" {
		b.WriteString("\n\n[查看报告](" + m.Link + ")")
	}
	return b.String()
}

// mdEscape keeps crawled text from forming links or markup.
func mdEscape(s string) string {
	return strings.NewReplacer("[", "［", "]", "］", "(", "（", ")", "）", "<", "＜", ">", "＞", "*", "＊", "_", "＿", "`", "｀", "#", "＃").Replace(s)
}

// maxLines caps the findings one message lists.
const maxLines = 10

func findingLine(f finding.Finding) string {
	line := fmt.Sprintf("[%s] %s", f.Severity.Label(), f.Message)
	if f.Page != "" {
		line += "（" + f.Page + "）"
	}
	return line
}

// Digest is the daily summary of a run: counts by severity, new problems
// first, fixed problems.
func Digest(name string, rep *finding.Report, fixed int, link string) Message {
	bySev := map[finding.Severity]int{}
	newCount := 0
	for _, f := range rep.Findings {
		bySev[f.Severity]++
		if f.Status == "new" {
			newCount++
		}
	}
	var counts []string
	for _, s := range finding.Severities {
		if bySev[s] > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", s.Label(), bySev[s]))
		}
	}
	m := Message{Site: name, Link: link, Level: Info}
	m.Title = fmt.Sprintf("【%s】每日巡检：问题 %d 个（新增 %d，已修复 %d）", name, len(rep.Findings), newCount, fixed)
	if len(counts) > 0 {
		m.Lines = append(m.Lines, "按严重程度："+strings.Join(counts, "，"))
	}
	byCheck := rep.CountBy()
	var names []string
	for c := range byCheck {
		names = append(names, c)
	}
	sort.Strings(names)
	var perCheck []string
	for _, c := range names {
		n := 0
		for _, v := range byCheck[c] {
			n += v
		}
		perCheck = append(perCheck, fmt.Sprintf("%s %d", catalog.Title(c), n))
	}
	if len(perCheck) > 0 {
		m.Lines = append(m.Lines, "按检查项："+strings.Join(perCheck, "，"))
	}
	if e := rep.Evaluation; e != nil {
		m.Lines = append(m.Lines, fmt.Sprintf("预评估：%s，估算得分 %s", e.VerdictLabel(), e.ScoreLabel()))
	}
	if !rep.Complete {
		m.Lines = append(m.Lines, "本次巡检未完成："+strings.Join(rep.Incomplete, "；"))
		m.Level = Warning
	}
	fs := append([]finding.Finding(nil), rep.Findings...)
	sort.SliceStable(fs, func(i, j int) bool {
		if (fs[i].Status == "new") != (fs[j].Status == "new") {
			return fs[i].Status == "new"
		}
		return fs[i].Severity.Rank() > fs[j].Severity.Rank()
	})
	for i, f := range fs {
		if i == maxLines {
			m.Lines = append(m.Lines, fmt.Sprintf("……另有 %d 个问题，见报告", len(fs)-maxLines))
			break
		}
		prefix := ""
		if f.Status == "new" {
			prefix = "新增 "
		}
		m.Lines = append(m.Lines, prefix+findingLine(f))
	}
	if rep.Worst().Rank() >= finding.High.Rank() {
		m.Level = Warning
	}
	return m
}

// HomepageDown is the real-time alert after consecutive failed probes.
func HomepageDown(name, home string, failures int, reason string) Message {
	return Message{Site: name, Level: Critical, Link: home,
		Title: fmt.Sprintf("【%s】首页无法访问：连续 %d 次探测失败", name, failures),
		Lines: []string{"原因：" + reason, "首页：" + home}}
}

// HomepageUp is the resolved message when the homepage answers again.
func HomepageUp(name, home string) Message {
	return Message{Site: name, Level: Resolved, Link: home, Title: fmt.Sprintf("【%s】首页已恢复访问", name)}
}

// Realtime says whether a new finding alerts at once: those of the checks
// registered as real-time (dark links, privacy leaks) and veto-level
// (critical) problems.
func Realtime(f finding.Finding) bool { return catalog.Realtime(f) }

// NewProblem is the real-time alert for a new finding.
func NewProblem(name string, f finding.Finding, link string, reminder bool) Message {
	title := fmt.Sprintf("【%s】发现新问题：%s", name, f.Message)
	if reminder {
		title = fmt.Sprintf("【%s】提醒：问题仍未整改：%s", name, f.Message)
	}
	m := Message{Site: name, Level: Critical, Link: link, Title: title}
	if f.Page != "" {
		m.Lines = append(m.Lines, "页面："+f.Page)
	}
	if f.Target != "" {
		m.Lines = append(m.Lines, "目标："+f.Target)
	}
	if f.Evidence != "" {
		m.Lines = append(m.Lines, "证据："+f.Evidence)
	}
	return m
}

// ProblemFixed is the resolved message for a finding that is gone.
func ProblemFixed(name string, f finding.Finding) Message {
	return Message{Site: name, Level: Resolved, Title: fmt.Sprintf("【%s】问题已修复：%s", name, f.Message)}
}
