package reports

import (
	"fmt"
	"io"
	"slices"

	"github.com/xuri/excelize/v2"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
)

// ledgerColumns are the fix ledger's (整改台账) columns; the last three are
// for the webmaster to fill in.
var ledgerColumns = []string{"编号", "严重程度", "确认情况", "问题类型", "问题说明", "所在页面", "目标链接或文件", "锚文本", "匹配内容", "证据", "首次发现", "状态", "整改责任人", "整改期限", "整改情况"}

var statusLabels = map[string]string{"new": "新增", "persisting": "持续存在", "fixed": "已修复"}

// WriteLedger writes the Excel fix ledger: a summary sheet, then one sheet
// per check with one row per finding.
func WriteLedger(w io.Writer, r *finding.Report) error {
	f := excelize.NewFile()
	defer f.Close()
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill: excelize.Fill{Type: "pattern", Color: []string{"9B1C1C"}, Pattern: 1}})
	if err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	summary := "概览"
	f.SetSheetName("Sheet1", summary)
	f.SetCellValue(summary, "A1", "网站")
	f.SetCellValue(summary, "B1", r.Site)
	f.SetCellValue(summary, "A2", "巡检时间")
	f.SetCellValue(summary, "B2", r.StartedAt.Format("2006-01-02 15:04"))
	f.SetCellValue(summary, "A3", "问题总数")
	f.SetCellValue(summary, "B3", len(r.Findings))
	if e := r.Evaluation; e != nil {
		f.SetCellValue(summary, "A4", "估算得分")
		if e.Score != nil {
			f.SetCellValue(summary, "B4", *e.Score)
		} else {
			f.SetCellValue(summary, "B4", e.ScoreLabel())
		}
		row := 6
		f.SetCellValue(summary, "A6", "单项否决指标")
		f.SetCellValue(summary, "B6", "结果")
		f.SetCellValue(summary, "C6", "依据")
		f.SetCellStyle(summary, "A6", "C6", header)
		for _, v := range e.Vetoes {
			row++
			f.SetCellValue(summary, fmt.Sprintf("A%d", row), v.Item)
			f.SetCellValue(summary, fmt.Sprintf("B%d", row), finding.VetoLabel(v.Status))
			f.SetCellValue(summary, fmt.Sprintf("C%d", row), v.Evidence)
		}
	}
	f.SetColWidth(summary, "A", "A", 30)
	f.SetColWidth(summary, "C", "C", 80)
	byCheck := map[string][]finding.Finding{}
	for _, fd := range r.Findings {
		byCheck[fd.Check] = append(byCheck[fd.Check], fd)
	}
	for _, c := range rowChecks(r) {
		fs := byCheck[c]
		if len(fs) == 0 {
			continue
		}
		name := sheetName(catalog.Title(c))
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
		head := make([]any, len(ledgerColumns))
		for i, h := range ledgerColumns {
			head[i] = excelize.Cell{StyleID: header, Value: h}
		}
		sw.SetColWidth(5, 5, 50)
		sw.SetColWidth(6, 7, 40)
		sw.SetColWidth(10, 10, 50)
		if err := sw.SetRow("A1", head); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
		for i, fd := range fs {
			first := r.StartedAt
			if fd.FirstSeen != nil {
				first = *fd.FirstSeen
			}
			status := statusLabels[fd.Status]
			if status == "" {
				status = statusLabels["new"]
			}
			row := []any{fd.ID, fd.Severity.Label(), fd.Certainty.Label(), catalog.KindLabel(fd.Check, fd.Kind), clean(fd.Message), clean(fd.Page), clean(fd.Target),
				clean(fd.Anchor), clean(fd.Match), clean(fd.Evidence), first.Format("2006-01-02"), status, "", "", ""}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, row); err != nil {
				return fmt.Errorf("write ledger: %w", err)
			}
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	return nil
}

// sheetName fits Excel's rules: 31 characters, none of []:*?/\.
func sheetName(s string) string {
	rs := []rune(s)
	out := rs[:0]
	for _, r := range rs {
		if !slices.Contains([]rune(`[]:*?/\`), r) {
			out = append(out, r)
		}
	}
	if len(out) > 31 {
		out = out[:31]
	}
	return string(out)
}
