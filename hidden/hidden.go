// Package hidden decides, from a page's HTML and its stylesheets, whether
// an element is hidden from people the ways hacked sites hide dark links:
// display:none, visibility:hidden, opacity:0, font-size:0, off-screen
// positioning, negative text-indent, clipping, zero size with overflow
// hidden, text coloured like its background, tiny marquees, noscript. CSS
// is parsed (tdewolff/parse, cssparse.go) and matched (compiled selectors,
// match.go; cascadia gives the specificity) with specificity and source
// order; rules inside @media queries that depend on the viewport are not
// applied, as a desktop browser's default view would not apply them all.
package hidden

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// Sheet is a parsed stylesheet, indexed for matching. It is read-only once
// parsed and may be shared by goroutines.
type Sheet struct {
	// id numbers the sheet for StyleCache.
	id uint64
	// Source names where the CSS came from (a stylesheet's URL, "页面内
	// <style>"), for Explain.
	Source string
	// Dropped counts rules left out: past maxRules (the text after them
	// is not parsed; its rules are counted by their opening braces), or
	// selectors too complex to match in bounded time.
	Dropped int
	// Truncated is true when the text was cut at MaxSheetBytes.
	Truncated bool
	rules     []rule
	// index holds rules by key, then by ancestor key ("" for none); the
	// key "" holds rules tried on every element.
	index map[string]map[string][]*rule
	// anc are the ancestor keys its rules are indexed by (index's second
	// level), with their classes and ids without the prefix: built once,
	// read by every page's styler.
	anc anchorKeys
	// byParent holds the rules "A > B" by B's key, then A's key: only the
	// element's parent's keys find them (indexed by an ancestor key, one
	// such rule per wrapper of a page nested 120 deep was a candidate on
	// every element below it).
	byParent map[string]map[string][]*rule
	// reads are the attributes its selectors read (StyleCache contexts).
	reads attrReads
}

// Len is the number of rules kept.
func (s *Sheet) Len() int { return len(s.rules) }

type rule struct {
	spec  cascadia.Specificity
	order int
	decls map[string]string
	// key indexes the rule by its rightmost compound selector: "#id",
	// ".class", "tag", or "" (checked against every element).
	key string
	// anc is the key of its leftmost compound when the selector has
	// combinators: an element without such an ancestor cannot match.
	anc string
	// m matches it in bounded time (see compiled).
	m compiled
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
	s := &Sheet{Source: source, id: sheetIDs.Add(1)}
	if len(text) > MaxSheetBytes {
		text, s.Truncated = text[:MaxSheetBytes], true
	}
	rest := parseCSS(text, func(r cssRuleset) bool {
		// Only properties that can hide something are kept; a rule
		// with none is dropped, so big framework stylesheets cost
		// little when every link's ancestors are matched.
		decls := map[string]string{}
		for _, d := range r.decls {
			if relevant[d[0]] {
				decls[d[0]] = strings.ToLower(d[1])
			}
		}
		if len(decls) == 0 {
			return true
		}
		if len(s.rules) >= maxRules {
			// The rest is not parsed (a hostile sheet of 250,000 rules
			// cost 110 MB of garbage): its rules are counted by their
			// opening braces.
			s.Dropped += len(r.selectors)
			return false
		}
		for _, selText := range r.selectors {
			sel, err := cascadia.Parse(selText)
			if err != nil {
				continue
			}
			m, ok := compile(selText)
			if !ok || len(m.parts) > maxCompounds {
				s.Dropped++
				continue
			}
			order++
			anc := leftKey(selText)
			if len(m.combs) > 0 && (m.combs[0] == '+' || m.combs[0] == '~') {
				// "A + B …": A is a sibling, not an ancestor, of what
				// the rule styles; indexed by it as an ancestor, the
				// rule was never tried (TestStylesAsThePlainCascade).
				anc = ""
			}
			s.reads.add(selText)
			s.rules = append(s.rules, rule{m: m, spec: sel.Specificity(), order: order, decls: decls, key: ruleKey(selText), anc: anc,
				text: selText, line: r.line, sheet: s})
		}
		return true
	})
	s.Dropped += strings.Count(text[min(rest, len(text)):], "{")
	s.index = map[string]map[string][]*rule{}
	s.byParent = map[string]map[string][]*rule{}
	for i := range s.rules {
		r := &s.rules[i]
		if len(r.m.parts) == 2 && r.m.combs[0] == '>' && r.anc != "" {
			byP := s.byParent[r.key]
			if byP == nil {
				byP = map[string][]*rule{}
				s.byParent[r.key] = byP
			}
			byP[r.anc] = append(byP[r.anc], r)
			continue
		}
		byAnc := s.index[r.key]
		if byAnc == nil {
			byAnc = map[string][]*rule{}
			s.index[r.key] = byAnc
		}
		byAnc[r.anc] = append(byAnc[r.anc], r)
		s.anc.add(r.anc)
	}
	return s
}

// anchorKeys are ancestor keys rules are indexed by.
type anchorKeys struct {
	keys, classes, ids map[string]bool
}

func (a *anchorKeys) add(k string) {
	if k == "" {
		return
	}
	if a.keys == nil {
		a.keys, a.classes, a.ids = map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	a.keys[k] = true
	switch k[0] {
	case '.':
		a.classes[k[1:]] = true
	case '#':
		a.ids[k[1:]] = true
	}
}

// relevant are the properties Technique reads.
var relevant = map[string]bool{
	"display": true, "visibility": true, "opacity": true, "font-size": true, "position": true, "left": true, "top": true,
	"right": true, "margin-left": true, "margin-top": true, "text-indent": true, "clip": true, "clip-path": true,
	"overflow": true, "overflow-x": true, "overflow-y": true, "width": true, "height": true, "color": true,
	"background": true, "background-color": true,
}

// Caps on one stylesheet: its bytes, the rules kept, and the compound
// selectors of one selector.
const (
	MaxSheetBytes = 2 << 20
	maxRules      = 20000
	maxCompounds  = 8
)

// Rules is the number of rules kept.
func (s *Sheet) Rules() int { return len(s.rules) }

// appliesToDesktop keeps @media screen/all without width conditions, and
// min-width rules (desktop layouts), but not max-width (phone) rules.
func appliesToDesktop(prelude string) bool {
	p := strings.ToLower(prelude)
	if strings.Contains(p, "print") || strings.Contains(p, "max-width") || strings.Contains(p, "max-device-width") {
		return false
	}
	return true
}

// Styler computes styles for one document. Its work is bounded: see
// Budget and Exhausted.
type Styler struct {
	sheets []*Sheet
	// nodes holds what is memoised of each element met (nodeInfo): one
	// map lookup an element instead of one per memo (eight maps, grown
	// from empty on every page, were a fifth of the static pass).
	nodes  map[*html.Node]*nodeInfo
	slabs  [][]nodeInfo
	budget Budget
	m      matcher
	work   int64
	start  time.Time
	over   bool
	// cache, when set, holds styles across pages (WithCache); sheetsKey
	// names this styler's sheets in it.
	cache     *StyleCache
	sheetsKey uint64
	// hbuf holds what a context hash reads (cache.go).
	hbuf []byte
	// ctxPath is contextOf's way down, reused.
	ctxPath []ctxStep
	// cands memoises candidates' lookups by ancestry.
	cands map[candKey][]*rule
	// path and parents are ancestorsOf's, reused.
	path    []*nodeInfo
	parents []*html.Node
	// reads are the attributes an element's context holds (attrReads).
	reads attrReads
}

// nodeInfo is what a styler memoises of one element; known says which
// fields are set.
type nodeInfo struct {
	// style is the element's declared style (Style).
	style map[string]string
	// anc is the element's ancestry and depth: only the ancestor keys
	// some rule is indexed by (each sheet's anc) are kept (a hostile
	// ancestor with 100,000 classes costs nothing unless rules name them).
	anc ancInfo
	// sig is the hash of the element's context, sibs that of its element
	// children (StyleCache).
	sig, sibs uint64
	// kids is the number of its children.
	kids int64
	// hid, color and bg memoise hide's walks up the tree.
	hid   *hiding
	color colorAt
	bg    string
	known uint8
}

// Bits of nodeInfo.known.
const (
	knowStyle = 1 << iota
	knowAnc
	knowSig
	knowSibs
	knowKids
	knowHid
	knowColor
	knowBg
)

// nodeSlab is how many nodeInfos are allocated at once.
const nodeSlab = 256

// info returns n's memo, made empty the first time n is met.
func (st *Styler) info(n *html.Node) *nodeInfo {
	if p, ok := st.nodes[n]; ok {
		return p
	}
	last := len(st.slabs) - 1
	if last < 0 || len(st.slabs[last]) == cap(st.slabs[last]) {
		if len(st.slabs) < cap(st.slabs) && cap(st.slabs[:len(st.slabs)+1][len(st.slabs)]) > 0 {
			st.slabs = st.slabs[:len(st.slabs)+1] // a released styler's slab, emptied
		} else {
			st.slabs = append(st.slabs, make([]nodeInfo, 0, nodeSlab))
		}
		last++
	}
	st.slabs[last] = append(st.slabs[last], nodeInfo{})
	p := &st.slabs[last][len(st.slabs[last])-1]
	st.nodes[n] = p
	return p
}

// scratch is a released styler's memo, kept for the next page's styler
// (scratches): its map and slabs are grown once, not on every page.
type scratch struct {
	nodes map[*html.Node]*nodeInfo
	slabs [][]nodeInfo
	hbuf  []byte
	// ctxPath is cleared after each use (contextOf).
	ctxPath []ctxStep
}

var scratches sync.Pool

// maxScratchNodes bounds the memo a released styler gives back for reuse
// (a hostile page's million elements are not kept).
const maxScratchNodes = 8192

// Release ends the styler's use: its memo is reused by a later styler.
// Styles, Reasons and everything else it returned stay valid; the styler
// itself must not be used again.
func (st *Styler) Release() {
	if st.nodes == nil {
		return
	}
	if len(st.nodes) <= maxScratchNodes {
		clear(st.nodes)
		for i := range st.slabs {
			clear(st.slabs[i])
			st.slabs[i] = st.slabs[i][:0]
		}
		hbuf := st.hbuf
		if cap(hbuf) > 64<<10 {
			hbuf = nil // a hostile element's 100,000 classes
		}
		ctxPath := st.ctxPath
		if cap(ctxPath) > 4096 {
			ctxPath = nil // a hostile page's nesting
		}
		scratches.Put(&scratch{nodes: st.nodes, slabs: st.slabs[:0], hbuf: hbuf[:0], ctxPath: ctxPath[:0]})
	}
	st.nodes, st.slabs, st.hbuf, st.ctxPath = nil, nil, nil, nil
}

// ancestry is the chain of an element's ancestors that carry keys rules
// are indexed by, each key once (the nearest): shared by every element
// below, so an element costs one pointer, not a copy of a set.
type ancestry struct {
	keys []string
	up   *ancestry
	// count is the number of keys of the chain (this link and above).
	count int
}

// chainCount is the number of keys of the chain a (0 for none).
func chainCount(a *ancestry) int {
	if a == nil {
		return 0
	}
	return a.count
}

// ancInfo is what is memoised of an element: its ancestry and depth.
type ancInfo struct {
	chain *ancestry
	depth int
	// inner is the chain the element's children see (chain plus its
	// own keys), once computed.
	inner     *ancestry
	innerDone bool
}

// Budget bounds the work of styling one page: selector matches (each
// costed by the ancestors it may walk), element depth and wall time. When
// it is spent, Technique returns "" for everything and Exhausted reports
// it, so the caller can say the page was not analysed instead of spending
// gigabytes or hours on a hostile page.
type Budget struct {
	// Work is the number of rule-against-element match steps.
	Work int64
	// Depth is the deepest element analysed; deeper elements spend the budget.
	Depth int
	// Time bounds the page's styling.
	Time time.Duration
}

// DefaultBudget is enough for the largest real portal pages measured
// (a 2 MB framework stylesheet, 5,000 links: under 2 % of it).
var DefaultBudget = Budget{Work: 50_000_000, Depth: 256, Time: 5 * time.Second}

// NewStyler applies sheets (in order) to a document, with DefaultBudget.
func NewStyler(sheets ...*Sheet) *Styler {
	st := &Styler{budget: DefaultBudget}
	if sc, ok := scratches.Get().(*scratch); ok {
		st.nodes, st.slabs, st.hbuf, st.ctxPath = sc.nodes, sc.slabs, sc.hbuf, sc.ctxPath
	} else {
		st.nodes = make(map[*html.Node]*nodeInfo, nodeSlab)
	}
	st.reads.keys = append(st.reads.keys, ownReads...)
	for _, s := range sheets {
		if s != nil && s.index != nil {
			st.sheets = append(st.sheets, s)
			st.reads.merge(&s.reads)
		}
	}
	return st
}

// ancKey, ancClass and ancID report whether some sheet indexes rules by
// the ancestor key (a class or id without its prefix).
func (st *Styler) ancKey(k string) bool {
	for _, s := range st.sheets {
		if s.anc.keys[k] {
			return true
		}
	}
	return false
}

func (st *Styler) ancClass(c string) bool {
	for _, s := range st.sheets {
		if s.anc.classes[c] {
			return true
		}
	}
	return false
}

func (st *Styler) ancID(id string) bool {
	for _, s := range st.sheets {
		if s.anc.ids[id] {
			return true
		}
	}
	return false
}

// WithBudget replaces the styler's budget (zero fields keep the default).
func (st *Styler) WithBudget(b Budget) *Styler {
	if b.Work > 0 {
		st.budget.Work = b.Work
	}
	if b.Depth > 0 {
		st.budget.Depth = b.Depth
	}
	if b.Time > 0 {
		st.budget.Time = b.Time
	}
	return st
}

// Exhausted reports whether the budget ran out: some elements were not
// analysed.
func (st *Styler) Exhausted() bool { return st.over }

// Work is the match steps spent so far.
func (st *Styler) Work() int64 { return st.work }

// spend charges n steps and reports whether the budget still holds.
func (st *Styler) spend(n int64) bool {
	if st.over {
		return false
	}
	if st.start.IsZero() {
		st.start = time.Now()
	}
	before := st.work
	st.work += n
	if st.work > st.budget.Work || (before>>12 != st.work>>12 && time.Since(st.start) > st.budget.Time) {
		st.over = true
	}
	return !st.over
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

// ancestors returns n's ancestry, memoised: it walks up to the nearest
// memoised element (or the root), then fills the path down.
func (st *Styler) ancestors(n *html.Node) ancInfo { return st.ancestorsOf(n, st.info(n)) }

// ancestorsOf is ancestors of n, whose memo is ni.
func (st *Styler) ancestorsOf(n *html.Node, ni *nodeInfo) ancInfo {
	if ni.known&knowAnc != 0 {
		return ni.anc
	}
	path, parents := st.path[:0], st.parents[:0]
	defer func() { st.path, st.parents = path[:0], parents[:0] }()
	for x, xi := n, ni; ; {
		if xi.known&knowAnc != 0 {
			break
		}
		path = append(path, xi)
		parents = append(parents, x.Parent)
		if x.Parent == nil || x.Parent.Type != html.ElementNode {
			xi.anc, xi.known = ancInfo{depth: 1}, xi.known|knowAnc
			path, parents = path[:len(path)-1], parents[:len(parents)-1]
			break
		}
		x = x.Parent
		xi = st.info(x)
	}
	for i := len(path) - 1; i >= 0; i-- {
		p := parents[i]
		pi := st.info(p)
		up := &pi.anc
		if !up.innerDone {
			// p's children see p's keys: computed once per parent.
			up.inner, up.innerDone = up.chain, true
			var own []string
			for _, k := range st.relevantKeys(p) {
				st.spend(1)
				if !up.chain.has(k) {
					own = append(own, k)
				}
			}
			if len(own) > 0 {
				up.inner = &ancestry{keys: own, up: up.chain, count: len(own) + chainCount(up.chain)}
			}
		}
		path[i].anc, path[i].known = ancInfo{chain: up.inner, depth: up.depth + 1}, path[i].known|knowAnc
	}
	return ni.anc
}

// relevantKeys returns the keys of n that some rule is indexed by as an
// ancestor key, each once, without building the keys of every class.
func (st *Styler) relevantKeys(n *html.Node) []string {
	var out []string
	add := func(k string) {
		if st.ancKey(k) && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	add(n.Data)
	for _, a := range n.Attr {
		switch a.Key {
		case "id":
			if st.ancID(a.Val) {
				add("#" + a.Val)
			}
		case "class":
			for c := range strings.FieldsSeq(a.Val) {
				if st.ancClass(c) {
					add("." + c)
				}
			}
		}
	}
	return out
}

// siblings is the number of children of n's parent, memoised.
func (st *Styler) siblings(n *html.Node) int64 {
	p := n.Parent
	if p == nil {
		return 1
	}
	pi := st.info(p)
	if pi.known&knowKids != 0 {
		return pi.kids
	}
	var k int64
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		k++
	}
	pi.kids, pi.known = k, pi.known|knowKids
	return k
}

// has reports whether the chain holds key.
func (a *ancestry) has(key string) bool {
	for x := a; x != nil; x = x.up {
		if slices.Contains(x.keys, key) {
			return true
		}
	}
	return false
}

// candidates are the rules that may match n: indexed by one of its keys
// (id, class, tag) and, for selectors with combinators, by the key of one
// of its ancestors.
func (st *Styler) candidates(n *html.Node) []*rule {
	var out []*rule
	var anc *ancestry
	ancDone := false
	keys := append(keysOf(n), "")
	var parentKeys []string
	for _, sh := range st.sheets {
		for _, k := range keys {
			byP := sh.byParent[k]
			if byP == nil {
				continue
			}
			if parentKeys == nil && n.Parent != nil && n.Parent.Type == html.ElementNode {
				parentKeys = keysOf(n.Parent)
			}
			for _, a := range parentKeys {
				out = append(out, byP[a]...)
			}
		}
	}
	for _, sh := range st.sheets {
		for _, k := range keys {
			byAnc := sh.index[k]
			if byAnc == nil {
				continue
			}
			out = append(out, byAnc[""]...)
			if len(byAnc) == 1 && byAnc[""] != nil {
				continue
			}
			if !ancDone {
				anc, ancDone = st.ancestors(n).chain, true
			}
			// The rules a chain's keys find are the same for every
			// element below it (a list's 35 links): looked up once a
			// page, not once a link, and the work spent as if walked.
			ck := candKey{anc, sh, k}
			rs, ok := st.cands[ck]
			if !ok {
				for x := anc; x != nil; x = x.up {
					for _, a := range x.keys {
						rs = append(rs, byAnc[a]...)
					}
				}
				if st.cands == nil {
					st.cands = map[candKey][]*rule{}
				}
				st.cands[ck] = rs
			}
			st.spendChain(anc)
			out = append(out, rs...)
		}
	}
	return out
}

// candKey names the rules of one sheet and key that an ancestry's keys
// find (Styler.cands).
type candKey struct {
	chain *ancestry
	sheet *Sheet
	key   string
}

// spendChain spends what walking the chain spends, a step per key: at
// once, or link by link when the budget may run out on the way (once
// over, a walk spends nothing more).
func (st *Styler) spendChain(anc *ancestry) {
	if anc == nil {
		return
	}
	if !st.over && st.work+int64(chainCount(anc)) <= st.budget.Work {
		st.spend(int64(chainCount(anc)))
		return
	}
	for x := anc; x != nil; x = x.up {
		st.spend(int64(len(x.keys)))
	}
}

// Style returns the declared style of n (rules by specificity and order,
// then the style attribute), not inherited.
func (st *Styler) Style(n *html.Node) map[string]string { return st.styleOf(n, st.info(n)) }

// styleOf is Style of n, whose memo is ni.
func (st *Styler) styleOf(n *html.Node, ni *nodeInfo) map[string]string {
	if ni.known&knowStyle != 0 {
		return ni.style
	}
	s := st.style(n, ni)
	// st.style may have grown the slabs, never moved them: ni stays valid.
	ni.style, ni.known = s, ni.known|knowStyle
	return s
}

// style computes Style's result.
func (st *Styler) style(n *html.Node, ni *nodeInfo) map[string]string {
	if len(st.sheets) == 0 && !hasAttr(n, "style") {
		return noStyle // the common case on pages without stylesheets
	}
	depth := st.ancestorsOf(n, ni).depth
	if depth > st.budget.Depth {
		st.over = true
	}
	var key styleKey
	if st.cache != nil && !st.over {
		key = styleKey{st.sheetsKey, st.contextOf(n, ni)}
		if s, ok := st.cache.get(key); ok {
			return s
		}
	}
	var matched []*rule
	for _, r := range st.candidates(n) {
		if r.m.structural {
			// :nth-child and friends count the element's siblings.
			st.spend(st.siblings(n))
		}
		st.m.steps = 0
		ok := st.m.match(&r.m, n)
		if !st.spend(st.m.steps) {
			break
		}
		if ok {
			matched = append(matched, r)
		}
	}
	if st.over {
		return noStyle
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
		if st.cache != nil {
			st.cache.put(key, noStyle)
		}
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
	if st.cache != nil {
		st.cache.put(key, out)
	}
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
		if _, ok := r.decls[prop]; !ok || !st.m.match(&r.m, n) {
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
// markup). What hides an element and what colours lie behind it are
// memoised per element: the links of a page share their ancestors.
func (st *Styler) hide(n *html.Node) (string, *html.Node, []string) {
	if st.cache == nil || len(st.sheets) == 0 || st.over || n.Type != html.ElementNode {
		return st.walkHide(n)
	}
	// Across pages: an element's context (cache.go) decides its style and
	// its ancestors', so what hides it too. The template's links are
	// answered in one lookup.
	ni := st.info(n)
	if ni.known&knowHid != 0 {
		return st.walkHide(n) // its walk is memoised already
	}
	key := styleKey{st.sheetsKey, st.contextOf(n, ni)}
	if e, ok := st.cache.getHide(key); ok && e.depth <= st.budget.Depth {
		if e.tech == "" {
			return "", nil, nil
		}
		at := n
		for range e.dist {
			at = at.Parent
		}
		return e.tech, at, e.props
	}
	tech, at, props := st.walkHide(n)
	if !st.over {
		dist := 0
		for x := n; at != nil && x != at; x = x.Parent {
			dist++
		}
		st.cache.putHide(key, hideEntry{tech: tech, props: props, dist: dist, depth: st.ancestorsOf(n, ni).depth})
	}
	return tech, at, props
}

// walkHide is hide's walk up the tree, memoised per element within the
// page.
func (st *Styler) walkHide(n *html.Node) (string, *html.Node, []string) {
	if h := st.hiddenBy(n); h != nil {
		return h.tech, h.at, h.props
	}
	// Text coloured like the background behind it: the nearest declared
	// colour against the nearest declared background.
	text, textAt := st.nearestColor(n)
	if bg := st.nearestBackground(n); text != "" && text != "transparent" && text == bg {
		return "same-color", textAt, []string{"color"}
	}
	return "", nil, nil
}

// hiding is what hides an element: the technique, the element (it or an
// ancestor) and the properties.
type hiding struct {
	tech  string
	at    *html.Node
	props []string
}

// colorAt is the nearest declared colour of an element and where it is.
type colorAt struct {
	color string
	at    *html.Node
}

// upward finds a property of an element on it or else on its nearest
// ancestor that has it, memoised per element: known is the property's bit
// in nodeInfo.known, get and set read and write its field, own(x) says
// whether x itself has it.
func upward[T any](st *Styler, n *html.Node, known uint8, get func(*nodeInfo) T, set func(*nodeInfo, T), own func(*html.Node, *nodeInfo) (T, bool)) T {
	var path []*nodeInfo
	var v T
	for x := n; x != nil && x.Type == html.ElementNode; x = x.Parent {
		xi := st.info(x)
		if xi.known&known != 0 {
			v = get(xi)
			break
		}
		if o, ok := own(x, xi); ok {
			// own may have added nodes: xi stays valid (slabs never move).
			set(xi, o)
			xi.known |= known
			v = o
			break
		}
		path = append(path, xi)
	}
	for _, xi := range path {
		set(xi, v)
		xi.known |= known
	}
	return v
}

func (st *Styler) hiddenBy(n *html.Node) *hiding {
	return upward(st, n, knowHid, func(i *nodeInfo) *hiding { return i.hid }, func(i *nodeInfo, h *hiding) { i.hid = h },
		func(x *html.Node, xi *nodeInfo) (*hiding, bool) {
			tech, props := st.ownHiding(x, xi)
			if tech == "" {
				return nil, false
			}
			return &hiding{tech, x, props}, true
		})
}

func (st *Styler) nearestColor(n *html.Node) (string, *html.Node) {
	c := upward(st, n, knowColor, func(i *nodeInfo) colorAt { return i.color }, func(i *nodeInfo, c colorAt) { i.color = c },
		func(x *html.Node, xi *nodeInfo) (colorAt, bool) {
			if c := normColor(st.styleOf(x, xi)["color"]); c != "" {
				return colorAt{c, x}, true
			}
			return colorAt{}, false
		})
	return c.color, c.at
}

func (st *Styler) nearestBackground(n *html.Node) string {
	return upward(st, n, knowBg, func(i *nodeInfo) string { return i.bg }, func(i *nodeInfo, bg string) { i.bg = bg },
		func(x *html.Node, xi *nodeInfo) (string, bool) {
			if s := st.styleOf(x, xi); len(s) > 0 {
				if bg := backgroundColor(s); bg != "" {
					return bg, true
				}
			}
			return "", false
		})
}

// ownHiding says how x itself hides its content ("" if it does not).
func (st *Styler) ownHiding(x *html.Node, xi *nodeInfo) (string, []string) {
	s := st.styleOf(x, xi)
	if x.Data == "noscript" {
		return "noscript", []string{"<noscript>"}
	}
	if hasAttr(x, "hidden") {
		return "hidden-attribute", []string{"@hidden"}
	}
	if len(s) == 0 && x.Data != "marquee" && x.Data != "iframe" && x.Data != "frame" {
		return "", nil // nothing declared: nothing hides it here
	}
	switch {
	case s["display"] == "none":
		return "display-none", []string{"display"}
	case s["visibility"] == "hidden" || s["visibility"] == "collapse":
		return "visibility-hidden", []string{"visibility"}
	case isZero(s["opacity"], 0.05):
		return "opacity-zero", []string{"opacity"}
	case tinyFont(s["font-size"]):
		return "font-size-zero", []string{"font-size"}
	case (s["position"] == "absolute" || s["position"] == "fixed") && (farOff(s["left"]) || farOff(s["top"]) || farOff(s["right"]) || farOff(s["margin-left"]) || farOff(s["margin-top"])):
		props := []string{"position"}
		for _, p := range []string{"left", "top", "right", "margin-left", "margin-top"} {
			if farOff(s[p]) {
				props = append(props, p)
			}
		}
		return "off-screen", props
	case farOff(s["text-indent"]):
		return "text-indent", []string{"text-indent"}
	case clipped(s["clip"]):
		return "clip", []string{"clip"}
	case strings.Contains(s["clip-path"], "inset(50%") || strings.Contains(s["clip-path"], "circle(0"):
		return "clip", []string{"clip-path"}
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
		return "zero-size", props
	case x.Data == "marquee" && (tiny(s["height"]) || tiny(s["width"]) || tinyLen(attr(x, "height"), 10) || tinyLen(attr(x, "width"), 10) || tinyLen(s["height"], 10)):
		return "tiny-marquee", sizeProps(x, s, 10)
	case x.Data == "iframe" && (tiny(attr(x, "width")) || tiny(attr(x, "height")) || tiny(s["width"]) || tiny(s["height"]) || attr(x, "frameborder") == "0" && attr(x, "scrolling") == "no" && (tinyLen(attr(x, "width"), 2) || tinyLen(attr(x, "height"), 2))):
		return "zero-size-iframe", sizeProps(x, s, 2)
	}
	return "", nil
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
	if v == "" || v[0] != '-' && v[0] != '.' && (v[0] < '0' || v[0] > '9') && v[0] != ' ' {
		return 0, false // auto, inherit, 100%… never reach the regexp
	}
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
	if v == "" {
		return false // most elements: not parsed (the error allocates)
	}
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
		if len(h) == 6 {
			return v // "#" + h, not built again
		}
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
