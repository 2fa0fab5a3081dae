package inspect

import (
	"context"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
)

const home = "http://www.example.gov.cn/"

func TestMergeViews(t *testing.T) {
	spam := "http://spam.example.com/a.html"
	for _, tc := range []struct {
		name string
		in   []finding.Finding
		// want lists check/kind/severity/certainty of what remains.
		want []string
		// also names a details key the first remaining finding must have.
		also string
	}{
		{
			name: "outage-is-one-finding",
			in: []finding.Finding{
				{Check: "connectivity", Kind: "down", Severity: finding.High, Certainty: finding.Confirmed, Page: home, Target: home},
				{Check: "broken-link", Kind: "refused", Severity: finding.High, Certainty: finding.Confirmed, Page: home, Target: home, Message: "首页失效"},
			},
			want: []string{"connectivity/down/high/confirmed"},
			also: "also_broken_link",
		},
		{
			name: "homepage-link-is-not-the-outage",
			in: []finding.Finding{
				{Check: "connectivity", Kind: "down", Severity: finding.High, Page: home, Target: home},
				{Check: "broken-link", Kind: "not-found", Severity: finding.High, Page: home, Target: home + "old.html"},
			},
			want: []string{"connectivity/down/high/", "broken-link/not-found/high/"},
		},
		{
			name: "hidden-link-to-bad-content",
			in: []finding.Finding{
				{Check: "dark-link", Kind: "display-none", Severity: finding.High, Certainty: finding.Suspected, Page: home, Target: spam, Message: "疑似暗链：隐藏的外部链接（display:none 隐藏）"},
				{Check: "external-link", Kind: "bad-content", Severity: finding.High, Certainty: finding.Confirmed, Page: home, Target: spam, Details: map[string]any{"word": "澳门博彩"}},
			},
			want: []string{"dark-link/display-none/critical/confirmed"},
			also: "also_external_link",
		},
		{
			name: "visible-link-to-bad-content-stays",
			in: []finding.Finding{
				{Check: "dark-link", Kind: "display-none", Severity: finding.High, Certainty: finding.Suspected, Page: home, Target: spam},
				{Check: "external-link", Kind: "bad-content", Severity: finding.High, Page: home, Target: "http://spam.example.com/other.html"},
			},
			want: []string{"dark-link/display-none/high/suspected", "external-link/bad-content/high/"},
		},
		{
			name: "word-only-in-hidden-link",
			in: []finding.Finding{
				{Check: "dark-link", Kind: "display-none", Severity: finding.Critical, Certainty: finding.Confirmed, Page: home, Target: spam, Match: "澳门博彩"},
				{Check: "sensitive-word", Kind: "gambling", Severity: finding.High, Page: home, Match: "澳门博彩", Details: map[string]any{"word": "澳门博彩", "count": 1}},
			},
			want: []string{"dark-link/display-none/critical/confirmed"},
			also: "also_sensitive_word",
		},
		{
			name: "word-also-in-visible-text-stays",
			in: []finding.Finding{
				{Check: "dark-link", Kind: "display-none", Severity: finding.Critical, Certainty: finding.Confirmed, Page: home, Target: spam, Match: "澳门博彩"},
				{Check: "sensitive-word", Kind: "gambling", Severity: finding.High, Page: home, Match: "澳门博彩", Details: map[string]any{"word": "澳门博彩", "count": 3}},
			},
			want: []string{"dark-link/display-none/critical/confirmed", "sensitive-word/gambling/high/"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := mergeViews(tc.in, home)
			var got []string
			for _, f := range out {
				got = append(got, f.Check+"/"+f.Kind+"/"+string(f.Severity)+"/"+string(f.Certainty))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if tc.also != "" && out[0].Details[tc.also] == nil {
				t.Errorf("the other check's view %s is not kept: %v", tc.also, out[0].Details)
			}
			for _, f := range out {
				if strings.Contains(f.Message, "疑似") && f.Certainty == finding.Confirmed {
					t.Errorf("confirmed finding says 疑似: %s", f.Message)
				}
			}
		})
	}
}

// TestSettleInterrupted: a run interrupted after its crawl is incomplete,
// drops the failures the cancellation caused, and says which checks were
// cut short, in Chinese.
func TestSettleInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := &finding.Report{Site: home, Complete: true, Findings: []finding.Finding{
		{Check: "dark-link", Kind: "render-failed", Page: home, Evidence: "render http://www.example.gov.cn/: context canceled"},
		{Check: "dark-link", Kind: "render-failed", Page: home + "a.html", Details: map[string]any{"error": "context canceled"}},
		{Check: "broken-link", Kind: "not-found", Page: home, Target: home + "x.html"},
	}}
	res := &crawler.Result{Complete: true}
	res.Stats.Pages = 3
	in := settle(ctx, rep, res, map[string]string{"connectivity": "connectivity: context canceled"})
	if rep.Complete || len(rep.Findings) != 1 || rep.Findings[0].Kind != "not-found" {
		t.Errorf("complete=%v findings=%+v", rep.Complete, rep.Findings)
	}
	all := strings.Join(rep.Incomplete, "；")
	if !strings.Contains(all, "巡检被中断") || !strings.Contains(all, "“首页连通性”因巡检中断未完成") || strings.Contains(all, "context") {
		t.Errorf("incomplete = %q", all)
	}
	if in.Partial == "" || in.NoContent != "" {
		t.Errorf("inputs %+v, want partial content", in)
	}
}

// TestSettleHomepageDown: nothing read, said in Chinese.
func TestSettleHomepageDown(t *testing.T) {
	rep := &finding.Report{Site: home, Complete: true}
	res := &crawler.Result{Complete: true, Home: crawler.Outcome{Class: crawler.ClassDNS, Err: `Get "http://www.example.gov.cn/": dial tcp: lookup www.example.gov.cn: no such host`}}
	in := settle(context.Background(), rep, res, nil)
	if rep.Complete || !strings.Contains(in.NoContent, "域名无法解析") || strings.Contains(in.NoContent, "lookup") {
		t.Errorf("complete=%v no content=%q", rep.Complete, in.NoContent)
	}
}
