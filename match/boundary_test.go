package match

import (
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/go-ego/gse"

	"github.com/xunjian/xunjian/internal/rodata"
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

// packRunes packs 1 to 3 runes, 21 bits each, into a key (runes are never
// 0, so keys of different lengths differ): the former tables' keys.
func packRunes(rs []rune) (uint64, bool) {
	if len(rs) == 0 || len(rs) > 3 {
		return 0, false
	}
	var k uint64
	for _, r := range rs {
		k = k<<21 | uint64(r)
	}
	return k, true
}

// The former tables' flags: the key is a word; words longer than the key
// start with it.
const (
	isWord    = 1 << 8
	hasLonger = 1 << 9
)

// rowFromMaps is wordTable.row as it read the former tables (built like
// loadLexiconMaps): words of up to 3 runes and prefixes by packed key, a
// prefix no word extends ending the search, longer words by their text.
func rowFromMaps(short map[uint64]uint16, long map[string]uint8, rs []rune) [maxLexWord + 1]int16 {
	var row [maxLexWord + 1]int16
	for k := range row {
		row[k] = -1
	}
	for k := 1; k <= maxLexWord && k <= len(rs); k++ {
		if k <= 3 {
			key, _ := packRunes(rs[:k])
			v := short[key]
			if v&isWord != 0 {
				row[k] = int16(uint8(v))
			}
			if v&hasLonger == 0 {
				break
			}
			continue
		}
		if c, ok := long[string(rs[:k])]; ok {
			row[k] = int16(c)
		}
	}
	return row
}

// TestLexiconTrieAsMaps holds the trie to the word list read into maps
// (the former tables, which TestLexiconTablesAsMaps held to the same
// maps): every word with its cost, every prefix's "a longer word starts
// here", and the row of costs the boundary check reads at every position
// of real text, of the words themselves and of random runs of the
// lexicon's characters.
func TestLexiconTrieAsMaps(t *testing.T) {
	lt := buildLexTrie(gse.ZhIdf)
	short, long := loadLexiconMaps()
	var row [maxLexWord + 1]int16
	node := func(rs []rune) [maxLexWord + 1]int16 {
		for k := range row {
			row[k] = -1
		}
		lt.prefixes(rs, &row)
		return row
	}
	var runes []rune
	for k, v := range short {
		var rs []rune
		for ; k != 0; k >>= 21 {
			rs = append([]rune{rune(k & (1<<21 - 1))}, rs...)
		}
		runes = append(runes, rs...)
		cost, ok := lt.lookup(rs)
		if ok != (v&isWord != 0) || ok && cost != uint8(v) {
			t.Fatalf("%q: %d %v, want %x", string(rs), cost, ok, v)
		}
		if got, want := hasChildren(lt, rs), v&hasLonger != 0; got != want {
			t.Fatalf("%q: a longer word starts with it: %v, want %v", string(rs), got, want)
		}
	}
	for w, c := range long {
		if cost, ok := lt.lookup([]rune(w)); !ok || cost != c {
			t.Fatalf("%q: %d %v, want %d", w, cost, ok, c)
		}
	}
	check := func(rs []rune) {
		t.Helper()
		for j := range rs {
			end := min(len(rs), j+maxLexWord+2)
			if got, want := node(rs[j:end]), rowFromMaps(short, long, rs[j:end]); got != want {
				t.Fatalf("row of %q: %v, want %v", string(rs[j:end]), got, want)
			}
		}
	}
	text, err := os.ReadFile("../testdata/realtext/clean.txt")
	if err != nil {
		t.Fatal(err)
	}
	var folded []rune
	for _, r := range string(text) {
		folded = append(folded, Fold(r))
	}
	check(folded)
	for w := range long {
		check([]rune(w + "的" + w))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50_000 {
		rs := make([]rune, 8)
		for i := range rs {
			rs[i] = runes[rng.IntN(len(runes))]
		}
		check(rs)
	}
	for _, w := range []string{"", "不是一个词语", "政府网站建设", "\ufffd\ufffd\ufffd\ufffd", "abcd", "中华人民共和国", "𠀀𠀁", "\U0010FFFF"} {
		_, ok := lt.lookup([]rune(w))
		k, _ := packRunes([]rune(w))
		_, want := long[w]
		want = want || short[k]&isWord != 0 && w != ""
		if ok != want {
			t.Errorf("%q: %v, want %v", w, ok, want)
		}
	}
}

// hasChildren reports whether a node of the trie continues rs.
func hasChildren(lt *lexTrie, rs []rune) bool {
	c := lt.codeOf(rs[0])
	if c == 0 {
		return false
	}
	lo, hi := lt.start1[c], lt.start1[c+1]
	for k := 2; k <= len(rs); k++ {
		i, ok := lt.child(k, lo, hi, lt.codeOf(rs[k-1]))
		if !ok {
			return false
		}
		if lt.lv[k-2].start == nil {
			return false
		}
		lo, hi = lt.lv[k-2].start[i], lt.lv[k-2].start[i+1]
	}
	return lo < hi
}

// TestLexiconMemory bounds what the boundary lexicon costs a process once
// loaded: the trie on the heap, and none of the word list's 6.2 MB of
// text left resident (it was, for the whole run, while the former tables
// pointed into it).
func TestLexiconMemory(t *testing.T) {
	heap, text := lexiconCost(t)
	t.Logf("lexicon: %.2f MB on the heap, %d bytes of the word list resident", float64(heap)/(1<<20), text)
	if heap > 3<<20 {
		t.Errorf("the lexicon keeps %.2f MB on the heap, want at most 3 MB (the former tables kept 6.3)", float64(heap)/(1<<20))
	}
	if runtime.GOOS == "linux" && text > 0 {
		t.Errorf("%d bytes of the word list still resident after the lexicon loaded", text)
	}
}

// lexiconCost loads a lexicon of its own and returns the heap bytes it
// keeps and the word list's resident bytes after it.
func lexiconCost(t testing.TB) (heap uint64, text int) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := &Lexicon{}
	l.load()
	runtime.GC()
	runtime.ReadMemStats(&after)
	text, err := rodata.Resident(gse.ZhIdf)
	if err != nil && runtime.GOOS == "linux" {
		t.Fatal(err)
	}
	if _, ok := l.lookup([]rune("政府")); !ok {
		t.Fatal("政府 is not a word of the lexicon")
	}
	return after.HeapAlloc - before.HeapAlloc, text
}
