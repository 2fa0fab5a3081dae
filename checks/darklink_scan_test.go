package checks

import (
	"context"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
)

// TestContainsFoldAsEqualFold holds containsFold, which looks for a word
// by one of its letters, to a plain reading of every window with
// strings.EqualFold, on random text made of the words' letters in both
// cases and runes that fold to ASCII letters (ſ, K).
func TestContainsFoldAsEqualFold(t *testing.T) {
	words := []struct {
		lower  string
		anchor int
	}{{"write", 0}, {"innerhtml", 7}, {"insertadjacenthtml", 8}, {"write", 3}, {"innerhtml", 0}}
	alphabet := []string{"w", "W", "r", "R", "i", "I", "t", "T", "e", "E", "n", "N", "h", "H", "m", "M", "l", "L", "s", "S",
		"a", "A", "d", "D", "j", "J", "c", "C", ".", " ", "ſ", "K", "中", "write", "innerHTML", "insertAdjacent", "HTML"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		for _, w := range words {
			want := false
			for i := 0; i+len(w.lower) <= len(s); i++ {
				if strings.EqualFold(s[i:i+len(w.lower)], w.lower) {
					want = true
				}
			}
			if got := containsFold(s, w.lower, w.anchor); got != want {
				t.Fatalf("containsFold(%q, %q, %d) = %v, want %v", s, w.lower, w.anchor, got, want)
			}
		}
	}
}

// TestDarkLinkQuietScripts: a template's long script that writes nothing
// is remembered and not read again, and a long script that writes a link
// is reported on every page, as is one that differs from a remembered
// one by a line.
func TestDarkLinkQuietScripts(t *testing.T) {
	cfg := config.Default()
	packs, _ := cfg.Content.LoadPacks(nil, nil)
	home, _ := url.Parse("http://portal.example/")
	c, err := newDarkLink(Deps{Config: cfg, Packs: packs, SiteHosts: []string{home.Host}})
	if err != nil {
		t.Fatal(err)
	}
	dl := c.(*darkLink)
	quiet := strings.Repeat(`function init(){var el=document.getElementById("x");if(!el){return}el.className+=" on"}`+"\n", 80)
	writer := strings.Repeat("var pad=1;\n", 500) + `document.write('<a href="http://bet.example/w">六合彩</a>');`
	edited := quiet + `document.getElementById('y').innerHTML='<a href="http://bet.example/e">百家乐</a>';`
	for i, tc := range []struct {
		scripts []string
		want    string
	}{
		{[]string{quiet, writer}, "/w"},
		{[]string{quiet, writer}, "/w"},
		{[]string{writer, quiet}, "/w"},
		{[]string{quiet, edited}, "/e"},
		{[]string{edited, quiet}, "/e"},
	} {
		page := "<html><head><script>" + tc.scripts[0] + "</script></head><body><p>正文</p><script>" + tc.scripts[1] + "</script></body></html>"
		doc, _, _ := crawler.ParseHTML([]byte(page))
		fs := c.(PageChecker).Page(context.Background(), &crawler.Page{URL: home, FinalURL: home, Doc: doc})
		var got []string
		for _, f := range fs {
			u, _ := url.Parse(f.Target)
			got = append(got, f.Kind+":"+u.Path)
		}
		if want := "script-written:" + tc.want; strings.Join(got, ",") != want {
			t.Errorf("page %d: %v, want %s", i, got, want)
		}
		if _, ok := dl.quietScripts[quiet]; !ok {
			t.Errorf("page %d: the quiet template script is not remembered", i)
		}
		if _, ok := dl.quietScripts[writer]; ok {
			t.Errorf("page %d: the writing script is remembered as quiet", i)
		}
	}
}

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
