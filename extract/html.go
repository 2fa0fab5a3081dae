package extract

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/crawler"
)

// htmlSegments decodes and parses an HTML file and returns its segments.
func htmlSegments(data []byte, maxText int) ([]Segment, bool, error) {
	text, _ := crawler.Decode(data, "")
	doc, _, err := crawler.ParseHTML(text)
	if err != nil {
		return nil, false, fmt.Errorf("%w: html: %v", ErrCorrupt, err)
	}
	segs, truncated, _ := pageSegments(doc, maxText, false)
	return segs, truncated, nil
}

// blockTags end a line in the visible text, so words of two blocks do not
// run together in matches and quotes.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "tr": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "table": true, "ul": true, "ol": true, "section": true,
	"article": true, "header": true, "footer": true, "nav": true, "dd": true, "dt": true, "hr": true, "form": true,
	"blockquote": true, "pre": true, "option": true,
}

// cellTags end a table cell with a tab, so rows stay rows and a number's
// column header can be found (privacy in context).
var cellTags = map[string]bool{"td": true, "th": true}

// skipTags hold no visible text.
var skipTags = map[string]bool{"script": true, "style": true, "noscript": true, "template": true, "head": true, "svg": true, "iframe": true, "object": true}

// Roles of elements in the text walk, from the three sets (one map lookup
// an element).
const (
	roleSkip = iota + 1
	roleBlock
	roleCell
)

// tagRole is an element's role (0: none): the three sets as one switch,
// which the compiler turns into a search by length and bytes (a map
// lookup an element was a fifth of the walk). TestTagRoles holds it to
// the sets.
func tagRole(tag string) uint8 {
	switch tag {
	case "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "section",
		"article", "header", "footer", "nav", "dd", "dt", "hr", "form", "blockquote", "pre", "option":
		return roleBlock
	case "td", "th":
		return roleCell
	case "script", "style", "noscript", "template", "head", "svg", "iframe", "object":
		return roleSkip
	}
	return 0
}

// PageSegments returns what a person reads on a page: its title, meta
// description, image alt texts and the visible body text (scripts and
// styles left out), each capped at maxText bytes.
func PageSegments(doc *goquery.Document, maxText int) []Segment {
	segs, _, _ := pageSegments(doc, maxText, false)
	return segs
}

// PageSegmentsIn is PageSegments with the body's text a view of the
// walk's own buffer instead of a copy of it (the copy was a page's
// largest allocation after its body): the segments' strings are valid
// until release is called, and whoever keeps one past it copies it
// (strings.Clone). Built with -tags htmlfastpoison, release overwrites
// the text with garbage and the buffer is never reused.
func PageSegmentsIn(doc *goquery.Document, maxText int) (segs []Segment, release func()) {
	segs, _, release = pageSegments(doc, maxText, true)
	return segs, release
}

// pageSegments reads a page's segments; with view, the body's text is a
// view of the walk's buffer, handed back by release (nil without view).
func pageSegments(doc *goquery.Document, maxText int, view bool) (segs []Segment, truncated bool, release func()) {
	add := func(where, text string) {
		text = strings.TrimSpace(text)
		if text == "" {
			return
		}
		if len(text) > maxText {
			text = strings.ToValidUTF8(text[:maxText], "")
			truncated = true
		}
		segs = append(segs, Segment{Where: where, Text: text})
	}
	// One walk reads the body's text and finds the title, the meta
	// description and the images' alt texts (three goquery Finds walked
	// the tree once more each). Iterative: hostile pages nest elements
	// hundreds of thousands deep to hide text from tools that stop at
	// some depth.
	// The walk writes into a pooled buffer: the segment keeps only what
	// collapseLines makes of it.
	buf := textBufs.Get().(*[]byte)
	b := bytes.NewBuffer((*buf)[:0])
	done := func() {
		if poisonReleased {
			poison(b.Bytes())
			return
		}
		if b.Cap() <= maxPooledText {
			*buf = b.Bytes()[:0]
			textBufs.Put(buf)
		}
	}
	if view {
		release = done
	} else {
		defer done()
	}
	var title *html.Node
	description, hasDescription, sawDescription := "", false, false
	var alts []string
	// The walk follows the tree's own links (a stack of every node's
	// children was a fifth of it). Events, in the order the stack walk
	// it replaced took them: entering a node; leaving a skipped element
	// (skipped--) and, outside skipped ones, a block (a newline) or a
	// cell (a tab). The text's cap is checked before each event.
	skipped := 0 // skipped elements the walk is inside
	stopped := false
walk:
	for _, root := range doc.Nodes {
		for n := root; ; {
			if b.Len() > maxText {
				stopped = true
				break walk
			}
			switch n.Type {
			case html.TextNode:
				if skipped == 0 {
					b.WriteString(n.Data)
				}
			case html.ElementNode:
				switch n.Data {
				case "title":
					if title == nil {
						title = n
					}
				case "meta":
					// The first description tag decides, with or without content.
					if name, ok := attrOf(n, "name"); ok && !sawDescription && strings.EqualFold(name, "description") {
						sawDescription = true
						description, hasDescription = attrOf(n, "content")
					}
				case "img":
					if a, ok := attrOf(n, "alt"); ok && strings.TrimSpace(a) != "" {
						alts = append(alts, strings.TrimSpace(a))
					}
				}
				if tagRole(n.Data) == roleSkip {
					skipped++
				}
			}
			if n.Type != html.TextNode && n.FirstChild != nil {
				n = n.FirstChild
				continue
			}
			// Leave n, and its ancestors while they are their parents'
			// last children.
			for {
				if n.Type == html.ElementNode {
					role := tagRole(n.Data)
					if role == roleSkip || skipped == 0 && (role == roleBlock || role == roleCell) {
						if b.Len() > maxText {
							stopped = true
							break walk
						}
						switch role {
						case roleSkip:
							skipped--
						case roleBlock:
							b.WriteByte('\n')
						default:
							b.WriteByte('\t')
						}
					}
				}
				if n == root {
					continue walk
				}
				if n.NextSibling != nil {
					n = n.NextSibling
					break
				}
				n = n.Parent
			}
		}
	}
	if stopped {
		// The text filled its cap before the walk ended: the title,
		// description and alt texts may lie past it.
		truncated = true
		title, alts = nil, nil
		if t := doc.Find("title").First(); t.Length() > 0 {
			title = t.Nodes[0]
		}
		description, hasDescription = doc.Find(`meta[name="description" i], meta[name="Description"]`).First().Attr("content")
		doc.Find("img[alt]").Each(func(_ int, s *goquery.Selection) {
			if a, _ := s.Attr("alt"); strings.TrimSpace(a) != "" {
				alts = append(alts, strings.TrimSpace(a))
			}
		})
	}
	if title != nil {
		add("title", textOf(title))
	}
	if hasDescription {
		add("meta-description", description)
	}
	add("alt", strings.Join(alts, "\n"))
	if view {
		body := collapseLinesInPlace(b.Bytes())
		add("body", unsafe.String(unsafe.SliceData(body), len(body)))
	} else {
		add("body", collapseLines(b.Bytes()))
	}
	// Segments in the order readers expect: title, description, alt, body.
	return segs, truncated, release
}

// textOf is the text of n's descendants, as goquery's Text.
func textOf(n *html.Node) string {
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode {
		return c.Data // a title: one text node
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func attrOf(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// collapseLines folds runs of spaces and drops empty lines; tabs between
// table cells stay (a row's trailing tab goes). One pass over s, whose
// newlines and tabs are met as spaces are (no search for each line's end
// and each cell's before reading its words), writing over s itself (what
// is written never passes what is read: a word is copied as it is, a
// space written for a run of at least one): the string is a copy of the
// folded text alone, with no buffer of len(s) made (and zeroed) for it.
// s is overwritten.
func collapseLines(s []byte) string { return string(collapseLinesInPlace(s)) }

// collapseLinesInPlace is collapseLines' text in s itself (a prefix of it).
func collapseLinesInPlace(s []byte) []byte {
	out := s[:0]
	start := 0     // where the line began in out (before its newline)
	lineStart := 0 // where its text begins
	keep := 0      // end of the line's last cell with text
	for i := 0; ; {
		// Spaces between words; a newline ends the line, a tab the cell.
		for i < len(s) {
			switch s[i] {
			case ' ': // a markup's indentation: most of the spaces
				i++
				continue
			case '\n':
				// Trailing empty cells go; a line with no text goes.
				if keep == lineStart {
					out = out[:start]
				} else {
					out = out[:keep]
				}
				start = len(out)
				if start > 0 {
					out = append(out, '\n')
				}
				lineStart, keep = len(out), len(out)
				i++
				continue
			case '\t':
				out = append(out, '\t')
				i++
				continue
			}
			n := spaceAt(s, i)
			if n == 0 {
				break
			}
			i += n
		}
		if i == len(s) {
			break
		}
		w := i
		i = wordEnd(s, i)
		if len(out) > 0 && out[len(out)-1] != '\t' && out[len(out)-1] != '\n' {
			out = append(out, ' ')
		}
		out = append(out, s[w:i]...)
		keep = len(out)
	}
	if keep == lineStart {
		out = out[:start]
	} else {
		out = out[:keep]
	}
	return out
}

// wordEnd returns the end of the word that begins at c[i]: the next white
// space rune's index, or len(c).
func wordEnd(c []byte, i int) int {
	for i < len(c) {
		// Eight bytes at a time while none may begin a space
		// (Chinese text runs hundreds of bytes between them).
		for i+8 <= len(c) && !maySpace(binary.LittleEndian.Uint64(c[i:])) {
			i += 8
		}
		if i == len(c) {
			break
		}
		if byteClass[c[i]] == 0 {
			i++
			continue
		}
		if spaceAt(c, i) != 0 {
			break
		}
		i++ // continuation bytes are never spaces nor their lead bytes
	}
	return i
}

// maySpace reports whether one of the eight bytes of x may begin a white
// space rune (byteClass 1), or is E0 (never a space: byteClass tells): a
// byte below 0x21 (the ASCII spaces are among them), C2, or E0–E3.
func maySpace(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - 0x21*ones) &^ x // high bit set for a byte < 0x21 (and ASCII)
	c2 := x ^ 0xC2*ones
	c2 = (c2 - ones) &^ c2 // high bit set for a zero byte of x^C2
	e := (x & (0xFC * ones)) ^ 0xE0*ones
	e = (e - ones) &^ e
	return (below|c2|e)&highs != 0
}

// byteClass marks the bytes that may begin a white space rune: ASCII
// spaces and the lead bytes C2, E1, E2 and E3 (spaceAt tells).
var byteClass = func() (t [256]uint8) {
	for b := range utf8.RuneSelf {
		if asciiSpace[b] {
			t[b] = 1
		}
	}
	for _, b := range []byte{0xC2, 0xE1, 0xE2, 0xE3} {
		t[b] = 1
	}
	return t
}()

// spaceAt returns the length of the white space rune at c[i] (0 if none):
// ASCII spaces, and the few non-ASCII ones, whose UTF-8 starts with
// C2, E1, E2 or E3.
// The lead bytes E2 and E3 begin Chinese text's commonest punctuation
// (“”—… and 。、《》「」), so their spaces are told by their bytes, not by
// decoding every such rune: unicode.White_Space has U+3000 alone in
// E3's U+3000–U+3FFF, and U+2000–U+200A, U+2028, U+2029, U+202F and
// U+205F in E2's (TestSpaceAtAsIsSpace tries every rune).
func spaceAt(c []byte, i int) int {
	switch b := c[i]; {
	case b < utf8.RuneSelf:
		if asciiSpace[b] {
			return 1
		}
		return 0
	case b == 0xE3:
		if i+2 < len(c) && c[i+1] == 0x80 && c[i+2] == 0x80 {
			return 3
		}
		return 0
	case b == 0xE2:
		if i+2 >= len(c) {
			return 0
		}
		switch b1, b2 := c[i+1], c[i+2]; {
		case b1 == 0x80 && (b2 >= 0x80 && b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF),
			b1 == 0x81 && b2 == 0x9F:
			return 3
		}
		return 0
	case b != 0xC2 && b != 0xE1:
		return 0
	}
	r, size := utf8.DecodeRune(c[i:])
	if unicode.IsSpace(r) {
		return size
	}
	return 0
}

// textBufs are the page-text walk's buffers, reused (up to
// maxPooledText bytes each).
var textBufs = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

const maxPooledText = 1 << 20

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}
