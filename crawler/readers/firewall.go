package readers

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Firewall says that a response is not the site's page but a web
// application firewall's challenge or block page, which firewall and why.
// A challenge is passed by a browser that runs its script; a block page
// refuses the request (the inspection's address or User-Agent needs
// whitelisting); a rate limit asks to come back later.
type Firewall struct {
	// Vendor is a stable key: ruishu, jiasule, safedog, yunsuo,
	// wangzhanbao, aliyun, tencent, huawei, chuangyu, cloudflare, or ""
	// for a plain rate limit.
	Vendor string
	// Name is the product as webmasters know it (瑞数, 加速乐, 安全狗…).
	Name string
	// Kind is "challenge", "block" or "rate-limit".
	Kind string
	// Reason explains the verdict in Chinese, for reports.
	Reason string
	// Evidence lists the signals seen (status, cookie names, page markers).
	Evidence []string
}

// FirewallScan is how much of a body the recogniser reads: challenge and
// block pages are small.
const FirewallScan = 64 << 10

var (
	// 瑞数 sets a cookie with a generated name ending in S (its script
	// computes the …T partner), e.g. FSSBBIl1UgzbN7N80S, NfBCSins2OywS.
	ruishuCookie = regexp.MustCompile(`^[0-9A-Za-z]{8,24}S$`)
	ruishuMeta   = regexp.MustCompile(`(?i)<meta[^>]*\br\s*=\s*['"]?m['"]?[^>]*>`)
	ruishuScript = regexp.MustCompile(`(?i)<script[^>]*\br\s*=\s*['"]?m['"]?[^>]*>`)
)

// RecogniseFirewall reads one response (any status) and returns the
// firewall whose challenge or block page it is, or nil for the site's own
// answer. A cookie alone never convicts: firewalls also set theirs on the
// pages they let through. It is pure and safe on any input, so the
// outbound policy can call it on every response.
func RecogniseFirewall(status int, h http.Header, body []byte) *Firewall {
	if len(body) > FirewallScan {
		body = body[:FirewallScan]
	}
	low := bytes.ToLower(body)
	has := func(s string) bool { return bytes.Contains(low, []byte(strings.ToLower(s))) }
	cookies := cookieNames(h)
	cookie := func(prefix string) string {
		for _, c := range cookies {
			if strings.HasPrefix(strings.ToLower(c), strings.ToLower(prefix)) {
				return c
			}
		}
		return ""
	}
	server := strings.ToLower(h.Get("Server")) // a WAF's Server header also comes with the pages it passes
	ev := func(items ...string) []string {
		var out []string
		if status != 0 {
			out = append(out, fmt.Sprintf("HTTP %d", status))
		}
		for _, it := range items {
			if it != "" {
				out = append(out, it)
			}
		}
		return out
	}

	// 瑞数 (RiverSecurity Botgate): 412 (older versions 202, sometimes 200)
	// with a $_ts runtime object, a seed <meta r='m'> and scripts r='m'.
	if has("$_ts=window['$_ts']") || has("$_ts.nsd") || has("$_ts.cd") ||
		(status == 412 || status == 202) && ruishuMeta.Match(body) && ruishuScript.Match(body) {
		c := ""
		for _, n := range cookies {
			if ruishuCookie.MatchString(n) {
				c = "Cookie " + n
				break
			}
		}
		return &Firewall{Vendor: "ruishu", Name: "瑞数", Kind: "challenge",
			Reason:   "瑞数动态防护返回了 JavaScript 验证页（首次访问 412），需要浏览器执行脚本后才给出页面",
			Evidence: ev("$_ts 挑战脚本", c)}
	}

	// 加速乐 (Jiasule, 知道创宇): 521 (variant 512) whose body only sets
	// __jsl_clearance (spelled out char by char) and reloads; a second
	// pass go({…}); block pages from static.jiasule.com.
	jslCookie := cookie("__jsluid")
	if has("('_')+('_')+('j')+('s')+('l')") || has("__jsl_clearance") ||
		(status == 521 || status == 512) && (jslCookie != "" || has("document.cookie")) ||
		jslCookie != "" && has("go({") && has("\"ct\"") {
		return &Firewall{Vendor: "jiasule", Name: "加速乐", Kind: "challenge",
			Reason:   "加速乐（知道创宇）返回了设置 __jsl_clearance 验证 Cookie 的脚本页，需要浏览器执行后重新请求",
			Evidence: ev(cookieEvidence(jslCookie), "__jsl_clearance 脚本")}
	}
	if strings.Contains(server, "jiasule") || has("static.jiasule.com") || has("notice-jiasule") {
		return &Firewall{Vendor: "jiasule", Name: "加速乐", Kind: "block",
			Reason: "加速乐（知道创宇）拦截了请求", Evidence: ev("jiasule 拦截页")}
	}

	// 安全狗 (SafeDog). Its cookie and Server header also come with the
	// pages it lets through (and with real 404s): only its page convicts.
	if c := cookie("safedog-flow-item"); has("safedogsite/") ||
		has("404.safedog.cn") || has("安全狗") && (has("拦截") || has("网站防火墙")) {
		return &Firewall{Vendor: "safedog", Name: "安全狗", Kind: "block",
			Reason: "网站安全狗拦截了请求（拦截页）", Evidence: ev(cookieEvidence(c), "安全狗拦截页")}
	}

	// 云锁 (Yunsuo).
	if c := cookie("yunsuo_session"); has("yunsuologo") || has("yunsuo") && has("拦截") || c != "" && has("security_verify") {
		kind, reason := "block", "云锁拦截了请求（拦截页）"
		if has("security_verify") || strings.Contains(strings.ToLower(c), "verify") {
			kind, reason = "challenge", "云锁返回了验证跳转页，需要浏览器执行脚本后才给出页面"
		}
		return &Firewall{Vendor: "yunsuo", Name: "云锁", Kind: kind, Reason: reason, Evidence: ev(cookieEvidence(c), "云锁页面标记")}
	}

	// 360网站卫士 / 奇安信网站卫士.
	if h.Get("WZWS-Ray") != "" || strings.Contains(server, "qianxin-waf") || h.Get("X-Powered-By-360WZB") != "" ||
		has("wzws-waf-cgi/") || status == 493 {
		kind := "block"
		if cookie("wzws_cid") != "" && has("<script") {
			kind = "challenge"
		}
		return &Firewall{Vendor: "wangzhanbao", Name: "360/奇安信网站卫士", Kind: kind,
			Reason: "360/奇安信网站卫士拦截或验证了请求", Evidence: ev("网站卫士标记")}
	}

	// 阿里云盾 (Alibaba Cloud WAF): 405 block page, or the acw_sc__v2 script.
	if has("acw_sc__v2") && has("arg1") {
		return &Firewall{Vendor: "aliyun", Name: "阿里云WAF", Kind: "challenge",
			Reason: "阿里云 WAF 返回了 acw_sc__v2 验证脚本页", Evidence: ev("acw_sc__v2 脚本")}
	}
	if status == 405 && (has("errors.aliyun.com") || has("aliyun") && has("blocked")) {
		return &Firewall{Vendor: "aliyun", Name: "阿里云WAF", Kind: "block",
			Reason: "阿里云 WAF 拦截了请求（405 拦截页）", Evidence: ev("阿里云拦截页")}
	}

	// 腾讯云、华为云、创宇盾.
	if has("waf.tencent-cloud.com") || has("waf.tencentcloud.com") || has("腾讯云Web应用防火墙") {
		return &Firewall{Vendor: "tencent", Name: "腾讯云WAF", Kind: "block", Reason: "腾讯云 WAF 拦截了请求", Evidence: ev("腾讯云拦截页")}
	}
	if c := cookie("HWWAFSESID"); has("hwclouds.com") && status >= 400 || c != "" && status == 418 {
		return &Firewall{Vendor: "huawei", Name: "华为云WAF", Kind: "block", Reason: "华为云 WAF 拦截了请求", Evidence: ev(cookieEvidence(c), "华为云标记")}
	}
	if has("365cyd.com") {
		return &Firewall{Vendor: "chuangyu", Name: "创宇盾", Kind: "block", Reason: "创宇盾拦截了请求", Evidence: ev("创宇盾拦截页")}
	}
	if has("_cf_chl_opt") || has("/cdn-cgi/challenge-platform/") {
		return &Firewall{Vendor: "cloudflare", Name: "Cloudflare", Kind: "challenge", Reason: "Cloudflare 返回了浏览器验证页", Evidence: ev("Cloudflare 挑战页")}
	}

	// A plain rate limit.
	if status == 429 || status == 503 && h.Get("Retry-After") != "" {
		ra := ""
		if v := h.Get("Retry-After"); v != "" {
			ra = "Retry-After: " + v
		}
		return &Firewall{Kind: "rate-limit", Name: "访问频率限制", Reason: "网站限制了访问频率，要求稍后再试", Evidence: ev(ra)}
	}
	return nil
}

func cookieEvidence(name string) string {
	if name == "" {
		return ""
	}
	return "Cookie " + name
}

// cookieNames lists the names of the cookies a response sets.
func cookieNames(h http.Header) []string {
	var out []string
	for _, sc := range h.Values("Set-Cookie") {
		name, _, ok := strings.Cut(sc, "=")
		if ok {
			out = append(out, strings.TrimSpace(name))
		}
	}
	return out
}
