// Package dates finds publication dates in the text of Chinese government
// pages: 2024-01-22, 2024/01/22, 2024.01.22, 2024年1月22日,
// 二〇二四年一月二十二日, [01-22] and 【01-22】 (the year inferred from a
// heading or the run date, never in the future), 发布时间：…, with times
// after them. Impossible dates are rejected.
package dates

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Found is one date in a text, at text[Start:End].
type Found struct {
	Date       time.Time
	Start, End int
	// Inferred is true when the year was not written (01-22).
	Inferred bool
}

var (
	// Chinese numerals: 二〇二四年一月二十二日.
	hanDate = regexp.MustCompile(`([〇零一二三四五六七八九○Ｏ]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日`)
	// A year heading for month-day lists: "2024年" alone, or "2024".
	yearHeading = regexp.MustCompile(`^\s*[【\[(（]?\s*((?:19|20)\d{2})\s*年?\s*[】\])）]?\s*$`)
)

// Options steer year inference.
type Options struct {
	// Now is the run date: no date after it is accepted (a month-day date
	// that would be in the future belongs to the year before).
	Now time.Time
	// Year is a year heading the text sits under (0 if none).
	Year int
}

// Find returns every date in text, in order. Full dates come first in
// priority: a month-day pattern inside a full date is not reported twice.
// Numeric dates are read by a hand-written scanner (list pages call this
// for every entry, on the crawl's hot path); dates in Chinese numerals by a
// regular expression, only when the text has a Chinese zero.
func Find(text string, o Options) []Found {
	var out []Found
	taken := func(s, e int) bool {
		for _, f := range out {
			if s < f.End && e > f.Start {
				return true
			}
		}
		return false
	}
	n := len(text)
	// Pass 1: full dates, year first.
	for i := 0; i < n; i++ {
		if !isDigit(text[i]) || digitBefore(text, i) {
			continue
		}
		y, j := number(text, i)
		if j-i != 4 || y < 1900 || y > 2099 {
			i = j - 1
			continue
		}
		k := skipSpaces(text, j)
		var mo, d, end int
		switch {
		case k < n && (text[k] == '-' || text[k] == '/' || text[k] == '.'):
			sep := text[k]
			mo, end = numberAt(text, skipSpaces(text, k+1), 2)
			if end < 0 {
				continue
			}
			k = skipSpaces(text, end)
			if k >= n || text[k] != sep {
				continue
			}
			d, end = numberAt(text, skipSpaces(text, k+1), 2)
		case strings.HasPrefix(text[k:], "年"):
			mo, end = numberAt(text, skipSpaces(text, k+len("年")), 2)
			if end < 0 {
				continue
			}
			k = skipSpaces(text, end)
			if !strings.HasPrefix(text[k:], "月") {
				continue
			}
			d, end = numberAt(text, skipSpaces(text, k+len("月")), 2)
			if end >= 0 {
				if e := skipSpaces(text, end); strings.HasPrefix(text[e:], "日") {
					end = e + len("日")
				}
			}
		default:
			continue
		}
		if end < 0 || digitAfter(text, end) {
			continue
		}
		if t, ok := valid(y, mo, d, o.Now); ok {
			out = append(out, Found{Date: t, Start: i, End: end})
			i = end - 1
		}
	}
	// Four substring searches, not ContainsAny: that decodes every rune
	// of the text and looks each up in the set (a list page's 25 KB
	// cost 100 µs).
	if strings.Contains(text, "〇") || strings.Contains(text, "○") || strings.Contains(text, "零") || strings.Contains(text, "Ｏ") {
		for _, m := range hanDate.FindAllStringSubmatchIndex(text, -1) {
			y := hanYear(text[m[2]:m[3]])
			mo := hanNumber(text[m[4]:m[5]])
			d := hanNumber(text[m[6]:m[7]])
			if t, ok := valid(y, mo, d, o.Now); ok && !taken(m[0], m[1]) {
				out = append(out, Found{Date: t, Start: m[0], End: m[1]})
			}
		}
	}
	// Pass 2: month-day dates (01-22, 01/22, 1月22日), year inferred.
	for i := 0; i < n; i++ {
		if !isDigit(text[i]) || digitBefore(text, i) {
			continue
		}
		mo, j := number(text, i)
		if j-i > 2 {
			i = j - 1
			continue
		}
		k := skipSpaces(text, j)
		var d, end, dayStart int
		var sepMonth bool
		switch {
		case k < n && (text[k] == '-' || text[k] == '/'):
			dayStart = skipSpaces(text, k+1)
			d, end = numberAt(text, dayStart, 2)
		case strings.HasPrefix(text[k:], "月"):
			sepMonth = true
			d, end = numberAt(text, skipSpaces(text, k+len("月")), 2)
			if end >= 0 {
				e := skipSpaces(text, end)
				if !strings.HasPrefix(text[e:], "日") {
					continue // 3月15 without 日 is too loose
				}
				end = e + len("日")
			}
		default:
			continue
		}
		if end < 0 || digitAfter(text, end) || taken(i, end) {
			continue
		}
		// Not a piece of a full date, a time, a range or a phone number.
		if strings.ContainsAny(prevChar(text, i), "-/.:年") || strings.ContainsAny(nextChar(text, end), "-/.:") {
			continue
		}
		// "1-2" in running text is rarely a date; lists write two digits.
		if !sepMonth && (j-i != 2 || end-dayStart != 2) {
			continue
		}
		if t, ok := infer(mo, d, o); ok {
			out = append(out, Found{Date: t, Start: i, End: end, Inferred: true})
			i = end - 1
		}
	}
	sortFound(out)
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads the digit run at i and returns its value and end.
func number(s string, i int) (int, int) {
	v := 0
	j := i
	for j < len(s) && isDigit(s[j]) {
		if j-i < 9 {
			v = v*10 + int(s[j]-'0')
		}
		j++
	}
	return v, j
}

// numberAt reads 1 to max digits at i; end is -1 when there are none or more.
func numberAt(s string, i, max int) (int, int) {
	if i >= len(s) || !isDigit(s[i]) {
		return 0, -1
	}
	v, j := number(s, i)
	if j-i > max {
		return 0, -1
	}
	return v, j
}

func skipSpaces(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func digitBefore(s string, i int) bool { return i > 0 && s[i-1] >= '0' && s[i-1] <= '9' }
func digitAfter(s string, i int) bool  { return i < len(s) && s[i] >= '0' && s[i] <= '9' }
func prevChar(s string, i int) string {
	if i == 0 {
		return ""
	}
	r, size := utf8.DecodeLastRuneInString(s[:i])
	_ = r
	return s[i-size : i]
}
func nextChar(s string, i int) string {
	if i >= len(s) {
		return ""
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return s[i : i+size]
}

// First returns the first date in text.
func First(text string, o Options) (Found, bool) {
	f := Find(text, o)
	if len(f) == 0 {
		return Found{}, false
	}
	return f[0], true
}

// YearHeading returns the year of a heading such as "2024年" or "【2024】".
func YearHeading(text string) (int, bool) {
	m := yearHeading.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	y, _ := strconv.Atoi(m[1])
	return y, true
}

// infer gives a month-day date its year: the heading's, else the run
// date's, stepping back a year when that would be in the future.
func infer(mo, d int, o Options) (time.Time, bool) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if o.Year != 0 {
		return valid(o.Year, mo, d, now)
	}
	t, ok := valid(now.Year(), mo, d, time.Time{})
	if !ok {
		// 02-29 in a year without it: the last leap year.
		for y := now.Year() - 1; y > now.Year()-8; y-- {
			if t, ok := valid(y, mo, d, now); ok {
				return t, true
			}
		}
		return time.Time{}, false
	}
	if t.After(endOfDay(now)) {
		return valid(now.Year()-1, mo, d, now)
	}
	return t, true
}

// valid builds the date and rejects impossible ones (2024-02-30, month 13)
// and ones after now (when now is set).
func valid(y, mo, d int, now time.Time) (time.Time, bool) {
	if y < 1949 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Month() != time.Month(mo) || t.Day() != d {
		return time.Time{}, false
	}
	if !now.IsZero() && t.After(endOfDay(now)) {
		return time.Time{}, false
	}
	return t, true
}

func endOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, time.UTC)
}

var hanDigits = map[rune]int{'〇': 0, '零': 0, '○': 0, 'Ｏ': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

func hanYear(s string) int {
	y := 0
	for _, r := range s {
		y = y*10 + hanDigits[r]
	}
	return y
}

// hanNumber reads 一 to 三十一.
func hanNumber(s string) int {
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10
	case len(rs) == 1:
		return hanDigits[rs[0]]
	case len(rs) == 2 && rs[0] == '十':
		return 10 + hanDigits[rs[1]]
	case len(rs) == 2 && rs[1] == '十':
		return hanDigits[rs[0]] * 10
	case len(rs) == 3 && rs[1] == '十':
		return hanDigits[rs[0]]*10 + hanDigits[rs[2]]
	}
	return 0
}

func sortFound(f []Found) {
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && f[j].Start < f[j-1].Start; j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
}
