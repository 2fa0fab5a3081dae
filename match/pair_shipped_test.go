package match_test

import (
	"bufio"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/match"
)

// shippedScanTexts are texts for the shipped packs' pair: the real-text
// set's documents, its spam strings with evasions written around every
// character (symbols of every UTF-8 length, pinyin groups in both widths,
// invalid bytes), and the heavy benchmark site's pages.
func shippedScanTexts(t testing.TB) [][]byte {
	t.Helper()
	clean, err := os.ReadFile("../testdata/realtext/clean.txt")
	if err != nil {
		t.Fatal(err)
	}
	texts := [][]byte{clean}
	for _, doc := range strings.Split(string(clean), "\n===") {
		texts = append(texts, []byte(doc))
	}
	f, err := os.Open("../testdata/realtext/spam.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	between := []string{"*", " ", "·", "😀", "\u200b", "(ao)", "（men）", "(bo2)", "\xff", "\xe4\xb8", "，", "𠀀", "Ａ", "a"}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		s, _, _ := strings.Cut(line, "\t")
		texts = append(texts, []byte("关于开展专项整治的通知。"+s+"，请相互转告。"))
		for _, sep := range between {
			texts = append(texts, []byte(strings.Join(strings.Split(s, ""), sep)))
		}
	}
	return append(texts, pageTexts(t, 1234, 1, 3)...)
}

func scanOf(scan func([]byte, func(match.Match)), text []byte) []match.Match {
	var out []match.Match
	scan(text, func(m match.Match) { out = append(out, m) })
	return out
}

// checkShipped compares the pair's scan, and each matcher's, of text from
// each of the given byte offsets with the former scans.
func checkShipped(t *testing.T, p *match.Pair, a, b *match.Matcher, text []byte, offsets int) int {
	t.Helper()
	found := 0
	for k := range min(offsets, len(text)+1) {
		x := text[k:]
		var gotA, gotB, wantA, wantB []match.Match
		p.Overlapping(x, func(m match.Match) { gotA = append(gotA, m) }, func(m match.Match) { gotB = append(gotB, m) })
		p.OverlappingBefore(x, func(m match.Match) { wantA = append(wantA, m) }, func(m match.Match) { wantB = append(wantB, m) })
		if !slices.Equal(gotA, wantA) || !slices.Equal(gotB, wantB) {
			t.Fatalf("shipped pair, text %q:\n now    %v / %v\n before %v / %v", x, gotA, gotB, wantA, wantB)
		}
		for _, m := range []*match.Matcher{a, b} {
			if got, want := scanOf(m.Overlapping, x), scanOf(m.OverlappingBefore, x); !slices.Equal(got, want) {
				t.Fatalf("shipped matcher, text %q:\n now    %v\n before %v", x, got, want)
			}
		}
		found += len(wantA) + len(wantB)
	}
	return found
}

// TestShippedScanAsBefore: the shipped packs' pair (as the checks build
// it) and its two matchers, now and before, on the real-text set, spam
// with evasions, the benchmark site's pages (from the first 4 byte
// offsets), and random mixes of pack words, typos and adversarial pieces
// (from every offset).
func TestShippedScanAsBefore(t *testing.T) {
	p, a, b := shippedMatchers(t)
	found := 0
	for _, text := range shippedScanTexts(t) {
		found += checkShipped(t, p, a, b, text, 4)
	}
	if found < 5000 {
		t.Errorf("only %d matches in the real texts", found)
	}
	pieces := shippedPieces(t)
	rng := rand.New(rand.NewPCG(71, 72))
	found = 0
	for range 1500 {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		found += checkShipped(t, p, a, b, []byte(sb.String()), 1<<20)
	}
	if found < 10000 {
		t.Errorf("only %d matches in the random mixes", found)
	}
}

// shippedPieces: the packs' words and typos, and pieces that stress the
// scan (noise, punctuation, pinyin, astral and invalid UTF-8).
func shippedPieces(t testing.TB) []string {
	packs, err := config.Default().Content.LoadPacks(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(73, 74))
	var pieces []string
	for range 1500 {
		pieces = append(pieces, packs.Words[rng.IntN(len(packs.Words))].Word)
	}
	for _, e := range packs.Typos {
		pieces = append(pieces, e.Wrong)
	}
	return append(pieces, "，", "。", "\n", " ", "*", "·", "😀", "(ao)", "（men）", "(", "（", "严峻", "工作", "2019年", "sex", "Essex",
		"\xff", "\xe4\xb8", "𠀀", "的", "是", "Ａ", "\u200b")
}

func shippedMatchers(t testing.TB) (*match.Pair, *match.Matcher, *match.Matcher) {
	p := shippedPair(t)
	a, b := p.Matchers()
	return p, a, b
}

// FuzzShippedScanAsBefore: the shipped packs' pair on any text, now and
// before (built once; every offset of the first 64 bytes).
func FuzzShippedScanAsBefore(f *testing.F) {
	p, a, b := shippedMatchers(f)
	f.Add("澳(ao)门（men）博*彩 Essex sex 严峻，工作")
	f.Add("\xe4\xb8\xff𠀀 𠀁 ·😀\xef\xbc六合彩")
	f.Fuzz(func(t *testing.T, text string) {
		checkShipped(t, p, a, b, []byte(text), 64)
	})
}
