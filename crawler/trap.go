package crawler

import (
	"math/bits"
	"sort"
	"sync"
	"unicode"
	"unicode/utf8"

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
	for i := range s.clusters {
		c := &s.clusters[i]
		if bits.OnesCount64(c.hash^h) > 3 || n*10 < c.length*9 || n*9 > c.length*10 {
			continue
		}
		if c.pages >= s.max {
			c.skipped++
			return true
		}
		c.pages++
		return false
	}
	if len(s.clusters) < maxClusters {
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
// reports whether it did not. It reads bytes: only the lead bytes of the
// non-ASCII spaces (U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028,
// U+2029, U+202F, U+205F, U+3000) are decoded, where FieldsSeq decodes
// every rune of Chinese text.
func eachField(s string, f func(string) bool) bool {
	i := 0
	for {
		for i < len(s) { // the space before a field
			switch byteClass[s[i]] {
			case classSpace:
				i++
				continue
			case classMaybeSpace:
				if r, size := utf8.DecodeRuneInString(s[i:]); unicode.IsSpace(r) {
					i += size
					continue
				}
			}
			break
		}
		if i == len(s) {
			return true
		}
		start := i
	field:
		for i < len(s) {
			switch byteClass[s[i]] {
			case classWord:
				i++
			case classSpace:
				break field
			default:
				r, size := utf8.DecodeRuneInString(s[i:])
				if unicode.IsSpace(r) {
					break field
				}
				i += size
			}
		}
		if !f(s[start:i]) {
			return false
		}
	}
}

// Byte classes for eachField: the ASCII white space, and the lead bytes
// of the other white space runes.
const (
	classWord uint8 = iota
	classSpace
	classMaybeSpace
)

var byteClass = [256]uint8{'\t': classSpace, '\n': classSpace, '\v': classSpace, '\f': classSpace, '\r': classSpace, ' ': classSpace,
	0xC2: classMaybeSpace, 0xE1: classMaybeSpace, 0xE2: classMaybeSpace, 0xE3: classMaybeSpace}
