package alert

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Channel delivers messages somewhere.
type Channel interface {
	Name() string
	Send(ctx context.Context, m Message) error
}

// Slack posts to Slack with a bot token (chat.postMessage) or through an
// incoming webhook.
type Slack struct {
	client     *slack.Client
	channel    string
	webhookURL string
	httpClient *http.Client
}

// NewSlack builds a Slack channel; apiURL overrides Slack's API (tests).
func NewSlack(token, channel, webhookURL, apiURL string) (*Slack, error) {
	if webhookURL == "" && (token == "" || channel == "") {
		return nil, errors.New("slack: give a bot token and a channel, or an incoming webhook URL")
	}
	hc := &http.Client{Timeout: 15 * time.Second}
	s := &Slack{channel: channel, webhookURL: webhookURL, httpClient: hc}
	if token != "" {
		opts := []slack.Option{slack.OptionHTTPClient(hc)}
		if apiURL != "" {
			opts = append(opts, slack.OptionAPIURL(strings.TrimSuffix(apiURL, "/")+"/"))
		}
		s.client = slack.New(token, opts...)
	}
	return s, nil
}

// Name implements Channel.
func (s *Slack) Name() string { return "slack" }

// Send implements Channel.
func (s *Slack) Send(ctx context.Context, m Message) error {
	text := slackEscape(m.Text())
	if s.client != nil {
		_, _, err := s.client.PostMessageContext(ctx, s.channel, slack.MsgOptionText(text, false))
		if err != nil {
			return fmt.Errorf("slack: %w", err)
		}
		return nil
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, s.webhookURL, s.httpClient, &slack.WebhookMessage{Text: text}); err != nil {
		return fmt.Errorf("slack webhook: %w", err)
	}
	return nil
}

// slackEscape escapes Slack's control characters in crawled text.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Webhook formats.
const (
	DingTalk = "dingtalk"
	WeCom    = "wecom"
	Feishu   = "feishu"
	JSON     = "json"
)

// Webhook posts to a chat-bot webhook in its format.
type Webhook struct {
	name, format, url string
	client            *http.Client
}

// NewWebhook builds a webhook channel.
func NewWebhook(name, format, url string) (*Webhook, error) {
	switch format {
	case DingTalk, WeCom, Feishu, JSON:
	default:
		return nil, fmt.Errorf("webhook %s: unknown format %q (dingtalk, wecom, feishu, json)", name, format)
	}
	return &Webhook{name: name, format: format, url: url, client: &http.Client{Timeout: 15 * time.Second}}, nil
}

// Name implements Channel.
func (w *Webhook) Name() string { return "webhook:" + w.name }

// Body returns the request body a message becomes in the webhook's format.
func (w *Webhook) Body(m Message) ([]byte, error) {
	var v any
	switch w.format {
	case DingTalk:
		v = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": m.Title, "text": m.Markdown()}}
	case WeCom:
		v = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": m.Markdown()}}
	case Feishu:
		v = map[string]any{"msg_type": "text", "content": map[string]string{"text": m.Text()}}
	default:
		v = m
	}
	return json.Marshal(v)
}

// Send implements Channel. DingTalk, WeCom and Feishu answer 200 with an
// error code in the body; that counts as a failure too.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	body, err := w.Body(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", w.Name(), err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", w.Name(), err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: HTTP %d", w.Name(), resp.StatusCode)
	}
	var r struct {
		ErrCode *int   `json:"errcode"`
		Code    *int   `json:"code"`
		ErrMsg  string `json:"errmsg"`
		Msg     string `json:"msg"`
	}
	if json.Unmarshal(reply, &r) == nil {
		if r.ErrCode != nil && *r.ErrCode != 0 {
			return fmt.Errorf("%s: errcode %d %s", w.Name(), *r.ErrCode, r.ErrMsg)
		}
		if r.Code != nil && *r.Code != 0 {
			return fmt.Errorf("%s: code %d %s", w.Name(), *r.Code, r.Msg)
		}
	}
	return nil
}

// Email sends messages over SMTP.
type Email struct {
	addr, from string
	to         []string
	auth       smtp.Auth
}

// NewEmail builds an e-mail channel; user and password may be empty.
func NewEmail(addr, from string, to []string, user, password string) (*Email, error) {
	if addr == "" || from == "" || len(to) == 0 {
		return nil, errors.New("email: give smtp, from and to")
	}
	e := &Email{addr: addr, from: from, to: to}
	if user != "" {
		host := addr
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			host = addr[:i]
		}
		e.auth = smtp.PlainAuth("", user, password, host)
	}
	return e, nil
}

// Name implements Channel.
func (e *Email) Name() string { return "email" }

// Send implements Channel.
func (e *Email) Send(ctx context.Context, m Message) error {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?%s?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		e.from, strings.Join(e.to, ", "), base64.StdEncoding.EncodeToString([]byte(m.Title)))
	b.WriteString(base64.StdEncoding.EncodeToString([]byte(m.Text())))
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(e.addr, e.auth, e.from, e.to, []byte(b.String())) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("email: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("email: %w", ctx.Err())
	}
}
