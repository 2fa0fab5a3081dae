package crawler

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/PuerkitoBio/goquery"
	"github.com/xunjian/xunjian/crawler/htmlfast"
	"golang.org/x/net/html"
)

// flatKeep are the elements kept when a page must be flattened: those that
// carry references or text that checks read.
var flatKeep = map[string]bool{
	"a": true, "area": true, "img": true, "iframe": true, "frame": true, "script": true, "style": true,
	"link": true, "meta": true, "title": true, "base": true, "embed": true, "object": true, "source": true,
	"video": true, "audio": true, "form": true, "input": true, "noscript": true, "head": true, "body": true, "html": true,
}

// ParseHTML parses a decoded page into x/net/html's tree, with
// crawler/htmlfast (x/net/html's parser on an in-memory page: the same
// tree, 2-4x faster, a fifth of the allocations). x/net/html refuses
// documents nested deeper than 512 elements, and hacked pages nest spam
// that deep to hide it from tools that give up; such a page is flattened
// (structural tags dropped, references and text kept) and parsed again.
// flattened says so.
func ParseHTML(text []byte) (doc *goquery.Document, flattened bool, err error) {
	doc, flattened, _, err = ParseHTMLCapped(text)
	return doc, flattened, err
}

// MaxElements caps the elements of one parsed page: a 10 MB page of a
// million <p> is 300 MB of tree (the red team's gzip bombs were such
// pages); the largest real portal pages measured have a few thousand.
const MaxElements = 100_000

// ParseHTMLCapped is ParseHTML on at most MaxElements elements: the text
// after them is left out, and cut says so.
func ParseHTMLCapped(text []byte) (doc *goquery.Document, flattened, cut bool, err error) {
	text, cut = capElements(text, MaxElements)
	root, err := htmlfast.ParseBytes(text)
	doc, flattened, err = flattenedIfDeep(text, root, err)
	return doc, flattened, cut, err
}

// parseOwnPage is ParseHTML on a page the crawl read into bytes of its
// own, which nothing changes once parsed (Page.Text is read-only), and
// which the caller has cut to MaxElements elements (capElements): the
// tree's text and values are substrings of those bytes, not of a copy of
// them (the copy of a 100 KB page was a sixth of all the bytes a crawl
// allocated, and a second 100 KB live while the page was checked).
func parseOwnPage(text []byte) (doc *goquery.Document, flattened bool, err error) {
	return parseOwnPageIn(text, nil)
}

// parseOwnPageIn is parseOwnPage with the tree's nodes and attributes
// taken from ar (nil: the garbage collector's), which the caller
// releases when nothing holds any of the tree (htmlfast.Arena).
func parseOwnPageIn(text []byte, ar *htmlfast.Arena) (doc *goquery.Document, flattened bool, err error) {
	root, err := htmlfast.ParseStringIn(unsafe.String(unsafe.SliceData(text), len(text)), ar)
	return flattenedIfDeep(text, root, err)
}

// arena returns an arena for a page's tree (Crawler.arenas).
func (cr *Crawler) arena() *htmlfast.Arena {
	if ar, ok := cr.arenas.Get().(*htmlfast.Arena); ok {
		return ar
	}
	return new(htmlfast.Arena)
}

// releaseArena ends the use of the tree parsed in ar and keeps ar for
// the next page.
func (cr *Crawler) releaseArena(ar *htmlfast.Arena) {
	ar.Release()
	cr.arenas.Put(ar)
}

// flattenedIfDeep is the document of root, parsed from text, or, when
// the parse failed (x/net/html refuses pages nested too deep), of text
// flattened.
func flattenedIfDeep(text []byte, root *html.Node, err error) (doc *goquery.Document, flattened bool, _ error) {
	if err == nil {
		return goquery.NewDocumentFromNode(root), false, nil
	}
	doc, err2 := goquery.NewDocumentFromReader(strings.NewReader(flatten(text)))
	if err2 != nil {
		return nil, false, err
	}
	return doc, true, nil
}

// capElements returns text up to its max-th start tag.
func capElements(text []byte, max int) ([]byte, bool) {
	if bytes.Count(text, []byte("<")) <= max {
		return text, false
	}
	z := html.NewTokenizer(bytes.NewReader(text))
	off, n := 0, 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return text, false
		}
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			if n++; n > max {
				return text[:off], true
			}
		}
		off += len(z.Raw())
	}
}

// flatten re-serialises a page keeping text and the flatKeep elements only,
// with a line break where a dropped block ended.
func flatten(text []byte) string {
	z := html.NewTokenizer(bytes.NewReader(text))
	var b strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.WriteString(html.EscapeString(string(z.Text())))
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			t := z.Token()
			if flatKeep[t.Data] {
				b.WriteString(t.String())
			} else if tt == html.EndTagToken {
				b.WriteByte('\n')
			}
		}
	}
}
