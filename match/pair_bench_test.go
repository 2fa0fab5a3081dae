package match_test

import (
	"os"
	"testing"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/internal/benchsite"
	"github.com/xunjian/xunjian/internal/benchtext"
	"github.com/xunjian/xunjian/match"
)

// shippedPair is the pair the sensitive-word and typo checks share, built
// as they build it (checks/deps.go, checks/typo.go) from the built-in packs.
func shippedPair(tb testing.TB) *match.Pair {
	tb.Helper()
	packs, err := config.Default().Content.LoadPacks(nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	words := make([]string, len(packs.Words))
	weak := make([]bool, len(packs.Words))
	for i, w := range packs.Words {
		words[i], weak[i] = w.Word, w.Weak
	}
	a, err := match.BuildWith(words, match.Options{Words: match.Words(), Unbounded: weak})
	if err != nil {
		tb.Fatal(err)
	}
	typos := make([]string, len(packs.Typos))
	for i, e := range packs.Typos {
		typos[i] = e.Wrong
	}
	b, err := match.BuildWith(typos, match.Options{Plain: true, Words: match.Words()})
	if err != nil {
		tb.Fatal(err)
	}
	return match.NewPair(a, b)
}

// pageTexts are the segments' texts of the benchmark site's pages from
// first on (step apart), as the text checks read them.
func pageTexts(tb testing.TB, first, step, pages int) [][]byte {
	tb.Helper()
	site := benchsite.New(benchsite.Heavy(20000))
	var out [][]byte
	for k := range pages {
		doc, _, err := crawler.ParseHTML(site.Page(first+k*step, 1))
		if err != nil {
			tb.Fatal(err)
		}
		for _, s := range extract.PageSegments(doc, 4<<20) {
			out = append(out, []byte(s.Text))
		}
	}
	return out
}

// BenchmarkPairScan is the two text checks' scan (Pair.Overlapping with
// the shipped packs) over the heavy benchmark site's article and list
// pages and the real-text regression set's documents, each beside the
// former scan ("before", pair_before_test.go) in the same run: with
// -count, the two alternate. MB/cpu-s is the process's CPU time.
func BenchmarkPairScan(b *testing.B) {
	p := shippedPair(b)
	clean, err := os.ReadFile("../testdata/realtext/clean.txt")
	if err != nil {
		b.Fatal(err)
	}
	sets := []struct {
		name  string
		texts [][]byte
	}{
		{"heavy-article", pageTexts(b, 1234, 1, 20)},
		{"heavy-list", pageTexts(b, 1250, 50, 20)},
		{"realtext", [][]byte{clean}},
	}
	for _, set := range sets {
		size := 0
		for _, t := range set.texts {
			size += len(t)
		}
		for _, v := range []struct {
			name string
			scan func([]byte, func(match.Match), func(match.Match))
		}{{"now", p.Overlapping}, {"before", p.OverlappingBefore}} {
			b.Run(set.name+"/"+v.name, func(b *testing.B) {
				n := 0
				count := func(match.Match) { n++ }
				b.SetBytes(int64(size))
				cpu := benchtext.StartCPU()
				for b.Loop() {
					for _, t := range set.texts {
						v.scan(t, count, count)
					}
				}
				cpu.Report(b, int64(size))
			})
		}
	}
}
