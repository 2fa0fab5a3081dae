// Package pii finds personal data that must not be published: resident ID
// numbers (18-digit with the GB 11643 check character, and 15-digit legacy),
// mobile numbers and bank card numbers, with the checks that keep the long
// numeric codes of government pages out (dates, document numbers, office
// landlines, unified social credit codes, masked values). Every value it
// returns also comes masked; callers report only the masked form.
package pii

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"time"
	"unicode/utf8"
)

// Kinds of personal data.
const (
	IDCard   = "id-card"
	IDCard15 = "id-card-15"
	Mobile   = "mobile"
	BankCard = "bank-card"
)

// Hit is one value found: text[Start:End]. Value is the digits found and
// must never be written anywhere; Masked is what reports show.
type Hit struct {
	Kind       string
	Start, End int
	Value      string
	Masked     string
	// Column is the role of the table column the value sits in (id, bank,
	// phone...), when ScanDocument read it from a header.
	Column string
}

// Scanner finds personal data. now bounds birth dates (no one is born in
// the future); the zero Scanner uses the current time.
type Scanner struct {
	Now func() time.Time
	// Loose also reads digit runs stuck to ASCII letters (u110101…,
	// id13812345678), as masking URLs and file names needs: a false
	// positive there costs some masked digits, a miss publishes a person.
	Loose bool
}

// provinces are the first two digits of valid resident ID area codes
// (GB/T 2260; 71 Taiwan, 81 Hong Kong, 82 Macao, 83 for residence permits).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// mobilePrefixes are the allocated mobile number segments (third digit
// after "1x"): 13x, 145–149, 150–153, 155–159, 162, 165–167, 170–178,
// 18x, 190–193, 195–199.
var mobilePrefixes = func() map[string]bool {
	m := map[string]bool{}
	add := func(p ...string) {
		for _, x := range p {
			m[x] = true
		}
	}
	for d := '0'; d <= '9'; d++ {
		add("13"+string(d), "18"+string(d))
	}
	add("145", "146", "147", "148", "149", "150", "151", "152", "153", "155", "156", "157", "158", "159",
		"162", "165", "166", "167", "170", "171", "172", "173", "174", "175", "176", "177", "178",
		"190", "191", "192", "193", "195", "196", "197", "198", "199")
	return m
}()

// bankContext are words that, shortly before a 16–19 digit number, say it
// is an account or card number.
var bankContext = []string{"卡号", "银行卡", "账号", "帐号", "账户", "帐户", "开户行", "开户银行", "借记卡", "信用卡", "社保卡", "银行", "折号", "存折", "card", "account"}

// Scan calls fn for each personal value in text, in order.
func (s Scanner) Scan(text []byte, fn func(Hit)) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	var digits [40]byte
	n := len(text)
	for i := 0; i < n; {
		// Most text holds no digit: skip to the next byte that can start
		// one (continuation bytes never can).
		i = nextDigitStart(text, i)
		if i == n {
			break
		}
		if d, _ := digitAt(text, i); d == 0 {
			i++
			if text[i-1] >= utf8.RuneSelf {
				for i < n && text[i]&0xC0 == 0x80 {
					i++
				}
			}
			continue
		}
		// A maximal run of digits (ASCII or full-width), with an optional
		// trailing X for IDs.
		start := i
		k := 0
		for i < n {
			d, size := digitAt(text, i)
			if d == 0 {
				break
			}
			if k < len(digits) {
				digits[k] = d
			}
			k++
			i += size
		}
		end := i
		if k <= len(digits) && i < n && (text[i] == 'X' || text[i] == 'x') && k == 17 {
			digits[k] = 'X'
			k++
			i++
			end = i
		}
		if k > len(digits) || !kinded[k] || glued(text, start, end, s.Loose) {
			continue
		}
		run := string(digits[:k])
		// Mobile numbers written 3-4-4 with spaces or dashes.
		if k == 3 {
			if v, e, ok := groupedMobile(text, start, end); ok {
				fn(Hit{Kind: Mobile, Start: start, End: e, Value: v, Masked: maskMobile(v)})
				i = e
			}
			continue
		}
		if h, ok := classify(run, text, start, now); ok {
			h.Start, h.End = start, end
			fn(h)
		}
	}
}

// kinded marks the run lengths that can be a value (classify) or begin a
// grouped mobile number (3): dates, amounts and counts are never read.
var kinded = [41]bool{3: true, 11: true, 13: true, 15: true, 16: true, 17: true, 18: true, 19: true}

// digitStart marks the bytes a digit can start with: ASCII digits and the
// lead byte of full-width ones.
var digitStart = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t[0xEF] = true
	return t
}()

// nextDigitStart returns the index of the first byte of text at or after
// i that can start a digit (digitStart), or len(text): eight bytes at a
// time (a table lookup a byte stopped at every ，：（） of Chinese text,
// whose lead byte is full-width digits' too, and read the rest a byte at
// a time). TestNextDigitStartAsTable holds it to the table.
func nextDigitStart(text []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
		low7  = 0x7F7F7F7F7F7F7F7F
	)
	for ; i+8 <= len(text); i += 8 {
		x := binary.LittleEndian.Uint64(text[i:])
		// ASCII bytes strictly between '/' and ':' (each byte's sums
		// stay within it: no carry or borrow crosses bytes).
		lo := x & low7
		digit := (ones*(127+':') - lo) & ^x & (lo + ones*(127-'/')) & highs
		// Bytes equal to 0xEF (a borrow can only mark bytes above a
		// true one: the lowest mark is exact).
		y := x ^ (ones * 0xEF)
		ef := (y - ones) & ^y & highs
		if m := digit | ef; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(text) && !digitStart[text[i]] {
		i++
	}
	return i
}

// digitAt returns the ASCII digit at text[i] ('0'..'9'), reading full-width
// digits too, and its size in bytes; 0 if there is no digit.
func digitAt(text []byte, i int) (byte, int) {
	b := text[i]
	if b >= '0' && b <= '9' {
		return b, 1
	}
	// Full-width ０..９ is EF BC 90..99.
	if b == 0xEF && i+2 < len(text) && text[i+1] == 0xBC && text[i+2] >= 0x90 && text[i+2] <= 0x99 {
		return '0' + text[i+2] - 0x90, 3
	}
	return 0, 1
}

// glued reports a digit run stuck to ASCII letters or to a mask character:
// part of a code (A1381234567), or a masked value (138****5678).
func glued(text []byte, start, end int, loose bool) bool {
	if start > 0 {
		c := text[start-1]
		if c == '*' || !loose && isLetter(c) || c == '.' && start > 1 && text[start-2] >= '0' && text[start-2] <= '9' {
			return true
		}
	}
	if end < len(text) {
		c := text[end]
		if c == '*' || !loose && isLetter(c) || c == '.' && end+1 < len(text) && text[end+1] >= '0' && text[end+1] <= '9' {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func classify(run string, text []byte, start int, now time.Time) (Hit, bool) {
	switch k := len(run); {
	case k == 18:
		if validID18(run, now) {
			return Hit{Kind: IDCard, Value: run, Masked: MaskID(run)}, true
		}
		if run[17] != 'X' && validBank(run, text, start) {
			return Hit{Kind: BankCard, Value: run, Masked: MaskBank(run)}, true
		}
	case k == 15:
		if validID15(run, now) {
			return Hit{Kind: IDCard15, Value: run, Masked: MaskID(run)}, true
		}
	case k == 11:
		if mobilePrefixes[run[:3]] {
			return Hit{Kind: Mobile, Value: run, Masked: maskMobile(run)}, true
		}
	case k == 13 && run[:2] == "86":
		if mobilePrefixes[run[2:5]] {
			return Hit{Kind: Mobile, Value: run, Masked: "86" + maskMobile(run[2:])}, true
		}
	case k >= 16 && k <= 19:
		if validBank(run, text, start) {
			return Hit{Kind: BankCard, Value: run, Masked: MaskBank(run)}, true
		}
	}
	return Hit{}, false
}

// groupedMobile reads "138 1234 5678" or "138-1234-5678" starting at a
// 3-digit run.
func groupedMobile(text []byte, start, end int) (string, int, bool) {
	v := string(text[start:end])
	if !mobilePrefixes[v] {
		return "", 0, false
	}
	i := end
	for _, group := range []int{4, 4} {
		if i >= len(text) || (text[i] != ' ' && text[i] != '-') {
			return "", 0, false
		}
		i++
		if i+group > len(text) {
			return "", 0, false
		}
		for j := 0; j < group; j++ {
			if text[i+j] < '0' || text[i+j] > '9' {
				return "", 0, false
			}
		}
		v += string(text[i : i+group])
		i += group
	}
	if i < len(text) && (text[i] >= '0' && text[i] <= '9' || isLetter(text[i]) || text[i] == '*') {
		return "", 0, false
	}
	return v, i, true
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// CheckChar returns the GB 11643 check character of the first 17 digits.
func CheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

func validID18(v string, now time.Time) bool {
	if !provinces[v[:2]] {
		return false
	}
	if !validDate(v[6:14], now) {
		return false
	}
	return CheckChar(v[:17]) == v[17]
}

func validID15(v string, now time.Time) bool {
	return provinces[v[:2]] && validDate("19"+v[6:12], now)
}

// validDate checks YYYYMMDD is a real date between 1900 and now.
func validDate(s string, now time.Time) bool {
	t, err := time.Parse("20060102", s)
	if err != nil {
		return false
	}
	return t.Year() >= 1900 && !t.After(now)
}

// Luhn reports whether the digits pass the Luhn check.
func Luhn(v string) bool {
	sum := 0
	double := false
	for i := len(v) - 1; i >= 0; i-- {
		d := int(v[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// validBank requires a card-network first digit (3–6; UnionPay starts with
// 62), the Luhn check, and a context word within 20 characters before.
func validBank(v string, text []byte, start int) bool {
	if v[0] < '3' || v[0] > '6' || !Luhn(v) {
		return false
	}
	from := start
	for n := 0; from > 0 && n < 20; n++ {
		_, size := utf8.DecodeLastRune(text[:from])
		from -= size
	}
	before := strings.ToLower(string(text[from:start]))
	for _, w := range bankContext {
		if strings.Contains(before, w) {
			return true
		}
	}
	return false
}

// MaskID keeps the first 6 and last 4 characters (532627********1234).
func MaskID(v string) string {
	if len(v) < 10 {
		return strings.Repeat("*", len(v))
	}
	return v[:6] + strings.Repeat("*", len(v)-10) + v[len(v)-4:]
}

func maskMobile(v string) string { return v[:3] + "****" + v[7:] }

// MaskBank keeps the first 6 and last 4 digits.
func MaskBank(v string) string { return MaskID(v) }

// MaskText returns text with every personal value masked and any other run
// of 7 or more digits reduced to its first 3 and last 2 digits, for context
// snippets in reports, alerts and logs.
func (s Scanner) MaskText(text string) string {
	b := []byte(text)
	var out strings.Builder
	last := 0
	s.Scan(b, func(h Hit) {
		out.Write(b[last:h.Start])
		out.WriteString(h.Masked)
		last = h.End
	})
	out.Write(b[last:])
	return maskLongDigits(out.String())
}

func maskLongDigits(s string) string {
	var out strings.Builder
	run := 0
	flush := func(end int) {
		if run >= 7 {
			d := s[end-run : end]
			out.WriteString(d[:3] + strings.Repeat("*", run-5) + d[run-2:])
		} else {
			out.WriteString(s[end-run : end])
		}
		run = 0
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		flush(i)
		out.WriteByte(s[i])
	}
	flush(len(s))
	return out.String()
}
