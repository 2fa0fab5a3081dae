package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/store/sqlite"
)

// botHarness is a dispatcher with the channels given, on a fresh SQLite
// history.
func botHarness(t *testing.T, log *slog.Logger, chans ...Channel) *harness {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &harness{Dispatcher: &Dispatcher{Channels: chans, Log: log}, Store: st}
}

// bot stands in for a chat bot's webhook. It checks each request as the
// service documents it and answers as the service does: 200 with an error
// code when the signature, the timestamp, the keyword or the size is
// wrong. It records what it accepted.
type bot struct {
	format, secret, keyword, key string
	now                          func() time.Time
	mu                           sync.Mutex
	accepted                     []map[string]any
	rejected                     []string
}

func (b *bot) messages() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]map[string]any(nil), b.accepted...)
}

func (b *bot) reject(w http.ResponseWriter, code int, msg string) {
	b.rejected = append(b.rejected, msg)
	switch b.format {
	case Feishu:
		fmt.Fprintf(w, `{"code":%d,"msg":%q,"data":{}}`, code, msg)
	default:
		fmt.Fprintf(w, `{"errcode":%d,"errmsg":%q}`, code, msg)
	}
}

func within(ts int64, unit time.Duration, now time.Time) bool {
	d := now.Sub(time.Unix(0, ts*int64(unit)))
	return d < time.Hour && d > -time.Hour
}

func (b *bot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		b.reject(w, 400, "bad json")
		return
	}
	text := string(body)
	switch b.format {
	case DingTalk:
		// 加签: timestamp (ms) and sign in the query; sign is Base64 of
		// HMAC-SHA256 keyed with the secret over timestamp+"\n"+secret.
		if r.URL.Query().Get("access_token") != "tok" {
			b.reject(w, 300001, "token is not exist")
			return
		}
		if b.secret != "" {
			ts, sign := r.URL.Query().Get("timestamp"), r.URL.Query().Get("sign")
			n, err := strconv.ParseInt(ts, 10, 64)
			if err != nil || !within(n, time.Millisecond, b.now()) {
				b.reject(w, 310000, "invalid timestamp")
				return
			}
			mac := hmac.New(sha256.New, []byte(b.secret))
			mac.Write([]byte(ts + "\n" + b.secret))
			if sign != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				b.reject(w, 310000, "sign not match")
				return
			}
		}
		if len(body) > 20000 {
			b.reject(w, 460101, "message too long, exceed 20000 bytes")
			return
		}
		if b.keyword != "" && !strings.Contains(text, b.keyword) {
			b.reject(w, 310000, "keywords not in content")
			return
		}
	case WeCom:
		if r.URL.Query().Get("key") != b.key {
			b.reject(w, 93000, "invalid webhook url")
			return
		}
		switch v["msgtype"] {
		case "markdown":
			if c, _ := v["markdown"].(map[string]any)["content"].(string); len(c) > 4096 {
				b.reject(w, 40058, "markdown.content exceed max length 4096")
				return
			}
		case "text":
			if c, _ := v["text"].(map[string]any)["content"].(string); len(c) > 2048 {
				b.reject(w, 40058, "text.content exceed max length 2048")
				return
			}
		}
	case Feishu:
		// 签名校验: timestamp (s) and sign in the body; sign is Base64 of
		// HMAC-SHA256 keyed with timestamp+"\n"+secret over nothing.
		if b.secret != "" {
			ts, _ := v["timestamp"].(string)
			sign, _ := v["sign"].(string)
			n, err := strconv.ParseInt(ts, 10, 64)
			mac := hmac.New(sha256.New, []byte(ts+"\n"+b.secret))
			if err != nil || !within(n, time.Second, b.now()) || sign != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				b.reject(w, 19021, "sign match fail or timestamp is not within one hour from current time")
				return
			}
		}
		if len(body) > 20*1024 {
			b.reject(w, 9499, "request body too large")
			return
		}
		if b.keyword != "" && !strings.Contains(text, b.keyword) {
			b.reject(w, 19024, "Key Words Not Found")
			return
		}
		b.accepted = append(b.accepted, v)
		w.Write([]byte(`{"code":0,"msg":"success","data":{}}`))
		return
	}
	b.accepted = append(b.accepted, v)
	w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
}

func startBot(t *testing.T, b *bot) string {
	t.Helper()
	if b.now == nil {
		b.now = time.Now
	}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	switch b.format {
	case DingTalk:
		return srv.URL + "/robot/send?access_token=tok"
	case WeCom:
		return srv.URL + "/cgi-bin/webhook/send?key=" + b.key
	}
	return srv.URL + "/open-apis/bot/v2/hook/0a1b2c3d"
}

const testSecret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"

// TestSignedBots: a signed message is accepted; one unsigned, signed with
// another secret or an hour old is refused, and Send says so.
func TestSignedBots(t *testing.T) {
	m := Message{Site: "示例县", Title: "【示例县】首页无法访问", Lines: []string{"原因：连接超时"}, Level: Critical}
	for _, format := range []string{DingTalk, Feishu} {
		for _, tc := range []struct {
			name   string
			secret string
			skew   time.Duration
			ok     bool
		}{
			{"signed", testSecret, 0, true},
			{"signed-10-minutes-off", testSecret, 10 * time.Minute, true},
			{"unsigned", "", 0, false},
			{"wrong-secret", "SECnot-the-bots-secret", 0, false},
			{"stale", testSecret, -2 * time.Hour, false},
			{"ahead", testSecret, 2 * time.Hour, false},
		} {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				b := &bot{format: format, secret: testSecret}
				u := startBot(t, b)
				opts := []WebhookOption{WithClock(func() time.Time { return time.Now().Add(tc.skew) })}
				if tc.secret != "" {
					opts = append(opts, WithSecret(tc.secret))
				}
				w, err := NewWebhook("值班群", format, u, opts...)
				if err != nil {
					t.Fatal(err)
				}
				err = w.Send(context.Background(), m)
				if tc.ok != (err == nil) || len(b.messages()) != map[bool]int{true: 1}[tc.ok] {
					t.Errorf("send: %v; accepted %d, rejected %v", err, len(b.messages()), b.rejected)
				}
				if err != nil && strings.Contains(err.Error(), testSecret) {
					t.Errorf("error quotes the secret: %v", err)
				}
			})
		}
	}
	if _, err := NewWebhook("x", WeCom, "http://127.0.0.1/?key=k", WithSecret("s")); err == nil {
		t.Error("a WeCom bot accepted a secret it cannot use")
	}
}

// TestKeywordAndMentions: the keyword is in every message; a critical
// alert calls on the on-call people the way each service does it, other
// messages call on nobody.
func TestKeywordAndMentions(t *testing.T) {
	mention := Mention{Mobiles: []string{"13800138000"}, UserIDs: []string{"ou_7d8a6e6df7621556ce0d21922b676706"}}
	critical := Message{Site: "示例县", Title: "【示例县】发现新问题：暗链", Lines: []string{"页面：http://x.gov.cn/"}, Link: "http://dash/r", Level: Critical}
	digest := Message{Site: "示例县", Title: "【示例县】每日巡检", Lines: []string{"问题 3 个"}, Level: Info}
	for _, tc := range []struct {
		format  string
		keyword string
		check   func(crit, info map[string]any) string
	}{
		{DingTalk, "值班提醒", func(crit, info map[string]any) string {
			at := crit["at"].(map[string]any)
			text := crit["markdown"].(map[string]any)["text"].(string)
			if fmt.Sprint(at["atMobiles"]) != "[13800138000]" || !strings.Contains(text, "@13800138000") {
				return fmt.Sprintf("critical: at %v, text %q", at, text)
			}
			if info["at"].(map[string]any)["atMobiles"] != nil {
				return "the digest mentions people"
			}
			return ""
		}},
		{WeCom, "", func(crit, info map[string]any) string {
			text, _ := crit["text"].(map[string]any)
			if crit["msgtype"] != "text" || fmt.Sprint(text["mentioned_mobile_list"]) != "[13800138000]" ||
				fmt.Sprint(text["mentioned_list"]) != "[ou_7d8a6e6df7621556ce0d21922b676706]" {
				return fmt.Sprintf("critical: %v", crit)
			}
			if info["msgtype"] != "markdown" {
				return "the digest is not markdown"
			}
			return ""
		}},
		{Feishu, "值班提醒", func(crit, info map[string]any) string {
			text := crit["content"].(map[string]any)["text"].(string)
			if !strings.Contains(text, `<at user_id="ou_7d8a6e6df7621556ce0d21922b676706"></at>`) {
				return fmt.Sprintf("critical text %q", text)
			}
			if strings.Contains(info["content"].(map[string]any)["text"].(string), "<at") {
				return "the digest mentions people"
			}
			return ""
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			b := &bot{format: tc.format, keyword: tc.keyword, key: "k1"}
			u := startBot(t, b)
			men := mention
			if tc.format == Feishu {
				men.Mobiles = nil
			}
			w, err := NewWebhook("值班群", tc.format, u, WithKeyword(tc.keyword), WithMention(men))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []Message{critical, digest} {
				if err := w.Send(context.Background(), m); err != nil {
					t.Fatalf("%s: %v (rejected %v)", m.Title, err, b.rejected)
				}
			}
			got := b.messages()
			if msg := tc.check(got[0], got[1]); msg != "" {
				t.Error(msg)
			}
			// Without the keyword the bot refuses the message.
			if tc.keyword != "" {
				bare, _ := NewWebhook("值班群", tc.format, u)
				if err := bare.Send(context.Background(), digest); err == nil {
					t.Error("the bot accepted a message without its keyword")
				}
			}
		})
	}
}

// longDigest is a digest of many long lines, far beyond every limit.
func longDigest(lines, lineLen int) Message {
	m := Message{Site: "示例县", Title: "【示例县】每日巡检：问题 500 个", Link: "http://dash/sites/x/runs/1/report.html", Level: Warning}
	for i := range lines {
		m.Lines = append(m.Lines, fmt.Sprintf("[高] 第 %d 个问题：%s", i+1, strings.Repeat("链接失效http://www.example.gov.cn/a/b/c.html", lineLen/40)))
	}
	return m
}

// TestSizeLimits: a digest too long for one message is split into at most
// three, each accepted, the last pointing to the report; a line longer
// than a message is shortened. Nothing is refused for its size.
func TestSizeLimits(t *testing.T) {
	for _, format := range []string{DingTalk, WeCom, Feishu} {
		for _, tc := range []struct {
			name         string
			m            Message
			minParts     int
			wantRestNote bool
		}{
			{"fits", longDigest(3, 40), 1, false},
			{"split", longDigest(map[string]int{DingTalk: 120, WeCom: 25, Feishu: 120}[format], 200), 2, false},
			{"too-long-for-three", longDigest(2000, 200), 3, true},
			{"one-huge-line", longDigest(1, 60000), 1, false},
		} {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				b := &bot{format: format, secret: map[string]string{DingTalk: testSecret, Feishu: testSecret}[format], key: "k1"}
				u := startBot(t, b)
				var opts []WebhookOption
				if b.secret != "" {
					opts = append(opts, WithSecret(testSecret))
				}
				w, err := NewWebhook("值班群", format, u, opts...)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Send(context.Background(), tc.m); err != nil {
					t.Fatalf("send: %v (rejected %v)", err, b.rejected)
				}
				got := b.messages()
				if len(got) < tc.minParts || len(got) > maxParts {
					t.Fatalf("%d messages, want %d to %d", len(got), tc.minParts, maxParts)
				}
				all, _ := json.Marshal(got)
				last, _ := json.Marshal(got[len(got)-1])
				if !strings.Contains(string(last), "http://dash/sites/x/runs/1/report.html") {
					t.Error("the last message does not link the report")
				}
				if tc.wantRestNote != strings.Contains(string(last), "未列出，见报告") {
					t.Errorf("rest note: %s", last[:min(len(last), 300)])
				}
				if tc.name == "split" && !strings.Contains(string(all), fmt.Sprintf("第 %d 个问题", len(tc.m.Lines))) {
					t.Error("a split digest lost its last line")
				}
			})
		}
	}
}

// TestSecretsStayOut: a failing channel's errors, the logs and the outbox
// never hold the secret, the access token or the signature.
func TestSecretsStayOut(t *testing.T) {
	// A bot that is down (nothing listens), and one that refuses the sign.
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL + "/robot/send?access_token=tok-SECRET-TOKEN"
	down.Close()
	refusing := &bot{format: DingTalk, secret: "SECother"}
	refusingURL := startBot(t, refusing)
	var logs bytes.Buffer
	var chans []Channel
	for i, u := range []string{downURL, refusingURL} {
		w, err := NewWebhook(fmt.Sprintf("群%d", i), DingTalk, u, WithSecret(testSecret))
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, w)
	}
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := botHarness(t, log, chans...)
	ctx := context.Background()
	if err := d.Notify(ctx, Message{Site: "示例县", Title: "【示例县】首页无法访问", Level: Critical}); err != nil {
		t.Fatal(err)
	}
	if sent, failed := d.Deliver(ctx); sent != 0 || failed != 2 {
		t.Fatalf("sent %d failed %d", sent, failed)
	}
	log.Info("channels", "channels", chans, "first", chans[0])
	var outbox strings.Builder
	due, _ := d.Store.Due(ctx, time.Now().Add(24*time.Hour), 10)
	for _, it := range due {
		fmt.Fprintf(&outbox, "%+v\n", it)
	}
	_, sign := DingTalkSign(testSecret, time.Now())
	for name, text := range map[string]string{"logs": logs.String(), "outbox": outbox.String(), "fmt": fmt.Sprintf("%v %+v", chans[0], chans[0])} {
		for _, secret := range []string{testSecret, "tok-SECRET-TOKEN", sign[:10], "sign="} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds %q:\n%s", name, secret, text)
			}
		}
	}
	if !strings.Contains(logs.String(), "errcode 310000") || !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("the logs do not say why delivery failed:\n%s", logs.String())
	}
}

// TestRealtimeAlertMentions: the dispatcher's real-time alert for a new
// dark link reaches a DingTalk bot signed, with the keyword and the
// mention.
func TestRealtimeAlertMentions(t *testing.T) {
	b := &bot{format: DingTalk, secret: testSecret, keyword: "网站巡检"}
	w, err := NewWebhook("值班群", DingTalk, startBot(t, b), WithSecret(testSecret), WithKeyword("网站巡检"), WithMention(Mention{Mobiles: []string{"13800138000"}}))
	if err != nil {
		t.Fatal(err)
	}
	d := botHarness(t, nil, w)
	rep := &finding.Report{Findings: []finding.Finding{{ID: "d1", Check: "dark-link", Severity: finding.Critical, Page: "http://x.gov.cn/", Message: "暗链：隐藏的链接含敏感词“澳门博彩”"}}}
	ctx := context.Background()
	if err := d.AfterRun(ctx, "示例县", "x", rep, nil, "http://dash/r", true); err != nil {
		t.Fatal(err)
	}
	if sent, failed := d.Deliver(ctx); sent != 2 || failed != 0 {
		t.Fatalf("sent %d failed %d (rejected %v)", sent, failed, b.rejected)
	}
	var mentioned int
	for _, m := range b.messages() {
		if at, _ := m["at"].(map[string]any); at["atMobiles"] != nil {
			mentioned++
		}
	}
	if mentioned != 1 {
		t.Errorf("%d messages mention the webmaster, want 1 (the dark link, not the digest)", mentioned)
	}
}

// TestSplitIdempotencyKeys: each part of a split message has a key of its
// own, so a receiver that drops retried copies keeps every part.
func TestSplitIdempotencyKeys(t *testing.T) {
	w, err := NewWebhook("值班群", WeCom, "http://127.0.0.1/cgi-bin/webhook/send?key=k")
	if err != nil {
		t.Fatal(err)
	}
	m := longDigest(40, 200)
	m.ID = "run:7/webhook:值班群"
	reqs, err := w.Requests(m, time.Now())
	if err != nil || len(reqs) < 2 {
		t.Fatalf("%d requests, %v", len(reqs), err)
	}
	seen := map[string]bool{}
	for i, r := range reqs {
		if r.IdempotencyKey == "" || seen[r.IdempotencyKey] || (i == 0 && r.IdempotencyKey != m.ID) {
			t.Errorf("part %d key %q", i+1, r.IdempotencyKey)
		}
		seen[r.IdempotencyKey] = true
	}
}
