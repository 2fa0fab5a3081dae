package cluster

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"time"
)

var clusterTmpl = template.Must(template.New("cluster").Funcs(template.FuncMap{
	"time": func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") },
	"kind": func(k string) string {
		if l, ok := kindLabels[k]; ok {
			return l
		}
		return k
	},
}).Parse(`<h2>集群节点</h2><div style="overflow-x:auto"><table><tr><th>节点</th><th>主机</th><th>进程号</th><th>仪表盘</th><th>启动时间</th><th>最近心跳</th><th>状态</th></tr>
{{range .Workers}}<tr><td>{{.ID}}</td><td>{{.Host}}</td><td>{{.PID}}</td><td>{{if .Dashboard}}<a href="http://{{.Dashboard}}/">{{.Dashboard}}</a>{{else}}—{{end}}</td><td>{{time .Started}}</td><td>{{time .Seen}}</td><td>{{if .Alive}}<span class="ok">在线</span>{{else}}<span class="bad">失联</span>{{end}}</td></tr>{{end}}</table></div>
<h2>正在运行的任务</h2>{{if .Jobs}}<div style="overflow-x:auto"><table><tr><th>任务</th><th>类型</th><th>网站</th><th>日期</th><th>第几次</th><th>开始时间</th><th>执行节点</th></tr>
{{range .Jobs}}<tr><td>{{.ID}}</td><td>{{kind .Kind}}</td><td>{{.Site}}</td><td>{{.Day}}</td><td>{{.Attempt}}</td><td>{{time .Attempted}}</td><td>{{.Worker}}</td></tr>{{end}}</table></div>{{else}}<p>当前没有运行中的任务</p>{{end}}
<p>排队中的巡检任务：{{.Queued}}</p>`))

// kindLabels name the job kinds for people.
var kindLabels = map[string]string{
	KindPlanner: "排期",
	KindInspect: "巡检",
	KindProbe:   "首页探测",
	KindAlert:   "告警发送",
	KindPrune:   "历史清理",
}

type workerRow struct {
	ID, Host, Dashboard string
	PID                 int
	Started, Seen       time.Time
	Alive               bool
}

type jobRow struct {
	ID                      int64
	Kind, Site, Day, Worker string
	Attempt                 int
	Attempted               time.Time
}

// dashboardSection lists the cluster's workers and running jobs.
func (n *Node) dashboardSection(ctx context.Context) (template.HTML, error) {
	pool := n.store.Pool()
	var data struct {
		Workers []workerRow
		Jobs    []jobRow
		Queued  int
	}
	rows, err := pool.Query(ctx, `SELECT id, host, pid, dashboard, started_at, seen_at, seen_at > now() - interval '45 seconds' FROM workers ORDER BY id`)
	if err != nil {
		return "", fmt.Errorf("workers: %w", err)
	}
	for rows.Next() {
		var w workerRow
		if err := rows.Scan(&w.ID, &w.Host, &w.PID, &w.Dashboard, &w.Started, &w.Seen, &w.Alive); err != nil {
			rows.Close()
			return "", fmt.Errorf("workers: %w", err)
		}
		data.Workers = append(data.Workers, w)
	}
	rows.Close()
	rows, err = pool.Query(ctx, `SELECT id, kind, COALESCE(args->>'site', ''), COALESCE(args->>'day', ''), attempt, attempted_at,
	  COALESCE(attempted_by[array_upper(attempted_by, 1)], '') FROM river_job WHERE state = 'running' ORDER BY id`)
	if err != nil {
		return "", fmt.Errorf("running jobs: %w", err)
	}
	for rows.Next() {
		var j jobRow
		if err := rows.Scan(&j.ID, &j.Kind, &j.Site, &j.Day, &j.Attempt, &j.Attempted, &j.Worker); err != nil {
			rows.Close()
			return "", fmt.Errorf("running jobs: %w", err)
		}
		data.Jobs = append(data.Jobs, j)
	}
	rows.Close()
	if err := pool.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = $1 AND state IN ('available', 'retryable', 'scheduled')`, KindInspect).Scan(&data.Queued); err != nil {
		return "", fmt.Errorf("queued jobs: %w", err)
	}
	var b bytes.Buffer
	if err := clusterTmpl.Execute(&b, data); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}
