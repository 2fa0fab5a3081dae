package readers

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xunjian/xunjian/dates"
)

// JSList reads lists that pages keep in JavaScript literals and render
// with document.write or a template (var itemObj = [{"aT":…,"aPd":…,
// "aU":…}], JSONP pushes such as pushInfoJsonpCallBack([{title, link,
// pubDate}])) and the JSON answers of list endpoints (gkmlpt's
// {"articles":[{title, url, first_publish_time}]}).
//
// Field names are opaque and differ per template, so an entry is an
// object (or array) whose values look like a link, a title and a date:
// a path or URL, the longest text with Chinese or words in it, and a date
// string or a Unix time under a date-like key. Inline scripts also name
// the JSON endpoints they fetch ('…/list.json'); those same-site URLs are
// requested as follow-ups.
type JSList struct{}

// Name implements Reader.
func (JSList) Name() string { return "jslist" }

var (
	// endpointLiteral is a quoted same-site JSON endpoint in a script.
	endpointLiteral = regexp.MustCompile(`["']((?:https?:)?[^"'\s<>]*?\.json(?:\?[^"'\s<>]*)?)["']`)
	linkLike        = regexp.MustCompile(`(?i)^(https?:)?//|^\.{0,2}/|\.(s?html?|jhtml|jsp|aspx?|php|do|pdf|docx?|xlsx?|wps|et|ofd|zip|rar)([?#]|$)`)
	imageLike       = regexp.MustCompile(`(?i)\.(jpe?g|png|gif|bmp|webp|svg|ico|css|js)([?#]|$)`)
	dateKey         = regexp.MustCompile(`(?i)time|date|day|pd$|dt$|publish|fbrq|fbsj|rq$|sj$`)
)

// parsers are literal parsers with their slabs, reused from page to page.
var parsers = sync.Pool{New: func() any { return new(literalParser) }}

// isLinkLike is linkLike.MatchString, without the regexp for the strings
// that cannot match (no '/' and no '.'): most values of a template's
// settings literals.
func isLinkLike(s string) bool {
	return strings.ContainsAny(s, "/.") && linkLike.MatchString(s)
}

// Read implements Reader.
func (r JSList) Read(p *Page, lim Limits) Result {
	var out Result
	b := base(p)
	if p.Request != nil || p.Doc == nil {
		// A JSON (or JSONP, or script) answer.
		body := string(p.Body)
		if len(body) > lim.MaxScriptBytes {
			out.skip("jslist-too-large", 1)
			body = body[:lim.MaxScriptBytes]
		}
		r.scan(body, b, "jslist:endpoint", lim, &out)
		return out
	}
	scripts, left := inlineScripts(p, lim)
	if left > 0 {
		out.skip("jslist-script-too-large", 1)
	}
	// Remembered scripts held nothing for any page whose references
	// resolve to http or https (ScriptMemo): a page whose base is not
	// http (a page at a file: URL) neither reads nor adds to the memo.
	memo := p.Scripts
	if b == nil || b.Scheme != "http" && b.Scheme != "https" || b.Host == "" {
		memo = nil
	}
	seen := map[string]bool{}
	for _, s := range scripts {
		key, plain := memo.plain(s)
		if plain {
			continue
		}
		links, skips := len(out.Links), out.skips()
		r.scan(s, b, "jslist:script", lim, &out)
		if !containsAt(s, ".json", 1) {
			// No endpoint (the regexp is slow on long scripts); nothing
			// found, nothing left out: the script holds no list.
			if len(out.Links) == links && out.skips() == skips {
				memo.add(key)
			}
			continue
		}
		for _, m := range endpointLiteral.FindAllStringSubmatch(s, -1) {
			u, ok := resolve(b, m[1])
			if !ok || u.Host != p.URL.Host || seen[u.String()] {
				continue
			}
			seen[u.String()] = true
			if len(out.Requests) >= lim.MaxRequests {
				out.skip("jslist-endpoints-capped", 1)
				continue
			}
			out.Requests = append(out.Requests, Request{Reader: r.Name(), Method: "GET", URL: u})
		}
	}
	return out
}

// scan finds the array and object literals in a script or JSON text and
// takes their entries.
func (r JSList) scan(s string, b *url.URL, where string, lim Limits, out *Result) {
	taken := 0
	seen := map[string]bool{}
	maxValues := lim.MaxEntries * 16
	// Failed parses rescan text; bound the work to a few passes over it.
	work, maxWork := 0, 4*len(s)+1024
	lp := parsers.Get().(*literalParser)
	lp.maxDepth = lim.MaxNesting
	defer func() { lp.reset(); parsers.Put(lp) }()
	// The next '[' and '{' are found by strings.IndexByte (a vector
	// loop), not by reading every byte of the script.
	nextSquare, nextCurly := -1, -1
	for i := 0; i < len(s); i++ {
		if nextSquare < i {
			nextSquare = nextByte(s, i, '[')
		}
		if nextCurly < i {
			nextCurly = nextByte(s, i, '{')
		}
		i = min(nextSquare, nextCurly)
		if i == len(s) {
			return
		}
		if !literalStart(s, i) {
			continue
		}
		v, end, err := lp.parse(s, i, maxValues)
		if work += end - i; work > maxWork {
			out.skip("jslist-scan-capped", 1)
			return
		}
		if err != nil {
			if err == errTooDeep || err == errTooLarge {
				out.skip("jslist-literal-too-large", 1)
				// Skip the rest of the structure: resuming inside it
				// would re-parse its parts.
				return
			}
			continue
		}
		before := taken
		r.entries(v, b, where, lim, out, &taken, seen, 0)
		if taken > before || end > i+1 {
			i = end - 1
		}
		if taken >= lim.MaxEntries {
			return
		}
	}
}

// nextByte is the index of the first c in s from i on, len(s) if none.
func nextByte(s string, i int, c byte) int {
	if j := strings.IndexByte(s[i:], c); j >= 0 {
		return i + j
	}
	return len(s)
}

// literalStart reports a bracket where a literal value begins: after =,
// (, :, a comma, "return" or at the start of the text; not an index
// expression such as a[0].
func literalStart(s string, i int) bool {
	j := i - 1
	for j >= 0 && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
		j--
	}
	if j < 0 {
		return true
	}
	switch s[j] {
	case '=', '(', ':', ',', '[', ';', '{', '?':
		return true
	}
	return j >= 5 && s[j-5:j+1] == "return"
}

// entries walks a literal and adds every entry-like object or array.
func (r JSList) entries(v *jsValue, b *url.URL, where string, lim Limits, out *Result, taken *int, seen map[string]bool, depth int) {
	if v == nil || depth > lim.MaxNesting || v.kind != jsObject && v.kind != jsArray {
		return // a scalar is no entry and holds none
	}
	if e, ok := entryOf(v, b); ok {
		if *taken >= lim.MaxEntries {
			out.skip("jslist-entries-capped", 1)
			return
		}
		if !seen[e.URL.String()] {
			seen[e.URL.String()] = true
			e.Where = where
			out.Links = append(out.Links, e)
			*taken++
		}
		return
	}
	for _, c := range v.vals {
		if *taken >= lim.MaxEntries {
			out.skip("jslist-entries-capped", 1)
			return
		}
		r.entries(c, b, where, lim, out, taken, seen, depth+1)
	}
}

// entryOf reads one object or flat array as a list entry: a link, a title
// and (if present) a date.
func entryOf(v *jsValue, b *url.URL) (Link, bool) {
	if v.kind != jsObject && v.kind != jsArray || !mayHoldLink(v) {
		return Link{}, false
	}
	type field struct {
		key string
		val *jsValue
	}
	var buf [8]field
	fields := buf[:0]
	for i, c := range v.vals {
		if c.kind == jsObject || c.kind == jsArray {
			continue
		}
		k := ""
		if v.kind == jsObject {
			k = v.keys[i]
		}
		fields = append(fields, field{k, c})
	}
	if len(fields) < 2 {
		return Link{}, false
	}
	linkAt, dateAt, titleAt := -1, -1, -1
	for i, f := range fields {
		s := strings.TrimSpace(f.val.str)
		if f.val.kind == jsString && linkAt < 0 && strings.ContainsAny(s, "/.") && strings.Trim(s, "./") != "" && !strings.ContainsAny(s, " <>\"") &&
			isLinkLike(s) && !imageLike.MatchString(s) && !strings.HasPrefix(strings.ToLower(s), "javascript:") {
			linkAt = i
		}
	}
	if linkAt < 0 {
		return Link{}, false
	}
	for i, f := range fields {
		if i == linkAt || dateAt >= 0 {
			continue
		}
		if dateText(f.key, f.val) != "" {
			dateAt = i
		}
	}
	best := 0
	for i, f := range fields {
		if i == linkAt || i == dateAt || f.val.kind != jsString {
			continue
		}
		if n := titleScore(f.val.str); n > best {
			best, titleAt = n, i
		}
	}
	if titleAt < 0 {
		return Link{}, false
	}
	u, ok := resolve(b, fields[linkAt].val.str)
	if !ok {
		return Link{}, false
	}
	// Copies: the parser's strings share the script's memory.
	l := Link{URL: u, Kind: KindPage, Text: strings.Clone(collapse(fields[titleAt].val.str, 100)), Entry: true}
	if dateAt >= 0 {
		l.Date = strings.Clone(dateText(fields[dateAt].key, fields[dateAt].val))
	}
	return l, true
}

// mayHoldLink reports whether one of v's scalar members is a string
// with a '/' or a '.', as every entry's link is: most objects of a
// template's scripts (settings, options) have none and are done here.
func mayHoldLink(v *jsValue) bool {
	for _, c := range v.vals {
		if c.kind == jsString && strings.ContainsAny(c.str, "/.") {
			return true
		}
	}
	return false
}

// titleScore ranks a string as a title: Chinese characters and letters
// count, dates and links do not.
func titleScore(s string) int {
	s = strings.TrimSpace(s)
	if s == "" || isLinkLike(s) && !strings.ContainsRune(s, ' ') && utf8.RuneCountInString(s) == len(s) {
		return 0
	}
	if f, ok := dates.First(s, dates.Options{}); ok && f.End-f.Start >= len(s)-2 {
		return 0
	}
	n, han := 0, 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			n += 2
			han++
		case unicode.IsLetter(r):
			n++
		}
	}
	// Government titles are Chinese; a Latin title needs a few words
	// ("bottom", "full" are settings, not titles).
	if han < 2 && (len(strings.Fields(s)) < 3 || n < 10) {
		return 0
	}
	return n
}

// cst is China Standard Time, for Unix times in JSON answers.
var cst = time.FixedZone("CST", 8*3600)

// dateText returns the date a value shows: a date string as written, or
// a Unix time (seconds or milliseconds) under a date-like key, as a
// YYYY-MM-DD date in China Standard Time.
func dateText(key string, v *jsValue) string {
	s := strings.TrimSpace(v.str)
	switch v.kind {
	case jsString:
		if len(s) > 40 {
			return ""
		}
		if f, ok := dates.First(s, dates.Options{}); ok && f.Start <= 2 {
			return s[f.Start:f.End]
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && dateKey.MatchString(key) {
			return unixDate(n)
		}
	case jsNumber:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && dateKey.MatchString(key) {
			return unixDate(n)
		}
	}
	return ""
}

func unixDate(n int64) string {
	if n > 1e12 {
		n /= 1000
	}
	if n < 946684800 || n > 4102444800 { // 2000 … 2100
		return ""
	}
	return time.Unix(n, 0).In(cst).Format("2006-01-02")
}
