package htmlfast

// An Arena holds the memory of the trees parsed with it (ParseStringIn)
// for the next parse: the nodes, the attribute slices and the parser's
// stacks. A crawl parses one page after another, and each heavy page's
// tree (~1,400 nodes, ~500 attributes: ~200 KB) was new garbage the
// collector had to chase; with an arena per page worker the same memory
// serves every page.
//
// Release ends the last tree: its nodes and attribute slices are
// cleared and handed to the next parse. Whoever holds a node, a
// selection of nodes or an attribute slice of that tree after Release
// reads another page's tree, or zeroes: Release is called when nothing
// of the tree is used any more. The tree's strings (text, names,
// values) are not the arena's (they are the page's bytes or copies) and
// stay valid.
//
// An Arena is used by one parse at a time; the zero Arena is ready.
type Arena struct {
	nodes [][]Node      // node slabs, of arenaNodeSlab nodes each
	attrs [][]Attribute // attribute slabs, of arenaAttrSlab each
	// nodesUsed and attrsUsed are how many slabs the last tree took (the
	// last of them partly).
	nodesUsed, attrsUsed int
	// nodesFree and attrsFree are how many of the last slabs' elements
	// the last tree left unused (still zero: Release clears the rest).
	nodesFree, attrsFree int
	// oe and afe are the parser's stacks' memory, kept (empty) between
	// parses.
	oe, afe nodeStack
	// parsing is whether a tree of the arena is in use (parsed and not
	// yet released): a second parse would hand out its nodes again.
	parsing bool
}

const (
	arenaNodeSlab = 256
	arenaAttrSlab = 512
	// An arena keeps up to these many slabs between trees (~210 KB of
	// nodes, ~100 KB of attributes: a heavy page's tree fits); a bigger
	// page's extra slabs are garbage after it, as without an arena.
	arenaKeepNodeSlabs = 8
	arenaKeepAttrSlabs = 4
)

// nodeSlab returns the next free slab of nodes (zeroed).
func (ar *Arena) nodeSlab() []Node {
	if ar.nodesUsed < len(ar.nodes) {
		s := ar.nodes[ar.nodesUsed]
		ar.nodesUsed++
		return s
	}
	s := make([]Node, arenaNodeSlab)
	ar.nodes = append(ar.nodes, s)
	ar.nodesUsed++
	return s
}

// attrSlab returns the next free slab of attributes (zeroed), empty.
func (ar *Arena) attrSlab() []Attribute {
	if ar.attrsUsed < len(ar.attrs) {
		s := ar.attrs[ar.attrsUsed]
		ar.attrsUsed++
		return s[:0]
	}
	s := make([]Attribute, arenaAttrSlab)
	ar.attrs = append(ar.attrs, s)
	ar.attrsUsed++
	return s[:0]
}

// Release ends the tree last parsed with ar (see Arena): its nodes and
// attribute slices will be the next tree's. It is a no-op on a nil
// Arena or one without a tree.
func (ar *Arena) Release() {
	if ar == nil || !ar.parsing {
		return
	}
	ar.parsing = false
	clear(ar.oe[:cap(ar.oe)])
	clear(ar.afe[:cap(ar.afe)])
	if poisonReleased {
		ar.poison()
		return
	}
	for i, s := range ar.nodes[:ar.nodesUsed] {
		if i == ar.nodesUsed-1 {
			s = s[:len(s)-ar.nodesFree] // the rest is still zero
		}
		clear(s)
	}
	for i, s := range ar.attrs[:ar.attrsUsed] {
		if i == ar.attrsUsed-1 {
			s = s[:len(s)-ar.attrsFree]
		}
		clear(s)
	}
	ar.nodesUsed, ar.attrsUsed, ar.nodesFree, ar.attrsFree = 0, 0, 0, 0
	ar.nodes = trimSlabs(ar.nodes, arenaKeepNodeSlabs)
	ar.attrs = trimSlabs(ar.attrs, arenaKeepAttrSlabs)
}

// trimSlabs keeps the first n slabs of s.
func trimSlabs[T any](s [][]T, n int) [][]T {
	if len(s) <= n {
		return s
	}
	clear(s[n:])
	return s[:n]
}

// poison, instead of handing the released tree's memory to the next
// parse, overwrites its nodes and attributes with values no page has
// and leaves them to the collector (tests built with -tags
// htmlfastpoison): whatever reads a released tree then reads nonsense a
// test sees, not a plausible other page.
func (ar *Arena) poison() {
	for _, s := range ar.nodes[:ar.nodesUsed] {
		for i := range s {
			s[i] = Node{Type: ElementNode, Data: "htmlfast-released-node", Namespace: "htmlfast-released", Attr: poisonAttr}
		}
	}
	for _, s := range ar.attrs[:ar.attrsUsed] {
		for i := range s[:cap(s)] {
			s[:cap(s)][i] = poisonAttr[0]
		}
	}
	ar.nodes, ar.attrs = nil, nil
	ar.nodesUsed, ar.attrsUsed = 0, 0
}

var poisonAttr = []Attribute{{Key: "htmlfast-released", Val: "htmlfast-released-attribute"}}
