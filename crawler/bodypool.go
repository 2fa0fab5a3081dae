package crawler

import "io"

// This file recycles the buffers HTML page bodies are read into. Every
// crawled page used to be read into a buffer of its own (~100 KB on the
// benchmark site, over half of all the bytes a heavy run allocated),
// garbage once its checks were done: under the soft memory limit
// (internal/memlimit) that made the collector run every few pages. A
// page's body is now read into a buffer from a small free list and handed
// back when the crawl is done with the page (handlePage: after onPage,
// the crawl's own use of the page and the release of its tree).
//
// The contract is the parse arena's (htmlfast.Arena), extended to the
// page's bytes: the tree's strings are views of Page.Text, which is the
// body itself when the page came as UTF-8, so nothing a string of the page
// (its tree, its text, its links' text) is kept past onPage: whoever keeps
// one copies it (strings.Clone). Built with -tags htmlfastpoison, a
// released body is never reused: it is overwritten with garbage and, on
// Linux, made unreadable, so a string kept past its page faults where it
// is read (see bodypool_poison*.go).

// bodyPoolMax is the largest buffer kept for reuse: a real portal page
// is 20–300 KB; a bigger body's buffer goes to the collector.
const bodyPoolMax = 512 << 10

// bodyPoolSize is how many idle buffers are kept. The bodies in use are
// the pages in flight (one a page worker); the idle ones only bridge
// between a page released and the next one read.
const bodyPoolSize = 16

// bodyFirst is the capacity of a new buffer for a body of unknown length.
const bodyFirst = 32 << 10

// bodyPool is a bounded free list of body buffers.
type bodyPool struct {
	free chan []byte
}

func newBodyPool() *bodyPool { return &bodyPool{free: make(chan []byte, bodyPoolSize)} }

// get returns an empty buffer with room for n bytes.
func (p *bodyPool) get(n int) []byte {
	if poisonBodies {
		return poisonAlloc(max(n, bodyFirst))
	}
	if p != nil {
		select {
		case b := <-p.free:
			if cap(b) >= n {
				return b[:0]
			}
		default:
		}
	}
	return make([]byte, 0, max(n, bodyFirst))
}

// grow returns b with room for at least n more bytes, its contents
// copied; the buffer it outgrew goes back to p.
func (p *bodyPool) grow(b []byte, n int) []byte {
	nb := p.get(max(2*cap(b), len(b)+n))
	nb = append(nb, b...)
	p.put(b)
	return nb
}

// put hands b back; nothing may refer to its bytes any more.
func (p *bodyPool) put(b []byte) {
	if poisonBodies {
		poisonRelease(b)
		return
	}
	if p == nil || cap(b) > bodyPoolMax || cap(b) == 0 {
		return
	}
	select {
	case p.free <- b[:0]:
	default:
	}
}

// readPooled reads r to its end into a buffer from p.
func (p *bodyPool) readPooled(r io.Reader, size int) ([]byte, error) {
	data := p.get(size)
	for {
		if len(data) == cap(data) {
			data = p.grow(data, bodyFirst)
		}
		m, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+m]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
}
