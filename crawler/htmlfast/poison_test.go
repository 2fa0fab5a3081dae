//go:build htmlfastpoison

package htmlfast_test

import (
	"testing"

	"github.com/xunjian/xunjian/crawler/htmlfast"
)

// TestReleasedTreePoisoned: built with -tags htmlfastpoison, a released
// tree reads as no page does, so that the tests of whatever parses in
// an arena see a tree used after Release.
func TestReleasedTreePoisoned(t *testing.T) {
	var ar htmlfast.Arena
	root, err := htmlfast.ParseStringIn(`<p class=a>x</p>`, &ar)
	if err != nil {
		t.Fatal(err)
	}
	p := root.FirstChild.LastChild.FirstChild // html > body > p
	if p.Data != "p" || len(p.Attr) != 1 {
		t.Fatalf("p %q %v", p.Data, p.Attr)
	}
	attr := p.Attr
	ar.Release()
	if p.Data != "htmlfast-released-node" || root.FirstChild != nil || attr[0].Key != "htmlfast-released" {
		t.Errorf("released tree still reads as a page: %q %v %v", p.Data, root.FirstChild, attr)
	}
}
