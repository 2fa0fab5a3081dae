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
