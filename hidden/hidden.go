// Package hidden decides, from a page's HTML and its stylesheets, whether
// an element is hidden from people the ways hacked sites hide dark links:
// display:none, visibility:hidden, opacity:0, font-size:0, off-screen
// positioning, negative text-indent, clipping, zero size with overflow
// hidden, text coloured like its background, tiny marquees, noscript. CSS
// is parsed (gorilla/css's tokenizer and cssparse.go) and matched
// (cascadia) with specificity and source order; rules inside @media
// queries that depend on the viewport are not applied, as a desktop
// browser's default view would not apply them all.
package hidden

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/andybalholm/cascadia"
	"github.com/gorilla/css/scanner"
	"golang.org/x/net/html"
)

// Sheet is a parsed stylesheet, indexed for matching. It is read-only once
// parsed and may be shared by goroutines.
type Sheet struct {
	// Source names where the CSS came from (a stylesheet's URL, "页面内
	// <style>"), for Explain.
	Source string
	rules  []rule
	// index holds rules by key, then by ancestor key ("" for none); the
	// key "" holds rules tried on every element.
	index map[string]map[string][]*rule
}

// Len is the number of rules kept.
func (s *Sheet) Len() int { return len(s.rules) }

type rule struct {
	sel   cascadia.Sel
	spec  cascadia.Specificity
	order int
	decls map[string]string
	// key indexes the rule by its rightmost compound selector: "#id",
	// ".class", "tag", or "" (checked against every element).
	key string
	// anc is the key of its leftmost compound when the selector has
	// combinators: an element without such an ancestor cannot match.
	anc string
	// text and line are the selector as written and its line in the
	// sheet (0 when not found), for Explain.
	text  string
	line  int
	sheet *Sheet
}

// leftKey returns the key of a selector's first compound if it has more.
func leftKey(sel string) string {
	sel = strings.TrimSpace(sel)
	if i := strings.IndexAny(sel, " >+~"); i > 0 {
		return ruleKey(sel[:i])
	}
	return ""
}

// ruleKey returns the index key of a selector: the id, else a class, else
// the tag of its last compound selector; "" when it cannot tell.
func ruleKey(sel string) string {
	sel = strings.TrimSpace(sel)
	depth := 0
	last := 0
	for i, r := range sel {
		switch r {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case ' ', '>', '+', '~':
			if depth == 0 {
				last = i + 1
			}
		}
	}
	comp := sel[last:]
	if comp == "" || strings.ContainsAny(comp, "[(:\\") {
		return ""
	}
	if i := strings.IndexByte(comp, '#'); i >= 0 {
		id := comp[i+1:]
		if j := strings.IndexAny(id, ".#"); j >= 0 {
			id = id[:j]
		}
		return "#" + id
	}
	if i := strings.IndexByte(comp, '.'); i >= 0 {
		cls := comp[i+1:]
		if j := strings.IndexAny(cls, ".#"); j >= 0 {
			cls = cls[:j]
		}
		return "." + cls
	}
	if comp == "*" {
		return ""
	}
	return strings.ToLower(comp)
}

// ParseSheet parses CSS text; what cannot be parsed is left out.
func ParseSheet(text string, order int) *Sheet {
	return ParseSheetFrom(text, order, "")
}

// ParseSheetFrom parses CSS text that came from source (a URL, or a name
// such as "页面内 <style>"); Explain names it.
func ParseSheetFrom(text string, order int, source string) *Sheet {
	s := &Sheet{Source: source}
	if len(text) > 2<<20 {
		text = text[:2<<20]
	}
	p := cssParser{sc: scanner.New(text)}
	p.rules(0, func(r cssRule, media string) {
		if media != "" && !appliesToDesktop(media) {
			return
		}
		// Only properties that can hide something are kept; a rule with
		// none is dropped, so big framework stylesheets cost little when
		// every link's ancestors are matched.
		decls := map[string]string{}
		for _, d := range r.decls {
			if relevant[d[0]] {
				decls[d[0]] = strings.ToLower(d[1])
			}
		}
		if len(decls) == 0 || len(s.rules) >= maxRules {
			return
		}
		for _, selText := range strings.Split(r.prelude, ",") {
			selText = strings.TrimSpace(selText)
			sel, err := cascadia.Parse(selText)
			if err != nil {
				continue
			}
			order++
			s.rules = append(s.rules, rule{sel: sel, spec: sel.Specificity(), order: order, decls: decls, key: ruleKey(selText), anc: leftKey(selText),
				text: selText, line: r.line, sheet: s})
		}
	})
	s.index = map[string]map[string][]*rule{}
	for i := range s.rules {
		r := &s.rules[i]
		byAnc := s.index[r.key]
		if byAnc == nil {
			byAnc = map[string][]*rule{}
			s.index[r.key] = byAnc
		}
		byAnc[r.anc] = append(byAnc[r.anc], r)
	}
	return s
}

// relevant are the properties Technique reads.
var relevant = map[string]bool{
	"display": true, "visibility": true, "opacity": true, "font-size": true, "position": true, "left": true, "top": true,
	"right": true, "margin-left": true, "margin-top": true, "text-indent": true, "clip": true, "clip-path": true,
	"overflow": true, "overflow-x": true, "overflow-y": true, "width": true, "height": true, "color": true,
	"background": true, "background-color": true,
}

// maxRules caps the rules kept from one stylesheet.
const maxRules = 20000

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
	sheets []*Sheet
	memo   map[*html.Node]map[string]string
	anc    map[*html.Node]map[string]bool
}

// NewStyler applies sheets (in order) to a document.
func NewStyler(sheets ...*Sheet) *Styler {
	st := &Styler{memo: map[*html.Node]map[string]string{}, anc: map[*html.Node]map[string]bool{}}
	for _, s := range sheets {
		if s != nil && s.index != nil {
			st.sheets = append(st.sheets, s)
		}
	}
	return st
}

// keysOf returns an element's index keys: tag, #id, .classes.
func keysOf(n *html.Node) []string {
	keys := []string{n.Data}
	for _, a := range n.Attr {
		switch a.Key {
		case "id":
			keys = append(keys, "#"+a.Val)
		case "class":
			for _, c := range strings.Fields(a.Val) {
				keys = append(keys, "."+c)
			}
		}
	}
	return keys
}

// ancestorKeys returns the keys of all of n's ancestors, memoised.
func (st *Styler) ancestorKeys(n *html.Node) map[string]bool {
	if k, ok := st.anc[n]; ok {
		return k
	}
	out := map[string]bool{}
	if p := n.Parent; p != nil && p.Type == html.ElementNode {
		for k := range st.ancestorKeys(p) {
			out[k] = true
		}
		for _, k := range keysOf(p) {
			out[k] = true
		}
	}
	st.anc[n] = out
	return out
}

// candidates are the rules that may match n: indexed by one of its keys
// (id, class, tag) and, for selectors with combinators, by the key of one
// of its ancestors.
func (st *Styler) candidates(n *html.Node) []*rule {
	var out []*rule
	var anc map[string]bool
	keys := append(keysOf(n), "")
	for _, sh := range st.sheets {
		for _, k := range keys {
			out = st.fromIndex(sh.index[k], n, &anc, out)
		}
	}
	return out
}

func (st *Styler) fromIndex(byAnc map[string][]*rule, n *html.Node, anc *map[string]bool, out []*rule) []*rule {
	{
		if byAnc == nil {
			return out
		}
		out = append(out, byAnc[""]...)
		if len(byAnc) == 1 && byAnc[""] != nil {
			return out
		}
		if *anc == nil {
			*anc = st.ancestorKeys(n)
		}
		if len(*anc) < len(byAnc) {
			for a := range *anc {
				out = append(out, byAnc[a]...)
			}
		} else {
			for a, rs := range byAnc {
				if a != "" && (*anc)[a] {
					out = append(out, rs...)
				}
			}
		}
	}
	return out
}

// Style returns the declared style of n (rules by specificity and order,
// then the style attribute), not inherited.
func (st *Styler) Style(n *html.Node) map[string]string {
	if s, ok := st.memo[n]; ok {
		return s
	}
	if len(st.sheets) == 0 && !hasAttr(n, "style") {
		st.memo[n] = noStyle // the common case on pages without stylesheets
		return noStyle
	}
	var matched []*rule
	for _, r := range st.candidates(n) {
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
	if len(matched) == 0 && !hasAttr(n, "style") {
		st.memo[n] = noStyle
		return noStyle
	}
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

// noStyle is the shared (never written) style of unstyled elements.
var noStyle = map[string]string{}

// Technique names how n is hidden ("" if it is not), looking at n and its
// ancestors.
func (st *Styler) Technique(n *html.Node) string {
	tech, _, _ := st.hide(n)
	return tech
}

// Reason says how an element is hidden and where that is written, so that
// a webmaster knows what to delete from which template.
type Reason struct {
	Technique string
	// Element is the element whose style or markup hides: the link itself
	// or one of its ancestors.
	Element *html.Node
	// Declaration is what hides it, as declared: "display: none",
	// `width="0"`, "<noscript>".
	Declaration string
	// Selector is the CSS rule's selector; "" for a style attribute or
	// markup.
	Selector string
	// Source is the stylesheet's Source, "style 属性" or "HTML 属性".
	Source string
	// Line is the rule's line in its stylesheet (0: unknown).
	Line int
}

// Sources of a Reason that is not a stylesheet rule.
const (
	SourceStyleAttr = "style 属性"
	SourceMarkup    = "HTML 属性"
)

// Explain says how n is hidden and which declaration does it; ok is false
// when n is not hidden. It repeats the cascade for the one element, so it
// costs little when called for hidden links only.
func (st *Styler) Explain(n *html.Node) (r Reason, ok bool) {
	tech, x, props := st.hide(n)
	if tech == "" {
		return Reason{}, false
	}
	r = Reason{Technique: tech, Element: x}
	var decls []string
	for _, p := range props {
		if strings.HasPrefix(p, "<") {
			decls = append(decls, p)
			r.Source = SourceMarkup
			continue
		}
		if a, ok := strings.CutPrefix(p, "@"); ok {
			decls = append(decls, fmt.Sprintf("%s=%q", a, attr(x, a)))
			r.Source = SourceMarkup
			continue
		}
		val, from := st.origin(x, p)
		if val == "" {
			continue
		}
		decls = append(decls, p+": "+val)
		if from == nil {
			r.Source = SourceStyleAttr
		} else if r.Selector == "" {
			r.Selector, r.Source, r.Line = from.text, from.sheet.Source, from.line
		}
	}
	r.Declaration = strings.Join(decls, "; ")
	return r, true
}

// origin returns the value of prop declared on n and the rule it comes
// from (nil for the style attribute).
func (st *Styler) origin(n *html.Node, prop string) (string, *rule) {
	for _, a := range n.Attr {
		if a.Key != "style" {
			continue
		}
		val := ""
		for _, decl := range strings.Split(a.Val, ";") {
			k, v, ok := strings.Cut(decl, ":")
			if ok && strings.EqualFold(strings.TrimSpace(k), prop) {
				val = strings.ToLower(strings.TrimSpace(v))
			}
		}
		if val != "" {
			return val, nil
		}
	}
	var best *rule
	for _, r := range st.candidates(n) {
		if _, ok := r.decls[prop]; !ok || !r.sel.Match(n) {
			continue
		}
		if best == nil || best.spec.Less(r.spec) || (!r.spec.Less(best.spec) && best.order < r.order) {
			best = r
		}
	}
	if best == nil {
		return "", nil
	}
	return best.decls[prop], best
}

// hide is Technique's walk: the technique, the element that hides and the
// properties that do it ("@width" for an HTML attribute, "<noscript>" for
// markup).
func (st *Styler) hide(n *html.Node) (string, *html.Node, []string) {
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

// sizeProps lists the width and height declarations or attributes of x
// that are at most max pixels.
func sizeProps(x *html.Node, s map[string]string, max float64) []string {
	var out []string
	for _, p := range []string{"width", "height"} {
		if tinyLen(s[p], max) {
			out = append(out, p)
		} else if tinyLen(attr(x, p), max) {
			out = append(out, "@"+p)
		}
	}
	return out
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
	if v == "" {
		return ""
	}
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
