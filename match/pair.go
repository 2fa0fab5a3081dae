package match

import (
	"bytes"
	"unicode/utf8"
)

// Pair reads a text once for two matchers (the sensitive-word and typo
// checks read every page's text each with its own): each rune is decoded
// once and its codes in both alphabets come from one table, then each
// automaton takes its step. Overlapping calls each matcher's function
// with the matches, in the order, that the matcher's own Overlapping
// would (TestPairAsOverlapping, FuzzPairAsOverlapping). Safe for
// concurrent use.
type Pair struct {
	a, b *Matcher
	// table holds, for every BMP rune, a's table entry in its low 16 bits
	// and b's in its high 16 bits.
	table []uint32
}

// NewPair returns the pair of a and b.
func NewPair(a, b *Matcher) *Pair {
	p := &Pair{a: a, b: b, table: make([]uint32, 0x10000)}
	for r := range p.table {
		p.table[r] = uint32(a.table[r]) | uint32(b.table[r])<<16
	}
	return p
}

// astralEntry is the table entry of a rune past the BMP, as Overlapping
// computes it.
func (m *Matcher) astralEntry(r rune) uint16 {
	entry := m.astral[r]
	if IsHan(r) {
		entry |= hanBit
	} else if !m.plain && isNoise(r) {
		entry |= noiseBit
	}
	return entry
}

// Overlapping calls fa with a's matches in text and fb with b's, as
// a.Overlapping(text, fa) and b.Overlapping(text, fb) would. The two
// automata's steps are written out in full, one after the other: a call
// a rune each would cost what sharing the decoding saves.
func (p *Pair) Overlapping(text []byte, fa, fb func(Match)) { p.scan(text, nil, fa, fb) }

// OverlappingMemo is Overlapping that does not read again a line memo
// knows (see LineMemo): where both automata are at their root when a line
// begins, a line read before from the same state to no match and back to
// both roots is passed over, and such lines read now are remembered.
// Its matches, in their order, are Overlapping's (TestPairMemoAsOverlapping,
// FuzzPairMemoAsOverlapping). memo must be used with this pair only.
func (p *Pair) OverlappingMemo(text []byte, memo *LineMemo, fa, fb func(Match)) {
	p.scan(text, memo, fa, fb)
}

// scan is Overlapping, with memo when it is not nil.
func (p *Pair) scan(text []byte, memo *LineMemo, fa, fb func(Match)) {
	a, b := p.a, p.b
	table := (*[0x10000]uint32)(p.table)
	nodesA, rootA, nodesB, rootB := a.nodes, a.rootNext, b.nodes, b.rootNext
	var ringA, ringB [MaxWordRunes]int32
	var posA, posB uint32
	sA, sB := int32(rootState), int32(rootState)
	hanA, hanB := false, false
	// A matcher skipping "(pinyin)" after a Han character reads nothing
	// before skipA (skipB).
	skipA, skipB := 0, 0
	n := len(text)
	// The text is read a line at a time (the whole text as one line
	// without a memo). A line is passed over when it begins with both
	// automata at the root, no pinyin group being skipped, and memo holds
	// it for the Han flags it begins with: read from there before, it
	// matched nothing and left both automata at the root with the flags
	// memo kept — what reading it again would do, since a line's reading
	// depends only on its bytes and the state it begins in (its '\n',
	// included, ends every look-ahead: a rune's decoding, a pinyin group).
	// Reading no more of it, the rings miss its positions: no later match
	// reaches back past a root.
	looked, hits, passed := 0, 0, 0
	for ls := 0; ls < n; {
		le := n
		var key lineKey
		learn := false
		if memo != nil {
			if j := bytes.IndexByte(text[ls:], '\n'); j >= 0 {
				le = ls + j + 1
			}
			if le-ls >= minMemoLine && sA == rootState && sB == rootState && skipA <= ls && skipB <= ls {
				key = memo.key(text[ls:le], hanFlags(hanA, hanB))
				looked++
				if end, ok := memo.lookup(key); ok {
					hits++
					passed += le - ls
					hanA, hanB = end&1 != 0, end&2 != 0
					ls = le
					continue
				}
				learn = true
			}
		}
		// emitted: a state with words was reached in this line.
		emitted := false
		for i := ls; i < le; {
			c := text[i]
			var e uint32
			size := 1
			switch {
			case c < utf8.RuneSelf:
				e = table[c]
			case c&0xF0 == 0xE0 && i+2 < n && text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80:
				r := rune(c&0x0F)<<12 | rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F)
				size = 3
				if r < 0x800 || (r >= 0xD800 && r <= 0xDFFF) {
					e, size = 0, 1
				} else {
					e = table[uint16(r)]
				}
			default:
				r, sz := utf8.DecodeRune(text[i:])
				size = sz
				if r < 0x10000 && r != utf8.RuneError {
					e = table[uint16(r)]
				} else if r >= 0x10000 {
					e = uint32(a.astralEntry(r)) | uint32(b.astralEntry(r))<<16
				}
			}
			// a's step (Overlapping's loop body).
			if i >= skipA {
				entry := uint16(e)
				switch {
				case entry&noiseBit != 0 && hanA:
				case hanA && !a.plain && mayOpenPinyin(text, i) && skipPinyin(text, i, &skipA):
				default:
					code := entry & codeMask
					hanA = entry&hanBit != 0
					if code == 0 {
						sA = rootState
						break
					}
					for {
						if sA == rootState {
							sA = rootA[code]
							break
						}
						t := nodesA[sA].base + int32(code)
						if uint(t) < uint(len(nodesA)) && nodesA[t].check == sA {
							sA = t
							break
						}
						sA = nodesA[sA].fail
					}
					ringA[posA%MaxWordRunes] = int32(i)
					posA++
					if sA != rootState && nodesA[sA].emit >= 0 {
						emitted = true
						a.emit(text, nodesA[sA].emit, &ringA, posA, i+size, fa)
					}
				}
			}
			// b's step, the same.
			if i >= skipB {
				entry := uint16(e >> 16)
				switch {
				case entry&noiseBit != 0 && hanB:
				case hanB && !b.plain && mayOpenPinyin(text, i) && skipPinyin(text, i, &skipB):
				default:
					code := entry & codeMask
					hanB = entry&hanBit != 0
					if code == 0 {
						sB = rootState
						break
					}
					for {
						if sB == rootState {
							sB = rootB[code]
							break
						}
						t := nodesB[sB].base + int32(code)
						if uint(t) < uint(len(nodesB)) && nodesB[t].check == sB {
							sB = t
							break
						}
						sB = nodesB[sB].fail
					}
					ringB[posB%MaxWordRunes] = int32(i)
					posB++
					if sB != rootState && nodesB[sB].emit >= 0 {
						emitted = true
						b.emit(text, nodesB[sB].emit, &ringB, posB, i+size, fb)
					}
				}
			}
			i += size
		}
		if learn && !emitted && sA == rootState && sB == rootState {
			memo.add(key, hanFlags(hanA, hanB))
		}
		ls = le
	}
	if memo != nil {
		memo.read.Add(int64(n))
		if looked > 0 {
			memo.lines.Add(int64(looked))
			memo.hits.Add(int64(hits))
			memo.passed.Add(int64(passed))
		}
	}
}

func hanFlags(a, b bool) uint64 {
	var f uint64
	if a {
		f |= 1
	}
	if b {
		f |= 2
	}
	return f
}

// mayOpenPinyin reports whether text[i] may open a pinyin group: '(' or
// the full-width '（' (EF BC 88). pinyinGroup asks the same first; told
// here, the commas and colons of Chinese text (EF BC 8C, EF BC 9A) after a
// Han character no longer cost a call.
func mayOpenPinyin(text []byte, i int) bool {
	return text[i] == '(' || text[i] == 0xEF && i+2 < len(text) && text[i+1] == 0xBC && text[i+2] == 0x88
}

// emit reports the words of the output chain from output o (a state's
// emit), ending at end (Overlapping's inner loop).
func (m *Matcher) emit(text []byte, o int32, ring *[MaxWordRunes]int32, pos uint32, end int, fn func(Match)) {
	for o >= 0 {
		w := m.outs[o].word
		l := uint32(m.runes[w])
		start := int(ring[(pos-l)%MaxWordRunes])
		if !m.ascii[w] || bounded(text, start, end) {
			fn(Match{Start: start, End: end, Word: int(w)})
		}
		o = m.outs[o].next
	}
}

// skipPinyin sets *skip past a pinyin group at text[i:] and reports
// whether there is one.
func skipPinyin(text []byte, i int, skip *int) bool {
	if n := pinyinGroup(text, i); n > 0 {
		*skip = i + n
		return true
	}
	return false
}
