package hidden

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/internal/benchsite"
)

// The styler indexes rules (by key, ancestor key, parent key), memoises
// what hides an element and the colours behind it, and keeps styles across
// pages (StyleCache). These tests hold those to the plain cascade: every
// rule of every sheet matched against the element (refStyle), the first
// hiding ancestor found by walking up (refHide, the walk as first
// written), and a styler without a cache.

// randomCase is a random page and stylesheet over a few tags, classes and
// ids, with every combinator and some structural pseudo-classes.
func randomCase(rng *rand.Rand) (page, css string) {
	tags := []string{"div", "p", "ul", "li", "a", "span", "section", "iframe", "marquee"}
	classes := []string{"a", "b", "c", "d", "e"}
	var b strings.Builder
	var el func(depth int)
	el = func(depth int) {
		tag := tags[rng.IntN(len(tags))]
		fmt.Fprintf(&b, "<%s", tag)
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, ` class="%s %s"`, classes[rng.IntN(len(classes))], classes[rng.IntN(len(classes))])
		}
		if rng.IntN(4) == 0 {
			fmt.Fprintf(&b, ` id="i%d"`, rng.IntN(3))
		}
		switch rng.IntN(12) {
		case 0:
			b.WriteString(` style="display:none"`)
		case 1:
			b.WriteString(` style="color:#fff"`)
		case 2:
			b.WriteString(` style="height:0;overflow:hidden"`)
		case 3:
			b.WriteString(` hidden`)
		case 4:
			b.WriteString(` width="0" height="1"`)
		}
		if tag == "a" || tag == "iframe" {
			// {P} is the pass (checkPlainCascade): attributes no
			// selector reads differ from page to page, as links do.
			fmt.Fprintf(&b, ` href="/p/%d-{P}.html" src="/f/%d.html" title="t{P}"`, rng.IntN(100), rng.IntN(100))
		}
		switch rng.IntN(10) {
		case 0:
			b.WriteString(` lang="zh-CN"`)
		case 1:
			b.WriteString(` data-k="{P}"`)
		case 2:
			b.WriteString(` data-v="x"`)
		}
		b.WriteString(">")
		if depth < 6 {
			for range rng.IntN(4) {
				el(depth + 1)
			}
		}
		if rng.IntN(3) == 0 {
			b.WriteString("文字")
		}
		fmt.Fprintf(&b, "</%s>", tag)
	}
	b.WriteString("<html><body>")
	for range 1 + rng.IntN(3) {
		el(0)
	}
	b.WriteString("</body></html>")
	compound := func() string {
		s := ""
		switch rng.IntN(5) {
		case 0:
			s = tags[rng.IntN(len(tags))]
		case 1:
			s = "." + classes[rng.IntN(len(classes))]
		case 2:
			s = fmt.Sprintf("#i%d", rng.IntN(3))
		case 3:
			s = tags[rng.IntN(len(tags))] + "." + classes[rng.IntN(len(classes))]
		default:
			s = "*"
		}
		switch rng.IntN(8) {
		case 0:
			s += ":first-child"
		case 1:
			s += ":nth-child(2n+1)"
		case 2:
			s += ":last-child"
		case 3:
			s += ":not(." + classes[rng.IntN(len(classes))] + ")"
		case 4:
			// Selectors that read attributes: those attributes are
			// in the context, the others are not.
			s += []string{"[data-v]", `[data-k="1"]`, `[href$="-2.html"]`, ":link", ":lang(zh)", ":empty", "[title]", `[ data-v = 'x' ]`}[rng.IntN(8)]
		}
		return s
	}
	decls := []string{"display:none", "display:block", "visibility:hidden", "color:#fff", "color:#333", "background:#fff",
		"opacity:0", "font-size:0", "height:0", "overflow:hidden", "position:absolute;left:-9999px", "text-indent:-999em"}
	var c strings.Builder
	for range 5 + rng.IntN(40) {
		sel := compound()
		for range rng.IntN(4) {
			sel += []string{" ", " > ", " + ", " ~ "}[rng.IntN(4)] + compound()
		}
		fmt.Fprintf(&c, "%s{%s;%s}\n", sel, decls[rng.IntN(len(decls))], decls[rng.IntN(len(decls))])
	}
	return b.String(), c.String()
}

// refStyle is the cascade without an index: every rule of every sheet
// matched against n.
func refStyle(st *Styler, n *html.Node) map[string]string {
	var matched []*rule
	for _, s := range st.sheets {
		for i := range s.rules {
			r := &s.rules[i]
			if st.m.match(&r.m, n) {
				matched = append(matched, r)
			}
		}
	}
	sort.SliceStable(matched, func(i, j int) bool {
		if matched[i].spec.Less(matched[j].spec) {
			return true
		}
		if matched[j].spec.Less(matched[i].spec) {
			return false
		}
		return matched[i].order < matched[j].order
	})
	out := map[string]string{}
	for _, r := range matched {
		for k, v := range r.decls {
			out[k] = v
		}
	}
	for _, a := range n.Attr {
		if a.Key == "style" {
			for _, decl := range strings.Split(a.Val, ";") {
				k, v, ok := strings.Cut(decl, ":")
				if ok {
					out[strings.ToLower(strings.TrimSpace(k))] = strings.ToLower(strings.TrimSpace(v))
				}
			}
		}
	}
	return out
}

func elements(doc *goquery.Document) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range doc.Nodes {
		walk(n)
	}
	return out
}

func TestStylesAsThePlainCascade(t *testing.T) {
	cache := NewStyleCache(1000)
	for i := range 400 {
		checkPlainCascade(t, uint64(i), cache)
	}
	if hits, _ := cache.Stats(); hits == 0 {
		t.Error("the cache never served a style")
	}
}

func FuzzStylesAsThePlainCascade(f *testing.F) {
	f.Add(uint64(3))
	cache := NewStyleCache(1000)
	f.Fuzz(func(t *testing.T, seed uint64) { checkPlainCascade(t, seed, cache) })
}

// checkPlainCascade styles the random case of seed three times (the cache
// keeps a style the second time it is met and serves it the third), with
// and without the cache, against the plain cascade and walk.
func checkPlainCascade(t *testing.T, seed uint64, cache *StyleCache) {
	tmpl, css := randomCase(rand.New(rand.NewPCG(seed, 12)))
	sheet := ParseSheet(css, 0)
	for pass := range 3 {
		page := strings.ReplaceAll(tmpl, "{P}", fmt.Sprint(pass))
		doc := parseDoc(t, page)
		// No wall-time bound: under -race on a loaded machine a pass
		// outlasted DefaultBudget's 5 s and the styler, rightly, stopped
		// styling (CI failure, seed 394).
		unbounded := Budget{Time: time.Hour}
		st := NewStyler(sheet).WithBudget(unbounded)
		cached := NewStyler(sheet).WithCache(cache).WithBudget(unbounded)
		plain := NewStyler(sheet).WithBudget(unbounded)
		for _, n := range elements(doc) {
			want := refStyle(plain, n)
			if got := st.Style(n); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("seed %d: %s: style %v, the plain cascade %v\npage %s\ncss %s", seed, n.Data, got, want, page, css)
			}
			if got := cached.Style(n); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("seed %d pass %d: %s: cached style %v, the plain cascade %v\npage %s\ncss %s", seed, pass, n.Data, got, want, page, css)
			}
			gt, gx, gp := st.hide(n)
			wt, wx, wp := refHide(plain, n)
			if gt != wt || gx != wx || !slices.Equal(gp, wp) {
				t.Fatalf("seed %d: %s hidden by %q at %v %v, the walk says %q at %v %v\npage %s\ncss %s", seed, n.Data, gt, gx, gp, wt, wx, wp, page, css)
			}
		}
		// The cached styler, its elements met in reverse order (the
		// memoised walks up the tree fill from other ends), on the memo
		// of the stylers released before it (pass > 0).
		els := elements(doc)
		for i := len(els) - 1; i >= 0; i-- {
			n := els[i]
			gt, gx, gp := cached.hide(n)
			wt, wx, wp := refHide(plain, n)
			if gt != wt || gx != wx || !slices.Equal(gp, wp) {
				t.Fatalf("seed %d pass %d: %s hidden by %q at %v %v with the cache, the walk says %q at %v %v\npage %s\ncss %s", seed, pass, n.Data, gt, gx, gp, wt, wx, wp, page, css)
			}
		}
		if st.Exhausted() || cached.Exhausted() || plain.Exhausted() {
			t.Fatalf("seed %d pass %d: a styler ran out of budget", seed, pass)
		}
		st.Release()
		cached.Release()
	}
}

// TestStyleCacheAcrossPages: the benchmark site's pages, styled with one
// cache across them, hide the same links the same way as without it (some
// of them hidden: the inline sheet hides the skip link off-screen and
// colours a list's links like its background), and the template's
// elements come from the cache.
func TestStyleCacheAcrossPages(t *testing.T) {
	site := benchsite.New(benchsite.Heavy(20000))
	sheet := ParseSheet(string(site.Stylesheet()), 0)
	inline := ParseSheet(`.skip{position:absolute;left:-9999px} .w3 .list li a{color:#fff} .w2{background:#fff}`, 100000)
	cache := NewStyleCache(20000)
	var hits0, misses0, hideHits0 int64
	links := 0
	hidden := map[string]int{}
	for i := range 30 {
		if i == 20 {
			hits0, misses0 = cache.Stats()
			hideHits0 = cache.HideHits()
		}
		doc := parseDoc(t, string(site.Page(1200+i, 1)))
		cached := NewStyler(sheet, inline).WithCache(cache)
		plain := NewStyler(sheet, inline)
		doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
			n := s.Nodes[0]
			got, want := cached.Technique(n), plain.Technique(n)
			if got != want {
				t.Fatalf("page %d: %s hidden by %q with the cache, %q without", 1200+i, s.AttrOr("href", ""), got, want)
			}
			hidden[got]++
			if i >= 20 {
				links++
			}
		})
	}
	// The links differ from page to page only by their hrefs and titles,
	// which no selector reads: past the first pages each is answered in
	// one lookup.
	if h := cache.HideHits() - hideHits0; h != int64(links) {
		t.Errorf("last 10 pages: %d links, %d answered from the cache", links, h)
	}
	if hidden["off-screen"] != 30 || hidden["same-color"] < 30*35 {
		t.Errorf("hidden links: %v", hidden)
	}
	// Past the first pages nothing is styled anew.
	hits, misses := cache.Stats()
	if hits, misses := hits-hits0, misses-misses0; misses != 0 {
		t.Errorf("last 10 pages: %d hits, %d misses: the template's elements are not served from the cache", hits, misses)
	}
}

func refHide(st *Styler, n *html.Node) (string, *html.Node, []string) {
	for x := n; x != nil && x.Type == html.ElementNode; x = x.Parent {
		s := st.Style(x)
		if x.Data == "noscript" {
			return "noscript", x, []string{"<noscript>"}
		}
		if hasAttr(x, "hidden") {
			return "hidden-attribute", x, []string{"@hidden"}
		}
		if len(s) == 0 && x.Data != "marquee" && x.Data != "iframe" && x.Data != "frame" {
			continue // nothing declared: nothing hides it here
		}
		switch {
		case s["display"] == "none":
			return "display-none", x, []string{"display"}
		case s["visibility"] == "hidden" || s["visibility"] == "collapse":
			return "visibility-hidden", x, []string{"visibility"}
		case isZero(s["opacity"], 0.05):
			return "opacity-zero", x, []string{"opacity"}
		case tinyFont(s["font-size"]):
			return "font-size-zero", x, []string{"font-size"}
		case (s["position"] == "absolute" || s["position"] == "fixed") && (farOff(s["left"]) || farOff(s["top"]) || farOff(s["right"]) || farOff(s["margin-left"]) || farOff(s["margin-top"])):
			props := []string{"position"}
			for _, p := range []string{"left", "top", "right", "margin-left", "margin-top"} {
				if farOff(s[p]) {
					props = append(props, p)
				}
			}
			return "off-screen", x, props
		case farOff(s["text-indent"]):
			return "text-indent", x, []string{"text-indent"}
		case clipped(s["clip"]):
			return "clip", x, []string{"clip"}
		case strings.Contains(s["clip-path"], "inset(50%") || strings.Contains(s["clip-path"], "circle(0"):
			return "clip", x, []string{"clip-path"}
		case (s["overflow"] == "hidden" || s["overflow-x"] == "hidden" || s["overflow-y"] == "hidden") && (tiny(s["height"]) || tiny(s["width"]) || tiny(attr(x, "height")) || tiny(attr(x, "width"))):
			props := []string{}
			for _, p := range []string{"overflow", "overflow-x", "overflow-y"} {
				if s[p] == "hidden" {
					props = append(props, p)
				}
			}
			for _, p := range []string{"height", "width"} {
				if tiny(s[p]) {
					props = append(props, p)
				} else if tiny(attr(x, p)) {
					props = append(props, "@"+p)
				}
			}
			return "zero-size", x, props
		case x.Data == "marquee" && (tiny(s["height"]) || tiny(s["width"]) || tinyLen(attr(x, "height"), 10) || tinyLen(attr(x, "width"), 10) || tinyLen(s["height"], 10)):
			return "tiny-marquee", x, sizeProps(x, s, 10)
		case x.Data == "iframe" && (tiny(attr(x, "width")) || tiny(attr(x, "height")) || tiny(s["width"]) || tiny(s["height"]) || attr(x, "frameborder") == "0" && attr(x, "scrolling") == "no" && (tinyLen(attr(x, "width"), 2) || tinyLen(attr(x, "height"), 2))):
			return "zero-size-iframe", x, sizeProps(x, s, 2)
		}
	}
	// Text coloured like the background behind it: the nearest declared
	// colour against the nearest declared background.
	var text, bg string
	var textAt *html.Node
	for x := n; x != nil && x.Type == html.ElementNode && (text == "" || bg == ""); x = x.Parent {
		s := st.Style(x)
		if len(s) == 0 {
			continue
		}
		if text == "" {
			if text = normColor(s["color"]); text != "" {
				textAt = x
			}
		}
		if bg == "" {
			bg = backgroundColor(s)
		}
	}
	if text != "" && text != "transparent" && text == bg {
		return "same-color", textAt, []string{"color"}
	}
	return "", nil, nil
}

// TestStyleCacheSeenBounded: keys met once (links' own contexts, one per
// link of every page) take no memory beyond seen's fixed slots, and a key
// met twice among a million of them is still kept on its second sight.
func TestStyleCacheSeenBounded(t *testing.T) {
	c := NewStyleCache(20000)
	slots := len(c.seen)
	if slots*8 > 512<<10 {
		t.Errorf("seen takes %d KB, want at most 512", slots*8>>10)
	}
	style := map[string]string{"color": "red"}
	template := styleKey{sheets: 7, elem: 42}
	c.put(template, style)
	for i := range uint64(1_000_000) {
		c.put(styleKey{sheets: 7, elem: 1000 + i*0x9E3779B97F4A7C15}, style)
		if i == 500 {
			c.put(template, style) // the template's element on the next page
		}
	}
	if len(c.seen) != slots {
		t.Errorf("seen grew from %d to %d slots", slots, len(c.seen))
	}
	if got, ok := c.get(template); !ok || got["color"] != "red" {
		t.Errorf("the template's style met twice was not kept: %v %v", got, ok)
	}
	if len(c.m) != 1 {
		t.Errorf("%d styles kept, want 1 (keys met once are not kept)", len(c.m))
	}
}

// TestFirstSightSharedSlots: keys that recur on every page and fall in
// the same slots are all remembered at their second sight (with one slot
// a key two such keys replaced each other for ever, and a template's
// element was never cached: TestStyleCacheAcrossPages failed in CI by the
// run's seed; with pairs of slots three did), and a fifth key of the same
// slots pushes out the oldest.
func TestFirstSightSharedSlots(t *testing.T) {
	seen := make([]uint64, 1024)
	k := func(n uint64) styleKey { return styleKey{elem: 8 + n*1024} }
	for _, step := range []struct {
		k     styleKey
		first bool
	}{
		{k(0), true}, {k(1), true}, {k(2), true}, {k(3), true},
		{k(0), false}, {k(1), false}, {k(2), false}, {k(3), false}, // all four kept
		{k(4), true}, {k(3), false}, // k(4) pushes out k(0), the oldest
		{k(0), true},
	} {
		if got := firstSightIn(seen, step.k); got != step.first {
			t.Fatalf("key %v: first sight %v, want %v (slots %v)", step.k, got, step.first, seen[8:12])
		}
	}
}
