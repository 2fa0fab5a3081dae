package finding

import "fmt"

// Veto statuses of a pre-evaluation.
const (
	VetoPass      = "pass"
	VetoFail      = "fail"
	VetoWarning   = "warning"
	VetoUnchecked = "unchecked"
)

// Verdicts of a pre-evaluation.
const (
	VerdictPass    = "pass"
	VerdictFail    = "fail"
	VerdictUnknown = "unknown"
)

// Veto is one single-item veto (单项否决) of the national indicator set.
type Veto struct {
	Item   string `json:"item"`
	Status string `json:"status"`
	// Evidence says why, in Chinese: for a failed or warned item every
	// finding behind it, the most serious first; for an unchecked item
	// what could not be checked and why.
	Evidence string `json:"evidence"`
	// Findings are the findings that fail or warn the item, the most
	// serious first (those that fail it before those that only warn).
	Findings []VetoFinding `json:"findings,omitempty"`
}

// VetoFinding is one finding behind a veto's status.
type VetoFinding struct {
	ID       string   `json:"id"`
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Page     string   `json:"page,omitempty"`
}

// Deduction is one deduction item with its estimated points.
type Deduction struct {
	Item   string  `json:"item"`
	Name   string  `json:"name"`
	Count  int     `json:"count"`
	Points float64 `json:"points"`
}

// Evaluation is a report's pre-evaluation against the indicator set.
type Evaluation struct {
	Vetoes     []Veto      `json:"vetoes"`
	Deductions []Deduction `json:"deductions"`
	// Score is 100 less the estimated deductions; absent when the
	// inspection could not gather what the deductions count (an
	// unreachable site, an interrupted run, a check that did not run):
	// ScoreNote then says why.
	Score     *float64 `json:"score,omitempty"`
	ScoreNote string   `json:"score_note,omitempty"`
	// Verdict is pass, fail (a veto failed or the score is below 60) or
	// unknown (no veto failed, but one could not be checked or the score
	// could not be estimated). Passed is Verdict == pass.
	Verdict string `json:"verdict"`
	Passed  bool   `json:"passed"`
}

// Settle derives the verdict from the vetoes and the score; call it after
// changing either. Items only a person can check (Manual) do not make the
// verdict unknown: manual lists their names.
func (e *Evaluation) Settle(manual ...string) {
	e.Verdict = VerdictPass
	for _, v := range e.Vetoes {
		switch {
		case v.Status == VetoFail:
			e.Verdict = VerdictFail
		case v.Status == VetoUnchecked && !contains(manual, v.Item) && e.Verdict != VerdictFail:
			e.Verdict = VerdictUnknown
		}
	}
	switch {
	case e.Score != nil && *e.Score < 60:
		e.Verdict = VerdictFail
	case e.Score == nil && e.Verdict == VerdictPass:
		e.Verdict = VerdictUnknown
	}
	e.Passed = e.Verdict == VerdictPass
}

// VerdictLabel is the verdict in Chinese.
func (e *Evaluation) VerdictLabel() string {
	switch e.Verdict {
	case VerdictPass:
		return "预计合格"
	case VerdictFail:
		return "预计不合格"
	case VerdictUnknown:
		return "无法判定（部分指标未检查）"
	}
	if e.Passed { // a report written before verdicts existed
		return "预计合格"
	}
	return "预计不合格"
}

// ScoreLabel is the estimated score, or why there is none, in Chinese.
func (e *Evaluation) ScoreLabel() string {
	if e.Score == nil {
		if e.ScoreNote != "" {
			// A colon, not brackets: the note often ends in brackets of
			// its own (巡检不完整（…）).
			return "无法估算：" + e.ScoreNote
		}
		return "无法估算"
	}
	return fmt.Sprintf("%.1f", *e.Score)
}

// VetoLabel is a veto status in Chinese.
func VetoLabel(status string) string {
	switch status {
	case VetoPass:
		return "通过"
	case VetoFail:
		return "不通过"
	case VetoWarning:
		return "预警"
	}
	return "未检查"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
