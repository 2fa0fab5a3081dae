package rules

import (
	_ "embed"
	"slices"
	"strings"
	"unicode/utf8"
)

// pinyinText is the first reading, without tones, of every Chinese
// character (match.IsHan) that has one: a line per reading, the reading,
// a tab, then its characters. Generated from go-pinyin (MIT; its data is
// pinyin-data's, MIT) by `go test ./rules -run TestPinyinTable -update-pinyin`;
// TestPinyinTable holds it to go-pinyin's SinglePinyin for every such
// character. Read only while a pack's variants are generated: go-pinyin's
// own table, a Go map built when the program starts, kept 1.8 MB of heap
// for the whole run.
//
//go:embed pinyin.txt
var pinyinText string

// pinyinTable finds a character's reading: entries are rune<<10 | the
// reading's index, sorted.
type pinyinTable struct {
	entries  []uint32
	readings []string
}

// newPinyinTable reads pinyinText.
func newPinyinTable() pinyinTable {
	t := pinyinTable{entries: make([]uint32, 0, 42_000)}
	for line := range strings.Lines(pinyinText) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		reading, chars, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		if !ok {
			continue
		}
		i := uint32(len(t.readings))
		t.readings = append(t.readings, reading)
		for _, r := range chars {
			t.entries = append(t.entries, uint32(r)<<10|i)
		}
	}
	slices.Sort(t.entries)
	return t
}

// of returns r's reading, "" when it has none.
func (t pinyinTable) of(r rune) string {
	if r < 0 || r > utf8.MaxRune {
		return ""
	}
	i, _ := slices.BinarySearch(t.entries, uint32(r)<<10)
	if i < len(t.entries) && rune(t.entries[i]>>10) == r {
		return t.readings[t.entries[i]&(1<<10-1)]
	}
	return ""
}
