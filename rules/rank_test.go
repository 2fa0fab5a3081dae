package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/finding"
)

// A third-party lexicon loaded on top of the built-in packs: what each kind
// of entry becomes.
func TestUserWordRanking(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lexicon.txt")
	lines := []string{
		"500", "６．４", "1978年", "12月26日", "25周年", // numbers and dates: skipped
		"专/业", "有关部门", "全国人民代表大会", "为人民服务", "中国梦", "反分裂", "维稳", "文化大革命**", "CPC", "六四事件", // ordinary: low
		"澳门博彩网址大全", "约炮群", // contain built-in words: take their category
		"赌场网址", "裸聊室", "H1N1", "info", "法轮大法好好", // kept (spam vocabulary, codes, Latin words) or inherited
		"国家安全\tcustom\thigh", // a severity of its own
		"百家乐娱乐\tcustom",      // a category of its own: not inherited
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	p, err := Content{Builtin: true}.LoadPacks([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range p.Words {
		if e.Pack == "lexicon.txt" {
			got[e.Word] = e.Category + "/" + string(e.Severity)
		}
	}
	for _, tc := range []struct{ word, want string }{
		{"500", ""}, {"６．４", ""}, {"1978年", ""}, {"12月26日", ""}, {"25周年", ""},
		{"专/业", "custom/low"}, {"有关部门", "custom/low"}, {"全国人民代表大会", "custom/low"}, {"为人民服务", "custom/low"},
		{"中国梦", "custom/low"}, {"反分裂", "custom/low"}, {"维稳", "custom/low"}, {"文化大革命**", "custom/low"},
		{"info", "custom/medium"}, {"CPC", "custom/low"}, {"六四事件", "custom/low"},
		{"澳门博彩网址大全", "gambling/high"}, {"约炮群", "porn/high"},
		{"赌场网址", "custom/medium"}, {"裸聊室", "porn/high"}, {"H1N1", "custom/medium"},
		{"法轮大法好好", "cult/critical"},
		{"国家安全", "custom/high"}, {"百家乐娱乐", "custom/medium"},
	} {
		if got[tc.word] != tc.want {
			t.Errorf("%s: %q, want %q", tc.word, got[tc.word], tc.want)
		}
	}
	var skipped, ordinary, inherited bool
	for _, w := range p.Warnings {
		skipped = skipped || strings.Contains(w, "第 1 行：“500”只是数字或日期")
		ordinary = ordinary || strings.Contains(w, "lexicon.txt：10 条是普通词语或短语")
		inherited = inherited || strings.Contains(w, "lexicon.txt：4 条没有类别的词含内置词")
	}
	if !skipped || !ordinary || !inherited {
		t.Errorf("warnings do not say what happened: %q", p.Warnings)
	}
	if finding.Low.Rank() >= finding.Medium.Rank() {
		t.Fatal("severity order")
	}
}
