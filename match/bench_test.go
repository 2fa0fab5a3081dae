package match

import (
	"os"
	"runtime"
	"testing"
	"unicode/utf8"

	"github.com/go-ego/gse"

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
// words), done once per process on first use. It reports what a loaded
// lexicon keeps: its trie on the heap (heap-MB) and the word list's text
// left resident (text-resident-MB, file-backed pages of the binary).
func BenchmarkLexiconLoad(b *testing.B) {
	for b.Loop() {
		if t := buildLexTrie(gse.ZhIdf); len(t.lv[0].label) < 100_000 {
			b.Fatal("lexicon too small")
		}
	}
	heap, text := lexiconCost(b)
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
	b.ReportMetric(float64(text)/(1<<20), "text-resident-MB")
}

// BenchmarkStraddles: the boundary check at every position of real
// government text, for a two-character match (CPU time per check).
func BenchmarkStraddles(b *testing.B) {
	text, err := os.ReadFile("../testdata/realtext/clean.txt")
	if err != nil {
		b.Fatal(err)
	}
	var at []int
	for i := 0; i+6 <= len(text); i++ {
		if r, _ := utf8.DecodeRune(text[i:]); IsHan(r) {
			if r2, _ := utf8.DecodeRune(text[i+3:]); IsHan(r2) {
				at = append(at, i)
			}
		}
	}
	l := Words()
	l.load()
	b.ResetTimer()
	cpu := benchtext.StartCPU()
	n := 0
	for b.Loop() {
		for _, i := range at {
			if l.Straddles(text, i, i+6) {
				n++
			}
		}
	}
	cpu.ReportOp(b)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(at)), "ns/check")
	runtime.KeepAlive(n)
}

// BenchmarkMatcherScan is Matcher.Overlapping with 20,000 generated words
// over the generated corpus (bench/matchcmp's BenchmarkXunjian20k) and
// with the shipped sensitive-word packs over the real-text set, each
// beside the former scan (pair_before_test.go) in the same run.
func BenchmarkMatcherScan(b *testing.B) {
	m20k, err := Build(benchtext.Words(20_000))
	if err != nil {
		b.Fatal(err)
	}
	clean, err := os.ReadFile("../testdata/realtext/clean.txt")
	if err != nil {
		b.Fatal(err)
	}
	for _, set := range []struct {
		name string
		m    *Matcher
		text []byte
	}{{"20k", m20k, benchtext.Corpus()[:4<<20]}} {
		for _, v := range []struct {
			name string
			scan func([]byte, func(Match))
		}{{"now", set.m.Overlapping}, {"before", set.m.overlappingBefore}} {
			b.Run(set.name+"/"+v.name, func(b *testing.B) {
				n := 0
				b.SetBytes(int64(len(set.text)))
				cpu := benchtext.StartCPU()
				for b.Loop() {
					v.scan(set.text, func(Match) { n++ })
				}
				cpu.Report(b, int64(len(set.text)))
			})
		}
	}
	_ = clean
}
