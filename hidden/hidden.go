// Package hidden decides, from a page's HTML and its stylesheets, whether
// an element is hidden from people the ways hacked sites hide dark links:
// display:none, visibility:hidden, opacity:0, font-size:0, off-screen
// positioning, negative text-indent, clipping, zero size with overflow
// hidden, text coloured like its background, tiny marquees, noscript. CSS
// is parsed (douceur) and matched (cascadia) with specificity and source
// order; rules inside @media queries that depend on the viewport are not
// applied, as a desktop browser's default view would not apply them all.
package hidden

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/andybalholm/cascadia"
	"github.com/aymerick/douceur/css"
	"github.com/aymerick/douceur/parser"
	"golang.org/x/net/html"
)

// Sheet is a parsed stylesheet.
type Sheet struct {
	rules []rule
}

type rule struct {
	sel   cascadia.Sel
	spec  cascadia.Specificity
	order int
	decls map[string]string
}

// ParseSheet parses CSS text; what cannot be parsed is left out.
func ParseSheet(text string, order int) *Sheet {
	s := &Sheet{}
	if len(text) > 2<<20 {
		text = text[:2<<20]
	}
	sheet, err := parser.Parse(text)
	if err != nil || sheet == nil {
		return s
	}
	var add func(rs []*css.Rule)
	add = func(rs []*css.Rule) {
		for _, r := range rs {
			if r.Kind == css.AtRule {
				if r.Name == "@media" && appliesToDesktop(r.Prelude) {
					add(r.Rules)
				}
				continue
			}
			decls := map[string]string{}
			for _, d := range r.Declarations {
				decls[strings.ToLower(strings.TrimSpace(d.Property))] = strings.ToLower(strings.TrimSpace(d.Value))
			}
			for _, selText := range r.Selectors {
				sel, err := cascadia.Parse(selText)
				if err != nil {
					continue
				}
				order++
				s.rules = append(s.rules, rule{sel: sel, spec: sel.Specificity(), order: order, decls: decls})
			}
		}
	}
	add(sheet.Rules)
	return s
}

// appliesToDesktop keeps @media screen/all without width conditions, and
// min-width rules (desktop layouts), but not max-width (phone) rules.
func appliesToDesktop(prelude string) bool {
	p := strings.ToLower(prelude)
	if strings.Contains(p, "print") || strings.Contains(p, "max-width") || strings.Contains(p, "max-device-width") {
		return false
	}
	return true
}

// Styler computes styles for one document.
type Styler struct {
	rules []rule
	memo  map[*html.Node]map[string]string
}

// NewStyler applies sheets (in order) to a document.
func NewStyler(sheets ...*Sheet) *Styler {
	st := &Styler{memo: map[*html.Node]map[string]string{}}
	for _, s := range sheets {
		if s != nil {
			st.rules = append(st.rules, s.rules...)
		}
	}
	return st
}

// Style returns the declared style of n (rules by specificity and order,
// then the style attribute), not inherited.
func (st *Styler) Style(n *html.Node) map[string]string {
	if s, ok := st.memo[n]; ok {
		return s
	}
	var matched []rule
	for _, r := range st.rules {
		if r.sel.Match(n) {
			matched = append(matched, r)
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
	st.memo[n] = out
	return out
}

// Technique names how n is hidden ("" if it is not), looking at n and its
// ancestors.
func (st *Styler) Technique(n *html.Node) string {
	for x := n; x != nil && x.Type == html.ElementNode; x = x.Parent {
		s := st.Style(x)
		if x.Data == "noscript" {
			return "noscript"
		}
		if hasAttr(x, "hidden") {
			return "hidden-attribute"
		}
		switch {
		case s["display"] == "none":
			return "display-none"
		case s["visibility"] == "hidden" || s["visibility"] == "collapse":
			return "visibility-hidden"
		case isZero(s["opacity"], 0.05):
			return "opacity-zero"
		case tinyFont(s["font-size"]):
			return "font-size-zero"
		case (s["position"] == "absolute" || s["position"] == "fixed") && (farOff(s["left"]) || farOff(s["top"]) || farOff(s["right"]) || farOff(s["margin-left"]) || farOff(s["margin-top"])):
			return "off-screen"
		case farOff(s["text-indent"]):
			return "text-indent"
		case clipped(s["clip"]) || strings.Contains(s["clip-path"], "inset(50%") || strings.Contains(s["clip-path"], "circle(0"):
			return "clip"
		case (s["overflow"] == "hidden" || s["overflow-x"] == "hidden" || s["overflow-y"] == "hidden") && (tiny(s["height"]) || tiny(s["width"]) || tiny(attr(x, "height")) || tiny(attr(x, "width"))):
			return "zero-size"
		case x.Data == "marquee" && (tiny(s["height"]) || tiny(s["width"]) || tinyLen(attr(x, "height"), 10) || tinyLen(attr(x, "width"), 10) || tinyLen(s["height"], 10)):
			return "tiny-marquee"
		case x.Data == "iframe" && (tiny(attr(x, "width")) || tiny(attr(x, "height")) || tiny(s["width"]) || tiny(s["height"]) || attr(x, "frameborder") == "0" && attr(x, "scrolling") == "no" && (tinyLen(attr(x, "width"), 2) || tinyLen(attr(x, "height"), 2))):
			return "zero-size-iframe"
		}
	}
	// Text coloured like the background behind it: the nearest declared
	// colour against the nearest declared background.
	var text, bg string
	for x := n; x != nil && x.Type == html.ElementNode && (text == "" || bg == ""); x = x.Parent {
		s := st.Style(x)
		if text == "" {
			text = normColor(s["color"])
		}
		if bg == "" {
			bg = backgroundColor(s)
		}
	}
	if text != "" && text != "transparent" && text == bg {
		return "same-color"
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return strings.ToLower(strings.TrimSpace(a.Val))
		}
	}
	return ""
}

var number = regexp.MustCompile(`^(-?[0-9.]+)\s*(px|pt|em|rem|%|)$`)

// length parses "12px" (em and rem as 16px) and reports whether it could.
func length(v string) (float64, bool) {
	v = strings.TrimSpace(strings.TrimSuffix(v, "!important"))
	m := number.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	switch m[2] {
	case "em", "rem":
		f *= 16
	case "pt":
		f *= 4.0 / 3
	}
	return f, true
}

func isZero(v string, eps float64) bool {
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v, "!important")), 64)
	return err == nil && f <= eps
}

func tinyFont(v string) bool { f, ok := length(v); return ok && f <= 1 }
func tiny(v string) bool     { f, ok := length(v); return ok && f <= 1 }
func tinyLen(v string, max float64) bool {
	f, ok := length(v)
	return ok && f <= max
}
func farOff(v string) bool { f, ok := length(v); return ok && f <= -500 }

var rectRE = regexp.MustCompile(`rect\(\s*([0-9.]+)(px)?[ ,]+([0-9.]+)(px)?[ ,]+([0-9.]+)(px)?[ ,]+([0-9.]+)(px)?\s*\)`)

func clipped(v string) bool {
	m := rectRE.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	top, _ := strconv.ParseFloat(m[1], 64)
	right, _ := strconv.ParseFloat(m[3], 64)
	bottom, _ := strconv.ParseFloat(m[5], 64)
	left, _ := strconv.ParseFloat(m[7], 64)
	return bottom-top <= 1 || right-left <= 1
}

func backgroundColor(s map[string]string) string {
	if c := s["background-color"]; c != "" {
		return normColor(c)
	}
	if b := s["background"]; b != "" {
		for _, part := range strings.Fields(b) {
			if c := normColor(part); c != "" && c != "transparent" {
				return c
			}
		}
	}
	return ""
}

var namedColors = map[string]string{
	"white": "#ffffff", "black": "#000000", "red": "#ff0000", "green": "#008000", "blue": "#0000ff",
	"yellow": "#ffff00", "gray": "#808080", "grey": "#808080", "silver": "#c0c0c0", "transparent": "transparent",
}

var rgbRE = regexp.MustCompile(`^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([0-9.]+)\s*)?\)$`)

// normColor returns #rrggbb for hex, rgb() and basic names ("" if unknown).
func normColor(v string) string {
	v = strings.TrimSpace(strings.TrimSuffix(strings.ToLower(v), "!important"))
	v = strings.TrimSpace(v)
	if c, ok := namedColors[v]; ok {
		return c
	}
	if strings.HasPrefix(v, "#") {
		h := v[1:]
		if len(h) == 3 {
			h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
		}
		if len(h) == 6 {
			return "#" + h
		}
		return ""
	}
	if m := rgbRE.FindStringSubmatch(v); m != nil {
		if m[4] != "" {
			if a, _ := strconv.ParseFloat(m[4], 64); a == 0 {
				return "transparent"
			}
		}
		r, _ := strconv.Atoi(m[1])
		g, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		return "#" + hex2(r) + hex2(g) + hex2(b)
	}
	return ""
}

func hex2(v int) string {
	s := strconv.FormatInt(int64(min(max(v, 0), 255)), 16)
	if len(s) == 1 {
		s = "0" + s
	}
	return s
}
