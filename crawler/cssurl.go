package crawler

import (
	"strings"
	"unicode/utf8"
)

// CSSRef is one reference in a stylesheet, a <style> block or a style
// attribute: a url() (background images, fonts, cursors…), a string in an
// image-set(), or an @import.
type CSSRef struct {
	URL string
	// Import is true for @import: a stylesheet, not an image.
	Import bool
}

// Bounds of CSS reference scanning: a stylesheet is crawled bytes.
const (
	maxCSSBytes = 1 << 20
	maxCSSRefs  = 500
)

// CSSURLs returns the references in CSS text as the CSS Syntax tokenizer
// reads them: comments are skipped; url(x), url( "x" ) and url('x') with
// their escapes (\26 , \)) are URLs; so are the strings of image-set() and
// -webkit-image-set(), and the string or url() after @import. A url()
// preceded by an identifier character is another function (myurl(…)). Only
// the first maxCSSBytes are read, and at most maxCSSRefs references
// returned. data: URLs are returned and dropped by Normalize.
func CSSURLs(css string) []CSSRef {
	if len(css) > maxCSSBytes {
		css = css[:maxCSSBytes]
	}
	var out []CSSRef
	n := len(css)
	importNext := false // after @import: the next string or url() is the sheet
	setDepth := 0       // inside image-set(…): strings are URLs
	depth := 0
	add := func(u string, imp bool) {
		u = strings.TrimSpace(u)
		if u != "" && len(out) < maxCSSRefs {
			out = append(out, CSSRef{URL: u, Import: imp})
		}
	}
	for i := 0; i < n && len(out) < maxCSSRefs; {
		c := css[i]
		switch {
		case c == '/' && i+1 < n && css[i+1] == '*':
			end := strings.Index(css[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '"' || c == '\'':
			s, next := cssString(css, i)
			switch {
			case importNext:
				add(s, true)
				importNext = false
			case setDepth > 0 && depth >= setDepth:
				add(s, false)
			}
			i = next
		case c == '\\':
			// An escaped character is part of an identifier: skip it.
			_, next := cssEscape(css, i+1)
			i = next
		case c == '@':
			j := i + 1
			for j < n && isIdentByte(css[j]) {
				j++
			}
			importNext = strings.EqualFold(css[i+1:j], "import")
			i = j
		case c == '(':
			depth++
			i++
		case c == ')':
			if setDepth > 0 && depth == setDepth {
				setDepth = 0
			}
			depth = max(0, depth-1)
			i++
		case c == ';' || c == '{' || c == '}':
			importNext = false
			i++
		case isIdentStart(c) && (i == 0 || !isIdentByte(css[i-1])):
			j := i
			for j < n && isIdentByte(css[j]) {
				j++
			}
			name := css[i:j]
			if j < n && css[j] == '(' {
				switch {
				case strings.EqualFold(name, "url"):
					u, next, ok := cssURLToken(css, j+1)
					if ok {
						add(u, importNext)
					}
					importNext = false
					i = next
					continue
				case strings.EqualFold(name, "image-set"), strings.EqualFold(name, "-webkit-image-set"):
					depth++
					setDepth = depth
					i = j + 1
					continue
				}
			}
			i = j
		default:
			i++
		}
	}
	return out
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-' || c >= 0x80
}

func isIdentByte(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isCSSSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// cssEscape reads the escape after a backslash at i and returns the
// character it stands for and where it ends.
func cssEscape(css string, i int) (string, int) {
	n := len(css)
	if i >= n {
		return "\uFFFD", i
	}
	if !isHex(css[i]) {
		r, size := utf8.DecodeRuneInString(css[i:])
		return string(r), i + size
	}
	j := i
	v := 0
	for j < n && j-i < 6 && isHex(css[j]) {
		v = v*16 + hexVal(css[j])
		j++
	}
	if j < n && isCSSSpace(css[j]) {
		if css[j] == '\r' && j+1 < n && css[j+1] == '\n' {
			j++
		}
		j++
	}
	if v == 0 || v > utf8.MaxRune || v >= 0xD800 && v <= 0xDFFF {
		return "\uFFFD", j
	}
	return string(rune(v)), j
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// cssString reads the string starting with the quote at i; an unescaped
// newline ends it (a bad string), as does the end of input.
func cssString(css string, i int) (string, int) {
	q := css[i]
	var b strings.Builder
	j := i + 1
	for j < len(css) {
		c := css[j]
		switch {
		case c == q:
			return b.String(), j + 1
		case c == '\n' || c == '\r' || c == '\f':
			return b.String(), j
		case c == '\\':
			if j+1 < len(css) && (css[j+1] == '\n' || css[j+1] == '\r' || css[j+1] == '\f') {
				j += 2 // a line continuation
				continue
			}
			s, next := cssEscape(css, j+1)
			b.WriteString(s)
			j = next
		default:
			b.WriteByte(c)
			j++
		}
	}
	return b.String(), j
}

// cssURLToken reads what follows "url(" at i: a quoted string (then up to
// the closing parenthesis) or an unquoted URL. ok is false for a bad URL
// (a quote, a parenthesis or whitespace inside an unquoted one).
func cssURLToken(css string, i int) (string, int, bool) {
	n := len(css)
	for i < n && isCSSSpace(css[i]) {
		i++
	}
	if i < n && (css[i] == '"' || css[i] == '\'') {
		s, j := cssString(css, i)
		for j < n && css[j] != ')' {
			j++
		}
		return s, min(j+1, n), true
	}
	var b strings.Builder
	for i < n {
		c := css[i]
		switch {
		case c == ')':
			return b.String(), i + 1, true
		case isCSSSpace(c):
			for i < n && isCSSSpace(css[i]) {
				i++
			}
			if i < n && css[i] == ')' {
				return b.String(), i + 1, true
			}
			return "", badURLEnd(css, i), false
		case c == '"' || c == '\'' || c == '(' || c < 0x20 && c != '\t' || c == 0x7f:
			return "", badURLEnd(css, i), false
		case c == '\\':
			if i+1 < n && (css[i+1] == '\n' || css[i+1] == '\r' || css[i+1] == '\f') {
				return "", badURLEnd(css, i), false
			}
			s, next := cssEscape(css, i+1)
			b.WriteString(s)
			i = next
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), n, true // an unclosed url() at the end still counts
}

// badURLEnd skips the rest of a bad url() to its closing parenthesis.
func badURLEnd(css string, i int) int {
	for i < len(css) {
		switch css[i] {
		case ')':
			return i + 1
		case '\\':
			i += 2
			continue
		}
		i++
	}
	return len(css)
}
