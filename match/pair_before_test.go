package match

import (
	"sync"
	"unicode/utf8"
)

// beforeTables are the former Pair's tables (a's entry in the low 16 bits,
// b's in the high), by pair.
var beforeTables sync.Map

func (p *Pair) beforeTable() []uint32 {
	if t, ok := beforeTables.Load(p); ok {
		return t.([]uint32)
	}
	t := make([]uint32, 0x10000)
	for r := range t {
		t[r] = uint32(p.a.table[r]) | uint32(p.b.table[r])<<16
	}
	beforeTables.Store(p, t)
	return t
}

// The scans as they were before the scan's fast paths (main 2ff78c1):
// Pair.Overlapping and Matcher.Overlapping are held to these by
// pair_scan_test.go (same matches, same order).

func (p *Pair) overlappingBefore(text []byte, fa, fb func(Match)) {
	a, b := p.a, p.b
	table := (*[0x10000]uint32)(p.beforeTable())
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
					a.emitBefore(text, nodesA[sA].emit, &ringA, posA, i+size, fa)
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
					b.emitBefore(text, nodesB[sB].emit, &ringB, posB, i+size, fb)
				}
			}
		}
		i += size
	}
}

func (m *Matcher) emitBefore(text []byte, o int32, ring *[MaxWordRunes]int32, pos uint32, end int, fn func(Match)) {
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

func (m *Matcher) overlappingBefore(text []byte, fn func(Match)) {
	var ring [MaxWordRunes]int32
	var pos uint32
	table, nodes, rootNext := m.table, m.nodes, m.rootNext
	s := int32(rootState)
	prevHan := false
	n := len(text)
	for i := 0; i < n; {
		b := text[i]
		var entry uint16
		size := 1
		switch {
		case b < utf8.RuneSelf:
			entry = table[b]
		case b&0xF0 == 0xE0 && i+2 < n && text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80:
			// Three-byte sequences (all of CJK) decoded inline.
			r := rune(b&0x0F)<<12 | rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F)
			size = 3
			if r < 0x800 || (r >= 0xD800 && r <= 0xDFFF) {
				entry, size = 0, 1
			} else {
				entry = table[r]
			}
		default:
			r, sz := utf8.DecodeRune(text[i:])
			size = sz
			if r < 0x10000 && r != utf8.RuneError {
				entry = table[r]
			} else if r >= 0x10000 {
				entry = m.astral[r]
				if IsHan(r) {
					entry |= hanBit
				} else if !m.plain && isNoise(r) {
					entry |= noiseBit
				}
			}
		}
		if entry&noiseBit != 0 && prevHan {
			i += size
			continue
		}
		if prevHan && !m.plain && mayOpenPinyin(text, i) {
			// Pinyin put after each character: 澳(ao)门(men)博(bo)彩(cai).
			if n := pinyinGroup(text, i); n > 0 {
				i += n
				continue
			}
		}
		code := entry & codeMask
		prevHan = entry&hanBit != 0
		if code == 0 {
			s = rootState
			i += size
			continue
		}
		for {
			if s == rootState {
				s = rootNext[code]
				break
			}
			t := nodes[s].base + int32(code)
			if uint(t) < uint(len(nodes)) && nodes[t].check == s {
				s = t
				break
			}
			s = nodes[s].fail
		}
		ring[pos%MaxWordRunes] = int32(i)
		pos++
		i += size
		if s == rootState {
			continue
		}
		for o := nodes[s].emit; o >= 0; {
			w := m.outs[o].word
			l := uint32(m.runes[w])
			start := int(ring[(pos-l)%MaxWordRunes])
			if !m.ascii[w] || bounded(text, start, i) {
				fn(Match{Start: start, End: i, Word: int(w)})
			}
			o = m.outs[o].next
		}
	}
}
