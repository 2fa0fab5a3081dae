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
	"log/slog"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
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

// Webhook posts to a chat-bot webhook in its format: signed when the bot
// has a secret, with the bot's keyword, mentioning the on-call people on
// critical alerts, split to the service's size limits (webhook_build.go).
type Webhook struct {
	name, format, url string
	client            *http.Client
	secret, keyword   string
	mention           Mention
	now               func() time.Time
}

// NewWebhook builds a webhook channel.
func NewWebhook(name, format, url string, opts ...WebhookOption) (*Webhook, error) {
	if !slices.Contains(config.WebhookFormats(), format) {
		return nil, fmt.Errorf("webhook %s: unknown format %q (%s)", name, format, strings.Join(config.WebhookFormats(), ", "))
	}
	client, err := netpolicy.DeliveryClient(deliveryTimeout, url)
	if err != nil {
		return nil, fmt.Errorf("webhook %s: %w", name, err)
	}
	w := &Webhook{name: name, format: format, url: url, client: client, now: time.Now}
	for _, o := range opts {
		o(w)
	}
	if w.secret != "" && format != DingTalk && format != Feishu {
		return nil, fmt.Errorf("webhook %s: only dingtalk and feishu bots are signed with a secret", name)
	}
	return w, nil
}

// Name implements Channel.
func (w *Webhook) Name() string { return "webhook:" + w.name }

// String and LogValue name the webhook without its URL or secret, which
// are credentials.
func (w *Webhook) String() string { return w.Name() }

// LogValue implements slog.LogValuer.
func (w *Webhook) LogValue() slog.Value { return slog.StringValue(w.Name()) }

// Send implements Channel: each request Requests builds, in order. The
// bots answer 200 with an error code in the body; that counts as a
// failure too. Errors never quote the URL's query (the access token, the
// key, the signature).
func (w *Webhook) Send(ctx context.Context, m Message) error {
	reqs, err := w.Requests(m, w.now())
	if err != nil {
		return err
	}
	for i, r := range reqs {
		if err := w.post(ctx, r); err != nil {
			if len(reqs) > 1 {
				return fmt.Errorf("%s: part %d of %d: %w", w.Name(), i+1, len(reqs), err)
			}
			return fmt.Errorf("%s: %w", w.Name(), err)
		}
	}
	return nil
}

func (w *Webhook) post(ctx context.Context, r Request) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return fmt.Errorf("post %s: bad URL", redactURL(w.url))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if r.IdempotencyKey != "" {
		// The chat bots ignore it; receivers that support idempotency
		// keys (the generic JSON format's consumers) drop a retried copy.
		req.Header.Set("Idempotency-Key", r.IdempotencyKey)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
		}
		return err
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var rep struct {
		ErrCode *int   `json:"errcode"`
		Code    *int   `json:"code"`
		ErrMsg  string `json:"errmsg"`
		Msg     string `json:"msg"`
	}
	if json.Unmarshal(reply, &rep) == nil {
		if rep.ErrCode != nil && *rep.ErrCode != 0 {
			return fmt.Errorf("errcode %d %s", *rep.ErrCode, shorten(rep.ErrMsg, 200))
		}
		if rep.Code != nil && *rep.Code != 0 {
			return fmt.Errorf("code %d %s", *rep.Code, shorten(rep.Msg, 200))
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
