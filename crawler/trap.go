package crawler

import (
	"math/bits"
	"sort"
	"sync"

	"github.com/PuerkitoBio/goquery"
	"github.com/xunjian/xunjian/crawler/htmlfast"
	"golang.org/x/net/html"
)

// Trap is a part of a site the crawl stopped following: pages that kept
// coming under one URL pattern (calendars, session ids in URLs), chains of
// pages each leading to the next, or ever-new URLs serving the same page
// (fan-out traps, pages that differ only in counters and ids).
type Trap struct {
	// Reason is "similar-pages", "pattern" or "chain".
	Reason string
	// Example is one URL of it; Pattern its URL pattern (digits as #,
	// query values left out).
	Example, Pattern string
	// Pages is how many pages of it were crawled; Skipped how many
	// references to more of it were not followed.
	Pages, Skipped int
}

// similarPages detects fan-out traps by content: pages whose visible text
// is nearly the same (simhash within 3 bits, length within 10 %) form a
// cluster; once a cluster has max pages, the links of its further pages
// are not followed, so a trap costs about max pages plus what was already
// queued, not the whole max_pages budget. It keeps at most maxClusters
// clusters (a few hundred KB).
type similarPages struct {
	mu       sync.Mutex
	max      int
	clusters []cluster
	// blocks finds the clusters a hash may be near: a hash within 3 bits
	// of a cluster's has one of its four 16-bit blocks the same, so the
	// clusters filed under the hash's four blocks (block number << 16 |
	// value) are the only ones to compare, in their order. Every page was
	// compared with every cluster, 4,096 of them past the first pages
	// (0.2–0.3 CPU-s of a 20,000-page crawl).
	blocks map[uint32][]int32
}

// hashBlocks are the keys of h's four 16-bit blocks in similarPages.blocks.
func hashBlocks(h uint64) [4]uint32 {
	return [4]uint32{uint32(uint16(h)), 1<<16 | uint32(uint16(h>>16)), 2<<16 | uint32(uint16(h>>32)), 3<<16 | uint32(uint16(h>>48))}
}

type cluster struct {
	hash           uint64
	length         int
	pages, skipped int
	example        string
	pattern        string
}

const maxClusters = 4096

// enabled reports whether observe may stop a page's links (when not, the
// page's text need not be read).
func (s *similarPages) enabled() bool { return s != nil && s.max > 0 }

// observe records a crawled page (the simhash and length of its text,
// pageSimhash) and reports whether its links must not
// be followed: its cluster has reached the cap.
func (s *similarPages) observe(u, pattern string, h uint64, n int) bool {
	if !s.enabled() || n < 1 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first := -1 // the first cluster, in order, the page is near
	keys := hashBlocks(h)
	for _, k := range keys {
		for _, i := range s.blocks[k] {
			if first >= 0 && int(i) >= first {
				break // filed in order: the rest come later still
			}
			c := &s.clusters[i]
			if bits.OnesCount64(c.hash^h) <= 3 && n*10 >= c.length*9 && n*9 <= c.length*10 {
				first = int(i)
			}
		}
	}
	if first >= 0 {
		c := &s.clusters[first]
		if c.pages >= s.max {
			c.skipped++
			return true
		}
		c.pages++
		return false
	}
	if len(s.clusters) < maxClusters {
		if s.blocks == nil {
			s.blocks = map[uint32][]int32{}
		}
		for _, k := range keys {
			s.blocks[k] = append(s.blocks[k], int32(len(s.clusters)))
		}
		s.clusters = append(s.clusters, cluster{hash: h, length: n, pages: 1, example: u, pattern: pattern})
	}
	return false
}

// traps returns the clusters that reached the cap, the largest first.
func (s *similarPages) traps() []Trap {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Trap
	for _, c := range s.clusters {
		if c.skipped > 0 {
			out = append(out, Trap{Reason: "similar-pages", Example: c.example, Pattern: c.pattern, Pages: c.pages, Skipped: c.skipped})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Skipped > out[j].Skipped })
	return out
}

// pageSimhash returns the simhash and the length of the page's visible
// text as the near-duplicate check reads it: doc's text (scripts, styles,
// noscript, templates and the head left out), words joined by one space,
// up to the word that reaches limit bytes. The text is not written
// anywhere: the hash reads its words where they are, and only as far as
// its bigrams go; past them only the words' lengths are counted.
func pageSimhash(doc *goquery.Document, limit int) (hash uint64, length int) {
	var h simhasher
	n := 0
	word := func(w string) bool {
		if n > 0 {
			n++
			if !h.full() {
				h.writeString(" ")
			}
		}
		n += len(w)
		if !h.full() {
			h.writeString(w)
		}
		return n < limit
	}
	for _, root := range doc.Nodes {
		for c := root; c != nil; {
			descend := true
			switch c.Type {
			case html.TextNode:
				if h.full() {
					// Past the hash's bigrams only the length counts: a
					// node that does not reach the limit is measured
					// whole (its fields, a space before each but a first).
					fields, size := fieldsLen(c.Data)
					if fields > 0 && n > 0 {
						size++
					}
					if fields == 0 || n+size+fields-1 < limit {
						n += size + max(fields-1, 0)
						break
					}
				}
				if !eachField(c.Data, word) {
					return h.sum(), n
				}
			case html.ElementNode:
				switch c.Data {
				case "script", "style", "noscript", "template", "head":
					descend = false
				}
			}
			c = htmlfast.NextNode(root, c, descend)
		}
	}
	return h.sum(), n
}

// eachField calls f with the fields of s as strings.FieldsSeq splits them
// (runs of text between Unicode white space) until f returns false, and
// reports whether it did not. It reads bytes, where FieldsSeq decodes
// every rune of Chinese text: the non-ASCII spaces (U+0085, U+00A0,
// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) are
// compared as UTF-8 where their lead byte is (spaceLen), and inside a
// field it steps over eight bytes at a time where none of them is such a
// lead byte or ASCII white space (spaceLeads), as in most of a page's
// Chinese text.
func eachField(s string, f func(string) bool) bool {
	for i := 0; ; {
		start, end := nextField(s, i)
		if start == len(s) {
			return true
		}
		if !f(s[start:end]) {
			return false
		}
		i = end
	}
}

// nextField returns the bounds of the first field of s at or after i
// (start == len(s) if there is none).
func nextField(s string, i int) (start, end int) {
	for i < len(s) && maySpace(s[i]) { // the space before a field
		size := spaceLen(s, i)
		if size == 0 {
			break
		}
		i += size
	}
	start = i
	for i < len(s) {
		// Eight bytes a step to the first that may start a space (the
		// last step reads the end of s, padded with letters).
		var m uint64
		if i+8 <= len(s) {
			m = spaceLeads(load64(s, i))
		} else {
			m = spaceLeads(loadEnd(s, i))
		}
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) / 8
		if spaceLen(s, i) > 0 {
			return start, i
		}
		i++ // (a rune's other bytes are never a space's lead byte)
	}
	return start, len(s)
}

// maySpace reports whether c may start white space (spaceLen).
func maySpace(c byte) bool { return c <= ' ' || c == 0xC2 || c >= 0xE1 && c <= 0xE3 }

// spaceLen returns the length of the white space rune (unicode.IsSpace)
// at s[i], 0 if there is none there. It compares the bytes with the
// spaces' UTF-8: a malformed or other rune is no space.
func spaceLen(s string, i int) int {
	switch s[i] {
	case '\t', '\n', '\v', '\f', '\r', ' ':
		return 1
	case 0xC2: // U+0085, U+00A0
		if i+1 < len(s) && (s[i+1] == 0x85 || s[i+1] == 0xA0) {
			return 2
		}
	case 0xE1: // U+1680
		if i+2 < len(s) && s[i+1] == 0x9A && s[i+2] == 0x80 {
			return 3
		}
	case 0xE2: // U+2000…U+200A, U+2028, U+2029, U+202F, U+205F
		if i+2 < len(s) {
			switch b1, b2 := s[i+1], s[i+2]; {
			case b1 == 0x80 && (b2 >= 0x80 && b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF), b1 == 0x81 && b2 == 0x9F:
				return 3
			}
		}
	case 0xE3: // U+3000
		if i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0x80 {
			return 3
		}
	}
	return 0
}

// fieldsLen returns how many fields eachField finds in s and their
// length in bytes, without calling anything per field.
func fieldsLen(s string) (fields, size int) {
	for i := 0; ; {
		start, end := nextField(s, i)
		if start == len(s) {
			return fields, size
		}
		fields++
		size += end - start
		i = end
	}
}

// loadEnd reads s[i:], less than eight bytes, as the low bytes of a
// little-endian word whose other bytes are 'a'.
func loadEnd(s string, i int) uint64 {
	const pad = 0x6161616161616161
	r := len(s) - i
	if len(s) >= 8 {
		return load64(s, len(s)-8)>>(8*(8-r)) | pad<<(8*r)
	}
	x := uint64(pad)
	for k := len(s) - 1; k >= i; k-- {
		x = x<<8 | uint64(s[k])
	}
	return x
}

// load64 reads s[i:i+8] as a little-endian word (one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// spaceLeads marks the bytes of x that may start white space: ASCII
// white space (and other bytes below 0x21), 0xC2 and 0xE0…0xE3. Its
// lowest mark (the high bit of a byte) is exact, the marks above it may
// not be: hasless(x, n) of Bit Twiddling Hacks, (x - n*ones) &^ x & highs,
// marks the bytes of x below n (n <= 128), its borrows marking false ones
// only above a true one.
func spaceLeads(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	low := (x - 0x21*ones) &^ x
	y := x ^ 0xE0*ones // 0xE0…0xE3 become 0…3
	e := (y - 4*ones) &^ y
	z := x ^ 0xC2*ones // 0xC2 becomes 0
	c := (z - ones) &^ z
	return (low | e | c) & highs
}

// Byte classes for collapsed: the ASCII white space, and the lead bytes
// of the other white space runes.
const (
	classWord uint8 = iota
	classSpace
	classMaybeSpace
)

var byteClass = [256]uint8{'\t': classSpace, '\n': classSpace, '\v': classSpace, '\f': classSpace, '\r': classSpace, ' ': classSpace,
	0xC2: classMaybeSpace, 0xE1: classMaybeSpace, 0xE2: classMaybeSpace, 0xE3: classMaybeSpace}
