package checks

import (
	"context"
	"fmt"
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
}

var _ Finisher = (*brokenLink)(nil)

func newBrokenLink(d Deps) (Check, error) { return &brokenLink{cfg: d.Config.Checks.BrokenLink}, nil }

func (b *brokenLink) Name() string { return catalog.BrokenLink }

// Finish turns the crawl's failures into findings, one per referring place.
func (b *brokenLink) Finish(_ context.Context, s *Site, res *crawler.Result) (Result, error) {
	home := s.Home.String()
	var out []finding.Finding
	for _, f := range res.Failures {
		if len(f.Refs) == 0 {
			if f.URL == home {
				out = append(out, b.finding(f, crawler.Ref{Page: home, Home: true}, true))
			}
			continue
		}
		for _, ref := range f.Refs {
			out = append(out, b.finding(f, ref, false))
		}
	}
	return Result{Findings: out}, nil
}

func (b *brokenLink) finding(f crawler.Failure, ref crawler.Ref, isHome bool) finding.Finding {
	o := f.Outcome
	cert := finding.Suspected
	if o.Confirmed() {
		cert = finding.Confirmed
	}
	sev := severity(ref.Home, cert, o.Class)
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
