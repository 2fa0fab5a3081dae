package inspect

import (
	"context"
	"runtime/pprof"

	"github.com/xunjian/xunjian/checks"
)

// parts labels the work of an inspection for CPU profiles (pprof labels,
// key "part"): each check's page pass ("page:dark-link"), text pass
// ("text:privacy"), Start and Finish ("start:connectivity",
// "finish:dark-link"), and the reading of pages' text ("page-text"); the
// rest of a page's work is the crawl's ("crawl": fetching, decoding,
// parsing, link extraction, page readers). `go tool pprof -tags` on a
// profile of a whole run (--cpuprofile) gives the CPU seconds of each
// part; bench/run.sh prints them. Summing wall time per call instead
// would count the time a call waits for a CPU among the crawl's dozens of
// goroutines, which on a busy machine is most of it.
//
// The labelled contexts are made once per run, so labelling a call costs
// two stores of the goroutine's label pointer, no allocation.
type parts struct {
	base context.Context // the caller's labels
	ctx  map[string]context.Context
}

func newParts(ctx context.Context, list []checks.Check) *parts {
	p := &parts{base: ctx, ctx: map[string]context.Context{}}
	add := func(name string) {
		p.ctx[name] = pprof.WithLabels(ctx, pprof.Labels("part", name))
	}
	add("crawl")
	add("page-text")
	for _, c := range list {
		for _, pass := range []string{"page:", "text:", "start:", "finish:"} {
			add(pass + c.Name())
		}
	}
	return p
}

// do runs f with the goroutine labelled as part, then labels it as back
// (a part name, or "" for the caller's labels). A nil *parts or an unknown part runs f
// unlabelled.
func (p *parts) do(part, back string, f func()) {
	if p == nil || p.ctx[part] == nil {
		f()
		return
	}
	pprof.SetGoroutineLabels(p.ctx[part])
	defer p.label(back)
	f()
}

// label labels the calling goroutine as part ("" or unknown: back to the
// labels the inspection was called with).
func (p *parts) label(part string) {
	if p == nil {
		return
	}
	if c := p.ctx[part]; c != nil {
		pprof.SetGoroutineLabels(c)
		return
	}
	pprof.SetGoroutineLabels(p.base)
}
