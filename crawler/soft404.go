package crawler

import (
	"math/bits"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/xunjian/xunjian/crawler/htmlfast"
	"golang.org/x/net/html"
)

// notFoundPhrase matches titles and headings of "page not found" pages, as
// Chinese portals' CMSs word them.
var notFoundPhrase = regexp.MustCompile(`(?i)(404\s*(not\s*found|错误|页面)|page\s+not\s+found|页面不存在|页面未找到|找不到(您要访问的|您访问的|该|此)?页面|您(所)?访问的页面(不存在|已删除|找不到)|(文章|信息|内容|栏目)不存在|(信息|内容|页面)已(被)?删除|页面已失效)`)

// looksNotFound is notFoundPhrase.MatchString, the expression run only
// on text that holds a word each of its phrases has ("404", "page" in any
// case, 页面, 不存在, 删除): most titles and headings have none, and
// running the expression on every page's title and heading cost 0.36
// CPU-s of a 20,000-page crawl (TestLooksNotFoundAsExpression).
func looksNotFound(s string) bool {
	if !strings.Contains(s, "404") && !strings.Contains(s, "页面") && !strings.Contains(s, "不存在") &&
		!strings.Contains(s, "删除") && !containsPage(s) {
		return false
	}
	return notFoundPhrase.MatchString(s)
}

// containsPage reports "page" in s in any ASCII case.
func containsPage(s string) bool {
	for i := 0; i+4 <= len(s); i++ {
		if s[i]|0x20 == 'p' && s[i+1]|0x20 == 'a' && s[i+2]|0x20 == 'g' && s[i+3]|0x20 == 'e' {
			return true
		}
	}
	return false
}

// soft404Baseline is the site's own answer for a URL that cannot exist.
type soft404Baseline struct {
	status   int
	finalURL string
	title    string
	textLen  int
	simhash  uint64
}

// soft404Judge decides whether a 200 page is really a "not found" page.
type soft404Judge struct {
	base *soft404Baseline
	home string
}

// is reports whether the page requested as requested answered like the
// site's missing page. bodyLen is the page's size in bytes: visible text is
// only extracted for small pages or when the site answers missing pages
// with 200, so the check costs little on the crawl's hot path.
func (j *soft404Judge) is(requested, final string, doc *goquery.Document, bodyLen int) bool {
	titleNode, h1Node := firstElements(doc, "title", "h1")
	title, h1 := strings.TrimSpace(textOf(titleNode)), strings.TrimSpace(textOf(h1Node))
	if looksNotFound(title) || looksNotFound(h1) {
		return true
	}
	b := j.base
	soft := b != nil && b.status == 200
	if bodyLen > 4000 && !soft {
		return false
	}
	text := visibleText(doc)
	if len(text) < 600 && looksNotFound(text) {
		return true
	}
	if !soft {
		return false
	}
	// The site redirects missing pages somewhere (often the homepage):
	// a page redirected to the same place is missing too.
	if b.finalURL != "" && final == b.finalURL && requested != final && requested != j.home {
		return true
	}
	if title != b.title {
		return false
	}
	lo, hi := float64(b.textLen)*0.8, float64(b.textLen)*1.25+50
	if l := float64(len(text)); l < lo || l > hi {
		return false
	}
	return bits.OnesCount64(simhash(text)^b.simhash) <= 6
}

// firstElements returns the first element named a and the first named b,
// in one walk of the tree (nil for one the page lacks).
func firstElements(doc *goquery.Document, a, b string) (na, nb *html.Node) {
	for i := len(doc.Nodes) - 1; i >= 0; i-- { // the last root first, as it was read
		root := doc.Nodes[i]
		for n := root; n != nil && (na == nil || nb == nil); n = htmlfast.NextNode(root, n, true) {
			if n.Type == html.ElementNode {
				switch {
				case na == nil && n.Data == a:
					na = n
				case nb == nil && n.Data == b:
					nb = n
				}
			}
		}
	}
	return na, nb
}

// textOf is goquery's Text of one node ("" for nil).
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	return goquery.NewDocumentFromNode(n).Text()
}

// visibleText returns the text a person would read, scripts and styles left out.
func visibleText(doc *goquery.Document) string {
	body := doc.Find("body")
	if body.Length() == 0 {
		body = doc.Selection
	}
	c := body.Clone()
	c.Find("script, style, noscript, template").Remove()
	return strings.Join(strings.Fields(c.Text()), " ")
}

// simhash is a 64-bit similarity hash over character bigrams (the first
// 4,000 that are not two spaces): FNV-1a of each bigram's UTF-8, a bit set
// where more hashes have it set than not. It runs on every crawled page:
// it reads the text in place, and counts the 64 bit positions at once in
// bit-sliced counters (plane k holds bit k of every position's count),
// where a loop over the bits of each hash cost 0.7 ms a page.
func simhash(text string) uint64 {
	var h simhasher
	h.writeString(text)
	return h.sum()
}

// simhashBigrams is how many bigrams simhash reads.
const simhashBigrams = 4000

// simhasher computes simhash over text written to it in pieces: the
// hash of the pieces is the hash of their concatenation.
type simhasher struct {
	// Each bit position's count of hashes with it set: its low three
	// bits in ones, twos and fours, the rest in eights, bit-sliced (plane
	// k holds bit k+3 of every position's count). Hashes are added eight
	// at a time by carry-save adders (batch holds the next ones): a
	// counter carried for each hash was half of simhash's time.
	ones, twos, fours uint64
	eights            [10]uint64 // counts up to 8,191
	batch             [8]uint64
	n                 int
	// prevHash is FNV-1a's state after the UTF-8 of the last rune read:
	// a bigram's hash continues it with the second rune's bytes.
	prevHash  uint64
	prevSpace bool
	havePrev  bool
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// full reports whether the hash has read all the bigrams it reads.
func (h *simhasher) full() bool { return h.n >= simhashBigrams }

func (h *simhasher) writeString(text string) {
	// The state is kept in locals through the loop, and the common runes,
	// ASCII and three bytes (Chinese, its punctuation), are hashed unrolled, from a
	// table of FNV-1a's first step for the byte on its own (the bigram's
	// hashes are FNV-1a's as before: TestSimhashAsBefore).
	n, prev, prevSpace, havePrev := h.n, h.prevHash, h.prevSpace, h.havePrev
	for i := 0; i < len(text) && n < simhashBigrams; {
		var pair, own uint64
		space := false
		switch c := text[i]; {
		case c < utf8.RuneSelf:
			pair, own = (prev^uint64(c))*fnvPrime, fnvFirst[c]
			space = c == ' ' || c >= '\t' && c <= '\r'
			i++
		case c >= 0xE4 && c != 0xED && c <= 0xEF && i+2 < len(text) && text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80:
			// U+4000…U+FFFF less the surrogates (Chinese text): valid
			// whatever its last two bytes, never a space.
			b1, b2 := uint64(text[i+1]), uint64(text[i+2])
			pair = (((prev^uint64(c))*fnvPrime^b1)*fnvPrime ^ b2) * fnvPrime
			own = ((fnvFirst[c]^b1)*fnvPrime ^ b2) * fnvPrime
			i += 3
		case c >= 0xE1 && c <= 0xE3 && i+2 < len(text) && text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80:
			// U+1000…U+3FFF (Chinese punctuation, quotes, dashes): valid
			// whatever its last two bytes, a space as spaceLen says.
			b1, b2 := uint64(text[i+1]), uint64(text[i+2])
			pair = (((prev^uint64(c))*fnvPrime^b1)*fnvPrime ^ b2) * fnvPrime
			own = ((fnvFirst[c]^b1)*fnvPrime ^ b2) * fnvPrime
			space = spaceLen(text, i) == 3
			i += 3
		default:
			// The rune's UTF-8 as utf8.AppendRune writes the rune decoded
			// (U+FFFD's for a malformed byte).
			r, size := utf8.DecodeRuneInString(text[i:])
			b := text[i : i+size]
			space = isSpace(r)
			if size == 1 { // a malformed byte
				b = "\uFFFD"
			}
			i += size
			pair, own = prev, fnvOffset
			for k := 0; k < len(b); k++ {
				pair = (pair ^ uint64(b[k])) * fnvPrime
				own = (own ^ uint64(b[k])) * fnvPrime
			}
		}
		if havePrev && (!prevSpace || !space) {
			h.batch[n%8] = pair
			if n++; n%8 == 0 {
				h.addBatch()
			}
		}
		prev, prevSpace, havePrev = own, space, true
	}
	h.n, h.prevHash, h.prevSpace, h.havePrev = n, prev, prevSpace, havePrev
}

// fnvFirst is FNV-1a's state after one byte.
var fnvFirst = func() (t [256]uint64) {
	for c := range t {
		t[c] = (fnvOffset ^ uint64(c)) * fnvPrime
	}
	return t
}()

// csa is a carry-save adder: per bit, a+b+c = 2*hi + lo.
func csa(a, b, c uint64) (hi, lo uint64) {
	u := a ^ b
	return a&b | u&c, u ^ c
}

// addBatch adds the eight hashes of the batch to the counts.
func (h *simhasher) addBatch() {
	x := &h.batch
	twosA, ones := csa(h.ones, x[0], x[1])
	twosB, ones := csa(ones, x[2], x[3])
	foursA, twos := csa(h.twos, twosA, twosB)
	twosA, ones = csa(ones, x[4], x[5])
	twosB, ones = csa(ones, x[6], x[7])
	foursB, twos := csa(twos, twosA, twosB)
	carry, fours := csa(h.fours, foursA, foursB)
	h.ones, h.twos, h.fours = ones, twos, fours
	for k := 0; carry != 0; k++ {
		h.eights[k], carry = h.eights[k]^carry, h.eights[k]&carry
	}
}

func (h simhasher) sum() uint64 {
	// The hashes of an unfinished batch, one at a time.
	for _, x := range h.batch[:h.n%8] {
		carry := x
		h.ones, carry = h.ones^carry, h.ones&carry
		h.twos, carry = h.twos^carry, h.twos&carry
		h.fours, carry = h.fours^carry, h.fours&carry
		for k := 0; carry != 0; k++ {
			h.eights[k], carry = h.eights[k]^carry, h.eights[k]&carry
		}
	}
	var out uint64
	for b := range 64 {
		ones := int(h.ones>>b&1) | int(h.twos>>b&1)<<1 | int(h.fours>>b&1)<<2
		for k, p := range h.eights {
			ones |= int(p>>b&1) << (k + 3)
		}
		if 2*ones > h.n { // more ones than zeros
			out |= 1 << b
		}
	}
	return out
}

// isSpace is unicode.IsSpace, without its table search for the runes
// outside U+1680…U+3000 (where its non-Latin-1 spaces are).
func isSpace(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return r == ' ' || r >= '\t' && r <= '\r'
	case r < 0x1680:
		return r == 0x85 || r == 0xA0
	case r > 0x3000:
		return false
	}
	return unicode.IsSpace(r)
}
