package hidden

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
)

// TestCompiledAgreesWithCascadia: the bounded matcher gives cascadia's
// answer on every element of a page, for selectors of every combinator.
func TestCompiledAgreesWithCascadia(t *testing.T) {
	page := `<html><body><div id="top" class="a b"><ul class="nav"><li class="x"><a href="1">1</a></li>
	<li class="y"><span><a class="k" href="2">2</a></span></li><li><a href="3" title="a b">3</a></li></ul>
	<p class="a">t</p><p class="c"><a href="4">4</a></p><section><div class="a"><div><em><a href="5">5</a></em></div></div></section></div></body></html>`
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{
		"a", ".nav a", "#top > ul > li > a", "ul li a", "li + li a", "li ~ li > span a", ".a ~ .c a", ".a + .c > a",
		"div div div a", "section .a em a", "body>div .nav li:first-child a", "li:nth-child(2) a.k", "a[title=\"a b\"]",
		"ul  >  li.y   a", ".b .nav .x a", "p.a ~ section a", "div:not(.a) > ul a",
	} {
		c, ok := compile(sel)
		if !ok {
			t.Errorf("%q: not compiled", sel)
			continue
		}
		want := cascadia.MustCompile(sel)
		var m matcher
		for _, n := range doc.Find("*").Nodes {
			if got := m.match(&c, n); got != want.Match(n) {
				t.Errorf("%q on <%s %v>: got %v, cascadia %v", sel, n.Data, n.Attr, got, !got)
			}
		}
	}
	for _, sel := range []string{"div:has(a)", "a:contains(x)", `a\:b`, "> a", "a >", "a + + b", "[x"} {
		if _, ok := compile(sel); ok {
			t.Errorf("%q compiled; want refused", sel)
		}
	}
}
