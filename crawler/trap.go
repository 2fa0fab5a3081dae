package crawler

import (
	"bytes"
	"math/bits"
	"sort"
	"strings"
	"sync"

	"github.com/PuerkitoBio/goquery"
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

// observe records a crawled page and reports whether its links must not
// be followed: its cluster has reached the cap.
func (s *similarPages) observe(u, pattern, text string) bool {
	if s == nil || s.max <= 0 || len(text) < 1 {
		return false
	}
	h := simhash(text)
	n := len(text)
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

// textBufs are pageText's buffers, reused.
var textBufs = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// pageText returns up to limit bytes of the visible text of doc (scripts,
// styles, noscript and templates left out), words joined by one space,
// without copying the tree as visibleText does.
func pageText(doc *goquery.Document, limit int) string {
	// Written into a pooled buffer and copied once: a builder grown to a
	// page's 25 KB of text left twice that in garbage.
	buf := textBufs.Get().(*[]byte)
	b := bytes.NewBuffer((*buf)[:0])
	defer func() {
		if b.Cap() <= 1<<20 {
			*buf = b.Bytes()[:0]
			textBufs.Put(buf)
		}
	}()
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				for w := range strings.FieldsSeq(c.Data) {
					if b.Len() > 0 {
						b.WriteByte(' ')
					}
					b.WriteString(w)
					if b.Len() >= limit {
						return false
					}
				}
			case html.ElementNode:
				switch c.Data {
				case "script", "style", "noscript", "template", "head":
					continue
				}
				if !walk(c) {
					return false
				}
			}
		}
		return true
	}
	for _, n := range doc.Nodes {
		if !walk(n) {
			break
		}
	}
	return b.String()
}
