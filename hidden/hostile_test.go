package hidden

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

func parseDoc(t testing.TB, page string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// An ancestor with thousands of classes above thousands of links, and one
// hiding rule with a descendant combinator: the red-team page that made
// the ancestor key set be copied per element (1.9 GB allocated and 11 s
// for this 100 KB page before; 2 MB and 11 ms after).
func TestHostileAncestorClasses(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html><body><div class="`)
	for i := range 3000 {
		fmt.Fprintf(&b, "c%d ", i)
	}
	b.WriteString(`hide">`)
	for i := range 3000 {
		fmt.Fprintf(&b, `<p class="p%d"><a href="/x%d">x</a></p>`, i, i)
	}
	b.WriteString(`</div><a id="out" href="/y">y</a></body></html>`)
	doc := parseDoc(t, b.String())
	st := NewStyler(ParseSheet(".hide a{display:none} div p a{color:red} .c5 .p7 a{opacity:0}", 0))
	hidden := 0
	got := allocated(func() {
		for _, n := range doc.Find("a").Nodes {
			if st.Technique(n) != "" {
				hidden++
			}
		}
	})
	if hidden != 3000 || st.Technique(doc.Find("#out").Nodes[0]) != "" {
		t.Errorf("hidden = %d, want the 3000 links inside .hide and not the one outside", hidden)
	}
	if got > 64<<20 {
		t.Errorf("styling allocated %d MB, want < 64 MB", got>>20)
	}
	if st.Exhausted() {
		t.Errorf("budget exhausted after %d steps on a page a real portal could serve", st.Work())
	}
}

// A selector of five compounds against 400 nested elements: cascadia's
// matcher tries every placement (about C(400,4) steps, 52 s for 200
// levels); the memoised one costs compounds × depth.
func TestDeepCombinators(t *testing.T) {
	for _, tc := range []struct {
		name, page string
		want       string
	}{
		{"class-above", `<div class="y">` + strings.Repeat("<div>", 400) + `<a href="/x">x</a>` + strings.Repeat("</div>", 401), "display-none"},
		{"class-below", strings.Repeat("<div>", 400) + `<div class="y"><a href="/x">x</a></div>` + strings.Repeat("</div>", 400), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := parseDoc(t, "<html><body>"+tc.page+"</body></html>")
			st := NewStyler(ParseSheet(".y div div div div a{display:none}", 0)).WithBudget(Budget{Depth: 1000})
			if got := st.Technique(doc.Find("a").Nodes[0]); got != tc.want {
				t.Errorf("Technique = %q, want %q", got, tc.want)
			}
			if st.Work() > 10_000 || st.Exhausted() {
				t.Errorf("work = %d (exhausted %v), want at most compounds × depth", st.Work(), st.Exhausted())
			}
		})
	}
}

// When the budget is spent the styler stops, says so, and reports nothing
// more as hidden: the caller reports the page as not analysed.
func TestBudgetExhausted(t *testing.T) {
	var css strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&css, "[data-k%d]{display:none}\n", i)
	}
	var page strings.Builder
	page.WriteString("<html><body>")
	for i := range 5000 {
		fmt.Fprintf(&page, `<a data-k%d href="/x%d">x</a>`, 4999-i, i)
	}
	page.WriteString("</body></html>")
	doc := parseDoc(t, page.String())
	sheet := ParseSheet(css.String(), 0)
	if sheet.Rules() != 5000 {
		t.Fatalf("rules = %d", sheet.Rules())
	}
	st := NewStyler(sheet).WithBudget(Budget{Work: 200_000})
	found := 0
	for _, n := range doc.Find("a").Nodes {
		if st.Technique(n) != "" {
			found++
		}
	}
	if !st.Exhausted() {
		t.Fatal("budget of 200,000 steps not exhausted by 5,000 universal rules × 5,000 links")
	}
	if found == 0 || found >= 5000 {
		t.Errorf("found %d hidden links: want some before the budget ran out, not all", found)
	}
	if st.Work() > 200_000+10_000 {
		t.Errorf("work %d overshoots the budget", st.Work())
	}
}

func TestDepthBudget(t *testing.T) {
	doc := parseDoc(t, "<html><body>"+strings.Repeat("<div>", 300)+`<a style="display:none" href="/x">x</a>`+"</body></html>")
	st := NewStyler()
	if got := st.Technique(doc.Find("a").Nodes[0]); got != "" || !st.Exhausted() {
		t.Errorf("element at depth 302: Technique %q, exhausted %v; want not analysed", got, st.Exhausted())
	}
}

func TestSheetCaps(t *testing.T) {
	big := strings.Repeat(".a{display:none}\n", MaxSheetBytes/17+10)
	s := ParseSheet(big, 0)
	if !s.Truncated {
		t.Error("sheet over MaxSheetBytes not marked truncated")
	}
	if s.Rules() != maxRules || s.Dropped == 0 {
		t.Errorf("rules %d dropped %d; want %d kept and the rest counted", s.Rules(), s.Dropped, maxRules)
	}
	s = ParseSheet("div:has(a){display:none} a b c d e f g h i{display:none} .ok{display:none}", 0)
	if s.Rules() != 1 || s.Dropped != 2 {
		t.Errorf("rules %d dropped %d; want :has and a 9-compound selector dropped", s.Rules(), s.Dropped)
	}
}

var _ = html.ElementNode

// TestNestedMedia: a sheet of nothing but "@media screen{" opened 140,000
// times (2 MB, just under the sheet cap). A recursive parser that joined each level's
// query to its parent's took 2.2 GB for 20,000 levels and was killed by
// the OOM killer at 150,000; this one keeps one flag per open block. A
// rule at the bottom still applies.
func TestNestedMedia(t *testing.T) {
	css := strings.Repeat("@media screen{", 140_000) + ".hid{display:none}"
	var s *Sheet
	n := allocated(func() { s = ParseSheet(css, 0) })
	if n > 64<<20 {
		t.Errorf("parsing allocated %d MB", n>>20)
	}
	doc := parseDoc(t, `<div class="hid"><a id="t" href="x">a</a></div>`)
	if got := NewStyler(s).Technique(doc.Find("#t").Nodes[0]); s.Truncated || got != "display-none" {
		t.Errorf(".hid under 140,000 @media blocks read as %q (sheet truncated %v)", got, s.Truncated)
	}
}
