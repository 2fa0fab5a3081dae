package match

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// MaxWordRunes is the longest word a Matcher accepts.
const MaxWordRunes = 64

const (
	noiseBit  = 1 << 15
	hanBit    = 1 << 14
	codeMask  = hanBit - 1
	maxCodes  = codeMask
	rootState = 0
)

// Match is one word found: text[Start:End] in the original bytes (noise
// inside included), and the index of the word in the list given to Build.
type Match struct {
	Start, End int
	Word       int
}

// Matcher finds the words it was built with. It is safe for concurrent use.
type Matcher struct {
	// table maps a BMP rune to its alphabet code (0: in no word), with
	// noiseBit set for runes skipped between Han characters.
	table  []uint16
	astral map[rune]uint16
	// base, check and fail are the build's double array and failure
	// links, word the index of the word spelled by the path to a state or
	// -1, suffix the nearest proper suffix state that spells a word or -1;
	// the scan reads nodes and outs instead.
	base   []int32
	check  []int32
	fail   []int32
	word   []int32
	suffix []int32
	// rootNext is the goto function of the root, by code (0: stay).
	rootNext []int32
	// nodes packs what the scan reads per state into one cache line share.
	nodes []node
	// outs are the words states spell, one per such state, each with the
	// next output of its suffix chain: 8 bytes a word, where the chain
	// read per slot of the double array (word and suffix) took 8 bytes a
	// slot (1.7 MB for the 23,000 built-in words and variants).
	outs   []output
	runes  []uint8 // per word: length in runes
	ascii  []bool  // per word: needs word boundaries (starts and ends with a letter or digit)
	nWords int
	plain  bool
	words  *Lexicon
	free   []bool
}

// node is a state as the scan sees it: goto (base, check), failure link, and
// the first output of its chain (its own word's if it spells one, else its
// nearest suffix's), or -1.
type node struct {
	base, check, fail, emit int32
}

// output is a word a state spells, and the next output on the chain (the
// nearest proper suffix that spells a word), or -1.
type output struct {
	word, next int32
}

type pattern struct {
	codes []uint16
	word  int
}

// Options change how a Matcher reads text.
type Options struct {
	// Plain turns noise skipping off: for wrong forms of real text (typos),
	// where "严峻 工作" must not read as 峻工.
	Plain bool
	// Words, when set, drops Chinese matches of up to 3 characters that
	// straddle words of their sentence (性服务 in 生产性服务业) from FindAll.
	Words *Lexicon
	// Unbounded lists words (by index) exempt from that check: words that
	// are judged by other means (weak words needing a second word).
	Unbounded []bool
}

// Build compiles words (any of them may be empty or repeated; those never
// match or match as their first occurrence). Words are folded like the text.
// It fails when the traditional to simplified table could not be loaded.
func Build(words []string) (*Matcher, error) { return BuildWith(words, Options{}) }

// BuildWith is Build with options.
func BuildWith(words []string, opts Options) (*Matcher, error) {
	if _, err := t2s(); err != nil {
		return nil, err
	}
	ft := tables()
	m := &Matcher{table: slices.Clone(ft.noise), astral: map[rune]uint16{}, nWords: len(words), plain: opts.Plain, words: opts.Words, free: opts.Unbounded}
	if opts.Plain {
		for i := range m.table {
			m.table[i] &^= noiseBit
		}
	}
	// Runes get codes by how often the words use them, the commonest
	// first: a state's children then sit close together at the start of
	// its span of the double array, and so do the slots the scan probes
	// for common characters that do not follow (most of the scan's memory
	// reads), which keeps the hot part of a large automaton in cache.
	m.runes = make([]uint8, len(words))
	m.ascii = make([]bool, len(words))
	folded := make([][]rune, len(words))
	freq := map[rune]int{}
	for i, w := range words {
		var rs []rune
		if opts.Plain {
			rs = []rune(FoldString(w))
		} else {
			rs = []rune(Pattern(w))
		}
		if len(rs) == 0 {
			continue
		}
		if len(rs) > MaxWordRunes {
			return nil, fmt.Errorf("match: word %d (%q) is longer than %d characters", i+1, w, MaxWordRunes)
		}
		folded[i] = rs
		for _, r := range rs {
			freq[r]++
		}
	}
	if len(freq)+1 >= maxCodes {
		return nil, errors.New("match: too many distinct characters")
	}
	byFreq := make([]rune, 0, len(freq))
	for r := range freq {
		byFreq = append(byFreq, r)
	}
	slices.SortFunc(byFreq, func(a, b rune) int {
		if freq[a] != freq[b] {
			return freq[b] - freq[a]
		}
		return int(a - b)
	})
	codes := make(map[rune]uint16, len(byFreq))
	for i, r := range byFreq {
		codes[r] = uint16(i + 1)
	}
	pats := make([]pattern, 0, len(words))
	for i, rs := range folded {
		if len(rs) == 0 {
			continue
		}
		p := pattern{codes: make([]uint16, len(rs)), word: i}
		for j, r := range rs {
			p.codes[j] = codes[r]
		}
		m.runes[i] = uint8(len(rs))
		m.ascii[i] = isWordChar(rs[0]) && !IsHan(rs[0]) || isWordChar(rs[len(rs)-1]) && !IsHan(rs[len(rs)-1])
		pats = append(pats, p)
	}
	// Every rune whose folded form is in the alphabet gets that code.
	set := func(r rune, c uint16) {
		if r < 0x10000 {
			m.table[r] |= c
		} else {
			m.astral[r] = c
		}
	}
	for r, c := range codes {
		set(r, c)
		for _, o := range ft.inverse[r] {
			set(o, c)
		}
	}
	slices.SortFunc(pats, func(a, b pattern) int {
		if c := slices.Compare(a.codes, b.codes); c != 0 {
			return c
		}
		return a.word - b.word
	})
	pats = slices.CompactFunc(pats, func(a, b pattern) bool { return slices.Equal(a.codes, b.codes) })
	m.build(pats, len(codes))
	// Outputs are numbered in state order; out maps a state to its own.
	out := make([]int32, len(m.check))
	n := int32(0)
	for i, w := range m.word {
		out[i] = -1
		if w >= 0 {
			out[i] = n
			n++
		}
	}
	m.outs = make([]output, n)
	// Every probe of a state's goto (base + code, any code of the
	// alphabet) lands inside nodes: the scan reads the probed slot's check
	// without testing the index first. The slots past the double array
	// belong to no state.
	size := len(m.check)
	for _, b := range m.base {
		size = max(size, int(b)+len(codes)+1)
	}
	m.nodes = make([]node, size)
	for i := len(m.check); i < size; i++ {
		m.nodes[i] = node{check: -1, emit: -1}
	}
	for i := range m.check {
		emit := int32(-1)
		if sfx := m.suffix[i]; sfx >= 0 {
			emit = out[sfx]
		}
		if o := out[i]; o >= 0 {
			m.outs[o] = output{word: m.word[i], next: emit}
			emit = o
		}
		m.nodes[i] = node{base: m.base[i], check: m.check[i], fail: m.fail[i], emit: emit}
	}
	m.rootNext = make([]int32, len(codes)+1)
	for c := 1; c <= len(codes); c++ {
		if t, ok := m.next(rootState, uint16(c)); ok {
			m.rootNext[c] = t
		}
	}
	// The scan reads nodes and outs; the build's arrays are not kept.
	m.base, m.check, m.fail, m.word, m.suffix = nil, nil, nil, nil, nil
	return m, nil
}

func isWordChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z'
}

// build lays the sorted patterns out as a double-array trie, then adds the
// failure and suffix links of Aho-Corasick.
func (m *Matcher) build(pats []pattern, alphabet int) {
	size := 1
	for _, p := range pats {
		size += len(p.codes)
	}
	// Wide nodes leave holes: about 1.3 slots per state, measured on
	// 100,000 words; one allocation up front avoids regrowing five arrays.
	size = size + size/3 + alphabet + 1024
	m.base = make([]int32, size)
	m.check = make([]int32, size)
	m.word = make([]int32, size)
	// Free slots form a doubly linked list, so placing a node looks only at
	// free slots (first fit); a scan over used slots made building 100,000
	// words take seconds.
	nextFree := make([]int32, size)
	prevFree := make([]int32, size)
	link := func(from, to int) {
		for i := from; i < to; i++ {
			m.check[i] = -1
			m.word[i] = -1
			nextFree[i] = int32(i + 1)
			prevFree[i] = int32(i - 1)
		}
	}
	link(0, size)
	freeHead := int32(0) // first free slot; the list ends at len(check)
	tail := int32(size - 1)
	take := func(i int32) {
		p, n := prevFree[i], nextFree[i]
		if i == freeHead {
			freeHead = n
		} else {
			nextFree[p] = n
		}
		if i == tail {
			tail = p
		} else if int(n) < len(prevFree) {
			prevFree[n] = p
		}
		m.check[i] = -2 // taken, parent set by the caller
	}
	grow := func(n int) {
		if n < len(m.check) {
			return
		}
		old := len(m.check)
		nn := max(n+1, old*3/2)
		m.base = append(m.base, make([]int32, nn-old)...)
		m.check = append(m.check, make([]int32, nn-old)...)
		m.word = append(m.word, make([]int32, nn-old)...)
		nextFree = append(nextFree, make([]int32, nn-old)...)
		prevFree = append(prevFree, make([]int32, nn-old)...)
		link(old, nn)
		if int(freeHead) >= old { // list was empty
			freeHead = int32(old)
			prevFree[old] = -1
		} else {
			nextFree[tail] = int32(old)
			prevFree[old] = tail
		}
		tail = int32(nn - 1)
	}
	free := func(i int) bool { return i < len(m.check) && m.check[i] == -1 }
	wideStart := 0
	take(rootState)
	type item struct {
		state, depth, lo, hi int
	}
	type edge struct {
		parent, state int
		code          uint16
	}
	var order []edge
	queue := make([]item, 1, size)
	queue[0] = item{rootState, 0, 0, len(pats)}
	head := 0
	var childCodes []uint16
	var childLo []int
	for head < len(queue) {
		it := queue[head]
		head++
		lo := it.lo
		if lo < it.hi && len(pats[lo].codes) == it.depth {
			m.word[it.state] = int32(pats[lo].word)
			lo++
		}
		if lo >= it.hi {
			continue
		}
		childCodes, childLo = childCodes[:0], childLo[:0]
		for i := lo; i < it.hi; i++ {
			c := pats[i].codes[it.depth]
			if len(childCodes) == 0 || childCodes[len(childCodes)-1] != c {
				childCodes = append(childCodes, c)
				childLo = append(childLo, i)
			}
		}
		c0, cLast := int(childCodes[0]), int(childCodes[len(childCodes)-1])
		b := 0
		// Nodes with many children rarely fit among the holes near the
		// head: they start where the last such search succeeded (the
		// holes they skip are filled by nodes with one or two children).
		wide := len(childCodes) > 2
		start := int(freeHead)
		if wide && wideStart > start {
			start = wideStart
			for start < len(m.check) && !free(start) {
				start++
			}
		}
		tries := 0
		p := start
		for ; ; tries++ {
			if p >= len(m.check) {
				grow(p + cLast)
			}
			if b = p - c0; b >= 1 {
				grow(b + cLast)
				ok := true
				for _, c := range childCodes[1:] {
					if !free(b + int(c)) {
						ok = false
						break
					}
				}
				if ok {
					break
				}
			}
			p = int(nextFree[p])
		}
		if wide && tries > 16 {
			wideStart = p
		}
		m.base[it.state] = int32(b)
		for k, c := range childCodes {
			t := b + int(c)
			take(int32(t))
			m.check[t] = int32(it.state)
			hi := it.hi
			if k+1 < len(childLo) {
				hi = childLo[k+1]
			}
			order = append(order, edge{it.state, t, c})
			queue = append(queue, item{t, it.depth + 1, childLo[k], hi})
		}
	}
	n := len(m.check)
	m.fail = make([]int32, n)
	m.suffix = make([]int32, n)
	for i := range m.suffix {
		m.suffix[i] = -1
	}
	for _, e := range order { // breadth first: parents before children
		f := int32(rootState)
		if e.parent != rootState {
			f = m.fail[e.parent]
			for {
				if t, ok := m.next(f, e.code); ok {
					f = t
					break
				}
				if f == rootState {
					break
				}
				f = m.fail[f]
			}
		}
		m.fail[e.state] = f
		if m.word[f] >= 0 {
			m.suffix[e.state] = f
		} else {
			m.suffix[e.state] = m.suffix[f]
		}
	}
}

// next follows the goto edge from s on c.
func (m *Matcher) next(s int32, c uint16) (int32, bool) {
	t := m.base[s] + int32(c)
	if uint(t) < uint(len(m.check)) && m.check[t] == s {
		return t, true
	}
	return 0, false
}

// Words returns how many words the matcher was built with.
func (m *Matcher) Words() int { return m.nWords }

// Overlapping calls fn for every occurrence of every word in text, in the
// order their ends appear; occurrences may overlap. Text need not be valid
// UTF-8 (invalid bytes match nothing).
//
// The fast loop reads ASCII and three-byte sequences (all of CJK, told by
// one mask test); from the root it takes rootNext, from any other state
// step (one probe, the root's goto on a miss; a rune in no word moves to
// the root as any miss does). It calls nothing, so that its state stays
// in registers (Go's calls clobber them all): a rune it does not take
// (other lengths, invalid bytes, an opener of a pinyin group, a state
// whose failure links lead past the root) is read by the full step below
// it, and a match ends the fast loop for its report.
func (m *Matcher) Overlapping(text []byte, fn func(Match)) {
	var ring [MaxWordRunes]int32
	var pos uint32
	table, nodes, rootNext := (*[0x10000]uint16)(m.table), m.nodes, m.rootNext
	s := int32(rootState)
	prevHan := false
	for i := 0; i < len(text); {
		matched := false
		for i < len(text) {
			at := i
			var entry uint16
			if c := text[i]; c < utf8.RuneSelf && !opensPinyin(rune(c)) {
				entry = table[c]
				i++
			} else if x := text[i:]; len(x) >= 3 && (uint32(c)<<16|uint32(x[1])<<8|uint32(x[2]))&0xF0C0C0 == 0xE08080 {
				r := rune(c&0x0F)<<12 | rune(x[1]&0x3F)<<6 | rune(x[2]&0x3F)
				if r < 0x800 || r>>11 == 0xD800>>11 || opensPinyin(r) { // overlong, surrogate, opener
					break
				}
				entry = table[r]
				i += 3
			} else {
				break
			}
			if entry&noiseBit != 0 && prevHan {
				continue
			}
			var t int32
			if s == rootState {
				// The root's goto is rootNext (not a probe into the
				// automaton: with a large lexicon, a cache miss).
				t = rootNext[entry&codeMask]
			} else if t = step(nodes, rootNext, s, int32(entry&codeMask)); t < 0 {
				i = at
				break
			}
			s = t
			prevHan = entry&hanBit != 0
			ring[pos%MaxWordRunes] = int32(at)
			pos++
			if nodes[s].emit >= 0 {
				matched = true
				break
			}
		}
		if matched {
			m.emit(text, nodes[s].emit, &ring, pos, i, fn)
			continue
		}
		if i >= len(text) {
			break
		}
		// The full step, for a rune the fast loop does not take.
		at := i
		var entry uint16
		r, size := utf8.DecodeRune(text[i:])
		i += size
		if r < 0x10000 && r != utf8.RuneError {
			entry = table[r]
		} else if r >= 0x10000 {
			entry = m.astralEntry(r)
		}
		if entry&noiseBit != 0 && prevHan {
			continue
		}
		if prevHan && !m.plain && mayOpenPinyin(text, at) {
			// Pinyin put after each character: 澳(ao)门(men)博(bo)彩(cai).
			if n := pinyinGroup(text, at); n > 0 {
				i = at + n
				continue
			}
		}
		code := int32(entry & codeMask)
		prevHan = entry&hanBit != 0
		if t := step(nodes, rootNext, s, code); t >= 0 {
			s = t
		} else {
			s = m.follow(s, code)
		}
		ring[pos%MaxWordRunes] = int32(at)
		pos++
		if o := nodes[s].emit; o >= 0 {
			m.emit(text, o, &ring, pos, i, fn)
		}
	}
}

// pinyinGroup returns the length of "(pinyin)" or "（pinyin）" at text[i:]
// (1 to 7 ASCII letters, tone digits allowed), or 0.
func pinyinGroup(text []byte, i int) int {
	j := i
	switch {
	case text[j] == '(':
		j++
	case j+2 < len(text) && text[j] == 0xEF && text[j+1] == 0xBC && text[j+2] == 0x88: // （
		j += 3
	default:
		return 0
	}
	letters := 0
	for j < len(text) && letters <= 7 {
		c := text[j] | 0x20
		if c >= 'a' && c <= 'z' || text[j] >= '1' && text[j] <= '5' && letters > 0 {
			letters++
			j++
			continue
		}
		break
	}
	if letters == 0 || letters > 7 || j >= len(text) {
		return 0
	}
	switch {
	case text[j] == ')':
		return j + 1 - i
	case j+2 < len(text) && text[j] == 0xEF && text[j+1] == 0xBC && text[j+2] == 0x89: // ）
		return j + 3 - i
	}
	return 0
}

// bounded reports whether text[start:end] is not glued to letters or digits
// on either side, so "sex" does not match inside "Essex".
func bounded(text []byte, start, end int) bool {
	if start > 0 {
		if r, _ := utf8.DecodeLastRune(text[:start]); r < 0x80 && isWordChar(r) {
			return false
		}
	}
	if end < len(text) {
		if r, _ := utf8.DecodeRune(text[end:]); r < 0x80 && isWordChar(r) {
			return false
		}
	}
	return true
}

// FindAll returns the leftmost-longest non-overlapping matches: at each
// start the longest word, then the next match starting after it ends.
// With Options.Words, short Chinese matches that cut through words are
// dropped first, so that a longer word or another reading can win.
func (m *Matcher) FindAll(text []byte) []Match {
	var all []Match
	m.Overlapping(text, func(x Match) { all = append(all, x) })
	return m.Select(text, all)
}

// Select is FindAll of text given its Overlapping matches (in any order;
// Select reorders and reuses all): with a Pair, one scan gives two
// matchers' matches.
func (m *Matcher) Select(text []byte, all []Match) []Match {
	if m.words == nil {
		return Resolve(all)
	}
	// Leftmost-longest, checking boundaries only of the matches it would
	// keep: a match inside a kept longer one needs no check, and one that
	// straddles words is dropped before it can hide another.
	sortMatches(all)
	out := all[:0]
	end := -1
	for _, x := range all {
		if x.Start < end {
			continue
		}
		if m.runes[x.Word] <= 3 && (x.Word >= len(m.free) || !m.free[x.Word]) && m.words.Straddles(text, x.Start, x.End) {
			continue
		}
		out = append(out, x)
		end = x.End
	}
	return out
}

// sortMatches orders matches by start, longest first.
func sortMatches(all []Match) {
	slices.SortFunc(all, func(a, b Match) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		if a.End != b.End {
			return b.End - a.End
		}
		return a.Word - b.Word
	})
}

func Resolve(all []Match) []Match {
	if len(all) < 2 {
		return all
	}
	sortMatches(all)
	out := all[:0]
	end := -1
	for _, x := range all {
		if x.Start < end {
			continue
		}
		out = append(out, x)
		end = x.End
	}
	return out
}
