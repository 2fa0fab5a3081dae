// Package match finds dictionary words in Chinese text fast: a double-array
// Aho-Corasick automaton over normalised runes (full-width to half-width,
// case folded, traditional to simplified), skipping noise characters put
// between the characters of a word ("澳 门 博 彩", "澳*门*博*彩"), with
// every match mapped back to byte offsets in the original text, so that a
// report quotes what the page shows.
package match

import (
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/longbridgeapp/opencc"
)

// noiseRunes are skipped between two Han characters: spaces, symbols
// spammers put inside words (*, ·, @, ．, ❤, ☆, #, |, /, zero-width
// characters, variation selectors). Sentence punctuation (，。、；：！？,;:!?
// and quotes, brackets) is never noise: "工作。爱国" is two sentences, not
// 作爱. Any other symbol (emoji, dingbats: Unicode categories S*) is noise
// too, see isNoise.
var noiseRunes = []rune{
	' ', '\t', '\n', '\r', '\u00a0', '\u3000', '*', '·', '・', '•', '-', '_', '~', '|', '/', '\\', '.', '@', '#', '&', '+', '=', '^', '`', '$', '%',
	'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u20e3', '\u2027', '\u2022', '\u2219', '\u22c5', '\u30fb', '\uff65',
}

// punctuation ends a clause or sentence, or quotes: a word never spans it.
const punctuation = "，。、；：！？,;:!?…—“”‘’\"'《》〈〉「」『』【】（）()[]{}<>"

// t2s maps traditional Han characters to simplified ones, from OpenCC's
// character table. Built once, never changed. Without it traditional-script
// spam would pass every word pack, so a table that does not load is an
// error (Build returns it), not an empty map.
var t2s = sync.OnceValues(func() (map[rune]rune, error) {
	return loadT2S(func() (converter, error) { return opencc.New("t2s") })
})

// converter is what loadT2S needs of OpenCC.
type converter interface {
	Convert(string) (string, error)
}

// minT2S is well below the single characters OpenCC's t2s maps in these
// ranges (3,751 in OpenCC 0.3.13): a smaller table did not load.
const minT2S = 1000

func loadT2S(open func() (converter, error)) (map[rune]rune, error) {
	cc, err := open()
	if err != nil {
		return nil, fmt.Errorf("match: traditional to simplified table (OpenCC t2s): %w", err)
	}
	out := map[rune]rune{}
	var convErr error
	for _, span := range [][2]rune{{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}} {
		for r := span[0]; r <= span[1]; r++ {
			s, err := cc.Convert(string(r))
			if err != nil {
				convErr = err
				continue
			}
			rs := []rune(s)
			if len(rs) == 1 && rs[0] != r {
				out[r] = rs[0]
			}
		}
	}
	if len(out) < minT2S {
		return nil, fmt.Errorf("match: traditional to simplified table (OpenCC t2s) has %d characters, want at least %d (last error: %v)", len(out), minT2S, convErr)
	}
	return out, nil
}

// Fold returns the normalised form of r: full-width ASCII to ASCII, the
// ideographic space to a space, lower case, traditional to simplified.
func Fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	}
	if r < 0x80 {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	m, _ := t2s() // nil when it did not load: Build reports that
	if s, ok := m[r]; ok {
		return s
	}
	return unicode.ToLower(r)
}

// FoldString folds every rune of s (for dictionary entries and tests).
func FoldString(s string) string {
	rs := []rune(s)
	out := rs[:0]
	for _, r := range rs {
		out = append(out, Fold(r))
	}
	return string(out)
}

// foldTables holds, for the BMP, the noise flags and the inverse of Fold
// (folded rune -> the other runes that fold to it), built once.
type foldTables struct {
	noise   []uint16 // noiseBit for noise runes, hanBit for Han, else 0
	inverse map[rune][]rune
}

var tables = sync.OnceValue(func() foldTables {
	ft := foldTables{noise: make([]uint16, 0x10000), inverse: map[rune][]rune{}}
	for r := rune(0); r < 0x10000; r++ {
		if computeNoise(r) {
			ft.noise[r] = noiseBit
		}
		if IsHan(r) {
			ft.noise[r] |= hanBit
		}
		if f := Fold(r); f != r {
			ft.inverse[f] = append(ft.inverse[f], r)
		}
	}
	m, _ := t2s()
	for r, s := range m {
		if r >= 0x10000 {
			ft.inverse[s] = append(ft.inverse[s], r)
		}
	}
	return ft
})

// isNoise reports whether r may sit between the characters of a word: the
// runes above, variation selectors, and symbols and emoji (Unicode S*),
// except sentence punctuation.
func isNoise(r rune) bool {
	if r < 0x10000 {
		return tables().noise[r]&noiseBit != 0
	}
	return computeNoise(r)
}

// computeNoise is isNoise before the table is built (and for astral runes).
func computeNoise(r rune) bool {
	for _, n := range noiseRunes {
		if r == n {
			return true
		}
	}
	if r < 0x80 || strings.ContainsRune(punctuation, r) {
		return false
	}
	if r >= 0xFE00 && r <= 0xFE0F || r >= 0xE0100 && r <= 0xE01EF { // variation selectors
		return true
	}
	if r >= 0xFF01 && r <= 0xFF5E { // full-width forms: as their ASCII twin
		return computeNoise(r - 0xFEE0)
	}
	return unicode.IsSymbol(r) || r >= 0x1F000 && r <= 0x1FAFF
}

// IsPunct reports whether r is sentence punctuation, which no word spans.
func IsPunct(r rune) bool {
	return strings.ContainsRune(punctuation, r) || r >= 0xFF01 && r <= 0xFF5E && strings.ContainsRune(punctuation, r-0xFEE0)
}

// IsHan reports whether r is a CJK ideograph (noise is only skipped
// between these: "is extra" must not match "sex").
func IsHan(r rune) bool {
	return (r >= 0x3400 && r <= 0x9FFF) || (r >= 0xF900 && r <= 0xFAFF) || (r >= 0x20000 && r <= 0x3134F)
}

// Squeeze folds s and drops the noise between its Chinese characters: the
// form a matcher that skips noise reads ("微·信" and "微信" are one).
func Squeeze(s string) string {
	rs := []rune(FoldString(s))
	out := rs[:0:0]
	for j, r := range rs {
		if isNoise(r) && j > 0 && j+1 < len(rs) && IsHan(rs[j-1]) && IsHan(rs[j+1]) {
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

// Pattern is a word as a Matcher reads it (without Options.Plain): folded,
// with the noise between Han characters dropped (as it is skipped in text)
// and noise at either end trimmed ("文化大革命**", "40=" are 文化大革命 and
// 40); noise elsewhere is kept ("online casino").
func Pattern(w string) string {
	rs := []rune(Squeeze(w))
	for len(rs) > 0 && isNoise(rs[0]) {
		rs = rs[1:]
	}
	for len(rs) > 0 && isNoise(rs[len(rs)-1]) {
		rs = rs[:len(rs)-1]
	}
	return string(rs)
}
