package alert

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/store"
	"github.com/xunjian/xunjian/store/sqlite"
)

// harness runs the dispatcher's decisions as the embedded service does: in
// a store transaction, queueing into the outbox.
type harness struct {
	*Dispatcher
	Store store.Store
	n     int
}

func (h *harness) AfterRun(ctx context.Context, name, site string, rep *finding.Report, fixed []finding.Finding, link string, digest bool) error {
	h.n++
	return h.Store.Update(ctx, func(tx store.Tx) error {
		out, err := h.Dispatcher.AfterRun(ctx, tx, fmt.Sprintf("run:%d", h.n), name, site, rep, fixed, link, digest)
		if err != nil {
			return err
		}
		return Queue(ctx, tx, out, h.now())
	})
}

func (h *harness) AfterProbe(ctx context.Context, name, site, home string, ok bool, reason string) error {
	h.n++
	return h.Store.Update(ctx, func(tx store.Tx) error {
		out, err := h.Dispatcher.AfterProbe(ctx, tx, fmt.Sprintf("probe:%d", h.n), name, site, home, ok, reason)
		if err != nil {
			return err
		}
		return Queue(ctx, tx, out, h.now())
	})
}

func (h *harness) Notify(ctx context.Context, m Message) error {
	h.n++
	return h.Store.Update(ctx, func(tx store.Tx) error {
		return Queue(ctx, tx, h.fanout(nil, fmt.Sprintf("test:%d", h.n), "message", m), h.now())
	})
}

func (h *harness) Deliver(ctx context.Context) (sent, failed int) {
	return h.Dispatcher.Deliver(ctx, h.Store)
}

// recorder stands in for the Slack API or a chat webhook: it records what
// it receives and fails while down is set.
type recorder struct {
	mu    sync.Mutex
	got   []string
	down  bool
	reply string
}

func (r *recorder) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.down {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		if strings.HasSuffix(req.URL.Path, "/chat.postMessage") {
			form, _ := url.ParseQuery(string(body))
			token := form.Get("token")
			if token == "" {
				token = strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
			}
			if token != "xoxb-test" || form.Get("channel") != "C123" {
				w.Write([]byte(`{"ok":false,"error":"not_authed"}`))
				return
			}
			r.got = append(r.got, form.Get("text"))
			w.Write([]byte(`{"ok":true,"channel":"C123","ts":"1.0"}`))
			return
		}
		r.got = append(r.got, string(body))
		if r.reply != "" {
			w.Write([]byte(r.reply))
		}
	})
}

func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func setup(t *testing.T) (*harness, *recorder, *time.Time) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(rec.handler())
	t.Cleanup(srv.Close)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sl, err := NewSlack("xoxb-test", "C123", "", srv.URL+"/api")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	d := &Dispatcher{Channels: []Channel{sl}, Now: func() time.Time { return now }, Reminder: 24 * time.Hour, DownAfter: 3, MaxBackoff: time.Hour}
	return &harness{Dispatcher: d, Store: st}, rec, &now
}

func runReport(status string, fs ...finding.Finding) *finding.Report {
	r := &finding.Report{Site: "http://x.gov.cn/", Complete: true, Evaluation: &finding.Evaluation{Score: new(95.0), Verdict: finding.VerdictPass, Passed: true}}
	for _, f := range fs {
		f.Status = status
		r.Findings = append(r.Findings, f)
	}
	return r
}

var dark = finding.Finding{ID: "d1", Check: "dark-link", Severity: finding.Critical, Kind: "display-none",
	Page: "http://x.gov.cn/", Target: "http://bet.example/", Message: "暗链：隐藏的链接含敏感词“澳门博彩”", Evidence: "隐藏方式：display:none"}
var leak = finding.Finding{ID: "p1", Check: "privacy", Severity: finding.High, Kind: "id-card",
	Page: "http://x.gov.cn/a.html", Match: "532627********1237", Message: "泄露居民身份证号码：532627********1237"}
var broken = finding.Finding{ID: "b1", Check: "broken-link", Severity: finding.Medium, Page: "http://x.gov.cn/", Message: "其他页面不可用链接"}

func TestSlackDigestAlertsDedupeRemindersResolved(t *testing.T) {
	d, rec, now := setup(t)
	ctx := context.Background()
	rep := runReport("new", dark, leak, broken)
	if err := d.AfterRun(ctx, "示例县", "x", rep, nil, "http://dash/x/1/report.html", true); err != nil {
		t.Fatal(err)
	}
	if sent, failed := d.Deliver(ctx); sent != 3 || failed != 0 {
		t.Fatalf("sent %d failed %d", sent, failed)
	}
	got := rec.messages()
	want := []string{
		"【示例县】每日巡检：问题 3 个（新增 3，已修复 0）\n按严重程度：严重 1，高 1，中 1\n按检查项：链接可用性 1，暗链 1，隐私泄露 1\n预评估：预计合格，估算得分 95.0\n新增 [严重] 暗链：隐藏的链接含敏感词“澳门博彩”（http://x.gov.cn/）\n新增 [高] 泄露居民身份证号码：532627********1237（http://x.gov.cn/a.html）\n新增 [中] 其他页面不可用链接（http://x.gov.cn/）\n报告：http://dash/x/1/report.html",
		"【示例县】发现新问题：暗链：隐藏的链接含敏感词“澳门博彩”\n页面：http://x.gov.cn/\n目标：http://bet.example/\n证据：隐藏方式：display:none\n报告：http://dash/x/1/report.html",
		"【示例县】发现新问题：泄露居民身份证号码：532627********1237\n页面：http://x.gov.cn/a.html\n报告：http://dash/x/1/report.html",
	}
	if strings.Join(got, "\n----\n") != strings.Join(want, "\n----\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n----\n"), strings.Join(want, "\n----\n"))
	}
	// Next run, same problems, 2 hours later: the digest only.
	*now = now.Add(2 * time.Hour)
	d.AfterRun(ctx, "示例县", "x", runReport("persisting", dark, leak, broken), nil, "", true)
	d.Deliver(ctx)
	if got := rec.messages(); len(got) != 4 || !strings.Contains(got[3], "每日巡检") {
		t.Errorf("dedupe: %d messages, last %q", len(got), got[len(got)-1])
	}
	// A day later: reminders.
	*now = now.Add(24 * time.Hour)
	d.AfterRun(ctx, "示例县", "x", runReport("persisting", dark, leak), nil, "", false)
	d.Deliver(ctx)
	got = rec.messages()
	if len(got) != 6 || !strings.HasPrefix(got[4], "【示例县】提醒：问题仍未整改：暗链") {
		t.Errorf("reminders: %q", got[4:])
	}
	// Fixed: one resolved message, once.
	d.AfterRun(ctx, "示例县", "x", runReport("persisting", leak), []finding.Finding{dark}, "", false)
	d.AfterRun(ctx, "示例县", "x", runReport("persisting", leak), []finding.Finding{dark}, "", false)
	d.Deliver(ctx)
	got = rec.messages()
	if len(got) != 7 || got[6] != "【示例县】问题已修复：暗链：隐藏的链接含敏感词“澳门博彩”" {
		t.Errorf("resolved: %q", got[6:])
	}
}

func TestSlackDownKeepsMessages(t *testing.T) {
	d, rec, now := setup(t)
	ctx := context.Background()
	rec.down = true
	d.Notify(ctx, Message{Title: "一条消息"})
	if sent, failed := d.Deliver(ctx); sent != 0 || failed != 1 {
		t.Fatalf("sent %d failed %d while down", sent, failed)
	}
	if sent, _ := d.Deliver(ctx); sent != 0 {
		t.Error("retried before the backoff")
	}
	rec.mu.Lock()
	rec.down = false
	rec.mu.Unlock()
	*now = now.Add(2 * time.Minute)
	if sent, _ := d.Deliver(ctx); sent != 1 {
		t.Errorf("not delivered after recovery")
	}
	if got := rec.messages(); len(got) != 1 || got[0] != "一条消息" {
		t.Errorf("got %q", got)
	}
	if n, _ := d.Store.Pending(ctx); n != 0 {
		t.Errorf("%d pending", n)
	}
}

func TestHomepageDownAndUp(t *testing.T) {
	d, rec, now := setup(t)
	ctx := context.Background()
	probe := func(ok bool) {
		d.Store.AddProbe(ctx, store.Probe{Site: "x", At: *now, OK: ok, TotalMs: 10})
		d.AfterProbe(ctx, "示例县", "x", "http://x.gov.cn/", ok, "连接超时")
		*now = now.Add(5 * time.Minute)
	}
	probe(true)
	probe(false)
	probe(false)
	d.Deliver(ctx)
	if n := len(rec.messages()); n != 0 {
		t.Fatalf("%d alerts after 2 failures", n)
	}
	probe(false)
	probe(false)
	d.Deliver(ctx)
	got := rec.messages()
	if len(got) != 1 || !strings.HasPrefix(got[0], "【示例县】首页无法访问：连续 3 次探测失败") {
		t.Fatalf("down alert %q", got)
	}
	probe(true)
	probe(true)
	d.Deliver(ctx)
	got = rec.messages()
	if len(got) != 2 || !strings.HasPrefix(got[1], "【示例县】首页已恢复访问") {
		t.Errorf("up %q", got)
	}
}

func TestWebhookFormats(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec.handler())
	defer srv.Close()
	m := Message{Site: "示例县", Title: "【示例县】发现新问题", Lines: []string{"页面：http://x.gov.cn/[a](javascript:x)"}, Link: "http://dash/r"}
	for _, tc := range []struct {
		format, reply string
		wantErr       bool
		check         func(map[string]any) bool
	}{
		{DingTalk, `{"errcode":0,"errmsg":"ok"}`, false, func(v map[string]any) bool {
			md := v["markdown"].(map[string]any)
			return v["msgtype"] == "markdown" && md["title"] == m.Title && strings.Contains(md["text"].(string), "［a］（javascript:x）") && strings.Contains(md["text"].(string), "[查看报告](http://dash/r)")
		}},
		{WeCom, `{"errcode":0}`, false, func(v map[string]any) bool {
			return v["msgtype"] == "markdown" && strings.HasPrefix(v["markdown"].(map[string]any)["content"].(string), "### 【示例县】")
		}},
		{Feishu, `{"code":0}`, false, func(v map[string]any) bool {
			return v["msg_type"] == "text" && strings.HasPrefix(v["content"].(map[string]any)["text"].(string), "【示例县】发现新问题\n")
		}},
		{JSON, ``, false, func(v map[string]any) bool { return v["title"] == m.Title && v["site"] == "示例县" }},
		{DingTalk, `{"errcode":310000,"errmsg":"keywords not in content"}`, true, nil},
		{Feishu, `{"code":19021,"msg":"sign match fail"}`, true, nil},
	} {
		t.Run(tc.format, func(t *testing.T) {
			rec.mu.Lock()
			rec.got, rec.reply = nil, tc.reply
			rec.mu.Unlock()
			w, err := NewWebhook("bot", tc.format, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			err = w.Send(context.Background(), m)
			if tc.wantErr {
				if err == nil {
					t.Error("error code in reply not reported")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var v map[string]any
			if json.Unmarshal([]byte(rec.messages()[0]), &v) != nil || !tc.check(v) {
				t.Errorf("body %s", rec.messages()[0])
			}
		})
	}
	if _, err := NewWebhook("x", "qq", srv.URL); err == nil {
		t.Error("unknown format accepted")
	}
}

// fakeSMTP is a minimal SMTP server that records one message's data.
func fakeSMTP(t *testing.T) (addr string, got chan string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		fmt.Fprint(c, "220 test ESMTP\r\n")
		var data strings.Builder
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if inData {
				if line == ".\r\n" {
					inData = false
					got <- data.String()
					fmt.Fprint(c, "250 ok\r\n")
					continue
				}
				data.WriteString(line)
				continue
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				fmt.Fprint(c, "250 test\r\n")
			case strings.HasPrefix(cmd, "DATA"):
				inData = true
				fmt.Fprint(c, "354 go\r\n")
			case strings.HasPrefix(cmd, "QUIT"):
				fmt.Fprint(c, "221 bye\r\n")
				return
			default:
				fmt.Fprint(c, "250 ok\r\n")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestEmail(t *testing.T) {
	addr, got := fakeSMTP(t)
	e, err := NewEmail(addr, "xunjian@example.gov.cn", []string{"webmaster@example.gov.cn"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	m := Message{Title: "【示例县】首页无法访问", Lines: []string{"原因：连接超时"}}
	if err := e.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	data := <-got
	subject := "Subject: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(m.Title)) + "?="
	body := base64.StdEncoding.EncodeToString([]byte(m.Text()))
	if !strings.Contains(data, subject) || !strings.Contains(data, body) || !strings.Contains(data, "To: webmaster@example.gov.cn") {
		t.Errorf("mail data:\n%s", data)
	}
	if _, err := NewEmail("", "a", nil, "", ""); err == nil {
		t.Error("incomplete email config accepted")
	}
}

func TestSlackIncomingWebhook(t *testing.T) {
	rec := &recorder{reply: "ok"}
	srv := httptest.NewServer(rec.handler())
	defer srv.Close()
	s, err := NewSlack("", "", srv.URL+"/services/T/B/X", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), Message{Title: "【示例县】首页已恢复访问", Lines: []string{"<script>"}}); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if json.Unmarshal([]byte(rec.messages()[0]), &v) != nil || v["text"] != "【示例县】首页已恢复访问\n&lt;script&gt;" {
		t.Errorf("webhook body %s", rec.messages()[0])
	}
	if _, err := NewSlack("", "", "", ""); err == nil {
		t.Error("slack without token or webhook accepted")
	}
}

// stalledSMTP accepts connections and never answers; it reports each
// connection's end (the client closing it) on closed.
func stalledSMTP(t *testing.T) (addr string, closed chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed = make(chan struct{}, 4)
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() {
				io.Copy(io.Discard, c) // returns when the client closes
				closed <- struct{}{}
			}()
		}
	}()
	return ln.Addr().String(), closed
}

// TestEmailSendStalledServer: a server that accepts and never answers
// costs a send no more than its context or the channel's own timeout
// allows, and the connection is closed, not left open by a goroutine
// blocked in a read.
func TestEmailSendStalledServer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ctx     time.Duration // 0: no deadline
		timeout time.Duration // the channel's; 0: the default
		want    error
	}{
		{"context-deadline", 300 * time.Millisecond, 0, context.DeadlineExceeded},
		{"channel-timeout", 0, 300 * time.Millisecond, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, closed := stalledSMTP(t)
			e, err := NewEmail(addr, "xunjian@example.gov.cn", []string{"webmaster@example.gov.cn"}, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if tc.timeout > 0 {
				e.timeout = tc.timeout
			}
			ctx := context.Background()
			if tc.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctx)
				defer cancel()
			}
			start := time.Now()
			done := make(chan error, 1)
			go func() { done <- e.Send(ctx, Message{Title: "【示例县】首页无法访问"}) }()
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Errorf("send to a stalled server: %v, want %v", err, tc.want)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("send to a stalled server still blocked after 20s")
			}
			// 300 ms allowed; the default timeout is 30 s: the bound is far
			// from both, for a loaded machine under -race.
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("send took %v", d)
			}
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Error("connection to the stalled server still open after Send returned")
			}
		})
	}
}
