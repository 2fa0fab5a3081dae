package match

import (
	"strings"
	"testing"

	"github.com/go-ego/gse"
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

// loadLexiconMaps is the lexicon as it was read before its tables were
// built directly: the reference TestLexiconTablesAsMaps holds them to.
func loadLexiconMaps() (map[uint64]uint16, map[string]uint8) {
	short := make(map[uint64]uint16, 240_000)
	long := make(map[string]uint8, 80_000)
	src := gse.ZhIdf
	for len(src) > 0 {
		line := src
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = ""
		}
		word, idf, ok := strings.Cut(strings.TrimSpace(line), " ")
		rs := []rune(word)
		if !ok || len(rs) == 0 || len(rs) > maxLexWord {
			continue
		}
		v, ok := tenths(idf)
		if !ok {
			continue
		}
		c := uint8(min(250, v))
		if k, ok := packRunes(rs); ok {
			short[k] = short[k]&hasLonger | isWord | uint16(c)
		} else {
			long[word] = c
		}
		for n := 1; n < len(rs) && n <= 3; n++ {
			k, _ := packRunes(rs[:n])
			short[k] |= hasLonger
		}
	}
	return short, long
}

func TestLexiconTablesAsMaps(t *testing.T) {
	short, long := loadLexicon()
	wantShort, wantLong := loadLexiconMaps()
	if short.count != len(wantShort) || long.count != len(wantLong) {
		t.Fatalf("%d short and %d long keys, want %d and %d", short.count, long.count, len(wantShort), len(wantLong))
	}
	for k, v := range wantShort {
		if got := short.get(k); got != v {
			t.Fatalf("short %x: %x, want %x", k, got, v)
		}
	}
	for w, c := range wantLong {
		if got, ok := long.get([]rune(w)); !ok || got != c {
			t.Fatalf("long %q: %d %v, want %d", w, got, ok, c)
		}
	}
	for _, w := range []string{"不是一个词语", "政府网站建设", "\ufffd\ufffd\ufffd\ufffd", "abcd"} {
		_, ok := long.get([]rune(w))
		if _, want := wantLong[w]; ok != want {
			t.Errorf("long %q: %v, want %v", w, ok, want)
		}
	}
}
