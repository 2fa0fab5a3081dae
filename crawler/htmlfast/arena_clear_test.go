//go:build !htmlfastpoison

package htmlfast

import (
	"strings"
	"testing"
)

// TestReleaseLeavesZeroSlabs: Release clears only what the tree used of
// its last slabs (nodesFree, attrsFree); every node and attribute of the
// kept slabs must be zero after it, as alloc and attrSlab rely on, for
// trees that end anywhere in a slab and shrink or grow from page to page.
func TestReleaseLeavesZeroSlabs(t *testing.T) {
	var ar Arena
	for _, n := range []int{1, 40, 3, 300, 7, 120, 0, 500, 2} {
		page := strings.Repeat(`<div a=1 b=2><i c=3>x</i>y</div>`, n)
		if _, err := ParseStringIn(page, &ar); err != nil {
			t.Fatal(err)
		}
		if ar.nodesUsed == 0 {
			t.Fatalf("%d: no node slab used", n)
		}
		ar.Release()
		for i, s := range ar.nodes {
			for j := range s {
				if m := s[j]; m.Parent != nil || m.FirstChild != nil || m.LastChild != nil || m.PrevSibling != nil || m.NextSibling != nil ||
					m.Type != 0 || m.DataAtom != 0 || m.Data != "" || m.Namespace != "" || m.Attr != nil {
					t.Fatalf("%d elements: node %d of slab %d not cleared: %+v", n, j, i, s[j])
				}
			}
		}
		for i, s := range ar.attrs {
			for j := range s[:cap(s)] {
				if s[:cap(s)][j] != (Attribute{}) {
					t.Fatalf("%d elements: attribute %d of slab %d not cleared: %+v", n, j, i, s[j])
				}
			}
		}
	}
}
