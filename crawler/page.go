package crawler

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
)

// LinkKind says what kind of resource a reference points at; it decides
// whether the target is crawled as a page or only checked for availability,
// and how a failure is named (链接失效, 图片失效, 附件失效).
type LinkKind uint8

// Link kinds.
const (
	KindPage       LinkKind = iota + 1 // a[href], area, iframe, frame: a page to crawl or check
	KindImage                          // img src/srcset, input[type=image], video poster
	KindScript                         // script[src]
	KindStyle                          // link[href] (stylesheets, icons, alternates)
	KindFrame                          // iframe[src], frame[src]
	KindEmbed                          // embed[src], object[data], audio/video/source
	KindAttachment                     // a document or archive by its extension or content type
	KindForm                           // form[action]: recorded, never submitted
)

// String names the kind in the JSON contract.
func (k LinkKind) String() string {
	switch k {
	case KindPage:
		return "link"
	case KindImage:
		return "image"
	case KindScript:
		return "script"
	case KindStyle:
		return "stylesheet"
	case KindFrame:
		return "frame"
	case KindEmbed:
		return "media"
	case KindAttachment:
		return "attachment"
	case KindForm:
		return "form"
	}
	return "unknown"
}

// Link is one reference found in a page.
type Link struct {
	// URL is the normalised absolute target.
	URL *url.URL
	// Kind is what the reference points at.
	Kind LinkKind
	// Tag and Attr name where it was found, e.g. "img" and "src".
	Tag  string
	Attr string
	// Text is the anchor text, alt or title, whitespace collapsed and capped.
	Text string
	// Redirect is true for a meta refresh or script redirect target: it
	// is followed like an HTTP redirect, at the page's own depth.
	Redirect bool
}

// ListEntry is an entry of a list that a page reader found outside the
// markup (a Hanweb datastore or dataproxy group, a JavaScript literal, a
// TRS article URL): its target, title and the date text shown beside it.
type ListEntry struct {
	URL   string
	Title string
	// Date is the date as written ("2026-01-05", "01-05"); "" if none.
	Date string
	// Where names the reader and place, e.g. "hanweb:dataproxy".
	Where string
}

// Page is a fetched, decoded and parsed HTML page: what checks receive. It
// carries no colly types.
type Page struct {
	// URL is the URL requested; FinalURL the one answered after redirects.
	URL      *url.URL
	FinalURL *url.URL
	Status   int
	Header   http.Header
	// Charset is the encoding the body was decoded from.
	Charset string
	// Text is the page decoded to UTF-8. It is read-only: the text and
	// attribute values of Doc, and the links' URLs and texts, are views
	// of its bytes. A crawled page's Text is, when the page came as
	// UTF-8, its body, whose buffer is the next page's once onPage has
	// returned (bodypool.go): whatever keeps a string of the page copies
	// it (strings.Clone).
	Text []byte
	// Truncated is true when the page exceeded crawl.max_page_bytes.
	Truncated bool
	// Doc is the page's tree. A crawled page's tree lives until onPage
	// has returned (Crawler.Run): its nodes and attribute slices are
	// then the next page's (htmlfast.Arena). Keep strings, never nodes,
	// selections or attribute slices.
	Doc   *goquery.Document
	Links []Link
	Depth int
	// Home is true for the site's homepage.
	Home bool
	// Flattened is true when the page nested too deep to parse as is and
	// was flattened (see ParseHTML): a sign of a hacked page.
	Flattened bool
	// Reused says whether the page was read in this run (Fresh) or stands
	// in from Config.Memory (recall.go): then Known is what was known, the
	// page has its URL, links and frames but no document or text, and the
	// inspection replays its record.
	Reused Reuse
	Known  *Known
	// Memo and Daily are what the callback keeps with the page in
	// Config.Memory: its own record of the page, and whether the page must
	// be requested every day (a column, a page with findings).
	Memo  json.RawMessage
	Daily bool
	// frames and followUps are what the page readers did with the page.
	frames    []string
	followUps int
	// Entries are the list entries page readers found outside the markup
	// (crawler/readers), follow-up requests included.
	Entries []ListEntry
	// FramedBy is the page that frames this one in a visible iframe or
	// frameset (nil if none): this page's lists belong to its column.
	FramedBy *url.URL
	// ScriptFed is true when the page's own scripts build its content
	// (see renderhook.go); Rendered is then its document as a browser
	// built it, when the run could render it (nil otherwise, with
	// RenderError saying why when rendering failed). Links only the
	// rendered document has are in Links, tagged "rendered:".
	ScriptFed   bool
	Rendered    *goquery.Document
	RenderError string
}

// collapse folds runs of whitespace to one space and caps the length in
// runes (the first max runes, a malformed byte read as U+FFFD, and "…").
// Text that needs neither (most anchors') is returned as it is.
func collapse(s string, max int) string {
	if !collapsed(s) {
		var b strings.Builder
		b.Grow(len(s))
		eachField(s, func(w string) bool {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
			return true
		})
		s = b.String()
	}
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	var b strings.Builder
	b.Grow(4*max + len("…"))
	for _, r := range s {
		if max--; max < 0 {
			break
		}
		b.WriteRune(r)
	}
	b.WriteString("…")
	return b.String()
}

// collapsed reports whether s is its fields joined by single spaces.
func collapsed(s string) bool {
	prevSpace := true // no space at the start
	for i := 0; i < len(s); {
		switch byteClass[s[i]] {
		case classSpace:
			if s[i] != ' ' || prevSpace {
				return false
			}
			prevSpace = true
			i++
			continue
		case classMaybeSpace:
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return false
			}
			prevSpace = false
			i += size
			continue
		}
		prevSpace = false
		i++
	}
	return !prevSpace || s == ""
}

// Attachment is a downloaded document (by extension or content type), for
// checks that read attachments. It is never parsed as a page.
type Attachment struct {
	URL      *url.URL
	FinalURL *url.URL
	Status   int
	Header   http.Header
	Body     []byte
	// Truncated is true when the file exceeded crawl.max_page_bytes.
	Truncated bool
	// Name is the file name the server gave (Content-Disposition, GBK and
	// RFC 5987 names decoded); "" when it gave none.
	Name string
	// Reused, Known, Memo and Daily are as in Page: a remembered file has
	// no body, and the inspection replays its record.
	Reused Reuse
	Known  *Known
	Memo   json.RawMessage
	Daily  bool
}
