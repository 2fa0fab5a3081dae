package match

import (
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	ahocorasick "github.com/anknown/ahocorasick"
)

// benchCorpus is 10 MB of Chinese-like text (3,500 characters, some ASCII
// and punctuation) and dictionaries of 2–4 character words over the same
// characters, generated from a fixed seed.
var benchCorpus = sync.OnceValue(func() []byte {
	rng := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	for b.Len() < 10<<20 {
		switch k := rng.IntN(100); {
		case k < 3:
			b.WriteString("，")
		case k < 4:
			b.WriteString("。\n")
		case k < 5:
			b.WriteString(" 2026年 ")
		default:
			b.WriteRune(rune(0x4E00 + rng.IntN(3500)))
		}
	}
	return []byte(b.String())
})

func benchWords(n int) []string {
	rng := rand.New(rand.NewPCG(uint64(n), 9))
	words := make([]string, n)
	for i := range words {
		rs := make([]rune, 2+rng.IntN(3))
		for k := range rs {
			rs[k] = rune(0x4E00 + rng.IntN(3500))
		}
		words[i] = string(rs)
	}
	return words
}

func benchMatch(b *testing.B, n int) {
	text := benchCorpus()
	m, err := Build(benchWords(n))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		count := 0
		m.Overlapping(text, func(Match) { count++ })
		if count == 0 {
			b.Fatal("no matches")
		}
	}
}

func benchAnknown(b *testing.B, n int) {
	text := benchCorpus()
	var dict [][]rune
	for _, w := range benchWords(n) {
		dict = append(dict, []rune(w))
	}
	m := new(ahocorasick.Machine)
	if err := m.Build(dict); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		if len(m.MultiPatternSearch([]rune(string(text)), false)) == 0 {
			b.Fatal("no matches")
		}
	}
}

// Matching with normalisation (folding, noise skipping, offsets) against
// anknown/ahocorasick, a double-array Aho-Corasick over runes, on the same
// 10 MB input in the same run.
func BenchmarkMatch20k(b *testing.B)    { benchMatch(b, 20_000) }
func BenchmarkMatch100k(b *testing.B)   { benchMatch(b, 100_000) }
func BenchmarkAnknown20k(b *testing.B)  { benchAnknown(b, 20_000) }
func BenchmarkAnknown100k(b *testing.B) { benchAnknown(b, 100_000) }

// BenchmarkBuild100k measures building the automaton for 100,000 words
// (time per op and B/op are the build's time and memory).
func BenchmarkBuild100k(b *testing.B) {
	words := benchWords(100_000)
	tables() // the one-time fold tables are not part of a dictionary's build
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(words); err != nil {
			b.Fatal(err)
		}
	}
	// What a built 100,000-word matcher keeps on the heap.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, _ := Build(words)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "retained-MB")
	runtime.KeepAlive(m)
}

// BenchmarkLexiconLoad: the one-time parse of the boundary lexicon (270,000
// words), done once per process on first use.
func BenchmarkLexiconLoad(b *testing.B) {
	for b.Loop() {
		if len(loadLexicon()) < 250_000 {
			b.Fatal("lexicon too small")
		}
	}
}
