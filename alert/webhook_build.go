package alert

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// What the chat bots accept, as their documentation and their error
// replies state (see README, "Alerts"):
//   - DingTalk custom robot: the request body at most 20,000 bytes (errcode
//     460101 "message too long, exceed 20000 bytes"); 加签: timestamp in
//     milliseconds, sign = Base64(HMAC-SHA256(key secret, timestamp+"\n"+secret)),
//     both in the query, refused when more than an hour off (errcode 310000);
//     a custom keyword must appear in the message (errcode 310000).
//   - WeCom group robot: markdown.content at most 4,096 bytes and text.content
//     at most 2,048 bytes (errcode 40058); mentions only in text messages
//     (mentioned_list, mentioned_mobile_list).
//   - Feishu custom bot: the request body at most 20 KB (cards 30 KB, code
//     19036); 签名校验: timestamp in seconds and sign = Base64(HMAC-SHA256(key
//     timestamp+"\n"+secret, empty message)) in the body, refused when more
//     than an hour off (code 19021); keywords (code 19024).
const (
	dingTalkMaxBody    = 20000
	weComMaxMarkdown   = 4096
	weComMaxText       = 2048
	feishuMaxBody      = 20000
	maxParts           = 3 // a long digest becomes at most this many messages
	signatureMaxOffset = time.Hour
)

// Mention says whom a critical alert calls on: phone numbers (DingTalk,
// WeCom), user ids (Feishu open_id or user_id, WeCom userid, DingTalk
// userId), or everyone in the group.
type Mention struct {
	Mobiles []string
	UserIDs []string
	All     bool
}

func (m Mention) empty() bool { return len(m.Mobiles) == 0 && len(m.UserIDs) == 0 && !m.All }

// WebhookOption configures a webhook.
type WebhookOption func(*Webhook)

// WithSecret signs every request: DingTalk 加签 or Feishu 签名校验.
func WithSecret(secret string) WebhookOption { return func(w *Webhook) { w.secret = secret } }

// WithKeyword puts keyword in every message (the bot's 自定义关键词).
func WithKeyword(keyword string) WebhookOption { return func(w *Webhook) { w.keyword = keyword } }

// WithMention calls on people in critical alerts.
func WithMention(m Mention) WebhookOption { return func(w *Webhook) { w.mention = m } }

// WithClock sets the clock signatures are made with (tests).
func WithClock(now func() time.Time) WebhookOption { return func(w *Webhook) { w.now = now } }

// Request is one HTTP POST a webhook makes: the URL (signed, for DingTalk)
// and the JSON body, with the message's idempotency key (the part number
// added for the parts of a split message).
type Request struct {
	URL            string
	Body           []byte
	IdempotencyKey string
}

// DingTalkSign returns the timestamp (milliseconds) and the signature of
// DingTalk's 加签: Base64 of HMAC-SHA256, keyed with the secret, over
// timestamp + "\n" + secret. The signature goes into the URL query
// URL-encoded (url.Values does it).
func DingTalkSign(secret string, now time.Time) (timestamp, sign string) {
	timestamp = strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return timestamp, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// FeishuSign returns the timestamp (seconds) and the signature of Feishu's
// 签名校验: Base64 of HMAC-SHA256 keyed with timestamp + "\n" + secret over
// an empty message.
func FeishuSign(secret string, now time.Time) (timestamp, sign string) {
	timestamp = strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return timestamp, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signedDingTalkURL adds timestamp and sign to the webhook URL's query,
// leaving the configured URL as it is (signing it twice would grow it).
func signedDingTalkURL(raw, secret string, now time.Time) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("bad webhook URL") // the URL holds the access token: not quoted
	}
	ts, sign := DingTalkSign(secret, now)
	q := u.Query()
	q.Set("timestamp", ts)
	q.Set("sign", sign)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Requests builds the requests that deliver m at time now, in the
// webhook's format: with the keyword, the mentions of a critical alert,
// the signature; split into at most maxParts messages that each fit the
// service's limit, the last one pointing to the report for what did not
// fit. A single line too long for a message is shortened.
func (w *Webhook) Requests(m Message, now time.Time) ([]Request, error) {
	if w.keyword != "" && !strings.Contains(m.Title, w.keyword) {
		m.Title = "【" + w.keyword + "】" + m.Title
	}
	mention := Mention{}
	if m.Level == Critical {
		mention = w.mention
	}
	var out []Request
	lines := m.Lines
	for part := 1; ; part++ {
		msg := Message{Site: m.Site, Title: m.Title, Link: m.Link, Level: m.Level}
		if part > 1 {
			msg.Title = m.Title + fmt.Sprintf("（续 %d）", part)
		}
		men := Mention{}
		if part == 1 {
			men = mention
		}
		fit := func(ls []string) (Request, bool, error) {
			msg.Lines = ls
			return w.request(msg, men, now)
		}
		req, ok, err := fit(nil)
		if err != nil {
			return nil, err
		}
		if !ok {
			// Even the title does not fit: shorten it.
			msg.Title = shorten(msg.Title, 200)
			if req, ok, err = fit(nil); err != nil || !ok {
				return nil, fmt.Errorf("%s: message does not fit the service's limit", w.Name())
			}
		}
		n := 0
		for n < len(lines) {
			r, ok, err := fit(lines[:n+1])
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			req, n = r, n+1
		}
		if n == 0 && len(lines) > 0 {
			// One line longer than a whole message: shorten it to fit.
			line := lines[0]
			lo, hi := 0, utf8.RuneCountInString(line)
			for lo < hi {
				mid := (lo + hi + 1) / 2
				if _, ok, _ := fit([]string{shortenRunes(line, mid)}); ok {
					lo = mid
				} else {
					hi = mid - 1
				}
			}
			if r, ok, _ := fit([]string{shortenRunes(line, lo)}); ok {
				req, n = r, 1
			}
		}
		lines = lines[n:]
		req.IdempotencyKey = partKey(m.ID, part)
		if len(lines) == 0 {
			return append(out, req), nil
		}
		if part == maxParts || n == 0 {
			// The rest goes unsent: say so, pointing to the report.
			rest := len(lines)
			for n > 0 {
				r, ok, err := fit(append(append([]string{}, msg.Lines[:n]...), fmt.Sprintf("……另有 %d 行未列出，见报告", rest)))
				if err != nil {
					return nil, err
				}
				if ok {
					req = r
					req.IdempotencyKey = partKey(m.ID, part)
					break
				}
				n--
				rest++
			}
			return append(out, req), nil
		}
		out = append(out, req)
	}
}

// request builds one request for msg and says whether it fits.
func (w *Webhook) request(m Message, men Mention, now time.Time) (Request, bool, error) {
	req := Request{URL: w.url}
	var v any
	fits := func(b []byte) bool { return true }
	switch w.format {
	case DingTalk:
		text := m.Markdown()
		at := map[string]any{"isAtAll": men.All}
		if len(men.Mobiles) > 0 {
			at["atMobiles"] = men.Mobiles
			// DingTalk highlights a mention only when the text names it.
			text += "\n\n@" + strings.Join(men.Mobiles, " @")
		}
		if len(men.UserIDs) > 0 {
			at["atUserIds"] = men.UserIDs
			text += "\n\n@" + strings.Join(men.UserIDs, " @")
		}
		v = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": m.Title, "text": text}, "at": at}
		fits = func(b []byte) bool { return len(b) <= dingTalkMaxBody }
		if w.secret != "" {
			u, err := signedDingTalkURL(w.url, w.secret, now)
			if err != nil {
				return Request{}, false, fmt.Errorf("%s: %w", w.Name(), err)
			}
			req.URL = u
		}
	case WeCom:
		if men.empty() {
			content := m.Markdown()
			v = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": content}}
			fits = func([]byte) bool { return len(content) <= weComMaxMarkdown }
		} else {
			// Only text messages mention people.
			content := m.Text()
			text := map[string]any{"content": content}
			users, mobiles := append([]string{}, men.UserIDs...), append([]string{}, men.Mobiles...)
			if men.All {
				users = append(users, "@all")
			}
			if len(users) > 0 {
				text["mentioned_list"] = users
			}
			if len(mobiles) > 0 {
				text["mentioned_mobile_list"] = mobiles
			}
			v = map[string]any{"msgtype": "text", "text": text}
			fits = func([]byte) bool { return len(content) <= weComMaxText }
		}
	case Feishu:
		text := m.Text()
		var ats []string
		for _, id := range men.UserIDs {
			ats = append(ats, `<at user_id="`+feishuAttr(id)+`"></at>`)
		}
		if men.All {
			ats = append(ats, `<at user_id="all">所有人</at>`)
		}
		if len(ats) > 0 {
			text += "\n" + strings.Join(ats, " ")
		}
		body := map[string]any{"msg_type": "text", "content": map[string]string{"text": text}}
		if w.secret != "" {
			body["timestamp"], body["sign"] = FeishuSign(w.secret, now)
		}
		v = body
		fits = func(b []byte) bool { return len(b) <= feishuMaxBody }
	default:
		v = m
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Request{}, false, fmt.Errorf("%s: %w", w.Name(), err)
	}
	req.Body = b
	return req, fits(b), nil
}

// partKey is the idempotency key of a message's part: the message's own
// for the first.
func partKey(id string, part int) string {
	if id == "" || part == 1 {
		return id
	}
	return fmt.Sprintf("%s#%d", id, part)
}

// feishuAttr keeps a configured id from breaking out of its attribute.
func feishuAttr(s string) string {
	return strings.NewReplacer(`"`, "", "<", "", ">", "").Replace(s)
}

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return shortenRunes(s, n)
}

// shortenRunes keeps the first n runes of s and marks the cut.
func shortenRunes(s string, n int) string {
	r := []rune(s)
	if n >= len(r) {
		return s
	}
	return string(r[:n]) + "…"
}

// redactURL keeps a webhook URL's scheme, host and path: its query holds
// the access token (DingTalk) or key (WeCom), and the signature.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(webhook URL)"
	}
	out := u.Scheme + "://" + u.Host + u.Path
	if len(u.Path) > 20 && strings.Contains(u.Path, "/hook/") {
		// Feishu carries its token in the path: /open-apis/bot/v2/hook/<token>
		out = u.Scheme + "://" + u.Host + u.Path[:strings.Index(u.Path, "/hook/")+6] + "…"
	}
	return out
}
