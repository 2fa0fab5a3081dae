package catalog

// kindLabels names each kind of finding in Chinese, by finding name (the
// `check` field) and kind: the ledger's 问题类型, the report's kind column,
// the words a webmaster knows from commercial monitors. "" is the finding
// name's label for kinds not listed (a later version may add kinds). One
// table for every presenter (reports, ledger, alerts, dashboard).
var kindLabels = map[string]map[string]string{
	BrokenLink: {
		"":                   "链接不可用",
		"not-found":          "页面不存在（404）",
		"gone":               "页面已删除（410）",
		"forbidden":          "禁止访问（403）",
		"rate-limited":       "疑似被限流（429）",
		"server-error":       "服务器错误（5xx）",
		"client-error":       "请求错误（4xx）",
		"timeout":            "连接超时",
		"dns":                "域名无法解析",
		"refused":            "连接被拒绝",
		"connection-reset":   "连接被重置",
		"tls":                "HTTPS 证书错误",
		"redirect-loop":      "重定向循环",
		"too-many-redirects": "重定向次数过多",
		"private-address":    "指向内网地址",
		"soft-404":           "内容为“页面不存在”（软 404）",
		"network-error":      "网络错误",
		"firewall":           "巡检被网站防火墙拦截",
		"firewall-external":  "外部网站防火墙拦截，未检查",
		"url-too-long":       "链接过长，未检查",
	},
	DarkLink: {
		"":                  "暗链",
		"display-none":      "暗链（display:none 隐藏）",
		"visibility-hidden": "暗链（visibility:hidden 隐藏）",
		"opacity-zero":      "暗链（透明度为 0）",
		"font-size-zero":    "暗链（字号为 0）",
		"off-screen":        "暗链（定位到屏幕外）",
		"text-indent":       "暗链（负缩进移出可视区）",
		"clip":              "暗链（裁剪为不可见）",
		"zero-size":         "暗链（零尺寸）",
		"same-color":        "暗链（文字与背景同色）",
		"tiny-marquee":      "暗链（微型滚动字幕）",
		"zero-size-iframe":  "暗链（隐藏的 iframe）",
		"noscript":          "暗链（noscript 中的链接）",
		"hidden-attribute":  "暗链（hidden 属性隐藏）",
		"script-written":    "暗链（脚本写入）",
		"script-injected":   "暗链（脚本插入）",
		"cloaking":          "暗链（只对搜索引擎显示）",
		"cloaking-text":     "暗链（只对搜索引擎显示）",
		"cloaking-redirect": "暗链（对爬虫跳转）",
		"rendering-skipped": "未进行浏览器渲染",
		"render-failed":     "页面渲染超时",
	},
	ExternalLink: {
		"":            "外部链接",
		"bad-content": "外部网站含违规内容",
		"review":      "外部链接待确认",
	},
	SensitiveWord: {
		"":          "敏感词",
		"gambling":  "敏感词（赌博）",
		"porn":      "敏感词（色情）",
		"violence":  "敏感词（暴力）",
		"political": "敏感词（政治）",
		"spam":      "敏感词（垃圾广告）",
		"custom":    "敏感词（自定义）",
	},
	Typo: {
		"":        "错别字",
		"typo":    "疑似错别字",
		"serious": "严重表述错误",
	},
	Privacy: {
		"":           "个人信息泄露",
		"id-card":    "居民身份证号码",
		"id-card-15": "15 位身份证号码",
		"mobile":     "手机号码",
		"bank-card":  "银行卡号",
	},
	StaleColumn: {
		"":                 "栏目不更新",
		"stale":            "栏目超期未更新",
		"undated":          "栏目信息无发布日期",
		"warning":          "栏目即将超期",
		"homepage":         "首页不更新",
		"homepage-warning": "首页即将超期",
		"date-unknown":     "更新时间无法确定（只写月日）",
		"veto-news-notice": "栏目不更新（单项否决）",
		"veto-any":         "栏目不更新（单项否决）",
	},
	BlankColumn: {
		"":             "空白栏目",
		"blank":        "空白栏目",
		"veto":         "空白栏目（单项否决）",
		"veto-warning": "空白栏目（预警）",
		"unrendered":   "脚本生成的栏目未渲染，未检查",
	},
	Connectivity: {
		"":                 "首页连通性",
		"down":             "首页无法访问",
		"probe-failed":     "首页访问失败",
		"slow":             "首页访问慢",
		"https-error":      "HTTPS 配置错误",
		"no-https":         "未提供 HTTPS",
		"cert-expired":     "HTTPS 证书已过期",
		"cert-expiring":    "HTTPS 证书即将过期",
		"no-ipv6":          "未支持 IPv6",
		"ipv6-unreachable": "IPv6 无法访问",
	},
	Attachment: {
		"":                      "附件无法读取",
		"attachment-unreadable": "附件无法读取，未检查",
		"attachment-truncated":  "附件只检查了一部分",
	},
}

// KindLabel names a finding's kind in Chinese: the label of its finding
// name (check) and kind, the finding name's default label for a kind not
// listed, or the kind itself for a finding name this version does not
// know (a report written by a later version).
func KindLabel(check, kind string) string {
	byKind, ok := kindLabels[check]
	if !ok {
		return kind
	}
	if l, ok := byKind[kind]; ok {
		return l
	}
	return byKind[""]
}

// KindLabels returns the labels of one finding name's kinds, for tests and
// documentation; "" is the default label.
func KindLabels(check string) map[string]string {
	out := map[string]string{}
	for k, v := range kindLabels[check] {
		out[k] = v
	}
	return out
}
