package crawler

import (
	"math/bits"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// notFoundPhrase matches titles and headings of "page not found" pages, as
// Chinese portals' CMSs word them.
var notFoundPhrase = regexp.MustCompile(`(?i)(404\s*(not\s*found|错误|页面)|page\s+not\s+found|页面不存在|页面未找到|找不到(您要访问的|您访问的|该|此)?页面|您(所)?访问的页面(不存在|已删除|找不到)|(文章|信息|内容|栏目)不存在|(信息|内容|页面)已(被)?删除|页面已失效)`)

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
	if notFoundPhrase.MatchString(title) || notFoundPhrase.MatchString(h1) {
		return true
	}
	b := j.base
	soft := b != nil && b.status == 200
	if bodyLen > 4000 && !soft {
		return false
	}
	text := visibleText(doc)
	if len(text) < 600 && notFoundPhrase.MatchString(text) {
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
	stack := append([]*html.Node(nil), doc.Nodes...)
	for len(stack) > 0 && (na == nil || nb == nil) {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Type == html.ElementNode {
			switch {
			case na == nil && n.Data == a:
				na = n
			case nb == nil && n.Data == b:
				nb = n
			}
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
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
	var planes [13]uint64 // counts up to 8,191
	n := 0
	var prev rune
	havePrev := false
	for i := 0; i < len(text) && n < 4000; {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if !havePrev {
			prev, havePrev = r, true
			continue
		}
		if !unicode.IsSpace(prev) || !unicode.IsSpace(r) {
			carry := fnvRunes(prev, r)
			for k := 0; carry != 0; k++ {
				planes[k], carry = planes[k]^carry, planes[k]&carry
			}
			n++
		}
		prev = r
	}
	var out uint64
	for b := range 64 {
		ones := 0
		for k, p := range planes {
			ones |= int(p>>b&1) << k
		}
		if 2*ones > n { // more ones than zeros
			out |= 1 << b
		}
	}
	return out
}

// fnvRunes is FNV-1a (64-bit) of the UTF-8 of a and b.
func fnvRunes(a, b rune) uint64 {
	var buf [2 * utf8.UTFMax]byte
	p := utf8.AppendRune(buf[:0], a)
	p = utf8.AppendRune(p, b)
	h := uint64(14695981039346656037)
	for _, c := range p {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
