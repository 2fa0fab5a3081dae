package match

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// pairPieces are the runes and strings random words and texts are made
// of: Han characters (one traditional, one past the BMP), letters in both
// widths and cases, digits, noise, punctuation, pinyin groups, invalid
// and cut UTF-8.
var pairPieces = []string{"澳", "门", "博", "彩", "賭", "赌", "场", "工", "作", "严", "峻", "𠀀", "𠀁", "a", "B", "ｃ", "sex", "Essex", "1", "2",
	" ", "*", "·", "\n", "\u200b", "❤", "，", "。", "(", ")", "（", "）", "(ao)", "（men）", "(bo2)", "\xff", "\xe4\xb8", "\xed\xa0\x80", "\xe0\x80\x80"}

func pairRandom(rng *rand.Rand, max int) string {
	var b strings.Builder
	for range rng.IntN(max + 1) {
		b.WriteString(pairPieces[rng.IntN(len(pairPieces))])
	}
	return b.String()
}

// pairMatchers builds a matcher that skips noise and a plain one, with
// boundary checks against the lexicon (as the checks' matchers are), from
// random words.
func pairMatchers(t testing.TB, rng *rand.Rand) (*Matcher, *Matcher) {
	var wa, wb []string
	for range 1 + rng.IntN(40) {
		wa = append(wa, pairRandom(rng, 4))
	}
	for range 1 + rng.IntN(40) {
		wb = append(wb, pairRandom(rng, 4))
	}
	a, err := BuildWith(wa, Options{Words: Words()})
	if err != nil {
		t.Skip(err) // a word too long
	}
	b, err := BuildWith(wb, Options{Plain: true, Words: Words()})
	if err != nil {
		t.Skip(err)
	}
	return a, b
}

func checkPair(t *testing.T, p *Pair, text []byte) {
	var wantA, wantB, gotA, gotB []Match
	p.a.Overlapping(text, func(m Match) { wantA = append(wantA, m) })
	p.b.Overlapping(text, func(m Match) { wantB = append(wantB, m) })
	p.Overlapping(text, func(m Match) { gotA = append(gotA, m) }, func(m Match) { gotB = append(gotB, m) })
	if !slices.Equal(gotA, wantA) || !slices.Equal(gotB, wantB) {
		t.Fatalf("text %q:\n pair %v / %v\n each %v / %v", text, gotA, gotB, wantA, wantB)
	}
}

// TestPairAsOverlapping holds Pair.Overlapping to each matcher's own, on
// random words and texts, and on the same matcher twice.
func TestPairAsOverlapping(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	matched := 0
	for range 300 {
		a, b := pairMatchers(t, rng)
		for _, p := range []*Pair{NewPair(a, b), NewPair(b, a), NewPair(a, a)} {
			for range 30 {
				text := []byte(pairRandom(rng, 60))
				checkPair(t, p, text)
				a.Overlapping(text, func(Match) { matched++ })
			}
		}
	}
	if matched < 1000 {
		t.Errorf("only %d matches: the texts do not exercise the matchers", matched)
	}
}

func FuzzPairAsOverlapping(f *testing.F) {
	f.Add(uint64(1), "澳(ao)门（men）博*彩 Essex sex 严峻，工作")
	f.Add(uint64(2), "\xe4\xb8\xff𠀀 𠀁")
	f.Fuzz(func(t *testing.T, seed uint64, text string) {
		a, b := pairMatchers(t, rand.New(rand.NewPCG(seed, 23)))
		checkPair(t, NewPair(a, b), []byte(text))
	})
}

// TestMayOpenPinyin: every pinyin group begins where mayOpenPinyin says
// one may (the scan asks pinyinGroup only there), and mayOpenPinyin says so
// exactly at the runes opensPinyin accepts (the fast loops' test), on
// random texts and at every byte of the full-width forms' block.
func TestMayOpenPinyin(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	texts := []string{"（", "(", "（ao）", "(ao)", "，（ao）", "\xef\xbc", "\xef"}
	for r := rune(0xFF00); r <= 0xFFEF; r++ {
		texts = append(texts, string(r)+"ao）", string(r)+"ao)")
	}
	for range 20000 {
		texts = append(texts, pairRandom(rng, 20))
	}
	groups := 0
	for _, s := range texts {
		text := []byte(s)
		for i := range text {
			if r, _ := utf8.DecodeRune(text[i:]); r != utf8.RuneError && mayOpenPinyin(text, i) != opensPinyin(r) {
				t.Fatalf("%q at %d: mayOpenPinyin %v, opensPinyin(%q) %v", text, i, mayOpenPinyin(text, i), r, opensPinyin(r))
			}
			if pinyinGroup(text, i) > 0 {
				groups++
				if !mayOpenPinyin(text, i) {
					t.Fatalf("%q at %d: a pinyin group where mayOpenPinyin says none may begin", text, i)
				}
			}
		}
	}
	if groups < 1000 {
		t.Errorf("only %d pinyin groups: the texts do not exercise the check", groups)
	}
}
