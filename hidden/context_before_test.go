package hidden

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/internal/benchsite"
)

// An element's context (StyleCache) was hashed by a recursion up the tree
// that hashed the element's own tag and attributes beside its siblings';
// it is now a loop, and the element's own are read from its siblings'
// hash with its place. These tests hold the new contexts to the former
// ones (contextBefore, kept here): two elements, of any pages of a run,
// share a context now exactly when they did before.

// ctxBefore is the former context hash, with its own memo.
type ctxBefore struct {
	st        *Styler
	sig, sibs map[*html.Node]uint64
}

func (c *ctxBefore) context(n *html.Node) uint64 {
	if s, ok := c.sig[n]; ok {
		return s
	}
	var parentSig, sibSig uint64
	index := 0
	if p := n.Parent; p != nil {
		if p.Type == html.ElementNode {
			parentSig = c.context(p)
		}
		sibSig = c.siblingsHash(p)
		for x := p.FirstChild; x != nil && x != n; x = x.NextSibling {
			if x.Type == html.ElementNode {
				index++
			}
		}
	}
	var b []byte
	b = binary.LittleEndian.AppendUint64(b, parentSig)
	b = binary.LittleEndian.AppendUint64(b, sibSig)
	b = binary.LittleEndian.AppendUint64(b, uint64(index))
	b = c.appendElement(b, n)
	empty := uint64(1)
	for x := n.FirstChild; x != nil; x = x.NextSibling {
		if x.Type == html.ElementNode || x.Type == html.TextNode && strings.TrimSpace(x.Data) != "" {
			empty = 0
			break
		}
	}
	b = binary.LittleEndian.AppendUint64(b, empty)
	s := maphash.Bytes(c.st.cache.seed, b)
	c.sig[n] = s
	return s
}

func (c *ctxBefore) siblingsHash(p *html.Node) uint64 {
	if s, ok := c.sibs[p]; ok {
		return s
	}
	var b []byte
	for x := p.FirstChild; x != nil; x = x.NextSibling {
		if x.Type == html.ElementNode {
			b = c.appendElement(b, x)
		}
	}
	s := maphash.Bytes(c.st.cache.seed, b)
	c.sibs[p] = s
	return s
}

func (c *ctxBefore) appendElement(b []byte, n *html.Node) []byte {
	b = append(b, n.Namespace...)
	b = append(b, 0)
	b = append(b, n.Data...)
	b = append(b, 0)
	for _, a := range n.Attr {
		if !hasBefore(&c.st.reads, a.Key) {
			continue
		}
		b = append(b, a.Namespace...)
		b = append(b, 0)
		b = append(b, a.Key...)
		b = append(b, 0)
		b = append(b, a.Val...)
		b = append(b, 0)
	}
	return append(b, 1)
}

// hasBefore is attrReads.has as it was.
func hasBefore(r *attrReads, key string) bool {
	if r.all {
		return true
	}
	for _, k := range r.keys {
		if len(k) == len(key) && (k == key || strings.EqualFold(k, key)) {
			return true
		}
	}
	return false
}

// sameClasses checks that contexts partition elements as the former ones.
type sameClasses struct {
	toNew, toOld map[uint64]uint64
	n            int
}

func (s *sameClasses) add(t *testing.T, what string, before, now uint64) {
	t.Helper()
	s.n++
	if x, ok := s.toNew[before]; ok && x != now {
		t.Fatalf("%s: one former context, two now", what)
	}
	if x, ok := s.toOld[now]; ok && x != before {
		t.Fatalf("%s: one context now, two former", what)
	}
	s.toNew[before], s.toOld[now] = now, before
}

func TestContextsAsBefore(t *testing.T) {
	cache := NewStyleCache(1000)
	cl := &sameClasses{toNew: map[uint64]uint64{}, toOld: map[uint64]uint64{}}
	check := func(what string, doc *goquery.Document, sheets ...*Sheet) {
		st := NewStyler(sheets...).WithCache(cache)
		before := &ctxBefore{st: st, sig: map[*html.Node]uint64{}, sibs: map[*html.Node]uint64{}}
		els := elements(doc)
		// Half the pages from the leaves up (each element's way up is
		// short), half from the top down.
		if len(els)%2 == 0 {
			for i, j := 0, len(els)-1; i < j; i, j = i+1, j-1 {
				els[i], els[j] = els[j], els[i]
			}
		}
		for _, n := range els {
			cl.add(t, what+" "+n.Data, before.context(n), st.context(n))
		}
		st.Release()
	}
	for seed := range 300 {
		tmpl, css := randomCase(rand.New(rand.NewPCG(uint64(seed), 12)))
		sheet := ParseSheet(css, 0)
		for pass := range 3 {
			page := strings.ReplaceAll(tmpl, "{P}", fmt.Sprint(pass))
			check(fmt.Sprintf("seed %d pass %d", seed, pass), parseDoc(t, page), sheet)
		}
	}
	site := benchsite.New(benchsite.Heavy(20000))
	sheet := ParseSheet(string(site.Stylesheet()), 0)
	inline := ParseSheet(`.skip{position:absolute;left:-9999px} .w3 .list li a{color:#fff} [data-X] b{color:red} :lang(zh) i{color:red}`, 100000)
	for _, i := range []int{1234, 1235, 1236, 1250, 1300, 1350, 7, 19999} {
		page := strings.Replace(string(site.Page(i, 1)), "<body", `<body data-x="1" DATA-Y="2"`, 1)
		check(fmt.Sprint("heavy page ", i), parseDoc(t, page), sheet, inline)
	}
	light := benchsite.New(benchsite.Light(20000))
	for _, i := range []int{7, 8, 1250} {
		check(fmt.Sprint("light page ", i), parseDoc(t, string(light.Page(i, 1))))
	}
	if len(cl.toNew) < 100 || cl.n < 10000 {
		t.Fatalf("%d contexts of %d elements: too few to tell", len(cl.toNew), cl.n)
	}
}

// TestAttrReadsAsBefore holds attrReads.has to its former self.
func TestAttrReadsAsBefore(t *testing.T) {
	var r attrReads
	r.keys = append(r.keys, ownReads...)
	for _, sel := range []string{"[data-x]", "a:lang(zh)", "[ſ]", "[k]", "input:checked", "[xlink:href]"} {
		r.add(sel)
	}
	keys := []string{"id", "ID", "Id", "class", "CLASS", "style", "hidden", "HIDDEN", "data-x", "Data-X", "data-y", "lang", "LANG",
		"href", "checked", "Checked", "type", "selected", "s", "S", "ſ", "k", "K", "\u212a", "", "widt", "width", "WIDTH", "heighT",
		"frameborder", "frameBorder", "scrolling", "title", "src", "xlink:href", "é", "É", "viewBox", "viewbox"}
	for _, k := range keys {
		if got, want := r.has(k), hasBefore(&r, k); got != want {
			t.Errorf("has(%q) = %v, before %v", k, got, want)
		}
	}
}
