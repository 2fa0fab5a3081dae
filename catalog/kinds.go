package catalog

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/xunjian/xunjian/finding"
)

// kindText is what a kind of finding is called in Chinese (the ledger's
// 问题类型, the report's kind, the words a webmaster knows from commercial
// monitors) and what the webmaster does about it, in one line (整改建议).
// Fix may name details of the finding in braces: {wrong} {right} {word}
// {column} {domain}.
type kindText struct {
	label, fix string
}

// kinds is the one table of finding kinds, by finding name (the `check`
// field) and kind, for every presenter (reports, ledger, alerts,
// dashboard). "" is the finding name's default for kinds not listed (a
// later version may add kinds). Tests check that every finding name has
// its default and every kind a check emits is listed.
var kinds = map[string]map[string]kindText{
	BrokenLink: {
		"":                   {"链接不可用", "删除该链接，或替换为可用的地址"},
		"not-found":          {"页面不存在（404）", "删除该链接，或替换为正确的地址"},
		"gone":               {"页面已删除（410）", "删除该链接，或替换为新地址"},
		"forbidden":          {"禁止访问（403）", "应公开的请开放访问，否则删除该链接"},
		"rate-limited":       {"疑似被限流（429）", "人工打开复核；确认失效再删除该链接"},
		"server-error":       {"服务器错误（5xx）", "通知对方网站修复；长期打不开的删除该链接"},
		"client-error":       {"请求错误（4xx）", "删除该链接，或替换为正确的地址"},
		"timeout":            {"连接超时", "人工打开复核；长期打不开的删除该链接"},
		"dns":                {"域名无法解析", "域名已失效：删除该链接，或替换为新地址"},
		"refused":            {"连接被拒绝", "删除该链接，或替换为可访问的地址"},
		"connection-reset":   {"连接被重置", "人工打开复核；长期打不开的删除该链接"},
		"tls":                {"HTTPS 证书错误", "替换为证书有效的地址，或通知对方更新证书"},
		"redirect-loop":      {"重定向循环", "替换为正确的最终地址，或修正目标页面的跳转"},
		"too-many-redirects": {"重定向次数过多", "替换为跳转后的最终地址"},
		"private-address":    {"指向内网地址", "删除该链接（公众无法访问内网），或替换为对外地址"},
		"soft-404":           {"内容为“页面不存在”（软 404）", "人工打开复核；确认失效的删除该链接或替换为正确地址"},
		"network-error":      {"网络错误", "人工打开复核；长期打不开的删除该链接"},
		"firewall":           {"巡检被网站防火墙拦截", "在网站防火墙中将巡检程序加入白名单（见证据），再重新巡检"},
		"firewall-external":  {"外部网站防火墙拦截，未检查", "无需整改网站：人工打开这些链接复核"},
		"url-too-long":       {"链接过长，未检查", "人工打开复核；脚本拼接出错或被注入的链接请修正或删除"},
		"crawler-trap":       {"疑似爬虫陷阱，其余未检查", "检查该地址模式是否无限生成页面（日历、会话参数），修正链接或在配置中排除"},
	},
	DarkLink: {
		"":                  {"暗链", "删除该链接：在网页模板中找到下方 HTML 片段删除，并排查网站被篡改的原因"},
		"display-none":      {"暗链（display:none 隐藏）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		"visibility-hidden": {"暗链（visibility:hidden 隐藏）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		"opacity-zero":      {"暗链（透明度为 0）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		"font-size-zero":    {"暗链（字号为 0）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		"off-screen":        {"暗链（定位到屏幕外）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		"text-indent":       {"暗链（负缩进移出可视区）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		"clip":              {"暗链（裁剪为不可见）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		"zero-size":         {"暗链（零尺寸）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		"same-color":        {"暗链（文字与背景同色）", "删除该链接（见 HTML 片段），并排查篡改来源"},
		"tiny-marquee":      {"暗链（微型滚动字幕）", "删除该 marquee 元素及其中的链接，并排查篡改来源"},
		"zero-size-iframe":  {"暗链（隐藏的 iframe）", "删除该 iframe，并排查篡改来源"},
		"noscript":          {"暗链（noscript 中的链接）", "删除 noscript 中的链接，并排查篡改来源"},
		"hidden-attribute":  {"暗链（hidden 属性隐藏）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		"script-written":    {"暗链（脚本写入）", "删除写入该链接的脚本代码（见片段），检查被篡改的 JS 文件"},
		"script-injected":   {"暗链（脚本插入）", "找到并删除插入该链接的脚本，检查被篡改的 JS 文件"},
		"cloaking":          {"暗链（只对搜索引擎显示）", "删除服务器上按爬虫身份输出内容的代码，排查后门并修改密码"},
		"cloaking-text":     {"暗链（只对搜索引擎显示）", "删除服务器上按爬虫身份输出内容的代码，排查后门并修改密码"},
		"cloaking-redirect": {"暗链（对爬虫跳转）", "删除对爬虫跳转的规则（.htaccess、web.config 或首页脚本），排查后门"},
		"rendering-skipped": {"未进行浏览器渲染", "无需整改网站：安装 Chromium 后重新巡检"},
		"render-failed":     {"页面渲染超时", "无需整改网站：人工打开该页复核，或调大 checks.dark_link.render_timeout"},
		"render-left-page":  {"页面自动跳转离开，未做渲染检查", "确认跳转是否为网站本意；不是的删除跳转代码并排查篡改来源"},
		"not-analysed":      {"暗链分析未完成，未检查", "页面过大或样式过于复杂：人工查看该页源码中的隐藏链接，精简页面模板"},
		"more-hidden-links": {"另有隐藏链接未逐条列出", "网站疑似被挂马：排查该页模板和数据库中被注入的链接，全部删除后重新巡检"},
	},
	ExternalLink: {
		"":            {"外部链接", "确认该外部链接是否应保留，不应保留的删除"},
		"bad-content": {"外部网站含违规内容", "删除该链接（对方域名可能已过期被抢注）"},
		"review":      {"外部链接待确认", "确认网站可信后加入 checks.external_link.allow_domains，否则删除该链接"},
	},
	SensitiveWord: {
		"":          {"敏感词", "核实后删除或改写含“{word}”的内容；属正常表述的标记忽略"},
		"gambling":  {"敏感词（赌博）", "核实后删除含“{word}”的内容；属正常表述的标记忽略"},
		"porn":      {"敏感词（色情）", "核实后删除含“{word}”的内容；属正常表述的标记忽略"},
		"violence":  {"敏感词（暴力）", "核实后删除或改写含“{word}”的内容；属正常表述的标记忽略"},
		"political": {"敏感词（政治）", "核实后改写含“{word}”的表述；属正常表述的标记忽略"},
		"spam":      {"敏感词（垃圾广告）", "删除含“{word}”的广告内容，并排查是否被篡改"},
		"custom":    {"敏感词（自定义）", "核实后删除或改写含“{word}”的内容"},
	},
	Typo: {
		"":        {"错别字", "按建议改正后重新发布"},
		"typo":    {"疑似错别字", "替换为“{right}”后重新发布"},
		"serious": {"严重表述错误", "立即将“{wrong}”替换为“{right}”后重新发布"},
	},
	Privacy: {
		"":           {"个人信息泄露", "撤下，打码后重新发布"},
		"id-card":    {"居民身份证号码", "撤下，打码后重新发布（如 532627********1234）"},
		"id-card-15": {"15 位身份证号码", "撤下，打码后重新发布"},
		"mobile":     {"手机号码", "撤下，打码后重新发布（如 138****5678）"},
		"bank-card":  {"银行卡号", "撤下，打码后重新发布"},
	},
	StaleColumn: {
		"":                 {"栏目不更新", "更新栏目“{column}”"},
		"stale":            {"栏目超期未更新", "更新栏目“{column}”，或按规定撤并该栏目"},
		"undated":          {"栏目信息无发布日期", "为栏目“{column}”的信息补上发布日期"},
		"warning":          {"栏目即将超期", "期限内更新栏目“{column}”"},
		"homepage":         {"首页不更新", "立即在首页发布新信息（单项否决项）"},
		"homepage-warning": {"首页即将超期", "尽快在首页发布新信息"},
		"date-unknown":     {"更新时间无法确定（只写月日）", "栏目“{column}”的列表写明带年份的发布日期"},
		"veto-news-notice": {"栏目不更新（单项否决）", "逐个更新超期栏目，直到少于否决数量"},
		"veto-any":         {"栏目不更新（单项否决）", "逐个更新超期栏目，直到少于否决数量"},
	},
	BlankColumn: {
		"":             {"空白栏目", "为栏目“{column}”补充内容，或撤并该栏目"},
		"blank":        {"空白栏目", "为栏目“{column}”补充内容，或撤并该栏目"},
		"veto":         {"空白栏目（单项否决）", "补充或撤并空白栏目，直到少于否决数量"},
		"veto-warning": {"空白栏目（预警）", "补充或撤并空白栏目，避免达到否决数量"},
		"unrendered":   {"脚本生成的栏目未渲染，未检查", "无需整改网站：安装 Chromium 后重新巡检，或人工打开该栏目复核"},
	},
	Connectivity: {
		"":                 {"首页连通性", "检查服务器与网络，确保首页稳定可访问"},
		"down":             {"首页无法访问", "立即检查服务器、网络和防火墙，恢复首页访问"},
		"probe-failed":     {"首页访问失败", "检查服务器负载与网络，确保首页稳定可访问"},
		"slow":             {"首页访问慢", "优化首页（压缩图片、启用缓存或 CDN）"},
		"https-error":      {"HTTPS 配置错误", "更换有效证书并修正 HTTPS 配置"},
		"no-https":         {"未提供 HTTPS", "部署 HTTPS 证书并开放 443 端口"},
		"cert-expired":     {"HTTPS 证书已过期", "立即续期 HTTPS 证书"},
		"cert-expiring":    {"HTTPS 证书即将过期", "在到期前续期 HTTPS 证书"},
		"no-ipv6":          {"未支持 IPv6", "为域名添加 AAAA 记录并开通 IPv6 访问"},
		"ipv6-unreachable": {"IPv6 无法访问", "检查 IPv6 线路与防火墙，确保 IPv6 可访问首页"},
	},
	Attachment: {
		"":                      {"附件无法读取", "人工打开该文件检查；文件损坏的重新上传"},
		"attachment-unreadable": {"附件无法读取，未检查", "人工打开该文件检查；文件损坏的重新上传"},
		"attachment-truncated":  {"附件只检查了一部分", "人工检查该附件的其余部分；过大的文件可拆分后发布"},
	},
}

// lookup returns the text of a finding name and kind, the finding name's
// default for a kind not listed, or false for a finding name this version
// does not know (a report written by a later version).
func lookup(check, kind string) (kindText, bool) {
	byKind, ok := kinds[check]
	if !ok {
		return kindText{}, false
	}
	if t, ok := byKind[kind]; ok {
		return t, true
	}
	t, ok := byKind[""]
	return t, ok
}

// KindLabel names a finding's kind in Chinese: the label of its finding
// name (check) and kind, the finding name's default label for a kind not
// listed, or the kind itself for a finding name this version does not
// know.
func KindLabel(check, kind string) string {
	if t, ok := lookup(check, kind); ok {
		return t.label
	}
	return kind
}

// KindLabels returns the labels of the kinds one finding name lists, for
// tests and documentation; "" is the default label.
func KindLabels(check string) map[string]string {
	out := map[string]string{}
	for k, t := range kinds[check] {
		out[k] = t.label
	}
	return out
}

// Fix is what the webmaster does about a finding, in one line: 删除该链接,
// 替换为“截至”后重新发布, 撤下该附件，打码后重新发布, 更新栏目“工作动态”…
func Fix(f finding.Finding) string {
	t, ok := lookup(f.Check, f.Kind)
	if !ok {
		return "按问题说明整改"
	}
	fix := t.fix
	if f.Check == Privacy {
		fix = privacyFix(fix, f)
	}
	if !strings.Contains(fix, "{") {
		return fix
	}
	get := func(key string) string {
		v, ok := f.Details[key]
		if !ok || v == nil {
			return ""
		}
		return stripControl(fmt.Sprint(v))
	}
	word := get("word")
	if word == "" {
		word = stripControl(f.Match)
	}
	out := strings.NewReplacer("{wrong}", get("wrong"), "{right}", get("right"), "{word}", word,
		"{column}", get("column"), "{domain}", get("domain")).Replace(fix)
	// A detail the finding lacks leaves an empty quote: drop it.
	return strings.ReplaceAll(out, "“”", "")
}

// privacyFix says what to do with what carries personal data. The
// table's fixes start with 撤下，打码后重新发布: a published page or
// attachment is taken down (named here: 该页面, 该附件); a local file
// (xunjian scan, before publication: its page is a file: URL) is masked
// before it goes out.
func privacyFix(fix string, f finding.Finding) string {
	const takeDown = "撤下，打码后重新发布"
	rest, ok := strings.CutPrefix(fix, takeDown)
	switch {
	case !ok:
		return fix
	case strings.HasPrefix(f.Page, "file:"):
		return "发布前删除或打码遮盖" + rest
	case f.Details["where"] == "attachment":
		return "撤下该附件，打码后重新发布" + rest
	}
	return "撤下该页面，打码后重新发布" + rest
}

// stripControl drops control characters (terminal escapes) from crawled
// text put into a fix.
func stripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
