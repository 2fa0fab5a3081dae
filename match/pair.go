package match

import "unicode/utf8"

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
func (p *Pair) Overlapping(text []byte, fa, fb func(Match)) {
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
	for i := 0; i < n; {
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
					b.emit(text, nodesB[sB].emit, &ringB, posB, i+size, fb)
				}
			}
		}
		i += size
	}
}

// mayOpenPinyin reports whether text[i] may open a pinyin group: '(' or
// the full-width '（' (EF BC 88), what pinyinGroup looks for first. Told
// here, the commas, colons and brackets of Chinese text after a Han
// character (EF BC 8C, EF BC 9A, EF BC 89…, whose lead byte was all the
// scan asked) no longer cost a call each.
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
