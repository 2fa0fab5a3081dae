package hidden

import (
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// compiled is a selector split into compound selectors joined by
// combinators, matched right to left with memoised steps: cascadia's own
// matcher retries every way of placing "a b c d e" on the ancestors, which
// a page with 200 nested elements turns into minutes for one link; this
// costs at most compounds × (ancestors + siblings) steps.
type compiled struct {
	parts []cascadia.Sel // left to right
	combs []byte         // combs[i] joins parts[i] and parts[i+1]: ' ', '>', '+', '~'
	// structural is true when a part counts siblings (:nth-child and
	// friends): such a part costs the element's siblings.
	structural bool
}

// compile splits sel; ok is false when it cannot be matched in bounded
// time (pseudo-classes that search a subtree or text) or does not parse.
func compile(sel string) (c compiled, ok bool) {
	low := strings.ToLower(sel)
	if strings.Contains(low, ":has(") || strings.Contains(low, "contains(") || strings.Contains(low, "matches(") || strings.ContainsRune(sel, '\\') {
		return compiled{}, false
	}
	c.structural = strings.Contains(low, "nth-") || strings.Contains(low, "-of-type") || strings.Contains(low, "-child")
	var parts []string
	var cur strings.Builder
	depth := 0
	var quote rune
	pending := byte(0)
	flush := func() bool {
		if cur.Len() == 0 {
			return true
		}
		if len(parts) > 0 {
			if pending == 0 {
				return false
			}
			c.combs = append(c.combs, pending)
		}
		parts = append(parts, cur.String())
		cur.Reset()
		pending = 0
		return true
	}
	for _, r := range strings.TrimSpace(sel) {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '[' || r == '(':
			depth++
		case r == ']' || r == ')':
			depth--
		case depth == 0 && (r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'):
			if !flush() {
				return compiled{}, false
			}
			if pending == 0 && len(parts) > 0 {
				pending = ' '
			}
			continue
		case depth == 0 && (r == '>' || r == '+' || r == '~'):
			if !flush() {
				return compiled{}, false
			}
			if len(parts) == 0 || (pending != 0 && pending != ' ') {
				return compiled{}, false
			}
			pending = byte(r)
			continue
		}
		cur.WriteRune(r)
	}
	if quote != 0 || depth != 0 || !flush() || pending != 0 || len(parts) == 0 {
		return compiled{}, false
	}
	for _, p := range parts {
		s, err := cascadia.Parse(p)
		if err != nil {
			return compiled{}, false
		}
		c.parts = append(c.parts, s)
	}
	return c, true
}

// matcher matches compiled selectors, memoising each (selector, part,
// element) step across the elements of a page: the ancestors links share
// are matched once (up to maxMemo steps remembered).
type matcher struct {
	memo  map[matchKey]bool
	steps int64
}

type matchKey struct {
	c    *compiled
	part int
	n    *html.Node
}

const maxMemo = 1 << 20

// match reports whether c matches n; m.steps counts the part matches made.
func (m *matcher) match(c *compiled, n *html.Node) bool {
	if len(c.parts) == 1 {
		m.steps += cost(n)
		return c.parts[0].Match(n)
	}
	if m.memo == nil || len(m.memo) > maxMemo {
		m.memo = map[matchKey]bool{}
	}
	return m.at(c, len(c.parts)-1, n)
}

func (m *matcher) at(c *compiled, i int, n *html.Node) bool {
	if n == nil || n.Type != html.ElementNode {
		return false
	}
	k := matchKey{c, i, n}
	if v, ok := m.memo[k]; ok {
		return v
	}
	m.steps += cost(n)
	ok := c.parts[i].Match(n)
	if ok && i > 0 {
		ok = false
		switch c.combs[i-1] {
		case '>':
			ok = m.at(c, i-1, n.Parent)
		case ' ':
			for p := n.Parent; p != nil && !ok; p = p.Parent {
				ok = m.at(c, i-1, p)
			}
		case '+':
			ok = m.at(c, i-1, prevElement(n))
		case '~':
			for p := prevElement(n); p != nil && !ok; p = prevElement(p) {
				ok = m.at(c, i-1, p)
			}
		}
	}
	m.memo[k] = ok
	return ok
}

func prevElement(n *html.Node) *html.Node {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		if p.Type == html.ElementNode {
			return p
		}
	}
	return nil
}

// cost is one step plus one per 256 bytes of attribute values, which
// class and attribute selectors scan: a 1 MB class attribute is not one
// step.
func cost(n *html.Node) int64 {
	size := 0
	for _, a := range n.Attr {
		size += len(a.Val)
	}
	return 1 + int64(size>>8)
}
