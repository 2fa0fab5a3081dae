package match

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-ego/gse"

	"github.com/xunjian/xunjian/internal/rodata"
)

// Lexicon is a Chinese word list with a cost per word (its inverse
// document frequency), used to tell whether a match is a word of the text
// or straddles two words: 性服务 in 生产性|服务业, 性交 in 制度性|交易成本,
// 维吾 in 新疆|维吾尔. It is the unigram model of a word segmenter, asked
// only around matches, so matching keeps its speed.
type Lexicon struct {
	once sync.Once
	t    *lexTrie
}

// The word list is jieba's (MIT) as shipped by go-ego/gse (Apache-2.0):
// about 270,000 words with their inverse document frequency.
var lexicon = &Lexicon{}

// load builds the trie on first use: building a matcher costs nothing,
// the first boundary check pays once per process. The word list's text
// (6.2 MB, read-only data of the binary) is not needed afterwards: its
// pages are given back (rodata.Release), or they would stay resident, as
// file-backed memory, for the whole run.
func (l *Lexicon) load() {
	l.once.Do(func() {
		l.t = buildLexTrie(gse.ZhIdf)
		rodata.Release(gse.ZhIdf)
	})
}

// lookup returns the cost of the word spelled by rs.
func (l *Lexicon) lookup(rs []rune) (uint8, bool) {
	l.load()
	return l.t.lookup(rs)
}

// noWord is a trie node's cost when no word ends there (costs are at most
// 250).
const noWord = 255

// lexTrie is the word list as a trie of its words' characters, stored
// level by level (the first characters, then the second ones…): 2.5 MB
// for the 270,000 words and their 346,000 prefixes, where hash tables of
// the words and their first three characters' prefixes held 6.3 MB. A
// node's children are contiguous in the next level, sorted by their
// character's code, and found by binary search; looking up the words
// that start at a position (wordTable.row) walks down once instead of
// hashing each length.
type lexTrie struct {
	// code is the code of each BMP rune (0: in no word), astral that of
	// runes above it (nil when the list has none).
	code   []uint16
	astral map[rune]uint16
	// The first level by code: the word's cost and its children's start
	// in level 2 (they end where the next code's start).
	cost1  []uint8
	start1 []uint32
	// levels 2 to maxLexWord.
	lv [maxLexWord - 1]lexLevel
}

// lexLevel is one level of the trie: each node's character code, cost
// (noWord: a prefix only), and children's start in the next level (with
// one more entry, the end; nil on the last level).
type lexLevel struct {
	label []uint16
	cost  []uint8
	start []uint32
}

// codeOf returns r's code, 0 when no word has r.
func (t *lexTrie) codeOf(r rune) uint16 {
	if uint32(r) < 0x10000 {
		return t.code[r]
	}
	return t.astral[r]
}

// child returns the node of level k (2..maxLexWord) with code c among
// level k's nodes [lo, hi).
func (t *lexTrie) child(k int, lo, hi uint32, c uint16) (uint32, bool) {
	label := t.lv[k-2].label
	for lo < hi {
		m := (lo + hi) >> 1
		switch l := label[m]; {
		case l == c:
			return m, true
		case l < c:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0, false
}

// prefixes sets row[k] to the cost of the word rs[:k], for each k that
// spells one (row is all -1 on entry), and stops where no word continues
// the prefix.
func (t *lexTrie) prefixes(rs []rune, row *[maxLexWord + 1]int16) {
	if len(rs) == 0 {
		return
	}
	c := t.codeOf(rs[0])
	if c == 0 {
		return
	}
	if v := t.cost1[c]; v != noWord {
		row[1] = int16(v)
	}
	lo, hi := t.start1[c], t.start1[c+1]
	for k := 2; k <= maxLexWord && k <= len(rs) && lo < hi; k++ {
		c := t.codeOf(rs[k-1])
		if c == 0 {
			return
		}
		i, ok := t.child(k, lo, hi, c)
		if !ok {
			return
		}
		lv := &t.lv[k-2]
		if v := lv.cost[i]; v != noWord {
			row[k] = int16(v)
		}
		if lv.start == nil {
			return
		}
		lo, hi = lv.start[i], lv.start[i+1]
	}
}

// lookup returns the cost of the word rs.
func (t *lexTrie) lookup(rs []rune) (uint8, bool) {
	if len(rs) == 0 || len(rs) > maxLexWord {
		return 0, false
	}
	var row [maxLexWord + 1]int16
	for k := range row {
		row[k] = -1
	}
	t.prefixes(rs, &row)
	if v := row[len(rs)]; v >= 0 {
		return uint8(v), true
	}
	return 0, false
}

// lexEntry is a word while the trie is built: its characters' codes
// (0 after the last) and cost.
type lexEntry struct {
	c    [maxLexWord]uint16
	n    uint8
	cost uint8
	line uint32 // its place in the list
}

// buildLexTrie reads the word list ("word idf [tag]" lines; words longer
// than maxLexWord and lines without a cost are skipped; a word listed
// twice has its last cost) into its trie.
func buildLexTrie(src string) *lexTrie {
	t := &lexTrie{code: make([]uint16, 0x10000)}
	entries := make([]lexEntry, 0, 280_000)
	codes := 0
	for len(src) > 0 {
		line := src
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = ""
		}
		word, idf, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || word == "" {
			continue
		}
		v, ok := tenths(idf)
		if !ok {
			continue
		}
		e := lexEntry{cost: uint8(min(250, v))}
		for _, r := range word { // as []rune(word): a bad byte is U+FFFD
			if int(e.n) == maxLexWord {
				e.n++
				break
			}
			c := t.codeOf(r)
			if c == 0 {
				if codes == 0xFFFF {
					panic("match: the lexicon has more than 65,535 characters")
				}
				codes++
				c = uint16(codes)
				if uint32(r) < 0x10000 {
					t.code[r] = c
				} else {
					if t.astral == nil {
						t.astral = map[rune]uint16{}
					}
					t.astral[r] = c
				}
			}
			e.c[e.n] = c
			e.n++
		}
		if int(e.n) > maxLexWord {
			continue // its characters keep their codes: harmless
		}
		e.line = uint32(len(entries))
		entries = append(entries, e)
	}
	// Sorted by codes (a word before its extensions), the last of equal
	// words kept: the trie's nodes come in order, level by level.
	slices.SortFunc(entries, func(a, b lexEntry) int {
		for i := range a.c {
			if a.c[i] != b.c[i] {
				return int(a.c[i]) - int(b.c[i])
			}
		}
		return int(a.line) - int(b.line)
	})
	w := 0
	for i := range entries {
		if i+1 < len(entries) && entries[i+1].c == entries[i].c {
			continue
		}
		entries[w] = entries[i]
		w++
	}
	entries = entries[:w]
	// Nodes by level: a word adds the nodes of its prefixes longer than
	// what it shares with the word before it.
	var count [maxLexWord]int
	prev := lexEntry{}
	for _, e := range entries {
		for k := sharedPrefix(&prev, &e); k < int(e.n); k++ {
			count[k]++
		}
		prev = e
	}
	t.cost1 = make([]uint8, codes+1)
	for i := range t.cost1 {
		t.cost1[i] = noWord
	}
	t.start1 = make([]uint32, codes+2)
	for k := 2; k <= maxLexWord; k++ {
		lv := &t.lv[k-2]
		lv.label = make([]uint16, 0, count[k-1])
		lv.cost = make([]uint8, 0, count[k-1])
		if k < maxLexWord {
			lv.start = make([]uint32, 0, count[k-1]+1)
		}
	}
	present := make([]bool, codes+1)
	prev = lexEntry{}
	for _, e := range entries {
		for k := sharedPrefix(&prev, &e) + 1; k <= int(e.n); k++ {
			cost := uint8(noWord)
			if k == int(e.n) {
				cost = e.cost
			}
			c := e.c[k-1]
			if k == 1 {
				present[c] = true
				t.cost1[c] = cost
				t.start1[c] = uint32(len(t.lv[0].label))
				continue
			}
			lv := &t.lv[k-2]
			lv.label = append(lv.label, c)
			lv.cost = append(lv.cost, cost)
			if k < maxLexWord {
				lv.start = append(lv.start, uint32(len(t.lv[k-1].label)))
			}
		}
		prev = e
	}
	// The ends: the first level's absent codes start where the next one
	// does; each level's starts end with the next level's length.
	t.start1[codes+1] = uint32(len(t.lv[0].label))
	for c := codes; c >= 1; c-- {
		if !present[c] {
			t.start1[c] = t.start1[c+1]
		}
	}
	for k := 2; k < maxLexWord; k++ {
		t.lv[k-2].start = append(t.lv[k-2].start, uint32(len(t.lv[k-1].label)))
	}
	return t
}

// sharedPrefix returns how many leading characters a and b share.
func sharedPrefix(a, b *lexEntry) int {
	n := 0
	for n < int(a.n) && n < int(b.n) && a.c[n] == b.c[n] {
		n++
	}
	return n
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
	for k := range row {
		row[k] = -1
	}
	t.lex.t.prefixes(t.rs[j:], row)
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
