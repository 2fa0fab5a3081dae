package checks

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/crawler/readers"
	"github.com/xunjian/xunjian/evaluate"
	"github.com/xunjian/xunjian/finding"
)

func TestFirewallFindings(t *testing.T) {
	home := "http://www.example.gov.cn/"
	u, _ := url.Parse(home)
	at := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	crawl := &crawler.Result{
		Failures: []crawler.Failure{{
			URL: "http://www.example.gov.cn/zxft/", Kind: crawler.KindPage, TotalRefs: 1,
			Outcome: crawler.Outcome{Status: 429, Class: crawler.ClassRateLimited, Attempts: 4, Agree: true, Firewall: &readers.Firewall{Kind: "rate-limit", Name: "访问频率限制"}},
			Refs:    []crawler.Ref{{Page: home, Text: "在线访谈", Home: true}},
		}},
		Blocked: []crawler.Blocked{
			{Host: "www.example.gov.cn", InScope: true, Vendor: "ruishu", Name: "瑞数", Kind: "challenge", Reason: "瑞数动态防护返回了 JavaScript 验证页",
				Evidence: []string{"HTTP 412", "$_ts 挑战脚本"}, FirstURL: "http://www.example.gov.cn/hdjl/", FirstPage: home, At: at.Add(time.Second), Targets: 31, Source: "10.1.2.3"},
			{Host: "img.example.gov.cn", InScope: true, Name: "未知防火墙或访问控制", Kind: "storm", Reason: "开始拒绝访问", FirstURL: "http://img.example.gov.cn/a.png", At: at, Targets: 4, Source: "10.1.2.3"},
			{Host: "www.example.com", Vendor: "jiasule", Name: "加速乐", Kind: "challenge", Reason: "加速乐", FirstURL: "http://www.example.com/", FirstPage: home + "links.html", Targets: 2},
		},
		Throttled: map[string]int{"www.example.gov.cn": 4},
	}
	cfg := config.Default()
	list, _ := Build([]string{catalog.BrokenLink}, Deps{Config: cfg})
	res, err := list[0].(Finisher).Finish(context.Background(), &Site{Name: "t", Home: u}, crawl)
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string][]finding.Finding{}
	for _, f := range res.Findings {
		byKind[f.Kind] = append(byKind[f.Kind], f)
	}
	if len(res.Findings) != 3 {
		t.Fatalf("%d findings, want 3 (throttled, the site's firewall, the external one): %+v", len(res.Findings), res.Findings)
	}
	th := byKind["rate-limited"]
	if len(th) != 1 || th[0].Severity != finding.Low || th[0].Certainty != finding.Suspected || !strings.Contains(th[0].Message, "疑似被限流") {
		t.Errorf("throttled target: %+v", th)
	}
	fw := byKind["firewall"]
	if len(fw) != 1 {
		t.Fatalf("site firewall findings: %+v", fw)
	}
	f := fw[0]
	// The first in time names the start: the storm on img began first.
	for _, want := range []string{"巡检被网站防火墙拦截", "http://img.example.gov.cn/a.png", "35 个页面和链接未能检查", "报告不完整"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message %q lacks %q", f.Message, want)
		}
	}
	for _, want := range []string{"瑞数", "HTTP 412", "User-Agent「" + cfg.Crawl.UserAgent + "」", "来源地址 10.1.2.3"} {
		if !strings.Contains(f.Evidence, want) {
			t.Errorf("evidence %q lacks %q", f.Evidence, want)
		}
	}
	if f.Severity != finding.High || f.Page != home || f.Target != "http://img.example.gov.cn/a.png" {
		t.Errorf("firewall finding %+v", f)
	}
	ext := byKind["firewall-external"]
	if len(ext) != 1 || ext[0].Severity != finding.Info || ext[0].Page != home+"links.html" || !strings.Contains(ext[0].Message, "加速乐") {
		t.Errorf("external firewall: %+v", ext)
	}
	// A firewall is not a broken link: no deduction counts it.
	rep := &finding.Report{Checks: []string{catalog.BrokenLink}, Findings: res.Findings}
	ev := evaluate.Of(rep, cfg.Evaluation.Deductions, evaluate.Inputs{})
	for _, d := range ev.Deductions {
		if d.Count > 0 {
			t.Errorf("deduction %s counts %d", d.Item, d.Count)
		}
	}
	if m, ok := res.Measurements["firewall"].(map[string]any); !ok || m["blocked"] == nil {
		t.Errorf("measurements %v", res.Measurements)
	}
}

func TestNotCheckedAreNamed(t *testing.T) {
	u, _ := url.Parse("http://x.gov.cn/")
	crawl := &crawler.Result{NotChecked: []crawler.NotChecked{{URL: "http://x.gov.cn/" + strings.Repeat("a", 512) + "…", Length: 5000, Page: "http://x.gov.cn/p.html", Reason: "url-too-long"}}}
	list, _ := Build([]string{catalog.BrokenLink}, Deps{Config: config.Default()})
	res, _ := list[0].(Finisher).Finish(context.Background(), &Site{Name: "t", Home: u}, crawl)
	if len(res.Findings) != 1 || res.Findings[0].Kind != "url-too-long" || res.Findings[0].Page != "http://x.gov.cn/p.html" ||
		!strings.Contains(res.Findings[0].Message, "5000 个字符") || res.Findings[0].Severity != finding.Info {
		t.Errorf("findings %+v", res.Findings)
	}
}
