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
	// table holds, for every BMP rune, a's table entry in its low 16 bits,
	// b's in the next 16, and the flags pairStartA, pairStartB and
	// pairOpener above them.
	table []uint64
}

// Flags of a Pair's table entry beside the two matchers' entries.
const (
	// pairStartA: the rune begins a word of a (moves a from its root).
	pairStartA = 1 << 32
	// pairStartB: the same for b.
	pairStartB = 1 << 33
	// pairOpener: ( or （, which may open a pinyin group.
	pairOpener = 1 << 34
	// pairHan: both matchers' Han flags, in entries and in the scan's
	// flags (a's at hanBit, b's 16 bits higher).
	pairHan = hanBit | hanBit<<16
)

// NewPair returns the pair of a and b.
func NewPair(a, b *Matcher) *Pair {
	p := &Pair{a: a, b: b, table: make([]uint64, 0x10000)}
	for r := range p.table {
		p.table[r] = p.entry(a.table[r], b.table[r], rune(r))
	}
	return p
}

// entry is the table entry of r, given its entries in a and b.
func (p *Pair) entry(ea, eb uint16, r rune) uint64 {
	e := uint64(ea) | uint64(eb)<<16
	if p.a.rootNext[ea&codeMask] != rootState {
		e |= pairStartA
	}
	if p.b.rootNext[eb&codeMask] != rootState {
		e |= pairStartB
	}
	if opensPinyin(r) {
		e |= pairOpener
	}
	return e
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
// a.Overlapping(text, fa) and b.Overlapping(text, fb) would.
//
// Most runes are read by the common loop (common): b at its root, a rune
// that begins no word of b costs b only its Han flag, and a rune that
// leaves a at its root costs a only its Han flag too (a word's first rune
// always moves an automaton off its root, so the positions not recorded
// are never a match's start). The rest take the full step below, the two
// automata's steps written out one after the other (a call a rune each
// would cost what sharing the decoding saves).
func (p *Pair) Overlapping(text []byte, fa, fb func(Match)) {
	a, b := p.a, p.b
	table := (*[0x10000]uint64)(p.table)
	nodesA, rootA, nodesB, rootB := a.nodes, a.rootNext, b.nodes, b.rootNext
	var ringA, ringB [MaxWordRunes]int32
	var posA, posB uint32
	sA, sB := int32(rootState), int32(rootState)
	// han holds each matcher's flag: the last rune it read was Han.
	var han uint64
	// A matcher skipping "(pinyin)" after a Han character reads nothing
	// before skipA (skipB).
	skipA, skipB := 0, 0
	n := len(text)
	for i := 0; i < n; {
		// The common loop: b at its root, neither skipping a pinyin group.
		if sB == rootState && i >= skipA && i >= skipB {
			var matched bool
			if i, matched = a.common(table, text, i, &sA, &posA, &han, &ringA); matched {
				a.emit(text, nodesA[sA].emit, &ringA, posA, i, fa)
				continue
			}
		}
		if i >= n {
			break
		}
		// The full step of both automata, for one rune.
		c := text[i]
		var e uint64
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
				e = p.entry(a.astralEntry(r), b.astralEntry(r), r)
			}
		}
		// a's step (Overlapping's loop body).
		if i >= skipA {
			switch {
			case e&noiseBit != 0 && han&hanBit != 0:
			case e&pairOpener != 0 && han&hanBit != 0 && !a.plain && skipPinyin(text, i, &skipA):
			case sA == rootState && e&pairStartA == 0:
				// Stays at the root.
				han = han&^hanBit | e&hanBit
			default:
				han = han&^hanBit | e&hanBit
				code := int32(e & codeMask)
				if t := step(nodesA, rootA, sA, code); t >= 0 {
					sA = t
				} else {
					sA = a.follow(sA, code)
				}
				ringA[posA%MaxWordRunes] = int32(i)
				posA++
				if o := nodesA[sA].emit; o >= 0 {
					a.emit(text, o, &ringA, posA, i+size, fa)
				}
			}
		}
		// b's step, the same.
		if i >= skipB {
			switch {
			case e&(noiseBit<<16) != 0 && han&(hanBit<<16) != 0:
			case e&pairOpener != 0 && han&(hanBit<<16) != 0 && !b.plain && skipPinyin(text, i, &skipB):
			case sB == rootState && e&pairStartB == 0:
				han = han&^(hanBit<<16) | e&(hanBit<<16)
			default:
				han = han&^(hanBit<<16) | e&(hanBit<<16)
				code := int32(e >> 16 & codeMask)
				if t := step(nodesB, rootB, sB, code); t >= 0 {
					sB = t
				} else {
					sB = b.follow(sB, code)
				}
				ringB[posB%MaxWordRunes] = int32(i)
				posB++
				if o := nodesB[sB].emit; o >= 0 {
					b.emit(text, o, &ringB, posB, i+size, fb)
				}
			}
		}
		i += size
	}
}

// common is the common loop of Pair.Overlapping, for m its first matcher
// (a): the other (b) at its root, neither skipping a pinyin group. It
// reads from i the runes that leave b at its root (all but b's words'
// first runes and the openers of pinyin groups) and steps m. It returns
// where it stopped: after a rune where m's state spells a word (matched:
// the caller reports it), or at a rune it leaves to the full step (one
// past those, one whose step follows failure links past the root), or at
// the end. Its own function, which calls nothing: a loop with only m's
// state in it keeps that state in registers.
func (m *Matcher) common(table *[0x10000]uint64, text []byte, i int, sp *int32, posp *uint32, hanp *uint64, ring *[MaxWordRunes]int32) (int, bool) {
	nodes, rootNext := m.nodes, m.rootNext
	s, pos, han := *sp, *posp, *hanp
	matched := false
	for i < len(text) {
		at := i
		var e uint64
		if c := text[i]; c < utf8.RuneSelf {
			e = table[c]
			i++
		} else {
			// A three-byte sequence (all of CJK), else the full step.
			x := text[i:]
			if len(x) < 3 || (uint32(c)<<16|uint32(x[1])<<8|uint32(x[2]))&0xF0C0C0 != 0xE08080 {
				break
			}
			r := rune(c&0x0F)<<12 | rune(x[1]&0x3F)<<6 | rune(x[2]&0x3F)
			if r < 0x800 || r>>11 == 0xD800>>11 { // overlong, surrogate
				break
			}
			e = table[uint16(r)]
			i += 3
		}
		if e&(pairStartB|pairOpener) != 0 {
			i = at
			break
		}
		// Noise keeps a matcher's Han flag (skipped after Han, and never
		// Han itself); any other rune sets it.
		h := han&(e>>1) | e&pairHan
		if s == rootState && e&pairStartA == 0 || e&noiseBit != 0 && han&hanBit != 0 {
			// m stays at its root, or skips noise.
			han = h
			continue
		}
		t := step(nodes, rootNext, s, int32(e&codeMask))
		if t < 0 {
			i = at
			break
		}
		s, han = t, h
		ring[pos%MaxWordRunes] = int32(at)
		pos++
		if nodes[s].emit >= 0 {
			matched = true
			break
		}
	}
	*sp, *posp, *hanp = s, pos, han
	return i, matched
}

// step is the automaton's move from s on code (0: a rune in no word), or
// -1 where failure links must be followed (follow): from a state whose
// failure link is not the root. Any other state (the root itself, and most
// states a text reaches) moves to its child on code if it has one, else
// to the root's child on code (rootNext): the root's children are found
// in the double array as any state's are, with no test of being at the
// root. Nodes are laid out so that base + code is always inside them.
//
// Tried and not kept: no branch at all (the probe's result selected by
// arithmetic, the runes that leave the root as it is stepped too). It
// mispredicted a third as often in cachegrind's model but ran slower
// (BenchmarkPairScan heavy-article 276 against 345 MB/cpu-s): the branch
// lets the processor start on the next state's loads early.
func step(nodes []node, rootNext []int32, s, code int32) int32 {
	nd := nodes[s]
	if nd.fail != rootState {
		return -1
	}
	t := nd.base + code
	next := rootNext[code]
	if nodes[t].check == s {
		next = t
	}
	return next
}

// follow is the goto function with failure links from s on code (not
// inlined: the scans call it where step gives up, rarely).
//
//go:noinline
func (m *Matcher) follow(s, code int32) int32 {
	for s != rootState {
		nd := m.nodes[s]
		if t := nd.base + code; m.nodes[t].check == s {
			return t
		}
		s = nd.fail
	}
	return m.rootNext[code]
}

// opensPinyin reports whether r may open a pinyin group: '(' or the
// full-width '（', what pinyinGroup looks for first. The scans' fast loops
// leave such runes to their full steps, which ask mayOpenPinyin.
func opensPinyin(r rune) bool { return r == '(' || r == '（' }

// mayOpenPinyin reports whether text[i] may open a pinyin group (whether
// text[i:] begins with a rune opensPinyin accepts: '(', or '（', EF BC 88).
// Told here, the commas, colons and brackets of Chinese text after a Han
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
