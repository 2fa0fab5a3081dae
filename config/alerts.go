package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/xunjian/xunjian/config/section"
)

// Alerts configures where alerts go (`alerts:`). Package alert builds its
// channels from it; the section lives here because alert is imported by
// serve, which runs whole configurations, and must stay free to use what
// they use.
type Alerts struct {
	Slack    SlackAlerts     `yaml:"slack"`
	Webhooks []WebhookAlerts `yaml:"webhooks"`
	Email    EmailAlerts     `yaml:"email"`
	// DownAfter is how many consecutive failed probes alert.
	DownAfter int `yaml:"down_after"`
	// Reminder is the shortest interval between alerts of an open problem.
	Reminder Duration `yaml:"reminder"`
	// Digest sends the daily digest after each run.
	Digest bool `yaml:"digest"`
	// DeliverInterval is how often the outbox is tried.
	DeliverInterval Duration `yaml:"deliver_interval"`
}

// SlackAlerts: a bot token (read from the environment variable TokenEnv)
// and a channel, or an incoming webhook URL.
type SlackAlerts struct {
	TokenEnv   string `yaml:"token_env"`
	Channel    string `yaml:"channel"`
	WebhookURL string `yaml:"webhook_url"`
	// APIURL overrides Slack's API address (a proxy; tests).
	APIURL string `yaml:"api_url"`
}

// Webhook formats: the chat bots Chinese teams use, and plain JSON.
const (
	DingTalk = "dingtalk"
	WeCom    = "wecom"
	Feishu   = "feishu"
	JSON     = "json"
)

// WebhookFormats returns the webhook formats package alert writes.
func WebhookFormats() []string { return []string{DingTalk, WeCom, Feishu, JSON} }

// WebhookAlerts is a chat-bot webhook in one of WebhookFormats.
type WebhookAlerts struct {
	Name   string `yaml:"name"`
	Format string `yaml:"format"`
	// URL is the bot's webhook address: DingTalk's with access_token,
	// WeCom's with key, Feishu's .../bot/v2/hook/<token>.
	URL string `yaml:"url"`
	// Secret signs every request (DingTalk 加签, Feishu 签名校验): the
	// SEC… string the bot's security settings show. SecretEnv names an
	// environment variable that holds it instead, keeping it out of the
	// file; give one or the other.
	Secret    string `yaml:"secret"`
	SecretEnv string `yaml:"secret_env"`
	// Keyword is put in every message, for bots whose security setting is
	// a custom keyword (DingTalk, Feishu).
	Keyword string `yaml:"keyword"`
	// AtMobiles, AtUserIDs and AtAll call on the on-call webmaster in
	// critical alerts (homepage down, new dark link, new privacy leak, new
	// veto-level problem): phone numbers for DingTalk and WeCom; user ids
	// for Feishu (open_id), WeCom (userid) and DingTalk (userId); everyone.
	AtMobiles []string `yaml:"at_mobiles"`
	AtUserIDs []string `yaml:"at_user_ids"`
	AtAll     bool     `yaml:"at_all"`
}

// officialHosts are the bots' own webhook hosts, whose URLs must carry
// their credential (a relay's need not).
var officialHosts = map[string]struct{ format, need, hint string }{
	"oapi.dingtalk.com":   {DingTalk, "access_token", "https://oapi.dingtalk.com/robot/send?access_token=…"},
	"qyapi.weixin.qq.com": {WeCom, "key", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"},
	"open.feishu.cn":      {Feishu, "/open-apis/bot/v2/hook/", "https://open.feishu.cn/open-apis/bot/v2/hook/…"},
	"open.larksuite.com":  {Feishu, "/open-apis/bot/v2/hook/", "https://open.larksuite.com/open-apis/bot/v2/hook/…"},
}

// EmailAlerts sends alerts over SMTP (password from PasswordEnv).
type EmailAlerts struct {
	SMTP        string   `yaml:"smtp"`
	From        string   `yaml:"from"`
	To          []string `yaml:"to"`
	Username    string   `yaml:"username"`
	PasswordEnv string   `yaml:"password_env"`
}

// Validate checks the alert channels and timings.
func (a *Alerts) Validate(p *section.Problems) {
	for i, w := range a.Webhooks {
		if !slices.Contains(WebhookFormats(), w.Format) {
			p.Bad(fmt.Sprintf("webhooks[%d].format", i), "“%s”不是可用的格式（可用：%s）", w.Format, orList(WebhookFormats()))
		}
		u, err := section.ParseSiteURL(w.URL)
		if err != nil {
			p.Bad(fmt.Sprintf("webhooks[%d].url", i), "%v", err)
		} else if o, ok := officialHosts[strings.ToLower(u.Hostname())]; ok {
			has := u.Query().Get(o.need) != ""
			if strings.HasPrefix(o.need, "/") {
				has = strings.HasPrefix(u.Path, o.need) && len(u.Path) > len(o.need)
			}
			if o.format != w.Format {
				p.Bad(fmt.Sprintf("webhooks[%d].format", i), "这是 %s 机器人的网址：请写 format: %s", o.format, o.format)
			} else if !has {
				p.Bad(fmt.Sprintf("webhooks[%d].url", i), "%s 机器人的网址应形如 %s", o.format, o.hint)
			}
		}
		if w.Secret != "" && w.SecretEnv != "" {
			p.Bad(fmt.Sprintf("webhooks[%d].secret", i), "secret 和 secret_env 只能写一个")
		}
		if (w.Secret != "" || w.SecretEnv != "") && w.Format != DingTalk && w.Format != Feishu {
			p.Bad(fmt.Sprintf("webhooks[%d].secret", i), "只有 dingtalk 和 feishu 机器人用 secret 签名")
		}
		if len(w.AtMobiles) > 0 && w.Format == Feishu {
			p.Bad(fmt.Sprintf("webhooks[%d].at_mobiles", i), "飞书自定义机器人按用户 ID @人：请改用 at_user_ids（open_id）")
		}
		if (len(w.AtMobiles) > 0 || len(w.AtUserIDs) > 0 || w.AtAll) && w.Format == JSON {
			p.Bad(fmt.Sprintf("webhooks[%d].at_mobiles", i), "json 格式的 webhook 无法 @人")
		}
		for j, m := range w.AtMobiles {
			if !mobileRE.MatchString(m) {
				p.Bad(fmt.Sprintf("webhooks[%d].at_mobiles[%d]", i, j), "“%s”不是手机号（应写成 13800138000 这样）", m)
			}
		}
	}
	if a.DownAfter < 1 {
		p.Bad("down_after", "至少为 1")
	}
	if a.DeliverInterval.D() < time.Second {
		p.Bad("deliver_interval", "至少为 1s")
	}
}

// mobileRE accepts mainland mobile numbers, optionally with +86.
var mobileRE = regexp.MustCompile(`^(\+?86-?)?1[3-9][0-9]{9}$`)

// orList writes "a, b, c or d".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], "、") + " 或 " + s[len(s)-1]
}
