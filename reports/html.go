package reports

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/finding"
)

//go:embed report.html.tmpl
var htmlTemplate string

//go:embed report.js
var reportJS string

// shotName accepts only the artifact names xunjian writes.
var shotName = regexp.MustCompile(`^screenshots/[0-9a-z]+\.png$`)

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"title": catalog.Title,
	// explain describes an error's text in Chinese (the text itself is
	// shown beside it, smaller, for whoever fixes it).
	"explain": explain.Text,
	"time":    func(t time.Time) string { return t.Format("2006-01-02 15:04:05") },
	"ms":      func(v any) string { f, _ := v.(float64); return fmt.Sprintf("%.1f", f) },
	"shot":    func(v any) template.URL { return "" }, // replaced per report in WriteHTML
	// display shows a URL as people read it (补贴名单.xls, not %E8%A1%A5…);
	// hrefs keep the encoded form.
	"display": func(s string) string {
		if d, err := url.PathUnescape(s); err == nil && utf8.ValidString(d) {
			return d
		}
		return s
	},
	"colstatus": func(v any) string { s, _ := v.(string); return columnStatus[s] },
	"vetolabel": finding.VetoLabel,
	"coltype":   func(v any) string { s, _ := v.(string); return columnType[s] },
	"clock": func(v any) string {
		s, _ := v.(string)
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.Format("01-02 15:04:05.000")
		}
		return s
	},
}).Parse(htmlTemplate))

// checkRow is one line of the summary table.
type checkRow struct {
	Check  string
	Counts []int // per finding.Severities
	Total  int
}

type htmlData struct {
	R            *finding.Report
	Severities   []finding.Severity
	BySeverity   map[finding.Severity]int
	Rows         []checkRow
	Duration     time.Duration
	Connectivity map[string]any
	Skipped      map[string]any
	Columns      []map[string]any
	Script       template.JS
	ScriptHash   string
	Homepage     template.URL
}

// WriteHTML writes one self-contained HTML page: no external assets, a
// Content-Security-Policy that allows only the report's own script (by
// hash), and every crawled string escaped by html/template.
func WriteHTML(w io.Writer, r *finding.Report) error {
	sum := sha256.Sum256([]byte(reportJS))
	d := htmlData{
		R:          r,
		Severities: finding.Severities,
		BySeverity: map[finding.Severity]int{},
		Duration:   r.FinishedAt.Sub(r.StartedAt).Round(100 * time.Millisecond),
		Script:     template.JS(reportJS),
		ScriptHash: "sha256-" + base64.StdEncoding.EncodeToString(sum[:]),
	}
	for _, f := range r.Findings {
		d.BySeverity[f.Severity]++
	}
	counts := r.CountBy()
	for _, c := range rowChecks(r) {
		row := checkRow{Check: c}
		for _, s := range finding.Severities {
			n := counts[c][s]
			row.Counts = append(row.Counts, n)
			row.Total += n
		}
		d.Rows = append(d.Rows, row)
	}
	// Measurements may hold typed values (fresh run) or generic maps (a
	// report read back from JSON): normalise through JSON.
	if m, ok := r.Measurements[catalog.Connectivity]; ok {
		d.Connectivity = generic(m)
	}
	if m, ok := r.Measurements["skipped"]; ok {
		d.Skipped = generic(m)
	}
	if m, ok := r.Measurements[catalog.Columns]; ok {
		d.Columns = genericList(m)
	}
	// The homepage screenshot exists when the browser rendered the site.
	if rm := generic(r.Measurements["rendering"]); rm != nil && rm["skipped"] == false {
		d.Homepage = shotURL(r, "screenshots/homepage.png")
	}
	tmpl, err := htmlTmpl.Clone()
	if err != nil {
		return err
	}
	tmpl.Funcs(template.FuncMap{"shot": func(v any) template.URL {
		name, _ := v.(string)
		return shotURL(r, name)
	}})
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, d); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// shotURL embeds a screenshot the report carries as a data: URI (the
// report stays one self-contained file), else points at the file beside it.
func shotURL(r *finding.Report, name string) template.URL {
	if !shotName.MatchString(name) {
		return ""
	}
	if data, ok := r.Artifacts[name]; ok {
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(data))
	}
	return template.URL(name)
}

func genericList(v any) []map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m []map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

var columnStatus = map[string]string{
	"ok": "正常", "warning": "即将超期", "stale": "超期未更新", "undated": "无发布日期", "blank": "空白栏目",
	"excluded": "已排除", "hub": "栏目导航页",
}

var columnType = map[string]string{"news": "动态要闻", "notice": "通知公告/政策文件", "basic": "基础信息"}

func generic(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}
