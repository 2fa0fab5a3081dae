package checks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/internal/benchsite"
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

// TestPartsOfAsBefore holds partsOf, which walks the tree by its links and
// looks at tags by their first letter, to the stack walk it replaced, on
// the benchmark site's pages, the repository's HTML fixtures and random
// pages of the tags it keeps and their neighbours (svg links, upper case,
// links without href, stylesheet links in any case).
func TestPartsOfAsBefore(t *testing.T) {
	var pages []string
	for _, o := range []benchsite.Options{benchsite.Heavy(2000), benchsite.Light(2000)} {
		site := benchsite.New(o)
		for _, i := range []int{0, 1, 50, 999, 1234} {
			pages = append(pages, string(site.Page(i, 1)), string(site.Page(i, 2)))
		}
	}
	fixtures, _ := filepath.Glob("../*/testdata/*.html")
	more, _ := filepath.Glob("../*/*/testdata/*/*.html")
	for _, f := range append(fixtures, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, string(b))
	}
	if len(pages) < 30 {
		t.Fatalf("%d pages", len(pages))
	}
	pieces := []string{"<a href=x>", "<a>", "</a>", "<A HREF=y>", "<area href=z>", "<iframe src=f></iframe>", "<frame src=g>", "<frameset>",
		"<noscript><a href=n>n</a></noscript>", "<script>document.write(1)</script>", "<style>.x{display:none}</style>",
		"<link rel=stylesheet href=s.css>", "<link rel='alternate StyleSheet' href=t.css>", "<link rel=stylesheet>", "<svg><a href=v>v</a><style>.y{}</style></svg>",
		"<math><a href=m>m</a></math>", "<div>", "</div>", "<section>", "<span>", "<input>", "<iframe></iframe>", "<table><tr><td>", "<select><option>", "文字", "<template><a href=t>t</a></template>"}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		pages = append(pages, b.String())
	}
	for k, page := range pages {
		doc, _, err := crawler.ParseHTML([]byte(page))
		if err != nil {
			t.Fatal(err)
		}
		// (partsOf's lists are the pool's: reused from page to page.)
		got, want := partsOf(doc), partsOfStack(doc)
		if !slices.Equal(got.styles, want.styles) || !slices.Equal(got.sheetLinks, want.sheetLinks) || !slices.Equal(got.links, want.links) ||
			!slices.Equal(got.noscripts, want.noscripts) || !slices.Equal(got.scripts, want.scripts) {
			t.Fatalf("page %d: partsOf %s, before %s\n%.2000s", k, describeParts(*got), describeParts(want), page)
		}
		got.release()
	}
}

func describeParts(ps pageParts) string {
	return fmt.Sprintf("%d styles, %d sheet links, %d links, %d noscripts, %d scripts", len(ps.styles), len(ps.sheetLinks), len(ps.links), len(ps.noscripts), len(ps.scripts))
}

// partsOfStack is partsOf as first written (TestPartsOfAsBefore).
func partsOfStack(doc *goquery.Document) pageParts {
	var ps pageParts
	stack := append(make([]*html.Node, 0, 256), doc.Nodes...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Type == html.ElementNode {
			switch n.Data {
			case "style":
				ps.styles = append(ps.styles, n)
			case "link":
				if rel, ok := attrOf(n, "rel"); ok && hasAttrKey(n, "href") && slices.Contains(strings.Fields(rel), "stylesheet") {
					ps.sheetLinks = append(ps.sheetLinks, n)
				}
			case "a", "area":
				if hasAttrKey(n, "href") {
					ps.links = append(ps.links, n)
				}
			case "iframe", "frame":
				if hasAttrKey(n, "src") {
					ps.links = append(ps.links, n)
				}
			case "noscript":
				ps.noscripts = append(ps.noscripts, n)
			case "script":
				ps.scripts = append(ps.scripts, n)
			}
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
		}
	}
	return ps
}
