package hidden

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
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
	// seen remembers keys met once: a fingerprint of each in a set of four
	// slots (by the fingerprint's low bits), where later keys of the same
	// set push it out — such a style is kept at its next sight instead.
	// 512 KB for the default 20,000 styles, whatever the run: a map of
	// the keys, cleared at 80,000 (links' own contexts, met once each),
	// held 3.1 MB through a 20,000-page run. Only what is cached, never a
	// style, depends on it.
	seen []uint64
	// hides holds what hides an element (Styler.hide) by the same key,
	// kept the second time it is met (hseen, slots like seen's) like
	// styles: a link's answer in one lookup, without its ancestors'
	// styles, colours and backgrounds looked up one by one.
	hides map[styleKey]hideEntry
	hseen []uint64
	// Hits and Misses count lookups, for measurements.
	hits, misses atomic.Int64
	// hideHits counts the elements answered by hides.
	hideHits atomic.Int64
}

// hideEntry is Styler.hide's answer for an element: the technique, how
// many levels up the element that hides it is, the properties, and the
// element's depth (the fast path leaves elements deeper than the budget's
// to the walk, which stops there).
type hideEntry struct {
	tech        string
	props       []string
	dist, depth int
}

func (c *StyleCache) getHide(k styleKey) (hideEntry, bool) {
	c.mu.RLock()
	e, ok := c.hides[k]
	c.mu.RUnlock()
	if ok {
		c.hideHits.Add(1)
	}
	return e, ok
}

func (c *StyleCache) putHide(k styleKey, e hideEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if firstSightIn(c.hseen, k) {
		return
	}
	if len(c.hides) < c.max {
		// tech and props are the styler's constants, never a page's
		// text: nothing to copy.
		c.hides[k] = e
	}
}

type styleKey struct{ sheets, elem uint64 }

// NewStyleCache returns a cache of at most max styles.
func NewStyleCache(max int) *StyleCache {
	slots := 1024
	for slots < 2*max {
		slots <<= 1
	}
	return &StyleCache{seed: maphash.MakeSeed(), max: max, m: map[styleKey]map[string]string{}, seen: make([]uint64, slots),
		hides: map[styleKey]hideEntry{}, hseen: make([]uint64, slots)}
}

// firstSight reports whether k was not met before (as far as seen
// remembers), remembering it. Called with c.mu held.
func (c *StyleCache) firstSight(k styleKey) bool { return firstSightIn(c.seen, k) }

// firstSightIn is firstSight in the fingerprint slots given. Slots go in
// fours (by the fingerprint's low bits): a key is looked for in all four,
// and a new one goes first, moving the others down and the oldest out.
// With one slot a key, two keys that recur on every page could share one
// (a template's element and another's, by chance of the run's seed) and
// replace each other at every sight, so neither was ever kept; with pairs,
// three did (2 runs in 600 of TestStyleCacheAcrossPages).
func firstSightIn(seen []uint64, k styleKey) bool {
	f := k.sheets*0x9E3779B97F4A7C15 ^ k.elem
	if f == 0 {
		f = 1 // 0 is the empty slot
	}
	i := f & uint64(len(seen)-4)
	s := seen[i : i+4 : i+4]
	if s[0] == f || s[1] == f || s[2] == f || s[3] == f {
		return false
	}
	s[3], s[2], s[1], s[0] = s[2], s[1], s[0], f
	return true
}

// Stats returns the lookups that found a style and those that did not.
func (c *StyleCache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// HideHits is the number of elements whose hiding was answered at once.
func (c *StyleCache) HideHits() int64 { return c.hideHits.Load() }

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

// ctxStep is an element of contextOf's way down: the element, its memo
// and its parent's (nil for a parent that is not an element).
type ctxStep struct {
	n      *html.Node
	ni, pi *nodeInfo
}

// contextOf is context of n, whose memo is ni. A loop up to the nearest
// ancestor whose context is known (or the top), then down from it, each
// element's context extending its parent's: a recursion up the tree, 120
// deep on the benchmark's pages, grew the page worker's stack.
func (st *Styler) contextOf(n *html.Node, ni *nodeInfo) uint64 {
	if ni.known&knowSig != 0 {
		return ni.sig
	}
	path := st.ctxPath[:0]
	var sig uint64 // the context of the top of the way's parent (0: none)
	for x, xi := n, ni; ; {
		step := ctxStep{n: x, ni: xi}
		p := x.Parent
		if p == nil || p.Type != html.ElementNode {
			path = append(path, step)
			break
		}
		step.pi = st.info(p)
		path = append(path, step)
		if step.pi.known&knowSig != 0 {
			sig = step.pi.sig
			break
		}
		x, xi = p, step.pi
	}
	for k := len(path) - 1; k >= 0; k-- {
		sig = st.contextStep(path[k], sig)
	}
	clear(path)
	st.ctxPath = path[:0]
	return sig
}

// contextStep computes and memoises the context of s.n, whose parent's
// is parentSig: the parent's, the hash of the parent's element children,
// s.n's place among them and whether s.n is empty. Its own tag and
// attributes are among its siblings' (the place tells which): hashed
// apart only for an element with no parent.
func (st *Styler) contextStep(s ctxStep, parentSig uint64) uint64 {
	n := s.n
	var sibSig uint64
	index := 0
	if p := n.Parent; p != nil {
		pi := s.pi
		if pi == nil {
			pi = st.info(p)
		}
		sibSig = st.siblingsHash(p, pi)
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
	if n.Parent == nil {
		b = st.appendElement(b, n)
	}
	empty := uint64(1)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode || c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			empty = 0
			break
		}
	}
	b = binary.LittleEndian.AppendUint64(b, empty)
	sig := maphash.Bytes(st.cache.seed, b)
	st.hbuf = b
	s.ni.sig, s.ni.known = sig, s.ni.known|knowSig
	return sig
}

// siblingsHash hashes p's element children (tags and attributes), once
// per parent (pi is p's memo): :nth-child, :last-of-type and the sibling
// combinators read them.
func (st *Styler) siblingsHash(p *html.Node, pi *nodeInfo) uint64 {
	if pi.known&knowSibs != 0 {
		return pi.sibs
	}
	b := st.hbuf[:0]
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			b = st.appendElement(b, c)
		}
	}
	s := maphash.Bytes(st.cache.seed, b)
	st.hbuf = b
	pi.sibs, pi.known = s, pi.known|knowSibs
	return s
}

// appendElement appends what a context hash reads of n (its tag and the
// attributes the styler reads, see attrReads) to b: the strings are hashed
// at once (maphash.Bytes), not written one by one to a maphash.Hash.
func (st *Styler) appendElement(b []byte, n *html.Node) []byte {
	b = append(b, n.Namespace...)
	b = append(b, 0)
	b = append(b, n.Data...)
	b = append(b, 0)
	for _, a := range n.Attr {
		if !st.reads.has(a.Key) {
			continue
		}
		b = append(b, a.Namespace...)
		b = append(b, 0)
		b = append(b, a.Key...)
		b = append(b, 0)
		b = append(b, a.Val...)
		b = append(b, 0)
	}
	return append(b, 1)
}

// attrReads are the attributes whose values or presence can change an
// element's style or how it hides: the ones the sheets' selectors read
// ([attr] selectors, :link, :checked, :lang…), the style attribute, and
// those ownHiding reads. The rest (a link's href and title, an image's
// src) are left out of an element's context (StyleCache), so that the
// links of a template's lists, which differ from page to page only by
// them, share their contexts across pages. all is set when some selector
// reads attributes that cannot be told (a pseudo-class not known here):
// then every attribute is in the context, as before.
type attrReads struct {
	all  bool
	keys []string // lower case
}

// ownReads are the attributes the styler reads itself: the cascade's
// keys (id, class), the style attribute, and ownHiding's.
var ownReads = []string{"id", "class", "style", "hidden", "width", "height", "frameborder", "scrolling"}

// has reports whether the attribute key is read (keys are compared in
// any ASCII case: cascadia lower-cases a selector's attribute names,
// foreign content keeps some camel-cased).
func (r *attrReads) has(key string) bool {
	if r.all {
		return true
	}
	for _, k := range r.keys {
		if k == key {
			return true
		}
	}
	// Another case: only a key with an upper-case or non-ASCII byte can
	// fold to a lower-case key of its length (a parsed page's are mostly
	// lower case already).
	fold := false
	for i := 0; i < len(key) && !fold; i++ {
		fold = key[i] >= 'A' && key[i] <= 'Z' || key[i] >= 0x80
	}
	if !fold {
		return false
	}
	for _, k := range r.keys {
		if len(k) == len(key) && strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// add adds the attributes a selector reads.
func (r *attrReads) add(sel string) {
	if r.all {
		return
	}
	keys, ok := selectorReads(sel)
	if !ok {
		r.all, r.keys = true, nil
		return
	}
	for _, k := range keys {
		r.addKey(k)
	}
}

func (r *attrReads) addKey(k string) {
	if !slices.Contains(r.keys, k) {
		r.keys = append(r.keys, k)
	}
}

// merge adds the attributes o reads.
func (r *attrReads) merge(o *attrReads) {
	if r.all {
		return
	}
	if o.all {
		r.all, r.keys = true, nil
		return
	}
	for _, k := range o.keys {
		r.addKey(k)
	}
}

// pseudoReads are the pseudo-classes and pseudo-elements cascadia knows
// (cascadia v1.3.5, parser.go), with the attributes each reads beyond the
// element's tag, its place among its siblings and its emptiness, which
// the context holds anyway. A selector with any other (:haschild, or
// whatever a later cascadia adds) reads every attribute, as far as the
// context knows.
var pseudoReads = map[string][]string{
	"not": nil, "nth-child": nil, "nth-last-child": nil, "nth-of-type": nil, "nth-last-of-type": nil,
	"first-child": nil, "last-child": nil, "first-of-type": nil, "last-of-type": nil, "only-child": nil, "only-of-type": nil,
	"input": nil, "empty": nil, "root": nil,
	"link": {"href"}, "lang": {"lang"}, "enabled": {"href", "disabled"}, "disabled": {"disabled"},
	"checked": {"checked", "type", "selected"},
	"visited": nil, "hover": nil, "active": nil, "focus": nil, "target": nil,
	"after": nil, "backdrop": nil, "before": nil, "cue": nil, "first-letter": nil, "first-line": nil, "grammar-error": nil,
	"marker": nil, "placeholder": nil, "selection": nil, "spelling-error": nil,
}

// selectorReads returns the attributes a selector reads by name: its
// [attr] selectors' and its pseudo-classes'. ok is false when it cannot
// tell (an unknown pseudo-class, a name it cannot read, a quote outside
// brackets).
func selectorReads(sel string) (keys []string, ok bool) {
	ident := func(i int) (string, int) {
		j := i
		for j < len(sel) {
			c := sel[j]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 0x80 {
				j++
				continue
			}
			break
		}
		return strings.ToLower(sel[i:j]), j
	}
	for i := 0; i < len(sel); {
		switch c := sel[i]; c {
		case '[':
			i++
			for i < len(sel) && (sel[i] == ' ' || sel[i] == '\t' || sel[i] == '\n' || sel[i] == '\r' || sel[i] == '\f') {
				i++
			}
			k, j := ident(i)
			if k == "" || j < len(sel) && sel[j] == '|' {
				return nil, false
			}
			keys = append(keys, k)
			// Past the value to the closing bracket, quotes skipped.
			var quote byte
			for i = j; i < len(sel) && (quote != 0 || sel[i] != ']'); i++ {
				switch {
				case quote != 0 && sel[i] == quote:
					quote = 0
				case quote == 0 && (sel[i] == '"' || sel[i] == '\''):
					quote = sel[i]
				}
			}
			if i == len(sel) {
				return nil, false
			}
			i++
		case ':':
			i++
			if i < len(sel) && sel[i] == ':' {
				i++
			}
			k, j := ident(i)
			reads, known := pseudoReads[k]
			if !known {
				return nil, false
			}
			keys = append(keys, reads...)
			i = j
		case '"', '\'', '\\':
			return nil, false
		default:
			i++
		}
	}
	return keys, true
}
