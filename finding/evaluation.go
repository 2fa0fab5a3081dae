package finding

// Veto statuses of a pre-evaluation.
const (
	VetoPass      = "pass"
	VetoFail      = "fail"
	VetoWarning   = "warning"
	VetoUnchecked = "unchecked"
)

// Veto is one single-item veto (单项否决) of the national indicator set.
type Veto struct {
	Item     string `json:"item"`
	Status   string `json:"status"`
	Evidence string `json:"evidence"`
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
	// Score is 100 less the estimated deductions; Passed is false when a
	// veto fails or the score is below 60.
	Score  float64 `json:"score"`
	Passed bool    `json:"passed"`
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
