package htmlfast_test

import (
	"bytes"
	"syscall"
	"testing"

	"github.com/xunjian/xunjian/crawler/htmlfast"
	"github.com/xunjian/xunjian/internal/benchsite"
	"golang.org/x/net/html"
)

// cpuTime is the process's user and system CPU time so far, in
// nanoseconds: the benchmarks report it beside wall time, which moves
// with the machine's load (the garbage collector's workers count too).
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkParse parses pages of the whole-process benchmark's site
// (20 heavy articles, 100 KB each, and 20 light pages) with this package
// (ParseBytes, which copies the page, and ParseString, which does not)
// and with x/net/html in the same run: MB/s, allocations and CPU time
// (cpu-ns/op) a page.
//
//	go test -run XXX -bench Parse -benchmem ./crawler/htmlfast
func BenchmarkParse(b *testing.B) {
	for _, kind := range []struct {
		name string
		o    benchsite.Options
	}{{"heavy", benchsite.Heavy(20000)}, {"light", benchsite.Light(20000)}} {
		s := benchsite.New(kind.o)
		var pages [][]byte
		var strs []string
		n := 0
		for i := 1234; i < 1254; i++ {
			p := s.Page(i, 1)
			pages = append(pages, p)
			strs = append(strs, string(p))
			n += len(p)
		}
		k := 0
		var arena htmlfast.Arena
		for _, parser := range []struct {
			name  string
			parse func([]byte) (*html.Node, error)
		}{
			{"htmlfast", htmlfast.ParseBytes},
			// The page held in a string, as the crawl parses its own
			// bodies: no copy.
			{"htmlfast-string", func([]byte) (*html.Node, error) { return htmlfast.ParseString(strs[k%len(strs)]) }},
			// As the crawl parses: in an arena released after each page.
			{"htmlfast-arena", func([]byte) (*html.Node, error) {
				arena.Release()
				return htmlfast.ParseStringIn(strs[k%len(strs)], &arena)
			}},
			{"x-net-html", func(p []byte) (*html.Node, error) { return html.Parse(bytes.NewReader(p)) }},
		} {
			b.Run(kind.name+"/"+parser.name, func(b *testing.B) {
				b.SetBytes(int64(n / len(pages)))
				b.ReportAllocs()
				k = 0
				cpu0 := cpuTime()
				for b.Loop() {
					if _, err := parser.parse(pages[k%len(pages)]); err != nil {
						b.Fatal(err)
					}
					k++
				}
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
