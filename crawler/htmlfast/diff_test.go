package htmlfast_test

import (
	"bytes"
	"fmt"
	"strings"

	"testing"

	"github.com/xunjian/xunjian/crawler/htmlfast"
	"golang.org/x/net/html"
)

// sameTree reports where two trees differ, or "" when they are equal node
// for node: type, atom, data, namespace, attributes (namespace, key,
// value, order) and the shape (children in order, parent links).
func sameTree(a, b *html.Node, path string) string {
	if a.Type != b.Type || a.DataAtom != b.DataAtom || a.Data != b.Data || a.Namespace != b.Namespace {
		return fmt.Sprintf("%s: node %v %v %q %q != %v %v %q %q", path, a.Type, a.DataAtom, a.Data, a.Namespace, b.Type, b.DataAtom, b.Data, b.Namespace)
	}
	if len(a.Attr) != len(b.Attr) {
		return fmt.Sprintf("%s <%s>: attrs %q != %q", path, a.Data, a.Attr, b.Attr)
	}
	for i := range a.Attr {
		if a.Attr[i] != b.Attr[i] {
			return fmt.Sprintf("%s <%s>: attr %d %q != %q", path, a.Data, i, a.Attr[i], b.Attr[i])
		}
	}
	ca, cb := a.FirstChild, b.FirstChild
	for i := 0; ca != nil || cb != nil; i++ {
		p := fmt.Sprintf("%s/%d", path, i)
		if ca == nil || cb == nil {
			return p + ": child count differs"
		}
		if ca.Parent != a || cb.Parent != b {
			return p + ": parent link"
		}
		if ca.NextSibling == nil && a.LastChild != ca || cb.NextSibling == nil && b.LastChild != cb {
			return p + ": last child link"
		}
		if ca.NextSibling != nil && ca.NextSibling.PrevSibling != ca || cb.NextSibling != nil && cb.NextSibling.PrevSibling != cb {
			return p + ": sibling link"
		}
		if d := sameTree(ca, cb, p); d != "" {
			return d
		}
		ca, cb = ca.NextSibling, cb.NextSibling
	}
	return ""
}

// testArena is the arena compare parses in, page after page.
var testArena htmlfast.Arena

// compare parses page with both parsers and reports how they differ.
// The fast parser's tree is compared after the bytes it was given have
// been overwritten and parsed again (its text and values must not be
// views of the caller's bytes, nor of a buffer a later parse reuses).
func compare(page []byte) string {
	want, werr := html.Parse(bytes.NewReader(page))
	given := bytes.Clone(page)
	got, gerr := htmlfast.ParseBytes(given)
	for i := range given {
		given[i] = "<A&\r\x00b>\""[i%8]
	}
	_, _ = htmlfast.ParseBytes(given)
	if (werr == nil) != (gerr == nil) {
		return fmt.Sprintf("errors differ: x/net/html %v, fast %v", werr, gerr)
	}
	if werr != nil {
		return ""
	}
	if d := sameTree(want, got, ""); d != "" {
		return d
	}
	// ParseString builds the same tree on the page as a string, not
	// copied.
	fromString, serr := htmlfast.ParseString(string(page))
	if serr != nil {
		return fmt.Sprintf("ParseString: %v, ParseBytes none", serr)
	}
	if d := sameTree(want, fromString, ""); d != "" {
		return "ParseString: " + d
	}
	// ParseStringIn builds the same tree from an arena's memory that
	// earlier pages' trees held (and released).
	inArena, aerr := htmlfast.ParseStringIn(string(page), &testArena)
	defer testArena.Release()
	if aerr != nil {
		return fmt.Sprintf("ParseStringIn: %v, ParseBytes none", aerr)
	}
	if d := sameTree(want, inArena, ""); d != "" {
		return "ParseStringIn: " + d
	}
	var rw, rg bytes.Buffer
	html.Render(&rw, want)
	html.Render(&rg, got)
	if !bytes.Equal(rw.Bytes(), rg.Bytes()) {
		return "rendered trees differ"
	}
	return ""
}

// TestMatchesXNetHTML: on every page of the seeds, the tree is x/net/html's.
func TestMatchesXNetHTML(t *testing.T) {
	defer htmlfast.CheckScopeCache()()
	pages := seedPages(t)
	if len(pages) < 100 {
		t.Fatalf("only %d seed pages", len(pages))
	}
	n, kinds := 0, map[string]int{}
	for name, page := range pages {
		if d := compare(page); d != "" {
			t.Errorf("%s: %.300s", name, d)
		}
		n += len(page)
		kinds[name[:strings.IndexByte(name, '/')]]++
	}
	t.Logf("%d pages, %d bytes, by source %v", len(pages), n, kinds)
}

// FuzzFastParseMatchesXNetHTML: for any input the tree is x/net/html's.
func FuzzFastParseMatchesXNetHTML(f *testing.F) {
	defer htmlfast.CheckScopeCache()()
	for _, page := range seedPages(f) {
		// Large seeds make the fuzzer's minimizing slow; their first
		// 32 KB carry the template's constructs.
		f.Add(page[:min(len(page), 32<<10)])
	}
	f.Fuzz(func(t *testing.T, page []byte) {
		if d := compare(page); d != "" {
			t.Fatalf("%.500s", d)
		}
	})
}

// TestCallerBytesReused: a tree does not change when the bytes it was
// parsed from are overwritten and reused for other pages.
func TestCallerBytesReused(t *testing.T) {
	defer htmlfast.CheckScopeCache()()
	pages := []string{
		`<html><head><title>标题</title></head><body><p class="x" data-Id="7">正文 &amp; 文本</p>` +
			`<a href="/a?b=1&c=2">链接</a><DIV ID=Up>上</DIV><svg viewBox="0 0 1 1"><foo bar="baz"/></svg></body></html>`,
		"<p>line\r\nbreak</p><x-custom-tag x-Key=\"v\">t</x-custom-tag><textarea>\r\nraw</textarea>",
	}
	for _, page := range pages {
		want, err := html.Parse(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		buf := []byte(page)
		got, err := htmlfast.ParseBytes(buf)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 3; k++ {
			for i := range buf {
				buf[i] = "zZ&<>\"\r"[(i+k)%7]
			}
			if _, err := htmlfast.ParseBytes(buf); err != nil {
				t.Fatal(err)
			}
			copy(buf, pages[(k+1)%len(pages)])
			if _, err := htmlfast.ParseBytes(buf); err != nil {
				t.Fatal(err)
			}
		}
		if d := sameTree(want, got, ""); d != "" {
			t.Errorf("tree changed after its bytes were reused: %s", d)
		}
	}
}

// TestArenaReused: trees parsed one after another in one arena, each
// released before the next, are x/net/html's; a parse in an arena whose
// tree is not released leaves that tree alone.
func TestArenaReused(t *testing.T) {
	defer htmlfast.CheckScopeCache()()
	pages := []string{
		`<html><head><title>标题</title></head><body><p class="x" data-Id="7">正文 &amp; 文本</p>` +
			`<a href="/a?b=1&c=2">链接</a><DIV ID=Up>上</DIV><svg viewBox="0 0 1 1"><foo bar="baz"/></svg></body></html>`,
		"<p>line\r\nbreak</p><x-custom-tag x-Key=\"v\">t</x-custom-tag><textarea>\r\nraw</textarea>",
		// More nodes and attributes than an arena keeps between trees.
		strings.Repeat(`<div a=1 b=2 c=3><b x=y>粗</b><i>斜</i>文字</div>`, 3000),
		"<table><tr><td>1<td>2</table><b><i>x</b>y</i>",
	}
	var ar htmlfast.Arena
	for round := 0; round < 3; round++ {
		for i, page := range pages {
			want, err := html.Parse(strings.NewReader(page))
			if err != nil {
				t.Fatal(err)
			}
			got, err := htmlfast.ParseStringIn(page, &ar)
			if err != nil {
				t.Fatal(err)
			}
			if d := sameTree(want, got, ""); d != "" {
				t.Errorf("round %d page %d: %s", round, i, d)
			}
			// Not released: the next parse must not take its nodes.
			other, err := htmlfast.ParseStringIn(pages[(i+1)%len(pages)], &ar)
			if err != nil || other == nil {
				t.Fatal(err)
			}
			if d := sameTree(want, got, ""); d != "" {
				t.Errorf("round %d page %d: a second parse changed the unreleased tree: %s", round, i, d)
			}
			ar.Release()
		}
	}
}
