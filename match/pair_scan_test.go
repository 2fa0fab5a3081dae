package match

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The scans were rewritten for speed (an idle loop while the automata sit
// at their root, steps without a branch on the probe): these tests hold
// Pair.Overlapping and Matcher.Overlapping to the former code
// (pair_before_test.go), match for match and in the same order, on random
// words and texts of runes, noise, punctuation, pinyin groups, astral and
// invalid UTF-8, each text read from every byte offset.

// scanPieces add to pairPieces what the idle loop treats apart: the other
// UTF-8 lengths (2-byte noise ·, 4-byte emoji and astral Han), a 3-byte
// sequence cut at the end, surrogates and overlong forms, the full-width
// opener's neighbours, letters that start no word, digits and spacing.
var scanPieces = append(slices.Clone(pairPieces), "\u00b7", "😀", "𠀀(ao)", "（ao2）", "\uff08", "\uff09", "\uff0c", "\xef\xbc", "\xef", "\xe4",
	"\xf0\x9f\x98", "\xc2", "\xc0\xaf", "x", "Z", "9", "\t", "  ", "澳(a)", "(aoaoaoao)", "（）", "()", "門", "\u200d", "\ufe0f")

func scanRandom(rng *rand.Rand, max int) string {
	var b strings.Builder
	for range rng.IntN(max + 1) {
		b.WriteString(scanPieces[rng.IntN(len(scanPieces))])
	}
	return b.String()
}

func collect(scan func([]byte, func(Match)), text []byte) []Match {
	var out []Match
	scan(text, func(m Match) { out = append(out, m) })
	return out
}

// checkAsBefore compares the pair's and each matcher's scan of text, read
// from every byte offset, with the former scans.
func checkAsBefore(t *testing.T, p *Pair, text []byte) int {
	t.Helper()
	found := 0
	for k := range len(text) + 1 {
		x := text[k:]
		var gotA, gotB, wantA, wantB []Match
		p.Overlapping(x, func(m Match) { gotA = append(gotA, m) }, func(m Match) { gotB = append(gotB, m) })
		p.overlappingBefore(x, func(m Match) { wantA = append(wantA, m) }, func(m Match) { wantB = append(wantB, m) })
		if !slices.Equal(gotA, wantA) || !slices.Equal(gotB, wantB) {
			t.Fatalf("pair, text %q:\n now    %v / %v\n before %v / %v", x, gotA, gotB, wantA, wantB)
		}
		for _, m := range []*Matcher{p.a, p.b} {
			if got, want := collect(m.Overlapping, x), collect(m.overlappingBefore, x); !slices.Equal(got, want) {
				t.Fatalf("matcher (plain %v), text %q:\n now    %v\n before %v", m.plain, x, got, want)
			}
		}
		found += len(wantA) + len(wantB)
	}
	return found
}

func scanMatchers(t testing.TB, rng *rand.Rand) (*Matcher, *Matcher) {
	var wa, wb []string
	for range 1 + rng.IntN(40) {
		wa = append(wa, scanRandom(rng, 4))
	}
	for range 1 + rng.IntN(40) {
		wb = append(wb, scanRandom(rng, 4))
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

func TestScanAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	found := 0
	for range 200 {
		a, b := scanMatchers(t, rng)
		for _, p := range []*Pair{NewPair(a, b), NewPair(b, a), NewPair(a, a), NewPair(b, b)} {
			for range 10 {
				found += checkAsBefore(t, p, []byte(scanRandom(rng, 30)))
			}
		}
	}
	if found < 20000 {
		t.Errorf("only %d matches: the texts do not exercise the scans", found)
	}
}

func FuzzScanAsBefore(f *testing.F) {
	f.Add(uint64(1), "澳(ao)门（men）博*彩 Essex sex 严峻，工作")
	f.Add(uint64(2), "\xe4\xb8\xff𠀀 𠀁 ·😀\xef\xbc")
	f.Fuzz(func(t *testing.T, seed uint64, text string) {
		if len(text) > 200 {
			text = text[:200] // every offset is read: keep the inputs short
		}
		a, b := scanMatchers(t, rand.New(rand.NewPCG(seed, 63)))
		checkAsBefore(t, NewPair(a, b), []byte(text))
	})
}
