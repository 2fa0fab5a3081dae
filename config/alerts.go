package config

import (
	"fmt"
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
	URL    string `yaml:"url"`
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
		if _, err := section.ParseSiteURL(w.URL); err != nil {
			p.Bad(fmt.Sprintf("webhooks[%d].url", i), "%v", err)
		}
	}
	if a.DownAfter < 1 {
		p.Bad("down_after", "至少为 1")
	}
	if a.DeliverInterval.D() < time.Second {
		p.Bad("deliver_interval", "至少为 1s")
	}
}

// orList writes "a, b, c or d".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], "、") + " 或 " + s[len(s)-1]
}
