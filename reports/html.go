package reports

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"slices"
	"strings"
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
var shotName = regexp.MustCompile(`^screenshots/[0-9a-z]+(-crop)?\.png$`)

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"title": catalog.Title,
	// explain describes an error's text in Chinese (the text itself is
	// shown beside it, smaller, for whoever fixes it).
	"explain": explain.Text,
	"time":    func(t time.Time) string { return t.Format("2006-01-02 15:04:05") },
	"ms":      func(v any) string { f, _ := v.(float64); return fmt.Sprintf("%.1f", f) },
	// display shows a URL as people read it (补贴名单.xls, not %E8%A1%A5…);
	// hrefs keep the encoded form.
	"display": displayURL,
	"wrapurl": wrapURL,
	// isfile: a scanned local file (file://…), shown as its path, not a
	// link (browsers refuse file links from a page, and html/template
	// rewrites them to #ZgotmplZ).
	"isfile": isFileURL,
	// isaddr: the report's site is an address (scan's is not).
	"isaddr":  func(s string) bool { return strings.Contains(s, "://") },
	"skipped": skippedText,
	// class names a failed probe's failure class in Chinese (连接超时).
	"class":     func(v any) string { s, _ := v.(string); return catalog.KindLabel(catalog.BrokenLink, s) },
	"score":     score,
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
	R          *finding.Report
	SiteName   string
	Severities []finding.Severity
	BySeverity map[finding.Severity]int
	// FailedVetoes, WarnVetoes and UncheckedVetoes are the verdict's
	// reasons (an unchecked veto makes it unknown), in short; ManualVetoes
	// the items only a person can check. The evaluation section below the
	// findings has every veto's whole evidence.
	FailedVetoes, WarnVetoes, UncheckedVetoes []vetoLine
	ManualVetoes                              []string
	// ScoreNote says why there is no score, in short.
	ScoreNote    string
	Items        []findingItem
	Rows         []checkRow
	Duration     time.Duration
	Connectivity map[string]any
	Skipped      map[string]any
	Columns      []map[string]any
	Script       template.JS
	ScriptHash   string
	Homepage     template.URL
	// HomepageUnchecked says why there is no homepage screenshot.
	HomepageUnchecked string
}

// findingItem is one row of the findings table: the finding, its fix and
// the evidence that shows what to change.
type findingItem struct {
	F finding.Finding
	// CheckTitle names the check, unless the message starts with it.
	CheckTitle string
	Fix        string
	// Crop is the screenshot around the problem (embedded); Full is the
	// whole page's screenshot, a file beside the report.
	Crop template.URL
	Full string
	// Label is the number of the problem's outline in the whole page,
	// which outlines every dark link of the page at once (0: none).
	Label int
	// CropFile is the crop's file beside the report, opened at full size.
	CropFile string
	// Snippet is the HTML to delete; Rule the CSS that hides a link and
	// RuleWhere where it is written.
	Snippet, Rule, RuleWhere string
}

// WriteHTML writes one self-contained HTML page: the verdict first, then
// the findings (each with its fix and evidence), then the evidence
// sections (pre-evaluation, counts, columns, connectivity, homepage). No
// external assets, a Content-Security-Policy that allows only the
// report's own script (by hash), and every crawled string escaped by
// html/template.
func WriteHTML(w io.Writer, r *finding.Report) error {
	sum := sha256.Sum256([]byte(reportJS))
	d := htmlData{
		R:          r,
		SiteName:   r.Name,
		Severities: finding.Severities,
		BySeverity: map[finding.Severity]int{},
		Duration:   r.FinishedAt.Sub(r.StartedAt).Round(100 * time.Millisecond),
		Script:     template.JS(reportJS),
		ScriptHash: "sha256-" + base64.StdEncoding.EncodeToString(sum[:]),
	}
	if d.SiteName == "" {
		d.SiteName = r.Site
	}
	for _, f := range r.Findings {
		d.BySeverity[f.Severity]++
		d.Items = append(d.Items, newFindingItem(r, f))
	}
	// The verdict box refers to the incomplete banner above it rather than
	// repeating its lines.
	seeAbove := func(s string) string { return referAbove(r, s, "见上方说明") }
	newVetoLine := func(v finding.Veto) vetoLine {
		l := newVetoLine(v)
		l.First = seeAbove(l.First)
		return l
	}
	if e := r.Evaluation; e != nil {
		d.ScoreNote = seeAbove(e.ScoreNote)
		for _, v := range e.Vetoes {
			switch {
			case v.Status == finding.VetoFail:
				d.FailedVetoes = append(d.FailedVetoes, newVetoLine(v))
			case v.Status == finding.VetoWarning:
				d.WarnVetoes = append(d.WarnVetoes, newVetoLine(v))
			case catalog.IsManual(v.Item):
				d.ManualVetoes = append(d.ManualVetoes, v.Item)
			case v.Status == finding.VetoUnchecked:
				d.UncheckedVetoes = append(d.UncheckedVetoes, newVetoLine(v))
			}
		}
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
		sortColumns(d.Columns)
	}
	// The homepage screenshot exists when the browser rendered the site.
	// A homepage the browser was stopped on (it navigated away) has none:
	// the reason is shown instead.
	if rm := generic(r.Measurements["rendering"]); rm != nil && rm["skipped"] == false {
		if why, _ := rm["homepage_unchecked"].(string); why != "" {
			d.HomepageUnchecked = why
		} else {
			d.Homepage = shotURL(r, "screenshots/homepage.png")
		}
	}
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, d); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// referAbove replaces, in s, the lines of an incomplete report's note
// (shown once, above) with a reference to it: lines that stood together
// (巡检不完整（A；B）) become one reference (巡检不完整（见上）).
func referAbove(r *finding.Report, s, ref string) string {
	if r.Complete {
		return s
	}
	for _, line := range r.Incomplete {
		if line != "" {
			s = strings.ReplaceAll(s, line, ref)
		}
	}
	for twice := ref + "；" + ref; strings.Contains(s, twice); {
		s = strings.ReplaceAll(s, twice, ref)
	}
	return s
}

// vetoLine is a veto in the verdict's few lines: its item, what fails it
// counted by kind of finding (暗链 6 个、错别字 1 个), and the most serious
// finding's message, or, without findings, its evidence.
type vetoLine struct {
	Item, Counts, First string
}

func newVetoLine(v finding.Veto) vetoLine {
	l := vetoLine{Item: v.Item, First: v.Evidence}
	if len(v.Findings) == 0 {
		return l
	}
	l.First = v.Findings[0].Message
	var order []string
	n := map[string]int{}
	for _, f := range v.Findings {
		t := catalog.Title(f.Check)
		if n[t] == 0 {
			order = append(order, t)
		}
		n[t]++
	}
	if len(v.Findings) > 1 {
		parts := make([]string, len(order))
		for i, t := range order {
			parts[i] = fmt.Sprintf("%s %d 个", t, n[t])
		}
		l.Counts = strings.Join(parts, "、")
	}
	return l
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

// newFindingItem gathers a finding's fix and evidence: for a dark link,
// the crop around it, the whole page, the HTML to delete and the CSS that
// hides it.
func newFindingItem(r *finding.Report, f finding.Finding) findingItem {
	it := findingItem{F: f, Fix: catalog.Fix(f), CheckTitle: catalog.Title(f.Check)}
	if strings.HasPrefix(f.Message, it.CheckTitle) || strings.HasPrefix(f.Message, "疑似"+it.CheckTitle) {
		it.CheckTitle = ""
	}
	str := func(key string) string { s, _ := f.Details[key].(string); return s }
	if name := str("screenshot"); shotName.MatchString(name) {
		it.Full = name // a file beside the report: Chromium refuses to open data: URLs
	}
	if name := str("screenshot_crop"); shotName.MatchString(name) {
		it.Crop, it.CropFile = shotURL(r, name), name
	}
	switch n := f.Details["screenshot_label"].(type) { // an int, or a float64 read back from JSON
	case int:
		it.Label = n
	case float64:
		it.Label = int(n)
	}
	it.Snippet = str("snippet")
	css := str("css")
	if sel := str("css_selector"); sel != "" && css != "" {
		it.Rule = sel + " { " + css + " }"
	} else {
		it.Rule = css
	}
	switch src := str("css_source"); src {
	case "":
	case "style 属性":
		it.RuleWhere = "写在该元素的 style 属性中"
	case "HTML 属性":
		it.RuleWhere = "写在 HTML 标签上"
	case "浏览器计算样式":
		it.RuleWhere = "浏览器计算出的样式"
		if by := str("hidden_by"); by != "" {
			it.RuleWhere += "，作用于 " + by
		}
	default:
		it.RuleWhere = src
		if line, ok := f.Details["css_line"].(float64); ok && line > 0 {
			it.RuleWhere += fmt.Sprintf(" 第 %d 行", int(line))
		} else if line, ok := f.Details["css_line"].(int); ok && line > 0 {
			it.RuleWhere += fmt.Sprintf(" 第 %d 行", line)
		}
	}
	return it
}

// columnOrder sorts the column table: what needs work first.
var columnOrder = map[string]int{"stale": 0, "undated": 1, "blank": 2, "warning": 3, "date-unknown": 4, "unrendered": 5, "ok": 6, "hub": 7, "excluded": 8}

// sortColumns puts stale columns first, most overdue first, then the rest
// by status; the crawl's order otherwise.
func sortColumns(cols []map[string]any) {
	rank := func(c map[string]any) int {
		s, _ := c["status"].(string)
		if r, ok := columnOrder[s]; ok {
			return r
		}
		return len(columnOrder)
	}
	days := func(c map[string]any) float64 { d, _ := c["days_since"].(float64); return d }
	slices.SortStableFunc(cols, func(a, b map[string]any) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return cmp.Compare(days(b), days(a))
	})
}

// wrapURL shows a URL as people read it (decoded) with break opportunities
// after its separators, so long addresses wrap at / ? & = rather than
// mid-word or not at all.
func wrapURL(v any) template.HTML {
	s, _ := v.(string) // absent (a failed probe's final URL): nothing
	s = clean(displayPlace(s))
	var b strings.Builder
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '?', '&', '=', '#':
			if i+1 < len(s) && s[i+1] != '/' {
				b.WriteString(template.HTMLEscapeString(s[start : i+1]))
				b.WriteString("<wbr>")
				start = i + 1
			}
		}
	}
	b.WriteString(template.HTMLEscapeString(s[start:]))
	return template.HTML(b.String())
}

// skipReasons name in Chinese why the crawl did not follow references
// (the crawler's reasons, and scan's).
var skipReasons = map[string]string{
	"external": "站外链接只检查可用性", "max-pages": "超过页面数上限（crawl.max_pages）", "robots-txt": "robots.txt 禁止",
	"trap-chain": "疑似无限链接（crawl.max_pattern_chain）", "trap-pattern": "同一模式的页面过多（crawl.max_pages_per_pattern）",
	"url-too-long": "链接过长（crawl.max_url_length）", "render-budget": "超过渲染页面数上限（crawl.render_pages）",
	"render-failed": "页面渲染失败", "reader-request-failed": "数据接口请求失败", "reader-request-off-site": "数据接口在站外",
	"reader-requests-capped": "数据接口请求数达到上限", "unsupported": "不支持的文件类型",
}

// skippedText lists the references not followed by reason, in Chinese:
// 链接过长（crawl.max_url_length）1 个；robots.txt 禁止 3 个.
func skippedText(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		label := skipReasons[k]
		if label == "" {
			label = k
		}
		parts[i] = fmt.Sprintf("%s %v 个", label, m[k])
	}
	return strings.Join(parts, "；")
}

// isFileURL reports whether s names a local file (scan's findings).
func isFileURL(s string) bool { return strings.HasPrefix(s, "file://") }

// displayPlace is where a finding is, as people read it: a URL decoded,
// a scanned file as its path (/home/编辑/低保名单.xlsx, not
// file:///home/%E7%BC%96…).
func displayPlace(s string) string {
	if isFileURL(s) {
		return displayURL(strings.TrimPrefix(s, "file://"))
	}
	return displayURL(s)
}

// maxShownURL caps the characters of an address shown; its link keeps it
// whole.
const maxShownURL = 200

// displayURL shows a URL as people read it: its escapes decoded when they
// spell UTF-8 (补贴名单.xls, not %E8%A1%A5…; a GBK-escaped address stays
// escaped), even when the URL was cut short mid-escape (a too-long URL's
// finding keeps its head), and cut to maxShownURL characters.
func displayURL(s string) string {
	head, mark := s, ""
	if strings.HasSuffix(head, "…") {
		// Cut short: drop a cut escape ("%", "%B") and, once decoded, the
		// leading bytes of a cut character.
		head, mark = strings.TrimSuffix(head, "…"), "…"
		if i := strings.LastIndexByte(head, '%'); i >= 0 && i >= len(head)-2 {
			head = head[:i]
		}
	}
	d := unescapeLenient(head)
	for i := 0; mark != "" && i < utf8.UTFMax-1 && !utf8.ValidString(d); i++ {
		d = d[:len(d)-1]
	}
	if utf8.ValidString(d) {
		s = d + mark
	}
	if utf8.RuneCountInString(s) > maxShownURL {
		s = string([]rune(s)[:maxShownURL]) + "…"
	}
	return s
}

// unescapeLenient decodes every well-formed %XX escape and keeps anything
// else as written.
func unescapeLenient(s string) string {
	unhex := func(c byte) (byte, bool) {
		switch {
		case '0' <= c && c <= '9':
			return c - '0', true
		case 'a' <= c && c <= 'f':
			return c - 'a' + 10, true
		case 'A' <= c && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// score shows an estimated score or deduction: 88.9, 4, 0.6.
func score(f float64) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0")
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
	"excluded": "已排除", "hub": "栏目导航页", "date-unknown": "更新时间无法确定", "unrendered": "脚本生成，未检查",
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
