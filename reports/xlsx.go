package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
)

// ledgerColumn is one column of the fix ledger (整改台账): its header, its
// width in characters, and the value a finding puts in it.
type ledgerColumn struct {
	head  string
	width float64
	value func(n int, f finding.Finding, r *finding.Report) any
}

// Progress values of the 整改情况 drop-down.
var progressValues = []string{"未整改", "整改中", "已整改", "无需整改"}

var statusLabels = map[string]string{"new": "新增", "persisting": "持续存在", "fixed": "已修复"}

// ledgerColumns: 序号 first, what and where, the fix, the columns the
// webmaster fills in, and the finding's id last (left out of the print
// area).
var ledgerColumns = []ledgerColumn{
	{"序号", 6, func(n int, _ finding.Finding, _ *finding.Report) any { return n }},
	{"严重程度", 8, func(_ int, f finding.Finding, _ *finding.Report) any { return f.Severity.Label() }},
	{"确认情况", 7, func(_ int, f finding.Finding, _ *finding.Report) any { return f.Certainty.Label() }},
	{"检查项", 11, func(_ int, f finding.Finding, _ *finding.Report) any { return catalog.Title(f.Check) }},
	{"问题类型", 14, func(_ int, f finding.Finding, _ *finding.Report) any {
		return clean(catalog.KindLabel(f.Check, f.Kind))
	}},
	{"问题说明", 32, func(_ int, f finding.Finding, _ *finding.Report) any { return clean(f.Message) }},
	{"整改建议", 26, func(_ int, f finding.Finding, _ *finding.Report) any { return catalog.Fix(f) }},
	{"所在页面", 28, func(_ int, f finding.Finding, _ *finding.Report) any { return clean(f.Page) }},
	{"目标链接或文件", 28, func(_ int, f finding.Finding, _ *finding.Report) any {
		if f.Target == f.Page {
			return ""
		}
		return clean(f.Target)
	}},
	{"链接文字或匹配内容", 14, func(_ int, f finding.Finding, _ *finding.Report) any {
		if f.Anchor == f.Match { // a dark link's text is the word it carries
			return clean(f.Anchor)
		}
		return clean(strings.Join(nonEmpty(f.Anchor, f.Match), "；"))
	}},
	{"证据", 30, func(_ int, f finding.Finding, _ *finding.Report) any { return cleanLines(ledgerEvidence(f)) }},
	{"首次发现", 11, func(_ int, f finding.Finding, r *finding.Report) any {
		if f.FirstSeen != nil {
			return f.FirstSeen.Format("2006-01-02")
		}
		return r.StartedAt.Format("2006-01-02")
	}},
	{"状态", 8, func(_ int, f finding.Finding, _ *finding.Report) any {
		if s := statusLabels[f.Status]; s != "" {
			return s
		}
		return statusLabels["new"]
	}},
	{"整改责任人", 10, func(int, finding.Finding, *finding.Report) any { return "" }},
	{"整改期限", 11, func(int, finding.Finding, *finding.Report) any { return "" }},
	{"整改情况", 11, func(int, finding.Finding, *finding.Report) any { return progressValues[0] }},
	{"编号", 17, func(_ int, f finding.Finding, _ *finding.Report) any { return f.ID }},
}

// ledgerSheet is the findings sheet's name; more sheets continue it when
// the findings exceed a sheet's rows: 整改台账（2）…
const ledgerSheet = "整改台账"

// maxCellText keeps a cell under Excel's 32,767 characters.
const maxCellText = 32000

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ledgerEvidence is the evidence plus, for a dark link, what to delete
// and the rule that hides it, and the screenshot's file.
func ledgerEvidence(f finding.Finding) string {
	parts := nonEmpty(f.Evidence)
	if css, _ := f.Details["css"].(string); css != "" {
		if sel, _ := f.Details["css_selector"].(string); sel != "" {
			css = sel + " { " + css + " }"
		}
		if src, _ := f.Details["css_source"].(string); src != "" {
			css += "（" + src + "）"
		}
		parts = append(parts, "隐藏规则："+css)
	}
	if s, _ := f.Details["snippet"].(string); s != "" {
		parts = append(parts, "源码片段："+s)
	}
	if s, _ := f.Details["screenshot"].(string); s != "" {
		switch n := f.Details["screenshot_label"].(type) {
		case int:
			s += fmt.Sprintf("（标签【%d】处）", n)
		case float64:
			s += fmt.Sprintf("（标签【%d】处）", int(n))
		}
		parts = append(parts, "截图："+s)
	}
	out := strings.Join(parts, "\n")
	if len(out) > maxCellText {
		out = cutUTF8(out, maxCellText)
	}
	return out
}

// cutUTF8 cuts s to at most n bytes on a character boundary, marking the cut.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// WriteLedger writes the Excel fix ledger (整改台账): a 概览 sheet (the site,
// the verdict, counts by severity and check, the vetoes and deductions)
// and the 整改台账 sheet, one row per finding, print-ready (A4 landscape,
// fit to width, header row repeated on every page, frozen, filtered) with
// a 整改情况 drop-down for the webmaster.
func WriteLedger(w io.Writer, r *finding.Report) error {
	return writeLedger(w, r, excelize.TotalRows-1)
}

// ledgerStyles are the cell styles of the ledger.
type ledgerStyles struct {
	title, header, cell, center, label int
	severity                           map[finding.Severity]int
}

var severityFills = map[finding.Severity]string{
	finding.Critical: "F4B6B6", finding.High: "FAD2CF", finding.Medium: "FCE3C6", finding.Low: "FFF3C4", finding.Info: "EAEEF2",
}

func newLedgerStyles(f *excelize.File) (ledgerStyles, error) {
	border := []excelize.Border{{Type: "left", Color: "8C959F", Style: 1}, {Type: "right", Color: "8C959F", Style: 1},
		{Type: "top", Color: "8C959F", Style: 1}, {Type: "bottom", Color: "8C959F", Style: 1}}
	font := &excelize.Font{Family: "宋体", Size: 10}
	wrapTop := &excelize.Alignment{WrapText: true, Vertical: "top"}
	s := ledgerStyles{severity: map[finding.Severity]int{}}
	var err error
	add := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	s.title = add(&excelize.Style{Font: &excelize.Font{Family: "黑体", Size: 16, Bold: true}, Alignment: &excelize.Alignment{Vertical: "center"}})
	s.header = add(&excelize.Style{Font: &excelize.Font{Family: "黑体", Size: 10, Bold: true, Color: "FFFFFF"}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Color: []string{"9B1C1C"}, Pattern: 1},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"}})
	s.cell = add(&excelize.Style{Font: font, Border: border, Alignment: wrapTop})
	s.center = add(&excelize.Style{Font: font, Border: border, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top", Horizontal: "center"}})
	s.label = add(&excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 10, Bold: true}, Border: border, Alignment: wrapTop,
		Fill: excelize.Fill{Type: "pattern", Color: []string{"F6F8FA"}, Pattern: 1}})
	for sev, color := range severityFills {
		s.severity[sev] = add(&excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 10, Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Color: []string{color}, Pattern: 1},
			Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}})
	}
	return s, err
}

// writeLedger is WriteLedger with the rows a sheet may hold besides its
// header (tests make it small).
func writeLedger(w io.Writer, r *finding.Report, maxRows int) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newLedgerStyles(f)
	if err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	if err := f.SetSheetName("Sheet1", "概览"); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	if err := writeOverview(f, "概览", r, st); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	fs := r.Findings
	for part := 0; part == 0 || len(fs) > 0; part++ {
		n := min(len(fs), maxRows)
		name := ledgerSheet
		if part > 0 {
			name = fmt.Sprintf("%s（%d）", ledgerSheet, part+1)
		}
		if err := writeFindingsSheet(f, name, r, fs[:n], part*maxRows, st); err != nil {
			return fmt.Errorf("write ledger: sheet %s: %w", name, err)
		}
		fs = fs[n:]
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	return nil
}

// printSetup makes a sheet print on A4 at the page's width, with margins
// of about 1.5 cm, the site and page numbers in the footer, and the
// header row on every page.
func printSetup(f *excelize.File, sheet string, landscape, repeatHeader bool, r *finding.Report) error {
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	orientation := "portrait"
	if landscape {
		orientation = "landscape"
	}
	size, wide, tall := 9, 1, 0 // A4; one page wide, as many tall as needed
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	m, top := 0.6, 0.7
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &top, Bottom: &top}); err != nil {
		return err
	}
	name := r.Name
	if name == "" {
		name = r.Site
	}
	// & starts a code in Excel's header and footer: write it as &&.
	footer := "&L" + strings.ReplaceAll(clean(cutUTF8(name, 100)), "&", "&&") + " 整改台账&R第 &P 页，共 &N 页"
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: footer}); err != nil {
		return err
	}
	if repeatHeader {
		return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$1:$1", sheet), Scope: sheet})
	}
	return nil
}

// writeFindingsSheet streams one ledger sheet. Everything the stream
// writer cannot do (filter, drop-down, page setup) is set on the sheet
// before streaming: the stream writer writes the sheet's settings with
// its rows.
func writeFindingsSheet(f *excelize.File, sheet string, r *finding.Report, fs []finding.Finding, offset int, st ledgerStyles) error {
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	last := len(fs) + 1
	lastCol, _ := excelize.ColumnNumberToName(len(ledgerColumns))
	printCol, _ := excelize.ColumnNumberToName(len(ledgerColumns) - 1) // all but the id
	progressCol := ""
	for i, c := range ledgerColumns {
		if c.head == "整改情况" {
			progressCol, _ = excelize.ColumnNumberToName(i + 1)
		}
	}
	if err := f.AutoFilter(sheet, fmt.Sprintf("A1:%s%d", lastCol, max(last, 2)), nil); err != nil {
		return err
	}
	if err := printSetup(f, sheet, true, true, r); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: fmt.Sprintf("'%s'!$A:$%s", sheet, printCol), Scope: sheet}); err != nil {
		return err
	}
	if len(fs) > 0 {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", progressCol, progressCol, last)
		if err := dv.SetDropList(progressValues); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "整改情况", "请从列表中选择："+strings.Join(progressValues, "、"))
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i, c := range ledgerColumns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	head := make([]any, len(ledgerColumns))
	for i, c := range ledgerColumns {
		head[i] = excelize.Cell{StyleID: st.header, Value: c.head}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	row := make([]any, len(ledgerColumns))
	for i, fd := range fs {
		for j, c := range ledgerColumns {
			style := st.cell
			switch c.head {
			case "序号", "确认情况", "首次发现", "状态", "整改情况":
				style = st.center
			case "严重程度":
				if s, ok := st.severity[fd.Severity]; ok {
					style = s
				}
			}
			v := c.value(offset+i+1, fd, r)
			if s, ok := v.(string); ok && len(s) > maxCellText {
				v = cutUTF8(s, maxCellText)
			}
			row[j] = excelize.Cell{StyleID: style, Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// writeOverview fills the 概览 sheet.
func writeOverview(f *excelize.File, sheet string, r *finding.Report, st ledgerStyles) error {
	name := r.Name
	if name == "" {
		name = r.Site
	}
	row := 1
	var err error
	set := func(col int, v any, style int) {
		if err != nil {
			return
		}
		cell, _ := excelize.CoordinatesToCellName(col, row)
		if s, ok := v.(string); ok {
			v = cleanLines(s) // 检查范围: one note a line
		}
		if err = f.SetCellValue(sheet, cell, v); err == nil && style != 0 {
			err = f.SetCellStyle(sheet, cell, cell, style)
		}
	}
	line := func(vals ...any) {
		for i, v := range vals {
			set(i+1, v, st.cell)
		}
		row++
	}
	header := func(vals ...string) {
		row++ // a blank line before each table
		for i, v := range vals {
			set(i+1, v, st.header)
		}
		row++
	}
	set(1, name+" 网站巡检整改台账", st.title)
	if err == nil {
		err = f.SetRowHeight(sheet, 1, 28)
	}
	row = 3
	// An incomplete run's verdict and score say what is missing: no
	// score is claimed without its inputs.
	verdict, scoreText := "未做预评估", ""
	if e := r.Evaluation; e != nil {
		verdict, scoreText = e.VerdictLabel(), e.ScoreLabel()
		if e.Score != nil {
			scoreText = score(*e.Score)
		}
	}
	complete := "完整"
	if !r.Complete {
		complete = "未完成：" + strings.Join(r.Incomplete, "；")
	}
	facts := [][2]string{
		{"网站名称", name}, {"网站地址", r.Site}, {"巡检时间", r.StartedAt.Format("2006-01-02 15:04")},
		{"巡检结果", complete}, {"预评估结论", verdict}, {"估算得分", scoreText},
		{"问题总数", fmt.Sprint(len(r.Findings))}, {"抓取页面", fmt.Sprint(r.Stats.Pages)}, {"检查链接", fmt.Sprint(r.Stats.Links)},
	}
	if len(r.Notes) > 0 { // what a re-inspection kept from earlier runs
		facts = append(facts[:4], append([][2]string{{"检查范围", strings.Join(r.Notes, "\n")}}, facts[4:]...)...)
	}
	for _, kv := range facts {
		set(1, kv[0], st.label)
		set(2, kv[1], st.cell)
		if err == nil {
			err = f.MergeCell(sheet, fmt.Sprintf("B%d", row), fmt.Sprintf("D%d", row))
		}
		row++
	}

	header("按严重程度", "问题数")
	bySev := map[finding.Severity]int{}
	for _, fd := range r.Findings {
		bySev[fd.Severity]++
	}
	for _, s := range finding.Severities {
		set(1, s.Label(), st.severity[s])
		set(2, bySev[s], st.cell)
		row++
	}

	heads := []string{"按检查项"}
	for _, s := range finding.Severities {
		heads = append(heads, s.Label())
	}
	header(append(heads, "合计")...)
	counts := r.CountBy()
	for _, c := range rowChecks(r) {
		vals := []any{catalog.Title(c)}
		total := 0
		for _, s := range finding.Severities {
			vals = append(vals, counts[c][s])
			total += counts[c][s]
		}
		line(append(vals, total)...)
	}

	if e := r.Evaluation; e != nil {
		header("单项否决指标", "结果", "依据")
		for _, v := range e.Vetoes {
			line(v.Item, finding.VetoLabel(v.Status), v.Evidence)
			if err == nil {
				err = f.MergeCell(sheet, fmt.Sprintf("C%d", row-1), fmt.Sprintf("G%d", row-1))
			}
		}
		header("扣分项（估算）", "问题数", "估算扣分")
		for _, d := range e.Deductions {
			line(d.Name, d.Count, d.Points)
		}
		row++
		set(1, "扣分为便于安排整改的估算，不代表评估机构的实际评分。", 0)
	}
	if err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 22, "B": 12, "C": 12, "D": 12, "E": 12, "F": 12, "G": 30} {
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
	}
	return printSetup(f, sheet, false, false, r)
}
