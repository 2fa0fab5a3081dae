package hidden

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
)

// FuzzStyle: any stylesheet and page are styled within the budget,
// without panicking, and the bounded matcher agrees with cascadia on every
// element for every selector both accept.
func FuzzStyle(f *testing.F) {
	f.Add(".hide a{display:none} div > p + a{opacity:0}", `<div class="hide"><p>x</p><a href="/">y</a></div>`, ".hide a")
	f.Add("@media screen{#x .y ~ a{color:#fff;background:#fff}}", `<div id="x"><b class="y"></b><i></i><a>z</a></div>`, "#x .y ~ a")
	f.Add("a[title=\"a b\"] , li:nth-child(2n) a{visibility:hidden}", `<ul><li><a title="a b">1</a></li><li><a>2</a></li></ul>`, "li:nth-child(2n) a")
	f.Add("}}{{{", "<a", "a >")
	f.Add(";", "0", "A") // douceur looped forever on this stylesheet
	f.Fuzz(func(t *testing.T, css, page, sel string) {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			return
		}
		st := NewStyler(ParseSheet(css, 0)).WithBudget(Budget{Work: 1_000_000})
		for _, n := range doc.Find("*").Nodes {
			st.Technique(n)
		}
		if st.Work() > 1_000_000+1_000_000 {
			t.Fatalf("work %d far past the budget", st.Work())
		}
		c, ok := compile(sel)
		if !ok {
			return
		}
		want, err := cascadia.Parse(sel)
		if err != nil {
			return
		}
		var m matcher
		for _, n := range doc.Find("*").Nodes {
			if got := m.match(&c, n); got != want.Match(n) {
				t.Fatalf("%q on <%s>: bounded matcher %v, cascadia %v", sel, n.Data, got, !got)
			}
		}
	})
}
