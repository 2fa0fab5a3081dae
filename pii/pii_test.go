package pii

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/internal/benchtext"
)

var now = func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }

// id completes 17 digits with their check character.
func id(first17 string) string { return first17 + string(CheckChar(first17)) }

// luhnComplete appends the digit that makes v pass Luhn.
func luhnComplete(v string) string {
	for d := '0'; d <= '9'; d++ {
		if Luhn(v + string(d)) {
			return v + string(d)
		}
	}
	panic("unreachable")
}

func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r += 0xFF10 - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func scan(text string) []string {
	var out []string
	Scanner{Now: now}.Scan([]byte(text), func(h Hit) {
		out = append(out, h.Kind+":"+h.Masked+":"+text[h.Start:h.End])
	})
	return out
}

func TestScan(t *testing.T) {
	validID := id("53262719900101123")
	wrongCheck := validID[:17] + string("10X98765432"[(strings.IndexByte("10X98765432", validID[17])+1)%11])
	card := luhnComplete("622202100112345678")
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"id-18", "身份证号：" + validID + "，", []string{"id-card:532627********" + validID[14:] + ":" + validID}},
		{"id-18-x", "号码" + id("11010519491231002") + "。", []string{"id-card:110105********" + id("11010519491231002")[14:] + ":" + id("11010519491231002")}},
		{"id-fullwidth", fullWidth(validID), []string{"id-card:" + MaskID(validID) + ":" + fullWidth(validID)}},
		{"id-wrong-check", wrongCheck, nil},
		{"id-bad-province", id("99262719900101123"), nil},
		{"id-bad-date", id("53262719901301123"), nil},
		{"id-future-birth", id("53262720300101123"), nil},
		{"id-15", "旧证 532627900101123 ", []string{"id-card-15:532627*****1123:532627900101123"}},
		{"id-15-bad-date", "532627901301123", nil},
		{"masked-id", "532627********1234", nil},
		{"masked-mobile", "138****5678", nil},
		{"mobile", "电话13812345678。", []string{"mobile:138****5678:13812345678"}},
		{"mobile-grouped", "手机 138 1234 5678 ", []string{"mobile:138****5678:138 1234 5678"}},
		{"mobile-dashed", "138-1234-5678", []string{"mobile:138****5678:138-1234-5678"}},
		{"mobile-86", "+8613812345678", []string{"mobile:86138****5678:8613812345678"}},
		{"mobile-unallocated", "14012345678 12012345678", nil},
		{"mobile-in-longer-number", "213812345678 138123456789", nil},
		{"landline", "办公电话：0876-7623373，0871-65123456", nil},
		{"uscc", "统一社会信用代码：91530100MA6K2L8X1B，115300000000000011", nil},
		{"date-and-docno", "2024年1月22日 20240122 云政发〔2024〕12号 文号2024001234", nil},
		{"bank-with-context", "开户银行：农业银行 卡号：" + card, []string{"bank-card:" + MaskBank(card) + ":" + card}},
		{"bank-no-context", "项目编号 " + card, nil},
		{"bank-fails-luhn", "卡号：" + card[:len(card)-1] + string('0'+(card[len(card)-1]-'0'+1)%10), nil},
		{"glued-to-letters", "ABC13812345678", nil},
		{"decimal", "金额 13812345678.50 元", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := scan(tc.text)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestMaskText(t *testing.T) {
	validID := id("53262719900101123")
	s := Scanner{Now: now}.MaskText("张三 " + validID + " 电话 13812345678 编号 12345678901234")
	if strings.Contains(s, validID) || strings.Contains(s, "13812345678") || strings.Contains(s, "12345678901234") {
		t.Errorf("unmasked: %s", s)
	}
	if !strings.Contains(s, "532627********") || !strings.Contains(s, "138****5678") || !strings.Contains(s, "123*********34") {
		t.Errorf("masked forms missing: %s", s)
	}
}

func FuzzScan(f *testing.F) {
	f.Add("身份证 532627199001011234 电话 138 1234 5678 卡号 6222021001123456784")
	f.Add("５３２\xff\xef\xbc")
	f.Fuzz(func(t *testing.T, text string) {
		Scanner{Now: now}.Scan([]byte(text), func(h Hit) {
			if h.Start < 0 || h.End > len(text) || h.Start >= h.End {
				t.Fatalf("bad hit %+v", h)
			}
			if h.Masked == h.Value || !strings.Contains(h.Masked, "*") {
				t.Fatalf("hit not masked: %+v", h)
			}
		})
		if m := (Scanner{Now: now}).MaskText(text); strings.Count(m, "") < 1 {
			t.Fatal("empty")
		}
	})
}

// benchText is 10 MB of Chinese text with numbers in lines of about 80
// characters, some of them personal data (an ID or a mobile number, each
// different, every 100 characters or so).
func benchText() []byte {
	rng := rand.New(rand.NewPCG(3, 3))
	var sb strings.Builder
	for sb.Len() < 10<<20 {
		switch k := rng.IntN(200); {
		case k == 0:
			sb.WriteString(id(fmt.Sprintf("532627%04d%02d%02d%03d", 1950+rng.IntN(60), 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(1000))))
		case k == 1:
			sb.WriteString(fmt.Sprintf("138%08d", rng.IntN(100000000)))
		case k == 2, k == 3:
			sb.WriteString("。\n")
		case k < 10:
			sb.WriteString("2026年11月26日")
		default:
			sb.WriteRune(rune(0x4E00 + rng.IntN(3500)))
		}
	}
	return []byte(sb.String())
}

// BenchmarkScan runs the scanner over benchText.
func BenchmarkScan(b *testing.B) {
	text := benchText()
	s := Scanner{Now: now}
	b.SetBytes(int64(len(text)))
	cpu := benchtext.StartCPU()
	for b.Loop() {
		n := 0
		s.Scan(text, func(Hit) { n++ })
		if n == 0 {
			b.Fatal("nothing found")
		}
	}
	cpu.Report(b, int64(len(text)))
}

// BenchmarkScanDocument is what the privacy check runs (ScanDocument:
// tables, sequences, hotlines) over benchText, and over government text
// with dates and amounts but no personal data, a page's common case
// (internal/benchtext's corpus).
func BenchmarkScanDocument(b *testing.B) {
	for _, in := range []struct {
		name string
		text []byte
		hits bool
	}{{"with-personal-data", benchText(), true}, {"without", benchtext.Corpus(), false}} {
		b.Run(in.name, func(b *testing.B) {
			s := Scanner{Now: now}
			b.SetBytes(int64(len(in.text)))
			cpu := benchtext.StartCPU()
			for b.Loop() {
				n := 0
				s.ScanDocument(in.text, func(Hit) { n++ })
				if n > 0 != in.hits {
					b.Fatalf("%d found", n)
				}
			}
			cpu.Report(b, int64(len(in.text)))
		})
	}
}

// TestNextDigitStartAsTable holds nextDigitStart, which reads eight bytes
// at a time, to the table read a byte at a time: every byte value at
// every place of a word, and random texts of digits, full-width digits,
// Chinese, punctuation and bytes next to the ranges ('/', ':', 0xEE,
// 0xF0, 0xAF, 0xB0…), from every start.
func TestNextDigitStartAsTable(t *testing.T) {
	want := func(text []byte, i int) int {
		for i < len(text) && !digitStart[text[i]] {
			i++
		}
		return i
	}
	check := func(text []byte) {
		for i := 0; i <= len(text); i++ {
			if got, w := nextDigitStart(text, i), want(text, i); got != w {
				t.Fatalf("nextDigitStart(% x, %d) = %d, want %d", text, i, got, w)
			}
		}
	}
	for b := range 256 {
		for at := range 20 {
			text := []byte(strings.Repeat("中", 7))[:20]
			text[at] = byte(b)
			check(text)
		}
	}
	pieces := []string{"1", "0", "9", "/", ":", "１", "０", "中", "，", "：", "（", "a", "\xee", "\xef", "\xf0", "\xaf", "\xb0", "\x7f", "\x80", "\xff", "\x00", " "}
	rng := rand.New(rand.NewPCG(41, 42))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		check([]byte(b.String()))
	}
}
