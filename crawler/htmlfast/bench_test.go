package htmlfast_test

import (
	"bytes"
	"testing"

	"github.com/xunjian/xunjian/crawler/htmlfast"
	"github.com/xunjian/xunjian/internal/benchsite"
	"golang.org/x/net/html"
)

// BenchmarkParse parses pages of the whole-process benchmark's site
// (20 heavy articles, 100 KB each, and 20 light pages) with this package
// and with x/net/html in the same run: MB/s and allocations a page.
//
//	go test -run XXX -bench Parse -benchmem ./crawler/htmlfast
func BenchmarkParse(b *testing.B) {
	for _, kind := range []struct {
		name string
		o    benchsite.Options
	}{{"heavy", benchsite.Heavy(20000)}, {"light", benchsite.Light(20000)}} {
		s := benchsite.New(kind.o)
		var pages [][]byte
		n := 0
		for i := 1234; i < 1254; i++ {
			p := s.Page(i, 1)
			pages = append(pages, p)
			n += len(p)
		}
		for _, parser := range []struct {
			name  string
			parse func([]byte) (*html.Node, error)
		}{
			{"htmlfast", htmlfast.ParseBytes},
			{"x-net-html", func(p []byte) (*html.Node, error) { return html.Parse(bytes.NewReader(p)) }},
		} {
			b.Run(kind.name+"/"+parser.name, func(b *testing.B) {
				b.SetBytes(int64(n / len(pages)))
				b.ReportAllocs()
				k := 0
				for b.Loop() {
					if _, err := parser.parse(pages[k%len(pages)]); err != nil {
						b.Fatal(err)
					}
					k++
				}
			})
		}
	}
}
