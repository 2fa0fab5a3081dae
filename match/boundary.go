package match

import (
	"slices"
	"strings"
	"sync"
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
	cost map[string]uint8 // idf × 10, read on first use
}

// The word list is jieba's (MIT) as shipped by go-ego/gse (Apache-2.0):
// about 270,000 words with their inverse document frequency.
var lexicon = &Lexicon{}

// words returns the cost table, parsing it on first use: building a
// matcher costs nothing, the first boundary check pays once per process.
func (l *Lexicon) words() map[string]uint8 {
	l.once.Do(func() { l.cost = loadLexicon() })
	return l.cost
}

func loadLexicon() map[string]uint8 {
	cost := make(map[string]uint8, 280_000)
	src := gse.ZhIdf
	for len(src) > 0 {
		line := src
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = ""
		}
		word, idf, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || utf8.RuneCountInString(word) > maxLexWord {
			continue
		}
		if v, ok := tenths(idf); ok {
			cost[word] = uint8(min(250, v))
		}
	}
	return cost
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
		if isNoise(Fold(r)) && !IsPunct(r) {
			continue
		}
		if !IsHan(r) {
			break
		}
		left = append(left, Fold(r))
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
		if !IsHan(r) {
			if isNoise(Fold(r)) {
				continue
			}
			return false // Latin or digits in the match: not a Chinese word question
		}
		runes = append(runes, Fold(r))
	}
	me := len(runes)
	if me == nl || me-nl > MaxWordRunes {
		return false
	}
	for i, n := end, 0; i < len(text) && n < sideRunes; {
		r, size := utf8.DecodeRune(text[i:])
		i += size
		if isNoise(Fold(r)) && !IsPunct(r) {
			continue
		}
		if !IsHan(r) {
			break
		}
		runes = append(runes, Fold(r))
		n++
	}
	if nl == 0 && me == len(runes) {
		return false
	}
	if !l.crosses(runes, nl) && !l.crosses(runes, me) {
		return false // no word of the lexicon spans either edge
	}
	free := l.segment(runes, -1, -1)
	forced := l.segment(runes, nl, me)
	return forced-free > straddleLimit
}

// crosses reports whether a lexicon word spans position p of rs.
func (l *Lexicon) crosses(rs []rune, p int) bool {
	if p == 0 || p == len(rs) {
		return false
	}
	var word [maxLexWord * 4]byte
	for i := max(0, p-maxLexWord+1); i < p; i++ {
		for j := p + 1; j <= min(len(rs), i+maxLexWord); j++ {
			b := word[:0]
			for _, r := range rs[i:j] {
				b = utf8.AppendRune(b, r)
			}
			if _, ok := l.words()[string(b)]; ok {
				return true
			}
		}
	}
	return false
}

// segment returns the cost of the best segmentation of rs; when ms >= 0,
// no word may cross the positions ms and me.
func (l *Lexicon) segment(rs []rune, ms, me int) int {
	const inf = 1 << 30
	var bestBuf [2*sideRunes + MaxWordRunes + 1]int
	best := bestBuf[:len(rs)+1]
	var word [maxLexWord * 4]byte
	for i := 1; i <= len(rs); i++ {
		best[i] = inf
		for j := max(0, i-maxLexWord); j < i; j++ {
			if best[j] == inf {
				continue
			}
			if ms >= 0 && (j < ms && ms < i || j < me && me < i) {
				continue
			}
			b := word[:0]
			for _, r := range rs[j:i] {
				b = utf8.AppendRune(b, r)
			}
			c, ok := l.words()[string(b)]
			cost := int(c)
			if !ok {
				if i-j > 1 {
					continue
				}
				cost = unknownCost
			}
			if v := best[j] + cost + tokenPenalty; v < best[i] {
				best[i] = v
			}
		}
	}
	return best[len(rs)]
}

// Has reports whether w is a word of the lexicon.
func (l *Lexicon) Has(w string) bool {
	_, ok := l.words()[FoldString(w)]
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
	const inf = 1 << 30
	best := make([]int, len(rs)+1)
	back := make([]int, len(rs)+1)
	for i := 1; i <= len(rs); i++ {
		best[i] = inf
		for j := max(0, i-maxLexWord); j < i; j++ {
			if best[j] == inf {
				continue
			}
			c, ok := l.words()[string(rs[j:i])]
			cost := int(c)
			if !ok {
				if i-j > 1 {
					continue
				}
				cost = unknownCost
			}
			if v := best[j] + cost + tokenPenalty; v < best[i] {
				best[i], back[i] = v, j
			}
		}
	}
	var out []Token
	for i := len(rs); i > 0; i = back[i] {
		w := string(rs[back[i]:i])
		c, ok := l.words()[w]
		out = append(out, Token{Word: w, Cost: int(c), Known: ok})
	}
	slices.Reverse(out)
	return out
}
