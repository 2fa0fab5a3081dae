package extract

import (
	"strings"
	"unicode/utf8"
)

// textBuf collects extracted text up to a cap; what does not fit is
// dropped and marks the buffer truncated. Parsers check full() to stop
// early instead of reading text nobody will see.
type textBuf struct {
	b         strings.Builder
	max       int
	truncated bool
}

func newTextBuf(max int) *textBuf { return &textBuf{max: max} }

func (t *textBuf) full() bool { return t.b.Len() >= t.max }

func (t *textBuf) Len() int { return t.b.Len() }

func (t *textBuf) String() string { return t.b.String() }

// WriteString appends s, cut at a rune boundary when it does not fit.
func (t *textBuf) WriteString(s string) {
	room := t.max - t.b.Len()
	if room <= 0 {
		if s != "" {
			t.truncated = true
		}
		return
	}
	if len(s) > room {
		t.truncated = true
		cut := room
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	t.b.WriteString(s)
}

// Write appends p like WriteString; it never fails.
func (t *textBuf) Write(p []byte) (int, error) {
	n := len(p)
	room := t.max - t.b.Len()
	if room < len(p) {
		t.truncated = true
		if room <= 0 {
			return n, nil
		}
		cut := room
		for cut > 0 && !utf8.RuneStart(p[cut]) {
			cut--
		}
		p = p[:cut]
	}
	t.b.Write(p)
	return n, nil
}

// WriteByte appends one byte.
func (t *textBuf) WriteByte(c byte) error {
	if t.full() {
		t.truncated = true
		return nil
	}
	return t.b.WriteByte(c)
}

// WriteRune appends one rune.
func (t *textBuf) WriteRune(r rune) {
	if t.b.Len()+utf8.RuneLen(r) > t.max {
		t.truncated = true
		return
	}
	t.b.WriteRune(r)
}
