package checks

import (
	"slices"
	"unsafe"

	"github.com/xunjian/xunjian/match"
)

// textScan reads a document's text once for the sensitive-word and typo
// checks (match.Pair: each rune decoded once for both automata; each
// check reading every page's text with its own matcher was two scans).
// Build gives it to both when both run; each then takes its matcher's
// matches of a segment from the document's scan (the first to read the
// document makes it) and selects from them as FindAll would
// (Matcher.Select). TestTextScanAsFindAll holds the two checks'
// findings to their findings without it.
type textScan struct {
	pair *match.Pair
}

// scanned is one reading of a document's segments: each segment's
// Overlapping matches of the pair's first (words) and second (typos)
// matcher, and the segments' texts they were read from.
type scanned struct {
	by           *textScan
	texts        []string
	words, typos [][]match.Match
}

// find returns FindAll of segment k of doc by m, the pair's first matcher
// (typo false) or its second (typo true).
func (s *textScan) find(doc *Document, k int, m *match.Matcher, typo bool) []match.Match {
	sc := doc.scanned
	if !sc.of(s, doc) {
		sc = &scanned{by: s, texts: make([]string, len(doc.Segments)),
			words: make([][]match.Match, len(doc.Segments)), typos: make([][]match.Match, len(doc.Segments))}
		for i, seg := range doc.Segments {
			sc.texts[i] = seg.Text
			s.pair.Overlapping(bytesOf(seg.Text),
				func(x match.Match) { sc.words[i] = append(sc.words[i], x) },
				func(x match.Match) { sc.typos[i] = append(sc.typos[i], x) })
		}
		doc.scanned = sc
	}
	all := sc.words[k]
	if typo {
		all = sc.typos[k]
	}
	// Select reorders what it is given: the other check, or this one
	// reading the document again, gets the scan as it was.
	return m.Select(bytesOf(doc.Segments[k].Text), slices.Clone(all))
}

// of reports whether sc is s's reading of doc's segments as they are.
func (sc *scanned) of(s *textScan, doc *Document) bool {
	if sc == nil || sc.by != s || len(sc.texts) != len(doc.Segments) {
		return false
	}
	for i, seg := range doc.Segments {
		if len(seg.Text) != len(sc.texts[i]) || unsafe.StringData(seg.Text) != unsafe.StringData(sc.texts[i]) {
			return false
		}
	}
	return true
}

// bytesOf is s's bytes, not copied: the matchers only read them.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
