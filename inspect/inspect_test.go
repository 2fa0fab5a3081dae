package inspect

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/render"
	"github.com/xunjian/xunjian/sampleportal"
)

// portalConfig is the demo's configuration with faster probes.
func portalConfig(p *sampleportal.Portal) config.Config {
	c := p.Config()
	c.Crawl.Rate = 500
	c.Crawl.RetryBackoff = config.Duration(50 * time.Millisecond)
	c.Checks.Connectivity.Interval = config.Duration(50 * time.Millisecond)
	return c
}

func key(f sampleportal.Finding) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s", f.Check, f.Kind, f.Page, f.Target, f.Severity)
}

func TestSamplePortalExactFindings(t *testing.T) {
	ctx := context.Background()
	p, err := sampleportal.Start(ctx, sampleportal.Options{Slow: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := portalConfig(p)
	rep, err := Run(ctx, Options{Config: cfg, Site: cfg.Sites[0], TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete {
		t.Errorf("report incomplete: %v", rep.Incomplete)
	}
	var got, want []string
	for _, f := range rep.Findings {
		got = append(got, key(sampleportal.Finding{Check: f.Check, Kind: f.Kind, Page: f.Page, Target: f.Target, Severity: string(f.Severity)}))
	}
	for _, f := range p.Expected(haveBrowser(t)) {
		want = append(want, key(f))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	byTarget := map[string]finding.Finding{}
	ids := map[string]bool{}
	for _, f := range rep.Findings {
		byTarget[f.Target+"|"+f.Page] = f
		if ids[f.ID] {
			t.Errorf("duplicate id %s", f.ID)
		}
		ids[f.ID] = true
	}
	base := strings.TrimSuffix(p.URL, "/")
	t.Run("gbk-anchor-text", func(t *testing.T) {
		f := byTarget[base+"/zcwj/2020/zcjd.html|"+base+"/zcwj/"]
		if f.Anchor != "关于印发《示例县耕地保护实施办法》的通知" {
			t.Errorf("anchor from the GBK page = %q", f.Anchor)
		}
	})
	t.Run("certainty", func(t *testing.T) {
		if f := byTarget[base+"/xwdt/2026/deleted.html|"+base+"/xwdt/"]; f.Certainty != finding.Suspected {
			t.Errorf("soft 404 certainty %q, want suspected", f.Certainty)
		}
		if f := byTarget[base+"/xwdt/2023/old-article.html|"+p.URL]; f.Certainty != finding.Confirmed || !strings.Contains(f.Message, "首页不可用链接") {
			t.Errorf("homepage 404: %+v", f)
		}
	})
	t.Run("each-target-requested-once", func(t *testing.T) {
		// The broken banner is on two pages: one HEAD request, two findings.
		if n := p.Hits("/images/banner-2019.jpg"); n != 1 {
			t.Errorf("banner requested %d times, want 1", n)
		}
		if n := p.Hits("/search.do"); n != 0 {
			t.Errorf("form action requested %d times, want 0", n)
		}
		// Attachments are read by the content checks: one GET, no HEAD.
		if n := p.Hits("/download/guide.pdf"); n != 1 {
			t.Errorf("guide.pdf requested %d times, want 1", n)
		}
		if n := p.Hits("/uploads/2026/dibao.xlsx"); n != 1 {
			t.Errorf("dibao.xlsx requested %d times, want 1", n)
		}
	})
	t.Run("privacy-masked-everywhere", func(t *testing.T) {
		var buf strings.Builder
		for _, f := range rep.Findings {
			fmt.Fprintf(&buf, "%+v\n", f)
		}
		for _, id := range sampleportal.IDNumbers {
			if strings.Contains(buf.String(), id) {
				t.Errorf("report republishes %s", id)
			}
		}
		if strings.Contains(buf.String(), "13812345678") || strings.Contains(buf.String(), "13912345678") {
			t.Error("report republishes a mobile number")
		}
	})
	t.Run("attachment-findings-name-the-linking-page", func(t *testing.T) {
		f := byTarget[base+"/uploads/2026/gongshi.pdf|"+base+"/xwdt/2026/art2.html"]
		if f.Anchor != "附件：公示.pdf" || !strings.Contains(f.Message, "附件中泄露居民身份证号码") {
			t.Errorf("pdf finding %+v", f)
		}
	})
	t.Run("cms-zoo", func(t *testing.T) {
		// Each planted problem is reachable only through its platform's
		// shape (crawler/readers): exactly these findings, with the
		// evidence a webmaster needs.
		var got, want []string
		zoo := map[string]bool{}
		for _, f := range p.CMSZoo() {
			want = append(want, key(f))
			zoo[f.Page+"|"+f.Target] = true
		}
		for _, f := range rep.Findings {
			if zoo[f.Page+"|"+f.Target] {
				got = append(got, key(sampleportal.Finding{Check: f.Check, Kind: f.Kind, Page: f.Page, Target: f.Target, Severity: string(f.Severity)}))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("zoo findings\n got %q\nwant %q", got, want)
		}
		zooFinding := func(check, page string) finding.Finding {
			for _, f := range rep.Findings {
				if f.Check == check && f.Page == base+page {
					return f
				}
			}
			return finding.Finding{}
		}
		if f := zooFinding("broken-link", "/col/col1201/index.html"); f.Anchor != "关于第二批惠民项目的公示（已撤下）" || f.Details["tag"] != "hanweb:dataproxy" {
			t.Errorf("dataproxy broken link %+v", f)
		}
		if f := zooFinding("broken-link", "/zmhd/"); f.Anchor != "自动跳转" || f.Details["tag"] != "meta-refresh" {
			t.Errorf("meta refresh broken target %+v", f)
		}
		if f := zooFinding("stale-column", "/zfxxgk/"); f.Details["column"] != "政府信息公开" || f.Anchor != "示例县机构职能概况" {
			t.Errorf("framed column %+v", f)
		}
		// The page's own dataproxy POST, once; the gateway once; the
		// rate-limited gateway twice (429, then the file).
		for path, n := range map[string]int{"/module/web/jpage/dataproxy.jsp": 1, "/module/download/downfile.jsp": 1, "/download.do": 2, "/tpxw/more.json": 1} {
			if got := p.Hits(path); got != n {
				t.Errorf("%s requested %d times, want %d", path, got, n)
			}
		}
	})
	t.Run("connectivity-measured", func(t *testing.T) {
		m, ok := rep.Measurements["connectivity"]
		if !ok {
			t.Fatal("no connectivity measurements")
		}
		s := fmt.Sprintf("%+v", m)
		if !strings.Contains(s, "Status:200") {
			t.Errorf("probes lack status 200: %s", s)
		}
	})
	t.Run("stable-ids", func(t *testing.T) {
		rep2, err := Run(ctx, Options{Config: cfg, Site: cfg.Sites[0], TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep2.Findings {
			if !ids[f.ID] {
				t.Errorf("second run has new id %s for %s %s", f.ID, f.Kind, f.Target)
			}
		}
	})
}

func TestCancelledInspectionIsPartial(t *testing.T) {
	p, err := sampleportal.Start(context.Background(), sampleportal.Options{Slow: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := portalConfig(p)
	cfg.Crawl.Timeout = config.Duration(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	rep, err := Run(ctx, Options{Config: cfg, Site: cfg.Sites[0], TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Complete || len(rep.Incomplete) == 0 {
		t.Errorf("complete=%v incomplete=%v, want a partial report", rep.Complete, rep.Incomplete)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("cancel took %v to stop", d)
	}
}

// haveBrowser reports whether headless Chromium can run here; in CI, whose
// .ci/run installs it, it must.
func haveBrowser(t *testing.T) bool {
	if _, err := render.Find(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have Chromium: %v", err)
		}
		return false
	}
	return true
}
