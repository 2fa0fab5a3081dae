package hidden

import (
	"encoding/binary"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/net/html"
)

// StyleCache remembers declared styles across the pages of a run. Pages
// built from one template repeat the same elements under the same
// ancestors beside the same siblings: such an element gets the same style
// from the same stylesheets on every page, so only the first page of a
// template pays for its cascade (a 2,000-rule stylesheet on content nested
// 120 deep cost 12 ms a page). An element is known by its context: its
// tag and attributes, whether it is empty, its place among its siblings
// and theirs (tags and attributes), and the same of every ancestor — all
// that a selector the styler matches can read (it reads no text, and
// :has is not matched) — and by the stylesheets in force. A style is
// kept the second time its element is seen: a link's own context (its
// href) is one page's, and would fill the cache with styles no other page
// asks for. It holds at most max styles; past that it stops learning.
// Safe for concurrent use.
type StyleCache struct {
	seed maphash.Seed
	max  int
	mu   sync.RWMutex
	m    map[styleKey]map[string]string
	// seen remembers keys met once: a fingerprint of each in a slot of
	// its own (by the fingerprint's low bits), which a later key of the
	// same slot replaces — such a style is kept at its next sight instead.
	// 512 KB for the default 20,000 styles, whatever the run: a map of
	// the keys, cleared at 80,000 (links' own contexts, met once each),
	// held 3.1 MB through a 20,000-page run. Only what is cached, never a
	// style, depends on it.
	seen []uint64
	// Hits and Misses count lookups, for measurements.
	hits, misses atomic.Int64
}

type styleKey struct{ sheets, elem uint64 }

// NewStyleCache returns a cache of at most max styles.
func NewStyleCache(max int) *StyleCache {
	slots := 1024
	for slots < 2*max {
		slots <<= 1
	}
	return &StyleCache{seed: maphash.MakeSeed(), max: max, m: map[styleKey]map[string]string{}, seen: make([]uint64, slots)}
}

// firstSight reports whether k was not met before (as far as seen
// remembers), remembering it. Called with c.mu held.
func (c *StyleCache) firstSight(k styleKey) bool {
	f := k.sheets*0x9E3779B97F4A7C15 ^ k.elem
	if f == 0 {
		f = 1 // 0 is the empty slot
	}
	i := f & uint64(len(c.seen)-1)
	if c.seen[i] == f {
		return false
	}
	c.seen[i] = f
	return true
}

// Stats returns the lookups that found a style and those that did not.
func (c *StyleCache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

func (c *StyleCache) get(k styleKey) (map[string]string, bool) {
	c.mu.RLock()
	s, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return s, ok
}

func (c *StyleCache) put(k styleKey, s map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.firstSight(k) {
		return
	}
	if len(c.m) < c.max {
		// A style's values can be substrings of the page's style
		// attributes, which keep the whole page alive (crawler/htmlfast):
		// a style kept for the run keeps copies.
		kept := make(map[string]string, len(s))
		for p, v := range s {
			kept[strings.Clone(p)] = strings.Clone(v)
		}
		c.m[k] = kept
	}
}

// sheetIDs numbers parsed sheets: a set of sheets is known by its
// numbers, never by addresses the collector may reuse.
var sheetIDs atomic.Uint64

// WithCache makes the styler look up and keep styles in c.
func (st *Styler) WithCache(c *StyleCache) *Styler {
	st.cache = c
	if c != nil {
		var h maphash.Hash
		h.SetSeed(c.seed)
		for _, s := range st.sheets {
			var b [8]byte
			for i := range b {
				b[i] = byte(s.id >> (8 * i))
			}
			h.Write(b[:])
		}
		st.sheetsKey = h.Sum64()
	}
	return st
}

// context is the hash of n's context (see StyleCache), memoised.
func (st *Styler) context(n *html.Node) uint64 { return st.contextOf(n, st.info(n)) }

// contextOf is context of n, whose memo is ni.
func (st *Styler) contextOf(n *html.Node, ni *nodeInfo) uint64 {
	if ni.known&knowSig != 0 {
		return ni.sig
	}
	var parentSig, sibSig uint64
	index := 0
	if p := n.Parent; p != nil {
		if p.Type == html.ElementNode {
			parentSig = st.context(p)
		}
		sibSig = st.siblingsHash(p)
		for c := p.FirstChild; c != nil && c != n; c = c.NextSibling {
			if c.Type == html.ElementNode {
				index++
			}
		}
	}
	b := st.hbuf[:0]
	b = binary.LittleEndian.AppendUint64(b, parentSig)
	b = binary.LittleEndian.AppendUint64(b, sibSig)
	b = binary.LittleEndian.AppendUint64(b, uint64(index))
	b = appendElement(b, n)
	empty := uint64(1)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode || c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			empty = 0
			break
		}
	}
	b = binary.LittleEndian.AppendUint64(b, empty)
	s := maphash.Bytes(st.cache.seed, b)
	st.hbuf = b
	ni.sig, ni.known = s, ni.known|knowSig
	return s
}

// siblingsHash hashes p's element children (tags and attributes), once
// per parent: :nth-child, :last-of-type and the sibling combinators read
// them.
func (st *Styler) siblingsHash(p *html.Node) uint64 {
	pi := st.info(p)
	if pi.known&knowSibs != 0 {
		return pi.sibs
	}
	b := st.hbuf[:0]
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			b = appendElement(b, c)
		}
	}
	s := maphash.Bytes(st.cache.seed, b)
	st.hbuf = b
	pi.sibs, pi.known = s, pi.known|knowSibs
	return s
}

// appendElement appends what a context hash reads of n (its tag and
// attributes) to b: the strings are hashed at once (maphash.Bytes), not
// written one by one to a maphash.Hash.
func appendElement(b []byte, n *html.Node) []byte {
	b = append(b, n.Namespace...)
	b = append(b, 0)
	b = append(b, n.Data...)
	b = append(b, 0)
	for _, a := range n.Attr {
		b = append(b, a.Namespace...)
		b = append(b, 0)
		b = append(b, a.Key...)
		b = append(b, 0)
		b = append(b, a.Val...)
		b = append(b, 0)
	}
	return append(b, 1)
}
