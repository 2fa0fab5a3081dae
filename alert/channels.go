package alert

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/netpolicy"
)

// deliveryTimeout bounds one delivery (an HTTP request, an SMTP session).
const deliveryTimeout = 15 * time.Second

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
	api := apiURL
	if api == "" {
		api = slack.APIURL
	}
	hc, err := netpolicy.DeliveryClient(deliveryTimeout, webhookURL, api)
	if err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
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

// Webhook formats (one list, config.WebhookFormats, which validation reads).
const (
	DingTalk = config.DingTalk
	WeCom    = config.WeCom
	Feishu   = config.Feishu
	JSON     = config.JSON
)

// Webhook posts to a chat-bot webhook in its format.
type Webhook struct {
	name, format, url string
	client            *http.Client
}

// NewWebhook builds a webhook channel.
func NewWebhook(name, format, url string) (*Webhook, error) {
	if !slices.Contains(config.WebhookFormats(), format) {
		return nil, fmt.Errorf("webhook %s: unknown format %q (%s)", name, format, strings.Join(config.WebhookFormats(), ", "))
	}
	client, err := netpolicy.DeliveryClient(deliveryTimeout, url)
	if err != nil {
		return nil, fmt.Errorf("webhook %s: %w", name, err)
	}
	return &Webhook{name: name, format: format, url: url, client: client}, nil
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
	if m.ID != "" {
		// The chat bots ignore it; receivers that support idempotency
		// keys (the generic JSON format's consumers) drop a retried copy.
		req.Header.Set("Idempotency-Key", m.ID)
	}
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
	addr, host, from string
	to               []string
	auth             smtp.Auth
	// timeout bounds one message's whole SMTP exchange (dial to QUIT)
	// when the caller's context allows longer.
	timeout time.Duration
}

// NewEmail builds an e-mail channel; user and password may be empty.
func NewEmail(addr, from string, to []string, user, password string) (*Email, error) {
	if addr == "" || from == "" || len(to) == 0 {
		return nil, errors.New("email: give smtp, from and to")
	}
	e := &Email{addr: addr, host: addr, from: from, to: to, timeout: 30 * time.Second}
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		e.host = addr[:i]
	}
	if user != "" {
		e.auth = smtp.PlainAuth("", user, password, e.host)
	}
	return e, nil
}

// Name implements Channel.
func (e *Email) Name() string { return "email" }

// Send implements Channel. The exchange is bounded by ctx and by the
// channel's timeout: when either ends, the connection is closed, so a
// server that stalls holds neither the caller nor a goroutine.
func (e *Email) Send(ctx context.Context, m Message) error {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?%s?=\r\n", e.from, strings.Join(e.to, ", "), base64.StdEncoding.EncodeToString([]byte(m.Title)))
	if m.ID != "" {
		// A stable Message-ID: mail systems drop a retried duplicate.
		fmt.Fprintf(&b, "Message-ID: <%x@xunjian>\r\n", sha256.Sum256([]byte(m.ID)))
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString([]byte(m.Text())))
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	conn, err := netpolicy.Dial(ctx, e.addr, e.timeout)
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) }) // unblocks a read or write in progress
	defer stop()
	if err := e.exchange(conn, []byte(b.String())); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("email: %w (%v)", ctx.Err(), err)
		}
		return fmt.Errorf("email: %w", err)
	}
	return nil
}

// exchange sends one message on conn as smtp.SendMail does (STARTTLS when
// offered, AUTH when configured), on a connection whose lifetime Send
// controls.
func (e *Email) exchange(conn net.Conn, msg []byte) error {
	c, err := smtp.NewClient(conn, e.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: e.host}); err != nil {
			return err
		}
	}
	if e.auth != nil {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server does not offer AUTH")
		}
		if err := c.Auth(e.auth); err != nil {
			return err
		}
	}
	if err := c.Mail(e.from); err != nil {
		return err
	}
	for _, to := range e.to {
		if err := c.Rcpt(to); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
