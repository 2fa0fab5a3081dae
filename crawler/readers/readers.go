// Package readers reads what government CMS platforms publish outside plain
// markup: Hanweb datastores and their dataproxy paging, TRS createPageHTML
// pagers, lists held in JavaScript literals and JSON endpoints, framed
// lists, meta refresh start pages, download gateways, and the challenge and
// block pages of web application firewalls.
//
// Each reader is one file and a pure function of a fetched page (and of
// the run's ScriptMemo, which only spares reading again what it read to
// nothing): it returns typed results (links with their text, date and
// where they were found, follow-up requests the page's own script would
// make, framed pages) and never does I/O itself. The crawler fetches what the readers ask for and
// feeds the answers back to the reader that asked. Every reader bounds its
// work (Limits) and reports what it left out in Result.Skipped instead of
// hanging on pagers that claim a billion pages or megabytes of literal.
package readers

import (
	"fmt"
	"hash/maphash"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/xunjian/xunjian/crawler/htmlfast"
	"golang.org/x/net/html"
)

// Page is one fetched response as readers see it.
type Page struct {
	// URL is where the body came from (after redirects); references
	// resolve against it, or against the page's <base href>.
	URL    *url.URL
	Status int
	Header http.Header
	// Body is the response decoded to UTF-8 (HTML, XML, JSON or script).
	Body []byte
	// Doc is the parsed HTML page; nil for XML and JSON answers.
	Doc *goquery.Document
	// Request is the follow-up request this page answers (nil for a page
	// the crawl reached by a link). Only the reader that asked reads it.
	Request *Request
	// Scripts remembers the run's inline scripts that hold no list, so
	// that a template's scripts are read on its first page only (nil:
	// every script is read).
	Scripts *ScriptMemo

	// idx is the page's element index, built once for all readers (Read
	// runs the readers one after the other on one goroutine).
	idx *pageIndex
}

// Kind says what a link points at.
type Kind uint8

// Link kinds.
const (
	KindPage       Kind = iota + 1 // a page: crawled when in scope
	KindFrame                      // a framed page
	KindAttachment                 // a file (download gateway, editor attachment)
)

func (k Kind) String() string {
	switch k {
	case KindPage:
		return "page"
	case KindFrame:
		return "frame"
	case KindAttachment:
		return "attachment"
	}
	return "unknown"
}

// Link is one reference a reader found.
type Link struct {
	// URL is absolute (http or https).
	URL  *url.URL
	Kind Kind
	// Text is the anchor text or title, whitespace collapsed.
	Text string
	// Date is the date text shown beside the link ("" if none), as
	// written: "2026-01-05", "01-05", "2026年1月5日". Columns parse it.
	Date string
	// Where names the reader and the place: "hanweb:datastore",
	// "hanweb:dataproxy", "trs:pager", "jslist:script", "meta-refresh"…
	Where string
	// Entry is true for an entry of a list (a column's content).
	Entry bool
	// Redirect is true for a meta refresh or script redirect target: the
	// crawl follows it like an HTTP redirect, at the page's own depth.
	Redirect bool
}

// Request is a follow-up request a page's own script would make, such as
// a Hanweb dataproxy POST for the next group of records.
type Request struct {
	// Reader is the name of the reader that reads the answer.
	Reader      string
	Method      string
	URL         *url.URL
	Body        string
	ContentType string
}

// Key identifies a request for deduplication.
func (r Request) Key() string { return r.Method + " " + r.URL.String() + "\n" + r.Body }

// Result is what the readers found in one page.
type Result struct {
	Links    []Link
	Requests []Request
	// Frames are the pages this page frames in visible iframes or a
	// frameset: their lists belong to this page's column.
	Frames []*url.URL
	// Skipped counts what a reader left out, by reason.
	Skipped map[string]int
}

// Entries returns the list entries among the links.
func (r Result) Entries() []Link {
	var out []Link
	for _, l := range r.Links {
		if l.Entry {
			out = append(out, l)
		}
	}
	return out
}

// skips is the number of things left out, all reasons together.
func (r *Result) skips() int {
	n := 0
	for _, k := range r.Skipped {
		n += k
	}
	return n
}

func (r *Result) skip(reason string, n int) {
	if n <= 0 {
		return
	}
	if r.Skipped == nil {
		r.Skipped = map[string]int{}
	}
	r.Skipped[reason] += n
}

func (r *Result) merge(o Result) {
	r.Links = append(r.Links, o.Links...)
	r.Requests = append(r.Requests, o.Requests...)
	r.Frames = append(r.Frames, o.Frames...)
	for k, v := range o.Skipped {
		r.skip(k, v)
	}
}

// Reader reads one page shape.
type Reader interface {
	// Name is the reader's name in Link.Where, Request.Reader and skip reasons.
	Name() string
	// Read returns what the page holds in this reader's shape. It must not
	// panic or block; it bounds its work by lim.
	Read(p *Page, lim Limits) Result
}

// All returns the page readers in the order they run. Plain markup is read
// by the crawler itself (crawler.ExtractLinks); firewall pages are
// recognised by RecogniseFirewall on any response.
func All() []Reader {
	return []Reader{MetaRefresh{}, Hanweb{}, TRS{}, JSList{}, Iframe{}, Gateway{}}
}

// Read runs every reader on a crawled page, or only the reader that asked
// for it on a follow-up answer, and merges their results. A reader that
// panics on hostile input costs its own results and a skip count, never
// the crawl.
func Read(p *Page, lim Limits) Result {
	lim = lim.WithDefaults()
	p.index(lim)
	var out Result
	for _, r := range All() {
		if p.Request != nil && p.Request.Reader != r.Name() {
			continue
		}
		out.merge(safeRead(r, p, lim))
	}
	return out
}

func safeRead(r Reader, p *Page, lim Limits) (res Result) {
	defer func() {
		if v := recover(); v != nil {
			res = Result{}
			res.skip(r.Name()+"-panic", 1)
		}
	}()
	return r.Read(p, lim)
}

// Limits bound the readers' work on one page.
type Limits struct {
	// MaxPagerPages caps the pages one script pager expands to
	// (createPageHTML(1000000000, …) expands to this many).
	MaxPagerPages int
	// MaxRequests caps the follow-up requests read for one page (dataproxy
	// groups, JSON endpoints), answers' own follow-ups included.
	MaxRequests int
	// MaxEntries caps the links one reader takes from one page.
	MaxEntries int
	// MaxScriptBytes caps the inline script and literal text scanned per page.
	MaxScriptBytes int
	// MaxNesting caps the nesting depth of a JavaScript literal.
	MaxNesting int
}

// DefaultLimits are generous for real portals (a Hanweb group is 45–120
// records, TRS columns rarely pass a few hundred pages) and small enough
// that a hostile page costs milliseconds.
func DefaultLimits() Limits {
	return Limits{MaxPagerPages: 200, MaxRequests: 20, MaxEntries: 2000, MaxScriptBytes: 4 << 20, MaxNesting: 64}
}

// WithDefaults fills zero fields with DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxPagerPages == 0 {
		l.MaxPagerPages = d.MaxPagerPages
	}
	if l.MaxRequests == 0 {
		l.MaxRequests = d.MaxRequests
	}
	if l.MaxEntries == 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxScriptBytes == 0 {
		l.MaxScriptBytes = d.MaxScriptBytes
	}
	if l.MaxNesting == 0 {
		l.MaxNesting = d.MaxNesting
	}
	return l
}

// Validate rejects negative limits.
func (l Limits) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"max_pager_pages", l.MaxPagerPages}, {"max_requests", l.MaxRequests}, {"max_entries", l.MaxEntries},
		{"max_script_bytes", l.MaxScriptBytes}, {"max_nesting", l.MaxNesting}} {
		if f.v < 0 {
			return fmt.Errorf("readers: %s must not be negative, got %d", f.name, f.v)
		}
	}
	return nil
}

// base returns the URL references on the page resolve against: <base
// href> if the page has one, else the page's URL.
func base(p *Page) *url.URL {
	if p.Doc == nil {
		return p.URL
	}
	return p.index(Limits{}).base
}

// resolve reads a reference as a browser does (surrounding space, tabs
// and newlines dropped, backslashes before the query read as slashes)
// and resolves it; only http and https targets are kept.
func resolve(b *url.URL, ref string) (*url.URL, bool) {
	ref = strings.TrimSpace(ref)
	ref = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, ref)
	if ref == "" || strings.HasPrefix(ref, "#") || b == nil {
		return nil, false
	}
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = strings.ReplaceAll(ref[:i], `\`, "/") + ref[i:]
	} else {
		ref = strings.ReplaceAll(ref, `\`, "/")
	}
	r, err := url.Parse(ref)
	if err != nil {
		return nil, false
	}
	u := b.ResolveReference(r)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, false
	}
	u.Fragment, u.RawFragment = "", ""
	return u, true
}

// collapse folds whitespace and caps the text at max runes.
func collapse(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		return string(r[:max]) + "…"
	}
	return s
}

// pageIndex holds the elements the readers look at, gathered in one walk
// of the document: the readers run on every crawled page, and a selector
// search per reader would walk the tree many times.
type pageIndex struct {
	base *url.URL
	// metas are <meta http-equiv> elements.
	metas []*html.Node
	// scripts are the texts of inline JavaScript (and JSON) scripts, at
	// most Limits.MaxScriptBytes in all; scriptBytesLeft counts the rest.
	scripts         []string
	scriptBytesLeft int
	// dataScripts are the texts of <script type="text/xml"> data islands.
	dataScripts []string
	anchors     []*html.Node // <a href>
	frames      []*html.Node // <iframe>, <frame>
}

// index walks the page once; later calls return the same index.
func (p *Page) index(lim Limits) *pageIndex {
	if p.idx != nil {
		return p.idx
	}
	idx := &pageIndex{base: p.URL}
	p.idx = idx
	if p.Doc == nil {
		return idx
	}
	lim = lim.WithDefaults()
	budget := lim.MaxScriptBytes
	baseSeen := false
	// The walk follows the tree's links (nextNode): no stack of nodes.
	for _, root := range p.Doc.Nodes {
		for n := root; n != nil; {
			skip := idx.visit(p, n, &budget, &baseSeen)
			n = htmlfast.NextNode(root, n, !skip)
		}
	}
	return idx
}

// visit adds n to the index; skip says its children are not to be
// walked (a script's text is read here).
func (idx *pageIndex) visit(p *Page, n *html.Node, budget *int, baseSeen *bool) (skip bool) {
	if n.Type == html.ElementNode {
		switch n.Data {
		case "a":
			if _, ok := attrOf(n, "href"); ok {
				idx.anchors = append(idx.anchors, n)
			}
		case "iframe", "frame":
			idx.frames = append(idx.frames, n)
		case "meta":
			if _, ok := attrOf(n, "http-equiv"); ok {
				idx.metas = append(idx.metas, n)
			}
		case "base":
			if href, ok := attrOf(n, "href"); ok && !*baseSeen {
				*baseSeen = true
				if b, ok := resolve(p.URL, href); ok {
					idx.base = b
				}
			}
		case "script":
			if _, ok := attrOf(n, "src"); ok {
				return true
			}
			text := childText(n)
			typ, _ := attrOf(n, "type")
			lang, _ := attrOf(n, "language")
			kind := strings.ToLower(typ + " " + lang)
			switch {
			case strings.Contains(kind, "xml"):
				idx.dataScripts = append(idx.dataScripts, text)
			case typ == "" || strings.Contains(kind, "javascript") || strings.Contains(kind, "ecmascript") || strings.Contains(kind, "json"):
				if len(text) > *budget {
					idx.scriptBytesLeft += len(text)
					return true
				}
				*budget -= len(text)
				idx.scripts = append(idx.scripts, text)
			}
			return true
		}
	}
	return false
}

// childText is the text directly inside an element (a script's code).
func childText(n *html.Node) string {
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode {
		return c.Data // a script's or a style's one text node: no copy
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// attrOf returns an attribute by its (lower-case) name.
func attrOf(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// containsAt reports whether s contains needle, looking for its byte at k
// first: bytes.IndexByte runs a vector loop over the text, while
// strings.Contains of a needle whose first byte is common (the 'c' of
// createPageHTML in script) compares at every position. k should name a
// byte of the needle that is rare in the text searched.
func containsAt(s, needle string, k int) bool {
	c := needle[k]
	for i := k; i < len(s); {
		j := strings.IndexByte(s[i:], c)
		if j < 0 {
			return false
		}
		i += j
		if i-k+len(needle) <= len(s) && s[i-k:i-k+len(needle)] == needle {
			return true
		}
		i++
	}
	return false
}

// anyContains reports whether any of texts contains needle (containsAt).
func anyContains(texts []string, needle string, k int) bool {
	for _, t := range texts {
		if containsAt(t, needle, k) {
			return true
		}
	}
	return false
}

// inlineScripts returns the page's inline scripts and the bytes left out
// past lim.MaxScriptBytes.
func inlineScripts(p *Page, lim Limits) (scripts []string, skipped int) {
	idx := p.index(lim)
	return idx.scripts, idx.scriptBytesLeft
}

// ScriptMemo remembers inline scripts that held no list: a site's
// template scripts come with every page, the same bytes each time, and
// parsing their literals again was most of what the page readers cost
// (two scripts, 12 KB, on each of the benchmark site's 20,000 pages: 60
// of the readers' 80 µs a page). A script is remembered, by a 64-bit
// hash of its text and its length, when JSList read it to no link and
// no skip and it names no JSON endpoint: for one run's Limits the
// reading depends on nothing else but the page's base URL, and on that
// only through the scheme of the links it resolves, so scripts are
// remembered and skipped on pages with http or https bases only. A
// collision of two scripts' hashes (about 1 in 10^15 a script read,
// the memo full) would skip one script. It holds at most maxMemoScripts
// scripts; safe for concurrent use; a nil memo remembers nothing.
type ScriptMemo struct {
	seed  maphash.Seed
	mu    sync.Mutex
	known map[scriptKey]struct{}
}

type scriptKey struct {
	hash uint64
	size int
}

// maxMemoScripts bounds a memo (a site whose scripts differ on every
// page fills it and is read as without it).
const maxMemoScripts = 4096

// NewScriptMemo returns an empty memo.
func NewScriptMemo() *ScriptMemo {
	return &ScriptMemo{seed: maphash.MakeSeed(), known: map[scriptKey]struct{}{}}
}

// plain returns the script's key and whether it is remembered.
func (m *ScriptMemo) plain(s string) (scriptKey, bool) {
	if m == nil {
		return scriptKey{}, false
	}
	k := scriptKey{maphash.String(m.seed, s), len(s)}
	m.mu.Lock()
	_, ok := m.known[k]
	m.mu.Unlock()
	return k, ok
}

// add remembers the script of key k.
func (m *ScriptMemo) add(k scriptKey) {
	if m == nil {
		return
	}
	m.mu.Lock()
	if len(m.known) < maxMemoScripts {
		m.known[k] = struct{}{}
	}
	m.mu.Unlock()
}
