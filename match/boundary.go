package match

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// Lexicon is a Chinese word list with a cost per word (its inverse
// document frequency), used to tell whether a match is a word of the text
// or straddles two words: 性服务 in 生产性|服务业, 性交 in 制度性|交易成本,
// 维吾 in 新疆|维吾尔. It is the unigram model of a word segmenter, asked
// only around matches, so matching keeps its speed.
type Lexicon struct {
	once sync.Once
	// idf × 10 by word, read on first use: words of up to 3 characters by
	// their runes packed in a uint64 (most lookups: no string is built),
	// longer ones by their text.
	short *packedTable // cost | isWord | hasLonger, by packed runes
	long  *wordSet
	// single is short for one BMP rune, by rune: the first lookup of every
	// position, without a map probe.
	single []uint16
}

// The short table's flags: the key is a word; words longer than the key
// start with it (so a lookup of a longer string can be skipped when unset).
const (
	isWord    = 1 << 8
	hasLonger = 1 << 9
)

// The word list is jieba's (MIT) as shipped by go-ego/gse (Apache-2.0):
// about 270,000 words with their inverse document frequency.
var lexicon = &Lexicon{}

// load parses the cost tables on first use: building a matcher costs
// nothing, the first boundary check pays once per process.
func (l *Lexicon) load() {
	l.once.Do(func() {
		l.short, l.long = loadLexicon()
		l.single = make([]uint16, 0x10000)
		for r := range rune(0x10000) {
			l.single[r] = l.short.get(uint64(r))
		}
	})
}

// lookup returns the cost of the word spelled by rs.
func (l *Lexicon) lookup(rs []rune) (uint8, bool) {
	l.load()
	if k, ok := packRunes(rs); ok {
		v := l.short.get(k)
		return uint8(v), v&isWord != 0
	}
	return l.long.get(rs)
}

// packedTable is a read-only hash table of packed-rune keys (never 0) and
// their values, open addressing with linear probing in two flat arrays
// at most two thirds full: 5 MB for the 290,000 keys and prefixes, where
// a Go map held 6.5.
type packedTable struct {
	keys  []uint64
	vals  []uint16
	shift uint
	count int
}

// newPackedTable returns a table for n keys (it grows past them).
func newPackedTable(n int) *packedTable {
	size, shift := 1, uint(64)
	for size < n+n/2+1 { // at most two thirds full
		size <<= 1
		shift--
	}
	return &packedTable{keys: make([]uint64, size), vals: make([]uint16, size), shift: shift}
}

// ref returns k's value (k is never 0) to be set, adding k with 0; the
// pointer is good until the next ref.
func (t *packedTable) ref(k uint64) *uint16 {
	i := t.slot(k)
	for t.keys[i] != 0 && t.keys[i] != k {
		i = (i + 1) & (len(t.keys) - 1)
	}
	if t.keys[i] == 0 {
		if 3*(t.count+1) > 2*len(t.keys) {
			t.grow()
			return t.ref(k)
		}
		t.count++
		t.keys[i] = k
	}
	return &t.vals[i]
}

// grow doubles the table.
func (t *packedTable) grow() {
	old := *t
	*t = packedTable{keys: make([]uint64, 2*len(old.keys)), vals: make([]uint16, 2*len(old.keys)), shift: old.shift - 1}
	for i, k := range old.keys {
		if k != 0 {
			*t.ref(k) = old.vals[i]
		}
	}
}

// slot is k's first slot (Fibonacci hashing: the top bits of k times
// 2^64/φ).
func (t *packedTable) slot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> t.shift) }

// get returns k's value, 0 when k is absent.
func (t *packedTable) get(k uint64) uint16 {
	for i := t.slot(k); ; i = (i + 1) & (len(t.keys) - 1) {
		switch t.keys[i] {
		case k:
			return t.vals[i]
		case 0:
			return 0
		}
	}
}

// packRunes packs 1 to 3 runes, 21 bits each, into a key (runes are never
// 0, so keys of different lengths differ).
func packRunes(rs []rune) (uint64, bool) {
	if len(rs) == 0 || len(rs) > 3 {
		return 0, false
	}
	var k uint64
	for _, r := range rs {
		k = k<<21 | uint64(r)
	}
	return k, true
}

// loadLexicon reads the word list into its tables directly: built in Go
// maps and packed afterwards, the tables' 10 MB stood beside 20 MB of
// maps, a peak every run paid on its first boundary check.
func loadLexicon() (*packedTable, *wordSet) {
	short := newPackedTable(300_000)
	long := newWordSet(gse.ZhIdf, 80_000)
	src := gse.ZhIdf
	for len(src) > 0 {
		at := len(gse.ZhIdf) - len(src)
		line := src
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = ""
		}
		at += len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace))
		word, idf, ok := strings.Cut(strings.TrimSpace(line), " ")
		rs := []rune(word)
		if !ok || len(rs) == 0 || len(rs) > maxLexWord {
			continue
		}
		v, ok := tenths(idf)
		if !ok {
			continue
		}
		c := uint8(min(250, v))
		if k, ok := packRunes(rs); ok {
			v := short.ref(k)
			*v = *v&hasLonger | isWord | uint16(c)
		} else {
			long.set(at, len(word), c)
		}
		for n := 1; n < len(rs) && n <= 3; n++ {
			k, _ := packRunes(rs[:n])
			*short.ref(k) |= hasLonger
		}
	}
	return short, long
}

// wordSet is a read-only set of words of more than three runes with their
// costs: open addressing over one word each a slot, a word kept as its
// place in the lexicon's text (1.2 MB for 80,000 words, where a Go map of
// strings held 5 MB).
type wordSet struct {
	text string
	// slots: 0 empty, else (start+1)<<16 | length<<8 | cost of a word
	// text[start:start+length].
	slots []uint64
	shift uint
	count int
}

func newWordSet(text string, n int) *wordSet {
	size, shift := 1, uint(64)
	for size < n+n/2+1 {
		size <<= 1
		shift--
	}
	return &wordSet{text: text, slots: make([]uint64, size), shift: shift}
}

// slot is the first slot of a word: FNV-1a of its UTF-8, spread.
func (s *wordSet) slot(w []byte) int {
	h := uint64(14695981039346656037)
	for _, c := range w {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return int((h * 0x9E3779B97F4A7C15) >> s.shift)
}

func (s *wordSet) word(e uint64) string {
	start := int(e>>16) - 1
	return s.text[start : start+int(e>>8&0xFF)]
}

// set sets the cost of the word text[start:start+length] (length < 256).
func (s *wordSet) set(start, length int, cost uint8) {
	w := s.text[start : start+length]
	var buf [256]byte
	i := s.slot(append(buf[:0], w...))
	for s.slots[i] != 0 && s.word(s.slots[i]) != w {
		i = (i + 1) & (len(s.slots) - 1)
	}
	if s.slots[i] == 0 {
		if 3*(s.count+1) > 2*len(s.slots) {
			s.grow()
			s.set(start, length, cost)
			return
		}
		s.count++
	}
	s.slots[i] = uint64(start+1)<<16 | uint64(length)<<8 | uint64(cost)
}

func (s *wordSet) grow() {
	old := s.slots
	s.slots, s.shift, s.count = make([]uint64, 2*len(old)), s.shift-1, 0
	for _, e := range old {
		if e != 0 {
			s.set(int(e>>16)-1, int(e>>8&0xFF), uint8(e))
		}
	}
}

// get returns the cost of the word spelled by rs.
func (s *wordSet) get(rs []rune) (uint8, bool) {
	var buf [maxLexWord * utf8.UTFMax]byte
	if len(rs) > maxLexWord {
		return 0, false
	}
	b := buf[:0]
	for _, r := range rs {
		b = utf8.AppendRune(b, r)
	}
	for i := s.slot(b); ; i = (i + 1) & (len(s.slots) - 1) {
		e := s.slots[i]
		if e == 0 {
			return 0, false
		}
		if s.word(e) == string(b) {
			return uint8(e), true
		}
	}
}

// maxWindow is the longest text a boundary check reads: a match and its
// context on both sides.
const maxWindow = 2*sideRunes + MaxWordRunes

// wordTable lists, for each start in a window of runes, the cost of the
// lexicon word of each length starting there (-1: none), found with few
// lookups: a prefix no word extends ends the search. Rows are filled when
// first read (row): most checks read only the rows around the match's
// edges.
type wordTable struct {
	n      int
	lex    *Lexicon
	rs     []rune
	filled [maxWindow]bool
	cost   [maxWindow][maxLexWord + 1]int16
}

func (l *Lexicon) table(rs []rune, t *wordTable) {
	l.load()
	t.n, t.lex, t.rs = len(rs), l, rs
}

// row returns the costs of the words starting at rune j.
func (t *wordTable) row(j int) *[maxLexWord + 1]int16 {
	row := &t.cost[j]
	if t.filled[j] {
		return row
	}
	t.filled[j] = true
	l, rs := t.lex, t.rs
	for k := range row {
		row[k] = -1
	}
	for k := 1; k <= maxLexWord && j+k <= len(rs); k++ {
		if k <= 3 {
			var v uint16
			if k == 1 && rs[j] < 0x10000 {
				v = l.single[rs[j]]
			} else {
				key, _ := packRunes(rs[j : j+k])
				v = l.short.get(key)
			}
			if v&isWord != 0 {
				row[k] = int16(uint8(v))
			}
			if v&hasLonger == 0 {
				break
			}
			continue
		}
		if c, ok := l.long.get(rs[j : j+k]); ok {
			row[k] = int16(c)
		}
	}
	return row
}

// crosses reports whether a lexicon word spans position p.
func (t *wordTable) crosses(p int) bool {
	if p == 0 || p == t.n {
		return false
	}
	for j := max(0, p-maxLexWord+1); j < p; j++ {
		row := t.row(j)
		for k := p - j + 1; k <= maxLexWord && j+k <= t.n; k++ {
			if row[k] >= 0 {
				return true
			}
		}
	}
	return false
}

// segment returns the cost of the best segmentation of the window; when
// ms >= 0, no word may cross the positions ms and me. back, when given
// (len n+1), receives each position's previous boundary.
func (t *wordTable) segment(ms, me int, back []int) int {
	const inf = 1 << 30
	var bestBuf [maxWindow + 1]int
	best := bestBuf[:t.n+1]
	for i := 1; i <= t.n; i++ {
		best[i] = inf
		for j := max(0, i-maxLexWord); j < i; j++ {
			if best[j] == inf {
				continue
			}
			if ms >= 0 && (j < ms && ms < i || j < me && me < i) {
				continue
			}
			cost := int(t.row(j)[i-j])
			if cost < 0 {
				if i-j > 1 {
					continue
				}
				cost = unknownCost
			}
			if v := best[j] + cost + tokenPenalty; v < best[i] {
				best[i] = v
				if back != nil {
					back[i] = j
				}
			}
		}
	}
	return best[t.n]
}

// tenths reads "13.900677652" as 139 (the cost table's unit), faster than
// strconv on 270,000 lines.
func tenths(s string) (int, bool) {
	v, i := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + int(s[i]-'0')
	}
	if i == 0 || v > 25 {
		return 0, false
	}
	v *= 10
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		v += int(s[i+1] - '0')
	}
	return v, true
}

// Words returns the shared Chinese lexicon (parsed on first use, 0.2–0.7 s).
func Words() *Lexicon { return lexicon }

const (
	maxLexWord    = 6   // longest word looked up, in runes
	sideRunes     = 4   // context read on each side of a match
	unknownCost   = 140 // a character the lexicon lacks
	tokenPenalty  = 30  // per word: fewer, longer words are likelier
	straddleLimit = 60  // extra cost that means the match's edges cut words
)

// Straddles reports whether text[start:end] cuts through words of its
// sentence: the best segmentation of the surrounding text with word
// boundaries forced at start and end costs clearly more than the best one.
// Only Han text is judged; sentence punctuation, letters and digits end the
// context, noise inside (spaces, symbols) is skipped.
func (l *Lexicon) Straddles(text []byte, start, end int) bool {
	var buf [2*sideRunes + MaxWordRunes]rune
	// Left context, read backwards.
	left := buf[:0]
	for i := start; i > 0 && len(left) < sideRunes; {
		r, size := utf8.DecodeLastRune(text[:i])
		i -= size
		f := Fold(r)
		if isNoise(f) && !IsPunct(r) {
			continue
		}
		if !IsHan(r) {
			break
		}
		left = append(left, f)
	}
	nl := len(left)
	var rbuf [2*sideRunes + MaxWordRunes]rune
	runes := rbuf[:0]
	for k := nl - 1; k >= 0; k-- {
		runes = append(runes, left[k])
	}
	for i := start; i < end; {
		r, size := utf8.DecodeRune(text[i:])
		i += size
		f := Fold(r)
		if !IsHan(r) {
			if isNoise(f) {
				continue
			}
			return false // Latin or digits in the match: not a Chinese word question
		}
		runes = append(runes, f)
	}
	me := len(runes)
	if me == nl || me-nl > MaxWordRunes {
		return false
	}
	for i, n := end, 0; i < len(text) && n < sideRunes; {
		r, size := utf8.DecodeRune(text[i:])
		i += size
		f := Fold(r)
		if isNoise(f) && !IsPunct(r) {
			continue
		}
		if !IsHan(r) {
			break
		}
		runes = append(runes, f)
		n++
	}
	if nl == 0 && me == len(runes) {
		return false
	}
	var t wordTable
	l.table(runes, &t)
	if !t.crosses(nl) && !t.crosses(me) {
		return false // no word of the lexicon spans either edge
	}
	free := t.segment(-1, -1, nil)
	forced := t.segment(nl, me, nil)
	return forced-free > straddleLimit
}

// Has reports whether w is a word of the lexicon.
func (l *Lexicon) Has(w string) bool {
	_, ok := l.lookup([]rune(FoldString(w)))
	return ok
}

// Token is one word of a segmentation: Known when the lexicon has it, with
// its cost (inverse document frequency × 10; 0 when unknown).
type Token struct {
	Word  string
	Cost  int
	Known bool
}

// Segment returns the best segmentation of s (folded; noise between Han
// characters dropped) into words of the lexicon and single characters, as
// the boundary check segments text. It is meant for short strings: rule
// pack entries.
func (l *Lexicon) Segment(s string) []Token {
	rs := []rune(Squeeze(s))
	if len(rs) > maxWindow {
		rs = rs[:maxWindow]
	}
	var t wordTable
	l.table(rs, &t)
	back := make([]int, len(rs)+1)
	t.segment(-1, -1, back)
	var out []Token
	for i := len(rs); i > 0; i = back[i] {
		c := t.row(back[i])[i-back[i]]
		out = append(out, Token{Word: string(rs[back[i]:i]), Cost: max(0, int(c)), Known: c >= 0})
	}
	slices.Reverse(out)
	return out
}
