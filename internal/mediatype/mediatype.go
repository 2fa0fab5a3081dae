// Package mediatype reads a Content-Type as mime.ParseMediaType reads it,
// without allocating for the values real servers send.
package mediatype

import (
	"mime"
	"strings"
)

// Parse returns what mime.ParseMediaType(v) returns: the media type (lower
// case), the charset parameter ("" when there is none) and the error.
//
// Every crawled response's Content-Type is read several times (is it a
// page, a download, in which charset), and mime.ParseMediaType makes a
// map of parameters each time: 30 MB of a 20,000-page run. The values
// servers send — "text/html", "text/html; charset=utf-8" — are read here
// in place; anything else (quotes, other parameters, upper case, other
// white space) is left to mime.ParseMediaType.
func Parse(v string) (mt, charset string, err error) {
	if mt, charset, ok := simple(v); ok {
		return mt, charset, nil
	}
	mt, params, err := mime.ParseMediaType(v)
	return mt, params["charset"], err
}

// simple reads v when it is a lower-case type/subtype, or a token, with at
// most one parameter, charset (any case) with a token value, between
// spaces and tabs; ok is false for anything else.
func simple(v string) (mt, charset string, ok bool) {
	base, rest, param := strings.Cut(v, ";")
	mt = trimBlanks(base)
	i := tokenEnd(mt, true)
	if i == 0 {
		return "", "", false
	}
	if i < len(mt) {
		if mt[i] != '/' {
			return "", "", false
		}
		if j := i + 1 + tokenEnd(mt[i+1:], true); j == i+1 || j != len(mt) {
			return "", "", false
		}
	}
	if !param {
		return mt, "", true
	}
	rest = trimLeftBlanks(rest)
	k := tokenEnd(rest, false)
	if !strings.EqualFold(rest[:k], "charset") {
		return "", "", false
	}
	rest = trimLeftBlanks(rest[k:])
	if !strings.HasPrefix(rest, "=") {
		return "", "", false
	}
	rest = trimLeftBlanks(rest[1:])
	k = tokenEnd(rest, false)
	if k == 0 || trimLeftBlanks(rest[k:]) != "" {
		return "", "", false
	}
	return mt, rest[:k], true
}

// tokenEnd is the length of s's leading token (RFC 2045's token: ASCII
// but controls, space and tspecials); with lower, an upper-case letter
// ends it too.
func tokenEnd(s string, lower bool) int {
	for i := range len(s) {
		c := s[i]
		if c >= 0x80 || !tokenChar[c] || lower && 'A' <= c && c <= 'Z' {
			return i
		}
	}
	return len(s)
}

// tokenChar marks the ASCII bytes a token may hold.
var tokenChar = func() (t [0x80]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(`()<>@,;:\"/[]?=`, rune(c))
	}
	return t
}()

func trimLeftBlanks(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

func trimBlanks(s string) string {
	s = trimLeftBlanks(s)
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
