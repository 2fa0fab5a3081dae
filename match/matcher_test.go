package match

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func find(t *testing.T, words []string, text string) []string {
	t.Helper()
	m, err := Build(words)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range m.FindAll([]byte(text)) {
		out = append(out, words[x.Word]+"="+text[x.Start:x.End])
	}
	return out
}

func TestFindAll(t *testing.T) {
	for _, tc := range []struct {
		name  string
		words []string
		text  string
		want  []string
	}{
		{"plain", []string{"澳门博彩"}, "欢迎来到澳门博彩官网", []string{"澳门博彩=澳门博彩"}},
		{"spaces", []string{"澳门博彩"}, "澳 门 博 彩", []string{"澳门博彩=澳 门 博 彩"}},
		{"stars", []string{"澳门博彩"}, "澳*门*博*彩", []string{"澳门博彩=澳*门*博*彩"}},
		{"middle-dot-dash", []string{"澳门博彩"}, "澳·门-博　彩", []string{"澳门博彩=澳·门-博　彩"}},
		{"zero-width", []string{"澳门博彩"}, "澳\u200b门\u200d博\ufeff彩", []string{"澳门博彩=澳\u200b门\u200d博\ufeff彩"}},
		{"traditional", []string{"澳门博彩"}, "澳門博彩", []string{"澳门博彩=澳門博彩"}},
		{"traditional-pattern", []string{"澳門博彩"}, "澳门博彩", []string{"澳門博彩=澳门博彩"}},
		{"full-width-case", []string{"Casino"}, "ＣＡＳＩＮＯ online", []string{"Casino=ＣＡＳＩＮＯ"}},
		{"ascii-boundaries", []string{"sex"}, "Essex county, sextant, is extra, sex", []string{"sex=sex"}},
		{"ascii-no-noise-skip", []string{"sex"}, "s e x s*e*x", nil},
		{"longest-wins", []string{"人民", "中华人民共和国", "共和"}, "中华人民共和国成立", []string{"中华人民共和国=中华人民共和国"}},
		{"leftmost-then-next", []string{"博彩", "彩票", "网站"}, "博彩票网站", []string{"博彩=博彩", "网站=网站"}},
		{"suffix-outputs", []string{"he", "she", "hers", "his"}, "she hers his ushers", []string{"she=she", "hers=hers", "his=his"}},
		{"han-suffix-outputs", []string{"门博", "澳门博彩", "博彩"}, "澳门博彩网", []string{"澳门博彩=澳门博彩"}},
		{"noise-not-between-words-edge", []string{"博彩"}, "*博彩*", []string{"博彩=博彩"}},
		{"duplicate-words", []string{"赌博", "赌博"}, "网络赌博", []string{"赌博=赌博"}},
		{"invalid-utf8", []string{"赌博"}, "\xff赌\xfe赌博\xff", []string{"赌博=赌博"}},
		{"empty-word", []string{"", "赌博"}, "赌博", []string{"赌博=赌博"}},
		{"astral", []string{"𠮷野家"}, "去𠮷野家吃饭", []string{"𠮷野家=𠮷野家"}},
		{"mixed-phrase", []string{"online casino"}, "Best Online Casino here", []string{"online casino=Online Casino"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := find(t, tc.words, tc.text)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// bruteForce finds leftmost-longest matches over the folded text without
// noise skipping, the reference the automaton must agree with.
func bruteForce(words []string, text []rune) [][3]int {
	var all [][3]int
	for i := range text {
		for w, word := range words {
			wr := []rune(FoldString(word))
			if len(wr) == 0 || i+len(wr) > len(text) {
				continue
			}
			ok := true
			for k := range wr {
				if Fold(text[i+k]) != wr[k] {
					ok = false
					break
				}
			}
			if ok {
				all = append(all, [3]int{i, i + len(wr), w})
			}
		}
	}
	slices.SortFunc(all, func(a, b [3]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return b[1] - a[1]
	})
	var out [][3]int
	end := -1
	for _, x := range all {
		if x[0] >= end {
			out = append(out, x)
			end = x[1]
		}
	}
	return out
}

func TestAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("赌博彩票澳门网站色情中华人民共和国國門")
	for n := range 3000 {
		var words []string
		seen := map[string]bool{}
		for range 1 + rng.IntN(12) {
			var b strings.Builder
			for range 1 + rng.IntN(4) {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			if f := FoldString(b.String()); !seen[f] {
				seen[f] = true
				words = append(words, b.String())
			}
		}
		text := make([]rune, rng.IntN(40))
		for i := range text {
			text[i] = alphabet[rng.IntN(len(alphabet))]
		}
		m, err := Build(words)
		if err != nil {
			t.Fatal(err)
		}
		// Map byte offsets back to rune indexes.
		s := string(text)
		idx := map[int]int{}
		ri := 0
		for bi := range s {
			idx[bi] = ri
			ri++
		}
		idx[len(s)] = ri
		var got [][3]int
		for _, x := range m.FindAll([]byte(s)) {
			got = append(got, [3]int{idx[x.Start], idx[x.End], x.Word})
		}
		want := bruteForce(words, text)
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: words %q text %q\n got %v\nwant %v", n, words, s, got, want)
		}
	}
}

func TestTooLongWord(t *testing.T) {
	if _, err := Build([]string{strings.Repeat("长", MaxWordRunes+1)}); err == nil {
		t.Error("accepted a word over the limit")
	}
}

func FuzzOverlapping(f *testing.F) {
	m, err := Build([]string{"澳门博彩", "sex", "中华人民共和国", "人民", "𠮷"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("澳 门*博·彩 sex 中华人民共和国 𠮷"))
	f.Add([]byte{0xff, 0xe6, 0xbe})
	f.Fuzz(func(t *testing.T, text []byte) {
		m.Overlapping(text, func(x Match) {
			if x.Start < 0 || x.End > len(text) || x.Start >= x.End {
				t.Fatalf("bad match %+v in %d bytes", x, len(text))
			}
		})
	})
}

// With boundary checks, FindAll checks only the matches leftmost-longest
// would keep; the result must be that of dropping every straddling short
// match first and resolving the rest.
func TestBoundaryCheckedResolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("生产性服务业制度交易成本新疆维吾尔自治区人民政府赌博")
	lex := Words()
	for n := range 2000 {
		var words []string
		seen := map[string]bool{}
		for range 1 + rng.IntN(10) {
			var b strings.Builder
			for range 2 + rng.IntN(3) {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			if !seen[b.String()] {
				seen[b.String()] = true
				words = append(words, b.String())
			}
		}
		text := make([]rune, rng.IntN(30))
		for i := range text {
			text[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := []byte(string(text))
		m, err := BuildWith(words, Options{Words: lex})
		if err != nil {
			t.Fatal(err)
		}
		var all []Match
		m.Overlapping(s, func(x Match) {
			if m.runes[x.Word] <= 3 && lex.Straddles(s, x.Start, x.End) {
				return
			}
			all = append(all, x)
		})
		want := Resolve(all)
		if got := m.FindAll(s); !slices.Equal(got, want) {
			t.Fatalf("case %d: words %q text %q\n got %v\nwant %v", n, words, string(text), got, want)
		}
	}
}

// TestOverlappingAsBruteForce holds every occurrence Overlapping reports,
// in its order (by end, the longest first), to a brute-force search: each
// word (as its first listing, when folded words repeat) at every end.
func TestOverlappingAsBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("赌博彩票澳门网站色情中华人民共和国國門")
	for n := range 3000 {
		var words []string
		for range 1 + rng.IntN(16) {
			var b strings.Builder
			for range 1 + rng.IntN(5) {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			words = append(words, b.String())
		}
		var text []rune
		for range rng.IntN(40) {
			text = append(text, alphabet[rng.IntN(len(alphabet))])
		}
		m, err := Build(words)
		if err != nil {
			t.Fatal(err)
		}
		s := string(text)
		idx := map[int]int{}
		ri := 0
		for bi := range s {
			idx[bi] = ri
			ri++
		}
		idx[len(s)] = ri
		var got [][3]int
		m.Overlapping([]byte(s), func(x Match) { got = append(got, [3]int{idx[x.Start], idx[x.End], x.Word}) })
		first := map[string]int{}
		for w, word := range words {
			if _, ok := first[FoldString(word)]; !ok {
				first[FoldString(word)] = w
			}
		}
		var want [][3]int
		for end := 1; end <= len(text); end++ {
			for l := min(end, 5); l >= 1; l-- {
				var b strings.Builder
				for _, r := range text[end-l : end] {
					b.WriteRune(Fold(r))
				}
				if w, ok := first[b.String()]; ok {
					want = append(want, [3]int{end - l, end, w})
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: words %q text %q\n got %v\nwant %v", n, words, s, got, want)
		}
	}
}
