package hidden

import (
	"strings"
	"testing"

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
