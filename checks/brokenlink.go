package checks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/finding"
)

// brokenLink reports every unusable link, image and attachment on every page
// that carries it (page, anchor text, target, error class). The crawler
// requests each distinct target once; this check turns its failures into
// findings, homepage links ranked above others (首页不可用链接 vs 其他页面不可用链接).
type brokenLink struct {
	cfg catalog.BrokenLinkConfig
	// max is report.max_findings_per_check: past it, a target's pages are
	// one finding from the start (finding.Group would merge them anyway;
	// made one by one they would cost gigabytes first).
	max int
	// ua is the crawl's User-Agent: what a site's firewall must let in.
	ua string
}

var _ Finisher = (*brokenLink)(nil)

func newBrokenLink(d Deps) (Check, error) {
	return &brokenLink{cfg: d.Config.Checks.BrokenLink, max: d.Config.Report.MaxFindingsPerCheck, ua: d.Config.Crawl.UserAgent}, nil
}

func (b *brokenLink) Name() string { return catalog.BrokenLink }

// Finish turns the crawl's failures into findings, one per referring place.
func (b *brokenLink) Finish(_ context.Context, s *Site, res *crawler.Result) (Result, error) {
	home := s.Home.String()
	total := 0
	for _, f := range res.Failures {
		total += max(1, len(f.Refs))
	}
	grouped := b.max > 0 && total > b.max
	var out []finding.Finding
	for _, f := range res.Failures {
		if len(f.Refs) == 0 {
			if f.URL == home {
				out = append(out, b.finding(f, crawler.Ref{Page: home, Home: true}, true))
			}
			continue
		}
		if !grouped {
			for _, ref := range f.Refs {
				out = append(out, b.finding(f, ref, false))
			}
			continue
		}
		// The homepage's reference stays its own finding (it ranks higher
		// and the evaluation counts it); the other pages are one.
		var others []crawler.Ref
		for _, ref := range f.Refs {
			if ref.Home {
				out = append(out, b.finding(f, ref, false))
			} else {
				others = append(others, ref)
			}
		}
		if len(others) == 0 {
			continue
		}
		fd := b.finding(f, others[0], false)
		if n := f.TotalRefs - (len(f.Refs) - len(others)); n > 1 {
			var examples []string
			for _, r := range others[:min(len(others), 5)] {
				examples = append(examples, r.Page)
			}
			fd.Details["pages"], fd.Details["example_pages"] = n, examples
			fd.Message += fmt.Sprintf("（共 %d 个页面含此问题）", n)
		}
		out = append(out, fd)
	}
	for _, t := range res.Traps {
		out = append(out, trapFinding(t, home))
	}
	out = append(out, notChecked(res.NotChecked)...)
	out = append(out, b.firewalls(home, res.Blocked)...)
	var m map[string]any
	if len(res.Blocked) > 0 || len(res.Throttled) > 0 {
		m = map[string]any{"firewall": map[string]any{"blocked": res.Blocked, "throttled": res.Throttled}}
	}
	return Result{Findings: out, Measurements: m}, nil
}

// firewalls reports the firewalls that kept the inspection out: one
// finding for the site (its own hosts), saying by what, from which URL on,
// how much was not checked and what to whitelist, instead of a broken
// link per target; an external site's firewall is noted as not checked.
func (b *brokenLink) firewalls(home string, blocked []crawler.Blocked) []finding.Finding {
	var out []finding.Finding
	var own []crawler.Blocked
	for _, bl := range blocked {
		if bl.InScope {
			own = append(own, bl)
			continue
		}
		page := bl.FirstPage
		if page == "" {
			page = home
		}
		out = append(out, finding.Finding{
			Check: catalog.BrokenLink, Severity: finding.Info, Certainty: finding.Suspected, Kind: "firewall-external",
			Page: page, Target: bl.FirstURL,
			Message:  fmt.Sprintf("外部网站 %s 的防火墙（%s）拦截了检查，%d 个链接未检查（不能据此判定链接失效）", bl.Host, bl.Name, bl.Targets),
			Evidence: bl.Reason + "；" + strings.Join(bl.Evidence, "，"),
			Details:  map[string]any{"host": bl.Host, "vendor": bl.Vendor, "waf": bl.Name, "waf_kind": bl.Kind, "targets": bl.Targets, "examples": bl.Examples},
		})
	}
	if len(own) == 0 {
		return out
	}
	first := own[0]
	for _, bl := range own[1:] {
		if bl.At.Before(first.At) {
			first = bl
		}
	}
	total := 0
	var hosts, evidence, sources []string
	for _, bl := range own {
		total += bl.Targets
		hosts = append(hosts, bl.Host)
		evidence = append(evidence, fmt.Sprintf("%s：%s（%s）", bl.Host, bl.Reason, strings.Join(bl.Evidence, "，")))
		if bl.Source != "" && !slices.Contains(sources, bl.Source) {
			sources = append(sources, bl.Source)
		}
	}
	whitelist := fmt.Sprintf("请在网站防火墙中将巡检程序加入白名单：User-Agent「%s」", b.ua)
	if len(sources) > 0 {
		whitelist += fmt.Sprintf("，来源地址 %s（巡检机器的本机地址；经 NAT 或代理出网时以出口公网地址为准）", strings.Join(sources, "、"))
	}
	what := map[string]string{"challenge": "返回 JavaScript 验证页", "block": "返回拦截页", "storm": "开始拒绝访问"}[first.Kind]
	out = append(out, finding.Finding{
		Check: catalog.BrokenLink, Severity: finding.High, Certainty: finding.Confirmed, Kind: "firewall",
		Page: home, Target: first.FirstURL,
		Message: fmt.Sprintf("巡检被网站防火墙拦截：%s自 %s 起%s，%d 个页面和链接未能检查，本次报告不完整（这些地址不按失效链接报告）",
			first.Name, first.FirstURL, what, total),
		Evidence: strings.Join(evidence, "；") + "。" + whitelist,
		Details: map[string]any{
			"hosts": hosts, "vendor": first.Vendor, "waf": first.Name, "waf_kind": first.Kind, "first_url": first.FirstURL,
			"first_page": first.FirstPage, "first_at": first.At, "targets": total, "examples": first.Examples,
			"user_agent": b.ua, "source_addresses": sources,
		},
	})
	return out
}

// notChecked names the references the crawl did not request: unchecked
// is not passed.
func notChecked(list []crawler.NotChecked) []finding.Finding {
	var out []finding.Finding
	for _, n := range list {
		out = append(out, finding.Finding{
			Check: catalog.BrokenLink, Severity: finding.Info, Certainty: finding.Suspected, Kind: n.Reason,
			Page: n.Page, Target: n.URL,
			Message:  fmt.Sprintf("链接过长（%d 个字符，超过 crawl.max_url_length），未检查是否可用", n.Length),
			Evidence: "浏览器和服务器对超长地址的处理不一，常见于脚本拼接出错或被注入的链接；请人工确认",
			Details:  map[string]any{"length": n.Length, "reason": n.Reason},
		})
	}
	return out
}

var trapLabels = map[string]string{
	"similar-pages": "大量地址不同但内容几乎相同的页面（如地址中带会话号、随机路径）",
	"pattern":       "同一地址模式下的页面数达到上限（crawl.max_pages_per_pattern）",
	"chain":         "同一地址模式的页面逐页相连过长（如日历“下一天”，crawl.max_pattern_chain）",
}

// trapFinding tells the webmaster which part of the site the crawl
// stopped following, so nothing unchecked reads as passed.
func trapFinding(t crawler.Trap, home string) finding.Finding {
	page := t.Example
	if page == "" {
		page = home
	}
	return finding.Finding{
		Check: catalog.BrokenLink, Severity: finding.Info, Certainty: finding.Suspected, Kind: "crawler-trap", Page: page,
		Message:  fmt.Sprintf("疑似爬虫陷阱，已停止深入抓取（其余未检查）：%s", trapLabels[t.Reason]),
		Evidence: fmt.Sprintf("地址模式 %s：已抓取 %d 个页面，另有 %d 处链接未跟进", t.Pattern, t.Pages, t.Skipped),
		Details:  map[string]any{"reason": t.Reason, "pattern": t.Pattern, "pages": t.Pages, "skipped": t.Skipped},
	}
}

func (b *brokenLink) finding(f crawler.Failure, ref crawler.Ref, isHome bool) finding.Finding {
	o := f.Outcome
	cert := finding.Suspected
	if o.Confirmed() {
		cert = finding.Confirmed
	}
	sev := severity(ref.Home, cert, o.Class)
	throttled := o.Firewall != nil && o.Firewall.Kind == "rate-limit"
	if throttled {
		// Only ever "come back later": the site limits our pace, the
		// target may well be fine.
		cert, sev = finding.Suspected, finding.Low
		o.Class = crawler.ClassRateLimited
	}
	subtype := subtypeLabel(f.Kind, o.Class)
	where := "其他页面不可用链接"
	if ref.Home {
		where = "首页不可用链接"
	}
	if isHome {
		where, subtype = "首页失效", "首页无法打开"
		sev = finding.High
	}
	msg := fmt.Sprintf("%s：%s", where, subtype)
	if label := classLabel(o.Class); label != subtype {
		msg += "（" + label + "）"
	}
	if cert == finding.Suspected {
		msg = "疑似" + msg
	}
	if throttled {
		msg = fmt.Sprintf("疑似被限流：%s 每次请求都答复“请求过多，稍后再试”（HTTP %d），未能确认是否可用，不是确认的失效链接", f.URL, o.Status)
	}
	var ev []string
	if o.Status != 0 {
		ev = append(ev, fmt.Sprintf("HTTP %d", o.Status))
	}
	if o.Err != "" {
		ev = append(ev, "错误："+explain.Text(o.Err))
	}
	ev = append(ev, fmt.Sprintf("请求 %d 次", o.Attempts))
	if o.FinalURL != "" && o.FinalURL != f.URL {
		ev = append(ev, "最终地址："+o.FinalURL)
	}
	if f.TotalRefs > len(f.Refs) {
		ev = append(ev, fmt.Sprintf("共 %d 个页面含此链接，仅列出 %d 个", f.TotalRefs, len(f.Refs)))
	} else if f.TotalRefs > 1 {
		ev = append(ev, fmt.Sprintf("共 %d 个页面含此链接", f.TotalRefs))
	}
	details := map[string]any{"status": o.Status, "attempts": o.Attempts, "target_kind": f.Kind.String(), "pages_with_target": f.TotalRefs, "homepage": ref.Home}
	if ref.Tag != "" {
		details["tag"] = ref.Tag
	}
	if o.Err != "" {
		details["error"] = o.Err
	}
	return finding.Finding{
		Check: b.Name(), Severity: sev, Certainty: cert, Kind: o.Class,
		Page: ref.Page, Target: f.URL, Anchor: ref.Text,
		Message: msg, Evidence: strings.Join(ev, "；"), Details: details,
	}
}

// severity ranks a failure: homepage links above others, confirmed above
// suspected; a link into an intranet address is a design error, not an outage.
func severity(home bool, cert finding.Certainty, class string) finding.Severity {
	if class == crawler.ClassPrivate {
		if home {
			return finding.Medium
		}
		return finding.Low
	}
	switch {
	case home && cert == finding.Confirmed:
		return finding.High
	case home:
		return finding.Medium
	case cert == finding.Confirmed:
		return finding.Medium
	}
	return finding.Low
}

// subtypeLabel is the name users know from commercial monitors.
func subtypeLabel(kind crawler.LinkKind, class string) string {
	if class == crawler.ClassTimeout {
		return "连接超时"
	}
	switch kind {
	case crawler.KindImage:
		return "图片失效"
	case crawler.KindAttachment:
		return "附件失效"
	case crawler.KindScript, crawler.KindStyle:
		return "页面资源失效"
	case crawler.KindFrame, crawler.KindEmbed:
		return "嵌入内容失效"
	}
	return "链接失效"
}

// classLabel explains a failure class in Chinese.
func classLabel(class string) string {
	switch class {
	case crawler.ClassNotFound:
		return "404 页面不存在"
	case crawler.ClassGone:
		return "410 内容已删除"
	case crawler.ClassForbidden:
		return "403 禁止访问"
	case crawler.ClassRateLimited:
		return "429 请求过多"
	case crawler.ClassServerError:
		return "服务器错误 5xx"
	case crawler.ClassClientError:
		return "请求错误 4xx"
	case crawler.ClassTimeout:
		return "连接超时"
	case crawler.ClassDNS:
		return "域名无法解析"
	case crawler.ClassRefused:
		return "连接被拒绝"
	case crawler.ClassReset:
		return "连接被重置"
	case crawler.ClassTLS:
		return "证书或 TLS 错误"
	case crawler.ClassRedirectLoop:
		return "重定向循环"
	case crawler.ClassTooManyRedirects:
		return "重定向次数过多"
	case crawler.ClassPrivate:
		return "指向内网或本机地址，公众无法访问"
	case crawler.ClassSoft404:
		return "页面内容为“页面不存在”（软 404）"
	case crawler.ClassNetwork:
		return "网络错误"
	case "":
		return "正常"
	}
	return class
}
