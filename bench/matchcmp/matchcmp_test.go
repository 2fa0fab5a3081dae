package matchcmp

import (
	"testing"

	ahocorasick "github.com/anknown/ahocorasick"

	"github.com/xunjian/xunjian/internal/benchtext"
	"github.com/xunjian/xunjian/match"
)

func benchMatch(b *testing.B, n int) {
	text := benchtext.Corpus()
	m, err := match.Build(benchtext.Words(n))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := benchtext.StartCPU()
	for b.Loop() {
		count := 0
		m.Overlapping(text, func(match.Match) { count++ })
		if count == 0 {
			b.Fatal("no matches")
		}
	}
	cpu.Report(b, int64(len(text)))
}

func benchAnknown(b *testing.B, n int) {
	text := benchtext.Corpus()
	var dict [][]rune
	for _, w := range benchtext.Words(n) {
		dict = append(dict, []rune(w))
	}
	m := new(ahocorasick.Machine)
	if err := m.Build(dict); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := benchtext.StartCPU()
	for b.Loop() {
		if len(m.MultiPatternSearch([]rune(string(text)), false)) == 0 {
			b.Fatal("no matches")
		}
	}
	cpu.Report(b, int64(len(text)))
}

// xunjian's matcher with normalisation (folding, noise skipping, offsets)
// against anknown/ahocorasick (its figures include the []rune conversion
// its API needs), on the same 10 MB in the same run.
func BenchmarkXunjian20k(b *testing.B)  { benchMatch(b, 20_000) }
func BenchmarkXunjian100k(b *testing.B) { benchMatch(b, 100_000) }
func BenchmarkAnknown20k(b *testing.B)  { benchAnknown(b, 20_000) }
func BenchmarkAnknown100k(b *testing.B) { benchAnknown(b, 100_000) }
