package rules

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// yearOnlyBefore is yearOnly as it was before it read the text in place:
// the text as a []rune.
func yearOnlyBefore(s string) (int, bool) {
	rs := []rune(s)
	for i := 0; i+4 < len(rs); i++ {
		if rs[i+4] != '年' {
			continue
		}
		y, ok := 0, true
		for _, r := range rs[i : i+4] {
			d, isDigit := hanDigits[r]
			if !isDigit {
				ok = false
				break
			}
			y = y*10 + d
		}
		if ok && y >= 1900 {
			return y, true
		}
	}
	return yearDigits(s)
}

func yearOnlyAsBefore(t testing.TB, s string) {
	t.Helper()
	y, ok := yearOnly(s)
	wy, wok := yearOnlyBefore(s)
	if y != wy || ok != wok {
		t.Fatalf("yearOnly(%q) = %d %v, before %d %v", s, y, ok, wy, wok)
	}
}

// TestYearOnlyAsBefore holds yearOnly to the []rune reading it replaced,
// on random headings of Chinese and Arabic numerals, 年, other text and
// malformed UTF-8 (a 年 after broken bytes, split numerals).
func TestYearOnlyAsBefore(t *testing.T) {
	pieces := []string{"一", "九", "六", "四", "〇", "零", "○", "Ｏ", "二", "八", "年", "1", "9", "6", "4", "2", "0",
		"月", "报告", " ", "\xe5", "\xb9\xb4", "\xe5\xb9", "\xff", "十", "a"}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200000 {
		var b strings.Builder
		for range rng.IntN(14) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		yearOnlyAsBefore(t, b.String())
	}
	for _, s := range []string{"一九六四年十二月", "关于二〇二三年工作", "二〇二三年", "1964年", "x一九六四年", "\xff一九〇〇年", "一八九九年"} {
		yearOnlyAsBefore(t, s)
	}
}

// FuzzYearOnlyAsBefore: on any text, yearOnly finds what the []rune
// reading found.
func FuzzYearOnlyAsBefore(f *testing.F) {
	f.Add("一九六四年十二月")
	f.Add("\xe5一九六四年")
	f.Fuzz(func(t *testing.T, s string) { yearOnlyAsBefore(t, s) })
}
