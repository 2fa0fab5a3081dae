package match

import (
	"hash/maphash"
	"sync/atomic"
)

// LineMemo remembers, for one Pair, the lines of text that matched nothing
// when read from both automata's roots, with the Han flags they left, so
// that Pair.OverlappingMemo passes over them the next time: a portal's
// pages repeat their navigation, footer, column lists, 相关信息 entries
// and table headers and rows from page to page. A line is known by two
// keyed 64-bit hashes of its bytes (hash/maphash, the memo's own random
// seeds), the Han flags it is read with and its length: one picks its set
// of four slots, the other (62 of its bits) is kept in the slot, with the
// two flags the line ended with. It is kept the second time it is read
// (a first sight leaves a 32-bit fingerprint in slots of its own), so an
// article's own paragraphs, read once, do not push out what pages share;
// a new line goes first in its set and the set's oldest leaves. Its size is
// fixed when it is made (12 bytes a slot); it never grows. Safe for
// concurrent use: slots are read and written whole, and a lost or doubled
// slot under a race costs a later read of the line, never a wrong one.
type LineMemo struct {
	seedSlot, seedKey maphash.Seed
	slots             []atomic.Uint64
	seen              []atomic.Uint32
	// hits and lines count the lines passed over and those looked up
	// (added once a text).
	hits, lines atomic.Int64
	// passed counts the bytes of the lines passed over, read the bytes
	// of all texts read with the memo.
	passed, read atomic.Int64
}

// minMemoLine is the shortest line (with its '\n') looked up: two hashes
// and a lookup cost about what reading ten characters does.
const minMemoLine = 32

// NewLineMemo returns a memo of about slots lines (rounded up to a power of
// two, at least 1,024).
func NewLineMemo(slots int) *LineMemo {
	n := 1024
	for n < slots {
		n <<= 1
	}
	return &LineMemo{seedSlot: maphash.MakeSeed(), seedKey: maphash.MakeSeed(),
		slots: make([]atomic.Uint64, n), seen: make([]atomic.Uint32, n)}
}

// Stats returns the lines looked up and those passed over.
func (m *LineMemo) Stats() (lines, hits int64) { return m.lines.Load(), m.hits.Load() }

// Bytes returns the bytes of the texts read with the memo and those of the
// lines passed over.
func (m *LineMemo) Bytes() (read, passed int64) { return m.read.Load(), m.passed.Load() }

// lineKey is a line as the memo knows it: set, the first of its four
// slots; fp, the fingerprint kept in the slot (its two low bits zero, for
// the flags the line ends with; never 0, which is an empty slot).
type lineKey struct {
	set int
	fp  uint64
}

// key is the key of line read from the Han flags in (hanFlags).
func (m *LineMemo) key(line []byte, in uint64) lineKey {
	mix := uint64(len(line))<<2 | in
	h1 := maphash.Bytes(m.seedSlot, line) ^ mix*0x9E3779B97F4A7C15
	h2 := maphash.Bytes(m.seedKey, line) ^ mix*0xC2B2AE3D27D4EB4F
	h1 ^= h1 >> 29
	fp := h2 &^ 3
	if fp == 0 {
		fp = 4
	}
	return lineKey{set: int(h1*0xBF58476D1CE4E5B9>>32) & (len(m.slots) - 4), fp: fp}
}

// lookup returns the Han flags k's line ended with, if the memo holds it.
func (m *LineMemo) lookup(k lineKey) (uint64, bool) {
	s := m.slots[k.set : k.set+4 : k.set+4]
	for i := range s {
		if v := s[i].Load(); v&^3 == k.fp {
			return v & 3, true
		}
	}
	return 0, false
}

// add keeps k's line, which ended with the Han flags end, if it was seen
// before (else it is remembered as seen).
func (m *LineMemo) add(k lineKey, end uint64) {
	f := uint32(k.fp>>32) | 1
	seen := m.seen[k.set : k.set+4 : k.set+4]
	if seen[0].Load() != f && seen[1].Load() != f && seen[2].Load() != f && seen[3].Load() != f {
		seen[3].Store(seen[2].Load())
		seen[2].Store(seen[1].Load())
		seen[1].Store(seen[0].Load())
		seen[0].Store(f)
		return
	}
	s := m.slots[k.set : k.set+4 : k.set+4]
	s[3].Store(s[2].Load())
	s[2].Store(s[1].Load())
	s[1].Store(s[0].Load())
	s[0].Store(k.fp | end)
}
