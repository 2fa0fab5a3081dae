package hidden

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

func TestTechnique(t *testing.T) {
	sheet := `.hide{display:none} .x .y{visibility:hidden} #ad{opacity:0}
	.menu{display:none} .menu.open{display:block}
	@media (max-width: 600px){ .mobile-hidden{display:none} }
	@media screen { .screen-hidden{display:none} }
	.wrap{background:#fff} .ghost{color:#FFFFFF}
	.imp { display : none !important } ;;; } .after-junk{visibility:hidden}
	@font-face{font-family:x} @supports (display:grid){.sup{display:none}} .kids>li  +  li a{opacity:0}`
	for _, tc := range []struct{ name, body, want string }{
		{"visible", `<a id="t" href="/">正常</a>`, ""},
		{"inline-display-none", `<div style="display:none"><a id="t" href="x">赌</a></div>`, "display-none"},
		{"class-from-sheet", `<div class="hide"><a id="t" href="x">赌</a></div>`, "display-none"},
		{"descendant-selector", `<div class="x"><p class="y"><a id="t" href="x">赌</a></p></div>`, "visibility-hidden"},
		{"id-opacity", `<span id="ad"><a id="t" href="x">赌</a></span>`, "opacity-zero"},
		{"more-specific-override", `<div class="menu open"><a id="t" href="x">菜单</a></div>`, ""},
		{"media-max-width-not-applied", `<div class="mobile-hidden"><a id="t" href="x">a</a></div>`, ""},
		{"media-screen-applied", `<div class="screen-hidden"><a id="t" href="x">a</a></div>`, "display-none"},
		{"font-size-zero", `<p style="font-size:0px"><a id="t" href="x">a</a></p>`, "font-size-zero"},
		{"off-screen", `<div style="position:absolute;left:-9999px"><a id="t" href="x">a</a></div>`, "off-screen"},
		{"text-indent", `<div style="text-indent:-9999em"><a id="t" href="x">a</a></div>`, "text-indent"},
		{"clip", `<div style="position:absolute;clip:rect(0,0,0,0)"><a id="t" href="x">a</a></div>`, "clip"},
		{"zero-size-overflow", `<div style="height:0;overflow:hidden"><a id="t" href="x">a</a></div>`, "zero-size"},
		{"same-color", `<div class="wrap"><a id="t" class="ghost" href="x">a</a></div>`, "same-color"},
		{"same-color-rgb", `<div style="background-color:rgb(255,255,255)"><a id="t" style="color:#fff" href="x">a</a></div>`, "same-color"},
		{"different-color", `<div style="background:#fff"><a id="t" style="color:#333" href="x">a</a></div>`, ""},
		{"tiny-marquee", `<marquee height="1" width="1"><a id="t" href="x">a</a></marquee>`, "tiny-marquee"},
		{"big-marquee", `<marquee height="40"><a id="t" href="x">a</a></marquee>`, ""},
		{"zero-iframe", `<iframe id="t" src="x" width="0" height="0"></iframe>`, "zero-size-iframe"},
		{"hidden-attribute", `<div hidden><a id="t" href="x">a</a></div>`, "hidden-attribute"},
		{"important", `<div class="imp"><a id="t" href="x">a</a></div>`, "display-none"},
		{"rule-after-junk", `<div class="after-junk"><a id="t" href="x">a</a></div>`, "visibility-hidden"},
		{"supports-block-skipped", `<div class="sup"><a id="t" href="x">a</a></div>`, ""},
		{"child-and-sibling", `<ul class="kids"><li>1</li><li><a id="t" href="x">a</a></li></ul>`, "opacity-zero"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := goquery.NewDocumentFromReader(strings.NewReader("<html><body>" + tc.body + "</body></html>"))
			if err != nil {
				t.Fatal(err)
			}
			n := doc.Find("#t").Nodes[0]
			if got := NewStyler(ParseSheet(sheet, 0)).Technique(n); got != tc.want {
				t.Errorf("Technique = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBadCSS(t *testing.T) {
	for _, css := range []string{"}}}{{{", "a{color:", "@media {", strings.Repeat("a{", 10000), "\x00\xff"} {
		s := ParseSheet(css, 0)
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(`<a id="t" href="x">a</a>`))
		NewStyler(s).Technique(doc.Find("#t").Nodes[0])
	}
}

func TestRuleKey(t *testing.T) {
	for sel, want := range map[string]string{
		".a .b a": "a", "#x": "#x", "div.menu": ".menu", "ul > li.open": ".open", "*": "", "a:hover": "",
		"input[type=text]": "", ".x #y.z": "#y", "p": "p", "A": "a",
	} {
		if got := ruleKey(sel); got != want {
			t.Errorf("ruleKey(%q) = %q, want %q", sel, got, want)
		}
	}
}

// TestExplain: the reason names the declaration that hides, and where it
// is written (the rule's selector, its sheet and line, the style
// attribute, or markup), so the webmaster knows what to delete.
func TestExplain(t *testing.T) {
	sheet := "body{color:#333}\n.nav a{color:#06c}\n\n/* injected */\n.hid,\n.x { display : none }\n#ad{opacity:0}\n.wrap{background:#fff} .ghost{color:#FFFFFF}\n.hid.open{display:block}"
	for _, tc := range []struct {
		name, body                  string
		tech, decl, sel, src, elTag string
		line                        int
	}{
		{"rule-with-line", `<div class="hid"><a id="t" href="x">赌</a></div>`, "display-none", "display: none", ".hid", "https://www.example.gov.cn/css/main.css", "div", 5},
		{"second-selector-same-rule", `<p class="x"><a id="t" href="x">赌</a></p>`, "display-none", "display: none", ".x", "https://www.example.gov.cn/css/main.css", "p", 5},
		{"id-rule", `<span id="ad"><a id="t" href="x">赌</a></span>`, "opacity-zero", "opacity: 0", "#ad", "https://www.example.gov.cn/css/main.css", "span", 7},
		{"style-attribute-wins", `<div class="hid" style="display:none"><a id="t" href="x">赌</a></div>`, "display-none", "display: none", "", SourceStyleAttr, "div", 0},
		{"off-screen-two-props", `<div style="position:absolute;left:-9999px"><a id="t" href="x">a</a></div>`, "off-screen", "position: absolute; left: -9999px", "", SourceStyleAttr, "div", 0},
		{"marquee-attributes", `<marquee height="1" width="1"><a id="t" href="x">a</a></marquee>`, "tiny-marquee", `width="1"; height="1"`, "", SourceMarkup, "marquee", 0},
		{"same-color-on-link", `<div class="wrap"><a id="t" class="ghost" href="x">a</a></div>`, "same-color", "color: #ffffff", ".ghost", "https://www.example.gov.cn/css/main.css", "a", 8},
		{"hidden-attribute", `<div hidden><a id="t" href="x">a</a></div>`, "hidden-attribute", `hidden=""`, "", SourceMarkup, "div", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := goquery.NewDocumentFromReader(strings.NewReader("<html><body>" + tc.body + "</body></html>"))
			if err != nil {
				t.Fatal(err)
			}
			st := NewStyler(ParseSheetFrom(sheet, 0, "https://www.example.gov.cn/css/main.css"))
			r, ok := st.Explain(doc.Find("#t").Nodes[0])
			if !ok {
				t.Fatal("not hidden")
			}
			if r.Technique != tc.tech || r.Declaration != tc.decl || r.Selector != tc.sel || r.Source != tc.src || r.Line != tc.line || r.Element.Data != tc.elTag {
				t.Errorf("Explain = %+v (element %s), want %s %q %q %q line %d element %s", r, r.Element.Data, tc.tech, tc.decl, tc.sel, tc.src, tc.line, tc.elTag)
			}
		})
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(`<div class="hid open"><a id="t" href="x">菜单</a></div>`))
	if r, ok := NewStyler(ParseSheet(sheet, 0)).Explain(doc.Find("#t").Nodes[0]); ok {
		t.Errorf("an overridden rule explained as hiding: %+v", r)
	}
}

// FuzzExplain: any stylesheet and page (crawled bytes) give an answer, not
// a panic, and Explain agrees with Technique on every link.
func FuzzExplain(f *testing.F) {
	f.Add(".hid,\n.x { display : none }\n#ad{opacity:0}", `<div class="hid"><a href="x">a</a></div><span id="ad"><a href="y">b</a></span>`)
	f.Add("@media screen{.a{font-size:0}} .b{position:absolute;left:-9999px}", `<p class="a"><a href="x">a</a></p><marquee width=1><a href=z>c</a></marquee>`)
	f.Add("a{color:#fff} div{background:#fff", `<div><a href="x" style="color:#fff">a</a></div><noscript><a href=q>n</a></noscript>`)
	f.Fuzz(func(t *testing.T, css, page string) {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			return
		}
		st := NewStyler(ParseSheetFrom(css, 0, "fuzz.css"))
		doc.Find("a, iframe, marquee").Each(func(_ int, s *goquery.Selection) {
			n := s.Nodes[0]
			r, ok := st.Explain(n)
			if tech := st.Technique(n); tech != r.Technique || ok != (tech != "") || (ok && r.Element == nil) {
				t.Errorf("Technique %q, Explain %+v %v", tech, r, ok)
			}
		})
	})
}

// TestStraySemicolons: a semicolon between rules, a common slip in real
// stylesheets, hung douceur's parser for good (a spinning goroutine that
// never ends the run); now the rules around it are read as a browser reads
// them. By the CSS syntax, a stray ';' at the top level starts the next
// rule's prelude ("; .hid"), which is then no selector: browsers drop that
// one rule (and so its link is not hidden from visitors) and read the
// rest.
func TestStraySemicolons(t *testing.T) {
	for _, tc := range []struct {
		css, want string
	}{
		{".a{color:red};.b{color:blue} .hid{display:none}", "display-none"},
		{".a{color:red};.hid{display:none}", ""},
		{"a{x:y} ; .b{x:y} .hid{display:none}", "display-none"},
		{"a{x:y} ; .hid{display:none}", ""},
		{"@media screen{a{x:y} ;.b{x:y} .hid{display:none}}", "display-none"},
		{"@media screen{a{x:y} ;.hid{display:none}}", ""},
		{"@charset \"utf-8\";\n@import url(a.css);\n.hid{display:none};", "display-none"},
		{".x[title=\"a;b\"]{color:red};/* ; */.b{x:y}.hid{display:none}", "display-none"},
		{"a{;color:red} .hid{display:none}", "display-none"},
		{".a{color:red}} .hid{display:none}", "display-none"},
		{"@font-face{font-family:x;src:url(a.woff)} @keyframes k{from{opacity:0}to{opacity:1}} .hid{display:none !important}", "display-none"},
		{".nest{color:red; .inner{display:block}} .hid{display:none}", "display-none"},
	} {
		done := make(chan *Sheet, 1)
		go func() { done <- ParseSheet(tc.css, 0) }()
		select {
		case s := <-done:
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(`<div class="hid"><a id="t" href="x">a</a></div>`))
			if got := NewStyler(s).Technique(doc.Find("#t").Nodes[0]); got != tc.want {
				t.Errorf("%q: .hid read as %q, want %q", tc.css, got, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%q: the parser hangs", tc.css)
		}
	}
	// Garbage (found by FuzzExplain) parses to something, and ends.
	garbage := make(chan *Sheet, 1)
	go func() { garbage <- ParseSheet("@media screen{.a{font-size:0l} .b{position:abso}ute;left:-9999px}", 0) }()
	select {
	case <-garbage:
	case <-time.After(5 * time.Second):
		t.Fatal("the parser hangs on garbage")
	}
}
