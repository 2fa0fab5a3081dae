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

var dashTmpl = template.Must(template.New("dash").Funcs(template.FuncMap{
	"time": func(t time.Time) string { return t.Format("2006-01-02 15:04") },
	"pct":  func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	"sev":  func(s string) string { return finding.Severity(s).Label() },
}).Parse(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}} - xunjian</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:">
<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#1f2328}table{border-collapse:collapse}th,td{border-bottom:1px solid #d8dee4;padding:6px 10px;text-align:left}th{background:#f6f8fa}.bad{color:#cf222e}.ok{color:#1a7f37}img{max-width:100%;border:1px solid #d0d7de}</style></head><body>
<h1>{{.Title}}</h1>{{.Body}}</body></html>`))

func (d *Dashboard) render(w http.ResponseWriter, title string, body template.HTML) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	dashTmpl.Execute(w, map[string]any{"Title": title, "Body": body})
}

var indexTmpl = template.Must(template.New("index").Funcs(template.FuncMap{
	"time": func(t time.Time) string { return t.Format("2006-01-02 15:04") },
	"sev":  func(s string) string { return finding.Severity(s).Label() },
	"pct":  func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
}).Parse(`<table><tr><th>网站</th><th>最近巡检</th><th>问题</th><th>新增</th><th>已修复</th><th>最严重</th><th>近 7 天可用率</th><th>报告</th></tr>
{{range .}}{{$k := .Key}}<tr><td><a href="/sites/{{.Key}}/">{{.Name}}</a></td>{{with .Last}}<td>{{time .StartedAt}}{{if not .Complete}}（未完成）{{end}}</td><td>{{.Findings}}</td><td>{{.New}}</td><td>{{.Fixed}}</td><td>{{sev .Worst}}</td>{{else}}<td colspan="5">尚无巡检记录</td>{{end}}
<td>{{if .Probes}}<span class="{{if ge .Failure 0.05}}bad{{else}}ok{{end}}">{{pct .Available}}</span>（{{.Probes}} 次探测）{{else}}—{{end}}</td>
<td>{{with .Last}}<a href="/sites/{{$k}}/runs/{{.ID}}/report.html">HTML</a> <a href="/sites/{{$k}}/runs/{{.ID}}/ledger.xlsx">整改台账</a>{{end}}</td></tr>{{end}}</table>`))

type siteRow struct {
	Key, Name          string
	Last               *store.Run
	Probes             int
	Failure, Available float64
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

var siteTmpl = template.Must(template.New("site").Funcs(template.FuncMap{
	"time": func(t time.Time) string { return t.Format("2006-01-02 15:04") },
	"sev":  func(s string) string { return finding.Severity(s).Label() },
}).Parse(`<p><a href="/">返回总览</a> ｜ 首页 {{.URL}}</p>
<h2>近 7 天首页可用性</h2>{{.Chart}}
{{if .Shot}}<h2>首页截图（最近一次巡检）</h2><img src="{{.Shot}}" alt="首页截图">{{end}}
<h2>巡检记录</h2><table><tr><th>编号</th><th>时间</th><th>问题</th><th>新增</th><th>已修复</th><th>最严重</th><th>报告</th></tr>
{{range .Runs}}<tr><td>{{.ID}}</td><td>{{time .StartedAt}}{{if not .Complete}}（未完成）{{end}}</td><td>{{.Findings}}</td><td>{{.New}}</td><td>{{.Fixed}}</td><td>{{sev .Worst}}</td>
<td><a href="/sites/{{$.Key}}/runs/{{.ID}}/report.html">HTML</a> <a href="/sites/{{$.Key}}/runs/{{.ID}}/report.json">JSON</a> <a href="/sites/{{$.Key}}/runs/{{.ID}}/ledger.xlsx">整改台账</a></td></tr>{{end}}</table>`))

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

// availabilityChart draws daily availability as SVG bars (no script).
func availabilityChart(days []store.ProbeDay) template.HTML {
	if len(days) == 0 {
		return "<p>尚无探测记录</p>"
	}
	var b strings.Builder
	w := 60
	fmt.Fprintf(&b, `<svg width="%d" height="150" role="img" aria-label="近 7 天每日可用率">`, w*len(days)+20)
	for i, d := range days {
		avail := 1.0
		if d.Total > 0 {
			avail = 1 - float64(d.Failed)/float64(d.Total)
		}
		h := int(avail * 100)
		color := "#2da44e"
		if avail < 0.95 {
			color = "#cf222e"
		} else if avail < 0.97 {
			color = "#bf8700"
		}
		x := 10 + i*w
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, x, 110-h, w-14, h, color)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%.1f%%</text>`, x, 105-h, avail*100)
		fmt.Fprintf(&b, `<text x="%d" y="128" font-size="11">%s</text>`, x, template.HTMLEscapeString(d.Day[5:]))
		fmt.Fprintf(&b, `<text x="%d" y="143" font-size="10" fill="#57606a">%d 次</text>`, x, d.Total)
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
