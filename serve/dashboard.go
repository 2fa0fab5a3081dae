package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/reports"
	"github.com/xunjian/xunjian/store"
)

// Dashboard is the read-only web dashboard: sites, each site's runs and
// availability, and every report at a stable URL that alerts link to:
// /sites/{site}/runs/{id}/report.html (also report.json, ledger.xlsx and
// screenshots). A report whose files are gone is rebuilt from the history.
type Dashboard struct {
	// Current returns the service of the config in force.
	Current func() *Service
	// Cluster, in cluster mode, describes the workers and running jobs for
	// the overview page.
	Cluster func(ctx context.Context) (template.HTML, error)
}

var (
	siteRE = regexp.MustCompile(`^[a-z0-9._\-]+$`)
	fileRE = regexp.MustCompile(`^(report\.html|report\.json|ledger\.xlsx|screenshots/[0-9a-z]+(-crop)?\.png)$`)
)

// Handler returns the dashboard's routes.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.index)
	mux.HandleFunc("GET /sites/{site}/{$}", d.site)
	mux.HandleFunc("GET /sites/{site}/latest/{file...}", d.latest)
	mux.HandleFunc("GET /sites/{site}/runs/{id}/{file...}", d.file)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	return securityHeaders(mux)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

var dashTmpl = template.Must(template.New("dash").Parse(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}} - xunjian</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:">
<style>
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#1f2328;background:#f6f8fa;font-size:14px;line-height:1.5}
header{background:#9b1c1c;color:#fff;padding:12px 24px}header h1{margin:0;font-size:20px}
main{padding:14px 24px;max-width:1400px;margin:0 auto}
h2{font-size:16px;margin:18px 0 8px}
a{color:#0969da}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{border-bottom:1px solid #d8dee4;padding:6px 10px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.num{text-align:right;white-space:nowrap}
.bad{color:#cf222e;font-weight:bold}.warn{color:#9a6700;font-weight:bold}.ok{color:#1a7f37;font-weight:bold}.muted{color:#57606a}
.url{overflow-wrap:anywhere}
.chart{background:#fff;border:1px solid #d0d7de;padding:8px;max-width:640px}
.chart svg{display:block;width:100%;height:auto}
.shotbox{max-height:600px;overflow:hidden;border:1px solid #d0d7de;background:#fff}
.shotbox img{width:100%;display:block}
@media (max-width:720px){
  header{padding:10px 12px}header h1{font-size:17px}
  main{padding:10px 8px}
  table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
  table.stack{border:0;background:none}
  table.stack tr:first-child{display:none}
  table.stack tr{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin-bottom:8px;padding:4px 0}
  table.stack td{border:0;padding:3px 10px;text-align:left}
  table.stack td[data-label]::before{content:attr(data-label) "：";color:#57606a}
}
</style></head><body>
<header><h1>{{.Title}}</h1></header><main>{{.Body}}</main></body></html>`))

func (d *Dashboard) render(w http.ResponseWriter, title string, body template.HTML) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	dashTmpl.Execute(w, map[string]any{"Title": title, "Body": body})
}

// dashFuncs are the pages' template functions.
var dashFuncs = template.FuncMap{
	"time":  func(t time.Time) string { return t.Format("2006-01-02 15:04") },
	"sev":   func(s string) string { return finding.Severity(s).Label() },
	"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	"score": func(f float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0") },
	// verdictClass colours a verdict: an unknown one (an item unchecked,
	// no score) is neither green nor red.
	"verdictClass": func(e *finding.Evaluation) string {
		switch {
		case e.Verdict == finding.VerdictUnknown:
			return "warn"
		case e.Verdict == finding.VerdictPass, e.Verdict == "" && e.Passed:
			return "ok"
		}
		return "bad"
	},
}

var indexTmpl = template.Must(template.New("index").Funcs(dashFuncs).Parse(`<table class="stack"><tr><th>网站</th><th>结论</th><th class="num">估算得分</th><th>最近巡检</th><th class="num">问题</th><th class="num">新增</th><th class="num">已修复</th><th>最严重</th><th>近 7 天可用率</th><th>报告</th></tr>
{{range .}}{{$k := .Key}}<tr><td><a href="/sites/{{.Key}}/"><b>{{.Name}}</b></a></td>
<td data-label="结论">{{with .Eval}}<span class="{{verdictClass .}}">{{.VerdictLabel}}</span>{{else}}{{if .Last}}<span class="muted">未评估</span>{{else}}—{{end}}{{end}}{{with .Vetoes.Failed}}<div class="muted">否决：{{range $i, $v := .}}{{if $i}}、{{end}}{{$v}}{{end}}</div>{{end}}{{with .Vetoes.Unchecked}}<div class="muted">未检查：{{range $i, $v := .}}{{if $i}}、{{end}}{{$v}}{{end}}</div>{{end}}</td>
<td class="num" data-label="估算得分">{{with .Eval}}{{if .Score}}{{score .Score}}{{else}}<span class="muted" title="{{.ScoreLabel}}">无法估算</span>{{end}}{{else}}—{{end}}</td>
{{with .Last}}<td data-label="最近巡检">{{time .StartedAt}}{{if not .Complete}} <span class="warn">未完成</span>{{end}}</td><td class="num" data-label="问题">{{.Findings}}</td><td class="num" data-label="新增">{{.New}}</td><td class="num" data-label="已修复">{{.Fixed}}</td><td data-label="最严重">{{sev .Worst}}</td>{{else}}<td colspan="5" data-label="最近巡检">尚无巡检记录</td>{{end}}
<td data-label="近 7 天可用率">{{if .Probes}}<span class="{{if ge .Failure 0.05}}bad{{else if ge .Failure 0.03}}warn{{else}}ok{{end}}">{{pct .Available}}</span>（{{.Probes}} 次探测）{{else}}—{{end}}</td>
<td data-label="报告">{{with .Last}}<a href="/sites/{{$k}}/runs/{{.ID}}/report.html">报告</a> ｜ <a href="/sites/{{$k}}/runs/{{.ID}}/ledger.xlsx">整改台账</a>{{end}}</td></tr>{{end}}</table>`))

type siteRow struct {
	Key, Name          string
	Last               *store.Run
	Probes             int
	Failure, Available float64
	// Eval is the latest run's pre-evaluation (verdict and score), and
	// Vetoes the items that fail it or could not be checked.
	Eval   *finding.Evaluation
	Vetoes vetoItems
}

// vetoItems names the vetoes behind a verdict.
type vetoItems struct {
	Failed, Unchecked []string
}

func (d *Dashboard) rows(ctx context.Context) []siteRow {
	var out []siteRow
	s := d.Current()
	for _, site := range s.Config.Sites {
		row := siteRow{Key: SiteKey(site), Name: site.Name}
		if row.Name == "" {
			row.Name = site.URL
		}
		if runs, err := s.Store.Runs(ctx, row.Key, 1); err == nil && len(runs) > 0 {
			row.Last = &runs[0]
			row.Eval, row.Vetoes = verdict(ctx, s, row.Key, runs[0].ID)
		}
		total, failed, _ := s.Store.Availability(ctx, row.Key, s.now().Add(-7*24*time.Hour))
		row.Probes = total
		if total > 0 {
			row.Failure = float64(failed) / float64(total)
			row.Available = 1 - row.Failure
		}
		out = append(out, row)
	}
	return out
}

// verdict reads a run's pre-evaluation from its report.
func verdict(ctx context.Context, s *Service, key string, id int64) (*finding.Evaluation, vetoItems) {
	rep, _, err := s.Store.Report(ctx, key, id)
	if err != nil || rep.Evaluation == nil {
		return nil, vetoItems{}
	}
	var items vetoItems
	for _, v := range rep.Evaluation.Vetoes {
		switch v.Status {
		case finding.VetoFail:
			items.Failed = append(items.Failed, v.Item)
		case finding.VetoUnchecked:
			if !catalog.IsManual(v.Item) { // only a person checks it, always
				items.Unchecked = append(items.Unchecked, v.Item)
			}
		}
	}
	return rep.Evaluation, items
}

func (d *Dashboard) index(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	if err := indexTmpl.Execute(&b, d.rows(r.Context())); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if d.Cluster != nil {
		section, err := d.Cluster(r.Context())
		if err != nil {
			section = template.HTML("<p class=\"bad\">集群状态读取失败：" + template.HTMLEscapeString(err.Error()) + "</p>")
		}
		b.WriteString(string(section))
	}
	d.render(w, "网站巡检 · 总览", template.HTML(b.String()))
}

var siteTmpl = template.Must(template.New("site").Funcs(dashFuncs).Parse(`<p><a href="/">返回总览</a> ｜ 首页 <span class="url">{{.URL}}</span></p>
{{with .Eval}}<p>最近一次巡检：<span class="{{verdictClass .}}">{{.VerdictLabel}}</span>，估算得分 {{if .Score}}<b>{{score .Score}}</b>{{else}}无法估算{{end}}{{with $.Vetoes.Failed}}<br>单项否决不通过：{{range $i, $v := .}}{{if $i}}、{{end}}{{$v}}{{end}}{{end}}{{with $.Vetoes.Unchecked}}<br>未检查：{{range $i, $v := .}}{{if $i}}、{{end}}{{$v}}{{end}}{{end}}{{if not .Score}}{{with .ScoreNote}}<br><span class="muted">无法估算得分：{{.}}</span>{{end}}{{end}}</p>{{end}}
<h2>近 7 天首页可用性</h2><div class="chart">{{.Chart}}</div>
<h2>巡检记录</h2><table class="stack"><tr><th>编号</th><th>时间</th><th class="num">问题</th><th class="num">新增</th><th class="num">已修复</th><th>最严重</th><th>报告</th></tr>
{{range .Runs}}<tr><td data-label="编号">{{.ID}}</td><td data-label="时间">{{time .StartedAt}}{{if not .Complete}} <span class="warn">未完成</span>{{end}}</td><td class="num" data-label="问题">{{.Findings}}</td><td class="num" data-label="新增">{{.New}}</td><td class="num" data-label="已修复">{{.Fixed}}</td><td data-label="最严重">{{sev .Worst}}</td>
<td data-label="报告"><a href="/sites/{{$.Key}}/runs/{{.ID}}/report.html">报告</a> ｜ <a href="/sites/{{$.Key}}/runs/{{.ID}}/ledger.xlsx">整改台账</a> ｜ <a href="/sites/{{$.Key}}/runs/{{.ID}}/report.json">JSON</a></td></tr>{{end}}</table>
{{if .Shot}}<h2>首页截图（最近一次巡检）</h2><p><a href="{{.Shot}}" target="_blank" rel="noopener noreferrer">查看整页截图</a></p><div class="shotbox"><img src="{{.Shot}}" alt="首页截图"></div>{{end}}`))

func (d *Dashboard) site(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("site")
	site, ok := d.Current().siteByKey(key)
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	runs, err := d.Current().Store.Runs(ctx, key, 60)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	days, _ := d.Current().Store.ProbeDays(ctx, key, d.Current().now().AddDate(0, 0, -7))
	data := map[string]any{"Key": key, "URL": site.URL, "Runs": runs, "Chart": availabilityChart(days)}
	if len(runs) > 0 {
		data["Eval"], data["Vetoes"] = verdict(ctx, d.Current(), key, runs[0].ID)
		shot := filepath.Join(d.Current().Config.Serve.ReportsDir, key, strconv.FormatInt(runs[0].ID, 10), "screenshots", "homepage.png")
		if _, err := os.Stat(shot); err == nil {
			data["Shot"] = fmt.Sprintf("/sites/%s/runs/%d/screenshots/homepage.png", key, runs[0].ID)
		} else if _, err := d.Current().Store.Artifact(ctx, runs[0].ID, "screenshots/homepage.png"); err == nil {
			data["Shot"] = fmt.Sprintf("/sites/%s/runs/%d/screenshots/homepage.png", key, runs[0].ID)
		}
	}
	var b bytes.Buffer
	if err := siteTmpl.Execute(&b, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	name := site.Name
	if name == "" {
		name = site.URL
	}
	d.render(w, name, template.HTML(b.String()))
}

// availabilityChart draws daily availability as SVG bars (no script): a
// viewBox that scales to the page's width, with room above the tallest bar
// for its label and below for the day and the probe count.
func availabilityChart(days []store.ProbeDay) template.HTML {
	if len(days) == 0 {
		return "<p>尚无探测记录</p>"
	}
	const slot, top, barMax, bottom = 80, 22, 100, 44
	var b strings.Builder
	width := slot * max(len(days), 4)
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" role="img" aria-label="近 7 天每日可用率" font-family="sans-serif">`, width, top+barMax+bottom)
	base := top + barMax
	fmt.Fprintf(&b, `<line x1="0" y1="%d" x2="%d" y2="%d" stroke="#d0d7de"/>`, base, width, base)
	for i, d := range days {
		avail := 1.0
		if d.Total > 0 {
			avail = 1 - float64(d.Failed)/float64(d.Total)
		}
		h := int(avail * barMax)
		color := "#2da44e"
		if avail < 0.95 {
			color = "#cf222e"
		} else if avail < 0.97 {
			color = "#bf8700"
		}
		x := i*slot + 10
		mid := x + (slot-20)/2
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, x, base-h, slot-20, h, color)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" text-anchor="middle">%.1f%%</text>`, mid, base-h-6, avail*100)
		day := d.Day
		if len(day) > 5 {
			day = day[5:]
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" text-anchor="middle">%s</text>`, mid, base+18, template.HTMLEscapeString(day))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#57606a" text-anchor="middle">%d 次</text>`, mid, base+36, d.Total)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func (d *Dashboard) latest(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("site")
	if !siteRE.MatchString(key) {
		http.NotFound(w, r)
		return
	}
	runs, err := d.Current().Store.Runs(r.Context(), key, 1)
	if err != nil || len(runs) == 0 {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sites/%s/runs/%d/%s", key, runs[0].ID, r.PathValue("file")), http.StatusFound)
}

func (d *Dashboard) file(w http.ResponseWriter, r *http.Request) {
	key, idText, file := r.PathValue("site"), r.PathValue("id"), r.PathValue("file")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !siteRE.MatchString(key) || err != nil || !fileRE.MatchString(file) {
		http.NotFound(w, r)
		return
	}
	if dir := d.Current().Config.Serve.ReportsDir; dir != "" {
		path := filepath.Join(dir, key, idText, filepath.FromSlash(file))
		if _, err := os.Stat(path); err == nil {
			http.ServeFile(w, r, path)
			return
		}
	}
	// Files gone, or written by another worker of the cluster: the history
	// holds the screenshots and the report to rebuild.
	if strings.HasPrefix(file, "screenshots/") {
		if _, _, err := d.Current().Store.Report(r.Context(), key, id); err != nil {
			http.NotFound(w, r)
			return
		}
		data, err := d.Current().Store.Artifact(r.Context(), id, file)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(data)
		return
	}
	// Files gone: rebuild the report from the history.
	rep, _, err := d.Current().Store.Report(r.Context(), key, id)
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	switch file {
	case "report.html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		err = reports.WriteHTML(&b, rep)
	case "report.json":
		w.Header().Set("Content-Type", "application/json")
		err = reports.WriteJSON(&b, rep)
	case "ledger.xlsx":
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="ledger.xlsx"`)
		err = reports.WriteLedger(&b, rep)
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Write(b.Bytes())
}
