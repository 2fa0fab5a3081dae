package extract

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/internal/benchsite"
)

// The page text is read in one walk (pageSegments) since it became the
// inspection's per-page cost to watch; these tests hold it to what the
// three goquery Finds, the walk and the split-and-join line folding it
// replaced gave (refPageSegments, kept here as the reference).

func TestPageSegmentsAsBefore(t *testing.T) {
	pages := map[string]string{
		"heavy article": string(benchsite.New(benchsite.Heavy(20000)).Page(1234, 1)),
		"heavy list":    string(benchsite.New(benchsite.Heavy(20000)).Page(1250, 1)),
		"light":         string(benchsite.New(benchsite.Light(20000)).Page(7, 1)),
		"table":         "<table><tr><td> a  b </td><td></td><td>c</td><td> </td></tr><tr><td></td><td>\u3000</td></tr></table><p>x\u00a0 y</p>",
		"meta cases":    `<head><meta name="DESCRIPTION"><meta name="description" content="later"><title>t1</title></head><body><svg><title>svg</title><image alt="no"/></svg><object><img alt=" in object "></object><img alt=""><img alt="two"></body>`,
		"description":   `<head><meta name="Description" content=" 说明 "></head><body><noscript><img alt="n"></noscript>正文</body>`,
		"no head":       `<p>一<br>二</p><div>\t三\t</div><template><img alt="tpl"></template>`,
		"invalid utf-8": "<p>\xff\xfe a \xff</p><td>\xe4\xb8</td>",
		"deep":          strings.Repeat("<div>", 600) + "深" + strings.Repeat("</div>", 600),
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			doc, _, err := crawler.ParseHTML([]byte(page))
			if err != nil {
				t.Fatal(err)
			}
			for _, max := range []int{1 << 20, 64, 5} {
				for _, view := range []bool{false, true} { // PageSegments, PageSegmentsIn
					got, gotCut, release := pageSegments(doc, max, view)
					want, wantCut := refPageSegments(doc, max)
					if !reflect.DeepEqual(got, want) || gotCut != wantCut {
						t.Errorf("max %d view %v:\n got %q %v\nwant %q %v", max, view, got, gotCut, want, wantCut)
					}
					if release != nil {
						release()
					}
				}
			}
		})
	}
}

func FuzzPageSegmentsAsBefore(f *testing.F) {
	f.Add("<title>公示</title><p>孙某 13612345678</p><img alt=x><table><tr><td>a</td><td></td></tr></table>")
	f.Add(`<meta name="description" content="d"><svg><title>s</title></svg><object><img alt=o></object>`)
	f.Add("\t \n<li>a\u3000b</li>\n\n<td> </td>")
	f.Fuzz(func(t *testing.T, page string) {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			return
		}
		for _, max := range []int{1 << 20, 16} {
			for _, view := range []bool{false, true} {
				got, gotCut, release := pageSegments(doc, max, view)
				want, wantCut := refPageSegments(doc, max)
				if !reflect.DeepEqual(got, want) || gotCut != wantCut {
					t.Fatalf("max %d view %v:\n got %q %v\nwant %q %v", max, view, got, gotCut, want, wantCut)
				}
				if release != nil {
					release()
				}
			}
		}
		if got, want := collapseLines([]byte(page)), refCollapseLines(page); got != want {
			t.Fatalf("collapseLines:\n got %q\nwant %q", got, want)
		}
	})
}

func refPageSegments(doc *goquery.Document, maxText int) (segs []Segment, truncated bool) {
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
	add("title", doc.Find("title").First().Text())
	if d, ok := doc.Find(`meta[name="description" i], meta[name="Description"]`).First().Attr("content"); ok {
		add("meta-description", d)
	}
	var alts []string
	doc.Find("img[alt]").Each(func(_ int, s *goquery.Selection) {
		if a, _ := s.Attr("alt"); strings.TrimSpace(a) != "" {
			alts = append(alts, strings.TrimSpace(a))
		}
	})
	add("alt", strings.Join(alts, "\n"))
	// Iterative walk: hostile pages nest elements hundreds of thousands
	// deep to hide text from tools that stop at some depth.
	var b strings.Builder
	type frame struct {
		n    *html.Node
		exit bool
		cell bool
	}
	stack := make([]frame, 0, 64)
	for i := len(doc.Nodes) - 1; i >= 0; i-- {
		stack = append(stack, frame{n: doc.Nodes[i]})
	}
	for len(stack) > 0 && b.Len() <= maxText {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.n
		if f.exit {
			if f.cell {
				b.WriteByte('\t')
			} else {
				b.WriteByte('\n')
			}
			continue
		}
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			continue
		case html.ElementNode:
			if skipTags[n.Data] {
				continue
			}
			if blockTags[n.Data] {
				stack = append(stack, frame{n: n, exit: true})
			} else if cellTags[n.Data] {
				stack = append(stack, frame{n: n, exit: true, cell: true})
			}
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, frame{n: c})
		}
	}
	if len(stack) > 0 {
		truncated = true
	}
	add("body", refCollapseLines(b.String()))
	return segs, truncated
}

func refCollapseLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		cells := strings.Split(l, "\t")
		for i, c := range cells {
			cells[i] = strings.Join(strings.Fields(c), " ")
		}
		for len(cells) > 1 && cells[len(cells)-1] == "" {
			cells = cells[:len(cells)-1]
		}
		if l = strings.Join(cells, "\t"); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestTagRoles holds the walk's switch to the three sets of tags.
func TestTagRoles(t *testing.T) {
	tags := []string{"a", "span", "P", "Div", "tbody", "thead", "td2", "", "body", "html", "title", "img", "main"}
	for _, set := range []map[string]bool{blockTags, cellTags, skipTags} {
		for tag := range set {
			tags = append(tags, tag)
		}
	}
	for _, tag := range tags {
		want := uint8(0)
		switch {
		case skipTags[tag]:
			want = roleSkip
		case blockTags[tag]:
			want = roleBlock
		case cellTags[tag]:
			want = roleCell
		}
		if got := tagRole(tag); got != want {
			t.Errorf("tagRole(%q) = %d, want %d", tag, got, want)
		}
	}
}

// TestSpaceAtAsIsSpace holds spaceAt, which tells the spaces of two lead
// bytes by their bytes, to decoding and unicode.IsSpace: every rune, alone
// and cut short, and every two- and three-byte sequence of the lead bytes
// it reads (invalid ones included).
func TestSpaceAtAsIsSpace(t *testing.T) {
	want := func(c []byte) int {
		r, size := utf8.DecodeRune(c)
		if unicode.IsSpace(r) {
			return size
		}
		return 0
	}
	check := func(c []byte) {
		if got, want := spaceAt(c, 0), want(c); got != want {
			t.Fatalf("spaceAt(% x) = %d, want %d", c, got, want)
		}
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		c := utf8.AppendRune(nil, r)
		for k := 1; k <= len(c); k++ {
			check(c[:k])
		}
		check(append(c, 'x'))
	}
	for _, lead := range []byte{0xC2, 0xE1, 0xE2, 0xE3} {
		for b1 := range 256 {
			check([]byte{lead, byte(b1)})
			for b2 := range 256 {
				check([]byte{lead, byte(b1), byte(b2)})
			}
		}
	}
}

// collapseLinesBefore and appendFieldsBefore are collapseLines as it was
// before it read s in one pass and skipped eight bytes at a time
// (maySpace): a search for each line's end and each cell's, then their
// words byte by byte. The reference of TestCollapseLinesAsBefore.
func collapseLinesBefore(s []byte) string {
	out := make([]byte, 0, len(s))
	for len(s) > 0 {
		line := s
		if i := bytes.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = nil
		}
		start := len(out)
		if start > 0 {
			out = append(out, '\n')
		}
		lineStart := len(out)
		keep := lineStart
		for cell := 0; ; cell++ {
			c := line
			last := true
			if i := bytes.IndexByte(line, '\t'); i >= 0 {
				c, line, last = line[:i], line[i+1:], false
			}
			if cell > 0 {
				out = append(out, '\t')
			}
			before := len(out)
			out = appendFieldsBefore(out, c)
			if len(out) > before {
				keep = len(out)
			}
			if last {
				break
			}
		}
		if keep == lineStart {
			out = out[:start]
			continue
		}
		out = out[:keep]
	}
	return string(out)
}

func appendFieldsBefore(out []byte, c []byte) []byte {
	for i := 0; i < len(c); {
		for i < len(c) {
			n := spaceAt(c, i)
			if n == 0 {
				break
			}
			i += n
		}
		if i == len(c) {
			break
		}
		start := i
		for i < len(c) {
			if byteClass[c[i]] == 0 {
				i++
				continue
			}
			if spaceAt(c, i) != 0 {
				break
			}
			i++
		}
		if len(out) > 0 && out[len(out)-1] != '\t' && out[len(out)-1] != '\n' {
			out = append(out, ' ')
		}
		out = append(out, c[start:i]...)
	}
	return out
}

// TestCollapseLinesAsBefore holds collapseLines to its former self on
// texts of lines, cells and the bytes maySpace tells apart, at every
// alignment.
func TestCollapseLinesAsBefore(t *testing.T) {
	pieces := []string{"a", "中", "。", "\u3000", "\u2003", "\u2028", "\u205f", "\u00a0", "\u0085", "\u1680", "\u180e",
		" ", "\t", "\n", "\v", "\f", "\r", "!", "\t\t", "\n\n", " \t ", "\t\n", "\x20", "\x21", "\x1f", "\xc2", "\xe0", "\xe1", "\xe2", "\xe3", "\xe4", "\xff", "\x80",
		"\xe2\x80", "\xe3\x80", "文章", "abcdefgh", "政府信息公开"}
	rng := uint64(1)
	next := func(n int) int {
		rng = rng*6364136223846793005 + 1442695040888963407
		return int(rng>>33) % n
	}
	for range 200000 {
		var b []byte
		for range next(40) {
			b = append(b, pieces[next(len(pieces))]...)
		}
		want := collapseLinesBefore(b) // collapseLines overwrites b
		if got := collapseLines(b); got != want {
			t.Fatalf("%q:\n got %q\nwant %q", b, got, want)
		}
	}
	for i := range 256 {
		for j := range 8 {
			var x [8]byte
			x[j] = byte(i)
			for k := range 8 {
				if k != j {
					x[k] = 'a'
				}
			}
			if byteClass[i] != 0 && !maySpace(binary.LittleEndian.Uint64(x[:])) {
				t.Fatalf("maySpace misses %#x at %d", i, j)
			}
		}
	}
}
