package checks

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The column check's hand-written scans stand in for regexps and for
// strings.Fields/Contains calls on every page; these hold each to what it
// replaced, on random inputs.

// TestTokenInAsRegexp holds tokenIn to the regexps it stands in for, on
// random class and id values: the tokens' pieces in both cases,
// separators, digits, and runes that fold to ASCII letters.
func TestTokenInAsRegexp(t *testing.T) {
	pieces := []string{"nav", "NAV", "menu", "head", "Header", "foot", "er", "side", "bar", "a", "crumb", "bread", "copy", "right",
		"friend", "dao", "hang", "dh", "wz", "top", "bottom", "fen", "ye", "page", "pagination", "r", "-", "_", " ", "1", "x",
		"ſ", "K", "中", "\t", "."}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		v := b.String()
		if got, want := tokenIn(v, notMainTokens, notMain), notMain.MatchString(v); got != want {
			t.Fatalf("notMain %q: %v, regexp %v", v, got, want)
		}
		if got, want := tokenIn(v, maybeMainTokens, maybeMain), maybeMain.MatchString(v); got != want {
			t.Fatalf("maybeMain %q: %v, regexp %v", v, got, want)
		}
	}
}

// TestDropSpacesAsFieldsJoin holds dropSpaces to what it replaced.
func TestDropSpacesAsFieldsJoin(t *testing.T) {
	pieces := []string{"a", " ", "\t", "\n", "\v", "\f", "\r", "\u00a0", "\u0085", "\u3000", "\u2028", "\u1680", "\u200b", "中", "，", "\xff", "\xe3\x80", "\xc2", "1", "x"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := dropSpaces(s), strings.Join(strings.Fields(s), ""); got != want {
			t.Fatalf("dropSpaces(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestContainsAnyOfAsContains holds containsAnyOf to strings.Contains of
// each phrase, on random texts and phrase lists (Chinese, ASCII, one
// byte, empty, invalid UTF-8).
func TestContainsAnyOfAsContains(t *testing.T) {
	pieces := []string{"暂无", "信息", "暂", "无", "建设中", "没有", "记录", "a", "b", "ab", "\xe6", "\x9a\x82", " ", "中"}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		var phrases []string
		for range rng.IntN(4) {
			var p strings.Builder
			for range rng.IntN(3) {
				p.WriteString(pieces[rng.IntN(len(pieces))])
			}
			phrases = append(phrases, p.String())
		}
		want := false
		for _, p := range phrases {
			want = want || strings.Contains(s, p)
		}
		if got := containsAnyOf(s, phrases); got != want {
			t.Fatalf("containsAnyOf(%q, %q) = %v, want %v", s, phrases, got, want)
		}
	}
}

// TestListURLPrefilters holds isListURL and mayBePaginated to the
// regexps they guard, on random URLs made of their pieces.
func TestListURLPrefilters(t *testing.T) {
	pieces := []string{"/", "index", "list", "default", "more", "_", "12", "3", ".", "s", "htm", "html", "?", "&", "page", "p", "pageNo", "=", "x", "中", "/p/5.html", "http://a.gov.cn"}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 100000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		u := b.String()
		if got, want := isListURL(u), listURL.MatchString(u); got != want {
			t.Fatalf("isListURL(%q) = %v, want %v", u, got, want)
		}
		if paginated.MatchString(u) && !mayBePaginated(u) {
			t.Fatalf("mayBePaginated(%q) = false, but paginated matches", u)
		}
	}
}
