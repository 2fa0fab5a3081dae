package match

import (
	"runtime"
	"testing"

	"github.com/xunjian/xunjian/internal/benchtext"
)

// Matching throughput is measured in bench/matchcmp, a module of its own,
// beside anknown/ahocorasick on the same input (the product does not
// depend on the peer).

// BenchmarkBuild100k measures building the automaton for 100,000 words
// (time per op and B/op are the build's time and memory).
func BenchmarkBuild100k(b *testing.B) {
	words := benchtext.Words(100_000)
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
		if short, long := loadLexicon(); short.count+long.count < 250_000 {
			b.Fatal("lexicon too small")
		}
	}
}
