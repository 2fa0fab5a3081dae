package match

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
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

// checkPairMemo holds OverlappingMemo with memo to Overlapping on text.
func checkPairMemo(t *testing.T, p *Pair, memo *LineMemo, text []byte) {
	var wantA, wantB, gotA, gotB []Match
	p.Overlapping(text, func(m Match) { wantA = append(wantA, m) }, func(m Match) { wantB = append(wantB, m) })
	p.OverlappingMemo(text, memo, func(m Match) { gotA = append(gotA, m) }, func(m Match) { gotB = append(gotB, m) })
	if !slices.Equal(gotA, wantA) || !slices.Equal(gotB, wantB) {
		t.Fatalf("text %q:\n memo %v / %v\n without %v / %v", text, gotA, gotB, wantA, wantB)
	}
}

// memoPlain is text in none of pairPieces' runes.
const memoPlain = "示例县人民政府办公室主办网站标识码地址邮编联系电话关于印发通知的决定实施方案工作会议"

// memoText is a text of lines drawn from lines (so that texts repeat
// lines, as pages do), some cut short, some glued to a random piece, the
// last without its '\n' at times.
func memoText(rng *rand.Rand, lines []string) []byte {
	var b strings.Builder
	for range rng.IntN(12) {
		l := lines[rng.IntN(len(lines))]
		switch rng.IntN(6) {
		case 0:
			l = l[:rng.IntN(len(l)+1)]
		case 1:
			l = pairPieces[rng.IntN(len(pairPieces))] + l
		}
		b.WriteString(l)
		if rng.IntN(8) != 0 {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}

// TestPairMemoAsOverlapping holds OverlappingMemo to Overlapping on texts
// whose lines recur (each line read from the roots with either Han flag,
// after a line ending in the middle of a word, after pinyin), with memos
// small enough that lines are pushed out and shared by several texts,
// and checks that lines are passed over.
func TestPairMemoAsOverlapping(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	var lines, hits int64
	for range 200 {
		a, b := pairMatchers(t, rng)
		p := NewPair(a, b)
		memo := NewLineMemo(0)
		// Lines of text the words are not made of, with pieces they
		// are made of here and there, and lines of those pieces only.
		var pool []string
		for range 1 + rng.IntN(30) {
			var l string
			for len(l) < minMemoLine {
				if rng.IntN(3) == 0 {
					l += pairRandom(rng, 3)
				} else {
					k := 3 * rng.IntN(len(memoPlain)/3-3)
					l += memoPlain[k : k+3*(1+rng.IntN(3))]
				}
			}
			pool = append(pool, strings.ReplaceAll(l, "\n", ""))
		}
		for range 40 {
			checkPairMemo(t, p, memo, memoText(rng, pool))
		}
		l, h := memo.Stats()
		lines, hits = lines+l, hits+h
	}
	if hits < lines/10 {
		t.Errorf("%d of %d lines passed over: the texts do not exercise the memo", hits, lines)
	}
	t.Logf("%d of %d lines passed over", hits, lines)
}

// TestLineMemoKeys: a line is known by its bytes and the Han flags it is
// read with; nothing is passed over before its second reading.
func TestLineMemoKeys(t *testing.T) {
	m := NewLineMemo(0)
	line := []byte("示例县人民政府办公室主办 网站标识码 0000000000\n")
	k := m.key(line, 0)
	if _, ok := m.lookup(k); ok {
		t.Fatal("an empty memo holds a line")
	}
	m.add(k, 2)
	if _, ok := m.lookup(k); ok {
		t.Fatal("a line is kept at its first sight")
	}
	m.add(k, 2)
	if end, ok := m.lookup(k); !ok || end != 2 {
		t.Fatalf("lookup after the second sight: %v, %v; want 2, true", end, ok)
	}
	for _, other := range []lineKey{m.key(line, 1), m.key(line, 3), m.key(line[:len(line)-1], 0), m.key(append([]byte("x"), line[1:]...), 0)} {
		if _, ok := m.lookup(other); ok {
			t.Fatalf("key %v found for another line or flags", other)
		}
	}
}

func FuzzPairMemoAsOverlapping(f *testing.F) {
	f.Add(uint64(1), "澳门博彩 Essex sex 严峻，工作 示例县人民政府\n澳门\n博彩 示例县人民政府办公室主办\n", 3)
	f.Add(uint64(2), "澳(ao)门（men）博*彩\n\xe4\xb8\xff𠀀 𠀁\n", 2)
	f.Fuzz(func(t *testing.T, seed uint64, text string, times int) {
		a, b := pairMatchers(t, rand.New(rand.NewPCG(seed, 23)))
		p, memo := NewPair(a, b), NewLineMemo(0)
		lines := strings.SplitAfter(text, "\n")
		rng := rand.New(rand.NewPCG(seed, 24))
		for range 1 + times%8 {
			// The text, then its lines in another order.
			checkPairMemo(t, p, memo, []byte(text))
			rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
			checkPairMemo(t, p, memo, []byte(strings.Join(lines, "")))
		}
	})
}
