package rules

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/match"
)

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

func shippedWords(tb testing.TB) ([]string, match.Options) {
	tb.Helper()
	p, err := Content{Builtin: true}.LoadPacks(nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	words := make([]string, len(p.Words))
	weak := make([]bool, len(p.Words))
	for i, w := range p.Words {
		words[i], weak[i] = w.Word, w.Weak
	}
	return words, match.Options{Words: match.Words(), Unbounded: weak}
}

func corpus(tb testing.TB) []byte {
	tb.Helper()
	raw, err := readFile("../testdata/realtext/clean.txt")
	if err != nil {
		tb.Fatal(err)
	}
	var sents []string
	for _, line := range strings.Split(raw, "\n") {
		if strings.HasPrefix(line, "===") {
			continue
		}
		for _, s := range strings.SplitAfter(line, "。") {
			if s != "" {
				sents = append(sents, s)
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	for b.Len() < 10<<20 {
		b.WriteString(sents[rng.IntN(len(sents))])
		if rng.IntN(8) == 0 {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}

// BenchmarkShippedPacks matches the full built-in word pack (with its
// generated variants) over 10 MB of government text, with the options the
// sensitive-word check uses (noise skipping, boundary checks of short
// matches), through FindAll.
func BenchmarkShippedPacks(b *testing.B) {
	words, opts := shippedWords(b)
	text := corpus(b)
	m, err := match.BuildWith(words, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		m.FindAll(text)
	}
}

// BenchmarkShippedPacksSpam is the same over text where every line carries
// injected spam (the worst case for the boundary and judgement work).
func BenchmarkShippedPacksSpam(b *testing.B) {
	words, opts := shippedWords(b)
	text := corpus(b)
	spam := []string{"澳门新葡京8455官网开户", "国产精品一区二区_久久精品", "网贷口子无视征信秒下款", "传奇私服新开发布网"}
	lines := strings.Split(string(text), "\n")
	for i := range lines {
		lines[i] += spam[i%len(spam)]
	}
	text = []byte(strings.Join(lines, "\n"))
	m, err := match.BuildWith(words, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		m.FindAll(text)
	}
}

// BenchmarkShippedBuild: loading the built-in packs (variants generated)
// and building their automaton, per op.
func BenchmarkShippedBuild(b *testing.B) {
	match.Words()
	for b.Loop() {
		words, opts := shippedWords(b)
		if _, err := match.BuildWith(words, opts); err != nil {
			b.Fatal(err)
		}
	}
}
