package catalog

import (
	"testing"

	"github.com/xunjian/xunjian/finding"
)

func TestFix(t *testing.T) {
	for _, tc := range []struct {
		name      string
		f         finding.Finding
		kind, fix string
	}{
		{"broken-link-404", finding.Finding{Check: "broken-link", Kind: "not-found"}, "页面不存在（404）", "删除该链接，或替换为正确的地址"},
		{"broken-link-unknown-kind", finding.Finding{Check: "broken-link", Kind: "teapot"}, "链接不可用", "删除该链接，或替换为可用的地址"},
		{"typo", finding.Finding{Check: "typo", Kind: "typo", Details: map[string]any{"wrong": "截止", "right": "截至"}}, "疑似错别字", "替换为“截至”后重新发布"},
		{"serious", finding.Finding{Check: "typo", Kind: "serious", Details: map[string]any{"wrong": "中华人民共合国", "right": "中华人民共和国"}},
			"严重表述错误", "立即将“中华人民共合国”替换为“中华人民共和国”后重新发布"},
		{"privacy-attachment", finding.Finding{Check: "privacy", Kind: "id-card", Details: map[string]any{"where": "attachment"}},
			"居民身份证号码", "撤下该附件，打码后重新发布（如 532627********1234）"},
		{"privacy-page", finding.Finding{Check: "privacy", Kind: "mobile", Details: map[string]any{"where": "body"}}, "手机号码", "撤下该页面，打码后重新发布（如 138****5678）"},
		{"stale-column", finding.Finding{Check: "stale-column", Kind: "stale", Details: map[string]any{"column": "工作动态"}}, "栏目超期未更新", "更新栏目“工作动态”，或按规定撤并该栏目"},
		{"sensitive-word-from-match", finding.Finding{Check: "sensitive-word", Kind: "gambling", Match: "澳门博彩"}, "敏感词（赌博）", "核实后删除含“澳门博彩”的内容；属正常表述的标记忽略"},
		{"missing-detail", finding.Finding{Check: "blank-column", Kind: "blank"}, "空白栏目", "为栏目补充内容，或撤并该栏目"},
		{"hostile-detail", finding.Finding{Check: "blank-column", Kind: "blank", Details: map[string]any{"column": "栏\x1b[2J目"}}, "空白栏目", "为栏目“栏[2J目”补充内容，或撤并该栏目"},
		{"dark-link", finding.Finding{Check: "dark-link", Kind: "display-none"}, "暗链（display:none 隐藏）", "删除该链接及隐藏它的元素（见 HTML 片段），并排查篡改来源"},
		{"unknown-check", finding.Finding{Check: "future-check", Kind: "x"}, "x", "按问题说明整改"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindLabel(tc.f); got != tc.kind {
				t.Errorf("KindLabel = %q, want %q", got, tc.kind)
			}
			if got := Fix(tc.f); got != tc.fix {
				t.Errorf("Fix = %q, want %q", got, tc.fix)
			}
		})
	}
}

// TestRemediesOneLine: every remedy names the kind and fits on one line.
func TestRemediesOneLine(t *testing.T) {
	for check, byKind := range remedies {
		for kind, r := range byKind {
			if r.kind == "" || r.fix == "" || len([]rune(r.fix)) > 60 {
				t.Errorf("%s/%s: remedy %+v is empty or longer than one line", check, kind, r)
			}
		}
	}
}

// TestEveryFindingNameHasADefault: a finding of any registered check, of a
// kind this table does not list, still gets a name and a fix.
func TestEveryFindingNameHasADefault(t *testing.T) {
	for _, c := range All() {
		for _, n := range c.FindingNames() {
			if _, ok := remedies[n][""]; !ok {
				t.Errorf("%s has no default remedy", n)
			}
		}
	}
	if _, ok := remedies[Attachment][""]; !ok {
		t.Errorf("%s has no default remedy", Attachment)
	}
}
