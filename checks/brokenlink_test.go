package checks

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
)

func TestBrokenLinkFindings(t *testing.T) {
	home := "http://www.example.gov.cn/"
	inner := "http://www.example.gov.cn/xwdt/"
	fail := func(target string, kind crawler.LinkKind, o crawler.Outcome, refs ...crawler.Ref) crawler.Failure {
		return crawler.Failure{URL: target, Kind: kind, Outcome: o, Refs: refs, TotalRefs: len(refs)}
	}
	homeRef := crawler.Ref{Page: home, Text: "专题", Tag: "a", Home: true}
	innerRef := crawler.Ref{Page: inner, Text: "附件", Tag: "a"}
	for _, tc := range []struct {
		name    string
		failure crawler.Failure
		want    []string // severity|certainty|message fragment, one per finding
	}{
		{"404-on-homepage", fail("http://www.example.gov.cn/a.html", crawler.KindPage, crawler.Outcome{Status: 404, Class: crawler.ClassNotFound, Attempts: 1}, homeRef),
			[]string{"high|confirmed|首页不可用链接：链接失效（404 页面不存在）"}},
		{"404-image-elsewhere", fail("http://www.example.gov.cn/a.jpg", crawler.KindImage, crawler.Outcome{Status: 404, Class: crawler.ClassNotFound, Attempts: 1}, innerRef),
			[]string{"medium|confirmed|其他页面不可用链接：图片失效"}},
		{"attachment-on-two-pages", fail("http://www.example.gov.cn/a.xls", crawler.KindAttachment, crawler.Outcome{Status: 410, Class: crawler.ClassGone, Attempts: 1}, homeRef, innerRef),
			[]string{"high|confirmed|首页不可用链接：附件失效（410 内容已删除）", "medium|confirmed|其他页面不可用链接：附件失效"}},
		{"timeout-retries-disagree", fail("http://slow.example.gov.cn/", crawler.KindPage, crawler.Outcome{Class: crawler.ClassTimeout, Attempts: 4, Agree: false}, innerRef),
			[]string{"low|suspected|疑似其他页面不可用链接：连接超时"}},
		{"timeout-retries-agree", fail("http://slow.example.gov.cn/", crawler.KindPage, crawler.Outcome{Class: crawler.ClassTimeout, Attempts: 4, Agree: true}, homeRef),
			[]string{"high|confirmed|首页不可用链接：连接超时"}},
		{"403-single-attempt-suspected", fail("http://waf.example.com/", crawler.KindPage, crawler.Outcome{Status: 403, Class: crawler.ClassForbidden, Attempts: 1, Agree: true}, homeRef),
			[]string{"medium|suspected|疑似首页不可用链接：链接失效（403 禁止访问）"}},
		{"private-address", fail("http://10.0.0.1/", crawler.KindPage, crawler.Outcome{Class: crawler.ClassPrivate, Attempts: 1}, innerRef),
			[]string{"low|confirmed|指向内网或本机地址"}},
		{"soft-404", fail("http://www.example.gov.cn/d.html", crawler.KindPage, crawler.Outcome{Status: 200, Class: crawler.ClassSoft404, Attempts: 1}, innerRef),
			[]string{"low|suspected|软 404"}},
		{"homepage-itself", fail(home, crawler.KindPage, crawler.Outcome{Class: crawler.ClassRefused, Attempts: 4, Agree: true}),
			[]string{"high|confirmed|首页失效：首页无法打开（连接被拒绝）"}},
		{"unreferenced-non-home-skipped", fail("http://www.example.gov.cn/x", crawler.KindPage, crawler.Outcome{Status: 404, Class: crawler.ClassNotFound, Attempts: 1}),
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := url.Parse(home)
			list, _ := Build([]string{"broken-link"}, Deps{Config: config.Default()})
			res, err := list[0].(Finisher).Finish(context.Background(), &Site{Name: "test", Home: u}, &crawler.Result{Failures: []crawler.Failure{tc.failure}})
			if err != nil {
				t.Fatal(err)
			}
			fs := res.Findings
			if len(fs) != len(tc.want) {
				t.Fatalf("%d findings, want %d: %+v", len(fs), len(tc.want), fs)
			}
			for i, w := range tc.want {
				parts := strings.SplitN(w, "|", 3)
				f := fs[i]
				if string(f.Severity) != parts[0] || string(f.Certainty) != parts[1] || !strings.Contains(f.Message, parts[2]) {
					t.Errorf("finding %d = %s|%s|%s, want %s", i, f.Severity, f.Certainty, f.Message, w)
				}
				if f.Target != tc.failure.URL || f.Kind != tc.failure.Outcome.Class || f.Check != "broken-link" {
					t.Errorf("finding %d fields: %+v", i, f)
				}
			}
		})
	}
}

func TestBrokenLinkTruncatedRefsSaySo(t *testing.T) {
	u, _ := url.Parse("http://x.gov.cn/")
	crawl := &crawler.Result{Failures: []crawler.Failure{{
		URL: "http://x.gov.cn/a", Kind: crawler.KindPage, TotalRefs: 500,
		Outcome: crawler.Outcome{Status: 404, Class: crawler.ClassNotFound, Attempts: 1},
		Refs:    []crawler.Ref{{Page: "http://x.gov.cn/1"}, {Page: "http://x.gov.cn/2"}},
	}}}
	list, _ := Build([]string{"broken-link"}, Deps{Config: config.Default()})
	res, _ := list[0].(Finisher).Finish(context.Background(), &Site{Name: "t", Home: u}, crawl)
	fs := res.Findings
	if len(fs) != 2 || !strings.Contains(fs[0].Evidence, "共 500 个页面含此链接，仅列出 2 个") {
		t.Errorf("findings %+v", fs)
	}
}

func TestRegistry(t *testing.T) {
	names := catalog.Names()
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults do not validate against the registry: %v", err)
	}
	packs, err := cfg.Content.LoadPacks(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := Build(names, Deps{Config: cfg, Packs: packs})
	if err != nil || len(list) != len(names) {
		t.Fatalf("Build(all) = %d checks, %v", len(list), err)
	}
	for i, c := range list {
		if c.Name() != names[i] || catalog.Title(c.Name()) == c.Name() {
			t.Errorf("check %q: title %q", c.Name(), catalog.Title(c.Name()))
		}
	}
	if _, err := Build([]string{"nope"}, Deps{Config: cfg}); err == nil {
		t.Error("unknown check built")
	}
}
