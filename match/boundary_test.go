package match

import (
	"strings"
	"testing"
)

func TestStraddles(t *testing.T) {
	for _, tc := range []struct {
		name, text, word string
		want             bool
	}{
		{"producer-services", "加快发展生产性服务业", "性服务", true},
		{"institutional-cost", "降低制度性交易成本", "性交", true},
		{"uyghur", "新疆维吾尔自治区人民政府", "维吾", true},
		{"work-patriot", "做好工作爱国爱家", "作爱", true},
		{"health-sports", "教育卫生体育事业", "生体", true},
		{"severe-work", "形势严峻工作繁重", "峻工", true},
		{"casino-url", "最新澳门博彩网址", "澳门博彩", false},
		{"casino-plain", "点击进入澳门博彩官方网站", "博彩", false},
		{"sex-trade", "提供同城性交易服务", "性交易", false},
		{"spaced-spam", "澳 门 博 彩 官 网", "澳 门 博 彩", false},
		{"porn-title", "成人网站免费观看", "成人网站", false},
		{"sentence-start", "博彩网址大全", "博彩", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := strings.Index(tc.text, tc.word)
			if got := Words().Straddles([]byte(tc.text), i, i+len(tc.word)); got != tc.want {
				t.Errorf("Straddles(%q in %q) = %v, want %v", tc.word, tc.text, got, tc.want)
			}
		})
	}
}

func FuzzFindAllWords(f *testing.F) {
	m, err := BuildWith([]string{"澳门博彩", "性服务", "维吾", "sex", "博cai"}, Options{Words: Words()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("澳(ao)门（men）博(bo)彩(cai) 生产性服务业 新疆维吾尔"))
	f.Add([]byte("澳(\xff)门(aoaoaoaoaoao)博(1)彩("))
	f.Add([]byte("博❤️cai，性。服务"))
	f.Fuzz(func(t *testing.T, text []byte) {
		for _, x := range m.FindAll(text) {
			if x.Start < 0 || x.End > len(text) || x.Start >= x.End {
				t.Fatalf("bad match %+v in %d bytes", x, len(text))
			}
		}
	})
}
