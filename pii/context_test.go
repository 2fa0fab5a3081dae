package pii

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// id18 builds a valid 18-digit ID from area, birth date and sequence.
func id18(area, birth string, seq int) string {
	first := fmt.Sprintf("%s%s%03d", area, birth, seq)
	return first + string(CheckChar(first))
}

// luhn completes a card number with its Luhn digit.
func luhn(prefix string) string {
	for d := '0'; d <= '9'; d++ {
		if v := prefix + string(d); Luhn(v) {
			return v
		}
	}
	return ""
}

func kinds(text string) []string {
	s := Scanner{Now: func() time.Time { return time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) }}
	var out []string
	s.ScanDocument([]byte(text), func(h Hit) { out = append(out, h.Kind) })
	return out
}

func TestScanDocument(t *testing.T) {
	card := luhn("621700123456789012")
	for _, tc := range []struct {
		name, text string
		want       string
	}{
		{"id-column", "序号\t姓名\t身份证号\n1\t张某\t" + id18("532627", "19800101", 123) + "\n", "id-card"},
		{"exam-column-15-digits", "序号\t姓名\t准考证号\n1\t张某\t110101190101001\n", ""},
		{"exam-column-11-digits", "姓名\t考号\t成绩\n李某\t13800000017\t88\n", ""},
		{"sequential-exam-numbers-without-header", "张某 190101021 80\n李某 190101022 79\n王某 190101023 78\n", ""},
		{"sequential-mobiles-are-seat-numbers", "13900000001 13900000002 13900000003", ""},
		{"15-digit-too-old", "身份证：110101010101001", ""},
		{"15-digit-living", "身份证：110101750101001", "id-card-15"},
		{"unit-phone-table", "单位名称\t联系电话\n县人社局\t13912345678\n", "public-contact"},
		{"people-phone-table", "姓名\t联系电话\n张某\t13912345678\n", "mobile"},
		{"bank-column-no-word", "姓名\t银行卡号\t金额\n张某\t" + card + "\t800\n", "bank-card"},
		{"bank-column-failing-luhn", "户主\t账号\n张某\t6217001234567890127\n", "bank-card"},
		{"bank-without-context-still-needs-word", "编码 " + card, ""},
		{"hotline-prose", "咨询电话：13912345678。", "public-contact"},
		{"contact-person-prose", "咨询电话：0876-7623373，联系人：张老师 13812345678", "mobile"},
		{"csv-id", "姓名,身份证号,住址\n张某," + id18("532627", "19800101", 123) + ",某村\n", "id-card"},
		{"pdf-row-spaces", "姓名    身份证号    金额\n张某    " + id18("532627", "19800101", 123) + "    500\n", "id-card"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(kinds(tc.text), ","); got != tc.want {
				t.Errorf("kinds = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzScanDocument(f *testing.F) {
	f.Add("序号\t姓名\t身份证号\n1\t张某\t532627198001011230\n")
	f.Add("姓名,银行卡号\n张某,6217001234567890123\n190101021 190101022 190101023")
	f.Add("姓名    身份证号\n张某    110101750101001\n\u3000\u3000\t,")
	f.Fuzz(func(t *testing.T, text string) {
		s := Scanner{Now: func() time.Time { return time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) }}
		s.ScanDocument([]byte(text), func(h Hit) {
			if h.Start < 0 || h.End > len(text) || h.Start >= h.End {
				t.Fatalf("bad hit %+v", h)
			}
			if h.Masked == h.Value || !strings.Contains(h.Masked, "*") {
				t.Fatalf("hit not masked: %+v", h)
			}
		})
	})
}

// TestHasAccountRunAsEveryByte holds hasAccountRun, which reads one byte
// in 15 until it meets a digit, to reading every byte, on random texts of
// digit runs of every length around the bounds.
func TestHasAccountRunAsEveryByte(t *testing.T) {
	every := func(text []byte) bool {
		for i := 0; i < len(text); {
			if text[i] < '0' || text[i] > '9' {
				i++
				continue
			}
			j := i
			for j < len(text) && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			if n := j - i; n >= 15 && n <= 19 {
				return true
			}
			i = j
		}
		return false
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 100000 {
		var b []byte
		for range rng.IntN(6) {
			switch rng.IntN(3) {
			case 0:
				b = append(b, strings.Repeat("中", rng.IntN(8))...)
			case 1:
				b = append(b, strings.Repeat("x", rng.IntN(20))...)
			default:
				for range rng.IntN(40) {
					b = append(b, byte('0'+rng.IntN(10)))
				}
			}
		}
		if got, want := hasAccountRun(b), every(b); got != want {
			t.Fatalf("hasAccountRun(%q) = %v, want %v", b, got, want)
		}
	}
}
