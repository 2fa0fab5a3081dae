package rules

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mozillazg/go-pinyin"

	"github.com/xunjian/xunjian/match"
)

var updatePinyin = flag.Bool("update-pinyin", false, "rewrite rules/pinyin.txt from go-pinyin")

// hanRanges are the ranges match.IsHan accepts.
var hanRanges = [][2]rune{{0x3400, 0x9FFF}, {0xF900, 0xFAFF}, {0x20000, 0x3134F}}

// TestPinyinTable holds the embedded table to go-pinyin's first reading
// (SinglePinyin with the default arguments, as Variants read it before)
// for every Chinese character, and bounds what the table costs.
func TestPinyinTable(t *testing.T) {
	args := pinyin.NewArgs()
	want := func(r rune) string {
		if p := pinyin.SinglePinyin(r, args); len(p) > 0 {
			return p[0]
		}
		return ""
	}
	if *updatePinyin {
		byReading := map[string][]rune{}
		for _, span := range hanRanges {
			for r := span[0]; r <= span[1]; r++ {
				if !match.IsHan(r) {
					t.Fatalf("%U is not Han", r)
				}
				if p := want(r); p != "" {
					byReading[p] = append(byReading[p], r)
				}
			}
		}
		readings := make([]string, 0, len(byReading))
		for p := range byReading {
			readings = append(readings, p)
		}
		slices.Sort(readings)
		var b strings.Builder
		b.WriteString("# The first reading, without tones, of every Chinese character that has one:\n")
		b.WriteString("# a line per reading, a tab, its characters. Generated from github.com/mozillazg/go-pinyin\n")
		fmt.Fprintf(&b, "# v0.21.0 (MIT; data from github.com/mozillazg/pinyin-data, MIT) by\n")
		b.WriteString("# `go test ./rules -run TestPinyinTable -update-pinyin`. Do not edit.\n")
		for _, p := range readings {
			fmt.Fprintf(&b, "%s\t%s\n", p, string(byReading[p]))
		}
		if err := os.WriteFile("pinyin.txt", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("pinyin.txt rewritten: run the test again to check it")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tab := newPinyinTable()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if kept := after.HeapAlloc - before.HeapAlloc; kept > 256<<10 {
		t.Errorf("the table takes %d KB, want at most 256", kept>>10)
	}
	if len(tab.readings) >= 1<<10 {
		t.Fatalf("%d readings: more than an entry's 10 bits", len(tab.readings))
	}
	n := 0
	for _, span := range hanRanges {
		for r := span[0]; r <= span[1]; r++ {
			got, w := tab.of(r), want(r)
			if got != w {
				t.Fatalf("%c (%U): %q, go-pinyin %q", r, r, got, w)
			}
			if got != "" {
				n++
			}
		}
	}
	if n < 40_000 {
		t.Errorf("%d characters with a reading, want over 40,000", n)
	}
	for _, r := range []rune{'a', '〇', 0, -1, 0x10FFFF, 0x110000} {
		if got := tab.of(r); got != "" {
			t.Errorf("%U: %q, want none", r, got)
		}
	}
	if got := tab.of('澳') + tab.of('门') + tab.of('博') + tab.of('彩'); got != "aomenbocai" {
		t.Errorf("澳门博彩: %q", got)
	}
}
